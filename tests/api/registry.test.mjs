// The record registry (src/records/registry.c): every record type is
// declared once, and this walks GET /api/v1/record-types and checks each
// type appears in every place derived from it — its routes and OpenAPI
// entry, the permission entities with a seed row for every role × action,
// the audit trail with its redaction, the timeline, import and export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, sql } from './harness.mjs';

const ROLES = ['admin', 'manager', 'sales', 'service', 'marketing', 'read_only'];

// A valid new record of each type, given the ids made before it.
function sample(type, ids) {
  const day = '2026-11-01T10:00:00Z';
  switch (type) {
    case 'party': return { kind: 'person', name: '登记 Registry' };
    case 'link': return { from_id: ids.party, to_id: ids.party2, kind: 'knows' };
    case 'interaction': return { party_id: ids.party, channel: 'call', occurred_at: day, subject: 'hello' };
    case 'transaction': return { party_id: ids.party, occurred_at: day, amount: { amount: 1000, currency: 'CNY' } };
    case 'note': return { party_id: ids.party, body: 'a note' };
    case 'product': return { name: 'Widget', sku: 'REG-1' };
    case 'team': return { name: 'Registry team' };
    case 'campaign': return { name: '春节 campaign', channel: 'wechat', starts_on: '2027-01-20', ends_on: '2027-02-10' };
    case 'pipeline': return { name: 'Registry pipeline', stages: [{ key: 'first', name_en: 'First', name_zh: '第一', probability: 20 }] };
    case 'opportunity': return { name: '登记 deal', party_id: ids.party, pipeline_id: ids.pipeline };
    case 'exchange_rate': return { currency: 'USD', to_currency: 'CNY', valid_on: '2026-11-01', rate: '7.1234' };
    case 'lead': return { name: '登记 Lead', company: 'Registry Co', emails: ['reg@lead.test'] };
    case 'assignment_rule': return { name: 'Registry rule', team_id: ids.team };
    case 'lead_form': return { key: 'registry', name: 'Registry form', consent_text: 'ok' };
    case 'price_list': return { name: '标准价 Standard', currency: 'CNY', valid_from: '2027-01-01', items: [{ product_id: ids.product, unit_price: 990 }] };
    case 'quote': return { party_id: ids.party, currency: 'CNY', lines: [{ product_id: ids.product, quantity: 2, unit_price: 990 }] };
    case 'order': return { party_id: ids.party, currency: 'CNY', total: { amount: 1980, currency: 'CNY' } };
    // service (issue 19)
    case 'business_calendar': return { name: '日历 Calendar', time_zone: 'Asia/Shanghai', hours: { mon: [['09:00', '18:00']] } };
    case 'sla_policy': return { name: 'Standard', calendar_id: ids.business_calendar, first_response_minutes: 60, resolution_minutes: 480 };
    case 'escalation_rule': return { name: 'Late', target: 'resolution', moment: 'breached' };
    case 'case': return { subject: '投诉 Registry case', kind: 'complaint', party_id: ids.party };
    case 'contact_plan': return { name: '白金 weekly', segment: 'tier=platinum', every_days: 7 };
    case 'key_date': return { party_id: ids.party, kind: 'membership', title: '入会 joined', date: '2020-05-01' };
    case 'occasion_rule': return { name: '生日 cards', occasion: 'birthday', days_ahead: 7 };
    case 'email_template': return { name: '问候 greeting', language: 'zh-CN', subject: '{{name}} 您好', body: '<p>{{name}}</p>' };
    case 'consent': return { party_id: ids.party, channel: 'email', granted: true, source: 'web form', wording: '同意 I agree' };
    // issue 21: loyalty
    case 'referral_program': return { name: 'VIP 推荐卡', budget_cap: { amount: 100000000, currency: 'CNY' },
      levels: [{ level: 1, card_quota: 6, benefit: '1 machine', benefit_cost: { amount: 300000, currency: 'CNY' } }] };
    case 'club': return { name: '高尔夫俱乐部 Golf club', membership_levels: ['member', 'gold'] };
    case 'club_member': return { club_id: ids.club, party_id: ids.party, level: 'gold', joined_on: '2026-10-01' };
    case 'club_event': return { club_id: ids.club, name: '品鉴会 Tasting', starts_at: '2026-12-20T10:00:00Z', cost: { amount: 500000, currency: 'CNY' } };
    case 'event_attendance': return { event_id: ids.club_event, party_id: ids.party };
    case 'structural_service': return { party_id: ids.party, kind: 'stock_advice', delivered_on: '2026-11-20', value: { amount: 20000, currency: 'CNY' } };
    case 'loyalty_program': return { name: '积分 Points', earn_unit: { amount: 100, currency: 'CNY' }, earn_points: 1 };
    default: return null;
  }
}
// A field of each type that field security can hide and a change can touch.
const TOUCH = { party: ['city', '上海'], link: ['title', 'CEO'], interaction: ['subject', 'again'], transaction: ['description', 'gift'],
  note: ['body', 'changed'], product: ['category', 'tools'], team: ['name', 'Registry team 2'], campaign: ['objective', 'reach'],
  pipeline: ['description', 'for tests'], opportunity: ['expected_close_on', '2027-06-30'], exchange_rate: ['source', 'PBOC'],
  lead: ['title', 'CTO'], assignment_rule: ['territory', 'north'], lead_form: ['thank_you', 'thanks'],
  price_list: ['name', 'Standard 2'], quote: ['title', '报价'], order: ['notes', 'call first'],
  business_calendar: ['name', 'Calendar 2'], sla_policy: ['name', 'Standard 2'], escalation_rule: ['name', 'Later'], case: ['description', 'more'],
  contact_plan: ['notes', 'call first'], key_date: ['title', 'renamed'], occasion_rule: ['name', 'renamed'],
  email_template: ['subject', 'Hello {{name}}'], consent: ['notes', 'verified by phone'],
  loyalty_program: ['description', 'more'], referral_program: ['description', 'more'],
  club: ['description', 'more'], club_member: ['notes', 'paid'], club_event: ['location', '上海'], event_attendance: ['notes', 'vip'],
  structural_service: ['description', 'shelf plan'] };

test('every registered type appears in every derived place', async () => {
  const srv = await new Server().start();
  try {
    addUser(srv.db, 'ro@test.local', 'read_only');
    const admin = await srv.login();
    const reg = await admin.get('/api/v1/record-types');
    assert.equal(reg.status, 200, reg.text);
    const types = reg.body.types;
    assert.ok(types.length >= 8, reg.text);
    const openapi = (await admin.get('/api/v1/openapi.json')).body;
    const perms = (await admin.get('/api/v1/permissions')).body;
    const session = (await admin.get('/api/v1/session')).body;
    const rows = new Set(sql(srv.db, "SELECT role || ' ' || entity || ' ' || action FROM role_permission").split('\n'));
    // Every reference names its target by a registry type name (or 'user',
    // the one target beside the registry), and is one of the type's fields.
    const targets = new Set([...types.map((t) => t.type), 'user']);
    for (const t of types) {
      for (const [field, target] of Object.entries(t.refs)) {
        assert.ok(t.fields.includes(field), `${t.type}.${field} is a field`);
        assert.ok(targets.has(target), `${t.type}.${field} references ${target}, a known type`);
      }
    }
    assert.ok(types.reduce((n, t) => n + Object.keys(t.refs).length, 0) >= 20, 'the references are listed');
    const ids = {};
    for (const t of types) {
      const name = t.name;
      // The permission entities are the registry's, and each has a row for every role × action.
      assert.ok(reg.body.entities.includes(name), name);
      assert.ok(session.user.permissions[name], `${name} in the session's permissions`);
      for (const role of ROLES) {
        for (const action of reg.body.actions) {
          assert.ok(rows.has(`${role} ${name} ${action}`), `seed row ${role} ${name} ${action}`);
        }
        assert.ok(perms.roles[role][name], `${role} ${name} in GET /permissions`);
      }
      if (!t.flags.routes) continue;
      // Routes and their OpenAPI entries, with the type's schema.
      assert.ok(openapi.paths[`/api/v1/${name}`]?.get && openapi.paths[`/api/v1/${name}`]?.post, `${name} list/create in OpenAPI`);
      const one = openapi.paths[`/api/v1/${name}/{id}`];
      assert.ok(one?.get && one?.patch && one?.delete, `${name} get/patch/delete in OpenAPI`);
      const schema = openapi.components.schemas[t.type.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('')];
      assert.ok(schema, `${t.type} schema`);
      for (const f of t.fields) assert.ok(f in schema.properties, `${t.type}.${f} in the schema`);
      const body = sample(t.type, ids);
      assert.ok(body, `a sample ${t.type} (add one to this test)`);
      // Each reference the sample sets is checked through the registry: a
      // missing id is 422 invalid_reference naming the field.
      for (const field of Object.keys(t.refs).filter((f) => typeof body[f] === 'number')) {
        const bad = await admin.post(`/api/v1/${name}`, { ...body, [field]: 987654321 });
        assert.equal(bad.status, 422, `${name}.${field}: ${bad.text}`);
        assert.deepEqual([bad.body.error.code, bad.body.error.field], ['invalid_reference', field], `${name}.${field}: ${bad.text}`);
      }
      const c = await admin.post(`/api/v1/${name}`, body);
      assert.equal(c.status, 201, `${name}: ${c.text}`);
      ids[t.type] = c.body.id;
      if (t.type === 'party') ids.party2 = (await admin.post('/api/v1/parties', { kind: 'organization', name: 'Other Co' })).body.id;
      assert.equal((await admin.get(`/api/v1/${name}/${c.body.id}`)).status, 200);
      assert.equal((await admin.get(`/api/v1/${name}`)).status, 200);
      // Audit: a change is an audit row and an event; a hidden field is
      // redacted from the audit rows a restricted role reads.
      const [field, value] = TOUCH[t.type];
      const u = await admin.patch(`/api/v1/${name}/${c.body.id}`, { [field]: value, version: c.body.version });
      assert.equal(u.status, 200, `${name}: ${u.text}`);
      if (t.flags.audit) {
        const audit = (await admin.get(`/api/v1/audit?entity=${t.type}&entity_id=${c.body.id}`)).body.items;
        assert.deepEqual(audit.map((a) => a.action), ['update', 'create'], `${name} audit`);
        assert.ok(field in audit[0].changes, `${name} audit changes`);
        const ev = (await admin.get(`/api/v1/events?type=${t.type}&limit=1000`)).body.items.filter((e) => e.record_id === c.body.id);
        assert.deepEqual(ev.map((e) => e.action), ['create', 'update'], `${name} events`);
        const hide = await admin.request('PUT', '/api/v1/field-permissions', { role: 'read_only', entity: name, field, access: 'hidden' });
        assert.equal(hide.status, 200, hide.text);
        const ro = await srv.login('ro@test.local', 'a long enough password');
        const own = t.ownership === 'own' && t.type !== 'party' ? await ro.get(`/api/v1/${name}/${c.body.id}/timeline`) : null;
        if (own) {
          assert.equal(own.status, 200, own.text);
          assert.ok(own.body.items.length >= 2 && own.body.items.every((i) => !(field in (i.item.changes || {}))), `${name} timeline redacted`);
        }
        const full = await admin.get(`/api/v1/${name}/${c.body.id}`);
        assert.ok(!(field in (await ro.get(`/api/v1/${name}/${c.body.id}`)).body) || full.status !== 200, `${name} record redacted`);
      }
      // Timeline: a party child shows in its party's, a type that owns itself has its own.
      if (t.flags.timeline && t.ownership === 'parent') {
        const tl = (await admin.get(`/api/v1/parties/${ids.party}/timeline?limit=500`)).body.items;
        assert.ok(tl.some((i) => i.type === t.type && i.item.id === c.body.id), `${name} in the party timeline`);
      }
      if (t.flags.timeline && t.ownership === 'own' && t.type !== 'party') {
        const tl = await admin.get(`/api/v1/${name}/${c.body.id}/timeline`);
        assert.equal(tl.status, 200, tl.text);
        assert.deepEqual(tl.body.items.map((i) => i.item.action), ['update', 'create']);
        assert.ok(openapi.paths[`/api/v1/${name}/{id}/timeline`]?.get, `${name} timeline in OpenAPI`);
      }
      // Export and import kinds.
      const ex = await admin.get(`/api/v1/exports/${name}?format=jsonl`);
      if (t.flags.export) {
        assert.equal(ex.status, 200, `${name}: ${ex.text}`);
        assert.ok(ex.text.includes(`"id":${c.body.id}`), `${name} export holds the record`);
        assert.ok(openapi.paths[`/api/v1/exports/${name}`]?.get, `${name} export in OpenAPI`);
      } else {
        assert.equal(ex.status, 404, `${name} is not exported`);
      }
      const im = await admin.request('POST', `/api/v1/imports?kind=${name}`, '', { 'Content-Type': 'text/csv' });
      if (t.flags.import) assert.notEqual(im.body?.error?.field, 'kind', `${name} is an import kind: ${im.text}`);
      else assert.equal(im.body?.error?.field, 'kind', `${name} is not an import kind: ${im.text}`);
    }
  } finally { await srv.stop(); srv.cleanup(); }
});
