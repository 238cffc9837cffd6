// One write path (src/records/write.c): every writer — an import, a merge,
// a transfer, a scheduled job — goes through it, so each change has its
// audit row and its event (actor: the user, or the named system job), and
// the type's rules and workflow apply whoever writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, waitJob, zoneDate } from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const eventsAfter = async (c, after, type) =>
  (await c.get(`/api/v1/events?after=${after}&limit=1000${type ? `&type=${type}` : ''}`)).body.items;
const lastEvent = async (c) => (await c.get('/api/v1/events?limit=1000')).body.items.at(-1)?.id || 0;

test('an import writes through the write path: rules refuse rows, every record has its event, updates their audit rows', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const p = (await admin.post('/api/v1/parties', { kind: 'person', name: '张伟', external_id: 'C-1' })).body;
    const start = await lastEvent(admin);
    // Row 2 is planned without a due time: the interaction rule refuses it.
    const csv = 'party_external_id,channel,subject,status,due_at,date\n' +
      'C-1,call,first call,done,,2026-11-01\n' +
      'C-1,visit,planned visit,planned,,\n' +
      'C-1,email,follow-up,planned,2026-12-20T09:00:00Z,\n';
    const r = await admin.request('POST', '/api/v1/imports?kind=interactions', csv, { 'Content-Type': 'text/csv' });
    assert.equal(r.status, 202, r.text);
    const job = await waitJob(admin, `/api/v1/imports/${r.body.id}`);
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.result.created, 2, JSON.stringify(job.result));
    assert.equal(job.result.errors, 1);
    assert.match(job.result.report[0].reason, /planned interaction needs due_at/);
    const ev = await eventsAfter(admin, start, 'interaction');
    assert.deepEqual(ev.map((e) => [e.action, e.actor, e.party_id]), [['create', `user:${admin.user.id}`, p.id], ['create', `user:${admin.user.id}`, p.id]]);
    // The batch's audit row names the import.
    const audit = (await admin.get('/api/v1/audit?entity=import')).body.items;
    assert.ok(audit.some((a) => a.entity_id === r.body.id), JSON.stringify(audit));
    // A duplicate updated by an import is an audit row and an event of its own.
    const upd = await admin.request('POST', '/api/v1/imports?kind=parties&on_duplicate=update', 'external_id,name,city\nC-1,张伟,上海\n',
      { 'Content-Type': 'text/csv' });
    assert.equal((await waitJob(admin, `/api/v1/imports/${upd.body.id}`)).result.updated, 1);
    const changes = (await admin.get(`/api/v1/audit?entity=party&entity_id=${p.id}`)).body.items;
    assert.equal(changes[0].action, 'update');
    assert.deepEqual(changes[0].changes.city, [null, '上海']);
    assert.equal(changes[0].address, 'import');
    const pe = await eventsAfter(admin, start, 'party');
    assert.deepEqual(pe.map((e) => [e.record_id, e.action, e.fields]), [[p.id, 'update', ['city']]]);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('an import\'s undo writes through the write path: the created record deleted, the updated one restored, each with its audit row and event', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const p = (await admin.post('/api/v1/parties', { kind: 'person', name: '王芳', external_id: 'U-1', city: '杭州' })).body;
    const imp = await admin.request('POST', '/api/v1/imports?kind=parties&on_duplicate=update',
      'external_id,name,city\nU-1,王芳,上海\nU-2,新客户,北京\n', { 'Content-Type': 'text/csv' });
    const job = await waitJob(admin, `/api/v1/imports/${imp.body.id}`);
    assert.deepEqual([job.result.created, job.result.updated], [1, 1], JSON.stringify(job.result));
    const created = (await admin.get('/api/v1/parties?external_id=U-2')).body.items[0];
    const start = await lastEvent(admin);
    const undo = await admin.post(`/api/v1/imports/${imp.body.id}/undo`, {});
    assert.equal(undo.status, 200, undo.text);
    const ev = await eventsAfter(admin, start, 'party');
    assert.deepEqual(ev.map((e) => [e.record_id, e.action, e.actor]).sort((a, b) => a[0] - b[0]),
      [[p.id, 'update', 'system:import-undo'], [created.id, 'delete', 'system:import-undo']]);
    assert.equal((await admin.get(`/api/v1/parties/${p.id}`)).body.city, '杭州');
    assert.equal((await admin.get(`/api/v1/parties/${created.id}`)).status, 404);
    const audit = (await admin.get(`/api/v1/audit?entity=party&entity_id=${p.id}`)).body.items;
    assert.deepEqual(audit[0].changes.city, ['上海', '杭州']);
    assert.equal(audit[0].address, 'import-undo');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('a merge and a transfer write through the write path: audit rows and events for every record they change', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const seller = (await admin.post('/api/v1/users', { email: 's@w.test', name: 'S', role: 'sales', password: 'a long enough password' })).body;
    const keep = (await admin.post('/api/v1/parties', { kind: 'person', name: '李娜', owner_id: admin.user.id })).body;
    const dup = (await admin.post('/api/v1/parties', { kind: 'person', name: '李娜', city: '杭州' })).body;
    const t = (await admin.post('/api/v1/transactions', { party_id: dup.id, occurred_at: '2026-10-01T00:00:00Z', amount: { amount: 900, currency: 'CNY' } })).body;
    const task = (await admin.post('/api/v1/interactions', { party_id: keep.id, channel: 'call', status: 'planned', due_at: '2027-01-05T09:00:00Z' })).body;
    let start = await lastEvent(admin);
    const m = await admin.post(`/api/v1/parties/${keep.id}/merge`, { duplicate_id: dup.id });
    assert.equal(m.status, 200, m.text);
    assert.equal(m.body.city, '杭州');
    let ev = await eventsAfter(admin, start);
    assert.deepEqual(ev.map((e) => [e.type, e.record_id, e.action]), [['party', keep.id, 'merge'], ['party', dup.id, 'merged_into']]);
    assert.ok(ev[0].fields.includes('city') && ev[0].fields.includes('merged_from'), JSON.stringify(ev[0]));
    const a = (await admin.get(`/api/v1/audit?entity=party&entity_id=${keep.id}`)).body.items[0];
    assert.equal(a.action, 'merge');
    assert.deepEqual(a.changes.merged_from, [null, dup.id]);
    assert.equal((await admin.get(`/api/v1/transactions/${t.id}`)).body.party_id, keep.id);
    // The merge changed the survivor at the version it read: a stale edit now conflicts.
    assert.equal((await admin.patch(`/api/v1/parties/${keep.id}`, { city: 'x', version: keep.version })).status, 409);

    start = await lastEvent(admin);
    const tr = await admin.post('/api/v1/transfers', { from_user_id: admin.user.id, to_user_id: seller.id, party_ids: [keep.id] });
    assert.equal(tr.status, 200, tr.text);
    assert.deepEqual(tr.body, { parties: 1, tasks: 1 });
    ev = await eventsAfter(admin, start);
    assert.deepEqual(ev.map((e) => [e.type, e.record_id, e.action, e.fields]),
      [['party', keep.id, 'transfer', ['owner_id']], ['interaction', task.id, 'transfer', ['user_id']]]);
    assert.ok(ev.every((e) => e.actor === `user:${admin.user.id}`));
    const ta = (await admin.get(`/api/v1/audit?entity=interaction&entity_id=${task.id}`)).body.items[0];
    assert.equal(ta.action, 'transfer');
    assert.deepEqual(ta.changes.user_id, [admin.user.id, seller.id]);
    assert.equal((await admin.get(`/api/v1/parties/${keep.id}`)).body.owner_id, seller.id);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('a scheduled job writes through the write path as system:scheduler: workflow, stamps, audit and event', async () => {
  const srv = await new Server({ env: { RAPPORT_SCHEDULER_TICK_MS: '100', RAPPORT_EVENT_POLL_MS: '50' } }).start();
  try {
    const admin = await srv.login();
    const over = (await admin.post('/api/v1/campaigns', { name: 'Autumn', starts_on: '2026-09-01', ends_on: '2026-09-30' })).body;
    const running = (await admin.post('/api/v1/campaigns', { name: 'Winter', starts_on: '2026-12-01', ends_on: '2099-01-31' })).body;
    const planned = (await admin.post('/api/v1/campaigns', { name: 'Past but never run', starts_on: '2026-01-01', ends_on: '2026-01-31' })).body;
    for (const c of [over, running]) assert.equal((await admin.patch(`/api/v1/campaigns/${c.id}`, { status: 'active', version: c.version })).status, 200);
    const start = await lastEvent(admin);
    const put = await admin.request('PUT', '/api/v1/schedules/campaigns.close', { kind: 'campaigns_close', every_seconds: 1 });
    assert.equal(put.status, 201, put.text);
    let done;
    for (let i = 0; i < 100 && !done; i++) {
      await sleep(100);
      const c = (await admin.get(`/api/v1/campaigns/${over.id}`)).body;
      if (c.status === 'completed') done = c;
    }
    assert.ok(done, 'the scheduled job completed the campaign that ended');
    assert.match(done.completed_at, /^\d{4}-\d\d-\d\dT/);
    assert.equal((await admin.get(`/api/v1/campaigns/${running.id}`)).body.status, 'active', 'one still running stays active');
    assert.equal((await admin.get(`/api/v1/campaigns/${planned.id}`)).body.status, 'planned', 'only active campaigns complete');
    const ev = (await eventsAfter(admin, start, 'campaign')).filter((e) => e.record_id === over.id);
    assert.deepEqual(ev.map((e) => [e.action, e.actor]), [['update', 'system:scheduler']]);
    assert.ok(ev[0].fields.includes('status') && ev[0].fields.includes('completed_at'));
    const audit = (await admin.get(`/api/v1/audit?entity=campaign&entity_id=${over.id}`)).body.items[0];
    assert.equal(audit.user_id, null);
    assert.equal(audit.address, 'scheduler');
    assert.deepEqual(audit.changes.status, ['active', 'completed']);
    await admin.request('DELETE', '/api/v1/schedules/campaigns.close');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('campaigns_close decides "has ended" by the company\'s date, not UTC\'s', async () => {
  const srv = await new Server({ env: { RAPPORT_SCHEDULER_TICK_MS: '100' } }).start();
  try {
    const admin = await srv.login();
    // At any instant one of these two zones is on another date than UTC.
    const h = new Date().getUTCHours();
    const zone = h >= 11 ? 'Pacific/Kiritimati' : 'Etc/GMT+12';
    const localToday = zoneDate(zone);
    const utcToday = new Date().toISOString().slice(0, 10);
    assert.notEqual(localToday, utcToday);
    assert.equal((await admin.request('PUT', '/api/v1/settings/time-zone', { time_zone: zone })).status, 200);
    // Ahead of UTC: a campaign ending on UTC's today has ended there. Behind:
    // one ending on the local today (UTC's yesterday) is still running.
    const c = (await admin.post('/api/v1/campaigns', { name: 'Edge', starts_on: '2026-01-01', ends_on: zone === 'Etc/GMT+12' ? localToday : utcToday })).body;
    assert.equal((await admin.patch(`/api/v1/campaigns/${c.id}`, { status: 'active', version: c.version })).status, 200);
    assert.equal((await admin.request('PUT', '/api/v1/schedules/edge.close', { kind: 'campaigns_close', every_seconds: 1 })).status, 201);
    let jobId = null;
    for (let i = 0; i < 100 && !jobId; i++) {
      await sleep(100);
      jobId = (await admin.get('/api/v1/schedules')).body.items.find((x) => x.name === 'edge.close')?.last_job_id;
    }
    assert.ok(jobId, 'the schedule fired');
    assert.equal((await waitJob(admin, `/api/v1/jobs/${jobId}`)).status, 'done');
    await admin.request('DELETE', '/api/v1/schedules/edge.close');
    const want = zone === 'Etc/GMT+12' ? 'active' : 'completed';
    assert.equal((await admin.get(`/api/v1/campaigns/${c.id}`)).body.status, want, `zone ${zone}, local ${localToday}, UTC ${utcToday}`);
  } finally { await srv.stop(); srv.cleanup(); }
});
