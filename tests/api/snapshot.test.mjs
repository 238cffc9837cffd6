// Kept read snapshots (src/db/snapshot.c): a request thread keeps its read
// transaction from one GET to the next while nothing is committed. These
// tests hold it to its promises: every commit — from this server or from
// another process — is seen by the very next read, and an idle server lets
// go of its snapshots, so a checkpoint can reset the WAL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Server } from './harness.mjs';

const srv = new Server();
let c;
before(async () => { await srv.start(); c = await srv.tokenClient(); });
after(async () => { await srv.stop(); srv.cleanup(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function sqlite(query) {
  const r = spawnSync('sqlite3', [srv.db, query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** GETs the party on many connections at once, so that every request thread
 * of the server answers some of them (and keeps a snapshot). */
async function readEverywhere(id, n = 24) {
  return Promise.all(Array.from({ length: n }, () => c.get(`/api/v1/parties/${id}`)));
}

test('a commit by another process is seen by the next read on every thread', async () => {
  const p = await c.post('/api/v1/parties', { kind: 'person', name: 'Snapshot Probe', city: 'Shanghai' });
  assert.equal(p.status, 201, p.text);
  const id = p.body.id;
  for (let round = 0; round < 5; round++) {
    const before = await readEverywhere(id);
    const city = round === 0 ? 'Shanghai' : `City ${round - 1}`;
    for (const r of before) assert.equal(r.body.city, city);
    sqlite(`UPDATE party SET city = 'City ${round}' WHERE id = ${id}`);
    const afterRead = await readEverywhere(id);
    for (const r of afterRead) assert.equal(r.status, 200);
    assert.deepEqual([...new Set(afterRead.map((r) => r.body.city))], [`City ${round}`]);
  }
});

test('a commit by this server is seen by the next read on every thread', async () => {
  const p = await c.post('/api/v1/parties', { kind: 'person', name: 'Patch Probe' });
  const id = p.body.id;
  for (let round = 0; round < 5; round++) {
    const [seen] = await readEverywhere(id);
    const r = await c.patch(`/api/v1/parties/${id}`, { notes: `note ${round}` }, { 'If-Match': `"${seen.body.version}"` });
    assert.equal(r.status, 200, r.text);
    const reads = await readEverywhere(id);
    assert.deepEqual([...new Set(reads.map((x) => `${x.body.notes}/${x.body.version}`))], [`note ${round}/${r.body.version}`]);
  }
});

test('a token revoked from another process stops working on the next request', async () => {
  const t = await srv.tokenClient();
  const p = await t.post('/api/v1/parties', { kind: 'person', name: 'Token Probe' });
  for (const r of await Promise.all(Array.from({ length: 16 }, () => t.get(`/api/v1/parties/${p.body.id}`)))) assert.equal(r.status, 200);
  sqlite(`UPDATE api_token SET revoked_at = '2026-01-01T00:00:00Z' WHERE revoked_at IS NULL AND id = (SELECT max(id) FROM api_token)`);
  for (const r of await Promise.all(Array.from({ length: 16 }, () => t.get(`/api/v1/parties/${p.body.id}`)))) assert.equal(r.status, 401);
});

test('an idle server keeps no snapshot: a truncating checkpoint is not blocked', async () => {
  const p = await c.post('/api/v1/parties', { kind: 'person', name: 'Idle Probe' });   // frames in the WAL
  await readEverywhere(p.body.id);
  await sleep(400);   // several sweeps (SNAP_IDLE_MS = 50)
  // busy|log frames|checkpointed frames: busy 0 and an emptied WAL.
  assert.equal(sqlite('PRAGMA wal_checkpoint(TRUNCATE)'), '0|0|0');
  // and the server reads on as before
  const r = await c.get(`/api/v1/parties/${p.body.id}`);
  assert.equal(r.body.name, 'Idle Probe');
});
