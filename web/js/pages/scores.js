// scores: a party's computed value scores (GET /api/v1/parties/{id}/scores,
// issue 5) — pyramid tier, lifecycle stage, RFM, lifetime value, P(alive),
// value quadrant, priority, loyalty, behaviour, strategy — each with the
// engine's explanation of how it was reached, and the recent moves. The
// explanations come as message ids with params (explanation_message) and are
// shown from the expl.* messages of the catalogue in the user's language;
// the server's English text only when the id is unknown or the row is older.
import { h, replace } from '../dom.js';
import { t, has, label, money, percent, number, dateTime, date } from '../i18n.js';
import * as api from '../api.js';
import { badge, errorState, fieldLabel } from '../ui.js';
import { showValue } from '../values.js';

const TIER_TONE = { platinum: 'purple', gold: 'gold', iron: 'grey', lead: 'grey' };

/** Fills box with the scores of party id. */
export async function loadScores(box, id, { signal }) {
  let s;
  try {
    s = await api.get(`/api/v1/parties/${id}/scores`, undefined, { signal });
  } catch (err) {
    if (err.name === 'AbortError') return;
    if (err.status === 403 || err.status === 404) { replace(box, h('p', { class: 'muted', text: t('scores.unavailable') })); return; }
    replace(box, errorState(err));
    return;
  }
  if (!s.scored) {
    replace(box, h('p', { class: 'muted', text: t('scores.none') }),
      s.loyalty ? row(t('scores.loyalty'), label('loyalty_class', s.loyalty.label), explain(s.loyalty)) : null);
    return;
  }
  const cur = s.currency || 'CNY';
  // A figure the user may not see is absent from the answer (field security): a dash, not 0.
  const m = (a) => (a === undefined ? '—' : money({ amount: a || 0, currency: cur }));
  const part = (k) => s[k] || {};
  const head = h('div', { class: 'chips score-chips' },
    part('tier').label ? badge(label('tier', part('tier').label), TIER_TONE[part('tier').label]) : null,
    part('lifecycle').label ? badge(label('lifecycle', part('lifecycle').label), 'blue') : null,
    part('rfm').label ? badge(label('rfm', part('rfm').label), 'green') : null,
    part('priority').label ? badge(t('scores.priority_short', { p: part('priority').label }), 'grey') : null);
  const clv = part('clv');
  const model = part('model');
  const rows = [
    row(t('scores.tier'), label('tier', part('tier').label), explain(part('tier'))),
    row(t('scores.lifecycle'), [label('lifecycle', part('lifecycle').label),
      typeof part('lifecycle').weeks_in_stage === 'number' ? ' · ' + t('scores.weeks', { count: Math.round(part('lifecycle').weeks_in_stage) }) : ''].join(''),
    explain(part('lifecycle'))),
    row(t('scores.rfm'), `${label('rfm', part('rfm').label)} · R${part('rfm').r ?? '–'} F${part('rfm').f ?? '–'} M${part('rfm').m ?? '–'}`, explain(part('rfm'))),
    row(t('scores.clv'), `${m(clv.total)} = ${m(clv.historical)} + ${m(clv.current)} + ${m(clv.potential)}`, explain(clv), t('scores.clv_parts')),
    row(t('scores.p_alive'), model.p_alive === null || model.p_alive === undefined ? '—'
      : `${percent(model.p_alive)} · ${t('scores.expected', { n: number(Math.round((model.expected_purchases || 0) * 10) / 10), weeks: model.horizon_weeks || 52 })}`, explain(model)),
    // The value quadrant's classes share the tiers' names on the server; shown by what they mean, so that
    // "platinum" here is never read against the pyramid tier above (issue 15 item 14).
    row(t('scores.value_quadrant'), [label('value_quadrant', part('value_quadrant').label), part('value_quadrant').strategy ? label('value_strategy', part('value_quadrant').strategy) : ''].filter(Boolean).join(' · '),
      explain(part('value_quadrant')), t('scores.value_quadrant_help')),
    row(t('scores.future_matrix'), label('future_matrix', part('future_matrix').label), explain(part('future_matrix'))),
    row(t('scores.profit_matrix'), label('profit_matrix', part('profit_matrix').label), explain(part('profit_matrix'))),
    row(t('scores.priority'), part('priority').label, explain(part('priority'))),
    row(t('scores.loyalty'), label('loyalty_class', part('loyalty').label), explain(part('loyalty'))),
    row(t('scores.behaviour'), label('behaviour', part('behaviour').label), explain(part('behaviour'))),
    row(t('scores.strategy'), label('strategy', part('strategy').label), explain(part('strategy'))),
    part('service_tier').label ? row(t('scores.service_tier'), label('service_tier', part('service_tier').label), explain(part('service_tier'))) : null,
    typeof part('prospect_score').score === 'number' ? row(t('scores.prospect'), `${number(part('prospect_score').score)}/7`, explain(part('prospect_score'))) : null,
    row(t('scores.purchases'), s.summary ? t('scores.purchases_text', { count: s.summary.transactions || 0, revenue: m(s.summary.revenue), profit: m(s.summary.net_profit) }) : '', explain(s.summary)),
  ].filter(Boolean);
  const moves = (s.history || []).filter((x) => x.old !== null && x.old !== undefined).slice(0, 6);
  replace(box, head, h('dl', { class: 'props scores' }, rows),
    moves.length ? h('div', { class: 'score-moves' }, h('h3', { text: t('scores.moves') }), h('ul', {}, moves.map((x) => h('li', {},
      h('time', { datetime: x.at, class: 'muted', text: date(x.at) + ' ' }),
      t('scores.move', { what: has('scores.' + x.field) ? t('scores.' + x.field) : fieldLabel(x.field), from: showValue(x.field, x.old), to: showValue(x.field, x.new) }))))) : null,
    h('p', { class: 'muted small', text: t('scores.computed', { when: dateTime(s.computed_at) }) }));
}

/** A param of an explanation message, formatted by its shape: number,
 * money {amount, currency}, day {date}, label {vocab, value}, or text. */
function param(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return number(v);
  if (typeof v === 'object') {
    if (typeof v.amount === 'number') return money(v);
    if (typeof v.date === 'string') return date(v.date);
    if (typeof v.vocab === 'string') return label(v.vocab, v.value);
    return '—';
  }
  return String(v);
}

/** The explanation of a score part in the user's language: the message
 * expl.<id> with its params, else the server's English text. */
export function explain(part) {
  const m = part && part.explanation_message;
  if (m && typeof m.message === 'string' && has('expl.' + m.message)) {
    const params = {};
    for (const [k, v] of Object.entries(m.params || {})) params[k] = param(v);
    return t('expl.' + m.message, params);
  }
  return part ? part.explanation : undefined;
}

function row(name, value, explanation, hint) {
  if (value === undefined || value === null || value === '') return null;
  return h('div', { class: 'prop' }, h('dt', { text: name }), h('dd', {},
    h('span', { class: 'class-value', text: value }),
    hint ? h('div', { class: 'explain', text: hint }) : null,
    explanation ? h('details', { class: 'why' }, h('summary', { text: t('scores.why') }), h('p', { text: explanation })) : null));
}
