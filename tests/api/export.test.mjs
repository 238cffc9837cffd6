// Exports: `rapport export` and GET /api/v1/exports/{kind} write CSV, JSON
// Lines and XLSX; CSV cells that a spreadsheet would run as formulas are
// escaped; a round trip export → import into an empty database gives the
// same records (ids, fields, created_at).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, cli, addUser, assertError, ADMIN_EMAIL, ADMIN_PASSWORD } from './harness.mjs';

const KINDS = ['parties', 'products', 'interactions', 'transactions'];
let srv, c;
const dir = mkdtempSync(join(tmpdir(), 'rapport-export-'));

before(async () => {
  srv = await new Server().start();
  c = await srv.login();
  const mk = async (path, body) => {
    const r = await c.post(path, body);
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  const a = await mk('/api/v1/parties', {
    kind: 'person', name: '张伟', emails: ['zw@example.cn'], phones: ['+86 138 0013 8000'], tags: ['vip', 'a;b'],
    custom: { level: 3, 备注: 'x, "y"' }, addresses: [{ city: '北京', line1: '长安街 1 号' }], birthday: '1980-02-29',
    city: '北京', notes: 'line1\nline2, "quoted"', importance: 'vip', roles: ['customer', 'prospect'],
  });
  await mk('/api/v1/parties', { kind: 'organization', name: '=HYPERLINK("http://evil.example","x")', roles: ['supplier'] });
  await mk('/api/v1/parties', { kind: 'person', name: '@SUM(A1)', external_id: '-42', website: '+cmd', title: '\tTabbed' });
  await mk('/api/v1/products', { name: 'Tea', sku: 'T-1', price: { amount: 1250, currency: 'CNY' }, active: false, category: '饮料' });
  await mk('/api/v1/interactions', {
    party_id: a, channel: 'call', subject: 'Hello', status: 'done', occurred_at: '2024-01-01T00:00:00Z', cost: { amount: 300, currency: 'CNY' },
  });
  await mk('/api/v1/transactions', {
    party_id: a, occurred_at: '2024-01-02T03:04:05Z', amount: { amount: -1999, currency: 'CNY' }, cost: { amount: -500, currency: 'CNY' },
    items: [{ sku: 'T-1', name: 'Tea', quantity: 2, unit_price: { amount: 1250, currency: 'CNY' }, amount: 2500 }],
    channel: 'web', external_id: 'INV-1', description: '=1+2',
  });
  await mk('/api/v1/transactions', { party_id: a, occurred_at: '2024-03-01T00:00:00Z', amount: { amount: 123456789, currency: 'JPY' } });
});

after(async () => {
  await srv.stop();
  srv.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function exportJsonl(db, kind) {
  const r = cli(['export', kind, '--format', 'jsonl', '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => {
    const o = JSON.parse(l);
    delete o.updated_at;
    delete o.version;
    return o;
  });
}

for (const format of ['csv', 'jsonl']) {
  test(`round trip through ${format}: export, import into an empty database, same records`, () => {
    const target = join(dir, `target-${format}.db`);
    let r = cli(['init', '--db', target]);
    assert.equal(r.status, 0, r.stderr);
    addUser(target, ADMIN_EMAIL, 'admin', ADMIN_PASSWORD);   // owner_id 1 exists there too
    for (const kind of KINDS) {
      const file = join(dir, `${kind}.${format}`);
      r = cli(['export', kind, '--format', format, '--db', srv.db, '--output', file]);
      assert.equal(r.status, 0, r.stderr);
      r = cli(['import', kind, file, '--db', target, '--all-or-nothing']);
      assert.equal(r.status, 0, `${kind}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, / 0 errors/);
    }
    for (const kind of KINDS) assert.deepEqual(exportJsonl(target, kind), exportJsonl(srv.db, kind), kind);
  });
}

test('CSV: formula-like cells are escaped, numbers are not; XLSX is a workbook', () => {
  let r = cli(['export', 'parties', '--format', 'csv', '--db', srv.db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^id,kind,name,roles,external_id,emails,phones,/);
  assert.match(r.stdout, /"'=HYPERLINK\(""http:\/\/evil.example"",""x""\)"/);
  assert.match(r.stdout, /"'@SUM\(A1\)"/);
  assert.match(r.stdout, /"'\+cmd"/);
  assert.match(r.stdout, /"'\tTabbed"/);
  assert.match(r.stdout, /,-42,/);          // a number is not a formula
  assert.match(r.stdout, /,vip; wholesale|,"\[""vip"",""a;b""\]",/);
  r = cli(['export', 'transactions', '--format', 'csv', '--db', srv.db]);
  assert.match(r.stdout, /,-19\.99,CNY,-5\.00,CNY,/);
  assert.match(r.stdout, /,1234567890?,JPY,|,123456789,JPY,/);
  assert.match(r.stdout, /"'=1\+2"/);
  r = cli(['export', 'products', '--format', 'xlsx', '--db', srv.db, '--output', join(dir, 'p.xlsx')]);
  assert.equal(r.status, 0, r.stderr);
  const x = readFileSync(join(dir, 'p.xlsx'));
  assert.equal(x.subarray(0, 2).toString(), 'PK');
  r = cli(['export', 'things', '--db', srv.db]);
  assert.equal(r.status, 2);
});

test('API: GET /api/v1/exports/{kind} with the list filters, as CSV, JSON Lines and XLSX', async () => {
  // The CLI tests above take a while: start from a fresh session and connection.
  let r;
  for (let attempt = 0; ; attempt++) {
    try {
      c = await srv.login();
      r = await c.get('/api/v1/exports/parties?format=csv&kind=organization');
      break;
    } catch (e) {
      if (attempt >= 2) throw new Error(`${e.message}; server stderr: ${srv.stderr.slice(-2000)}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  assert.match(r.headers.get('content-disposition'), /attachment; filename="parties.csv"/);
  assert.equal(r.headers.get('x-record-count'), '1');
  assert.equal(r.text.trim().split('\r\n').length, 2);
  r = await c.get('/api/v1/exports/transactions?format=jsonl&occurred_at_from=2024-02-01T00:00:00Z');
  assert.equal(r.status, 200);
  const lines = r.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 1);
  assert.deepEqual(lines[0].amount, { amount: 123456789, currency: 'JPY' });
  r = await c.get('/api/v1/exports/parties?format=jsonl&q=张伟');
  assert.equal(r.text.trim().split('\n').length, 1);
  const res = await fetch(srv.base + '/api/v1/exports/products?format=xlsx', { headers: { Cookie: c.cookie } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /spreadsheetml/);
  assert.equal(Buffer.from(await res.arrayBuffer()).subarray(0, 2).toString(), 'PK');
  assertError(await c.get('/api/v1/exports/parties?format=pdf'), 400, 'invalid_parameter', 'format');
  assertError(await c.get('/api/v1/exports/parties?colour=red'), 400, 'unknown_parameter', 'colour');
  const anon = await fetch(srv.base + '/api/v1/exports/parties');
  assert.equal(anon.status, 401);
});
