// aggregates: GET /api/v1/aggregates/parties (issue 15 item 12) — the
// dashboard's counts from the server in one answer: each equals the list's
// count=true for the same filter and the same user (admin: everything; a
// sales user with read scope own: only theirs), a deleted party is not
// counted, and a field hidden from the role is left out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from './harness.mjs';

let server, admin;

before(async () => {
  server = await new Server({ demo: 80 }).start();
  admin = await server.login();
});
after(async () => { if (server) { await server.stop(); server.cleanup(); } });

async function listCount(client, query) {
  const r = await client.get('/api/v1/parties?count=true&count_limit=100000&limit=1&' + new URLSearchParams(query));
  assert.equal(r.status, 200, r.text);
  return r.body.count;
}

async function checkAgainstList(client) {
  const r = await client.get('/api/v1/aggregates/parties');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.total, await listCount(client, {}));
  for (const [field, groups] of Object.entries(r.body.by)) {
    for (const [value, n] of Object.entries(groups)) {
      assert.equal(n, await listCount(client, { [field]: value }), `${field}=${value}`);
    }
  }
  return r.body;
}

test('every count equals the list\'s count for the same filter', async () => {
  const body = await checkAgainstList(admin);
  assert.ok(body.total >= 80, JSON.stringify(body));
  assert.ok(Object.keys(body.by.roles).length >= 2);
  assert.ok(Object.keys(body.by.city).length <= 10);
  // A deleted party is not counted.
  const p = await admin.post('/api/v1/parties', { kind: 'person', name: 'Gone Soon', roles: ['customer'], importance: 'vip' });
  assert.equal(p.status, 201);
  const mid = (await admin.get('/api/v1/aggregates/parties')).body;
  assert.equal(mid.total, body.total + 1);
  assert.equal(mid.by.importance.vip, (body.by.importance.vip || 0) + 1);
  assert.equal((await admin.del('/api/v1/parties/' + p.body.id, { 'If-Match': '"1"' })).status, 204);
  const after_ = (await admin.get('/api/v1/aggregates/parties')).body;
  assert.deepEqual(after_, body);
});

test('a sales user counts only their scope, without hidden fields', async () => {
  const u = await admin.post('/api/v1/users', { email: 'agg@example.com', name: 'Agg', role: 'sales', password: 'correct horse battery 9' });
  assert.equal(u.status, 201, u.text);
  assert.equal((await admin.request('PUT', '/api/v1/permissions', { role: 'sales', entity: 'parties', action: 'read', scope: 'own' })).status, 200);
  const sales = await server.login('agg@example.com', 'correct horse battery 9');
  for (const name of ['Mine A', 'Mine B']) assert.equal((await sales.post('/api/v1/parties', { kind: 'person', name, roles: ['prospect'], city: '杭州' })).status, 201);
  const body = await checkAgainstList(sales);
  assert.equal(body.total, 2);
  assert.deepEqual(body.by.roles, { prospect: 2 });
  assert.deepEqual(body.by.city, { '杭州': 2 });
  assert.equal((await admin.request('PUT', '/api/v1/field-permissions', { role: 'sales', entity: 'parties', field: 'city', access: 'hidden' })).status, 200);
  const hidden = (await sales.get('/api/v1/aggregates/parties')).body;
  assert.equal(hidden.by.city, undefined);
  assert.equal(hidden.total, 2);
});
