// price-lists: the price lists (issue 18) — a list with their currency,
// customer group and validity, and a dialog that edits one with its items
// (a product and its unit price each). The price that applies to a quote
// line is the server's (GET /api/v1/products/{id}/price); this page only
// keeps the lists. API: GET/POST /api/v1/price-lists, PATCH …/{id},
// GET /api/v1/products.
import { h, icon, replace } from '../dom.js';
import { t, money, toMinor, date } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorState, badge } from '../ui.js';

export async function render(ctx) {
  const { main, signal } = ctx;
  const perms = (api.user() && api.user().permissions && api.user().permissions['price-lists']) || {};
  const canEdit = perms.update && perms.update !== 'none';
  const canCreate = perms.create && perms.create !== 'none';
  let products = [];
  try {
    products = (await api.listAll('/api/v1/products', { sort: 'name' }, { signal })).items;
  } catch (err) {
    if (err.name !== 'AbortError') main.append(errorState(err));
    return;
  }
  const productName = (id) => (products.find((p) => p.id === id) || { name: '#' + id }).name;
  const tableBox = h('div', { class: 'table-wrap' });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('pl.title') }), h('p', { class: 'muted', text: t('pl.subtitle') })),
      canCreate ? h('div', { class: 'head-actions' }, h('button', { type: 'button', class: 'btn btn-primary', on: { click: () => edit(null) } }, icon('plus'), t('pl.new'))) : null),
    tableBox));

  async function load() {
    try {
      const { items } = await api.listAll('/api/v1/price-lists', { sort: '-valid_from' }, { signal });
      draw(items);
    } catch (err) {
      if (err.name !== 'AbortError') replace(tableBox, errorState(err, load));
    }
  }

  function draw(rows) {
    if (!rows.length) { replace(tableBox, h('div', { class: 'empty' }, h('p', { text: t('pl.none') }))); return; }
    replace(tableBox, h('table', { class: 'table price-lists-table' },
      h('caption', { class: 'sr-only', text: t('pl.title') }),
      h('thead', {}, h('tr', {}, ['name', 'currency', 'group', 'valid', 'items', 'active'].map((k) => h('th', { scope: 'col', class: k === 'items' ? 'num' : '', text: t('pl.col_' + k) })),
        canEdit ? h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('action.edit') })) : null)),
      h('tbody', {}, rows.map((l) => h('tr', { dataset: { id: l.id } },
        h('td', {}, h('div', { class: 'name-text', text: l.name }),
          h('div', { class: 'sub muted', text: (l.items || []).slice(0, 3).map((i) => `${productName(i.product_id)} ${money({ amount: i.unit_price, currency: l.currency })}`).join(' · ') })),
        h('td', { text: l.currency }),
        h('td', { text: l.customer_group || t('pl.everyone') }),
        h('td', { text: `${date(l.valid_from)} – ${l.valid_to ? date(l.valid_to) : '…'}` }),
        h('td', { class: 'num', text: String((l.items || []).length) }),
        h('td', {}, l.active ? badge(t('pl.active'), 'green') : badge(t('pl.inactive'), 'grey')),
        canEdit ? h('td', { class: 'row-actions' }, h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('pl.edit', { name: l.name }), on: { click: () => edit(l) } }, icon('edit'))) : null)))));
  }

  async function edit(l) {
    const f = {
      name: field({ label: t('field.name'), value: l ? l.name : '', required: true, attrs: { maxlength: '200' } }),
      currency: field({ label: t('pl.currency'), value: l ? l.currency : 'CNY', required: true, attrs: { maxlength: '3', pattern: '[A-Z]{3}' } }),
      group: field({ label: t('pl.group'), value: l ? l.customer_group || '' : '', hint: t('pl.group_hint'), attrs: { maxlength: '100' } }),
      from: field({ label: t('pl.valid_from'), type: 'date', value: l ? l.valid_from : '', required: true }),
      to: field({ label: t('pl.valid_to'), type: 'date', value: l ? l.valid_to || '' : '' }),
      active: field({ label: t('pl.active'), type: 'checkbox', value: l ? l.active : true }),
    };
    const itemsBody = h('tbody');
    const addRow = (item) => {
      const n = itemsBody.children.length + 1;
      const prod = h('select', { 'aria-label': t('pl.item_product', { n }) },
        h('option', { value: '', text: t('pl.pick_product') }),
        products.map((p) => h('option', { value: String(p.id), selected: item && item.product_id === p.id, text: p.name })));
      const price = h('input', { type: 'text', inputmode: 'decimal', 'aria-label': t('pl.item_price', { n }),
        value: item ? String(item.unit_price / 100) : '' });
      const row = h('tr', {}, h('td', {}, prod), h('td', {}, price),
        h('td', {}, h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('pl.item_remove', { n }), on: { click: () => row.remove() } }, icon('close'))));
      row._read = () => ({ prod, price });
      itemsBody.append(row);
    };
    for (const i of (l && l.items) || []) addRow(i);
    if (!l) addRow(null);
    const r = await dialog({
      title: l ? t('pl.edit', { name: l.name }) : t('pl.new'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, f.name.wrap, f.currency.wrap, f.group.wrap, f.from.wrap, f.to.wrap, f.active.wrap),
        h('table', { class: 'table pl-items' }, h('thead', {}, h('tr', {}, h('th', { text: t('pl.col_product') }), h('th', { text: t('pl.col_price') }), h('th'))), itemsBody),
        h('button', { type: 'button', class: 'btn btn-sm', on: { click: () => addRow(null) } }, icon('plus'), t('pl.add_item'))),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const currency = f.currency.input.value.trim().toUpperCase();
        const items = [];
        for (const row of itemsBody.children) {
          const { prod, price } = row._read();
          if (!prod.value && !price.value.trim()) continue;
          const a = toMinor(price.value, currency);
          if (!prod.value) { prod.focus(); throw new Error(t('pl.pick_product')); }
          if (a === null || a < 0) { price.focus(); throw new Error(t('form.amount_invalid')); }
          items.push({ product_id: Number(prod.value), unit_price: a });
        }
        const body = { name: f.name.input.value.trim(), currency, customer_group: f.group.input.value.trim() || null,
          valid_from: f.from.input.value, valid_to: f.to.input.value || null, active: f.active.input.checked, items };
        return l ? api.patch('/api/v1/price-lists/' + l.id, body, l.version) : api.post('/api/v1/price-lists', body);
      } }],
    });
    if (r) { toast(t('pl.saved', { name: r.name })); load(); }
  }

  await load();
}
