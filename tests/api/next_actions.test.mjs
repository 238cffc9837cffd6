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

test('an open service case comes first: resolve the case, no sales offer, until it is resolved', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    addUser(srv.db, 'rm@test.local', 'admin');
    const rm = await srv.login('rm@test.local', PW);
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '赵敏', owner_id: rm.user.id })).body.id;
    // A formation-stage customer is offered a product (a sales offer) …
    score(srv.db, party, { tier: 'gold', strategy: 'caring', lifecycle: 'formation', p_alive: 0.9, clv: 400000, last: '2026-09-01' });
    let r = await rm.get(`/api/v1/parties/${party}/next-action?on=2026-09-20`);
    assert.equal(r.body.action, 'introduce_product', r.text);
    // … until she opens a complaint: then the case is the one thing to do, today, and it is the first reason.
    let c = (await admin.post('/api/v1/cases', { subject: '退款未到 Refund missing', kind: 'complaint', party_id: party })).body;
    assert.ok(c.id, JSON.stringify(c));
    r = await rm.get(`/api/v1/parties/${party}/next-action?on=2026-09-20`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.action, 'resolve_case');
    assert.equal(r.body.when, 'today');
    assert.deepEqual(r.body.reasons[0], { message: 'nba.reason.open_case', params: { count: 1, case_id: c.id } });
    // The worklist shows the case, not an offer.
    r = await rm.get('/api/v1/next-actions?on=2026-09-20');
    assert.deepEqual(r.body.items.map((i) => [i.party_name, i.action]), [['赵敏', 'resolve_case']]);
    // Waiting on the customer is still open.
    c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'waiting_on_customer', version: c.version })).body;
    assert.equal((await rm.get(`/api/v1/parties/${party}/next-action?on=2026-09-20`)).body.action, 'resolve_case');
    // Resolved: back to the offer.
    c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'resolved', version: c.version })).body;
    assert.equal(c.status, 'resolved');
    r = await rm.get(`/api/v1/parties/${party}/next-action?on=2026-09-20`);
    assert.equal(r.body.action, 'introduce_product');
    assert.ok(!r.body.reasons.some((x) => x.message === 'nba.reason.open_case'));
  } finally { await srv.stop(); srv.cleanup(); }
});

test('an upcoming key date is an occasion: an anniversary is greeted, a maturity is a notice before it', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    addUser(srv.db, 'rm@test.local', 'admin');
    const rm = await srv.login('rm@test.local', PW);
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '韩梅梅', owner_id: rm.user.id })).body.id;
    score(srv.db, party, { tier: 'gold', strategy: 'caring', lifecycle: 'stability', p_alive: 0.9, clv: 300000, last: '2026-09-01' });
    assert.equal((await rm.get(`/api/v1/parties/${party}/next-action?on=2026-09-20`)).body.action, 'care');
    // A yearly anniversary (first set years ago) ten days ahead: greet.
    assert.equal((await admin.post('/api/v1/key-dates', { party_id: party, kind: 'anniversary', title: '结婚纪念日', date: '2015-09-30' })).status, 201);
    let r = await rm.get(`/api/v1/parties/${party}/next-action?on=2026-09-20`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.action, 'greet');
    assert.deepEqual(r.body.reasons.find((x) => x.message === 'nba.reason.key_date_soon').params,
      { title: '结婚纪念日', date: { date: '2026-09-30' }, days: 10 });
    // A deposit maturing sooner (once, not yearly): the notice comes first.
    assert.equal((await admin.post('/api/v1/key-dates', { party_id: party, kind: 'maturity', title: '定期存款到期', date: '2026-09-27' })).status, 201);
    r = await rm.get(`/api/v1/parties/${party}/next-action?on=2026-09-20`);
    assert.equal(r.body.action, 'maturity_notice');
    assert.equal(r.body.when, 'before_occasion');
    assert.deepEqual(r.body.reasons.find((x) => x.message === 'nba.reason.maturity_soon').params,
      { title: '定期存款到期', date: { date: '2026-09-27' }, days: 7 });
    // A year later the maturity is past (it does not come back) and the anniversary is yearly.
    r = await rm.get(`/api/v1/parties/${party}/next-action?on=2027-09-20`);
    assert.equal(r.body.action, 'greet');
    // More than two weeks ahead is not yet an occasion.
    assert.equal((await rm.get(`/api/v1/parties/${party}/next-action?on=2026-09-01`)).body.action, 'care');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('a key date outside the reader\'s scope of key dates is neither a reason nor the action', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    addUser(srv.db, 'seller@test.local', 'sales');
    addUser(srv.db, 'other@test.local', 'sales');
    const seller = await srv.login('seller@test.local', PW), other = await srv.login('other@test.local', PW);
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '李雷', owner_id: seller.user.id })).body.id;
    score(srv.db, party, { tier: 'gold', strategy: 'caring', lifecycle: 'stability', p_alive: 0.9, clv: 300000, last: '2026-09-01' });
    const before = (await seller.get(`/api/v1/parties/${party}/next-action?on=2026-09-20`)).body;
    // Another seller's key date on the party (key dates own themselves):
    // the seller may read the party, not that key date.
    const kd = await admin.post('/api/v1/key-dates', { party_id: party, kind: 'anniversary', title: '私密纪念日', date: '2015-09-30',
      owner_id: other.user.id });
    assert.equal(kd.status, 201, kd.text);
    assert.equal((await seller.get(`/api/v1/key-dates/${kd.body.id}`)).status, 404);
    let r = await seller.get(`/api/v1/parties/${party}/next-action?on=2026-09-20`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, before);
    assert.ok(!r.text.includes('私密纪念日'), r.text);
    // An admin sees every key date: there it is the occasion.
    r = await admin.get(`/api/v1/parties/${party}/next-action?on=2026-09-20`);
    assert.equal(r.body.action, 'greet');
    assert.ok(r.text.includes('私密纪念日'));
  } finally { await srv.stop(); srv.cleanup(); }
});
