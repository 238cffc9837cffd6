// openapi: the description at GET /api/v1/openapi.json is complete enough for
// a client generator. It names every route of the source's route tables and
// no other; every operation has an operationId, tags, its real success
// status(es) with a schema, its body, headers and error answers; PATCH bodies
// are their own schemas. The harness (harness.mjs) validates every answer of
// the API suite against it; the last tests show that check can fail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { Server, validateResponse } from './harness.mjs';

let srv, c, spec;
const ops = [];   // {method, path, op}

before(async () => {
  srv = await new Server().start();
  c = await srv.login();
  spec = (await c.get('/api/v1/openapi.json')).body;
  for (const [path, item] of Object.entries(spec.paths))
    for (const [method, op] of Object.entries(item)) ops.push({ method: method.toUpperCase(), path, op });
});
after(async () => { await srv.stop(); srv.cleanup(); });

const deref = (o) => {
  while (o && o.$ref) o = o.$ref.slice(2).split('/').reduce((x, k) => x[k.replaceAll('~1', '/').replaceAll('~0', '~')], spec);
  return o;
};

test('the description names exactly the routes of the route tables in src/api/ and the record registry', async () => {
  // Read from the source, not from the server: a route the generator skipped
  // would be missing from both the description and the server's own list.
  // The record types' routes are derived from the registry
  // (src/records/registry.c), read here from GET /api/v1/record-types, which
  // does not come from the route table.
  const fromSource = new Set();
  for (const sub of ['../../src/api/', '../../src/records/']) {
    const dir = new URL(sub, import.meta.url);
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.c'))) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      for (const m of text.matchAll(/\{"(GET|POST|PUT|PATCH|DELETE)", "(\/(?!\{)[^"]+)"/g)) fromSource.add(`${m[1]} ${m[2]}`);
    }
  }
  for (const t of (await c.get('/api/v1/record-types')).body.types) {
    if (t.flags.routes)
      for (const [method, suffix] of [['GET', ''], ['POST', ''], ['GET', '/{id}'], ['PATCH', '/{id}'], ['DELETE', '/{id}']])
        fromSource.add(`${method} /api/v1/${t.name}${suffix}`);
    if (t.flags.timeline && t.ownership === 'own' && t.type !== 'party') fromSource.add(`GET /api/v1/${t.name}/{id}/timeline`);
    if (t.flags.export) fromSource.add(`GET /api/v1/exports/${t.name}`);
  }
  const described = new Set(ops.map((o) => `${o.method} ${o.path}`));
  assert.ok(fromSource.size > 70, `found ${fromSource.size} routes in the source`);
  assert.deepEqual([...fromSource].filter((x) => !described.has(x)), [], 'routes missing from the description');
  assert.deepEqual([...described].filter((x) => !fromSource.has(x)), [], 'described operations no route table has');
});

test('every operation: a unique operationId, declared tags, a success answer with a schema, error answers', () => {
  const ids = new Set();
  const tags = new Set(spec.tags.map((t) => t.name));
  for (const { method, path, op } of ops) {
    const where = `${method} ${path}`;
    assert.match(op.operationId || '', /^[a-z][A-Za-z]+$/, where);
    assert.ok(!ids.has(op.operationId), `${where}: operationId ${op.operationId} is used twice`);
    ids.add(op.operationId);
    assert.ok(op.tags?.length && op.tags.every((t) => tags.has(t)), `${where}: tags`);
    assert.ok(op.summary && op.description, `${where}: summary and description`);
    // A redirect (a tracked link's 302) is that route's success.
    const ok = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s) || s === '302');
    assert.ok(ok.length, `${where}: no success status`);
    for (const s of ok) {
      const content = deref(op.responses[s]).content;
      if (s === '204' || s === '302') { assert.equal(content, undefined, `${where} ${s} has no body`); continue; }
      assert.ok(content && Object.values(content).every((m) => m.schema), `${where} ${s}: content with a schema`);
    }
    if (path.startsWith('/api/v1/')) {
      const errs = ['400', ...(op.security?.length === 0 ? [] : ['401', '403']), ...(path.includes('{') ? ['404'] : [])];
      for (const e of errs) {
        assert.ok(op.responses[e], `${where}: ${e} undeclared`);
        assert.deepEqual(deref(op.responses[e]).content['application/json'].schema, { $ref: '#/components/schemas/Error' }, `${where} ${e}`);
      }
    }
    for (const p of op.parameters || []) {
      const param = deref(p);
      assert.match(param.name, /^[A-Za-z][A-Za-z0-9_-]*$/, `${where}: parameter name ${param.name}`);
    }
  }
  assert.ok(ops.length >= 79, `${ops.length} operations`);
});

test('real success statuses: creates 201 with Location, deletes 204, jobs 202 with Location', () => {
  const op = (m, p) => ops.find((o) => o.method === m && o.path === p)?.op;
  const statuses = (o) => Object.keys(o.responses).filter((s) => /^2/.test(s)).sort().join(' ');
  for (const r of ['parties', 'links', 'interactions', 'transactions', 'products', 'notes', 'teams']) {
    const create = op('POST', `/api/v1/${r}`);
    assert.equal(statuses(create), '201', r);
    assert.ok(create.responses['201'].headers.Location && create.responses['201'].headers.ETag, `${r}: Location and ETag`);
    assert.equal(statuses(op('DELETE', `/api/v1/${r}/{id}`)), '204', r);
    assert.equal(statuses(op('GET', `/api/v1/${r}/{id}`)), '200', r);
    assert.ok(op('GET', `/api/v1/${r}/{id}`).responses['200'].headers.ETag, r);
    for (const [m, p, h] of [['POST', `/api/v1/${r}`, 'Idempotency-Key'], ['PATCH', `/api/v1/${r}/{id}`, 'If-Match'],
      ['DELETE', `/api/v1/${r}/{id}`, 'If-Match'], ['POST', `/api/v1/${r}`, 'X-CSRF-Token']])
      assert.ok(op(m, p).parameters.map(deref).some((x) => x.in === 'header' && x.name === h), `${m} ${p}: ${h}`);
    for (const s of ['409', '412', '428']) assert.ok(op('PATCH', `/api/v1/${r}/{id}`).responses[s], `PATCH ${r}: ${s}`);
  }
  for (const [m, p, s] of [['POST', '/api/v1/tokens', '201'], ['POST', '/api/v1/users', '201'], ['POST', '/api/v1/parties/{id}/shares', '201'],
    ['DELETE', '/api/v1/session', '204'], ['DELETE', '/api/v1/tokens/{id}', '204'], ['DELETE', '/api/v1/schedules/{name}', '204'],
    ['DELETE', '/api/v1/parties/{id}/shares/{share_id}', '204'], ['PUT', '/api/v1/schedules/{name}', '200 201'],
    ['POST', '/api/v1/imports', '202'], ['POST', '/api/v1/analytics/runs', '200 202']])
    assert.equal(statuses(op(m, p)), s, `${m} ${p}`);
  for (const p of ['/api/v1/imports', '/api/v1/analytics/runs'])
    assert.ok(op('POST', p).responses['202'].headers.Location, `${p}: Location`);
  assert.ok(op('POST', '/api/v1/session').responses['429'], 'login may answer 429');
});

test('every operation that takes a body declares it; PATCH bodies are their own schemas', () => {
  const bodiless = new Set(['POST /api/v1/imports/{id}/undo', 'POST /api/v1/imports/{id}/cancel', 'POST /api/v1/analytics/runs',
    'POST /api/v1/contact-plans/{id}/run', 'POST /api/v1/occasion-rules/{id}/run', 'POST /api/v1/campaigns/{id}/send']);
  for (const { method, path, op } of ops) {
    if (!['POST', 'PUT', 'PATCH'].includes(method) || bodiless.has(`${method} ${path}`)) continue;
    assert.ok(op.requestBody?.required, `${method} ${path}: no request body`);
    for (const m of Object.values(op.requestBody.content)) assert.ok(m.schema, `${method} ${path}: body schema`);
  }
  assert.ok(ops.find((o) => o.path === '/api/v1/imports' && o.method === 'POST').op.requestBody.content['text/csv']);
  const s = spec.components.schemas;
  for (const e of ['Party', 'Link', 'Interaction', 'Transaction', 'Product', 'Note', 'Team']) {
    const patch = s[`${e}Patch`], create = s[`${e}Create`], rec = s[e];
    const route = `/api/v1/${{ Party: 'parties' }[e] || e.toLowerCase() + 's'}`;
    const body = (m, p) => ops.find((o) => o.method === m && o.path === p).op.requestBody.content['application/json'].schema.$ref;
    assert.equal(body('PATCH', `${route}/{id}`), `#/components/schemas/${e}Patch`, `PATCH ${route}`);
    assert.equal(body('POST', route), `#/components/schemas/${e}Create`, `POST ${route}`);
    assert.equal(patch.required, undefined, `${e}Patch requires nothing`);
    assert.ok(patch.properties.version && !patch.properties.version.readOnly, `${e}Patch: version is writable`);
    assert.ok(!create.properties.version, `${e}Create: no version`);
    for (const [name, p] of Object.entries(patch.properties)) {
      if (name === 'version') continue;
      const required = (create.required || []).includes(name);
      // Clearing is allowed exactly for the fields a record may leave unset.
      assert.equal(!!(p.nullable), !required, `${e}Patch.${name}: nullable iff not required`);
      assert.equal(!!(rec.properties[name].nullable || rec.properties[name].$ref && !required), !required, `${e}.${name}`);
    }
  }
  assert.ok(!s.PartyPatch.properties.name.nullable && s.PartyPatch.properties.notes.nullable);
  assert.ok(s.Party.properties.id.readOnly && s.Party.properties.version.readOnly);
});

test('the list parameters: filters, sort, limit, after, count, custom[name] (deepObject)', async () => {
  const list = ops.find((o) => o.method === 'GET' && o.path === '/api/v1/interactions').op;
  const names = list.parameters.map(deref).map((p) => p.name);
  for (const p of ['limit', 'after', 'sort', 'count', 'count_limit', 'party_id', 'channel', 'due_at_from', 'created_at_to']) assert.ok(names.includes(p), p);
  const custom = ops.find((o) => o.method === 'GET' && o.path === '/api/v1/parties').op.parameters.find((p) => p.name === 'custom');
  assert.deepEqual([custom.in, custom.style, custom.explode, custom.schema.type], ['query', 'deepObject', true, 'object']);
  const p = await c.post('/api/v1/parties', { kind: 'person', name: 'Deep', custom: { region: 'North' } });
  assert.equal(p.status, 201);
  const r = await c.get('/api/v1/parties?custom%5Bregion%5D=North');
  assert.deepEqual(r.body.items.map((x) => x.id), [p.body.id]);
});

test('the answer check fails on an undeclared status, a wrong type, an unknown key or a missing one', async () => {
  const good = (await c.get('/api/v1/parties?limit=1')).text;
  const json = 'application/json';
  await validateResponse(srv.base, 'GET', '/api/v1/parties?limit=1', 200, json, good);
  const bad = [
    [299, good, /does not declare/],
    [200, JSON.stringify({ items: [{ id: 'one', version: 1, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' }], next: null }), /\/items\/0\/id must be integer/],
    [200, JSON.stringify({ items: [], next: null, surprise: 1 }), /surprise/],
    [200, JSON.stringify({ items: [] }), /must have required property 'next'/],
    [200, JSON.stringify({ items: [{ id: 1, version: 1, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', kind: 'robot' }], next: null }), /kind must be equal to one of the allowed values/],
    [404, JSON.stringify({ error: { message: 'x' } }), /does not declare/],
  ];
  for (const [status, text, why] of bad)
    await assert.rejects(validateResponse(srv.base, 'GET', '/api/v1/parties', status, json, text), why, `${status} ${text}`);
  await assert.rejects(validateResponse(srv.base, 'GET', '/api/v1/parties/1', 404, json, JSON.stringify({ error: { message: 'x' } })), /code/);
  await assert.rejects(validateResponse(srv.base, 'POST', '/api/v1/parties', 200, json, good), /does not declare/, 'a create answers 201');
  // A route the description does not know is the router's business, not checked.
  await validateResponse(srv.base, 'GET', '/api/v1/nothing-here', 404, json, '{}');
});

test('answers the rest of the suite does not reach through a Client are checked too', async () => {
  // Each request below is validated by the harness against the description.
  const anon = new (c.constructor)(srv.base);
  const login = await anon.post('/api/v1/session', { email: 'admin@test.local', password: 'correct horse battery staple' });
  assert.equal(login.status, 200);
  const a = (await c.post('/api/v1/parties', { kind: 'person', name: 'A' })).body;
  const b = (await c.post('/api/v1/parties', { kind: 'organization', name: 'B' })).body;
  const link = await c.post('/api/v1/links', { from_id: a.id, to_id: b.id, kind: 'works_at' });
  assert.equal(link.status, 201);
  assert.equal((await c.get(`/api/v1/links/${link.body.id}`)).status, 200);
  assert.equal((await c.patch(`/api/v1/links/${link.body.id}`, { title: 'CTO', version: 1 })).status, 200);
  assert.equal((await c.patch(`/api/v1/links/${link.body.id}`, { title: null }, { 'If-Match': '"2"' })).status, 200);
  assert.equal((await c.del(`/api/v1/links/${link.body.id}`)).status, 204);
  const t = await c.post('/api/v1/transactions', { party_id: a.id, occurred_at: '2026-01-02', amount: { amount: 100, currency: 'CNY' } });
  assert.equal(t.status, 201);
  assert.equal((await c.patch(`/api/v1/transactions/${t.body.id}`, { cost: null, description: 'x', version: 1 })).status, 200);
  const p = await c.post('/api/v1/products', { name: 'P', price: { amount: 5, currency: 'CNY' } });
  assert.equal((await c.get(`/api/v1/products/${p.body.id}`)).status, 200);
  assert.equal((await c.del(`/api/v1/products/${p.body.id}`)).status, 204);
});
