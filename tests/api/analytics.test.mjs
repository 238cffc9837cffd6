// Customer value analytics (issue 5) through the API: runs on a demo
// database, stored scores with explanations, summary counts that equal the
// party-list filters, tier moves in the timeline, a new transaction
// reflected within a second, admin-only settings, and constructed customers
// whose labels are known.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError, addUser, sql, sqlRows, cli, waitJob } from './harness.mjs';

const srv = new Server({ demo: 300 });
let c;
before(async () => {
  await srv.start();
  c = await srv.tokenClient();
});
after(async () => { await srv.stop(); srv.cleanup(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const daysAgo = (d) => new Date(Date.now() - d * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');

async function run(client = c) {
  const r = await client.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'done');
  assert.equal(r.body.kind, 'analytics_run');
  return r.body.result;
}

/** Number of parties a list filter returns (follows the pages). */
async function listCount(query) {
  let n = 0, after = null;
  for (;;) {
    const r = await c.get(`/api/v1/parties?${query}&limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    n += r.body.items.length;
    if (!r.body.next) return n;
    after = r.body.next;
  }
}

test('a run scores every buyer, with explanations', async () => {
  const result = await run();
  assert.ok(result.buyers > 100, JSON.stringify(result));
  assert.equal(result.model.model, 'bgnbd');
  assert.equal(result.model.fitted, true);
  const buyers = sql(srv.db, 'SELECT DISTINCT party_id FROM txn WHERE competitor_id IS NULL AND amount > 0 ORDER BY party_id LIMIT 20').split('\n').map(Number);
  for (const id of buyers) {
    const r = await c.get(`/api/v1/parties/${id}/scores`);
    assert.equal(r.status, 200, r.text);
    const s = r.body;
    assert.equal(s.scored, true);
    assert.ok(['platinum', 'gold', 'iron', 'lead'].includes(s.tier.label), r.text);
    assert.ok(['exploration', 'formation', 'stability', 'decline'].includes(s.lifecycle.label), r.text);
    assert.ok(s.rfm.r >= 1 && s.rfm.r <= 5 && s.rfm.f >= 1 && s.rfm.m <= 5);
    assert.ok(s.model.p_alive >= 0 && s.model.p_alive <= 1);
    assert.ok(Number.isInteger(s.clv.total));
    assert.ok(Math.abs(s.clv.total - (s.clv.historical + s.clv.current + s.clv.potential)) <= 2);
    for (const k of ['tier', 'rfm', 'lifecycle', 'loyalty', 'strategy', 'priority', 'value_quadrant', 'future_matrix', 'profit_matrix', 'behaviour'])
      assert.ok(typeof s[k].explanation === 'string' && s[k].explanation.length > 10, `${k}: ${r.text}`);
    assert.match(s.model.explanation, /BG\/NBD/);
    assert.match(s.clv.explanation, /historical/);
    assert.ok(typeof s.summary.explanation === 'string');
    assert.ok(s.summary.transactions >= 1);
  }
  const none = sql(srv.db, 'SELECT id FROM party WHERE id NOT IN (SELECT party_id FROM txn) AND deleted_at IS NULL LIMIT 1');
  const p = await c.get(`/api/v1/parties/${none}/scores`);
  assert.equal(p.status, 200);
  assert.equal(p.body.scored, false);
  assert.equal(p.body.loyalty.label, 'potential');
  assertError(await c.get('/api/v1/parties/99999999/scores'), 404, 'not_found');
});

test('a run is a job: 202, then followed to the end', async () => {
  const r = await c.post('/api/v1/analytics/runs', {});
  assert.equal(r.status, 202, r.text);
  assert.match(r.headers.get('location'), /^\/api\/v1\/jobs\/\d+$/);
  const job = await waitJob(c, r.headers.get('location'), { tries: 400, every: 50 });
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.ok(job.result.buyers > 100);
  assert.equal(job.progress.done, job.progress.total);
  assertError(await c.post('/api/v1/analytics/runs?wait=maybe', {}), 400, 'invalid_parameter', 'wait');
});

test('summary counts equal the counts of the party list filters', async () => {
  await run();
  const r = await c.get('/api/v1/analytics/summary');
  assert.equal(r.status, 200, r.text);
  const s = r.body;
  assert.ok(s.computed_at);
  assert.ok(s.model.params.r > 0 && s.model.params.alpha > 0);
  assert.ok(s.model.fit.log_likelihood < 0);
  assert.ok(s.customer_equity.total > 0);
  assert.equal(s.store.bytes_per_transaction, 10);
  // Rows (10 bytes each) plus an index of at least a database id per party.
  assert.ok(s.store.memory_bytes >= s.store.transactions * 10 + s.store.parties * 8, JSON.stringify(s.store));
  assert.ok(s.store.memory_bytes < s.store.transactions * 40 + s.store.parties * 64 + (1 << 20), JSON.stringify(s.store));
  const tiers = Object.values(s.counts.tier).reduce((a, b) => a + b, 0);
  assert.equal(tiers, s.buyers);
  for (const [filter, key] of [['tier', 'tier'], ['lifecycle', 'lifecycle'], ['rfm_segment', 'rfm_segment'], ['strategy', 'strategy'], ['priority', 'priority']]) {
    assert.ok(Object.keys(s.counts[key]).length >= 2, `${key}: ${JSON.stringify(s.counts[key])}`);
    for (const [value, n] of Object.entries(s.counts[key]))
      assert.equal(await listCount(`${filter}=${encodeURIComponent(value)}`), n, `${filter}=${value}`);
  }
  const clvCut = Number(sql(srv.db, 'SELECT clv FROM score WHERE clv IS NOT NULL ORDER BY clv DESC LIMIT 1 OFFSET 20'));
  const want = Number(sql(srv.db, `SELECT COUNT(*) FROM score s JOIN party p ON p.id = s.party_id WHERE p.deleted_at IS NULL AND s.clv >= ${clvCut}`));
  assert.equal(await listCount(`clv_min=${clvCut}`), want);
  const wantMax = Number(sql(srv.db, `SELECT COUNT(*) FROM score s JOIN party p ON p.id = s.party_id WHERE p.deleted_at IS NULL AND s.clv <= ${clvCut}`));
  assert.equal(await listCount(`clv_max=${clvCut}`), wantMax);
  const alive = Number(sql(srv.db, 'SELECT COUNT(*) FROM score s JOIN party p ON p.id = s.party_id WHERE p.deleted_at IS NULL AND s.p_alive >= 0.8'));
  assert.equal(await listCount('p_alive_min=0.8'), alive);
  assertError(await c.get('/api/v1/parties?clv_min=lots'), 400, 'invalid_parameter', 'clv_min');
});

test('a new transaction updates the party\'s summary and scores within a second', async () => {
  await run();
  const id = Number(sql(srv.db, "SELECT party_id FROM score WHERE tier = 'iron' ORDER BY party_id LIMIT 1"));
  const before = (await c.get(`/api/v1/parties/${id}/scores`)).body;
  const t0 = Date.now();
  const t = await c.post('/api/v1/transactions', { party_id: id, occurred_at: daysAgo(0), amount: { amount: 12345, currency: 'CNY' }, cost: { amount: 2345, currency: 'CNY' } });
  assert.equal(t.status, 201, t.text);
  let now;
  for (;;) {
    now = (await c.get(`/api/v1/parties/${id}/scores`)).body;
    if (now.summary.revenue === before.summary.revenue + 12345 || Date.now() - t0 > 3000) break;
    await sleep(25);
  }
  const elapsed = Date.now() - t0;
  assert.equal(now.summary.revenue, before.summary.revenue + 12345);
  assert.equal(now.summary.transactions, before.summary.transactions + 1);
  assert.equal(now.summary.recency_days, 0);
  assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  assert.ok(now.computed_at >= before.computed_at);
  // A deleted transaction is taken back out, too.
  assert.equal((await c.del(`/api/v1/transactions/${t.body.id}`)).status, 204);
  const t1 = Date.now();
  for (;;) {
    now = (await c.get(`/api/v1/parties/${id}/scores`)).body;
    if (now.summary.revenue === before.summary.revenue || Date.now() - t1 > 3000) break;
    await sleep(25);
  }
  assert.equal(now.summary.revenue, before.summary.revenue);
});

test('a tier move after big purchases shows in the timeline', async () => {
  await run();
  const id = Number(sql(srv.db, "SELECT party_id FROM score WHERE tier IN ('iron', 'lead') ORDER BY party_id DESC LIMIT 1"));
  const old = (await c.get(`/api/v1/parties/${id}/scores`)).body.tier.label;
  for (let i = 0; i < 3; i++) {
    const t = await c.post('/api/v1/transactions', { party_id: id, occurred_at: daysAgo(10 * i + 1), amount: { amount: 500000000, currency: 'CNY' }, cost: { amount: 100000000, currency: 'CNY' } });
    assert.equal(t.status, 201, t.text);
  }
  await run();
  const s = (await c.get(`/api/v1/parties/${id}/scores`)).body;
  assert.equal(s.tier.label, 'platinum');
  assert.equal(s.strategy.label, 'submissive');
  assert.equal(s.strategy.name_zh, '屈从型');
  assert.ok(s.history.some((h) => h.field === 'tier' && h.old === old && h.new === 'platinum'), JSON.stringify(s.history));
  const tl = await c.get(`/api/v1/parties/${id}/timeline?limit=100`);
  assert.equal(tl.status, 200, tl.text);
  const moves = tl.body.items.filter((e) => e.type === 'change' && e.item.action === 'segment_move' && e.item.changes.tier);
  assert.ok(moves.length >= 1, tl.text);
  assert.deepEqual(moves[0].item.changes.tier, [old, 'platinum']);
});

test('who may not see costs does not see margins in the scores either', async () => {
  const u = addUser(srv.db, 'sales.an@test.local', 'sales');
  const s = await srv.tokenClient(u.email, u.password);
  const mine = await s.post('/api/v1/parties', { kind: 'person', name: 'Sales own customer', roles: ['customer'] });
  assert.equal(mine.status, 201, mine.text);
  const t = await c.post('/api/v1/transactions', { party_id: mine.body.id, occurred_at: daysAgo(3), amount: { amount: 50000, currency: 'CNY' }, cost: { amount: 10000, currency: 'CNY' } });
  assert.equal(t.status, 201, t.text);
  await run();
  const admin = (await c.get(`/api/v1/parties/${mine.body.id}/scores`)).body;
  assert.equal(admin.summary.cost, 10000);
  const r = await s.get(`/api/v1/parties/${mine.body.id}/scores`);
  assert.equal(r.status, 200, r.text);
  assert.ok(!('cost' in r.body.summary) && !('profit' in r.body.summary) && !('net_profit' in r.body.summary), r.text);
  assert.ok(!('historical' in r.body.clv));
  // Nor what is computed from them (issue 14): CLV total - current -
  // potential is the net profit, the tier ranks by it.
  assert.ok(!('total' in r.body.clv) && 'current' in r.body.clv, r.text);
  assert.match(r.body.clv.explanation, /hidden/);
  for (const k of ['tier', 'strategy', 'future_matrix', 'profit_matrix']) assert.ok(!(k in r.body), k);
  assert.ok(admin.tier.label && admin.clv.total !== undefined);
});

test('settings: anyone may read, only an admin may change, and a change takes effect', async () => {
  const u = addUser(srv.db, 'manager.an@test.local', 'manager');
  const m = await srv.tokenClient(u.email, u.password);
  const g = await m.get('/api/v1/analytics/settings');
  assert.equal(g.status, 200, g.text);
  assert.equal(g.body.settings.tier_platinum.value, 0.05);
  assert.equal(g.body.settings.model.value, 'bgnbd');
  assertError(await m.request('PUT', '/api/v1/analytics/settings', { tier_platinum: 0.5 }), 403, 'forbidden');
  assertError(await c.request('PUT', '/api/v1/analytics/settings', { tier_platinum: 2 }), 422, 'invalid_value', 'tier_platinum');
  assertError(await c.request('PUT', '/api/v1/analytics/settings', { no_such: 1 }), 422, 'unknown_field', 'no_such');
  assertError(await c.request('PUT', '/api/v1/analytics/settings', { model: 'magic' }), 422, 'invalid_value', 'model');
  const before = (await c.get('/api/v1/analytics/summary')).body;
  const p = await c.request('PUT', '/api/v1/analytics/settings', { tier_platinum: 0.5, tier_gold: 0.2 });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.body.settings.tier_platinum.value, 0.5);
  await run();
  const after = (await c.get('/api/v1/analytics/summary')).body;
  assert.ok(after.counts.tier.platinum > before.counts.tier.platinum * 3, `${before.counts.tier.platinum} -> ${after.counts.tier.platinum}`);
  // Pareto/NBD on request, through the CLI as well.
  const set = cli(['analytics', 'settings', 'set', 'model', 'pnbd', '--db', srv.db]);
  assert.equal(set.status, 0, set.stderr);
  const got = cli(['analytics', 'settings', 'get', 'model', '--db', srv.db]);
  assert.equal(got.stdout.trim(), '"pnbd"');
  const r = await run();
  assert.equal(r.model.model, 'pnbd');
  assert.ok(r.model.params.s > 0 && r.model.params.beta > 0, JSON.stringify(r.model));
  const s = (await c.get('/api/v1/analytics/summary')).body;
  assert.ok(s.mean_p_alive > 0 && s.mean_p_alive < 1);
  assert.equal(cli(['analytics', 'settings', 'set', 'margin', 'lots', '--db', srv.db]).status, 1);
  assert.equal((await c.request('PUT', '/api/v1/analytics/settings', { model: 'bgnbd', tier_platinum: 0.05, tier_gold: 0.15 })).status, 200);
});

test('a PATCH moving a transaction to another party refreshes both parties within a second (issue 16 part 4)', async () => {
  await run();
  const [a, b] = sql(srv.db, "SELECT party_id FROM score WHERE transactions >= 3 ORDER BY party_id LIMIT 2").split('\n').map(Number);
  const txn = Number(sql(srv.db, `SELECT id FROM txn WHERE party_id = ${a} AND competitor_id IS NULL AND currency = 'CNY' AND amount > 0 ORDER BY id LIMIT 1`));
  const amount = Number(sql(srv.db, `SELECT amount FROM txn WHERE id = ${txn}`));
  const sa = (await c.get(`/api/v1/parties/${a}/scores`)).body, sb = (await c.get(`/api/v1/parties/${b}/scores`)).body;
  const cur = (await c.get(`/api/v1/transactions/${txn}`)).body;
  const p = await c.request('PATCH', `/api/v1/transactions/${txn}`, { party_id: b, version: cur.version });
  assert.equal(p.status, 200, p.text);
  const t0 = Date.now();
  let na, nb;
  for (;;) {
    na = (await c.get(`/api/v1/parties/${a}/scores`)).body;
    nb = (await c.get(`/api/v1/parties/${b}/scores`)).body;
    if ((na.summary.transactions === sa.summary.transactions - 1 && nb.summary.transactions === sb.summary.transactions + 1) || Date.now() - t0 > 3000) break;
    await sleep(25);
  }
  assert.equal(nb.summary.transactions, sb.summary.transactions + 1, 'the new party gains the row');
  assert.equal(na.summary.transactions, sa.summary.transactions - 1, 'the old party loses the row');
  assert.equal(na.summary.revenue, sa.summary.revenue - amount);
  assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
});

test('the store follows every writer (issue 16 part 4): an import, its undo, a merge and a delete all show in the next run', async () => {
  const scoresOf = async (id) => (await c.get(`/api/v1/parties/${id}/scores`));
  const mk = async (name, ext) => (await c.post('/api/v1/parties', { kind: 'person', name, external_id: ext, roles: ['customer'] })).body;
  const buy = (party, days, amount) => c.post('/api/v1/transactions',
    { party_id: party, occurred_at: daysAgo(days), amount: { amount, currency: 'CNY' } });
  const x = await mk('存储测试甲', 'STORE-X'), y = await mk('存储测试乙', 'STORE-Y');
  for (const [d, a] of [[300, 10000], [200, 20000]]) assert.equal((await buy(x.id, d, a)).status, 201);
  assert.equal((await buy(y.id, 100, 40000)).status, 201);
  await run();
  assert.deepEqual([(await scoresOf(x.id)).body.summary.transactions, (await scoresOf(x.id)).body.summary.revenue], [2, 30000]);
  // An import of three purchases of X.
  const csv = 'party_external_id,external_id,occurred_at,amount\n' +
    `STORE-X,SX-1,${daysAgo(90).slice(0, 10)},100.00\nSTORE-X,SX-2,${daysAgo(60).slice(0, 10)},200.00\nSTORE-X,SX-3,${daysAgo(30).slice(0, 10)},300.00\n`;
  const imp = await c.request('POST', '/api/v1/imports?kind=transactions&currency=CNY', csv, { 'Content-Type': 'text/csv' });
  assert.equal(imp.status, 202, imp.text);
  assert.equal((await waitJob(c, `/api/v1/imports/${imp.body.id}`)).result.created, 3);
  await run();
  let s = (await scoresOf(x.id)).body.summary;
  assert.deepEqual([s.transactions, s.revenue], [5, 90000], 'the import reached the store');
  // Its undo takes them out again.
  assert.equal((await c.post(`/api/v1/imports/${imp.body.id}/undo`, {})).status, 200);
  await run();
  s = (await scoresOf(x.id)).body.summary;
  assert.deepEqual([s.transactions, s.revenue], [2, 30000], 'the undo reached the store');
  // A merge moves Y's purchase to X.
  const m = await c.post(`/api/v1/parties/${x.id}/merge`, { duplicate_id: y.id });
  assert.equal(m.status, 200, m.text);
  await run();
  s = (await scoresOf(x.id)).body.summary;
  assert.deepEqual([s.transactions, s.revenue], [3, 70000], 'the merge reached the store');
  // A deleted party leaves the scores and the summary.
  const before = (await c.get('/api/v1/analytics/summary')).body;
  const cur = (await c.get(`/api/v1/parties/${x.id}`)).body;
  assert.equal((await c.request('DELETE', `/api/v1/parties/${x.id}`, undefined, { 'If-Match': `"${cur.version}"` })).status, 204);
  await run();
  assert.equal((await scoresOf(x.id)).status, 404);
  const after = (await c.get('/api/v1/analytics/summary')).body;
  assert.equal(after.buyers, before.buyers - 1, 'one buyer fewer');
});

test('the next action says how far P(alive) fell since the last purchase, from the fitted model', async () => {
  const result = await run();
  assert.equal(result.model.model, 'bgnbd');
  const { a, b } = result.model.params;
  const rows = sqlRows(srv.db, 'SELECT s.party_id, s.repeat_purchases, s.p_alive FROM score s JOIN party p ON p.id = s.party_id '
    + 'WHERE p.deleted_at IS NULL AND s.p_alive < 0.55 AND s.repeat_purchases > 0 ORDER BY s.party_id LIMIT 5');
  assert.ok(rows.length > 0, 'the demo has customers whose P(alive) fell');
  for (const [id, x, pAlive] of rows) {
    const r = await c.get(`/api/v1/parties/${id}/next-action`);
    assert.equal(r.status, 200, r.text);
    const fell = r.body.reasons.find((m) => m.message === 'nba.reason.p_alive_fell_from');
    assert.ok(fell, r.text);
    // BG/NBD: right after a purchase the customer is alive with 1 / (1 + a / (b + x - 1)).
    assert.equal(fell.params.from, Math.round(100 / (1 + a / (b + x - 1))), r.text);
    assert.equal(fell.params.percent, Math.round(pAlive * 100), r.text);
    assert.ok(fell.params.from > fell.params.percent);
  }
});
