// Exchange rates and the deal board (issue 18): totals per currency and
// converted to the company currency at the rate of the day (the latest
// on or before it, or the inverse pair's), a missing rate said and never
// guessed (USD 50 + EUR 50 is not 100: twenty#10615, OCA/crm#640); the
// board's columns, counts, card pages, filters, scope and rotting marks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sqlExec, waitJob } from './harness.mjs';

const PW = 'a long enough password';
const today = new Date().toISOString().slice(0, 10);
const daysAgo = (n) => new Date(Date.now() - n * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');

test('exchange rates: validated, imported as CSV, and the rate of the date converts', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    assertError(await admin.post('/api/v1/exchange-rates', { currency: 'CNY', to_currency: 'CNY', valid_on: '2026-01-01', rate: '1' }), 422, 'invalid_value', 'to_currency');
    assertError(await admin.post('/api/v1/exchange-rates', { currency: 'usd', to_currency: 'CNY', valid_on: '2026-01-01', rate: '7' }), 422, 'invalid_value', 'currency');
    for (const rate of ['0', '-7', '7,1', '1e3', '']) {
      assertError(await admin.post('/api/v1/exchange-rates', { currency: 'USD', to_currency: 'CNY', valid_on: '2026-01-01', rate }), 422, undefined, 'rate');
    }
    // A CSV import through the kernel's import.
    const csv = 'currency,to_currency,valid_on,rate,source\nUSD,CNY,2020-01-01,7.0,PBOC\nUSD,CNY,2099-01-01,9.9,future\nCNY,JPY,2020-01-01,20,PBOC\n';
    const r = await admin.request('POST', '/api/v1/imports?kind=exchange-rates', csv, { 'Content-Type': 'text/csv' });
    assert.equal(r.status, 202, r.text);
    const job = await waitJob(admin, `/api/v1/imports/${r.body.id}`);
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.result.created, 3, JSON.stringify(job.result));
    assert.equal((await admin.get('/api/v1/exchange-rates?currency=USD')).body.items.length, 2);
    // The same pair and day twice is refused.
    const dup = await admin.post('/api/v1/exchange-rates', { currency: 'USD', to_currency: 'CNY', valid_on: '2020-01-01', rate: '7.1' });
    assert.equal(dup.status, 409, dup.text);

    const pid = (await admin.get('/api/v1/pipelines')).body.items.find((p) => p.name === 'B2B sales').id;
    const party = (await admin.post('/api/v1/parties', { kind: 'organization', name: 'Globex 环球' })).body;
    const mk = (name, amount, currency) => admin.post('/api/v1/opportunities', { name, party_id: party.id, pipeline_id: pid, amount: { amount, currency } });
    await mk('usd', 5000, 'USD');
    await mk('eur', 5000, 'EUR');
    await mk('cny', 10000, 'CNY');
    await mk('jpy', 1000, 'JPY');      // 1000 yen (no minor unit) at 1/20 = 50.00 CNY
    let b = (await admin.get(`/api/v1/pipelines/${pid}/board`)).body;
    assert.equal(b.currency, 'CNY');
    assert.equal(b.rates_on, today);
    const col = b.columns[0];
    assert.equal(col.key, 'qualification');
    assert.equal(col.count, 4);
    const by = Object.fromEntries(col.totals.by_currency.map((t) => [t.currency, t.amount]));
    assert.deepEqual(by, { USD: 5000, EUR: 5000, CNY: 10000, JPY: 1000 });
    // No EUR rate: the converted total is not given, and EUR is named.
    assert.equal(col.totals.converted.amount, null);
    assert.deepEqual(col.totals.converted.missing, ['EUR']);
    assert.deepEqual(b.totals.converted.missing, ['EUR']);
    // With a EUR rate (entered as of a past day), every currency converts at
    // the latest rate on or before today (not the 2099 one).
    assert.equal((await admin.post('/api/v1/exchange-rates', { currency: 'EUR', to_currency: 'CNY', valid_on: '2021-06-01', rate: '7.5' })).status, 201);
    b = (await admin.get(`/api/v1/pipelines/${pid}/board`)).body;
    assert.equal(b.columns[0].totals.converted.amount, 5000 * 7 + 5000 * 7.5 + 10000 + 5000);
    assert.deepEqual(b.columns[0].totals.converted.missing, []);
    assert.equal(b.totals.converted.amount, 87500);
    // A newer USD rate takes over.
    await admin.post('/api/v1/exchange-rates', { currency: 'USD', to_currency: 'CNY', valid_on: '2025-01-01', rate: '7.2' });
    b = (await admin.get(`/api/v1/pipelines/${pid}/board`)).body;
    assert.equal(b.totals.converted.amount, 36000 + 37500 + 10000 + 5000);
    // The company currency is a setting (admin): totals follow it.
    assertError(await admin.request('PUT', '/api/v1/settings/currency', { currency: 'cny' }), 422, 'invalid_value', 'currency');
    assert.equal((await admin.request('PUT', '/api/v1/settings/currency', { currency: 'USD' })).status, 200);
    b = (await admin.get(`/api/v1/pipelines/${pid}/board`)).body;
    assert.equal(b.currency, 'USD');
    assert.equal(b.totals.converted.currency, 'USD');
    assert.deepEqual(b.totals.converted.missing.sort(), ['EUR', 'JPY'], 'no USD rates for those: said, not guessed');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('the board: columns in stage order, cards paged per column, filters, scope and rotting', async () => {
  const srv = await new Server().start();
  try {
    addUser(srv.db, 'a@test.local', 'sales');
    addUser(srv.db, 'b@test.local', 'sales');
    const a = await srv.login('a@test.local', PW);
    const b = await srv.login('b@test.local', PW);
    const admin = await srv.login();
    const p = (await admin.get('/api/v1/pipelines')).body.items.find((x) => x.name === 'Relationship marketing');
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '张伟' })).body;
    const quiet = (await admin.post('/api/v1/parties', { kind: 'person', name: '刘洋' })).body;
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const o = await admin.post('/api/v1/opportunities', { name: `A${i}`, party_id: quiet.id, pipeline_id: p.id, owner_id: a.user.id,
        amount: { amount: 100 * (i + 1), currency: 'CNY' }, expected_close_on: `2027-0${i + 1}-15` });
      assert.equal(o.status, 201, o.text);
      ids.push(o.body.id);
    }
    const bo = (await admin.post('/api/v1/opportunities', { name: 'B0', party_id: party.id, pipeline_id: p.id, owner_id: b.user.id, stage: 'plan' })).body;
    const won = (await admin.post('/api/v1/opportunities', { name: 'W', party_id: party.id, pipeline_id: p.id, owner_id: a.user.id,
      amount: { amount: 999, currency: 'CNY' } })).body;
    await admin.patch(`/api/v1/opportunities/${won.id}`, { status: 'won', version: won.version });
    let r = await admin.get(`/api/v1/pipelines/${p.id}/board?limit=2`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.columns.map((c) => c.key), p.stages.map((s) => s.key));
    assert.deepEqual(r.body.columns.map((c) => c.count), [5, 0, 1, 0, 0], 'open ones only');
    const first = r.body.columns[0];
    assert.equal(first.name_zh, '收集信息');
    assert.deepEqual(first.cards.map((c) => c.id), ids.slice(0, 2));
    assert.equal(first.totals.by_currency[0].amount, 1500);
    assert.equal(first.cards[0].party_name, '刘洋');
    // The next page of one column.
    r = await admin.get(`/api/v1/pipelines/${p.id}/board?limit=2&stage=collect_information&after=${first.next}`);
    assert.deepEqual(r.body.columns[0].cards.map((c) => c.id), ids.slice(2, 4));
    assert.deepEqual(r.body.columns[2].cards, [], 'other columns carry no cards then');
    assert.equal(r.body.columns[2].count, 1);
    // limit=0: counts and totals only.
    r = await admin.get(`/api/v1/pipelines/${p.id}/board?limit=0`);
    assert.ok(r.body.columns.every((c) => c.cards.length === 0 && c.next === null));
    assert.equal(r.body.columns[0].count, 5);
    // Filters: owner, expected close range.
    r = await admin.get(`/api/v1/pipelines/${p.id}/board?owner_id=${b.user.id}`);
    assert.deepEqual(r.body.columns.map((c) => c.count), [0, 0, 1, 0, 0]);
    r = await admin.get(`/api/v1/pipelines/${p.id}/board?close_from=2027-02-01&close_to=2027-03-31`);
    assert.equal(r.body.columns[0].count, 2);
    assert.deepEqual(r.body.columns[0].cards.map((c) => c.name), ['A1', 'A2']);
    // A salesperson's board holds their own opportunities only (read scope).
    r = await b.get(`/api/v1/pipelines/${p.id}/board`);
    assert.deepEqual(r.body.columns.map((c) => c.count), [0, 0, 1, 0, 0]);
    r = await a.get(`/api/v1/pipelines/${p.id}/board`);
    assert.equal(r.body.columns[0].count, 5);
    // Rotting: 14 days without a stage move or an interaction in stage 1.
    sqlExec(srv.db, 'UPDATE opportunity SET stage_entered_at = ? WHERE id = ?', daysAgo(20), ids[0]);
    sqlExec(srv.db, 'UPDATE opportunity SET stage_entered_at = ? WHERE id = ?', daysAgo(10), ids[1]);
    r = await a.get(`/api/v1/pipelines/${p.id}/board`);
    assert.deepEqual(r.body.columns[0].cards.map((c) => c.rotting), [true, false, false, false, false]);
    // An interaction with the customer since counts as activity.
    const i = await admin.post('/api/v1/interactions', { party_id: quiet.id, channel: 'call', occurred_at: daysAgo(1), subject: '回访' });
    assert.equal(i.status, 201, i.text);
    r = await a.get(`/api/v1/pipelines/${p.id}/board`);
    assert.equal(r.body.columns[0].cards[0].rotting, false);
    // Bad parameters name themselves; an unknown pipeline is 404.
    assertError(await a.get(`/api/v1/pipelines/${p.id}/board?limit=500`), 400, 'invalid_parameter', 'limit');
    assertError(await a.get(`/api/v1/pipelines/${p.id}/board?stage=nope`), 400, 'invalid_parameter', 'stage');
    assertError(await a.get(`/api/v1/pipelines/${p.id}/board?close_from=2027-13-01`), 400, 'invalid_parameter', 'close_from');
    assertError(await a.get(`/api/v1/pipelines/${p.id}/board?owner_id=x`), 400, 'invalid_parameter', 'owner_id');
    assertError(await a.get('/api/v1/pipelines/9999/board'), 404, 'not_found');
    // Unauthenticated: nothing.
    const anon = await fetch(`${srv.base}/api/v1/pipelines/${p.id}/board`);
    assert.equal(anon.status, 401);
    assert.ok(bo.id);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('the board counts exactly what the list shows each user: own, team (with the teams below), shares', async () => {
  const srv = await new Server().start();
  try {
    addUser(srv.db, 'm@test.local', 'manager');
    addUser(srv.db, 's1@test.local', 'sales');
    addUser(srv.db, 's2@test.local', 'sales');
    addUser(srv.db, 's3@test.local', 'sales');
    const admin = await srv.login();
    const u = {};
    for (const k of ['m', 's1', 's2', 's3']) u[k] = await srv.login(`${k}@test.local`, PW);
    const team = (await admin.post('/api/v1/teams', { name: '华东 East', manager_id: u.m.user.id })).body;
    const below = (await admin.post('/api/v1/teams', { name: '上海 Shanghai', parent_id: team.id })).body;
    await admin.patch(`/api/v1/users/${u.s1.user.id}`, { team_id: team.id });
    await admin.patch(`/api/v1/users/${u.s3.user.id}`, { team_id: below.id });
    const pid = (await admin.get('/api/v1/pipelines')).body.items[0].id;
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '周杰' })).body;
    const made = [];
    const owners = [u.s1, u.s2, u.s3, u.m, admin];
    for (let i = 0; i < 15; i++) {
      const body = { name: `D${i}`, party_id: party.id, pipeline_id: pid, owner_id: owners[i % 5].user.id };
      if (i % 4 === 0) body.team_id = team.id;     // a team's deal owned by someone outside it
      const r = await admin.post('/api/v1/opportunities', body);
      assert.equal(r.status, 201, r.text);
      made.push(r.body);
    }
    // One of s1's deals shared with s2 (a share row of the type).
    sqlExec(srv.db, "INSERT INTO record_share(entity, record_id, user_id, team_id, created_at) VALUES ('opportunity', ?, ?, NULL, '2026-01-01T00:00:00Z')",
      made[0].id, u.s2.user.id);
    for (const [k, c] of Object.entries(u)) {
      const board = (await c.get(`/api/v1/pipelines/${pid}/board?limit=200`)).body;
      const onBoard = board.columns.flatMap((col) => col.cards.map((x) => x.id)).sort((x, y) => x - y);
      const list = (await c.get(`/api/v1/opportunities?pipeline_id=${pid}&status=open&limit=200`)).body.items.map((x) => x.id).sort((x, y) => x - y);
      assert.deepEqual(onBoard, list, `${k}: the board holds what the list does`);
      assert.equal(board.columns.reduce((n, col) => n + col.count, 0), list.length, `${k}: counts`);
      assert.ok(list.length > 0 && list.length < 15, `${k} sees some, not all: ${list.length}`);
    }
    assert.ok((await u.s2.get(`/api/v1/pipelines/${pid}/board?limit=200`)).body.columns[0].cards.some((x) => x.id === made[0].id), 'shared');
    // A card names its customer only to those who may read the party (admin's here).
    const cardsOf = async (c) => (await c.get(`/api/v1/pipelines/${pid}/board?limit=200`)).body.columns.flatMap((col) => col.cards);
    assert.ok((await cardsOf(u.s1)).every((x) => x.party_name === null));
    assert.ok((await cardsOf(admin)).every((x) => x.party_name === '周杰'));
    await admin.patch(`/api/v1/parties/${party.id}`, { owner_id: u.s1.user.id, version: party.version });
    assert.ok((await cardsOf(u.s1)).every((x) => x.party_name === '周杰'), 'now s1 owns the party');
  } finally { await srv.stop(); srv.cleanup(); }
});
