// cases: the case queue (issue 19) — mine, my team's, breaching soon (open
// cases whose resolution is due within four hours, soonest first) or all,
// by kind, priority and status, each with its SLA clock; and a dialog to
// open a case for a customer. API: GET/POST /api/v1/cases,
// GET /api/v1/users/{me} (my team), GET /api/v1/parties (the picker).
import { h, icon, replace } from '../dom.js';
import { t, isoUtc } from '../i18n.js';
import * as api from '../api.js';
import { setQuery, navigate } from '../router.js';
import { field, dialog, toast, errorState } from '../ui.js';
import { partyPicker } from './party-picker.js';
import { KINDS, PRIORITIES, STATUSES, priorityBadge, statusBadge, clockEl } from './service-common.js';

const VIEWS = ['mine', 'team', 'breaching', 'all'];

export async function render(ctx) {
  const { main, query, signal } = ctx;
  const me = api.user();
  const perms = (me && me.permissions && me.permissions.cases) || {};
  let team = null;
  try { team = (await api.get('/api/v1/users/' + me.id, undefined, { signal })).team_id || null; } catch (e) { team = null; }
  const state = {
    view: VIEWS.includes(query.get('view')) ? query.get('view') : 'mine',
    kind: query.get('kind') || '', priority: query.get('priority') || '', status: query.get('status') || '',
  };
  let rows = [], next = null;
  const select = (name, values, prefix) => {
    const f = field({ label: t('service.f_' + name), type: 'select', value: state[name],
      options: (name === 'view' ? [] : [{ value: '', label: t('common.any') }]).concat(values.map((v) => ({ value: v, label: t(prefix + v) }))) });
    f.input.addEventListener('change', () => { state[name] = f.input.value; setQuery(state); load(false); });
    return f.wrap;
  };
  const tableBox = h('div', { class: 'table-wrap' });
  const status = h('p', { class: 'list-status muted', role: 'status' });
  const more = h('button', { type: 'button', class: 'btn', text: t('customers.load_more'), on: { click: () => load(true) } });
  const canCreate = perms.create && perms.create !== 'none';
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('service.queue_title') }), h('p', { class: 'muted', text: t('service.queue_subtitle') })),
      canCreate ? h('div', { class: 'head-actions' }, h('button', { type: 'button', class: 'btn btn-primary', on: { click: create } }, icon('plus'), t('service.new_case'))) : null),
    h('div', { class: 'toolbar' }, select('view', VIEWS, 'service.v_'), select('kind', KINDS, 'service.k_'), select('priority', PRIORITIES, 'service.p_'),
      select('status', STATUSES, 'service.s_')),
    tableBox, h('div', { class: 'list-foot' }, status, more)));

  function params(older) {
    const q = { limit: 50, kind: state.kind, priority: state.priority, status: state.status, after: older ? next : undefined, sort: '-id' };
    if (state.view === 'mine') q.owner_id = me.id;
    if (state.view === 'team') q.team_id = team || -1;
    if (state.view === 'breaching') {
      q.status = state.status || 'open';
      q.resolution_due_at_to = isoUtc(Date.now() + 4 * 3600e3);
      q.sort = 'resolution_due_at';
    }
    return q;
  }

  async function load(older) {
    try {
      const page = await api.get('/api/v1/cases', params(older), { signal });
      rows = older ? rows.concat(page.items) : page.items;
      next = page.next;
      draw();
    } catch (err) {
      if (err.name !== 'AbortError') replace(tableBox, errorState(err, () => load(older)));
    }
  }

  function draw() {
    if (!rows.length) replace(tableBox, h('div', { class: 'empty' }, h('p', { text: t('service.none') })));
    else replace(tableBox, h('table', { class: 'table cases-table' },
      h('caption', { class: 'sr-only', text: t('service.queue_title') }),
      h('thead', {}, h('tr', {}, ['subject', 'kind', 'priority', 'status', 'clock'].map((k) => h('th', { scope: 'col', text: t('service.col_' + k) })))),
      h('tbody', {}, rows.map((c) => h('tr', { dataset: { id: c.id } },
        h('td', {}, h('a', { href: '/cases/' + c.id, class: 'name-text', text: c.subject }), h('div', { class: 'sub muted', text: '#' + c.id + (c.category ? ' · ' + c.category : '') })),
        h('td', { text: t('service.k_' + c.kind) }),
        h('td', {}, priorityBadge(c.priority)),
        h('td', {}, statusBadge(c.status)),
        h('td', {}, clockEl(c)))))));
    status.textContent = t(next ? 'products.shown_more' : 'products.shown_all', { count: rows.length });
    more.hidden = !next;
  }

  async function create() {
    const picker = partyPicker({ labelText: t('service.customer') });
    const f = {
      subject: field({ label: t('service.col_subject'), required: true, attrs: { maxlength: '300' } }),
      kind: field({ label: t('service.col_kind'), type: 'select', value: 'question', options: KINDS.map((k) => ({ value: k, label: t('service.k_' + k) })) }),
      priority: field({ label: t('service.col_priority'), type: 'select', value: 'normal', options: PRIORITIES.map((k) => ({ value: k, label: t('service.p_' + k) })) }),
      category: field({ label: t('field.category'), attrs: { maxlength: '100' } }),
      description: field({ label: t('service.description'), type: 'textarea' }),
    };
    const r = await dialog({
      title: t('service.new_case'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, f.subject.wrap, f.kind.wrap, f.priority.wrap, f.category.wrap), picker.el, f.description.wrap),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const party = picker.value();
        if (!party) throw new Error(t('service.choose_customer'));
        const body = { subject: f.subject.input.value.trim(), kind: f.kind.input.value, priority: f.priority.input.value, party_id: party.id };
        if (team) body.team_id = team;
        for (const k of ['category', 'description']) if (f[k].input.value.trim()) body[k] = f[k].input.value.trim();
        return api.post('/api/v1/cases', body);
      } }],
    });
    if (r) { toast(t('service.case_saved', { name: r.subject })); navigate('/cases/' + r.id); }
  }

  await load(false);
}
