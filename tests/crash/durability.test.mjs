// Durability: every write acknowledged with 2xx survives kill -9 of the
// server, in many rounds killed at random moments during concurrent writes.
// Rounds: CRASH_ROUNDS (default 10 in `make check`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, sql } from '../api/harness.mjs';

const ROUNDS = Number(process.env.CRASH_ROUNDS || 10);

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
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 400));
      await srv.stop({ hard: true });
      stop = true;
      await Promise.all(writers);
      assert.equal(sql(srv.db, 'PRAGMA integrity_check'), 'ok');
    }
    const stored = new Set(sql(srv.db, `SELECT id FROM interaction WHERE party_id = ${party.id}`).split('\n').map(Number));
    const lost = [...acked].filter((id) => !stored.has(id));
    assert.ok(acked.size > ROUNDS * 10, `only ${acked.size} writes were acknowledged`);
    assert.deepEqual(lost, [], `${lost.length} acknowledged writes lost`);
  } finally {
    if (srv.proc) await srv.stop({ hard: true });
    srv.cleanup();
  }
});
