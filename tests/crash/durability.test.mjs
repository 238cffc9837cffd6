// Durability: every write acknowledged with 2xx survives kill -9 of the
// server, in many short rounds: 16 concurrent writers, the server killed at a
// random moment (0–250 ms) after the round's first acknowledged write, then
// PRAGMA integrity_check, restart, next round. Runs the release binary
// (tests/crash/release.mjs): a hundred starts of the ASan build take minutes
// on a busy machine. Rounds: CRASH_ROUNDS (default 100 in `make check`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from '../api/harness.mjs';
import { ReleaseServer, haveRelease, RELEASE } from './release.mjs';

const ROUNDS = Number(process.env.CRASH_ROUNDS || 100);

test(`acknowledged writes survive kill -9 (${ROUNDS} rounds)`, { timeout: 900000, skip: !haveRelease && `no release binary ${RELEASE}` }, async () => {
  const srv = new ReleaseServer();
  await srv.start();
  const c = await srv.tokenClient();
  const party = (await c.post('/api/v1/parties', { kind: 'person', name: 'Crash Target' })).body;
  const token = c.token;
  const acked = new Set();
  const t0 = Date.now();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) await srv.start();
      c.base = srv.base;
      c.token = token;
      let stop = false, first;
      const firstAck = new Promise((resolve) => { first = resolve; });
      const writer = async (w) => {
        let i = 0;
        while (!stop) {
          try {
            const r = await c.post('/api/v1/interactions', { party_id: party.id, channel: 'call', subject: `r${round} w${w} #${i++}` });
            if (r.status === 201) { acked.add(r.body.id); first(); }
          } catch { return; } // connection died with the server
        }
      };
      const writers = Array.from({ length: 16 }, (_, w) => writer(w));
      await Promise.race([firstAck, new Promise((r) => setTimeout(r, 15000))]);
      await new Promise((r) => setTimeout(r, Math.random() * 250));
      await srv.stop({ hard: true });
      stop = true;
      await Promise.all(writers);
      assert.equal(sql(srv.db, 'PRAGMA integrity_check'), 'ok', `integrity_check after kill ${round + 1}`);
    }
    const stored = new Set(sql(srv.db, `SELECT id FROM interaction WHERE party_id = ${party.id}`).split('\n').map(Number));
    const lost = [...acked].filter((id) => !stored.has(id));
    assert.ok(acked.size >= ROUNDS, `only ${acked.size} writes were acknowledged`);
    assert.deepEqual(lost, [], `${lost.length} acknowledged writes lost`);
    console.log(`# ${ROUNDS} kill -9 rounds in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${acked.size} acknowledged writes, all present`);
  } finally {
    if (srv.proc) await srv.stop({ hard: true });
    srv.cleanup();
  }
});

// The same promise while the checkpoint thread is copying the WAL into the
// database (src/db/checkpoint.c): large writes, the server killed once the
// thread has run, in a few rounds.
test('acknowledged writes survive kill -9 during background checkpoints', { timeout: 300000, skip: !haveRelease && `no release binary ${RELEASE}` }, async () => {
  const srv = new ReleaseServer();
  await srv.start();
  const c = await srv.tokenClient();
  const party = (await c.post('/api/v1/parties', { kind: 'person', name: 'Checkpoint Crash' })).body;
  const token = c.token;
  const acked = new Set();
  const notes = 'c'.repeat(3500);
  const threadRuns = async () => {
    const r = await fetch(`${srv.base}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    return Number(((await r.text()).match(/rapport_wal_checkpoints_total\{thread="checkpointer"\} (\d+)/) || [])[1] || 0);
  };
  try {
    for (let round = 0; round < 4; round++) {
      if (round > 0) await srv.start();
      c.base = srv.base;
      c.token = token;
      let stop = false;
      const writer = async (w) => {
        let i = 0;
        while (!stop) {
          try {
            const r = await c.post('/api/v1/interactions', { party_id: party.id, channel: 'call', subject: `k${round} w${w} #${i++}`, notes });
            if (r.status === 201) acked.add(r.body.id);
          } catch { return; }
        }
      };
      const writers = Array.from({ length: 8 }, (_, w) => writer(w));
      const deadline = Date.now() + 60000;
      while (await threadRuns() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(await threadRuns() >= 2, 'the checkpoint thread never ran');
      await new Promise((r) => setTimeout(r, Math.random() * 100));
      await srv.stop({ hard: true });
      stop = true;
      await Promise.all(writers);
      assert.equal(sql(srv.db, 'PRAGMA integrity_check'), 'ok', `integrity_check after kill ${round + 1}`);
    }
    const stored = new Set(sql(srv.db, `SELECT id FROM interaction WHERE party_id = ${party.id}`).split('\n').map(Number));
    const lost = [...acked].filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${lost.length} acknowledged writes lost`);
    console.log(`# 4 kill -9 rounds during checkpoints, ${acked.size} acknowledged writes, all present`);
  } finally {
    if (srv.proc) await srv.stop({ hard: true });
    srv.cleanup();
  }
});
