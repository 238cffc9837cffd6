// leads: the lead inbox (issue 18) — leads with filters (status, source,
// territory, mine), who each was assigned to (and whether a rule did it), a
// warning on possible duplicates, a dialog to add a lead and the convert
// dialog. The name opens the lead page.
// API: GET/POST /api/v1/leads, POST /api/v1/leads/{id}/convert.
import { h, icon, replace } from '../dom.js';
import { t, label, relative } from '../i18n.js';
import * as api from '../api.js';
import { setQuery, navigate } from '../router.js';
import { field, dialog, toast, errorState, errorText, badge, vocabOptions, showFieldErrors } from '../ui.js';
import { VOCAB } from '../vocab.js';
import { ensureUsers, userLabel } from '../users.js';
import { convertDialog } from './lead-convert.js';

export const STATUS_COLOUR = { new: 'blue', working: 'gold', converted: 'green', disqualified: 'grey' };
const STATUSES = ['new', 'working', 'converted', 'disqualified'];

export async function render(ctx) {
  const { main, query, signal } = ctx;
  await ensureUsers();
  const perms = (api.user() && api.user().permissions && api.user().permissions.leads) || {};
  const canCreate = perms.create && perms.create !== 'none';
  const canUpdate = perms.update && perms.update !== 'none';
  const state = { status: STATUSES.includes(query.get('status')) ? query.get('status') : '', source: query.get('source') || '',
    territory: query.get('territory') || '', mine: query.get('mine') === '1' ? '1' : '' };
  const statusF = field({ label: t('field.status'), type: 'select', value: state.status,
    options: [{ value: '', label: t('common.any') }].concat(STATUSES.map((s) => ({ value: s, label: t('leads.s_' + s) }))) });
  const sourceF = field({ label: t('field.source'), type: 'select', value: state.source, options: vocabOptions('source', VOCAB.source, t('common.any')) });
  const terrF = field({ label: t('leads.territory'), type: 'search', value: state.territory, attrs: { maxlength: '100' } });
  const mineF = field({ label: t('leads.mine'), type: 'checkbox', value: state.mine === '1' });
  statusF.input.addEventListener('change', () => { state.status = statusF.input.value; reload(); });
  sourceF.input.addEventListener('change', () => { state.source = sourceF.input.value; reload(); });
  terrF.input.addEventListener('change', () => { state.territory = terrF.input.value.trim(); reload(); });
  mineF.input.addEventListener('change', () => { state.mine = mineF.input.checked ? '1' : ''; reload(); });
  const tableBox = h('div', { class: 'table-wrap' });
  const status = h('p', { class: 'list-status muted', role: 'status' });
  let rows = [], next = null;
  const more = h('button', { type: 'button', class: 'btn', text: t('customers.load_more'), on: { click: () => load(true) } });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('leads.title') }), h('p', { class: 'muted', text: t('leads.subtitle') })),
      canCreate ? h('div', { class: 'head-actions' }, h('button', { type: 'button', class: 'btn btn-primary', on: { click: () => add() } }, icon('plus'), t('leads.new'))) : null),
    h('div', { class: 'toolbar' }, statusF.wrap, sourceF.wrap, terrF.wrap, mineF.wrap),
    tableBox, h('div', { class: 'list-foot' }, status, more)));

  function reload() { setQuery(state); load(false); }

  async function load(older) {
    try {
      const me = api.user();
      const page = await api.get('/api/v1/leads', { limit: 50, sort: '-created_at', status: state.status, source: state.source,
        territory: state.territory, owner_id: state.mine ? me.id : undefined, after: older ? next : undefined }, { signal });
      rows = older ? rows.concat(page.items) : page.items;
      next = page.next;
      draw();
    } catch (err) {
      if (err.name !== 'AbortError') replace(tableBox, errorState(err, () => load(older)));
    }
  }

  function draw() {
    if (!rows.length) replace(tableBox, h('div', { class: 'empty' }, h('p', { text: t('leads.none') })));
    else replace(tableBox, h('table', { class: 'table leads-table' },
      h('caption', { class: 'sr-only', text: t('leads.title') }),
      h('thead', {}, h('tr', {}, ['name', 'source', 'territory', 'owner', 'status'].map((k) => h('th', { scope: 'col', text: t('leads.col_' + k) })),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('leads.actions') })))),
      h('tbody', {}, rows.map((l) => h('tr', { dataset: { id: l.id } },
        h('td', {}, h('a', { href: '/leads/' + l.id, class: 'name-text', text: l.name }),
          l.company ? h('div', { class: 'sub muted', text: l.company }) : null,
          (l.duplicates || []).length ? h('div', { class: 'sub dup-warn', role: 'note' }, icon('alert'), t('leads.dup_count', { count: l.duplicates.length })) : null),
        h('td', { text: l.source ? label('source', l.source) : '' }),
        h('td', { text: l.territory || '' }),
        h('td', {}, h('div', { text: l.owner_id ? userLabel(l.owner_id) : t('leads.unassigned') }),
          l.assignment_rule_id ? h('div', { class: 'sub muted', text: t('leads.by_rule', { when: relative(l.assigned_at) }) }) : null),
        h('td', {}, badge(t('leads.s_' + l.status), STATUS_COLOUR[l.status])),
        h('td', { class: 'row-actions' }, canUpdate && ['new', 'working'].includes(l.status)
          ? h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': t('leads.convert_title', { name: l.name }), text: t('leads.convert'),
            on: { click: () => convert(l) } }) : null))))));
    status.textContent = t(next ? 'products.shown_more' : 'products.shown_all', { count: rows.length });
    more.hidden = !next;
  }

  async function convert(l) {
    try {
      const r = await convertDialog(l);
      if (r) { toast(t('leads.converted', { name: l.name })); navigate('/customers/' + r.party_id); }
    } catch (err) { toast(errorText(err), 'error'); load(false); }
  }

  async function add() {
    const f = {
      name: field({ label: t('field.name'), required: true, attrs: { maxlength: '200' } }),
      company: field({ label: t('leads.company'), attrs: { maxlength: '200' } }),
      title: field({ label: t('field.title'), attrs: { maxlength: '200' } }),
      emails: field({ label: t('field.emails'), type: 'email' }),
      phones: field({ label: t('field.phones'), type: 'tel' }),
      source: field({ label: t('field.source'), type: 'select', value: '', options: vocabOptions('source', VOCAB.source, t('common.none')) }),
      territory: field({ label: t('leads.territory'), attrs: { maxlength: '100' } }),
      industry: field({ label: t('field.industry'), attrs: { maxlength: '100' } }),
    };
    const r = await dialog({
      title: t('leads.new'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, Object.values(f).map((x) => x.wrap))),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: async () => {
        const body = {};
        for (const [k, x] of Object.entries(f)) {
          const v = x.input.value.trim();
          if (v) body[k] = k === 'emails' || k === 'phones' ? [v] : v;
        }
        try { return await api.post('/api/v1/leads', body); } catch (err) { if (showFieldErrors(err, f)) return false; throw err; }
      } }],
    });
    if (r) {
      const n = (r.duplicates || []).length;
      toast(n ? t('leads.saved_dups', { name: r.name, count: n }) : t('leads.saved', { name: r.name }), n ? 'info' : 'ok');
      load(false);
    }
  }

  await load(false);
}
