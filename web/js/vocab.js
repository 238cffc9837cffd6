// vocab: the server's vocabularies (src/domain/vocab.c), in the same order.
// Labels live in the catalogues as enum.<name>.<value>.
export const VOCAB = {
  kind: ['person', 'organization'],
  role: ['customer', 'prospect', 'supplier', 'channel_partner', 'competitor', 'influencer', 'employee'],
  source: ['press', 'trade_association', 'statistics', 'acquaintance', 'referral', 'customer_staff', 'visit',
    'exhibition', 'website', 'advertising', 'import', 'other'],
  relationship_to_company: ['consumer', 'b2b', 'channel', 'internal'],
  importance: ['vip', 'important', 'ordinary'],
  loyalty_class: ['loyal', 'old', 'new', 'potential'],
  value_class: ['lighthouse', 'follower', 'rational', 'profit_seeking'],
  customer_type: ['retail', 'enterprise', 'dealer', 'internal'],
  relationship_level: ['basic', 'passive', 'responsible', 'proactive', 'partner'],
  link_kind: ['works_at', 'referred_by', 'knows', 'family', 'subsidiary_of'],
  decision_role: ['decision_maker', 'influencer', 'user', 'buyer', 'gatekeeper'],
  channel: ['visit', 'call', 'email', 'sms', 'wechat', 'meeting', 'event', 'seminar', 'gift', 'card', 'letter', 'web', 'other'],
  direction: ['inbound', 'outbound'],
  status: ['planned', 'done', 'cancelled'],
};

/** The D3 classification fields of a party, in display order. */
export const CLASSIFICATIONS = ['relationship_to_company', 'importance', 'loyalty_class', 'value_class', 'customer_type', 'relationship_level'];

/** Icon of an interaction channel. */
export function channelIcon(ch) {
  return { call: 'call', visit: 'visit', meeting: 'visit', email: 'mail', letter: 'mail', sms: 'chat', wechat: 'chat',
    web: 'globe', gift: 'gift', card: 'gift', event: 'calendar', seminar: 'calendar' }[ch] || 'dot';
}
