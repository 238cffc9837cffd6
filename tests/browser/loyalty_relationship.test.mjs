// loyalty_relationship: the rest of issue 21's pages in Chromium — a club's
// members (join a customer at a level with a fee, the events each attended,
// a leave recorded today); the relationship-level grid (Kotler's table from
// the stored thresholds, an admin's change stored, a threshold out of order
// refused as the server words it and nothing changed); the structural
// services to partners (recorded through the dialog, listed); in English
// and in Chinese on a phone without sideways scrolling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, club, zhou, lin;

before(async () => {
  server = new Server();
  await server.start();
  api = await server.login();
  zhou = (await api.post('/api/v1/parties', { kind: 'person', name: '周杰 Zhou Jie' })).body;
  lin = (await api.post('/api/v1/parties', { kind: 'organization', name: '林记商行 Lin Trading' })).body;
  club = (await api.post('/api/v1/clubs', { name: '车主俱乐部 Owners club', membership_levels: ['silver', 'gold'], annual_fee: { amount: 20000, currency: 'CNY' } })).body;
  assert.equal((await api.post('/api/v1/club-members', { club_id: club.id, party_id: zhou.id, level: 'gold', joined_on: '2026-06-01' })).status, 201);
  const ev = (await api.post('/api/v1/club-events', { club_id: club.id, name: '试驾日 Test drive', starts_at: '2026-11-20T02:00:00Z' })).body;
  const inv = (await api.post('/api/v1/event-attendances', { event_id: ev.id, party_id: zhou.id })).body;
  const reg = (await api.patch(`/api/v1/event-attendances/${inv.id}`, { status: 'registered', version: inv.version })).body;
  assert.equal((await api.patch(`/api/v1/event-attendances/${inv.id}`, { status: 'attended', version: reg.version })).status, 200);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('a club’s members: the list with events attended, a customer joins, a member leaves', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/loyalty');
  await page.getByRole('button', { name: 'Members of 车主俱乐部 Owners club' }).click();
  const dlg = page.locator('dialog[open]');
  const zrow = dlg.locator('.club-members-table tbody tr', { hasText: '周杰 Zhou Jie' });
  await zrow.waitFor();
  assert.match(await zrow.innerText(), /gold/);
  assert.match(await zrow.innerText(), /1 of 1/);
  await dlg.getByLabel('Customer who joins').fill('林记');
  await dlg.locator('.picker-item', { hasText: '林记商行 Lin Trading' }).locator('input').check();
  await dlg.getByLabel('Level').selectOption('silver');
  await dlg.getByRole('button', { name: 'Join', exact: true }).click();
  const lrow = dlg.locator('.club-members-table tbody tr', { hasText: '林记商行 Lin Trading' });
  await lrow.waitFor();
  const joined = (await api.get(`/api/v1/club-members?club_id=${club.id}&party_id=${lin.id}`)).body.items;
  assert.equal(joined.length, 1);
  assert.deepEqual([joined[0].level, joined[0].fee.amount, joined[0].left_on], ['silver', 20000, null]);
  await zrow.getByRole('button', { name: '周杰 Zhou Jie leaves the club' }).click();
  await zrow.getByRole('button', { name: /leaves the club/ }).waitFor({ state: 'detached' });
  const left = (await api.get(`/api/v1/club-members?club_id=${club.id}&party_id=${zhou.id}`)).body.items[0];
  assert.match(left.left_on, /^\d{4}-\d{2}-\d{2}$/);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the relationship grid: Kotler’s table, an admin’s change, a refusal that changes nothing; structural services', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/loyalty');
  await page.getByRole('link', { name: 'Relationship levels' }).click();
  const grid = page.locator('.grid-table');
  await grid.waitFor();
  assert.equal(await grid.locator('tr[data-customers="many"] td[data-margin="low"]').innerText(), 'Basic');
  assert.equal(await grid.locator('tr[data-customers="few"] td[data-margin="high"]').innerText(), 'Partner');
  assert.equal(await grid.locator('tr[data-customers="medium"] td[data-margin="medium"]').innerText(), 'Responsible');
  const form = page.locator('.grid-form');
  await form.getByLabel('High margin from (%)').fill('40');
  await form.getByLabel('Many customers: at least').fill('5000');
  await form.getByRole('button', { name: 'Save' }).click();
  await grid.getByText('≥ 40%').waitFor();
  let g = (await api.get('/api/v1/settings/relationship-grid')).body;
  assert.deepEqual([g.margin_high, g.customers_many], [0.4, 5000]);
  // Out of order: "many" not above "few" — refused, named, nothing stored.
  await form.getByLabel('Many customers: at least').fill('50');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.locator('.error', { hasText: 'Many customers: at least' }).waitFor();
  g = (await api.get('/api/v1/settings/relationship-grid')).body;
  assert.equal(g.customers_many, 5000);
  // A structural service through the dialog.
  const svc = page.locator('.structural-services');
  await svc.getByRole('button', { name: 'Record a service' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel('Channel partner').fill('林记');
  await dlg.locator('.picker-item', { hasText: '林记商行 Lin Trading' }).locator('input').check();
  await dlg.getByLabel('Service').selectOption('display_help');
  await dlg.getByLabel('Value').fill('1200');
  await dlg.getByRole('button', { name: 'Save' }).click();
  const row = svc.locator('.services-table tbody tr', { hasText: '林记商行 Lin Trading' });
  await row.waitFor();
  assert.match(await row.innerText(), /Display help/);
  const stored = (await api.get(`/api/v1/structural-services?party_id=${lin.id}`)).body.items;
  assert.deepEqual([stored.length, stored[0].kind, stored[0].value.amount], [1, 'display_help', 120000]);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('in Chinese, on a phone', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await login(page);
  await page.goto('/loyalty/relationship');
  await page.locator('h1', { hasText: '关系层次与结构性联系' }).waitFor();
  await page.locator('.grid-table caption', { hasText: '按同类客户数量与利润率推荐的关系层次' }).waitFor();
  await page.locator('.services-table td', { hasText: '陈列协助' }).waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'no sideways scrolling');
  await page.goto('/loyalty');
  await page.getByRole('button', { name: '车主俱乐部 Owners club 的会员' }).click();
  await page.locator('dialog[open] .club-members-table th', { hasText: '参加活动' }).waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'no sideways scrolling in the dialog');
  assertHealthy(page, server.base);
  await page.context().close();
});
