// service-measures: the service measures dashboard (CCPR, issue 19) — per
// team or per user over a period: cases, complaints by category, mean
// first-response and resolution time, SLA met %, reopen rate, CSAT, NPS and
// remedy cost, with CSV and Excel exports.
// API: GET /api/v1/service-measures, GET /api/v1/exports/service-measures.
import { h, icon, replace } from '../dom.js';
import { t, money, number } from '../i18n.js';
import * as api from '../api.js';
import { setQuery } from '../router.js';
import { field, errorState } from '../ui.js';
import { duration } from './service-common.js';

export async function render(ctx) {
  const { main, query, signal } = ctx;
  const state = { by: query.get('by') === 'user' ? 'user' : 'team', from: query.get('from') || '', to: query.get('to') || '' };
  const by = field({ label: t('service.m_by'), type: 'select', value: state.by, options: ['team', 'user'].map((x) => ({ value: x, label: t('service.m_by_' + x) })) });
  const from = field({ label: t('service.m_from'), type: 'date', value: state.from });
  const to = field({ label: t('service.m_to'), type: 'date', value: state.to });
  for (const [k, f] of Object.entries({ by, from, to })) f.input.addEventListener('change', () => { state[k] = f.input.value; setQuery(state); load(); });
  const box = h('div', { class: 'table-wrap' });
  const exp = h('div', { class: 'head-actions' });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('service.m_title') }), h('p', { class: 'muted', text: t('service.m_subtitle') })), exp),
    h('div', { class: 'toolbar' }, by.wrap, from.wrap, to.wrap), box));

  const mins = (v) => (v === null ? '—' : duration(v * 60000));
  const pct = (v) => (v === null ? '—' : number(v) + '%');
  function row(g, total) {
    return h('tr', { class: total ? 'total' : '', dataset: { group: total ? 'total' : String(g.group_id) } },
      h('th', { scope: 'row', text: total ? t('service.m_total') : g.group_name || t('service.m_none') }),
      h('td', { class: 'num', text: number(g.cases) }),
      h('td', { class: 'num', text: mins(g.first_response_minutes) }),
      h('td', { class: 'num', text: mins(g.resolution_minutes) }),
      h('td', { class: 'num', text: pct(g.sla_met_pct) }),
      h('td', { class: 'num', text: pct(g.reopen_rate_pct) }),
      h('td', { class: 'num', text: g.csat === null ? '—' : number(g.csat) }),
      h('td', { class: 'num', text: g.nps === null ? '—' : number(g.nps) }),
      h('td', { text: Object.entries(g.complaints_by_category).map(([k, n]) => (k || t('service.m_uncategorised')) + ' ' + n).join(', ') || '—' }),
      h('td', { class: 'num', text: g.remedy_cost === null ? '—' : g.remedy_cost.map((m) => money(m)).join(', ') || '—' }));
  }

  async function load() {
    const q = { by: state.by, from: state.from || undefined, to: state.to || undefined };
    const link = (fmt) => '/api/v1/exports/service-measures' + api.qs({ ...q, format: fmt });
    replace(exp, h('a', { class: 'btn', href: link('csv'), download: '' }, icon('download'), t('service.m_csv')),
      h('a', { class: 'btn', href: link('xlsx'), download: '' }, icon('download'), t('service.m_xlsx')));
    try {
      const m = await api.get('/api/v1/service-measures', q, { signal });
      replace(box, h('table', { class: 'table measures-table' },
        h('caption', { class: 'sr-only', text: t('service.m_title') }),
        h('thead', {}, h('tr', {}, ['group', 'cases', 'first_response', 'resolution', 'sla_met', 'reopen', 'csat', 'nps', 'complaints', 'remedy_cost']
          .map((k) => h('th', { scope: 'col', text: t('service.mc_' + k) })))),
        h('tbody', {}, m.items.map((g) => row(g, false)), row(m.total, true))));
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
    }
  }
  await load();
}
