// Clubs and member events (issue 21, DOMAIN D7 social level), structural
// services (the structural level) and the relationship level (D3.6): a
// membership's level is one of its club's, it leaves on or after it joins;
// an invitation moves invited → registered → attended (a wrong move is 409
// and changes nothing); both show on the member's timeline; a structural
// service makes its partner's effective level partner; Kotler's grid
// recommends a level from the margin and the number of customers of the
// kind, and the grid is configurable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError } from './harness.mjs';

const CNY = (amount) => ({ amount, currency: 'CNY' });

test('clubs, memberships, events and invitations on the timeline', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const p = (await admin.post('/api/v1/parties', { kind: 'person', name: '陈静 Chen Jing' })).body;
    const club = (await admin.post('/api/v1/clubs', { name: '车主俱乐部 Owners club', membership_levels: ['member', 'gold'], annual_fee: CNY(100000) })).body;
    assertError(await admin.post('/api/v1/club-members', { club_id: club.id, party_id: p.id, level: 'platinum', joined_on: '2026-01-01' }), 422, 'invalid_value', 'level');
    assertError(await admin.post('/api/v1/club-members', { club_id: club.id, party_id: p.id, joined_on: '2026-01-01', left_on: '2025-12-31' }), 422, 'invalid_value', 'left_on');
    assertError(await admin.post('/api/v1/club-members', { club_id: 99999, party_id: p.id, joined_on: '2026-01-01' }), 422, undefined, 'club_id');
    const mem = await admin.post('/api/v1/club-members', { club_id: club.id, party_id: p.id, level: 'gold', joined_on: '2026-01-01', fee: CNY(100000) });
    assert.equal(mem.status, 201, mem.text);
    const ev = (await admin.post('/api/v1/club-events', { club_id: club.id, name: '试驾日 Test drive day', starts_at: '2026-12-20T02:00:00Z', cost: CNY(800000), capacity: 40 })).body;
    const inv = await admin.post('/api/v1/event-attendances', { event_id: ev.id, party_id: p.id });
    assert.equal(inv.status, 201, inv.text);
    assert.equal(inv.body.status, 'invited');
    assert.ok(inv.body.invited_at);
    assertError(await admin.post('/api/v1/event-attendances', { event_id: ev.id, party_id: p.id }), 409);
    const skip = await admin.patch(`/api/v1/event-attendances/${inv.body.id}`, { status: 'attended', version: inv.body.version });
    assertError(skip, 409, 'invalid_transition', 'status');
    const reg = await admin.patch(`/api/v1/event-attendances/${inv.body.id}`, { status: 'registered', version: inv.body.version });
    assert.equal(reg.status, 200, reg.text);
    assert.ok(reg.body.registered_at);
    const att = await admin.patch(`/api/v1/event-attendances/${inv.body.id}`, { status: 'attended', version: reg.body.version });
    assert.equal(att.status, 200, att.text);
    assert.ok(att.body.attended_at);
    const tl = (await admin.get(`/api/v1/parties/${p.id}/timeline?limit=100`)).body.items;
    assert.ok(tl.some((i) => i.type === 'club_member' && i.item.id === mem.body.id), JSON.stringify(tl.map((i) => i.type)));
    assert.ok(tl.some((i) => i.type === 'event_attendance' && i.item.id === inv.body.id));
    const list = (await admin.get(`/api/v1/event-attendances?event_id=${ev.id}&status=attended`)).body;
    assert.equal(list.items.length, 1);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('structural services and the relationship level: history, Kotler grid, gap and action', async () => {
  const srv = await new Server().start();
  try {
    addUser(srv.db, 'sales@test.local', 'sales');
    const admin = await srv.login();
    const dealer = (await admin.post('/api/v1/parties', { kind: 'organization', name: '经销商 Dealer Co', customer_type: 'dealer', relationship_level: 'passive' })).body;
    await admin.post('/api/v1/transactions', { party_id: dealer.id, occurred_at: '2026-11-01T00:00:00Z', amount: CNY(100000), cost: CNY(60000) });
    let r = await admin.get(`/api/v1/parties/${dealer.id}/relationship`);
    assert.equal(r.status, 200, r.text);
    // Margin 40 % (high), one dealer (few): partner is recommended; passive is two levels... three below.
    assert.equal(r.body.level, 'passive');
    assert.equal(r.body.recommended, 'partner');
    assert.equal(r.body.gap, 3);
    assert.equal(r.body.action, 'raise');
    assert.ok(Math.abs(r.body.margin - 0.4) < 1e-9);
    assert.equal(r.body.customers_of_kind, 1);
    const up = await admin.patch(`/api/v1/parties/${dealer.id}`, { relationship_level: 'proactive', version: dealer.version });
    assert.equal(up.status, 200, up.text);
    r = await admin.get(`/api/v1/parties/${dealer.id}/relationship`);
    assert.deepEqual(r.body.history.map((h) => [h.from, h.to]), [[null, 'passive'], ['passive', 'proactive']].slice(-r.body.history.length));
    assert.ok(r.body.history.some((h) => h.from === 'passive' && h.to === 'proactive'));
    assert.equal(r.body.gap, 1);
    // A structural service delivered to the partner counts: its effective level is partner.
    const svc = await admin.post('/api/v1/structural-services', { party_id: dealer.id, kind: 'display_help',
      delivered_on: new Date().toISOString().slice(0, 10), value: CNY(50000), description: '陈列指导 display plan' });
    assert.equal(svc.status, 201, svc.text);
    r = await admin.get(`/api/v1/parties/${dealer.id}/relationship`);
    assert.equal(r.body.effective_level, 'partner');
    assert.equal(r.body.effective_from_structural, true);
    assert.equal(r.body.structural.services, 1);
    assert.equal(r.body.structural.value_minor, 50000);
    assert.equal(r.body.action, 'keep');
    // The grid is configurable (admin): with "few" at 0 one dealer is a medium-sized kind.
    const sales = await srv.login('sales@test.local', 'a long enough password');
    assert.equal((await sales.request('PUT', '/api/v1/settings/relationship-grid', { margin_low: 0.1, margin_high: 0.3, customers_few: 0, customers_many: 10 })).status, 403);
    assertError(await admin.request('PUT', '/api/v1/settings/relationship-grid', { margin_low: 0.5, margin_high: 0.3, customers_few: 0, customers_many: 10 }), 422, 'invalid_value', 'margin_high');
    const g = await admin.request('PUT', '/api/v1/settings/relationship-grid', { margin_low: 0.1, margin_high: 0.3, customers_few: 0, customers_many: 10 });
    assert.equal(g.status, 200, g.text);
    r = await admin.get(`/api/v1/parties/${dealer.id}/relationship`);
    assert.equal(r.body.recommended, 'proactive');
    assert.equal(r.body.grid.customers_few, 0);
  } finally { await srv.stop(); srv.cleanup(); }
});
