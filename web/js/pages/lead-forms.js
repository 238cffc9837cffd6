// lead-forms: the admin's public web-to-lead forms (issue 18) — each with
// its key (the public address /forms/{key}, shown as a link to copy into
// the company's web site), the consent text people agree to, the source,
// territory and industry its leads get, and whether it is enabled.
// API: GET/POST /api/v1/lead-forms, PATCH/DELETE /api/v1/lead-forms/{id}.
import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorState, errorText, badge, confirmDialog, empty, vocabOptions, showFieldErrors } from '../ui.js';
import { VOCAB } from '../vocab.js';

export async function render(ctx) {
  const { main, signal } = ctx;
  let forms = [];
  const box = h('div', { class: 'table-wrap' });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('lforms.title') }), h('p', { class: 'muted', text: t('lforms.subtitle') })),
      h('div', { class: 'head-actions' }, h('button', { type: 'button', class: 'btn btn-primary', on: { click: () => edit(null) } }, icon('plus'), t('lforms.new')))),
    box));

  async function load() {
    try {
      forms = (await api.listAll('/api/v1/lead-forms', {}, { signal })).items;
      draw();
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
    }
  }

  function draw() {
    if (!forms.length) { replace(box, empty(t('lforms.none'))); return; }
    replace(box, h('table', { class: 'table lforms-table' },
      h('caption', { class: 'sr-only', text: t('lforms.title') }),
      h('thead', {}, h('tr', {}, ['name', 'address', 'state'].map((k) => h('th', { scope: 'col', text: t('lforms.c_' + k) })),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('leads.actions') })))),
      h('tbody', {}, forms.map((f) => h('tr', { dataset: { id: f.id } },
        h('td', {}, h('div', { text: f.name }), h('div', { class: 'sub muted', text: f.consent_text })),
        h('td', {}, h('a', { href: '/forms/' + f.key, target: '_blank', rel: 'noopener', class: 'form-url', text: location.origin + '/forms/' + f.key })),
        h('td', {}, badge(t(f.enabled ? 'arules.enabled' : 'arules.disabled'), f.enabled ? 'green' : 'grey')),
        h('td', { class: 'row-actions' },
          h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('lforms.edit', { name: f.name }), on: { click: () => edit(f) } }, icon('edit')),
          h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('lforms.delete', { name: f.name }), on: { click: () => remove(f) } }, icon('close'))))))));
  }

  async function edit(f0) {
    const f = {
      name: field({ label: t('lforms.name'), value: f0 ? f0.name : '', required: true, attrs: { maxlength: '200' } }),
      key: field({ label: t('lforms.key'), value: f0 ? f0.key : '', required: true, attrs: { maxlength: '64', pattern: '[a-z0-9_\\-]{3,64}' }, hint: t('lforms.key_hint') }),
      consent_text: field({ label: t('lforms.consent'), type: 'textarea', value: f0 ? f0.consent_text : '', required: true, attrs: { maxlength: '2000' } }),
      source: field({ label: t('field.source'), type: 'select', value: f0 ? f0.source || '' : 'website', options: vocabOptions('source', VOCAB.source) }),
      territory: field({ label: t('leads.territory'), value: f0 ? f0.territory || '' : '', attrs: { maxlength: '100' } }),
      industry: field({ label: t('field.industry'), value: f0 ? f0.industry || '' : '', attrs: { maxlength: '100' } }),
      thank_you: field({ label: t('lforms.thank_you'), value: f0 ? f0.thank_you || '' : '', attrs: { maxlength: '1000' } }),
      enabled: field({ label: t('arules.enabled'), type: 'checkbox', value: f0 ? f0.enabled : true }),
    };
    const saved = await dialog({
      title: f0 ? t('lforms.edit', { name: f0.name }) : t('lforms.new'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, f.name.wrap, f.key.wrap, f.source.wrap, f.territory.wrap, f.industry.wrap, f.thank_you.wrap),
        f.consent_text.wrap, f.enabled.wrap),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: async () => {
        const body = { enabled: f.enabled.input.checked };
        for (const k of ['name', 'key', 'consent_text', 'source', 'territory', 'industry', 'thank_you']) body[k] = f[k].input.value.trim() || null;
        try {
          return f0 ? await api.patch('/api/v1/lead-forms/' + f0.id, body, f0.version) : await api.post('/api/v1/lead-forms', body);
        } catch (err) { if (showFieldErrors(err, f)) return false; throw err; }
      } }],
    });
    if (saved) { toast(t('lforms.saved', { name: saved.name })); load(); }
  }

  async function remove(f) {
    if (!(await confirmDialog(t('lforms.delete', { name: f.name }), t('lforms.delete_text', { name: f.name }), t('action.delete'), 'danger'))) return;
    try { await api.del('/api/v1/lead-forms/' + f.id); toast(t('lforms.deleted', { name: f.name })); } catch (err) { toast(errorText(err), 'error'); }
    load();
  }

  await load();
}
