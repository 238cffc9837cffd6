// mail-settings: the settings page's card where an admin sets how marketing
// and service e-mail leaves (issue 20): the SMTP relay, the From address,
// the public HTTPS address the unsubscribe and survey links are under, the
// company name in the mails, and the channels other than e-mail that need
// no recorded consent. RAPPORT_SMTP_URL, when the server has it, wins over
// the relay set here; the card says so.
// API: GET/PUT /api/v1/settings/mail (admin).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { card, field, toast, errorText, spinner, showFieldErrors } from '../ui.js';

const KEYS = ['smtp_url', 'from', 'public_url', 'company'];
// E-mail always needs consent (the server refuses it in the list).
const OPTIONAL = ['sms', 'call', 'wechat', 'letter', 'visit'];

/** The card (admins only; the caller decides). */
export function mailSettingsCard() {
  const box = h('div', {}, spinner());
  (async () => {
    let cur;
    try { cur = await api.get('/api/v1/settings/mail'); } catch (err) { replace(box, h('p', { class: 'muted', text: errorText(err) })); return; }
    const f = Object.fromEntries(KEYS.map((k) => [k, field({ label: t('ms.' + k), value: cur[k] || '', attrs: { maxlength: '500', spellcheck: 'false' } })]));
    f.smtp_url.input.placeholder = 'smtp://relay.example.com:587';
    f.public_url.input.placeholder = 'https://crm.example.com';
    const optional = new Set(cur.consent_optional_channels || []);
    const checks = OPTIONAL.map((c) => ({ c, f: field({ label: t('enum.channel.' + c), type: 'checkbox', value: optional.has(c) }) }));
    const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
    const save = async () => {
      err.hidden = true;
      try {
        const body = Object.fromEntries(KEYS.map((k) => [k, f[k].input.value.trim()]));
        body.consent_optional_channels = checks.filter((x) => x.f.input.checked).map((x) => x.c);
        await api.request('PUT', '/api/v1/settings/mail', { body });
        toast(t('ms.saved'));
      } catch (e) {
        if (!showFieldErrors(e, f)) { replace(err, errorText(e)); err.hidden = false; }
      }
    };
    replace(box, h('p', { class: 'muted', text: t('ms.hint') }),
      cur.smtp_url_from_environment ? h('p', { class: 'notice ms-env', role: 'note', text: t('ms.from_env') }) : null,
      h('div', { class: 'form-grid' }, KEYS.map((k) => f[k].wrap)),
      h('fieldset', { class: 'field ms-optional' }, h('legend', { text: t('ms.optional') }),
        h('p', { class: 'muted', text: t('ms.optional_hint') }), checks.map((x) => x.f.wrap)),
      err, h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn btn-primary', on: { click: save } }, t('action.save'))));
  })();
  return card(t('ms.title'), box, { cls: 'card-wide card-mail-settings' });
}
