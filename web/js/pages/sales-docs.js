// sales-docs: the customer page's card of the party's quotes and orders
// (issue 18), with links to each, to the filtered lists, and to a new quote
// for the party. A role that may not read quotes or orders sees no card.
// API: GET /api/v1/quotes?party_id=, GET /api/v1/orders?party_id=.
import { h, icon, replace } from '../dom.js';
import { t, money, date } from '../i18n.js';
import * as api from '../api.js';
import { card, badge, spinner } from '../ui.js';
import { QUOTE_COLOUR } from './quotes.js';

const can = (entity, action) => {
  const p = api.user() && api.user().permissions && api.user().permissions[entity];
  return !!(p && p[action] && p[action] !== 'none');
};

/** The card for party, or null when the user may read neither. */
export function salesDocsCard(party, signal) {
  if (!can('quotes', 'read') && !can('orders', 'read')) return null;
  const box = h('div', { class: 'sales-docs' }, spinner());
  (async () => {
    try {
      const [qs, os] = await Promise.all([
        can('quotes', 'read') ? api.get('/api/v1/quotes', { party_id: party.id, sort: '-updated_at', limit: 10 }, { signal }) : { items: [] },
        can('orders', 'read') ? api.get('/api/v1/orders', { party_id: party.id, sort: '-updated_at', limit: 10 }, { signal }) : { items: [] },
      ]);
      const quotes = qs.items.map((q) => h('li', {}, h('a', { href: '/quotes/' + q.id, text: `Q-${q.id}` }), ' ', q.title || '', ' · ',
        date(q.quote_date), ' · ', money(q.total), ' ', badge(t('quote.s_' + q.status), QUOTE_COLOUR[q.status])));
      const orders = os.items.map((o) => h('li', {}, h('a', { href: '/orders/' + o.id, text: `O-${o.id}` }), ' · ', money(o.total), ' ',
        badge(t('order.s_' + o.status), o.status === 'deal_confirmed' ? 'green' : 'blue')));
      replace(box,
        h('h3', { class: 'small-head', text: t('quote.title') }),
        quotes.length ? h('ul', { class: 'doc-list quotes-of-party' }, quotes) : h('p', { class: 'muted', text: t('quote.none') }),
        qs.next ? h('a', { href: '/quotes?party_id=' + party.id, text: t('sales.all_quotes') }) : null,
        h('h3', { class: 'small-head', text: t('order.title') }),
        orders.length ? h('ul', { class: 'doc-list orders-of-party' }, orders) : h('p', { class: 'muted', text: t('order.none') }),
        os.next ? h('a', { href: '/orders?party_id=' + party.id, text: t('sales.all_orders') }) : null);
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, h('p', { class: 'muted', text: t('sales.unavailable') }));
    }
  })();
  return card(t('sales.docs'), box, { cls: 'card-sales-docs',
    actions: can('quotes', 'create') ? h('a', { class: 'btn btn-ghost btn-sm', href: '/quotes/new?party_id=' + party.id }, icon('plus'), t('quote.new')) : null });
}
