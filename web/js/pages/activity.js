// activity: the forms that create and correct a party's activities —
// interactions (logged or planned: moved, reassigned, cancelled), purchases
// (line items from the product catalogue or free text; a refund only when
// ticked as one) and notes — and their deletion. Shared by the customer
// page, the company roll-up, the task list and the calendar. A change sends
// the version read (If-Match); when someone else changed the record first
// the form says so, takes the new version, and saving again overwrites it.
import { h, icon } from '../dom.js';
import { t, label, money, toMinor, number, compare } from '../i18n.js';
import * as api from '../api.js';
import { VOCAB } from '../vocab.js';
import { field, vocabOptions, dialog, confirmDialog, toast, errorText, toLocalInput, fromLocalInput, showFieldErrors } from '../ui.js';
import { ensureUsers, userList, userLabel } from '../users.js';

export const CURRENCIES = ['CNY', 'USD', 'EUR', 'HKD', 'JPY', 'GBP', 'SGD', 'TWD'];
export const SALES_CHANNELS = ['store', 'online', 'sales_rep', 'phone', 'wechat', 'dealer', 'event', 'other'];

const PATHS = { interaction: '/api/v1/interactions/', transaction: '/api/v1/transactions/', note: '/api/v1/notes/' };

/** The label of a sales channel code (free text stays as typed). */
export function salesChannel(code) { return label('sales_channel', code); }

function whenDefault(planned) {
  if (!planned) return new Date().toISOString();
  return new Date(Date.now() + 86400000).toISOString();
}

/** A select that keeps an unknown current value as an option of its own. */
function listOptions(values, current, lab) {
  const opts = values.map((v) => ({ value: v, label: lab(v) }));
  if (current && !values.includes(current)) opts.push({ value: current, label: lab(current) });
  return opts;
}

/**
 * Saves body: POST when creating, PATCH with the version otherwise. On a
 * version conflict the form shows it and keeps the newer version, so a
 * second save overwrites; returns false to keep the dialog open.
 */
async function save(kind, item, body, setError, fields) {
  if (!item) return api.post(PATHS[kind].slice(0, -1), body);
  try {
    return await api.patch(PATHS[kind] + item.id, body, item.version);
  } catch (err) {
    if (api.isConflict(err)) {
      try { const latest = await api.get(PATHS[kind] + item.id); item.version = latest.version; } catch { /* deleted */ }
      setError(t('activity.conflict'));
      return false;
    }
    if (fields && showFieldErrors(err, fields)) { setError(t('form.fix_fields')); return false; }
    throw err;
  }
}

/**
 * The interaction form. item: an existing interaction (edit), else a new
 * one for party with {channel, planned}. Resolves to the saved record or
 * undefined.
 */
export async function interactionDialog({ party, item, channel = 'call', planned = false }) {
  await ensureUsers();
  const status0 = item ? item.status : planned ? 'planned' : 'done';
  const ch = field({ label: t('field.channel'), name: 'channel', type: 'select', options: vocabOptions('channel', VOCAB.channel), value: item ? item.channel : channel, required: true });
  const dir = field({ label: t('field.direction'), name: 'direction', type: 'select', options: vocabOptions('direction', VOCAB.direction, t('common.none')), value: item ? item.direction || '' : 'outbound' });
  const status = field({ label: t('field.status'), name: 'status', type: 'select', options: vocabOptions('status', VOCAB.status), value: status0 });
  const subject = field({ label: t('field.subject'), name: 'subject', value: item ? item.subject : '', attrs: { maxlength: '300' } });
  const due = field({ label: t('field.due_at'), name: 'due_at', type: 'datetime-local', value: toLocalInput(item && item.due_at ? item.due_at : whenDefault(true)) });
  const occurred = field({ label: t('field.occurred_at'), name: 'occurred_at', type: 'datetime-local', value: toLocalInput(item && item.occurred_at ? item.occurred_at : whenDefault(false)) });
  const users = userList();
  const me = api.user();
  const holderOpts = users.length ? users.map((u) => ({ value: u.id, label: u.id === me.id ? t('common.me') : (u.name || u.email) }))
    : [{ value: me.id, label: t('common.me') }];
  const holderId = item ? item.user_id : me.id;
  if (holderId && !holderOpts.some((o) => String(o.value) === String(holderId))) holderOpts.push({ value: holderId, label: userLabel(holderId) });
  const holder = field({ label: t('activity.holder'), name: 'user_id', type: 'select', options: holderOpts, value: holderId });
  const notes = field({ label: t('field.notes'), name: 'notes', type: 'textarea', rows: 3, value: item ? item.notes : '' });
  const response = field({ label: t('field.response'), name: 'response', type: 'textarea', rows: 2, hint: t('form.response_hint'), value: item ? item.response : '' });
  const outcome = field({ label: t('field.outcome'), name: 'outcome', value: item ? item.outcome : '', attrs: { maxlength: '500' } });
  const fields = { channel: ch, direction: dir, status, subject, due_at: due, occurred_at: occurred, user_id: holder, notes, response, outcome };
  const sync = () => {
    const s = status.input.value;
    due.wrap.hidden = s !== 'planned';
    due.input.required = s === 'planned';
    occurred.wrap.hidden = s === 'planned';
    response.wrap.hidden = s !== 'done';
    outcome.wrap.hidden = s !== 'done';
  };
  status.input.addEventListener('change', sync);
  sync();
  const titleKey = item ? 'activity.edit_interaction' : status0 === 'planned' ? 'customer.plan_visit_title' : 'customer.log_call_title';
  const saved = await dialog({
    title: t(titleKey, { name: party ? party.name : '' }), wide: true,
    build: (body) => body.append(h('div', { class: 'form-grid' }, ch.wrap, dir.wrap, status.wrap, holder.wrap), subject.wrap, due.wrap, occurred.wrap, notes.wrap, response.wrap, outcome.wrap),
    buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: (close, setError) => {
      const s = status.input.value;
      const body = { channel: ch.input.value, direction: dir.input.value || null, status: s, user_id: Number(holder.input.value) };
      if (!item) body.party_id = party.id;
      const text = (f) => f.input.value.trim() || null;
      body.subject = text(subject);
      body.notes = text(notes);
      if (s === 'planned') {
        body.due_at = fromLocalInput(due.input.value);
        if (!body.due_at) { showFieldErrors({ field: 'due_at', code: 'required' }, fields); return false; }
      } else {
        body.occurred_at = fromLocalInput(occurred.input.value) || new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        if (s === 'done') { body.response = text(response); body.outcome = text(outcome); }
      }
      if (!item) for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
      return save('interaction', item, body, setError, fields);
    } }],
  });
  if (saved) toast(item ? t('activity.saved') : status0 === 'planned' ? t('customer.planned_ok') : t('customer.logged_ok'));
  return saved;
}

/** The note form (new for party, or edit item). */
export async function noteDialog({ party, item }) {
  const body = field({ label: t('field.body'), name: 'body', type: 'textarea', rows: 5, required: true, value: item ? item.body : '', attrs: { maxlength: '20000' } });
  const saved = await dialog({
    title: item ? t('activity.edit_note') : t('customer.add_note_title', { name: party.name }), wide: true,
    build: (b) => b.append(body.wrap),
    buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true,
      onClick: (close, setError) => save('note', item, item ? { body: body.input.value.trim() } : { party_id: party.id, body: body.input.value.trim() }, setError, { body }) }],
  });
  if (saved) toast(item ? t('activity.saved') : t('customer.note_ok'));
  return saved;
}

let productsP = null;
/** The active products, name-sorted in the reader's order (loaded once per page visit). */
function loadProducts() {
  if (!productsP) {
    productsP = api.listAll('/api/v1/products', { active: true }, { maxItems: 2000 })
      .then(({ items }) => items.sort((a, b) => compare(a.name, b.name)))
      .catch(() => []);
    setTimeout(() => { productsP = null; }, 60000);
  }
  return productsP;
}

const decimal = (minor, cur) => {
  if (minor === null || minor === undefined) return '';
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency: cur }).resolvedOptions().maximumFractionDigits;
  return (minor / 10 ** digits).toFixed(digits);
};

/**
 * The purchase form: line items (a product from the catalogue or free
 * text, quantity, unit price), the amount (the sum of the lines unless
 * typed), currency and channel from lists, cost, time, description. A
 * negative amount is only sent when "refund" is ticked; the amount is
 * typed as a positive number.
 */
export async function transactionDialog({ party, item }) {
  const products = await loadProducts();
  const cur0 = item ? item.amount.currency : 'CNY';
  const refund0 = !!(item && item.amount.amount < 0);
  const amount = field({ label: t('field.amount'), name: 'amount', required: true, value: item ? decimal(Math.abs(item.amount.amount), cur0) : '', attrs: { inputmode: 'decimal' }, hint: t('form.amount_hint') });
  const refund = field({ label: t('activity.refund'), name: 'refund', type: 'checkbox', value: refund0 });
  const currency = field({ label: t('field.currency'), name: 'currency', type: 'select', options: listOptions(CURRENCIES, cur0, (c) => t('activity.currency', { code: c })), value: cur0, required: true });
  const cost = field({ label: t('field.cost'), name: 'cost', value: item && item.cost ? decimal(Math.abs(item.cost.amount), cur0) : '', attrs: { inputmode: 'decimal' } });
  const when = field({ label: t('field.occurred_at'), name: 'occurred_at', type: 'datetime-local', value: toLocalInput(item ? item.occurred_at : undefined), required: true });
  const ch0 = item ? item.channel || '' : '';
  const channel = field({ label: t('field.sales_channel'), name: 'channel', type: 'select',
    options: [{ value: '', label: t('common.none') }, ...listOptions(SALES_CHANNELS, ch0, salesChannel)], value: ch0 });
  const desc = field({ label: t('field.description'), name: 'description', type: 'textarea', rows: 2, value: item ? item.description : '' });
  const fields = { amount, currency, cost, occurred_at: when, channel, description: desc, items: null };
  const lines = h('tbody');
  const linesBox = h('div', { class: 'lines' },
    h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact lines-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('activity.line_product') }), h('th', { scope: 'col', text: t('activity.line_qty') }),
        h('th', { scope: 'col', text: t('activity.line_price') }), h('th', { scope: 'col', text: t('activity.line_total') }), h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('action.remove') })))),
      lines)),
    h('button', { type: 'button', class: 'btn btn-sm', on: { click: () => addLine() } }, icon('plus'), t('activity.add_line')));
  let amountTyped = !!item;
  amount.input.addEventListener('input', () => { amountTyped = true; });
  const rows = [];
  let lineNo = 0;
  function addLine(x) {
    lineNo++;
    const prod = field({ label: t('activity.line_product_n', { n: lineNo }), type: 'select', class: 'line-prod',
      options: [{ value: '', label: t('activity.free_text') }, ...products.map((p) => ({ value: p.id, label: p.sku ? `${p.name} (${p.sku})` : p.name }))],
      value: x && x.product_id ? x.product_id : '' });
    const name = field({ label: t('activity.line_name_n', { n: lineNo }), class: 'line-name', value: x && !x.product_id ? x.name || '' : '', attrs: { maxlength: '200' } });
    const qty = field({ label: t('activity.line_qty_n', { n: lineNo }), type: 'number', class: 'line-qty', value: x && x.quantity ? x.quantity : 1, attrs: { min: '1', step: '1' } });
    const price = field({ label: t('activity.line_price_n', { n: lineNo }), class: 'line-price', value: x && x.unit_price ? decimal(x.unit_price.amount, x.unit_price.currency) : '', attrs: { inputmode: 'decimal' } });
    const total = h('td', { class: 'num line-total' });
    const row = { prod, name, qty, price, total };
    const tr = h('tr', {}, h('td', {}, prod.wrap, name.wrap), h('td', {}, qty.wrap), h('td', {}, price.wrap), total,
      h('td', {}, h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('activity.remove_line', { n: lineNo }), on: { click: () => { rows.splice(rows.indexOf(row), 1); tr.remove(); recompute(); } } }, icon('close'))));
    const syncName = () => {
      name.wrap.hidden = !!prod.input.value;
      const p = products.find((q) => String(q.id) === prod.input.value);
      if (p && p.price && !price.input.value) price.input.value = decimal(p.price.amount, p.price.currency);
      recompute();
    };
    prod.input.addEventListener('change', syncName);
    for (const f of [qty, price]) f.input.addEventListener('input', recompute);
    rows.push(row);
    lines.append(tr);
    syncName();
  }
  function lineItems(cur) {
    const out = [];
    for (const r of rows) {
      const p = products.find((q) => String(q.id) === r.prod.input.value);
      const q = Number(r.qty.input.value) || 1;
      const up = r.price.input.value.trim() ? toMinor(r.price.input.value, cur) : null;
      const it = p ? { product_id: p.id, name: p.name } : { name: r.name.input.value.trim() };
      if (p && p.sku) it.sku = p.sku;
      if (!p && !it.name) continue;
      it.quantity = Math.max(1, Math.round(q));
      if (up !== null) { it.unit_price = { amount: up, currency: cur }; it.amount = { amount: up * it.quantity, currency: cur }; }
      out.push(it);
    }
    return out;
  }
  function recompute() {
    const cur = currency.input.value;
    let sum = 0; let any = false;
    for (const r of rows) {
      const up = r.price.input.value.trim() ? toMinor(r.price.input.value, cur) : null;
      const q = Math.max(1, Math.round(Number(r.qty.input.value) || 1));
      r.total.textContent = up === null ? '' : money({ amount: up * q, currency: cur });
      if (up !== null) { sum += up * q; any = true; }
    }
    if (any && !amountTyped) amount.input.value = decimal(sum, cur);
  }
  currency.input.addEventListener('change', recompute);
  for (const x of (item && item.items) || []) addLine(x);
  const saved = await dialog({
    title: item ? t('activity.edit_txn') : t('customer.record_txn_title', { name: party.name }), wide: true,
    build: (b) => b.append(h('h3', { class: 'form-sub', text: t('activity.lines') }), linesBox,
      h('div', { class: 'form-grid' }, amount.wrap, currency.wrap, refund.wrap, cost.wrap, when.wrap, channel.wrap), desc.wrap),
    buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: (close, setError) => {
      const cur = currency.input.value;
      const typed = amount.input.value.trim();
      if (/^-/.test(typed)) { showFieldErrors({ field: 'amount', message: t('activity.negative_amount') }, fields); return false; }
      const a = toMinor(typed, cur);
      if (a === null) { showFieldErrors({ field: 'amount', message: t('form.amount_invalid') }, fields); return false; }
      const body = { amount: { amount: refund.input.checked ? -a : a, currency: cur }, occurred_at: fromLocalInput(when.input.value) };
      if (!item) body.party_id = party.id;
      if (cost.input.value.trim()) {
        const c = toMinor(cost.input.value.replace(/^-/, ''), cur);
        if (c === null) { showFieldErrors({ field: 'cost', message: t('form.amount_invalid') }, fields); return false; }
        body.cost = { amount: refund.input.checked ? -c : c, currency: cur };
      } else if (item && item.cost) body.cost = null;
      const its = lineItems(cur);
      if (its.length || (item && item.items && item.items.length)) body.items = its;
      body.channel = channel.input.value || null;
      body.description = desc.input.value.trim() || null;
      if (!item) for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
      return save('transaction', item, body, setError, fields);
    } }],
  });
  if (saved) toast(item ? t('activity.saved') : t('customer.txn_ok', { amount: money(saved.amount) }));
  return saved;
}

/** Asks, then deletes one activity (with the version read). Resolves true when deleted. */
export async function deleteActivity(kind, item) {
  const what = kind === 'transaction' ? t('activity.what_txn', { amount: money(item.amount) })
    : kind === 'note' ? t('activity.what_note') : t('activity.what_interaction', { channel: label('channel', item.channel) });
  if (!await confirmDialog(t('activity.delete_title'), t('activity.delete_text', { what }), t('action.delete'), 'danger')) return false;
  try {
    await api.del(PATHS[kind] + item.id, { headers: { 'If-Match': `"${item.version}"` } });
    toast(t('activity.deleted'));
    return true;
  } catch (err) {
    toast(api.isConflict(err) ? t('activity.conflict_delete') : errorText(err), 'error');
    return err.status === 404;
  }
}

/** Edits an activity of any kind with its form. */
export function editActivity(kind, item, party) {
  if (kind === 'interaction') return interactionDialog({ party, item });
  if (kind === 'transaction') return transactionDialog({ party, item });
  return noteDialog({ party, item });
}

