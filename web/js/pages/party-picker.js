// party-picker: search parties by name, phone or e-mail and choose one
// (radio list), for merging a duplicate or linking two parties.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import * as api from '../api.js';
import { field, debounce, nextId, errorText } from '../ui.js';

/** Returns {el, value()} — value() is the chosen party or null. excludeId is never offered. */
export function partyPicker({ excludeId, labelText = t('picker.search') } = {}) {
  const search = field({ label: labelText, type: 'search', placeholder: t('picker.placeholder') });
  const list = h('div', { class: 'picker-list', role: 'radiogroup', 'aria-label': t('picker.results') });
  const status = h('p', { class: 'muted small', role: 'status' });
  let chosen = null;
  let ctl = null;
  const name = nextId('pick');
  const run = debounce(async () => {
    const q = search.input.value.trim();
    if (ctl) ctl.abort();
    if (!q) { list.replaceChildren(); status.textContent = ''; return; }
    ctl = new AbortController();
    try {
      const page = await api.get('/api/v1/parties', { q, limit: 8 }, { signal: ctl.signal });
      const items = page.items.filter((p) => p.id !== excludeId);
      status.textContent = items.length ? '' : t('picker.none');
      replace(list, items.map((p) => {
        const id = nextId('opt');
        const radio = h('input', { type: 'radio', name, id, value: String(p.id), on: { change: () => { chosen = p; } } });
        return h('div', { class: 'picker-item' }, radio,
          h('label', { for: id },
            h('span', { class: 'picker-name', text: p.name }),
            h('span', { class: 'muted small', text: [label('kind', p.kind), p.city, (p.phones || [])[0], '#' + p.id].filter(Boolean).join(' · ') })));
      }));
    } catch (err) {
      if (err.name !== 'AbortError') status.textContent = errorText(err);
    }
  }, 250);
  search.input.addEventListener('input', () => { chosen = null; run(); });
  search.input.addEventListener('keydown', (e) => { if (e.key === 'Enter') e.preventDefault(); });
  return { el: h('div', { class: 'picker' }, search.wrap, status, list), value: () => chosen, focus: () => search.input.focus() };
}
