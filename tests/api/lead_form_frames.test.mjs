// The web-to-lead form may be framed by the company's own sites (issue 18):
// its HTML answers carry frame-ancestors with the origins an admin set in
// /api/v1/settings/lead-form-origins, while every app page and API answer
// keeps refusing frames. Origins that could smuggle a directive are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError } from './harness.mjs';

async function raw(srv, method, path, body, type) {
  const r = await fetch(srv.base + path, { method, headers: type ? { 'Content-Type': type } : {}, body });
  return { status: r.status, text: await r.text(), headers: r.headers };
}

const ancestors = (r) => (r.headers.get('content-security-policy') || '').match(/frame-ancestors ([^;]*)/)?.[1];

test('frame policy: the form is framed by the configured origins only, the app never', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const f = await admin.post('/api/v1/lead-forms', { key: 'site-form', name: '官网 Website', consent_text: '我同意 I agree' });
    assert.equal(f.status, 201, f.text);
    // Nothing configured: the form refuses frames like every other page.
    assert.deepEqual((await admin.get('/api/v1/settings/lead-form-origins')).body, { origins: [] });
    let page = await raw(srv, 'GET', '/forms/site-form');
    assert.equal(page.status, 200);
    assert.equal(ancestors(page), "'none'");
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    // An admin names the company's sites (normalised to lower case, without a trailing slash, repeats once).
    const put = await admin.request('PUT', '/api/v1/settings/lead-form-origins',
      { origins: ['https://WWW.Example.com/', 'http://localhost:8080', 'https://*.shop.cn', 'https://www.example.com'] });
    assert.equal(put.status, 200, put.text);
    const want = ['https://www.example.com', 'http://localhost:8080', 'https://*.shop.cn'];
    assert.deepEqual(put.body.origins, want);
    assert.deepEqual((await admin.get('/api/v1/settings/lead-form-origins')).body.origins, want);
    page = await raw(srv, 'GET', '/forms/site-form');
    assert.equal(ancestors(page), want.join(' '));
    assert.equal(page.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.match(page.headers.get('content-security-policy'), /default-src 'self'; script-src 'self';.*form-action 'self'/);
    // The answers to a submission are shown in the same frame: same policy.
    const sent = await raw(srv, 'POST', '/forms/site-form', 'name=%E5%BC%A0%E4%B8%89&email=zhang%40san.cn&consent=yes',
      'application/x-www-form-urlencoded');
    assert.equal(sent.status, 202, sent.text);
    assert.equal(ancestors(sent), want.join(' '));
    const refused = await raw(srv, 'POST', '/forms/site-form', 'name=x&email=x%40y.cn', 'application/x-www-form-urlencoded');
    assert.equal(refused.status, 422);
    assert.equal(ancestors(refused), want.join(' '));
    // The app's pages and API answers still refuse every frame.
    for (const path of ['/', '/index.html', '/api/v1/settings/lead-form-origins', '/forms/no-such-form', '/healthz']) {
      const r = await raw(srv, 'GET', path);
      assert.equal(ancestors(r), "'none'", path);
      assert.equal(r.headers.get('x-frame-options'), 'DENY', path);
    }
    // Nothing that could end the directive or add another gets in; a bad list changes nothing.
    for (const bad of ['javascript:alert(1)', 'https://a.com; script-src *', 'https://a.com/path', 'ftp://files.example.com',
      'https://', 'https://-a.com', 'https://a..com', 'https://a.com:99999', "'self'", '*', 'https://a.com https://b.com', 42]) {
      assertError(await admin.request('PUT', '/api/v1/settings/lead-form-origins', { origins: ['https://ok.example.com', bad] }),
        422, 'invalid_value', 'origins');
    }
    assertError(await admin.request('PUT', '/api/v1/settings/lead-form-origins', { origins: 'https://a.com' }), 422, 'required', 'origins');
    assertError(await admin.request('PUT', '/api/v1/settings/lead-form-origins',
      { origins: Array.from({ length: 21 }, (_, i) => `https://s${i}.example.com`) }), 422, 'invalid_value', 'origins');
    assert.deepEqual((await admin.get('/api/v1/settings/lead-form-origins')).body.origins, want);
    // Only an admin sets them; no one unauthenticated reads them.
    addUser(srv.db, 'boss@test.local', 'manager');
    const boss = await srv.login('boss@test.local', 'a long enough password');
    assertError(await boss.request('PUT', '/api/v1/settings/lead-form-origins', { origins: [] }), 403, 'forbidden');
    assert.equal((await raw(srv, 'GET', '/api/v1/settings/lead-form-origins')).status, 401);
    // Emptied: back to no frames.
    assert.deepEqual((await admin.request('PUT', '/api/v1/settings/lead-form-origins', { origins: [] })).body, { origins: [] });
    assert.equal(ancestors(await raw(srv, 'GET', '/forms/site-form')), "'none'");
  } finally { await srv.stop(); srv.cleanup(); }
});
