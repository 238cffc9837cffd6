// assets: what the browser really downloads — every script and stylesheet
// arrives gzip-compressed, the JavaScript of the first pages stays far under
// the 300 KB budget, and a second visit revalidates the cached files (304s
// with no bodies) instead of downloading them again. Logs the first-page
// times, cold and warm, for docs/PERFORMANCE.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser;
before(async () => {
  server = await new Server({ demo: 100 }).start();
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

/** Records the same-origin non-API responses of page: {url, status, encoding, bytes on the wire}. */
function recordAssets(page) {
  const seen = [];
  page.on('requestfinished', async (req) => {
    const url = new URL(req.url());
    if (url.origin !== server.base || url.pathname.startsWith('/api/')) return;
    const res = await req.response();
    const sizes = await req.sizes();
    seen.push({ path: url.pathname, status: res.status(), encoding: (await res.allHeaders())['content-encoding'] || 'identity',
      etag: (await res.allHeaders()).etag, bytes: sizes.responseBodySize, fromCache: res.fromServiceWorker() });
  });
  return seen;
}

const firstPage = (page) => page.evaluate(() => performance.getEntriesByName('rapport:first-page')[0].startTime);

test('scripts and styles arrive compressed; the JavaScript of the first pages is far under 300 KB', async () => {
  const warm = await openPage(browser, server);   // the browser's first renderer start is not the app's time
  await warm.goto('/healthz');
  await warm.context().close();
  const page = await openPage(browser, server);
  const seen = recordAssets(page);
  await page.goto('/');
  await page.locator('input[name=email]').waitFor();
  const loginMs = await firstPage(page);
  await login(page);
  await page.waitForSelector('[data-chart=relationship_level][data-drawn]');
  await page.waitForTimeout(200);   // the last requestfinished events
  // The first answer for each file (logging in loads /login again, which revalidates what it has).
  const code = seen.filter((r, i) => (/\.(js|css)$/.test(r.path) || r.path === '/') && seen.findIndex((x) => x.path === r.path) === i);
  assert.ok(seen.some((r) => r.status === 304), 'the second load of /login revalidated its files');
  assert.ok(code.some((r) => r.path === '/vendor/chart.js'), 'the dashboard loaded chart.js');
  for (const r of code) {
    assert.equal(r.status, 200, r.path);
    assert.equal(r.encoding, 'gzip', r.path + ' was not compressed');
    assert.match(r.etag, /^"[0-9a-f]{16}-[0-9a-f]+-gz"$/, r.path);
  }
  const js = code.filter((r) => r.path.endsWith('.js'));
  const total = js.reduce((n, r) => n + r.bytes, 0);
  console.log(`# login page drawn after ${Math.round(loginMs)} ms (cold cache); login + dashboard fetched ${js.length} scripts, ${(total / 1024).toFixed(1)} KB gzip on the wire`);
  assert.ok(total > 10 * 1024 && total < 300 * 1024, `${total} bytes of JavaScript`);
  assertHealthy(page, server.base);

  // A second visit in the same browser: the cached files are revalidated, nothing is downloaded again.
  await page.goto('/customers');
  await page.waitForSelector('table.table');
  await page.waitForTimeout(200);
  seen.length = 0;
  await page.reload();
  await page.waitForSelector('table.table');
  await page.waitForTimeout(200);
  const again = seen.filter((r) => /\.(js|css)$/.test(r.path));
  assert.ok(again.length > 5, 'the modules were requested again');
  const downloaded = again.filter((r) => r.status === 200 && r.bytes > 0);
  assert.deepEqual(downloaded.map((r) => r.path), [], 'files downloaded again instead of revalidated');
  const warmMs = await firstPage(page);
  console.log(`# customers page drawn after ${Math.round(warmMs)} ms on a reload (${again.filter((r) => r.status === 304).length} files revalidated with 304)`);
  await page.context().close();
});
