// Refunds linked to their purchase and the member order flow (issue 21):
// a partial refund entered as its own negative transaction names the
// purchase (refunds_transaction_id) and takes back its share of the points
// and of the referral revenue the purchase earned — once, adding up to the
// whole at a full refund; a refund beyond the purchase, of another party or
// in another currency changes nothing; deleting a refund gives its share
// back; a refunded purchase cannot be deleted. An order that reaches paid
// earns points and referral revenue once, through its transaction; refunding
// it (POST /api/v1/orders/{id}/refund: part, or the rest when cancelled)
// takes them back in proportion. `rapport loyalty check`
// finds a broken lot cache and --repair mends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, cli, sqlExec } from './harness.mjs';

const CNY = (amount) => ({ amount, currency: 'CNY' });
const LEVELS = [{ level: 1, card_quota: 2, benefit: 'gift', benefit_cost: CNY(1000), expected_spend: CNY(100000) },
  { level: 2, card_quota: 0, benefit: 'half price', benefit_cost: CNY(500), expected_spend: CNY(50000) }];

async function setup() {
  const srv = await new Server().start();
  const admin = await srv.login();
  const prog = await admin.post('/api/v1/loyalty-programs', { name: '积分 Points', earn_unit: CNY(1000), earn_points: 1 });
  assert.equal(prog.status, 201, prog.text);
  const ref = await admin.post('/api/v1/referral-programs', { name: 'VIP 推荐卡', status: 'active', levels: LEVELS, budget_cap: CNY(100000000) });
  assert.equal(ref.status, 201, ref.text);
  const P = `/api/v1/referral-programs/${ref.body.id}`;
  const mk = async (name, n) => {
    const r = await admin.post('/api/v1/parties', { kind: 'person', name, phones: [`+86 139 0000 ${1000 + n}`],
      emails: [`r${n}@example.com`], addresses: [{ line1: '1 Nanjing Rd', city: '上海' }] });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  const buyer = await mk('李娜 Li Na', 1);
  const m = await admin.post(`${P}/members`, { party_id: buyer, id_number: '110101199001011111' });
  assert.equal(m.status, 201, m.text);
  const state = async () => {
    const pts = (await admin.get(`/api/v1/parties/${buyer}/points`)).body;
    const tree = (await admin.get(`${P}/members/${m.body.id}/tree`)).body;
    const report = (await admin.get(`${P}/report`)).body;
    return { balance: pts.balance, items: pts.items, revenue: tree.subtree.revenue.amount, reported: report.revenue.amount };
  };
  return { srv, admin, buyer, other: await mk('赵强 Zhao Qiang', 2), state };
}

test('a partial refund takes back its share of points and referral revenue, once', async () => {
  const { srv, admin, buyer, other, state } = await setup();
  try {
    const buy = await admin.post('/api/v1/transactions', { party_id: buyer, occurred_at: '2026-11-01T10:00:00Z', amount: CNY(99900) });
    assert.equal(buy.status, 201, buy.text);
    let s = await state();
    assert.deepEqual([s.balance, s.revenue, s.reported], [99, 99900, 99900]);
    const refund = (amount, extra = {}) => admin.post('/api/v1/transactions', { party_id: buyer, occurred_at: '2026-11-02T10:00:00Z',
      amount: CNY(amount), refunds_transaction_id: buy.body.id, ...extra });
    // A third back: floor(99 · 33300 / 99900) = 33 points, 33300 of revenue.
    const r1 = await refund(-33300);
    assert.equal(r1.status, 201, r1.text);
    assert.equal(r1.body.refunds_transaction_id, buy.body.id);
    s = await state();
    assert.deepEqual([s.balance, s.revenue, s.reported], [66, 66600, 66600]);
    assert.equal(s.items[0].kind, 'reverse');
    assert.equal(s.items[0].points, -33);
    assert.equal(s.items[0].txn_id, r1.body.id);
    // Refusals change nothing: beyond the purchase, positive, another party, another currency, a refund of a refund.
    assertError(await refund(-66601), 409, 'refund_exceeds_purchase', 'amount');
    assertError(await refund(100), 422, 'invalid_value', 'amount');
    assertError(await refund(-100, { party_id: other }), 422, 'invalid_reference', 'refunds_transaction_id');
    assertError(await refund(-100, { amount: { amount: -100, currency: 'USD' } }), 422, 'invalid_currency', 'amount');
    assertError(await admin.post('/api/v1/transactions', { party_id: buyer, occurred_at: '2026-11-02T10:00:00Z', amount: CNY(-1),
      refunds_transaction_id: r1.body.id }), 422, 'invalid_reference', 'refunds_transaction_id');
    // A refunded purchase's amount and a refund's amount do not change; a refunded purchase is not deleted.
    const cur = (await admin.get(`/api/v1/transactions/${buy.body.id}`)).body;
    assertError(await admin.patch(`/api/v1/transactions/${buy.body.id}`, { amount: CNY(1), version: cur.version }), 409, 'has_refunds', 'amount');
    assertError(await admin.del(`/api/v1/transactions/${buy.body.id}`), 409, 'has_refunds', 'id');
    s = await state();
    assert.deepEqual([s.balance, s.revenue], [66, 66600], 'nothing changed');
    // The rest in two more refunds: together they take back exactly everything.
    assert.equal((await refund(-33300)).status, 201);
    const r3 = await refund(-33300);
    assert.equal(r3.status, 201, r3.text);
    s = await state();
    assert.deepEqual([s.balance, s.revenue, s.reported], [0, 0, 0]);
    assertError(await refund(-1), 409, 'refund_exceeds_purchase', 'amount');
    // Deleting a refund gives its share back (points as an adjustment, revenue as it was).
    assert.equal((await admin.del(`/api/v1/transactions/${r3.body.id}`)).status, 204);
    s = await state();
    assert.deepEqual([s.balance, s.revenue, s.reported], [33, 33300, 33300]);
    assert.equal(s.items[0].kind, 'adjust');
    // A purchase spent before its refund: the refund takes what is left, and says so.
    const buy2 = await admin.post('/api/v1/transactions', { party_id: buyer, occurred_at: '2026-11-03T10:00:00Z', amount: CNY(50000) });
    assert.equal((await state()).balance, 83);
    assert.equal((await admin.post(`/api/v1/parties/${buyer}/points`, { points: -80, reason: 'redeem' })).status, 201);
    const r4 = await admin.post('/api/v1/transactions', { party_id: buyer, occurred_at: '2026-11-04T10:00:00Z', amount: CNY(-50000),
      refunds_transaction_id: buy2.body.id });
    assert.equal(r4.status, 201, r4.text);
    s = await state();
    assert.equal(s.balance, 0);
    assert.equal(s.items[0].points, -3);
    assert.match(s.items[0].reason, /already spent/);
    // The ledger check agrees, from the CLI too.
    const chk = await admin.get('/api/v1/points/check');
    assert.equal(chk.status, 200, chk.text);
    assert.equal(chk.body.ok, true, JSON.stringify(chk.body));
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('an order that reaches paid earns once through its transaction; its refund takes it back', async () => {
  const { srv, admin, buyer, state } = await setup();
  try {
    const o = await admin.post('/api/v1/orders', { party_id: buyer, currency: 'CNY', total: CNY(250000) });
    assert.equal(o.status, 201, o.text);
    let cur = o.body;
    for (const step of ['file_created', 'shipped', 'delivered']) {
      const r = await admin.patch(`/api/v1/orders/${cur.id}`, { status: step, version: cur.version });
      assert.equal(r.status, 200, r.text);
      cur = r.body;
    }
    assert.equal((await state()).balance, 0, 'nothing before payment');
    const paid = await admin.patch(`/api/v1/orders/${cur.id}`, { status: 'paid', version: cur.version });
    assert.equal(paid.status, 200, paid.text);
    let s = await state();
    assert.deepEqual([s.balance, s.revenue, s.reported], [250, 250000, 250000]);
    assert.equal(s.items[0].order_id, cur.id);
    assert.equal(s.items[0].txn_id, paid.body.transaction_id);
    // Paid again is no move (the same transaction); the next steps earn nothing more.
    const again = await admin.patch(`/api/v1/orders/${cur.id}`, { status: 'paid', version: paid.body.version });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.transaction_id, paid.body.transaction_id);
    assert.equal((await state()).balance, 250);
    const next = await admin.patch(`/api/v1/orders/${cur.id}`, { status: 'identity_verified', version: again.body.version });
    assert.equal(next.status, 200, next.text);
    s = await state();
    assert.deepEqual([s.balance, s.revenue], [250, 250000]);
    // Part of the order returned: POST …/refund with an amount takes back that share.
    const R = `/api/v1/orders/${cur.id}/refund`;
    assertError(await admin.post(R, { amount: { amount: 1000, currency: 'USD' } }), 422, 'invalid_currency', 'amount');
    assertError(await admin.post(R, { amount: CNY(-5) }), 422, 'invalid_value', 'amount');
    assertError(await admin.post(R, { amount: CNY(250001) }), 409, 'refund_exceeds_purchase', 'amount');
    assertError(await admin.post(R, { why: 'x' }), 422, 'unknown_field', 'why');
    const part = await admin.post(R, { amount: CNY(50000), reason: '退一件 one item returned' });
    assert.equal(part.status, 201, part.text);
    assert.deepEqual([part.body.amount.amount, part.body.refunded.amount, part.body.remaining.amount], [-50000, 50000, 200000]);
    const rt = (await admin.get(`/api/v1/transactions/${part.body.transaction_id}`)).body;
    assert.deepEqual([rt.amount.amount, rt.refunds_transaction_id, rt.party_id], [-50000, paid.body.transaction_id, buyer]);
    assert.match(rt.description, /one item returned/);
    s = await state();
    assert.deepEqual([s.balance, s.revenue, s.reported], [200, 200000, 200000]);
    // The order cancelled: the rest, without an amount; then nothing is left to refund.
    const rest = await admin.post(R, {});
    assert.equal(rest.status, 201, rest.text);
    assert.deepEqual([rest.body.amount.amount, rest.body.remaining.amount], [-200000, 0]);
    s = await state();
    assert.deepEqual([s.balance, s.revenue, s.reported], [0, 0, 0]);
    assertError(await admin.post(R, {}), 409, 'refund_exceeds_purchase', 'amount');
    // An order not paid yet has nothing to refund; a role that may not record transactions may not refund.
    const unpaid = await admin.post('/api/v1/orders', { party_id: buyer, currency: 'CNY', total: CNY(1000) });
    assertError(await admin.post(`/api/v1/orders/${unpaid.body.id}/refund`, {}), 409, 'not_paid', 'id');
    assertError(await admin.post('/api/v1/orders/999999/refund', {}), 404, 'not_found', 'id');
    addUser(srv.db, 'ro@test.local', 'read_only');
    const ro = await srv.login('ro@test.local', 'a long enough password');
    assert.equal((await ro.post(R, {})).status, 403);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('concurrent partial refunds through two server processes: never more than the purchase, points back exactly', { timeout: 120000 }, async () => {
  const { srv: a, admin: ca, buyer, state } = await setup();
  const b = await new Server({ dir: a.dir }).start();
  try {
    const cb = await b.login();
    const buy = await ca.post('/api/v1/transactions', { party_id: buyer, occurred_at: '2026-11-01T10:00:00Z', amount: CNY(100000) });
    assert.equal((await state()).balance, 100);
    // 40 refunds of 7,000 each through two processes at once: 14 fit in 100,000, the rest are refused.
    const N = 40, EACH = 7000;
    const res = await Promise.all(Array.from({ length: N }, (_, i) => (i % 2 ? ca : cb).post('/api/v1/transactions', {
      party_id: buyer, occurred_at: '2026-11-02T10:00:00Z', amount: CNY(-EACH), refunds_transaction_id: buy.body.id })));
    const ok = res.filter((r) => r.status === 201).length;
    const refused = res.filter((r) => r.status === 409 && r.body.error.code === 'refund_exceeds_purchase').length;
    assert.equal(ok + refused, N, JSON.stringify(res.find((r) => r.status !== 201 && r.status !== 409)?.body));
    assert.equal(ok, Math.floor(100000 / EACH));
    const s = await state();
    // Each refund takes back ⌊100·after/A⌋ − ⌊100·before/A⌋ = 7: together ⌊100·98000/100000⌋ = 98.
    assert.deepEqual([s.balance, s.revenue], [100 - 98, 100000 - ok * EACH]);
    assert.deepEqual(s.items.filter((i) => i.kind === 'reverse').map((i) => i.points), Array(ok).fill(-7), 'one reversal per refund');
    assert.equal((await cb.get('/api/v1/points/check')).body.ok, true);
  } finally { await b.stop(); await a.stop(); a.cleanup(); }
});

test('rapport loyalty check finds a broken lot cache and --repair mends it', async () => {
  const { srv, admin, buyer } = await setup();
  try {
    assert.equal((await admin.post('/api/v1/transactions', { party_id: buyer, occurred_at: '2026-11-01T10:00:00Z', amount: CNY(12000) })).status, 201);
    await srv.stop();
    let r = cli(['loyalty', 'check', '--db', srv.db]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /points ledger consistent: 1 postings, 1 parties, 0 problems/);
    sqlExec(srv.db, 'UPDATE points_lot SET remaining = remaining + 5');
    r = cli(['loyalty', 'check', '--json', '--db', srv.db]);
    assert.equal(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, false);
    assert.deepEqual(out.mismatches.map((m) => m.what).sort(), ['lot_remaining', 'lots_sum']);
    r = cli(['loyalty', 'check', '--repair', '--db', srv.db]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /consistent.*after repair/);
    assert.equal(cli(['loyalty', 'check', '--db', srv.db]).status, 0);
    assert.equal(cli(['loyalty', 'verify', '--db', srv.db]).status, 2, 'a usage error');
  } finally {
    srv.cleanup();
  }
});
