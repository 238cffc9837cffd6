// smaller: the smaller findings of issue 15 (item 14) — the breadcrumb ends
// in the customer's name; products sort by name in pinyin order in Chinese
// (中秋礼盒 is not first) as customers do; a prospect who has bought is
// offered the move to customer, and the role then says customer; the value
// quadrant is not named with the pyramid's tier names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, prospect;

before(async () => {
  server = await new Server({ demo: 40 }).start();
  api = await server.login();
  for (const name of ['中秋礼盒', '安心礼包', '百合花茶', '茶叶礼盒']) assert.equal((await api.post('/api/v1/products', { name })).status, 201);
  prospect = (await api.post('/api/v1/parties', { kind: 'person', name: '潘婷', roles: ['prospect'] })).body;
  await api.post('/api/v1/transactions', { party_id: prospect.id, amount: { amount: 880000, currency: 'CNY' }, occurred_at: '2026-11-20T02:00:00Z' });
  assert.equal((await api.post('/api/v1/analytics/runs?wait=true', {})).status, 200);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('products sort in pinyin order in Chinese', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto('/products');
  await page.waitForSelector('tbody tr');
  const names = (await page.locator('tbody .name-text').allInnerTexts()).filter((n) => /[\u4e00-\u9fff]/.test(n));
  const want = [...names].sort(new Intl.Collator('zh-CN-u-co-pinyin').compare);
  assert.deepEqual(names, want);
  assert.ok(names.indexOf('安心礼包') < names.indexOf('中秋礼盒') && names.indexOf('茶叶礼盒') < names.indexOf('中秋礼盒'), names.join(' '));
  assertHealthy(page, server.base);
});

test('the breadcrumb names the customer; a prospect who bought becomes a customer; the quadrant is not a tier', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto('/customers/' + prospect.id);
  await page.waitForSelector('.crumbs');
  assert.equal((await page.locator('.crumbs').innerText()).trim(), '客户 / 潘婷');
  const note = page.locator('.prospect-note');
  await note.getByRole('button', { name: '转为客户' }).click();
  await page.waitForFunction(() => document.querySelector('.prospect-note').hidden);
  const roles = (await api.get('/api/v1/parties/' + prospect.id)).body.roles;
  assert.deepEqual(roles, ['customer']);
  const scores = page.locator('.scores-box');
  await scores.locator('.class-value').first().waitFor();
  const dts = await scores.locator('.prop').allInnerTexts();
  const quadrant = dts.find((x) => x.startsWith('价值象限'));
  assert.ok(quadrant, dts.join('\n'));
  assert.doesNotMatch(quadrant, /白金层|黄金层|钢铁层|重铅层/);
  assert.match(quadrant, /现值(高|低)、潜值(高|低)/);
  assertHealthy(page, server.base);
});
