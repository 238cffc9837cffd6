// forecast: the sales forecast (issue 18) — per month or quarter, the
// weighted pipeline and the run-rate of existing customers (the analytics'
// expected purchases × spend), their sum, and what was actually won and
// bought in past periods, as a chart and the same figures in a table (the
// table is what a screen reader and the keyboard use). Amounts are in the
// company currency; a period with a currency lacking a rate says so.
// API: GET /api/v1/forecast.
import { h, replace } from '../dom.js';
import { t, money } from '../i18n.js';
import * as api from '../api.js';
import { setQuery } from '../router.js';
import { field, errorState, spinner } from '../ui.js';
import { drawSeries, PALETTE } from '../charts.js';
import { totalText } from './sales-common.js';

function monthOffset(n) {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1)).toISOString().slice(0, 7);
}

export async function render(ctx) {
  const { main, query, signal } = ctx;
  const me = api.user();
  const state = { period: query.get('period') === 'quarter' ? 'quarter' : 'month', from: query.get('from') || monthOffset(-6),
    to: query.get('to') || monthOffset(6), mine: query.get('mine') !== null ? query.get('mine') === '1' : me && me.role === 'sales',
    by: ['user', 'team'].includes(query.get('by')) ? query.get('by') : '' };
  const periodF = field({ label: t('sales.period'), type: 'select', value: state.period,
    options: [{ value: 'month', label: t('sales.by_month') }, { value: 'quarter', label: t('sales.by_quarter') }] });
  const fromF = field({ label: t('sales.from_month'), type: 'month', value: state.from });
  const toF = field({ label: t('sales.to_month'), type: 'month', value: state.to });
  const mineF = field({ label: t('sales.only_mine'), type: 'checkbox', value: state.mine });
  const byF = field({ label: t('sales.split_by'), type: 'select', value: state.by,
    options: [{ value: '', label: t('sales.split_none') }, { value: 'user', label: t('sales.by_user') }, { value: 'team', label: t('sales.by_team') }] });
  for (const [f, k, prop] of [[periodF, 'period', 'value'], [fromF, 'from', 'value'], [toF, 'to', 'value'], [mineF, 'mine', 'checked'], [byF, 'by', 'value']]) {
    f.input.addEventListener('change', () => { state[k] = f.input[prop]; setQuery({ ...state, mine: state.mine ? '1' : '0' }); load(); });
  }
  const chartBox = h('div', { class: 'chart-box forecast-chart' });
  const tableBox = h('div', { class: 'table-wrap' }, spinner());
  const groupBox = h('div', { class: 'table-wrap' });
  main.append(h('div', { class: 'page page-forecast' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('sales.forecast_title') }), h('p', { class: 'muted', text: t('sales.forecast_subtitle') })),
      h('div', { class: 'head-actions' }, h('a', { class: 'btn', href: '/deals', text: t('sales.board_title') }))),
    h('div', { class: 'toolbar' }, periodF.wrap, fromF.wrap, toF.wrap, mineF.wrap, byF.wrap),
    chartBox, tableBox, groupBox));
  let names = new Map();
  async function loadNames() {
    const path = state.by === 'team' ? '/api/v1/teams' : '/api/v1/users';
    try { names = new Map((await api.listAll(path, {}, { signal })).map((x) => [x.id, x.name || x.email])); } catch { names = new Map(); }
  }

  let chart;
  async function load() {
    try {
      const q = { period: state.period, from: state.from, to: state.to, by: state.by || undefined };
      if (state.mine && me) q.owner_id = me.id;
      const f = await api.get('/api/v1/forecast', q, { signal });
      if (state.by) await loadNames();
      draw(f);
    } catch (err) {
      if (err.name !== 'AbortError') replace(tableBox, errorState(err, load));
    }
  }

  const conv = (tot) => (tot && tot.converted.amount !== null ? tot.converted.amount : null);
  function draw(f) {
    const cur = f.currency, major = (v) => (v === null ? null : v / 100);
    const labels = f.periods.map((p) => p.period);
    const canvas = h('canvas', { role: 'img', 'aria-label': t('sales.forecast_chart') });
    replace(chartBox, canvas);
    if (chart) chart.destroy();
    drawSeries(canvas, 'bar', labels, [
      { label: t('sales.weighted'), values: f.periods.map((p) => major(conv(p.weighted))), color: PALETTE[0] },
      { label: t('sales.run_rate'), values: f.periods.map((p) => major(conv(p.run_rate))), color: PALETTE[1] },
      { label: t('sales.won'), values: f.periods.map((p) => major(conv(p.won))), color: PALETTE[2] },
      { label: t('sales.transactions'), values: f.periods.map((p) => major(conv(p.transactions))), color: PALETTE[3] },
    ], { yTitle: cur }).then((c) => { chart = c; }).catch(() => {});
    const cell = (tot) => h('td', { class: 'num', text: tot ? totalText(tot) : '—' });
    replace(tableBox, h('table', { class: 'table forecast-table' },
      h('caption', { class: 'sr-only', text: t('sales.forecast_title') }),
      h('thead', {}, h('tr', {}, ['period', 'weighted', 'run_rate', 'forecast', 'won', 'transactions'].map((k) =>
        h('th', { scope: 'col', class: k === 'period' ? '' : 'num', text: t('sales.' + k) })))),
      h('tbody', {}, f.periods.map((p) => h('tr', { dataset: { period: p.period } },
        h('th', { scope: 'row', text: p.period }), cell(p.weighted), cell(p.run_rate),
        h('td', { class: 'num strong', text: p.forecast.amount === null ? t('sales.no_rate_short') : money({ amount: p.forecast.amount, currency: cur }) }),
        cell(p.won), cell(p.transactions))))));
    // Per salesperson or team: the forecast of each period.
    const fc = (p) => (p.forecast.amount === null ? t('sales.no_rate_short') : money({ amount: p.forecast.amount, currency: cur }));
    replace(groupBox, f.groups ? h('table', { class: 'table forecast-groups' },
      h('caption', { text: t('sales.forecast_by', { by: t('sales.by_' + f.by) }) }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('sales.by_' + f.by) }), labels.map((l) => h('th', { scope: 'col', class: 'num', text: l })))),
      h('tbody', {}, f.groups.map((g) => h('tr', { dataset: { id: g.id ?? 'none' } },
        h('th', { scope: 'row', text: g.id === null ? t('sales.nobody') : names.get(g.id) || '#' + g.id }),
        g.periods.map((p) => h('td', { class: 'num', text: fc(p) })))))) : null);
  }

  await load();
}
