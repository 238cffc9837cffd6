// plans: issue 20 part A in Chromium — an admin creates a contact plan in
// the editor and runs it; the customer page shows the lunar birthday
// (entered in the party form), the next best action with its reasons and
// the plan's next contact; the occasions calendar lists the lunar birthday
// and the Mid-Autumn festival; the dashboard's worklist ranks the actions;
// the same pages in Chinese, and on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, sqlExec } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, wang;

before(async () => {
  server = new Server();
  await server.start();
  api = await server.login();
  wang = (await api.post('/api/v1/parties', { kind: 'person', name: '王芳', owner_id: api.user.id, tags: ['vip'] })).body;
  sqlExec(server.db, `INSERT INTO score (party_id, computed_at, transactions, repeat_purchases, revenue, cost, profit, cost_to_serve,
    net_profit, competitor_amount, tier, strategy, lifecycle, p_alive, clv, last_purchase)
    VALUES (?, '2026-12-01T00:00:00Z', 3, 2, 100, 0, 100, 0, 100, 0, 'platinum', 'submissive', 'stability', 0.41, 800000, '2026-06-01')`, wang.id);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('a contact plan is made and run; the customer shows its lunar birthday, next action and next contact; occasions and worklist', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.getByRole('link', { name: 'Contact plans' }).click();
  await page.locator('h1', { hasText: 'Contact plans and occasion rules' }).waitFor();
  await page.getByRole('button', { name: 'New contact plan' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Name/).fill('VIP weekly 贵宾每周');
  await dlg.getByLabel('Customers (segment)').fill('tags=nosuchfilter&bogus=1');
  await dlg.getByLabel(/Contact every/).fill('7');
  await dlg.getByLabel('Visit with a manager').check();
  await dlg.getByRole('button', { name: 'Save' }).click();
  // A segment the customer list does not know is refused and named.
  await dlg.locator('.form-error').waitFor();
  assert.match(await dlg.locator('.form-error').innerText(), /segment|bogus/);
  await dlg.getByLabel('Customers (segment)').fill('tags=vip');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: 'VIP weekly 贵宾每周 saved.' }).waitFor();
  const row = page.locator('.plans-table tr', { hasText: 'VIP weekly' });
  assert.match(await row.innerText(), /every 7 days/);
  assert.match(await row.innerText(), /Phone call → Visit with a manager/);
  await row.getByRole('button', { name: 'Run VIP weekly 贵宾每周 now' }).click();
  await page.locator('.toast', { hasText: 'VIP weekly 贵宾每周: 1 created' }).waitFor();

  // The lunar birthday, entered in the party form.
  await page.goto(`/customers/${wang.id}`);
  await page.locator('.card-nba .nba').waitFor();
  await page.getByRole('button', { name: /^Edit/ }).first().click();
  const form = page.locator('dialog[open]');
  await form.getByLabel('Lunar month').selectOption('8');
  await form.getByLabel('Lunar day').fill('15');
  await form.getByRole('button', { name: 'Save' }).click();
  await page.locator('.card-profile', { hasText: 'Lunar month 8, day 15' }).waitFor();
  assert.deepEqual((await api.get(`/api/v1/parties/${wang.id}`)).body.lunar_birthday, { month: 8, day: 15, leap: false });
  // Platinum whose P(alive) fell: win back, with the reasons in words.
  const nba = page.locator('.card-nba');
  assert.equal(await nba.locator('.nba').getAttribute('data-action'), 'win_back');
  const why = await nba.locator('.nba-why').innerText();
  assert.match(why, /Tier: Platinum/);
  assert.match(why, /P\(alive\) has fallen to 41% since the last purchase/);
  assert.match(await nba.innerText(), /Next planned contact \(VIP weekly 贵宾每周\)/);

  // The occasions calendar: 2026's Mid-Autumn day is both the festival and 王芳's lunar birthday.
  await page.goto('/occasions?from=2026-09-20&to=2026-09-30');
  const day = page.locator('.occ-day[data-date="2026-09-25"]');
  await day.waitFor();
  assert.match(await day.innerText(), /Mid-Autumn Festival/);
  assert.match(await day.locator('.occ-lunar_birthday').innerText(), /Lunar birthday\s*王芳/);

  // The dashboard's worklist.
  await page.goto('/');
  await page.locator('.card-worklist .nba').first().waitFor();
  assert.match(await page.locator('.card-worklist').innerText(), /Win back 王芳/);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the same in Chinese, and the occasions calendar on a phone', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await login(page);
  await page.goto(`/customers/${wang.id}`);
  const nba = page.locator('.card-nba');
  await nba.locator('.nba').waitFor();
  assert.match(await nba.innerText(), /挽回王芳/);
  assert.match(await nba.locator('.nba-why').innerText(), /层级：白金/);
  assert.match(await page.locator('.card-profile').innerText(), /农历8月15日/);
  await page.goto('/occasions?from=2026-09-20&to=2026-09-30');
  const day = page.locator('.occ-day[data-date="2026-09-25"]');
  await day.waitFor();
  assert.match(await day.innerText(), /中秋节/);
  assert.match(await day.innerText(), /农历生日/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling on a phone (${width}px)`);
  await page.goto('/programmes');
  await page.locator('h1', { hasText: '联系计划与节日规则' }).waitFor();
  assert.match(await page.locator('.plans-table').innerText(), /每 7 天/);
  assertHealthy(page, server.base);
  await page.context().close();
});
