// service-common: what the service pages share (issue 19) — the SLA clock
// of a case (which target is running, how long until or past it, met or
// missed once decided) and the vocabularies' labels.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { badge } from '../ui.js';

export const KINDS = ['consultation', 'question', 'complaint', 'grievance', 'request'];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
export const STATUSES = ['new', 'open', 'waiting_on_customer', 'resolved', 'closed'];
const PRIORITY_COLOUR = { low: 'grey', normal: 'blue', high: 'gold', urgent: 'red' };
const STATUS_COLOUR = { new: 'blue', open: 'green', waiting_on_customer: 'purple', resolved: 'grey', closed: 'grey' };

export const priorityBadge = (p) => badge(t('service.p_' + p), PRIORITY_COLOUR[p] || 'grey');
export const statusBadge = (s) => badge(t('service.s_' + s), STATUS_COLOUR[s] || 'grey');

/** "2d 3h", "3h 5m", "12m" in the page's language. */
export function duration(ms) {
  const m = Math.max(0, Math.round(ms / 60000));
  if (m >= 1440) return t('service.dur_dh', { d: Math.floor(m / 1440), h: Math.floor((m % 1440) / 60) });
  if (m >= 60) return t('service.dur_hm', { h: Math.floor(m / 60), m: m % 60 });
  return t('service.dur_m', { m });
}

const paused = (c) => ['waiting_on_customer', 'resolved', 'closed'].includes(c.status);

/** The clock of one target: {text, kind: ok | soon | late | met | missed | paused | none}. */
export function targetClock(c, target, now = Date.now()) {
  const due = c[target + '_due_at'], met = c[target + '_met'];
  if (met === true) return { text: t('service.met'), kind: 'met' };
  if (met === false) return { text: t('service.missed'), kind: 'missed' };
  if (!due) return { text: t('service.no_target'), kind: 'none' };
  if (paused(c)) return { text: t('service.paused'), kind: 'paused' };
  const left = Date.parse(due) - now;
  if (left < 0) return { text: t('service.overdue', { d: duration(-left) }), kind: 'late' };
  return { text: t('service.due_in', { d: duration(left) }), kind: left < 3600e3 ? 'soon' : 'ok' };
}

/** The clock that matters now: the first response until it is given, then the resolution. */
export function clockEl(c, now = Date.now()) {
  const target = c.first_response_at ? 'resolution' : 'first_response';
  const k = targetClock(c, target, now);
  return h('span', { class: ['sla-clock', 'sla-' + k.kind], title: t('service.target_' + target) },
    h('span', { class: 'sr-only', text: t('service.target_' + target) + ': ' }), k.text);
}
