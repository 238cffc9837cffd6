// loyalty-relationship: the structural level and the relationship-level grid
// (DOMAIN D7, D3.6) — Kotler's grid as a table (customers of a kind down,
// margin across, the recommended level in each cell) with its thresholds,
// which an admin edits here; and the structural services delivered to
// channel partners (kind, day, value), listed and recorded. A customer's
// own level beside the recommendation is on the customer page.
// API: GET/PUT /api/v1/settings/relationship-grid, GET/POST /api/v1/structural-services.
import { h, icon, replace } from '../dom.js';
import { t, label, money, toMinor, date, dayKey, number } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorState, card, vocabOptions } from '../ui.js';
import { partyPicker } from './party-picker.js';

const LEVELS = ['basic', 'passive', 'responsible', 'proactive', 'partner'];
const KINDS = ['stock_advice', 'purchase_timing', 'display_help', 'training', 'systems', 'other'];
const pct = (x) => `${Math.round(x * 1000) / 10}%`;

// Kotler's grid: the margin's band plus the customers' band (as the server
// counts it in src/domain/relationship.c).
function gridTable(g) {
  const rows = [['many', `≥ ${number(g.customers_many)}`, 0], ['medium', `${number(g.customers_few + 1)} – ${number(g.customers_many - 1)}`, 1],
    ['few', `≤ ${number(g.customers_few)}`, 2]];
  const cols = [['low', `< ${pct(g.margin_low)}`, 0], ['medium', `${pct(g.margin_low)} – ${pct(g.margin_high)}`, 1], ['high', `≥ ${pct(g.margin_high)}`, 2]];
  return h('table', { class: 'table grid-table' },
    h('caption', { text: t('loy2.grid_caption') }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('loy2.customers_margin') }),
      cols.map(([k, range]) => h('th', { scope: 'col' }, t('loy2.margin_' + k), h('br'), h('span', { class: 'muted small', text: range }))))),
    h('tbody', {}, rows.map(([k, range, c]) => h('tr', { dataset: { customers: k } },
      h('th', { scope: 'row' }, t('loy2.customers_' + k), h('br'), h('span', { class: 'muted small', text: range })),
      cols.map(([mk, , m]) => h('td', { dataset: { margin: mk } }, label('relationship_level', LEVELS[m + c])))))));
}

async function gridCard(signal) {
  const isAdmin = api.user() && api.user().role === 'admin';
  const box = h('div', {});
  const load = async () => {
    try {
      const g = await api.get('/api/v1/settings/relationship-grid', undefined, { signal });
      const f = {
        margin_low: field({ label: t('loy2.margin_low_pct'), type: 'number', value: Math.round(g.margin_low * 1000) / 10, attrs: { step: '0.1' } }),
        margin_high: field({ label: t('loy2.margin_high_pct'), type: 'number', value: Math.round(g.margin_high * 1000) / 10, attrs: { step: '0.1' } }),
        customers_few: field({ label: t('loy2.customers_few_n'), type: 'number', value: g.customers_few, attrs: { min: '0' } }),
        customers_many: field({ label: t('loy2.customers_many_n'), type: 'number', value: g.customers_many, attrs: { min: '1' } }),
      };
      if (!isAdmin) Object.values(f).forEach((x) => { x.input.disabled = true; });
      const status = h('p', { class: 'muted small', role: 'status' });
      const form = h('form', { class: 'grid-form', on: { submit: async (ev) => {
        ev.preventDefault();
        const body = { margin_low: Number(f.margin_low.input.value) / 100, margin_high: Number(f.margin_high.input.value) / 100,
          customers_few: Math.trunc(Number(f.customers_few.input.value)), customers_many: Math.trunc(Number(f.customers_many.input.value)) };
        try {
          await api.request('PUT', '/api/v1/settings/relationship-grid', { body });
          toast(t('loy2.grid_saved'));
          load();
        } catch (err) {
          status.textContent = f[err.field] ? `${f[err.field].wrap.querySelector('label').textContent}: ${t('loy2.grid_invalid')}` : err.message;
          status.className = 'error';
        }
      } } }, h('div', { class: 'form-grid' }, Object.values(f).map((x) => x.wrap)),
      isAdmin ? h('button', { type: 'submit', class: 'btn btn-primary', text: t('action.save') }) : h('p', { class: 'muted small', text: t('loy2.grid_admin_only') }),
      status);
      // On a phone the table may scroll sideways: a named, focusable region, so a keyboard can scroll it too.
      replace(box, h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('loy2.grid_caption') }, gridTable(g)), form);
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
    }
  };
  await load();
  return card(t('loy2.grid_title'), box, { cls: 'grid-settings' });
}

async function servicesCard(signal) {
  const perms = (api.user() && api.user().permissions && api.user().permissions['structural-services']) || {};
  const canCreate = perms.create && perms.create !== 'none';
  const box = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('loy2.services_title') });
  const load = async () => {
    try {
      const r = await api.get('/api/v1/structural-services', { limit: 200, sort: '-delivered_on' }, { signal });
      const names = await api.getMany('parties', r.items.map((x) => x.party_id), { signal });
      if (!r.items.length) { replace(box, h('p', { class: 'muted', text: t('loy.none') })); return; }
      replace(box, h('table', { class: 'table services-table' },
        h('caption', { class: 'sr-only', text: t('loy2.services_title') }),
        h('thead', {}, h('tr', {}, ['partner', 'kind', 'delivered', 'value', 'description'].map((k) => h('th', { scope: 'col', text: t('loy2.col_' + k) })))),
        h('tbody', {}, r.items.map((x) => h('tr', { dataset: { id: x.id } },
          h('td', {}, h('a', { href: '/customers/' + x.party_id, text: names.get(x.party_id) ? names.get(x.party_id).name : '#' + x.party_id })),
          h('td', { text: label('structural_kind', x.kind) }), h('td', { text: date(x.delivered_on) }),
          h('td', { class: 'num', text: x.value ? money(x.value) : '' }), h('td', { text: x.description || '' }))))));
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
    }
  };
  const add = async () => {
    const picker = partyPicker({ labelText: t('loy2.partner_search') });
    const kind = field({ label: t('loy2.col_kind'), type: 'select', value: 'stock_advice', options: vocabOptions('structural_kind', KINDS) });
    const day = field({ label: t('loy2.col_delivered'), type: 'date', value: dayKey(), required: true });
    const value = field({ label: t('loy2.col_value'), attrs: { inputmode: 'decimal' } });
    const desc = field({ label: t('loy2.col_description'), type: 'textarea' });
    const r = await dialog({ title: t('loy2.new_service'), wide: true,
      build: (b) => b.append(picker.el, h('div', { class: 'form-grid' }, kind.wrap, day.wrap, value.wrap, desc.wrap)),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const p = picker.value();
        if (!p) throw new Error(t('picker.choose'));
        const body = { party_id: p.id, kind: kind.input.value, delivered_on: day.input.value };
        if (value.input.value.trim()) {
          const a = toMinor(value.input.value.trim(), 'CNY');
          if (a === null) { value.input.focus(); throw new Error(t('form.amount_invalid')); }
          body.value = { amount: a, currency: 'CNY' };
        }
        if (desc.input.value.trim()) body.description = desc.input.value.trim();
        return api.post('/api/v1/structural-services', body);
      } }] });
    if (r) { toast(t('loy2.service_saved')); load(); }
  };
  await load();
  return card(t('loy2.services_title'), box, { cls: 'structural-services', actions: canCreate
    ? h('button', { type: 'button', class: 'btn btn-sm', on: { click: add } }, icon('plus'), t('loy2.new_service')) : null });
}

export async function render(ctx) {
  const { main, signal } = ctx;
  const [grid, services] = await Promise.all([gridCard(signal), servicesCard(signal)]);
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('loy2.rel_title') }), h('p', { class: 'muted', text: t('loy2.rel_subtitle') })),
      h('div', { class: 'head-actions' }, h('a', { class: 'btn', href: '/loyalty', text: t('loy.title') }))),
    grid, services));
}
