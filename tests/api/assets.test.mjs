// assets: the embedded web UI is sent gzip-compressed only to clients that
// accept gzip, the compressed bytes are the same file, every asset has a
// strong ETag that turns a revalidation into a 304, and none of this breaks
// keep-alive connections.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { gunzipSync } from 'node:zlib';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Server } from './harness.mjs';

const srv = new Server();
before(async () => { await srv.start(); });
after(async () => { await srv.stop(); srv.cleanup(); });

/** GET with exactly these headers (fetch would add and undo Accept-Encoding); raw body bytes. */
function get(path, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: srv.port, path, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const ASSETS = ['/', '/index.html', '/js/main.js', '/js/i18n/zh-CN.js', '/app.css', '/favicon.svg', '/vendor/chart.js'];

test('gzip is sent when the request accepts it, identity otherwise, and both carry the same bytes', async () => {
  for (const path of ASSETS) {
    const plain = await get(path);
    assert.equal(plain.status, 200, path);
    assert.equal(plain.headers['content-encoding'], undefined, path + ': no Accept-Encoding, no gzip');
    assert.equal(plain.headers.vary, 'Accept-Encoding', path);
    assert.equal(Number(plain.headers['content-length']), plain.body.length, path);
    const gz = await get(path, { 'Accept-Encoding': 'gzip, deflate, br' });
    assert.equal(gz.status, 200, path);
    assert.equal(gz.headers['content-encoding'], 'gzip', path);
    assert.equal(gz.headers.vary, 'Accept-Encoding', path);
    assert.equal(gz.headers['content-type'], plain.headers['content-type'], path);
    assert.ok(gz.body.length < plain.body.length, `${path}: ${gz.body.length} compressed vs ${plain.body.length}`);
    assert.ok(gunzipSync(gz.body).equals(plain.body), path + ': gunzipped bytes differ from the identity bytes');
    assert.notEqual(gz.headers.etag, plain.headers.etag, path + ': two representations, two strong ETags');
  }
});

test('Accept-Encoding is read as the standard says: q=0 refuses, * accepts, names are case-insensitive', async () => {
  const cases = [
    ['gzip', true], ['GZIP', true], ['x-gzip', true], ['deflate, gzip;q=0.5', true], ['*', true], ['br;q=1, *;q=0.1', true],
    ['gzip;q=0', false], ['gzip; q=0.000', false], ['*;q=0', false], ['gzip;q=0, *', false], ['identity', false],
    ['br', false], ['deflate', false], ['gzipper', false], ['', false], ['gzip;q=0.001', true],
  ];
  for (const [ae, expected] of cases) {
    const r = await get('/js/api.js', { 'Accept-Encoding': ae });
    assert.equal(r.status, 200, ae);
    assert.equal(r.headers['content-encoding'] === 'gzip', expected, `Accept-Encoding: ${ae}`);
  }
});

test('a matching If-None-Match is a 304 without a body; a stale or other one gets the file', async () => {
  for (const ae of [undefined, 'gzip']) {
    const headers = ae ? { 'Accept-Encoding': ae } : {};
    const first = await get('/js/main.js', headers);
    const etag = first.headers.etag;
    assert.match(etag, /^"[0-9a-f]{16}-[0-9a-f]+(-gz)?"$/, 'a strong, quoted ETag');
    const again = await get('/js/main.js', { ...headers, 'If-None-Match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, etag);
    assert.equal(again.headers['cache-control'], 'no-cache');
    assert.equal(again.headers.vary, 'Accept-Encoding');
    // Lists, weak comparison and "*" match too.
    assert.equal((await get('/js/main.js', { ...headers, 'If-None-Match': `"nope", W/${etag}` })).status, 304);
    assert.equal((await get('/js/main.js', { ...headers, 'If-None-Match': '*' })).status, 304);
    const stale = await get('/js/main.js', { ...headers, 'If-None-Match': '"0000000000000000-1"' });
    assert.equal(stale.status, 200);
    assert.ok(stale.body.length > 0);
  }
  // The ETag of one file does not validate another, nor the other representation.
  const a = await get('/js/main.js');
  assert.equal((await get('/js/api.js', { 'If-None-Match': a.headers.etag })).status, 200);
  const gz = await get('/js/main.js', { 'Accept-Encoding': 'gzip', 'If-None-Match': a.headers.etag });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  // Client-side routes get the shell with the shell's ETag.
  const shell = await get('/index.html');
  const deep = await get('/customers/12', { 'If-None-Match': shell.headers.etag });
  assert.equal(deep.status, 304);
});

test('index.html revalidates; API answers are never stored; HEAD gives the headers of GET', async () => {
  const page = await get('/');
  assert.equal(page.headers['cache-control'], 'no-cache');
  assert.match(page.headers['content-security-policy'], /script-src 'self'/);
  const api = await get('/healthz');
  assert.equal(api.headers['cache-control'], 'no-store');
  assert.equal(api.headers.etag, undefined);
  const head = await get('/js/main.js', { 'Accept-Encoding': 'gzip' }, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-encoding'], 'gzip');
  assert.equal(head.body.length, 0);
  assert.equal((await get('/nope.js', { 'Accept-Encoding': 'gzip' })).status, 404);
});

test('gzip answers and 304s keep the connection alive', async () => {
  const first = await get('/js/main.js', { 'Accept-Encoding': 'gzip' });
  const reqs = [
    'GET /js/main.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n',
    `GET /js/main.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nIf-None-Match: ${first.headers.etag}\r\n\r\n`,
    'GET /app.css HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
  ];
  const out = await new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); resolve(data.toString('latin1')); }, 3000);
    sock.on('data', (d) => {
      data = Buffer.concat([data, d]);
      const text = data.toString('latin1');
      if ((text.match(/HTTP\/1\.1 \d{3}/g) || []).length >= reqs.length && /"status":"ok"[^}]*\}$/.test(text)) {
        clearTimeout(timer); sock.end(); resolve(text);
      }
    });
    sock.on('error', reject);
    sock.on('connect', () => { for (const r of reqs) sock.write(r); });
  });
  assert.deepEqual([...out.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1])), [200, 304, 200, 200]);
  assert.doesNotMatch(out, /Connection: close/i);
});

test('all the JavaScript the server sends, chart.js included, is under 300 KB compressed', async () => {
  const web = new URL('../../web/', import.meta.url).pathname;
  const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
  const paths = [...walk(join(web, 'js')).filter((f) => f.endsWith('.js')).map((f) => '/' + f.slice(web.length)), '/vendor/chart.js'];
  let gz = 0, plain = 0;
  for (const p of paths) {
    const r = await get(p, { 'Accept-Encoding': 'gzip' });
    assert.equal(r.status, 200, p);
    assert.equal(r.headers['content-encoding'], 'gzip', p);
    gz += r.body.length;
    plain += gunzipSync(r.body).length;
  }
  console.log(`# JavaScript served: ${paths.length} files, ${(plain / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzip`);
  assert.ok(gz < 300 * 1024, `${gz} bytes`);
  assert.ok(gz < plain / 2, 'compression at least halves it');
});
