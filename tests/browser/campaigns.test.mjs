// campaigns: the Campaigns page in Chromium — marketing adds a campaign (a
// refused end date is named), is not offered the activation (a manager's
// move), a manager activates and completes it through
// the moves the workflow offers; the page in Chinese; and the permission
// page lists the campaigns entity, drawn from the server's registry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api;
const MKT = { email: 'li.na@test.local', password: 'a long enough password' };
const BOSS = { email: 'wang.qiang@test.local', password: 'a long enough password' };

before(async () => {
  server = new Server();
  await server.start();
  addUser(server.db, MKT.email, 'marketing', MKT.password);
  addUser(server.db, BOSS.email, 'manager', BOSS.password);
  api = await server.login();
  // One team managed by the manager, so their team scope covers marketing's campaigns.
  const users = (await api.get('/api/v1/users')).body.items;
  const boss = users.find((u) => u.email === BOSS.email), mkt = users.find((u) => u.email === MKT.email);
  const team = (await api.post('/api/v1/teams', { name: 'Marketing', manager_id: boss.id })).body;
  assert.equal((await api.patch(`/api/v1/users/${mkt.id}`, { team_id: team.id })).status, 200);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

const campaign = async (name) => (await api.get('/api/v1/campaigns?limit=500')).body.items.find((c) => c.name === name);

test('marketing plans a campaign, a manager activates and completes it', async () => {
  const page = await openPage(browser, server);
  await login(page, MKT);
  await page.getByRole('link', { name: 'Campaigns' }).click();
  await page.locator('h1', { hasText: 'Campaigns' }).waitFor();
  await page.getByRole('button', { name: 'New campaign' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Name/).fill('春节关怀 Spring care');
  await dlg.getByLabel('Channel').selectOption('wechat');
  await dlg.getByLabel('Starts on').fill('2027-02-01');
  await dlg.getByLabel('Ends on').fill('2027-01-20');
  await dlg.getByLabel('Budget').fill('12000');
  await dlg.getByRole('button', { name: 'Save' }).click();
  // Ends before it starts: refused, the field named, nothing stored.
  await dlg.locator('.form-error').waitFor();
  assert.match(await dlg.locator('.form-error').innerText(), /ends_on|Ends on/);
  assert.equal(await campaign('春节关怀 Spring care'), undefined);
  await dlg.getByLabel('Ends on').fill('2027-02-28');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: '春节关怀 Spring care saved.' }).waitFor();
  const made = await campaign('春节关怀 Spring care');
  assert.equal(made.status, 'planned');
  assert.deepEqual(made.budget, { amount: 1200000, currency: 'CNY' });
  const row = page.locator(`tr[data-id="${made.id}"]`);
  await row.locator('.badge', { hasText: 'Planned' }).waitFor();
  // Marketing may cancel but not activate: only the moves of their role are offered.
  await row.getByRole('button', { name: 'Cancel 春节关怀 Spring care' }).waitFor();
  assert.equal(await row.getByRole('button', { name: /^Activate/ }).count(), 0);
  await assertHealthy(page, server.base);
  await page.close();

  const boss = await openPage(browser, server);
  await login(boss, BOSS);
  await boss.goto('/campaigns');
  const brow = boss.locator(`tr[data-id="${made.id}"]`);
  await brow.getByRole('button', { name: 'Activate 春节关怀 Spring care' }).click();
  await boss.locator('.toast', { hasText: '春节关怀 Spring care is now Active.' }).waitFor();
  await brow.locator('.badge', { hasText: 'Active' }).waitFor();
  const active = await campaign('春节关怀 Spring care');
  assert.equal(active.status, 'active');
  assert.ok(active.activated_at && active.activated_by);
  // Only the moves the workflow allows from active are offered.
  assert.equal(await brow.getByRole('button', { name: /^Activate/ }).count(), 0);
  await brow.getByRole('button', { name: 'Complete 春节关怀 Spring care' }).click();
  await brow.locator('.badge', { hasText: 'Completed' }).waitFor();
  assert.equal((await campaign('春节关怀 Spring care')).status, 'completed');
  await assertHealthy(boss, server.base);
  await boss.close();
});

test('the campaigns page in Chinese, and the permission page lists campaigns from the registry', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto('/campaigns');
  await page.locator('h1', { hasText: '营销活动' }).waitFor();
  await page.getByRole('button', { name: '新建活动' }).waitFor();
  await page.locator('.badge', { hasText: '已完成' }).first().waitFor();
  await page.goto('/permissions');
  await page.locator('th[scope="row"]', { hasText: '营销活动' }).waitFor();
  await page.locator('th[scope="row"]', { hasText: '后台任务' }).waitFor();
  await page.goto('/field-security?entity=campaigns');
  await page.locator('.fsec-table th', { hasText: 'objective' }).waitFor();
  await assertHealthy(page, server.base);
  await page.close();
});
