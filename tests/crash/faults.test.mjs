// Fault tests: the disk fills up, fsync fails, allocations fail. In every
// case a request fails cleanly (a 5xx with a JSON error, or a closed
// connection), never with a false 2xx, a crash or a corrupt database; what
// was acknowledged before is still there; and the server recovers by itself
// when the fault goes away.
//  - disk full: the database lives on a small tmpfs (mount needs root; the
//    test is skipped with a message otherwise), a filler file takes the rest;
//  - fsync and OOM: tests/crash/faultinject.c, an LD_PRELOAD library steered
//    through a shared control file, on the release binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, dbCheck, sql } from '../api/harness.mjs';
import { RELEASE, ReleaseServer, haveRelease } from './release.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('disk full: writes fail with 507/503 and a JSON error, nothing committed is lost, writes resume when space returns', { timeout: 180000 }, async (t) => {
  const mnt = mkdtempSync(join(tmpdir(), 'rapport-full-'));
  // 8 MiB: a fresh database of 27 migrations and its WAL take 3 MiB of it.
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) {
    rmSync(mnt, { recursive: true, force: true });
    t.skip(`cannot mount a tmpfs for the disk-full test (needs root): ${(m.stderr || '').trim()}`);
    return;
  }
  const srv = new Server({ dir: mnt });
  try {
    await srv.start();
    const c = await srv.tokenClient();
    const acked = [];
    for (let i = 0; i < 20; i++) {
      const r = await c.post('/api/v1/parties', { kind: 'person', name: `Before ${i}`, notes: 'n'.repeat(2000) });
      assert.equal(r.status, 201, r.text);
      acked.push(r.body.id);
    }
    // Take every free byte.
    const filler = join(mnt, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let size = chunk.length;
    try { for (;;) writeSync(fd, chunk.subarray(0, size)); } catch (e) {
      assert.equal(e.code, 'ENOSPC');
      for (size = 4096; size >= 1; size = Math.floor(size / 2)) { try { for (;;) writeSync(fd, chunk.subarray(0, size)); } catch { /* next size */ } }
    }
    closeSync(fd);
    let failed = 0;
    const seen = new Set();
    for (let i = 0; i < 600 && failed < 8; i++) {
      const r = await c.post('/api/v1/parties', { kind: 'person', name: `Full ${i}`, notes: 'x'.repeat(12000) });
      seen.add(r.status);
      if (r.status === 201) { acked.push(r.body.id); continue; }
      assert.ok(r.status === 507 || r.status === 503, `unexpected ${r.status}: ${r.text}`);
      assert.ok(r.body && r.body.error && r.body.error.code && r.body.error.message, `no JSON error: ${r.text}`);
      failed++;
    }
    assert.ok(failed > 0, `no write failed on a full disk (statuses ${[...seen]})`);
    // Reads keep working on a full disk.
    const list = await c.get('/api/v1/parties?limit=5');
    assert.equal(list.status, 200, list.text);
    // Space returns: the same server accepts writes again, without a restart.
    unlinkSync(filler);
    let recovered = false;
    for (let i = 0; i < 50 && !recovered; i++) {
      const r = await c.post('/api/v1/parties', { kind: 'person', name: `After ${i}` });
      if (r.status === 201) { recovered = true; acked.push(r.body.id); } else await sleep(100);
    }
    assert.ok(recovered, 'writes did not resume after space was freed');
    const h = await c.get('/healthz');
    assert.equal(h.status, 200);
    await srv.stop();
    assert.equal(dbCheck(srv.db), 'ok');
    const stored = new Set(sql(srv.db, 'SELECT id FROM party').split('\n').map(Number));
    const lost = acked.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${lost.length} acknowledged writes lost`);
    console.log(`# disk full: ${acked.length} writes acknowledged, ${failed} refused with ${[...seen].filter((s) => s !== 201)}, recovered without restart`);
  } finally {
    if (srv.proc) await srv.stop({ hard: true });
    spawnSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
});

/* ---- LD_PRELOAD fault injection on the release binary ---- */

const CTL = { fail_fsync: 0, oom_every: 4, fsync_failed: 8, oom_failed: 12, alloc_count: 16 };

class FaultServer extends ReleaseServer {
  constructor() {
    super();
    this.ctl = join(this.dir, 'fault.ctl');
    writeFileSync(this.ctl, Buffer.alloc(64));
    this.lib = join(this.dir, 'faultinject.so');
    const cc = spawnSync('cc', ['-shared', '-fPIC', '-O1', '-o', this.lib, new URL('./faultinject.c', import.meta.url).pathname], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    this.env = { LD_PRELOAD: this.lib, RAPPORT_FAULT_CTL: this.ctl };
  }
  set(field, value) {
    const fd = openSync(this.ctl, 'r+');
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    writeSync(fd, b, 0, 4, CTL[field]);
    closeSync(fd);
  }
  get(field) { return readFileSync(this.ctl).readInt32LE(CTL[field]); }
}

/** A request that may fail at the connection: returns {status, body} or {status: 0}. */
async function attempt(c, method, path, body) {
  try { return await c.request(method, path, body); } catch (e) { return { status: 0, error: e }; }
}

test('a failed fsync is never acknowledged: writes get 503 with a JSON error, and succeed again once fsync works', { timeout: 120000, skip: !haveRelease && `no release binary ${RELEASE}` }, async () => {
  const srv = new FaultServer();
  try {
    await srv.start();
    const c = await srv.tokenClient();
    const acked = [];
    for (let i = 0; i < 5; i++) acked.push((await c.post('/api/v1/parties', { kind: 'person', name: `Sync ${i}` })).body.id);
    srv.set('fail_fsync', 1);
    const refused = [];
    for (let i = 0; i < 10; i++) {
      const r = await c.post('/api/v1/parties', { kind: 'person', name: `NoSync ${i}` });
      assert.notEqual(r.status, 201, `a write was acknowledged although fsync failed: ${r.text}`);
      assert.equal(r.status, 503, r.text);
      assert.equal(r.body.error.code, 'storage_error', r.text);
      refused.push(`NoSync ${i}`);
    }
    const patch = await c.patch(`/api/v1/parties/${acked[0]}`, { name: 'changed' }, { 'If-Match': '"1"' });
    assert.equal(patch.status, 503, patch.text);
    assert.ok(srv.get('fsync_failed') > 0, 'no fsync was failed: the injection did not take effect');
    assert.equal((await c.get(`/api/v1/parties/${acked[0]}`)).status, 200);
    srv.set('fail_fsync', 0);
    const r = await c.post('/api/v1/parties', { kind: 'person', name: 'Synced again' });
    assert.equal(r.status, 201, r.text);
    acked.push(r.body.id);
    await srv.stop();
    assert.equal(dbCheck(srv.db), 'ok');
    const stored = new Set(sql(srv.db, 'SELECT id FROM party').split('\n').map(Number));
    assert.deepEqual(acked.filter((id) => !stored.has(id)), []);
    assert.equal(sql(srv.db, `SELECT name FROM party WHERE id = ${acked[0]}`), 'Sync 0');
  } finally {
    if (srv.proc) await srv.stop({ hard: true });
    srv.cleanup();
  }
});

test('allocation failures end the one request cleanly: no crash, no false 2xx body, the server recovers', { timeout: 240000, skip: !haveRelease && `no release binary ${RELEASE}` }, async () => {
  const srv = new FaultServer();
  try {
    await srv.start();
    const c = await srv.tokenClient();
    const p = await c.post('/api/v1/parties', { kind: 'person', name: '张伟 OOM', emails: ['oom@example.com'] });
    assert.equal(p.status, 201);
    const acked = [p.body.id];
    const mix = (i) => [
      ['GET', '/api/v1/parties?limit=20'], ['GET', `/api/v1/parties/${p.body.id}`], ['GET', '/api/v1/parties?q=%E5%BC%A0%E4%BC%9F'],
      ['POST', '/api/v1/parties', { kind: 'organization', name: `OOM Org ${i}`, tags: ['a', 'b'], phones: ['+86 138 1234 5678'] }],
      ['POST', '/api/v1/interactions', { party_id: p.body.id, channel: 'call', subject: `call ${i}` }],
      ['GET', `/api/v1/parties/${p.body.id}/timeline`], ['GET', '/api/v1/openapi.json'], ['GET', '/api/v1/interactions?limit=5'],
      ['GET', '/metrics'], ['GET', '/'],
    ];
    let requests = 0, failures = 0;
    for (const every of [211, 97, 53, 29, 17, 11, 7, 5, 3]) {
      srv.set('oom_every', every);
      for (let i = 0; i < 3; i++) {
        for (const [method, path, body] of mix(i)) {
          const r = await attempt(c, method, path, body);
          requests++;
          if (r.status === 0 || r.status >= 500) failures++;
          if ((r.status === 201) && method === 'POST') {
            if (r.body && r.body.id) acked.push({ path, id: r.body.id });
          }
          if (r.status >= 500) assert.ok(!r.text || (r.body && r.body.error), `a ${r.status} without a JSON error: ${r.text}`);
          if (r.status && r.text && path.startsWith('/api/')) assert.notEqual(r.body, null, `broken JSON in a ${r.status} answer: ${r.text}`);
          assert.equal(srv.proc.exitCode, null, `the server died (every ${every}th allocation failing) on ${method} ${path}:\n${srv.stderr.slice(-3000)}`);
        }
      }
    }
    srv.set('oom_every', 0);
    assert.ok(srv.get('oom_failed') > 0, 'no allocation was failed: the injection did not take effect');
    // Recovered: the same server answers everything normally again.
    for (const [method, path, body] of mix(99)) {
      const r = await c.request(method, path, body);
      assert.ok(r.status < 500, `${method} ${path} after the faults: ${r.status} ${r.text}`);
    }
    await srv.stop();
    assert.equal(dbCheck(srv.db), 'ok');
    for (const a of acked.slice(1)) {
      const table = a.path.includes('interactions') ? 'interaction' : 'party';
      assert.equal(sql(srv.db, `SELECT count(*) FROM ${table} WHERE id = ${a.id}`), '1', `acknowledged ${a.path} ${a.id} lost`);
    }
    console.log(`# OOM: ${requests} requests under injected allocation failures (${srv.get('oom_failed')} allocations failed), ${failures} ended with 5xx or a closed connection, no crash`);
  } finally {
    if (srv.proc) await srv.stop({ hard: true });
    srv.cleanup();
  }
});
