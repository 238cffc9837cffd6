// Sending a campaign's e-mail (issue 20): a job with progress that goes
// through a real SMTP server on loopback (smtp_sink.mjs) — consent read at
// sending, merge fields HTML-escaped, RFC 8058 one-click unsubscribe headers
// and the public POST that withdraws consent, a hard bounce suppressing the
// address, the interaction on the party's timeline, open and click
// tracking (no open redirect), the measures, and after kill -9 mid-send a
// resumed send that gives nobody the message twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, Client, assertError, sql, sqlRows, waitJob } from './harness.mjs';
import { SmtpSink, parseMessage } from './smtp_sink.mjs';

const PUBLIC = 'https://crm.example.com';
const OFFER = 'https://shop.example.com/offer?a=1&b=2';

async function party(c, name, email, consent) {
  const p = await c.post('/api/v1/parties', { kind: 'person', name, tags: ['spring'], emails: email ? [email] : [] });
  assert.equal(p.status, 201, p.text);
  if (consent !== undefined) {
    const r = await c.post('/api/v1/consents', { party_id: p.body.id, channel: 'email', granted: consent, source: 'web form', wording: '同意接收营销邮件', given_at: '2026-01-01T00:00:00Z' });
    assert.equal(r.status, 201, r.text);
  }
  return p.body.id;
}

async function campaign(c, extra = {}) {
  const t = await c.post('/api/v1/email-templates', { name: '春季', language: 'zh-CN', subject: '{{name}}，春季优惠',
    body: `<p>亲爱的 {{name}}：</p><p><a href="${OFFER.replace('&', '&amp;')}">优惠</a></p><p><a href="{{unsubscribe_url}}">退订</a> {{company}}</p>` });
  assert.equal(t.status, 201, t.text);
  const k = await c.post('/api/v1/campaigns', { name: 'Spring 春季', channel: 'email', segment: 'tags=spring', template_id: t.body.id,
    control_share: 0, cost: { amount: 10000, currency: 'CNY' }, ...extra });
  assert.equal(k.status, 201, k.text);
  const a = await c.patch(`/api/v1/campaigns/${k.body.id}`, { status: 'active', version: k.body.version });
  assert.equal(a.status, 200, a.text);
  return a.body;
}

test('a campaign send: consent, escaping, RFC 8058 headers, bounce, timeline, tracking, unsubscribe, measures', async () => {
  const sink = await new SmtpSink({ reject: new Set(['bounce@x.test']) }).listen();
  const srv = await new Server({ env: { RAPPORT_SMTP_URL: sink.url, RAPPORT_PUBLIC_URL: PUBLIC } }).start();
  try {
    const admin = await srv.login();
    const a = await party(admin, '王<b>芳</b> & co', 'a@x.test', true);
    const b = await party(admin, 'Withdrawn', 'b@x.test', true);
    const w = await admin.post('/api/v1/consents', { party_id: b, channel: 'email', granted: false, source: 'phone call', wording: '不要再发', given_at: '2026-02-01T00:00:00Z' });
    assert.equal(w.status, 201, w.text);
    await party(admin, 'No consent', 'c@x.test');
    await party(admin, 'Bounces', 'bounce@x.test', true);
    await party(admin, 'No address', null, true);
    const put = await admin.request('PUT', '/api/v1/settings/mail', { from: 'news@shop.example.com', company: '春风商店' });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.smtp_url_from_environment, true);
    const k = await campaign(admin);
    assert.equal(k.member_count, 5);
    // A campaign that is not active does not send.
    const draft = await admin.post('/api/v1/campaigns', { name: 'draft', channel: 'email' });
    assertError(await admin.post(`/api/v1/campaigns/${draft.body.id}/send`), 409, 'invalid_state', 'status');
    const s = await admin.post(`/api/v1/campaigns/${k.id}/send`);
    assert.equal(s.status, 202, s.text);
    assert.equal(s.headers.get('location'), `/api/v1/jobs/${s.body.id}`);
    const job = await waitJob(admin, `/api/v1/jobs/${s.body.id}`);
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.deepEqual(job.result, { campaign_id: k.id, sent: 1, bounced: 1, skipped: 3, failed: 0 });
    // Exactly one message arrived, to the one party with consent and a working address.
    assert.equal(sink.messages.length, 1);
    const m = parseMessage(sink.messages[0].data);
    assert.deepEqual(sink.messages[0].to, ['a@x.test']);
    assert.equal(sink.messages[0].from, 'news@shop.example.com');
    assert.equal(m.subject, '王<b>芳</b> & co，春季优惠', 'the subject is text: not escaped');
    assert.ok(m.body.includes('亲爱的 王&lt;b&gt;芳&lt;/b&gt; &amp; co：'), m.body);
    assert.ok(m.body.includes('春风商店'));
    const unsub = m.headers['list-unsubscribe'].match(/^<(https:\/\/crm\.example\.com\/api\/v1\/u\/([0-9a-f]{64}))>$/);
    assert.ok(unsub, m.headers['list-unsubscribe']);
    assert.equal(m.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
    const token = unsub[2];
    assert.ok(m.body.includes(`href="${PUBLIC}/api/v1/t/c/${token}?u=${encodeURIComponent(OFFER)}"`), m.body);
    assert.ok(m.body.includes(`${PUBLIC}/api/v1/t/o/${token}`));
    // The token is stored hashed only.
    assert.equal(sql(srv.db, 'SELECT count(*) FROM campaign_member WHERE token_hash = ?', token), '0');
    // Member states, the suppression of the bounced address, the timeline.
    const members = (await admin.get(`/api/v1/campaigns/${k.id}/members`)).body.items;
    const states = Object.fromEntries(members.map((x) => [x.party_name, [x.state, x.detail]]));
    assert.equal(states['王<b>芳</b> & co'][0], 'sent');
    assert.deepEqual(states.Withdrawn, ['skipped', 'no consent to e-mail']);
    assert.deepEqual(states['No consent'], ['skipped', 'no consent to e-mail']);
    assert.deepEqual(states['No address'], ['skipped', 'no e-mail address']);
    assert.equal(states.Bounces[0], 'bounced');
    assert.match(states.Bounces[1], /^550/);
    assert.deepEqual(sqlRows(srv.db, 'SELECT address, reason FROM mail_suppression'), [['bounce@x.test', 'hard_bounce']]);
    const tl = (await admin.get(`/api/v1/parties/${a}/timeline`)).body.items;
    const sent = tl.find((i) => i.type === 'interaction');
    assert.equal(sent.item.channel, 'email');
    assert.equal(sent.item.direction, 'outbound');
    assert.equal(sent.item.campaign, String(k.id));
    assert.equal(sent.item.subject, '王<b>芳</b> & co，春季优惠');
    // Tracking, without credentials: the pixel, a link of the template, and no other link.
    const anon = new Client(srv.base);
    const px = await fetch(`${srv.base}/api/v1/t/o/${token}`);
    assert.equal(px.status, 200);
    assert.equal(px.headers.get('content-type'), 'image/gif');
    assert.equal((await anon.get(`/api/v1/t/c/${token}?u=${encodeURIComponent('https://evil.example/')}`)).status, 404);
    const click = await fetch(`${srv.base}/api/v1/t/c/${token}?u=${encodeURIComponent(OFFER)}`, { redirect: 'manual' });
    assert.equal(click.status, 302);
    assert.equal(click.headers.get('location'), OFFER);
    // A purchase after the delivery is a conversion and attributed revenue; a response counts.
    const now = new Date(Date.now() + 60000).toISOString().replace(/\.\d+Z$/, 'Z');
    assert.equal((await admin.post('/api/v1/transactions', { party_id: a, occurred_at: now, amount: { amount: 25000, currency: 'CNY' } })).status, 201);
    assert.equal((await admin.post('/api/v1/interactions', { party_id: a, channel: 'email', direction: 'inbound', subject: 'Re: 春季优惠', campaign: String(k.id) })).status, 201);
    let me = (await admin.get(`/api/v1/campaigns/${k.id}/measures`)).body;
    assert.deepEqual([me.members, me.control, me.sent, me.delivered, me.opened, me.clicked, me.bounced, me.skipped, me.responded, me.converted],
      [5, 0, 2, 1, 1, 1, 1, 3, 1, 1]);
    assert.deepEqual(me.revenue, { amount: 25000, currency: 'CNY' });
    assert.deepEqual(me.cost_per_response, { amount: 10000, currency: 'CNY' });
    assert.equal(me.roi, 1.5);
    assert.equal(me.conversion_rate, 0.2);
    assert.equal(me.control_conversion_rate, null, 'no control group');
    // The unsubscribe page never unsubscribes on GET; the one-click POST does, without a login.
    const local = `${srv.base}/api/v1/u/${token}`;   // the public URL's path, on this server
    const page = await fetch(local);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<form method="post"/);
    assert.equal(sql(srv.db, 'SELECT count(*) FROM consent WHERE party_id = ?', a), '1');
    const one = await fetch(local, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(one.status, 200);
    const consents = (await admin.get(`/api/v1/consents?party_id=${a}&sort=-given_at`)).body.items;
    assert.equal(consents[0].granted, false);
    assert.match(consents[0].source, /one-click unsubscribe/);
    assert.equal((await fetch(`${srv.base}/api/v1/u/${'0'.repeat(64)}`, { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status, 404);
    me = (await admin.get(`/api/v1/campaigns/${k.id}/measures`)).body;
    assert.equal(me.unsubscribed, 1);
    // Sending again sends nobody anything twice (and the withdrawal holds for the next campaign).
    const again = await admin.post(`/api/v1/campaigns/${k.id}/send`);
    assert.equal((await waitJob(admin, `/api/v1/jobs/${again.body.id}`)).result.sent, 0);
    const k2 = await campaign(admin, { name: 'Second' });
    const j2 = await admin.post(`/api/v1/campaigns/${k2.id}/send`);
    assert.deepEqual((await waitJob(admin, `/api/v1/jobs/${j2.body.id}`)).result, { campaign_id: k2.id, sent: 0, bounced: 0, skipped: 5, failed: 0 });
    assert.equal(sink.messages.length, 1);
  } finally {
    await srv.stop();
    await sink.close();
  }
});

test('kill -9 in the middle of a send: the job resumes by itself and gives nobody the message twice', async () => {
  const sink = await new SmtpSink({ delayMs: 40 }).listen();
  const env = { RAPPORT_SMTP_URL: sink.url, RAPPORT_SEND_BATCH: '4', RAPPORT_JOB_LEASE_SECONDS: '2' };
  let srv = await new Server({ env }).start();
  try {
    const admin = await srv.login();
    const N = 40;
    for (let i = 0; i < N; i++) await party(admin, `客户 ${i}`, `m${i}@x.test`, true);
    const k = await campaign(admin);
    const s = await admin.post(`/api/v1/campaigns/${k.id}/send`);
    assert.equal(s.status, 202, s.text);
    for (let i = 0; i < 400 && sink.count < 12; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(sink.count >= 12 && sink.count < N, `killed after ${sink.count}`);
    await srv.stop({ hard: true });
    srv = await new Server({ dir: srv.dir, env }).start();
    const admin2 = await srv.login();
    // Once its lease runs out the killed job is queued again and resumes by itself.
    const job = await waitJob(admin2, `/api/v1/jobs/${s.body.id}`, { tries: 600, every: 100 });
    assert.equal(job.status, 'done', JSON.stringify(job));
    // Sending again finds nobody left.
    const r = await admin2.post(`/api/v1/campaigns/${k.id}/send`);
    assert.equal((await waitJob(admin2, `/api/v1/jobs/${r.body.id}`)).result.sent, 0);
    const to = sink.messages.map((m) => m.to[0]);
    assert.equal(new Set(to).size, to.length, `a duplicate among ${to.length} messages`);
    const rows = sqlRows(srv.db, 'SELECT state, count(*) FROM campaign_member WHERE campaign_id = ? GROUP BY state ORDER BY state', k.id);
    const by = Object.fromEntries(rows);
    assert.equal((by.sent || 0) + (by.uncertain || 0), N, JSON.stringify(by));
    assert.ok((by.uncertain || 0) <= 4, `at most one batch is uncertain: ${JSON.stringify(by)}`);
    assert.ok(to.length >= by.sent && to.length <= N, `${to.length} received, ${by.sent} marked sent`);
    // The job reported progress.
    assert.ok(job.progress === undefined || job.progress === null || typeof job.progress === 'object');
  } finally {
    await srv.stop();
    await sink.close();
  }
});
