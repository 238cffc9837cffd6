// change-set: the edits of a table of choices (the permission table, field
// security) kept until "Save" sends them all in one request, which the server
// applies all or nothing, naming a refused change as changes[i]. Changes are
// a Map from "role entity item" to the chosen value.
import { h } from '../dom.js';
import * as api from '../api.js';
import { errorText } from '../ui.js';

/** The <select> of one choice; its cell (the closest `cell`) is marked while
 * the choice differs from the saved value. */
export function choiceSelect({ id, changes, key, saved, value, options, optionText, prefix, cell, data, onChange }) {
  const sel = h('select', { id, class: ['scope-select', prefix + value], dataset: data },
    options.map((o) => h('option', { value: o, selected: o === value, text: optionText(o) })));
  sel.addEventListener('change', () => {
    if (sel.value === saved) changes.delete(key); else changes.set(key, sel.value);
    sel.className = 'scope-select ' + prefix + sel.value;
    sel.closest(cell).classList.toggle('cell-changed', changes.has(key));
    sel.removeAttribute('aria-invalid');
    onChange();
  });
  return sel;
}

/** The changes as the request's items: {role, entity, [item]: …, [value]: …}. */
export function changeList(changes, item, value) {
  return [...changes].map(([k, v]) => {
    const [role, entity, x] = k.split(' ');
    return { role, entity, [item]: x, [value]: v };
  });
}

/** Of a refused save: the change the server named (or null) and the reason
 * without the internal field path ("changes[3].scope"). */
export function refusal(err, list) {
  const m = /^changes\[(\d+)\]/.exec(err.field || '');
  const why = errorText(err.field ? new api.ApiError(err.status, { error: { code: err.code, message: err.message } }) : err);
  return { bad: m ? list[Number(m[1])] : null, why };
}
