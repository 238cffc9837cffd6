// dashboard: what needs doing today and how the customer base is made up.
// The widgets are a registry; each draws itself from the data the page
// loaded once. Counts and breakdowns come from the server in one answer
// (GET /api/v1/aggregates/parties: exact at any size, within the user's
// scope); the task cards from counted interaction lists, following the
// mine / everyone switch; the value analytics (pyramid, lifecycle, RFM,
// equity) from GET /api/v1/analytics/summary. Every number links to the
// list it counts.
import { h, icon, replace } from '../dom.js';
import { t, label, number, dateTime, relative, compare, date, dayEnd, isoUtc, wallParts } from '../i18n.js';
import * as api from '../api.js';
import { VOCAB, channelIcon } from '../vocab.js';
import { card, errorState, spinner, toast, errorText, store, badge } from '../ui.js';
import { drawChart, loadChart } from '../charts.js';
import { navigate } from '../router.js';
import { ensureUsers, userLabel } from '../users.js';
import { analyticsSection } from './analytics-widgets.js';
import { nbaView } from '../nba.js';

const TASKS_KEY = 'rapport.dashboard.tasks';

/** Breakdown charts: field of the party, vocabulary, chart kind, URL filter. */
const BREAKDOWNS = [
  { id: 'roles', title: 'dash.by_role', field: 'roles', vocab: 'role', kind: 'hbar' },
  { id: 'importance', title: 'dash.by_importance', field: 'importance', vocab: 'importance', kind: 'doughnut', colors: ['#d97706', '#1d4ed8', '#94a3b8'] },
  { id: 'relationship_level', title: 'dash.by_relationship', field: 'relationship_level', vocab: 'relationship_level', kind: 'hbar' },
  { id: 'source', title: 'dash.by_source', field: 'source', vocab: 'source', kind: 'hbar', top: 8 },
  { id: 'city', title: 'dash.by_city', field: 'city', kind: 'hbar', top: 8 },
  { id: 'customer_type', title: 'dash.by_customer_type', field: 'customer_type', vocab: 'customer_type', kind: 'doughnut' },
];


export async function render(ctx) {
  const { main, signal } = ctx;
  const u = api.user();
  loadChart().catch(() => { /* each chart reports its own failure */ });   // fetched while the data is
  ensureUsers();
  const kpiBox = h('div', { class: 'kpis' }, spinner());
  const tasksBox = h('div', {}, spinner());
  const worklistBox = h('div', { class: 'worklist' }, spinner());
  const grid = h('div', { class: 'dash-grid' });
  let scope = store.get(TASKS_KEY, 'mine');
  const scopeSeg = h('div', { class: 'seg', role: 'group', 'aria-label': t('tasks.scope') },
    ['mine', 'all'].map((s) => h('button', { type: 'button', class: 'seg-btn', 'aria-pressed': String(s === scope), dataset: { s }, text: t('tasks.scope_' + s),
      on: { click: () => {
        scope = s; store.set(TASKS_KEY, s);
        scopeSeg.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.s === s)));
        loadTasks();
        drawTaskKpis();
      } } })));

  const taskKpis = h('div', { class: 'kpi-pair' });
  const analytics = analyticsSection({ signal });
  const hour = wallParts(new Date()).hour;
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {},
      h('h1', { text: t(hour < 12 ? 'dash.morning' : hour < 18 ? 'dash.afternoon' : 'dash.evening', { name: u.name || u.email }) }),
      h('p', { class: 'muted', text: date(new Date()) }))),
    kpiBox,
    h('div', { class: 'dash-top' },
      card(t('tasks.title'), tasksBox, { actions: scopeSeg, cls: 'card-tasks' }),
      card(t('nba.worklist'), worklistBox, { cls: 'card-worklist' }),
      analytics.equity),
    analytics.grid,
    grid));

  const tasksP = loadTasks();
  loadWorklist();
  const analyticsP = analytics.load();
  let agg;
  try {
    agg = await api.get('/api/v1/aggregates/parties', undefined, { signal });
  } catch (err) {
    if (err.name === 'AbortError') return;
    replace(kpiBox, errorState(err, ctx.refresh));
    await tasksP;
    return;
  }
  const by = agg.by || {};
  const kpi = (key, n, href, tone) => h('a', { class: ['kpi', tone && 'kpi-' + tone], href, dataset: { kpi: key, count: String(n) } },
    h('span', { class: 'kpi-label', text: t('dash.kpi_' + key) }), h('span', { class: 'kpi-value', text: number(n) }));
  kpiBox.replaceChildren(
    kpi('parties', agg.total, '/customers'),
    kpi('customers', (by.roles || {}).customer || 0, '/customers?roles=customer'),
    kpi('prospects', (by.roles || {}).prospect || 0, '/customers?roles=prospect'),
    kpi('vip', (by.importance || {}).vip || 0, '/customers?importance=vip', 'gold'),
    taskKpis);
  drawTaskKpis();

  for (const b of BREAKDOWNS) if (by[b.field]) grid.append(breakdownCard(b, by[b.field]));
  await Promise.all([tasksP, analyticsP]);

  /** The worklist: the caller's next best actions, ranked by the value at stake (issue 20). */
  async function loadWorklist() {
    try {
      const r = await api.get('/api/v1/next-actions', { limit: 8 }, { signal });
      replace(worklistBox, r.items.length ? h('ol', { class: 'nba-list' }, r.items.map((a) => h('li', {}, nbaView(a, { link: true }))))
        : h('p', { class: 'muted', text: t('nba.worklist_empty') }));
    } catch (err) {
      if (err.name !== 'AbortError') replace(worklistBox, errorState(err, loadWorklist));
    }
  }

  /** The overdue and due-today cards: counted by the server for the scope chosen (mine / everyone). */
  async function drawTaskKpis() {
    const now = new Date();
    const base = { status: 'planned', count: 'true', count_limit: 100000, limit: 1 };
    if (scope === 'mine') base.user_id = u.id;
    try {
      const [over, today] = await Promise.all([
        api.get('/api/v1/interactions', { ...base, due_at_to: isoUtc(now) }, { signal }),
        api.get('/api/v1/interactions', { ...base, due_at_from: isoUtc(now), due_at_to: isoUtc(dayEnd(now)) }, { signal }),
      ]);
      const card_ = (key, n, view, tone) => h('a', { class: ['kpi', tone], href: `/tasks?view=${view}&scope=${scope}`, dataset: { kpi: key, count: String(n) } },
        h('span', { class: 'kpi-label', text: t('dash.kpi_' + key) }), h('span', { class: 'kpi-value', text: number(n) }));
      replace(taskKpis, card_('overdue', over.count, 'overdue', over.count ? 'kpi-red' : ''), card_('today', today.count, 'today', ''));
    } catch (err) {
      if (err.name !== 'AbortError') replace(taskKpis, errorState(err));
    }
  }

  async function loadTasks() {
    const now = new Date();
    const q = { status: 'planned', due_at_to: isoUtc(dayEnd(now)), limit: 200 };
    if (scope === 'mine') q.user_id = u.id;
    try {
      const page = await api.get('/api/v1/interactions', q, { signal });
      const items = page.items.filter((x) => x.due_at).sort((a, b) => a.due_at.localeCompare(b.due_at));
      const overdue = items.filter((x) => new Date(x.due_at) < now);
      const today = items.filter((x) => new Date(x.due_at) >= now);
      const [names] = await Promise.all([api.getMany('parties', items.slice(0, 40).map((x) => x.party_id), { signal }), ensureUsers()]);
      drawTasks(overdue, today, names, !!page.next);
      return { overdue, today };
    } catch (err) {
      if (err.name !== 'AbortError') replace(tasksBox, errorState(err, loadTasks));
      return null;
    }
  }

  function drawTasks(overdue, today, names, more) {
    if (!overdue.length && !today.length) { replace(tasksBox, h('div', { class: 'empty small' }, icon('check'), h('p', { text: t('tasks.none') }))); return; }
    const row = (x, late) => {
      const p = names.get(x.party_id);
      return h('li', { class: 'task', dataset: { id: x.id } },
        h('span', { class: ['task-icon', late && 'overdue'], 'aria-hidden': 'true' }, icon(channelIcon(x.channel))),
        h('div', { class: 'task-text' },
          h('div', {}, p ? h('a', { href: '/customers/' + x.party_id, text: p.name }) : h('span', { text: t('network.unknown', { id: x.party_id }) }),
            h('span', { class: 'muted', text: ' · ' + (x.subject || label('channel', x.channel)) })),
          h('div', { class: ['small', late ? 'text-red' : 'muted'] }, h('time', { datetime: x.due_at, title: dateTime(x.due_at), text: late ? relative(x.due_at) : dateTime(x.due_at) }),
            ' · ', label('channel', x.channel), scope === 'all' && x.user_id ? ' · ' + userLabel(x.user_id) : '')),
        h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': t('tasks.mark_done_for', { name: p ? p.name : '#' + x.party_id }), on: { click: async (e) => {
          e.currentTarget.disabled = true;
          try {
            await api.patch('/api/v1/interactions/' + x.id, { status: 'done', occurred_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }, x.version);
            toast(t('tasks.done_ok'));
            loadTasks();
            drawTaskKpis();
          } catch (err) { toast(errorText(err), 'error'); e.currentTarget.disabled = false; }
        } } }, icon('check'), h('span', { class: 'hide-sm', text: t('tasks.mark_done') })));
    };
    replace(tasksBox,
      overdue.length ? h('h3', { class: 'task-group text-red' }, t('tasks.overdue'), ' ', badge(number(overdue.length), 'red')) : null,
      overdue.length ? h('ul', { class: 'tasks', dataset: { group: 'overdue' } }, overdue.map((x) => row(x, true))) : null,
      today.length ? h('h3', { class: 'task-group' }, t('tasks.today'), ' ', badge(number(today.length), 'blue')) : null,
      today.length ? h('ul', { class: 'tasks', dataset: { group: 'today' } }, today.map((x) => row(x, false))) : null,
      more ? h('p', { class: 'muted small', text: t('tasks.more') }) : null);
  }
}

function breakdownCard(b, counts0) {
  const counts = new Map(Object.entries(counts0));
  const fmtCount = (n) => number(n);
  let entries;
  if (b.vocab) {
    entries = VOCAB[b.vocab].map((v) => ({ value: v, label: label(b.vocab, v), count: counts.get(v) || 0 }));
    if (b.top) entries = entries.filter((e) => e.count).sort((x, y) => y.count - x.count).slice(0, b.top);
  }
  else entries = [...counts.entries()].map(([v, n]) => ({ value: v, label: v, count: n }))
    .sort((x, y) => y.count - x.count || compare(x.label, y.label)).slice(0, b.top || 10);
  const filterKey = b.field;
  const hrefOf = (e) => '/customers?' + new URLSearchParams({ [filterKey]: e.value }).toString();
  const canvas = h('canvas', { role: 'img', 'aria-label': t(b.title) + ': ' + entries.map((e) => `${e.label} ${e.count}`).join(', ') });
  const legend = h('ul', { class: 'chart-legend' }, entries.map((e) => h('li', {},
    h('a', { href: hrefOf(e), dataset: { value: e.value, count: String(e.count) } },
      h('span', { class: 'lg-label', text: e.label }), h('span', { class: 'lg-count', text: fmtCount(e.count) })))));
  const el = card(t(b.title), h('div', { class: 'chart-body' }, h('div', { class: ['chart-box', 'chart-' + b.kind] }, canvas), legend), { cls: 'card-chart', id: 'chart-' + b.id });
  el.dataset.chart = b.id;
  if (entries.every((e) => !e.count)) { canvas.parentNode.replaceWith(h('p', { class: 'muted', text: t('dash.no_data') })); return el; }
  requestAnimationFrame(() => drawChart(canvas, b.kind, entries.map((e) => ({ label: e.label, value: e.count })), {
    colors: b.colors, onPick: (i) => navigate(hrefOf(entries[i])),
  }).then(() => el.setAttribute('data-drawn', 'true')).catch((err) => canvas.parentNode.replaceWith(errorState(err))));
  return el;
}
