// fx: a sales document's total in the company currency at the rate of its
// date (issue 18: "the rate of the document's date is used and shown"), as
// the server gives it on quotes and orders (company_total and fx, see
// src/domain/doc_fx.h): the converted amount with "at 7.1234 on
// 2026-11-01", or that there is no rate — never a figure of our own.
import { h } from './dom.js';
import { t, money } from './i18n.js';

/** The [label, value] pair for a details list, or null when the document
 * is in the company currency (or the server said nothing). */
export function companyTotalPair(rec) {
  const fx = rec && rec.fx;
  if (!fx || fx.from === fx.to) return null;
  const label = t('fx.company_total', { currency: fx.to });
  if (!rec.company_total) {
    return [label, h('span', { class: 'fx-total fx-missing muted', text: fx.missing ? t('fx.missing', { from: fx.from, date: fx.on }) : t('fx.too_large') })];
  }
  return [label, h('span', { class: 'fx-total' }, h('strong', { class: 'fx-amount', text: money(rec.company_total) }), ' ',
    h('span', { class: 'muted small fx-rate', text: t('fx.at', { rate: fx.rate, date: fx.rate_on }) }))];
}

/** A short line for a list's total cell ("≈ ¥7,123.40"), or null. */
export function companyTotalShort(rec) {
  const fx = rec && rec.fx;
  if (!fx || fx.from === fx.to) return null;
  return h('div', { class: 'muted small fx-short', title: rec.company_total ? t('fx.at', { rate: fx.rate, date: fx.rate_on }) : '',
    text: rec.company_total ? '≈ ' + money(rec.company_total) : t('fx.no_rate_short') });
}
