// Durability: every write acknowledged with 2xx survives kill -9 of the
// server, in many short rounds killed at random moments (80–350 ms into 16
// concurrent writers), with PRAGMA integrity_check after every kill.
// Rounds: CRASH_ROUNDS (default 100 in `make check`, about a minute).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, sql } from '../api/harness.mjs';

const ROUNDS = Number(process.env.CRASH_ROUNDS || 100);

test(`acknowledged writes survive kill -9 (${ROUNDS} rounds)`, { timeout: 600000 }, async () => {
  const srv = new Server();
  await srv.start();
  const c = await srv.tokenClient();
  const party = (await c.post('/api/v1/parties', { kind: 'person', name: 'Crash Target' })).body;
  const token = c.token;
  const acked = new Set();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) await srv.start();
      c.base = srv.base;
      c.token = token;
      let stop = false;
      const writer = async (w) => {
        let i = 0;
        while (!stop) {
          try {
            const r = await c.post('/api/v1/interactions', { party_id: party.id, channel: 'call', subject: `r${round} w${w} #${i++}` });
            if (r.status === 201) acked.add(r.body.id);
          } catch { return; } // connection died with the server
        }
      };
      const writers = Array.from({ length: 16 }, (_, w) => writer(w));
      await new Promise((r) => setTimeout(r, 80 + Math.random() * 270));
      await srv.stop({ hard: true });
      stop = true;
      await Promise.all(writers);
      assert.equal(sql(srv.db, 'PRAGMA integrity_check'), 'ok', `integrity_check after kill ${round + 1}`);
    }
    const stored = new Set(sql(srv.db, `SELECT id FROM interaction WHERE party_id = ${party.id}`).split('\n').map(Number));
    const lost = [...acked].filter((id) => !stored.has(id));
    assert.ok(acked.size > ROUNDS * 3, `only ${acked.size} writes were acknowledged`);
    console.log(`# ${ROUNDS} kill -9 rounds, ${acked.size} acknowledged writes, all present`);
    assert.deepEqual(lost, [], `${lost.length} acknowledged writes lost`);
  } finally {
    if (srv.proc) await srv.stop({ hard: true });
    srv.cleanup();
  }
});
