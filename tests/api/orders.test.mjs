// Price lists, quotes and orders (issue 18 part C): the price that applies
// on a day to a party (group lists beat general ones, validity dates, the
// product's list price as the fallback); quotes priced from the list of
// their date, totals computed server-side with stated rounding, revisions
// that keep the old one readable, the draft → sent → accepted | declined |
// expired workflow, acceptance creating the order once; orders moving
// through the D9 steps with who and when, a wrong move 409, and the payment
// step creating the order's transaction exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sql } from './harness.mjs';

const PW = 'a long enough password';

async function setup(env = {}) {
  const srv = await new Server({ env }).start();
  const admin = await srv.login();
  const prod = async (name, price) => (await admin.post('/api/v1/products', { name, sku: name, price: { amount: price, currency: 'CNY' } })).body;
  const tea = await prod('龙井茶 Longjing tea', 10000);
  const cup = await prod('茶杯 Tea cup', 2500);
  const vip = (await admin.post('/api/v1/parties', { kind: 'person', name: '王小明', tags: ['vip'] })).body;
  const plain = (await admin.post('/api/v1/parties', { kind: 'person', name: '李四' })).body;
  return { srv, admin, tea, cup, vip, plain };
}

test('price lists: validation, and the price that applies on a day to a party', async () => {
  const { srv, admin, tea, cup, vip, plain } = await setup();
  try {
    // The rule: currency code, dates in order, items well formed and existing.
    assertError(await admin.post('/api/v1/price-lists', { name: 'x', currency: 'cny', valid_from: '2027-01-01' }), 422, 'invalid_value', 'currency');
    assertError(await admin.post('/api/v1/price-lists', { name: 'x', currency: 'CNY', valid_from: '2027-02-01', valid_to: '2027-01-01' }), 422, 'invalid_value', 'valid_to');
    assertError(await admin.post('/api/v1/price-lists', { name: 'x', currency: 'CNY', valid_from: '2027-01-01',
      items: [{ product_id: tea.id, unit_price: -1 }] }), 422, 'invalid_value', 'items');
    assertError(await admin.post('/api/v1/price-lists', { name: 'x', currency: 'CNY', valid_from: '2027-01-01',
      items: [{ product_id: tea.id, unit_price: 1 }, { product_id: tea.id, unit_price: 2 }] }), 422, 'duplicate', 'items');
    assertError(await admin.post('/api/v1/price-lists', { name: 'x', currency: 'CNY', valid_from: '2027-01-01',
      items: [{ product_id: 999999, unit_price: 1 }] }), 422, 'invalid_reference', 'items');
    assert.equal(Number(sql(srv.db, 'SELECT count(*) AS n FROM price_list')), 0, 'refusals wrote nothing');

    const general = await admin.post('/api/v1/price-lists', { name: '2027 标准价', currency: 'CNY', valid_from: '2027-01-01', valid_to: '2027-12-31',
      items: [{ product_id: tea.id, unit_price: 9000 }, { product_id: cup.id, unit_price: 2000 }] });
    assert.equal(general.status, 201, general.text);
    assert.equal(general.body.active, true);
    const vipList = (await admin.post('/api/v1/price-lists', { name: 'VIP 会员价', currency: 'CNY', customer_group: 'vip',
      valid_from: '2027-03-01', valid_to: '2027-03-31', items: [{ product_id: tea.id, unit_price: 7000 }] })).body;
    const usd = (await admin.post('/api/v1/price-lists', { name: 'Export', currency: 'USD', valid_from: '2027-01-01',
      items: [{ product_id: tea.id, unit_price: 1300 }] })).body;

    const price = (q) => admin.get(`/api/v1/products/${tea.id}/price?${q}`);
    let r = await price(`on=2027-03-15&party_id=${vip.id}&currency=CNY`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.body.unit_price, r.body.price_list_id, r.body.customer_group, r.body.source],
      [{ amount: 7000, currency: 'CNY' }, vipList.id, 'vip', 'price_list']);
    // The same day for a party outside the group: the general list.
    r = await price(`on=2027-03-15&party_id=${plain.id}&currency=CNY`);
    assert.deepEqual([r.body.unit_price.amount, r.body.price_list_id], [9000, general.body.id]);
    // After the group list's last day the VIP pays the general price.
    r = await price(`on=2027-04-01&party_id=${vip.id}&currency=CNY`);
    assert.equal(r.body.unit_price.amount, 9000);
    // Another currency: that currency's list.
    r = await price(`on=2027-03-15&currency=USD`);
    assert.deepEqual([r.body.unit_price, r.body.price_list_id], [{ amount: 1300, currency: 'USD' }, usd.id]);
    // Before any list: the product's own list price.
    r = await price(`on=2026-06-01&currency=CNY`);
    assert.deepEqual([r.body.unit_price.amount, r.body.source, r.body.price_list_id], [10000, 'product', null]);
    // No list and no list price in that currency: 404 no_price.
    assertError(await price('on=2026-06-01&currency=EUR'), 404, 'no_price');
    assertError(await price('on=2027-13-01'), 400, 'invalid_parameter', 'on');
    assertError(await admin.get('/api/v1/products/999999/price'), 404, 'not_found');
    // A product in a list cannot be deleted from under it.
    const del = await admin.del(`/api/v1/products/${cup.id}`);
    assert.equal(del.status, 409, del.text);
    // A list's items can change: the lookup follows.
    const g2 = await admin.patch(`/api/v1/price-lists/${general.body.id}`, { items: [{ product_id: tea.id, unit_price: 9100 }], version: general.body.version });
    assert.equal(g2.status, 200, g2.text);
    r = await price(`on=2027-03-15&party_id=${plain.id}&currency=CNY`);
    assert.deepEqual([r.body.unit_price.amount, r.body.price_list_id], [9100, general.body.id]);
    assert.equal((await admin.del(`/api/v1/products/${cup.id}`)).status, 204, 'no list holds it now');
    // An inactive list no longer applies.
    const off = await admin.patch(`/api/v1/price-lists/${vipList.id}`, { active: false, version: vipList.version });
    assert.equal(off.status, 200, off.text);
    r = await price(`on=2027-03-15&party_id=${vip.id}&currency=CNY`);
    assert.equal(r.body.unit_price.amount, 9100);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('quotes: priced from the list of their date, totals, revisions, workflow, accept makes one order', async () => {
  const { srv, admin, tea, cup, vip } = await setup();
  try {
    addUser(srv.db, 'sales@test.local', 'sales');
    addUser(srv.db, 'other@test.local', 'sales');
    const sales = await srv.login('sales@test.local', PW);
    const other = await srv.login('other@test.local', PW);
    await admin.patch(`/api/v1/parties/${vip.id}`, { owner_id: sales.user.id, version: vip.version });
    await admin.post('/api/v1/price-lists', { name: '标准价', currency: 'CNY', valid_from: '2027-01-01',
      items: [{ product_id: tea.id, unit_price: 9000 }, { product_id: cup.id, unit_price: 1999 }] });
    await admin.post('/api/v1/price-lists', { name: 'VIP', currency: 'CNY', customer_group: 'vip', valid_from: '2027-01-01',
      items: [{ product_id: tea.id, unit_price: 8000 }] });
    const q = await sales.post('/api/v1/quotes', {
      party_id: vip.id, currency: 'CNY', quote_date: '2027-02-01', valid_until: '2099-12-31', title: '春季订货',
      lines: [
        { product_id: tea.id, quantity: 3, discount_bp: 1000 },           // 3 × 80.00 − 10% = 216.00
        { product_id: cup.id, quantity: 3, discount_bp: 333 },            // 3 × 19.99 = 59.97 − 3.33% (1.997…→2.00) = 57.97
        { description: '包装费 Gift wrapping', quantity: 1, unit_price: 1250 },
      ],
      discount_bp: 500, tax_bp: 1300 });
    assert.equal(q.status, 201, q.text);
    const b = q.body;
    assert.equal(b.status, 'draft');
    assert.equal(b.revision, 1);
    assert.equal(b.owner_id, sales.user.id);
    assert.deepEqual(b.lines.map((l) => [l.unit_price, l.net]), [[8000, 21600], [1999, 5797], [1250, 1250]]);
    assert.equal(b.lines[0].description, '龙井茶 Longjing tea', 'a product line takes the product name');
    assert.ok(b.lines[0].price_list_id, 'the list the price came from');
    // subtotal 286.47; discount 5% = 14.3235 → 14.32; taxable 272.15; tax 13% = 35.3795 → 35.38; total 307.53
    assert.deepEqual([b.subtotal.amount, b.discount.amount, b.tax.amount, b.total.amount], [28647, 1432, 3538, 30753]);
    assert.equal(b.total.currency, 'CNY');
    // The totals are the server's.
    assertError(await sales.patch(`/api/v1/quotes/${b.id}`, { total: { amount: 1, currency: 'CNY' }, version: b.version }), 422, 'read_only', 'total');
    // Bad input names the field and changes nothing.
    assertError(await sales.post('/api/v1/quotes', { party_id: vip.id, currency: 'CNY', lines: [{ quantity: 1, unit_price: 1 }] }), 422, 'invalid_value', 'lines');
    assertError(await sales.post('/api/v1/quotes', { party_id: vip.id, currency: 'EUR', lines: [{ product_id: tea.id, quantity: 1 }] }), 422, 'no_price', 'lines');
    assertError(await sales.post('/api/v1/quotes', { party_id: vip.id, currency: 'CNY', discount_bp: 10001 }), 422, 'invalid_value', 'discount_bp');
    assert.equal(Number(sql(srv.db, 'SELECT count(*) AS n FROM quote')), 1);
    // Another salesperson does not see it (own records of a sales role, no team).
    assertError(await other.get(`/api/v1/quotes/${b.id}`), 404, 'not_found');
    assertError(await other.get(`/api/v1/quotes/${b.id}/pdf`), 404, 'not_found');
    assertError(await other.get(`/api/v1/quotes/${b.id}/revisions`), 404, 'not_found');
    assertError(await other.post(`/api/v1/quotes/${b.id}/accept`, {}), 404, 'not_found');
    assertError(await other.get(`/api/v1/products/${tea.id}/price?party_id=${vip.id}`), 404, 'not_found', 'party_id');

    // A change of the offer is a new revision; the old one stays readable.
    const r2 = await sales.patch(`/api/v1/quotes/${b.id}`, { lines: [b.lines[0], b.lines[2]], version: b.version });
    assert.equal(r2.status, 200, r2.text);
    assert.equal(r2.body.revision, 2);
    assert.equal(r2.body.subtotal.amount, 22850);
    // A change of nothing in the offer (the lines sent back as read) is not a revision.
    const same = await sales.patch(`/api/v1/quotes/${b.id}`, { lines: r2.body.lines, opportunity_id: 7, version: r2.body.version });
    assert.equal(same.body.revision, 2);
    const revs = await sales.get(`/api/v1/quotes/${b.id}/revisions`);
    assert.equal(revs.status, 200, revs.text);
    assert.equal(revs.body.items.length, 1);
    assert.equal(revs.body.items[0].revision, 1);
    assert.equal(revs.body.items[0].quote.total.amount, 30753);
    assert.equal(revs.body.items[0].quote.lines.length, 3);

    // Workflow: draft → accepted is not a move; sent stamps who and when.
    assertError(await sales.patch(`/api/v1/quotes/${b.id}`, { status: 'accepted', version: same.body.version }), 409, 'invalid_transition', 'status');
    const sent = await sales.patch(`/api/v1/quotes/${b.id}`, { status: 'sent', version: same.body.version });
    assert.equal(sent.status, 200, sent.text);
    assert.equal(sent.body.sent_by, sales.user.id);
    assert.match(sent.body.sent_at, /^\d{4}-\d\d-\d\dT/);
    // Accept: an order, once; a repeat answers the same order.
    // Accepting a version that is not the current one is a conflict.
    assertError(await sales.post(`/api/v1/quotes/${b.id}/accept`, { version: sent.body.version - 1 }), 409, 'version_conflict');
    const acc = await sales.post(`/api/v1/quotes/${b.id}/accept`, { version: sent.body.version });
    assert.equal(acc.status, 200, acc.text);
    assert.equal(acc.body.status, 'accepted');
    assert.ok(Number.isInteger(acc.body.order_id));
    const again = await sales.post(`/api/v1/quotes/${b.id}/accept`, {});
    assert.equal(again.body.order_id, acc.body.order_id);
    assert.equal(Number(sql(srv.db, 'SELECT count(*) AS n FROM sales_order WHERE quote_id = ?', b.id)), 1);
    const order = (await sales.get(`/api/v1/orders/${acc.body.order_id}`)).body;
    // 228.50 − 5% (11.425 → 11.43) = 217.07, + 13% tax (28.2191 → 28.22) = 245.29: the quote's total.
    assert.equal((await sales.get(`/api/v1/quotes/${b.id}`)).body.total.amount, 24529);
    assert.deepEqual([order.party_id, order.quote_id, order.status, order.total.amount, order.lines.length, order.owner_id],
      [vip.id, b.id, 'confirmed', 24529, 2, sales.user.id]);
    // An accepted quote's offer is closed; its status cannot go back.
    const cur = (await sales.get(`/api/v1/quotes/${b.id}`)).body;
    assert.equal(cur.order_id, acc.body.order_id);
    assertError(await sales.patch(`/api/v1/quotes/${b.id}`, { tax_bp: 0, version: cur.version }), 409, 'quote_closed', 'tax_bp');
    assertError(await sales.patch(`/api/v1/quotes/${b.id}`, { status: 'draft', version: cur.version }), 409, 'invalid_transition', 'status');

    // PATCH to accepted makes the order too; an expired quote cannot be accepted.
    const q2 = (await sales.post('/api/v1/quotes', { party_id: vip.id, currency: 'CNY', lines: [{ product_id: cup.id, quantity: 1 }] })).body;
    const s2 = (await sales.patch(`/api/v1/quotes/${q2.id}`, { status: 'sent', version: q2.version })).body;
    const a2 = await sales.patch(`/api/v1/quotes/${q2.id}`, { status: 'accepted', version: s2.version });
    assert.equal(a2.status, 200, a2.text);
    assert.ok(Number.isInteger(a2.body.order_id));
    const q3 = (await sales.post('/api/v1/quotes', { party_id: vip.id, currency: 'CNY', quote_date: '2026-01-01', valid_until: '2026-01-31',
      lines: [{ product_id: cup.id, quantity: 1, unit_price: 1999 }] })).body;
    const s3 = (await sales.patch(`/api/v1/quotes/${q3.id}`, { status: 'sent', version: q3.version })).body;
    assertError(await sales.post(`/api/v1/quotes/${q3.id}/accept`, {}), 409, 'quote_expired', 'status');
    assertError(await sales.patch(`/api/v1/quotes/${q3.id}`, { status: 'accepted', version: s3.version }), 409, 'quote_expired', 'status');
    assert.equal((await sales.get(`/api/v1/quotes/${q3.id}`)).body.status, 'sent', 'nothing changed');
    const dec = await sales.patch(`/api/v1/quotes/${q3.id}`, { status: 'declined', version: s3.version });
    assert.equal(dec.body.decided_by, sales.user.id);
    assert.equal(dec.body.order_id, null);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('quotes: the PDF holds the Chinese line items and the letterhead', async () => {
  const { srv, admin, tea, vip } = await setup();
  try {
    assertError(await admin.request('PUT', '/api/v1/settings/letterhead', { slogan: 'x' }), 422, 'unknown_field', 'slogan');
    const lh = await admin.request('PUT', '/api/v1/settings/letterhead', { name: '杭州茶韵有限公司 Tea Co.', address: '杭州市西湖区龙井路 1 号', phone: '+86 571 8888 0000' });
    assert.equal(lh.status, 200, lh.text);
    assert.equal(lh.body.name, '杭州茶韵有限公司 Tea Co.');
    // A logo: a PNG or JPEG data: URL that can be drawn; anything else is refused now, not on every PDF.
    const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    assertError(await admin.request('PUT', '/api/v1/settings/letterhead', { logo: 'data:image/png;base64,bm90IGEgcG5n' }), 422, 'invalid_value', 'logo');
    assertError(await admin.request('PUT', '/api/v1/settings/letterhead', { logo: 'https://example.com/logo.png' }), 422, 'invalid_value', 'logo');
    const withLogo = await admin.request('PUT', '/api/v1/settings/letterhead', { logo: PNG });
    assert.equal(withLogo.status, 200, withLogo.text);
    assert.equal(withLogo.body.logo, PNG);
    assert.equal(withLogo.body.name, '杭州茶韵有限公司 Tea Co.', 'the keys not given stay');
    addUser(srv.db, 'sales@test.local', 'sales');
    const sales = await srv.login('sales@test.local', 'a long enough password');
    assertError(await sales.request('PUT', '/api/v1/settings/letterhead', { name: 'x' }), 403, 'forbidden');
    const q = (await admin.post('/api/v1/quotes', { party_id: vip.id, currency: 'CNY', tax_bp: 600, notes: '付款方式：货到付款\n\n' + '交货期：收到订单后十五个工作日内发货，运费由卖方承担。'.repeat(6),
      lines: [{ product_id: tea.id, quantity: 2, unit_price: 12345 }, { description: '特级明前龙井礼盒', quantity: 1, unit_price: 88800 }] })).body;
    const r = await fetch(`${srv.base}/api/v1/quotes/${q.id}/pdf`, { headers: { Cookie: admin.cookie } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/pdf');
    const buf = Buffer.from(await r.arrayBuffer());
    assert.equal(buf.subarray(0, 5).toString(), '%PDF-');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const path = `${mkdtempSync('/tmp/quote-pdf-')}/q.pdf`;
    writeFileSync(path, buf);
    // An independent reader (poppler's pdftotext) finds the text.
    const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
    for (const s of ['报价单', '龙井茶 Longjing tea', '特级明前龙井礼盒', '杭州茶韵有限公司', '王小明', '888.00', '付款方式：货到付款'])
      assert.ok(text.includes(s), `the PDF text has ${s}:\n${text}`);
    // subtotal 246.90 + 888.00 = 1,134.90; tax 6% = 68.094 → 68.09; total 1,202.99
    assert.ok(text.includes('1,202.99'), text);
    // The logo is in it: one 1×1 image (its alpha channel is a soft mask beside it).
    const images = execFileSync('pdfimages', ['-list', path], { encoding: 'utf8' }).trim().split('\n').slice(2)
      .filter((l) => /^\s*\d+\s+\d+\s+image\s/.test(l));
    assert.equal(images.length, 1, images.join('\n'));
    assert.match(images[0], /^\s*1\s+\d+\s+image\s+1\s+1\s/);
    const info = execFileSync('pdffonts', [path], { encoding: 'utf8' });
    assert.match(info, /TrueType|CID/);
    assert.match(info, /yes\s+yes/, 'the font is embedded');
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('orders: the D9 steps in order with who and when, and the payment creates one transaction', async () => {
  const { srv, admin, vip } = await setup();
  try {
    addUser(srv.db, 'sales@test.local', 'sales');
    const sales = await srv.login('sales@test.local', PW);
    await admin.patch(`/api/v1/parties/${vip.id}`, { owner_id: sales.user.id, version: vip.version });
    const o = await sales.post('/api/v1/orders', { party_id: vip.id, currency: 'CNY', total: { amount: 500000, currency: 'CNY' },
      lines: [{ description: '会员机 Member machine', quantity: 1, unit_price: 500000, net: 500000 }] });
    assert.equal(o.status, 201, o.text);
    assert.equal(o.body.status, 'confirmed');
    assert.equal(o.body.confirmed_by, sales.user.id);
    assert.ok(o.body.confirmed_at);
    assertError(await sales.post('/api/v1/orders', { party_id: vip.id, currency: 'CNY', total: { amount: 1, currency: 'USD' } }), 422, 'invalid_currency', 'total');
    assertError(await sales.post('/api/v1/orders', { party_id: vip.id, currency: 'CNY', total: { amount: 1, currency: 'CNY' }, status: 'paid' }), 409, 'invalid_transition', 'status');
    // A new order PATCHed straight to deal_confirmed: 409, nothing changes.
    const bad = await sales.patch(`/api/v1/orders/${o.body.id}`, { status: 'deal_confirmed', version: o.body.version });
    assertError(bad, 409, 'invalid_transition', 'status');
    assert.deepEqual([bad.body.error.from, bad.body.error.to], ['confirmed', 'deal_confirmed']);
    assert.equal((await sales.get(`/api/v1/orders/${o.body.id}`)).body.version, o.body.version);
    // Assignable.
    let cur = (await sales.patch(`/api/v1/orders/${o.body.id}`, { assignee_id: sales.user.id, version: o.body.version })).body;
    assert.equal(cur.assignee_id, sales.user.id);
    const steps = ['file_created', 'shipped', 'delivered', 'paid', 'identity_verified', 'goods_inspected', 'card_handed_over',
      'file_confirmed', 'payment_collected', 'deal_confirmed'];
    for (const step of steps) {
      // Skipping a step is refused.
      const i = steps.indexOf(step);
      if (i + 1 < steps.length) assertError(await sales.patch(`/api/v1/orders/${o.body.id}`, { status: steps[i + 1], version: cur.version }), 409, 'invalid_transition', 'status');
      const r = await sales.patch(`/api/v1/orders/${o.body.id}`, { status: step, version: cur.version });
      assert.equal(r.status, 200, `${step}: ${r.text}`);
      assert.equal(r.body[`${step}_by`], sales.user.id);
      assert.match(r.body[`${step}_at`], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      cur = r.body;
      if (step === 'paid') {
        // The payment created the transaction the analytics read, once.
        assert.ok(Number.isInteger(cur.transaction_id), r.text);
        const t = (await sales.get(`/api/v1/transactions/${cur.transaction_id}`)).body;
        assert.deepEqual([t.party_id, t.amount, t.external_id, t.occurred_at], [vip.id, { amount: 500000, currency: 'CNY' }, `order:${o.body.id}`, cur.paid_at]);
        // A retried PATCH does not create a second one: sent with the version it
        // first read it is a conflict; sent again at the new version it is no move.
        const retry = await sales.patch(`/api/v1/orders/${o.body.id}`, { status: 'paid', version: cur.version });
        assert.equal(retry.status, 200, retry.text);
        assert.equal(retry.body.transaction_id, cur.transaction_id);
        const stale = await sales.patch(`/api/v1/orders/${o.body.id}`, { status: 'paid', version: cur.version - 1 });
        assert.equal(stale.status, 409);
        cur = retry.body;
        assert.equal(Number(sql(srv.db, 'SELECT count(*) AS n FROM txn WHERE party_id = ?', vip.id)), 1);
      }
    }
    assert.equal(cur.status, 'deal_confirmed');
    assert.equal(Number(sql(srv.db, 'SELECT count(*) AS n FROM txn WHERE party_id = ?', vip.id)), 1);
    // The steps are on the party's timeline (changes by the user) and the order's own.
    const tl = await sales.get(`/api/v1/parties/${vip.id}/timeline?limit=100`);
    assert.equal(tl.status, 200, tl.text);
    const orderChanges = tl.body.items.filter((i) => i.type === 'change' && i.item.entity === 'order');
    assert.ok(orderChanges.length >= 11, JSON.stringify(tl.body.items.slice(0, 3)));
    assert.ok(tl.body.items.some((i) => i.type === 'transaction'));
    const own = await sales.get(`/api/v1/orders/${o.body.id}/timeline`);
    assert.equal(own.status, 200, own.text);
    assert.ok(own.body.items.length >= 12);
    // The workflow is published for the UI's checklist.
    const types = (await sales.get('/api/v1/record-types')).body.types;
    const wf = types.find((t) => t.name === 'orders').workflow;
    assert.deepEqual(wf.transitions.map((t) => t.to), steps);
    // The analytics read it: after a run the member is a scored buyer with that revenue.
    const run = await admin.post('/api/v1/analytics/runs?wait=true', {});
    assert.equal(run.status, 200, run.text);
    const sc = (await admin.get(`/api/v1/parties/${vip.id}/scores`)).body;
    assert.deepEqual([sc.summary.transactions, sc.summary.revenue, sc.currency], [1, 500000, 'CNY']);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('quotes: the quotes_expire job expires sent and draft quotes past their last day, as system:scheduler', async () => {
  const { srv, admin, vip } = await setup({ RAPPORT_SCHEDULER_TICK_MS: '100' });
  try {
    const mk = (valid_until) => admin.post('/api/v1/quotes', { party_id: vip.id, currency: 'CNY', quote_date: '2026-01-01', valid_until,
      lines: [{ description: 'x', quantity: 1, unit_price: 100 }] }).then((r) => r.body);
    const old = await mk('2026-01-31'), fresh = await mk('2099-12-31'), oldSent = await mk('2026-02-01');
    assert.equal((await admin.patch(`/api/v1/quotes/${oldSent.id}`, { status: 'sent', version: oldSent.version })).status, 200);
    const put = await admin.request('PUT', '/api/v1/schedules/quotes.expire', { kind: 'quotes_expire', every_seconds: 1 });
    assert.equal(put.status, 201, put.text);
    const get = async (q) => (await admin.get(`/api/v1/quotes/${q.id}`)).body;
    for (let i = 0; i < 300 && (await get(oldSent)).status !== 'expired'; i++) await new Promise((r) => setTimeout(r, 100));
    const [a, b, c] = [await get(old), await get(fresh), await get(oldSent)];
    assert.deepEqual([a.status, b.status, c.status], ['expired', 'draft', 'expired']);
    assert.equal(c.decided_by, null, 'the scheduler is no user');
    assert.ok(c.decided_at);
    const audit = (await admin.get(`/api/v1/audit?entity=quote&entity_id=${c.id}`)).body.items[0];
    assert.equal(audit.address, 'scheduler');
    assert.deepEqual(audit.changes.status, ['sent', 'expired']);
    await admin.request('DELETE', '/api/v1/schedules/quotes.expire');
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});
