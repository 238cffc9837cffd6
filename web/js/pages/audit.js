// audit: the audit trail (GET /api/v1/audit, admins) — who changed what and
// when, newest first, filtered by entity, action and user, paged with the
// server's `before` cursor.
import { h, replace } from '../dom.js';
import { t, dateTime, has } from '../i18n.js';
import { showValue } from '../values.js';
import * as api from '../api.js';
import { setQuery } from '../router.js';
import { field, errorState, badge, fieldLabel } from '../ui.js';
import { ensureUsers, userLabel, userList } from '../users.js';

const ENTITIES = ['party', 'interaction', 'transaction', 'note', 'link', 'product', 'user', 'session', 'import'];

export async function render(ctx) {
  const { main, query, signal } = ctx;
  await ensureUsers();
  const state = { entity: query.get('entity') || '', action: query.get('action') || '', user_id: query.get('user_id') || '' };
  let rows = [], next = null;
  const entity = field({ label: t('audit.entity'), type: 'select', value: state.entity,
    options: [{ value: '', label: t('common.any') }, ...ENTITIES.map((e) => ({ value: e, label: t('entity.' + e) }))] });
  const ACTIONS = ['create', 'update', 'delete', 'merge', 'transfer', 'share', 'login', 'login_failed', 'logout', 'permission_change', 'export', 'segment_move', 'undo'];
  const action = field({ label: t('audit.action'), type: 'select', value: state.action,
    options: [{ value: '', label: t('common.any') }, ...ACTIONS.map((a) => ({ value: a, label: actionText(a) })),
      ...(state.action && !ACTIONS.includes(state.action) ? [{ value: state.action, label: actionText(state.action) }] : [])] });
  const user = field({ label: t('field.user_id'), type: 'select', value: state.user_id,
    options: [{ value: '', label: t('common.anyone') }, ...userList().map((u) => ({ value: String(u.id), label: u.name || u.email }))] });
  for (const [k, f] of [['entity', entity], ['action', action], ['user_id', user]]) {
    f.input.addEventListener('change', () => { state[k] = f.input.value.trim(); setQuery(state); load(false); });
  }
  const box = h('div', { class: 'table-wrap' });
  const more = h('button', { type: 'button', class: 'btn', text: t('customers.load_more'), on: { click: () => load(true) } });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('audit.title') }), h('p', { class: 'muted', text: t('audit.subtitle') }))),
    h('div', { class: 'toolbar' }, entity.wrap, action.wrap, user.wrap), box, h('div', { class: 'list-foot' }, h('span'), more)));

  async function load(older) {
    try {
      const page = await api.get('/api/v1/audit', { ...state, limit: 100, before: older ? next : undefined }, { signal });
      rows = older ? rows.concat(page.items) : page.items;
      next = page.next;
      draw();
    } catch (err) { if (err.name !== 'AbortError') replace(box, errorState(err, () => load(older))); }
  }

  function draw() {
    more.hidden = !next;
    if (!rows.length) { replace(box, h('div', { class: 'empty' }, h('p', { text: t('audit.none') }))); return; }
    replace(box, h('table', { class: 'table table-compact' },
      h('caption', { class: 'sr-only', text: t('audit.title') }),
      h('thead', {}, h('tr', {}, ['at', 'user', 'action', 'record', 'changes', 'address'].map((k) => h('th', { scope: 'col', text: t('audit.c_' + k) })))),
      h('tbody', {}, rows.map((a) => h('tr', {},
        h('td', { class: 'nowrap' }, h('time', { datetime: a.at, text: dateTime(a.at) })),
        h('td', { text: a.user_id ? userLabel(a.user_id) : '—' }),
        h('td', {}, badge(actionText(a.action), /delete|fail|undo|revoke/.test(a.action) ? 'red' : a.action === 'create' ? 'green' : 'grey')),
        h('td', {}, a.party_id ? h('a', { href: '/customers/' + a.party_id, text: `${t('entity.' + a.entity)} #${a.entity_id}` }) : `${t('entity.' + a.entity)} #${a.entity_id}`),
        h('td', { class: 'audit-changes', text: changesText(a.changes) }),
        h('td', { class: 'muted', text: a.address || '' }))))));
  }

  await load(false);
}

function changesText(c) {
  if (!c || typeof c !== 'object') return '';
  const empty = (x) => x === null || x === undefined || x === '' || (Array.isArray(x) && !x.length) || (typeof x === 'object' && !Array.isArray(x) && x && !Object.keys(x).length);
  return Object.entries(c).filter(([, v]) => !(Array.isArray(v) && v.length === 2 && empty(v[0]) && empty(v[1]))).slice(0, 6).map(([k, v]) => {
    const text = Array.isArray(v) && v.length === 2 ? `${showValue(k, v[0], 60)} → ${showValue(k, v[1], 60)}` : showValue(k, v, 60);
    return `${fieldLabel(k)}: ${text}`;
  }).join('; ');
}

/** The label of an audit action (the code itself when the catalogue has none). */
function actionText(a) {
  return has('audit.act.' + a) ? t('audit.act.' + a) : a;
}
