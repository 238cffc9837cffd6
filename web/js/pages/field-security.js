// field-security: per role and record type, which fields the role may see
// and change — hidden (absent from every answer), read (shown, not
// changeable) or write (the default). Admins only; administrators always
// see and change everything. The fields listed are those of the record
// types in the server's OpenAPI description. Saving works like the
// permission table: all changed rows in one request, all or nothing, a
// refused row named and focused.
// API: GET /api/v1/permissions (fields), PUT /api/v1/field-permissions
// {changes: [{role, entity, field, access}]}, GET /api/v1/openapi.json (field names).
import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { setQuery } from '../router.js';
import { field, toast, errorState, fieldLabel, nextId } from '../ui.js';
import { choiceSelect, changeList, refusal } from './change-set.js';
import { EDITABLE_ROLES } from './permissions.js';

// Record types with field security: permission entity → OpenAPI schema name.
const ENTITIES = { parties: 'Party', interactions: 'Interaction', transactions: 'Transaction', notes: 'Note', links: 'Link', products: 'Product' };
const ACCESS = ['hidden', 'read', 'write'];
const SYSTEM = new Set(['id', 'created_at', 'updated_at', 'version']);

export async function render(ctx) {
  const { main, query, signal } = ctx;
  let rules, schemas;
  try {
    const [p, doc] = await Promise.all([api.get('/api/v1/permissions', undefined, { signal }), api.get('/api/v1/openapi.json', undefined, { signal })]);
    rules = p.fields;
    schemas = doc.components.schemas;
  } catch (err) {
    if (err.name === 'AbortError') return;
    main.append(errorState(err));
    return;
  }
  let role = EDITABLE_ROLES.includes(query.get('role')) ? query.get('role') : 'sales';
  let entity = ENTITIES[query.get('entity')] ? query.get('entity') : 'parties';
  const changed = new Map();                // "role entity field" → access
  const keyOf = (r, e, f) => `${r} ${e} ${f}`;
  const saved = (r, e, f) => (rules.find((x) => x.role === r && x.entity === e && x.field === f) || { access: 'write' }).access;
  const fieldsOf = (e) => Object.keys((schemas[ENTITIES[e]] || {}).properties || {}).filter((f) => !SYSTEM.has(f));

  const roleField = field({ label: t('settings.role'), name: 'role', type: 'select', value: role,
    options: EDITABLE_ROLES.map((r) => ({ value: r, label: t('role.' + r) })) });
  const entityField = field({ label: t('fsec.entity'), name: 'entity', type: 'select', value: entity,
    options: Object.keys(ENTITIES).map((e) => ({ value: e, label: t('perm.e_' + e) })) });
  for (const f of [roleField, entityField]) f.input.addEventListener('change', () => {
    role = roleField.input.value;
    entity = entityField.input.value;
    setQuery({ role, entity });
    draw();
  });
  const errBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const box = h('div', { class: 'table-wrap' });
  const count = h('span', { class: 'muted small', role: 'status' });
  const saveBtn = h('button', { type: 'button', class: 'btn btn-primary', text: t('action.save'), disabled: true, on: { click: save } });
  const discardBtn = h('button', { type: 'button', class: 'btn', text: t('perm.discard'), disabled: true, on: { click: () => { changed.clear(); errBox.hidden = true; draw(); } } });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { text: t('fsec.title') }), h('p', { class: 'muted', text: t('fsec.subtitle') })),
      h('div', { class: 'head-actions' }, count, discardBtn, saveBtn)),
    h('div', { class: 'toolbar' }, roleField.wrap, entityField.wrap, h('p', { class: 'muted small perm-admin-note', text: t('perm.admin_note') })),
    h('dl', { class: 'perm-legend' }, ACCESS.map((a) => h('div', {}, h('dt', {}, h('span', { class: ['scope', 'access-' + a], text: t('fsec.' + a) })), h('dd', { text: t('fsec.' + a + '_help') })))),
    errBox, box));

  function draw() {
    const names = fieldsOf(entity);
    replace(box, h('table', { class: 'table fsec-table', dataset: { role, entity } },
      h('caption', { class: 'sr-only', text: t('fsec.caption', { role: t('role.' + role), entity: t('perm.e_' + entity) }) }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('fsec.field') }), h('th', { scope: 'col', text: t('fsec.access') }))),
      h('tbody', {}, names.map((f) => {
        const k = keyOf(role, entity, f);
        const value = changed.has(k) ? changed.get(k) : saved(role, entity, f);
        const id = nextId('fsec');
        const sel = choiceSelect({ id, changes: changed, key: k, saved: saved(role, entity, f), value, options: ACCESS,
          optionText: (x) => t('fsec.' + x), prefix: 'access-', cell: 'tr', data: { field: f }, onChange: status });
        return h('tr', { class: changed.has(k) ? 'cell-changed' : '' },
          h('th', { scope: 'row' }, h('label', { for: id, text: fieldLabel(f) }), ' ', h('span', { class: 'mono muted small', text: f })),
          h('td', {}, sel));
      }))));
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
    const list = changeList(changed, 'field', 'access');
    try {
      rules = (await api.request('PUT', '/api/v1/field-permissions', { body: { changes: list } })).fields;
    } catch (err) {
      const { bad, why } = refusal(err, list);
      replace(errBox, icon('alert'), h('span', { text: bad ? t('perm.save_failed', { cell: `${t('role.' + bad.role)} · ${t('perm.e_' + bad.entity)} · ${fieldLabel(bad.field)}`, error: why }) : t('perm.save_failed_all', { error: why }) }));
      errBox.hidden = false;
      status();
      if (!bad) return;
      role = roleField.input.value = bad.role;
      entity = entityField.input.value = bad.entity;
      setQuery({ role, entity });
      draw();
      const sel = box.querySelector(`select[data-field="${bad.field}"]`);
      if (sel) { sel.setAttribute('aria-invalid', 'true'); sel.focus(); }
      return;
    }
    changed.clear();
    draw();
    toast(t('perm.saved', { count: list.length }));
  }

  draw();
}
