// phone_search: any contiguous run of at least four digits of a stored
// phone number finds it, however either is spaced (issue 15 item 10);
// Chinese names are found as before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from './harness.mjs';

let server, api, lin, other;

before(async () => {
  server = await new Server({ demo: 30 }).start();
  api = await server.login();
  lin = (await api.post('/api/v1/parties', { kind: 'person', name: '林艳', phones: ['164 7794 9102'] })).body;
  other = (await api.post('/api/v1/parties', { kind: 'person', name: '王芳', phones: ['+86 138-0013-8000'], external_id: 'INV-20261130' })).body;
});
after(async () => { if (server) { await server.stop(); server.cleanup(); } });

async function ids(q) {
  const r = await api.get('/api/v1/parties?limit=50&q=' + encodeURIComponent(q));
  assert.equal(r.status, 200, r.text);
  return r.body.items.map((p) => p.id);
}

test('every run of four or more digits finds the number, however spaced', async () => {
  for (const q of ['16477949102', '164 7794 9102', '164-7794-9102', '+86 164 7794 9102', '7794', '9102', '7794 9102', '77949102',
    '4779', '47794', '6477 9491', '1647']) {
    assert.ok((await ids(q)).includes(lin.id), q);
  }
  for (const q of ['13800138000', '0013 8000', '00138000', '3800']) assert.ok((await ids(q)).includes(other.id), q);
});

test('other digits do not match, and Chinese search is unchanged', async () => {
  for (const q of ['7795', '49101', '77949103']) assert.ok(!(await ids(q)).includes(lin.id), q);
  assert.ok((await ids('林艳')).includes(lin.id));
  assert.ok(!(await ids('林艳')).includes(other.id));
  assert.ok((await ids('王芳')).includes(other.id));
  assert.ok((await ids('INV-20261130')).includes(other.id));
});
