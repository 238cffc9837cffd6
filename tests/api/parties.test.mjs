// Parties: create / get / update / delete, validation that names the field
// and changes nothing, optimistic concurrency, idempotency keys, keyset
// pagination, filters, Chinese and phone search, timeline and merge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError, sql } from './harness.mjs';

const srv = new Server();
let c;
before(async () => { await srv.start(); c = await srv.tokenClient(); });
after(async () => { await srv.stop(); srv.cleanup(); });

const count = (table) => Number(sql(srv.db, `SELECT count(*) FROM ${table}`));

test('create, get, update and delete a party', async () => {
  const r = await c.post('/api/v1/parties', {
    kind: 'person', name: '王小明', emails: ['Wang.XM@Example.com'], phones: ['+86 139 1234 5678'],
    roles: ['customer'], city: '上海', importance: 'vip', relationship_level: 'partner',
    addresses: [{ label: 'home', line1: '南京路 1 号', city: '上海', country: 'CN' }],
    custom: { wechat_id: 'wxm88' }, birthday: '1988-02-29', tags: ['展会'],
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('location'), `/api/v1/parties/${r.body.id}`);
  assert.equal(r.headers.get('etag'), '"1"');
  assert.deepEqual(r.body.emails, ['wang.xm@example.com']);
  assert.equal(r.body.version, 1);
  assert.match(r.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(r.body.owner_id, c.user.id);
  const id = r.body.id;

  const g = await c.get(`/api/v1/parties/${id}`);
  assert.equal(g.status, 200);
  assert.equal(g.body.name, '王小明');
  assert.deepEqual(g.body.custom, { wechat_id: 'wxm88' });

  const u = await c.patch(`/api/v1/parties/${id}`, { name: '王晓明', city: null }, { 'If-Match': '"1"' });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.body.name, '王晓明');
  assert.equal(u.body.city, null);
  assert.equal(u.body.version, 2);
  assert.equal(u.body.importance, 'vip', 'fields not in the patch stay');

  assert.equal((await c.del(`/api/v1/parties/${id}`)).status, 204);
  assertError(await c.get(`/api/v1/parties/${id}`), 404, 'not_found', 'id');
  assertError(await c.del(`/api/v1/parties/${id}`), 404, 'not_found');
});

test('bad input is refused with the field named and nothing changes', async () => {
  const before = count('party'), audits = count('audit');
  const cases = [
    [{ kind: 'person' }, 422, 'required', 'name'],
    [{ name: 'No kind' }, 422, 'required', 'kind'],
    [{ kind: 'robot', name: 'X' }, 422, 'invalid_value', 'kind'],
    [{ kind: 'person', name: 42 }, 422, 'invalid_type', 'name'],
    [{ kind: 'person', name: '' }, 422, 'required', 'name'],
    [{ kind: 'person', name: 'X', emails: ['not-an-email'] }, 422, 'invalid_email', 'emails'],
    [{ kind: 'person', name: 'X', emails: 'a@b.cn' }, 422, 'invalid_type', 'emails'],
    [{ kind: 'person', name: 'X', phones: ['call me maybe'] }, 422, 'invalid_phone', 'phones'],
    [{ kind: 'person', name: 'X', birthday: '2023-02-30' }, 422, 'invalid_date', 'birthday'],
    [{ kind: 'person', name: 'X', birthday: '1066-10-14' }, 422, 'invalid_date', 'birthday'],
    [{ kind: 'person', name: 'X', shoe_size: 42 }, 422, 'unknown_field', 'shoe_size'],
    [{ kind: 'person', name: 'X', id: 5 }, 422, 'read_only', 'id'],
    [{ kind: 'person', name: 'X', roles: ['customer', 'alien'] }, 422, 'invalid_value', 'roles'],
    [{ kind: 'person', name: 'X', owner_id: 999999 }, 422, 'invalid_reference', 'owner_id'],
    [{ kind: 'person', name: 'X'.repeat(201) }, 422, 'too_long', 'name'],
    [{ kind: 'person', name: 'X', addresses: [{ planet: 'Mars' }] }, 422, 'unknown_field', 'addresses'],
    [{ kind: 'person', name: 'ctrl\u0001char' }, 422, 'invalid_value', 'name'],
  ];
  for (const [body, status, code, field] of cases) assertError(await c.post('/api/v1/parties', body), status, code, field);
  assertError(await c.post('/api/v1/parties', '{"kind": "person", "name": '), 400, 'invalid_json');
  assertError(await c.post('/api/v1/parties', '[1,2]'), 400, 'invalid_json');
  assertError(await c.post('/api/v1/parties', '{"kind":"person","name":"a","name":"b"}'), 400, 'invalid_json');
  assertError(await c.post('/api/v1/parties', Buffer.from('{"kind":"person","name":"\xff\xfe"}', 'latin1')), 400, 'invalid_json');
  assertError(await c.post('/api/v1/parties', 'kind=person', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
  assertError(await c.post('/api/v1/parties', JSON.stringify({ kind: 'person', name: 'big', notes: 'x'.repeat(1100000) })), 413, 'payload_too_large');
  assertError(await c.get('/api/v1/parties/abc'), 404, 'not_found', 'id');
  assertError(await c.get('/api/v1/parties/99999999'), 404, 'not_found', 'id');
  assertError(await c.get('/api/v1/nothing-here'), 404, 'no_route');
  assert.equal(count('party'), before, 'no party was written');
  assert.equal(count('audit'), audits, 'no audit row was written');
});

test('updates need the version; a stale version gets 412 (If-Match) or 409 (body)', async () => {
  const p = (await c.post('/api/v1/parties', { kind: 'organization', name: 'Versioned Ltd' })).body;
  assertError(await c.patch(`/api/v1/parties/${p.id}`, { city: 'Leeds' }), 428, 'precondition_required', 'version');
  const ok = await c.patch(`/api/v1/parties/${p.id}`, { city: 'Leeds', version: 1 });
  assert.equal(ok.status, 200);
  assertError(await c.patch(`/api/v1/parties/${p.id}`, { city: 'York' }, { 'If-Match': '"1"' }), 412, 'version_conflict');
  assertError(await c.patch(`/api/v1/parties/${p.id}`, { city: 'York', version: 1 }), 409, 'version_conflict');
  assert.equal((await c.get(`/api/v1/parties/${p.id}`)).body.city, 'Leeds', 'the stale write changed nothing');
  assertError(await c.patch(`/api/v1/parties/${p.id}`, { kind: null, version: 2 }), 422, 'required', 'kind');
});

test('two users editing the same record concurrently: exactly one wins, no lost update', async () => {
  const p = (await c.post('/api/v1/parties', { kind: 'person', name: 'Contested' })).body;
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    c.patch(`/api/v1/parties/${p.id}`, { notes: `writer ${i}` }, { 'If-Match': '"1"' })));
  assert.equal(results.filter((r) => r.status === 200).length, 1);
  assert.equal(results.filter((r) => r.status === 412).length, 7);
  const final = (await c.get(`/api/v1/parties/${p.id}`)).body;
  assert.equal(final.version, 2);
});

test('Idempotency-Key: a retried create returns the first answer and creates nothing new', async () => {
  const before = count('party');
  const body = { kind: 'person', name: 'Retry Me' };
  const a = await c.post('/api/v1/parties', body, { 'Idempotency-Key': 'k-123' });
  const b = await c.post('/api/v1/parties', body, { 'Idempotency-Key': 'k-123' });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.equal(b.body.id, a.body.id);
  assert.equal(count('party'), before + 1);
  assertError(await c.post('/api/v1/parties', { kind: 'person', name: 'Other' }, { 'Idempotency-Key': 'k-123' }), 422, 'idempotency_key_reused');
});

test('keyset pagination visits every party once, in every sort order', async () => {
  for (let i = 0; i < 23; i++) await c.post('/api/v1/parties', { kind: 'person', name: `Page ${String(i).padStart(2, '0')}`, tags: ['paging'] });
  for (const sort of ['id', '-id', 'name', '-name', '-updated_at']) {
    const seen = [];
    let next = null, pages = 0;
    do {
      const r = await c.get(`/api/v1/parties?tags=paging&limit=5&sort=${sort}` + (next ? `&after=${next}` : ''));
      assert.equal(r.status, 200, r.text);
      seen.push(...r.body.items.map((p) => p.name));
      next = r.body.next;
      pages++;
    } while (next && pages < 20);
    assert.equal(seen.length, 23, sort);
    assert.equal(new Set(seen).size, 23, sort);
    if (sort === 'name') assert.deepEqual(seen, [...seen].sort());
    if (sort === '-name') assert.deepEqual(seen, [...seen].sort().reverse());
  }
  assertError(await c.get('/api/v1/parties?sort=notes'), 400, 'invalid_parameter', 'sort');
  assertError(await c.get('/api/v1/parties?limit=0'), 400, 'invalid_parameter', 'limit');
  assertError(await c.get('/api/v1/parties?after=garbage!'), 400, 'invalid_parameter', 'after');
  assertError(await c.get('/api/v1/parties?colour=red'), 400, 'unknown_parameter', 'colour');
});

test('filters come from an allow-list and are bound, not spliced', async () => {
  await c.post('/api/v1/parties', { kind: 'organization', name: 'Filter Co', roles: ['supplier'], industry: 'Steel' });
  const r = await c.get('/api/v1/parties?role=supplier&kind=organization');
  assert.equal(r.status, 400, 'role is not the field name');
  const s = await c.get('/api/v1/parties?roles=supplier&kind=organization&industry=Steel');
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.body.items.map((p) => p.name), ['Filter Co']);
  const inj = await c.get(`/api/v1/parties?industry=${encodeURIComponent("Steel' OR '1'='1")}`);
  assert.equal(inj.status, 200);
  assert.equal(inj.body.items.length, 0);
  const inj2 = await c.get(`/api/v1/parties?q=${encodeURIComponent('") OR 1=1 --')}`);
  assert.ok([200, 400].includes(inj2.status));
  if (inj2.status === 200) assert.equal(inj2.body.items.length, 0);
});

test('search finds Chinese names by two characters, and phones typed any way', async () => {
  const zw = (await c.post('/api/v1/parties', { kind: 'person', name: '张伟' })).body;
  const zwm = (await c.post('/api/v1/parties', { kind: 'person', name: '张伟明', phones: ['+86 138 0013 8000'] })).body;
  await c.post('/api/v1/parties', { kind: 'person', name: '李伟' });
  const names = async (q) => (await c.get('/api/v1/parties?q=' + encodeURIComponent(q))).body.items.map((p) => p.id);
  const two = await names('张伟');
  assert.ok(two.includes(zw.id) && two.includes(zwm.id));
  assert.deepEqual(await names('张伟明'), [zwm.id]);
  for (const phone of ['13800138000', '138 0013 8000', '+86 138-0013-8000', '008613800138000'])
    assert.deepEqual(await names(phone), [zwm.id], phone);
  const e = (await c.post('/api/v1/parties', { kind: 'person', name: 'Grace Hopper', emails: ['grace@navy.example'] })).body;
  assert.deepEqual(await names('grace@navy.example'), [e.id]);
  assert.ok((await names('hopp')).includes(e.id), 'prefix match on words');
});

test('timeline shows interactions, transactions, notes and changes, newest first, paginated', async () => {
  const p = (await c.post('/api/v1/parties', { kind: 'person', name: 'Timeline Person', roles: ['customer'] })).body;
  await c.post('/api/v1/interactions', { party_id: p.id, channel: 'call', subject: 'First call', occurred_at: '2025-01-01T10:00:00Z' });
  await c.post('/api/v1/transactions', { party_id: p.id, occurred_at: '2025-02-01T10:00:00+08:00', amount: { amount: 12345, currency: 'CNY' } });
  await c.post('/api/v1/notes', { party_id: p.id, body: 'Likes green tea' });
  await c.patch(`/api/v1/parties/${p.id}`, { city: 'Suzhou', version: 1 });
  const t = await c.get(`/api/v1/parties/${p.id}/timeline?limit=100`);
  assert.equal(t.status, 200, t.text);
  const types = t.body.items.map((e) => e.type);
  for (const ty of ['interaction', 'transaction', 'note', 'change']) assert.ok(types.includes(ty), ty);
  const ats = t.body.items.map((e) => e.at);
  assert.deepEqual(ats, [...ats].sort().reverse(), 'newest first');
  const change = t.body.items.find((e) => e.type === 'change' && e.item.action === 'update');
  assert.deepEqual(change.item.changes.city, [null, 'Suzhou']);
  const tx = t.body.items.find((e) => e.type === 'transaction');
  assert.equal(tx.item.occurred_at, '2025-02-01T02:00:00Z', 'times are stored in UTC');
  const all = [];
  let next = null;
  do {
    const page = await c.get(`/api/v1/parties/${p.id}/timeline?limit=2` + (next ? `&before=${encodeURIComponent(next)}` : ''));
    all.push(...page.body.items);
    next = page.body.next;
  } while (next);
  assert.equal(all.length, t.body.items.length);
  assertError(await c.get('/api/v1/parties/987654/timeline'), 404, 'not_found');
});

test('merge moves every record of the duplicate and keeps its history', async () => {
  const a = (await c.post('/api/v1/parties', { kind: 'person', name: '刘洋', emails: ['liu@a.cn'], tags: ['vip'] })).body;
  const b = (await c.post('/api/v1/parties', { kind: 'person', name: '刘洋 (dup)', emails: ['liu@b.cn'], phones: ['13912345678'], city: '成都', tags: ['expo'] })).body;
  await c.post('/api/v1/interactions', { party_id: b.id, channel: 'wechat', subject: 'via dup' });
  await c.post('/api/v1/transactions', { party_id: b.id, occurred_at: '2025-03-01T00:00:00Z', amount: { amount: 500, currency: 'CNY' } });
  const org = (await c.post('/api/v1/parties', { kind: 'organization', name: 'Merge Org' })).body;
  await c.post('/api/v1/links', { from_id: b.id, to_id: org.id, kind: 'works_at', decision_role: 'buyer' });
  const m = await c.post(`/api/v1/parties/${a.id}/merge`, { duplicate_id: b.id });
  assert.equal(m.status, 200, m.text);
  assert.deepEqual(m.body.emails.sort(), ['liu@a.cn', 'liu@b.cn']);
  assert.deepEqual(m.body.tags.sort(), ['expo', 'vip']);
  assert.equal(m.body.city, '成都');
  assert.equal(m.body.name, '刘洋', 'the survivor keeps its own values');
  assertError(await c.get(`/api/v1/parties/${b.id}`), 404);
  const ints = await c.get(`/api/v1/interactions?party_id=${a.id}`);
  assert.equal(ints.body.items.length, 1);
  const links = await c.get(`/api/v1/links?from_id=${a.id}`);
  assert.equal(links.body.items.length, 1);
  const tl = await c.get(`/api/v1/parties/${a.id}/timeline?limit=200`);
  assert.ok(tl.body.items.some((e) => e.type === 'change' && e.item.entity_id === b.id && e.item.action === 'create'), 'the duplicate\'s history is in the timeline');
  assert.deepEqual((await c.get('/api/v1/parties?q=13912345678')).body.items.map((p) => p.id), [a.id]);
  assertError(await c.post(`/api/v1/parties/${a.id}/merge`, { duplicate_id: a.id }), 422, 'invalid_value', 'duplicate_id');
  assertError(await c.post(`/api/v1/parties/${a.id}/merge`, { duplicate_id: b.id }), 422, 'invalid_reference', 'duplicate_id');
});
