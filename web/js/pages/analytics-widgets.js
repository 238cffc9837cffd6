// analytics-widgets: the customer-value part of the dashboard, drawn from
// GET /api/v1/analytics/summary (issue 5): customer equity, the customer
// pyramid, lifecycle stages and RFM segments. Pyramid tiers and lifecycle
// stages link to the customers in them (?tier= / ?lifecycle=).
import { h, icon, replace } from '../dom.js';
import { t, label, number, money, percent, dateTime, relative } from '../i18n.js';
import * as api from '../api.js';
import { VOCAB } from '../vocab.js';
import { card, spinner, errorState, toast, errorText } from '../ui.js';
import { drawChart } from '../charts.js';
import { navigate } from '../router.js';

const TIER_COLORS = ['#6d28d9', '#d97706', '#64748b', '#94a3b8'];
const STAGE_COLORS = ['#0891b2', '#059669', '#1d4ed8', '#dc2626'];
const RFM_TONE = { champions: 5, loyal: 5, potential_loyalist: 4, new: 4, promising: 3, need_attention: 3, about_to_sleep: 2,
  at_risk: 1, cannot_lose: 1, hibernating: 0, lost: 0 };

/** Returns {equity, grid, load()}: two elements to place and the loader that fills them. */
export function analyticsSection({ signal }) {
  const equityBody = h('div', {}, spinner());
  const equity = card(t('dash.equity'), equityBody, { cls: 'card-equity' });
  equity.dataset.analytics = 'equity';
  const grid = h('div', { class: 'dash-grid analytics-grid', hidden: true });
  const canRun = api.user() && !['read_only'].includes(api.user().role);

  async function load() {
    let s;
    try {
      s = await api.get('/api/v1/analytics/summary', undefined, { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (err.status === 403 || err.status === 404) { replace(equityBody, h('p', { class: 'muted', text: t('dash.analytics_unavailable') })); return; }
      replace(equityBody, errorState(err, load));
      return;
    }
    if (!s.computed_at) {
      replace(equityBody, h('p', { class: 'muted', text: t('dash.analytics_pending') }), canRun ? runButton() : null);
      grid.hidden = true;
      return;
    }
    drawEquity(s);
    drawSegments(s);
  }

  function runButton() {
    const b = h('button', { type: 'button', class: 'btn btn-sm' }, icon('refresh'), t('dash.run'));
    b.addEventListener('click', async () => {
      b.disabled = true;
      b.textContent = t('dash.running');
      try {
        await api.post('/api/v1/analytics/runs?wait=true', {});
        toast(t('dash.run_done'));
        await load();
      } catch (err) { toast(errorText(err), 'error'); b.disabled = false; b.textContent = t('dash.run'); }
    });
    return b;
  }

  function drawEquity(s) {
    const cur = s.currency || 'CNY';
    const e = s.customer_equity || {};
    const parts = ['historical', 'current', 'potential'];
    const total = Math.max(1, parts.reduce((n, k) => n + Math.max(0, e[k] || 0), 0));
    const bar = h('div', { class: 'equity-bar', role: 'img', 'aria-label': parts.map((k) => `${t('dash.eq_' + k)} ${money({ amount: e[k] || 0, currency: cur })}`).join(', ') },
      parts.map((k, i) => h('span', { class: 'eq-seg eq-' + i, style: { width: (100 * Math.max(0, e[k] || 0) / total).toFixed(2) + '%' } })));
    replace(equityBody,
      h('div', { class: 'equity-total', dataset: { amount: String(e.total || 0) } }, money({ amount: e.total || 0, currency: cur })),
      h('p', { class: 'muted small', text: t('dash.eq_help', { count: s.buyers || 0 }) }),
      bar,
      h('ul', { class: 'eq-legend' }, parts.map((k, i) => h('li', {},
        h('span', { class: 'eq-dot eq-' + i, 'aria-hidden': 'true' }), h('span', { text: t('dash.eq_' + k) }),
        h('strong', { text: money({ amount: e[k] || 0, currency: cur }, { compact: true }) })))),
      h('dl', { class: 'eq-stats' },
        stat(t('dash.revenue'), money({ amount: s.revenue || 0, currency: cur }, { compact: true })),
        stat(t('dash.net_profit'), money({ amount: s.net_profit || 0, currency: cur }, { compact: true })),
        stat(t('dash.p_alive'), s.mean_p_alive === null || s.mean_p_alive === undefined ? '—' : percent(s.mean_p_alive))),
      h('div', { class: 'eq-foot muted small' },
        h('span', {}, t('dash.computed', { when: relative(s.computed_at) }), ' ', h('time', { datetime: s.computed_at, class: 'sr-only', text: dateTime(s.computed_at) })),
        canRun ? runButton() : null));
  }

  function drawSegments(s) {
    const counts = s.counts || {};
    grid.replaceChildren(
      chartCard('pyramid', t('dash.a_pyramid'), 'tier', VOCAB.tier, counts.tier || {}, 'pyramid', TIER_COLORS),
      chartCard('lifecycle', t('dash.a_lifecycle'), 'lifecycle', VOCAB.lifecycle, counts.lifecycle || {}, 'hbar', STAGE_COLORS),
      rfmCard(counts.rfm_segment || {}));
    grid.hidden = false;
  }
  return { equity, grid, load };
}

function stat(k, v) { return h('div', {}, h('dt', { text: k }), h('dd', { text: v })); }

function chartCard(id, title, vocab, values, counts, kind, colors) {
  const entries = values.map((v) => ({ value: v, label: label(vocab, v), count: counts[v] || 0 }));
  const total = entries.reduce((n, e) => n + e.count, 0) || 1;
  const hrefOf = (e) => `/customers?${vocab}=${encodeURIComponent(e.value)}`;
  const canvas = h('canvas', { role: 'img', 'aria-label': title + ': ' + entries.map((e) => `${e.label} ${e.count}`).join(', ') });
  const el = card(title, h('div', { class: 'chart-body' },
    h('div', { class: ['chart-box', 'chart-' + kind] }, canvas),
    h('ul', { class: 'chart-legend chart-legend-1' }, entries.map((e, i) => h('li', {},
      h('a', { href: hrefOf(e), dataset: { value: e.value, count: String(e.count) } },
        h('span', { class: 'lg-label' }, h('span', { class: 'lg-dot', style: { background: colors[i % colors.length] }, 'aria-hidden': 'true' }), e.label),
        h('span', { class: 'lg-count', text: `${number(e.count)} · ${percent(e.count / total)}` })))))), { cls: 'card-chart', id: 'chart-' + id });
  el.dataset.chart = id;
  requestAnimationFrame(() => drawChart(canvas, kind, entries.map((e) => ({ label: e.label, value: e.count, text: `${number(e.count)} (${percent(e.count / total)})` })), {
    colors, onPick: (i) => navigate(hrefOf(entries[i])),
  }).then(() => el.setAttribute('data-drawn', 'true')).catch((err) => canvas.parentNode.replaceWith(errorState(err))));
  return el;
}

/** RFM segments as a grid of tiles, greener for better customers. */
function rfmCard(counts) {
  const total = Object.values(counts).reduce((n, c) => n + c, 0) || 1;
  const el = card(t('dash.a_rfm'), h('div', {},
    h('ul', { class: 'rfm-grid' }, VOCAB.rfm.map((seg) => h('li', {
      class: ['rfm-tile', 'tone-' + RFM_TONE[seg]], dataset: { value: seg, count: String(counts[seg] || 0) },
      title: t('explain.rfm.' + seg),
    }, h('a', { class: 'rfm-link', href: '/customers?rfm_segment=' + seg },
      h('span', { class: 'rfm-name', text: label('rfm', seg) }),
      h('span', { class: 'rfm-count', text: number(counts[seg] || 0) }),
      h('span', { class: 'rfm-pct', text: percent((counts[seg] || 0) / total) }))))),
    h('p', { class: 'muted small rfm-note', text: t('dash.rfm_help') })), { cls: 'card-chart', id: 'chart-rfm' });
  el.dataset.chart = 'rfm';
  el.setAttribute('data-drawn', 'true');
  return el;
}
