// money_totals: money is summed with checked arithmetic (issue 14, finding
// 4). A sales user posted 9,312 transactions of 10^15 on one party and its
// revenue wrapped to -9,134,744,073,709,551,616. Now a transaction write
// that would take its party's money past what its totals can hold is a 422
// naming the field, nothing changed; totals of rows that arrived another
// way (an import, SQL) are held at the int64 bound and say so; the company
// summary never fails or wraps. Numbers near 2^63 are compared in the
// answer's text: JSON.parse would round them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError, addUser, sql, sqlExec } from './harness.mjs';

const srv = new Server();
let c, sales, P, Q, R;
const MAX_ROW = 1000000000000000n; // 10^15, the largest amount of a row
const LIMIT = 4611686018427387903n; // INT64_MAX / 2: a party's |amount| + |cost| in one currency
const INT64_MAX = 9223372036854775807n;
const day = (d) => new Date(Date.now() - d * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
const txn = (party_id, amount, extra = {}) => ({ party_id, occurred_at: day(3), amount: { amount: Number(amount), currency: 'CNY' }, ...extra });
const snapshot = (id) => sql(srv.db, 'SELECT COUNT(*), SUM(id) FROM txn WHERE party_id = ?', Number(id))
  + '|' + sql(srv.db, 'SELECT amount, version FROM txn WHERE party_id = ? ORDER BY id DESC LIMIT 5', Number(id));

/** Inserts n rows of amount for a party straight into the database, as an
 * import or another program could (the server is stopped). The purchase days
 * (10 to 409 days ago) are made here, so the SQL stays portable. */
function insertRows(party, n, amount) {
  const days = Array.from({ length: 400 }, (_, j) => `(${j}, '${day(10 + j).slice(0, 10)}T00:00:00Z')`).join(', ');
  const q = `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${n}),
    d(j, at) AS (VALUES ${days})
    INSERT INTO txn(party_id, occurred_at, amount, currency, created_at, updated_at)
    SELECT ${Number(party)}, d.at, ${amount}, 'CNY', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
    FROM k JOIN d ON d.j = k.i % 400`;
  sqlExec(srv.db, q);
}

async function scoresText(id, want) {
  // A write refreshes its party within a second; poll a little longer under sanitizers.
  let r;
  for (let i = 0; i < 100; i++) {
    r = await c.get(`/api/v1/parties/${id}/scores`);
    if (r.status === 200 && r.body.summary && r.body.summary.transactions === want) return r.text;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.fail(`scores of ${id} not refreshed: ${r.text.slice(0, 300)}`);
}

before(async () => {
  await srv.start();
  c = await srv.tokenClient();
  const u = addUser(srv.db, 'sales.money@test.local', 'sales');
  sales = await srv.tokenClient(u.email, u.password);
  P = (await sales.post('/api/v1/parties', { kind: 'person', name: 'Big spender', roles: ['customer'] })).body.id;
  Q = (await c.post('/api/v1/parties', { kind: 'organization', name: 'Also big', roles: ['customer'] })).body.id;
  R = (await c.post('/api/v1/parties', { kind: 'organization', name: 'Imported beyond int64', roles: ['customer'] })).body.id;
  // The first maximal transaction through the API, the next 4,609 at once.
  const first = await sales.post('/api/v1/transactions', txn(P, MAX_ROW));
  assert.equal(first.status, 201, first.text);
  await srv.stop();
  insertRows(P, 4609, MAX_ROW);
  insertRows(Q, 4611, MAX_ROW);
  insertRows(R, 9312, MAX_ROW); // the review's party: beyond int64
  await srv.start();
  c = await srv.tokenClient();
  sales = await srv.tokenClient(u.email, u.password);
  const run = await c.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(run.status, 200, run.text);
});
after(async () => { await srv.stop(); srv.cleanup(); });

test('a transaction that would take its party past the limit is a 422 naming amount; nothing changes', async () => {
  // 4,611 maximal transactions fit (4.611e18 <= LIMIT), and the rest to the limit exactly.
  let r = await sales.post('/api/v1/transactions', txn(P, MAX_ROW));
  assert.equal(r.status, 201, r.text);
  const rest = LIMIT - 4611n * MAX_ROW;
  r = await sales.post('/api/v1/transactions', txn(P, rest));
  assert.equal(r.status, 201, r.text);
  const last = r.body;
  const before = snapshot(P);
  // One minor unit more, either way (a refund counts by its size), is refused.
  assertError(await sales.post('/api/v1/transactions', txn(P, 1n)), 422, 'total_out_of_range', 'amount');
  assertError(await sales.post('/api/v1/transactions', txn(P, -1n)), 422, 'total_out_of_range', 'amount');
  assertError(await sales.post('/api/v1/transactions', txn(P, MAX_ROW)), 422, 'total_out_of_range', 'amount');
  // The cost counts too, and is named when it is what goes over.
  assertError(await c.post('/api/v1/transactions', txn(P, 0n, { cost: { amount: 1, currency: 'CNY' } })), 422, 'total_out_of_range', 'cost');
  // A change of an existing transaction is held to the same limit.
  assertError(await sales.patch(`/api/v1/transactions/${last.id}`, { amount: { amount: Number(rest + 1n), currency: 'CNY' }, version: last.version }),
    422, 'total_out_of_range', 'amount');
  // Moving a transaction onto a full party as well.
  const small = await c.post('/api/v1/transactions', txn(Q, 0n));
  assert.equal(small.status, 201, small.text);
  assertError(await c.patch(`/api/v1/transactions/${small.body.id}`, { party_id: P, amount: { amount: 5, currency: 'CNY' }, version: small.body.version }),
    422, 'total_out_of_range', 'amount');
  assert.equal(snapshot(P), before, 'nothing was written');
  // Other currencies have totals of their own.
  r = await sales.post('/api/v1/transactions', { party_id: P, occurred_at: day(2), amount: { amount: Number(MAX_ROW), currency: 'USD' } });
  assert.equal(r.status, 201, r.text);
  // And the party's totals are exact: 4,612 CNY transactions, revenue the limit.
  const text = await scoresText(P, 4612);
  assert.match(text, new RegExp(`"revenue":${LIMIT}[,}]`));
  assert.match(text, /"saturated":false/);
  assert.doesNotMatch(text, /"(revenue|cost|profit|net_profit)":-/);
});

test('totals beyond int64 from rows written another way saturate and say so', async () => {
  // R holds 9,312 x 10^15 = 9.312e18 > INT64_MAX, as in the review.
  const r = await c.get(`/api/v1/parties/${R}/scores`);
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, new RegExp(`"revenue":${INT64_MAX}[,}]`));
  assert.equal(r.body.summary.saturated, true);
  assert.doesNotMatch(r.text, /"revenue":-/);
  // The company summary: no SQLite "integer overflow", no wrapped total.
  const s = await c.get('/api/v1/analytics/summary');
  assert.equal(s.status, 200, s.text);
  assert.match(s.text, new RegExp(`"revenue":${INT64_MAX}[,}]`));
  assert.ok(s.body.saturated.includes('revenue'), s.text);
  assert.ok(s.body.parties >= 3);
  // A summary that fits is exact and names nothing: the sales user's scope is P alone.
  const own = await sales.get('/api/v1/analytics/summary');
  assert.equal(own.status, 200, own.text);
  assert.match(own.text, new RegExp(`"revenue":${LIMIT}[,}]`));
  assert.deepEqual(own.body.saturated, []);
});
