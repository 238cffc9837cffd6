// dashboard_lists: every dashboard number opens the list it counts, and the
// dashboard counts on the server (issue 15 items 3, 5, 12) — an RFM tile
// opens /customers?rfm_segment= showing the same count as the API; the
// list's filters include every score filter (RFM segment, strategy,
// priority, CLV and P(alive) ranges), without the cost-derived ones for a
// role that may not see costs; the dashboard downloads no party pages; the
// overdue / due-today cards follow the mine / everyone switch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, other;

before(async () => {
  server = await new Server({ demo: 300 }).start();
  api = await server.login();
  const run = await api.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(run.status, 200, run.text);
  const u = await api.post('/api/v1/users', { email: 'li@example.com', name: '李明', role: 'sales', password: 'correct horse battery 9' });
  assert.equal(u.status, 201, u.text);
  other = u.body;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

const idle = (page) => page.waitForFunction(() => !document.querySelector('.table-wrap[aria-busy]') && document.querySelector('.match-count')?.dataset.count);

test('an RFM tile opens the customers of that segment, counted as the API counts them', async () => {
  const summary = (await api.get('/api/v1/analytics/summary')).body;
  const [seg, n] = Object.entries(summary.counts.rfm_segment).filter(([, c]) => c > 0).sort((a, b) => a[1] - b[1])[0];
  const page = await openPage(browser, server);
  await login(page);
  await page.waitForSelector('.kpi[data-kpi=parties]');
  await page.locator(`.rfm-tile[data-value=${seg}] a`).click();
  await page.waitForURL(new RegExp(`/customers\\?rfm_segment=${seg}$`));
  await idle(page);
  assert.equal(Number(await page.locator('.match-count').getAttribute('data-count')), n);
  assert.equal((await api.get(`/api/v1/parties?rfm_segment=${seg}&count=true`)).body.count, n);
  assert.equal(await page.locator('#filter-panel').getByLabel('RFM segment').inputValue(), seg);
  assertHealthy(page, server.base);
});

test('the dashboard counts on the server: no party pages downloaded, the numbers are the API\'s', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.waitForSelector('.kpi[data-kpi=overdue]');
  await page.waitForSelector('[data-chart=roles] .chart-legend');
  const partyPages = page.requests.filter((r) => /\/api\/v1\/parties\?/.test(r.url));
  assert.deepEqual(partyPages.map((r) => r.url), [], 'the dashboard lists no parties');
  const kpi = async (k) => Number(await page.getAttribute(`.kpi[data-kpi=${k}]`, 'data-count'));
  const count = async (q) => (await api.get('/api/v1/parties?count=true&limit=1&' + q)).body.count;
  assert.equal(await kpi('parties'), await count(''));
  assert.equal(await kpi('customers'), await count('roles=customer'));
  assert.equal(await kpi('vip'), await count('importance=vip'));
  // Each legend entry of a breakdown links to its list with the count the API gives it.
  for (const chart of ['roles', 'source', 'city']) {
    const a = page.locator(`[data-chart=${chart}] .chart-legend a`).first();
    const href = await a.getAttribute('href');
    const q = href.split('?')[1];
    assert.equal(Number(await a.getAttribute('data-count')), await count(q), href);
  }
  assertHealthy(page, server.base);
});

test('the overdue and due-today cards follow the mine / everyone switch', async () => {
  const parties = (await api.get('/api/v1/parties?limit=3')).body.items;
  const past = new Date(Date.now() - 3 * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const p of parties) {
    const r = await api.post('/api/v1/interactions', { party_id: p.id, channel: 'call', status: 'planned', due_at: past, user_id: other.id });
    assert.equal(r.status, 201, r.text);
  }
  const page = await openPage(browser, server);
  await login(page);
  const overdue = () => page.getAttribute('.kpi[data-kpi=overdue]', 'data-count').then(Number);
  await page.waitForSelector('.kpi[data-kpi=overdue]');
  await page.getByRole('button', { name: 'Mine' }).click();
  const mineWant = (await api.get(`/api/v1/interactions?status=planned&count=true&limit=1&user_id=${api.user.id}&due_at_to=${encodeURIComponent(new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'))}`)).body.count;
  await page.waitForFunction((n) => document.querySelector('.kpi[data-kpi=overdue]')?.dataset.count === String(n), mineWant);
  await page.getByRole('button', { name: 'Everyone' }).click();
  await page.waitForFunction((n) => Number(document.querySelector('.kpi[data-kpi=overdue]')?.dataset.count) >= n, mineWant + 3);
  const allList = await page.locator('ul.tasks[data-group=overdue] li').count();
  assert.equal(await overdue(), Math.max(allList, await overdue()));
  assert.match(await page.locator('.kpi[data-kpi=overdue]').getAttribute('href'), /^\/tasks\?view=overdue&scope=all$/);
  assertHealthy(page, server.base);
});

test('the list offers every score filter; a role without costs gets none of the cost-derived ones', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto('/customers?priority=A&p_alive_min=0.5');
  await idle(page);
  const panel = page.locator('#filter-panel');
  for (const name of ['RFM 分群', '关系策略', '服务优先级', '终身价值不低于（元）', '终身价值不高于（元）', '仍活跃概率不低于（%）', '金字塔层级']) {
    assert.equal(await panel.getByLabel(name, { exact: true }).count(), 1, name);
  }
  assert.equal(await panel.getByLabel('仍活跃概率不低于（%）').inputValue(), '50');
  assert.equal(Number(await page.locator('.match-count').getAttribute('data-count')),
    (await api.get('/api/v1/parties?priority=A&p_alive_min=0.5&count=true')).body.count);
  await panel.getByLabel('终身价值不低于（元）').fill('100');
  await panel.getByLabel('终身价值不低于（元）').press('Enter');
  await page.waitForURL(/clv_min=10000/);
  await idle(page);
  assert.equal(Number(await page.locator('.match-count').getAttribute('data-count')),
    (await api.get('/api/v1/parties?priority=A&p_alive_min=0.5&clv_min=10000&count=true')).body.count);
  assertHealthy(page, server.base);

  const sales = await openPage(browser, server, { locale: 'zh-CN' });
  await login(sales, { email: 'li@example.com', password: 'correct horse battery 9' });
  await sales.goto('/customers?tier=gold&strategy=caring&rfm_segment=champions');
  await idle(sales);
  const sp = sales.locator('#filter-panel');
  for (const name of ['金字塔层级', '关系策略', '终身价值不低于（元）', '终身价值不高于（元）']) assert.equal(await sp.getByLabel(name, { exact: true }).count(), 0, name);
  for (const name of ['RFM 分群', '服务优先级', '仍活跃概率不低于（%）']) assert.equal(await sp.getByLabel(name, { exact: true }).count(), 1, name);
  assert.equal(await sales.locator('.error-state').count(), 0);
  assert.ok(!sales.requests.some((r) => /\/api\/v1\/parties\?.*(tier=gold|strategy=)/.test(r.url)), 'no refused filter sent');
  assertHealthy(sales, server.base);
});
