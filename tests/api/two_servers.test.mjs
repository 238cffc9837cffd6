// two_servers: two `rapport serve` processes on one database behave as one
// (issue 22): a session made on one is valid on the other, an
// Idempotency-Key retried on the other gets the first answer, a write at a
// version the other already moved is refused, a disabled account is refused
// by the other at once, and a permission change reaches the other's cached
// permission tables through the event feed, and failed logins count
// together (the throttle's counts are rows). Runs on SQLite (two processes
// on one file) and on PostgreSQL (api-pg), where nothing may live only in
// one process's memory. Elsewhere across two servers: the scheduler queues
// an occurrence once (scheduler.test.mjs), the analytics store follows the
// other server's writes (events.test.mjs), a race of PATCHes has one winner
// (records.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, Client, addUser, assertError } from './harness.mjs';

let a, b, adminA;

before(async () => {
  a = await new Server().start();
  b = await new Server({ dir: a.dir }).start();
  adminA = await a.login();
});
after(async () => {
  for (const s of [b, a]) if (s) await s.stop();
  if (a) a.cleanup();
});

/** The same client (cookie, CSRF, token) talking to the other server. */
const on = (server, c) => new Client(server.base, { cookie: c.cookie, csrf: c.csrf, token: c.token, user: c.user });

test('a session and a token made on one server work on the other; logout on one ends both', async () => {
  const adminB = on(b, adminA);
  assert.equal((await adminB.get('/api/v1/parties?limit=1')).status, 200);
  const t = await adminA.post('/api/v1/tokens', { name: 'two' });
  assert.equal(t.status, 201);
  const tokenB = new Client(b.base, { token: t.body.token });
  assert.equal((await tokenB.get('/api/v1/parties?limit=1')).status, 200);
  const other = await b.login();
  assert.equal((await other.request('DELETE', '/api/v1/session')).status, 204);
  assert.equal((await on(a, other).get('/api/v1/parties?limit=1')).status, 401);
});

test('an Idempotency-Key retried on the other server gets the first answer and creates nothing', async () => {
  const body = { kind: 'person', name: '双服务器' };
  const first = await adminA.post('/api/v1/parties', body, { 'Idempotency-Key': 'two-1' });
  assert.equal(first.status, 201, first.text);
  const again = await on(b, adminA).post('/api/v1/parties', body, { 'Idempotency-Key': 'two-1' });
  assert.equal(again.status, 201);
  assert.equal(again.body.id, first.body.id);
  const list = await adminA.get('/api/v1/parties?limit=50&q=' + encodeURIComponent('双服务器'));
  assert.equal(list.body.items.length, 1);
});

test('a change at a version the other server already moved is refused', async () => {
  const p = (await adminA.post('/api/v1/parties', { kind: 'person', name: '版本' })).body;
  const onA = await adminA.patch(`/api/v1/parties/${p.id}`, { city: '上海' }, { 'If-Match': `"${p.version}"` });
  assert.equal(onA.status, 200, onA.text);
  const onB = await on(b, adminA).patch(`/api/v1/parties/${p.id}`, { city: '北京' }, { 'If-Match': `"${p.version}"` });
  assert.equal(onB.status, 412);
  assert.equal((await on(b, adminA).get(`/api/v1/parties/${p.id}`)).body.city, '上海');
});

test('a permission change and a disabled account made through one server apply on the other', async () => {
  const u = await adminA.post('/api/v1/users', { email: 'mk2@two.test', name: 'M', role: 'marketing', password: 'a long enough password' });
  assert.equal(u.status, 201, u.text);
  const mk = await b.tokenClient('mk2@two.test', 'a long enough password');
  assert.equal((await mk.get('/api/v1/products')).status, 200);
  const r = await adminA.request('PUT', '/api/v1/permissions', { changes: [{ role: 'marketing', entity: 'products', action: 'read', scope: 'none' }] });
  assert.equal(r.status, 200, r.text);
  // The other server hears of it through the event feed (polled every 200 ms).
  let status;
  for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
    status = (await mk.get('/api/v1/products')).status;
    if (status === 403) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(status, 403, 'the permission change reached the other server');
  const cur = (await adminA.get(`/api/v1/users/${u.body.id}`)).body;
  const d = await adminA.patch(`/api/v1/users/${u.body.id}`, { disabled: true }, { 'If-Match': `"${cur.version}"` });
  assert.equal(d.status, 200, d.text);
  assert.equal((await mk.get('/api/v1/parties?limit=1')).status, 401);
});

test('failed logins on two servers count together: five in turn throttle the account on both', async () => {
  addUser(a.db, 'thr2@two.test', 'sales', 'the right password');
  const anonA = new Client(a.base), anonB = new Client(b.base);
  // Alternately: each server alone saw fewer than five failures.
  for (let i = 0; i < 5; i++) {
    const r = await (i % 2 ? anonB : anonA).post('/api/v1/session', { email: 'thr2@two.test', password: 'wrong ' + i });
    assertError(r, 401, 'invalid_credentials');
  }
  for (const anon of [anonA, anonB]) {
    const r = await anon.post('/api/v1/session', { email: 'thr2@two.test', password: 'the right password' });
    assertError(r, 429, 'too_many_attempts');
    assert.ok(Number(r.headers.get('retry-after')) > 0);
  }
});
