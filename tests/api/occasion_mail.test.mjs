// Occasion rules that send e-mail (issue 20, DOMAIN D8: "each occasion
// rule creates a task or a campaign message N days ahead"): a rule with
// action "email" and a template sends each party of its occasion a message
// through a real SMTP server on loopback (smtp_sink.mjs) — consent and the
// suppression list read at sending, RFC 8058 unsubscribe, the timeline —
// once per party, occasion and year whatever the rule, re-run or process;
// and a run killed mid-send resumes by itself without sending anyone the
// message twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, Client, assertError, sql, sqlExec, sqlRows, waitJob } from './harness.mjs';
import { SmtpSink, parseMessage } from './smtp_sink.mjs';

const PUBLIC = 'https://crm.example.com';
const SHOP = 'https://shop.example.com/gift';

async function party(c, name, email, consent, extra = {}) {
  const p = await c.post('/api/v1/parties', { kind: 'person', name, birthday: '1990-09-25', tags: ['vip'], emails: email ? [email] : [], ...extra });
  assert.equal(p.status, 201, p.text);
  if (consent !== undefined) {
    const r = await c.post('/api/v1/consents', { party_id: p.body.id, channel: 'email', granted: consent, source: 'web form',
      wording: '同意接收生日祝福邮件', given_at: '2026-01-01T00:00:00Z' });
    assert.equal(r.status, 201, r.text);
  }
  return p.body.id;
}

async function template(c, subject) {
  const t = await c.post('/api/v1/email-templates', { name: subject, language: 'zh-CN', subject,
    body: `<p>亲爱的 {{name}}，生日快乐！</p><p><a href="${SHOP}">礼物</a></p><p><a href="{{unsubscribe_url}}">退订</a> {{company}}</p>` });
  assert.equal(t.status, 201, t.text);
  return t.body.id;
}

async function run(c, id, on) {
  const r = await c.post(`/api/v1/occasion-rules/${id}/run?wait=true&on=${on}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'done', r.text);
  return r.body.result;
}

test('an occasion rule sends a birthday e-mail: consent, bounce, unsubscribe, timeline, once per party, occasion and year', async () => {
  const sink = await new SmtpSink({ reject: new Set(['bounce@x.test']) }).listen();
  const srv = await new Server({ env: { RAPPORT_SMTP_URL: sink.url, RAPPORT_PUBLIC_URL: PUBLIC } }).start();
  try {
    const admin = await srv.login();
    assert.equal((await admin.request('PUT', '/api/v1/settings/mail', { from: 'care@shop.example.com', company: '春风商店' })).status, 200);
    const wang = await party(admin, '王芳', 'wang@x.test', true);
    await party(admin, 'No consent', 'none@x.test');
    const gone = await party(admin, 'Withdrawn', 'gone@x.test', true);
    assert.equal((await admin.post('/api/v1/consents', { party_id: gone, channel: 'email', granted: false, source: 'phone',
      wording: '不要再发', given_at: '2026-03-01T00:00:00Z' })).status, 201);
    await party(admin, 'Bounces', 'bounce@x.test', true);
    await party(admin, 'No address', null, true);
    await party(admin, 'Later', 'later@x.test', true, { birthday: '1985-11-02' });
    await party(admin, 'Not vip', 'nv@x.test', true, { tags: [] });
    const t1 = await template(admin, '{{name}}，生日快乐');
    // An e-mail rule names its template.
    assertError(await admin.post('/api/v1/occasion-rules', { name: 'x', occasion: 'birthday', days_ahead: 3, action: 'email' }),
      422, 'required', 'template_id');
    assertError(await admin.post('/api/v1/occasion-rules', { name: 'x', occasion: 'birthday', days_ahead: 3, action: 'sms' }),
      422, 'invalid_value', 'action');
    const rule = (await admin.post('/api/v1/occasion-rules', { name: '生日邮件', occasion: 'birthday', days_ahead: 7, segment: 'tags=vip',
      action: 'email', template_id: t1 })).body;
    assert.equal(rule.action, 'email');
    assert.equal(rule.template_id, t1);
    // A task rule is still the default.
    assert.equal((await admin.post('/api/v1/occasion-rules', { name: 'card', occasion: 'festival', festival: 'qixi', days_ahead: 1 })).body.action, 'task');
    // 09-10: the birthday (09-25) is 15 days away: nothing.
    let r = await run(admin, rule.id, '2026-09-10');
    assert.equal(r.created, 0);
    assert.equal(sink.messages.length, 0);
    // 09-20: five vip parties have the birthday in the window; one message goes out, to the one with consent and a working address.
    r = await run(admin, rule.id, '2026-09-20');
    assert.deepEqual([r.created, r.existing], [5, 0]);
    assert.deepEqual(r.mail, { sent: 1, bounced: 1, skipped: 3, failed: 0, uncertain: 0 });
    assert.equal(sink.messages.length, 1);
    assert.deepEqual(sink.messages[0].to, ['wang@x.test']);
    assert.equal(sink.messages[0].from, 'care@shop.example.com');
    const m = parseMessage(sink.messages[0].data);
    assert.equal(m.subject, '王芳，生日快乐');
    assert.ok(m.body.includes('亲爱的 王芳，生日快乐！') && m.body.includes('春风商店'), m.body);
    assert.equal(m.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
    const token = m.headers['list-unsubscribe'].match(/^<https:\/\/crm\.example\.com\/api\/v1\/u\/([0-9a-f]{64})>$/)[1];
    // The states, the suppressed address, no task made, the message on the timeline.
    const states = Object.fromEntries(sqlRows(srv.db, 'SELECT p.name, m.state, m.detail FROM occasion_mail m JOIN party p ON p.id = m.party_id')
      .map(([n, s, d]) => [n, [s, d]]));
    assert.equal(states['王芳'][0], 'sent');
    assert.deepEqual(states['No consent'], ['skipped', 'no consent to e-mail']);
    assert.deepEqual(states.Withdrawn, ['skipped', 'no consent to e-mail']);
    assert.deepEqual(states['No address'], ['skipped', 'no e-mail address']);
    assert.equal(states.Bounces[0], 'bounced');
    assert.deepEqual(sqlRows(srv.db, 'SELECT address FROM mail_suppression'), [['bounce@x.test']]);
    assert.equal(sql(srv.db, "SELECT count(*) FROM interaction WHERE status = 'planned'"), '0', 'an e-mail rule makes no task');
    const tl = (await admin.get(`/api/v1/parties/${wang}/timeline`)).body.items.find((i) => i.type === 'interaction');
    assert.deepEqual([tl.item.channel, tl.item.direction, tl.item.status, tl.item.subject], ['email', 'outbound', 'done', '王芳，生日快乐']);
    assert.equal(sql(srv.db, 'SELECT count(*) FROM occasion_mail WHERE token_hash = ?', token), '0', 'the token is stored hashed');
    // Never twice: a re-run, and a second rule on the same occasion, in the same year.
    r = await run(admin, rule.id, '2026-09-22');
    assert.deepEqual([r.created, r.existing, r.mail.sent], [0, 5, 0]);
    const t2 = await template(admin, 'Happy birthday {{name}}');
    const rule2 = (await admin.post('/api/v1/occasion-rules', { name: 'Birthday (en)', occasion: 'birthday', days_ahead: 10,
      action: 'email', template_id: t2 })).body;
    r = await run(admin, rule2.id, '2026-09-21');
    assert.equal(r.created, 1, 'only the non-vip party, who had none this year');
    assert.equal(r.existing, 5);
    assert.equal(r.mail.sent, 1);
    assert.deepEqual(sink.messages.map((x) => x.to[0]).sort(), ['nv@x.test', 'wang@x.test']);
    // The public links: the pixel, a link of the rule's template (and no other), the one-click unsubscribe.
    const anon = new Client(srv.base);
    assert.equal((await fetch(`${srv.base}/api/v1/t/o/${token}`)).status, 200);
    assert.equal((await anon.get(`/api/v1/t/c/${token}?u=${encodeURIComponent('https://evil.example/')}`)).status, 404);
    const click = await fetch(`${srv.base}/api/v1/t/c/${token}?u=${encodeURIComponent(SHOP)}`, { redirect: 'manual' });
    assert.equal(click.status, 302);
    assert.equal(click.headers.get('location'), SHOP);
    const one = await fetch(`${srv.base}/api/v1/u/${token}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click' });
    assert.equal(one.status, 200);
    const [opened, clicked, unsub] = sqlRows(srv.db, 'SELECT opened_at, clicked_at, unsubscribed_at FROM occasion_mail WHERE party_id = ?', wang)[0];
    assert.ok(opened && clicked && unsub);
    const consents = (await admin.get(`/api/v1/consents?party_id=${wang}&sort=-given_at`)).body.items;
    assert.equal(consents[0].granted, false);
    assert.match(consents[0].source, /one-click unsubscribe \(occasion rule \d+\)/);
    // Next year the birthday comes again: a new message per party, but the withdrawal holds and the bounce stays suppressed.
    r = await run(admin, rule.id, '2027-09-20');
    assert.equal(r.created, 5);
    assert.deepEqual(r.mail, { sent: 0, bounced: 0, skipped: 5, failed: 0, uncertain: 0 });
    assert.equal(sink.messages.length, 2);
    assert.equal(sql(srv.db, "SELECT detail FROM occasion_mail WHERE party_id = ? AND year = 2027", wang), 'no consent to e-mail');
  } finally {
    await srv.stop();
    await sink.close();
  }
});

test('an e-mail rule without a relay fails its run and leaves its messages pending; the daily run still makes the other rules\' tasks', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    await party(admin, '李雷', 'li@x.test', true);
    const t = await template(admin, '{{name}}');
    const rule = (await admin.post('/api/v1/occasion-rules', { name: 'mail', occasion: 'birthday', days_ahead: 7, action: 'email', template_id: t })).body;
    const task = (await admin.post('/api/v1/occasion-rules', { name: 'card', occasion: 'birthday', days_ahead: 7 })).body;
    const r = await admin.post(`/api/v1/occasion-rules/${rule.id}/run?wait=true&on=2026-09-20`);
    assertError(r, 500, 'run_failed');   // api/job_answer.c: a ?wait=true run that failed
    assert.match(r.body.error.message, /no SMTP relay/);
    assert.deepEqual(sqlRows(srv.db, 'SELECT state FROM occasion_mail'), [['pending']]);
    // All rules (the scheduler's job): the task rule still makes its task.
    sqlExec(srv.db, `INSERT INTO job(kind, created_at, params) VALUES ('occasion_rules_run', '2026-09-20T00:00:00Z', '{"on":"2026-09-20"}')`);
    const all = sql(srv.db, "SELECT max(id) FROM job WHERE kind = 'occasion_rules_run'");
    const job = await waitJob(admin, `/api/v1/jobs/${all}`);
    assert.equal(job.status, 'failed', JSON.stringify(job));
    assert.match(job.error, new RegExp(`occasion rule ${rule.id}: no SMTP relay`));
    assert.equal(task.action, 'task');
    assert.equal(sql(srv.db, "SELECT count(*) FROM interaction WHERE status = 'planned' AND due_at = '2026-09-25T00:00:00Z'"), '1');
  } finally {
    await srv.stop();
  }
});

test('kill -9 while an occasion rule sends: the run resumes by itself and sends nobody the message twice', async () => {
  const sink = await new SmtpSink({ delayMs: 40 }).listen();
  const env = { RAPPORT_SMTP_URL: sink.url, RAPPORT_SEND_BATCH: '4', RAPPORT_JOB_LEASE_SECONDS: '2' };
  let srv = await new Server({ env }).start();
  try {
    const admin = await srv.login();
    const N = 40;
    for (let i = 0; i < N; i++) await party(admin, `客户 ${i}`, `m${i}@x.test`, true);
    const t = await template(admin, '{{name}}，生日快乐');
    const rule = (await admin.post('/api/v1/occasion-rules', { name: '生日邮件', occasion: 'birthday', days_ahead: 7, action: 'email', template_id: t })).body;
    const s = await admin.post(`/api/v1/occasion-rules/${rule.id}/run?on=2026-09-20`);
    assert.equal(s.status, 202, s.text);
    for (let i = 0; i < 400 && sink.count < 12; i++) await new Promise((res) => setTimeout(res, 25));
    assert.ok(sink.count >= 12 && sink.count < N, `killed after ${sink.count}`);
    await srv.stop({ hard: true });
    srv = await new Server({ dir: srv.dir, env }).start();
    const admin2 = await srv.login();
    const job = await waitJob(admin2, `/api/v1/jobs/${s.body.id}`, { tries: 600, every: 100 });
    assert.equal(job.status, 'done', JSON.stringify(job));
    // Running again finds nobody left.
    const again = await run(admin2, rule.id, '2026-09-20');
    assert.deepEqual([again.created, again.mail.sent], [0, 0]);
    const to = sink.messages.map((x) => x.to[0]);
    assert.equal(new Set(to).size, to.length, `a duplicate among ${to.length} messages`);
    const by = Object.fromEntries(sqlRows(srv.db, 'SELECT state, count(*) FROM occasion_mail GROUP BY state'));
    assert.equal((by.sent || 0) + (by.uncertain || 0), N, JSON.stringify(by));
    assert.ok((by.uncertain || 0) <= 4, `at most one batch is uncertain: ${JSON.stringify(by)}`);
    assert.ok(to.length >= by.sent && to.length <= N, `${to.length} received, ${by.sent} marked sent`);
  } finally {
    await srv.stop();
    await sink.close();
  }
});
