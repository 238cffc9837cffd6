// teams: business units (DOMAIN D10) for admins — the team tree with each
// team's parent, manager and members; creating, renaming, moving a team
// under another, choosing its manager, choosing its members (a user belongs
// to one team) and deleting an empty team. A manager sees the records of
// their team and its sub-teams (docs/API.md, Access control).
// API: GET/POST /api/v1/teams, PATCH/DELETE /api/v1/teams/{id} (If-Match),
// GET /api/v1/users, PATCH /api/v1/users/{id} {team_id} (If-Match).
import { h, icon, replace } from '../dom.js';
import { t, compare } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorState, errorText, badge, confirmDialog, empty } from '../ui.js';
import { resetUsers } from '../users.js';

export async function render(ctx) {
  const { main, signal } = ctx;
  let teams = [], users = [];
  const box = h('div', { class: 'table-wrap' });
  // Enabled once the teams are loaded: a dialog opened before would offer no parent team.
  const newBtn = h('button', { type: 'button', class: 'btn btn-primary', disabled: true, on: { click: () => edit(null) } }, icon('plus'), t('teams.new'));
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { text: t('teams.title') }), h('p', { class: 'muted', text: t('teams.subtitle') })),
      h('div', { class: 'head-actions' }, newBtn)),
    box));

  const byId = () => new Map(teams.map((x) => [x.id, x]));
  const userName = (id) => { const u = users.find((x) => x.id === id); return u ? (u.name || u.email) : t('common.user_n', { id }); };
  const teamName = (id) => { const x = teams.find((y) => y.id === id); return x ? x.name : '#' + id; };
  const members = (team) => users.filter((u) => u.team_id === team.id);

  /** Teams in tree order (each parent followed by its sub-teams, names collated), with their depth. */
  function tree() {
    const ids = byId();
    const kids = new Map();
    for (const x of teams) {
      const p = x.parent_id && ids.has(x.parent_id) ? x.parent_id : null;
      if (!kids.has(p)) kids.set(p, []);
      kids.get(p).push(x);
    }
    const out = [], seen = new Set();
    const walk = (p, depth) => {
      for (const x of (kids.get(p) || []).sort((a, b) => compare(a.name, b.name))) {
        if (seen.has(x.id)) continue;             // a cycle made elsewhere is shown once
        seen.add(x.id);
        out.push({ team: x, depth });
        walk(x.id, depth + 1);
      }
    };
    walk(null, 0);
    for (const x of teams) if (!seen.has(x.id)) out.push({ team: x, depth: 0 });
    return out;
  }

  /** The team and every team below it: none of them may become its parent. */
  function subtree(id) {
    const out = new Set([id]);
    for (let grew = true; grew;) {
      grew = false;
      for (const x of teams) if (x.parent_id && out.has(x.parent_id) && !out.has(x.id)) { out.add(x.id); grew = true; }
    }
    return out;
  }

  async function load() {
    try {
      const [tl, ul] = await Promise.all([api.listAll('/api/v1/teams', {}, { signal }), api.listAll('/api/v1/users', {}, { signal })]);
      teams = tl.items;
      users = ul.items;
      newBtn.disabled = false;
      draw();
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
    }
  }

  function draw() {
    if (!teams.length) { replace(box, empty(t('teams.none'))); return; }
    replace(box, h('table', { class: 'table teams-table' },
      h('caption', { class: 'sr-only', text: t('teams.title') }),
      // On a phone the parent column is left out: the indented tree shows it.
      h('thead', {}, h('tr', {}, ['name', 'parent', 'manager', 'members'].map((k) => h('th', { scope: 'col', class: k === 'parent' ? 'hide-sm' : null, text: t('teams.c_' + k) })),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('teams.c_actions') })))),
      h('tbody', {}, tree().map(({ team, depth }) => {
        const m = members(team);
        return h('tr', { dataset: { team: String(team.id) } },
          h('th', { scope: 'row', class: 'team-name', style: { paddingInlineStart: `${12 + depth * 20}px` } },
            depth ? h('span', { class: 'tree-mark', 'aria-hidden': 'true', text: '└ ' }) : null, team.name),
          h('td', { class: 'nowrap hide-sm', text: team.parent_id ? teamName(team.parent_id) : '' }),
          h('td', { class: 'nowrap', text: team.manager_id ? userName(team.manager_id) : '' }),
          h('td', {}, m.length ? h('div', { class: 'team-members' }, m.map((u) => badge(u.name || u.email, u.disabled ? 'red' : 'grey'))) : h('span', { class: 'muted', text: t('teams.no_members') })),
          h('td', { class: 'row-actions nowrap' },
            h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('teams.edit', { name: team.name }), title: t('action.edit'), on: { click: () => edit(team) } }, icon('edit')),
            h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('teams.members_of', { name: team.name }), title: t('teams.c_members'), on: { click: () => chooseMembers(team) } }, icon('customers')),
            h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('teams.delete', { name: team.name }), title: t('action.remove'), on: { click: () => remove(team) } }, icon('close'))));
      }))));
  }

  async function edit(team) {
    const excluded = team ? subtree(team.id) : new Set();
    const f = {
      name: field({ label: t('teams.c_name'), name: 'name', value: team ? team.name : '', required: true, attrs: { maxlength: '200' } }),
      parent: field({ label: t('teams.c_parent'), name: 'parent_id', type: 'select', value: team && team.parent_id ? String(team.parent_id) : '',
        options: [{ value: '', label: t('teams.top_level') }, ...tree().filter(({ team: x }) => !excluded.has(x.id))
          .map(({ team: x, depth }) => ({ value: String(x.id), label: '\u2003'.repeat(depth) + x.name }))],
        hint: team ? t('teams.parent_hint') : null }),
      manager: field({ label: t('teams.c_manager'), name: 'manager_id', type: 'select', value: team && team.manager_id ? String(team.manager_id) : '',
        options: [{ value: '', label: t('common.none') }, ...users.filter((u) => !u.disabled || (team && u.id === team.manager_id))
          .sort((a, b) => compare(a.name || a.email, b.name || b.email))
          .map((u) => ({ value: String(u.id), label: `${u.name || u.email} · ${t('role.' + u.role)}` }))],
        hint: t('teams.manager_hint') }),
    };
    let version = team ? team.version : undefined;
    const r = await dialog({
      title: team ? t('teams.edit', { name: team.name }) : t('teams.new'),
      build: (b) => b.append(f.name.wrap, f.parent.wrap, f.manager.wrap),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: async (close, setError) => {
        const body = {
          name: f.name.input.value.trim(),
          parent_id: f.parent.input.value ? Number(f.parent.input.value) : null,
          manager_id: f.manager.input.value ? Number(f.manager.input.value) : null,
        };
        if (!team) return api.post('/api/v1/teams', body);
        try {
          return await api.patch('/api/v1/teams/' + team.id, body, version);
        } catch (err) {
          if (!api.isConflict(err)) throw err;
          // Someone changed the team meanwhile: say what it is now; saving again overwrites it.
          const latest = await api.get('/api/v1/teams/' + team.id);
          version = latest.version;
          setError(t('teams.conflict', {
            name: latest.name, parent: latest.parent_id ? teamName(latest.parent_id) : t('teams.top_level'),
            manager: latest.manager_id ? userName(latest.manager_id) : t('common.none'),
          }));
          return false;
        }
      } }],
    });
    if (r) { toast(t('teams.saved', { name: r.name })); load(); }
  }

  async function chooseMembers(team) {
    const active = users.filter((u) => !u.disabled || u.team_id === team.id)
      .sort((a, b) => Number(b.team_id === team.id) - Number(a.team_id === team.id) || compare(a.name || a.email, b.name || b.email));
    const boxes = new Map();
    const r = await dialog({
      title: t('teams.members_of', { name: team.name }), wide: true,
      build: (b) => b.append(h('p', { class: 'muted', text: t('teams.members_help') }),
        h('fieldset', { class: 'check-group member-list' }, h('legend', { class: 'sr-only', text: t('teams.c_members') }),
          active.map((u) => {
            const other = u.team_id && u.team_id !== team.id ? t('teams.now_in', { team: teamName(u.team_id) }) : '';
            const f = field({ type: 'checkbox', name: 'member', label: `${u.name || u.email} · ${t('role.' + u.role)}${other ? ' · ' + other : ''}`, value: u.team_id === team.id });
            f.input.dataset.user = String(u.id);
            boxes.set(u.id, f.input);
            return f.wrap;
          }))),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: async () => {
        const changes = active.filter((u) => boxes.get(u.id).checked !== (u.team_id === team.id));
        // One PATCH per moved user (the API has no batch), each with the version read.
        for (const u of changes) {
          const body = { team_id: boxes.get(u.id).checked ? team.id : null };
          try {
            const saved = await api.patch('/api/v1/users/' + u.id, body, u.version);
            Object.assign(u, saved);
          } catch (err) {
            const who = u.name || u.email;
            throw new Error(api.isConflict(err) ? t('teams.member_conflict', { name: who }) : `${who}: ${errorText(err)}`);
          }
        }
        return changes.length;
      } }],
    });
    if (r) toast(t('teams.members_saved', { name: team.name, count: r }));
    resetUsers();
    load();   // also after a cancel: some moves may have been saved before an error
  }

  async function remove(team) {
    const subs = teams.filter((x) => x.parent_id === team.id);
    const m = members(team);
    let parties = 0;
    try {
      parties = (await api.get('/api/v1/parties', { team_id: team.id, limit: 1 }, { signal })).items.length;
    } catch (err) { if (err.name === 'AbortError') return; }
    if (subs.length || m.length || parties) {
      await dialog({
        title: t('teams.delete', { name: team.name }),
        build: (b) => b.append(h('p', { text: t('teams.in_use') }), h('ul', {},
          subs.length ? h('li', { text: t('teams.in_use_teams', { count: subs.length }) }) : null,
          m.length ? h('li', { text: t('teams.in_use_users', { count: m.length }) }) : null,
          parties ? h('li', { text: t('teams.in_use_parties') }) : null)),
        buttons: [{ label: t('action.close'), kind: 'primary', submit: true }],
      });
      return;
    }
    if (!(await confirmDialog(t('teams.delete', { name: team.name }), t('teams.delete_text', { name: team.name }), t('action.remove'), 'danger'))) return;
    try {
      await api.del('/api/v1/teams/' + team.id);
      toast(t('teams.deleted', { name: team.name }));
      load();
    } catch (err) { toast(errorText(err), 'error'); }
  }

  await load();
}
