// Imports in batches on PostgreSQL go through COPY (src/db/pg_bulk.c): the
// rows of a batch are held and sent at its commit. The behaviour must be
// the row-by-row one on both stores: a batch finds its own rows as
// duplicates (by external id, e-mail, +86 phone), updates a record it
// created a row earlier, refuses a bad row alone, writes one event per
// record and the batch's audit row, indexes for search, and is undone
// whole. The api-pg suite runs this file on PostgreSQL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, cli, sql, sqlExec } from './harness.mjs';

const dir = mkdtempSync(join(tmpdir(), 'rapport-import-copy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name, content) {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
const counts = (db) => sql(db, "SELECT (SELECT count(*) FROM party)||','||(SELECT count(*) FROM contact_point)||','||" +
  "(SELECT count(*) FROM party_fts)||','||(SELECT count(*) FROM import_item)||','||" +
  "(SELECT count(*) FROM event WHERE type = 'party' AND action = 'create')");

test('one batch: its own duplicates found, a record it created updated, a bad row refused alone; events, audit, search, undo', async () => {
  // the server's database: a PostgreSQL one in the api-pg suite
  const srv = await new Server().start();
  const db = srv.db;
  try {
  const rows = [
    'name,external_id,emails,phones',
    'Alpha,E1,alpha@example.com,',
    'Beta,E2,beta@example.com,+86 138 0013 8000',
    'Alpha again,E1,,',                       // duplicate of row 2 by external id
    'Beta by mail,,BETA@example.com,',        // duplicate of row 3 by e-mail (any case)
    'Beta by phone,,,13800138000',            // duplicate of row 3 by phone
    ',E3,nobody@example.com,',                // no name: refused, alone
    'Gamma 张伟,E4,gamma@example.com,',
  ];
  let r = cli(['import', 'parties', file('a.csv', rows.join('\n') + '\n'), '--db', db, '--on-duplicate', 'skip']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 created, 0 updated, 3 skipped, 3 duplicates, 1 errors/);
  // parties, contact points (3 e-mails + 1 phone), search rows, undo items, create events
  assert.equal(counts(db), '3,4,3,3,3');
  const job = /job (\d+)/.exec(r.stdout)[1];
  assert.equal(sql(db, `SELECT count(*) FROM audit WHERE entity = 'import' AND entity_id = ${job}`), '1');
  // each created party's event names it, in the order of the file
  assert.equal(sql(db, "SELECT p.name FROM event e JOIN party p ON p.id = e.record_id " +
    "WHERE e.type = 'party' AND e.action = 'create' ORDER BY e.id"), 'Alpha\nBeta\nGamma 张伟');

  // the search index and the contact points serve the API as row-by-row writes do
  const admin = await srv.login();
  let s = await admin.get('/api/v1/parties?limit=100&q=' + encodeURIComponent('张伟'));
  assert.equal(s.status, 200);
  assert.deepEqual(s.body.items.map((p) => p.name), ['Gamma 张伟']);
  s = await admin.get('/api/v1/parties?limit=100&q=13800138000');
  assert.deepEqual(s.body.items.map((p) => p.name), ['Beta']);

  // update: the second row changes the record the first one created, in the same batch
  r = cli(['import', 'parties', file('b.csv', 'name,external_id,city\nDelta,E9,Hangzhou\nDelta Two,E9,Suzhou\n'), '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1 created, 1 updated/);
  assert.equal(sql(db, "SELECT name||'|'||city FROM party WHERE external_id = 'E9'"), 'Delta Two|Suzhou');

  // undo takes the first import back whole
  r = cli(['import', 'undo', job, '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(sql(db, "SELECT count(*) FROM party WHERE external_id IN ('E1', 'E2', 'E4')"), '0');
  assert.equal(sql(db, "SELECT count(*) FROM contact_point WHERE normalized IN ('alpha@example.com', 'beta@example.com', '13800138000')"), '0');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('batches that meet their kinds of row in another order: each batch stages its rows in a table of their own columns', async () => {
  // The first batch's first row has an e-mail (a contact point is held
  // before its search terms), the second batch's first row has none (the
  // search terms come first). On PostgreSQL the staging tables outlive a
  // batch on the connection: named by their place, the second batch's
  // search terms went into the contact points' table and the commit failed.
  const srv = await new Server().start();
  const db = srv.db;
  try {
    const lines = ['name,external_id,emails'];
    for (let i = 0; i < 4; i++) lines.push(`Mail ${i},M${i},m${i}@example.com`);
    for (let i = 0; i < 4; i++) lines.push(`Plain ${i},N${i},`);
    for (let i = 4; i < 8; i++) lines.push(`Mail ${i},M${i},m${i}@example.com`);
    const r = cli(['import', 'parties', file('order.csv', lines.join('\n') + '\n'), '--db', db, '--batch', '4']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /12 created, 0 updated/);
    assert.equal(counts(db), '12,8,12,12,12');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('several batches: every row once, ids unique, events in the order of the ids, duplicates across batches found', async () => {
  const srv = await new Server().start();
  const db = srv.db;
  try {
  const n = 2500;
  const lines = ['name,external_id,emails'];
  for (let i = 0; i < n; i++) lines.push(`Person ${i},X${i},p${i}@example.com`);
  lines.push('Again,X5,');                    // a duplicate of a row two batches back
  let r = cli(['import', 'parties', file('c.csv', lines.join('\n') + '\n'), '--db', db, '--batch', '1000', '--on-duplicate', 'skip']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`${n} created, 0 updated, 1 skipped, 1 duplicates, 0 errors`));
  assert.equal(counts(db), `${n},${n},${n},${n},${n}`);
  assert.equal(sql(db, 'SELECT count(DISTINCT id) FROM party'), String(n));
  // the feed's order is the order the records were made in
  assert.equal(sql(db, "SELECT count(*) FROM event a JOIN event b ON b.id = a.id + 1 WHERE a.type = 'party' AND b.type = 'party' " +
    'AND b.record_id < a.record_id'), '0');
  // an all-or-nothing import whose one bad row is in its third batch writes nothing
  const bad = ['name,external_id'];
  for (let i = 0; i < n; i++) bad.push(`Other ${i},Y${i}`);
  bad.push(',Y-bad');
  r = cli(['import', 'parties', file('d.csv', bad.join('\n') + '\n'), '--db', db, '--batch', '1000', '--all-or-nothing']);
  assert.notEqual(r.status, 0);
  assert.equal(sql(db, "SELECT count(*) FROM party WHERE external_id LIKE 'Y%'"), '0');
  } finally { await srv.stop(); srv.cleanup(); }
});

test("a transaction import's hooks see the batch's own rows: party totals, loyalty points, referral revenue, new customers", async () => {
  // On PostgreSQL the hooks of a new transaction no longer read the rows the
  // batch holds for COPY (src/api/transactions.c gross_memo, points.c,
  // referral_tree.c purchase_members_of, import.c party_for): what they
  // decide must still be what row by row decides, on both stores.
  const srv = await new Server().start();
  const db = srv.db;
  try {
    const admin = await srv.login();
    const CNY = (amount) => ({ amount, currency: 'CNY' });
    // 1 point per CNY 10
    const prog = await admin.post('/api/v1/loyalty-programs', { name: 'Import points', earn_unit: CNY(1000), earn_points: 1 });
    assert.equal(prog.status, 201, prog.text);
    // a referral member with an external id
    const ref = await admin.post('/api/v1/referral-programs', { name: 'Import VIP', status: 'active', budget_cap: CNY(1000000000),
      levels: [{ level: 1, card_quota: 6, benefit: 'b', benefit_cost: CNY(1000), expected_spend: CNY(2000) }] });
    assert.equal(ref.status, 201, ref.text);
    const member = await admin.post('/api/v1/parties', { kind: 'person', name: 'VIP 会员', external_id: 'GR',
      phones: ['+86 138 0000 7001'], emails: ['vip.import@example.com'], addresses: [{ line1: '1 Nanjing Rd', city: '上海' }] });
    assert.equal(member.status, 201, member.text);
    const m = await admin.post(`/api/v1/referral-programs/${ref.body.id}/members`, { party_id: member.body.id, id_number: '110101199001017777' });
    assert.equal(m.status, 201, m.text);
    // a stored customer near its limit: 5,120 rows of 9·10^14 minor units;
    // LIMIT - 5120·9·10^14 leaves room for four more, not five
    const big = await admin.post('/api/v1/parties', { kind: 'person', name: 'Big stored', external_id: 'GS', roles: ['customer'] });
    assert.equal(big.status, 201, big.text);
    sqlExec(db, `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 5120)
      INSERT INTO txn(party_id, occurred_at, amount, currency, created_at, updated_at)
      SELECT ${big.body.id}, '2025-01-01T00:00:00Z', 900000000000000, 'CNY', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z' FROM k`);
    // One batch: the stored customer first (its transaction held before
    // the new customers' parties: the parents must still reach the server
    // first), its rows between others, new customers met twice.
    const rows = ['customer,date,amount'];
    const bigRow = (d) => `GS,2026-01-${String(d).padStart(2, '0')},9000000000000.00 CNY`;
    rows.push(bigRow(1), 'GN1,2026-01-01,100.00 CNY', bigRow(2), 'GN2,2026-01-02,55.50 CNY', bigRow(3), 'GN1,2026-01-03,50.00 CNY',
      'GR,2026-01-04,888.00 CNY', bigRow(4), bigRow(5), 'GN2,2026-01-05,4.50 CNY', bigRow(6), 'GR,2026-01-06,12.00 CNY');
    const r = cli(['import', 'transactions', file('t.csv', rows.join('\n') + '\n'), '--db', db,
      '--map', 'party_external_id=customer,date=date,amount=amount']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    // GS: four fit, the fifth and sixth take it over the limit (refused alone)
    assert.match(r.stdout, /10 created, 0 updated, 0 skipped, 0 duplicates, 2 errors; 2 customers created/, r.stdout + r.stderr);
    assert.match(r.stderr, /row 10, column amount: .*amounts and costs over[^]*row 12, column amount: .*amounts and costs over/, r.stderr);
    assert.equal(sql(db, `SELECT count(*) FROM txn WHERE party_id = ${big.body.id} AND occurred_at >= '2026-01-01'`), '4');
    // the new customers: one party each, their transactions on it
    assert.equal(sql(db, "SELECT p.external_id||':'||count(t.id)||':'||sum(t.amount) FROM party p JOIN txn t ON t.party_id = p.id" +
      " WHERE p.external_id IN ('GN1', 'GN2') GROUP BY p.external_id ORDER BY p.external_id"), 'GN1:2:15000\nGN2:2:6000');
    // points: 10 + 5 for GN1, 5 for GN2 (5.55 → 0 + …: by purchase), 88 + 1 for GR, 900,000,000,000 for each of GS's four
    const pts = (ext) => sql(db, "SELECT COALESCE(sum(l.points), 0)||'/'||count(l.id) FROM points_ledger l JOIN party p ON p.id = l.party_id" +
      ` WHERE p.external_id = '${ext}' AND l.kind = 'earn'`);
    assert.equal(pts('GN1'), '15/2');
    assert.equal(pts('GN2'), '5/1');
    assert.equal(pts('GR'), '89/2');
    assert.equal(pts('GS'), '3600000000000/4');
    // referral revenue: the member's own purchases, as through the API
    assert.equal(sql(db, `SELECT own_revenue FROM referral_member WHERE id = ${m.body.id}`), '90000');
    assert.equal(sql(db, `SELECT count(*)||':'||sum(amount) FROM referral_revenue WHERE member_id = ${m.body.id}`), '2:90000');
    // events: one per created record, in the order of the ids
    assert.equal(sql(db, "SELECT count(*) FROM event WHERE type = 'transaction' AND action = 'create'"), '10');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('a batch whose first transaction is a stored customer\'s: its new customers still reach the server before their transactions', async () => {
  // Held rows are copied table by table, parents first (pg_bulk.c): copied
  // in the order their first rows came, the transactions went before the
  // new customers they name and the commit failed on the foreign key.
  const srv = await new Server().start();
  const db = srv.db;
  try {
    const admin = await srv.login();
    const old = await admin.post('/api/v1/parties', { kind: 'person', name: 'Stored customer', external_id: 'S1', roles: ['customer'] });
    assert.equal(old.status, 201, old.text);
    const rows = ['customer,date,amount', 'S1,2026-02-01,10.00 CNY'];
    for (let i = 0; i < 40; i++) rows.push(`N${i},2026-02-02,${i + 1}.00 CNY`, `S1,2026-02-03,1.00 CNY`, `N${i},2026-02-04,1.00 CNY`);
    const r = cli(['import', 'transactions', file('order.csv', rows.join('\n') + '\n'), '--db', db,
      '--map', 'party_external_id=customer,date=date,amount=amount']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /121 created, 0 updated, 0 skipped, 0 duplicates, 0 errors; 40 customers created/, r.stdout + r.stderr);
    assert.equal(sql(db, "SELECT count(*)||':'||sum(t.amount) FROM txn t JOIN party p ON p.id = t.party_id WHERE p.external_id LIKE 'N%'"),
      `80:${(40 * 41 / 2 + 40) * 100}`);
    assert.equal(sql(db, `SELECT count(*) FROM txn WHERE party_id = ${old.body.id}`), '41');
  } finally { await srv.stop(); srv.cleanup(); }
});
