// Campaigns (DOMAIN D6/D7): the record type declared only in the registry.
// Its status workflow (planned → active → completed, planned | active →
// cancelled) refuses a wrong move with 409 invalid_transition naming from
// and to and changes nothing; only a manager or an admin activates; moves
// stamp who and when; ends_on may not be before starts_on; and a campaign
// has its own owner, so the own / team / all scopes apply to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError } from './harness.mjs';

const PW = 'a long enough password';

test('the status workflow: transitions, guard, stamps, and a wrong move changes nothing', async () => {
  const srv = await new Server().start();
  try {
    addUser(srv.db, 'mkt@test.local', 'marketing');
    addUser(srv.db, 'boss@test.local', 'manager');
    const mkt = await srv.login('mkt@test.local', PW);
    const boss = await srv.login('boss@test.local', PW);
    // One team, managed by boss: the manager's update scope (team) covers marketing's campaigns.
    const admin = await srv.login();
    const team = (await admin.post('/api/v1/teams', { name: 'Marketing 市场部', manager_id: boss.user.id })).body;
    const joined = await admin.patch(`/api/v1/users/${mkt.user.id}`, { team_id: team.id });
    assert.equal(joined.status, 200, joined.text);
    const c = await mkt.post('/api/v1/campaigns', { name: '会员日 Member day', channel: 'sms', starts_on: '2027-03-01', ends_on: '2027-03-31',
      budget: { amount: 5000000, currency: 'CNY' } });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.status, 'planned');
    assert.equal(c.body.owner_id, mkt.user.id);
    // planned → completed is not a transition: 409, from and to named, nothing changed.
    const bad = await mkt.patch(`/api/v1/campaigns/${c.body.id}`, { status: 'completed', version: c.body.version });
    assertError(bad, 409, 'invalid_transition', 'status');
    assert.equal(bad.body.error.from, 'planned');
    assert.equal(bad.body.error.to, 'completed');
    const same = await mkt.get(`/api/v1/campaigns/${c.body.id}`);
    assert.equal(same.body.version, c.body.version);
    assert.equal(same.body.status, 'planned');
    // A campaign cannot be created already active.
    const born = await mkt.post('/api/v1/campaigns', { name: 'x', status: 'active' });
    assertError(born, 409, 'invalid_transition', 'status');
    assert.equal(born.body.error.to, 'active');
    // Only a manager or an admin activates.
    assertError(await mkt.patch(`/api/v1/campaigns/${c.body.id}`, { status: 'active', version: c.body.version }), 403, 'forbidden', 'status');
    const act = await boss.patch(`/api/v1/campaigns/${c.body.id}`, { status: 'active', version: c.body.version });
    assert.equal(act.status, 200, act.text);
    assert.equal(act.body.activated_by, boss.user.id);
    assert.match(act.body.activated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(act.body.completed_at, null);
    // The stamps are the server's: a body may not set them.
    assertError(await boss.patch(`/api/v1/campaigns/${c.body.id}`, { activated_by: mkt.user.id, version: act.body.version }), 422, 'read_only', 'activated_by');
    // active → planned is not a transition either.
    const back = await boss.patch(`/api/v1/campaigns/${c.body.id}`, { status: 'planned', version: act.body.version });
    assertError(back, 409, 'invalid_transition', 'status');
    assert.deepEqual([back.body.error.from, back.body.error.to], ['active', 'planned']);
    const done = await mkt.patch(`/api/v1/campaigns/${c.body.id}`, { status: 'completed', version: act.body.version });
    assert.equal(done.status, 200, done.text);
    assert.ok(done.body.completed_at);
    assert.equal(done.body.activated_by, boss.user.id, 'earlier stamps stay');
    // completed is final; cancelled is reachable from planned.
    assertError(await mkt.patch(`/api/v1/campaigns/${c.body.id}`, { status: 'cancelled', version: done.body.version }), 409, 'invalid_transition');
    const p2 = (await mkt.post('/api/v1/campaigns', { name: 'Spring' })).body;
    const cancel = await mkt.patch(`/api/v1/campaigns/${p2.id}`, { status: 'cancelled', version: p2.version });
    assert.equal(cancel.status, 200, cancel.text);
    // The audit trail shows every move.
    const audit = (await boss.get(`/api/v1/campaigns/${c.body.id}/timeline`)).body.items.map((i) => i.item);
    assert.deepEqual(audit.map((a) => a.action), ['update', 'update', 'create']);
    assert.deepEqual(audit[1].changes.status, ['planned', 'active']);
    // The registry publishes the workflow.
    const reg = (await boss.get('/api/v1/record-types')).body.types.find((t) => t.type === 'campaign');
    assert.equal(reg.workflow.field, 'status');
    assert.deepEqual(reg.workflow.transitions.find((t) => t.to === 'active').roles, ['admin', 'manager']);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('the rule: ends_on is on or after starts_on, on create and on change', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    assertError(await admin.post('/api/v1/campaigns', { name: 'x', starts_on: '2027-05-02', ends_on: '2027-05-01' }), 422, 'invalid_value', 'ends_on');
    const c = (await admin.post('/api/v1/campaigns', { name: 'x', starts_on: '2027-05-01', ends_on: '2027-05-01' })).body;
    assert.ok(c.id);
    assertError(await admin.patch(`/api/v1/campaigns/${c.id}`, { starts_on: '2027-06-01', version: c.version }), 422, 'invalid_value', 'ends_on');
    assertError(await admin.post('/api/v1/campaigns', { name: 'x', channel: 'pigeon' }), 422, 'invalid_value', 'channel');
    assertError(await admin.post('/api/v1/campaigns', { channel: 'sms' }), 422, 'required', 'name');
  } finally { await srv.stop(); srv.cleanup(); }
});

// The type declared only in the registry names the types its references
// point at by their registry names (template_id → email_template, team_id →
// team, owner_id → user): the reference check resolves them through the
// registry, so a missing id is 422 invalid_reference naming the field and
// nothing is written; GET /record-types and OpenAPI say what each points at.
test('references by type name: a missing id is 422 invalid_reference and changes nothing', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const reg = (await admin.get('/api/v1/record-types')).body;
    const campaign = reg.types.find((t) => t.type === 'campaign');
    assert.deepEqual(campaign.refs, { activated_by: 'user', owner_id: 'user', team_id: 'team', template_id: 'email_template' });
    const openapi = (await admin.get('/api/v1/openapi.json')).body;
    assert.match(openapi.components.schemas.Campaign.properties.template_id.description, /references email_template/);
    const missing = 987654;
    assertError(await admin.post('/api/v1/campaigns', { name: 'x', template_id: missing }), 422, 'invalid_reference', 'template_id');
    assertError(await admin.post('/api/v1/campaigns', { name: 'x', team_id: missing }), 422, 'invalid_reference', 'team_id');
    assertError(await admin.post('/api/v1/campaigns', { name: 'x', owner_id: missing }), 422, 'invalid_reference', 'owner_id');
    assert.equal((await admin.get('/api/v1/campaigns')).body.items.length, 0);
    // An id of another type is not a template either.
    const team = (await admin.post('/api/v1/teams', { name: 'Team 团队' })).body;
    const tpl = (await admin.post('/api/v1/email-templates', { name: '问候 greeting', language: 'zh-CN', subject: 'Hi', body: '<p>hi</p>' })).body;
    assert.ok(tpl.id, JSON.stringify(tpl));
    const notTpl = tpl.id + team.id + 1000;
    assertError(await admin.post('/api/v1/campaigns', { name: 'x', template_id: notTpl }), 422, 'invalid_reference', 'template_id');
    const c = await admin.post('/api/v1/campaigns', { name: '会员日 Member day', template_id: tpl.id, team_id: team.id });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.template_id, tpl.id);
    // A change to a missing one is refused the same way and leaves the record as it was.
    assertError(await admin.patch(`/api/v1/campaigns/${c.body.id}`, { template_id: missing, version: c.body.version }), 422,
      'invalid_reference', 'template_id');
    const same = (await admin.get(`/api/v1/campaigns/${c.body.id}`)).body;
    assert.equal(same.version, c.body.version);
    assert.equal(same.template_id, tpl.id);
    // A deleted template is missing too.
    const tpl2 = (await admin.post('/api/v1/email-templates', { name: '再见 bye', language: 'zh-CN', subject: 'Bye', body: '<p>bye</p>' })).body;
    const gone = await admin.del(`/api/v1/email-templates/${tpl2.id}`);
    assert.equal(gone.status, 204, gone.text);
    assertError(await admin.post('/api/v1/campaigns', { name: 'y', template_id: tpl2.id }), 422, 'invalid_reference', 'template_id');
  } finally { await srv.stop(); srv.cleanup(); }
});
