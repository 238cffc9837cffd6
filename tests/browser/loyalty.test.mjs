// loyalty: issue 21's pages in Chromium — the points card on the customer
// page (balance and ledger; a redemption beyond the balance is refused as
// the server words it and changes nothing; a redemption within it lowers
// the balance) with the relationship level beside Kotler's recommendation;
// the referral programme's planned-against-actual table and its tree,
// expanded lazily with subtree counts; the loyalty page; in English and in
// Chinese, and on a phone without sideways scrolling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, party, prog;
const CNY = (amount) => ({ amount, currency: 'CNY' });

before(async () => {
  server = new Server();
  await server.start();
  api = await server.login();
  party = (await api.post('/api/v1/parties', { kind: 'person', name: '周杰 Zhou Jie', customer_type: 'retail', relationship_level: 'basic',
    phones: ['+86 139 1111 2222'], emails: ['zhou@example.com'], addresses: [{ line1: '88 Huaihai Rd', city: '上海' }] })).body;
  assert.equal((await api.post(`/api/v1/parties/${party.id}/points`, { points: 50, reason: '开卡礼 welcome' })).status, 201);
  assert.equal((await api.post(`/api/v1/parties/${party.id}/points`, { points: -10, reason: 'redeem' })).status, 201);
  prog = (await api.post('/api/v1/referral-programs', { name: 'VIP 推荐卡', status: 'active', budget_cap: CNY(100000000), levels: [
    { level: 1, card_quota: 6, benefit: '1 台机器', benefit_cost: CNY(300000), expected_spend: CNY(600000) },
    { level: 2, card_quota: 6, benefit: '半价', benefit_cost: CNY(150000), expected_spend: CNY(300000) },
    { level: 3, card_quota: 0, benefit: '1/3 off', benefit_cost: CNY(100000), expected_spend: CNY(200000) }] })).body;
  const m = (await api.post(`/api/v1/referral-programs/${prog.id}/members`, { party_id: party.id, id_number: 'Z1' })).body;
  const cards = (await api.post(`/api/v1/referral-programs/${prog.id}/members/${m.id}/cards`, { count: 2 })).body.items;
  const friend = (await api.post('/api/v1/parties', { kind: 'person', name: '林朋友 Lin Friend' })).body;
  assert.equal((await api.post(`/api/v1/referral-cards/${cards[0].code}/redeem`, { party_id: friend.id })).status, 201);
  const club = (await api.post('/api/v1/clubs', { name: '车主俱乐部 Owners club', membership_levels: ['gold'] })).body;
  assert.equal((await api.post('/api/v1/club-members', { club_id: club.id, party_id: party.id, level: 'gold', joined_on: '2026-06-01' })).status, 201);
  const ev = (await api.post('/api/v1/club-events', { club_id: club.id, name: '试驾日 Test drive', starts_at: '2026-12-20T02:00:00Z' })).body;
  assert.equal((await api.post('/api/v1/event-attendances', { event_id: ev.id, party_id: party.id })).status, 201);
  assert.equal((await api.post('/api/v1/structural-services', { party_id: party.id, kind: 'training', delivered_on: '2026-11-02' })).status, 201);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('the points card: balance, ledger, a refused overdraw and a redemption; the relationship level', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto(`/customers/${party.id}`);
  const pts = page.locator('.card-points');
  await pts.locator('.points-value', { hasText: '40' }).waitFor();
  assert.equal(await pts.locator('tbody tr').count(), 2);
  await pts.getByLabel('Points').fill('41');
  await pts.getByRole('button', { name: 'Redeem' }).click();
  await page.locator('.toast-error', { hasText: 'Points: is more than the balance' }).waitFor();
  assert.equal((await api.get(`/api/v1/parties/${party.id}/points`)).body.balance, 40);
  await pts.getByLabel('Points').fill('15');
  await pts.getByRole('button', { name: 'Redeem' }).click();
  await pts.locator('.points-value', { hasText: '25' }).waitFor();
  assert.equal((await api.get(`/api/v1/parties/${party.id}/points`)).body.balance, 25);
  // Club membership, invitation and structural service on the timeline, in words.
  await page.locator('.tl-club_member', { hasText: 'Joined a club gold' }).waitFor();
  await page.locator('.tl-event_attendance', { hasText: 'Invited to an event' }).waitFor();
  await page.locator('.tl-structural_service', { hasText: 'Structural service: Training' }).waitFor();
  const rel = page.locator('.card-relationship');
  await rel.getByText('Recommended (Kotler)').waitFor();
  await rel.getByText('Basic').first().waitFor();
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the referral programme: planned against actual per level, and the tree expanded lazily', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.getByRole('link', { name: 'Loyalty' }).click();
  await page.locator('h1', { hasText: 'Loyalty' }).waitFor();
  await page.getByRole('link', { name: 'VIP referral cards' }).click();
  await page.getByRole('link', { name: 'VIP 推荐卡' }).click();
  const report = page.locator('.report-table');
  await report.waitFor();
  assert.equal(await report.locator('tbody tr').count(), 3);
  assert.match(await report.locator('tr[data-level="2"]').innerText(), /1 \/ 6/);   // 1 member of 6 planned
  const root = page.locator('.ref-tree > li').first();
  await root.getByText('周杰 Zhou Jie').waitFor();
  assert.match(await root.locator('.tree-stats').first().innerText(), /2 in subtree/);
  await root.getByRole('button', { name: /Show who 周杰 Zhou Jie referred/ }).click();
  await root.locator('ul[role=group] li', { hasText: '林朋友 Lin Friend' }).waitFor();
  assert.equal(await root.getByRole('button', { name: /Show who/ }).first().getAttribute('aria-expanded'), 'true');
  assertHealthy(page, server.base);
  await page.context().close();
});

test("a salesperson who sees only their own customers: a referred member outside them shows counted, without a name, and is not opened", async () => {
  const put = await api.request('PUT', '/api/v1/permissions', { role: 'sales', entity: 'parties', action: 'read', scope: 'own' });
  assert.equal(put.status, 200, put.text);
  const rep = await api.post('/api/v1/users', { email: 'rep@loyalty.test', name: 'Rep', role: 'sales', password: 'password of the rep' });
  assert.equal(rep.status, 201, rep.text);
  const repApi = await server.login('rep@loyalty.test', 'password of the rep');
  const mine = (await repApi.post('/api/v1/parties', { kind: 'person', name: '孙客户 Sun Customer', phones: ['+86 139 3333 4444'],
    emails: ['sun@example.com'], addresses: [{ line1: '9 Nanjing Rd', city: '上海' }] })).body;
  const m = (await api.post(`/api/v1/referral-programs/${prog.id}/members`, { party_id: mine.id, id_number: 'S9' })).body;
  const card = (await api.post(`/api/v1/referral-programs/${prog.id}/members/${m.id}/cards`, { count: 1 })).body.items[0];
  const stranger = (await api.post('/api/v1/parties', { kind: 'person', name: '陌生人 Stranger' })).body;
  assert.equal((await api.post(`/api/v1/referral-cards/${card.code}/redeem`, { party_id: stranger.id })).status, 201);
  const page = await openPage(browser, server);
  await login(page, { email: 'rep@loyalty.test', password: 'password of the rep' });
  await page.goto(`/referral/${prog.id}`);
  const root = page.locator('.ref-tree > li', { hasText: '孙客户 Sun Customer' });
  await root.waitFor();
  assert.equal(await page.locator('.ref-tree > li', { hasText: '周杰 Zhou Jie' }).count(), 0, "another's customer is not among the roots");
  await root.getByRole('button', { name: /Show who 孙客户 Sun Customer referred/ }).click();
  const child = root.locator('ul[role=group] li').first();
  await child.getByText('A member outside your customers').waitFor();
  assert.equal(await root.getByText('陌生人 Stranger').count(), 0);
  assert.equal(await child.locator('.tree-toggle').isDisabled(), true);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('an event’s invitations: invite a customer, then registered and attended', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/loyalty');
  await page.getByRole('button', { name: 'Invitations to 试驾日 Test drive' }).click();
  const dlg = page.locator('dialog[open]');
  const row = dlg.locator('.invitations-table tbody tr').first();
  await row.getByText('周杰 Zhou Jie').waitFor();
  await row.getByRole('button', { name: 'Registered' }).click();
  await row.locator('.badge', { hasText: 'Registered' }).waitFor();
  await row.getByRole('button', { name: 'Attended' }).click();
  await row.locator('.badge', { hasText: 'Attended' }).waitFor();
  const att = (await api.get(`/api/v1/event-attendances?party_id=${party.id}`)).body.items[0];
  assert.equal(att.status, 'attended');
  assert.ok(att.attended_at);
  await dlg.getByLabel('Invite a customer').fill('林朋友');
  await dlg.locator('.picker-item', { hasText: '林朋友 Lin Friend' }).locator('input').check();
  await dlg.getByRole('button', { name: 'Invite', exact: true }).click();
  await dlg.locator('.invitations-table tbody tr', { hasText: '林朋友 Lin Friend' }).waitFor();
  assertHealthy(page, server.base);
  await page.context().close();
});

test('in Chinese, and on a phone', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await login(page);
  await page.goto(`/referral/${prog.id}`);
  await page.getByText('各层计划与实际对比').waitFor();
  await page.getByText('推荐树').first().waitFor();
  await page.goto(`/customers/${party.id}`);
  await page.locator('.card-points h2', { hasText: '会员积分' }).waitFor();
  await page.locator('.card-points .points-value', { hasText: '25' }).waitFor();
  await page.goto('/loyalty');
  await page.locator('h1', { hasText: '会员忠诚' }).waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'no sideways scrolling');
  assertHealthy(page, server.base);
  await page.context().close();
});
