// sales-common: what the sales pages (deal board, deal, forecast, reports)
// share — how a money total kept per currency and converted to the company
// currency is shown: the converted sum first, then each currency's own
// total; a currency without an exchange rate is named, never added in.
import { h } from '../dom.js';
import { t, money } from '../i18n.js';

/** A MoneyTotals object (the server's by_currency + converted) as text. */
export function totalText(tot) {
  if (!tot) return '';
  const conv = tot.converted;
  if (!tot.by_currency.length) return money({ amount: 0, currency: conv.currency });
  if (conv.amount === null) return t('sales.no_rate', { currencies: conv.missing.join(', ') || '?' });
  return money({ amount: conv.amount, currency: conv.currency });
}

/** The converted total with the per-currency parts beneath it. */
export function totalBlock(tot, cls = 'sales-total') {
  if (!tot) return null;
  const parts = tot.by_currency.length > 1 || (tot.by_currency[0] && tot.by_currency[0].currency !== tot.converted.currency)
    ? tot.by_currency.map((c) => money({ amount: c.amount, currency: c.currency })).join(' + ') : '';
  return h('div', { class: cls },
    h('span', { class: ['sales-total-main', tot.converted.amount === null ? 'sales-missing' : ''], text: totalText(tot) }),
    parts ? h('span', { class: 'sales-total-parts muted', text: parts }) : null);
}

/** A stage's name in the current language. */
export function stageName(stage, lang) {
  if (!stage) return '';
  return (lang.startsWith('zh') ? stage.name_zh || stage.name_en : stage.name_en || stage.name_zh) || stage.key;
}
