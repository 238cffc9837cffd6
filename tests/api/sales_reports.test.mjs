// Sales reports (issue 18): won / lost, win rate and cycle time by user
// and source, conversion by stage from the stage history, activity
// counts, within the caller's scope; exported as XLSX and CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sqlExec } from './harness.mjs';

const PW = 'a long enough password';
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

test('won / lost, win rate, cycle time, conversion by stage, activities; XLSX and CSV', async () => {
  const srv = await new Server().start();
  try {
    addUser(srv.db, 'a@test.local', 'sales');
    addUser(srv.db, 'b@test.local', 'sales');
    const a = await srv.login('a@test.local', PW);
    const b = await srv.login('b@test.local', PW);
    const admin = await srv.login();
    await admin.post('/api/v1/exchange-rates', { currency: 'USD', to_currency: 'CNY', valid_on: '2020-01-01', rate: '7' });
    const pid = (await admin.get('/api/v1/pipelines')).body.items.find((p) => p.name === 'B2B sales').id;
    const party = (await admin.post('/api/v1/parties', { kind: 'organization', name: '深圳华星', owner_id: a.user.id })).body;
    const partyB = (await admin.post('/api/v1/parties', { kind: 'organization', name: '广州白云', owner_id: b.user.id })).body;
    const mk = async (owner, body, end) => {
      const pty = owner === a ? party : partyB;
      let o = (await owner.post('/api/v1/opportunities', { party_id: pty.id, pipeline_id: pid, name: 'x', ...body })).body;
      assert.ok(o.id, JSON.stringify(o));
      if (end?.stage) o = (await owner.patch(`/api/v1/opportunities/${o.id}`, { stage: end.stage, version: o.version })).body;
      if (end?.status) {
        const r = await owner.patch(`/api/v1/opportunities/${o.id}`, { ...end, stage: undefined, version: o.version });
        assert.equal(r.status, 200, r.text);
        o = r.body;
      }
      return o;
    };
    const w1 = await mk(a, { source: 'referral', amount: { amount: 1000, currency: 'CNY' } }, { stage: 'proposal', status: 'won' });
    await mk(a, { source: 'referral', amount: { amount: 100, currency: 'USD' } }, { status: 'won' });
    await mk(a, { source: 'website' }, { status: 'lost', lost_reason: 'price' });
    await mk(b, { source: 'website' }, { status: 'lost', lost_reason: 'timing' });
    await mk(b, {});
    // The first won one was created ten days before it was won.
    sqlExec(srv.db, 'UPDATE opportunity SET created_at = ? WHERE id = ?', new Date(Date.parse(w1.closed_at) - 10 * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z'), w1.id);
    for (const ch of ['call', 'call', 'email']) await a.post('/api/v1/interactions', { party_id: party.id, channel: ch, occurred_at: now() });
    await a.post('/api/v1/interactions', { party_id: party.id, channel: 'visit', status: 'planned', due_at: '2099-01-01T00:00:00Z' });

    let r = await admin.get('/api/v1/reports/sales?by=user');
    assert.equal(r.status, 200, r.text);
    const ra = r.body.rows.find((x) => x.key === String(a.user.id)), rb = r.body.rows.find((x) => x.key === String(b.user.id));
    assert.deepEqual([ra.won, ra.lost, ra.open], [2, 1, 0]);
    assert.equal(ra.win_rate, 2 / 3);
    assert.equal(ra.won_amount.converted.amount, 1000 + 700);
    assert.ok(Math.abs(ra.cycle_days - 5) < 0.01, `mean cycle ${ra.cycle_days}`);
    assert.deepEqual([rb.won, rb.lost, rb.open], [0, 1, 1]);
    assert.equal(rb.win_rate, 0);
    assert.equal(rb.cycle_days, null);
    const act = r.body.activities.find((x) => x.user_id === a.user.id);
    assert.equal(act.count, 3, 'done interactions only');
    assert.deepEqual(act.by_channel, { call: 2, email: 1 });
    r = await admin.get('/api/v1/reports/sales?by=source');
    const src = Object.fromEntries(r.body.rows.map((x) => [x.key, [x.won, x.lost, x.open]]));
    assert.deepEqual(src, { referral: [2, 0, 0], website: [0, 2, 0], none: [0, 0, 1] });
    r = await admin.get(`/api/v1/reports/sales?by=stage&pipeline_id=${pid}`);
    const st = Object.fromEntries(r.body.rows.map((x) => [x.key, x]));
    assert.deepEqual([st.qualification.entered, st.qualification.won, st.qualification.lost, st.qualification.open], [5, 2, 2, 1]);
    assert.equal(st.qualification.conversion, 0.4);
    assert.deepEqual([st.proposal.entered, st.proposal.won], [1, 1]);
    // A period before any of it: nothing closed in it.
    r = await admin.get('/api/v1/reports/sales?by=user&from=2020-01-01&to=2020-12-31');
    assert.ok(r.body.rows.every((x) => x.won === 0 && x.lost === 0));
    // A salesperson reports on their own.
    r = await b.get('/api/v1/reports/sales?by=user');
    assert.deepEqual(r.body.rows.map((x) => x.key), [String(b.user.id)]);
    // Files: XLSX (a zip) and CSV.
    const x = await fetch(`${srv.base}/api/v1/reports/sales/export?by=user&format=xlsx`, { headers: { Cookie: admin.cookie } });
    assert.equal(x.status, 200);
    assert.match(x.headers.get('content-type'), /spreadsheetml/);
    const bytes = new Uint8Array(await x.arrayBuffer());
    assert.deepEqual([...bytes.slice(0, 2)], [0x50, 0x4b]);
    const c = await admin.get('/api/v1/reports/sales/export?by=stage&format=csv');
    assert.match(c.headers.get('content-type'), /text\/csv/);
    assert.match(c.text, /^stage,entered,open,won,lost,win_rate,conversion\r?\n/);
    assert.match(c.text, /qualification,5,1,2,2,0\.5000,0\.4000/);
    const cu = await admin.get('/api/v1/reports/sales/export?by=user&format=csv');
    assert.match(cu.text, new RegExp(`^${a.user.id},0,2,1,0\\.6667,17\\.00,CNY,5\\.0\\r?$`, 'm'), cu.text);
    // Parameters.
    assertError(await admin.get('/api/v1/reports/sales?by=colour'), 400, 'invalid_parameter', 'by');
    assertError(await admin.get('/api/v1/reports/sales/export?format=pdf'), 400, 'invalid_parameter', 'format');
    // Exporting needs the export permission: read_only may read, not export.
    addUser(srv.db, 'ro@test.local', 'read_only');
    const ro = await srv.login('ro@test.local', PW);
    assert.equal((await ro.get('/api/v1/reports/sales')).status, 200);
    assertError(await ro.get('/api/v1/reports/sales/export?format=csv'), 403, 'forbidden');
    assertError(await admin.get('/api/v1/reports/sales?from=2026-13-01'), 400, 'invalid_parameter', 'from');
    assertError(await admin.get('/api/v1/reports/sales?from=2026-05-01&to=2026-04-01'), 400, 'invalid_parameter', 'to');
  } finally { await srv.stop(); srv.cleanup(); }
});
