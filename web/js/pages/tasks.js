// tasks: the planned interactions (follow-ups) — a list (overdue, today, a
// day, a week) and a calendar (day / week / month) — for me, my team or
// everyone, filtered by channel and by the customer's pyramid tier. Days
// are the company's (GET /api/v1/settings/time-zone). In the calendar a
// task is dragged to another day (its time of day kept; PATCH with the
// version read) and opened with a click (move, reassign, cancel, done).
// The state lives in the URL: ?mode=list|calendar&view=overdue|today|day|week
// |month&date=YYYY-MM-DD&scope=mine|team|all&channel=&tier=.
import { h, icon, replace } from '../dom.js';
import { t, label, number, dateTime, time, relative, dayKey, addDays, dayStart, dayEnd, isoUtc, dateFmt, wallParts, fromWall } from '../i18n.js';
import * as api from '../api.js';
import { setQuery } from '../router.js';
import { VOCAB, channelIcon } from '../vocab.js';
import { field, vocabOptions, toast, errorText, errorState, spinner, badge, empty } from '../ui.js';
import { ensureUsers, userLabel, userList } from '../users.js';
import { interactionDialog } from './activity.js';
import { costVisible } from './customers.js';

const MAX = 2000;          // tasks loaded for one view
const MODES = ['list', 'calendar'];
const LIST_VIEWS = ['overdue', 'today', 'day', 'week'];
const CAL_VIEWS = ['day', 'week', 'month'];
const SCOPES = ['mine', 'team', 'all'];

export async function render(ctx) {
  const { main, query, signal } = ctx;
  await ensureUsers();
  const me = api.user();
  const st = {
    mode: MODES.includes(query.get('mode')) ? query.get('mode') : 'list',
    view: query.get('view') || '',
    date: /^\d{4}-\d{2}-\d{2}$/.test(query.get('date') || '') ? query.get('date') : dayKey(),
    scope: SCOPES.includes(query.get('scope')) ? query.get('scope') : 'mine',
    channel: VOCAB.channel.includes(query.get('channel')) ? query.get('channel') : '',
    tier: VOCAB.tier.includes(query.get('tier')) ? query.get('tier') : '',
  };
  const views = () => (st.mode === 'list' ? LIST_VIEWS : CAL_VIEWS);
  if (!views().includes(st.view)) st.view = st.mode === 'list' ? 'overdue' : 'week';
  const costs = await costVisible();
  if (!costs) st.tier = '';
  const canWrite = me.role !== 'read_only';

  const seg = (name, values, keyOf) => {
    const el = h('div', { class: 'seg', role: 'group', 'aria-label': t('tasks.' + name) });
    const draw = () => replace(el, values().map((v) => h('button', { type: 'button', class: 'seg-btn', 'aria-pressed': String(st[name] === v), dataset: { v },
      text: t(keyOf(v)), on: { click: () => { st[name] = v; if (name === 'mode') st.view = st.mode === 'list' ? 'overdue' : 'week'; drawControls(); load(); } } })));
    draw();
    el.redraw = draw;
    return el;
  };
  const modeSeg = seg('mode', () => MODES, (v) => 'tasks.mode_' + v);
  const viewSeg = seg('view', views, (v) => 'tasks.view_' + v);
  const scopeSeg = seg('scope', () => SCOPES, (v) => 'tasks.scope_' + v);
  const channel = field({ label: t('field.channel'), name: 'channel', type: 'select', value: st.channel, options: vocabOptions('channel', VOCAB.channel, t('common.any')) });
  channel.input.addEventListener('change', () => { st.channel = channel.input.value; load(); });
  const tier = costs ? field({ label: t('tasks.tier'), name: 'tier', type: 'select', value: st.tier, options: vocabOptions('tier', VOCAB.tier, t('common.any')) }) : null;
  if (tier) tier.input.addEventListener('change', () => { st.tier = tier.input.value; load(); });
  const day = field({ label: t('tasks.date'), name: 'date', type: 'date', value: st.date });
  day.input.addEventListener('change', () => { if (day.input.value) { st.date = day.input.value; load(); } });
  const step = (n) => () => {
    const unit = st.view === 'month' ? 0 : st.view === 'week' ? 7 : 1;
    if (unit) st.date = addDays(st.date, n * unit);
    else { const [y, m] = st.date.split('-').map(Number); const d = new Date(Date.UTC(y, m - 1 + n, 1)); st.date = d.toISOString().slice(0, 10); }
    day.input.value = st.date;
    load();
  };
  const prev = h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': t('tasks.prev'), on: { click: step(-1) } }, '‹');
  const next = h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': t('tasks.next'), on: { click: step(1) } }, '›');
  const todayBtn = h('button', { type: 'button', class: 'btn btn-sm', text: t('tasks.today_btn'), on: { click: () => { st.date = dayKey(); day.input.value = st.date; load(); } } });
  const dateBox = h('div', { class: 'task-dates' }, prev, day.wrap, next, todayBtn);
  const heading = h('h2', { class: 'task-range' });
  const count = h('p', { class: 'muted match-count', 'aria-live': 'polite' });
  const body = h('div', { class: 'tasks-body' });

  function drawControls() {
    modeSeg.redraw(); viewSeg.redraw(); scopeSeg.redraw();
    dateBox.hidden = st.view === 'overdue' || st.view === 'today';
  }

  main.append(h('div', { class: 'page page-tasks' },
    h('div', { class: 'page-head' }, h('h1', { text: t('nav.tasks') })),
    h('div', { class: 'toolbar tasks-toolbar' }, modeSeg, viewSeg, scopeSeg, channel.wrap, tier ? tier.wrap : null),
    dateBox, heading, count, body));
  drawControls();

  /** The [from, to] instants of the current view, in the company's days. */
  function range() {
    if (st.view === 'overdue') return [null, new Date()];
    if (st.view === 'today') return [dayStart(dayKey()), dayEnd(dayKey())];
    if (st.view === 'day') return [dayStart(st.date), dayEnd(st.date)];
    if (st.view === 'week') { const first = weekStart(st.date); return [dayStart(first), dayEnd(addDays(first, 6))]; }
    const first = monthGridStart(st.date);
    return [dayStart(first), dayEnd(addDays(first, 41))];
  }

  let seq = 0;
  async function load() {
    const my = ++seq;
    setQuery({ mode: st.mode === 'list' ? '' : st.mode, view: st.view, date: st.view === 'overdue' || st.view === 'today' ? '' : st.date,
      scope: st.scope === 'mine' ? '' : st.scope, channel: st.channel, tier: st.tier });
    replace(body, spinner());
    const [from, to] = range();
    const q = { status: 'planned', due_at_to: isoUtc(to) };
    if (from) q.due_at_from = isoUtc(from);
    if (st.channel) q.channel = st.channel;
    if (st.scope === 'mine') q.user_id = me.id;
    try {
      const [{ items, complete }, tierIds] = await Promise.all([
        api.listAll('/api/v1/interactions', q, { maxItems: MAX, signal }),
        st.tier ? api.listAll('/api/v1/parties', { tier: st.tier }, { maxItems: 20000, signal }).then((r) => new Set(r.items.map((p) => p.id))) : null,
      ]);
      let tasks = items.filter((x) => x.due_at);
      if (st.scope === 'team') {
        const team = new Set(userList().filter((x) => x.team_id && x.team_id === me.team_id).map((x) => x.id));
        team.add(me.id);
        tasks = tasks.filter((x) => team.has(x.user_id));
      }
      if (tierIds) tasks = tasks.filter((x) => tierIds.has(x.party_id));
      tasks.sort((a, b) => a.due_at.localeCompare(b.due_at) || a.id - b.id);
      const names = await api.getMany('parties', tasks.slice(0, 300).map((x) => x.party_id), { signal });
      if (my !== seq) return;
      count.dataset.count = String(tasks.length);
      count.textContent = t('tasks.count', { count: tasks.length }) + (complete ? '' : ' ' + t('tasks.capped', { count: MAX }));
      heading.textContent = rangeTitle();
      if (st.mode === 'list') drawList(tasks, names);
      else drawCalendar(tasks, names);
    } catch (err) {
      if (err.name !== 'AbortError') replace(body, errorState(err, load));
    }
  }

  function rangeTitle() {
    if (st.view === 'overdue') return t('tasks.overdue');
    if (st.view === 'today') return t('tasks.today') + ' · ' + dateFmt({ dateStyle: 'full' }).format(dayStart(dayKey()));
    if (st.view === 'day') return dateFmt({ dateStyle: 'full' }).format(dayStart(st.date));
    if (st.view === 'week') {
      const first = weekStart(st.date);
      return t('tasks.week_of', { from: dateFmt({ dateStyle: 'medium' }).format(dayStart(first)), to: dateFmt({ dateStyle: 'medium' }).format(dayStart(addDays(first, 6))) });
    }
    return dateFmt({ year: 'numeric', month: 'long' }).format(dayStart(st.date.slice(0, 8) + '15'));
  }

  const partyName = (x, names) => { const p = names.get(x.party_id); return p ? p.name : t('network.unknown', { id: x.party_id }); };

  async function open(x, names) {
    const saved = await interactionDialog({ party: names.get(x.party_id) || { id: x.party_id, name: partyName(x, names) }, item: x });
    if (saved) load();
  }

  async function markDone(x) {
    try {
      await api.patch('/api/v1/interactions/' + x.id, { status: 'done', occurred_at: isoUtc(new Date()) }, x.version);
      toast(t('tasks.done_ok'));
      load();
    } catch (err) { toast(errorText(err), 'error'); }
  }

  function drawList(tasks, names) {
    if (!tasks.length) { replace(body, empty(t('tasks.none_here'))); return; }
    const now = Date.now();
    const groups = new Map();
    for (const x of tasks) {
      const k = dayKey(x.due_at);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(x);
    }
    replace(body, [...groups.entries()].map(([k, xs]) => h('section', { class: 'task-day', dataset: { day: k } },
      h('h3', { class: 'task-group' }, dateFmt({ weekday: 'short', month: 'short', day: 'numeric' }).format(dayStart(k)), ' ', badge(number(xs.length), 'blue')),
      h('ul', { class: 'tasks' }, xs.map((x) => {
        const late = new Date(x.due_at).getTime() < now;
        return h('li', { class: 'task', dataset: { id: x.id } },
          h('span', { class: ['task-icon', late && 'overdue'], 'aria-hidden': 'true' }, icon(channelIcon(x.channel))),
          h('div', { class: 'task-text' },
            h('div', {}, h('a', { href: '/customers/' + x.party_id, text: partyName(x, names) }),
              h('span', { class: 'muted', text: ' · ' + (x.subject || label('channel', x.channel)) })),
            h('div', { class: ['small', late ? 'text-red' : 'muted'] },
              h('time', { datetime: x.due_at, title: dateTime(x.due_at), text: late ? `${dateTime(x.due_at)} (${relative(x.due_at)})` : time(x.due_at) }),
              ' · ', label('channel', x.channel), x.user_id !== me.id ? ' · ' + userLabel(x.user_id) : '')),
          canWrite ? h('div', { class: 'task-actions' },
            h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': t('tasks.open_for', { name: partyName(x, names) }), on: { click: () => open(x, names) } }, icon('edit'), h('span', { class: 'hide-sm', text: t('tasks.open') })),
            h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': t('tasks.mark_done_for', { name: partyName(x, names) }), on: { click: () => markDone(x) } }, icon('check'), h('span', { class: 'hide-sm', text: t('tasks.mark_done') }))) : null);
      })))));
  }

  function drawCalendar(tasks, names) {
    const [from] = range();
    const first = dayKey(from);
    const n = st.view === 'day' ? 1 : st.view === 'week' ? 7 : 42;
    const byDay = new Map();
    for (const x of tasks) { const k = dayKey(x.due_at); if (!byDay.has(k)) byDay.set(k, []); byDay.get(k).push(x); }
    const today = dayKey();
    const month = st.date.slice(0, 7);
    const cells = [];
    for (let i = 0; i < n; i++) {
      const k = addDays(first, i);
      const xs = byDay.get(k) || [];
      const cell = h('div', { class: ['cal-day', k === today && 'cal-today', st.view === 'month' && k.slice(0, 7) !== month && 'cal-out'], dataset: { day: k }, role: 'listitem' },
        h('div', { class: 'cal-date', text: dateFmt(st.view === 'month' ? { day: 'numeric' } : { weekday: 'short', month: 'numeric', day: 'numeric' }).format(dayStart(k)) }),
        h('ul', { class: 'cal-tasks', 'aria-label': dateFmt({ dateStyle: 'full' }).format(dayStart(k)) }, xs.map((x) => h('li', {},
          h('button', { type: 'button', class: ['cal-task', new Date(x.due_at) < new Date() && 'overdue'], draggable: canWrite ? 'true' : 'false', dataset: { id: x.id },
            title: `${partyName(x, names)} · ${x.subject || label('channel', x.channel)} · ${dateTime(x.due_at)}`,
            on: { click: () => open(x, names), dragstart: (e) => { e.dataTransfer.setData('text/plain', String(x.id)); e.dataTransfer.effectAllowed = 'move'; } } },
          icon(channelIcon(x.channel)), h('span', { class: 'cal-time', text: time(x.due_at) }), h('span', { class: 'cal-name', text: partyName(x, names) }))))));
      if (canWrite) {
        cell.addEventListener('dragover', (e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; cell.classList.add('cal-drop'); });
        cell.addEventListener('dragleave', () => cell.classList.remove('cal-drop'));
        cell.addEventListener('drop', (e) => {
          e.preventDefault();
          cell.classList.remove('cal-drop');
          const x = tasks.find((y) => String(y.id) === e.dataTransfer.getData('text/plain'));
          if (x) moveTo(x, k);
        });
      }
      cells.push(cell);
    }
    const heads = st.view === 'month' ? Array.from({ length: 7 }, (_, i) => h('div', { class: 'cal-head', 'aria-hidden': 'true', text: dateFmt({ weekday: 'short' }).format(dayStart(addDays(first, i))) })) : [];
    replace(body, h('div', { class: ['cal', 'cal-' + st.view], role: 'list', 'aria-label': rangeTitle() }, heads, cells),
      canWrite ? h('p', { class: 'muted small', text: t('tasks.drag_help') }) : null);
  }

  /** Moves a task to another day, keeping its time of day (company zone). */
  async function moveTo(x, k) {
    if (dayKey(x.due_at) === k) return;
    const p = wallParts(new Date(x.due_at));
    const [y, m, d] = k.split('-').map(Number);
    const due = isoUtc(fromWall(y, m, d, p.hour, p.minute, p.second));
    try {
      await api.patch('/api/v1/interactions/' + x.id, { due_at: due }, x.version);
      toast(t('tasks.moved', { date: dateTime(due) }));
    } catch (err) {
      toast(api.isConflict(err) ? t('activity.conflict_delete') : errorText(err), 'error');
    }
    load();
  }

  await load();
}

/** Monday of the week of day key k. */
function weekStart(k) {
  const [y, m, d] = k.split('-').map(Number);
  const wd = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  return addDays(k, -wd);
}

/** The Monday on or before the first of k's month (a month grid is 6 weeks). */
function monthGridStart(k) {
  return weekStart(k.slice(0, 8) + '01');
}
