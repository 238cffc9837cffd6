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
  // Computed by the analytics engine (issue 5, docs/ANALYTICS.md).
  tier: ['platinum', 'gold', 'iron', 'lead'],
  lifecycle: ['exploration', 'formation', 'stability', 'decline'],
  rfm: ['champions', 'loyal', 'potential_loyalist', 'new', 'promising', 'need_attention', 'about_to_sleep', 'at_risk',
    'cannot_lose', 'hibernating', 'lost'],
  value_strategy: ['pursue', 'target', 'maintain', 'abandon'],
  priority: ['A+', 'A', 'B', 'C'],
  strategy: ['submissive', 'caring', 'adaptive', 'indifferent'],
  behaviour: ['loyal', 'latent', 'inertia', 'disloyal', 'unknown'],
  future_matrix: ['best', 'must_invest', 'retain', 'worst'],
  profit_matrix: ['most_profitable', 'profitable_high_cost', 'profitable_low', 'unprofitable'],
};

/** The D3 classification fields of a party, in display order. */
export const CLASSIFICATIONS = ['relationship_to_company', 'importance', 'loyalty_class', 'value_class', 'customer_type', 'relationship_level'];

/** Icon of an interaction channel. */
export function channelIcon(ch) {
  return { call: 'call', visit: 'visit', meeting: 'visit', email: 'mail', letter: 'mail', sms: 'chat', wechat: 'chat',
    web: 'globe', gift: 'gift', card: 'gift', event: 'calendar', seminar: 'calendar' }[ch] || 'dot';
}
