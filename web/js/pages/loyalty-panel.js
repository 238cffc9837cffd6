// loyalty-panel: the customer page's loyalty cards (issue 21) — the points
// balance with the ledger (newest first, a page at a time) and a form to
// redeem or adjust points (an overdraw is refused by the server:
// 409 insufficient_points, shown as it words it; nothing changes); and the
// relationship level (D3.6) beside the level Kotler's grid recommends, with
// the gap and what to do.
// API: GET/POST /api/v1/parties/{id}/points, GET /api/v1/parties/{id}/relationship.
import { h, replace } from '../dom.js';
import { t, dateTime, label } from '../i18n.js';
import * as api from '../api.js';
import { field, card, dl, toast, errorText, errorState, badge } from '../ui.js';

const KIND_COLOUR = { earn: 'green', adjust: 'blue', redeem: 'grey', expire: 'red', reverse: 'red' };

export function loyaltyPanel(partyId, { signal, canWrite }) {
  const balance = h('p', { class: 'points-balance' });
  const list = h('div', { class: 'table-wrap' });
  const more = h('button', { type: 'button', class: 'btn btn-sm', text: t('loy.more'), hidden: true, on: { click: () => loadPoints(true) } });
  const pts = field({ label: t('loy.points'), type: 'number', attrs: { step: '1', inputmode: 'numeric' } });
  const reason = field({ label: t('loy.reason'), hint: t('loy.reason_hint') });
  const form = canWrite ? h('form', { class: 'points-form', on: { submit: (e) => { e.preventDefault(); post(); } } },
    h('div', { class: 'form-grid' }, pts.wrap, reason.wrap),
    h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: 'btn btn-sm', text: t('loy.redeem'), on: { click: () => post('redeem') } }),
      h('button', { type: 'submit', class: 'btn btn-sm btn-primary', text: t('loy.adjust') }))) : null;
  const points = card(t('loy.points_title'), h('div', {}, balance, list, more, form), { cls: 'card-points' });
  const relBox = h('div', {});
  const rel = card(t('loy.rel_title'), relBox, { cls: 'card-relationship' });
  let rows = [], next = null;

  async function loadPoints(older) {
    try {
      const r = await api.get(`/api/v1/parties/${partyId}/points`, { limit: 20, before: older ? next : undefined }, { signal });
      rows = older ? rows.concat(r.items) : r.items;
      next = r.next;
      balance.replaceChildren(h('span', { class: 'muted', text: t('loy.balance') + ' ' }), h('strong', { class: 'points-value', text: String(r.balance) }));
      more.hidden = !next;
      if (!rows.length) { replace(list, h('p', { class: 'muted', text: t('loy.no_points') })); return; }
      replace(list, h('table', { class: 'table points-table' },
        h('caption', { class: 'sr-only', text: t('loy.points_title') }),
        h('thead', {}, h('tr', {}, ['at', 'kind', 'points', 'balance', 'reason'].map((k) =>
          h('th', { scope: 'col', class: k === 'points' || k === 'balance' ? 'num' : '', text: t('loy.col_' + k) })))),
        h('tbody', {}, rows.map((e) => h('tr', { dataset: { id: e.id } },
          h('td', { text: dateTime(e.at) }),
          h('td', {}, badge(t('loy.kind_' + e.kind), KIND_COLOUR[e.kind] || 'grey')),
          h('td', { class: 'num', text: (e.points > 0 ? '+' : '') + e.points }),
          h('td', { class: 'num', text: String(e.balance_after) }),
          h('td', {}, e.reason, e.expires_at ? h('div', { class: 'sub muted', text: t('loy.expires', { at: dateTime(e.expires_at) }) }) : null))))));
    } catch (err) {
      if (err.name !== 'AbortError') replace(list, errorState(err, () => loadPoints(older)));
    }
  }

  async function post(kind) {
    const n = Number(pts.input.value);
    if (!Number.isInteger(n) || n === 0) { pts.input.focus(); toast(t('loy.points_invalid'), 'error'); return; }
    const body = kind === 'redeem' ? { points: -Math.abs(n), reason: 'redeem' } : { points: n, reason: reason.input.value.trim() };
    try {
      const r = await api.post(`/api/v1/parties/${partyId}/points`, body);
      toast(t('loy.posted', { balance: r.balance }));
      pts.input.value = '';
      reason.input.value = '';
      await loadPoints(false);
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }

  async function loadRel() {
    try {
      const r = await api.get(`/api/v1/parties/${partyId}/relationship`, undefined, { signal });
      const lvl = (v) => (v ? label('relationship_level', v) : t('common.not_set'));
      replace(relBox, dl([
        [t('loy.rel_level'), lvl(r.level)],
        [t('loy.rel_effective'), h('span', {}, lvl(r.effective_level), r.effective_from_structural ? h('div', { class: 'sub muted', text: t('loy.rel_structural', { n: r.structural.services }) }) : null)],
        [t('loy.rel_recommended'), h('span', {}, lvl(r.recommended), h('div', { class: 'sub muted', text: t('loy.rel_basis', {
          margin: r.margin === null ? '—' : Math.round(r.margin * 100) + '%', n: r.customers_of_kind }) }))],
        [t('loy.rel_gap'), h('span', { class: 'rel-action', dataset: { action: r.action } }, badge(t('loy.rel_action_' + r.action), r.action === 'keep' ? 'green' : r.action === 'unknown' ? 'grey' : 'orange'),
          r.gap ? ' ' + t('loy.rel_gap_n', { n: Math.abs(r.gap) }) : '')],
        [t('loy.rel_history'), r.history.length ? h('div', { class: 'stack' }, r.history.map((x) => h('div', { text: `${dateTime(x.at)}: ${lvl(x.from)} → ${lvl(x.to)}` }))) : null],
      ]));
    } catch (err) {
      if (err.name !== 'AbortError') replace(relBox, errorState(err, loadRel));
    }
  }

  return { el: [points, rel], load: () => Promise.all([loadPoints(false), loadRel()]) };
}
