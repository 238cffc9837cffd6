// settings: personal preferences (language), the account, and links to the
// administration pages the user's role may open (users, teams, roles and
// permissions, field security, import, audit trail, tier thresholds,
// scheduled work, lead assignment rules and web-to-lead forms) and the
// user's calendar feed: a secret iCalendar URL of their tasks, made anew on
// request (the previous one stops working).
import { h } from '../dom.js';
import { t, LOCALES, getLocale, setLocale, number, money, dateTime } from '../i18n.js';
import * as api from '../api.js';
import { card, dl, nextId, toast, errorText } from '../ui.js';
import { letterheadCard } from './letterhead.js';
import { mailSettingsCard } from './mail-settings.js';

// Administration entries: a link when the page exists (and the role may use it), else "coming soon".
const ADMIN = [['import', '/import', null], ['audit', '/audit', ['admin']], ['users', '/users', ['admin']], ['teams', '/teams', ['admin']], ['permissions', '/permissions', ['admin']], ['fields', '/field-security', ['admin']], ['tiers', '/analytics-settings', ['admin']], ['schedules', '/schedules', ['admin']], ['arules', '/assignment-rules', ['admin']], ['carules', '/assignment-rules?subject=case', ['admin']], ['lforms', '/lead-forms', ['admin']], ['service', '/service-setup', ['admin']], ['service_measures', '/service-measures', null]];

export async function render({ main }) {
  const u = api.user();
  const name = nextId('lang');
  const langs = h('fieldset', { class: 'radio-group' }, h('legend', { text: t('settings.language') }),
    LOCALES.map((l) => {
      const id = nextId('r');
      return h('div', { class: 'radio' },
        h('input', { type: 'radio', id, name, value: l.code, checked: l.code === getLocale(), on: { change: () => setLocale(l.code) } }),
        h('label', { for: id, lang: l.code, text: l.label }));
    }));
  const sample = dl([
    [t('settings.sample_number'), number(1234567.89)],
    [t('settings.sample_money'), money({ amount: 123456789, currency: 'CNY' })],
    [t('settings.sample_date'), dateTime(new Date())],
  ]);
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('settings.title') }), h('p', { class: 'muted', text: t('settings.subtitle') }))),
    h('div', { class: 'settings-grid' },
      card(t('settings.preferences'), h('div', {}, langs, sample)),
      card(t('settings.account'), dl([
        [t('login.email'), u.email], [t('settings.name'), u.name], [t('settings.role'), t('role.' + u.role)],
      ])),
      calendarCard(),
      card(t('settings.admin'), h('ul', { class: 'upcoming' }, ADMIN.filter(([, , roles]) => !roles || roles.includes(u.role)).map(([k, href]) => h('li', {},
        href ? h('a', { href, class: 'up-name', text: t('settings.up_' + k) }) : h('span', { class: 'up-name', text: t('settings.up_' + k) }),
        href ? null : h('span', { class: 'badge badge-grey', text: t('settings.coming') })))),
      { cls: 'card-wide' }),
      u.role === 'admin' ? letterheadCard() : null,
      u.role === 'admin' ? mailSettingsCard() : null)));
}

// The calendar feed: the URL is shown once, when made (only its hash is kept).
function calendarCard() {
  const out = h('input', { type: 'text', readonly: true, class: 'feed-url', 'aria-label': t('settings.cal_url'), hidden: true });
  const state = h('p', { class: 'muted', role: 'status' });
  const btn = h('button', { type: 'button', class: 'btn', text: t('settings.cal_make'), on: { click: async () => {
    try {
      const r = await api.post('/api/v1/calendar-feeds', {});
      out.value = r.url;
      out.hidden = false;
      out.select();
      state.textContent = t('settings.cal_made');
      btn.textContent = t('settings.cal_again');
    } catch (err) { toast(errorText(err), 'error'); }
  } } });
  api.get('/api/v1/calendar-feeds').then((s) => {
    if (s.active) { state.textContent = t('settings.cal_active', { when: dateTime(s.created_at) }); btn.textContent = t('settings.cal_again'); }
    else state.textContent = t('settings.cal_none');
  }).catch(() => {});
  return card(t('settings.calendar'), h('div', {}, h('p', { text: t('settings.cal_help') }), state, out, btn));
}
