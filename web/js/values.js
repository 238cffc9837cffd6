// values: a recorded value as a person reads it — used where the UI shows
// stored values it did not lay out itself (the timeline's and the audit
// trail's changes {field: [old, new]}): vocabulary codes as their labels
// (roles, channels, tiers, decision roles, …), money formatted, times in
// the company's zone, yes/no, objects as "name: value" pairs. Never raw JSON.
import { t, label, has, money, date, dateTime, number } from './i18n.js';
import { fieldLabel } from './ui.js';

/** The vocabularies a field's values may come from, tried in order. */
const VOCABS = {
  kind: ['kind', 'link_kind'], roles: ['role'], role: ['role'], source: ['source'], importance: ['importance'],
  relationship_level: ['relationship_level'], loyalty_class: ['loyalty_class', 'loyalty'], value_class: ['value_class'],
  customer_type: ['customer_type'], relationship_to_company: ['relationship_to_company'], channel: ['channel', 'sales_channel'],
  channels: ['channel'], status: ['status'], direction: ['direction'], decision_role: ['decision_role'], tier: ['tier'],
  lifecycle: ['lifecycle'], rfm_segment: ['rfm'], rfm: ['rfm'], strategy: ['strategy'], priority: ['priority'],
  behaviour: ['behaviour'], future_matrix: ['future_matrix'], profit_matrix: ['profit_matrix'], value_quadrant: ['value_quadrant', 'value_strategy'],
  loyalty: ['loyalty_class'],
};

function vocabText(k, v) {
  for (const voc of VOCABS[k] || []) if (has(`enum.${voc}.${v}`)) return label(voc, v);
  return null;
}

/** Field k's value v as text. */
export function showValue(k, v, max = 80) {
  if (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length)) return t('common.empty');
  if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no');
  if (typeof v === 'number') return number(v);
  if (Array.isArray(v)) return v.map((x) => showValue(k, x, max)).join(', ');
  if (typeof v === 'object') {
    if (typeof v.amount === 'number' && typeof v.currency === 'string') return money(v);
    if (v.date && Object.keys(v).length === 1) return date(v.date);
    return Object.entries(v).map(([kk, vv]) => `${fieldLabel(kk)}: ${showValue(kk, vv, max)}`).join('; ');
  }
  const s = String(v);
  const voc = vocabText(k, s);
  if (voc) return voc;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) return dateTime(s);
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return date(s);
  if (k === 'language') return ({ 'zh-CN': '简体中文', zh: '中文', en: 'English' })[s] || s;
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
