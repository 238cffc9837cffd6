// The HTTP layer against the findings of the outside review (issue 14):
// nothing is read or stored for a stranger before the head is judged, the
// login throttle cannot be reset by a colliding key, a password change or a
// disabled user ends every credential, a NUL or control character in a path
// is refused before routing, an over-long request line gets its 414 at
// once, and /metrics needs an admin (or the loopback metrics listener).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync } from 'node:fs';
import { Server, Client, addUser, cli, assertError, freePort, ADMIN_EMAIL, ADMIN_PASSWORD } from './harness.mjs';

const srv = new Server();
let admin;
before(async () => { await srv.start(); admin = await srv.tokenClient(); });
after(async () => { await srv.stop(); srv.cleanup(); });

/** Writes `head` (and `body`, if any) on a fresh socket and resolves with
 * the first answer's text once it is complete, or with what came (maybe '')
 * when the server closes or `ms` pass; `elapsed` says how long it took. */
function rawAnswer(port, head, { body, ms = 3000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    const done = () => { clearTimeout(timer); sock.destroy(); resolve({ text: data, elapsed: Date.now() - t0, status: Number((/^HTTP\/1\.1 (\d{3})/.exec(data) || [])[1] || 0) }); };
    const timer = setTimeout(done, ms);
    sock.on('data', (d) => {
      data += d.toString('latin1');
      const m = /Content-Length: (\d+)\r\n/i.exec(data);
      const end = data.indexOf('\r\n\r\n');
      if (m && end >= 0 && data.length >= end + 4 + Number(m[1])) done();
    });
    sock.on('end', done);
    sock.on('error', (e) => (['ECONNRESET', 'EPIPE'].includes(e.code) ? done() : reject(e)));
    sock.on('connect', () => { sock.write(head, 'latin1'); if (body) sock.write(body); });
  });
}

function errorOf(answer) {
  return JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4)).error;
}

test('a stranger\'s upload is refused on its head: 401 at once, no file beside the database', async () => {
  const head = 'POST /api/v1/imports?kind=parties HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 60000000\r\n\r\n';
  // Only the head of the 60 MB it announces: the server must answer
  // without waiting for (or storing) any of the body.
  const a = await rawAnswer(srv.port, head, { ms: 5000 });
  assert.equal(a.status, 401, a.text);
  assert.equal(errorOf(a).code, 'unauthenticated');
  assert.ok(a.elapsed < 3000, `answered after ${a.elapsed} ms`);
  assert.deepEqual(readdirSync(srv.dir).filter((f) => f.includes('.upload-')), []);
  // A user whose role may not import is refused on the head too (403).
  addUser(srv.db, 'reader@sec.test', 'read_only', 'reader password 1');
  const reader = await srv.tokenClient('reader@sec.test', 'reader password 1');
  const b = await rawAnswer(srv.port, head.replace('\r\n\r\n', `\r\nAuthorization: Bearer ${reader.token}\r\n\r\n`), { ms: 5000 });
  assert.equal(b.status, 403, b.text);
  assert.deepEqual(readdirSync(srv.dir).filter((f) => f.includes('.upload-')), []);
  // Any other route: 401 before a 1 MiB body is read.
  const c = await rawAnswer(srv.port, 'POST /api/v1/parties HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n');
  assert.equal(c.status, 401, c.text);
  // A small anonymous body still gets its 401 on a kept connection.
  const d = await rawAnswer(srv.port, 'POST /api/v1/parties HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
  assert.equal(d.status, 401);
  assert.doesNotMatch(d.text, /Connection: close/i);
});

test('the login form takes at most 16 KiB a request and 64 KiB an address in unfinished bodies', async () => {
  const head = (n) => `POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${n}\r\n\r\n`;
  const big = await rawAnswer(srv.port, head(20000));
  assert.equal(big.status, 413, big.text);
  // Four unfinished 16,000-byte bodies hold 64,000 bytes: the fifth is refused at once.
  const held = [];
  for (let i = 0; i < 4; i++) {
    const sock = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => sock.on('connect', r));
    sock.write(head(16000) + '{"email":"');
    held.push(sock);
  }
  await new Promise((r) => setTimeout(r, 300));
  const fifth = await rawAnswer(srv.port, head(16000), { body: '{"email":"' });
  assert.equal(fifth.status, 429, fifth.text);
  assert.equal(errorOf(fifth).code, 'too_many_pending');
  for (const s of held) s.destroy();
  await new Promise((r) => setTimeout(r, 300));
  // Once they are gone the address may send again; a real login works.
  const ok = await fetch(srv.base + '/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }) });
  assert.equal(ok.status, 200);
});

/** The slot of a throttle key in the old table (djb2 modulo 4096). */
function oldSlot(key) {
  let h = 5381;
  for (const ch of Buffer.from(key)) h = (h * 33 + ch) % 4096;
  return h;
}

test('a failed login with a colliding key does not reset another account\'s throttle', async () => {
  const victim = addUser(srv.db, 'victim@sec.test', 'sales', 'victim password 1');
  const want = oldSlot(`a:${victim.email}|127.0.0.1`);
  let other;
  for (let i = 0; ; i++) if (oldSlot(`a:x${i}@collide.test|127.0.0.1`) === want) { other = `x${i}@collide.test`; break; }
  const login = (email, password) => fetch(srv.base + '/api/v1/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  for (let i = 0; i < 5; i++) {
    assert.equal((await login(victim.email, 'wrong password')).status, 401);
    assert.equal((await login(other, 'wrong password')).status, 401);   // the colliding key
  }
  const r = await login(victim.email, victim.password);
  assert.equal(r.status, 429, 'the victim\'s five failures must throttle it, colliding failures or not');
  assert.ok(Number(r.headers.get('retry-after')) > 0);
});

test('a new password and disabling end every session and token; re-enabling brings none back', async () => {
  const u = addUser(srv.db, 'cred@sec.test', 'sales', 'cred password 11');
  const id = (await admin.get('/api/v1/users')).body.items.find((x) => x.email === u.email).id;
  // Password change through the API: the token (used just before, so it is
  // memoised) and the session stop working.
  let tok = await srv.tokenClient(u.email, u.password);
  let ses = await srv.login(u.email, u.password);
  assert.equal((await tok.get('/api/v1/parties?limit=1')).status, 200);
  let r = await admin.patch(`/api/v1/users/${id}`, { password: 'cred password 22' });
  assert.equal(r.status, 200, r.text);
  assertError(await tok.get('/api/v1/parties?limit=1'), 401, 'invalid_credentials');
  assertError(await ses.get('/api/v1/parties?limit=1'), 401, 'invalid_credentials');
  // Disable, then enable again: the old token stays dead.
  tok = await srv.tokenClient(u.email, 'cred password 22');
  ses = await srv.login(u.email, 'cred password 22');
  assert.equal((await tok.get('/api/v1/parties?limit=1')).status, 200);
  assert.equal((await admin.patch(`/api/v1/users/${id}`, { disabled: true })).status, 200);
  assert.equal((await admin.patch(`/api/v1/users/${id}`, { disabled: false })).status, 200);
  assertError(await tok.get('/api/v1/parties?limit=1'), 401, 'invalid_credentials');
  assertError(await ses.get('/api/v1/parties?limit=1'), 401, 'invalid_credentials');
  const tokens = (await (await srv.login(u.email, 'cred password 22')).get('/api/v1/tokens')).body.items;
  assert.ok(tokens.length >= 2 && tokens.every((t) => t.revoked_at), JSON.stringify(tokens));
  // The same from the command line (`rapport user passwd`).
  tok = await srv.tokenClient(u.email, 'cred password 22');
  assert.equal((await tok.get('/api/v1/parties?limit=1')).status, 200);
  const c = cli(['user', 'passwd', u.email, '--password-stdin', '--db', srv.db], { input: 'cred password 33\n' });
  assert.equal(c.status, 0, c.stderr);
  assertError(await tok.get('/api/v1/parties?limit=1'), 401, 'invalid_credentials');
});

test('an encoded NUL or a control character in the path is a 400 before routing; nothing is deleted', async () => {
  const p = await admin.post('/api/v1/parties', { kind: 'person', name: 'NUL target' });
  assert.equal(p.status, 201);
  for (const path of [`/api/v1/parties/${p.body.id}%00/shares/1`, `/api/v1/parties/${p.body.id}%00`, `/api/v1/parties/${p.body.id}%0a`,
    `/api/v1/parties/${p.body.id}%1F`, `/api/v1/parties%7f/${p.body.id}`])
    assertError(await admin.del(path), 400, 'invalid_path');
  assertError(await admin.get(`/api/v1/parties?q=a%00b`), 400, 'invalid_path');
  const raw = await rawAnswer(srv.port, `GET /api/v1/parties/${p.body.id}\x01 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin.token}\r\n\r\n`);
  assert.equal(raw.status, 400, raw.text);
  const still = await admin.get(`/api/v1/parties/${p.body.id}`);
  assert.equal(still.status, 200);
  assert.equal(still.body.deleted_at ?? null, null);
});

test('an over-long request line is answered 414 at once; an over-large head 431', async () => {
  const q = Array.from({ length: 300 }, (_, i) => `p${i}=v${i}`).join('&');
  const auth = `Authorization: Bearer ${admin.token}\r\n`;
  let a = await rawAnswer(srv.port, `GET /api/v1/parties?${q} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`, { ms: 2000 });
  assert.equal(a.status, 414, `no prompt answer (${a.elapsed} ms): ${a.text}`);
  assert.equal(errorOf(a).code, 'uri_too_long');
  a = await rawAnswer(srv.port, `GET /api/v1/parties?q=${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`, { ms: 2000 });
  assert.equal(a.status, 414, a.text);
  a = await rawAnswer(srv.port, `GET /api/v1/parties?limit=1 HTTP/1.1\r\nHost: x\r\n${auth}X-Big: ${'b'.repeat(40000)}\r\n\r\n`, { ms: 2000 });
  assert.equal(a.status, 431, a.text);
  // Within the limits: 100 arguments and an 8,000-byte request line are served.
  const q100 = Array.from({ length: 100 }, (_, i) => `p${i}=${'v'.repeat(70)}`).join('&');
  assert.ok(q100.length > 7000 && q100.length < 8150);
  a = await rawAnswer(srv.port, `GET /api/v1/parties?${q100} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`, { ms: 2000 });
  assert.notEqual(a.status, 414, a.text);
  assert.ok(a.status === 200 || a.status === 400, a.text);
});

test('/metrics needs an admin, or comes from the loopback metrics listener', async () => {
  assertError(await new Client(srv.base).get('/metrics'), 401, 'unauthenticated');
  addUser(srv.db, 'mgr@sec.test', 'manager', 'manager password 1');
  const mgr = await srv.tokenClient('mgr@sec.test', 'manager password 1');
  assertError(await mgr.get('/metrics'), 403, 'forbidden');
  const m = await admin.get('/metrics');
  assert.equal(m.status, 200);
  assert.match(m.text, /^rapport_parties \d+$/m);
  const metricsPort = await freePort();
  const withListener = new Server({ args: ['--metrics-listen', `127.0.0.1:${metricsPort}`] });
  await withListener.start();
  try {
    const open = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(open.status, 200);
    assert.match(await open.text(), /^rapport_parties \d+$/m);
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/api/v1/parties`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/api/v1/session`, { method: 'POST', body: '{}' })).status, 404);
    assertError(await new Client(withListener.base).get('/metrics'), 401, 'unauthenticated');
  } finally {
    await withListener.stop();
    withListener.cleanup();
  }
  // Only a loopback address may serve it without credentials.
  const r = cli(['serve', '--db', srv.db, '--listen', `127.0.0.1:${await freePort()}`, '--metrics-listen', `0.0.0.0:${await freePort()}`]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /not a loopback address/);
});
