// Satisfaction surveys (issue 19, D11): a one-time link for a resolved case
// or an order; the public page (no login, bilingual, phone viewport); the
// answer as JSON or the page's form, stored on the survey, the case and the
// party (feeding the analytics and the satisfaction levels); single use even
// when answers race; expiry; only a hash of the token is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError, addUser, sql, sqlExec } from './harness.mjs';

async function resolvedCase(admin) {
  const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '周杰' })).body;
  let c = (await admin.post('/api/v1/cases', { subject: '退货 return', kind: 'request', party_id: party.id })).body;
  c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'resolved', version: c.version })).body;
  return { party, c };
}

test('a survey link: page in both languages, one answer, stored on the case and the party', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const { party, c } = await resolvedCase(admin);
    const open = (await admin.post('/api/v1/cases', { subject: 'x', kind: 'question', party_id: party.id })).body;
    assertError(await admin.post('/api/v1/surveys', { case_id: open.id }), 409, 'invalid_state', 'case_id');
    assertError(await admin.post('/api/v1/surveys', {}), 422, 'invalid_value');
    assertError(await admin.post('/api/v1/surveys', { case_id: 9999 }), 422, 'invalid_reference', 'case_id');
    const s = await admin.post('/api/v1/surveys', { case_id: c.id });
    assert.equal(s.status, 201, s.text);
    // An absolute link a tool can hand on (the address this request came to when no public address is set), and its path.
    assert.match(s.body.path, /^\/survey\/[A-Za-z0-9_-]{43}$/);
    assert.equal(s.body.url, srv.base + s.body.path);
    const token = s.body.url.split('/').pop();
    // Only a hash of the token is stored.
    assert.equal(sql(srv.db, 'SELECT count(*) FROM survey WHERE token_hash = ?', token), '0');
    assert.doesNotMatch(sql(srv.db, 'SELECT token_hash FROM survey'), new RegExp(token));
    // The page, without login: Chinese by default, English when asked; a phone viewport; a form posting to itself.
    const zh = await fetch(s.body.url);
    assert.equal(zh.status, 200);
    assert.match(zh.headers.get('content-type'), /text\/html/);
    const zhText = await zh.text();
    assert.match(zhText, /服务满意度调查/);
    assert.match(zhText, /name="viewport"/);
    assert.match(zhText, /<form method="post">/);
    const en = await (await fetch(s.body.url, { headers: { 'Accept-Language': 'en-GB,en;q=0.9' } })).text();
    assert.match(en, /Satisfaction survey/);
    assert.match(await (await fetch(s.body.url + '?lang=en')).text(), /How likely are you to recommend us/);
    // A bad answer changes nothing.
    const bad = await fetch(s.body.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ csat: 9 }) });
    assert.equal(bad.status, 422);
    assert.equal((await bad.json()).error.field, 'csat');
    // The answer (JSON).
    const ok = await fetch(s.body.url, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ csat: 5, nps: 10, comment: '很满意，谢谢！' }) });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { ok: true, satisfaction_level: 'loyal' });
    // A second answer is refused, and the page says it was answered.
    const again = await fetch(s.body.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ csat: 1 }) });
    assert.equal(again.status, 409);
    assert.equal((await again.json()).error.code, 'already_answered');
    const answeredPage = await fetch(s.body.url);
    assert.equal(answeredPage.status, 409);
    assert.match(await answeredPage.text(), /已经提交过/);
    // Stored on the case, the party and the survey.
    const cc = (await admin.get(`/api/v1/cases/${c.id}`)).body;
    assert.equal(cc.csat, 5);
    assert.equal(cc.nps, 10);
    const p = (await admin.get(`/api/v1/parties/${party.id}`)).body;
    assert.deepEqual([p.custom.satisfaction, p.custom.nps, p.custom.satisfaction_level], [5, 10, 'loyal']);
    const sv = (await admin.get(`/api/v1/surveys/${s.body.id}`)).body;
    assert.equal(sv.comment, '很满意，谢谢！');
    assert.equal(sv.satisfaction_level, 'loyal');
    // The case's timeline shows the survey and the answer.
    const tl = (await admin.get(`/api/v1/cases/${c.id}/timeline`)).body.items.map((i) => i.item.action);
    assert.ok(tl.includes('survey'), tl.join());
    // An unknown token.
    const unknown = await fetch(srv.base + '/survey/' + 'A'.repeat(43));
    assert.equal(unknown.status, 404);
  } finally { await srv.stop(); srv.cleanup(); }
});

test("the page's form answers too; an order's survey; expiry", async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '吴昊' })).body;
    const order = (await admin.post('/api/v1/transactions', { party_id: party.id, occurred_at: '2026-11-01T10:00:00Z',
      amount: { amount: 9900, currency: 'CNY' } })).body;
    const s = (await admin.post('/api/v1/surveys', { transaction_id: order.id })).body;
    assertError(await admin.post('/api/v1/surveys', { transaction_id: 424242 }), 422, 'invalid_reference', 'transaction_id');
    // The form without a score: the page again, with the error, and nothing stored.
    const miss = await fetch(s.url + '?lang=en', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'nps=3&comment=' });
    assert.equal(miss.status, 422);
    assert.match(await miss.text(), /Please choose a score from 1 to 5/);
    const form = await fetch(s.url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'csat=2&nps=3&comment=' + encodeURIComponent('送货太慢 & late') });
    assert.equal(form.status, 200);
    assert.match(await form.text(), /感谢您的反馈/);
    const sv = (await admin.get(`/api/v1/surveys/${s.id}`)).body;
    assert.deepEqual([sv.csat, sv.nps, sv.comment, sv.transaction_id, sv.satisfaction_level], [2, 3, '送货太慢 & late', order.id, 'dissatisfied']);
    assert.equal((await admin.get(`/api/v1/parties/${party.id}`)).body.custom.satisfaction_level, 'dissatisfied');
    // Expired links are refused.
    const e = (await admin.post('/api/v1/surveys', { transaction_id: order.id, expires_in_days: 1 })).body;
    sqlExec(srv.db, "UPDATE survey SET expires_at = '2020-01-01T00:00:00Z' WHERE id = ?", e.id);
    assert.equal((await fetch(e.url)).status, 410);
    const late = await fetch(e.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ csat: 4 }) });
    assert.equal(late.status, 410);
    assert.equal((await late.json()).error.code, 'expired');
    // Who may make links: not read_only; and nobody without logging in.
    addUser(srv.db, 'ro@test.local', 'read_only');
    const ro = await srv.login('ro@test.local', 'a long enough password');
    assertError(await ro.post('/api/v1/surveys', { transaction_id: order.id }), 403, 'forbidden');
    assert.equal((await fetch(srv.base + '/api/v1/surveys', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status, 401);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('single use under concurrent submissions: of 20 answers at once exactly one is taken', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const { c } = await resolvedCase(admin);
    const s = (await admin.post('/api/v1/surveys', { case_id: c.id })).body;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(s.url, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ csat: 1 + (i % 5), nps: i % 11 }),
    }).then(async (r) => ({ status: r.status, body: await r.json() }))));
    const taken = answers.filter((a) => a.status === 200);
    assert.equal(taken.length, 1, JSON.stringify(answers.map((a) => a.status)));
    assert.ok(answers.every((a) => a.status === 200 || (a.status === 409 && a.body.error.code === 'already_answered')));
    const sv = (await admin.get(`/api/v1/surveys/${s.id}`)).body;
    const cc = (await admin.get(`/api/v1/cases/${c.id}`)).body;
    assert.equal(cc.csat, sv.csat, 'the case holds the one answer taken');
    assert.equal(sql(srv.db, "SELECT count(*) FROM audit WHERE entity = 'case' AND entity_id = ? AND user_id IS NULL", c.id), '1');
  } finally { await srv.stop(); srv.cleanup(); }
});
