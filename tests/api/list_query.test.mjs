// The list query language: one builder for GET /api/v1/<r> and
// GET /api/v1/exports/<r>. An export with the score filters (tier=,
// lifecycle=, clv_min= …) returns exactly the list's records; hidden fields
// are refused as filters by both; custom-field filters (custom.name=value)
// with bound values and validated names; the total count (count=true) with
// its cap (count_limit, count_capped).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError, addUser, sql } from './harness.mjs';

const srv = new Server({ demo: 300 });
let c;
const custom = {};   // name → id of the parties made with custom fields

before(async () => {
  await srv.start();
  addUser(srv.db, 'mkt@test.local', 'marketing');
  addUser(srv.db, 'sales@test.local', 'sales');
  c = await srv.tokenClient();
  const r = await c.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(r.status, 200, r.text);
  const mk = async (name, fields) => {
    const p = await c.post('/api/v1/parties', { kind: 'person', name, ...fields });
    assert.equal(p.status, 201, p.text);
    custom[name] = p.body.id;
  };
  await mk('cf east text', { custom: { region: 'East', level: 3, vip: true } });
  await mk('cf east two', { custom: { region: 'East', level: '3', vip: 'true' } });
  await mk('cf west', { custom: { region: 'West', level: 3.0, vip: false, ratio: 2.5 } });
  await mk('cf injection', { custom: { region: "' OR '1'='1", level: 1, vip: 1 } });
  await mk('cf nested', { custom: { region: { name: 'East' }, level: [3] } });
  await mk('cf empty', {});
});
after(async () => { await srv.stop(); srv.cleanup(); });

/** The ids a list query returns, following every page. */
async function listIds(client, query) {
  const ids = [];
  let next = null;
  for (;;) {
    const r = await client.get(`/api/v1/parties?${query ? `${query}&` : ''}limit=500${next ? `&after=${encodeURIComponent(next)}` : ''}`);
    assert.equal(r.status, 200, `${query}: ${r.text}`);
    ids.push(...r.body.items.map((p) => p.id));
    if (!r.body.next) return ids.sort((a, b) => a - b);
    next = r.body.next;
  }
}

/** The ids an export with the same query returns (JSON Lines, id order). */
async function exportIds(client, query) {
  const r = await client.get(`/api/v1/exports/parties?format=jsonl&${query}`);
  assert.equal(r.status, 200, `${query}: ${r.text}`);
  const ids = r.text.split('\n').filter(Boolean).map((l) => JSON.parse(l).id);
  assert.equal(r.headers.get('x-record-count'), String(ids.length));
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'export is in id order');
  return ids;
}

test('exports accept the score filters and return exactly the list\'s records', async () => {
  const s = (await c.get('/api/v1/analytics/summary')).body;
  const tiers = Object.keys(s.counts.tier), stages = Object.keys(s.counts.lifecycle);
  assert.ok(tiers.length >= 2 && stages.length >= 2, JSON.stringify(s.counts));
  const clvCut = Number(sql(srv.db, 'SELECT clv FROM score WHERE clv IS NOT NULL ORDER BY clv DESC LIMIT 1 OFFSET 30'));
  const queries = [
    ...tiers.map((t) => `tier=${t}`),
    ...stages.map((l) => `lifecycle=${l}`),
    `clv_min=${clvCut}`, `clv_max=${clvCut}`, 'p_alive_min=0.5',
    `tier=${tiers[0]}&lifecycle=${stages[0]}`, `tier=${tiers[1]}&kind=person`, `clv_min=${clvCut}&roles=customer`,
    `rfm_segment=${Object.keys(s.counts.rfm_segment)[0]}`, `priority=${encodeURIComponent(Object.keys(s.counts.priority)[0])}`,
  ];
  const mkt = await srv.tokenClient('mkt@test.local', 'a long enough password');
  let nonEmpty = 0;
  for (const q of queries) {
    const list = await listIds(c, q);
    assert.deepEqual(await exportIds(c, q), list, q);
    // Marketing may not see costs: the tier and CLV filters, figures
    // computed from them, are refused by both (issue 14).
    const hidden = /(^|&)(tier|clv_min|clv_max)=/.exec(q);
    if (hidden) {
      assertError(await mkt.get(`/api/v1/parties?${q}`), 400, 'forbidden_field', hidden[2]);
      assertError(await mkt.get(`/api/v1/exports/parties?format=csv&${q}`), 400, 'forbidden_field', hidden[2]);
    } else {
      assert.deepEqual(await exportIds(mkt, q), await listIds(mkt, q), `marketing: ${q}`);
    }
    if (list.length) nonEmpty++;
  }
  assert.ok(nonEmpty >= queries.length - 2, 'the filters select records');
  // The filter really narrows: a tier's export is that tier's count, not everything.
  const [t0] = tiers;
  assert.equal((await exportIds(c, `tier=${t0}`)).length, s.counts.tier[t0]);
  assert.ok(s.counts.tier[t0] < Number(sql(srv.db, 'SELECT count(*) FROM party WHERE deleted_at IS NULL')));
  // Bad score filter values are refused by both, naming the parameter.
  for (const base of ['/api/v1/parties?', '/api/v1/exports/parties?format=csv&']) {
    assertError(await c.get(`${base}clv_min=lots`), 400, 'invalid_parameter', 'clv_min');
    assertError(await c.get(`${base}p_alive_min=`), 400, 'invalid_parameter', 'p_alive_min');
    assertError(await c.get(`${base}colour=red`), 400, 'unknown_parameter', 'colour');
  }
  // Paging and sort parameters do not change an export.
  assert.deepEqual(await exportIds(c, `tier=${t0}&limit=1&sort=-name&count=true`), await listIds(c, `tier=${t0}`));
});

test('a hidden field is refused as a filter by the list and the export alike', async () => {
  let r = await c.request('PUT', '/api/v1/field-permissions', { role: 'marketing', entity: 'parties', field: 'city', access: 'hidden' });
  assert.equal(r.status, 200, r.text);
  r = await c.request('PUT', '/api/v1/field-permissions', { role: 'marketing', entity: 'parties', field: 'custom', access: 'hidden' });
  assert.equal(r.status, 200, r.text);
  const mkt = await srv.tokenClient('mkt@test.local', 'a long enough password');
  try {
    for (const base of ['/api/v1/parties?', '/api/v1/exports/parties?format=jsonl&']) {
      assertError(await mkt.get(`${base}city=北京`), 400, 'forbidden_field', 'city');
      assertError(await mkt.get(`${base}lifecycle=stability&city=Shanghai`), 400, 'forbidden_field', 'city');
      assertError(await mkt.get(`${base}custom.region=East`), 400, 'forbidden_field', 'custom.region');
      // The admin may still filter by them.
      assert.equal((await c.get(`${base}city=北京`)).status, 200);
    }
    const rows = (await mkt.get('/api/v1/exports/parties?format=jsonl&p_alive_min=0')).text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.ok(rows.length > 0 && rows.every((p) => !('city' in p) && !('custom' in p)), 'hidden fields are left out of the export');
  } finally {
    for (const field of ['city', 'custom'])
      await c.request('PUT', '/api/v1/field-permissions', { role: 'marketing', entity: 'parties', field, access: 'write' });
  }
});

test('custom-field filters: exact match on a text, number or boolean value', async () => {
  const ids = (...names) => names.map((n) => custom[n]).sort((a, b) => a - b);
  const cases = [
    ['custom.region=East', ids('cf east text', 'cf east two')],
    ['custom.region=east', []],                                        // exact, case-sensitive
    ['custom.region=Eas', []],                                         // not a prefix
    ['custom.region=West', ids('cf west')],
    ['custom.level=3', ids('cf east text', 'cf east two', 'cf west')], // 3, "3", 3.0
    ['custom.level=3.0', ids('cf east text', 'cf west')],              // the number 3; the text "3" is not "3.0"
    ['custom.ratio=2.5', ids('cf west')],
    ['custom.vip=true', ids('cf east text', 'cf east two')],           // true and "true", not 1
    ['custom.vip=false', ids('cf west')],
    ['custom.vip=1', ids('cf injection')],                             // the number 1, not true
    ['custom.nothing=East', []],
    ['custom.region=East&custom.level=3&custom.vip=true', ids('cf east text', 'cf east two')],
    ['custom.region=East&q=two', ids('cf east two')],
    ['custom.region=East&kind=organization', []],
  ];
  for (const [q, want] of cases) {
    assert.deepEqual(await listIds(c, q), want, q);
    assert.deepEqual(await exportIds(c, q), want, `export ${q}`);
    // The OpenAPI deepObject spelling a client generator sends: custom[region]=East.
    const deep = q.replace(/custom\.(\w+)=/g, (_, k) => `custom%5B${k}%5D=`);
    assert.deepEqual(await listIds(c, deep), want, deep);
    assert.deepEqual(await exportIds(c, deep), want, `export ${deep}`);
  }
  assertError(await c.get('/api/v1/parties?custom%5Bre%20gion%5D=East'), 400, 'invalid_parameter', 'custom.re gion');
  // Key names: letters, digits and _ only, 1–64 of them; the error names the parameter.
  const long = 'k'.repeat(64);
  assert.deepEqual(await listIds(c, `custom.${long}=x`), []);
  const badKeys = ['', 'a.b', 'reg ion', 'region\'', "region') OR 1=1 --", 'region"', 'a[0]', '$', '*', 'région', '地区',
    'k'.repeat(65), 'region;DROP TABLE party', '%00'];
  for (const k of badKeys) {
    const name = `custom.${k}`;
    for (const base of ['/api/v1/parties?', '/api/v1/exports/parties?format=csv&']) {
      const r = await c.get(`${base}${encodeURIComponent(name).replace('%2E', '.')}=East`);
      assertError(r, 400, 'invalid_parameter');
      assert.equal(r.body.error.field, name.slice(0, 63), `${base}${name}`);
    }
  }
  for (const base of ['/api/v1/parties?', '/api/v1/exports/parties?format=csv&']) {
    assertError(await c.get(`${base}custom=East`), 400, 'unknown_parameter', 'custom');
    assertError(await c.get(`${base}customs.region=East`), 400, 'unknown_parameter', 'customs.region');
    assertError(await c.get(`${base}name.first=x`), 400, 'unknown_parameter', 'name.first');
    assertError(await c.get(`${base}custom.region=${encodeURIComponent('\xff')}%ff`), 400, 'invalid_parameter', 'custom.region');
  }
  assertError(await c.get('/api/v1/transactions?custom.region=East'), 400, 'unknown_parameter', 'custom.region');
});

test('custom-field filters: SQL injection in the name and the value is inert', async () => {
  const before = sql(srv.db, 'SELECT count(*), max(version), sum(length(custom)) FROM party');
  const values = ["' OR '1'='1", "East' OR 1=1 --", '") OR 1=1 --', "' UNION SELECT password_hash FROM app_user --",
    "East'; DROP TABLE party; --", '%', '_', '\\', 'NULL', '$.region', '{"$ne": null}'];
  for (const v of values) {
    const q = `custom.region=${encodeURIComponent(v)}`;
    const want = v === "' OR '1'='1" ? [custom['cf injection']] : [];
    const r = await c.get(`/api/v1/parties?${q}&count=true`);
    assert.equal(r.status, 200, `${v}: ${r.text}`);
    assert.deepEqual(r.body.items.map((p) => p.id), want, v);
    assert.equal(r.body.count, want.length, v);
    assert.ok(!/\$argon2/.test(r.text));
    assert.deepEqual(await exportIds(c, q), want, `export ${v}`);
  }
  for (const k of ["region'--", 'region) OR 1=1 --', "x'),json_extract(custom,'$", 'a/*', 'region--']) {
    assertError(await c.get(`/api/v1/parties?custom.${encodeURIComponent(k)}=1`), 400, 'invalid_parameter', `custom.${k}`);
  }
  assert.equal(sql(srv.db, 'SELECT count(*), max(version), sum(length(custom)) FROM party'), before, 'nothing changed');
});

test('count=true: the number of matches within the caller\'s scope, capped by count_limit', async () => {
  const queries = ['', 'kind=person', 'tier=gold', 'custom.region=East', 'q=cf', 'roles=customer&kind=organization', 'clv_min=0'];
  for (const q of queries) {
    const all = await listIds(c, q);
    const r = await c.get(`/api/v1/parties?${q ? `${q}&` : ''}count=true&limit=2`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.count, all.length, q);
    assert.equal(r.body.count_capped, false, q);
    assert.equal(r.body.items.length, Math.min(2, all.length));
    if (r.body.next) {
      // The count is of the whole query, not of what follows the cursor.
      const r2 = await c.get(`/api/v1/parties?${q ? `${q}&` : ''}count=true&limit=2&after=${encodeURIComponent(r.body.next)}`);
      assert.equal(r2.body.count, all.length, `${q} page 2`);
    }
  }
  // Without count=true the answer is as before: no count.
  const plain = await c.get('/api/v1/parties?limit=1');
  assert.deepEqual(Object.keys(plain.body).sort(), ['items', 'next']);
  assert.deepEqual(Object.keys((await c.get('/api/v1/parties?limit=1&count=false')).body).sort(), ['items', 'next']);
  // The cap.
  const total = Number(sql(srv.db, 'SELECT count(*) FROM party WHERE deleted_at IS NULL'));
  let r = await c.get('/api/v1/parties?count=true&count_limit=25&limit=1');
  assert.equal(r.body.count, 25);
  assert.equal(r.body.count_capped, true);
  r = await c.get(`/api/v1/parties?count=true&count_limit=${total}&limit=1`);
  assert.deepEqual([r.body.count, r.body.count_capped], [total, false]);
  r = await c.get(`/api/v1/parties?count=true&count_limit=${total - 1}&limit=1`);
  assert.deepEqual([r.body.count, r.body.count_capped], [total - 1, true]);
  r = await c.get('/api/v1/parties?count=true&limit=1');
  assert.deepEqual([r.body.count, r.body.count_capped], [total, false], 'default cap 10000 is above 300');
  // Within the caller's scope: a sales user counts what they may read.
  const s = await srv.tokenClient('sales@test.local', 'a long enough password');
  for (const name of ['mine one', 'mine two', 'mine three']) assert.equal((await s.post('/api/v1/parties', { kind: 'person', name })).status, 201);
  const mine = await listIds(s, '');
  r = await s.get('/api/v1/parties?count=true');
  assert.equal(r.body.count, mine.length);
  assert.ok(mine.length >= 3 && mine.length < total, `${mine.length} of ${total}`);
  assert.equal((await s.get('/api/v1/parties?count=true&q=mine')).body.count, 3);
  // Other resources count too.
  r = await c.get('/api/v1/transactions?count=true&limit=1');
  assert.equal(r.body.count, Math.min(10000, Number(sql(srv.db, 'SELECT count(*) FROM txn'))));
  // Bad values.
  assertError(await c.get('/api/v1/parties?count=yes'), 400, 'invalid_parameter', 'count');
  for (const v of ['0', '100001', 'x', '', '-1']) assertError(await c.get(`/api/v1/parties?count=true&count_limit=${v}`), 400, 'invalid_parameter', 'count_limit');
});

test('the OpenAPI description lists the list and export query parameters', async () => {
  const spec = (await c.get('/api/v1/openapi.json')).body;
  const names = (op) => (op.parameters || []).map((p) => p.name);
  const list = names(spec.paths['/api/v1/parties'].get);
  for (const p of ['limit', 'after', 'sort', 'count', 'count_limit', 'q', 'kind', 'tags', 'tier', 'lifecycle', 'clv_min', 'custom', 'created_at_from', 'updated_at_to'])
    assert.ok(list.includes(p), `list: ${p} in ${list}`);
  const exp = names(spec.paths['/api/v1/exports/parties'].get);
  for (const p of ['q', 'tier', 'lifecycle', 'clv_min', 'custom']) assert.ok(exp.includes(p), `export: ${p}`);
  for (const p of ['limit', 'after', 'sort', 'count']) assert.ok(!exp.includes(p), `export: no ${p}`);
  assert.ok(!names(spec.paths['/api/v1/transactions'].get).includes('custom'));
  // custom is an object parameter a generator sends as custom[name]=value (deepObject).
  const custom = spec.paths['/api/v1/parties'].get.parameters.find((p) => p.name === 'custom');
  assert.equal(custom.style, 'deepObject');
  assert.equal(custom.schema.type, 'object');
  // Every parameter the description names is one the list accepts.
  for (const p of spec.paths['/api/v1/parties'].get.parameters) {
    if (p.name === 'custom' || p.name === 'after' || p.name === 'sort') continue;
    const v = { limit: '5', count: 'true', count_limit: '5', q: 'x' }[p.name] ?? (p.schema.enum ? p.schema.enum[0] :
      p.schema.type === 'integer' ? '1' : p.schema.type === 'number' ? '0.5' : p.schema.type === 'boolean' ? 'true' :
      p.schema.format === 'date-time' ? '2025-01-01T00:00:00Z' : p.schema.format === 'date' ? '2025-01-01' : 'x');
    const r = await c.get(`/api/v1/parties?${p.name}=${encodeURIComponent(v)}`);
    assert.equal(r.status, 200, `${p.name}=${v}: ${r.text}`);
  }
});
