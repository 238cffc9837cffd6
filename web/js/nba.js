// nba: the next best action in the user's language (issue 20). The server
// sends what to do and why as message ids with params
// (GET /api/v1/parties/{id}/next-action, GET /api/v1/next-actions); this
// renders them from the catalogues, like the score explanations.
import { h } from './dom.js';
import { t, has, label, date, money } from './i18n.js';

/** A param of a message: {vocab, value} → its label, {date} → a date. */
function param(v) {
  if (v && typeof v === 'object') {
    if (typeof v.vocab === 'string') return label(v.vocab, v.value);
    if (typeof v.date === 'string') return date(v.date);
    return '';
  }
  return v;
}

/** The text of one {message, params}. */
export function nbaText(m) {
  if (!m || !has(m.message)) return m ? m.message : '';
  const p = {};
  for (const [k, v] of Object.entries(m.params || {})) p[k] = param(v);
  return t(m.message, p);
}

/** One action: what to do (with its "when"), why, and the value at stake. */
export function nbaView(a, { link = false } = {}) {
  const what = nbaText(a.message);
  return h('div', { class: ['nba', 'nba-' + a.action], dataset: { action: a.action, party: String(a.party_id) } },
    h('div', { class: 'nba-what' },
      link ? h('a', { href: '/customers/' + a.party_id, text: what }) : h('strong', { text: what }),
      a.when && a.when !== 'none' ? h('span', { class: 'badge', text: t('nba.when.' + a.when) }) : null),
    a.reasons && a.reasons.length ? h('ul', { class: 'nba-why' }, a.reasons.map((r) => h('li', { dataset: { reason: r.message }, text: nbaText(r) }))) : null,
    a.value_at_stake > 0 ? h('div', { class: 'nba-stake muted', text: t('nba.at_stake', { value: money({ amount: a.value_at_stake, currency: a.currency }) }) }) : null);
}
