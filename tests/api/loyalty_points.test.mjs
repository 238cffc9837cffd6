// The loyalty points ledger (issue 21, DOMAIN D7): programmes with earn
// rules; purchases earn once through the write path's hook; a refund takes
// back what its purchase earned, once; redemptions spend the lots nearest
// expiry first; an overdraw is 409 insufficient_points and changes nothing;
// expiry runs as scheduled work; the check rebuilds every balance from the
// ledger; and under many concurrent redemptions through two server processes
// on one database the balance never goes below zero and the sum is exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sql, sqlRows, sqlExec } from './harness.mjs';

const CNY = (amount) => ({ amount, currency: 'CNY' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function party(c, name = '王芳 Wang Fang') {
  const r = await c.post('/api/v1/parties', { kind: 'person', name });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

test('purchases earn by the rules, once; a refund takes it back once; an overdraw changes nothing', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const cat = await admin.post('/api/v1/products', { name: '咖啡豆 Beans', sku: 'BEAN-1', category: 'coffee' });
    const prog = await admin.post('/api/v1/loyalty-programs', {
      name: '常客 Frequent buyer', earn_unit: CNY(1000), earn_points: 1,          // 1 point per 10 yuan
      product_rules: [{ category: 'coffee', points: 5 }],                        // 5 more per bag of coffee
      frequency_purchases: 3, frequency_days: 30, frequency_bonus: 20, expiry_days: 365 });
    assert.equal(prog.status, 201, prog.text);
    assert.equal(prog.body.status, 'active');
    // Rules that do not hang together are refused, naming the field.
    assertError(await admin.post('/api/v1/loyalty-programs', { name: 'x', earn_points: 3 }), 422, 'invalid_value', 'earn_unit');
    assertError(await admin.post('/api/v1/loyalty-programs', { name: 'x', frequency_bonus: 3 }), 422, 'invalid_value', 'frequency_bonus');
    assertError(await admin.post('/api/v1/loyalty-programs', { name: 'x', product_rules: [{ points: 2 }] }), 422, 'invalid_value', 'product_rules');
    const p = await party(admin);
    const buy = async (amount, items, day) => {
      const r = await admin.post('/api/v1/transactions', { party_id: p, occurred_at: day, amount: CNY(amount), items });
      assert.equal(r.status, 201, r.text);
      return r.body;
    };
    const t1 = await buy(25000, [{ product_id: cat.body.id, quantity: 2 }], '2026-11-01T10:00:00Z');   // 25 + 2×5 = 35
    let pts = (await admin.get(`/api/v1/parties/${p}/points`)).body;
    assert.equal(pts.balance, 35);
    assert.equal(pts.items.length, 1);
    assert.equal(pts.items[0].kind, 'earn');
    assert.equal(pts.items[0].txn_id, t1.id);
    assert.ok(pts.items[0].expires_at > '2027-');
    await buy(5000, [], '2026-11-05T10:00:00Z');                                                      // 5
    await buy(1000, [], '2026-11-06T10:00:00Z');                                                      // 1 + the 3rd in 30 days: 20
    pts = (await admin.get(`/api/v1/parties/${p}/points`)).body;
    assert.equal(pts.balance, 35 + 5 + 21);
    // Changing a purchase does not earn again.
    const ch = await admin.patch(`/api/v1/transactions/${t1.id}`, { description: 'gift wrap', version: t1.version });
    assert.equal(ch.status, 200, ch.text);
    assert.equal((await admin.get(`/api/v1/parties/${p}/points`)).body.balance, 61);
    // An overdraw: 409, nothing written.
    const before = sql(srv.db, 'SELECT count(*) FROM points_ledger');
    assertError(await admin.post(`/api/v1/parties/${p}/points`, { points: -62, reason: 'redeem' }), 409, 'insufficient_points', 'points');
    assert.equal(sql(srv.db, 'SELECT count(*) FROM points_ledger'), before);
    assertError(await admin.post(`/api/v1/parties/${p}/points`, { points: 5, reason: 'redeem' }), 422, 'invalid_value', 'points');
    assertError(await admin.post(`/api/v1/parties/${p}/points`, { points: 5 }), 422, 'required', 'reason');
    assertError(await admin.post(`/api/v1/parties/${p}/points`, { points: 5, reason: 'x', bonus: 1 }), 422, 'unknown_field', 'bonus');
    const red = await admin.post(`/api/v1/parties/${p}/points`, { points: -10, reason: 'redeem' });
    assert.equal(red.status, 201, red.text);
    assert.equal(red.body.balance, 51);
    assert.equal(red.body.entry.kind, 'redeem');
    // The refund of the first purchase (deleted) takes back its 35, once.
    assert.equal((await admin.request('DELETE', `/api/v1/transactions/${t1.id}`)).status, 204);
    pts = (await admin.get(`/api/v1/parties/${p}/points`)).body;
    assert.equal(pts.balance, 16);
    assert.equal(pts.items[0].kind, 'reverse');
    assert.equal(pts.items[0].points, -35);
    assert.equal(sql(srv.db, "SELECT count(*) FROM points_ledger WHERE kind = 'reverse'"), '1');
    // A cancelled purchase (amount set to zero) is a refund too; changing it again takes nothing more.
    const t4 = await buy(3000, [], '2026-11-07T10:00:00Z');                                           // 3 + 20 (3rd in 30 days)
    assert.equal((await admin.get(`/api/v1/parties/${p}/points`)).body.balance, 39);
    const c1 = await admin.patch(`/api/v1/transactions/${t4.id}`, { amount: CNY(0), version: t4.version });
    assert.equal(c1.status, 200, c1.text);
    assert.equal((await admin.get(`/api/v1/parties/${p}/points`)).body.balance, 16);
    const c2 = await admin.patch(`/api/v1/transactions/${t4.id}`, { amount: CNY(-3000), version: c1.body.version });
    assert.equal(c2.status, 200, c2.text);
    assert.equal((await admin.get(`/api/v1/parties/${p}/points`)).body.balance, 16);
    // The ledger is append-only, down in the database too.
    assert.throws(() => sqlExec(srv.db, 'UPDATE points_ledger SET points = 1000'));
    assert.throws(() => sqlExec(srv.db, 'DELETE FROM points_ledger'));
    const check = await admin.get('/api/v1/points/check');
    assert.equal(check.status, 200, check.text);
    assert.equal(check.body.ok, true, check.text);
    assert.equal(check.body.postings, Number(sql(srv.db, 'SELECT count(*) FROM points_ledger')));
  } finally { await srv.stop(); srv.cleanup(); }
});

test('spent nearest expiry first; the scheduler expires what is left; the check finds a broken cache and repairs it', async () => {
  const srv = await new Server({ env: { RAPPORT_SCHEDULER_TICK_MS: '100' } }).start();
  try {
    addUser(srv.db, 'sales@test.local', 'sales');
    addUser(srv.db, 'ro@test.local', 'read_only');
    const admin = await srv.login();
    const p = await party(admin, '李雷 Li Lei');
    const soon = new Date(Date.now() + 4000).toISOString().replace(/\.\d+Z$/, 'Z');
    const later = new Date(Date.now() + 86400000 * 30).toISOString().replace(/\.\d+Z$/, 'Z');
    const never = await admin.post(`/api/v1/parties/${p}/points`, { points: 50, reason: 'welcome gift' });
    const late = await admin.post(`/api/v1/parties/${p}/points`, { points: 30, reason: 'survey', expires_at: later });
    const early = await admin.post(`/api/v1/parties/${p}/points`, { points: 20, reason: 'birthday', expires_at: soon });
    assert.equal(early.status, 201, early.text);
    assert.equal(early.body.balance, 100);
    const r = await admin.post(`/api/v1/parties/${p}/points`, { points: -15, reason: 'redeem' });
    assert.equal(r.status, 201, r.text);
    // The 15 came from the lot expiring soonest.
    assert.deepEqual(sqlRows(srv.db, 'SELECT lot_id, points FROM points_use WHERE spend_id = ?', r.body.entry.id)
      .map((x) => [x[0], x[1]]), [[early.body.entry.id, 15]]);
    const r2 = await admin.post(`/api/v1/parties/${p}/points`, { points: -10, reason: 'redeem' });
    assert.deepEqual(sqlRows(srv.db, 'SELECT lot_id, points FROM points_use WHERE spend_id = ? ORDER BY lot_id', r2.body.entry.id)
      .map((x) => [x[0], x[1]]), [[late.body.entry.id, 5], [early.body.entry.id, 5]].sort((a, b) => a[0] - b[0]));
    // Roles: a read-only user reads but may not post.
    const ro = await srv.login('ro@test.local', 'a long enough password');
    assert.equal((await ro.get(`/api/v1/parties/${p}/points`)).body.balance, 75);
    assert.equal((await ro.post(`/api/v1/parties/${p}/points`, { points: 5, reason: 'x' })).status, 403);
    assertError(await admin.post('/api/v1/parties/999999/points', { points: 5, reason: 'x' }), 404, 'not_found');
    // Expiry: the survey lot expires; the never-expiring and spent ones stay.
    const rest = await admin.post(`/api/v1/parties/${p}/points`, { points: 7, reason: 'bonus', expires_at: soon });
    assert.equal(rest.body.balance, 82);
    await sleep(Math.max(0, Date.parse(soon) - Date.now()) + 1100);
    const sch = await admin.request('PUT', '/api/v1/schedules/points-expiry', { kind: 'points_expire', every_seconds: 1 });
    assert.equal(sch.status, 201, sch.text);
    let pts;
    for (let i = 0; i < 200; i++) {
      pts = (await admin.get(`/api/v1/parties/${p}/points`)).body;
      if (pts.balance === 75) break;
      await sleep(100);
    }
    assert.equal(pts.balance, 75, JSON.stringify(pts));
    assert.equal(pts.items[0].kind, 'expire');
    assert.equal(pts.items[0].points, -7);
    await sleep(1500);   // more runs expire nothing twice
    assert.equal((await admin.get(`/api/v1/parties/${p}/points`)).body.balance, 75);
    assert.equal(never.body.entry.expires_at, null);
    // Break the cache behind the server's back: the check says so, the repair mends it.
    sqlExec(srv.db, 'UPDATE points_lot SET remaining = remaining + 3 WHERE lot_id = ?', never.body.entry.id);
    const bad = (await admin.get('/api/v1/points/check')).body;
    assert.equal(bad.ok, false);
    assert.ok(bad.mismatches.some((m) => m.what === 'lot_remaining' && m.posting_id === never.body.entry.id), JSON.stringify(bad));
    const fixed = await admin.post('/api/v1/points/check', {});
    assert.equal(fixed.status, 200, fixed.text);
    assert.equal(fixed.body.ok, true, fixed.text);
    assert.equal((await admin.get('/api/v1/points/check')).body.ok, true);
    const sales = await srv.login('sales@test.local', 'a long enough password');
    assert.equal((await sales.get('/api/v1/points/check')).status, 403);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('concurrent redemptions through two server processes: never below zero, no point spent twice', { timeout: 120000 }, async () => {
  const a = await new Server().start();
  const b = await new Server({ dir: a.dir }).start();
  try {
    const ca = await a.login();
    const cb = await b.login();
    const p = await party(ca, '并发 Concurrent');
    const START = 1000, EACH = 7, N = 300;
    for (let i = 0; i < 10; i++) assert.equal((await ca.post(`/api/v1/parties/${p}/points`, { points: START / 10, reason: 'seed' })).status, 201);
    const reqs = [];
    for (let i = 0; i < N; i++) reqs.push((i % 2 ? ca : cb).post(`/api/v1/parties/${p}/points`, { points: -EACH, reason: 'redeem' }));
    const res = await Promise.all(reqs);
    const ok = res.filter((r) => r.status === 201).length;
    const refused = res.filter((r) => r.status === 409 && r.body.error.code === 'insufficient_points').length;
    assert.equal(ok + refused, N, JSON.stringify(res.find((r) => r.status !== 201 && r.status !== 409)?.body));
    assert.equal(ok, Math.floor(START / EACH));
    const bal = (await cb.get(`/api/v1/parties/${p}/points`)).body.balance;
    assert.equal(bal, START - ok * EACH);
    assert.equal(sql(a.db, 'SELECT min(balance_after) >= 0 FROM points_ledger'), '1');
    assert.equal(sql(a.db, 'SELECT sum(points) FROM points_use'), String(ok * EACH));
    assert.equal((await ca.get('/api/v1/points/check')).body.ok, true);
  } finally { await b.stop(); await a.stop(); a.cleanup(); }
});

test('a merge moves the duplicate’s points to the survivor lot by lot, expiry kept, and its club membership', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const a = await party(admin, '合并 Survivor');
    const b = await party(admin, '合并 Duplicate');
    const later = new Date(Date.now() + 86400000 * 60).toISOString().replace(/\.\d+Z$/, 'Z');
    await admin.post(`/api/v1/parties/${a}/points`, { points: 10, reason: 'a' });
    await admin.post(`/api/v1/parties/${b}/points`, { points: 30, reason: 'b1', expires_at: later });
    await admin.post(`/api/v1/parties/${b}/points`, { points: 12, reason: 'b2' });
    await admin.post(`/api/v1/parties/${b}/points`, { points: -5, reason: 'redeem' });
    const club = (await admin.post('/api/v1/clubs', { name: 'Club' })).body;
    const mem = (await admin.post('/api/v1/club-members', { club_id: club.id, party_id: b, joined_on: '2026-01-01' })).body;
    const m = await admin.post(`/api/v1/parties/${a}/merge`, { duplicate_id: b });
    assert.equal(m.status, 200, m.text);
    const pa = (await admin.get(`/api/v1/parties/${a}/points`)).body;
    assert.equal(pa.balance, 10 + 30 + 12 - 5);
    const moved = pa.items.filter((i) => i.reason === `merged from party ${b}`);
    assert.deepEqual(moved.map((i) => [i.points, i.expires_at]).sort((x, y) => x[0] - y[0]), [[12, null], [25, later]]);
    assert.equal(sql(srv.db, 'SELECT balance_after FROM points_ledger WHERE party_id = ? ORDER BY id DESC LIMIT 1', b), '0');
    assert.equal((await admin.get(`/api/v1/club-members/${mem.id}`)).body.party_id, a);
    assert.equal((await admin.get('/api/v1/points/check')).body.ok, true);
  } finally { await srv.stop(); srv.cleanup(); }
});
