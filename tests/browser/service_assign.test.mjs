// service follow-ups (issue 19) in Chromium: the admin writes a case
// assignment rule on its settings page; an agent opens a case with its
// contact person, product and order in the new-case dialog and the rule
// routes it; the same dialog in Chinese on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, team, agentId, party, contact, product, order;
const AGENT = { email: 'qian.li@test.local', password: 'a long enough password' };

before(async () => {
  server = new Server();
  await server.start();
  addUser(server.db, AGENT.email, 'service', AGENT.password);
  api = await server.login();
  agentId = (await api.get('/api/v1/users')).body.items.find((u) => u.email === AGENT.email).id;
  team = (await api.post('/api/v1/teams', { name: '售后二组 After-sales 2' })).body;
  assert.equal((await api.patch(`/api/v1/users/${agentId}`, { team_id: team.id })).status, 200);
  party = (await api.post('/api/v1/parties', { kind: 'organization', name: '东方商贸 Dongfang Trading' })).body;
  contact = (await api.post('/api/v1/parties', { kind: 'person', name: '孙悦 Sun Yue' })).body;
  product = (await api.post('/api/v1/products', { name: '空气净化器 Air purifier', sku: 'AP-9' })).body;
  const o = await api.post('/api/v1/orders', { party_id: party.id, currency: 'CNY', total: { amount: 99900, currency: 'CNY' },
    lines: [{ description: '空气净化器', quantity: 1, unit_price: 99900, net: 99900 }] });
  assert.equal(o.status, 201, o.text);
  order = o.body;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('the admin adds a case assignment rule on its page', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/settings');
  await page.getByRole('link', { name: 'Case assignment rules' }).click();
  await page.locator('h1', { hasText: 'Case assignment rules' }).waitFor();
  await page.getByRole('button', { name: 'New rule' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Name/).fill('售后 After-sales');
  await dlg.getByLabel(/^Category/).fill('After-sales');
  await dlg.getByLabel('Product').selectOption(String(product.id));
  assert.equal(await dlg.getByLabel(/^Territory/).count(), 0, 'a case rule has no lead criteria');
  await dlg.getByLabel(/^Team/).selectOption(String(team.id));
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.arules-table td', { hasText: 'category After-sales · product 空气净化器 Air purifier' }).waitFor();
  const rules = (await api.get('/api/v1/assignment-rules?subject=case')).body.items;
  assert.equal(rules.length, 1);
  assert.deepEqual([rules[0].subject, rules[0].category, rules[0].product_id, rules[0].team_id], ['case', 'After-sales', product.id, team.id]);
  // The lead rules are the other tab, and empty.
  await page.getByLabel('What the rules assign').getByRole('link', { name: 'Leads' }).click();
  await page.locator('h1', { hasText: 'Lead assignment rules' }).waitFor();
  await page.getByText('No rules yet').waitFor();
  assertHealthy(page, server.base);
});

test('an agent opens a case with contact, product and order; the rule routes it', async () => {
  const page = await openPage(browser, server);
  await login(page, AGENT);
  await page.goto('/cases');
  await page.locator('h1', { hasText: 'Cases' }).waitFor();
  await page.getByRole('button', { name: 'New case' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Subject/).fill('净化器异响 Purifier noise');
  await dlg.getByLabel(/^Category/).fill('after-sales');
  assert.equal(await dlg.getByLabel('Order').isDisabled(), true, 'no order before a customer');
  await dlg.getByRole('searchbox', { name: 'Customer' }).fill('东方商贸');
  await dlg.locator('.picker-item label', { hasText: '东方商贸 Dongfang Trading' }).click();
  await dlg.getByLabel('Order').locator(`option[value="${order.id}"]`).waitFor({ state: 'attached' });
  await dlg.getByLabel('Order').selectOption(String(order.id));
  await dlg.getByLabel('Product').selectOption(String(product.id));
  await dlg.getByRole('searchbox', { name: 'Contact person (optional)' }).fill('孙悦');
  await dlg.locator('.picker-item label', { hasText: '孙悦 Sun Yue' }).click();
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('h1', { hasText: '净化器异响 Purifier noise' }).waitFor();
  await page.locator('dd a', { hasText: '孙悦 Sun Yue' }).waitFor();
  await page.locator('dd', { hasText: '空气净化器 Air purifier' }).waitFor();
  await page.locator('dd a', { hasText: '#' + order.id }).waitFor();
  const made = (await api.get('/api/v1/cases')).body.items.find((c) => c.subject === '净化器异响 Purifier noise');
  assert.deepEqual([made.contact_id, made.product_id, made.order_id], [contact.id, product.id, order.id]);
  assert.equal(made.team_id, team.id);
  assert.equal(made.owner_id, agentId);
  assert.ok(made.assignment_rule_id, 'routed by the rule');
  assertHealthy(page, server.base);
});

test('the new-case dialog in Chinese on a phone', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await login(page, AGENT);
  await page.goto('/cases');
  await page.getByRole('button', { name: '新建工单' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^主题/).fill('滤网更换 Filter');
  await dlg.getByRole('searchbox', { name: '客户' }).fill('东方商贸');
  await dlg.locator('.picker-item label', { hasText: '东方商贸 Dongfang Trading' }).click();
  await dlg.getByLabel('订单').locator(`option[value="${order.id}"]`).waitFor({ state: 'attached' });
  await dlg.getByLabel('订单').selectOption(String(order.id));
  await dlg.getByLabel('产品').selectOption(String(product.id));
  assert.equal(await dlg.getByRole('searchbox', { name: '联系人（可选）' }).count(), 1);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the dialog makes the page ${width} px wide on a 390 px phone`);
  await dlg.getByRole('button', { name: '保存' }).click();
  await page.locator('h1', { hasText: '滤网更换 Filter' }).waitFor();
  await page.locator('dt', { hasText: '订单' }).waitFor();
  const made = (await api.get('/api/v1/cases')).body.items.find((c) => c.subject === '滤网更换 Filter');
  assert.deepEqual([made.product_id, made.order_id, made.contact_id], [product.id, order.id, null]);
  assertHealthy(page, server.base);
});

test('breaching soon is business time: a case due tomorrow with under four working hours left is listed', async () => {
  // A calendar that works one hour a day, the current UTC hour.
  const hour = new Date().getUTCHours();
  const hh = (n) => String(n).padStart(2, '0') + ':00';
  const iv = [[hh(hour), hour === 23 ? '24:00' : hh(hour + 1)]];
  const cal = (await api.post('/api/v1/business-calendars', { name: 'one hour', time_zone: 'UTC',
    hours: { mon: iv, tue: iv, wed: iv, thu: iv, fri: iv, sat: iv, sun: iv } })).body;
  await api.post('/api/v1/sla-policies', { name: 'short', calendar_id: cal.id, priorities: ['urgent'], first_response_minutes: 90, resolution_minutes: 90 });
  await api.post('/api/v1/sla-policies', { name: 'long', calendar_id: cal.id, priorities: ['low'], first_response_minutes: 600, resolution_minutes: 600 });
  const now = new Date();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour)).toISOString().replace(/\.\d+Z$/, 'Z');
  const soon = (await api.post('/api/v1/cases', { subject: '明天到期 due tomorrow', kind: 'question', priority: 'urgent', party_id: party.id,
    team_id: team.id, opened_at: start, status: 'open' })).body;
  assert.ok(Date.parse(soon.resolution_due_at) - Date.now() > 20 * 3600e3, 'due about a day away on the clock');
  await api.post('/api/v1/cases', { subject: '还早 plenty of time', kind: 'question', priority: 'low', party_id: party.id,
    team_id: team.id, opened_at: start, status: 'open' });
  const page = await openPage(browser, server);
  await login(page, AGENT);
  await page.goto('/cases?view=breaching');
  await page.locator('td a', { hasText: '明天到期 due tomorrow' }).waitFor();
  assert.equal(await page.locator('td a', { hasText: '还早 plenty of time' }).count(), 0);
  assertHealthy(page, server.base);
});
