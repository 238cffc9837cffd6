// Campaigns with frozen member lists and control groups, e-mail templates
// and consents (issue 20, part B). A campaign's segment (a party-list query
// string) is resolved when it becomes active and frozen as campaign_member;
// a reproducible share is held out as the control group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sqlRows } from './harness.mjs';

const PW = 'a long enough password';

// The control-group hash of src/domain/campaign_members.c, in BigInt.
function controlHash(cid, pid) {
  const p = 2147483647n;
  const seed = (BigInt(cid) * 104729n + 12345n) % p;
  const x = (BigInt(pid) * 7919n + seed) % p;
  const y = x * x % p;
  return (y * 48271n + x) % p;
}

test('a campaign freezes its segment and holds out a reproducible control group', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const vip = [];
    for (let i = 0; i < 60; i++) {
      const r = await admin.post('/api/v1/parties', { kind: 'person', name: `客户 ${i}`, tags: i % 3 ? ['vip'] : ['regular'] });
      assert.equal(r.status, 201, r.text);
      if (i % 3) vip.push(r.body.id);
    }
    // Bad segments and shares are refused before anything is stored.
    assertError(await admin.post('/api/v1/campaigns', { name: 'x', segment: 'colour=blue' }), 422, 'invalid_value', 'segment');
    assertError(await admin.post('/api/v1/campaigns', { name: 'x', control_share: 0.7 }), 422, 'out_of_range', 'control_share');
    assertError(await admin.post('/api/v1/campaigns', { name: 'x', control_share: 'half' }), 422, 'invalid_type', 'control_share');
    assertError(await admin.post('/api/v1/campaigns', { name: 'x', attribution_days: 0 }), 422, 'out_of_range', 'attribution_days');
    assertError(await admin.post('/api/v1/campaigns', { name: 'x', template_id: 999 }), 422, 'invalid_reference', 'template_id');
    const c = await admin.post('/api/v1/campaigns', {
      name: 'VIP 会员日', channel: 'email', segment: 'tags=vip', control_share: 0.25, attribution_days: 14,
      attribution_model: 'first_touch', cost: { amount: 100000, currency: 'CNY' },
      pdca_plan: '提升复购 raise repeat purchase', pdca_do: '', pdca_check: null, pdca_act: null,
    });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.control_share, 0.25);
    assert.equal(c.body.members_frozen_at, null);
    assert.equal(c.body.member_count, null);
    // A party tagged later, before the start, is in; one tagged after is not.
    const late = (await admin.post('/api/v1/parties', { kind: 'person', name: 'late', tags: ['vip'] })).body.id;
    vip.push(late);
    const act = await admin.patch(`/api/v1/campaigns/${c.body.id}`, { status: 'active', version: c.body.version });
    assert.equal(act.status, 200, act.text);
    assert.equal(act.body.member_count, vip.length);
    assert.match(act.body.members_frozen_at, /^\d{4}-\d\d-\d\dT/);
    const rows = sqlRows(srv.db, 'SELECT party_id, control FROM campaign_member WHERE campaign_id = ? ORDER BY party_id', c.body.id);
    assert.deepEqual(rows.map((r) => r[0]), vip.sort((a, b) => a - b));
    const threshold = BigInt(Math.floor(0.25 * 2147483647));
    for (const [pid, control] of rows) assert.equal(control, controlHash(c.body.id, pid) < threshold ? 1 : 0, `party ${pid}`);
    const held = rows.filter((r) => r[1] === 1).length;
    assert.equal(act.body.control_count, held);
    assert.ok(held > 0 && held < vip.length / 2, `control group ${held} of ${vip.length}`);
    // After the start the list is frozen: a new vip is not added, the segment may not change.
    await admin.post('/api/v1/parties', { kind: 'person', name: 'later', tags: ['vip'] });
    const got = await admin.get(`/api/v1/campaigns/${c.body.id}`);
    assert.equal(got.body.member_count, vip.length);
    assertError(await admin.patch(`/api/v1/campaigns/${c.body.id}`, { segment: 'tags=regular', version: got.body.version }), 409, 'frozen', 'segment');
    // The PDCA record stays editable.
    const pd = await admin.patch(`/api/v1/campaigns/${c.body.id}`, { pdca_check: '响应率 12%', version: got.body.version });
    assert.equal(pd.status, 200, pd.text);
    assert.equal(pd.body.pdca_check, '响应率 12%');
  } finally {
    await srv.stop();
  }
});

test('e-mail templates check their merge fields; consents are never changed', async () => {
  const srv = await new Server().start();
  try {
    addUser(srv.db, 'mkt@test.local', 'marketing');
    addUser(srv.db, 'ro@test.local', 'read_only');
    const mkt = await srv.login('mkt@test.local', PW);
    const ro = await srv.login('ro@test.local', PW);
    assertError(await mkt.post('/api/v1/email-templates', { name: 't', language: 'en', subject: 'Hi', body: 'Hello {{nmae}}' }), 422, 'invalid_value', 'body');
    assertError(await mkt.post('/api/v1/email-templates', { name: 't', language: 'fr', subject: 'Hi', body: 'x' }), 422, undefined, 'language');
    const t = await mkt.post('/api/v1/email-templates', { name: '生日', language: 'zh-CN', subject: '{{name}}，生日快乐', body: '<p>亲爱的 {{ name }}</p>' });
    assert.equal(t.status, 201, t.text);
    assert.equal((await ro.post('/api/v1/email-templates', { name: 't', language: 'en', subject: 'x', body: 'y' })).status, 403);
    const p = (await mkt.post('/api/v1/parties', { kind: 'person', name: '王芳' })).body;
    const given = await mkt.post('/api/v1/consents', { party_id: p.id, channel: 'email', granted: true, source: 'web form', wording: '我同意接收营销邮件' });
    assert.equal(given.status, 201, given.text);
    assert.match(given.body.given_at, /Z$/);
    // A consent is a fact of its moment: no change, even by a role that may create.
    const ch = await mkt.patch(`/api/v1/consents/${given.body.id}`, { granted: false, version: given.body.version });
    assert.ok(ch.status === 403 || ch.status === 422, ch.text);
    const list = await mkt.get(`/api/v1/consents?party_id=${p.id}`);
    assert.equal(list.body.items.length, 1);
  } finally {
    await srv.stop();
  }
});

test('sending follows the caller update scope on the campaign; reading its members and measures the read scope', async () => {
  const srv = await new Server({ env: { RAPPORT_SMTP_URL: 'smtp://127.0.0.1:9' } }).start();
  try {
    addUser(srv.db, 'mkt@test.local', 'marketing');
    addUser(srv.db, 'ro@test.local', 'read_only');
    const admin = await srv.login();
    const mkt = await srv.login('mkt@test.local', PW);
    const ro = await srv.login('ro@test.local', PW);
    const t = (await admin.post('/api/v1/email-templates', { name: 't', language: 'en', subject: 'Hi', body: 'x' })).body;
    const c = (await admin.post('/api/v1/campaigns', { name: 'admin owned', channel: 'email', segment: 'kind=person', template_id: t.id })).body;
    const a = await admin.patch(`/api/v1/campaigns/${c.id}`, { status: 'active', version: c.version });
    assert.equal(a.status, 200, a.text);
    // Marketing updates its own campaigns only: not this one.
    assertError(await mkt.post(`/api/v1/campaigns/${c.id}/send`), 403, 'forbidden');
    assertError(await ro.post(`/api/v1/campaigns/${c.id}/send`), 403, 'forbidden');
    assert.equal((await ro.get(`/api/v1/campaigns/${c.id}/members`)).status, 200);
    assert.equal((await ro.get(`/api/v1/campaigns/${c.id}/measures`)).status, 200);
    assertError(await ro.get('/api/v1/campaigns/999/measures'), 404, 'not_found');
    assertError(await ro.get(`/api/v1/campaigns/${c.id}/members?state=lost`), 400, 'invalid_parameter', 'state');
    // Settings are an admin's.
    assert.equal((await mkt.get('/api/v1/settings/mail')).status, 403);
    assertError(await admin.request('PUT', '/api/v1/settings/mail', { consent_optional_channels: ['email'] }), 422, 'invalid_value', 'consent_optional_channels');
    assertError(await admin.request('PUT', '/api/v1/settings/mail', { smtp_url: 'http://x' }), 422, 'invalid_value', 'smtp_url');
  } finally {
    await srv.stop();
  }
});

test('measures: conversion of the treated against the control group in the window, and the uplift', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const ids = [];
    for (let i = 0; i < 40; i++) ids.push((await admin.post('/api/v1/parties', { kind: 'person', name: `m${i}`, tags: ['uplift'] })).body.id);
    const c = (await admin.post('/api/v1/campaigns', { name: 'uplift', channel: 'sms', segment: 'tags=uplift', control_share: 0.5, attribution_days: 10 })).body;
    const a = (await admin.patch(`/api/v1/campaigns/${c.id}`, { status: 'active', version: c.version })).body;
    const rows = sqlRows(srv.db, 'SELECT party_id, control FROM campaign_member WHERE campaign_id = ?', c.id);
    const control = new Set(rows.filter((r) => r[1] === 1).map((r) => r[0]));
    assert.ok(control.size > 5 && control.size < 35, `control ${control.size}`);
    // Every third party buys within the window; one buys after it (not a conversion).
    const soon = new Date(Date.parse(a.activated_at) + 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
    const late = new Date(Date.parse(a.activated_at) + 20 * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
    const buyers = ids.filter((_, i) => i % 3 === 0);
    for (const p of buyers) assert.equal((await admin.post('/api/v1/transactions', { party_id: p, occurred_at: soon, amount: { amount: 500, currency: 'CNY' } })).status, 201);
    const outside = ids.find((p, i) => i % 3 === 1);
    await admin.post('/api/v1/transactions', { party_id: outside, occurred_at: late, amount: { amount: 500, currency: 'CNY' } });
    const m = (await admin.get(`/api/v1/campaigns/${c.id}/measures`)).body;
    const treatedBuyers = buyers.filter((p) => !control.has(p)).length, controlBuyers = buyers.filter((p) => control.has(p)).length;
    assert.equal(m.members, 40 - control.size);
    assert.equal(m.control, control.size);
    assert.equal(m.converted, treatedBuyers);
    assert.equal(m.control_converted, controlBuyers);
    assert.ok(Math.abs(m.uplift - (treatedBuyers / (40 - control.size) - controlBuyers / control.size)) < 1e-9, JSON.stringify(m));
    assert.equal(m.window.days, 10);
    assert.equal(m.revenue, null, 'nothing delivered, nothing attributed');
  } finally {
    await srv.stop();
  }
});
