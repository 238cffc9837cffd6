// mail_settings: the admin's e-mail sending card on the settings page
// (issue 20) — the relay, From, public URL and the channels that need no
// recorded consent, saved through PUT /api/v1/settings/mail and read back;
// a bad relay shown beside its field in Chinese and nothing stored; the
// RAPPORT_SMTP_URL notice; no card for a salesperson.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

const SALES = { email: 'zhao.lei@test.local', password: 'a long enough password' };

let server, browser, api;

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

test('an admin sets the relay, sender, public address and consent-free channels', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/settings');
  const card = page.locator('.card-mail-settings');
  await card.getByLabel(/^SMTP relay/).fill('smtp://relay.example.com:587');
  await card.getByLabel('From address').fill('news@example.com');
  await card.getByLabel(/^Public address/).fill('https://crm.example.com');
  await card.getByLabel('Company name in the e-mails').fill('杭州茶韵有限公司');
  await card.getByLabel('SMS').check();
  await card.getByLabel('WeChat').check();
  assert.equal(await card.locator('.ms-env').count(), 0, 'no environment notice without RAPPORT_SMTP_URL');
  await card.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: 'E-mail settings saved.' }).waitFor();
  const got = (await api.get('/api/v1/settings/mail')).body;
  assert.equal(got.smtp_url, 'smtp://relay.example.com:587');
  assert.equal(got.from, 'news@example.com');
  assert.equal(got.public_url, 'https://crm.example.com');
  assert.equal(got.company, '杭州茶韵有限公司');
  assert.deepEqual([...got.consent_optional_channels].sort(), ['sms', 'wechat']);
  // Reloaded, the card shows what is stored.
  await page.reload();
  await page.locator('.card-mail-settings').getByLabel('From address').waitFor();
  assert.equal(await page.locator('.card-mail-settings').getByLabel('From address').inputValue(), 'news@example.com');
  assert.ok(await page.locator('.card-mail-settings').getByLabel('WeChat').isChecked());
  assert.ok(!(await page.locator('.card-mail-settings').getByLabel('Call').isChecked()));
  await assertHealthy(page, server.base);
  await page.close();
});

test('in Chinese, a public address that is not https is shown beside its field and nothing changes', async () => {
  const before = (await api.get('/api/v1/settings/mail')).body;
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto('/settings');
  const card = page.locator('.card-mail-settings');
  await card.getByLabel(/^本服务器的公网地址/).fill('http://crm.example.com');
  await card.getByLabel('发件人地址').fill('other@example.com');
  await card.getByRole('button', { name: '保存' }).click();
  const url = card.getByLabel(/^本服务器的公网地址/);
  await card.locator('.field-error').first().waitFor();
  assert.equal(await url.getAttribute('aria-invalid'), 'true', 'the error is beside the public address');
  const after = (await api.get('/api/v1/settings/mail')).body;
  assert.deepEqual(after, before, 'a refused save changes nothing');
  await page.close();
});

test('a salesperson has no e-mail sending card', async () => {
  const page = await openPage(browser, server);
  await login(page, SALES);
  await page.goto('/settings');
  await page.locator('h1', { hasText: 'Settings' }).waitFor();
  assert.equal(await page.locator('.card-mail-settings').count(), 0);
  await page.close();
});
