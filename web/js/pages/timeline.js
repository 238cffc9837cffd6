// timeline: the rendering of one party's history — interactions (done and
// planned), transactions, notes and recorded changes — newest first, paged
// with the server's `before` cursor as the reader scrolls.
import { h, icon, replace } from '../dom.js';
import { t, label, money, dateTime, relative, number } from '../i18n.js';
import * as api from '../api.js';
import { channelIcon } from '../vocab.js';
import { fieldLabel, errorState, badge } from '../ui.js';
import { userLabel } from '../users.js';
import { showValue } from '../values.js';

const PAGE = 25;

/**
 * A timeline for party id. Returns {el, reload()}. actions(type, item)
 * → nodes (edit / delete buttons) shown on interactions, purchases and
 * notes; names (Map id → party) marks entries of other parties (a company
 * page rolls up its people's) with whose they are: their timelines are
 * merged into the first page by time.
 */
export function timeline(partyId, { signal, actions = null, people = null }) {
  let items = [];
  let next = null;
  let busy = false;
  let filter = 'all';
  const list = h('ol', { class: 'tl', 'aria-label': t('timeline.title') });
  const status = h('p', { class: 'muted small tl-status', role: 'status' });
  const more = h('button', { type: 'button', class: 'btn btn-sm', text: t('timeline.older'), hidden: true, on: { click: () => load(true) } });
  const sentinel = h('div', { class: 'tl-sentinel', 'aria-hidden': 'true' });
  const filters = h('div', { class: 'seg', role: 'group', 'aria-label': t('timeline.filter') },
    ['all', 'interaction', 'transaction', 'note', 'change'].map((f) => h('button', {
      type: 'button', class: 'seg-btn', 'aria-pressed': f === filter ? 'true' : 'false', dataset: { f }, text: t('timeline.f_' + f),
      on: { click: (e) => {
        filter = f;
        filters.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.f === f)));
        draw();
      } },
    })));

  const io = 'IntersectionObserver' in window ? new IntersectionObserver((es) => {
    if (es.some((e) => e.isIntersecting) && next && !busy) load(true);
  }, { rootMargin: '300px' }) : null;
  if (io) { io.observe(sentinel); signal.addEventListener('abort', () => io.disconnect()); }

  async function load(older) {
    if (busy) return;
    busy = true;
    status.textContent = t('common.loading');
    try {
      const page = await api.get(`/api/v1/parties/${partyId}/timeline`, { limit: PAGE, before: older ? next : undefined }, { signal });
      let got = page.items;
      if (!older && people && people.size) {
        // A company's page: its people's activities (not their own changes) merged by time.
        const theirs = await Promise.all([...people.keys()].slice(0, 30).map((pid) => api.get(`/api/v1/parties/${pid}/timeline`, { limit: PAGE }, { signal })
          .then((pg) => pg.items.filter((e) => e.type !== 'change').map((e) => ({ ...e, of: pid }))).catch(() => [])));
        got = got.concat(...theirs).sort((a, b) => String(b.at).localeCompare(String(a.at)));
      }
      items = older ? items.concat(got) : got;
      next = page.next;
      draw();
    } catch (err) {
      if (err.name === 'AbortError') return;
      replace(list, h('li', {}, errorState(err, () => load(older))));
      status.textContent = '';
    } finally { busy = false; }
  }

  function draw() {
    const shown = items.filter((e) => (filter === 'all' || e.type === filter) && !hidden(e));
    replace(list, shown.map((e) => {
      const li = entry(e);
      const body = li.querySelector('.tl-head');
      if (e.of && people) body.append(badge(t('company.theirs', { name: people.get(e.of).name }), 'theirs'));
      if (actions && body && e.type !== 'change') {
        const acts = actions(e.type, e.item, e.of ? people.get(e.of) : null);
        if (acts) body.append(h('span', { class: 'tl-actions' }, acts));
      }
      return li;
    }));
    status.textContent = !shown.length && !next ? t('timeline.empty') : next ? '' : t('timeline.end');
    more.hidden = !next;
  }

  const el = h('div', { class: 'timeline' }, filters, list, sentinel, h('div', { class: 'tl-foot' }, status, more));
  return { el, reload: () => load(false) };
}

/** Creation records of interactions, notes and transactions repeat the item itself. */
function hidden(e) {
  return e.type === 'change' && e.item.entity !== 'party' && e.item.action === 'create';
}

function entry(e) {
  const it = e.item;
  const when = h('time', { datetime: e.at, title: dateTime(e.at), text: dateTime(e.at) });
  if (e.type === 'interaction') {
    const planned = it.status === 'planned';
    const overdue = planned && it.due_at && new Date(it.due_at) < new Date();
    return h('li', { class: ['tl-item', 'tl-interaction', planned && 'tl-planned'], dataset: { type: 'interaction', id: it.id } },
      h('span', { class: 'tl-icon', 'aria-hidden': 'true' }, icon(channelIcon(it.channel))),
      h('div', { class: 'tl-body' },
        h('div', { class: 'tl-head' },
          h('span', { class: 'tl-title', text: it.subject || label('channel', it.channel) }),
          badge(label('channel', it.channel), 'grey'),
          it.direction ? badge(label('direction', it.direction), 'grey') : null,
          planned ? badge(overdue ? t('tasks.overdue') : t('enum.status.planned'), overdue ? 'red' : 'blue') : null,
          it.status === 'cancelled' ? badge(t('enum.status.cancelled'), 'grey') : null),
        h('div', { class: 'tl-meta muted' }, planned ? t('timeline.due', { when: relative(it.due_at) }) + ' · ' : '', when,
          it.user_id ? ' · ' + userText(it.user_id) : '', it.campaign ? ' · ' + it.campaign : ''),
        it.notes ? h('p', { class: 'tl-text', text: it.notes }) : null,
        it.response ? h('p', { class: 'tl-text' }, h('span', { class: 'tl-label', text: t('field.response') + ': ' }), it.response) : null,
        it.outcome ? h('p', { class: 'tl-text' }, h('span', { class: 'tl-label', text: t('field.outcome') + ': ' }), it.outcome) : null));
  }
  if (e.type === 'transaction') {
    const items = it.items || [];
    return h('li', { class: ['tl-item', 'tl-transaction'], dataset: { type: 'transaction', id: it.id } },
      h('span', { class: 'tl-icon', 'aria-hidden': 'true' }, icon('money')),
      h('div', { class: 'tl-body' },
        h('div', { class: 'tl-head' },
          h('span', { class: 'tl-title', text: it.competitor_id ? t('timeline.bought_competitor') : t('timeline.purchase') }),
          h('strong', { class: ['tl-amount', it.amount && it.amount.amount < 0 && 'neg'], text: money(it.amount) }),
          it.channel ? badge(label('sales_channel', it.channel), 'grey') : null,
          it.amount && it.amount.amount < 0 ? badge(t('activity.refund_badge'), 'red') : null),
        h('div', { class: 'tl-meta muted' }, when, it.cost ? ' · ' + t('timeline.cost', { cost: money(it.cost) }) : '',
          it.external_id ? ' · ' + it.external_id : ''),
        it.description ? h('p', { class: 'tl-text', text: it.description }) : null,
        items.length ? h('ul', { class: 'tl-lines' }, items.slice(0, 5).map((x) => h('li', {
          text: [x.name || x.sku || '', x.quantity ? '× ' + number(x.quantity) : '', x.amount ? money(x.amount) : ''].filter(Boolean).join(' '),
        }))) : null));
  }
  if (e.type === 'note') {
    return h('li', { class: ['tl-item', 'tl-note'], dataset: { type: 'note', id: it.id } },
      h('span', { class: 'tl-icon', 'aria-hidden': 'true' }, icon('note')),
      h('div', { class: 'tl-body' },
        h('div', { class: 'tl-head' }, h('span', { class: 'tl-title', text: t('timeline.note') })),
        h('div', { class: 'tl-meta muted' }, when, it.user_id ? ' · ' + userText(it.user_id) : ''),
        h('p', { class: 'tl-text', text: it.body })));
  }
  // issue 21: loyalty — club memberships, event invitations, structural services.
  if (e.type === 'club_member' || e.type === 'event_attendance' || e.type === 'structural_service') {
    const title = e.type === 'club_member' ? t('timeline.club_member', { level: it.level || '' })
      : e.type === 'event_attendance' ? t('timeline.event_' + it.status) : t('timeline.structural', { kind: label('structural_kind', it.kind) });
    const extra = e.type === 'club_member' ? [it.left_on ? t('timeline.club_left', { on: it.left_on }) : '', it.fee ? money(it.fee) : '']
      : e.type === 'structural_service' ? [it.value ? money(it.value) : ''] : [];
    return h('li', { class: ['tl-item', 'tl-' + e.type], dataset: { type: e.type, id: it.id } },
      h('span', { class: 'tl-icon', 'aria-hidden': 'true' }, icon(e.type === 'structural_service' ? 'tag' : 'gift')),
      h('div', { class: 'tl-body' },
        h('div', { class: 'tl-head' }, h('span', { class: 'tl-title', text: title })),
        h('div', { class: 'tl-meta muted' }, when, ...extra.filter(Boolean).map((x) => ' · ' + x)),
        it.description || it.notes ? h('p', { class: 'tl-text', text: it.description || it.notes }) : null));
  }
  // change
  const changes = it.changes && typeof it.changes === 'object' ? Object.entries(it.changes) : [];
  return h('li', { class: ['tl-item', 'tl-change'], dataset: { type: 'change', id: it.id } },
    h('span', { class: 'tl-icon', 'aria-hidden': 'true' }, icon(it.action === 'merge' ? 'merge' : 'change')),
    h('div', { class: 'tl-body' },
      h('div', { class: 'tl-head' }, h('span', { class: 'tl-title', text: changeTitle(it) })),
      h('div', { class: 'tl-meta muted' }, when, it.user_id ? ' · ' + userText(it.user_id) : ''),
      changes.length && it.action !== 'create' ? h('ul', { class: 'tl-changes' }, changes.slice(0, 12).map(([k, v]) => h('li', {},
        h('span', { class: 'tl-label', text: fieldLabel(k) + ': ' }),
        Array.isArray(v) && v.length === 2 ? [h('del', { text: show(k, v[0]) }), ' → ', h('ins', { text: show(k, v[1]) })] : show(k, v)))) : null));
}

function changeTitle(it) {
  const what = t('entity.' + it.entity);
  const key = 'timeline.change_' + it.action;
  const s = t(key, { what, id: it.entity_id });
  return s === key ? `${what} · ${it.action}` : s;
}

const show = (k, v) => showValue(k, v);

const userText = userLabel;
