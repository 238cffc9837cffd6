// schedules: the Scheduled work page in Chromium — an admin turns the
// nightly scores run on (its next run appears), adds an every-90-minutes
// schedule, is told which field a refused save got wrong, changes the
// company time zone (a wrong name is refused and named), deletes a schedule;
// the page in Chinese; and no such page for a non-admin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy, shot } from './browser.mjs';

let server, browser, api;
const SALES = { email: 'zhao.lei@test.local', password: 'a long enough password' };

before(async () => {
  server = new Server();
  await server.start();
  addUser(server.db, SALES.email, 'sales', SALES.password);
  api = await server.login();
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

const schedule = async (name) => (await api.get('/api/v1/schedules')).body.items.find((s) => s.name === name);

test('an admin turns the nightly run on, adds and deletes a schedule, and sets the time zone', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/settings');
  await page.getByRole('link', { name: 'Scheduled work' }).click();
  await page.locator('h1', { hasText: 'Scheduled work' }).waitFor();
  const nightly = page.locator('tr[data-schedule="analytics.nightly"]');
  await nightly.waitFor();
  assert.match(await nightly.innerText(), /Recompute customer scores/);
  assert.match(await nightly.innerText(), /daily at 02:00 \(Asia\/Shanghai\)/);

  // Switched on: stored, and the next run (18:00 UTC) is shown.
  await nightly.getByRole('checkbox', { name: 'Run analytics.nightly' }).check();
  await page.locator('.toast', { hasText: 'analytics.nightly is on.' }).waitFor();
  const on = await schedule('analytics.nightly');
  assert.equal(on.enabled, true);
  assert.match(on.next_run_at, /T18:00:00Z$/);
  await nightly.locator(`time[datetime="${on.next_run_at}"]`).waitFor();

  // A new schedule every 90 minutes; a bad name first is refused and named.
  await page.getByRole('button', { name: 'New schedule' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Name/).fill('Report Hourly');
  await dlg.getByLabel('Repeat').selectOption('every');
  await dlg.getByLabel('Every (minutes)').fill('90');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.locator('.form-error').waitFor();
  assert.equal(await dlg.getByLabel(/^Name/).getAttribute('aria-invalid'), 'true');
  assert.equal(await schedule('Report Hourly'), undefined);
  await dlg.getByLabel(/^Name/).fill('report.hourly');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: 'Schedule report.hourly saved.' }).waitFor();
  const row = page.locator('tr[data-schedule="report.hourly"]');
  await row.waitFor();
  assert.match(await row.innerText(), /every 90 minutes/);
  const made = await schedule('report.hourly');
  assert.equal(made.every_seconds, 5400);
  assert.equal(made.at_time, null);
  assert.equal(made.enabled, true);

  // The time zone: a wrong name is refused and marked; a right one replans the daily run.
  const zone = page.getByLabel('Company time zone');
  await zone.fill('Mars/Olympus');
  await page.getByRole('button', { name: 'Save time zone' }).click();
  await page.locator('.toast', { hasText: /time_zone|time-zone|IANA/ }).waitFor();
  assert.equal(await zone.getAttribute('aria-invalid'), 'true');
  assert.equal((await api.get('/api/v1/settings/time-zone')).body.time_zone, 'Asia/Shanghai');
  await zone.fill('Europe/London');
  await page.getByRole('button', { name: 'Save time zone' }).click();
  await page.locator('.toast', { hasText: 'Time zone set to Europe/London' }).waitFor();
  await nightly.locator('td', { hasText: 'daily at 02:00 (Europe/London)' }).waitFor();
  assert.equal((await api.get('/api/v1/settings/time-zone')).body.time_zone, 'Europe/London');
  await shot(page, 'schedules-en');

  // Deleted after a confirmation.
  await row.getByRole('button', { name: 'Delete report.hourly' }).click();
  await page.locator('dialog[open]').getByRole('button', { name: 'Remove' }).click();
  await page.locator('.toast', { hasText: 'Schedule report.hourly deleted.' }).waitFor();
  await row.waitFor({ state: 'detached' });
  assert.equal(await schedule('report.hourly'), undefined);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the page in Chinese, and none for a non-admin', async () => {
  let page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto('/schedules');
  await page.locator('h1', { hasText: '定时任务' }).waitFor();
  const nightly = page.locator('tr[data-schedule="analytics.nightly"]');
  await nightly.waitFor();
  assert.match(await nightly.innerText(), /重新计算客户评分/);
  assert.match(await nightly.innerText(), /每天 02:00/);
  await page.getByRole('button', { name: '新建定时任务' }).waitFor();
  await shot(page, 'schedules-zh');
  assertHealthy(page, server.base);
  await page.context().close();

  page = await openPage(browser, server);
  await login(page, SALES);
  await page.goto('/settings');
  await page.waitForSelector('.settings-grid');
  assert.equal(await page.getByRole('link', { name: 'Scheduled work', exact: true }).count(), 0);
  await page.goto('/schedules');
  await page.locator('h1', { hasText: 'Not available to your role' }).waitFor();
  assert.equal(await page.locator('main table').count(), 0);
  assertHealthy(page, server.base);
  await page.context().close();
});
