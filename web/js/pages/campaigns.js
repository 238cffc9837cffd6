// campaigns: relationship-marketing campaigns (DOMAIN D6/D7) — a list with
// status and channel filters, a dialog to add or edit one, and the status
// moves the server's workflow allows from each state (read from
// GET /api/v1/record-types, not copied here). A refused move (409
// invalid_transition, 403 for a role that may not make it) is shown as
// the server words it; nothing changes. A move limited to some roles (only
// a manager or an admin activates) is offered to those roles only.
// API: GET/POST /api/v1/campaigns, PATCH /api/v1/campaigns/{id}, GET /api/v1/record-types.
import { h, icon, replace } from '../dom.js';
import { t, money, toMinor, date } from '../i18n.js';
import * as api from '../api.js';
import { setQuery } from '../router.js';
import { field, dialog, toast, errorState, errorText, badge } from '../ui.js';

const STATUS_COLOUR = { planned: 'grey', active: 'green', completed: 'blue', cancelled: 'red' };
const MOVE_LABEL = { active: 'campaigns.activate', completed: 'campaigns.complete', cancelled: 'campaigns.cancel' };

export async function render(ctx) {
  const { main, query, signal } = ctx;
  let type, rows = [], next = null;
  try {
    type = (await api.get('/api/v1/record-types', undefined, { signal })).types.find((x) => x.type === 'campaign');
  } catch (err) {
    if (err.name !== 'AbortError') main.append(errorState(err));
    return;
  }
  const wf = type.workflow;
  const states = [...new Set(wf.transitions.flatMap((m) => [m.from, m.to]))];
  const channels = (await api.get('/api/v1/openapi.json', undefined, { signal })).components.schemas.Campaign.properties.channel.enum || [];
  const perms = (api.user() && api.user().permissions && api.user().permissions.campaigns) || {};
  const canCreate = perms.create && perms.create !== 'none';
  const canUpdate = perms.update && perms.update !== 'none';
  const state = { status: states.includes(query.get('status')) ? query.get('status') : '', channel: query.get('channel') || '' };
  const statusF = field({ label: t('field.status'), type: 'select', value: state.status, options: [{ value: '', label: t('common.any') }]
    .concat(states.map((s) => ({ value: s, label: t('campaigns.s_' + s) }))) });
  statusF.input.addEventListener('change', () => { state.status = statusF.input.value; reload(); });
  const channelF = field({ label: t('field.channel'), type: 'select', value: state.channel, options: [{ value: '', label: t('common.any') }]
    .concat(channels.map((c) => ({ value: c, label: t('enum.channel.' + c) }))) });
  channelF.input.addEventListener('change', () => { state.channel = channelF.input.value; reload(); });
  const tableBox = h('div', { class: 'table-wrap' });
  const status = h('p', { class: 'list-status muted', role: 'status' });
  const more = h('button', { type: 'button', class: 'btn', text: t('customers.load_more'), on: { click: () => load(true) } });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('campaigns.title') }), h('p', { class: 'muted', text: t('campaigns.subtitle') })),
      canCreate ? h('div', { class: 'head-actions' }, h('button', { type: 'button', class: 'btn btn-primary', on: { click: () => edit(null) } }, icon('plus'), t('campaigns.new'))) : null),
    h('div', { class: 'toolbar' }, statusF.wrap, channelF.wrap),
    tableBox, h('div', { class: 'list-foot' }, status, more)));

  function reload() { setQuery(state); load(false); }

  async function load(older) {
    try {
      const page = await api.get('/api/v1/campaigns', { limit: 50, sort: '-updated_at', status: state.status, channel: state.channel, after: older ? next : undefined }, { signal });
      rows = older ? rows.concat(page.items) : page.items;
      next = page.next;
      draw();
    } catch (err) {
      if (err.name !== 'AbortError') replace(tableBox, errorState(err, () => load(older)));
    }
  }

  // The moves the workflow allows from a campaign's state to this user's
  // role (a move limited to some roles is not offered to the others; the
  // server decides regardless).
  const role = api.user() && api.user().role;
  const movesFrom = (c) => wf.transitions.filter((m) => m.from === c.status && (!m.roles || m.roles.includes(role)));

  function draw() {
    if (!rows.length) { replace(tableBox, h('div', { class: 'empty' }, h('p', { text: t('campaigns.none') }))); }
    else replace(tableBox, h('table', { class: 'table campaigns-table' },
      h('caption', { class: 'sr-only', text: t('campaigns.title') }),
      h('thead', {}, h('tr', {}, ['name', 'channel', 'period', 'budget', 'status'].map((k) => h('th', { scope: 'col', class: k === 'budget' ? 'num' : '', text: t('campaigns.col_' + k) })),
        canUpdate ? h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('action.edit') })) : null)),
      h('tbody', {}, rows.map((c) => h('tr', { dataset: { id: c.id } },
        h('td', {}, h('a', { href: '/campaigns/' + c.id, class: 'name-link name-text', text: c.name }), c.objective ? h('div', { class: 'sub muted', text: c.objective }) : null),
        h('td', { text: c.channel ? t('enum.channel.' + c.channel) : '' }),
        h('td', { text: [c.starts_on, c.ends_on].map((d) => (d ? date(d) : '…')).join(' – ') }),
        h('td', { class: 'num', text: c.budget ? money(c.budget) : '' }),
        h('td', {}, badge(t('campaigns.s_' + c.status), STATUS_COLOUR[c.status] || 'grey')),
        canUpdate ? h('td', { class: 'row-actions' },
          movesFrom(c).map((m) => h('button', { type: 'button', class: 'btn btn-sm', dataset: { move: m.to },
            'aria-label': t(MOVE_LABEL[m.to] || 'campaigns.move', { name: c.name, to: t('campaigns.s_' + m.to) }),
            text: t((MOVE_LABEL[m.to] || 'campaigns.move') + '_short', { to: t('campaigns.s_' + m.to) }), on: { click: () => move(c, m.to) } })),
          h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('campaigns.edit', { name: c.name }), on: { click: () => edit(c) } }, icon('edit'))) : null)))));
    status.textContent = t(next ? 'products.shown_more' : 'products.shown_all', { count: rows.length });
    more.hidden = !next;
  }

  async function move(c, to) {
    try {
      const r = await api.patch('/api/v1/campaigns/' + c.id, { status: to }, c.version);
      toast(t('campaigns.moved', { name: r.name, to: t('campaigns.s_' + to) }));
    } catch (err) {
      toast(errorText(err), 'error');
    }
    load(false);
  }

  async function edit(c) {
    const cur = (c && c.budget && c.budget.currency) || 'CNY';
    const f = {
      name: field({ label: t('field.name'), value: c ? c.name : '', required: true, attrs: { maxlength: '200' } }),
      channel: field({ label: t('field.channel'), type: 'select', value: c ? c.channel || '' : '', options: [{ value: '', label: t('common.none') }]
        .concat(channels.map((x) => ({ value: x, label: t('enum.channel.' + x) }))) }),
      starts_on: field({ label: t('campaigns.starts_on'), type: 'date', value: c ? c.starts_on || '' : '' }),
      ends_on: field({ label: t('campaigns.ends_on'), type: 'date', value: c ? c.ends_on || '' : '' }),
      budget: field({ label: t('campaigns.budget'), value: c && c.budget ? String(c.budget.amount / 100) : '', attrs: { inputmode: 'decimal' }, hint: t('form.amount_hint') }),
      objective: field({ label: t('campaigns.objective'), type: 'textarea', value: c ? c.objective || '' : '' }),
    };
    const r = await dialog({
      title: c ? t('campaigns.edit', { name: c.name }) : t('campaigns.new'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, f.name.wrap, f.channel.wrap, f.starts_on.wrap, f.ends_on.wrap, f.budget.wrap), f.objective.wrap),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const body = { name: f.name.input.value.trim() };
        for (const k of ['channel', 'starts_on', 'ends_on', 'objective']) {
          const v = f[k].input.value.trim();
          if (v || c) body[k] = v || null;
        }
        const bv = f.budget.input.value.trim();
        if (bv) {
          const a = toMinor(bv, cur);
          if (a === null) { f.budget.input.focus(); throw new Error(t('form.amount_invalid')); }
          body.budget = { amount: a, currency: cur };
        } else if (c) body.budget = null;
        return c ? api.patch('/api/v1/campaigns/' + c.id, body, c.version) : api.post('/api/v1/campaigns', body);
      } }],
    });
    if (r) { toast(t('campaigns.saved', { name: r.name })); load(false); }
  }

  await load(false);
}
