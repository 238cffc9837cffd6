// occasion_mail: an occasion rule that sends e-mail (issue 20) in Chromium —
// the rule editor shows the template instead of the task's activity and
// channel when the action is e-mail; the list marks the rule; "run now"
// sends the birthday message through a loopback SMTP server and says so;
// the same editor in Chinese on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, zoneDate } from '../api/harness.mjs';
import { SmtpSink } from '../api/smtp_sink.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, sink;

before(async () => {
  sink = await new SmtpSink().listen();
  server = new Server({ env: { RAPPORT_SMTP_URL: sink.url, RAPPORT_PUBLIC_URL: 'https://crm.example.com' } });
  await server.start();
  api = await server.login();
  assert.equal((await api.request('PUT', '/api/v1/settings/time-zone', { time_zone: 'Asia/Shanghai' })).status, 200);
  // A birthday three days from the company's today.
  const soon = zoneDate('Asia/Shanghai', new Date(Date.now() + 3 * 86400e3));
  const p = (await api.post('/api/v1/parties', { kind: 'person', name: '王芳', birthday: `1990${soon.slice(4)}`, emails: ['wang@x.test'] })).body;
  assert.equal((await api.post('/api/v1/consents', { party_id: p.id, channel: 'email', granted: true, source: 'web form', wording: '同意' })).status, 201);
  assert.equal((await api.post('/api/v1/email-templates', { name: '生日祝福', language: 'zh-CN', subject: '{{name}}，生日快乐', body: '<p>生日快乐！</p>' })).status, 201);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
  if (sink) await sink.close();
});

test('an e-mail occasion rule is made in the editor and run: the birthday message goes out', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/programmes');
  await page.locator('h1', { hasText: 'Contact plans and occasion rules' }).waitFor();
  await page.getByRole('button', { name: 'New occasion rule' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Name/).fill('Birthday e-mail 生日邮件');
  // A task rule shows its activity; the template only for e-mail.
  assert.equal(await dlg.getByLabel('E-mail template').isVisible(), false);
  assert.equal(await dlg.getByLabel('Activity').isVisible(), true);
  await dlg.getByLabel('Action').selectOption('email');
  assert.equal(await dlg.getByLabel('Activity').isVisible(), false);
  // Without a template the server refuses, naming the field.
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.locator('.form-error').waitFor();
  assert.match(await dlg.locator('.form-error').innerText(), /template/i);
  await dlg.getByLabel('E-mail template').selectOption({ label: '生日祝福 (zh-CN)' });
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: 'Birthday e-mail 生日邮件 saved.' }).waitFor();
  const row = page.locator('.rules-table tr', { hasText: 'Birthday e-mail' });
  assert.match(await row.innerText(), /E-mail/);
  await row.getByRole('button', { name: 'Run Birthday e-mail 生日邮件 now' }).click();
  await page.locator('.toast', { hasText: 'E-mail: 1 sent, 0 skipped' }).waitFor();
  assert.equal(sink.messages.length, 1);
  assert.deepEqual(sink.messages[0].to, ['wang@x.test']);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the rule editor in Chinese on a phone', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await login(page);
  await page.goto('/programmes');
  await page.locator('h1', { hasText: '联系计划与节日规则' }).waitFor();
  const row = page.locator('.rules-table tr', { hasText: 'Birthday e-mail' });
  await row.waitFor();
  assert.match(await row.innerText(), /邮件/);
  await row.getByRole('button', { name: /编辑|Edit/ }).click();
  const dlg = page.locator('dialog[open]');
  assert.equal(await dlg.getByLabel('动作').inputValue(), 'email');
  assert.equal(await dlg.getByLabel('邮件模板').isVisible(), true);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling on a phone (${width}px)`);
  assertHealthy(page, server.base);
  await page.context().close();
});
