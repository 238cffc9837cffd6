// settings: personal preferences (language), the account, and links to the
// administration pages the user's role may open (users, teams, roles and
// permissions, field security, import, audit trail, tier thresholds,
// scheduled work).
import { h } from '../dom.js';
import { t, LOCALES, getLocale, setLocale, number, money, dateTime } from '../i18n.js';
import * as api from '../api.js';
import { card, dl, nextId } from '../ui.js';

// Administration entries: a link when the page exists (and the role may use it), else "coming soon".
const ADMIN = [['import', '/import', null], ['audit', '/audit', ['admin']], ['users', '/users', ['admin']], ['teams', '/teams', ['admin']], ['permissions', '/permissions', ['admin']], ['fields', '/field-security', ['admin']], ['tiers', '/analytics-settings', ['admin']], ['schedules', '/schedules', ['admin']], ['service', '/service-setup', ['admin']], ['service_measures', '/service-measures', null]];

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
      card(t('settings.admin'), h('ul', { class: 'upcoming' }, ADMIN.filter(([, , roles]) => !roles || roles.includes(u.role)).map(([k, href]) => h('li', {},
        href ? h('a', { href, class: 'up-name', text: t('settings.up_' + k) }) : h('span', { class: 'up-name', text: t('settings.up_' + k) }),
        href ? null : h('span', { class: 'badge badge-grey', text: t('settings.coming') })))),
      { cls: 'card-wide' }))));
}
