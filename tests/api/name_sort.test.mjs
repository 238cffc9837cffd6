// Names sort in pinyin order (ICU "zh", stored as party.name_key by
// migration 005): GET /parties?sort=name and sort=-name page through Chinese
// and Latin names with the keyset cursor, equal names kept apart by id;
// renaming a party (PATCH, an import that updates) moves it; the key never
// shows in an answer; a bad cursor is a 400 naming `after`.
//
// The expected order, reasoned: CLDR's zh collation orders Han characters by
// pinyin — 阿 ā < 艾 ài < 安 ān < 李 lǐ < 王 wáng < 张 zhāng < 赵 zhào, and
// 张伟 before 张伟明 (a prefix first) — and reorders the Han script before
// Latin, so every Chinese name comes before the Latin ones. Latin letters
// compare without case first (Alice < bob < Zoe); case only breaks a tie,
// lower case first (bob < Bob). Byte (code-point) order would instead give
// Alice Bob Zoe bob 安娜 张伟 … 阿明.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError, sqlExec, waitJob, ON_POSTGRES } from './harness.mjs';

const srv = new Server();
let c;
const ids = {};          // label → id
// In insertion order; labels tell equal names apart.
const people = [
  ['张伟', '张伟'], ['李娜', '李娜'], ['王芳1', '王芳'], ['阿明', '阿明'], ['赵强', '赵强'],
  ['Alice1', 'Alice'], ['bob', 'bob'], ['Zoe', 'Zoe'], ['安娜', '安娜'], ['王芳2', '王芳'],
  ['Bob', 'Bob'], ['张伟明', '张伟明'], ['Alice2', 'Alice'], ['王芳3', '王芳'],
];
// Ascending by (key, id): equal names in creation order.
const ascending = ['阿明', '安娜', '李娜', '王芳1', '王芳2', '王芳3', '张伟', '张伟明', '赵强',
                   'Alice1', 'Alice2', 'bob', 'Bob', 'Zoe'];

before(async () => {
  await srv.start();
  c = await srv.tokenClient();
  for (const [label, name] of people) {
    const r = await c.post('/api/v1/parties', { kind: 'person', name });
    assert.equal(r.status, 201, r.text);
    ids[label] = r.body.id;
  }
});
after(async () => { await srv.stop(); srv.cleanup(); });

/** Follows every page of a list; returns the labels in order and the page count. */
async function pages(query) {
  const byId = Object.fromEntries(Object.entries(ids).map(([l, id]) => [id, l]));
  const out = [];
  let next = null, n = 0;
  do {
    const r = await c.get(`/api/v1/parties?${query}${next ? `&after=${encodeURIComponent(next)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    for (const p of r.body.items) {
      assert.equal(p.name_key, undefined, 'the sort key is not part of the record');
      out.push(byId[p.id] ?? `#${p.id}`);
    }
    next = r.body.next;
    assert.ok(++n < 100, 'the cursor must advance');
  } while (next);
  return { labels: out, pages: n };
}

test('sort=name is pinyin order, Latin after Han, equal names by id, on every page size', async () => {
  for (const limit of [1, 2, 3, 5, 50]) {
    const r = await pages(`sort=name&limit=${limit}`);
    assert.deepEqual(r.labels, ascending, `limit=${limit}`);
    assert.equal(r.pages, Math.ceil(ascending.length / limit), `limit=${limit}`);
  }
});

test('sort=-name is the exact reverse, across pages', async () => {
  for (const limit of [1, 2, 4]) {
    const r = await pages(`sort=-name&limit=${limit}`);
    assert.deepEqual(r.labels, [...ascending].reverse(), `limit=${limit}`);
  }
});

test('a cursor ending inside a run of equal names continues with the next id', async () => {
  // First page ends at 王芳1; 王芳2 and 王芳3 (equal name) must follow it.
  const first = await c.get('/api/v1/parties?sort=name&limit=4');
  assert.deepEqual(first.body.items.map((p) => p.id), ['阿明', '安娜', '李娜', '王芳1'].map((l) => ids[l]));
  const rest = await c.get(`/api/v1/parties?sort=name&limit=3&after=${encodeURIComponent(first.body.next)}`);
  assert.deepEqual(rest.body.items.map((p) => p.id), ['王芳2', '王芳3', '张伟'].map((l) => ids[l]));
});

test('PATCHing a name moves the party; an import that renames moves it too', async () => {
  // 赵强 (zhào) → 艾伦 (ài): between 阿明 (ā) and 安娜 (ān).
  let r = await c.patch(`/api/v1/parties/${ids['赵强']}`, { name: '艾伦' }, { 'If-Match': '"1"' });
  assert.equal(r.status, 200, r.text);
  let want = ['阿明', '赵强', '安娜', '李娜', '王芳1', '王芳2', '王芳3', '张伟', '张伟明', 'Alice1', 'Alice2', 'bob', 'Bob', 'Zoe'];
  assert.deepEqual((await pages('sort=name&limit=3')).labels, want);
  assert.deepEqual((await pages('sort=-name&limit=3')).labels, [...want].reverse());

  // Zoe → 周 (zhōu): from the end of the list to after 张伟明 (zhāng < zhōu).
  r = await c.patch(`/api/v1/parties/${ids.Zoe}`, { name: '周', external_id: 'ZOE-1' }, { 'If-Match': '"1"' });
  assert.equal(r.status, 200, r.text);
  want = ['阿明', '赵强', '安娜', '李娜', '王芳1', '王芳2', '王芳3', '张伟', '张伟明', 'Zoe', 'Alice1', 'Alice2', 'bob', 'Bob'];
  assert.deepEqual((await pages('sort=name&limit=4')).labels, want);

  // The import path (its own SQL, not the record engine): 周 back to Zoe by external id,
  // and a new party 白雪 (bái: after 安 ān, before 李 lǐ).
  r = await c.request('POST', '/api/v1/imports?kind=parties&on_duplicate=update',
    'name,external_id\nZoe,ZOE-1\n白雪,BX-1\n', { 'Content-Type': 'text/csv' });
  assert.equal(r.status, 202, r.text);
  const job = await waitJob(c, `/api/v1/imports/${r.body.id}`, { tries: 600, every: 50 });
  assert.equal(job.status, 'done', JSON.stringify(job));
  const list = await c.get('/api/v1/parties?external_id=BX-1');
  ids['白雪'] = list.body.items[0].id;
  want = ['阿明', '赵强', '安娜', '白雪', '李娜', '王芳1', '王芳2', '王芳3', '张伟', '张伟明', 'Alice1', 'Alice2', 'bob', 'Bob', 'Zoe'];
  assert.deepEqual((await pages('sort=name&limit=2')).labels, want);
  assert.deepEqual((await pages('sort=-name&limit=5')).labels, [...want].reverse());
});

test('a deleted party leaves the order; bad cursors and sort keys are 400 naming the parameter', async () => {
  assert.equal((await c.del(`/api/v1/parties/${ids['李娜']}`)).status, 204);
  const r = await pages('sort=name&limit=3');
  assert.ok(!r.labels.includes('李娜'));
  assert.deepEqual(r.labels.slice(0, 5), ['阿明', '赵强', '安娜', '白雪', '王芳1']);
  assertError(await c.get('/api/v1/parties?sort=name&after=not-a-cursor'), 400, 'invalid_parameter', 'after');
  assertError(await c.get('/api/v1/parties?sort=name_key'), 400, 'invalid_parameter', 'sort');
});

test('a cursor holding the longest name (200 CJK characters) pages on', async () => {
  const long = '张'.repeat(199);
  for (const tail of ['一', '二', '三']) {
    const r = await c.post('/api/v1/parties', { kind: 'person', name: long + tail });
    assert.equal(r.status, 201, r.text);
    ids[`long${tail}`] = r.body.id;
  }
  // The last character decides: 二 èr < 三 sān < 一 yī. The second one
  // places them all after 张伟明 (张 zhāng > 伟 wěi) and before the Latin names.
  const want = ['阿明', '赵强', '安娜', '白雪', '王芳1', '王芳2', '王芳3', '张伟', '张伟明',
                'long二', 'long三', 'long一', 'Alice1', 'Alice2', 'bob', 'Bob', 'Zoe'];
  assert.deepEqual((await pages('sort=name&limit=1')).labels, want);
  assert.deepEqual((await pages('sort=-name&limit=1')).labels, [...want].reverse());
});

test('the record engine writes the key itself (create, PATCH, import), without the triggers', async () => {
  // The triggers only fill in for statements that leave the key out; with
  // them gone, every path of the server must still write it.
  sqlExec(srv.db, ON_POSTGRES ? 'DROP TRIGGER party_name_key ON party'   // PostgreSQL's one BEFORE trigger (migration 005)
    : 'DROP TRIGGER party_name_key_insert; DROP TRIGGER party_name_key_update;');
  let r = await c.post('/api/v1/parties', { kind: 'person', name: 'Abe' });          // Abe < Alice
  assert.equal(r.status, 201, r.text);
  ids.Abe = r.body.id;
  r = await c.patch(`/api/v1/parties/${ids['张伟']}`, { name: '包拯' }, { 'If-Match': '"1"' });   // bāo: after 安 ān
  assert.equal(r.status, 200, r.text);
  r = await c.request('POST', '/api/v1/imports?kind=parties&on_duplicate=update',
    'name,external_id\n曹操,BX-1\n', { 'Content-Type': 'text/csv' });             // 白雪 → 曹操 (cáo): after 包 bāo
  assert.equal(r.status, 202, r.text);
  const job = await waitJob(c, `/api/v1/imports/${r.body.id}`, { tries: 600, every: 50 });
  assert.equal(job.status, 'done', JSON.stringify(job));
  const want = ['阿明', '赵强', '安娜', '张伟', '白雪', '王芳1', '王芳2', '王芳3', '张伟明',
                'long二', 'long三', 'long一', 'Abe', 'Alice1', 'Alice2', 'bob', 'Bob', 'Zoe'];
  assert.deepEqual((await pages('sort=name&limit=4')).labels, want);
});
