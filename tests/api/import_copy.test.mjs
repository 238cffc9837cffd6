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
import { Server, cli, sql } from './harness.mjs';

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
