// Stored party documents (migration 007, src/api/party_docs.c): a party's
// JSON is kept in party_doc and sent as it is by GET /api/v1/parties/{id}.
// These tests hold it to the row: byte for byte what the columns give, fresh
// after every kind of write, cleared by a write from outside, never shown to
// a user who may not see every field, and filled in (or cleared when the
// fields change) at start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, sql, sqlExec, sqlRows, waitJob } from './harness.mjs';

const srv = new Server();
let c;
before(async () => { await srv.start(); c = await srv.tokenClient(); });
after(async () => { await srv.stop(); srv.cleanup(); });

// The stored document's exact text ('' when there is none).
const storedDoc = (id) => (sqlRows(srv.db, 'SELECT doc FROM party_doc WHERE party_id = ?', id)[0] || [''])[0];

/** The record as the columns give it: the stored document cleared first. */
async function fromColumns(id) {
  sqlExec(srv.db, `DELETE FROM party_doc WHERE party_id = ${id}`);
  assert.equal(storedDoc(id), '');
  return c.get(`/api/v1/parties/${id}`);
}

const full = {
  kind: 'organization', name: '上海 "Quote" \\ Trading 有限公司', roles: ['customer', 'supplier'],
  emails: ['buyer@example.cn'], phones: ['+86 21 5555 0101'], addresses: [{ line1: '1 Nanjing Rd', city: '上海' }],
  website: 'https://example.cn', industry: 'retail', source: 'referral', city: '上海', country: 'CN',
  needs: 'line one\nline two\ttab', tags: ['vip', '重点'], custom: { region: 'east', tier: 2 }, notes: 'slash / and "quotes"',
  importance: 'vip', relationship_level: 'partner',
};

test('the stored document is what the columns give, byte for byte', async () => {
  const p = await c.post('/api/v1/parties', full);
  assert.equal(p.status, 201, p.text);
  assert.notEqual(storedDoc(p.body.id), '', 'a new party has its document');
  const stored = await c.get(`/api/v1/parties/${p.body.id}`);
  assert.equal(stored.status, 200);
  const cols = await fromColumns(p.body.id);
  assert.equal(stored.text, cols.text);
  assert.equal(stored.headers.get('etag'), cols.headers.get('etag'));
  assert.deepEqual(stored.body, p.body);
});

test('every write of a party leaves a fresh document', async () => {
  const a = (await c.post('/api/v1/parties', { kind: 'person', name: 'Doc Target', city: 'Beijing' })).body;
  const b = (await c.post('/api/v1/parties', { kind: 'person', name: 'Doc Duplicate', emails: ['dup@example.com'], website: 'https://dup.example' })).body;
  const check = async (id, what) => {
    const doc = storedDoc(id);
    assert.notEqual(doc, '', `${what}: no stored document`);
    const served = await c.get(`/api/v1/parties/${id}`);
    assert.equal(served.text, doc, `${what}: GET does not send the stored document`);
    assert.equal(served.text, (await fromColumns(id)).text, `${what}: the stored document is not the row`);
    // put it back for the next step
    const again = await c.patch(`/api/v1/parties/${id}`, { notes: `${what} checked` }, { 'If-Match': `"${served.body.version}"` });
    assert.equal(again.status, 200, again.text);
    return again.body;
  };
  // PATCH
  const patched = await c.patch(`/api/v1/parties/${a.id}`, { city: 'Hangzhou', tags: ['new'] }, { 'If-Match': `"${a.version}"` });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(JSON.parse(storedDoc(a.id)).city, 'Hangzhou');
  await check(a.id, 'patch');
  // merge
  const m = await c.post(`/api/v1/parties/${a.id}/merge`, { duplicate_id: b.id });
  assert.equal(m.status, 200, m.text);
  assert.deepEqual(JSON.parse(storedDoc(a.id)).emails, ['dup@example.com']);
  assert.equal(storedDoc(b.id), '', 'the merged duplicate keeps no document');
  await check(a.id, 'merge');
  // transfer to another owner
  const u = await c.post('/api/v1/users', { email: 'doc-owner@test.local', name: 'Doc Owner', role: 'sales', password: 'a long enough password' });
  assert.equal(u.status, 201, u.text);
  const t = await c.post('/api/v1/transfers', { from_user_id: (await c.get(`/api/v1/parties/${a.id}`)).body.owner_id, to_user_id: u.body.id, party_ids: [a.id] });
  assert.equal(t.status, 200, t.text);
  assert.equal(JSON.parse(storedDoc(a.id)).owner_id, u.body.id);
  await check(a.id, 'transfer');
  // delete: gone for GET whatever is stored
  const cur = (await c.get(`/api/v1/parties/${a.id}`)).body;
  const d = await c.request('DELETE', `/api/v1/parties/${a.id}`, undefined, { 'If-Match': `"${cur.version}"` });
  assert.equal(d.status, 204, d.text);
  assert.equal((await c.get(`/api/v1/parties/${a.id}`)).status, 404);
});

test('a write from another process clears the document, and the next read shows the change', async () => {
  const p = (await c.post('/api/v1/parties', { kind: 'person', name: 'Outside Writer', city: 'Nanjing' })).body;
  assert.notEqual(storedDoc(p.id), '');
  sqlExec(srv.db, `UPDATE party SET city = 'Wuxi', version = version + 1 WHERE id = ${p.id}`);
  assert.equal(storedDoc(p.id), '', 'the trigger removed the stale document');
  const r = await c.get(`/api/v1/parties/${p.id}`);
  assert.equal(r.body.city, 'Wuxi');
  assert.equal(r.body.version, p.version + 1);
});

test('a user who may not see every field is never sent the stored document', async () => {
  const p = (await c.post('/api/v1/parties', { kind: 'person', name: 'Hidden Notes', notes: 'secret note' })).body;
  const put = await c.request('PUT', '/api/v1/field-permissions', { role: 'read_only', entity: 'parties', field: 'notes', access: 'hidden' });
  assert.equal(put.status, 200, put.text);
  addUser(srv.db, 'doc-reader@test.local', 'read_only');
  const ro = await srv.tokenClient('doc-reader@test.local', 'a long enough password');
  assert.notEqual(storedDoc(p.id), '');
  const r = await ro.get(`/api/v1/parties/${p.id}`);
  assert.equal(r.status, 200, r.text);
  assert.ok(!('notes' in r.body), 'hidden field sent');
  assert.ok(!r.text.includes('secret note'));
  assert.equal((await c.get(`/api/v1/parties/${p.id}`)).body.notes, 'secret note');
  await c.request('PUT', '/api/v1/field-permissions', { role: 'read_only', entity: 'parties', field: 'notes', access: 'read' });
});

test('an import leaves the documents to a pass that runs when it is done', async () => {
  const before = Number(((await c.get('/metrics')).text.match(/rapport_party_docs_filled_total (\d+)/) || [])[1]);
  let body = 'name,external_id,city\n';
  for (let i = 0; i < 300; i++) body += `Imported ${i},DOC-IMP-${i},Qingdao\n`;
  const r = await c.request('POST', '/api/v1/imports?kind=parties', body, { 'Content-Type': 'text/csv' });
  assert.equal(r.status, 202, r.text);
  const job = await waitJob(c, `/api/v1/imports/${r.body.id}`, { tries: 600, every: 100 });
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.result.created, 300);
  const deadline = Date.now() + 15000;
  let left;
  do {
    left = Number(sql(srv.db, "SELECT count(*) FROM party p WHERE external_id LIKE 'DOC-IMP-%' AND NOT EXISTS (SELECT 1 FROM party_doc d WHERE d.party_id = p.id)"));
    if (left) await new Promise((res) => setTimeout(res, 100));
  } while (left && Date.now() < deadline);
  assert.equal(left, 0, 'imported parties without a document');
  const after = Number(((await c.get('/metrics')).text.match(/rapport_party_docs_filled_total (\d+)/) || [])[1]);
  assert.ok(after - before >= 300, `the pass filled ${after - before}, not the import`);
  const id = Number(sql(srv.db, "SELECT id FROM party WHERE external_id = 'DOC-IMP-7'"));
  const stored = await c.get(`/api/v1/parties/${id}`);
  assert.equal(stored.body.name, 'Imported 7');
  assert.equal(stored.text, (await fromColumns(id)).text);
});

test('at start, missing documents are filled in, and stored ones of another field format are cleared first', async () => {
  const ids = [];
  for (let i = 0; i < 30; i++) ids.push((await c.post('/api/v1/parties', { kind: 'person', name: `Refill ${i}`, city: 'Xiamen' })).body.id);
  const want = (await c.get(`/api/v1/parties/${ids[0]}`)).text;
  await srv.stop();
  // Documents missing, and one stored under another format that no longer
  // matches the row (as if the party fields had changed since).
  sqlExec(srv.db, `DELETE FROM party_doc WHERE party_id IN (${ids.slice(1).join(',')})`);
  sqlExec(srv.db, `UPDATE party_doc SET doc = '{"stale":true}' WHERE party_id = ${ids[0]}`);
  sqlExec(srv.db, "UPDATE setting SET value = '0:old' WHERE key = 'party.doc_format'");
  await srv.start();
  c.base = srv.base;
  const deadline = Date.now() + 15000;
  let filling;
  do {
    filling = Number(((await c.get('/metrics')).text.match(/rapport_party_docs_filling (\d+)/) || [])[1]);
    if (filling) await new Promise((r) => setTimeout(r, 100));
  } while (filling && Date.now() < deadline);
  assert.equal(filling, 0, 'still filling in documents');
  const filled = Number(((await c.get('/metrics')).text.match(/rapport_party_docs_filled_total (\d+)/) || [])[1]);
  assert.ok(filled >= ids.length, `only ${filled} documents filled in`);
  assert.equal(sql(srv.db, "SELECT count(*) FROM party p WHERE deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM party_doc d WHERE d.party_id = p.id)"), '0');
  assert.notEqual(sql(srv.db, "SELECT value FROM setting WHERE key = 'party.doc_format'"), '0:old');
  assert.equal((await c.get(`/api/v1/parties/${ids[0]}`)).text, want);
  assert.equal(storedDoc(ids[0]), want);
  for (const id of ids.slice(1)) assert.equal(JSON.parse(storedDoc(id)).id, id);
});
