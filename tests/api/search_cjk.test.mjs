// search_cjk: Chinese search gives the same answers on every store (issue 22):
// the index holds single characters and the bigram starting at each (the
// SQLite tokenizer's terms; on PostgreSQL the same terms in a tsvector), so a
// two-character name finds itself and the longer names that hold it, a
// three-character name only itself, and a district inside a longer address
// word is found. The suite runs on SQLite (api) and on PostgreSQL (api-pg,
// scripts/pg-test.sh) with these same expected sets, so the stores agree.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from './harness.mjs';

let server, api;
const made = {};

before(async () => {
  server = await new Server().start();
  api = await server.login();
  const rows = [
    ['zw', { kind: 'person', name: '张伟' }],
    ['zwm', { kind: 'person', name: '张伟明' }],
    ['zs', { kind: 'person', name: '张三' }],
    ['lz', { kind: 'person', name: '李张伟' }],
    ['wz', { kind: 'person', name: '王伟' }],
    ['cy', { kind: 'organization', name: '阳光贸易', city: '北京市朝阳区' }],
    ['acme', { kind: 'organization', name: 'Acme 张伟 Trading' }],
  ];
  for (const [key, body] of rows) {
    const r = await api.post('/api/v1/parties', body);
    assert.equal(r.status, 201, r.text);
    made[key] = r.body.id;
  }
});
after(async () => { if (server) { await server.stop(); server.cleanup(); } });

async function found(q) {
  const r = await api.get('/api/v1/parties?limit=100&q=' + encodeURIComponent(q));
  assert.equal(r.status, 200, r.text);
  const names = Object.fromEntries(Object.entries(made).map(([k, id]) => [id, k]));
  return r.body.items.map((p) => names[p.id]).filter(Boolean).sort();
}

test('a two-character name finds itself and every name holding it', async () => {
  assert.deepEqual(await found('张伟'), ['acme', 'lz', 'zw', 'zwm']);
});

test('a three-character name finds only the names holding all three in order', async () => {
  assert.deepEqual(await found('张伟明'), ['zwm']);
  assert.deepEqual(await found('伟明'), ['zwm']);
});

test('one character finds every name with it', async () => {
  assert.deepEqual(await found('伟'), ['acme', 'lz', 'wz', 'zw', 'zwm']);
  assert.deepEqual(await found('三'), ['zs']);
});

test('a district inside a longer address word is found, and words combine', async () => {
  assert.deepEqual(await found('朝阳'), ['cy']);
  assert.deepEqual(await found('北京 阳光'), ['cy']);
  assert.deepEqual(await found('acme 张伟'), ['acme']);
  assert.deepEqual(await found('acm'), ['acme']);
  assert.deepEqual(await found('张伟 王'), []);
});

test('a rename moves the record in the index', async () => {
  const p = (await api.get(`/api/v1/parties/${made.zs}`)).body;
  const r = await api.patch(`/api/v1/parties/${made.zs}`, { name: '张伟强' }, { 'If-Match': `"${p.version}"` });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(await found('张伟'), ['acme', 'lz', 'zs', 'zw', 'zwm']);
  assert.deepEqual(await found('三'), []);
});
