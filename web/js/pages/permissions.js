// permissions: roles and permissions for admins — for one role at a time,
// the entity × action table of record scopes (none / own / team / all).
// Changed cells are marked; "Save" sends them all in one request, which the
// server applies all or nothing; a refused cell is named and focused.
// Administrators always have every permission (the server refuses to change
// them), so admin is not listed.
// The entities and actions are the server's (GET /api/v1/record-types: every
// record type of its registry, then the entities that are not records), so
// a new record type shows here without a change to this page.
// API: GET /api/v1/permissions, GET /api/v1/record-types, PUT /api/v1/permissions {changes: [{role, entity, action, scope}]}.
import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { setQuery } from '../router.js';
import { field, toast, errorState, nextId } from '../ui.js';
import { choiceSelect, changeList, refusal } from './change-set.js';

export const EDITABLE_ROLES = ['manager', 'sales', 'service', 'marketing', 'read_only'];
const SCOPES = ['none', 'own', 'team', 'all'];

export async function render(ctx) {
  const { main, query, signal } = ctx;
  let table, ENTITIES, ACTIONS;
  try {
    const [p, reg] = await Promise.all([api.get('/api/v1/permissions', undefined, { signal }), api.get('/api/v1/record-types', undefined, { signal })]);
    table = p.roles;
    ENTITIES = reg.entities;
    ACTIONS = reg.actions;
  } catch (err) {
    if (err.name === 'AbortError') return;
    main.append(errorState(err));
    return;
  }
  let role = EDITABLE_ROLES.includes(query.get('role')) ? query.get('role') : 'sales';
  const changed = new Map();               // "role entity action" → scope
  const keyOf = (r, e, a) => `${r} ${e} ${a}`;
  const saved = (r, e, a) => (table[r] && table[r][e] && table[r][e][a]) || 'none';

  const roleField = field({ label: t('settings.role'), name: 'role', type: 'select', value: role,
    options: EDITABLE_ROLES.map((r) => ({ value: r, label: t('role.' + r) })) });
  roleField.input.addEventListener('change', () => { role = roleField.input.value; setQuery({ role }); draw(); });
  const errBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const box = h('div', { class: 'table-wrap' });
  const count = h('span', { class: 'muted small', role: 'status' });
  const saveBtn = h('button', { type: 'button', class: 'btn btn-primary', text: t('action.save'), disabled: true, on: { click: save } });
  const discardBtn = h('button', { type: 'button', class: 'btn', text: t('perm.discard'), disabled: true, on: { click: () => { changed.clear(); errBox.hidden = true; draw(); } } });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { text: t('perm.title') }), h('p', { class: 'muted', text: t('perm.subtitle') })),
      h('div', { class: 'head-actions' }, count, discardBtn, saveBtn)),
    h('div', { class: 'toolbar' }, roleField.wrap, h('p', { class: 'muted small perm-admin-note', text: t('perm.admin_note') })),
    h('dl', { class: 'perm-legend' }, SCOPES.map((s) => h('div', {}, h('dt', {}, h('span', { class: ['scope', 'scope-' + s], text: t('perm.s_' + s) })), h('dd', { text: t('perm.s_' + s + '_help') })))),
    errBox, box));

  function draw() {
    replace(box, h('table', { class: 'table perm-table', dataset: { role } },
      h('caption', { class: 'sr-only', text: t('perm.caption', { role: t('role.' + role) }) }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('perm.entity') }), ACTIONS.map((a) => h('th', { scope: 'col', text: t('perm.a_' + a) })))),
      h('tbody', {}, ENTITIES.map((e) => h('tr', {},
        h('th', { scope: 'row', text: t('perm.e_' + e) }),
        ACTIONS.map((a) => {
          const k = keyOf(role, e, a);
          const value = changed.has(k) ? changed.get(k) : saved(role, e, a);
          const id = nextId('perm');
          const sel = choiceSelect({ id, changes: changed, key: k, saved: saved(role, e, a), value, options: SCOPES,
            optionText: (x) => t('perm.s_' + x), prefix: 'scope-', cell: 'td', data: { entity: e, action: a }, onChange: status });
          return h('td', { class: changed.has(k) ? 'cell-changed' : '' },
            h('label', { for: id, class: 'sr-only', text: `${t('perm.e_' + e)} · ${t('perm.a_' + a)}` }), sel);
        }))))));
    status();
  }

  function status() {
    count.textContent = changed.size ? t('perm.unsaved', { count: changed.size }) : '';
    saveBtn.disabled = discardBtn.disabled = !changed.size;
  }

  // One request for all the changes: the server applies them in one
  // transaction, all or nothing, and names a refused one as changes[i].
  async function save() {
    saveBtn.disabled = true;
    errBox.hidden = true;
    const list = changeList(changed, 'action', 'scope');
    try {
      table = (await api.request('PUT', '/api/v1/permissions', { body: { changes: list } })).roles;
    } catch (err) {
      const { bad, why } = refusal(err, list);
      replace(errBox, icon('alert'), h('span', { text: bad ? t('perm.save_failed', { cell: `${t('role.' + bad.role)} · ${t('perm.e_' + bad.entity)} · ${t('perm.a_' + bad.action)}`, error: why }) : t('perm.save_failed_all', { error: why }) }));
      errBox.hidden = false;
      status();
      if (!bad) return;
      if (bad.role !== role) { role = roleField.input.value = bad.role; setQuery({ role }); }
      draw();
      const sel = box.querySelector(`select[data-entity="${bad.entity}"][data-action="${bad.action}"]`);
      if (sel) { sel.setAttribute('aria-invalid', 'true'); sel.focus(); }
      return;
    }
    changed.clear();
    draw();
    toast(t('perm.saved', { count: list.length }));
  }

  draw();
}
