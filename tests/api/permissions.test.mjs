// permissions: PUT /api/v1/permissions and /api/v1/field-permissions take one
// change or a batch {changes: [...]} applied in one transaction — all or
// nothing, each change audited, the effect visible on the next request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError } from './harness.mjs';

const srv = new Server();
let admin, marketing, party;
before(async () => {
  await srv.start();
  admin = await srv.login();
  const u = await admin.post('/api/v1/users', { email: 'mk@test.local', name: 'Marketing', role: 'marketing', password: 'a long enough password' });
  assert.equal(u.status, 201, u.text);
  marketing = await srv.login('mk@test.local', 'a long enough password');
  party = (await admin.post('/api/v1/parties', { kind: 'person', name: '周杰', city: '苏州', industry: '零售', phones: ['+86 139 0000 0001'] })).body;
});
after(async () => { await srv.stop(); srv.cleanup(); });

const put = (path, body, client = admin) => client.request('PUT', path, body);

test('a batch of permission changes is applied at once, audited change by change', async () => {
  const before = (await admin.get('/api/v1/audit?action=permission_change&limit=100')).body.items.length;
  const r = await put('/api/v1/permissions', { changes: [
    { role: 'marketing', entity: 'products', action: 'create', scope: 'all' },
    { role: 'marketing', entity: 'parties', action: 'delete', scope: 'own' },
  ] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.roles.marketing.products.create, 'all');
  assert.equal(r.body.roles.marketing.parties.delete, 'own');
  const audit = (await admin.get('/api/v1/audit?action=permission_change&limit=100')).body.items;
  assert.equal(audit.length, before + 2);
  const made = await marketing.post('/api/v1/products', { sku: 'MK-1', name: '宣传册', price: { amount: 500, currency: 'CNY' } });
  assert.equal(made.status, 201, made.text);
});

test('a batch with one bad change changes nothing and names the change', async () => {
  const r = await put('/api/v1/permissions', { changes: [
    { role: 'marketing', entity: 'parties', action: 'read', scope: 'none' },
    { role: 'marketing', entity: 'parties', action: 'update', scope: 'most' },
  ] });
  assertError(r, 422, 'invalid_value', 'changes[1].scope');
  assert.equal((await admin.get('/api/v1/permissions')).body.roles.marketing.parties.read, 'all', 'the first change was not applied');
  assert.equal((await marketing.get('/api/v1/parties?limit=1')).status, 200);
  assertError(await put('/api/v1/permissions', { changes: [{ role: 'admin', entity: 'parties', action: 'read', scope: 'none' }] }), 422, 'invalid_value', 'changes[0].role');
  assertError(await put('/api/v1/permissions', { changes: [{ role: 'sales', entity: 'parties', action: 'read' }] }), 422, 'required', 'changes[0].scope');
  assertError(await put('/api/v1/permissions', { changes: [{ role: 'sales', entity: 'parties', action: 'read', scope: 'all', x: 1 }] }), 422, 'unknown_field', 'changes[0].x');
  assertError(await put('/api/v1/permissions', { changes: ['sales'] }), 422, 'invalid_type', 'changes[0].');
  assertError(await put('/api/v1/permissions', { changes: [] }), 422, 'invalid_value', 'changes');
  assertError(await put('/api/v1/permissions', { changes: {} }), 422, 'invalid_value', 'changes');
  assertError(await put('/api/v1/permissions', { changes: [{ role: 'sales', entity: 'parties', action: 'read', scope: 'all' }], role: 'sales' }), 422, 'unknown_field');
  const many = Array.from({ length: 1001 }, () => ({ role: 'sales', entity: 'parties', action: 'read', scope: 'team' }));
  assertError(await put('/api/v1/permissions', { changes: many }), 422, 'invalid_value', 'changes');
  assertError(await put('/api/v1/permissions', { changes: [{ role: 'sales', entity: 'parties', action: 'read', scope: 'all' }] }, marketing), 403, 'forbidden');
});

test('a batch of field changes hides several fields at once and shows them again', async () => {
  const hide = await put('/api/v1/field-permissions', { changes: [
    { role: 'marketing', entity: 'parties', field: 'phones', access: 'hidden' },
    { role: 'marketing', entity: 'parties', field: 'industry', access: 'hidden' },
  ] });
  assert.equal(hide.status, 200, hide.text);
  const seen = (await marketing.get('/api/v1/parties/' + party.id)).body;
  assert.equal(seen.phones, undefined);
  assert.equal(seen.industry, undefined);
  assert.equal(seen.city, '苏州');
  assertError(await put('/api/v1/field-permissions', { changes: [
    { role: 'marketing', entity: 'parties', field: 'city', access: 'hidden' },
    { role: 'marketing', entity: 'parties', field: 'nope', access: 'hidden' },
  ] }), 422, 'invalid_value', 'changes[1].field');
  assert.equal((await marketing.get('/api/v1/parties/' + party.id)).body.city, '苏州', 'nothing of the refused batch was applied');
  const show = await put('/api/v1/field-permissions', { changes: [
    { role: 'marketing', entity: 'parties', field: 'phones', access: 'write' },
    { role: 'marketing', entity: 'parties', field: 'industry', access: 'read' },
  ] });
  assert.equal(show.status, 200, show.text);
  assert.ok(!show.body.fields.some((f) => f.role === 'marketing' && f.field === 'phones'), 'write is the default: no row');
  const again = (await marketing.get('/api/v1/parties/' + party.id)).body;
  assert.deepEqual(again.phones, ['+86 139 0000 0001']);
  assert.equal(again.industry, '零售');
  // Read only: a marketing user sees industry on their own record but may not change it; other fields they may.
  const own = (await marketing.post('/api/v1/parties', { kind: 'person', name: '吴敏' })).body;
  const refused = await marketing.patch('/api/v1/parties/' + own.id, { industry: '批发' }, { 'If-Match': `"${own.version}"` });
  assertError(refused, 403, undefined);
  assert.match(refused.text, /industry/);
  assert.equal((await marketing.patch('/api/v1/parties/' + own.id, { city: '无锡' }, { 'If-Match': `"${own.version}"` })).status, 200);
});
