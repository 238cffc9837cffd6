// HTTP protocol behaviour: keep-alive is never broken by our answers, the
// OpenAPI description matches the real routes, health and metrics answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Server } from './harness.mjs';

const srv = new Server();
let c;
before(async () => { await srv.start(); c = await srv.tokenClient(); });
after(async () => { await srv.stop(); srv.cleanup(); });

/** Sends raw requests on one socket and returns the raw answer text. */
function rawExchange(port, requests, expectAnswers) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => { sock.destroy(); resolve(data); }, 3000);
    sock.on('data', (d) => {
      data += d.toString();
      if ((data.match(/HTTP\/1\.1 \d{3}/g) || []).length >= expectAnswers &&
          /\r\n\r\n[\s\S]*\}$/.test(data)) { clearTimeout(timer); sock.end(); resolve(data); }
    });
    sock.on('error', reject);
    sock.on('connect', () => { for (const r of requests) sock.write(r); });
  });
}

test('no answer closes a keep-alive connection: GET, POST, errors, 404', async () => {
  const auth = `Authorization: Bearer ${c.token}\r\n`;
  const body = JSON.stringify({ kind: 'person', name: 'Keepalive' });
  const reqs = [
    `GET /api/v1/parties?limit=1 HTTP/1.1\r\nHost: x\r\n${auth}\r\n`,
    `POST /api/v1/parties HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    `GET /api/v1/parties/999999 HTTP/1.1\r\nHost: x\r\n${auth}\r\n`,
    `GET /api/v1/parties HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`,
  ];
  const out = await rawExchange(srv.port, reqs, reqs.length);
  const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
  assert.deepEqual(statuses, [200, 201, 404, 401, 200]);
  assert.doesNotMatch(out, /Connection: close/i);
});

test('the OpenAPI description lists exactly the routes the server answers', async () => {
  const r = await c.get('/api/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.equal(r.body.openapi, '3.0.3');
  const ops = [];
  for (const [path, item] of Object.entries(r.body.paths)) for (const method of Object.keys(item)) ops.push([method.toUpperCase(), path]);
  for (const expected of ['GET /api/v1/parties', 'POST /api/v1/parties', 'GET /api/v1/parties/{id}', 'PATCH /api/v1/parties/{id}',
    'DELETE /api/v1/parties/{id}', 'GET /api/v1/parties/{id}/timeline', 'POST /api/v1/parties/{id}/merge',
    'POST /api/v1/links', 'POST /api/v1/interactions', 'POST /api/v1/transactions', 'POST /api/v1/products',
    'POST /api/v1/session', 'DELETE /api/v1/session', 'POST /api/v1/tokens', 'GET /healthz'])
    assert.ok(ops.some(([m, p]) => `${m} ${p}` === expected), expected);
  for (const [method, path] of ops) {
    const url = path.replace(/\{[^}]+\}/g, '999999');
    const res = await c.request(method, url, ['POST', 'PATCH'].includes(method) ? {} : undefined);
    assert.notEqual(res.body?.error?.code, 'no_route', `${method} ${path} is described but not served`);
    assert.notEqual(res.status, 405, `${method} ${path}`);
  }
  const party = r.body.components.schemas.PartyCreate;
  assert.ok(party.properties.name && party.required.includes('kind'));
});

test('health and metrics', async () => {
  const h = await fetch(srv.base + '/healthz');
  assert.equal((await h.json()).status, 'ok');
  const m = (await c.get('/metrics')).text;   // c is the admin's token
  assert.match(m, /^rapport_http_requests_total \d+$/m);
  assert.match(m, /^rapport_parties \d+$/m);
  const rss = Number(/^rapport_process_resident_memory_bytes (\d+)$/m.exec(m)?.[1]);
  assert.ok(rss > 1e6 && rss < 4e9, m);
});

test('the web UI is served from the binary, with client-side routes falling back to it', async () => {
  const r = await fetch(srv.base + '/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/html/);
  const deep = await fetch(srv.base + '/customers/12');
  assert.equal(deep.status, 200);
  assert.equal((await fetch(srv.base + '/nope.js')).status, 404);
});

test('SIGTERM stops the server whichever of its threads takes the signal', async () => {
  // A process-directed signal may run its handler on any thread; the main
  // thread used to wait in pause(), which only a signal handled on it ends,
  // and a SIGTERM taken by a worker left the server running (a test's stop
  // hung on it). Here the signal goes to one worker thread (tgkill).
  const other = await new Server().start();
  try {
    const pid = other.proc.pid;
    const tids = readdirSync(`/proc/${pid}/task`).map(Number).filter((t) => t !== pid);
    assert.ok(tids.length > 0);
    const tid = tids[tids.length - 1];
    const r = spawnSync('python3', ['-c', `import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); ` +
      `assert libc.syscall(234, ${pid}, ${tid}, 15) == 0, os.strerror(ctypes.get_errno())`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const exit = await Promise.race([other.exited, new Promise((res) => setTimeout(() => res('still running'), 15000))]);
    assert.notEqual(exit, 'still running', 'the server did not stop');
    assert.equal(exit.code, 0);
    other.proc = null;
    other.assertClean();
  } finally {
    if (other.proc) await other.stop({ hard: true });
    other.cleanup();
  }
});
