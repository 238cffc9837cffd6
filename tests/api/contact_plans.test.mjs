// Contact plans per tier or segment (DOMAIN D8, issue 20 part A): the
// segment is a party-list query string resolved in the plan owner's scope;
// a run creates one planned interaction per (plan, party, slot) for the
// right owner, never twice (re-run, two processes at once); a customer that
// leaves the segment (its tier changed) has its open contacts of the plan
// cancelled and is picked up by its new tier's plan; overdue contacts are
// counted and each customer shows its next planned contact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sql, sqlExec, sqlRows, zoneDate } from './harness.mjs';

const PW = 'a long enough password';

function setTier(db, partyId, tier) {
  sqlExec(db, 'DELETE FROM score WHERE party_id = ?', partyId);
  sqlExec(db, `INSERT INTO score (party_id, computed_at, transactions, repeat_purchases, revenue, cost, profit, cost_to_serve,
    net_profit, competitor_amount, tier, p_alive) VALUES (?, '2026-12-01T00:00:00Z', 1, 0, 100, 0, 100, 0, 100, 0, ?, 0.9)`, partyId, tier);
}

async function run(client, planId, on) {
  const r = await client.post(`/api/v1/contact-plans/${planId}/run?wait=true${on ? `&on=${on}` : ''}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'done', r.text);
  return r.body.result;
}

test('validation: the segment is a party-list query, every_days 1…366, team rules need a team', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    assertError(await admin.post('/api/v1/contact-plans', { name: 'x', segment: 'no_such_filter=1', every_days: 7 }), 422, 'invalid_value', 'segment');
    assertError(await admin.post('/api/v1/contact-plans', { name: 'x', segment: 'tier=platinum', every_days: 0 }), 422, 'invalid_value', 'every_days');
    assertError(await admin.post('/api/v1/contact-plans', { name: 'x', segment: '', every_days: 7, owner_rule: 'team' }), 422, 'required', 'assignee_team_id');
    assertError(await admin.post('/api/v1/contact-plans', { name: 'x', segment: '', every_days: 7, activities: ['dance'] }), 422);
    const p = await admin.post('/api/v1/contact-plans', { name: '白金客户 Platinum weekly', segment: 'tier=platinum&tags=vip', every_days: 7,
      activities: ['call', 'product_introduction', 'manager_visit'] });
    assert.equal(p.status, 201, p.text);
    assert.equal(p.body.owner_rule, 'customer_owner');
    assert.equal(p.body.channel, 'call');
    assert.equal(p.body.active, true);
    assert.match(p.body.starts_on, /^\d{4}-\d\d-\d\d$/);
    assert.equal((await admin.get('/api/v1/contact-plans?owner_rule=customer_owner')).body.items.length, 1);
    // Without ?on= a run generates for the company's today, in its time zone (the daily schedule fires at
    // company wall-clock time): UTC+14 is a day ahead of UTC for most of the day.
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      assert.equal((await admin.request('PUT', '/api/v1/settings/time-zone', { time_zone: zone })).status, 200);
      const r = await admin.post(`/api/v1/contact-plans/${p.body.id}/run?wait=true`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.result.on, zoneDate(zone), zone);
    }
    // The daily schedule runs every plan.
    const sched = (await admin.get('/api/v1/schedules')).body.items.find((s) => s.name === 'contact_plans.daily');
    assert.equal(sched.kind, 'contact_plans_run');
    assert.equal(sched.enabled, true);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('generation: the right owner, one contact per slot on re-runs, activities in turn, tier change moves the plan', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    addUser(srv.db, 'rm1@test.local', 'sales');
    const rm = await srv.login('rm1@test.local', PW);
    const ids = [];
    for (const [name, tier] of [['王芳', 'platinum'], ['李雷', 'platinum'], ['韩梅梅', 'gold']]) {
      const p = await admin.post('/api/v1/parties', { kind: 'person', name, owner_id: rm.user.id });
      assert.equal(p.status, 201, p.text);
      setTier(srv.db, p.body.id, tier);
      ids.push(p.body.id);
    }
    const plat = (await admin.post('/api/v1/contact-plans', { name: 'Platinum weekly', segment: 'tier=platinum', every_days: 7,
      starts_on: '2027-01-04', activities: ['call', 'product_introduction'], channel: 'call' })).body;
    const gold = (await admin.post('/api/v1/contact-plans', { name: 'Gold fortnightly', segment: 'tier=gold', every_days: 14,
      starts_on: '2027-01-04', activity: 'visit', channel: 'visit' })).body;
    let r = await run(admin, plat.id, '2027-01-05');
    assert.deepEqual([r.matched, r.created, r.existing, r.cancelled], [2, 2, 0, 0]);
    const planned = (await admin.get(`/api/v1/interactions?party_id=${ids[0]}&status=planned`)).body.items;
    assert.equal(planned.length, 1);
    assert.equal(planned[0].user_id, rm.user.id, 'the customer\'s owner gets it');
    assert.equal(planned[0].due_at, '2027-01-11T00:00:00Z', 'due at the end of the slot');
    assert.equal(planned[0].subject, 'Platinum weekly: call');
    // A re-run on any day of the same slot creates nothing.
    r = await run(admin, plat.id, '2027-01-10');
    assert.deepEqual([r.created, r.existing], [0, 2]);
    // The next slot: the next activity in turn.
    r = await run(admin, plat.id, '2027-01-11');
    assert.equal(r.created, 2);
    const subjects = (await admin.get(`/api/v1/interactions?party_id=${ids[0]}&status=planned`)).body.items.map((i) => i.subject).sort();
    assert.deepEqual(subjects, ['Platinum weekly: call', 'Platinum weekly: product_introduction']);
    assert.equal(sql(srv.db, 'SELECT count(*) FROM contact_plan_slot WHERE plan_id = ?', plat.id), '4');
    // The generation is in the plan's audit trail, one row per batch.
    const tl = await admin.get(`/api/v1/contact-plans/${plat.id}/timeline`);
    assert.equal(tl.status, 200, tl.text);
    const audit = tl.body.items.map((i) => i.item.action);
    assert.ok(audit.includes('generate'), audit.join());
    // 王芳 drops to gold: her open platinum contacts are cancelled, and the gold plan picks her up.
    setTier(srv.db, ids[0], 'gold');
    r = await run(admin, plat.id, '2027-01-12');
    assert.deepEqual([r.matched, r.created, r.cancelled], [1, 0, 2]);
    assert.equal((await admin.get(`/api/v1/interactions?party_id=${ids[0]}&status=planned`)).body.items.length, 0);
    assert.equal((await admin.get(`/api/v1/interactions?party_id=${ids[0]}&status=cancelled`)).body.items.length, 2);
    r = await run(admin, gold.id, '2027-01-12');
    assert.deepEqual([r.matched, r.created], [2, 2]);
    const now = (await admin.get(`/api/v1/interactions?party_id=${ids[0]}&status=planned`)).body.items;
    assert.deepEqual(now.map((i) => [i.channel, i.subject, i.due_at]), [['visit', 'Gold fortnightly: visit', '2027-01-18T00:00:00Z']]);
    // Her next planned contact, on the customer.
    const next = await rm.get(`/api/v1/parties/${ids[0]}/next-contact`);
    assert.equal(next.status, 200, next.text);
    assert.equal(next.body.next.plan_id, gold.id);
    assert.equal(next.body.next.due_at, '2027-01-18T00:00:00Z');
    assert.equal(next.body.next.overdue, false);
    assert.equal(next.body.overdue, 0);
    // An inactive plan generates nothing and cancels its open contacts.
    const g2 = (await admin.get(`/api/v1/contact-plans/${gold.id}`)).body;
    assert.equal((await admin.patch(`/api/v1/contact-plans/${gold.id}`, { active: false, version: g2.version })).status, 200);
    r = await run(admin, gold.id, '2027-01-20');
    assert.deepEqual([r.created, r.cancelled], [0, 2]);
    assert.equal((await rm.get(`/api/v1/parties/${ids[0]}/next-contact`)).body.next, null);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('overdue contacts are flagged; round robin spreads a team\'s work; scopes apply', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    addUser(srv.db, 'a@test.local', 'sales');
    addUser(srv.db, 'b@test.local', 'sales');
    addUser(srv.db, 'm1@test.local', 'marketing');
    addUser(srv.db, 'm2@test.local', 'marketing');
    const a = await srv.login('a@test.local', PW);
    const b = await srv.login('b@test.local', PW);
    const m1 = await srv.login('m1@test.local', PW);
    const m2 = await srv.login('m2@test.local', PW);
    const team = (await admin.post('/api/v1/teams', { name: 'Desk' })).body;
    for (const u of [a, b]) assert.equal((await admin.patch(`/api/v1/users/${u.user.id}`, { team_id: team.id })).status, 200);
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await admin.post('/api/v1/parties', { kind: 'person', name: `RR ${i}`, tags: ['rr'] })).body.id);
    const p = await m1.post('/api/v1/contact-plans', { name: 'RR', segment: 'tags=rr', every_days: 30, owner_rule: 'round_robin',
      assignee_team_id: team.id, starts_on: '2026-01-01' });
    assert.equal(p.status, 201, p.text);
    // A segment may not filter by a figure hidden from the writer's role (the tier is computed from
    // transaction costs, which marketing may not see): refused as the customer list refuses it.
    assertError(await m1.post('/api/v1/contact-plans', { name: 'Tiered', segment: 'tier=platinum', every_days: 7 }), 422, 'invalid_value', 'segment');
    assert.equal((await m1.get('/api/v1/parties?tier=platinum')).status, 400);
    // Another marketer may read it but not run it.
    assertError(await m2.post(`/api/v1/contact-plans/${p.body.id}/run`), 403, 'forbidden');
    assertError(await m2.post(`/api/v1/contact-plans/999999/run`), 404, 'not_found');
    assertError(await m1.post(`/api/v1/contact-plans/${p.body.id}/run?on=2026-13-01`), 400, 'invalid_parameter', 'on');
    // A slot long past: its contacts are overdue at once.
    const r = await run(m1, p.body.id, '2026-01-02');
    assert.equal(r.created, 4);
    const owners = ids.map((id) => Number(sql(srv.db, 'SELECT user_id FROM interaction WHERE party_id = ?', id)));
    assert.deepEqual(owners.filter((o) => o === a.user.id).length, 2, owners.join());
    assert.deepEqual(owners.filter((o) => o === b.user.id).length, 2, owners.join());
    const again = await run(m1, p.body.id, '2026-01-03');
    assert.equal(again.overdue, 4);
    const next = (await admin.get(`/api/v1/parties/${ids[0]}/next-contact`)).body;
    assert.equal(next.overdue, 1);
    assert.equal(next.next.overdue, true);
    assert.equal(next.next.due_at, '2026-01-31T00:00:00Z');
    // A party the user cannot see has no next contact for them.
    addUser(srv.db, 'c@test.local', 'sales');
    const c = await srv.login('c@test.local', PW);
    assertError(await c.get(`/api/v1/parties/${ids[0]}/next-contact`), 404, 'not_found');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('two server processes running the same plan at once create each contact once', async () => {
  const one = await new Server().start();
  const two = new Server({ dir: one.dir });
  await two.start();
  try {
    const admin1 = await one.login();
    const admin2 = await two.login();
    const N = 300;
    // Parties straight into the database, in one statement: the runs, not the setup, are under test.
    sqlExec(one.db, `INSERT INTO party (kind, name, tags, created_at, updated_at)
      WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${N})
      SELECT 'person', 'Twin ' || x, '["twin"]', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z' FROM c`);
    const plan = (await admin1.post('/api/v1/contact-plans', { name: 'Twin', segment: 'tags=twin', every_days: 7, starts_on: '2027-02-01' })).body;
    const [r1, r2] = await Promise.all([run(admin1, plan.id, '2027-02-02'), run(admin2, plan.id, '2027-02-03')]);
    assert.equal(r1.created + r2.created, N, JSON.stringify([r1, r2]));
    assert.equal(r1.existing + r2.existing, N);
    assert.equal(sql(one.db, "SELECT count(*) FROM interaction WHERE subject = 'Twin: call'"), String(N));
  } finally { await two.stop(); await one.stop(); one.cleanup(); }
});

test('a run over many parties: slots read and written in chunks, sparse and dense segments, one event per contact, left and deleted parties', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const N = 200;   // three chunks of 64 slot rows and a remainder
    sqlExec(srv.db, `INSERT INTO party (kind, name, tags, created_at, updated_at)
      WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${N})
      SELECT 'person', 'Chunk ' || x, CASE WHEN x % 5 = 0 THEN '["bulk","fifth"]' ELSE '["bulk"]' END,
        '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z' FROM c`);
    const ids = sqlRows(srv.db, "SELECT id FROM party WHERE name LIKE 'Chunk %' ORDER BY id").map((r) => r[0]);
    const fifth = sqlRows(srv.db, "SELECT id FROM party WHERE name LIKE 'Chunk %' AND tags LIKE '%fifth%' ORDER BY id").map((r) => r[0]);
    assert.equal(fifth.length, N / 5);
    // A sparse segment first (every fifth party: each reference is looked up on its own).
    const plan = (await admin.post('/api/v1/contact-plans', { name: 'Chunks', segment: 'tags=fifth', every_days: 7, starts_on: '2027-03-01' })).body;
    let r = await run(admin, plan.id, '2027-03-02');
    assert.deepEqual([r.matched, r.created, r.existing], [N / 5, N / 5, 0]);
    // Then every party, in the same slot: the fifths are taken, scattered through every chunk.
    const p2 = (await admin.get(`/api/v1/contact-plans/${plan.id}`)).body;
    assert.equal((await admin.patch(`/api/v1/contact-plans/${plan.id}`, { segment: 'tags=bulk', version: p2.version })).status, 200);
    r = await run(admin, plan.id, '2027-03-03');
    assert.deepEqual([r.matched, r.created, r.existing, r.cancelled], [N, N - N / 5, N / 5, 0]);
    // Exactly one planned contact per party, each slot row naming its own party's contact.
    assert.equal(sql(srv.db, "SELECT count(*) FROM interaction WHERE subject = 'Chunks: call' AND status = 'planned'"), String(N));
    assert.equal(sql(srv.db, "SELECT count(DISTINCT party_id) FROM interaction WHERE subject = 'Chunks: call'"), String(N));
    assert.equal(sql(srv.db, `SELECT count(*) FROM contact_plan_slot s JOIN interaction i ON i.id = s.interaction_id
      AND i.party_id = s.party_id AND i.due_at = s.due_at WHERE s.plan_id = ? AND s.slot = 0`, plan.id), String(N));
    // One event per contact through the write path, and the plan's audit rows count them all.
    assert.equal(sql(srv.db, `SELECT count(*) FROM event e JOIN interaction i ON i.id = e.record_id
      WHERE e.type = 'interaction' AND e.action = 'create' AND i.subject = 'Chunks: call'`), String(N));
    const audited = sqlRows(srv.db, "SELECT changes FROM audit WHERE entity = 'contact_plan' AND entity_id = ? AND action = 'generate'", plan.id)
      .reduce((n, [c]) => n + JSON.parse(c).contacts_created[1], 0);
    assert.equal(audited, N);
    // A re-run of the slot makes nothing.
    r = await run(admin, plan.id, '2027-03-07');
    assert.deepEqual([r.created, r.existing], [0, N]);
    // One customer deleted, one out of the segment: only the latter's contact is cancelled.
    assert.equal((await admin.del(`/api/v1/parties/${ids[10]}`)).status, 204);
    sqlExec(srv.db, `UPDATE party SET tags = '["other"]' WHERE id = ?`, ids[11]);
    r = await run(admin, plan.id, '2027-03-04');
    assert.deepEqual([r.matched, r.created, r.existing, r.cancelled], [N - 2, 0, N - 2, 1]);
    assert.equal(sql(srv.db, 'SELECT status FROM interaction WHERE party_id = ?', ids[11]), 'cancelled');
    assert.equal(sql(srv.db, 'SELECT status FROM interaction WHERE party_id = ?', ids[10]), 'planned');
  } finally { await srv.stop(); srv.cleanup(); }
});
