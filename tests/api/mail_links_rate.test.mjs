// The public links of a marketing e-mail (issue 20) — the unsubscribe page
// and its one-click POST, the open pixel, the tracked link — are limited
// per client address (RAPPORT_MAIL_LINK_RATE requests a minute, all four
// together): past it a 429 with Retry-After, before any token is looked
// up (the unsubscribe links a person opens answer a page); the rest of
// the API is not limited by it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, Client } from './harness.mjs';

const TOKEN = 'ab'.repeat(32);

test('the unsubscribe and tracking URLs answer 429 with Retry-After past the per-address rate', async () => {
  const srv = await new Server({ env: { RAPPORT_MAIL_LINK_RATE: '6' } }).start();
  try {
    const admin = await srv.login();
    const anon = new Client(srv.base);
    // Six requests in the minute are answered (an unknown token: the pixel all the same, 404 for the others) …
    assert.equal((await anon.get(`/api/v1/t/o/${TOKEN}`)).status, 200);
    assert.equal((await anon.get(`/api/v1/t/o/${TOKEN}`)).status, 200);
    assert.equal((await anon.get(`/api/v1/u/${TOKEN}`)).status, 404);
    assert.equal((await anon.request('POST', `/api/v1/u/${TOKEN}`, 'List-Unsubscribe=One-Click',
      { 'Content-Type': 'application/x-www-form-urlencoded' })).status, 404);
    assert.equal((await anon.get(`/api/v1/t/c/${TOKEN}?u=${encodeURIComponent('https://x.test/')}`)).status, 404);
    assert.equal((await anon.get(`/api/v1/t/o/${TOKEN}`)).status, 200);
    // … the seventh of any of the four is refused, with the seconds to wait.
    const urls = [['GET', `/api/v1/t/o/${TOKEN}`], ['GET', `/api/v1/u/${TOKEN}`], ['POST', `/api/v1/u/${TOKEN}`],
      ['GET', `/api/v1/t/c/${TOKEN}?u=${encodeURIComponent('https://x.test/')}`]];
    for (const [method, url] of urls) {
      const r = method === 'GET' ? await anon.get(url)
        : await anon.request(method, url, 'List-Unsubscribe=One-Click', { 'Content-Type': 'application/x-www-form-urlencoded' });
      assert.equal(r.status, 429, `${method} ${url}: ${r.status} ${r.text}`);
      // The unsubscribe links are opened by people: a page; the pixel and the tracked link answer JSON.
      if (url.startsWith('/api/v1/u/')) assert.match(r.text, /Too many requests 请求过多/);
      else assert.equal(r.body.error.code, 'too_many_requests');
      const wait = Number(r.headers.get('retry-after'));
      assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= 60, r.headers.get('retry-after'));
    }
    // The rest of the API is not limited by it.
    assert.equal((await admin.get('/api/v1/campaigns')).status, 200);
  } finally { await srv.stop(); srv.cleanup(); }
});
