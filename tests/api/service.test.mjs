// Service (issue 19): business calendars, SLA policies and cases with their
// clocks — due times in business time of the policy's calendar (weekends,
// lunch, holidays, 调休 working days), paused while waiting on the customer,
// met or not; reopen; the thread as messages on the timeline; remedies only
// on complaints; the authorisation of each role.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sqlExec } from './harness.mjs';

const PW = 'a long enough password';
const DAY = [['09:00', '12:00'], ['13:30', '18:00']];
export const SHANGHAI = {
  name: '上海客服日历 2026', time_zone: 'Asia/Shanghai',
  hours: { mon: DAY, tue: DAY, wed: DAY, thu: DAY, fri: DAY },
  holidays: ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'],
  working_days: ['2026-09-27', '2026-10-10'],
  working_day_hours: { '2026-10-10': [['10:00', '16:00']] },
};

test('calendars: stored as given, refused with the field named when they do not parse', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const c = await admin.post('/api/v1/business-calendars', SHANGHAI);
    assert.equal(c.status, 201, c.text);
    assert.deepEqual(c.body.hours.mon, DAY);
    assert.deepEqual(c.body.working_days, SHANGHAI.working_days);
    assertError(await admin.post('/api/v1/business-calendars', { ...SHANGHAI, time_zone: 'Mars/Olympus' }), 422, 'invalid_value', 'time_zone');
    assertError(await admin.post('/api/v1/business-calendars', { ...SHANGHAI, hours: { mon: [['12:00', '09:00']] } }), 422, 'invalid_value', 'hours');
    assertError(await admin.post('/api/v1/business-calendars', { ...SHANGHAI, hours: { someday: DAY } }), 422, 'invalid_value', 'hours');
    assertError(await admin.post('/api/v1/business-calendars', { ...SHANGHAI, holidays: ['2026-13-01'] }), 422, 'invalid_value', 'holidays');
    assertError(await admin.post('/api/v1/business-calendars', { ...SHANGHAI, working_days: ['2026-10-01'] }), 422, 'invalid_value', 'working_days');
    assertError(await admin.patch(`/api/v1/business-calendars/${c.body.id}`, { hours: { mon: [['9', '18']] }, version: c.body.version }),
      422, 'invalid_value', 'hours');
    assert.equal((await admin.get('/api/v1/business-calendars')).body.items.length, 1, 'a refused calendar was stored');
    // Policies: positive targets, resolution no sooner than first response, a real calendar.
    assertError(await admin.post('/api/v1/sla-policies', { name: 'x', calendar_id: c.body.id, first_response_minutes: 0, resolution_minutes: 60 }),
      422, 'invalid_value', 'first_response_minutes');
    assertError(await admin.post('/api/v1/sla-policies', { name: 'x', calendar_id: c.body.id, first_response_minutes: 60, resolution_minutes: 30 }),
      422, 'invalid_value', 'resolution_minutes');
    assertError(await admin.post('/api/v1/sla-policies', { name: 'x', calendar_id: 999, first_response_minutes: 60, resolution_minutes: 60 }),
      422, 'invalid_reference', 'calendar_id');
    assertError(await admin.post('/api/v1/sla-policies', { name: 'x', calendar_id: c.body.id, priorities: ['whenever'], first_response_minutes: 60, resolution_minutes: 60 }),
      422, undefined, 'priorities');
    const p = await admin.post('/api/v1/sla-policies', { name: 'Standard', calendar_id: c.body.id, first_response_minutes: 60, resolution_minutes: 480 });
    assert.equal(p.status, 201, p.text);
    assert.equal(p.body.active, true);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('due times in business time: weekend, lunch, holiday week and 调休; policy by priority, category and tier', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const cal = (await admin.post('/api/v1/business-calendars', SHANGHAI)).body;
    const std = (await admin.post('/api/v1/sla-policies', { name: 'Standard', calendar_id: cal.id, first_response_minutes: 60, resolution_minutes: 480 })).body;
    const urgent = (await admin.post('/api/v1/sla-policies', { name: 'Urgent', calendar_id: cal.id, priorities: ['urgent', 'high'],
      first_response_minutes: 30, resolution_minutes: 120 })).body;
    const billing = (await admin.post('/api/v1/sla-policies', { name: 'Urgent billing', calendar_id: cal.id, priorities: ['urgent'],
      categories: ['billing'], first_response_minutes: 15, resolution_minutes: 60 })).body;
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '王芳' })).body;
    // Friday 18 September 2026, 17:30 in Shanghai: 30 minutes that day, the rest on Monday.
    const c = await admin.post('/api/v1/cases', { subject: '发票错误 Wrong invoice', kind: 'question', party_id: party.id,
      opened_at: '2026-09-18T09:30:00Z' });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.status, 'new');
    assert.equal(c.body.priority, 'normal');
    assert.equal(c.body.sla_policy_id, std.id);
    assert.equal(c.body.first_response_due_at, '2026-09-21T01:30:00Z', 'Mon 09:30');
    assert.equal(c.body.resolution_due_at, '2026-09-21T10:00:00Z', 'Mon 18:00 (lunch not counted)');
    assert.equal(c.body.first_response_met, null);
    // Wednesday 30 September 17:00 + 120 business minutes: one hour that day,
    // the National Day week off, Thursday 8 October 09:00-10:00.
    const h = (await admin.post('/api/v1/cases', { subject: 'x', kind: 'complaint', priority: 'high', party_id: party.id,
      opened_at: '2026-09-30T09:00:00Z' })).body;
    assert.equal(h.sla_policy_id, urgent.id);
    assert.equal(h.first_response_due_at, '2026-09-30T09:30:00Z');
    assert.equal(h.resolution_due_at, '2026-10-08T02:00:00Z');
    // Saturday 26 September: the next working time is Sunday the 27th (调休, Monday's hours).
    const s = (await admin.post('/api/v1/cases', { subject: 'x', kind: 'consultation', party_id: party.id, opened_at: '2026-09-26T02:00:00Z' })).body;
    assert.equal(s.first_response_due_at, '2026-09-27T02:00:00Z');
    // Friday 9 October 17:00 +480: 1 h Friday, Saturday the 10th 10:00-16:00 (its own hours), 1 h Monday.
    assert.equal(s.sla_policy_id, std.id);
    const f = (await admin.post('/api/v1/cases', { subject: 'x', kind: 'request', party_id: party.id, opened_at: '2026-10-09T09:00:00Z' })).body;
    assert.equal(f.resolution_due_at, '2026-10-12T02:00:00Z');
    // The most specific policy wins; changing the priority chooses again.
    const b = (await admin.post('/api/v1/cases', { subject: 'x', kind: 'question', priority: 'urgent', category: 'billing', party_id: party.id,
      opened_at: '2026-09-14T01:00:00Z' })).body;
    assert.equal(b.sla_policy_id, billing.id);
    assert.equal(b.first_response_due_at, '2026-09-14T01:15:00Z');
    const down = await admin.patch(`/api/v1/cases/${b.id}`, { priority: 'low', version: b.version });
    assert.equal(down.status, 200, down.text);
    assert.equal(down.body.sla_policy_id, std.id);
    assert.equal(down.body.first_response_due_at, '2026-09-14T02:00:00Z');
    // A tier policy: platinum customers get shorter targets.
    const plat = (await admin.post('/api/v1/sla-policies', { name: 'Platinum', calendar_id: cal.id, tiers: ['platinum'],
      first_response_minutes: 10, resolution_minutes: 100 })).body;
    sqlExec(srv.db, `INSERT INTO score(party_id, computed_at, transactions, repeat_purchases, revenue, cost, profit, cost_to_serve, net_profit,
      competitor_amount, tier) VALUES (?, '2026-09-01T00:00:00Z', 0, 0, 0, 0, 0, 0, 0, 0, 'platinum')`, party.id);
    const t = (await admin.post('/api/v1/cases', { subject: 'x', kind: 'question', party_id: party.id, opened_at: '2026-09-14T01:00:00Z' })).body;
    assert.equal(t.sla_policy_id, plat.id);
    assert.equal(t.first_response_due_at, '2026-09-14T01:10:00Z');
    // Without any policy that fits, there are no due times.
    await admin.patch(`/api/v1/sla-policies/${std.id}`, { active: false, version: std.version });
    const other = (await admin.post('/api/v1/parties', { kind: 'person', name: '李明' })).body;
    const none = (await admin.post('/api/v1/cases', { subject: 'x', kind: 'question', party_id: other.id })).body;
    assert.equal(none.sla_policy_id, null);
    assert.equal(none.resolution_due_at, null);
    // opened_at may not lie in the future, nor change later.
    assertError(await admin.post('/api/v1/cases', { subject: 'x', kind: 'question', party_id: party.id, opened_at: '2099-01-01T00:00:00Z' }),
      422, 'invalid_value', 'opened_at');
    assertError(await admin.patch(`/api/v1/cases/${t.id}`, { opened_at: '2026-09-15T01:00:00Z', version: t.version }), 422, 'read_only', 'opened_at');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('the clock stops while waiting on the customer; met or not; reopen; the thread on the timeline', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const all = [['00:00', '24:00']];
    const cal = (await admin.post('/api/v1/business-calendars', { name: 'round the clock', time_zone: 'UTC',
      hours: { mon: all, tue: all, wed: all, thu: all, fri: all, sat: all, sun: all } })).body;
    await admin.post('/api/v1/sla-policies', { name: 'any', calendar_id: cal.id, first_response_minutes: 600, resolution_minutes: 6000 });
    const party = (await admin.post('/api/v1/parties', { kind: 'organization', name: '华为' })).body;
    let c = (await admin.post('/api/v1/cases', { subject: '屏幕坏了', kind: 'complaint', party_id: party.id, channel: 'wechat' })).body;
    const due0 = Date.parse(c.resolution_due_at);
    assert.equal(due0 - Date.parse(c.opened_at), 6000 * 60000);
    // The customer writes; then we answer: the first response, and the case opens.
    let m = await admin.post(`/api/v1/cases/${c.id}/messages`, { direction: 'theirs', body: '屏幕不亮了' });
    assert.equal(m.status, 201, m.text);
    c = (await admin.get(`/api/v1/cases/${c.id}`)).body;
    assert.equal(c.first_response_at, null);
    assert.equal(c.status, 'new');
    m = await admin.post(`/api/v1/cases/${c.id}/messages`, { direction: 'ours', body: '请问型号是？ Which model?' });
    assert.equal(m.status, 201, m.text);
    c = (await admin.get(`/api/v1/cases/${c.id}`)).body;
    assert.equal(c.status, 'open');
    assert.ok(c.first_response_at);
    assert.equal(c.first_response_met, true);
    assertError(await admin.post(`/api/v1/cases/${c.id}/messages`, { direction: 'sideways', body: 'x' }), 422, 'invalid_value', 'direction');
    assertError(await admin.post(`/api/v1/cases/${c.id}/messages`, { direction: 'ours', body: '' }), 422, 'invalid_value', 'body');
    assertError(await admin.post('/api/v1/cases/9999/messages', { direction: 'ours', body: 'x' }), 404, 'not_found');
    const thread = (await admin.get(`/api/v1/cases/${c.id}/messages`)).body.items;
    assert.deepEqual(thread.map((x) => x.direction), ['theirs', 'ours']);
    // Waiting on the customer stops the clock; when they answer it runs again, the due time later by the wait.
    c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'waiting_on_customer', version: c.version })).body;
    assert.equal(c.sla_pauses.length, 1);
    assert.equal(c.sla_pauses[0].to, undefined);
    await new Promise((r) => setTimeout(r, 2100));
    c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'open', version: c.version })).body;
    const waited = Date.parse(c.sla_pauses[0].to) - Date.parse(c.sla_pauses[0].from);
    assert.ok(waited >= 2000, `waited ${waited} ms`);
    assert.equal(Date.parse(c.resolution_due_at) - due0, waited, 'the due time moves by exactly the wait');
    // A remedy and its cost (complaints only).
    c = (await admin.patch(`/api/v1/cases/${c.id}`, { remedy: '换新机 replacement', remedy_cost: { amount: 129900, currency: 'CNY' }, version: c.version })).body;
    assert.equal(c.remedy_cost.amount, 129900);
    c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'resolved', version: c.version })).body;
    assert.equal(c.resolution_met, true);
    assert.ok(c.resolved_at);
    assert.equal(c.resolved_by, admin.user.id);
    // Reopen: counted, resolution open again.
    c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'open', version: c.version })).body;
    assert.equal(c.reopen_count, 1);
    assert.equal(c.resolved_at, null);
    assert.equal(c.resolution_met, null);
    assert.equal(c.sla_pauses.length, 2);
    c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'resolved', version: c.version })).body;
    c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'closed', version: c.version })).body;
    assert.ok(c.closed_at);
    // A wrong move: 409, nothing changed.
    const bad = await admin.patch(`/api/v1/cases/${c.id}`, { status: 'waiting_on_customer', version: c.version });
    assertError(bad, 409, 'invalid_transition', 'status');
    // A case already late: its first response is not met.
    const late = (await admin.post('/api/v1/cases', { subject: 'old', kind: 'question', party_id: party.id,
      opened_at: new Date(Date.now() - 700 * 60000).toISOString().replace(/\.\d+Z$/, 'Z') })).body;
    await admin.post(`/api/v1/cases/${late.id}/messages`, { direction: 'ours', body: '抱歉 sorry' });
    assert.equal((await admin.get(`/api/v1/cases/${late.id}`)).body.first_response_met, false);
    // Remedies belong to complaints and grievances.
    assertError(await admin.post('/api/v1/cases', { subject: 'x', kind: 'question', party_id: party.id, remedy: 'coupon' }), 422, 'invalid_value', 'remedy');
    // The timeline: the messages and moves.
    const tl = (await admin.get(`/api/v1/cases/${c.id}/timeline?limit=100`)).body.items.map((i) => i.item);
    const msgs = tl.filter((a) => a.action === 'message');
    assert.equal(msgs.length, 2);
    assert.equal(msgs[1].changes.message[1].body, '屏幕不亮了');
    // The party's timeline shows the case.
    const ptl = await admin.get(`/api/v1/parties/${party.id}/timeline`);
    assert.equal(ptl.status, 200, ptl.text);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('authorisation: who may set up service, and whose cases each role sees and works', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    for (const [email, role] of [['svc@test.local', 'service'], ['svc2@test.local', 'service'], ['ro@test.local', 'read_only'],
      ['mgr@test.local', 'manager'], ['sales@test.local', 'sales']]) addUser(srv.db, email, role);
    const svc = await srv.login('svc@test.local', PW), svc2 = await srv.login('svc2@test.local', PW);
    const ro = await srv.login('ro@test.local', PW), mgr = await srv.login('mgr@test.local', PW), sales = await srv.login('sales@test.local', PW);
    const team = (await admin.post('/api/v1/teams', { name: '客服一组', manager_id: mgr.user.id })).body;
    await admin.patch(`/api/v1/users/${svc.user.id}`, { team_id: team.id });
    // Set-up is the admin's.
    for (const u of [svc, ro, mgr, sales]) {
      assertError(await u.post('/api/v1/business-calendars', SHANGHAI), 403, 'forbidden');
      assertError(await u.post('/api/v1/sla-policies', { name: 'x', calendar_id: 1, first_response_minutes: 1, resolution_minutes: 1 }), 403, 'forbidden');
      assertError(await u.post('/api/v1/escalation-rules', { name: 'x', target: 'resolution', moment: 'breached' }), 403, 'forbidden');
    }
    const cal = (await admin.post('/api/v1/business-calendars', SHANGHAI)).body;
    assert.equal((await ro.get(`/api/v1/business-calendars/${cal.id}`)).status, 200);
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '赵敏' })).body;
    const c = (await svc.post('/api/v1/cases', { subject: 'x', kind: 'request', party_id: party.id, team_id: team.id })).body;
    assert.equal(c.owner_id, svc.user.id);
    // read_only reads, never writes.
    assert.equal((await ro.get(`/api/v1/cases/${c.id}`)).status, 200);
    assertError(await ro.post('/api/v1/cases', { subject: 'x', kind: 'request', party_id: party.id }), 403, 'forbidden');
    assertError(await ro.post(`/api/v1/cases/${c.id}/messages`, { direction: 'ours', body: 'x' }), 403, 'forbidden');
    // Another team's service agent sees it but may not work it.
    assert.equal((await svc2.get(`/api/v1/cases/${c.id}`)).status, 200);
    assertError(await svc2.patch(`/api/v1/cases/${c.id}`, { status: 'open', version: c.version }), 403, 'forbidden');
    assertError(await svc2.post(`/api/v1/cases/${c.id}/messages`, { direction: 'ours', body: 'x' }), 403, 'forbidden');
    // The team's manager works it.
    const m = await mgr.post(`/api/v1/cases/${c.id}/messages`, { direction: 'ours', body: '您好' });
    assert.equal(m.status, 201, m.text);
    // Sales sees only their team's cases: this one does not exist for them.
    assertError(await sales.get(`/api/v1/cases/${c.id}`), 404, 'not_found');
    assertError(await sales.get(`/api/v1/cases/${c.id}/messages`), 404, 'not_found');
    // Nobody unauthenticated.
    const anon = await fetch(`${srv.base}/api/v1/cases`);
    assert.equal(anon.status, 401);
  } finally { await srv.stop(); srv.cleanup(); }
});

test("a complaint's remedy cost adds to the party's cost to serve in the analytics", async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '钱多多' })).body;
    await admin.post('/api/v1/transactions', { party_id: party.id, occurred_at: '2026-10-01T10:00:00Z', amount: { amount: 500000, currency: 'CNY' } });
    await admin.post('/api/v1/interactions', { party_id: party.id, channel: 'call', occurred_at: '2026-10-02T10:00:00Z', subject: 'call',
      cost: { amount: 1000, currency: 'CNY' } });
    const c = await admin.post('/api/v1/cases', { subject: '漏水 leak', kind: 'complaint', party_id: party.id,
      remedy: '退款 refund', remedy_cost: { amount: 25000, currency: 'CNY' } });
    assert.equal(c.status, 201, c.text);
    const run = await admin.post('/api/v1/analytics/runs?wait=true', {});
    assert.ok(run.status === 200 || run.status === 201, run.text);
    assert.equal(run.body.status, 'done', run.text);
    const sc = await admin.get(`/api/v1/parties/${party.id}/scores`);
    assert.equal(sc.status, 200, sc.text);
    assert.ok(sc.body.summary, sc.text);
    assert.equal(sc.body.summary.cost_to_serve, 26000, JSON.stringify(sc.body.summary));
  } finally { await srv.stop(); srv.cleanup(); }
});

test('service measures per team and user: times, SLA met, reopens, CSAT, NPS, complaints, remedy cost; CSV and XLSX', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    addUser(srv.db, 'a1@test.local', 'service');
    addUser(srv.db, 'mk@test.local', 'marketing');
    const a1 = await srv.login('a1@test.local', PW);
    const t1 = (await admin.post('/api/v1/teams', { name: '一组' })).body;
    const t2 = (await admin.post('/api/v1/teams', { name: '二组' })).body;
    await admin.patch(`/api/v1/users/${a1.user.id}`, { team_id: t1.id });
    const all = [['00:00', '24:00']];
    const cal = (await admin.post('/api/v1/business-calendars', { name: '24/7', time_zone: 'UTC',
      hours: { mon: all, tue: all, wed: all, thu: all, fri: all, sat: all, sun: all } })).body;
    await admin.post('/api/v1/sla-policies', { name: 'any', calendar_id: cal.id, first_response_minutes: 60, resolution_minutes: 600 });
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '冯雪' })).body;
    const ago = (min) => new Date(Date.now() - min * 60000).toISOString().replace(/\.\d+Z$/, 'Z');
    // Team 1: a complaint answered in time then resolved, reopened, resolved; a grievance answered late.
    let c1 = (await a1.post('/api/v1/cases', { subject: 'a', kind: 'complaint', category: '物流', party_id: party.id, team_id: t1.id, opened_at: ago(30),
      remedy: 'coupon', remedy_cost: { amount: 5000, currency: 'CNY' } })).body;
    await a1.post(`/api/v1/cases/${c1.id}/messages`, { direction: 'ours', body: 'hi' });
    c1 = (await a1.get(`/api/v1/cases/${c1.id}`)).body;
    c1 = (await a1.patch(`/api/v1/cases/${c1.id}`, { status: 'resolved', version: c1.version })).body;
    c1 = (await a1.patch(`/api/v1/cases/${c1.id}`, { status: 'open', version: c1.version })).body;
    c1 = (await a1.patch(`/api/v1/cases/${c1.id}`, { status: 'resolved', version: c1.version })).body;
    const c2 = (await a1.post('/api/v1/cases', { subject: 'b', kind: 'grievance', category: '物流', party_id: party.id, team_id: t1.id, opened_at: ago(120) })).body;
    await a1.post(`/api/v1/cases/${c2.id}/messages`, { direction: 'ours', body: 'sorry' });
    // Team 2: a question, with a survey answer.
    let c3 = (await admin.post('/api/v1/cases', { subject: 'c', kind: 'question', party_id: party.id, team_id: t2.id })).body;
    c3 = (await admin.patch(`/api/v1/cases/${c3.id}`, { status: 'resolved', version: c3.version })).body;
    const sv = (await admin.post('/api/v1/surveys', { case_id: c3.id })).body;
    await fetch(sv.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ csat: 4, nps: 6 }) });
    const m = await admin.get('/api/v1/service-measures?by=team');
    assert.equal(m.status, 200, m.text);
    const g1 = m.body.items.find((g) => g.group_id === t1.id), g2 = m.body.items.find((g) => g.group_id === t2.id);
    assert.equal(g1.group_name, '一组');
    assert.equal(g1.cases, 2);
    assert.equal(g1.complaints, 2);
    assert.deepEqual(g1.complaints_by_category, { 物流: 2 });
    assert.equal(g1.sla_met_pct, 66.67, 'c1 both met, c2 first response late');
    assert.equal(g1.reopen_rate_pct, 100);
    assert.deepEqual(g1.remedy_cost, [{ amount: 5000, currency: 'CNY' }]);
    assert.ok(g1.first_response_minutes >= 30 && g1.first_response_minutes < 90, String(g1.first_response_minutes));
    assert.equal(g2.csat, 4);
    assert.equal(g2.nps, -100);
    assert.equal(m.body.total.cases, 3);
    // By user; a period without cases.
    const u = (await admin.get('/api/v1/service-measures?by=user')).body;
    assert.equal(u.items.find((g) => g.group_id === a1.user.id).cases, 2);
    assert.equal((await admin.get('/api/v1/service-measures?from=2020-01-01&to=2020-12-31')).body.total.cases, 0);
    assertError(await admin.get('/api/v1/service-measures?by=galaxy'), 400, 'invalid_parameter', 'by');
    // Exports.
    const csv = await admin.get('/api/v1/exports/service-measures?format=csv');
    assert.equal(csv.status, 200);
    assert.match(csv.text, /^group_id,group_name,cases/);
    assert.match(csv.text, /一组/);
    assert.match(csv.text, /CNY 50\.00/);
    const xlsx = await fetch(srv.base + '/api/v1/exports/service-measures?format=xlsx', { headers: { Cookie: admin.cookie } });
    assert.equal(xlsx.status, 200);
    assert.equal(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 2).toString(), 'PK');
    // Field security: a role from whom remedy costs are hidden does not get them here either.
    const hide = await admin.request('PUT', '/api/v1/field-permissions', { role: 'marketing', entity: 'cases', field: 'remedy_cost', access: 'hidden' });
    assert.equal(hide.status, 200, hide.text);
    const mk = await srv.login('mk@test.local', PW);
    assert.equal((await mk.get('/api/v1/service-measures')).body.total.remedy_cost, null);
    // A role that reads only its team's cases measures only those.
    addUser(srv.db, 'sa@test.local', 'sales');
    const sa = await srv.login('sa@test.local', PW);
    await admin.patch(`/api/v1/users/${sa.user.id}`, { team_id: t2.id });
    const mine = (await sa.get('/api/v1/service-measures')).body;
    assert.equal(mine.total.cases, 1);
    assert.deepEqual(mine.items.map((g) => g.group_id), [t2.id]);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('a calendar or policy change moves the due times of the open cases that follow it (not the closed ones)', async () => {
  const srv = await new Server({ env: { RAPPORT_SCHEDULER_TICK_MS: '100' } }).start();
  try {
    const admin = await srv.login();
    const cal = (await admin.post('/api/v1/business-calendars', SHANGHAI)).body;
    const pol = (await admin.post('/api/v1/sla-policies', { name: 'Standard', calendar_id: cal.id, first_response_minutes: 60, resolution_minutes: 480 })).body;
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '韩梅' })).body;
    // Friday 18 September 17:30: first response due Monday 09:30.
    const open = (await admin.post('/api/v1/cases', { subject: 'open', kind: 'question', party_id: party.id, opened_at: '2026-09-18T09:30:00Z' })).body;
    let done = (await admin.post('/api/v1/cases', { subject: 'done', kind: 'question', party_id: party.id, opened_at: '2026-09-18T09:30:00Z' })).body;
    done = (await admin.patch(`/api/v1/cases/${done.id}`, { status: 'resolved', version: done.version })).body;
    done = (await admin.patch(`/api/v1/cases/${done.id}`, { status: 'closed', version: done.version })).body;
    assert.equal(open.first_response_due_at, '2026-09-21T01:30:00Z');
    // Monday 21 September becomes a holiday: due Tuesday 09:30.
    const c2 = await admin.patch(`/api/v1/business-calendars/${cal.id}`, { holidays: [...SHANGHAI.holidays, '2026-09-21'], version: cal.version });
    assert.equal(c2.status, 200, c2.text);
    const sched = (await admin.get('/api/v1/schedules')).body.items.find((s) => s.name === 'service.escalation');
    assert.ok(sched, 'the sweep is scheduled');
    await admin.request('PUT', '/api/v1/schedules/service.escalation', { kind: 'case_escalation', every_seconds: 1 });
    const wait = async (want) => {
      for (let i = 0; i < 150; i++) {
        const c = (await admin.get(`/api/v1/cases/${open.id}`)).body;
        if (c.first_response_due_at === want) return c;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.fail(`the due time never became ${want}`);
    };
    await wait('2026-09-22T01:30:00Z');
    // The policy's target doubles: two business hours from Friday 17:30 → Tuesday 10:30.
    await admin.patch(`/api/v1/sla-policies/${pol.id}`, { first_response_minutes: 120, version: pol.version });
    const c = await wait('2026-09-22T02:30:00Z');
    const tl = (await admin.get(`/api/v1/cases/${open.id}/timeline`)).body.items.map((i) => i.item);
    assert.equal(tl.filter((x) => x.action === 'sla_recompute').length, 2);
    assert.ok(c.version > open.version);
    // The closed case keeps the due times it was judged by.
    const closed = (await admin.get(`/api/v1/cases/${done.id}`)).body;
    assert.equal(closed.first_response_due_at, '2026-09-21T01:30:00Z');
    assert.equal(closed.version, done.version);
  } finally { await srv.stop(); srv.cleanup(); }
});
