// letterhead: the settings page's card where an admin keeps the company's
// letterhead printed on quotes (issue 18): name, address, phone, e-mail,
// web site and a logo (PNG or JPEG, at most 256 KB, sent as a data: URL;
// the server refuses one it could not draw).
// API: GET/PUT /api/v1/settings/letterhead.
import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { card, field, toast, errorText, spinner } from '../ui.js';

const KEYS = ['name', 'address', 'phone', 'email', 'website'];
const LOGO_MAX = 256 * 1024;

/** The card (admins only; the caller decides). */
export function letterheadCard() {
  const box = h('div', {}, spinner());
  (async () => {
    let cur;
    try { cur = await api.get('/api/v1/settings/letterhead'); } catch (err) { replace(box, h('p', { class: 'muted', text: errorText(err) })); return; }
    const f = Object.fromEntries(KEYS.map((k) => [k, field({ label: t('lh.' + k), value: cur[k] || '', attrs: { maxlength: '500' } })]));
    let logo = cur.logo || '';
    const preview = h('div', { class: 'logo-preview' });
    const drawLogo = () => replace(preview, logo ? h('img', { src: logo, alt: t('lh.logo_alt'), class: 'logo-img' }) : h('span', { class: 'muted', text: t('lh.no_logo') }),
      logo ? h('button', { type: 'button', class: 'btn btn-ghost btn-sm', on: { click: () => { logo = ''; drawLogo(); } } }, icon('close'), t('lh.remove_logo')) : null);
    drawLogo();
    const fileId = 'lh-logo';
    const file = h('input', { type: 'file', id: fileId, accept: 'image/png,image/jpeg' });
    const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
    file.addEventListener('change', () => {
      const fl = file.files[0];
      if (!fl) return;
      if (fl.size > LOGO_MAX || !/^image\/(png|jpeg)$/.test(fl.type)) { replace(err, t('lh.logo_invalid')); err.hidden = false; return; }
      const rd = new FileReader();
      rd.onload = () => { logo = String(rd.result); err.hidden = true; drawLogo(); };
      rd.readAsDataURL(fl);
    });
    const save = async () => {
      err.hidden = true;
      try {
        const body = Object.fromEntries(KEYS.map((k) => [k, f[k].input.value.trim()]));
        body.logo = logo;
        await api.request('PUT', '/api/v1/settings/letterhead', { body });
        toast(t('lh.saved'));
      } catch (e) { replace(err, errorText(e)); err.hidden = false; }
    };
    replace(box, h('p', { class: 'muted', text: t('lh.hint') }),
      h('div', { class: 'form-grid' }, KEYS.map((k) => f[k].wrap)),
      h('div', { class: 'field' }, h('label', { for: fileId, text: t('lh.logo') }), file, preview),
      err, h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn btn-primary', on: { click: save } }, t('action.save'))));
  })();
  return card(t('lh.title'), box, { cls: 'card-wide card-letterhead' });
}
