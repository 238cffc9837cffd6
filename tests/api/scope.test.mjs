// Scope (issue 14, findings 6, 7, 9, 11, 13): what a user may not read must
// not come back through a side door — search on hidden fields, the audit
// trail of another team's party, references to parties outside the read
// scope, user accounts (roles), background jobs — and blank required text.
// Every refused write is checked against a byte-identical database dump.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Server, assertError, dbDumpOfRequests } from './harness.mjs';

const srv = new Server();
let admin;
const users = {};     // name → {id, role, team, client}
let own, mate, other; // parties of s1 (East), s2 (East), s3 (North)
let otherNote;        // a note written on `other` by an East service user

function dbDigest() {
  return createHash('sha256').update(dbDumpOfRequests(srv.db)).digest('hex');
}

/** Runs request() and asserts that it changed nothing in the database. */
async function unchanged(what, request) {
  const before = dbDigest();
  const r = await request();
  assert.equal(dbDigest(), before, `${what}: a refused request changed the database`);
  return r;
}

const put = (path, body) => admin.request('PUT', path, body);

before(async () => {
  await srv.start();
  admin = await srv.tokenClient();
  const east = (await admin.post('/api/v1/teams', { name: 'East' })).body;
  const north = (await admin.post('/api/v1/teams', { name: 'North' })).body;
  const spec = { s1: ['sales', east], s2: ['sales', east], s3: ['sales', north], m1: ['manager', east],
    svc: ['service', east], m2: ['manager', north] };
  for (const [name, [role, team]] of Object.entries(spec)) {
    const r = await admin.post('/api/v1/users', { email: `${name}@scope.test`, name, role, team_id: team.id, password: `password of ${name}` });
    assert.equal(r.status, 201, r.text);
    users[name] = { id: r.body.id, role, team: team.id };
  }
  assert.equal((await admin.patch(`/api/v1/teams/${east.id}`, { manager_id: users.m1.id, version: 1 })).status, 200);
  assert.equal((await admin.patch(`/api/v1/teams/${north.id}`, { manager_id: users.m2.id, version: 1 })).status, 200);
  for (const name of Object.keys(spec)) users[name].client = await srv.tokenClient(`${name}@scope.test`, `password of ${name}`);
  const mk = async (who, body) => {
    const r = await users[who].client.post('/api/v1/parties', { kind: 'person', roles: ['customer'], ...body });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  own = await mk('s1', { name: 'Visible Vega', notes: 'zebrafish contract', needs: 'quokka delivery',
    emails: ['hiddenmail@example.com'], title: 'buyer' });
  mate = await mk('s2', { name: 'Mate Mira' });
  other = await mk('s3', { name: 'Northern Nadia', roles: ['customer', 'competitor'] });
  // Service reads all parties: an East user writes on a North party.
  const n = await users.svc.client.post('/api/v1/notes', { party_id: other.id, body: 'takeover plan for Northern Nadia' });
  assert.equal(n.status, 201, n.text);
  otherNote = n.body;
});
after(async () => { await srv.stop(); srv.cleanup(); });

test('search matches only the fields the user may read (finding 6)', async () => {
  const s1 = users.s1.client;
  const found = async (c, q) => (await c.get(`/api/v1/parties?q=${encodeURIComponent(q)}`)).body.items.map((p) => p.id);
  // Before the fields are hidden, each is found by a prefix of its text.
  for (const q of ['zebra', 'quok', 'hiddenmail', 'Vega']) assert.ok((await found(s1, q)).includes(own.id), `before: ${q}`);
  const hide = await put('/api/v1/field-permissions', { changes: ['notes', 'needs', 'emails'].map((field) =>
    ({ role: 'sales', entity: 'parties', field, access: 'hidden' })) });
  assert.equal(hide.status, 200, hide.text);
  try {
    for (const q of ['zebra', 'zebrafish', 'quok', 'hiddenmail', 'hiddenmail@example.com', 'zebra Vega']) {
      assert.deepEqual(await found(s1, q), [], `a search for "${q}" reads a hidden field`);
      const counted = await s1.get(`/api/v1/parties?q=${encodeURIComponent(q)}&count=true`);
      assert.equal(counted.body.count, 0, `count of "${q}"`);
      const exp = await s1.get(`/api/v1/exports/parties?format=jsonl&q=${encodeURIComponent(q)}`);
      assert.equal(exp.status, 200, exp.text);
      assert.equal(exp.text.trim(), '', `export of "${q}"`);
    }
    // Readable fields are still searched, alone and together.
    for (const q of ['Vega', 'Visible Veg', 'buyer', 'buyer Vega']) assert.ok((await found(s1, q)).includes(own.id), `after: ${q}`);
    // Users who may read the fields find them as before.
    assert.ok((await found(admin, 'zebra')).includes(own.id));
    assert.ok((await found(users.m1.client, 'hiddenmail')).includes(own.id));
    // Hiding every searched field leaves nothing to find (and no error).
    const all = ['name', 'phones', 'external_id', 'website', 'title', 'industry', 'city', 'country', 'characteristics', 'tags'];
    assert.equal((await put('/api/v1/field-permissions', { changes: all.map((field) => ({ role: 'sales', entity: 'parties', field, access: 'hidden' })) })).status, 200);
    const none = await s1.get('/api/v1/parties?q=Vega');
    assert.equal(none.status, 200, none.text);
    assert.deepEqual(none.body.items, []);
    await put('/api/v1/field-permissions', { changes: all.map((field) => ({ role: 'sales', entity: 'parties', field, access: 'write' })) });
  } finally {
    await put('/api/v1/field-permissions', { changes: ['notes', 'needs', 'emails'].map((field) =>
      ({ role: 'sales', entity: 'parties', field, access: 'write' })) });
  }
  assert.ok((await found(s1, 'zebra')).includes(own.id), 'the fields are searchable again once readable');
});

test('phone search still finds any spelling, and only where phones are readable (finding 6)', async () => {
  const p = await users.s1.client.post('/api/v1/parties', { kind: 'person', name: 'Phone Person', phones: ['+86 138-0013-8000'] });
  assert.equal(p.status, 201, p.text);
  const q = async (c, text) => (await c.get(`/api/v1/parties?q=${encodeURIComponent(text)}`)).body.items.map((x) => x.id);
  assert.ok((await q(users.s1.client, '13800138000')).includes(p.body.id));
  assert.ok((await q(users.s1.client, '0086 138 0013 8000')).includes(p.body.id));
  assert.equal((await put('/api/v1/field-permissions', { role: 'sales', entity: 'parties', field: 'phones', access: 'hidden' })).status, 200);
  try {
    assert.deepEqual(await q(users.s1.client, '13800138000'), []);
    assert.ok((await q(admin, '13800138000')).includes(p.body.id));
  } finally {
    await put('/api/v1/field-permissions', { role: 'sales', entity: 'parties', field: 'phones', access: 'write' });
  }
});

test('audit rows are visible only when their record is, hidden fields redacted (finding 7)', async () => {
  const m1 = users.m1.client;
  assertError(await m1.get(`/api/v1/parties/${other.id}`), 404, 'not_found');
  for (const q of [`party_id=${other.id}`, `entity=note&entity_id=${otherNote.id}`, `entity=party&entity_id=${other.id}`, `user_id=${users.svc.id}`]) {
    const a = await m1.get(`/api/v1/audit?${q}`);
    assert.equal(a.status, 200, a.text);
    assert.ok(!a.text.includes('takeover plan'), `audit?${q} shows the note on another team's party: ${a.text}`);
    assert.ok(a.body.items.every((x) => x.party_id !== other.id), `audit?${q} lists rows of another team's party`);
  }
  // The admin sees the row, and the manager still sees their own team's history.
  assert.ok((await admin.get(`/api/v1/audit?party_id=${other.id}`)).text.includes('takeover plan'));
  const mine = await m1.get(`/api/v1/audit?party_id=${own.id}`);
  assert.ok(mine.body.items.some((x) => x.action === 'create' && x.entity === 'party'), mine.text);
  // North's manager sees the note (their party), written by someone outside their team? No: the
  // audit scope is by the acting user's team, and svc is East's. Both rules apply together.
  assert.ok(!(await users.m2.client.get(`/api/v1/audit?party_id=${other.id}`)).text.includes('takeover plan'));
  // Hidden fields stay redacted in the rows the manager may see.
  assert.equal((await put('/api/v1/field-permissions', { role: 'manager', entity: 'parties', field: 'notes', access: 'hidden' })).status, 200);
  try {
    const r = await m1.get(`/api/v1/audit?party_id=${own.id}`);
    assert.ok(r.body.items.length > 0);
    assert.ok(!r.text.includes('zebrafish'), 'a hidden field shows in the audit trail');
  } finally {
    await put('/api/v1/field-permissions', { role: 'manager', entity: 'parties', field: 'notes', access: 'write' });
  }
  assert.ok((await m1.get(`/api/v1/audit?party_id=${own.id}`)).text.includes('zebrafish'));
});

test('a reference outside the read scope is exactly the 422 of a missing one (finding 9)', async () => {
  const s1 = users.s1.client;
  const missing = 999999;
  const same = (a, b, field) => {
    assertError(a, 422, 'invalid_reference', field);
    assertError(b, 422, 'invalid_reference', field);
    assert.equal(a.body.error.message.replace(String(other.id), 'N'), b.body.error.message.replace(String(missing), 'N'));
  };
  // POST /links
  const link = (to) => s1.post('/api/v1/links', { from_id: own.id, to_id: to, kind: 'knows' });
  same(await unchanged('link to another team', () => link(other.id)), await link(missing), 'to_id');
  // PATCH of to_id
  const ok = await link(mate.id);
  assert.equal(ok.status, 201, ok.text);
  const patch = (to) => s1.patch(`/api/v1/links/${ok.body.id}`, { to_id: to, version: ok.body.version });
  same(await unchanged('link moved to another team', () => patch(other.id)), await patch(missing), 'to_id');
  // transactions.competitor_id, on create and on change
  const txn = (comp) => s1.post('/api/v1/transactions', { party_id: own.id, occurred_at: '2026-03-01T00:00:00Z',
    amount: { amount: 500, currency: 'CNY' }, competitor_id: comp });
  same(await unchanged('competitor of another team', () => txn(other.id)), await txn(missing), 'competitor_id');
  const t = await txn(null);
  assert.equal(t.status, 201, t.text);
  const tpatch = (comp) => s1.patch(`/api/v1/transactions/${t.body.id}`, { competitor_id: comp, version: t.body.version });
  same(await unchanged('competitor changed to another team', () => tpatch(other.id)), await tpatch(missing), 'competitor_id');
  // The admin may make such a link; s1 then does not see it, by list, filter or id.
  const adminLink = await admin.post('/api/v1/links', { from_id: own.id, to_id: other.id, kind: 'knows' });
  assert.equal(adminLink.status, 201, adminLink.text);
  assert.deepEqual((await s1.get(`/api/v1/links?to_id=${other.id}`)).body.items, []);
  assert.deepEqual((await s1.get(`/api/v1/links?to_id=${missing}`)).body.items, []);
  assert.ok(!(await s1.get(`/api/v1/links?from_id=${own.id}`)).body.items.some((l) => l.id === adminLink.body.id));
  assertError(await s1.get(`/api/v1/links/${adminLink.body.id}`), 404, 'not_found');
  assertError(await unchanged('delete of a hidden link', () => s1.del(`/api/v1/links/${adminLink.body.id}`)), 404, 'not_found');
  // Within scope, links and competitors work as before.
  assert.ok((await s1.get(`/api/v1/links?to_id=${mate.id}`)).body.items.some((l) => l.id === ok.body.id));
  assert.ok((await admin.get(`/api/v1/links?to_id=${other.id}`)).body.items.some((l) => l.id === adminLink.body.id));
  const sharedComp = await txn(mate.id);
  assert.equal(sharedComp.status, 201, sharedComp.text);
});

test('only an admin gives roles; user accounts have a scope (finding 11)', async () => {
  const m1 = users.m1.client;
  const grant = await put('/api/v1/permissions', { role: 'manager', entity: 'users', action: 'update', scope: 'own' });
  assert.equal(grant.status, 200, grant.text);
  try {
    for (const role of ['admin', 'manager', 'sales']) {
      assertError(await unchanged(`role ${role}`, () => m1.patch(`/api/v1/users/${users.m1.id}`, { role })), 403, 'forbidden', 'role');
    }
    assert.equal((await m1.get('/api/v1/session')).body.user.role, 'manager');
    // Scope own: the manager's own account only.
    assertError(await unchanged('another user', () => m1.patch(`/api/v1/users/${users.s1.id}`, { name: 'renamed' })), 403, 'forbidden');
    assertError(await unchanged('an admin', () => m1.patch(`/api/v1/users/${admin.user.id}`, { password: 'a brand new password' })), 403, 'forbidden');
    assertError(await unchanged('own team', () => m1.patch(`/api/v1/users/${users.m1.id}`, { team_id: users.s3.team })), 403, 'forbidden', 'team_id');
    const self = await m1.patch(`/api/v1/users/${users.m1.id}`, { name: 'Manager One' });
    assert.equal(self.status, 200, self.text);
    assert.equal(self.body.name, 'Manager One');
    assert.equal(self.body.role, 'manager');
    // Team scope reaches the team's accounts, still not roles nor admins.
    await put('/api/v1/permissions', { role: 'manager', entity: 'users', action: 'update', scope: 'team' });
    const renamed = await m1.patch(`/api/v1/users/${users.s1.id}`, { name: 'Sales One' });
    assert.equal(renamed.status, 200, renamed.text);
    assertError(await unchanged('another team', () => m1.patch(`/api/v1/users/${users.s3.id}`, { name: 'x' })), 403, 'forbidden');
    assertError(await unchanged('promote a team member', () => m1.patch(`/api/v1/users/${users.s1.id}`, { role: 'admin' })), 403, 'forbidden', 'role');
    // users.create granted: still no new account with a role.
    await put('/api/v1/permissions', { role: 'manager', entity: 'users', action: 'create', scope: 'all' });
    assertError(await unchanged('create an admin', () => m1.post('/api/v1/users', { email: 'evil@scope.test', role: 'admin', password: 'a long enough password' })),
      403, 'forbidden', 'role');
    // Read scope: an account outside it does not exist for the caller.
    await put('/api/v1/permissions', { role: 'sales', entity: 'users', action: 'read', scope: 'own' });
    const list = await users.s1.client.get('/api/v1/users');
    assert.deepEqual(list.body.items.map((u) => u.id), [users.s1.id]);
    assertError(await users.s1.client.get(`/api/v1/users/${users.s2.id}`), 404, 'not_found');
    assert.equal((await users.s1.client.get(`/api/v1/users/${users.s1.id}`)).status, 200);
  } finally {
    await put('/api/v1/permissions', { changes: [
      { role: 'manager', entity: 'users', action: 'update', scope: 'none' },
      { role: 'manager', entity: 'users', action: 'create', scope: 'none' },
      { role: 'sales', entity: 'users', action: 'read', scope: 'all' }] });
  }
  // The admin still gives roles.
  const promote = await admin.patch(`/api/v1/users/${users.s2.id}`, { role: 'service' });
  assert.equal(promote.status, 200, promote.text);
  await admin.patch(`/api/v1/users/${users.s2.id}`, { role: 'sales' });
});

test('jobs: users read the jobs they started; an admin can grant more (finding 13)', async () => {
  const table = (await admin.get('/api/v1/permissions')).body.roles;
  for (const role of ['manager', 'sales', 'service', 'marketing', 'read_only']) assert.equal(table[role].jobs.read, 'own', role);
  assert.equal((await users.m1.client.get('/api/v1/session')).body.user.permissions.jobs.read, 'own');
  const run = await users.m1.client.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(run.status, 200, run.text);
  const job = await users.m1.client.get(`/api/v1/jobs/${run.body.id}`);
  assert.equal(job.status, 200, job.text);
  assert.equal(job.body.kind, 'analytics_run');
  assert.equal(job.body.status, 'done');
  assertError(await users.s1.client.get(`/api/v1/jobs/${run.body.id}`), 404, 'not_found');
  assertError(await users.m2.client.get(`/api/v1/jobs/${run.body.id}`), 404, 'not_found');
  assert.equal((await admin.get(`/api/v1/jobs/${run.body.id}`)).status, 200);
  assert.equal((await put('/api/v1/permissions', { role: 'sales', entity: 'jobs', action: 'read', scope: 'team' })).status, 200);
  assert.equal((await users.s1.client.get(`/api/v1/jobs/${run.body.id}`)).status, 200, 'team scope: a team-mate\'s job');
  assertError(await users.s3.client.get(`/api/v1/jobs/${run.body.id}`), 404, 'not_found');
  await put('/api/v1/permissions', { role: 'sales', entity: 'jobs', action: 'read', scope: 'none' });
  assertError(await users.s1.client.get(`/api/v1/jobs/${run.body.id}`), 403, 'forbidden');
  await put('/api/v1/permissions', { role: 'sales', entity: 'jobs', action: 'read', scope: 'own' });
});

test('required text made only of spaces is refused, naming the field (finding 13)', async () => {
  const blanks = ['   ', '\u3000\u3000', ' \u00a0 ', '\u200b'];
  for (const b of blanks) {
    const what = JSON.stringify(b);
    assertError(await unchanged(`party ${what}`, () => admin.post('/api/v1/parties', { kind: 'person', name: b })), 422, 'required', 'name');
    assertError(await unchanged(`party patch ${what}`, () => admin.patch(`/api/v1/parties/${mate.id}`, { name: b, version: 1 })), 422, 'required', 'name');
    assertError(await unchanged(`note ${what}`, () => admin.post('/api/v1/notes', { party_id: own.id, body: b })), 422, 'required', 'body');
    assertError(await unchanged(`product ${what}`, () => admin.post('/api/v1/products', { name: b })), 422, 'required', 'name');
    assertError(await unchanged(`team ${what}`, () => admin.post('/api/v1/teams', { name: b })), 422, 'required', 'name');
  }
  // Names with spaces around real text are still names.
  const ok = await admin.post('/api/v1/parties', { kind: 'person', name: ' 张 伟 ' });
  assert.equal(ok.status, 201, ok.text);
});
