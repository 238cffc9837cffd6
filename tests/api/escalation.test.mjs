// Escalation (issue 19): rules an admin sets (near / breached → notify,
// reassign up the team's manager chain, raise priority), run by the
// kernel's scheduler, each step on the case's timeline, and never twice for
// the same breach — with two server processes sweeping the same database,
// two schedules of the sweep, and a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sql } from './harness.mjs';

const FAST = { RAPPORT_SCHEDULER_TICK_MS: '100', RAPPORT_JOB_LEASE_SECONDS: '5' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

async function until(fn, what, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

test('escalation: each rule once per breach, across two processes, two sweeps and a restart', async () => {
  const a = await new Server({ env: FAST }).start();
  let b = await new Server({ dir: a.dir, env: FAST }).start();
  try {
    const admin = await a.login();
    addUser(a.db, 'agent@test.local', 'service');
    addUser(a.db, 'lead@test.local', 'manager');
    addUser(a.db, 'head@test.local', 'manager');
    const agent = await a.login('agent@test.local', 'a long enough password');
    const lead = await a.login('lead@test.local', 'a long enough password');
    const head = await a.login('head@test.local', 'a long enough password');
    const top = (await admin.post('/api/v1/teams', { name: '客服部', manager_id: head.user.id })).body;
    const team = (await admin.post('/api/v1/teams', { name: '客服一组', manager_id: lead.user.id, parent_id: top.id })).body;
    await admin.patch(`/api/v1/users/${agent.user.id}`, { team_id: team.id });
    await admin.patch(`/api/v1/users/${lead.user.id}`, { team_id: team.id });
    const all = [['00:00', '24:00']];
    const cal = (await admin.post('/api/v1/business-calendars', { name: '24/7', time_zone: 'UTC',
      hours: { mon: all, tue: all, wed: all, thu: all, fri: all, sat: all, sun: all } })).body;
    await admin.post('/api/v1/sla-policies', { name: 'any', calendar_id: cal.id, first_response_minutes: 5, resolution_minutes: 600 });
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '孙丽' })).body;
    // Opened 20 minutes ago: its first response is 15 minutes late; its resolution is due in 580 minutes.
    const late = (await agent.post('/api/v1/cases', { subject: '没人回复 nobody answers', kind: 'grievance', party_id: party.id,
      team_id: team.id, opened_at: iso(Date.now() - 20 * 60000) })).body;
    const fine = (await agent.post('/api/v1/cases', { subject: 'fine', kind: 'question', party_id: party.id, team_id: team.id })).body;
    const waiting = (await agent.post('/api/v1/cases', { subject: 'waiting', kind: 'question', party_id: party.id, team_id: team.id,
      opened_at: iso(Date.now() - 20 * 60000), status: 'open' })).body;
    await agent.patch(`/api/v1/cases/${waiting.id}`, { status: 'waiting_on_customer', version: waiting.version });
    assert.equal(late.owner_id, agent.user.id);
    // Rules are the admin's; a near rule needs its minutes.
    assertError(await lead.post('/api/v1/escalation-rules', { name: 'x', target: 'resolution', moment: 'breached' }), 403, 'forbidden');
    assertError(await admin.post('/api/v1/escalation-rules', { name: 'x', target: 'resolution', moment: 'near' }), 422, 'invalid_value', 'minutes_before');
    const breach = await admin.post('/api/v1/escalation-rules', { name: '首响超时 first response late', target: 'first_response',
      moment: 'breached', reassign: true, raise_priority: true });
    assert.equal(breach.status, 201, breach.text);
    assert.equal(breach.body.notify, true);
    const near = (await admin.post('/api/v1/escalation-rules', { name: 'resolution near', target: 'resolution', moment: 'near',
      minutes_before: 1000, priorities: ['high', 'urgent'] })).body;
    // The first rule made the sweep's schedule; sweep every second, twice over, from both processes.
    const sched = (await admin.get('/api/v1/schedules')).body.items.find((s) => s.name === 'service.escalation');
    assert.ok(sched && sched.kind === 'case_escalation', 'the escalation schedule exists');
    for (const name of ['service.escalation', 'service.escalation2']) {
      const r = await admin.request('PUT', `/api/v1/schedules/${name}`, { kind: 'case_escalation', every_seconds: 1 });
      assert.ok(r.status === 200 || r.status === 201, r.text);
    }
    // The late case: reassigned to the team's manager, raised to high; then,
    // high now, the near rule for its resolution. Two steps, no more.
    const esc = await until(async () => {
      const c = (await admin.get(`/api/v1/cases/${late.id}`)).body;
      return c.escalation_level >= 2 ? c : null;
    }, 'two escalation steps');
    assert.equal(esc.owner_id, lead.user.id);
    assert.equal(esc.priority, 'high');
    await sleep(3000);
    // A restart of one process; the sweeps go on.
    await b.stop();
    b = await new Server({ dir: a.dir, env: FAST }).start();
    await sleep(3000);
    const after = (await admin.get(`/api/v1/cases/${late.id}`)).body;
    assert.equal(after.escalation_level, 2, 'a breach escalated more than once');
    assert.equal(sql(a.db, 'SELECT count(*) FROM escalation_step WHERE case_id = ?', late.id), '2');
    const tl = (await admin.get(`/api/v1/cases/${late.id}/timeline?limit=100`)).body.items.map((i) => i.item).filter((x) => x.action === 'escalate');
    assert.equal(tl.length, 2);
    const steps = tl.map((x) => x.changes.escalation[1]).reverse();
    assert.deepEqual(steps.map((s) => [s.rule_id, s.target, s.moment]), [[breach.body.id, 'first_response', 'breached'], [near.id, 'resolution', 'near']]);
    assert.deepEqual(steps[0].actions, ['notify', 'raise_priority', 'reassign']);
    assert.deepEqual(steps[0].notify, [agent.user.id, lead.user.id]);
    assert.deepEqual(tl[tl.length - 1].changes.owner_id, [agent.user.id, lead.user.id]);
    // The steps are in the event feed (the notification).
    const ev = (await admin.get('/api/v1/events?type=case&limit=1000')).body.items.filter((e) => e.record_id === late.id && e.action === 'escalate');
    assert.equal(ev.length, 2);
    // Nothing for the case in time, nor for the one waiting on the customer (its clock stands still).
    assert.equal((await admin.get(`/api/v1/cases/${fine.id}`)).body.escalation_level, 0);
    assert.equal((await admin.get(`/api/v1/cases/${waiting.id}`)).body.escalation_level, 0);
    // A reopen is a new cycle: escalated again, up the chain to the head of the department.
    let c = (await admin.get(`/api/v1/cases/${late.id}`)).body;
    c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'resolved', version: c.version })).body;
    c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'open', version: c.version })).body;
    assert.equal(c.reopen_count, 1);
    await until(async () => (await admin.get(`/api/v1/cases/${late.id}`)).body.escalation_level >= 4, 'the new cycle escalated');
    await sleep(2000);
    const again = (await admin.get(`/api/v1/cases/${late.id}`)).body;
    assert.equal(again.escalation_level, 4);
    assert.equal(again.owner_id, head.user.id);
    assert.equal(again.team_id, top.id);
    assert.equal(again.priority, 'urgent');
  } finally {
    await b.stop(); await a.stop(); a.cleanup();
  }
});
