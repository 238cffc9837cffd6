// loyalty: the loyalty page (DOMAIN D7, issue 21) — the financial level's
// loyalty programmes (earn rule, expiry, status) and the social level's
// clubs (membership levels, fee) and events (date, place, cost, capacity),
// each a list with a dialog to add or edit one. A customer's points are on
// the customer page; memberships and invitations show on their timeline.
// API: GET/POST/PATCH /api/v1/loyalty-programs, /api/v1/clubs, /api/v1/club-events.
import { h, icon, replace } from '../dom.js';
import { t, money, toMinor, dateTime } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorState, errorText, badge, card, fromLocalInput, toLocalInput } from '../ui.js';
import { partyPicker } from './party-picker.js';

const CUR = 'CNY';
const moneyText = (m) => (m ? String(m.amount / 100) : '');
const toMoney = (input) => {
  const v = input.value.trim();
  if (!v) return null;
  const a = toMinor(v, CUR);
  if (a === null) { input.focus(); throw new Error(t('form.amount_invalid')); }
  return { amount: a, currency: CUR };
};
const intOrNull = (input) => (input.value.trim() ? Number(input.value) : null);

// One list section: rows of a resource, columns, and its add / edit dialog.
function section({ title, path, perm, columns, form, signal, cls, extra }) {
  const perms = (api.user() && api.user().permissions && api.user().permissions[perm]) || {};
  const canCreate = perms.create && perms.create !== 'none', canUpdate = perms.update && perms.update !== 'none';
  const box = h('div', { class: 'table-wrap' });
  const load = async () => {
    try {
      const r = await api.get(path, { limit: 200, sort: '-updated_at' }, { signal });
      if (!r.items.length) { replace(box, h('p', { class: 'muted', text: t('loy.none') })); return; }
      replace(box, h('table', { class: 'table ' + cls },
        h('caption', { class: 'sr-only', text: title }),
        h('thead', {}, h('tr', {}, columns.map(([k]) => h('th', { scope: 'col', text: t('loy.col_' + k) })),
          canUpdate || extra ? h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('action.edit') })) : null)),
        h('tbody', {}, r.items.map((x) => h('tr', { dataset: { id: x.id } }, columns.map(([, f]) => h('td', {}, f(x))),
          canUpdate || extra ? h('td', { class: 'row-actions' }, extra ? extra(x) : null, canUpdate ? h('button', { type: 'button', class: 'btn btn-ghost btn-sm',
            'aria-label': t('loy.edit', { name: x.name }), on: { click: () => edit(x) } }, icon('edit')) : null) : null)))));
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
    }
  };
  const edit = async (x) => {
    const f = form(x);
    const r = await dialog({ title: x ? t('loy.edit', { name: x.name }) : t('loy.new_' + cls), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, Object.values(f.fields).map((v) => v.wrap))),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const body = f.body();
        return x ? api.patch(`${path}/${x.id}`, body, x.version) : api.post(path, body);
      } }] });
    if (r) { toast(t('loy.saved', { name: r.name })); load(); }
  };
  const el = card(title, box, { cls: 'card-' + cls, actions: canCreate ? h('button', { type: 'button', class: 'btn btn-sm', on: { click: () => edit(null) } },
    icon('plus'), t('loy.new_' + cls)) : null });
  return { el, load };
}

export async function render(ctx) {
  const { main, signal } = ctx;
  const programs = section({ title: t('loy.programs'), path: '/api/v1/loyalty-programs', perm: 'loyalty-programs', cls: 'programs', signal,
    columns: [['name', (x) => x.name],
      ['earn', (x) => (x.earn_unit ? t('loy.earn_rule', { points: x.earn_points, unit: money(x.earn_unit) }) : '—')],
      ['expiry', (x) => (x.expiry_days ? t('loy.expiry_days', { n: x.expiry_days }) : t('loy.never'))],
      ['status', (x) => badge(t('loy.s_' + x.status), x.status === 'active' ? 'green' : 'grey')]],
    form: (x) => {
      const fields = {
        name: field({ label: t('field.name'), value: x ? x.name : '', required: true }),
        status: field({ label: t('field.status'), type: 'select', value: x ? x.status : 'active', options: ['active', 'paused', 'closed'].map((s) => ({ value: s, label: t('loy.s_' + s) })) }),
        earn_unit: field({ label: t('loy.earn_unit'), value: x ? moneyText(x.earn_unit) : '', attrs: { inputmode: 'decimal' } }),
        earn_points: field({ label: t('loy.earn_points'), type: 'number', value: x ? x.earn_points ?? '' : '' }),
        expiry_days: field({ label: t('loy.expiry'), type: 'number', value: x ? x.expiry_days ?? '' : '' }),
        min_redeem: field({ label: t('loy.min_redeem'), type: 'number', value: x ? x.min_redeem ?? '' : '' }),
      };
      return { fields, body: () => ({ name: fields.name.input.value.trim(), status: fields.status.input.value, earn_unit: toMoney(fields.earn_unit.input),
        earn_points: intOrNull(fields.earn_points.input), expiry_days: intOrNull(fields.expiry_days.input), min_redeem: intOrNull(fields.min_redeem.input) }) };
    } });
  const clubs = section({ title: t('loy.clubs'), path: '/api/v1/clubs', perm: 'clubs', cls: 'clubs', signal,
    columns: [['name', (x) => x.name], ['levels', (x) => (x.membership_levels || []).join(' · ')], ['fee', (x) => (x.annual_fee ? money(x.annual_fee) : '')],
      ['status', (x) => badge(t('loy.s_' + x.status), x.status === 'active' ? 'green' : 'grey')]],
    form: (x) => {
      const fields = {
        name: field({ label: t('field.name'), value: x ? x.name : '', required: true }),
        levels: field({ label: t('loy.membership_levels'), value: x ? (x.membership_levels || []).join(', ') : '', hint: t('form.comma_separated') }),
        fee: field({ label: t('loy.annual_fee'), value: x ? moneyText(x.annual_fee) : '', attrs: { inputmode: 'decimal' } }),
      };
      return { fields, body: () => ({ name: fields.name.input.value.trim(), annual_fee: toMoney(fields.fee.input),
        membership_levels: fields.levels.input.value.split(/[,，]/).map((s) => s.trim()).filter(Boolean) }) };
    } });
  const events = section({ title: t('loy.events'), path: '/api/v1/club-events', perm: 'club-events', cls: 'events', signal,
    extra: (x) => h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': t('loy.invitations_of', { name: x.name }),
      text: t('loy.invitations'), on: { click: () => invitations(x, signal) } }),
    columns: [['name', (x) => x.name], ['when', (x) => (x.starts_at ? dateTime(x.starts_at) : '')], ['where', (x) => x.location || ''],
      ['cost', (x) => (x.cost ? money(x.cost) : '')], ['capacity', (x) => (x.capacity ?? '') + ''],
      ['status', (x) => badge(t('loy.es_' + x.status), x.status === 'held' ? 'green' : 'grey')]],
    form: (x) => {
      const fields = {
        name: field({ label: t('field.name'), value: x ? x.name : '', required: true }),
        starts_at: field({ label: t('loy.starts_at'), type: 'datetime-local', value: x && x.starts_at ? toLocalInput(x.starts_at) : '' }),
        location: field({ label: t('loy.location'), value: x ? x.location || '' : '' }),
        cost: field({ label: t('loy.cost'), value: x ? moneyText(x.cost) : '', attrs: { inputmode: 'decimal' } }),
        capacity: field({ label: t('loy.capacity'), type: 'number', value: x ? x.capacity ?? '' : '' }),
      };
      return { fields, body: () => ({ name: fields.name.input.value.trim(), starts_at: fields.starts_at.input.value ? fromLocalInput(fields.starts_at.input.value) : null,
        location: fields.location.input.value.trim() || null, cost: toMoney(fields.cost.input), capacity: intOrNull(fields.capacity.input) }) };
    } });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('loy.title') }), h('p', { class: 'muted', text: t('loy.subtitle') })),
      h('div', { class: 'head-actions' }, h('a', { class: 'btn', href: '/referral', text: t('ref.title') }))),
    programs.el, clubs.el, events.el));
  await Promise.all([programs.load(), clubs.load(), events.load()]);
}

// The invitations of an event: who is invited, registered, attended; the
// moves the workflow allows from each state (GET /api/v1/record-types), and
// inviting a customer. A refused move is shown as the server words it.
async function invitations(ev, signal) {
  const wf = (await api.get('/api/v1/record-types', undefined, { signal })).types.find((x) => x.type === 'event_attendance').workflow;
  const perms = (api.user() && api.user().permissions && api.user().permissions['event-attendances']) || {};
  const canWrite = perms.update && perms.update !== 'none';
  const box = h('div', { class: 'table-wrap' });
  const picker = partyPicker({ labelText: t('loy.invite_search') });
  const draw = async () => {
    const r = await api.get('/api/v1/event-attendances', { event_id: ev.id, limit: 500 }, { signal });
    const names = await api.getMany('parties', r.items.map((a) => a.party_id), { signal });
    if (!r.items.length) { replace(box, h('p', { class: 'muted', text: t('loy.no_invitations') })); return; }
    const moves = (a) => (canWrite ? wf.transitions.filter((m) => m.from === a.status).map((m) => h('button', { type: 'button', class: 'btn btn-sm',
      dataset: { move: m.to }, text: t('loy.as_' + m.to), on: { click: async () => {
        try { await api.patch('/api/v1/event-attendances/' + a.id, { status: m.to }, a.version); } catch (err) { toast(errorText(err), 'error'); }
        draw();
      } } })) : null);
    const colour = (st) => (st === 'attended' ? 'green' : st === 'declined' || st === 'no_show' ? 'red' : 'blue');
    const rows = r.items.map((a) => h('tr', { dataset: { id: a.id } },
      h('td', { text: names.get(a.party_id) ? names.get(a.party_id).name : '#' + a.party_id }),
      h('td', {}, badge(t('loy.as_' + a.status), colour(a.status))),
      h('td', { class: 'row-actions' }, moves(a))));
    replace(box, h('table', { class: 'table invitations-table' },
      h('caption', { class: 'sr-only', text: t('loy.invitations_of', { name: ev.name }) }),
      h('thead', {}, h('tr', {}, ['name', 'status'].map((k) => h('th', { scope: 'col', text: t('loy.col_' + k) })),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('action.edit') })))),
      h('tbody', {}, rows)));
  };
  await draw();
  await dialog({ title: t('loy.invitations_of', { name: ev.name }), wide: true,
    build: (b) => b.append(box, canWrite ? h('div', {}, h('h3', { text: t('loy.invite') }), picker.el) : ''),
    buttons: [{ label: t('action.close') }, ...(canWrite ? [{ label: t('loy.invite'), kind: 'primary', submit: true, onClick: async () => {
      const p = picker.value();
      if (!p) throw new Error(t('picker.choose'));
      await api.post('/api/v1/event-attendances', { event_id: ev.id, party_id: p.id });
      toast(t('loy.invited', { name: p.name }));
      await draw();
      return false;
    } }] : [])] });
}
