// Quotes and orders in another currency than the company's carry their
// total in the company currency at the rate of the document's date (issue
// 18: "the rate of the document's date is used and shown", espocrm#1429):
// the latest rate entered on or before that date, not today's; no rate →
// null and fx.missing, never a guess; the same currency → the total at
// rate 1. Shown on GET, lists, exports and the quote PDF; the sales report
// names the rates its converted figures used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, sqlExec } from './harness.mjs';

async function setup() {
  const srv = await new Server().start();
  const admin = await srv.login();
  const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '王小明 Wang' })).body;
  const rate = async (currency, valid_on, r) => {
    const res = await admin.post('/api/v1/exchange-rates', { currency, to_currency: 'CNY', valid_on, rate: r });
    assert.equal(res.status, 201, res.text);
  };
  return { srv, admin, party, rate };
}

test('a USD quote converts at the rate of its date, not a later one; the PDF shows it', async () => {
  const { srv, admin, party, rate } = await setup();
  try {
    await rate('USD', '2026-10-15', '7.0500');
    await rate('USD', '2026-11-01', '7.1234');
    await rate('USD', '2026-11-20', '7.3000');   // after the quote's date: not used
    await rate('USD', '2099-01-01', '9.9');      // the future, also not used
    const q = await admin.post('/api/v1/quotes', { party_id: party.id, currency: 'USD', quote_date: '2026-11-05',
      lines: [{ description: 'Tea set', quantity: 2, unit_price: 50000 }] });
    assert.equal(q.status, 201, q.text);
    // 1,000.00 USD × 7.1234 = 7,123.40 CNY (minor units: 100000 → 712340).
    const want = { company_total: { amount: 712340, currency: 'CNY' },
      fx: { from: 'USD', to: 'CNY', on: '2026-11-05', rate: '7.1234', rate_on: '2026-11-01', missing: false } };
    assert.deepEqual({ company_total: q.body.company_total, fx: q.body.fx }, want, 'the create answer');
    const one = (await admin.get(`/api/v1/quotes/${q.body.id}`)).body;
    assert.deepEqual({ company_total: one.company_total, fx: one.fx }, want, 'GET one');
    const list = (await admin.get('/api/v1/quotes?currency=USD')).body.items;
    assert.deepEqual({ company_total: list[0].company_total, fx: list[0].fx }, want, 'the list');
    const exp = await admin.get('/api/v1/exports/quotes?format=jsonl');
    assert.equal(exp.status, 200, exp.text);
    const rec = exp.text.trim().split('\n').map((l) => JSON.parse(l)).find((x) => x.id === q.body.id);
    assert.deepEqual({ company_total: rec.company_total, fx: rec.fx }, want, 'the export');
    // An audit row of the quote (the customer's timeline) is a change, left as it was: no fx in it.
    const tl = (await admin.get(`/api/v1/parties/${party.id}/timeline`)).body.items.find((x) => x.item.entity === 'quote');
    assert.ok(tl && !('fx' in tl.item.changes), JSON.stringify(tl));
    // Moving the quote's date moves the rate: 2026-10-20 → the 10-15 rate.
    const moved = await admin.patch(`/api/v1/quotes/${q.body.id}`, { quote_date: '2026-10-20', version: one.version });
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual([moved.body.fx.rate, moved.body.fx.rate_on, moved.body.company_total.amount], ['7.0500', '2026-10-15', 705000]);
    // A rate entered later for an earlier day of the same period is the one of the date now.
    await rate('USD', '2026-10-18', '7.0800');
    const again = (await admin.get(`/api/v1/quotes/${q.body.id}`)).body;
    assert.deepEqual([again.fx.rate, again.fx.rate_on, again.company_total.amount], ['7.0800', '2026-10-18', 708000]);

    // The PDF shows the converted total, the rate and its day under the total.
    const r = await fetch(`${srv.base}/api/v1/quotes/${q.body.id}/pdf`, { headers: { Cookie: admin.cookie } });
    assert.equal(r.status, 200);
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const path = `${mkdtempSync('/tmp/fx-pdf-')}/q.pdf`;
    writeFileSync(path, Buffer.from(await r.arrayBuffer()));
    const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
    for (const s of ['1,000.00', '折合 In CNY', '7,080.00', 'Rate 1 USD = 7.0800 CNY (2026-10-18)'])
      assert.ok(text.includes(s), `the PDF text has ${s}:\n${text}`);

    // A CNY quote: the total itself at rate 1, and no conversion lines on the PDF.
    const c = (await admin.post('/api/v1/quotes', { party_id: party.id, currency: 'CNY', quote_date: '2026-11-05',
      lines: [{ description: 'Tea', quantity: 3, unit_price: 1234 }] })).body;
    assert.deepEqual(c.company_total, { amount: 3702, currency: 'CNY' });
    assert.deepEqual(c.fx, { from: 'CNY', to: 'CNY', on: '2026-11-05', rate: '1', rate_on: '2026-11-05', missing: false });
    const cr = await fetch(`${srv.base}/api/v1/quotes/${c.id}/pdf`, { headers: { Cookie: admin.cookie } });
    writeFileSync(path, Buffer.from(await cr.arrayBuffer()));
    assert.ok(!execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' }).includes('折合'));
  } finally { await srv.stop(); }
});

test('no rate on or before the date: company_total null and fx.missing; the PDF says so', async () => {
  const { srv, admin, party, rate } = await setup();
  try {
    await rate('USD', '2026-12-01', '7.2');   // only after the quote's date
    const q = (await admin.post('/api/v1/quotes', { party_id: party.id, currency: 'USD', quote_date: '2026-11-05',
      lines: [{ description: 'Tea set', quantity: 1, unit_price: 100 }] })).body;
    assert.equal(q.company_total, null);
    assert.deepEqual(q.fx, { from: 'USD', to: 'CNY', on: '2026-11-05', rate: null, rate_on: null, missing: true });
    const e = (await admin.post('/api/v1/quotes', { party_id: party.id, currency: 'EUR', quote_date: '2026-11-05',
      lines: [{ description: 'Tea set', quantity: 1, unit_price: 100 }] })).body;
    assert.deepEqual([e.company_total, e.fx.missing, e.fx.rate], [null, true, null], 'a currency with no rate at all');
    const r = await fetch(`${srv.base}/api/v1/quotes/${q.id}/pdf`, { headers: { Cookie: admin.cookie } });
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const path = `${mkdtempSync('/tmp/fx-pdf-')}/q.pdf`;
    writeFileSync(path, Buffer.from(await r.arrayBuffer()));
    const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
    assert.ok(text.includes('No rate USD to CNY on or before 2026-11-05'), text);
    // Only the inverse pair entered (CNY → USD): used, inverted, and named as such.
    assert.equal((await admin.post('/api/v1/exchange-rates', { currency: 'CNY', to_currency: 'EUR', valid_on: '2026-01-01', rate: '0.125' })).status, 201);
    const inv = (await admin.get(`/api/v1/quotes/${e.id}`)).body;
    assert.deepEqual([inv.fx.rate, inv.fx.rate_on, inv.company_total.amount], ['1/0.125', '2026-01-01', 800]);
  } finally { await srv.stop(); }
});

test('an order converts at the rate of the day it was made in the company time zone', async () => {
  const { srv, admin, party, rate } = await setup();
  try {
    assert.equal((await admin.request('PUT', '/api/v1/settings/time-zone', { time_zone: 'Asia/Shanghai' })).status, 200);
    await rate('USD', '2026-10-31', '7.0000');
    await rate('USD', '2026-11-01', '7.1234');
    await rate('USD', '2099-01-01', '9.9');
    const o = await admin.post('/api/v1/orders', { party_id: party.id, currency: 'USD', total: { amount: 100000, currency: 'USD' } });
    assert.equal(o.status, 201, o.text);
    // Made today: the latest rate on or before today (the 2099 one is not yet).
    assert.deepEqual([o.body.fx.rate, o.body.fx.rate_on, o.body.company_total.amount], ['7.1234', '2026-11-01', 712340]);
    // Made at 20:00 UTC on 31 October: 1 November in Shanghai → that day's rate, not the one of 31 October.
    sqlExec(srv.db, 'UPDATE sales_order SET created_at = ? WHERE id = ?', '2026-10-31T20:00:00Z', o.body.id);
    let got = (await admin.get(`/api/v1/orders/${o.body.id}`)).body;
    assert.deepEqual([got.fx.on, got.fx.rate, got.fx.rate_on, got.company_total.amount], ['2026-11-01', '7.1234', '2026-11-01', 712340]);
    sqlExec(srv.db, 'UPDATE sales_order SET created_at = ? WHERE id = ?', '2026-10-31T10:00:00Z', o.body.id);
    got = (await admin.get(`/api/v1/orders/${o.body.id}`)).body;
    assert.deepEqual([got.fx.on, got.fx.rate, got.company_total.amount], ['2026-10-31', '7.0000', 700000]);
    const listed = (await admin.get('/api/v1/orders')).body.items.find((x) => x.id === o.body.id);
    assert.deepEqual(listed.fx, got.fx);
    // Before any rate: null, missing.
    sqlExec(srv.db, 'UPDATE sales_order SET created_at = ? WHERE id = ?', '2025-01-01T10:00:00Z', o.body.id);
    got = (await admin.get(`/api/v1/orders/${o.body.id}`)).body;
    assert.deepEqual([got.company_total, got.fx.missing, got.fx.rate_on], [null, true, null]);
    // A CNY order: rate 1.
    const c = (await admin.post('/api/v1/orders', { party_id: party.id, currency: 'CNY', total: { amount: 4321, currency: 'CNY' } })).body;
    assert.deepEqual([c.company_total, c.fx.rate, c.fx.missing], [{ amount: 4321, currency: 'CNY' }, '1', false]);
  } finally { await srv.stop(); }
});

test('the sales report names the rate each converted figure used', async () => {
  const { srv, admin, party, rate } = await setup();
  try {
    await rate('USD', '2026-01-01', '7.0');
    await rate('USD', '2026-03-01', '7.2');
    const pid = (await admin.get('/api/v1/pipelines')).body.items.find((p) => p.name === 'B2B sales').id;
    const opp = await admin.post('/api/v1/opportunities', { party_id: party.id, pipeline_id: pid, name: 'Deal',
      amount: { amount: 100000, currency: 'USD' } });
    assert.equal(opp.status, 201, opp.text);
    const w = await admin.patch(`/api/v1/opportunities/${opp.body.id}`, { status: 'won', version: opp.body.version });
    assert.equal(w.status, 200, w.text);
    const r = await admin.get('/api/v1/reports/sales?by=user&from=2026-01-01&to=2026-12-31');
    assert.equal(r.status, 200, r.text);
    assert.ok(Array.isArray(r.body.rates), r.text);
    const used = r.body.rates.find((x) => x.currency === 'USD');
    assert.ok(used, r.text);
    assert.deepEqual([used.to, used.rate, used.rate_on, used.missing], ['CNY', '7.2', '2026-03-01', false]);
    assert.equal(r.body.rates_complete, true);
    // The PDF lists the rate entries used.
    const pdf = await fetch(`${srv.base}/api/v1/reports/sales/export?by=user&from=2026-01-01&to=2026-12-31&format=pdf`, { headers: { Cookie: admin.cookie } });
    assert.equal(pdf.status, 200);
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const path = `${mkdtempSync('/tmp/fx-pdf-')}/r.pdf`;
    writeFileSync(path, Buffer.from(await pdf.arrayBuffer()));
    const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
    assert.ok(/Exchange rates used/.test(text) && /USD → CNY\s+7\.2\s+2026-03-01/.test(text), text);
  } finally { await srv.stop(); }
});
