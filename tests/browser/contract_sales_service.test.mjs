// The pages of issues 18 and 19 in the language their suites left out
// (deals, orders, leads, service and service_assign cover the rest): the
// deal page and the case page with its thread in Chinese, the calendar and
// SLA editors in Chinese, the case queue filtered by kind and by priority,
// and the service-measures dashboard in English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, team, deal, complaint, question;
const REP = { email: 'li.na@test.local', password: 'a long enough password' };
const AGENT = { email: 'wang.fang@test.local', password: 'a long enough password' };

before(async () => {
  server = new Server();
  await server.start();
  addUser(server.db, REP.email, 'sales', REP.password);
  addUser(server.db, AGENT.email, 'service', AGENT.password);
  api = await server.login();
  const users = (await api.get('/api/v1/users')).body.items;
  const rep = users.find((u) => u.email === REP.email), agent = users.find((u) => u.email === AGENT.email);
  team = (await api.post('/api/v1/teams', { name: '客服二组 Care 2' })).body;
  assert.equal((await api.patch(`/api/v1/users/${agent.id}`, { team_id: team.id })).status, 200);
  const party = (await api.post('/api/v1/parties', { kind: 'organization', name: '苏州园林 Gardens', owner_id: rep.id })).body;
  const pid = (await api.get('/api/v1/pipelines')).body.items.find((p) => p.name === 'Relationship marketing').id;
  deal = (await api.post('/api/v1/opportunities', { name: '园林年卡 Garden pass', party_id: party.id, pipeline_id: pid, owner_id: rep.id,
    amount: { amount: 360000, currency: 'CNY' } })).body;
  const all = [['00:00', '24:00']];
  const cal = (await api.post('/api/v1/business-calendars', { name: '24/7', time_zone: 'UTC',
    hours: { mon: all, tue: all, wed: all, thu: all, fri: all, sat: all, sun: all } })).body;
  await api.post('/api/v1/sla-policies', { name: 'Any', calendar_id: cal.id, first_response_minutes: 600, resolution_minutes: 6000 });
  const mk = async (body) => {
    const r = await api.post('/api/v1/cases', { party_id: party.id, team_id: team.id, owner_id: agent.id, ...body });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  complaint = await mk({ subject: '假山倒了 Rockery fell', kind: 'complaint', priority: 'high' });
  question = await mk({ subject: '开放时间 Opening hours', kind: 'question', priority: 'low' });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('the deal page in Chinese', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page, REP);
  await page.goto(`/deals/${deal.id}`);
  await page.locator('h1', { hasText: '园林年卡 Garden pass' }).waitFor();
  await page.getByText('阶段历史').first().waitFor();
  const row = page.locator('table.stage-history tbody tr');
  assert.equal(await row.count(), 1);
  assert.match(await row.first().innerText(), /收集信息/);
  await page.getByRole('button', { name: '赢单' }).waitFor();
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the case page and its thread in Chinese: an answer is the first response, met', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page, AGENT);
  await page.goto(`/cases/${complaint.id}`);
  await page.locator('h1', { hasText: '假山倒了 Rockery fell' }).waitFor();
  await page.locator('dd', { hasText: '投诉' }).first().waitFor();
  await page.getByLabel('消息').fill('我们今天派人修复。 We fix it today.');
  await page.getByRole('button', { name: '发送' }).click();
  await page.locator('.case-thread .msg-ours', { hasText: '我们今天派人修复' }).waitFor();
  await page.locator('[data-clock="first_response"]', { hasText: '达标' }).waitFor();
  const c = (await api.get(`/api/v1/cases/${complaint.id}`)).body;
  assert.deepEqual([c.status, c.first_response_met], ['open', true]);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the calendar and SLA policy editors in Chinese', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto('/service-setup');
  await page.locator('h1', { hasText: '客服设置' }).waitFor();
  await page.getByRole('button', { name: '新建日历' }).click();
  let dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^名称/).fill('北京 2027');
  await dlg.getByLabel('周一', { exact: true }).fill('08:30-12:00, 13:00-17:30');
  await dlg.getByRole('button', { name: '保存' }).click();
  await page.locator('.calendars-table td', { hasText: '北京 2027' }).waitFor();
  const cal = (await api.get('/api/v1/business-calendars')).body.items.find((c) => c.name === '北京 2027');
  assert.deepEqual(cal.hours.mon, [['08:30', '12:00'], ['13:00', '17:30']]);
  await page.getByRole('button', { name: '新建策略' }).click();
  dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^名称/).fill('金牌 Gold');
  await dlg.getByRole('button', { name: '取消' }).click();
  await dlg.waitFor({ state: 'detached' }).catch(() => {});
  assert.equal((await api.get('/api/v1/sla-policies')).body.items.some((p) => p.name === '金牌 Gold'), false, 'cancelled: nothing stored');
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the case queue by kind and by priority, and the service measures, in English', async () => {
  const page = await openPage(browser, server);
  await login(page, AGENT);
  await page.goto('/cases?view=team');
  await page.locator('h1', { hasText: 'Cases' }).waitFor();
  const rows = page.locator('.cases-table tbody tr');
  await rows.filter({ hasText: 'Opening hours' }).waitFor();
  await rows.filter({ hasText: 'Rockery fell' }).waitFor();
  await page.getByLabel('Kind', { exact: true }).selectOption('complaint');
  await rows.filter({ hasText: 'Opening hours' }).waitFor({ state: 'detached' });
  assert.equal(await rows.filter({ hasText: 'Rockery fell' }).count(), 1);
  await page.getByLabel('Kind', { exact: true }).selectOption('');
  await page.getByLabel('Priority', { exact: true }).selectOption('low');
  await rows.filter({ hasText: 'Rockery fell' }).waitFor({ state: 'detached' });
  assert.equal(await rows.filter({ hasText: 'Opening hours' }).count(), 1);
  await rows.filter({ hasText: 'Opening hours' }).locator('.sla-clock').waitFor();
  await page.goto('/service-measures');
  await page.locator('h1', { hasText: 'Service measures' }).waitFor();
  const g = page.locator(`.measures-table tr[data-group="${team.id}"]`);
  await g.waitFor();
  assert.match(await g.innerText(), /客服二组 Care 2/);
  await page.locator('a', { hasText: 'Excel' }).waitFor();
  assertHealthy(page, server.base);
  await page.context().close();
});
