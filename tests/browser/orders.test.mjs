// orders: price lists, quotes and orders in Chromium (issue 18) — an admin
// keeps a price list, a salesperson makes a quote for a customer from the
// customer page (a product line priced by the list, a free-text line, tax),
// previews its PDF, sends it, accepts it into an order, and ticks the order's
// D9 steps off the checklist (who and when shown; the payment makes the
// transaction); the same pages in Chinese on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, tea, party;
const SALES = { email: 'zhao.lei@test.local', password: 'a long enough password' };

before(async () => {
  server = new Server();
  await server.start();
  addUser(server.db, SALES.email, 'sales', SALES.password);
  api = await server.login();
  tea = (await api.post('/api/v1/products', { name: '龙井茶 Longjing tea', sku: 'TEA-1', price: { amount: 10000, currency: 'CNY' } })).body;
  const sales = (await api.get('/api/v1/users')).body.items.find((u) => u.email === SALES.email);
  party = (await api.post('/api/v1/parties', { kind: 'person', name: '王小明 Wang', owner_id: sales.id })).body;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('a price list, a quote from the customer page, its PDF, acceptance, and the order checklist', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/products');
  await page.getByRole('link', { name: 'Price lists' }).click();
  await page.locator('h1', { hasText: 'Price lists' }).waitFor();
  await page.getByRole('button', { name: 'New price list' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Name/).fill('2027 标准价');
  await dlg.getByLabel(/^Valid from/).fill('2020-01-01');
  await dlg.getByLabel('Product of row 1').selectOption(String(tea.id));
  await dlg.getByLabel('Unit price of row 1').fill('88.5');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: '2027 标准价 saved.' }).waitFor();
  const lists = (await api.get('/api/v1/price-lists')).body.items;
  assert.deepEqual(lists[0].items, [{ product_id: tea.id, unit_price: 8850 }]);
  await assertHealthy(page, server.base);
  await page.close();

  const s = await openPage(browser, server);
  await login(s, SALES);
  await s.goto(`/customers/${party.id}`);
  const docs = s.locator('.card-sales-docs');
  await docs.getByText('No quotes.').waitFor();
  await docs.getByRole('link', { name: 'New quote' }).click();
  await s.locator('h1', { hasText: 'New quote' }).waitFor();
  await s.getByLabel('Product of line 1').selectOption(String(tea.id));
  await s.getByLabel('Quantity of line 1').fill('2');
  await s.getByRole('button', { name: 'Add a line' }).click();
  await s.getByLabel('Description of line 2').fill('礼盒包装 Gift box');
  await s.getByLabel('Unit price of line 2').fill('12');
  await s.getByLabel('Tax %').fill('13');
  await s.getByRole('button', { name: 'Save' }).click();
  await s.locator('h1', { hasText: /Quote Q-\d+/ }).waitFor();
  const q = (await api.get(`/api/v1/quotes?party_id=${party.id}`)).body.items[0];
  // 2 × 88.50 (from the list) + 12.00 = 189.00; tax 13% = 24.57; total 213.57
  assert.deepEqual([q.lines[0].unit_price, q.subtotal.amount, q.tax.amount, q.total.amount], [8850, 18900, 2457, 21357]);
  await s.locator('.quote-total', { hasText: '213.57' }).waitFor();
  // The PDF preview frames the server's PDF.
  await s.getByRole('button', { name: 'Preview' }).click();
  const src = await s.locator('iframe.pdf-preview').getAttribute('src');
  const pdf = await s.request.get(src);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
  // Send, then accept: the order is made and linked.
  await s.getByRole('button', { name: 'Mark as sent' }).click();
  await s.locator('.badge', { hasText: 'Sent' }).waitFor();
  await s.getByRole('button', { name: 'Accept: make the order' }).click();
  await s.locator('.badge', { hasText: 'Accepted' }).waitFor();
  const orderId = (await api.get(`/api/v1/quotes/${q.id}`)).body.order_id;
  assert.ok(orderId);
  await s.getByRole('link', { name: `Order O-${orderId}` }).click();
  await s.locator('h1', { hasText: `Order O-${orderId}` }).waitFor();
  // The checklist: confirmed done with who; only the next step can be ticked.
  const step = (name) => s.locator(`li.check-step[data-step="${name}"]`);
  await step('confirmed').locator('.step-who', { hasText: 'Me' }).waitFor();
  assert.equal(await step('shipped').locator('input').isDisabled(), true);
  for (const [name, label] of [['file_created', 'Member file created'], ['shipped', 'Shipped'], ['delivered', 'Delivered'], ['paid', 'Paid']]) {
    await s.getByLabel(label, { exact: true }).check();
    await s.locator('.toast', { hasText: `${label}: done.` }).waitFor();
    await step(name).locator('.step-who', { hasText: 'Me' }).waitFor();
  }
  const o = (await api.get(`/api/v1/orders/${orderId}`)).body;
  assert.equal(o.status, 'paid');
  assert.ok(o.transaction_id);
  await step('paid').getByText(`transaction #${o.transaction_id}`).waitFor();
  // The customer page links to both.
  await s.goto(`/customers/${party.id}`);
  await docs.getByRole('link', { name: `Q-${q.id}` }).waitFor();
  await docs.getByRole('link', { name: `O-${orderId}` }).waitFor();
  // The order's steps are on the customer's timeline, worded (no raw codes).
  await s.locator('.tl-change .tl-title', { hasText: 'Order changed' }).first().waitFor();
  await s.locator('.tl-changes', { hasText: 'Member file created' }).first().waitFor();
  const tlText = await s.locator('.card-timeline').innerText();
  assert.doesNotMatch(tlText, /file_created|delivered_at|entity\.|field\./);
  // Chromium's own PDF viewer (chrome-extension://, chrome://) drew the
  // preview: those are the browser's, not requests to another server.
  s.requests = s.requests.filter((r) => !/^chrome(-extension)?:\/\//.test(r.url));
  await assertHealthy(s, server.base);
  await s.close();
});

test('quotes and orders in Chinese on a phone', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await login(page);
  const q = (await api.get(`/api/v1/quotes?party_id=${party.id}`)).body.items[0];
  await page.goto('/quotes');
  await page.locator('h1', { hasText: '报价单' }).waitFor();
  await page.locator('.badge', { hasText: '已接受' }).first().waitFor();
  await page.goto(`/quotes/${q.id}`);
  await page.locator('.card', { hasText: '明细' }).waitFor();
  await page.locator('.quote-total').waitFor();
  await page.goto(`/orders/${q.order_id}`);
  await page.getByText('交会员卡、会员手册和推荐卡').waitFor();
  await page.getByText('确认成交').waitFor();
  // Nothing wider than the phone.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the order page is ${overflow}px wider than the phone`);
  await page.goto(`/quotes/${q.id}`);
  const overflowQ = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflowQ <= 1, `the quote page is ${overflowQ}px wider than the phone`);
  await assertHealthy(page, server.base);
  await page.close();
});

test('an admin keeps the letterhead, with a logo, on the settings page', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/settings');
  const lh = page.locator('.card-letterhead');
  await lh.getByLabel('Company name').fill('杭州茶韵有限公司');
  await lh.getByLabel('Phone').fill('+86 571 8888 0000');
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  await lh.getByLabel(/^Logo/).setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png });
  await lh.locator('img.logo-img').waitFor();
  await lh.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: 'Letterhead saved.' }).waitFor();
  const got = (await api.get('/api/v1/settings/letterhead')).body;
  assert.equal(got.name, '杭州茶韵有限公司');
  assert.equal(got.logo, 'data:image/png;base64,' + png.toString('base64'));
  // A salesperson's settings page has no letterhead card.
  await assertHealthy(page, server.base);
  await page.close();
  const s = await openPage(browser, server);
  await login(s, SALES);
  await s.goto('/settings');
  await s.locator('h1', { hasText: 'Settings' }).waitFor();
  assert.equal(await s.locator('.card-letterhead').count(), 0);
  await s.close();
});
