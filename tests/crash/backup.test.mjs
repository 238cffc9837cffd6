// Online backup: `rapport backup FILE` runs while the server is serving a
// stream of writes; `rapport restore FILE` restores it into a new database
// file, which passes integrity_check, holds every write acknowledged before
// the backup started, and holds nothing the live database does not. The
// restored database then serves: a server started on it answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, Server, cli, dbCheck, sql } from '../api/harness.mjs';

function run(args) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => resolve({ code, out }));
  });
}

test('backup while serving writes, restore into a new file: every write acknowledged before the backup is there', { timeout: 300000 }, async () => {
  const srv = new Server({ demo: 1000 });
  let restored;
  try {
    await srv.start();
    const c = await srv.tokenClient();
    const acked = [];   // [id, acknowledged at (ms)]
    let stop = false;
    const writer = async (w) => {
      for (let i = 0; !stop; i++) {
        const r = await c.post('/api/v1/interactions', { party_id: 1 + ((w * 97 + i) % 1000), channel: 'call', subject: `backup w${w} #${i}`, notes: '备份 backup '.repeat(20) });
        assert.equal(r.status, 201, r.text);
        acked.push([r.body.id, performance.now()]);
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    for (const deadline = Date.now() + 60000; acked.length < 30 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
    const file = join(srv.dir, 'backup.db');
    const started = performance.now();
    const b = await run(['backup', file, '--db', srv.db]);
    const finished = performance.now();
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(writers);
    assert.equal(b.code, 0, b.out);
    const before = acked.filter(([, at]) => at < started).map(([id]) => id);
    const during = acked.filter(([, at]) => at >= started && at <= finished).length;
    assert.ok(before.length > 20, `only ${before.length} writes before the backup`);
    await srv.stop();

    restored = join(srv.dir, 'restored.db');
    const r = cli(['restore', file, '--db', restored]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(dbCheck(restored), 'ok');
    const have = new Set(sql(restored, "SELECT id FROM interaction WHERE subject LIKE 'backup w%'").split('\n').filter(Boolean).map(Number));
    const missing = before.filter((id) => !have.has(id));
    assert.deepEqual(missing, [], `${missing.length} writes acknowledged before the backup started are missing from it`);
    const live = new Set(sql(srv.db, "SELECT id FROM interaction WHERE subject LIKE 'backup w%'").split('\n').map(Number));
    assert.deepEqual([...have].filter((id) => !live.has(id)), [], 'the backup holds rows the live database does not');
    assert.equal(sql(restored, 'SELECT count(*) FROM party'), sql(srv.db, 'SELECT count(*) FROM party'));
    console.log(`# backup: ${((finished - started) / 1000).toFixed(2)} s under load (${during} writes acknowledged meanwhile); restored copy has all ${before.length} earlier writes, ${have.size} in all`);

    // The restored file is a working database.
    const srv2 = new Server({ dir: srv.dir });
    srv2.db = restored;
    await srv2.start();
    const c2 = await srv2.tokenClient();
    assert.equal((await c2.get(`/api/v1/interactions?limit=1&party_id=1`)).status, 200);
    await srv2.stop();
  } finally {
    if (srv.proc) await srv.stop({ hard: true });
    srv.cleanup();
  }
});
