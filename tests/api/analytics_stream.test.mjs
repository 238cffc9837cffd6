// The analytics cold load streams every transaction of the company currency
// into the in-memory store at server start (src/analytics/service.c
// store_load). On PostgreSQL the stream is a cursor read 20,000 rows a
// FETCH, the next FETCH sent while a batch is worked through
// (src/db/db_pg.c execute_stream): more rows than several batches, a batch
// exactly full, and the rows of another currency left out must load as on
// SQLite. The api-pg suite runs this file on PostgreSQL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, sql, sqlExec } from './harness.mjs';

const srv = new Server();
after(async () => { await srv.stop(); srv.cleanup(); });

test('the cold load reads every row of a stream longer than several fetches, and only those of the company currency', async () => {
  await srv.start();
  const c = await srv.tokenClient();
  const mk = async (name) => (await c.post('/api/v1/parties', { kind: 'person', name, roles: ['customer'] })).body.id;
  const A = await mk('Stream A'), Bp = await mk('Stream B'), U = await mk('Stream USD');
  await srv.stop();
  // A: 40,000 rows (two full fetches, then an empty one); B: 5,003; U: 7 in USD only
  const rows = (party, n, amount, currency) => sqlExec(srv.db, `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${n})
    INSERT INTO txn(party_id, occurred_at, amount, currency, created_at, updated_at)
    SELECT ${party}, '2026-0' || (1 + i % 9) || '-1' || (i % 10) || 'T10:00:00Z', ${amount} + i, '${currency}', '2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z' FROM k`);
  rows(A, 40000, 100, 'CNY');
  rows(Bp, 5003, 7, 'CNY');
  rows(U, 7, 1000, 'USD');
  assert.equal(sql(srv.db, 'SELECT count(*) FROM txn'), '45010');
  await srv.start();
  assert.match(srv.stderr, /analytics: 45003 transactions of 2 parties loaded in/, srv.stderr.slice(-2000));
  const admin = await srv.tokenClient();
  const run = await admin.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(run.status, 200, run.text);
  // each party's totals: every row once (sum of amount + i over i = 1..n)
  for (const [id, n, amount] of [[A, 40000, 100], [Bp, 5003, 7]]) {
    const r = await admin.get(`/api/v1/parties/${id}/scores`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.summary.transactions, n, r.text.slice(0, 400));
    assert.match(r.text, new RegExp(`"revenue":${n * amount + n * (n + 1) / 2}[,}]`));
  }
});
