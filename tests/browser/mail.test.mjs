// mail: e-mail marketing in Chromium (issue 20) — the template editor's
// preview in both languages, the campaign page (segment count, PDCA,
// members, measures, a real send to a loopback SMTP server with its
// progress), consent on the customer page in Chinese, and the campaign
// page on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { SmtpSink } from '../api/smtp_sink.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, sink;

before(async () => {
  sink = await new SmtpSink().listen();
  server = new Server({ env: { RAPPORT_SMTP_URL: sink.url } });
  await server.start();
  api = await server.login();
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
  if (sink) await sink.close();
});

test('the template editor previews a template in both languages', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.getByRole('link', { name: 'E-mail templates' }).click();
  await page.locator('h1', { hasText: 'E-mail templates' }).waitFor();
  await page.getByRole('button', { name: 'New template' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Name/).fill('生日祝福 Birthday');
  await dlg.getByLabel(/^Subject/).fill('{{name}}, happy birthday');
  await dlg.getByLabel(/^Body/).fill('<p>Dear {{name}}, from {{company}}</p>');
  const zh = dlg.frameLocator('.preview[data-lang="zh-CN"] iframe');
  const en = dlg.frameLocator('.preview[data-lang="en"] iframe');
  await zh.locator('p', { hasText: 'Dear 王芳' }).waitFor();
  await en.locator('p', { hasText: 'Dear Jane Doe' }).waitFor();
  await dlg.locator('.preview[data-lang="en"] .preview-subject', { hasText: 'Jane Doe, happy birthday' }).waitFor();
  // A field that is not a merge field is named before anything is saved.
  await dlg.getByLabel(/^Body/).fill('<p>Dear {{nmae}}</p>');
  await dlg.locator('.preview-error', { hasText: 'Only {{name}}, {{company}}' }).waitFor();
  await dlg.getByLabel(/^Body/).fill('<p>Dear {{name}}</p>');
  await dlg.locator('.preview-error').waitFor({ state: 'hidden' });
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: '生日祝福 Birthday saved.' }).waitFor();
  await page.locator('.templates-table td', { hasText: '生日祝福 Birthday' }).waitFor();
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the campaign page: segment count, PDCA, members, a send with progress, measures', async () => {
  const tpl = (await api.post('/api/v1/email-templates', { name: 'Spring', language: 'en', subject: 'Hi {{name}}', body: '<p>Hi {{name}}</p>' })).body;
  const ids = [];
  for (const [name, tags] of [['Ann', ['vip']], ['Bo', ['vip']], ['Cy', []]]) {
    const p = (await api.post('/api/v1/parties', { kind: 'person', name, tags, emails: [`${name.toLowerCase()}@x.test`] })).body;
    ids.push(p.id);
    await api.post('/api/v1/consents', { party_id: p.id, channel: 'email', granted: true, source: 'form' });
  }
  const c = (await api.post('/api/v1/campaigns', { name: 'VIP spring', channel: 'email', segment: 'tags=vip', template_id: tpl.id })).body;
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/campaigns');
  await page.getByRole('link', { name: 'VIP spring' }).click();
  await page.locator('h1', { hasText: 'VIP spring' }).waitFor();
  await page.getByRole('button', { name: 'Count' }).click();
  await page.locator('.count-row [role=status]', { hasText: '2 customers match' }).waitFor();
  await page.getByLabel('Plan', { exact: true }).fill('复购率 +5% repeat purchases');
  await page.getByRole('button', { name: 'Save PDCA' }).click();
  await page.locator('.toast', { hasText: 'VIP spring saved.' }).waitFor();
  assert.equal((await api.get(`/api/v1/campaigns/${c.id}`)).body.pdca_plan, '复购率 +5% repeat purchases');
  await page.locator('.card-members', { hasText: 'frozen from the segment' }).waitFor();
  // Activated (a manager's move), the members are frozen and it can send.
  const cur = (await api.get(`/api/v1/campaigns/${c.id}`)).body;
  assert.equal((await api.patch(`/api/v1/campaigns/${c.id}`, { status: 'active', version: cur.version })).status, 200);
  await page.reload();
  await page.locator('.frozen-note', { hasText: '2 members frozen' }).waitFor();
  await page.locator('.members-table tbody tr').nth(1).waitFor();   // the table renders after the note
  assert.equal(await page.locator('.members-table tbody tr').count(), 2);
  await page.getByRole('button', { name: 'Send e-mail' }).click();
  await page.locator('.send-progress', { hasText: 'Sent 2, bounced 0, skipped 0, failed 0.' }).waitFor({ timeout: 30000 });
  assert.deepEqual(sink.messages.map((m) => m.to[0]).sort(), ['ann@x.test', 'bo@x.test']);
  await page.locator('.members-table .badge', { hasText: 'Sent' }).first().waitFor();
  await page.locator('.card-measures .prop', { hasText: 'Delivered' }).locator('dd', { hasText: '2' }).waitFor();
  assertHealthy(page, server.base);
  // On a phone: no sideways scrolling.
  const phone = await openPage(browser, server, { width: 390, height: 844 });
  await login(phone);
  await phone.goto(`/campaigns/${c.id}`);
  await phone.locator('h1', { hasText: 'VIP spring' }).waitFor();
  await phone.locator('.card-measures .prop').first().waitFor();
  assert.equal(await phone.evaluate(() => document.documentElement.scrollWidth), 390, 'no sideways scrolling');
  assertHealthy(phone, server.base);
  await phone.context().close();
  await page.context().close();
});

test('consent on the customer page, in Chinese', async () => {
  const p = (await api.post('/api/v1/parties', { kind: 'person', name: '李娜', emails: ['li.na@x.test'] })).body;
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto(`/customers/${p.id}`);
  const box = page.locator('.card-consent');
  await box.locator('text=未记录同意').waitFor();
  await box.getByRole('button', { name: '记录同意' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel('来源').fill('门店纸质表格');
  await dlg.getByLabel('同意的措辞').fill('我同意接收营销邮件');
  await dlg.getByRole('button', { name: '保存' }).click();
  await page.locator('.toast', { hasText: '同意已记录。' }).waitFor();
  await box.locator('li[data-channel="email"] .badge', { hasText: '已同意' }).waitFor();
  const got = (await api.get(`/api/v1/consents?party_id=${p.id}`)).body.items;
  assert.equal(got.length, 1);
  assert.equal(got[0].wording, '我同意接收营销邮件');
  assertHealthy(page, server.base);
  await page.context().close();
});
