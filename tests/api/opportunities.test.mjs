// Pipelines and opportunities (issue 18): the two shipped pipelines, the
// stage rule (a stage of its pipeline, the stage's default probability),
// the status workflow (won needs an amount, lost a reason, no stage move
// out of won or lost until reopened: 409 invalid_transition, nothing
// changed), the stage history with time in stage, and the changes on the
// party's timeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sqlExec } from './harness.mjs';

const PW = 'a long enough password';

test('pipelines ship with their stages; a pipeline is validated', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const list = (await admin.get('/api/v1/pipelines')).body.items;
    assert.equal(list.length, 2);
    const rm = list.find((p) => p.name === 'Relationship marketing');
    assert.deepEqual(rm.stages.map((s) => s.key), ['collect_information', 'identify_needs', 'plan', 'transaction', 'build_relationship']);
    assert.equal(rm.stages[1].name_zh, '识别需求');
    assert.ok(list.find((p) => p.name === 'B2B sales'));
    assertError(await admin.post('/api/v1/pipelines', { name: 'x', stages: [] }), 422, 'invalid_value', 'stages');
    assertError(await admin.post('/api/v1/pipelines', { name: 'x', stages: [{ key: 'a', name_en: 'A' }, { key: 'a', name_en: 'B' }] }), 422, 'duplicate', 'stages');
    assertError(await admin.post('/api/v1/pipelines', { name: 'x', stages: [{ key: 'A b', name_en: 'A' }] }), 422, 'invalid_value', 'stages');
    assertError(await admin.post('/api/v1/pipelines', { name: 'x', stages: [{ key: 'a', name_en: 'A', probability: 101 }] }), 422, 'invalid_value', 'stages');
    const p = await admin.post('/api/v1/pipelines', { name: 'Renewals', name_zh: '续约', stages: [{ key: 'due', name_en: 'Due', probability: 60, rotting_days: 5 }] });
    assert.equal(p.status, 201, p.text);
    // A stage that open opportunities stand in cannot be removed; the pipeline cannot be deleted.
    const party = (await admin.post('/api/v1/parties', { kind: 'organization', name: '华强电子' })).body;
    const o = (await admin.post('/api/v1/opportunities', { name: 'Renewal 2027', party_id: party.id, pipeline_id: p.body.id })).body;
    assert.equal(o.stage, 'due');
    assertError(await admin.patch(`/api/v1/pipelines/${p.body.id}`, { stages: [{ key: 'other', name_en: 'Other' }], version: p.body.version }), 409, 'stage_in_use', 'stages');
    assertError(await admin.del(`/api/v1/pipelines/${p.body.id}`, { "If-Match": `"${p.body.version}"` }), 409, 'in_use', 'id');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('stages, probability and the won / lost workflow; a wrong move changes nothing', async () => {
  const srv = await new Server().start();
  try {
    addUser(srv.db, 'sales@test.local', 'sales');
    const sales = await srv.login('sales@test.local', PW);
    const admin = await srv.login();
    const b2b = (await admin.get('/api/v1/pipelines')).body.items.find((p) => p.name === 'B2B sales');
    const party = (await sales.post('/api/v1/parties', { kind: 'organization', name: '上海申通' })).body;
    // A stage of another pipeline is refused, naming the field.
    assertError(await sales.post('/api/v1/opportunities', { name: 'x', party_id: party.id, pipeline_id: b2b.id, stage: 'plan' }), 422, 'invalid_value', 'stage');
    assertError(await sales.post('/api/v1/opportunities', { name: 'x', party_id: party.id, pipeline_id: 999 }), 422, 'invalid_reference', 'pipeline_id');
    assertError(await sales.post('/api/v1/opportunities', { name: 'x', party_id: party.id, pipeline_id: b2b.id, status: 'won' }), 409, 'invalid_transition', 'status');
    const c = await sales.post('/api/v1/opportunities', { name: 'ERP rollout', party_id: party.id, pipeline_id: b2b.id, expected_close_on: '2027-03-31' });
    assert.equal(c.status, 201, c.text);
    let o = c.body;
    assert.equal(o.stage, 'qualification', 'the first stage by default');
    assert.equal(o.probability, 10, "the stage's probability");
    assert.equal(o.status, 'open');
    assert.equal(o.owner_id, sales.user.id);
    assert.match(o.stage_entered_at, /Z$/);
    // A move takes the new stage's probability; a probability given stays.
    o = (await sales.patch(`/api/v1/opportunities/${o.id}`, { stage: 'proposal', version: o.version })).body;
    assert.equal(o.probability, 50);
    o = (await sales.patch(`/api/v1/opportunities/${o.id}`, { probability: 65, version: o.version })).body;
    assert.equal(o.probability, 65);
    assertError(await sales.patch(`/api/v1/opportunities/${o.id}`, { probability: 120, version: o.version }), 422, 'invalid_value', 'probability');
    // Won needs an amount; lost needs a reason.
    assertError(await sales.patch(`/api/v1/opportunities/${o.id}`, { status: 'won', version: o.version }), 422, 'required', 'amount');
    assertError(await sales.patch(`/api/v1/opportunities/${o.id}`, { status: 'lost', version: o.version }), 422, 'required', 'lost_reason');
    const won = await sales.patch(`/api/v1/opportunities/${o.id}`, { status: 'won', amount: { amount: 1200000, currency: 'CNY' }, version: o.version });
    assert.equal(won.status, 200, won.text);
    o = won.body;
    assert.equal(o.probability, 100);
    assert.equal(o.closed_by, sales.user.id);
    assert.ok(o.closed_at);
    // Out of won: no stage move, no move to lost; nothing changes.
    const bad = await sales.patch(`/api/v1/opportunities/${o.id}`, { stage: 'commit', version: o.version });
    assertError(bad, 409, 'invalid_transition', 'stage');
    assert.deepEqual([bad.body.error.from, bad.body.error.to], ['proposal', 'commit']);
    const lost = await sales.patch(`/api/v1/opportunities/${o.id}`, { status: 'lost', lost_reason: 'price', version: o.version });
    assertError(lost, 409, 'invalid_transition', 'status');
    assert.deepEqual([lost.body.error.from, lost.body.error.to], ['won', 'lost']);
    assert.equal((await sales.get(`/api/v1/opportunities/${o.id}`)).body.version, o.version);
    // Reopen, then move and lose it.
    o = (await sales.patch(`/api/v1/opportunities/${o.id}`, { status: 'open', version: o.version })).body;
    assert.equal(o.reopened_by, sales.user.id);
    assert.equal(o.probability, 50, 'back to the stage default');
    o = (await sales.patch(`/api/v1/opportunities/${o.id}`, { stage: 'negotiation', version: o.version })).body;
    o = (await sales.patch(`/api/v1/opportunities/${o.id}`, { status: 'lost', lost_reason: '价格太高 price', competitor_id: party.id, version: o.version })).body;
    assert.equal(o.probability, 0);
    // Stage history: every stretch, the open one last, with its time.
    const h = await sales.get(`/api/v1/opportunities/${o.id}/stages`);
    assert.equal(h.status, 200, h.text);
    assert.deepEqual(h.body.items.map((i) => `${i.stage}/${i.status}`),
      ['qualification/open', 'proposal/open', 'proposal/won', 'proposal/open', 'negotiation/open', 'negotiation/lost']);
    assert.ok(h.body.items.slice(0, -1).every((i) => i.left_at && i.seconds >= 0));
    assert.equal(h.body.items.at(-1).left_at, null);
    // Time in stage is measured: a stretch back-dated by a day counts a day.
    sqlExec(srv.db, "UPDATE opportunity_stage SET entered_at = '2026-01-01T00:00:00Z', left_at = '2026-01-02T00:00:00Z' WHERE opportunity_id = ? AND stage = 'qualification'", o.id);
    const h2 = (await sales.get(`/api/v1/opportunities/${o.id}/stages`)).body.items;
    assert.equal(h2[0].seconds, 86400);
    // The party's timeline shows the opportunity's changes.
    const tl = (await sales.get(`/api/v1/parties/${party.id}/timeline`)).body.items;
    const opp = tl.filter((i) => i.type === 'change' && i.item.entity === 'opportunity');
    assert.ok(opp.length >= 6, `opportunity changes on the timeline: ${opp.length}`);
    assert.ok(opp.some((i) => i.item.changes.status && i.item.changes.status[1] === 'won'));
    // The deals of a party: the list filtered by party_id.
    const deals = (await sales.get(`/api/v1/opportunities?party_id=${party.id}`)).body.items;
    assert.deepEqual(deals.map((d) => d.id), [o.id]);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('ownership: a salesperson sees their own and their team\'s opportunities only', async () => {
  const srv = await new Server().start();
  try {
    addUser(srv.db, 'a@test.local', 'sales');
    addUser(srv.db, 'b@test.local', 'sales');
    const a = await srv.login('a@test.local', PW);
    const b = await srv.login('b@test.local', PW);
    const admin = await srv.login();
    const pid = (await admin.get('/api/v1/pipelines')).body.items[0].id;
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '李雷' })).body;
    const o = (await admin.post('/api/v1/opportunities', { name: 'Membership', party_id: party.id, pipeline_id: pid, owner_id: a.user.id })).body;
    assert.equal((await a.get(`/api/v1/opportunities/${o.id}`)).status, 200);
    assertError(await b.get(`/api/v1/opportunities/${o.id}`), 404, 'not_found');
    assertError(await b.get(`/api/v1/opportunities/${o.id}/stages`), 404, 'not_found');
    assertError(await b.patch(`/api/v1/opportunities/${o.id}`, { stage: "plan", version: o.version }), 404, 'not_found');
    assert.equal((await b.get('/api/v1/opportunities')).body.items.length, 0);
  } finally { await srv.stop(); srv.cleanup(); }
});
