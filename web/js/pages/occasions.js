// occasions: the occasions calendar (DOMAIN D8) — the dates to contact
// customers on over a range (default the next 30 days): birthdays by the
// solar and the lunar calendar, first-purchase anniversaries, key dates,
// and the festivals of both calendars, day by day, each party linked.
// API: GET /api/v1/occasions?from&to&kind.
import { h, replace } from '../dom.js';
import { t, date } from '../i18n.js';
import * as api from '../api.js';
import { setQuery } from '../router.js';
import { field, errorState, spinner } from '../ui.js';

const KINDS = ['birthday', 'lunar_birthday', 'first_purchase', 'key_date', 'festival'];
const iso = (d) => d.toISOString().slice(0, 10);

export async function render(ctx) {
  const { main, query, signal } = ctx;
  const today = new Date();
  const state = {
    from: /^\d{4}-\d\d-\d\d$/.test(query.get('from') || '') ? query.get('from') : iso(today),
    to: /^\d{4}-\d\d-\d\d$/.test(query.get('to') || '') ? query.get('to') : iso(new Date(today.getTime() + 30 * 86400000)),
    kind: KINDS.includes(query.get('kind')) ? query.get('kind') : '',
  };
  const fromF = field({ label: t('occ.from'), type: 'date', value: state.from });
  const toF = field({ label: t('occ.to'), type: 'date', value: state.to });
  const kindF = field({ label: t('occ.kind'), type: 'select', value: state.kind,
    options: [{ value: '', label: t('common.any') }].concat(KINDS.map((k) => ({ value: k, label: t('occ.kind.' + k) }))) });
  for (const [k, f] of [['from', fromF], ['to', toF], ['kind', kindF]])
    f.input.addEventListener('change', () => { state[k] = f.input.value; setQuery(state); load(); });
  const list = h('div', { class: 'occasions' });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('occ.title') }), h('p', { class: 'muted', text: t('occ.subtitle') }))),
    h('div', { class: 'toolbar' }, fromF.wrap, toF.wrap, kindF.wrap), list));

  function what(o) {
    if (o.kind === 'festival') return t('occ.fest.' + o.sub);
    if (o.kind === 'key_date') return [t('occ.key.' + o.sub), o.title].filter(Boolean).join(' · ');
    const k = t('occ.kind.' + o.kind);
    return o.years ? t('occ.years', { what: k, count: o.years }) : k;
  }

  async function load() {
    replace(list, spinner());
    try {
      const r = await api.get('/api/v1/occasions', { from: state.from, to: state.to, kind: state.kind || undefined, limit: 2000 }, { signal });
      if (!r.items.length) { replace(list, h('div', { class: 'empty' }, h('p', { text: t('occ.none') }))); return; }
      const days = new Map();
      for (const o of r.items) { if (!days.has(o.date)) days.set(o.date, []); days.get(o.date).push(o); }
      replace(list, [...days].map(([d, items]) => h('section', { class: 'occ-day', dataset: { date: d } },
        h('h2', { class: 'occ-date', text: date(d) }),
        h('ul', { class: 'occ-items' }, items.map((o) => h('li', { class: ['occ', 'occ-' + o.kind], dataset: { kind: o.kind } },
          h('span', { class: 'occ-what', text: what(o) }),
          o.party_id ? h('a', { href: '/customers/' + o.party_id, class: 'occ-party', text: o.party_name }) : null))))),
      r.truncated ? h('p', { class: 'muted', text: t('occ.truncated') }) : null);
    } catch (err) {
      if (err.name !== 'AbortError') replace(list, errorState(err, load));
    }
  }
  await load();
}
