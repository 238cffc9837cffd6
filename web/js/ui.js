// ui: the small set of widgets every page shares — form fields with labels,
// modal dialogs on <dialog> (focus kept inside, Escape closes), toasts in a
// live region, badges, empty and error states. All text goes in as text.
import { h, icon, replace } from './dom.js';
import { t, label, wallParts, fromWall, isoUtc } from './i18n.js';
import { ApiError } from './api.js';

let uid = 0;
export const nextId = (prefix = 'f') => `${prefix}-${++uid}`;

/** A message in the toast area, read by screen readers. kind: ok | error | info */
export function toast(message, kind = 'ok') {
  const box = document.getElementById('toasts');
  const el = h('div', { class: ['toast', 'toast-' + kind], role: kind === 'error' ? 'alert' : 'status' },
    icon(kind === 'error' ? 'alert' : 'check'), h('span', { text: message }));
  box.append(el);
  setTimeout(() => el.classList.add('toast-out'), 3500);
  setTimeout(() => el.remove(), 4000);
}

/** The user-facing text of an error (server message for validation errors). */
export function errorText(err) {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('error.network');
    if (err.status === 403) return t('error.forbidden');
    if (err.status === 404) return t('error.not_found');
    if (err.status === 429) return t('error.too_many');
    if (err.status >= 500) return t('error.server');
    const base = codeText(err.code);
    return err.field ? `${fieldLabel(err.field)}: ${base}` : base;
  }
  return err && err.message ? err.message : String(err);
}

/** The catalogue's wording of a server error code (never the server's English text). */
export function codeText(code) {
  const key = 'error.code.' + code;
  return t(key) !== key ? t(key) : t('error.refused');
}

/** The label of a field as the server names it: phones[0] → Phones (1), items[2].quantity → … */
export function fieldLabel(name) {
  const m = /^([a-z_]+)(?:\[(\d+)\])?(?:\.([a-z_]+))?$/.exec(String(name));
  if (m && (m[2] !== undefined || m[3])) {
    const base = fieldLabel(m[1]);
    const n = m[2] !== undefined ? t('form.nth', { n: Number(m[2]) + 1 }) : '';
    return [base + n, m[3] ? fieldLabel(m[3]) : ''].filter(Boolean).join(' · ');
  }
  const key = 'field.' + name;
  const s = t(key);
  return s === key ? name : s;
}

/**
 * Shows each error beside its field: errs is an ApiError, {field, code} or
 * {field, message} (client checks), or a list of them; fields maps field
 * names to field() results. The first field with an error gets the focus.
 * Returns true when at least one error was placed beside a field.
 */
export function showFieldErrors(errs, fields) {
  let first = null;
  for (const e of Array.isArray(errs) ? errs : [errs]) {
    if (!e || !e.field) continue;
    const base = String(e.field).replace(/[[.].*$/, '');
    const f = fields[base];
    if (!f || !f.wrap) continue;
    const text = e.message && !(e instanceof ApiError) ? e.message
      : (String(e.field) !== base ? fieldLabel(e.field) + ': ' : '') + codeText(e.code);
    f.wrap.querySelectorAll('.field-error').forEach((x) => x.remove());
    const id = nextId('ferr');
    f.wrap.append(h('div', { class: 'field-error', id, role: 'alert', text }));
    f.input.setAttribute('aria-invalid', 'true');
    f.input.setAttribute('aria-describedby', [f.input.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
    if (!first) first = f.input;
  }
  if (first) first.focus();
  return !!first;
}

/** Removes the errors shown by showFieldErrors inside el. */
export function clearFieldErrors(el) {
  el.querySelectorAll('.field-error').forEach((x) => {
    const input = x.parentNode.querySelector('[aria-invalid]');
    if (input) {
      input.removeAttribute('aria-invalid');
      const rest = (input.getAttribute('aria-describedby') || '').split(' ').filter((i) => i && i !== x.id).join(' ');
      if (rest) input.setAttribute('aria-describedby', rest); else input.removeAttribute('aria-describedby');
    }
    x.remove();
  });
}

/**
 * field({label, name, type, value, options, required, hint, rows, placeholder, attrs})
 * → {wrap, input}. type: text | email | tel | number | date | datetime-local |
 * textarea | select | checkbox | search. options: [{value, label}].
 */
export function field(spec) {
  const id = spec.id || nextId();
  let input;
  if (spec.type === 'select') {
    input = h('select', { id, name: spec.name, required: spec.required, ...(spec.attrs || {}) },
      (spec.options || []).map((o) => h('option', { value: o.value, selected: String(o.value) === String(spec.value ?? '') }, o.label)));
  } else if (spec.type === 'textarea') {
    input = h('textarea', { id, name: spec.name, rows: spec.rows || 3, required: spec.required, placeholder: spec.placeholder, ...(spec.attrs || {}) });
    input.value = spec.value ?? '';
  } else if (spec.type === 'checkbox') {
    input = h('input', { id, name: spec.name, type: 'checkbox', checked: !!spec.value, ...(spec.attrs || {}) });
    const wrap = h('div', { class: ['field', 'field-check', spec.class] }, input, h('label', { for: id, text: spec.label }));
    return { wrap, input };
  } else {
    input = h('input', {
      id, name: spec.name, type: spec.type || 'text', required: spec.required,
      placeholder: spec.placeholder, autocomplete: spec.autocomplete || 'off', ...(spec.attrs || {}),
    });
    input.value = spec.value ?? '';
  }
  const hintId = spec.hint ? id + '-hint' : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  const wrap = h('div', { class: ['field', spec.class] },
    h('label', { for: id }, spec.label, spec.required ? h('span', { class: 'req', 'aria-hidden': 'true', text: ' *' }) : null),
    input,
    hintId ? h('div', { class: 'hint', id: hintId, text: spec.hint }) : null);
  return { wrap, input };
}

/** Options for a vocabulary select; blank adds a first "any"/"—" option. */
export function vocabOptions(vocab, values, blank) {
  const opts = values.map((v) => ({ value: v, label: label(vocab, v) }));
  return blank === undefined ? opts : [{ value: '', label: blank }, ...opts];
}

/**
 * Opens a modal dialog. build(body, close) fills the body; buttons are
 * [{label, kind, onClick(close) → may return a promise; false keeps it open}].
 * Resolves when closed with the value given to close().
 */
export function dialog({ title, build, buttons = [], wide = false, form = true }) {
  return new Promise((resolve) => {
    const titleId = nextId('dlg');
    const errBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
    const body = h('div', { class: 'dialog-body' });
    let result;
    const dlg = h('dialog', { class: ['dialog', wide && 'dialog-wide'], 'aria-labelledby': titleId });
    const close = (value) => { result = value; dlg.close(); };
    const foot = h('div', { class: 'dialog-foot' });
    const container = form ? h('form', { method: 'dialog', novalidate: true }) : h('div');
    const head = h('div', { class: 'dialog-head' },
      h('h2', { id: titleId, text: title }),
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('action.close'), on: { click: () => close(undefined) } }, icon('close')));
    append3(container, head, errBox, body, foot);
    dlg.append(container);
    const setError = (err) => {
      if (!err) { errBox.hidden = true; return; }
      replace(errBox, icon('alert'), h('span', { text: typeof err === 'string' ? err : errorText(err) }));
      errBox.hidden = false;
    };
    for (const b of buttons) {
      const btn = h('button', { type: b.submit ? 'submit' : 'button', class: ['btn', b.kind ? 'btn-' + b.kind : ''], text: b.label });
      btn.addEventListener('click', async (ev) => {
        ev.preventDefault();
        if (b.submit && form && !container.reportValidity()) return;
        if (!b.onClick) { close(undefined); return; }
        btn.disabled = true;
        setError(null);
        clearFieldErrors(body);
        try {
          const r = await b.onClick(close, setError);
          if (r !== false && dlg.open) close(r);
        } catch (err) {
          setError(err);
        } finally { btn.disabled = false; }
      });
      foot.append(btn);
    }
    if (form) container.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const primary = foot.querySelector('button[type=submit]');
      if (primary) primary.click();
    });
    dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
    build(body, close, setError);
    document.body.append(dlg);
    dlg.showModal();
    const first = body.querySelector('input:not([type=hidden]):not([disabled]), select, textarea');
    if (first) first.focus();
  });
}

function append3(el, ...kids) { kids.forEach((k) => el.append(k)); }

/** A yes/no question; resolves true when confirmed. */
export async function confirmDialog(title, message, okLabel, kind = 'primary') {
  const r = await dialog({
    title, form: true,
    build: (body) => body.append(h('p', { text: message })),
    buttons: [
      { label: t('action.cancel') },
      { label: okLabel, kind, submit: true, onClick: () => true },
    ],
  });
  return r === true;
}

export function badge(text, kind = '') {
  return text ? h('span', { class: ['badge', kind && 'badge-' + kind], text }) : null;
}

export function spinner(text = t('common.loading')) {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spin', 'aria-hidden': 'true' }), h('span', { text }));
}

export function empty(text, action) {
  return h('div', { class: 'empty' }, h('p', { text }), action || null);
}

export function errorState(err, retry) {
  return h('div', { class: 'error-state', role: 'alert' }, icon('alert'), h('p', { text: errorText(err) }),
    retry ? h('button', { class: 'btn', type: 'button', text: t('action.retry'), on: { click: retry } }) : null);
}

/** A card with a heading and optional actions at the right of the heading. */
export function card(title, content, { actions = null, cls = '', headingLevel = 2, id } = {}) {
  const hid = id || nextId('card');
  return h('section', { class: ['card', cls], 'aria-labelledby': hid },
    h('div', { class: 'card-head' }, h('h' + headingLevel, { id: hid, text: title }), actions),
    content);
}

/** A definition list of [term, value] pairs; values may be nodes; empty values are skipped. */
export function dl(pairs, cls = 'props') {
  const el = h('dl', { class: cls });
  for (const [k, v] of pairs) {
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length)) continue;
    el.append(h('div', { class: 'prop' }, h('dt', { text: k }), h('dd', {}, v)));
  }
  return el;
}

/** Converts an ISO time to the value of a datetime-local input (the company's wall-clock time). */
export function toLocalInput(iso) {
  const p = wallParts(iso ? new Date(iso) : new Date());
  const pad = (n) => String(n).padStart(2, '0');
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** A datetime-local value (the company's wall-clock time) as ISO 8601 UTC without milliseconds. */
export function fromLocalInput(v) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(v || '');
  if (!m) return null;
  return isoUtc(fromWall(+m[1], +m[2], +m[3], +m[4], +m[5]));
}

/** Debounces fn by ms. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

/** localStorage JSON helpers that never throw. */
export const store = {
  get(key, fallback) {
    try { const v = localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); } catch { return fallback; }
  },
  set(key, value) { try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* full or disabled */ } },
};
