// contract_programmes: the "API shape" paragraphs of issues 20 and 21
// (relationship-marketing programmes) asserted as written, where the
// feature suites (contact_plans, occasions, mail_*, next_actions,
// loyalty_*, referral, clubs) did not already: a contact plan's run
// without ?wait (202, the job followed at /api/v1/jobs/{id}) and the
// seed's bank activities; the lunar festivals through the API; a template
// in English previewed in both languages; RAPPORT_SMTP_URL winning over
// the admin's relay, the admin's relay used without it, and 409 no_relay
// with neither; revenue attributed by first or last touch; a points
// adjustment either way; a referral programme with the written
// level {level, card_quota, benefit, expected_spend}; the same e-mail
// enrolling twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError, sqlExec, waitJob } from './harness.mjs';
import { SmtpSink, parseMessage } from './smtp_sink.mjs';

const CNY = (amount) => ({ amount, currency: 'CNY' });
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

test('issue 20: a contact plan as written, run without waiting: 202 and the job at /api/v1/jobs/{id}; the bank example\'s activities', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const p = (await admin.post('/api/v1/parties', { kind: 'person', name: '王芳', tags: ['vip'] })).body;
    const plan = await admin.post('/api/v1/contact-plans', { name: 'VIP weekly', segment: 'tier=platinum&tags=vip', every_days: 7,
      channel: 'visit', owner_rule: 'customer_owner' });
    assert.equal(plan.status, 201, plan.text);
    for (const [k, v] of Object.entries({ name: 'VIP weekly', segment: 'tier=platinum&tags=vip', every_days: 7, channel: 'visit', owner_rule: 'customer_owner' })) {
      assert.equal(plan.body[k], v, k);
    }
    // The seed's bank example, every activity of it accepted in one plan (in turn, one per slot).
    const bank = ['call', 'product_introduction', 'competitor_comparison', 'maturity_notice', 'manager_visit', 'seminar_invitation',
      'birthday_card', 'holiday_greeting', 'year_end_gift'];
    const every = await admin.post('/api/v1/contact-plans', { name: 'Bank', segment: 'tags=vip', every_days: 14, activities: bank, owner_rule: 'customer_owner' });
    assert.equal(every.status, 201, every.text);
    assert.deepEqual(every.body.activities, bank);
    // POST …/run as written: the job is queued and answered; it is followed at /api/v1/jobs/{id}.
    const run = await admin.post(`/api/v1/contact-plans/${every.body.id}/run`);
    assert.equal(run.status, 202, run.text);
    assert.equal(run.headers.get('location'), `/api/v1/jobs/${run.body.id}`);
    assert.equal(run.body.kind, 'contact_plan_run');
    const job = await waitJob(admin, `/api/v1/jobs/${run.body.id}`);
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.deepEqual(Object.keys(job.result).sort(), ['cancelled', 'created', 'existing', 'matched', 'on', 'overdue', 'plans']);
    assert.deepEqual([job.result.matched, job.result.created], [1, 1]);
    const planned = (await admin.get(`/api/v1/interactions?party_id=${p.id}&status=planned`)).body.items;
    assert.deepEqual(planned.map((i) => i.subject), ['Bank: call']);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('issue 20: GET /api/v1/occasions?from=DATE&to=DATE lists the lunar festivals by the published dates', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const r = await admin.get('/api/v1/occasions?from=2024-06-01&to=2024-10-31&kind=festival');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.body.from, r.body.to], ['2024-06-01', '2024-10-31']);
    const lunar = r.body.items.filter((i) => ['dragon_boat', 'qixi', 'mid_autumn', 'double_ninth'].includes(i.sub)).map((i) => [i.date, i.sub]);
    // 端午 2024-06-10, 七夕 2024-08-10, 中秋 2024-09-17, 重阳 2024-10-11 (the published calendar).
    assert.deepEqual(lunar, [['2024-06-10', 'dragon_boat'], ['2024-08-10', 'qixi'], ['2024-09-17', 'mid_autumn'], ['2024-10-11', 'double_ninth']]);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('issue 20: a template {name, language, subject, body} in English with {{name}}, previewed in both languages', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const t = await admin.post('/api/v1/email-templates', { name: 'Birthday', language: 'en', subject: 'Happy birthday, {{name}}', body: '<p>Dear {{name}}</p>' });
    assert.equal(t.status, 201, t.text);
    assert.deepEqual([t.body.name, t.body.language, t.body.subject, t.body.body], ['Birthday', 'en', 'Happy birthday, {{name}}', '<p>Dear {{name}}</p>']);
    const en = await admin.post('/api/v1/email-templates/preview', { subject: t.body.subject, body: t.body.body, language: 'en' });
    assert.equal(en.status, 200, en.text);
    assert.equal(en.body.subject, 'Happy birthday, Jane Doe');
    assert.equal(en.body.html, '<p>Dear Jane Doe</p>');
    const zh = await admin.post('/api/v1/email-templates/preview', { subject: '{{name}}，生日快乐', body: '<p>亲爱的 {{name}}</p>', language: 'zh-CN' });
    assert.equal(zh.body.subject, '王芳，生日快乐');
    assert.equal(zh.body.html, '<p>亲爱的 王芳</p>');
    // For a real party, its name, escaped in the body only.
    const p = (await admin.post('/api/v1/parties', { kind: 'person', name: 'Li <Lei>' })).body;
    const mine = await admin.post('/api/v1/email-templates/preview', { subject: t.body.subject, body: t.body.body, language: 'en', party_id: p.id });
    assert.equal(mine.body.subject, 'Happy birthday, Li <Lei>');
    assert.equal(mine.body.html, '<p>Dear Li &lt;Lei&gt;</p>');
    assertError(await admin.post('/api/v1/email-templates/preview', { subject: 'x', body: 'Hi {{nmae}}' }), 422, 'invalid_value', 'body');
  } finally { await srv.stop(); srv.cleanup(); }
});

async function mailCampaign(c, tag) {
  const p = (await c.post('/api/v1/parties', { kind: 'person', name: `${tag} 客户`, tags: [tag], emails: [`${tag}@x.test`] })).body;
  const consent = await c.post('/api/v1/consents', { party_id: p.id, channel: 'email', granted: true, source: 'web form', wording: '同意接收营销邮件' });
  assert.equal(consent.status, 201, consent.text);
  for (const k of ['party_id', 'channel', 'granted', 'source', 'wording']) assert.ok(k in consent.body, k);
  const t = (await c.post('/api/v1/email-templates', { name: tag, language: 'en', subject: 'Hi {{name}}', body: '<p>Hi {{name}}</p>' })).body;
  const k = await c.post('/api/v1/campaigns', { name: tag, channel: 'email', segment: `tags=${tag}`, template_id: t.id, control_share: 0 });
  assert.equal(k.status, 201, k.text);
  const a = await c.patch(`/api/v1/campaigns/${k.body.id}`, { status: 'active', version: k.body.version });
  assert.equal(a.status, 200, a.text);
  return a.body;
}

async function send(c, id) {
  const s = await c.post(`/api/v1/campaigns/${id}/send`);
  assert.equal(s.status, 202, s.text);
  assert.equal(s.headers.get('location'), `/api/v1/jobs/${s.body.id}`);
  const job = await waitJob(c, `/api/v1/jobs/${s.body.id}`);
  assert.equal(job.status, 'done', JSON.stringify(job));
  return job.result;
}

test('issue 20: RAPPORT_SMTP_URL wins over the admin\'s relay', async () => {
  const sink = await new SmtpSink().listen();
  const srv = await new Server({ env: { RAPPORT_SMTP_URL: sink.url } }).start();
  try {
    const admin = await srv.login();
    // The admin's relay is a port nobody listens on: were it used, the send would fail.
    const put = await admin.request('PUT', '/api/v1/settings/mail', { smtp_url: 'smtp://127.0.0.1:9' });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.smtp_url_from_environment, true);
    const k = await mailCampaign(admin, 'envwins');
    assert.deepEqual(await send(admin, k.id), { campaign_id: k.id, sent: 1, bounced: 0, skipped: 0, failed: 0 });
    assert.deepEqual(sink.messages.map((m) => m.to), [['envwins@x.test']]);
  } finally { await srv.stop(); srv.cleanup(); await sink.close(); }
});

test('issue 20: without RAPPORT_SMTP_URL the admin\'s relay sends; with neither a send is 409 no_relay', async () => {
  const sink = await new SmtpSink().listen();
  const srv = await new Server({ env: { RAPPORT_SMTP_URL: '' } }).start();
  try {
    const admin = await srv.login();
    const k = await mailCampaign(admin, 'adminrelay');
    assertError(await admin.post(`/api/v1/campaigns/${k.id}/send`), 409, 'no_relay');
    // The public URL the unsubscribe link is under is HTTPS (RFC 8058).
    assertError(await admin.request('PUT', '/api/v1/settings/mail', { smtp_url: sink.url, public_url: 'http://crm.example.org' }), 422, 'invalid_value', 'public_url');
    assert.equal((await admin.get('/api/v1/settings/mail')).body.smtp_url, '', 'a refusal changes nothing');
    const put = await admin.request('PUT', '/api/v1/settings/mail', { smtp_url: sink.url, public_url: 'https://crm.example.org/' });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.smtp_url_from_environment, false);
    assert.equal(put.body.smtp_url, sink.url);
    assert.deepEqual(await send(admin, k.id), { campaign_id: k.id, sent: 1, bounced: 0, skipped: 0, failed: 0 });
    assert.deepEqual(sink.messages.map((m) => m.to), [['adminrelay@x.test']]);
    const m = parseMessage(sink.messages[0].data);
    assert.match(m.headers['list-unsubscribe'], /^<https:\/\/crm\.example\.org\/api\/v1\/u\/[0-9a-f]{64}>$/);
    assert.equal(m.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
  } finally { await srv.stop(); srv.cleanup(); await sink.close(); }
});

test('issue 20: revenue goes to one campaign, by first or last touch as each campaign chooses', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const p = (await admin.post('/api/v1/parties', { kind: 'person', name: '赵敏', tags: ['touch'] })).body;
    const mk = async (name) => {
      const c = (await admin.post('/api/v1/campaigns', { name, channel: 'email', segment: 'tags=touch', control_share: 0,
        attribution_model: 'first_touch', cost: CNY(1000) })).body;
      const a = await admin.patch(`/api/v1/campaigns/${c.id}`, { status: 'active', version: c.version });
      assert.equal(a.status, 200, a.text);
      return a.body;
    };
    const first = await mk('First 先'), second = await mk('Second 后');
    // Delivered by the first, then by the second; the purchase comes after both (the delivery stamps are set here:
    // the attribution is under test, not the sender).
    const now = Date.now();
    sqlExec(srv.db, 'UPDATE campaign_member SET state = ?, sent_at = ?, delivered_at = ? WHERE campaign_id = ?', 'sent', iso(now + 60000), iso(now + 60000), first.id);
    sqlExec(srv.db, 'UPDATE campaign_member SET state = ?, sent_at = ?, delivered_at = ? WHERE campaign_id = ?', 'sent', iso(now + 120000), iso(now + 120000), second.id);
    assert.equal((await admin.post('/api/v1/transactions', { party_id: p.id, occurred_at: iso(now + 180000), amount: CNY(50000) })).status, 201);
    const revenue = async (id) => {
      const m = await admin.get(`/api/v1/campaigns/${id}/measures`);
      assert.equal(m.status, 200, m.text);
      return [m.body.window.model, m.body.revenue.amount];
    };
    assert.deepEqual(await revenue(first.id), ['first_touch', 50000]);
    assert.deepEqual(await revenue(second.id), ['first_touch', 0]);
    for (const c of [first, second]) {
      const cur = (await admin.get(`/api/v1/campaigns/${c.id}`)).body;
      const r = await admin.patch(`/api/v1/campaigns/${c.id}`, { attribution_model: 'last_touch', version: cur.version });
      assert.equal(r.status, 200, r.text);
    }
    assert.deepEqual(await revenue(first.id), ['last_touch', 0]);
    assert.deepEqual(await revenue(second.id), ['last_touch', 50000]);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('issue 21: GET/POST /api/v1/parties/{id}/points: {balance, items}; an adjustment either way; an overdraw is 409', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const p = (await admin.post('/api/v1/parties', { kind: 'person', name: '积分 Points' })).body;
    let r = await admin.get(`/api/v1/parties/${p.id}/points`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.body.balance, r.body.items], [0, []]);
    r = await admin.post(`/api/v1/parties/${p.id}/points`, { points: 30, reason: 'goodwill 补偿' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual([r.body.balance, r.body.entry.kind, r.body.entry.points], [30, 'adjust', 30]);
    r = await admin.post(`/api/v1/parties/${p.id}/points`, { points: -10, reason: 'redeem' });
    assert.deepEqual([r.status, r.body.balance, r.body.entry.kind], [201, 20, 'redeem']);
    r = await admin.post(`/api/v1/parties/${p.id}/points`, { points: -5, reason: 'correction' });
    assert.deepEqual([r.status, r.body.balance, r.body.entry.kind], [201, 15, 'adjust']);
    // Past the balance, a negative adjustment is refused as a redemption is.
    assertError(await admin.post(`/api/v1/parties/${p.id}/points`, { points: -16, reason: 'correction' }), 409, 'insufficient_points', 'points');
    assertError(await admin.post(`/api/v1/parties/${p.id}/points`, { points: -16, reason: 'redeem' }), 409, 'insufficient_points', 'points');
    r = await admin.get(`/api/v1/parties/${p.id}/points`);
    assert.equal(r.body.balance, 15);
    assert.deepEqual(r.body.items.map((i) => [i.kind, i.points, i.balance_after]), [['adjust', -5, 15], ['redeem', -10, 20], ['adjust', 30, 30]]);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('issue 21: a referral programme with the written levels [{level, card_quota, benefit, expected_spend}] and budget_cap', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const levels = [
      { level: 1, card_quota: 6, benefit: '1 台机器 one machine', expected_spend: CNY(600000) },
      { level: 2, card_quota: 6, benefit: '半价 half price', expected_spend: CNY(300000) },
    ];
    const prog = await admin.post('/api/v1/referral-programs', { name: 'Written shape', status: 'active', levels, budget_cap: CNY(5000000) });
    assert.equal(prog.status, 201, prog.text);
    const got = (await admin.get(`/api/v1/referral-programs/${prog.body.id}`)).body;
    assert.deepEqual(got.budget_cap, CNY(5000000));
    assert.deepEqual(got.levels.map(({ level, card_quota, benefit, expected_spend }) => ({ level, card_quota, benefit, expected_spend })), levels);
    assert.ok((await admin.get('/api/v1/referral-programs')).body.items.some((x) => x.id === prog.body.id));
    // It runs: a first-level member, cards, a redemption; the report plans its expected spending.
    const P = `/api/v1/referral-programs/${prog.body.id}`;
    const a = (await admin.post('/api/v1/parties', { kind: 'person', name: '张伟', phones: ['+86 138 0000 9001'], emails: ['zw@x.test'],
      addresses: [{ line1: '1 Nanjing Rd', city: '上海' }] })).body;
    const m = await admin.post(`${P}/members`, { party_id: a.id, id_number: 'W1' });
    assert.equal(m.status, 201, m.text);
    const cards = await admin.post(`${P}/members/${m.body.id}/cards`, { count: 2 });
    assert.equal(cards.status, 201, cards.text);
    assert.equal(cards.body.items.length, 2);
    const b = (await admin.post('/api/v1/parties', { kind: 'person', name: '李娜' })).body;
    const red = await admin.post(`/api/v1/referral-cards/${cards.body.items[0].code}/redeem`, { party_id: b.id });
    assert.equal(red.status, 201, red.text);
    assert.equal(red.body.level, 2);
    const rep = (await admin.get(`${P}/report`)).body;
    assert.equal(rep.planned_per_first_level.revenue.amount, 600000 + 6 * 300000);
    assert.deepEqual(rep.levels.map((l) => l.members), [1, 1]);
    // A member is found only under its own programme: under another one its
    // record, cards and tree are 404 and no card is issued.
    const other = await admin.post('/api/v1/referral-programs', { name: 'Other programme', status: 'active', levels, budget_cap: CNY(5000000) });
    assert.equal(other.status, 201, other.text);
    const O = `/api/v1/referral-programs/${other.body.id}`;
    assertError(await admin.get(`${O}/members/${m.body.id}`), 404, 'not_found', 'member_id');
    assertError(await admin.get(`${O}/members/${m.body.id}/cards`), 404, 'not_found', 'member_id');
    assertError(await admin.get(`${O}/members/${m.body.id}/tree`), 404, 'not_found', 'member_id');
    assertError(await admin.post(`${O}/members/${m.body.id}/cards`, { count: 1 }), 404, 'not_found', 'member_id');
    assert.equal((await admin.get(`${P}/members/${m.body.id}/cards`)).body.items.length, 2);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('issue 21: the same e-mail enrolling twice is refused, naming email, and changes nothing', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const prog = (await admin.post('/api/v1/referral-programs', { name: 'Identity', status: 'active', budget_cap: CNY(100000000),
      levels: [{ level: 1, card_quota: 6, benefit: 'gift', benefit_cost: CNY(1000) }, { level: 2, card_quota: 6, benefit: 'half', benefit_cost: CNY(1000) }] })).body;
    const P = `/api/v1/referral-programs/${prog.id}`;
    const person = async (name, phone, email, address = true) => (await admin.post('/api/v1/parties', { kind: 'person', name, phones: [phone],
      emails: [email], addresses: address ? [{ line1: '2 Huaihai Rd', city: '上海' }] : [] })).body;
    const a = await person('甲 A', '+86 139 0000 0001', 'same@x.test');
    const m = await admin.post(`${P}/members`, { party_id: a.id, id_number: 'ID-A' });
    assert.equal(m.status, 201, m.text);
    // A first-level enrolment with another party holding the same e-mail (other ID number and phone).
    const twin = await person('乙 B', '+86 139 0000 0002', 'SAME@x.test');
    assertError(await admin.post(`${P}/members`, { party_id: twin.id, id_number: 'ID-B' }), 409, 'duplicate_identity', 'email');
    // A redemption giving the member's e-mail for a new party.
    const code = (await admin.post(`${P}/members/${m.body.id}/cards`, { count: 1 })).body.items[0].code;
    const c = await person('丙 C', '+86 139 0000 0003', 'c@x.test', false);
    assertError(await admin.post(`/api/v1/referral-cards/${code}/redeem`, { party_id: c.id, email: 'same@x.test' }), 409, 'duplicate_identity', 'email');
    const tree = (await admin.get(`${P}/members/${m.body.id}/tree`)).body;
    assert.equal(tree.subtree.members, 1, 'nothing enrolled');
    // The card is still good for someone else.
    assert.equal((await admin.post(`/api/v1/referral-cards/${code}/redeem`, { party_id: c.id })).status, 201);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('issue 21: a benefit through the member\'s own order: order_id links it; an unknown or another party\'s order is refused', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const prog = (await admin.post('/api/v1/referral-programs', { name: 'Orders', status: 'active', budget_cap: CNY(100000000),
      levels: [{ level: 1, card_quota: 6, benefit: 'machine', benefit_cost: CNY(1000) }, { level: 2, card_quota: 6, benefit: 'half', benefit_cost: CNY(1000) }] })).body;
    const P = `/api/v1/referral-programs/${prog.id}`;
    const a = (await admin.post('/api/v1/parties', { kind: 'person', name: '甲 A', phones: ['+86 137 0000 0001'], emails: ['a@o.test'],
      addresses: [{ line1: '3 Rd', city: '北京' }] })).body;
    const b = (await admin.post('/api/v1/parties', { kind: 'person', name: '乙 B' })).body;
    const order = async (party) => {
      const o = await admin.post('/api/v1/orders', { party_id: party, currency: 'CNY', total: CNY(300000) });
      assert.equal(o.status, 201, o.text);
      return o.body.id;
    };
    const oa = await order(a.id), ob = await order(b.id);
    assertError(await admin.post(`${P}/members`, { party_id: a.id, id_number: 'OA', order_id: 987654 }), 422, 'invalid_reference', 'order_id');
    assertError(await admin.post(`${P}/members`, { party_id: a.id, id_number: 'OA', order_id: ob }), 422, 'invalid_reference', 'order_id');
    assert.equal((await admin.get(`${P}/members`)).body.items.length, 0, 'nothing enrolled');
    const m = await admin.post(`${P}/members`, { party_id: a.id, id_number: 'OA', order_id: oa });
    assert.equal(m.status, 201, m.text);
    assert.equal(m.body.order_id, oa);
    const code = (await admin.post(`${P}/members/${m.body.id}/cards`, { count: 1 })).body.items[0].code;
    assertError(await admin.post(`/api/v1/referral-cards/${code}/redeem`, { party_id: b.id, order_id: oa }), 422, 'invalid_reference', 'order_id');
    const r = await admin.post(`/api/v1/referral-cards/${code}/redeem`, { party_id: b.id, order_id: ob });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual([r.body.level, r.body.order_id, r.body.benefit], [2, ob, 'half']);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('issue 20: a contact plan\'s segment by the analytics labels (lifecycle, strategy, RFM segment) picks exactly those customers', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const labels = [['decline', 'caring', 'at_risk'], ['stability', 'submissive', 'champions'], ['formation', 'indifferent', 'hibernating']];
    const ids = [];
    for (const [i, [lifecycle, strategy, rfm]] of labels.entries()) {
      const p = (await admin.post('/api/v1/parties', { kind: 'person', name: `标签 ${i}` })).body;
      sqlExec(srv.db, `INSERT INTO score (party_id, computed_at, transactions, repeat_purchases, revenue, cost, profit, cost_to_serve,
        net_profit, competitor_amount, tier, lifecycle, strategy, rfm_segment) VALUES (?, '2026-12-01T00:00:00Z', 1, 0, 100, 0, 100, 0, 100, 0, 'gold', ?, ?, ?)`,
      p.id, lifecycle, strategy, rfm);
      ids.push(p.id);
    }
    for (const [segment, who] of [['lifecycle=decline', 0], ['strategy=submissive', 1], ['rfm_segment=hibernating', 2]]) {
      const plan = await admin.post('/api/v1/contact-plans', { name: segment, segment, every_days: 30, starts_on: '2027-01-01' });
      assert.equal(plan.status, 201, plan.text);
      const r = await admin.post(`/api/v1/contact-plans/${plan.body.id}/run?wait=true&on=2027-01-02`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual([r.body.result.matched, r.body.result.created], [1, 1], segment);
      const mine = (await admin.get(`/api/v1/interactions?party_id=${ids[who]}&status=planned`)).body.items.map((i) => i.subject);
      assert.ok(mine.includes(`${segment}: call`), `${segment}: ${mine}`);
    }
  } finally { await srv.stop(); srv.cleanup(); }
});

test('issue 20: a send\'s job reports its progress; consent may be made optional for channels other than e-mail', async () => {
  const sink = await new SmtpSink().listen();
  const srv = await new Server({ env: { RAPPORT_SMTP_URL: sink.url } }).start();
  try {
    const admin = await srv.login();
    const k = await mailCampaign(admin, 'progress');
    const s = await admin.post(`/api/v1/campaigns/${k.id}/send`);
    assert.equal(s.status, 202, s.text);
    const job = await waitJob(admin, `/api/v1/jobs/${s.body.id}`);
    assert.deepEqual([job.kind, job.status, job.progress], ['campaign_send', 'done', { done: 1, total: 1 }]);
    // Per installation: SMS without a recorded consent; e-mail always needs one.
    const put = await admin.request('PUT', '/api/v1/settings/mail', { consent_optional_channels: ['sms'] });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual((await admin.get('/api/v1/settings/mail')).body.consent_optional_channels, ['sms']);
    assertError(await admin.request('PUT', '/api/v1/settings/mail', { consent_optional_channels: ['sms', 'email'] }), 422, 'invalid_value', 'consent_optional_channels');
    assert.deepEqual((await admin.get('/api/v1/settings/mail')).body.consent_optional_channels, ['sms'], 'a refusal changes nothing');
  } finally { await srv.stop(); srv.cleanup(); await sink.close(); }
});

test('issue 21: earn rules per product and tier multipliers, on a purchase through the write path', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const prod = (await admin.post('/api/v1/products', { name: '茶叶 Tea', sku: 'TEA-1' })).body;
    const prog = await admin.post('/api/v1/loyalty-programs', { name: '茶友 Tea friends', earn_unit: CNY(1000), earn_points: 1,
      product_rules: [{ product_id: prod.id, points: 3 }], tier_multipliers: [{ tier: 'platinum', percent: 200 }] });
    assert.equal(prog.status, 201, prog.text);
    const buyer = async (name, tier) => {
      const p = (await admin.post('/api/v1/parties', { kind: 'person', name })).body;
      if (tier) {
        sqlExec(srv.db, `INSERT INTO score (party_id, computed_at, transactions, repeat_purchases, revenue, cost, profit, cost_to_serve,
          net_profit, competitor_amount, tier) VALUES (?, '2026-12-01T00:00:00Z', 1, 0, 100, 0, 100, 0, 100, 0, ?)`, p.id, tier);
      }
      const t = await admin.post('/api/v1/transactions', { party_id: p.id, occurred_at: '2026-12-02T10:00:00Z', amount: CNY(5000),
        items: [{ product_id: prod.id, quantity: 2 }] });
      assert.equal(t.status, 201, t.text);
      return (await admin.get(`/api/v1/parties/${p.id}/points`)).body.balance;
    };
    // 50 yuan: 5 points, and 3 a unit of tea: 11; a platinum buyer twice that.
    assert.equal(await buyer('普通 Plain'), 11);
    assert.equal(await buyer('金 Gold', 'gold'), 11);
    assert.equal(await buyer('白金 Platinum', 'platinum'), 22);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('issue 21: a referral programme outside its start and end enrols and issues nothing', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const a = (await admin.post('/api/v1/parties', { kind: 'person', name: '期限 Dates', phones: ['+86 136 0000 0001'], emails: ['d@x.test'],
      addresses: [{ line1: '4 Rd', city: '广州' }] })).body;
    const levels = [{ level: 1, card_quota: 6, benefit: 'gift', benefit_cost: CNY(1000) }, { level: 2, card_quota: 6, benefit: 'half', benefit_cost: CNY(1000) }];
    const over = (await admin.post('/api/v1/referral-programs', { name: 'Over', status: 'active', levels, budget_cap: CNY(1000000),
      starts_on: '2020-01-01', ends_on: '2020-12-31' })).body;
    assertError(await admin.post(`/api/v1/referral-programs/${over.id}/members`, { party_id: a.id, id_number: 'D1' }), 409, 'program_not_active', 'status');
    const later = (await admin.post('/api/v1/referral-programs', { name: 'Later', status: 'active', levels, budget_cap: CNY(1000000),
      starts_on: '2099-01-01' })).body;
    assertError(await admin.post(`/api/v1/referral-programs/${later.id}/members`, { party_id: a.id, id_number: 'D1' }), 409, 'program_not_active', 'status');
    for (const p of [over, later]) assert.equal((await admin.get(`/api/v1/referral-programs/${p.id}/report`)).body.first_level_members, 0);
    const now = (await admin.post('/api/v1/referral-programs', { name: 'Now', status: 'active', levels, budget_cap: CNY(1000000),
      starts_on: '2020-01-01', ends_on: '2099-12-31' })).body;
    assert.equal((await admin.post(`/api/v1/referral-programs/${now.id}/members`, { party_id: a.id, id_number: 'D1' })).status, 201);
  } finally { await srv.stop(); srv.cleanup(); }
});
