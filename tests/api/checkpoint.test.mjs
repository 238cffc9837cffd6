// WAL checkpoints on their own thread (src/db/checkpoint.c): the writer's
// commits only signal, a second connection copies the WAL into the database
// while writes go on, and the writer finishes the copy itself once little is
// left, so the WAL starts over. Checked from outside: the server's counters,
// the WAL's size, the data, and SQLite's own integrity check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { Server, cli, dbCheck, sql, ON_POSTGRES } from './harness.mjs';

const srv = new Server();
let c;
before(async () => { await srv.start(); c = await srv.tokenClient(); });
after(async () => { await srv.stop(); srv.cleanup(); });

async function checkpoints() {
  const r = await c.get('/metrics');
  assert.equal(r.status, 200);
  const count = (thread) => Number((r.text.match(new RegExp(`rapport_wal_checkpoints_total\\{thread="${thread}"\\} (\\d+)`)) || [])[1]);
  return { thread: count('checkpointer'), writer: count('writer') };
}

test('a stream of writes is checkpointed by the checkpoint thread; the WAL stays small and the data whole', { skip: ON_POSTGRES && "on PostgreSQL: SQLite's WAL checkpoint thread; PostgreSQL checkpoints by itself" }, async () => {
  const p = await c.post('/api/v1/parties', { kind: 'person', name: 'Checkpoint Probe' });
  assert.equal(p.status, 201, p.text);
  const start = await checkpoints();
  const notes = 'n'.repeat(3000);   // about a page per interaction
  const ids = [];
  let maxWal = 0;
  const writers = Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; i < 250; i++) {
      const r = await c.post('/api/v1/interactions', { party_id: p.body.id, channel: 'call', subject: `w${w} #${i}`, notes });
      assert.equal(r.status, 201, r.text);
      ids.push(r.body.id);
      if (i % 25 === 0) maxWal = Math.max(maxWal, statSync(srv.db + '-wal').size);
    }
  });
  await Promise.all(writers);
  const end = await checkpoints();
  // 2,000 interactions and their audit rows are well over 4,000 pages: the
  // thread is signalled every 500, the writer finishes at 2,000.
  assert.ok(end.thread - start.thread >= 3, `checkpoint thread ran ${end.thread - start.thread} times`);
  assert.ok(end.writer - start.writer >= 1, 'the writer never finished a checkpoint, so the WAL never started over');
  assert.ok(maxWal < 16 * 1024 * 1024, `WAL reached ${(maxWal / 1048576).toFixed(1)} MB`);
  // Every write is there, readable through the server and from outside.
  assert.equal(Number(sql(srv.db, `SELECT count(*) FROM interaction WHERE party_id = ${p.body.id}`)), 2000);
  assert.equal(dbCheck(srv.db), 'ok');
  const last = await c.get(`/api/v1/interactions/${Math.max(...ids)}`);
  assert.equal(last.status, 200);
  assert.equal(last.body.notes, notes);
  // and the audit chain, written in the same commits, verifies
  const v = cli(['audit', 'verify', '--db', srv.db]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
});

test('when writes stop, the thread has copied all but the last few hundred pages', { skip: ON_POSTGRES && "on PostgreSQL: SQLite's WAL checkpoint thread; PostgreSQL checkpoints by itself" }, async () => {
  const p = await c.post('/api/v1/parties', { kind: 'person', name: 'Idle Checkpoint' });
  for (let i = 0; i < 700; i++) {
    const r = await c.post('/api/v1/interactions', { party_id: p.body.id, channel: 'email', subject: `idle ${i}`, notes: 'm'.repeat(3000) });
    assert.equal(r.status, 201, r.text);
  }
  await new Promise((r) => setTimeout(r, 500));
  // Read, without running a checkpoint, SQLite's WAL index (its documented
  // format): mxFrame, the frames in the WAL, at byte 16 of the header, and
  // nBackfill, the frames copied, at byte 96.
  const shm = readFileSync(srv.db + '-shm');
  const frames = shm.readUInt32LE(16), copied = shm.readUInt32LE(96);
  // The thread is signalled every 500 new pages; what a commit adds on top
  // is a few pages. (Both are 0 once the quiet WAL, over 4 MiB here, has
  // been truncated: everything was copied.)
  assert.ok(frames - copied < 600, `${frames - copied} of ${frames} frames not copied`);
  // Quiet for a quarter of a second, a WAL file over 4 MiB is truncated.
  const deadline = Date.now() + 10000;
  while (statSync(srv.db + '-wal').size > 4 << 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(statSync(srv.db + '-wal').size <= 4 << 20, `the quiet WAL file is ${statSync(srv.db + '-wal').size} bytes`);
});
