// dupes: the duplicate warning of a manual create and the form's errors
// (issue 15 items 2 and 7) — creating 林艳 again with her phone and e-mail
// shows the existing record first; "merge" leaves one record with the new
// details, "create anyway" two; every field error of the form is shown
// beside its field at once, in the catalogue's words (both languages), and
// a server error is worded by the UI from its code and field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, lin;

before(async () => {
  server = await new Server({ demo: 20 }).start();
  api = await server.login();
  lin = (await api.post('/api/v1/parties', { kind: 'person', name: '林艳', roles: ['customer'], phones: ['164 7794 9102'], emails: ['linyan@example.com'] })).body;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

async function newCustomer(page, { name, phone, email }) {
  await page.goto('/customers');
  await page.locator('.page-head button.btn-primary, button.btn-primary').first().click();
  const dlg = page.locator('dialog[open]');
  await dlg.locator('input[name=name]').fill(name);
  if (phone) await dlg.locator('textarea[name=phones]').fill(phone);
  if (email) await dlg.locator('textarea[name=emails]').fill(email);
  await dlg.locator('.dialog-foot button.btn-primary').click();
  return dlg;
}

test('a new customer matching an existing one shows it first; merging keeps one record (zh-CN)', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await newCustomer(page, { name: '林艳', phone: '16477949102', email: 'LinYan@example.com\nyan.lin@example.com' });
  const dlg = page.locator('dialog[open]');
  const row = dlg.locator(`.dupe[data-id="${lin.id}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /姓名、电子邮件、电话相同/);
  await row.getByRole('button', { name: '合并到此记录：林艳' }).click();
  await page.waitForURL(new RegExp(`/customers/${lin.id}$`));
  const found = (await api.get('/api/v1/parties?q=' + encodeURIComponent('林艳') + '&count=true')).body;
  assert.equal(found.count, 1, JSON.stringify(found.items.map((p) => p.name)));
  assert.ok((await api.get('/api/v1/parties/' + lin.id)).body.emails.includes('yan.lin@example.com'), 'the new e-mail merged in');
  assertHealthy(page, server.base);
});

test('"create anyway" keeps two records; "open" creates nothing (en)', async () => {
  const page = await openPage(browser, server);
  await login(page);
  const before = (await api.get('/api/v1/parties?count=true&limit=1')).body.count;
  await newCustomer(page, { name: 'Someone Else', phone: '+86 164-7794-9102' });
  await page.locator('dialog[open] .dupe').first().waitFor();
  await page.locator('dialog[open]').getByRole('button', { name: 'Open 林艳' }).click();
  await page.waitForURL(new RegExp(`/customers/${lin.id}$`));
  assert.equal((await api.get('/api/v1/parties?count=true&limit=1')).body.count, before);
  await newCustomer(page, { name: '林艳' });
  await page.locator('dialog[open] .dupe').first().waitFor();
  await page.locator('dialog[open]').getByRole('button', { name: 'Create anyway' }).click();
  await page.waitForURL(/\/customers\/\d+$/);
  assert.notEqual(page.url().split('/').pop(), String(lin.id));
  assert.equal((await api.get('/api/v1/parties?count=true&limit=1')).body.count, before + 1);
  assertHealthy(page, server.base);
});

for (const [locale, email, phone, fix] of [['zh-CN', /不是有效的电子邮件地址/, /不是有效的电话号码/, /请修改下方标出的字段/], ['en-US', /not an e-mail address/, /not a phone number/, /correct the fields/]]) {
  test(`every field error of the form is shown beside its field at once (${locale})`, async () => {
    const page = await openPage(browser, server, { locale });
    await login(page);
    const posts = () => page.requests.filter((r) => r.method === 'POST' && /\/api\/v1\/parties$/.test(r.url)).length;
    const dlg = await newCustomer(page, { name: 'Bad Contact', phone: 'call me', email: 'not-an-address' });
    await dlg.locator('.field-error').nth(1).waitFor();
    assert.match(await dlg.locator('textarea[name=emails] ~ .field-error, .field:has(textarea[name=emails]) .field-error').first().innerText(), email);
    assert.match(await dlg.locator('.field:has(textarea[name=phones]) .field-error').innerText(), phone);
    assert.equal(await dlg.locator('textarea[name=phones]').getAttribute('aria-invalid'), 'true');
    assert.match(await dlg.locator('.form-error').innerText(), fix);
    assert.equal(posts(), 0, 'nothing sent');
    // A server error is worded from its code and field, never the server's English.
    const text = await page.evaluate(async () => {
      const { ApiError } = await import('/js/api.js');
      const { errorText } = await import('/js/ui.js');
      return errorText(new ApiError(422, { error: { code: 'invalid_phone', field: 'phones[0]', message: 'phones[0] is not a phone number' } }));
    });
    assert.equal(text, locale === 'zh-CN' ? '电话（第 1 个）: 不是有效的电话号码' : 'Phone (1): is not a phone number');
    assertHealthy(page, server.base);
  });
}
