// tasks: the task list and calendar (issue 15 items 5 and 13) — mine, my
// team's and everyone's planned interactions, overdue / today / a week,
// filtered by channel, counted as the API counts them; the calendar shows a
// task on its day in the company's time zone (not the browser's), a task
// dragged to another day keeps its time of day, and a click opens it; in
// Chinese too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy, shot } from './browser.mjs';

let server, browser, api, other, party;

before(async () => {
  server = await new Server({ demo: 30 }).start();
  api = await server.login();
  assert.equal((await api.request('PUT', '/api/v1/settings/time-zone', { time_zone: 'Asia/Shanghai' })).status, 200);
  other = (await api.post('/api/v1/users', { email: 'zhao@example.com', name: '赵强', role: 'sales', password: 'correct horse battery 9' })).body;
  party = (await api.post('/api/v1/parties', { kind: 'person', name: '任务客户', roles: ['customer'] })).body;
  const past = new Date(Date.now() - 2 * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const [user_id, channel] of [[api.user.id, 'call'], [api.user.id, 'visit'], [other.id, 'call']]) {
    assert.equal((await api.post('/api/v1/interactions', { party_id: party.id, channel, status: 'planned', due_at: past, user_id })).status, 201);
  }
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const apiCount = async (q) => (await api.get('/api/v1/interactions?status=planned&count=true&limit=1&' + q)).body.count;
const shown = (page) => page.locator('.match-count').getAttribute('data-count').then(Number);
const settle = (page) => page.waitForFunction(() => document.querySelector('.match-count')?.dataset.count !== undefined && !document.querySelector('.tasks-body .loading'));

test('overdue tasks: mine, everyone\'s, by channel — as the API counts them', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.getByRole('link', { name: 'Tasks', exact: true }).click();
  await page.waitForURL(/\/tasks/);
  await settle(page);
  assert.equal(await shown(page), await apiCount(`user_id=${api.user.id}&due_at_to=${now()}`));
  assert.ok(await shown(page) >= 2);
  await page.getByRole('button', { name: 'Everyone' }).click();
  await page.waitForURL(/scope=all/);
  await settle(page);
  await page.waitForFunction(async (n) => Number(document.querySelector('.match-count').dataset.count) === n, await apiCount(`due_at_to=${now()}`));
  await page.getByLabel('Channel').selectOption('visit');
  await page.waitForURL(/channel=visit/);
  await page.waitForFunction(async (n) => Number(document.querySelector('.match-count').dataset.count) === n, await apiCount(`channel=visit&due_at_to=${now()}`));
  // The count is drawn before the list: wait for the list's rows too.
  await page.locator('.task').first().waitFor();
  assert.ok(await page.locator('.task').count() >= 1);
  // "Open" is the edit form: reassign the task.
  await page.locator('.task').filter({ hasText: '任务客户' }).first().getByRole('button', { name: /Open the task/ }).click();
  await page.locator('dialog[open]').getByLabel('Assigned to').selectOption(String(other.id));
  await page.locator('dialog[open]').getByRole('button', { name: 'Save' }).click();
  await page.locator('dialog[open]').waitFor({ state: 'detached' });
  assert.equal(await apiCount(`channel=visit&user_id=${other.id}&party_id=${party.id}`), 1);
  assertHealthy(page, server.base);
});

test('the calendar puts a task on its company-zone day; dragging moves it, keeping the time; a click opens it', async () => {
  // 20:00 UTC on 5 March is 04:00 on 6 March in Shanghai, and 15:00 on 5 March in New York.
  const task = (await api.post('/api/v1/interactions', { party_id: party.id, channel: 'meeting', subject: 'Quarterly review', status: 'planned', due_at: '2031-03-05T20:00:00Z' })).body;
  const page = await openPage(browser, server, { timezoneId: 'America/New_York' });
  await login(page);
  await page.goto('/tasks?mode=calendar&view=week&date=2031-03-05');
  await settle(page);
  const chip = page.locator(`.cal-task[data-id="${task.id}"]`);
  await chip.waitFor();
  assert.equal(await chip.evaluate((e) => e.closest('.cal-day').dataset.day), '2031-03-06');
  assert.match(await chip.innerText(), /4:00/);
  await chip.dragTo(page.locator('.cal-day[data-day="2031-03-08"]'));
  await page.waitForFunction((id) => document.querySelector(`.cal-task[data-id="${id}"]`)?.closest('.cal-day').dataset.day === '2031-03-08', task.id);
  assert.equal((await api.get('/api/v1/interactions/' + task.id)).body.due_at, '2031-03-07T20:00:00Z');
  await page.locator(`.cal-task[data-id="${task.id}"]`).click();
  const dlg = page.locator('dialog[open]');
  await dlg.waitFor();
  assert.equal(await dlg.getByLabel('Subject').inputValue(), 'Quarterly review');
  assert.equal(await dlg.getByLabel('Due').inputValue(), '2031-03-08T04:00');
  await page.keyboard.press('Escape');
  // Month view shows it too.
  await page.getByRole('button', { name: 'Month' }).click();
  await settle(page);
  await page.locator(`.cal-month .cal-day[data-day="2031-03-08"] .cal-task[data-id="${task.id}"]`).waitFor();
  await shot(page, 'tasks-calendar-month-en');
  assertHealthy(page, server.base);
});

test('the task page in Chinese', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto('/tasks?scope=all');
  await settle(page);
  assert.equal(await page.locator('h1').innerText(), '任务');
  const text = await page.locator('main').innerText();
  assert.match(text, /已逾期/);
  assert.match(text, /\d+ 个任务/);
  assert.doesNotMatch(text, /tasks\.|undefined|null/);
  await page.getByRole('button', { name: '日历' }).click();
  await settle(page);
  await shot(page, 'tasks-calendar-week-zh');
  assert.doesNotMatch(await page.locator('main').innerText(), /tasks\.|undefined|null/);
  assertHealthy(page, server.base);
});
