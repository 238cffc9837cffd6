// release: a test server running the release binary ($RAPPORT_RELEASE_BIN,
// else the ASan binary's sibling without "-asan"), optionally with extra
// environment (LD_PRELOAD fault injection). The crash suite uses it where
// many server starts or a preload library are needed: it starts in a
// fraction of the ASan build's time, and it is the build operators run.
// ASan/UBSan coverage of the same code paths comes from the API suite.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { BIN, Server, freePort, ADMIN_EMAIL, ADMIN_PASSWORD } from '../api/harness.mjs';

export const RELEASE = process.env.RAPPORT_RELEASE_BIN || BIN.replace(/-asan$/, '');
export const haveRelease = existsSync(RELEASE);

export function releaseCli(args, { input, env } = {}) {
  const r = spawnSync(RELEASE, args, { input, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export class ReleaseServer extends Server {
  constructor(opts = {}) { super(opts); this.env = opts.env || {}; }

  async start() {
    if (!existsSync(this.db)) {
      for (const args of [['init', '--db', this.db], ['user', 'add', ADMIN_EMAIL, '--role', 'admin', '--password-stdin', '--db', this.db]]) {
        const r = releaseCli(args, { input: ADMIN_PASSWORD + '\n', env: this.env });
        assert.equal(r.status, 0, r.stderr);
      }
    }
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    this.proc = spawn(RELEASE, ['serve', '--db', this.db, '--listen', `127.0.0.1:${this.port}`],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } });
    this.stderr = '';
    this.proc.stderr.on('data', (d) => { this.stderr += d.toString(); });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    for (const deadline = Date.now() + 20000; ;) {
      try { if ((await fetch(this.base + '/healthz')).ok) break; } catch { /* not up yet */ }
      if (Date.now() > deadline) throw new Error('server did not start: ' + this.stderr);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this;
  }
}
