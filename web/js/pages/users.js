// users: user administration (admins) — the list with role, team and state,
// adding a user with a first password, changing name, role, team, password
// or disabling (which ends their sessions). API: /api/v1/users, and
// /api/v1/teams for the team names (teams are managed on the Teams page).
import { h, icon, replace } from '../dom.js';
import { t, dateTime, compare } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorState, badge } from '../ui.js';
import { resetUsers } from '../users.js';

const ROLES = ['admin', 'manager', 'sales', 'service', 'marketing', 'read_only'];

export async function render(ctx) {
  const { main, signal } = ctx;
  const box = h('div', { class: 'table-wrap' });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { text: t('users.title') }), h('p', { class: 'muted', text: t('users.subtitle') })),
      h('div', { class: 'head-actions' }, h('button', { type: 'button', class: 'btn btn-primary', on: { click: () => edit(null) } }, icon('plus'), t('users.new')))),
    box));

  let teams = [];
  const teamName = (id) => { const x = teams.find((y) => y.id === id); return x ? x.name : '#' + id; };

  async function load() {
    try {
      const [{ items }, tl] = await Promise.all([api.listAll('/api/v1/users', {}, { signal }), api.listAll('/api/v1/teams', {}, { signal })]);
      teams = tl.items.sort((a, b) => compare(a.name, b.name));
      items.sort((a, b) => Number(a.disabled) - Number(b.disabled) || compare(a.name || a.email, b.name || b.email));
      replace(box, h('table', { class: 'table' },
        h('caption', { class: 'sr-only', text: t('users.title') }),
        h('thead', {}, h('tr', {}, ['name', 'email', 'role', 'team', 'state', 'updated'].map((k) => h('th', { scope: 'col', text: t('users.c_' + k) })),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('action.edit') })))),
        h('tbody', {}, items.map((u) => h('tr', { class: u.disabled ? 'row-disabled' : '' },
          h('td', { class: 'name-text', text: u.name || '' }),
          h('td', { text: u.email }),
          h('td', {}, badge(t('role.' + u.role), u.role === 'admin' ? 'purple' : 'grey')),
          h('td', { text: u.team_id ? teamName(u.team_id) : '' }),
          h('td', {}, u.disabled ? badge(t('users.disabled'), 'red') : badge(t('users.active'), 'green')),
          h('td', { class: 'muted', text: dateTime(u.updated_at) }),
          h('td', { class: 'row-actions' }, h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('users.edit', { name: u.name || u.email }), on: { click: () => edit(u) } }, icon('edit'))))))));
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
    }
  }

  async function edit(u) {
    const f = {
      email: u ? null : field({ label: t('login.email'), type: 'email', required: true, autocomplete: 'off' }),
      name: field({ label: t('settings.name'), value: u ? u.name : '', required: true }),
      role: field({ label: t('settings.role'), type: 'select', value: u ? u.role : 'sales', options: ROLES.map((r) => ({ value: r, label: t('role.' + r) })) }),
      team: field({ label: t('users.c_team'), type: 'select', value: u && u.team_id ? String(u.team_id) : '',
        options: [{ value: '', label: t('common.none') }, ...teams.map((x) => ({ value: String(x.id), label: x.name }))] }),
      password: field({ label: u ? t('users.new_password') : t('login.password'), type: 'password', required: !u, autocomplete: 'new-password', hint: t('users.password_hint') }),
      disabled: u ? field({ label: t('users.disable'), type: 'checkbox', value: u.disabled }) : null,
    };
    const r = await dialog({
      title: u ? t('users.edit', { name: u.name || u.email }) : t('users.new'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, f.email ? f.email.wrap : null, f.name.wrap, f.role.wrap, f.team.wrap, f.password.wrap), ...(f.disabled ? [f.disabled.wrap] : [])),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const body = { name: f.name.input.value.trim(), role: f.role.input.value };
        const team = f.team.input.value.trim();
        if (team || (u && u.team_id)) body.team_id = team ? Number(team) : null;
        if (f.password.input.value) body.password = f.password.input.value;
        if (!u) { body.email = f.email.input.value.trim(); return api.post('/api/v1/users', body); }
        body.disabled = f.disabled.input.checked;
        return api.patch('/api/v1/users/' + u.id, body, u.version);
      } }],
    });
    if (r) { toast(t('users.saved', { name: r.name || r.email })); resetUsers(); load(); }
  }

  await load();
}
