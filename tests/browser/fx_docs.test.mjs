// fx_docs: a quote and an order in US dollars show their total in the
// company currency (CNY) at the rate of the document's date, "at 7.1234
// on 2026-11-01", in English on a desktop and in Chinese on a phone; a
// quote with no rate on or before its date says so instead of a figure
// (issue 18, espocrm#1429; the server's company_total / fx, doc_fx.h).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, sqlExec } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, quote, order, bare;

before(async () => {
  server = new Server();
  await server.start();
  api = await server.login();
  const party = (await api.post('/api/v1/parties', { kind: 'person', name: '王小明 Wang' })).body;
  for (const [valid_on, rate] of [['2026-10-15', '7.0500'], ['2026-11-01', '7.1234'], ['2026-11-20', '7.3000']])
    assert.equal((await api.post('/api/v1/exchange-rates', { currency: 'USD', to_currency: 'CNY', valid_on, rate })).status, 201);
  quote = (await api.post('/api/v1/quotes', { party_id: party.id, currency: 'USD', quote_date: '2026-11-05',
    lines: [{ description: 'Tea set', quantity: 2, unit_price: 50000 }] })).body;
  assert.equal(quote.company_total.amount, 712340);
  bare = (await api.post('/api/v1/quotes', { party_id: party.id, currency: 'EUR', quote_date: '2026-11-05',
    lines: [{ description: 'Tea cup', quantity: 1, unit_price: 900 }] })).body;
  order = (await api.post('/api/v1/orders', { party_id: party.id, currency: 'USD', total: { amount: 100000, currency: 'USD' } })).body;
  // Made on 5 November (its date is the day it was made): the 1 November rate, not the later ones.
  sqlExec(server.db, 'UPDATE sales_order SET created_at = ? WHERE id = ?', '2026-11-05T04:00:00Z', order.id);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('the quote and order pages show the converted total and its rate (English, desktop)', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto(`/quotes/${quote.id}`);
  const fx = page.locator('.card-totals .fx-total');
  await fx.waitFor();
  const prop = page.locator('.card-totals .prop', { has: page.locator('.fx-total') });
  assert.equal((await prop.locator('dt').textContent()).trim(), 'In CNY');
  assert.match(await fx.locator('.fx-amount').textContent(), /7,123\.40/);
  assert.equal((await fx.locator('.fx-rate').textContent()).trim(), 'at 7.1234 on 2026-11-01');

  await page.goto(`/quotes/${bare.id}`);
  await page.locator('.card-totals .fx-missing').waitFor();
  assert.equal((await page.locator('.card-totals .fx-missing').textContent()).trim(), 'no EUR rate on or before 2026-11-05');

  await page.goto('/quotes');
  const row = page.locator(`tr[data-id="${quote.id}"]`);
  await row.waitFor();
  assert.match(await row.locator('.fx-short').textContent(), /≈ CN¥7,123\.40/);

  await page.goto(`/orders/${order.id}`);
  const ofx = page.locator('.fx-total');
  await ofx.waitFor();
  assert.match(await ofx.locator('.fx-amount').textContent(), /7,123\.40/);
  assert.equal((await ofx.locator('.fx-rate').textContent()).trim(), 'at 7.1234 on 2026-11-01');
  await assertHealthy(page, server.base);
  await page.context().close();
});

test('the same in Chinese on a phone', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await login(page);
  await page.goto(`/quotes/${quote.id}`);
  const fx = page.locator('.card-totals .fx-total');
  await fx.waitFor();
  const prop = page.locator('.card-totals .prop', { has: page.locator('.fx-total') });
  assert.equal((await prop.locator('dt').textContent()).trim(), '折合CNY');
  assert.equal((await fx.locator('.fx-rate').textContent()).trim(), '按 2026-11-01 汇率 7.1234');
  await fx.scrollIntoViewIfNeeded();
  const box = await fx.boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `fits the phone: ${JSON.stringify(box)}`);

  await page.goto(`/orders/${order.id}`);
  const ofx = page.locator('.fx-total');
  await ofx.waitFor();
  assert.equal((await ofx.locator('.fx-rate').textContent()).trim(), '按 2026-11-01 汇率 7.1234');
  await assertHealthy(page, server.base);
  await page.context().close();
});

test('the sales reports page says which rate its converted figures used', async () => {
  const party = (await api.post('/api/v1/parties', { kind: 'organization', name: 'Rates Co' })).body;
  const pid = (await api.get('/api/v1/pipelines')).body.items.find((p) => p.name === 'B2B sales').id;
  const opp = (await api.post('/api/v1/opportunities', { party_id: party.id, pipeline_id: pid, name: 'USD deal',
    amount: { amount: 100000, currency: 'USD' } })).body;
  const won = await api.patch(`/api/v1/opportunities/${opp.id}`, { status: 'won', version: opp.version });
  assert.equal(won.status, 200, won.text);
  const r = (await api.get('/api/v1/reports/sales?by=user&from=2026-01-01&to=2027-12-31')).body;
  const used = r.rates.find((x) => x.currency === 'USD');
  assert.ok(used && !used.missing, JSON.stringify(r.rates));
  for (const [locale, head, line] of [['en-US', 'Exchange rates used:', `USD → CNY ${used.rate} (${used.rate_on})`],
    ['zh-CN', '所用汇率：', `USD → CNY ${used.rate}（${used.rate_on}）`]]) {
    const page = await openPage(browser, server, { locale });
    await login(page);
    await page.goto('/sales-reports?by=user&from=2026-01-01&to=2027-12-31');
    const box = page.locator('.fx-rates-used');
    await box.locator('strong').waitFor();
    assert.equal((await box.locator('strong').textContent()).trim(), head);
    assert.ok((await box.textContent()).includes(line), await box.textContent());
    await assertHealthy(page, server.base);
    await page.close();
  }
});
