// Links, interactions, transactions, products and notes: their own rules on
// top of the shared record engine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError } from './harness.mjs';

const srv = new Server();
let c, person, org;
before(async () => {
  await srv.start();
  c = await srv.tokenClient();
  person = (await c.post('/api/v1/parties', { kind: 'person', name: '陈静', roles: ['customer'] })).body;
  org = (await c.post('/api/v1/parties', { kind: 'organization', name: '上海华信科技有限公司', roles: ['customer'] })).body;
});
after(async () => { await srv.stop(); srv.cleanup(); });

test('links: decision units and referrals, with their rules', async () => {
  const l = await c.post('/api/v1/links', { from_id: person.id, to_id: org.id, kind: 'works_at', decision_role: 'decision_maker', title: '采购总监' });
  assert.equal(l.status, 201, l.text);
  assertError(await c.post('/api/v1/links', { from_id: person.id, to_id: person.id, kind: 'knows' }), 422, 'invalid_value', 'to_id');
  assertError(await c.post('/api/v1/links', { from_id: person.id, to_id: org.id, kind: 'family', decision_role: 'buyer' }), 422, 'invalid_value', 'decision_role');
  assertError(await c.post('/api/v1/links', { from_id: person.id, to_id: 424242, kind: 'knows' }), 422, 'invalid_reference', 'to_id');
  assertError(await c.post('/api/v1/links', { from_id: person.id, to_id: org.id, kind: 'enemy_of' }), 422, 'invalid_value', 'kind');
  const list = await c.get(`/api/v1/links?to_id=${org.id}&decision_role=decision_maker`);
  assert.equal(list.body.items.length, 1);
});

test('interactions: done ones get a time, planned ones need a due time and are tasks', async () => {
  const done = await c.post('/api/v1/interactions', { party_id: person.id, channel: 'visit', direction: 'outbound', subject: '拜访', response: '很满意' });
  assert.equal(done.status, 201, done.text);
  assert.equal(done.body.status, 'done');
  assert.match(done.body.occurred_at, /Z$/);
  assert.equal(done.body.user_id, c.user.id);
  assertError(await c.post('/api/v1/interactions', { party_id: person.id, channel: 'call', status: 'planned' }), 422, 'required', 'due_at');
  const planned = await c.post('/api/v1/interactions', { party_id: person.id, channel: 'call', status: 'planned', due_at: '2030-01-02T03:04:05Z', cost: { amount: 1500, currency: 'CNY' } });
  assert.equal(planned.status, 201);
  assert.equal(planned.body.occurred_at, null);
  const tasks = await c.get('/api/v1/interactions?status=planned&due_at_to=2030-12-31T00:00:00Z');
  assert.deepEqual(tasks.body.items.map((i) => i.id), [planned.body.id]);
  assertError(await c.post('/api/v1/interactions', { party_id: person.id, channel: 'pigeon' }), 422, 'invalid_value', 'channel');
  assertError(await c.post('/api/v1/interactions', { party_id: person.id, channel: 'call', due_at: 'tomorrow' }), 422, 'invalid_time', 'due_at');
  assertError(await c.post('/api/v1/interactions', { channel: 'call' }), 422, 'required', 'party_id');
});

test('transactions: money in minor units with a currency, competitors, line items', async () => {
  const comp = (await c.post('/api/v1/parties', { kind: 'organization', name: 'Rival Corp', roles: ['competitor'] })).body;
  const t = await c.post('/api/v1/transactions', {
    party_id: org.id, occurred_at: '2026-03-01T09:00:00Z', amount: { amount: 1299900, currency: 'CNY' },
    cost: { amount: 800000, currency: 'CNY' }, external_id: 'INV-1',
    items: [{ sku: 'RP-ERP', name: 'ERP', quantity: 1, unit_price: { amount: 1299900, currency: 'CNY' } }],
  });
  assert.equal(t.status, 201, t.text);
  assert.deepEqual(t.body.amount, { amount: 1299900, currency: 'CNY' });
  const lost = await c.post('/api/v1/transactions', { party_id: org.id, occurred_at: '2026-04-01T09:00:00Z', amount: { amount: 50000, currency: 'CNY' }, competitor_id: comp.id });
  assert.equal(lost.status, 201);
  assert.equal((await c.get(`/api/v1/transactions?competitor_id=${comp.id}`)).body.items.length, 1);
  const refund = await c.post('/api/v1/transactions', { party_id: org.id, occurred_at: '2026-03-02T09:00:00Z', amount: { amount: -1299900, currency: 'CNY' }, description: 'cancellation of INV-1' });
  assert.equal(refund.status, 201);
  assertError(await c.post('/api/v1/transactions', { party_id: org.id, occurred_at: '2026-03-01T09:00:00Z', amount: 12.5 }), 422, 'invalid_type', 'amount');
  assertError(await c.post('/api/v1/transactions', { party_id: org.id, occurred_at: '2026-03-01T09:00:00Z', amount: { amount: 12.5, currency: 'CNY' } }), 422, 'invalid_type', 'amount');
  assertError(await c.post('/api/v1/transactions', { party_id: org.id, occurred_at: '2026-03-01T09:00:00Z', amount: { amount: 1, currency: 'yuan' } }), 422, 'invalid_currency', 'amount');
  assertError(await c.post('/api/v1/transactions', { party_id: org.id, occurred_at: '2026-03-01T09:00:00Z', amount: { amount: 1, currency: 'CNY' }, cost: { amount: 1, currency: 'USD' } }), 422, 'invalid_currency', 'cost');
  assertError(await c.post('/api/v1/transactions', { party_id: org.id, occurred_at: '2026-03-01T09:00:00Z', amount: { amount: 1, currency: 'CNY' }, external_id: 'INV-1' }), 409, 'conflict', 'external_id');
  assertError(await c.post('/api/v1/transactions', { party_id: org.id, occurred_at: '2301-01-01T00:00:00Z', amount: { amount: 1, currency: 'CNY' } }), 422, 'invalid_time', 'occurred_at');
  const sorted = await c.get(`/api/v1/transactions?party_id=${org.id}&sort=occurred_at`);
  const times = sorted.body.items.map((x) => x.occurred_at);
  assert.deepEqual(times, [...times].sort());
});

test('products: unique SKU, active by default, filters', async () => {
  const p = await c.post('/api/v1/products', { sku: 'TEA-1', name: '西湖龙井', price: { amount: 48800, currency: 'CNY' } });
  assert.equal(p.status, 201);
  assert.equal(p.body.active, true);
  assertError(await c.post('/api/v1/products', { sku: 'TEA-1', name: 'dup' }), 409, 'conflict', 'sku');
  const off = await c.patch(`/api/v1/products/${p.body.id}`, { active: false, version: 1 });
  assert.equal(off.body.active, false);
  assert.equal((await c.get('/api/v1/products?active=false')).body.items.length, 1);
  assertError(await c.get('/api/v1/products?active=maybe'), 400, 'invalid_parameter', 'active');
});

test('notes: authored by the caller, cannot move to another party', async () => {
  const n = await c.post('/api/v1/notes', { party_id: person.id, body: '喜欢喝龙井 <script>alert(1)</script>' });
  assert.equal(n.status, 201);
  assert.equal(n.body.user_id, c.user.id);
  assert.equal(n.body.body, '喜欢喝龙井 <script>alert(1)</script>', 'stored and returned as inert JSON text');
  assertError(await c.post('/api/v1/notes', { party_id: person.id, body: 'x', user_id: 1 }), 422, 'read_only', 'user_id');
  assertError(await c.patch(`/api/v1/notes/${n.body.id}`, { party_id: org.id, version: 1 }), 422, 'read_only', 'party_id');
  assert.equal((await c.patch(`/api/v1/notes/${n.body.id}`, { body: 'edited', version: 1 })).status, 200);
  assert.equal((await c.del(`/api/v1/notes/${n.body.id}`, { 'If-Match': '"1"' })).status, 412);
  assert.equal((await c.del(`/api/v1/notes/${n.body.id}`, { 'If-Match': '"2"' })).status, 204);
});

test('the version check holds under a race: of 20 PATCHes of one version sent at once to two servers on one database, exactly one wins', async () => {
  const a = await new Server().start();
  const b = await new Server({ dir: a.dir }).start();
  try {
    const ca = await a.login(), cb = await b.login();
    const p = (await ca.post('/api/v1/parties', { kind: 'person', name: '赵敏' })).body;
    const tries = Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? cb : ca).patch(`/api/v1/parties/${p.id}`, { city: `城市${i}`, version: p.version }));
    const answers = await Promise.all(tries);
    const won = answers.filter((r) => r.status === 200);
    assert.equal(won.length, 1, answers.map((r) => r.status).join(','));
    for (const r of answers.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 409, r.text);
      assert.equal(r.body.error.code, 'version_conflict');
    }
    const now = (await cb.get(`/api/v1/parties/${p.id}`)).body;
    assert.equal(now.version, p.version + 1);
    assert.equal(now.city, won[0].body.city);
    const audit = (await ca.get(`/api/v1/audit?entity=party&entity_id=${p.id}`)).body.items.filter((x) => x.action === 'update');
    assert.equal(audit.length, 1, 'one change, one audit row');
  } finally { await b.stop(); await a.stop(); a.cleanup(); }
});
