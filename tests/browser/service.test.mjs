// service (issue 19) in Chromium: the admin sets up a business calendar and
// an SLA policy; a service agent opens a complaint for a customer, sees its
// SLA clock, answers in the thread (the first response, met), resolves it
// and makes a survey link; the customer answers the survey on a phone in
// Chinese; the queue and the measures dashboard in Chinese at phone width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy, shot } from './browser.mjs';

let server, browser, api, team;
const AGENT = { email: 'zhao.lei@test.local', password: 'a long enough password' };

before(async () => {
  server = new Server();
  await server.start();
  addUser(server.db, AGENT.email, 'service', AGENT.password);
  api = await server.login();
  const agent = (await api.get('/api/v1/users')).body.items.find((u) => u.email === AGENT.email);
  team = (await api.post('/api/v1/teams', { name: '客服一组 Care 1' })).body;
  assert.equal((await api.patch(`/api/v1/users/${agent.id}`, { team_id: team.id })).status, 200);
  await api.post('/api/v1/parties', { kind: 'person', name: '陈静 Chen Jing' });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('the admin sets up a calendar (a refused hour is named) and an SLA policy', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/settings');
  await page.getByRole('link', { name: /Service set-up/ }).click();
  await page.locator('h1', { hasText: 'Service set-up' }).waitFor();
  await page.getByRole('button', { name: 'New calendar' }).click();
  let dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Name/).fill('上海 2026');
  await dlg.getByLabel('Mon', { exact: true }).fill('09:00-12:00, 13:30-25:00');
  await dlg.getByLabel(/^Holidays/).fill('2026-10-01\n2026-10-02');
  await dlg.getByLabel(/^Extra working days/).fill('2026-09-27');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.locator('.form-error').waitFor();
  assert.match(await dlg.locator('.form-error').innerText(), /hours/i);
  assert.equal((await api.get('/api/v1/business-calendars')).body.items.length, 0);
  await dlg.getByLabel('Mon', { exact: true }).fill('09:00-12:00, 13:30-18:00');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: 'Saved.' }).waitFor();
  const cal = (await api.get('/api/v1/business-calendars')).body.items[0];
  assert.deepEqual(cal.hours.mon, [['09:00', '12:00'], ['13:30', '18:00']]);
  assert.deepEqual(cal.holidays, ['2026-10-01', '2026-10-02']);
  assert.deepEqual(cal.working_days, ['2026-09-27']);
  await page.locator('.calendars-table td', { hasText: '上海 2026' }).waitFor();
  await page.getByRole('button', { name: 'New policy' }).click();
  dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Name/).fill('Standard');
  await dlg.getByLabel(/^First response/).fill('600');
  await dlg.getByLabel(/^Resolution/).fill('6000');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.policies-table td', { hasText: 'Standard' }).waitFor();
  const pol = (await api.get('/api/v1/sla-policies')).body.items[0];
  assert.deepEqual([pol.calendar_id, pol.first_response_minutes, pol.resolution_minutes], [cal.id, 600, 6000]);
  assertHealthy(page, server.base);
});

test('an agent opens a complaint, answers it, resolves it, and the customer answers the survey on a phone', async () => {
  // A round-the-clock calendar so the clocks run whenever the test does.
  const all = [['00:00', '24:00']];
  const cal = (await api.post('/api/v1/business-calendars', { name: '24/7', time_zone: 'UTC',
    hours: { mon: all, tue: all, wed: all, thu: all, fri: all, sat: all, sun: all } })).body;
  await api.post('/api/v1/sla-policies', { name: 'Complaints', calendar_id: cal.id, priorities: ['high'], first_response_minutes: 120, resolution_minutes: 1440 });
  const page = await openPage(browser, server);
  await login(page, AGENT);
  await page.getByRole('link', { name: 'Cases' }).click();
  await page.locator('h1', { hasText: 'Cases' }).waitFor();
  await page.getByRole('button', { name: 'New case' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Subject/).fill('洗衣机漏水 Washer leaks');
  await dlg.getByLabel('Kind').selectOption('complaint');
  await dlg.getByLabel('Priority').selectOption('high');
  await dlg.getByRole('searchbox', { name: 'Customer' }).fill('陈静');
  await dlg.locator('.picker-item label', { hasText: '陈静 Chen Jing' }).click();
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('h1', { hasText: '洗衣机漏水 Washer leaks' }).waitFor();
  const made = (await api.get('/api/v1/cases')).body.items.find((c) => c.subject === '洗衣机漏水 Washer leaks');
  assert.equal(made.team_id, team.id);
  assert.equal(made.kind, 'complaint');
  await page.locator('[data-clock="first_response"]', { hasText: /due in 1h 59m|due in 2h 0m/ }).waitFor();
  await page.getByLabel('Message').fill('您好，我们明天上门维修。 We will come tomorrow.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('.case-thread .msg-ours', { hasText: '我们明天上门维修' }).waitFor();
  await page.locator('[data-clock="first_response"]', { hasText: 'met' }).waitFor();
  await page.getByRole('button', { name: 'Edit' }).click();
  const rd = page.locator('dialog[open]');
  await rd.getByLabel('Remedy', { exact: true }).fill('免费维修 free repair');
  await rd.getByLabel('Remedy cost').fill('80');
  await rd.getByRole('button', { name: 'Save' }).click();
  await page.locator('dd', { hasText: '80' }).first().waitFor();
  await page.getByRole('button', { name: 'Resolve' }).click();
  await page.locator('.badge', { hasText: 'Resolved' }).waitFor();
  await page.getByRole('button', { name: 'Reopen' }).waitFor();
  await page.getByRole('button', { name: 'Close' }).waitFor();
  await page.getByRole('button', { name: 'Survey link' }).click();
  const link = await page.locator('.survey-link a').getAttribute('href');
  assert.match(link, /\/survey\/[A-Za-z0-9_-]{43}$/);
  await shot(page, 'service-case');
  assertHealthy(page, server.base);
  // The customer, on a phone, in Chinese, without logging in.
  const phone = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await phone.goto(link);
  await phone.locator('h1', { hasText: '服务满意度调查' }).waitFor();
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the survey page is ${width} px wide on a 390 px phone`);
  await phone.locator('label', { hasText: /^4$/ }).first().click();
  await phone.locator('input[name=nps][value="9"]').check();
  await phone.getByLabel('还有什么想告诉我们的吗？').fill('师傅很专业');
  await phone.getByRole('button', { name: '提交' }).click();
  await phone.locator('h1', { hasText: '感谢您的反馈' }).waitFor();
  await shot(phone, 'service-survey-phone');
  assertHealthy(phone, server.base);
  const c = (await api.get(`/api/v1/cases/${made.id}`)).body;
  assert.deepEqual([c.csat, c.nps], [4, 9]);
  assert.deepEqual(c.remedy_cost, { amount: 8000, currency: 'CNY' });
});

test('the queue and the measures in Chinese on a phone', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await login(page, AGENT);
  await page.goto('/cases?view=team');
  await page.locator('h1', { hasText: '服务工单' }).waitFor();
  const row = page.locator('.cases-table tbody tr', { hasText: '洗衣机漏水' });
  await row.waitFor();
  await row.locator('.badge', { hasText: '已解决' }).waitFor();
  await row.locator('.sla-clock', { hasText: '达标' }).waitFor();
  await page.goto('/service-measures');
  await page.locator('h1', { hasText: '服务指标' }).waitFor();
  const g = page.locator(`.measures-table tr[data-group="${team.id}"]`);
  await g.waitFor();
  assert.match(await g.innerText(), /客服一组/);
  assert.match(await g.innerText(), /100%/);
  await page.locator('a', { hasText: 'Excel' }).waitFor();
  await shot(page, 'service-measures-phone');
  assertHealthy(page, server.base);
});
