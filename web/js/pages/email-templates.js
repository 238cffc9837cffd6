// email-templates: the e-mail templates of campaigns (issue 20) — a list and
// an editor whose preview renders the template for a sample customer in
// both languages, side by side, through the server's own renderer (merge
// fields {{name}}, {{company}}, {{owner}}, {{unsubscribe_url}}, values
// HTML-escaped). The preview is shown in a sandboxed frame: a template is
// HTML, and it must not run in the application's page.
// API: GET/POST /api/v1/email-templates, PATCH/DELETE /api/v1/email-templates/{id},
// POST /api/v1/email-templates/preview.
import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorState, errorText, debounce } from '../ui.js';

export async function render(ctx) {
  const { main, signal } = ctx;
  const perms = (api.user() && api.user().permissions && api.user().permissions['email-templates']) || {};
  const canWrite = perms.create && perms.create !== 'none';
  const tableBox = h('div', { class: 'table-wrap' });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('mail.templates') }), h('p', { class: 'muted', text: t('mail.templates_sub') })),
      canWrite ? h('div', { class: 'head-actions' }, h('button', { type: 'button', class: 'btn btn-primary', on: { click: () => edit(null) } }, icon('plus'), t('mail.template_new'))) : null),
    tableBox));

  async function load() {
    try {
      const rows = (await api.get('/api/v1/email-templates', { limit: 500, sort: 'name' }, { signal })).items;
      if (!rows.length) { replace(tableBox, h('div', { class: 'empty' }, h('p', { text: t('mail.templates_none') }))); return; }
      replace(tableBox, h('table', { class: 'table templates-table' },
        h('caption', { class: 'sr-only', text: t('mail.templates') }),
        h('thead', {}, h('tr', {}, ['name', 'language', 'subject'].map((k) => h('th', { scope: 'col', text: t('mail.tcol_' + k) })),
          canWrite ? h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('action.edit') })) : null)),
        h('tbody', {}, rows.map((x) => h('tr', { dataset: { id: x.id } },
          h('td', { text: x.name }), h('td', { text: x.language === 'en' ? 'English' : '简体中文' }), h('td', { text: x.subject }),
          canWrite ? h('td', { class: 'row-actions' }, h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('mail.template_edit', { name: x.name }), on: { click: () => edit(x) } }, icon('edit'))) : null)))));
    } catch (err) { if (err.name !== 'AbortError') replace(tableBox, errorState(err, load)); }
  }

  async function edit(x) {
    const f = {
      name: field({ label: t('field.name'), value: x ? x.name : '', required: true, attrs: { maxlength: '200' } }),
      language: field({ label: t('mail.language'), type: 'select', value: x ? x.language : 'zh-CN', options: [{ value: 'zh-CN', label: '简体中文' }, { value: 'en', label: 'English' }] }),
      subject: field({ label: t('mail.subject'), value: x ? x.subject : '', required: true, attrs: { maxlength: '300' } }),
      body: field({ label: t('mail.body'), type: 'textarea', rows: 10, value: x ? x.body : '', required: true, hint: t('mail.body_hint') }),
    };
    const previews = ['zh-CN', 'en'].map((lang) => {
      const subj = h('p', { class: 'preview-subject' });
      const frame = h('iframe', { class: 'preview-frame', title: t('mail.preview_in', { lang: lang === 'en' ? 'English' : '简体中文' }), sandbox: '' });
      const box = h('div', { class: 'preview', dataset: { lang } }, h('h3', { text: lang === 'en' ? 'English' : '简体中文' }), subj, frame);
      return { lang, subj, frame, box };
    });
    const err = h('p', { class: 'form-error preview-error', role: 'alert', hidden: true });
    const refresh = debounce(async () => {
      for (const p of previews) {
        try {
          const r = await api.post('/api/v1/email-templates/preview', { subject: f.subject.input.value, body: f.body.input.value, language: p.lang });
          p.subj.textContent = r.subject;
          p.frame.srcdoc = r.html;
          err.hidden = true;
        } catch (e) {
          err.textContent = e.code === 'invalid_value' ? t('mail.bad_merge_field') : errorText(e);
          err.hidden = false;
        }
      }
    }, 300);
    f.subject.input.addEventListener('input', refresh);
    f.body.input.addEventListener('input', refresh);
    refresh();
    const r = await dialog({
      title: x ? t('mail.template_edit', { name: x.name }) : t('mail.template_new'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, f.name.wrap, f.language.wrap), f.subject.wrap, f.body.wrap, err,
        h('div', { class: 'preview-pair', 'aria-label': t('mail.preview') }, previews.map((p) => p.box))),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const body = { name: f.name.input.value.trim(), language: f.language.input.value, subject: f.subject.input.value, body: f.body.input.value };
        return x ? api.patch('/api/v1/email-templates/' + x.id, body, x.version) : api.post('/api/v1/email-templates', body);
      } }],
    });
    if (r) { toast(t('mail.template_saved', { name: r.name })); load(); }
  }

  await load();
}
