// The next best action (issue 20): one thing to do now for a customer,
// with its reasons as message ids + params, from the segment's strategy,
// the lifecycle, the contact plan (an overdue contact), a fall of P(alive),
// an upcoming (lunar) birthday; and the caller's worklist ranked by the
// value at stake. Hidden analytics figures are not reasons for a role
// that may not see them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sqlExec } from './harness.mjs';

const PW = 'a long enough password';

function score(db, id, { tier, strategy, lifecycle, p_alive, clv, last }) {
  sqlExec(db, `INSERT INTO score (party_id, computed_at, transactions, repeat_purchases, revenue, cost, profit, cost_to_serve,
    net_profit, competitor_amount, tier, strategy, lifecycle, p_alive, clv, last_purchase)
    VALUES (?, '2026-12-01T00:00:00Z', 3, 2, 100, 0, 100, 0, 100, 0, ?, ?, ?, ?, ?, ?)`, id, tier, strategy, lifecycle, p_alive, clv, last);
}

test('next action of a customer and the worklist, ranked by the value at stake', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    // The figures behind the reasons (tier, P(alive) …) are computed over every party and from transaction costs:
    // by default only an admin sees them all (analytics/lineage), so the relationship manager here is one.
    addUser(srv.db, 'rm@test.local', 'admin');
    const rm = await srv.login('rm@test.local', PW);
    const mk = async (name, extra = {}) => (await admin.post('/api/v1/parties', { kind: 'person', name, owner_id: rm.user.id, ...extra })).body.id;
    const wang = await mk('王芳');
    const li = await mk('李雷', { lunar_birthday: { month: 8, day: 15 } });
    const lead = await mk('Lead Ltd');
    const fresh = await mk('New Co');
    score(srv.db, wang, { tier: 'platinum', strategy: 'submissive', lifecycle: 'stability', p_alive: 0.55, clv: 1000000, last: '2026-08-01' });
    score(srv.db, li, { tier: 'gold', strategy: 'caring', lifecycle: 'stability', p_alive: 0.9, clv: 300000, last: '2026-09-01' });
    score(srv.db, lead, { tier: 'lead', strategy: 'indifferent', lifecycle: 'decline', p_alive: 0.2, clv: 5000, last: '2025-01-01' });
    // 王芳: platinum and P(alive) fell → win back, today, with her reasons.
    let r = await rm.get(`/api/v1/parties/${wang}/next-action?on=2026-09-20`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.action, 'win_back');
    assert.equal(r.body.when, 'today');
    assert.equal(r.body.message.message, 'nba.action.win_back');
    assert.deepEqual(r.body.reasons.map((x) => x.message).slice(0, 2), ['nba.reason.tier', 'nba.reason.p_alive_fell']);
    assert.deepEqual(r.body.reasons[1].params, { percent: 55, since: { date: '2026-08-01' } });
    // 李雷's lunar birthday (八月十五 = 2026-09-25) is 5 days away → greet.
    r = await rm.get(`/api/v1/parties/${li}/next-action?on=2026-09-20`);
    assert.equal(r.body.action, 'greet');
    assert.deepEqual(r.body.reasons.find((x) => x.message === 'nba.reason.lunar_birthday_soon').params, { date: { date: '2026-09-25' }, days: 5 });
    // Later in the year the gold strategy applies: care and follow up.
    assert.equal((await rm.get(`/api/v1/parties/${li}/next-action?on=2026-11-20`)).body.action, 'care');
    assert.equal((await rm.get(`/api/v1/parties/${lead}/next-action?on=2026-09-20`)).body.action, 'none');
    // An overdue contact of a weekly plan.
    const plan = (await admin.post('/api/v1/contact-plans', { name: 'Weekly', segment: `owner_id=${rm.user.id}`, every_days: 7, starts_on: '2026-01-05' })).body;
    assert.equal((await admin.post(`/api/v1/contact-plans/${plan.id}/run?wait=true&on=2026-01-06`)).status, 200);
    r = await rm.get(`/api/v1/parties/${fresh}/next-action?on=2026-09-20`);
    assert.equal(r.body.action, 'overdue_contact');
    assert.ok(r.body.interaction_id);
    assert.equal(r.body.reasons.find((x) => x.message === 'nba.reason.never_contacted').params.every_days, 7);
    // The worklist: the lead customer has nothing to do; the others by value at stake (王芳 first).
    r = await rm.get('/api/v1/next-actions?on=2026-09-20');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.items.map((i) => i.party_name), ['王芳', '李雷', 'New Co']);
    assert.equal(r.body.total, 3);
    assert.ok(r.body.items[0].value_at_stake > r.body.items[1].value_at_stake);
    assert.equal((await admin.get('/api/v1/next-actions?on=2026-09-20')).body.items.length, 0, 'the admin owns none of them');
    assertError(await rm.get('/api/v1/next-actions?limit=0'), 400, 'invalid_parameter', 'limit');
    assertError(await rm.get(`/api/v1/parties/${wang}/next-action?on=yesterday`), 400, 'invalid_parameter', 'on');
    // A sales user does not read every party: the figures computed over all of them (the tier, the lifetime value)
    // are hidden from them, so they are neither reasons nor weights of their customers' next actions.
    addUser(srv.db, 'other@test.local', 'sales');
    const other = await srv.login('other@test.local', PW);
    assertError(await other.get(`/api/v1/parties/${wang}/next-action`), 404, 'not_found');
    const own = (await admin.post('/api/v1/parties', { kind: 'person', name: 'Own', owner_id: other.user.id })).body.id;
    score(srv.db, own, { tier: 'platinum', strategy: 'submissive', lifecycle: 'stability', p_alive: 0.3, clv: 900000, last: '2026-08-01' });
    r = await other.get(`/api/v1/parties/${own}/next-action?on=2026-09-20`);
    assert.equal(r.status, 200, r.text);
    assert.ok(!r.body.reasons.some((x) => x.message === 'nba.reason.tier'), r.text);
    assert.notEqual(r.body.action, 'win_back', 'a win-back is for customers known to be valuable');
    assert.equal(r.body.value_at_stake, 0);
  } finally { await srv.stop(); srv.cleanup(); }
});
