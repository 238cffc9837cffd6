// Import under kill -9: `rapport import` is killed at random moments while
// it writes batches; after every kill the database passes integrity_check
// and holds only whole batches (the count of imported parties is a multiple
// of the batch size), and running the same import again to the end gives
// every row exactly once; a further run changes nothing (idempotent).
// Rounds: CRASH_IMPORT_ROUNDS (default 20). Runs the release binary (see
// release.mjs); the import engine runs under ASan in the API and unit suites.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, dbCheck, sql } from '../api/harness.mjs';
import { RELEASE, haveRelease, releaseCli } from './release.mjs';

const ROUNDS = Number(process.env.CRASH_IMPORT_ROUNDS || 20);
const ROWS = 6000, BATCH = 200;

function runImport(db, file, killAfterMs, extra = []) {
  return new Promise((resolve) => {
    const p = spawn(RELEASE, ['import', 'parties', file, '--db', db, '--batch', String(BATCH), ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const timer = killAfterMs == null ? null : setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('exit', (code, signal) => { if (timer) clearTimeout(timer); resolve({ code, signal, out }); });
  });
}

test(`an import killed ${ROUNDS} times keeps whole batches and re-runs idempotently`, { timeout: 600000, skip: !haveRelease && `no release binary ${RELEASE}` }, async () => {
  const srv = new Server();
  // Only the database is needed (no server): init it through the harness.
  const r = releaseCli(['init', '--db', srv.db]);
  assert.equal(r.status, 0, r.stderr);
  const file = join(srv.dir, 'parties.csv');
  const lines = ['external_id,name,emails,phones,city'];
  for (let i = 0; i < ROWS; i++) lines.push(`IMP-${i},客户 ${i} Customer,c${i}@example.com,+86 138 ${String(i).padStart(4, '0')} 0000,${i % 2 ? '北京' : 'Shanghai'}`);
  writeFileSync(file, lines.join('\n') + '\n');
  const count = () => Number(sql(srv.db, "SELECT count(*) FROM party WHERE external_id LIKE 'IMP-%'"));
  try {
    // Kill moments are drawn from the time a whole import takes on this
    // machine now (measured on a scratch copy), so they land mid-import
    // whether the machine is idle or busy.
    const scratch = join(srv.dir, 'scratch.db');
    assert.equal(releaseCli(['init', '--db', scratch]).status, 0);
    const t0 = Date.now();
    assert.equal((await runImport(scratch, file, null)).code, 0);
    const full = Math.max(Date.now() - t0, 20);
    let killed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const res = await runImport(srv.db, file, 2 + Math.random() * full * 0.9);
      if (res.signal === 'SIGKILL') killed++;
      else assert.equal(res.code, 0, res.out);
      assert.equal(dbCheck(srv.db), 'ok', `integrity_check after round ${round + 1}`);
      const n = count();
      assert.equal(n % BATCH, 0, `after kill ${round + 1}: ${n} parties — a batch is half visible`);
      assert.equal(Number(sql(srv.db, "SELECT count(DISTINCT external_id) FROM party WHERE external_id LIKE 'IMP-%'")), n, 'a row was imported twice');
    }
    assert.ok(killed >= 3, `only ${killed} of ${ROUNDS} imports were killed mid-way (a whole import takes ${full} ms)`);
    let res = await runImport(srv.db, file, null);
    assert.equal(res.code, 0, res.out);
    assert.equal(count(), ROWS);
    const before = sql(srv.db, "SELECT id, name, emails FROM party WHERE external_id LIKE 'IMP-%' ORDER BY id");
    res = await runImport(srv.db, file, null);
    assert.equal(res.code, 0, res.out);
    assert.match(res.out, / 0 created/, res.out);
    assert.equal(count(), ROWS);
    const after = sql(srv.db, "SELECT id, name, emails FROM party WHERE external_id LIKE 'IMP-%' ORDER BY id");
    assert.equal(after, before, 're-running the import changed the records');
    console.log(`# ${killed} imports killed with kill -9; ${ROWS} rows exactly once after re-running`);
  } finally {
    srv.cleanup();
  }
});

// An all-or-nothing import is a dry run, then batches (undone together when
// a row is refused late). Killed anywhere, it leaves whole batches only —
// none while it checks — and running it again completes it exactly once.
test('an all-or-nothing import killed mid-way keeps whole batches and completes on a re-run', { timeout: 600000, skip: !haveRelease && `no release binary ${RELEASE}` }, async () => {
  const srv = new Server();
  assert.equal(releaseCli(['init', '--db', srv.db]).status, 0);
  const file = join(srv.dir, 'parties.csv');
  const lines = ['external_id,name,emails'];
  for (let i = 0; i < ROWS; i++) lines.push(`AON-${i},Customer ${i},a${i}@example.com`);
  writeFileSync(file, lines.join('\n') + '\n');
  const count = () => Number(sql(srv.db, "SELECT count(*) FROM party WHERE external_id LIKE 'AON-%'"));
  try {
    const scratch = join(srv.dir, 'scratch.db');
    assert.equal(releaseCli(['init', '--db', scratch]).status, 0);
    const t0 = Date.now();
    assert.equal((await runImport(scratch, file, null, ['--all-or-nothing'])).code, 0);
    const full = Math.max(Date.now() - t0, 20);
    let killed = 0;
    for (let round = 0; round < 8; round++) {
      const res = await runImport(srv.db, file, 2 + Math.random() * full * 0.9, ['--all-or-nothing']);
      if (res.signal === 'SIGKILL') killed++;
      else assert.equal(res.code, 0, res.out);
      assert.equal(dbCheck(srv.db), 'ok');
      assert.equal(count() % BATCH, 0, `after round ${round + 1}: ${count()} parties — a batch is half visible`);
    }
    assert.ok(killed >= 2, `only ${killed} of 8 imports were killed mid-way`);
    const res = await runImport(srv.db, file, null, ['--all-or-nothing']);
    assert.equal(res.code, 0, res.out);
    assert.equal(count(), ROWS);
    assert.equal(Number(sql(srv.db, "SELECT count(DISTINCT external_id) FROM party WHERE external_id LIKE 'AON-%'")), ROWS);
  } finally {
    srv.cleanup();
  }
});
