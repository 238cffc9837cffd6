// bench/web/dashboard.mjs — see run.sh. Each load is a fresh browser
// context (cold cache) that logs in through the API cookie, then opens the
// page and waits for what a person waits for.
import { Server } from '../../tests/api/harness.mjs';
import { launch } from '../../tests/browser/browser.mjs';

const RUNS = Number(process.env.WEB_BENCH_RUNS || 5);
const PARTIES = Number(process.env.WEB_BENCH_PARTIES || 2000);

const server = await new Server({ demo: PARTIES }).start();
const browser = await launch();
try {
  const api = await server.login();
  const run = await api.post('/api/v1/analytics/runs?wait=true', {});
  if (run.status !== 200) throw new Error('analytics run: ' + run.text);
  const cookie = api.cookie.split('=');

  async function context() {
    const ctx = await browser.newContext({ baseURL: server.base, locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
    await ctx.addCookies([{ name: cookie[0], value: cookie.slice(1).join('='), url: server.base }]);
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    let bytes = 0;
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    return { ctx, page, bytes: () => bytes, reset: () => { bytes = 0; } };
  }

  const dash = [];
  const list = [];
  for (let i = 0; i < RUNS; i++) {
    const c = await context();
    const t0 = Date.now();
    await c.page.goto('/');
    await c.page.waitForSelector('.kpi[data-kpi=overdue]');
    await c.page.waitForFunction(() => {
      const charts = [...document.querySelectorAll('[data-chart]')];
      return charts.length >= 9 && charts.every((el) => el.hasAttribute('data-drawn') || el.querySelector('.muted'))
        && document.querySelector('.equity-total') && !document.querySelector('.card-tasks .loading');
    });
    dash.push({ ms: Date.now() - t0, bytes: c.bytes() });
    await c.ctx.close();

    const l = await context();
    const t1 = Date.now();
    await l.page.goto('/customers');
    await l.page.waitForSelector('tbody tr a.name-link');
    list.push({ ms: Date.now() - t1, bytes: l.bytes() });
    await l.ctx.close();
  }

  // The peer: the party scan the dashboard made before (every page of 500).
  const peer = await context();
  await peer.page.goto('/settings');
  await peer.page.waitForSelector('h1');
  peer.reset();
  const t2 = Date.now();
  const scanned = await peer.page.evaluate(async () => {
    let after = '', n = 0;
    for (;;) {
      const r = await (await fetch('/api/v1/parties?sort=id&limit=500' + (after ? '&after=' + encodeURIComponent(after) : ''))).json();
      n += r.items.length;
      if (!r.next || n >= 5000) return n;
      after = r.next;
    }
  });
  const peerMs = Date.now() - t2;
  const peerBytes = peer.bytes();
  await peer.ctx.close();

  const stat = (xs, k) => { const s = xs.map((x) => x[k]).sort((a, b) => a - b); return { best: s[0], median: s[Math.floor(s.length / 2)] }; };
  const kb = (b) => (b / 1024).toFixed(1) + ' KB';
  const d = stat(dash, 'ms'), db = stat(dash, 'bytes'), lm = stat(list, 'ms');
  console.log(`web UI on ${PARTIES} demo parties, Chromium, ${RUNS} cold loads each (zh-CN, 1280×800)`);
  console.log(`dashboard complete   best ${d.best} ms, median ${d.median} ms   (target < 1000 ms)  ${d.median < 1000 ? 'ok' : 'OVER'}`);
  console.log(`dashboard transfer   best ${kb(db.best)}, median ${kb(db.median)}   (target < 300 KB)  ${db.median < 300 * 1024 ? 'ok' : 'OVER'}`);
  console.log(`customer list rows   best ${lm.best} ms, median ${lm.median} ms   (target < 500 ms)  ${lm.median < 500 ? 'ok' : 'OVER'}`);
  console.log(`peer: the former party scan alone (${scanned} parties)  ${peerMs} ms, ${kb(peerBytes)}`);
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}
