// The event feed: every committed change of a record appends one event in
// its own transaction (type, id, action, changed fields, actor); a refused
// change appends none; GET /api/v1/events pages through them (admin only);
// and a server's analytics store follows the feed, so it hears of a
// transaction another server wrote on the same database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError } from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const daysAgo = (d) => new Date(Date.now() - d * 86400e3).toISOString().slice(0, 19) + 'Z';

test('every committed record change is an event; a refused one is none', async () => {
  const srv = await new Server().start();
  try {
    addUser(srv.db, 'ops@test.local', 'manager');
    const admin = await srv.login();
    const start = (await admin.get('/api/v1/events?limit=1000')).body.next;
    const p = await admin.post('/api/v1/parties', { kind: 'person', name: '王芳 Wang Fang', city: '北京' });
    assert.equal(p.status, 201, p.text);
    const u = await admin.patch(`/api/v1/parties/${p.body.id}`, { city: '上海', version: p.body.version });
    assert.equal(u.status, 200, u.text);
    assertError(await admin.patch(`/api/v1/parties/${p.body.id}`, { city: 'x'.repeat(5000), version: u.body.version }), 422);
    assertError(await admin.patch(`/api/v1/parties/${p.body.id}`, { city: '广州', version: 1 }), 409);
    const t = await admin.post('/api/v1/transactions', { party_id: p.body.id, occurred_at: daysAgo(1), amount: { amount: 5000, currency: 'CNY' } });
    assert.equal(t.status, 201, t.text);
    assert.equal((await admin.del(`/api/v1/transactions/${t.body.id}`)).status, 204);

    const r = await admin.get(`/api/v1/events?after=${start}`);
    assert.equal(r.status, 200, r.text);
    const got = r.body.items.map((e) => [e.type, e.record_id, e.action]);
    assert.deepEqual(got, [
      ['party', p.body.id, 'create'], ['party', p.body.id, 'update'],
      ['transaction', t.body.id, 'create'], ['transaction', t.body.id, 'delete'],
    ], JSON.stringify(r.body.items));
    const [created, updated, tc] = r.body.items;
    assert.ok(created.fields.includes('name') && created.fields.includes('city'), JSON.stringify(created));
    assert.deepEqual(updated.fields, ['city']);
    assert.equal(updated.actor, `user:${admin.user.id}`);
    assert.equal(tc.party_id, p.body.id);
    assert.ok(r.body.items.every((e, i, a) => i === 0 || e.id > a[i - 1].id));
    assert.equal(r.body.next, r.body.items.at(-1).id);
    // Paging: after the last one there is nothing; type filters.
    assert.deepEqual((await admin.get(`/api/v1/events?after=${r.body.next}`)).body.items, []);
    const parties = (await admin.get(`/api/v1/events?after=${start}&type=party`)).body.items;
    assert.deepEqual(parties.map((e) => e.action), ['create', 'update']);
    assertError(await admin.get('/api/v1/events?after=-1'), 400, 'invalid_parameter', 'after');
    assertError(await admin.get('/api/v1/events?limit=0'), 400, 'invalid_parameter', 'limit');
    const manager = await srv.login('ops@test.local', 'a long enough password');
    assertError(await manager.get('/api/v1/events'), 403, 'forbidden');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('a server hears through the feed of a transaction another server wrote', async () => {
  const env = { RAPPORT_EVENT_POLL_MS: '50' };
  const a = await new Server({ env }).start();
  const b = await new Server({ dir: a.dir, env }).start();
  try {
    const onA = await a.login();
    const onB = await b.login();
    const p = (await onA.post('/api/v1/parties', { kind: 'person', name: '李静 Li Jing' })).body;
    for (const d of [200, 100]) {
      const t = await onA.post('/api/v1/transactions', { party_id: p.id, occurred_at: daysAgo(d), amount: { amount: 10000, currency: 'CNY' } });
      assert.equal(t.status, 201, t.text);
    }
    // B's store was loaded at its start, before these: it has them only if
    // it followed A's events. A run on B computes from B's store.
    let scores;
    for (let i = 0; i < 40; i++) {
      const run = await onB.post('/api/v1/analytics/runs?wait=true', {});
      assert.equal(run.status, 200, run.text);
      scores = (await onB.get(`/api/v1/parties/${p.id}/scores`)).body;
      if (scores.summary && scores.summary.transactions === 2) break;
      await sleep(100);
    }
    assert.equal(scores.summary?.transactions, 2, JSON.stringify(scores));
    assert.equal(scores.summary.revenue, 20000);
    // And the other way round, a delete on B reaches A's store.
    const list = (await onB.get(`/api/v1/transactions?party_id=${p.id}`)).body.items;
    assert.equal((await onB.del(`/api/v1/transactions/${list[0].id}`)).status, 204);
    for (let i = 0; i < 40; i++) {
      await onA.post('/api/v1/analytics/runs?wait=true', {});
      scores = (await onA.get(`/api/v1/parties/${p.id}/scores`)).body;
      if (scores.summary.transactions === 1) break;
      await sleep(100);
    }
    assert.equal(scores.summary.transactions, 1, JSON.stringify(scores.summary));
  } finally { await b.stop(); await a.stop(); a.cleanup(); }
});
