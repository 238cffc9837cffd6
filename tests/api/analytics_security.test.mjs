// analytics_security: the findings of the outside review (issue 14) about
// analytics. A user from whom transaction costs are hidden gets no figure
// computed from them (CLV total, net profit, the tier and the labels ranked
// by it, their history, the list filters on them); the summary covers the
// user's read scope only; runs coalesce. (The money-overflow findings are in
// money_totals.test.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError, addUser, sql } from './harness.mjs';

const srv = new Server({ demo: 300 });
let c, sales;
const mine = [];
const daysAgo = (d) => new Date(Date.now() - d * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');

before(async () => {
  await srv.start();
  c = await srv.tokenClient();
  const u = addUser(srv.db, 'sales.sec@test.local', 'sales');
  sales = await srv.tokenClient(u.email, u.password);
  // Three customers of the sales user, with costs only an admin may see.
  for (let i = 0; i < 3; i++) {
    const p = await sales.post('/api/v1/parties', { kind: 'person', name: `Own customer ${i}`, roles: ['customer'] });
    assert.equal(p.status, 201, p.text);
    mine.push(p.body.id);
    for (const [d, amount, cost] of [[200, 480000 + i, 123457], [90, 250000, 99991], [12, 310000 + 7 * i, 54321]]) {
      const t = await c.post('/api/v1/transactions', { party_id: p.body.id, occurred_at: daysAgo(d + i),
        amount: { amount, currency: 'CNY' }, cost: { amount: cost, currency: 'CNY' } });
      assert.equal(t.status, 201, t.text);
    }
  }
  const r = await c.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(r.status, 200, r.text);
});
after(async () => { await srv.stop(); srv.cleanup(); });

async function listCount(client, query) {
  let n = 0, after = null;
  for (;;) {
    const r = await client.get(`/api/v1/parties?${query}&limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    n += r.body.items.length;
    if (!r.body.next) return n;
    after = r.body.next;
  }
}

test('scores: nothing computed from a hidden cost is left to recover it from', async () => {
  for (const id of mine) {
    const admin = (await c.get(`/api/v1/parties/${id}/scores`)).body;
    // The admin sees every figure (so this test can fail) ...
    assert.equal(typeof admin.clv.total, 'number');
    assert.ok(Math.abs(admin.clv.total - (admin.clv.historical + admin.clv.current + admin.clv.potential)) <= 2); // each rounded
    assert.ok(admin.tier.label && admin.profit_matrix.label && admin.strategy.label && admin.future_matrix.label);
    assert.ok(admin.history.some((h) => h.field === 'tier'), JSON.stringify(admin.history));
    // ... sales gets none of what is computed from cost: total - current -
    // potential was the net profit, revenue - net profit the cost.
    const r = await sales.get(`/api/v1/parties/${id}/scores`);
    assert.equal(r.status, 200, r.text);
    const s = r.body;
    for (const k of ['cost', 'profit', 'net_profit']) assert.ok(!(k in s.summary), k);
    assert.ok(!('historical' in s.clv) && !('total' in s.clv), JSON.stringify(s.clv));
    for (const k of ['tier', 'strategy', 'future_matrix', 'profit_matrix']) assert.ok(!(k in s), k);
    assert.ok(!s.history.some((h) => h.field === 'tier' || h.field === 'strategy'), JSON.stringify(s.history));
    assert.deepEqual(s.clv.explanation_message, { key: 'clv', message: 'hidden.costs', params: {} });
    assert.deepEqual(s.summary.explanation_message, { key: 'summary', message: 'hidden.costs', params: {} });
    // What does not depend on cost stays, unchanged.
    assert.equal(s.summary.revenue, admin.summary.revenue);
    assert.equal(s.clv.current, admin.clv.current);
    assert.equal(s.clv.potential, admin.clv.potential);
    assert.deepEqual(s.rfm, admin.rfm);
    assert.deepEqual(s.lifecycle.label, admin.lifecycle.label);
    // No money figure of the answer is the cost, the profit or a sum with them.
    for (const v of [admin.summary.cost, admin.summary.profit, admin.summary.net_profit, admin.clv.total, admin.clv.historical])
      assert.ok(!new RegExp(`[:\\[,]${v}[,}\\]]`).test(r.text), `${v} in ${r.text}`);
  }
});

test('the party list and exports refuse the score filters a user may not see', async () => {
  assertError(await sales.get('/api/v1/parties?tier=gold'), 400, 'forbidden_field', 'tier');
  assertError(await sales.get('/api/v1/parties?strategy=caring'), 400, 'forbidden_field', 'strategy');
  assertError(await sales.get('/api/v1/parties?clv_min=1'), 400, 'forbidden_field', 'clv_min');
  assertError(await sales.get('/api/v1/parties?clv_max=1'), 400, 'forbidden_field', 'clv_max');
  assertError(await sales.get('/api/v1/exports/parties?tier=gold'), 400, 'forbidden_field', 'tier');
  // Filters on figures sales may see still work.
  assert.equal((await sales.get('/api/v1/parties?lifecycle=exploration')).status, 200);
  assert.equal((await c.get('/api/v1/parties?tier=gold')).status, 200);
});

test('the summary covers the read scope only, without the figures of hidden fields', async () => {
  const admin = (await c.get('/api/v1/analytics/summary')).body;
  assert.equal(admin.scope, 'all');
  assert.ok(admin.parties > 200);
  assert.ok(admin.counts.tier && typeof admin.net_profit === 'number' && typeof admin.customer_equity.total === 'number');
  const r = await sales.get('/api/v1/analytics/summary');
  assert.equal(r.status, 200, r.text);
  const s = r.body;
  assert.equal(s.scope, 'team');
  // Counted over the parties sales may read (its own three), and equal to
  // what the party list gives the same user.
  assert.equal(s.parties, mine.length);
  assert.equal(s.buyers, mine.length);
  for (const key of ['lifecycle', 'rfm_segment', 'priority']) {
    const total = Object.values(s.counts[key]).reduce((a, b) => a + b, 0);
    assert.equal(total, mine.length, key);
    for (const [value, n] of Object.entries(s.counts[key]))
      assert.equal(await listCount(sales, `${key}=${encodeURIComponent(value)}`), n, `${key}=${value}`);
  }
  let revenue = 0, current = 0;
  for (const id of mine) {
    const one = (await c.get(`/api/v1/parties/${id}/scores`)).body;
    revenue += one.summary.revenue;
    current += one.clv.current;
  }
  assert.equal(s.revenue, revenue);
  assert.equal(s.customer_equity.current, current);
  // Nothing computed from costs, nothing about the whole base.
  assert.ok(!('net_profit' in s), r.text);
  assert.deepEqual(Object.keys(s.customer_equity).sort(), ['current', 'potential']);
  for (const k of ['tier', 'strategy', 'future_matrix', 'profit_matrix']) assert.ok(!(k in s.counts), k);
  assert.ok(!('tier_cuts' in s.model) && s.model.cuts && !('history' in s.model.cuts) && !('profit' in s.model.cuts), JSON.stringify(s.model));
  assert.ok(!('buyers' in s.model) && !('n' in s.model.fit));
  assert.ok(!('parties' in s.run.result) && !('transactions' in s.run.result));
  assert.ok(!('parties' in s.store) && !('transactions' in s.store));
});

test('the redaction follows field security: cost readable, figures back', async () => {
  const put = await c.request('PUT', '/api/v1/field-permissions', { role: 'sales', entity: 'transactions', field: 'cost', access: 'read' });
  assert.equal(put.status, 200, put.text);
  try {
    const s = (await sales.get(`/api/v1/parties/${mine[0]}/scores`)).body;
    assert.ok(s.tier.label && typeof s.clv.total === 'number' && typeof s.summary.net_profit === 'number');
    assert.equal((await sales.get('/api/v1/parties?tier=gold')).status, 200);
    const sum = (await sales.get('/api/v1/analytics/summary')).body;
    assert.equal(typeof sum.net_profit, 'number');
    assert.equal(Object.values(sum.counts.tier).reduce((a, b) => a + b, 0), mine.length);
  } finally {
    const back = await c.request('PUT', '/api/v1/field-permissions', { role: 'sales', entity: 'transactions', field: 'cost', access: 'hidden' });
    assert.equal(back.status, 200, back.text);
  }
});

test('runs coalesce: requests while a run is queued or running get that run', async () => {
  const before = Number(sql(srv.db, "SELECT COUNT(*) FROM job WHERE kind = 'analytics_run'"));
  const answers = await Promise.all(Array.from({ length: 8 }, () => sales.post('/api/v1/analytics/runs', {})));
  for (const a of answers) {
    assert.equal(a.status, 202, a.text);
    assert.equal(a.headers.get('location'), `/api/v1/jobs/${a.body.id}`);
  }
  const ids = new Set(answers.map((a) => a.body.id));
  assert.equal(ids.size, 1, `one run for all, got ${[...ids]}`);
  assert.equal(Number(sql(srv.db, "SELECT COUNT(*) FROM job WHERE kind = 'analytics_run'")), before + 1);
  // Waiting gives the same run, finished; once it is over a new one may start.
  const w = await c.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(w.status, 200, w.text);
  const again = await c.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(again.status, 200, again.text);
  assert.notEqual(again.body.id, [...ids][0]);
});

test('the timeline shows no tier move to a user from whom costs are hidden', async () => {
  // A purchase sold far below its cost moves one of the sales user's
  // customers (platinum: the three are the base's most profitable) down.
  const id = mine[0];
  const before = (await c.get(`/api/v1/parties/${id}/scores`)).body.tier.label;
  const t = await c.post('/api/v1/transactions', { party_id: id, occurred_at: daysAgo(0),
    amount: { amount: 1000, currency: 'CNY' }, cost: { amount: 900000000, currency: 'CNY' } });
  assert.equal(t.status, 201, t.text);
  const moves = async (client) => (await client.get(`/api/v1/parties/${id}/timeline?limit=200`)).body.items
    .filter((x) => x.type === 'change' && x.item.action === 'segment_move');
  let adminMoves = [];
  for (let i = 0; i < 60 && !adminMoves.some((m) => m.item.changes.tier); i++) {
    await new Promise((r) => setTimeout(r, 100));
    adminMoves = await moves(c);
  }
  const tierMove = adminMoves.find((m) => m.item.changes.tier);
  assert.ok(tierMove, `no tier move from ${before}: ${JSON.stringify(adminMoves)}`);
  const salesMoves = await moves(sales);
  assert.ok(salesMoves.every((m) => !('tier' in m.item.changes)), JSON.stringify(salesMoves));
  assert.ok(salesMoves.every((m) => Object.keys(m.item.changes).length > 0), 'an emptied move is left out whole');
  // Granted cost read access, the same user sees the move.
  assert.equal((await c.request('PUT', '/api/v1/field-permissions', { role: 'sales', entity: 'transactions', field: 'cost', access: 'read' })).status, 200);
  try {
    assert.ok((await moves(sales)).some((m) => m.item.changes.tier));
  } finally {
    assert.equal((await c.request('PUT', '/api/v1/field-permissions', { role: 'sales', entity: 'transactions', field: 'cost', access: 'hidden' })).status, 200);
  }
});
