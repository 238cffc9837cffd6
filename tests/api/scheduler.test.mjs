// Timed work and job leases with several processes on one database: a
// schedule fires once per occurrence however many servers tick; a job that
// a live process runs (a CLI import) is left alone by a server starting
// beside it, and a job whose process was killed is failed once its lease
// runs out. Schedules are admin-only and validated field by field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, waitJob, ON_POSTGRES } from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A CLI import holds its writer for up to 2 s a batch, which can delay a
// lease renewal by as much: a lease must be well above that.
const FAST = { RAPPORT_SCHEDULER_TICK_MS: '100', RAPPORT_JOB_LEASE_SECONDS: '5' };

test('schedules: admin only, every field validated, nothing stored on a refusal', async () => {
  const srv = await new Server().start();
  try {
    addUser(srv.db, 'sales@test.local', 'sales');
    const admin = await srv.login();
    const sales = await srv.login('sales@test.local', 'a long enough password');
    assertError(await sales.get('/api/v1/schedules'), 403, 'forbidden');
    assertError(await sales.request('PUT', '/api/v1/schedules/x', { kind: 'analytics_run', every_seconds: 60 }), 403, 'forbidden');

    const put = (name, body) => admin.request('PUT', `/api/v1/schedules/${name}`, body);
    assertError(await put('x', { kind: 'no_such_kind', every_seconds: 60 }), 422, 'invalid_value', 'kind');
    assertError(await put('x', { kind: 'analytics_run' }), 422, 'invalid_value', 'every_seconds');
    assertError(await put('x', { kind: 'analytics_run', every_seconds: 60, at_time: '02:00' }), 422, 'invalid_value');
    assertError(await put('x', { kind: 'analytics_run', every_seconds: 0 }), 422, 'invalid_value', 'every_seconds');
    assertError(await put('x', { kind: 'analytics_run', at_time: '24:00' }), 422, 'invalid_value', 'at_time');
    assertError(await put('x', { kind: 'analytics_run', at_time: '2:00' }), 422, 'invalid_value', 'at_time');
    assertError(await put('x', { kind: 'analytics_run', every_seconds: 60, colour: 'red' }), 422, 'unknown_field', 'colour');
    assertError(await put('x', { kind: 'analytics_run', every_seconds: 60, enabled: 'yes' }), 422, 'invalid_value', 'enabled');
    assertError(await put('Bad%20Name', { kind: 'analytics_run', every_seconds: 60 }), 422, 'invalid_value', 'name');
    const list = (await admin.get('/api/v1/schedules')).body.items;
    // Only the schedules the server plants itself (the nightly analytics run, the daily contact-plan
    // and occasion-rule runs of issue 20), none from the refused PUTs.
    assert.deepEqual(list.map((s) => s.name).sort(), ['analytics.nightly', 'contact_plans.daily', 'occasion_rules.daily', 'surveys.send'], 'a refused PUT stored a schedule');
    assert.equal(list.find((s) => s.name === 'analytics.nightly').enabled, false, 'the nightly run is off until an admin turns it on');

    let r = await put('weekly.report', { kind: 'analytics_run', every_seconds: 3600, params: { note: 'x' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.every_seconds, 3600);
    const next = Date.parse(r.body.next_run_at);
    assert.ok(Math.abs(next - (Date.now() + 3600e3)) < 60e3, `next run ${r.body.next_run_at} is not an hour ahead`);
    r = await put('weekly.report', { kind: 'analytics_run', every_seconds: 7200 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.version, 2);
    assert.equal((await admin.del('/api/v1/schedules/weekly.report')).status, 204);
    assertError(await admin.del('/api/v1/schedules/weekly.report'), 404, 'not_found');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('a daily schedule fires at its wall-clock time in the company time zone', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    assert.equal((await admin.get('/api/v1/settings/time-zone')).body.time_zone, 'Asia/Shanghai');
    assertError(await admin.request('PUT', '/api/v1/settings/time-zone', { time_zone: 'Mars/Olympus' }), 422, 'invalid_value', 'time_zone');
    let r = await admin.request('PUT', '/api/v1/schedules/analytics.nightly', { kind: 'analytics_run', at_time: '02:00', enabled: true });
    assert.equal(r.status, 200, r.text);
    // 02:00 in Shanghai (UTC+8, no daylight saving) is 18:00 UTC, within a day.
    assert.match(r.body.next_run_at, /T18:00:00Z$/);
    let ahead = Date.parse(r.body.next_run_at) - Date.now();
    assert.ok(ahead > 0 && ahead <= 86400e3, r.body.next_run_at);
    r = await admin.request('PUT', '/api/v1/settings/time-zone', { time_zone: 'Europe/London' });
    assert.equal(r.status, 200, r.text);
    // The ticker plans it again in the new zone: 02:00 London is 01:00 or 02:00 UTC.
    let s;
    for (let i = 0; i < 100; i++) {
      s = (await admin.get('/api/v1/schedules')).body.items.find((x) => x.name === 'analytics.nightly');
      if (s.next_run_at) break;
      await sleep(100);
    }
    assert.match(s.next_run_at, /T0[12]:00:00Z$/, JSON.stringify(s));
    assert.equal(s.time_zone, 'Europe/London');
    ahead = Date.parse(s.next_run_at) - Date.now();
    assert.ok(ahead > 0 && ahead <= 86400e3, s.next_run_at);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('two servers on one database queue each occurrence of a schedule once', async () => {
  const a = await new Server({ env: FAST }).start();
  const b = await new Server({ dir: a.dir, env: FAST }).start();
  try {
    const admin = await a.login();
    const t0 = Date.now();
    const r = await admin.request('PUT', '/api/v1/schedules/often', { kind: 'analytics_run', every_seconds: 1 });
    assert.equal(r.status, 201, r.text);
    await sleep(6500);
    await admin.request('PUT', '/api/v1/schedules/often', { kind: 'analytics_run', every_seconds: 1, enabled: false });
    const elapsed = (Date.now() - t0) / 1000;
    const last = (await admin.get('/api/v1/schedules')).body.items.find((x) => x.name === 'often');
    assert.ok(last.last_job_id, JSON.stringify(last));
    const jobs = [];
    for (let id = 1; id <= last.last_job_id + 2; id++) {
      const j = (await admin.get(`/api/v1/jobs/${id}`)).body;
      if (j && j.params && j.params.schedule === 'often') jobs.push(await waitJob(admin, `/api/v1/jobs/${id}`));
    }
    // One occurrence a second, each queued by one of the two processes (both
    // tick ten times a second); a skipped occurrence (its previous run still
    // going) makes fewer, a double-fired one more than the seconds elapsed.
    assert.ok(jobs.length >= 3, `only ${jobs.length} runs in ${elapsed} s`);
    assert.ok(jobs.length <= Math.ceil(elapsed) + 1, `${jobs.length} runs in ${elapsed} s: an occurrence was queued twice`);
    const created = jobs.map((j) => j.created_at);
    assert.equal(new Set(created).size, created.length, `two runs queued in the same second: ${created}`);
    for (const j of jobs) {
      assert.equal(j.status, 'done', JSON.stringify(j));
      assert.equal(j.created_by, null);
    }
  } finally {
    await b.stop(); await a.stop(); a.cleanup();
  }
});

test('a job a live server runs is left alone by the other; the job of a killed server is failed when its lease ends', { timeout: 240000 }, async () => {
  const a = new Server({ env: FAST });
  const rows = ['external_id,name,emails,city'];
  // PostgreSQL's import is slower (with COPY): fewer rows still outlive a lease there.
  for (let i = 0; i < (ON_POSTGRES ? 90000 : 120000); i++) rows.push(`L-${i},客户 ${i},l${i}@example.com,${i % 2 ? '北京' : 'Shanghai'}`);
  const csv = rows.join('\n') + '\n';
  await a.start();
  let b = await new Server({ dir: a.dir, env: FAST }).start();
  const importOn = async (client) => {
    const r = await client.request('POST', '/api/v1/imports?kind=parties&on_duplicate=update', csv, { 'Content-Type': 'text/csv' });
    assert.equal(r.status, 202, r.text);
    return r.body.id;
  };
  const untilRunning = async (client, id) => {
    let j;
    for (let i = 0; i < 1200; i++) {
      j = await client.get(`/api/v1/jobs/${id}`);
      if (j.status === 200 && j.body.status === 'running') return j.body;
      await sleep(50);
    }
    assert.fail(`job ${id} never ran: ${j.status} ${j.text}`);
  };
  try {
    // 1. Both servers tick ten times a second and either may claim the
    //    import; the other must leave it alone for longer than a lease.
    const adminA = await a.login();
    const adminB = await b.login();
    const first = await importOn(adminA);
    await untilRunning(adminB, first);
    const t0 = Date.now();
    let seenRunning = 0;
    let job;
    for (;;) {
      job = (await adminB.get(`/api/v1/jobs/${first}`)).body;
      if (job.status !== 'running') break;
      seenRunning = Date.now() - t0;
      await sleep(100);
    }
    assert.equal(job.status, 'done', `a server failed the other's live job: ${JSON.stringify(job)}`);
    assert.ok(seenRunning > 6000, `the import ran only ${seenRunning} ms: too short to outlive a 5 s lease`);

    // 2. Only A runs now; it is killed mid-import. B, started afterwards,
    //    leaves the job while its lease may still be live, then fails it.
    await b.stop();
    const second = await importOn(adminA);
    await untilRunning(adminA, second);
    await a.stop({ hard: true });
    const killedAt = Date.now();
    b = await new Server({ dir: a.dir, env: FAST }).start();
    const adminB2 = await b.login();
    const early = (await adminB2.get(`/api/v1/jobs/${second}`)).body;
    if (Date.now() - killedAt < 4000) assert.equal(early.status, 'running', `failed while its lease was live: ${JSON.stringify(early)}`);
    job = await waitJob(adminB2, `/api/v1/jobs/${second}`, { tries: 300, every: 100 });
    assert.equal(job.status, 'failed', JSON.stringify(job));
    assert.match(job.error, /interrupted/);
    assert.ok(Date.now() - killedAt < 25000, 'the abandoned job was not failed within a few leases');
  } finally { await b.stop(); await a.stop(); a.cleanup(); }
});
