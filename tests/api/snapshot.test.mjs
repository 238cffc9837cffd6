// Kept read snapshots (src/db/snapshot.c): a request thread keeps its read
// transaction from one GET to the next while nothing is committed. These
// tests hold it to its promises: every commit — from this server or from
// another process — is seen by the very next read, and an idle server lets
// go of its snapshots, so a checkpoint can reset the WAL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, cli, sql, sqlExec, ON_POSTGRES } from './harness.mjs';

const srv = new Server();
let c;
before(async () => { await srv.start(); c = await srv.tokenClient(); });
after(async () => { await srv.stop(); srv.cleanup(); });

function dbCommandCheckpoint() {
  const r = cli(['db', 'checkpoint', '--db', srv.db]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


/** GETs the party on many connections at once, so that every request thread
 * of the server answers some of them (and keeps a snapshot). */
async function readEverywhere(id, n = 24, client = c) {
  return Promise.all(Array.from({ length: n }, () => client.get(`/api/v1/parties/${id}`)));
}

/** Reads until every thread keeps its snapshot: threads keep one only when
 * they have seen no commit for SNAP_QUIET_MS (100 ms). */
async function readAndKeep(id, client = c) {
  await readEverywhere(id, 24, client);
  await sleep(250);
  return readEverywhere(id, 24, client);
}

test('a commit by another process is seen by the next read on every thread', async () => {
  const p = await c.post('/api/v1/parties', { kind: 'person', name: 'Snapshot Probe', city: 'Shanghai' });
  assert.equal(p.status, 201, p.text);
  const id = p.body.id;
  for (let round = 0; round < 5; round++) {
    const before = await readAndKeep(id);
    const city = round === 0 ? 'Shanghai' : `City ${round - 1}`;
    for (const r of before) assert.equal(r.body.city, city);
    sqlExec(srv.db, `UPDATE party SET city = 'City ${round}' WHERE id = ${id}`);
    const afterRead = await readEverywhere(id);
    for (const r of afterRead) assert.equal(r.status, 200);
    assert.deepEqual([...new Set(afterRead.map((r) => r.body.city))], [`City ${round}`]);
  }
});

test('a commit by this server is seen by the next read on every thread', async () => {
  const p = await c.post('/api/v1/parties', { kind: 'person', name: 'Patch Probe' });
  const id = p.body.id;
  for (let round = 0; round < 5; round++) {
    const [seen] = await readAndKeep(id);
    const r = await c.patch(`/api/v1/parties/${id}`, { notes: `note ${round}` }, { 'If-Match': `"${seen.body.version}"` });
    assert.equal(r.status, 200, r.text);
    const reads = await readEverywhere(id);
    assert.deepEqual([...new Set(reads.map((x) => `${x.body.notes}/${x.body.version}`))], [`note ${round}/${r.body.version}`]);
  }
});

test('a token revoked from another process stops working on the next request', async () => {
  const t = await srv.tokenClient();
  const p = await t.post('/api/v1/parties', { kind: 'person', name: 'Token Probe' });
  for (const r of await readAndKeep(p.body.id, t)) assert.equal(r.status, 200);
  sqlExec(srv.db, `UPDATE api_token SET revoked_at = '2026-01-01T00:00:00Z' WHERE revoked_at IS NULL AND id = (SELECT max(id) FROM api_token)`);
  for (const r of await Promise.all(Array.from({ length: 16 }, () => t.get(`/api/v1/parties/${p.body.id}`)))) assert.equal(r.status, 401);
});

test('an idle server keeps no snapshot: a truncating checkpoint is not blocked', { skip: ON_POSTGRES && "on PostgreSQL: SQLite's WAL index and checkpoints" }, async () => {
  const p = await c.post('/api/v1/parties', { kind: 'person', name: 'Idle Probe' });   // frames in the WAL
  await readAndKeep(p.body.id);
  await sleep(400);   // several sweeps (SNAP_IDLE_MS = 50)
  // busy, log pages, copied pages (`rapport db checkpoint`): busy 0 and an emptied WAL.
  assert.equal(dbCommandCheckpoint(), '0\t0\t0');
  // and the server reads on as before
  const r = await c.get(`/api/v1/parties/${p.body.id}`);
  assert.equal(r.body.name, 'Idle Probe');
});

test('other processes open and close the database while the server writes and reads', async () => {
  // The server watches SQLite's WAL index; it must never disturb SQLite's own
  // locks on it (a process that closes a descriptor of the -shm file drops
  // them all, and the next process to open the database then truncates the index under the
  // server: a SIGBUS, or worse). Writes, reads and outside readers at once.
  const start = Number(sql(srv.db, 'SELECT count(*) FROM interaction'));
  const p = await c.post('/api/v1/parties', { kind: 'person', name: 'Busy Probe' });
  let posted = 0;
  const writer = (async () => {
    for (let i = 0; i < 150; i++) {
      const r = await c.post('/api/v1/interactions', { party_id: p.body.id, channel: 'call', direction: 'outbound', subject: `call ${i}` });
      assert.equal(r.status, 201, r.text);
      posted++;
    }
  })();
  const reader = (async () => {
    for (let i = 0; i < 150; i++) assert.equal((await c.get(`/api/v1/parties/${p.body.id}`)).status, 200);
  })();
  for (let i = 0; i < 20; i++) {
    const n = Number(sql(srv.db, 'SELECT count(*) FROM interaction'));
    assert.ok(n >= start && n <= start + 150, String(n));
    await sleep(10);
  }
  await Promise.all([writer, reader]);
  assert.equal(Number(sql(srv.db, 'SELECT count(*) FROM interaction')), start + posted);
  const r = await c.get(`/api/v1/parties/${p.body.id}/timeline`);
  assert.equal(r.status, 200);
  assert.equal(srv.proc.exitCode, null, 'the server is still running');
});

test('the server holds SQLite\'s lock on the WAL index all along (checked in /proc/locks)', { skip: ON_POSTGRES && "on PostgreSQL: SQLite's WAL index lock" }, async () => {
  // SQLite marks a WAL index in use with a shared lock on byte 128 of the
  // -shm file (its "DMS" lock); a process that finds it unlocked rebuilds
  // the index from scratch. Closing any descriptor of that file would drop
  // the lock silently, so look for it among the kernel's locks.
  const { statSync, readFileSync } = await import('node:fs');
  await c.get('/api/v1/parties?limit=1');
  const ino = statSync(srv.db + '-shm').ino;
  const held = readFileSync('/proc/locks', 'utf8').split('\n').some((line) => {
    const f = line.trim().split(/\s+/);   // id: POSIX ADVISORY READ pid maj:min:ino start end
    return f[1] === 'POSIX' && Number(f[4]) === srv.proc.pid && Number(f[5].split(':')[2]) === ino &&
      Number(f[6]) <= 128 && (f[7] === 'EOF' || Number(f[7]) >= 128);
  });
  assert.ok(held, 'no lock of the server on byte 128 of the WAL index');
});

test('reads during a stream of writes do not make the WAL grow without end', { skip: ON_POSTGRES && "on PostgreSQL: SQLite's WAL file" }, async () => {
  // A reader that keeps a WAL read mark stops the writer from starting the
  // WAL over after a checkpoint; snapshots kept through a stream of commits
  // made it grow by every write (820 MB in 30 s of the mixed load). With a
  // checkpoint every 1,000 pages, a WAL that starts over stays near 4 MB.
  const { statSync } = await import('node:fs');
  const p = await c.post('/api/v1/parties', { kind: 'person', name: 'WAL Probe' });
  const notes = 'x'.repeat(1500);
  let posts = 0;
  const deadline = Date.now() + 20000;
  const writers = Array.from({ length: 8 }, async () => {
    while (posts < 2400 && Date.now() < deadline) {
      const r = await c.post('/api/v1/interactions', { party_id: p.body.id, channel: 'call', direction: 'outbound', subject: 'wal', notes });
      assert.equal(r.status, 201, r.text);
      posts++;
    }
  });
  let stop = false;
  const readers = Array.from({ length: 8 }, async () => {
    while (!stop) assert.equal((await c.get(`/api/v1/parties/${p.body.id}`)).status, 200);
  });
  await Promise.all(writers);
  stop = true;
  await Promise.all(readers);
  const wal = statSync(srv.db + '-wal').size;
  assert.ok(posts >= 1000, `only ${posts} writes in the time allowed`);
  assert.ok(wal < 12 * 1024 * 1024, `WAL of ${(wal / 1048576).toFixed(1)} MB after ${posts} writes`);
});
