// analytics-widgets: the customer-value part of the dashboard, drawn from
// GET /api/v1/analytics/summary (issue 5): customer equity, the customer
// pyramid, lifecycle stages and RFM segments. Pyramid tiers and lifecycle
// stages link to the customers in them (?tier= / ?lifecycle=). When the last
// run held out weeks (setting holdout_weeks, issue 16) two more cards show
// how well the purchase model predicted them: repeat purchases by
// calibration frequency, and cumulative repeat purchases week by week.
import { h, icon, replace } from '../dom.js';
import { t, label, number, money, percent, dateTime, relative } from '../i18n.js';
import * as api from '../api.js';
import { VOCAB } from '../vocab.js';
import { card, spinner, errorState, toast, errorText } from '../ui.js';
import { drawChart, drawSeries } from '../charts.js';
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
      rfmCard(counts.rfm_segment || {}),
      ...validationCards(s.run && s.run.result && s.run.result.validation));
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

const ACTUAL = '#0f172a', PREDICTED = '#1d4ed8';
const fixed = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : '—');

/**
 * The model-validation cards of a run with a holdout (run.result.validation):
 * none without one; one card with the reason when it could not be computed.
 * Every chart has a table with the same numbers for screen readers and
 * keyboard users.
 */
function validationCards(v) {
  if (!v) return [];
  const model = v.model === 'pnbd' ? 'Pareto/NBD' : 'BG/NBD'; /* proper names, the same in every language */
  if (v.error) {
    const el = card(t('dash.val_title'), h('p', { class: 'muted', text: t('dash.val_error', { weeks: v.holdout_weeks, error: v.error }) }), { cls: 'card-chart', id: 'chart-validation' });
    el.dataset.chart = 'validation';
    el.setAttribute('data-drawn', 'true');
    return [el];
  }
  const summary = h('p', { class: 'muted small val-summary', text: t('dash.val_summary', {
    model, weeks: v.holdout_weeks, from: v.calibration_end, to: v.holdout_end,
    actual: number(Math.round(v.holdout_actual)), predicted: fixed(v.holdout_predicted, 1),
    error: fixed(v.error_pct, 1), mae: fixed(v.mae, 3),
  }) });
  if (v.fit && v.fit.at_boundary && v.fit.at_boundary.length)
    summary.append(' ', t('dash.val_boundary', { params: v.fit.at_boundary.join(', ') }));

  const freqLabels = v.by_frequency.map((f) => f.frequency);
  const fCanvas = h('canvas', { role: 'img', 'aria-label': t('dash.val_by_freq') });
  const fTable = h('table', { class: 'val-table' },
    h('thead', {}, h('tr', {}, h('th', { text: t('dash.val_frequency') }), h('th', { text: t('dash.val_customers') }),
      h('th', { text: t('dash.val_actual') }), h('th', { text: t('dash.val_predicted', { model }) }))),
    h('tbody', {}, v.by_frequency.map((f) => h('tr', { dataset: { frequency: f.frequency } },
      h('td', { text: f.frequency }), h('td', { text: number(f.customers) }), h('td', { text: fixed(f.actual, 2) }), h('td', { text: fixed(f.predicted, 2) })))));
  const freq = card(t('dash.val_by_freq'), h('div', {},
    h('div', { class: 'chart-box chart-bar' }, fCanvas), summary, h('details', {}, h('summary', { text: t('dash.val_table') }), fTable)),
  { cls: 'card-chart', id: 'chart-validation-frequency' });
  freq.dataset.chart = 'validation-frequency';

  const cum = v.cumulative || [];
  const cCanvas = h('canvas', { role: 'img', 'aria-label': t('dash.val_cumulative') });
  const last = cum[cum.length - 1] || { week: 0, actual: 0, predicted: 0 };
  const calib = cum[Math.max(0, (v.calibration_weeks || 1) - 1)] || last;
  const cTable = h('table', { class: 'val-table' },
    h('thead', {}, h('tr', {}, h('th', { text: t('dash.val_week') }), h('th', { text: t('dash.val_actual') }), h('th', { text: t('dash.val_predicted', { model }) }))),
    h('tbody', {}, [calib, last].map((r) => h('tr', { dataset: { week: String(r.week) } },
      h('td', { text: r === calib ? t('dash.val_week_cal', { week: r.week }) : t('dash.val_week_end', { week: r.week }) }),
      h('td', { text: number(Math.round(r.actual)) }), h('td', { text: fixed(r.predicted, 1) })))));
  const cumCard = card(t('dash.val_cumulative'), h('div', {},
    h('div', { class: 'chart-box chart-line' }, cCanvas),
    h('p', { class: 'muted small', text: t('dash.val_cum_help', { week: v.calibration_weeks }) }), cTable),
  { cls: 'card-chart', id: 'chart-validation-cumulative' });
  cumCard.dataset.chart = 'validation-cumulative';

  requestAnimationFrame(() => {
    drawSeries(fCanvas, 'bar', freqLabels, [
      { label: t('dash.val_actual'), values: v.by_frequency.map((f) => f.actual), color: ACTUAL },
      { label: t('dash.val_predicted', { model }), values: v.by_frequency.map((f) => f.predicted), color: PREDICTED },
    ], { xTitle: t('dash.val_frequency'), yTitle: t('dash.val_per_customer') })
      .then(() => freq.setAttribute('data-drawn', 'true')).catch((err) => fCanvas.parentNode.replaceWith(errorState(err)));
    drawSeries(cCanvas, 'line', cum.map((r) => String(r.week)), [
      { label: t('dash.val_actual'), values: cum.map((r) => r.actual), color: ACTUAL },
      { label: t('dash.val_predicted', { model }), values: cum.map((r) => r.predicted), color: PREDICTED, dash: [6, 4] },
    ], { xTitle: t('dash.val_week'), yTitle: t('dash.val_repeat') })
      .then(() => cumCard.setAttribute('data-drawn', 'true')).catch((err) => cCanvas.parentNode.replaceWith(errorState(err)));
  });
  return [freq, cumCard];
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
