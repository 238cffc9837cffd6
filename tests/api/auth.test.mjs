// Authentication: sessions with CSRF, API tokens, logout, throttling,
// disabled users. Every /api/v1 route but login needs a credential.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, Client, assertError, addUser, cli, sql, sqlExec, ADMIN_EMAIL, ADMIN_PASSWORD } from './harness.mjs';

const srv = new Server();
before(() => srv.start());
after(async () => { await srv.stop(); srv.cleanup(); });

test('login sets an HttpOnly SameSite=Strict cookie and returns a CSRF token and the user', async () => {
  const r = await fetch(srv.base + '/api/v1/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  assert.equal(r.status, 200);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^rapport_session=[A-Za-z0-9_-]{43};/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const body = await r.json();
  assert.equal(body.user.email, ADMIN_EMAIL);
  assert.equal(body.user.role, 'admin');
  assert.equal(typeof body.csrf_token, 'string');
  assert.ok(!('password_hash' in body.user));
});

test('each login gets a new session id (no fixation)', async () => {
  const a = await srv.login(), b = await srv.login();
  assert.notEqual(a.cookie, b.cookie);
  assert.notEqual(a.csrf, b.csrf);
});

test('wrong password and unknown user get the same 401', async () => {
  const bad = new Client(srv.base);
  assertError(await bad.post('/api/v1/session', { email: ADMIN_EMAIL, password: 'nope nope nope' }), 401, 'invalid_credentials');
  assertError(await bad.post('/api/v1/session', { email: 'ghost@test.local', password: 'nope nope nope' }), 401, 'invalid_credentials');
  assertError(await bad.post('/api/v1/session', { email: ADMIN_EMAIL }), 422, 'required', 'password');
});

test('API routes need a credential; a bad token or cookie is refused', async () => {
  assertError(await new Client(srv.base).get('/api/v1/parties'), 401, 'unauthenticated');
  assertError(await new Client(srv.base, { token: 'rpt_bogus' }).get('/api/v1/parties'), 401, 'invalid_credentials');
  assertError(await new Client(srv.base, { cookie: 'rapport_session=bogus' }).get('/api/v1/parties'), 401, 'invalid_credentials');
  const open = await new Client(srv.base).get('/healthz');
  assert.equal(open.status, 200);
});

test('cookie sessions need the CSRF token for changes, not for reads', async () => {
  const c = await srv.login();
  assert.equal((await c.get('/api/v1/parties')).status, 200);
  const noCsrf = new Client(srv.base, { cookie: c.cookie });
  assertError(await noCsrf.post('/api/v1/parties', { kind: 'person', name: 'X' }), 403, 'csrf_failed');
  const wrong = await c.post('/api/v1/parties', { kind: 'person', name: 'X' }, { 'X-CSRF-Token': 'wrong' });
  assertError(wrong, 403, 'csrf_failed');
  const ok = await c.post('/api/v1/parties', { kind: 'person', name: 'CSRF ok' });
  assert.equal(ok.status, 201);
});

test('no state change through GET: writes only answer their own methods', async () => {
  const c = await srv.tokenClient();
  const r = await c.request('PUT', '/api/v1/parties');
  assertError(r, 405, 'method_not_allowed');
  assert.match(r.headers.get('allow'), /GET/);
});

test('API tokens work as Bearer, are listed without secrets, and stop working once revoked', async () => {
  const c = await srv.login();
  const created = await c.post('/api/v1/tokens', { name: 'script' });
  assert.equal(created.status, 201);
  assert.match(created.body.token, /^rpt_/);
  const t = new Client(srv.base, { token: created.body.token });
  // Several reads, so every server thread has looked the token up (and may remember it).
  for (let i = 0; i < 6; i++) assert.equal((await t.get('/api/v1/parties')).status, 200);
  const list = await c.get('/api/v1/tokens');
  assert.ok(list.body.items.some((x) => x.id === created.body.id && x.name === 'script'));
  assert.ok(!list.text.includes(created.body.token));
  assert.equal((await c.del(`/api/v1/tokens/${created.body.id}`)).status, 204);
  assertError(await t.get('/api/v1/parties'), 401, 'invalid_credentials');
  assertError(await c.del(`/api/v1/tokens/${created.body.id}`), 404, 'not_found');
});

test('logout ends the session; replaying the cookie fails', async () => {
  const c = await srv.login();
  assert.equal((await c.get('/api/v1/session')).status, 200);
  const r = await c.del('/api/v1/session');
  assert.equal(r.status, 204);
  assert.match(r.headers.get('set-cookie'), /Max-Age=0/);
  assertError(await c.get('/api/v1/parties'), 401, 'invalid_credentials');
});

test('GET /session returns the user and the CSRF token of a cookie session', async () => {
  const c = await srv.login();
  const r = await c.get('/api/v1/session');
  assert.equal(r.body.user.email, ADMIN_EMAIL);
  assert.equal(r.body.csrf_token, c.csrf);
  // The role's scopes, for the client to show only what the user may do.
  assert.equal(r.body.user.permissions.parties.read, 'all');
  assert.equal(r.body.user.permissions.imports.create, 'all');
  addUser(srv.db, 'scopes@test.local', 'sales', 'scopes password 1');
  const s = await (await srv.login('scopes@test.local', 'scopes password 1')).get('/api/v1/session');
  assert.equal(s.body.user.permissions.parties.read, 'team');
  assert.equal(s.body.user.permissions.parties.update, 'own');
  assert.equal(s.body.user.permissions.imports.create, 'none');
});

test('repeated failures are throttled per account and address with 429 and Retry-After', async () => {
  addUser(srv.db, 'throttle@test.local', 'sales', 'the right password');
  const anon = new Client(srv.base);
  for (let i = 0; i < 5; i++)
    assertError(await anon.post('/api/v1/session', { email: 'throttle@test.local', password: 'wrong password ' + i }), 401);
  const r = await anon.post('/api/v1/session', { email: 'throttle@test.local', password: 'the right password' });
  assertError(r, 429, 'too_many_attempts');
  assert.ok(Number(r.headers.get('retry-after')) > 0);
});

test('a disabled user is logged out everywhere and cannot log in', async () => {
  addUser(srv.db, 'leaver@test.local', 'sales', 'leaver password 1');
  const c = await srv.login('leaver@test.local', 'leaver password 1');
  assert.equal((await c.get('/api/v1/parties')).status, 200);
  const tokenClient = await srv.tokenClient('leaver@test.local', 'leaver password 1');
  for (let i = 0; i < 6; i++) assert.equal((await tokenClient.get('/api/v1/parties?limit=1')).status, 200);
  // Disabled by another process: the server learns it from the database alone.
  const r = cli(['user', 'disable', 'leaver@test.local', '--db', srv.db]);
  assert.equal(r.status, 0, r.stderr);
  assertError(await c.get('/api/v1/parties'), 401);
  assertError(await tokenClient.get('/api/v1/parties'), 401);
  assertError(await new Client(srv.base).post('/api/v1/session', { email: 'leaver@test.local', password: 'leaver password 1' }), 401);
});

test('a role change applies to the very next request made with a token already in use', async () => {
  addUser(srv.db, 'mover@test.local', 'sales', 'mover password 1');
  const t = await srv.tokenClient('mover@test.local', 'mover password 1');
  for (let i = 0; i < 6; i++) assert.equal((await t.get('/api/v1/parties?limit=1')).status, 200);
  const created = await t.post('/api/v1/parties', { kind: 'person', name: 'Before the move' });
  assert.equal(created.status, 201, created.text);
  const admin = await srv.login();
  const users = await admin.get('/api/v1/users');
  const mover = users.body.items.find((u) => u.email === 'mover@test.local');
  const changed = await admin.patch(`/api/v1/users/${mover.id}`, { role: 'read_only' });
  assert.equal(changed.status, 200, changed.text);
  assertError(await t.post('/api/v1/parties', { kind: 'person', name: 'After the move' }), 403);
  assert.equal((await t.get('/api/v1/parties?limit=1')).status, 200);
});

test('the CLI refuses short passwords and unknown roles', () => {
  let r = cli(['user', 'add', 'short@test.local', '--role', 'sales', '--password-stdin', '--db', srv.db], { input: 'short\n' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /at least 8/);
  r = cli(['user', 'add', 'role@test.local', '--role', 'wizard', '--password-stdin', '--db', srv.db], { input: 'long enough pw\n' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--role/);
});

test('read_only users can read but not write', async () => {
  addUser(srv.db, 'viewer@test.local', 'read_only', 'viewer password');
  const c = await srv.tokenClient('viewer@test.local', 'viewer password');
  assert.equal((await c.get('/api/v1/parties')).status, 200);
  assertError(await c.post('/api/v1/parties', { kind: 'person', name: 'Nope' }), 403, 'forbidden');
});

test('security headers are on every answer', async () => {
  for (const path of ['/healthz', '/api/v1/parties', '/']) {
    const r = await fetch(srv.base + path);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  }
});

test('JSON answers get the strictest policy; pages the application\'s', async () => {
  const api = await fetch(srv.base + '/api/v1/parties');   // a 401, JSON
  assert.equal(api.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
  assert.equal(api.headers.get('x-frame-options'), 'DENY');
  const page = await fetch(srv.base + '/');
  assert.match(page.headers.get('content-security-policy'), /script-src 'self'/);
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
});

test('a password hash made with older settings is replaced at the next login, and still works', async () => {
  // argon2id with 12 MiB and 3 passes (the settings before 9 MiB and 4),
  // made with libsodium for this password.
  const OLD = '$argon2id$v=19$m=12288,t=3,p=1$i5WM+nNgS7T5pO5QKVRoXg$rJglorevv5yx0y70Aj6K8YyxV/w1d/5FoPs4Sb9v5i0';
  const pw = 'password with old parameters';
  addUser(srv.db, 'rehash@test.local', 'sales', 'a long enough password');
  sqlExec(srv.db, 'UPDATE app_user SET password_hash = ? WHERE email = ?', OLD, 'rehash@test.local');
  const first = await srv.login('rehash@test.local', pw);
  assert.ok(first.csrf, 'login with the old hash');
  const stored = sql(srv.db, "SELECT password_hash FROM app_user WHERE email = 'rehash@test.local'");
  assert.notEqual(stored, OLD);
  assert.match(stored, /^\$argon2id\$v=19\$m=9216,t=4,p=1\$/);
  const again = await srv.login('rehash@test.local', pw);
  assert.ok(again.csrf, 'login with the new hash');
  assertError(await new Client(srv.base).request('POST', '/api/v1/session', { email: 'rehash@test.local', password: 'wrong' }), 401, 'invalid_credentials');
});
