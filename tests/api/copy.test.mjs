// copy: `rapport copy --from data.db --to TARGET` (issue 22) moves the demo
// database to another store — a PostgreSQL database in the api-pg suite, a
// new SQLite file in api — with every table verified by row count and
// checksum, resumable (a second run copies nothing and still verifies), and a
// server on the copy answers as on the original: its lists, its Chinese
// search, new records past the copied ids.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, cli, addUser, sqlRows, ADMIN_EMAIL, ADMIN_PASSWORD } from './harness.mjs';

let dir, source, target, srv;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rapport-copy-'));
  source = join(dir, 'source.db');
  assert.equal(cli(['init', '--db', source]).status, 0);
  const d = cli(['demo', '--db', source, '--parties', '120', '--seed', '7']);
  assert.equal(d.status, 0, d.stderr);
  target = new Server();
  target.dbExists();   // an empty database on the store under test (created on PostgreSQL)
});
after(async () => {
  if (srv) await srv.stop();
  if (target) target.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function tableLines(out) {
  return out.split('\n').filter((l) => / rows \(/.test(l));
}

test('every table arrives with the same rows and checksum; a second run copies nothing', async () => {
  const r = cli(['copy', '--from', source, '--to', target.db]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const lines = tableLines(r.stdout);
  assert.ok(lines.length >= 20, r.stdout);
  for (const l of lines) assert.match(l, / ok$/, l);
  const party = lines.find((l) => l.startsWith('party '));
  assert.match(party, /^party\s+120 rows \(120 copied now\)/);
  assert.match(r.stdout, /search index: 120 parties/);
  const again = cli(['copy', '--from', source, '--to', target.db]);
  assert.equal(again.status, 0, again.stderr);
  for (const l of tableLines(again.stdout)) assert.match(l, /rows \(0 copied now\).* ok$/, l);
});

test('a server on the copy lists, searches and creates as on the original', async () => {
  addUser(target.db, ADMIN_EMAIL, 'admin', ADMIN_PASSWORD);
  srv = await target.start();
  const api = await srv.login();
  const list = await api.get('/api/v1/parties?limit=5&count=true');
  assert.equal(list.status, 200, list.text);
  assert.equal(list.body.count, 120);
  const [[name]] = sqlRows(source, "SELECT name FROM party WHERE kind = 'person' ORDER BY id LIMIT 1");
  const found = await api.get('/api/v1/parties?limit=50&q=' + encodeURIComponent(name.slice(0, 2)));
  assert.equal(found.status, 200);
  assert.ok(found.body.items.some((p) => p.name === name), `${name} found by ${name.slice(0, 2)}`);
  const made = await api.post('/api/v1/parties', { kind: 'person', name: '新客户' });
  assert.equal(made.status, 201, made.text);
  assert.ok(made.body.id > 120);
});
