// activities: correcting what was logged (issue 15 items 1, 6, 8) in
// Debian's Chromium against a real server — an interaction, a purchase and
// a note are changed and deleted from the customer's timeline; a planned
// task is moved, reassigned and cancelled; a minus sign in the amount is
// refused beside its field and a refund is entered by ticking it; a purchase
// is recorded from catalogue lines; a change made by someone else meanwhile
// is reported and overwritten only on a second save; the plan-a-visit
// dialog never shows "null" (both languages).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy, shot } from './browser.mjs';

let server, browser, api, party, other;

before(async () => {
  server = await new Server({ demo: 20 }).start();
  api = await server.login();
  const u = await api.post('/api/v1/users', { email: 'wang@example.com', name: '王磊', role: 'sales', password: 'correct horse battery 9' });
  assert.equal(u.status, 201, u.text);
  other = u.body;
  const p = await api.post('/api/v1/parties', { kind: 'person', name: '林艳', roles: ['customer'] });
  assert.equal(p.status, 201, p.text);
  party = p.body;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

const tlItem = (page, type, id) => page.locator(`.tl-item[data-type=${type}][data-id="${id}"]`);

test('an interaction, a purchase and a note are changed and deleted from the timeline', async () => {
  const i = (await api.post('/api/v1/interactions', { party_id: party.id, channel: 'call', subject: 'First call', occurred_at: '2026-11-20T02:00:00Z' })).body;
  const tx = (await api.post('/api/v1/transactions', { party_id: party.id, amount: { amount: -500, currency: 'CNY' }, occurred_at: '2026-11-21T02:00:00Z' })).body;
  const n = (await api.post('/api/v1/notes', { party_id: party.id, body: 'Likes green tea' })).body;
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/customers/' + party.id);
  await tlItem(page, 'interaction', i.id).waitFor();

  await tlItem(page, 'interaction', i.id).getByRole('button', { name: 'Change this interaction' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel('Subject').fill('First call, corrected');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.waitFor({ state: 'detached' });
  assert.equal((await api.get('/api/v1/interactions/' + i.id)).body.subject, 'First call, corrected');
  await page.waitForFunction((id) => document.querySelector(`.tl-item[data-id="${id}"] .tl-title`)?.textContent === 'First call, corrected', i.id);

  // The accidental −5.00 is removed.
  await tlItem(page, 'transaction', tx.id).getByRole('button', { name: 'Delete this purchase' }).click();
  await page.locator('dialog[open]').getByRole('button', { name: 'Delete' }).click();
  await tlItem(page, 'transaction', tx.id).waitFor({ state: 'detached' });
  assert.equal((await api.get('/api/v1/transactions/' + tx.id)).status, 404);

  await tlItem(page, 'note', n.id).getByRole('button', { name: 'Change this note' }).click();
  await page.locator('dialog[open]').getByLabel('Note').fill('Likes oolong tea');
  await page.locator('dialog[open]').getByRole('button', { name: 'Save' }).click();
  await page.locator('dialog[open]').waitFor({ state: 'detached' });
  assert.equal((await api.get('/api/v1/notes/' + n.id)).body.body, 'Likes oolong tea');
  await tlItem(page, 'note', n.id).getByRole('button', { name: 'Delete this note' }).click();
  await page.locator('dialog[open]').getByRole('button', { name: 'Delete' }).click();
  await tlItem(page, 'note', n.id).waitFor({ state: 'detached' });
  assert.equal((await api.get('/api/v1/notes/' + n.id)).status, 404);
  assertHealthy(page, server.base);
});

test('a planned task is moved, reassigned and cancelled', async () => {
  const task = (await api.post('/api/v1/interactions', { party_id: party.id, channel: 'visit', status: 'planned', due_at: '2030-01-10T02:00:00Z' })).body;
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/customers/' + party.id);
  await tlItem(page, 'interaction', task.id).getByRole('button', { name: 'Change this interaction' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel('Due').fill('2030-01-12T15:30');
  await dlg.getByLabel('Assigned to').selectOption(String(other.id));
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.waitFor({ state: 'detached' });
  let got = (await api.get('/api/v1/interactions/' + task.id)).body;
  assert.equal(got.user_id, other.id);
  assert.equal(got.status, 'planned');
  assert.match(got.due_at, /^2030-01-1[12]T/);
  assert.notEqual(got.due_at, task.due_at);

  await tlItem(page, 'interaction', task.id).getByRole('button', { name: 'Change this interaction' }).click();
  await dlg.getByLabel('Status').selectOption('cancelled');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.waitFor({ state: 'detached' });
  got = (await api.get('/api/v1/interactions/' + task.id)).body;
  assert.equal(got.status, 'cancelled');
  assertHealthy(page, server.base);
});

test('a minus sign is refused beside the amount; a refund is ticked on purpose; lines come from the catalogue', async () => {
  const prod = (await api.post('/api/v1/products', { name: '中秋礼盒', sku: 'MID-1', price: { amount: 12800, currency: 'CNY' } })).body;
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto('/customers/' + party.id);
  await page.getByRole('button', { name: '记录购买' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^金额/).fill('-5');
  const before = (await api.get(`/api/v1/transactions?party_id=${party.id}&count=true`)).body.count;
  await dlg.getByRole('button', { name: '保存' }).click();
  const err = dlg.locator('.field-error');
  await err.waitFor();
  assert.match(await err.innerText(), /退款/);
  assert.equal(await dlg.getByLabel(/^金额/).getAttribute('aria-invalid'), 'true');
  assert.equal((await api.get(`/api/v1/transactions?party_id=${party.id}&count=true`)).body.count, before, 'nothing saved');
  await dlg.getByLabel(/^金额/).fill('5');
  await dlg.getByLabel(/退款/).check();
  await dlg.getByRole('button', { name: '保存' }).click();
  await dlg.waitFor({ state: 'detached' });
  let list = (await api.get(`/api/v1/transactions?party_id=${party.id}`)).body.items;
  assert.ok(list.some((x) => x.amount.amount === -500), JSON.stringify(list));

  // Line items from the catalogue; currency and channel from lists.
  await page.getByRole('button', { name: '记录购买' }).click();
  await dlg.getByRole('button', { name: '添加一行' }).click();
  await dlg.getByLabel('第 1 行的产品').selectOption(String(prod.id));
  await dlg.getByLabel('第 1 行的数量').fill('2');
  assert.equal(await dlg.getByLabel(/^金额/).inputValue(), '256.00');
  assert.equal(await dlg.getByLabel('币种').evaluate((e) => e.tagName), 'SELECT');
  await dlg.getByLabel('销售渠道').selectOption('store');
  await shot(page, 'purchase-lines-zh');
  await dlg.getByRole('button', { name: '保存' }).click();
  await dlg.waitFor({ state: 'detached' });
  list = (await api.get(`/api/v1/transactions?party_id=${party.id}`)).body.items;
  const t = list.find((x) => x.amount.amount === 25600);
  assert.ok(t, JSON.stringify(list));
  assert.equal(t.channel, 'store');
  assert.equal(t.items[0].product_id, prod.id);
  assert.equal(t.items[0].quantity, 2);
  assert.deepEqual(t.items[0].unit_price, { amount: 12800, currency: 'CNY' });
  await page.locator(`.tl-item[data-id="${t.id}"]`).filter({ hasText: '门店' }).waitFor();
  assertHealthy(page, server.base);
});

test('a change made meanwhile by someone else is reported; saving again overwrites it', async () => {
  const i = (await api.post('/api/v1/interactions', { party_id: party.id, channel: 'email', subject: 'Offer' })).body;
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/customers/' + party.id);
  await tlItem(page, 'interaction', i.id).getByRole('button', { name: 'Change this interaction' }).click();
  const dlg = page.locator('dialog[open]');
  const r = await api.patch('/api/v1/interactions/' + i.id, { subject: 'Offer (theirs)' }, { 'If-Match': `"${i.version}"` });
  assert.equal(r.status, 200, r.text);
  await dlg.getByLabel('Subject').fill('Offer (mine)');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.locator('.form-error').filter({ hasText: 'Someone else changed this' }).waitFor();
  assert.equal((await api.get('/api/v1/interactions/' + i.id)).body.subject, 'Offer (theirs)');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.waitFor({ state: 'detached' });
  assert.equal((await api.get('/api/v1/interactions/' + i.id)).body.subject, 'Offer (mine)');
  assertHealthy(page, server.base);
});

for (const locale of ['en-US', 'zh-CN']) {
  test(`the plan-a-visit dialog shows no "null" (${locale})`, async () => {
    const page = await openPage(browser, server, { locale });
    await login(page);
    await page.goto('/customers/' + party.id);
    await page.locator('.quick-actions button').nth(1).click();
    const dlg = page.locator('dialog[open]');
    await dlg.waitFor();
    const text = await dlg.innerText();
    assert.doesNotMatch(text, /\bnull\b|\bundefined\b/, text);
    await page.keyboard.press('Escape');
    assertHealthy(page, server.base);
  });
}
