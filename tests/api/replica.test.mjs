// Read replicas (issue 22): `rapport serve --db-replica` reads GETs from a
// streaming replica (made here with pg_basebackup over loopback,
// scripts/pg-cluster.sh replica), except when the replica does not yet hold
// every write of the user asking: the writer counts each user's writes in
// the write transaction (ryw_mark) and a GET compares the primary's count
// with the replica's, so read-your-writes holds across servers. The
// replica's replay is paused to make its lag visible: what another user
// reads is the replica's (the new record is not there yet), what the writer
// reads is the primary's, through either server and past the window. The
// analytics store's cold load reads from the replica. The tests make their
// own two clusters, so they run once, in the SQLite pass of the API suite.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, addUser, ON_POSTGRES } from './harness.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const cluster = (...args) => spawnSync('bash', [join(ROOT, 'scripts/pg-cluster.sh'), ...args], { encoding: 'utf8', timeout: 180000 });
const psql = (url, sql) => spawnSync('psql', ['-X', '-qAt', '-d', url, '-c', sql], { encoding: 'utf8', timeout: 60000 });
const haveServer = cluster('stop', '/nonexistent-dir').status === 0 &&
  spawnSync('bash', ['-c', 'ls /usr/lib/postgresql/*/bin/pg_basebackup']).status === 0;
const skip = ON_POSTGRES ? 'runs once, in the SQLite pass (it makes its own clusters)' : !haveServer && 'no PostgreSQL server installed';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'rapport-replica-'));
chmodSync(dir, 0o755);
const servers = [];
after(async () => {
  // every server stopped and the clusters removed, then a sanitizer report (if any) fails the file
  const errors = [];
  for (const s of servers) await s.stop().catch((e) => errors.push(e));
  cluster('stop', join(dir, 'replica'));
  cluster('stop', join(dir, 'primary'));
  rmSync(dir, { recursive: true, force: true });
  if (errors.length) throw errors[0];
});

// the primary and its replica, made once for the tests of this file
let clusters = null;
function makeClusters() {
  if (clusters) return clusters;
  let r = cluster('start', join(dir, 'primary'));
  assert.equal(r.status, 0, r.stderr);
  const primaryRoot = r.stdout.trim();
  assert.equal(psql(primaryRoot, 'CREATE DATABASE rt').status, 0);
  const primary = primaryRoot.replace(/\/postgres$/, '/rt');
  r = cluster('replica', join(dir, 'replica'), primaryRoot);
  assert.equal(r.status, 0, r.stderr);
  const replicaRoot = r.stdout.trim();
  const replica = replicaRoot.replace(/\/postgres$/, '/rt');
  assert.equal(psql(replica, 'SELECT pg_is_in_recovery()').stdout.trim(), 't');
  clusters = { primary, replica, replicaRoot };
  return clusters;
}

async function serve(primary, replica, window) {
  const srv = new Server({ args: ['--db-replica', replica, '--replica-window-ms', String(window)] });
  srv.db = primary;
  if (servers.length) srv.dbExists = () => true;   // the first one made the database and its admin
  servers.push(srv);
  return srv.start();
}

// the replica has replayed everything the primary has committed
async function caughtUp(primary, replica) {
  const lsn = psql(primary, 'SELECT pg_current_wal_insert_lsn()').stdout.trim();
  for (let i = 0; i < 400; i++) {
    if (psql(replica, `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn`).stdout.trim() === 't') return;
    await sleep(25);
  }
  assert.fail('the replica did not catch up');
}

test('a user\'s own writes stay visible to that user through every server; others read the replica', { skip, timeout: 240000 }, async () => {
  const { primary, replica } = makeClusters();
  // A keeps its shortcut window short, B has none: every read of B asks the marks
  const a = await serve(primary, replica, 500);
  const b = await serve(primary, replica, 0);
  const other = addUser(primary, 'other@test.local', 'admin');
  const writerA = await a.login();
  const writerB = await b.login();
  const otherA = await a.login(other.email, other.password);
  const otherB = await b.login(other.email, other.password);
  // writes of both users at once, through both servers: batches of several users count each
  const before = psql(primary, 'SELECT count(*) FROM ryw_mark').stdout.trim();
  const burst = await Promise.all([writerA, otherA, writerB, otherB].flatMap((c, i) =>
    Array.from({ length: 6 }, (_, k) => c.post('/api/v1/parties', { kind: 'person', name: `Burst ${i}-${k}` }))));
  assert.deepEqual([...new Set(burst.map((r) => r.status))], [201]);
  assert.equal(before, '0');
  assert.equal(psql(primary, 'SELECT count(*) FROM ryw_mark WHERE writes >= 1').stdout.trim(), '2');
  assert.doesNotMatch(a.stderr + b.stderr, /marks not written/);
  await caughtUp(primary, replica);
  await sleep(600);   // past A's window for both users

  assert.equal(psql(replica, 'SELECT pg_wal_replay_pause()').status, 0);
  try {
    const made = await writerA.post('/api/v1/parties', { kind: 'person', name: 'Written while the replica waits' });
    assert.equal(made.status, 201, made.text);
    const path = `/api/v1/parties/${made.body.id}`;
    // the writer reads its own write through the other server (the primary) …
    assert.equal((await writerB.get(path)).status, 200);
    const list = await writerB.get('/api/v1/parties?limit=100&q=' + encodeURIComponent('Written while'));
    assert.deepEqual(list.body.items.map((p) => p.id), [made.body.id]);
    // … another user reads the replica, which has not replayed it, on either server
    assert.equal((await otherB.get(path)).status, 404);
    assert.equal((await otherA.get(path)).status, 404);
    // past A's window the writer still reads its write there: the marks, not the clock
    await sleep(600);
    assert.equal((await writerA.get(path)).status, 200);
    assert.equal((await writerB.get(path)).status, 200);
  } finally {
    assert.equal(psql(replica, 'SELECT pg_wal_replay_resume()').status, 0);
  }
  await caughtUp(primary, replica);

  // caught up, the writer reads the replica again: while replay is paused a
  // record the other user writes (through B) is the other's to see, through A
  assert.equal(psql(replica, 'SELECT pg_wal_replay_pause()').status, 0);
  try {
    const made = await otherB.post('/api/v1/parties', { kind: 'person', name: 'Written by the other user' });
    assert.equal(made.status, 201, made.text);
    const path = `/api/v1/parties/${made.body.id}`;
    assert.equal((await otherA.get(path)).status, 200);
    assert.equal((await writerB.get(path)).status, 404);
  } finally {
    assert.equal(psql(replica, 'SELECT pg_wal_replay_resume()').status, 0);
  }
  let status = 0;
  for (let i = 0; i < 200 && status !== 200; i++) {
    status = (await writerB.get('/api/v1/parties?limit=1&q=' + encodeURIComponent('Written by the other'))).body.items.length ? 200 : 404;
    if (status !== 200) await sleep(50);
  }
  assert.equal(status, 200, 'the replica caught up');
});

test('the analytics store loads its transactions from the replica', { skip, timeout: 240000 }, async () => {
  const { primary, replica, replicaRoot } = makeClusters();
  // the replica logs every statement from here on; the primary is left as it is
  assert.equal(psql(replicaRoot, "ALTER SYSTEM SET log_statement = 'all'").status, 0);
  assert.equal(psql(replicaRoot, 'SELECT pg_reload_conf()').status, 0);
  const log = join(dir, 'replica', 'server.log');
  await sleep(200);
  const from = statSync(log).size;
  const srv = await serve(primary, replica, 0);
  const text = readFileSync(log, 'utf8').slice(from);
  assert.match(text, /FROM txn WHERE currency/, 'the cold load ran on the replica');
  assert.match(srv.stderr, /loaded from the read replica/);
  assert.equal(psql(replicaRoot, 'ALTER SYSTEM RESET log_statement').status, 0);
  assert.equal(psql(replicaRoot, 'SELECT pg_reload_conf()').status, 0);
});
