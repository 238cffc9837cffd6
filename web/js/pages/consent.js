// consent: the consent card of the customer page (issue 20) — the latest
// consent per channel (the one that decides, as the sender reads it), with
// its source, time and wording, and a dialog to record a grant or a
// withdrawal (a new record: consents are never edited).
// API: GET/POST /api/v1/consents.
import { h, icon, replace } from '../dom.js';
import { t, dateTime } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, card, badge, spinner, errorState } from '../ui.js';

const CHANNELS = ['email', 'sms', 'call', 'wechat', 'letter'];

export function consentCard(party) {
  const box = h('div', { class: 'consent-box' }, spinner());
  const perms = (api.user() && api.user().permissions && api.user().permissions.consents) || {};
  const canCreate = perms.create && perms.create !== 'none';
  const el = card(t('mail.consent'), box, { cls: 'card-consent',
    actions: canCreate ? h('button', { type: 'button', class: 'btn btn-ghost btn-sm', on: { click: record } }, icon('plus'), t('mail.consent_record')) : null });

  async function load() {
    try {
      const items = (await api.get('/api/v1/consents', { party_id: party.id, sort: '-given_at', limit: 200 })).items;
      const latest = new Map();
      for (const c of items) if (!latest.has(c.channel)) latest.set(c.channel, c);
      if (!latest.size) { replace(box, h('p', { class: 'muted', text: t('mail.consent_none') })); return; }
      replace(box, h('ul', { class: 'consent-list' }, [...latest.values()].map((c) => h('li', { dataset: { channel: c.channel } },
        h('strong', { text: t('enum.channel.' + c.channel) }), ' ',
        badge(c.granted ? t('mail.consent_granted') : t('mail.consent_withdrawn'), c.granted ? 'green' : 'red'),
        h('div', { class: 'sub muted', text: [c.source, dateTime(c.given_at)].filter(Boolean).join(' · ') }),
        c.wording ? h('div', { class: 'sub muted consent-wording', text: '“' + c.wording + '”' }) : null))));
    } catch (err) { replace(box, errorState(err, load)); }
  }

  async function record() {
    const f = {
      channel: field({ label: t('field.channel'), type: 'select', value: 'email', options: CHANNELS.map((c) => ({ value: c, label: t('enum.channel.' + c) })) }),
      granted: field({ label: t('mail.consent_choice'), type: 'select', value: 'true', options: [{ value: 'true', label: t('mail.consent_granted') }, { value: 'false', label: t('mail.consent_withdrawn') }] }),
      source: field({ label: t('mail.consent_source'), value: '', attrs: { maxlength: '200' }, hint: t('mail.consent_source_hint') }),
      wording: field({ label: t('mail.consent_wording'), type: 'textarea', value: '', attrs: { maxlength: '2000' }, hint: t('mail.consent_wording_hint') }),
    };
    const r = await dialog({
      title: t('mail.consent_record'),
      build: (b) => b.append(h('div', { class: 'form-grid' }, f.channel.wrap, f.granted.wrap), f.source.wrap, f.wording.wrap),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => api.post('/api/v1/consents', {
        party_id: party.id, channel: f.channel.input.value, granted: f.granted.input.value === 'true',
        source: f.source.input.value.trim() || null, wording: f.wording.input.value.trim() || null }) }],
    });
    if (r) { toast(t('mail.consent_saved')); load(); }
  }

  load();
  return el;
}
