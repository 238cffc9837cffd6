// Issue 19, what was left: surveys mailed by themselves when a case is
// resolved or a sales order delivered (consent read at sending, once per
// case or order, surviving a restart), "near" escalation and the service
// measures in business minutes of the case's calendar, and cases routed by
// the assignment engine (category / priority / tier / product, capacity,
// rotation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sql, sqlExec, sqlRows } from './harness.mjs';
import { SmtpSink, parseMessage } from './smtp_sink.mjs';

const FAST = { RAPPORT_SCHEDULER_TICK_MS: '100', RAPPORT_JOB_LEASE_SECONDS: '5' };
const PUBLIC = 'https://crm.example.com';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const PW = 'a long enough password';

async function until(fn, what, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function customer(c, name, email, consent) {
  const p = await c.post('/api/v1/parties', { kind: 'person', name, emails: email ? [email] : [] });
  assert.equal(p.status, 201, p.text);
  if (consent !== undefined) {
    const r = await c.post('/api/v1/consents', { party_id: p.body.id, channel: 'email', granted: consent, source: 'web form',
      wording: '同意接收服务邮件', given_at: '2026-01-01T00:00:00Z' });
    assert.equal(r.status, 201, r.text);
  }
  return p.body;
}

async function setSurveySchedule(admin, enabled) {
  const r = await admin.request('PUT', '/api/v1/schedules/surveys.send', { kind: 'survey_send', every_seconds: 1, enabled });
  assert.ok(r.status === 200 || r.status === 201, r.text);
}

test('surveys are mailed by themselves: case resolved, order delivered; consent; once each; across a restart', async () => {
  const sink = await new SmtpSink().listen();
  const env = { ...FAST, RAPPORT_SMTP_URL: sink.url, RAPPORT_PUBLIC_URL: PUBLIC };
  const a = await new Server({ env }).start();
  let b = null;
  try {
    const admin = await a.login();
    const sched = (await admin.get('/api/v1/schedules')).body.items.find((s) => s.name === 'surveys.send');
    assert.ok(sched && sched.kind === 'survey_send' && sched.enabled, 'the survey schedule is there from the start');
    await setSurveySchedule(admin, false);
    await admin.request('PUT', '/api/v1/settings/mail', { from: 'service@shop.example.com', company: '春风商店' });
    const yes = await customer(admin, '王<芳>', 'wang@x.test', true);
    const no = await customer(admin, '不同意', 'no@x.test', false);
    const org = await customer(admin, '春风公司', null, true);
    const contact = await customer(admin, '联系人 Contact', 'contact@x.test');
    // A case resolved: one row to send, noted in the write that resolved it.
    let c1 = (await admin.post('/api/v1/cases', { subject: '退货', kind: 'request', party_id: yes.id })).body;
    c1 = (await admin.patch(`/api/v1/cases/${c1.id}`, { status: 'resolved', version: c1.version })).body;
    assert.equal(sql(a.db, "SELECT state FROM survey_dispatch WHERE subject = 'case' AND record_id = ?", c1.id), 'pending');
    // Reopened and resolved again: still one.
    c1 = (await admin.patch(`/api/v1/cases/${c1.id}`, { status: 'open', version: c1.version })).body;
    c1 = (await admin.patch(`/api/v1/cases/${c1.id}`, { status: 'resolved', version: c1.version })).body;
    assert.equal(sql(a.db, 'SELECT count(*) FROM survey_dispatch WHERE record_id = ?', c1.id), '1');
    // Not consented: skipped. An open case: nothing.
    let c2 = (await admin.post('/api/v1/cases', { subject: 'x', kind: 'question', party_id: no.id })).body;
    c2 = (await admin.patch(`/api/v1/cases/${c2.id}`, { status: 'resolved', version: c2.version })).body;
    const c3 = (await admin.post('/api/v1/cases', { subject: 'still open', kind: 'question', party_id: yes.id })).body;
    // The organisation has no address but the case's contact person has: it goes to the contact.
    let c4 = (await admin.post('/api/v1/cases', { subject: '发票', kind: 'question', party_id: org.id, contact_id: contact.id })).body;
    c4 = (await admin.patch(`/api/v1/cases/${c4.id}`, { status: 'resolved', version: c4.version })).body;
    // An order delivered (issue 18).
    let o = (await admin.post('/api/v1/orders', { party_id: yes.id, currency: 'CNY', total: { amount: 1000, currency: 'CNY' },
      lines: [{ description: '茶叶', quantity: 1, unit_price: 1000, net: 1000 }] })).body;
    for (const step of ['file_created', 'shipped']) o = (await admin.patch(`/api/v1/orders/${o.id}`, { status: step, version: o.version })).body;
    assert.equal(sql(a.db, "SELECT count(*) FROM survey_dispatch WHERE subject = 'order'"), '0', 'shipped is not delivered');
    o = (await admin.patch(`/api/v1/orders/${o.id}`, { status: 'delivered', version: o.version })).body;
    assert.equal(o.status, 'delivered');
    // A restart before anything was sent: the rows are in the database.
    await a.stop();
    b = await new Server({ dir: a.dir, env }).start();
    const admin2 = await b.login();
    await setSurveySchedule(admin2, true);
    await until(() => sink.messages.length >= 3 && sql(b.db, "SELECT count(*) FROM survey_dispatch WHERE state IN ('pending', 'sending')") === '0',
      'the surveys to be sent');
    await sleep(2500);   // more sweeps: nothing more is sent
    assert.equal(sink.messages.length, 3);
    const states = Object.fromEntries(sqlRows(b.db,
      "SELECT subject || record_id, state FROM survey_dispatch"));
    assert.deepEqual(states, { [`case${c1.id}`]: 'sent', [`case${c2.id}`]: 'skipped', [`case${c4.id}`]: 'sent', [`order${o.id}`]: 'sent' });
    assert.equal(sql(b.db, 'SELECT detail FROM survey_dispatch WHERE record_id = ? AND subject = \'case\'', c2.id), 'no consent to e-mail');
    assert.equal(sql(b.db, 'SELECT count(*) FROM survey_dispatch WHERE record_id = ? AND subject = \'case\'', c3.id), '0');
    const to = sink.messages.map((m) => m.to[0]).sort();
    assert.deepEqual(to, ['contact@x.test', 'wang@x.test', 'wang@x.test']);
    // The message: both languages, the name escaped, a working one-time link, no unsubscribe or tracking.
    const forCase = sink.messages.map((m) => parseMessage(m.data)).find((m) => m.subject.includes('How did we do?') && m.body.includes('王&lt;芳&gt;'));
    assert.ok(forCase, 'the case survey message');
    assert.equal(sink.messages[0].from, 'service@shop.example.com');
    assert.ok(forCase.body.includes('您的服务请求已处理完毕') && forCase.body.includes('Your service request has been resolved'), forCase.body);
    assert.equal(forCase.headers['list-unsubscribe'], undefined);
    assert.ok(!forCase.body.includes('/api/v1/t/'), 'no tracking');
    const url = forCase.body.match(/href="https:\/\/crm\.example\.com(\/survey\/[A-Za-z0-9_-]{43})"/)[1];
    const page = await fetch(b.base + url);
    assert.equal(page.status, 200);
    const ans = await fetch(b.base + url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ csat: 4, nps: 9 }) });
    assert.equal(ans.status, 200);
    assert.equal((await admin2.get(`/api/v1/cases/${c1.id}`)).body.csat, 4);
    const again = await fetch(b.base + url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ csat: 1 }) });
    assert.equal(again.status, 409);
    // The order's survey names the order; both are on their record's timeline.
    const sid = Number(sql(b.db, "SELECT survey_id FROM survey_dispatch WHERE subject = 'order'"));
    const sv = (await admin2.get(`/api/v1/surveys/${sid}`)).body;
    assert.equal(sv.sales_order_id, o.id);
    assert.equal(sv.case_id, null);
    const orderMsg = sink.messages.map((m) => parseMessage(m.data)).find((m) => m.body.includes('Your order has been delivered'));
    assert.ok(orderMsg);
    const tl = (await admin2.get(`/api/v1/cases/${c1.id}/timeline?limit=100`)).body.items.map((i) => i.item).filter((x) => x.action === 'survey');
    assert.equal(tl.length, 1);
    assert.equal(tl[0].changes.survey[1].automatic, true);
    // Turned off by the setting: nothing is noted.
    sqlExec(b.db, "INSERT INTO setting(key, value) VALUES ('service.auto_surveys', 'false')");
    let c5 = (await admin2.post('/api/v1/cases', { subject: 'quiet', kind: 'question', party_id: yes.id })).body;
    c5 = (await admin2.patch(`/api/v1/cases/${c5.id}`, { status: 'resolved', version: c5.version })).body;
    assert.equal(sql(b.db, 'SELECT count(*) FROM survey_dispatch WHERE record_id = ? AND subject = \'case\'', c5.id), '0');
  } finally {
    if (b) await b.stop(); else await a.stop();
    a.cleanup();
    await sink.close();
  }
});

test('a sender killed mid-send does not mail a survey twice', async () => {
  const sink = await new SmtpSink({ delayMs: 4000 }).listen();
  const env = { ...FAST, RAPPORT_SMTP_URL: sink.url, RAPPORT_PUBLIC_URL: PUBLIC };
  const a = await new Server({ env }).start();
  let b = null;
  try {
    const admin = await a.login();
    const p = await customer(admin, '李雷', 'li@x.test', true);
    let c = (await admin.post('/api/v1/cases', { subject: 'x', kind: 'question', party_id: p.id })).body;
    c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'resolved', version: c.version })).body;
    await setSurveySchedule(admin, true);
    await until(() => sql(a.db, 'SELECT state FROM survey_dispatch') === 'sending', 'the send to start');
    await a.stop({ hard: true });
    b = await new Server({ dir: a.dir, env: { ...env } }).start();
    await until(() => sql(b.db, 'SELECT state FROM survey_dispatch') === 'uncertain', 'the interrupted send to be retired');
    await sleep(2000);
    assert.ok(sink.messages.length <= 1, 'sent twice');
  } finally {
    if (b) await b.stop(); else await a.stop({ hard: true });
    a.cleanup();
    await sink.close();
  }
});

// A calendar that works one hour a day, the current UTC hour: "now" is in
// working time, and the next working minute after today's hour is tomorrow.
function oneHourCalendar() {
  const h = new Date().getUTCHours();
  const hh = (n) => String(n).padStart(2, '0') + ':00';
  const iv = [[hh(h), h === 23 ? '24:00' : hh(h + 1)]];
  return { name: '一小时 one hour', time_zone: 'UTC', hours: { mon: iv, tue: iv, wed: iv, thu: iv, fri: iv, sat: iv, sun: iv } };
}

test('near escalation and the service measures are in business minutes', async () => {
  const srv = await new Server({ env: FAST }).start();
  try {
    const admin = await srv.login();
    const cal = (await admin.post('/api/v1/business-calendars', oneHourCalendar())).body;
    await admin.post('/api/v1/sla-policies', { name: 'p', calendar_id: cal.id, first_response_minutes: 90, resolution_minutes: 90 });
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '韩梅' })).body;
    const now = new Date();
    const hourStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), now.getUTCHours());
    // Opened at the start of this working hour: 90 business minutes are
    // this hour and half of tomorrow's — due about a day away on the clock,
    // but fewer than 90 business minutes away.
    const c = (await admin.post('/api/v1/cases', { subject: 'near', kind: 'question', party_id: party.id, opened_at: iso(hourStart) })).body;
    assert.equal(c.resolution_due_at, iso(hourStart + 86400e3 + 30 * 60e3));
    // Breaching soon (at most 240 business minutes left): from the start,
    // although its due time is a day away on the clock; a case with 600
    // business minutes is not, until 360 of them have passed (the sixth working hour).
    await admin.post('/api/v1/sla-policies', { name: 'low', calendar_id: cal.id, priorities: ['low'], first_response_minutes: 600, resolution_minutes: 600 });
    const slow = (await admin.post('/api/v1/cases', { subject: 'slow', kind: 'question', priority: 'low', party_id: party.id, opened_at: iso(hourStart) })).body;
    assert.equal(c.resolution_warn_at, iso(hourStart));
    assert.equal(slow.resolution_warn_at, iso(hourStart + 5 * 86400e3 + 60 * 60e3));
    const soon = (await admin.get(`/api/v1/cases?status=new&resolution_warn_at_to=${iso(Date.now())}&sort=resolution_due_at`)).body.items.map((x) => x.id);
    assert.deepEqual(soon, [c.id]);
    const near = (await admin.post('/api/v1/escalation-rules', { name: 'near 100', target: 'resolution', moment: 'near', minutes_before: 100 })).body;
    const far = (await admin.post('/api/v1/escalation-rules', { name: 'near 20', target: 'resolution', moment: 'near', minutes_before: 20 })).body;
    const r = await admin.request('PUT', '/api/v1/schedules/service.escalation', { kind: 'case_escalation', every_seconds: 1 });
    assert.ok(r.status === 200 || r.status === 201, r.text);
    await until(async () => (await admin.get(`/api/v1/cases/${c.id}`)).body.escalation_level >= 1, 'the near step');
    await sleep(2500);
    const steps = sqlRows(srv.db, 'SELECT rule_id FROM escalation_step WHERE case_id = ? ORDER BY id', c.id).map(([id]) => id);
    assert.deepEqual(steps, [near.id], 'only the rule whose business minutes are within reach fired');
    assert.ok(far.id);
    // The measures: a case opened 10 minutes into yesterday's working hour
    // and answered now took 50 + (minutes into this hour) business minutes.
    const y = (await admin.post('/api/v1/cases', { subject: 'yesterday', kind: 'complaint', party_id: party.id,
      opened_at: iso(hourStart - 86400e3 + 10 * 60e3) })).body;
    const m = await admin.post(`/api/v1/cases/${y.id}/messages`, { direction: 'ours', body: '您好，我们来处理。' });
    assert.equal(m.status, 201, m.text);
    const into = Math.floor((Date.now() - hourStart) / 60e3);
    const got = (await admin.get(`/api/v1/cases/${y.id}`)).body;
    assert.ok(Math.abs(got.first_response_minutes - (50 + into)) <= 1, `business minutes ${got.first_response_minutes}, expected ${50 + into}`);
    const day = iso(hourStart - 86400e3).slice(0, 10);
    const meas = (await admin.get(`/api/v1/service-measures?by=team&from=${day}&to=${iso(Date.now() + 86400e3).slice(0, 10)}`)).body;
    const total = meas.total;
    assert.ok(total.first_response_minutes < 120, `mean first response ${total.first_response_minutes} should be business minutes, not a day`);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('cases routed by assignment rules: category, priority, tier, product; rotation and capacity', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const team = (await admin.post('/api/v1/teams', { name: '售后组' })).body;
    const vipTeam = (await admin.post('/api/v1/teams', { name: 'VIP 组' })).body;
    const ids = [];
    for (const e of ['s1@test.local', 's2@test.local', 'v1@test.local']) {
      addUser(srv.db, e, 'service');
      const u = await srv.login(e, PW);
      ids.push(u.user.id);
    }
    await admin.patch(`/api/v1/users/${ids[0]}`, { team_id: team.id });
    await admin.patch(`/api/v1/users/${ids[1]}`, { team_id: team.id });
    await admin.patch(`/api/v1/users/${ids[2]}`, { team_id: vipTeam.id });
    const product = (await admin.post('/api/v1/products', { name: '净水器', sku: 'WF-1' })).body;
    assert.ok(product.id, JSON.stringify(product));
    // Lead criteria are refused on a case rule and the other way round.
    assertError(await admin.post('/api/v1/assignment-rules', { name: 'x', subject: 'case', territory: '华东', team_id: team.id }), 422, 'invalid_value', 'territory');
    assertError(await admin.post('/api/v1/assignment-rules', { name: 'x', category: 'billing', team_id: team.id }), 422, 'invalid_value', 'category');
    assertError(await admin.post('/api/v1/assignment-rules', { name: 'x', subject: 'case', tier: 'diamond', team_id: team.id }), 422, 'invalid_value', 'tier');
    const vip = await admin.post('/api/v1/assignment-rules', { name: 'urgent water', subject: 'case', position: 1, priority: 'urgent',
      product_id: product.id, team_id: vipTeam.id });
    assert.equal(vip.status, 201, vip.text);
    const byCat = (await admin.post('/api/v1/assignment-rules', { name: '售后', subject: 'case', position: 2, category: 'After-sales',
      team_id: team.id, capacity: 2, period: 'day' })).body;
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '陈晨' })).body;
    const mk = (extra) => admin.post('/api/v1/cases', { subject: 's', kind: 'request', party_id: party.id, ...extra });
    // Category (case-insensitive): round robin over the team, then capacity runs out.
    const got = [];
    for (let i = 0; i < 5; i++) got.push((await mk({ category: 'after-sales' })).body);
    assert.deepEqual(got.map((c) => c.owner_id), [ids[0], ids[1], ids[0], ids[1], admin.user.id]);
    assert.deepEqual(got.slice(0, 4).map((c) => c.team_id), [team.id, team.id, team.id, team.id]);
    assert.equal(got[0].assignment_rule_id, byCat.id);
    assert.ok(got[0].assigned_at);
    assert.equal(got[4].assignment_rule_id, null, 'nobody had capacity: the creator keeps it');
    // Priority + product: the VIP team.
    const u = (await mk({ priority: 'urgent', product_id: product.id, category: 'After-sales' })).body;
    assert.equal(u.owner_id, ids[2]);
    assert.equal(u.assignment_rule_id, vip.body.id);
    // Not matching the product: not the VIP rule.
    assert.equal((await mk({ priority: 'urgent' })).body.assignment_rule_id, null);
    // A case given a team by hand is not routed.
    const hand = (await mk({ category: 'after-sales', team_id: vipTeam.id })).body;
    assert.equal(hand.assignment_rule_id, null);
    assert.equal(hand.owner_id, admin.user.id);
    // Tier: a platinum customer's cases go to the VIP team.
    await admin.post('/api/v1/assignment-rules', { name: 'platinum', subject: 'case', position: 0, tier: 'platinum', team_id: vipTeam.id });
    const plat = (await admin.post('/api/v1/parties', { kind: 'person', name: '白金' })).body;
    sqlExec(srv.db, `INSERT INTO score(party_id, computed_at, transactions, repeat_purchases, revenue, cost, profit, cost_to_serve, net_profit,
      competitor_amount, tier) VALUES (?, '2026-09-01T00:00:00Z', 0, 0, 0, 0, 0, 0, 0, 0, 'platinum')`, plat.id);
    const pc = (await admin.post('/api/v1/cases', { subject: 'p', kind: 'question', party_id: plat.id })).body;
    assert.equal(pc.team_id, vipTeam.id);
    assert.equal(pc.owner_id, ids[2]);
    // The log names the cases; leads are counted apart.
    assert.equal(sql(srv.db, "SELECT count(*) FROM assignment_log WHERE subject = 'case' AND record_id IS NOT NULL"), '6');
    assert.equal(sql(srv.db, "SELECT count(*) FROM assignment_log WHERE subject = 'case' AND record_id IS NULL"), '0');
    // Case rules are listed by subject; a lead is not routed by them.
    const list = (await admin.get('/api/v1/assignment-rules?subject=case')).body.items;
    assert.equal(list.length, 3);
    const lead = await admin.post('/api/v1/leads', { name: 'L', company: 'C', source: 'website' });
    assert.equal(lead.status, 201, lead.text);
    assert.equal(lead.body.assignment_rule_id, null);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});
