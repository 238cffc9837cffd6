// Read replicas (issue 22): `rapport serve --db-replica` reads GETs from a
// streaming replica (made here with pg_basebackup over loopback,
// scripts/pg-cluster.sh replica), except a user's own reads for a window
// after that user's write, which go to the primary (read-your-writes). The
// replica's replay is paused to make its lag visible: what another user
// reads is the replica's (the new record is not there yet), what the writer
// reads is the primary's, until the window ends. The test makes its own two
// clusters, so it runs once, in the SQLite pass of the API suite.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, addUser, ON_POSTGRES } from './harness.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const cluster = (...args) => spawnSync('bash', [join(ROOT, 'scripts/pg-cluster.sh'), ...args], { encoding: 'utf8', timeout: 180000 });
const psql = (url, sql) => spawnSync('psql', ['-X', '-qAt', '-d', url, '-c', sql], { encoding: 'utf8', timeout: 60000 });
const haveServer = cluster('stop', '/nonexistent-dir').status === 0 &&
  spawnSync('bash', ['-c', 'ls /usr/lib/postgresql/*/bin/pg_basebackup']).status === 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'rapport-replica-'));
chmodSync(dir, 0o755);
after(() => {
  cluster('stop', join(dir, 'replica'));
  cluster('stop', join(dir, 'primary'));
  rmSync(dir, { recursive: true, force: true });
});

test('GETs read from the replica; a user\'s own writes stay visible to that user for the window', {
  skip: ON_POSTGRES ? 'runs once, in the SQLite pass (it makes its own clusters)' : !haveServer && 'no PostgreSQL server installed',
  timeout: 240000,
}, async () => {
  let r = cluster('start', join(dir, 'primary'));
  assert.equal(r.status, 0, r.stderr);
  const primaryRoot = r.stdout.trim();
  assert.equal(psql(primaryRoot, 'CREATE DATABASE rt').status, 0);
  const primary = primaryRoot.replace(/\/postgres$/, '/rt');
  r = cluster('replica', join(dir, 'replica'), primaryRoot);
  assert.equal(r.status, 0, r.stderr);
  const replica = r.stdout.trim().replace(/\/postgres$/, '/rt');
  assert.equal(psql(replica, 'SELECT pg_is_in_recovery()').stdout.trim(), 't');

  const srv = new Server({ args: ['--db-replica', replica, '--replica-window-ms', '1500'] });
  srv.db = primary;
  await srv.start();
  try {
    const other = addUser(primary, 'other@test.local', 'admin');
    const writer = await srv.login();
    const reader = await srv.login(other.email, other.password);
    // the replica has caught up with the users and sessions
    for (let i = 0; i < 200 && psql(replica, "SELECT count(*) FROM app_user WHERE email = 'other@test.local'").stdout.trim() !== '1'; i++) await sleep(50);

    assert.equal(psql(replica, 'SELECT pg_wal_replay_pause()').status, 0);
    const made = await writer.post('/api/v1/parties', { kind: 'person', name: 'Written while the replica waits' });
    assert.equal(made.status, 201, made.text);
    const path = `/api/v1/parties/${made.body.id}`;
    // the writer reads its own write (the primary) …
    assert.equal((await writer.get(path)).status, 200);
    const list = await writer.get('/api/v1/parties?limit=100&q=' + encodeURIComponent('Written while'));
    assert.deepEqual(list.body.items.map((p) => p.id), [made.body.id]);
    // … another user reads the replica, which has not replayed it
    assert.equal((await reader.get(path)).status, 404);
    // after the window the writer reads the replica too
    await sleep(1700);
    assert.equal((await writer.get(path)).status, 404);

    assert.equal(psql(replica, 'SELECT pg_wal_replay_resume()').status, 0);
    let status = 0;
    for (let i = 0; i < 200 && status !== 200; i++) { status = (await reader.get(path)).status; if (status !== 200) await sleep(50); }
    assert.equal(status, 200, 'the replica caught up');
  } finally {
    await srv.stop();
  }
});
