// Durability: every write acknowledged with 2xx survives kill -9 of the
// server, in many short rounds: concurrent writers, the server killed at a
// random moment, then an integrity check (rapport db check), restart, next round. Runs the
// release binary (tests/crash/release.mjs): a hundred starts of the ASan
// build take minutes on a busy machine. Rounds: CRASH_ROUNDS (default 100 in
// `make check`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dbCheck, sql } from '../api/harness.mjs';
import { ReleaseServer, haveRelease, RELEASE } from './release.mjs';

const ROUNDS = Number(process.env.CRASH_ROUNDS || 100);
const skip = !haveRelease && `no release binary ${RELEASE}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rounds of: start, `writers` clients POSTing interactions (fields from
 * `body`), `killWhen(srv, firstAck, token)` resolved, kill -9, integrity check.
 * Then every acknowledged interaction must be stored. Returns their number. */
async function killRounds({ rounds, writers, body, killWhen }) {
  const srv = new ReleaseServer();
  await srv.start();
  const c = await srv.tokenClient();
  const party = (await c.post('/api/v1/parties', { kind: 'person', name: 'Crash Target' })).body;
  const token = c.token;
  const acked = new Set();
  try {
    for (let round = 0; round < rounds; round++) {
      if (round > 0) await srv.start();
      c.base = srv.base;
      c.token = token;
      let stop = false, first;
      const firstAck = new Promise((resolve) => { first = resolve; });
      const writer = async (w) => {
        let i = 0;
        while (!stop) {
          try {
            const r = await c.post('/api/v1/interactions', { party_id: party.id, ...body(round, w, i++) });
            if (r.status === 201) { acked.add(r.body.id); first(); }
          } catch { return; } // connection died with the server
        }
      };
      const running = Array.from({ length: writers }, (_, w) => writer(w));
      await killWhen(srv, firstAck, token);
      await srv.stop({ hard: true });
      stop = true;
      await Promise.all(running);
      assert.equal(dbCheck(srv.db), 'ok', `integrity_check after kill ${round + 1}`);
    }
    const stored = new Set(sql(srv.db, `SELECT id FROM interaction WHERE party_id = ${party.id}`).split('\n').map(Number));
    const lost = [...acked].filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${lost.length} acknowledged writes lost`);
    return acked.size;
  } finally {
    if (srv.proc) await srv.stop({ hard: true });
    srv.cleanup();
  }
}

test(`acknowledged writes survive kill -9 (${ROUNDS} rounds)`, { timeout: 900000, skip }, async () => {
  // 16 writers; killed 0–250 ms after the round's first acknowledged write.
  const t0 = Date.now();
  const acked = await killRounds({
    rounds: ROUNDS, writers: 16,
    body: (round, w, i) => ({ channel: 'call', subject: `r${round} w${w} #${i}` }),
    killWhen: async (srv, firstAck) => {
      await Promise.race([firstAck, sleep(15000)]);
      await sleep(Math.random() * 250);
    },
  });
  assert.ok(acked >= ROUNDS, `only ${acked} writes were acknowledged`);
  console.log(`# ${ROUNDS} kill -9 rounds in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${acked} acknowledged writes, all present`);
});

// The same promise while the checkpoint thread is copying the WAL into the
// database (src/db/checkpoint.c): large writes, the server killed once the
// thread has run twice, in a few rounds.
test('acknowledged writes survive kill -9 during background checkpoints', { timeout: 300000, skip }, async () => {
  const notes = 'c'.repeat(3500);
  const threadRuns = async (srv, token) => {
    // /metrics needs an admin: the token killRounds made.
    const r = await fetch(`${srv.base}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    return Number(((await r.text()).match(/rapport_wal_checkpoints_total\{thread="checkpointer"\} (\d+)/) || [])[1] || 0);
  };
  const acked = await killRounds({
    rounds: 4, writers: 8,
    body: (round, w, i) => ({ channel: 'call', subject: `k${round} w${w} #${i}`, notes }),
    killWhen: async (srv, firstAck, token) => {
      const deadline = Date.now() + 60000;
      while (await threadRuns(srv, token) < 2 && Date.now() < deadline) await sleep(20);
      assert.ok(await threadRuns(srv, token) >= 2, 'the checkpoint thread never ran');
      await sleep(Math.random() * 100);
    },
  });
  console.log(`# 4 kill -9 rounds during checkpoints, ${acked} acknowledged writes, all present`);
});
