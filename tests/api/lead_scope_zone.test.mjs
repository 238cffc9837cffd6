// Leads (issue 18), what the first round left open: the duplicates stored
// on a lead name only the records the reader may see (as the live
// /duplicates does), and the assignment capacity counts the company's days,
// not UTC's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, sql, sqlExec, zoneDate } from './harness.mjs';

const PW = 'a long enough password';

test('the stored duplicates are filtered by the reader\'s scope: GET, list, writes, timeline', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    addUser(srv.db, 'rep-a@test.local', 'sales');
    addUser(srv.db, 'rep-b@test.local', 'sales');
    const a = await srv.login('rep-a@test.local', PW);
    const b = await srv.login('rep-b@test.local', PW);
    // The admin's customer, which neither salesperson may read.
    const p = (await admin.post('/api/v1/parties', { kind: 'person', name: '秘密客户 Secret Customer', emails: ['vip@secret.cn'] })).body;
    assert.equal((await a.get(`/api/v1/parties/${p.id}`)).status, 404);
    // rep A's lead matches the party; stored, the duplicate is there.
    const la = await a.post('/api/v1/leads', { name: 'Lead A', emails: ['VIP@secret.cn'] });
    assert.equal(la.status, 201, la.text);
    const stored = JSON.parse(sql(srv.db, 'SELECT duplicates FROM lead WHERE id = ?', la.body.id));
    assert.deepEqual(stored.map((x) => [x.type, x.id]), [['party', p.id]]);
    // …but rep A is not told of it, in any answer.
    assert.deepEqual(la.body.duplicates, [], 'the create answer');
    assert.deepEqual((await a.get(`/api/v1/leads/${la.body.id}`)).body.duplicates, []);
    assert.deepEqual((await a.get('/api/v1/leads')).body.items.find((x) => x.id === la.body.id).duplicates, []);
    const pa = await a.patch(`/api/v1/leads/${la.body.id}`, { title: 'CTO', version: la.body.version });
    assert.equal(pa.status, 200, pa.text);
    assert.deepEqual(pa.body.duplicates, [], 'the PATCH answer');
    const tl = (await a.get(`/api/v1/leads/${la.body.id}/timeline`)).body;
    assert.ok(!JSON.stringify(tl).includes('Secret Customer'), JSON.stringify(tl));
    // The admin, who reads everything, sees it everywhere.
    assert.deepEqual((await admin.get(`/api/v1/leads/${la.body.id}`)).body.duplicates.map((x) => x.id), [p.id]);
    assert.ok(JSON.stringify((await admin.get(`/api/v1/leads/${la.body.id}/timeline`)).body).includes('Secret Customer'));
    // rep B's lead matches the party and rep A's lead: B may read neither.
    const lb = await b.post('/api/v1/leads', { name: 'Lead B', emails: ['vip@secret.cn'] });
    assert.equal(lb.status, 201, lb.text);
    assert.deepEqual(lb.body.duplicates, []);
    assert.deepEqual((await admin.get(`/api/v1/leads/${lb.body.id}`)).body.duplicates.map((x) => [x.type, x.id]),
      [['party', p.id], ['lead', la.body.id]]);
    // A manager of the reps' team reads their leads (team scope): the
    // party is named to them only if it is within their party scope.
    const team = (await admin.post('/api/v1/teams', { name: 'North 华北' })).body;
    addUser(srv.db, 'boss@test.local', 'manager');
    for (const email of ['rep-a@test.local', 'rep-b@test.local', 'boss@test.local'])
      sqlExec(srv.db, 'UPDATE app_user SET team_id = ? WHERE email = ?', team.id, email);
    const boss = await srv.login('boss@test.local', PW);
    const seen = (await boss.get(`/api/v1/leads/${lb.body.id}`)).body;
    const partyVisible = (await boss.get(`/api/v1/parties/${p.id}`)).status === 200;
    assert.deepEqual(seen.duplicates.map((x) => x.type), partyVisible ? ['party', 'lead'] : ['lead']);
    // For each reader the stored answer and the live one agree.
    for (const [who, id] of [[a, la.body.id], [b, lb.body.id], [boss, lb.body.id], [admin, lb.body.id]]) {
      const live = (await who.get(`/api/v1/leads/${id}/duplicates`)).body.items;
      assert.deepEqual((await who.get(`/api/v1/leads/${id}`)).body.duplicates, live);
    }
  } finally { await srv.stop(); srv.cleanup(); }
});

async function salesTeam(srv, admin, n) {
  const team = (await admin.post('/api/v1/teams', { name: 'Zone 时区' })).body;
  const users = [];
  for (let i = 0; i < n; i++) {
    addUser(srv.db, `z${i}@test.local`, 'sales');
    const id = Number(sql(srv.db, 'SELECT id FROM app_user WHERE email = ?', `z${i}@test.local`));
    sqlExec(srv.db, 'UPDATE app_user SET team_id = ? WHERE id = ?', team.id, id);
    users.push(id);
  }
  return { team, users };
}

test('assignment capacity counts the company\'s days: a zone whose day is not UTC\'s', async () => {
  // A zone whose date differs from UTC's right now, with half an hour to
  // spare: Pago Pago (UTC-11) is a day behind before 11:00 UTC, Kiritimati
  // (UTC+14, no DST either) a day ahead from 10:00 UTC.
  const now = new Date();
  const h = now.getUTCHours() + now.getUTCMinutes() / 60;
  const [zone, offset] = h < 10.5 ? ['Pacific/Pago_Pago', -11] : ['Pacific/Kiritimati', 14];
  const local = zoneDate(zone, now), utcDay = now.toISOString().slice(0, 10);
  assert.notEqual(local, utcDay);
  const localStart = new Date(Date.parse(`${local}T00:00:00Z`) - offset * 3600e3).toISOString().replace('.000', '');
  const utcStart = `${utcDay}T00:00:00Z`;
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    assert.equal((await admin.request('PUT', '/api/v1/settings/time-zone', { time_zone: zone })).status, 200);
    const { team, users } = await salesTeam(srv, admin, 2);
    const rule = await admin.post('/api/v1/assignment-rules', { name: 'one a day', team_id: team.id, capacity: 1, period: 'day' });
    assert.equal(rule.status, 201, rule.text);
    // users[0] had one lead on the UTC day, which is not the company's today.
    sqlExec(srv.db, "INSERT INTO assignment_load(subject, user_id, period, period_start, assigned) VALUES ('lead', ?, 'day', ?, 1)",
      users[0], utcStart);
    const l1 = (await admin.post('/api/v1/leads', { name: 'first' })).body;
    assert.equal(l1.owner_id, users[0], 'the UTC day\'s count does not fill the local day');
    assert.equal(Number(sql(srv.db, "SELECT assigned FROM assignment_load WHERE user_id = ? AND period = 'day' AND period_start = ?",
      users[0], localStart)), 1, 'counted in the local day, which began at ' + localStart);
    const l2 = (await admin.post('/api/v1/leads', { name: 'second' })).body;
    assert.equal(l2.owner_id, users[1]);
    const l3 = (await admin.post('/api/v1/leads', { name: 'third' })).body;
    assert.equal(l3.assignment_rule_id, null, 'both have had their one today');
    assert.equal(l3.owner_id, admin.user.id);
    // The week and the month are the zone's too.
    const weeks = sql(srv.db, "SELECT period_start FROM assignment_load WHERE user_id = ? AND period = 'month'", users[1]);
    const y = local.slice(0, 7);
    assert.equal(weeks, new Date(Date.parse(`${y}-01T00:00:00Z`) - offset * 3600e3).toISOString().replace('.000', ''));
    // Back in UTC the seeded count of users[0] fills UTC's day: users[1] is next.
    assert.equal((await admin.request('PUT', '/api/v1/settings/time-zone', { time_zone: 'UTC' })).status, 200);
    const l4 = (await admin.post('/api/v1/leads', { name: 'fourth' })).body;
    assert.equal(l4.owner_id, users[1]);
  } finally { await srv.stop(); srv.cleanup(); }
});
