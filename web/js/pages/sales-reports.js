// sales-reports: the sales reports (issue 18) — won and lost, win rate,
// won amount and cycle time by salesperson, team or source; conversion by
// stage; activity counts per user; for a period, with an XLSX, CSV or PDF
// download of the same report.
// API: GET /api/v1/reports/sales, /api/v1/reports/sales/export, GET /api/v1/users.
import { h, replace } from '../dom.js';
import { t, percent, number, dayKey } from '../i18n.js';
import * as api from '../api.js';
import { setQuery } from '../router.js';
import { field, errorState, spinner, card } from '../ui.js';
import { totalText } from './sales-common.js';

export async function render(ctx) {
  const { main, query, signal } = ctx;
  const today = dayKey();
  const state = { by: ['stage', 'source', 'user', 'team'].includes(query.get('by')) ? query.get('by') : 'user',
    from: query.get('from') || today.slice(0, 4) + '-01-01', to: query.get('to') || today };
  const byF = field({ label: t('sales.group_by'), type: 'select', value: state.by,
    options: ['user', 'team', 'source', 'stage'].map((v) => ({ value: v, label: t('sales.by_' + v) })) });
  const fromF = field({ label: t('sales.from_day'), type: 'date', value: state.from });
  const toF = field({ label: t('sales.to_day'), type: 'date', value: state.to });
  for (const [f, k] of [[byF, 'by'], [fromF, 'from'], [toF, 'to']]) f.input.addEventListener('change', () => { state[k] = f.input.value; setQuery(state); load(); });
  const links = h('div', { class: 'head-actions' });
  const tableBox = h('div', { class: 'table-wrap' }, spinner());
  const actBox = h('div', { class: 'table-wrap' });
  const ratesBox = h('div', { class: 'fx-rates-used' });
  main.append(h('div', { class: 'page page-sales-reports' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('sales.reports_title') }), h('p', { class: 'muted', text: t('sales.reports_subtitle') })), links),
    h('div', { class: 'toolbar' }, byF.wrap, fromF.wrap, toF.wrap),
    tableBox, ratesBox, card(t('sales.activities'), actBox)));

  let users = new Map();
  try { users = new Map((await api.listAll('/api/v1/users', {}, { signal })).map((u) => [String(u.id), u.name || u.email])); } catch { /* names are a nicety */ }

  async function load() {
    const q = { by: state.by, from: state.from, to: state.to };
    const file = (fmt) => '/api/v1/reports/sales/export' + api.qs({ ...q, format: fmt });
    replace(links, h('a', { class: 'btn', href: file('xlsx'), download: '', text: t('sales.download_xlsx') }),
      h('a', { class: 'btn', href: file('csv'), download: '', text: t('sales.download_csv') }),
      h('a', { class: 'btn', href: file('pdf'), download: '', text: t('sales2.download_pdf') }));
    try {
      draw(await api.get('/api/v1/reports/sales', q, { signal }));
    } catch (err) {
      if (err.name !== 'AbortError') replace(tableBox, errorState(err, load));
    }
  }

  const name = (key) => (state.by === 'user' ? users.get(key) || (key === 'none' ? t('sales.nobody') : '#' + key)
    : state.by === 'source' ? (key === 'none' ? t('sales.no_source') : t('enum.source.' + key)) : key === 'none' ? '—' : key);
  const pct = (x) => (x === null || x === undefined ? '—' : percent(x));
  function draw(r) {
    const stage = r.by === 'stage';
    const cols = stage ? ['key', 'entered', 'open', 'won', 'lost', 'conversion'] : ['key', 'open', 'won', 'lost', 'win_rate', 'won_amount', 'cycle_days'];
    replace(tableBox, r.rows.length ? h('table', { class: 'table sales-report' },
      h('caption', { class: 'sr-only', text: t('sales.reports_title') }),
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', class: c === 'key' ? '' : 'num', text: t('sales.r_' + (c === 'key' ? r.by : c)) })))),
      h('tbody', {}, r.rows.map((row) => h('tr', { dataset: { key: row.key } }, cols.map((c) => {
        if (c === 'key') return h('th', { scope: 'row', text: name(row.key) });
        const v = row[c];
        const text = c === 'won_amount' ? totalText(v) : c === 'win_rate' || c === 'conversion' ? pct(v)
          : c === 'cycle_days' ? (v === null ? '—' : number(Math.round(v * 10) / 10)) : number(v);
        return h('td', { class: 'num', text });
      }))))) : h('p', { class: 'empty', text: t('sales.report_empty') }));
    drawRates(r.rates || [], r.rates_complete !== false);
    replace(actBox, r.activities.length ? h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('sales.r_user') }), h('th', { scope: 'col', class: 'num', text: t('sales.interactions') }),
        h('th', { scope: 'col', text: t('sales.by_channel') }))),
      h('tbody', {}, r.activities.map((a) => h('tr', {}, h('th', { scope: 'row', text: name(String(a.user_id ?? 'none')) }),
        h('td', { class: 'num', text: number(a.count) }),
        h('td', { text: Object.entries(a.by_channel).map(([k, v]) => `${t('enum.channel.' + k)} ${v}`).join(' · ') })))))
      : h('p', { class: 'muted', text: t('sales.no_activities') }));
  }

  // Which rate each converted amount used (issue 18: "the rate of the
  // document's date is used and shown"): one line per rate entry.
  function drawRates(rates, complete) {
    const seen = new Map();
    for (const x of rates) {
      const k = x.missing ? `${x.currency}|missing|${x.on}` : `${x.currency}|${x.rate}|${x.rate_on}`;
      if (!seen.has(k)) seen.set(k, x);
    }
    if (!seen.size) { replace(ratesBox); return; }
    replace(ratesBox, h('p', { class: 'muted small' }, h('strong', { text: t('fx.rates_used') + ' ' }),
      [...seen.values()].map((x) => x.missing ? t('fx.missing', { from: x.currency, date: x.on })
        : t('fx.rate_line', { from: x.currency, to: x.to, rate: x.rate, date: x.rate_on })).join(' · '),
      complete ? null : ' …'));
  }

  await load();
}
