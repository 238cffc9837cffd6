// public_endpoints: the routes that need no login, reviewed property by
// property — the web-to-lead form (/forms/{key}), the survey link
// (/survey/{token}), the unsubscribe and tracking links of a marketing
// e-mail (/api/v1/u, /api/v1/t/o, /api/v1/t/c) and the calendar feed
// (/calendar/{secret}.ics): each is limited per client address (429 with
// Retry-After), stores nothing for a bad token, keeps only a hash of its
// secret (the database dump never holds the token), answers an unknown
// secret like a withdrawn one, and sends a secret URL with
// Cache-Control: no-store and Referrer-Policy: no-referrer so neither a
// cache nor a third party's Referer keeps it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, dbDump, dbDumpOfRequests, sqlExec, waitJob } from './harness.mjs';
import { SmtpSink, parseMessage } from './smtp_sink.mjs';

const PW = 'a long enough password';

/** A request without credentials; the text and headers as they came (no redirect followed). */
async function anon(srv, method, path, body, type) {
  const r = await fetch(srv.base + path, { method, redirect: 'manual', body,
    headers: type ? { 'Content-Type': type } : {} });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

/** The secret URL's answer keeps itself out of caches and Referer headers. */
function assertSecretHeaders(r, what) {
  assert.match(r.headers.get('cache-control') || '', /\bno-store\b/, `${what}: Cache-Control ${r.headers.get('cache-control')}`);
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer', `${what}: Referrer-Policy`);
}

/** The server's limits are token buckets (src/http/ratelimit.h): `limit`
 * requests at once, then one every 60/limit s. `made` requests were counted
 * since t0; the next `limit - made` must pass, and no more than refilled
 * since t0, then 429. */
function assertLimitAt(n, made, limit, t0) {
  const refilled = Math.ceil((Date.now() - t0) * limit / 60000);
  assert.ok(n >= limit - made && n <= limit - made + refilled,
    `${n} requests passed before the 429 (${made} made before, ${limit} a minute, ${refilled} refilled since)`);
}

/** send() until it is refused (429): when a token refilled meanwhile and let
 * it through, probe() is sent until the bucket is empty, and send() once more. */
async function refused(send, probe, limit) {
  let r = await send();
  if (r.status !== 429) {
    assert.ok(await untilLimited(probe, limit + 1) <= limit);
    r = await send();
  }
  assert.equal(r.status, 429, r.text.slice(0, 200));
  return r;
}

/** Sends requests until the first 429; answers how many were let through before it. */
async function untilLimited(send, max) {
  for (let n = 0; n <= max; n++) {
    const r = await send();
    if (r.status === 429) {
      const wait = Number(r.headers.get('retry-after'));
      assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= 60, `Retry-After ${r.headers.get('retry-after')}`);
      return n;
    }
  }
  return Infinity;
}

test('the calendar feed: no-store and no-referrer, the secret kept as a hash, unknown and withdrawn secrets alike, nothing stored, limited per address', async () => {
  const srv = await new Server({ env: { RAPPORT_FEED_RATE: '20' } }).start();
  try {
    addUser(srv.db, 'rep@test.local', 'sales');
    const rep = await srv.login('rep@test.local', PW);
    const old = (await rep.post('/api/v1/calendar-feeds', {})).body;
    const feed = (await rep.post('/api/v1/calendar-feeds', {})).body;   // a new one withdraws the old
    const secret = feed.path.match(/^\/calendar\/([^/]+)\.ics$/)[1];
    let sent = 0;
    const t0 = Date.now();
    const get = async (path) => { sent++; return anon(srv, 'GET', path); };
    const ok = await get(feed.path);
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.headers.get('content-type'), /^text\/calendar/);
    assertSecretHeaders(ok, 'the feed');
    assert.ok(!dbDump(srv.db).includes(secret), 'the database holds no feed secret in clear');
    // Unknown, withdrawn (replaced) and stopped feeds answer alike, and store nothing.
    const other = (await (await srv.login()).post('/api/v1/calendar-feeds', {})).body;   // stopped below
    assert.equal((await get(other.path)).status, 200);
    assert.equal((await srv.login().then((a) => a.request('DELETE', '/api/v1/calendar-feeds'))).status, 204);
    const before = dbDumpOfRequests(srv.db);
    const unknown = await get(`/calendar/${'x'.repeat(secret.length)}.ics`);
    const replaced = await get(old.path);
    const stopped = await get(other.path);
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('cache-control') || '', /no-store/);
    assert.deepEqual([replaced.status, replaced.text], [unknown.status, unknown.text], 'a withdrawn feed reads like an unknown one');
    assert.deepEqual([stopped.status, stopped.text], [unknown.status, unknown.text], 'a stopped feed reads like an unknown one');
    assert.equal(dbDumpOfRequests(srv.db), before, 'the bad secrets stored nothing');
    // 20 a minute from one address here (RAPPORT_FEED_RATE; 60 by default), then refused before any look-up.
    const prior = sent;
    assertLimitAt(await untilLimited(() => get(`/calendar/${'y'.repeat(40)}.ics`), 70), prior, 20, t0);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('the survey link: no-store and no-referrer on every answer, the token kept as a hash, a bad token stores nothing, limited per address', async () => {
  const srv = await new Server({ env: { RAPPORT_SURVEY_RATE: '12' } }).start();
  try {
    const admin = await srv.login();
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '问卷 Survey' })).body;
    const survey = async () => {
      let c = (await admin.post('/api/v1/cases', { subject: 's', kind: 'question', party_id: party.id })).body;
      c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'resolved', version: c.version })).body;
      const s = await admin.post('/api/v1/surveys', { case_id: c.id });
      assert.equal(s.status, 201, s.text);
      return { ...s.body, token: s.body.path.split('/').pop() };
    };
    const open = await survey(), expired = await survey(), answered = await survey();
    sqlExec(srv.db, "UPDATE survey SET expires_at = '2020-01-01T00:00:00Z' WHERE id = ?", expired.id);
    const json = (t, body) => anon(srv, 'POST', `/survey/${t}`, JSON.stringify(body), 'application/json');
    const t0 = Date.now();
    assert.equal((await json(answered.token, { csat: 5 })).status, 200);
    assert.ok(!dbDump(srv.db).includes(open.token), 'the database holds no survey token in clear');
    // Every state's page keeps the URL out of caches and Referer headers.
    const unknownToken = 'f'.repeat(open.token.length);
    for (const [t, status] of [[open.token, 200], [expired.token, 410], [answered.token, 409], [unknownToken, 404], ['short', 404]]) {
      const r = await anon(srv, 'GET', `/survey/${t}`);
      assert.equal(r.status, status, `${t}: ${r.text.slice(0, 200)}`);
      assertSecretHeaders(r, `the survey page (${status})`);
    }
    // An answer to an unknown token is refused and stores nothing.
    const before = dbDumpOfRequests(srv.db);
    assert.equal((await json(unknownToken, { csat: 4 })).status, 404);
    assert.equal((await anon(srv, 'POST', `/survey/${unknownToken}`, 'csat=4', 'application/x-www-form-urlencoded')).status, 404);
    assert.equal(dbDumpOfRequests(srv.db), before, 'an answer to no survey stored nothing');
    // Twelve requests a minute from one address (page and answer together; 8 made above), then 429 — a page
    // for the form, JSON for a JSON answer — before any token is looked up.
    const probe = () => anon(srv, 'GET', `/survey/${unknownToken}?lang=en`);
    assertLimitAt(await untilLimited(probe, 20), 8, 12, t0);
    const page = await refused(() => anon(srv, 'GET', `/survey/${open.token}?lang=en`), probe, 12);
    assert.match(page.text, /Too many requests/);
    assertSecretHeaders(page, 'the 429 page');
    const no = await refused(() => json(unknownToken, { csat: 5 }), probe, 12);
    assert.equal(JSON.parse(no.text).error.code, 'too_many_requests');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('the web-to-lead form: an unknown and a disabled key answer alike and store nothing; the page is limited per address apart from the submissions', async () => {
  const srv = await new Server({ env: { RAPPORT_FORM_PAGE_RATE: '5', RAPPORT_FORM_RATE: '20' } }).start();
  try {
    const admin = await srv.login();
    const f = (await admin.post('/api/v1/lead-forms', { key: 'expo', name: 'Expo', consent_text: '我同意 I agree' })).body;
    const off = (await admin.post('/api/v1/lead-forms', { key: 'closed', name: 'Closed', consent_text: 'x' })).body;
    assert.equal((await admin.patch(`/api/v1/lead-forms/${off.id}`, { enabled: false, version: off.version })).status, 200);
    const t0 = Date.now();
    const page = await anon(srv, 'GET', `/forms/${f.key}`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer', 'the form page sends no Referer to what it links');
    const unknown = await anon(srv, 'GET', '/forms/nope');
    const disabled = await anon(srv, 'GET', '/forms/closed');
    assert.equal(unknown.status, 404);
    assert.deepEqual([disabled.status, disabled.text], [unknown.status, unknown.text], 'a disabled form reads like an unknown one');
    const before = dbDumpOfRequests(srv.db);
    const body = JSON.stringify({ name: '赵六', email: 'zhao@liu.cn', consent: true });
    const pu = await anon(srv, 'POST', '/forms/nope', body, 'application/json');
    const pd = await anon(srv, 'POST', '/forms/closed', body, 'application/json');
    assert.deepEqual([pd.status, pd.text], [pu.status, pu.text]);
    assert.equal(pu.status, 404);
    assert.equal(dbDumpOfRequests(srv.db), before, 'a submission to no form stored nothing');
    // Five page views a minute here (three made above), then 429 with Retry-After; submitting still works.
    assertLimitAt(await untilLimited(() => anon(srv, 'GET', `/forms/${f.key}`), 10), 3, 5, t0);
    const sent = await anon(srv, 'POST', `/forms/${f.key}`, body, 'application/json');
    assert.equal(sent.status, 202, sent.text);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('the links of a marketing e-mail: no-store and no-referrer (the redirect too), the token kept as a hash, unknown tokens answered alike and storing nothing', async () => {
  const sink = await new SmtpSink().listen();
  const srv = await new Server({ env: { RAPPORT_SMTP_URL: sink.url } }).start();
  try {
    const admin = await srv.login();
    const OFFER = 'https://shop.example.com/offer';
    const p = (await admin.post('/api/v1/parties', { kind: 'person', name: '王芳', tags: ['spring'], emails: ['wf@x.test'] })).body;
    assert.equal((await admin.post('/api/v1/consents', { party_id: p.id, channel: 'email', granted: true, source: 'form', wording: '同意' })).status, 201);
    const t = (await admin.post('/api/v1/email-templates', { name: 't', language: 'zh-CN', subject: '{{name}}',
      body: `<p><a href="${OFFER}">优惠</a> <a href="{{unsubscribe_url}}">退订</a></p>` })).body;
    const k = (await admin.post('/api/v1/campaigns', { name: 'Spring', channel: 'email', segment: 'tags=spring', template_id: t.id, control_share: 0 })).body;
    const a = await admin.patch(`/api/v1/campaigns/${k.id}`, { status: 'active', version: k.version });
    assert.equal(a.status, 200, a.text);
    const s = await admin.post(`/api/v1/campaigns/${k.id}/send`);
    assert.equal((await waitJob(admin, `/api/v1/jobs/${s.body.id}`)).result.sent, 1);
    const m = parseMessage(sink.messages[0].data);
    const token = m.headers['list-unsubscribe'].match(/\/api\/v1\/u\/([0-9a-f]{64})>$/)[1];
    assert.ok(!dbDump(srv.db).includes(token), 'the database holds no link token in clear');
    const unknown = 'ab'.repeat(32);
    // The unsubscribe page and the tracked link's redirect keep the token out of caches and Referer headers.
    const pageOk = await anon(srv, 'GET', `/api/v1/u/${token}`);
    assert.equal(pageOk.status, 200);
    assertSecretHeaders(pageOk, 'the unsubscribe page');
    const click = await anon(srv, 'GET', `/api/v1/t/c/${token}?u=${encodeURIComponent(OFFER)}`);
    assert.equal(click.status, 302);
    assert.equal(click.headers.get('location'), OFFER);
    assertSecretHeaders(click, 'the tracked link\'s redirect');
    // Unknown tokens: the pixel all the same; the click's 404 is the one a wrong link of a real token gets.
    const px = [await anon(srv, 'GET', `/api/v1/t/o/${token}`), await anon(srv, 'GET', `/api/v1/t/o/${unknown}`)];
    assert.deepEqual(px.map((r) => [r.status, r.headers.get('content-type'), r.text]), [px[0], px[0]].map((r) => [200, 'image/gif', r.text]));
    const before = dbDumpOfRequests(srv.db);
    const badClick = await anon(srv, 'GET', `/api/v1/t/c/${unknown}?u=${encodeURIComponent(OFFER)}`);
    const wrongLink = await anon(srv, 'GET', `/api/v1/t/c/${token}?u=${encodeURIComponent('https://evil.example/')}`);
    assert.equal(badClick.status, 404);
    assert.deepEqual([wrongLink.status, wrongLink.text], [badClick.status, badClick.text], 'an unknown token reads like a wrong link');
    const unsub = await anon(srv, 'POST', `/api/v1/u/${unknown}`, 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded');
    assert.equal(unsub.status, 404);
    assertSecretHeaders(unsub, 'the unknown unsubscribe link');
    assert.equal((await anon(srv, 'GET', `/api/v1/u/${unknown}`)).text, unsub.text);
    assert.equal(dbDumpOfRequests(srv.db), before, 'the unknown tokens stored nothing');
    // The real one-click unsubscribe works, once.
    const done = await anon(srv, 'POST', `/api/v1/u/${token}`, 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded');
    assert.equal(done.status, 200);
    const consents = (await admin.get(`/api/v1/consents?party_id=${p.id}`)).body.items;
    assert.ok(consents.some((c) => c.granted === false && c.channel === 'email'), JSON.stringify(consents));
  } finally { await srv.stop(); srv.cleanup(); await sink.close(); }
});
