// products: the catalogue — list with category and active filters, sort,
// keyset "load more", and a dialog to add or edit a product.
import { h, icon, replace } from '../dom.js';
import { t, money, toMinor, compare } from '../i18n.js';
import * as api from '../api.js';
import { setQuery } from '../router.js';
import { field, dialog, toast, errorState, badge, debounce } from '../ui.js';

const SORTS = ['name', '-name', '-updated_at', 'id'];
const CLIENT_SORT = 2000;   // products sorted by name in the browser, up to this many

export async function render(ctx) {
  const { main, query, signal } = ctx;
  const state = { category: query.get('category') || '', active: query.get('active') || '', sort: SORTS.includes(query.get('sort')) ? query.get('sort') : 'name' };
  let rows = [], next = null;
  const canWrite = api.user() && api.user().role !== 'read_only';
  const cat = field({ label: t('field.category'), value: state.category, placeholder: t('common.any') });
  cat.input.addEventListener('input', debounce(() => { state.category = cat.input.value.trim(); reload(); }, 300));
  const active = field({ label: t('field.active'), type: 'select', value: state.active, options: [
    { value: '', label: t('common.any') }, { value: 'true', label: t('products.active') }, { value: 'false', label: t('products.inactive') }] });
  active.input.addEventListener('change', () => { state.active = active.input.value; reload(); });
  const sort = field({ label: t('customers.sort'), type: 'select', value: state.sort, options: SORTS.map((s) => ({ value: s, label: t('sort.' + s) })) });
  sort.input.addEventListener('change', () => { state.sort = sort.input.value; reload(); });
  const tableBox = h('div', { class: 'table-wrap' });
  const status = h('p', { class: 'list-status muted', role: 'status' });
  const more = h('button', { type: 'button', class: 'btn', text: t('customers.load_more'), on: { click: () => load(true) } });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('products.title') }), h('p', { class: 'muted', text: t('products.subtitle') })),
      h('div', { class: 'head-actions' }, h('a', { class: 'btn', href: '/price-lists', text: t('pl.title') }),
        canWrite ? h('button', { type: 'button', class: 'btn btn-primary', on: { click: () => edit(null) } }, icon('plus'), t('products.new')) : null)),
    h('div', { class: 'toolbar' }, cat.wrap, active.wrap, sort.wrap),
    tableBox, h('div', { class: 'list-foot' }, status, more)));

  function reload() { setQuery({ ...state, sort: state.sort === 'name' ? '' : state.sort }); load(false); }

  // Names sort in the reader's order (pinyin in zh-CN) as customers do: the server sorts product names by
  // code point, so a catalogue of up to CLIENT_SORT products is loaded whole and sorted here; a larger one
  // pages in the server's order.
  let local = null;
  async function load(older) {
    try {
      if (/^-?name$/.test(state.sort) && !older) {
        const all = await api.listAll('/api/v1/products', { sort: 'id', category: state.category, active: state.active }, { maxItems: CLIENT_SORT, signal });
        if (all.complete) {
          const dir = state.sort === '-name' ? -1 : 1;
          local = all.items.sort((a, b) => dir * compare(a.name, b.name) || a.id - b.id);
          rows = local.slice(0, 50);
          next = local.length > 50 ? 50 : null;
          draw();
          return;
        }
      }
      if (older && local) {
        rows = local.slice(0, next + 50);
        next = local.length > next + 50 ? next + 50 : null;
        draw();
        return;
      }
      local = null;
      const page = await api.get('/api/v1/products', { limit: 50, sort: state.sort, category: state.category, active: state.active, after: older ? next : undefined }, { signal });
      rows = older ? rows.concat(page.items) : page.items;
      next = page.next;
      draw();
    } catch (err) {
      if (err.name !== 'AbortError') replace(tableBox, errorState(err, () => load(older)));
    }
  }

  function draw() {
    if (!rows.length) replace(tableBox, h('div', { class: 'empty' }, h('p', { text: t('products.none') })));
    else replace(tableBox, h('table', { class: 'table' },
      h('caption', { class: 'sr-only', text: t('products.title') }),
      h('thead', {}, h('tr', {}, ['name', 'sku', 'category', 'price', 'active'].map((k) => h('th', { scope: 'col', class: k === 'price' ? 'num' : '', text: t('field.' + k) })),
        canWrite ? h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('action.edit') })) : null)),
      h('tbody', {}, rows.map((p) => h('tr', {},
        h('td', {}, h('div', { class: 'name-text', text: p.name }), p.description ? h('div', { class: 'sub muted', text: p.description }) : null),
        h('td', { class: 'mono', text: p.sku || '' }),
        h('td', { text: p.category || '' }),
        h('td', { class: 'num', text: money(p.price) }),
        h('td', {}, p.active ? badge(t('products.active'), 'green') : badge(t('products.inactive'), 'grey')),
        canWrite ? h('td', { class: 'row-actions' }, h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('products.edit', { name: p.name }), on: { click: () => edit(p) } }, icon('edit'))) : null)))));
    status.textContent = t(next ? 'products.shown_more' : 'products.shown_all', { count: rows.length });
    more.hidden = !next;
  }

  async function edit(p) {
    const cur = (p && p.price && p.price.currency) || 'CNY';
    const f = {
      name: field({ label: t('field.name'), value: p ? p.name : '', required: true, attrs: { maxlength: '300' } }),
      sku: field({ label: t('field.sku'), value: p ? p.sku : '', attrs: { maxlength: '64' } }),
      category: field({ label: t('field.category'), value: p ? p.category : '' }),
      price: field({ label: t('field.price'), value: p && p.price ? String(p.price.amount / 100) : '', attrs: { inputmode: 'decimal' }, hint: t('form.amount_hint') }),
      description: field({ label: t('field.description'), type: 'textarea', value: p ? p.description : '' }),
      active: field({ label: t('products.active'), type: 'checkbox', value: p ? p.active : true }),
    };
    const r = await dialog({
      title: p ? t('products.edit', { name: p.name }) : t('products.new'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, f.name.wrap, f.sku.wrap, f.category.wrap, f.price.wrap), f.description.wrap, f.active.wrap),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const body = { name: f.name.input.value.trim(), active: f.active.input.checked };
        for (const k of ['sku', 'category', 'description']) {
          const v = f[k].input.value.trim();
          if (v || p) body[k] = v || null;
        }
        const pv = f.price.input.value.trim();
        if (pv) {
          const a = toMinor(pv, cur);
          if (a === null) { f.price.input.focus(); throw new Error(t('form.amount_invalid')); }
          body.price = { amount: a, currency: cur };
        } else if (p) body.price = null;
        return p ? api.patch('/api/v1/products/' + p.id, body, p.version) : api.post('/api/v1/products', body);
      } }],
    });
    if (r) { toast(t('products.saved', { name: r.name })); load(false); }
  }

  await load(false);
}
