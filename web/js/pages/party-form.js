// party-form: the form that creates and edits a party — identity, contacts,
// the D3 classifications, needs, tags and custom fields. submit() sends only
// what changed (for an edit) and points at the field the server refused.
import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { VOCAB, CLASSIFICATIONS } from '../vocab.js';
import { field, vocabOptions, nextId, showFieldErrors, clearFieldErrors } from '../ui.js';

const lines = (s) => s.split(/[\n,，;；]/).map((x) => x.trim()).filter(Boolean);

/** Builds the form for party p (an existing record or defaults). */
export function partyForm(p, { compact = false } = {}) {
  const inputs = {};
  const fields = {};
  const add = (name, spec) => { const f = field({ name, label: t('field.' + name), ...spec }); inputs[name] = f.input; fields[name] = f; return f.wrap; };
  const group = (title, ...kids) => h('fieldset', { class: 'form-group' }, h('legend', { text: title }), h('div', { class: 'form-grid' }, kids));

  const roleBoxes = VOCAB.role.map((r) => {
    const f = field({ label: t('enum.role.' + r), type: 'checkbox', value: (p.roles || []).includes(r) });
    f.input.value = r;
    return f;
  });
  inputs.roles = roleBoxes.map((f) => f.input);
  const roles = h('fieldset', { class: 'check-group' }, h('legend', { text: t('field.roles') }), roleBoxes.map((f) => f.wrap));

  const identity = group(t('form.identity'),
    add('kind', { type: 'select', value: p.kind, options: vocabOptions('kind', VOCAB.kind), required: true }),
    add('name', { value: p.name, required: true, attrs: { maxlength: '200' } }),
    add('title', { value: p.title }),
    add('industry', { value: p.industry }),
    roles);
  const contacts = group(t('form.contacts'),
    add('phones', { type: 'textarea', rows: 2, value: (p.phones || []).join('\n'), hint: t('form.one_per_line') }),
    add('emails', { type: 'textarea', rows: 2, value: (p.emails || []).join('\n'), hint: t('form.one_per_line') }),
    add('city', { value: p.city }),
    compact ? null : add('country', { value: p.country }),
    compact ? null : add('website', { value: p.website, type: 'url' }),
    compact ? null : add('birthday', { value: p.birthday, type: 'date' }),
    compact ? null : lunarFields());
  /** The lunar birthday: month, day and leap month (DOMAIN D8), kept as one value. */
  function lunarFields() {
    const l = p.lunar_birthday && p.lunar_birthday.month ? p.lunar_birthday : null;
    const month = field({ label: t('lunar.month'), type: 'select', value: l ? String(l.month) : '',
      options: [{ value: '', label: t('common.none') }].concat(Array.from({ length: 12 }, (_, i) => ({ value: String(i + 1), label: String(i + 1) }))) });
    const day = field({ label: t('lunar.day'), type: 'number', value: l ? String(l.day) : '', attrs: { min: '1', max: '30' } });
    const leap = field({ label: t('lunar.leap'), type: 'checkbox', value: !!(l && l.leap) });
    inputs.lunar_birthday = { month: month.input, day: day.input, leap: leap.input };
    fields.lunar_birthday = month;
    return h('fieldset', { class: 'lunar-birthday' }, h('legend', { text: t('field.lunar_birthday') }), month.wrap, day.wrap, leap.wrap);
  }
  const classes = group(t('form.classification'),
    ...CLASSIFICATIONS.map((c) => add(c, { type: 'select', value: p[c] || '', options: vocabOptions(c, VOCAB[c], t('common.none')) })),
    add('source', { type: 'select', value: p.source || '', options: vocabOptions('source', VOCAB.source, t('common.none')) }));
  const more = [];
  if (!compact) {
    more.push(group(t('form.needs'),
      add('needs', { type: 'textarea', value: p.needs }),
      add('characteristics', { type: 'textarea', value: p.characteristics }),
      add('contact_plan', { type: 'textarea', value: p.contact_plan }),
      add('tags', { value: (p.tags || []).join(', '), hint: t('form.comma_separated') }),
      add('notes', { type: 'textarea', value: p.notes })));
    // Custom fields: one row per key.
    const rowsBox = h('div', { class: 'kv-rows' });
    const addRow = (k = '', v = '') => {
      const kid = nextId('ck'), vid = nextId('cv');
      const row = h('div', { class: 'kv-row' },
        h('label', { for: kid, class: 'sr-only', text: t('form.custom_key') }),
        h('input', { id: kid, class: 'kv-key', value: k, placeholder: t('form.custom_key') }),
        h('label', { for: vid, class: 'sr-only', text: t('form.custom_value') }),
        h('input', { id: vid, class: 'kv-value', value: typeof v === 'string' ? v : JSON.stringify(v), placeholder: t('form.custom_value') }),
        h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('form.custom_remove'), on: { click: () => row.remove() } }, icon('close')));
      rowsBox.append(row);
    };
    for (const [k, v] of Object.entries(p.custom || {})) addRow(k, v);
    inputs.custom = rowsBox;
    more.push(h('fieldset', { class: 'form-group' }, h('legend', { text: t('field.custom') }), rowsBox,
      h('button', { type: 'button', class: 'btn btn-ghost btn-sm', on: { click: () => addRow() } }, icon('plus'), t('form.custom_add'))));
  }
  const el = h('div', { class: 'party-form' }, identity, contacts, classes, more);

  /** The record the form describes (full, for comparing). */
  function values() {
    const v = {};
    for (const [k, inp] of Object.entries(inputs)) {
      if (k === 'lunar_birthday') v.lunar_birthday = inp.month.value && inp.day.value
        ? { month: Number(inp.month.value), day: Number(inp.day.value), leap: inp.leap.checked } : null;
      else if (k === 'roles') v.roles = inp.filter((x) => x.checked).map((x) => x.value);
      else if (k === 'phones' || k === 'emails') v[k] = lines(inp.value);
      else if (k === 'tags') v.tags = inp.value.split(/[,，]/).map((x) => x.trim()).filter(Boolean);
      else if (k === 'custom') {
        const c = {};
        for (const row of inp.querySelectorAll('.kv-row')) {
          const key = row.querySelector('.kv-key').value.trim();
          if (!key) continue;
          const raw = row.querySelector('.kv-value').value;
          const orig = p.custom && p.custom[key];
          c[key] = typeof orig === 'number' && raw.trim() !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
        }
        v.custom = c;
      } else v[k] = inp.value.trim() === '' ? null : inp.value.trim();
    }
    return v;
  }

  /** Only what differs from the record the form was opened with (all non-empty values for a new one). */
  function changes() {
    const v = values();
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      let before = p.id ? p[k] ?? (Array.isArray(x) ? [] : k === 'custom' ? {} : null) : null;
      if (k === 'lunar_birthday' && before && !before.month) before = null;   // stored as {} when none
      if (!p.id) {
        if (x !== null && !(Array.isArray(x) && !x.length) && !(k === 'custom' && !Object.keys(x).length)) out[k] = x;
      } else if (JSON.stringify(before) !== JSON.stringify(x)) out[k] = x;
    }
    return out;
  }

  /**
   * Checks what the server would refuse that the form can tell alone, and
   * shows every problem beside its field at once. Returns true when none.
   */
  function validate() {
    clearFieldErrors(el);
    const v = values();
    const errs = [];
    if (!v.name) errs.push({ field: 'name', message: t('form.err_required') });
    (v.emails || []).forEach((e, i) => { if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)) errs.push({ field: 'emails', message: t('form.err_email', { value: e, n: i + 1 }) }); });
    (v.phones || []).forEach((x, i) => {
      const n = x.replace(/\D/g, '').length;   // as the server's phone_normalize: + first, digits, space - . ( ), 5–20 digits
      if (!/^\+?[\d\s().-]+$/.test(x) || n < 5 || n > 20) errs.push({ field: 'phones', message: t('form.err_phone', { value: x, n: i + 1 }) });
    });
    if (v.website && !/^https?:\/\/\S+$/i.test(v.website)) errs.push({ field: 'website', message: t('form.err_url') });
    // One message per field: several problems of a list field are joined.
    const byField = new Map();
    for (const e of errs) byField.set(e.field, byField.has(e.field) ? { field: e.field, message: byField.get(e.field).message + ' ' + e.message } : e);
    showFieldErrors([...byField.values()], fields);
    return !byField.size;
  }

  /** Calls send(body); a refused field gets its error beside it (in the catalogue's words). */
  async function submit(send) {
    if (!validate()) throw new Error(t('form.fix_fields'));
    try {
      return await send(changes());
    } catch (err) {
      if (showFieldErrors(err, fields)) throw new Error(t('form.fix_fields'));
      throw err;
    }
  }

  return { el, inputs, fields, values, changes, validate, submit };
}
