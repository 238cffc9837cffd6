// customers: the party list — search (names in Chinese or English, phones,
// e-mails), filters on the D2/D3 fields, sort, keyset "load more", column
// choice, saved views (localStorage), bulk tagging and CSV export. The
// filters live in the URL so the dashboard can link here and Back works; a
// custom-field filter is kept there in the API's own form, custom.<name>=value.
// The first page asks for the number of matches (count=true), shown above
// the table ("1,234 customers", or "10,000+" when the server capped it).
import { h, icon, replace } from '../dom.js';
import { t, label, number, date, relative, compare, toMinor } from '../i18n.js';
import * as api from '../api.js';
import { navigate, setQuery } from '../router.js';
import { VOCAB } from '../vocab.js';
import { field, vocabOptions, toast, dialog, debounce, store, errorState, errorText, badge, nextId } from '../ui.js';
import { partyForm } from './party-form.js';
import { findDuplicates, duplicateDialog } from './dupes.js';
import { ensureUsers, userLabel, userList } from '../users.js';

const FILTERS = ['kind', 'roles', 'tier', 'lifecycle', 'rfm_segment', 'strategy', 'priority', 'importance', 'relationship_level', 'loyalty_class', 'value_class', 'customer_type', 'relationship_to_company', 'source'];
const TEXT_FILTERS = ['city', 'tags', 'industry'];
// Score ranges: the URL holds the API's values (minor units, 0–1); the inputs show yuan and percent.
const RANGE_FILTERS = [
  { key: 'clv_min', label: 'customers.clv_min', toApi: (v) => toMinor(v), fromApi: (v) => String(Number(v) / 100) },
  { key: 'clv_max', label: 'customers.clv_max', toApi: (v) => toMinor(v), fromApi: (v) => String(Number(v) / 100) },
  { key: 'p_alive_min', label: 'customers.p_alive_min', toApi: (v) => (/^\d+(\.\d+)?$/.test(v) && Number(v) <= 100 ? String(Number(v) / 100) : null),
    fromApi: (v) => String(Math.round(Number(v) * 1000) / 10) },
];
// Filters on figures computed from costs: refused (400 forbidden_field) to roles that may not see costs.
const COST_FILTERS = ['tier', 'strategy', 'clv_min', 'clv_max'];
let costProbe = null;
/** Whether the user may filter on cost-derived figures (asked once per user). */
export function costVisible() {
  const u = api.user();
  if (!u) return Promise.resolve(false);
  if (u.role === 'admin') return Promise.resolve(true);
  if (!costProbe || costProbe.user !== u.id) {
    // The analytics summary leaves out the figures of hidden fields: no net_profit when costs are hidden.
    costProbe = { user: u.id, p: api.get('/api/v1/analytics/summary').then((s) => 'net_profit' in s, () => false) };
  }
  return costProbe.p;
}
const ALL_FILTERS = () => [...FILTERS, ...TEXT_FILTERS, ...RANGE_FILTERS.map((r) => r.key)];
const SORTS = ['-updated_at', 'name', '-name', '-created_at', 'id'];
const PAGE = 50;
const CUSTOM_KEY = /^[A-Za-z0-9_]{1,64}$/;   // the names the API accepts after custom.
const VIEWS_KEY = 'rapport.customers.views';
const COLS_KEY = 'rapport.customers.columns';

const COLUMNS = [
  { key: 'kind', cell: (p) => label('kind', p.kind) },
  { key: 'roles', cell: (p) => chips((p.roles || []).map((r) => label('role', r))) },
  { key: 'phones', cell: (p) => (p.phones || [])[0] || '' },
  { key: 'emails', cell: (p) => (p.emails || [])[0] || '' },
  { key: 'city', cell: (p) => p.city || '' },
  { key: 'industry', cell: (p) => p.industry || '' },
  { key: 'importance', cell: (p) => importanceBadge(p.importance) },
  { key: 'relationship_level', cell: (p) => label('relationship_level', p.relationship_level) },
  { key: 'loyalty_class', cell: (p) => label('loyalty_class', p.loyalty_class) },
  { key: 'value_class', cell: (p) => label('value_class', p.value_class) },
  { key: 'customer_type', cell: (p) => label('customer_type', p.customer_type) },
  { key: 'relationship_to_company', cell: (p) => label('relationship_to_company', p.relationship_to_company) },
  { key: 'source', cell: (p) => label('source', p.source) },
  { key: 'tags', cell: (p) => chips(p.tags || [], 'tag') },
  { key: 'owner_id', cell: (p) => ownerText(p.owner_id) },
  { key: 'updated_at', cell: (p) => h('time', { datetime: p.updated_at, title: date(p.updated_at), text: relative(p.updated_at) }) },
];
const DEFAULT_COLS = ['roles', 'phones', 'city', 'importance', 'relationship_level', 'tags', 'updated_at'];

export function importanceBadge(v) {
  return v ? badge(label('importance', v), { vip: 'gold', important: 'blue', ordinary: 'grey' }[v]) : '';
}

function chips(list, cls = 'chip') {
  return list.length ? h('span', { class: 'chips' }, list.map((x) => h('span', { class: cls, text: x }))) : '';
}

function ownerText(id) {
  return userLabel(id);
}

function stateFromQuery(query) {
  const s = { q: query.get('q') || '', sort: query.get('sort') || '-updated_at', owner: query.get('owner') || '' };
  for (const f of ALL_FILTERS()) s[f] = query.get(f) || '';
  if (!SORTS.includes(s.sort)) s.sort = '-updated_at';
  s.custom_key = '';
  s.custom_value = '';
  for (const [k, v] of query.entries()) if (k.startsWith('custom.')) { s.custom_key = k.slice(7); s.custom_value = v; break; }
  return s;
}

/** The custom-field filter applies when its name is one the API takes and a value is given. */
function customActive(s) {
  return CUSTOM_KEY.test(s.custom_key) && s.custom_value !== '';
}

/** The page's URL parameters for state s (also what a saved view keeps). */
function urlState(s) {
  const st = {};
  for (const [k, v] of Object.entries(s)) if (v && !(k === 'sort' && v === '-updated_at') && k !== 'custom_key' && k !== 'custom_value') st[k] = v;
  if (s.custom_key && s.custom_value !== '') st['custom.' + s.custom_key] = s.custom_value;
  return st;
}

function apiQuery(s) {
  const q = { sort: s.sort, limit: PAGE };
  if (s.q) q.q = s.q;
  for (const f of ALL_FILTERS()) if (s[f]) q[f] = s[f];
  if (s.owner === 'me' && api.user()) q.owner_id = api.user().id;
  else if (/^\d+$/.test(s.owner)) q.owner_id = s.owner;
  if (customActive(s)) q['custom.' + s.custom_key] = s.custom_value;
  return q;
}

export async function render(ctx) {
  const { main, query, signal } = ctx;
  const state = stateFromQuery(query);
  const usersP = ensureUsers();
  const costs = await costVisible();
  if (!costs) for (const f of COST_FILTERS) state[f] = '';
  // The first page is asked for at once, while the user names arrive (the rows show sooner).
  let firstPage = api.get('/api/v1/parties', { ...apiQuery(state), count: 'true' }, { signal });
  firstPage.catch(() => { /* load() reports it */ });
  await usersP;
  let columns = store.get(COLS_KEY, DEFAULT_COLS).filter((k) => COLUMNS.some((c) => c.key === k));
  let rows = [];
  let next = null;
  let loading = null;
  const selected = new Set();
  const canWrite = api.user() && api.user().role !== 'read_only';

  // ---- toolbar: search, sort, columns, views ----
  const search = field({ label: t('customers.search'), name: 'q', type: 'search', value: state.q, placeholder: t('customers.search_placeholder'), class: 'field-search' });
  search.input.addEventListener('input', debounce(() => { state.q = search.input.value.trim(); reload(); }, 300));
  search.input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); state.q = search.input.value.trim(); reload(); } });
  const sort = field({ label: t('customers.sort'), name: 'sort', type: 'select', value: state.sort, options: SORTS.map((s) => ({ value: s, label: t('sort.' + s) })) });
  sort.input.addEventListener('change', () => { state.sort = sort.input.value; reload(); });

  const filterBox = h('div', { class: 'filters', role: 'group', 'aria-label': t('customers.filters') });
  const filterInputs = {};
  const vocabOf = { roles: 'role', rfm_segment: 'rfm' };
  for (const f of FILTERS) {
    if (!costs && COST_FILTERS.includes(f)) continue;
    const vocab = vocabOf[f] || f;
    const fl = field({ label: t('field.' + f), name: f, type: 'select', value: state[f], options: vocabOptions(vocab, VOCAB[vocab], t('common.any')) });
    fl.input.addEventListener('change', () => { state[f] = fl.input.value; reload(); });
    filterInputs[f] = fl.input;
    filterBox.append(fl.wrap);
  }
  for (const f of TEXT_FILTERS) {
    const fl = field({ label: t('field.' + f), name: f, value: state[f], placeholder: t('common.any') });
    fl.input.addEventListener('change', () => { state[f] = fl.input.value.trim(); reload(); });
    filterInputs[f] = fl.input;
    filterBox.append(fl.wrap);
  }
  for (const r of RANGE_FILTERS) {
    if (!costs && COST_FILTERS.includes(r.key)) continue;
    const fl = field({ label: t(r.label), name: r.key, value: state[r.key] ? r.fromApi(state[r.key]) : '', placeholder: t('common.any'), attrs: { inputmode: 'decimal' } });
    fl.input.addEventListener('change', () => {
      const v = fl.input.value.trim();
      const api_ = v === '' ? '' : r.toApi(v);
      const bad = api_ === null;
      fl.input.setAttribute('aria-invalid', String(bad));
      if (bad) return;
      state[r.key] = String(api_);
      reload();
    });
    filterInputs[r.key] = fl.input;
    filterBox.append(fl.wrap);
  }
  const me = api.user();
  const owner = field({ label: t('field.owner_id'), name: 'owner', type: 'select', value: state.owner, options: [
    { value: '', label: t('common.anyone') }, { value: 'me', label: t('common.me') },
    ...userList().filter((x) => !me || x.id !== me.id).sort((a, b) => compare(a.name, b.name)).map((x) => ({ value: String(x.id), label: x.name || x.email }))] });
  owner.input.addEventListener('change', () => { state.owner = owner.input.value; reload(); });
  filterInputs.owner = owner.input;
  filterBox.append(owner.wrap);
  // Custom field: a name (checked as the API checks it) and the value it must hold.
  const customKey = field({ label: t('customers.custom_key'), name: 'custom_key', value: state.custom_key, placeholder: t('customers.custom_key_placeholder'),
    hint: t('customers.custom_key_hint'), attrs: { maxlength: '64', spellcheck: 'false' } });
  const customValue = field({ label: t('customers.custom_value'), name: 'custom_value', value: state.custom_value, placeholder: t('common.any') });
  const keyHint = customKey.wrap.querySelector('.hint');
  const checkKey = () => {
    const bad = customKey.input.value.trim() !== '' && !CUSTOM_KEY.test(customKey.input.value.trim());
    customKey.input.setAttribute('aria-invalid', String(bad));
    keyHint.textContent = bad ? t('customers.custom_key_invalid') : t('customers.custom_key_hint');
    if (bad) keyHint.setAttribute('role', 'alert'); else keyHint.removeAttribute('role');
    return !bad;
  };
  const customChanged = () => {
    const before = customActive(state) ? state.custom_key + '=' + state.custom_value : '';
    state.custom_key = customKey.input.value.trim();
    state.custom_value = customValue.input.value.trim();
    const ok = checkKey();
    const now = customActive(state) ? state.custom_key + '=' + state.custom_value : '';
    if (ok && now !== before) reload();
    else { setQuery(urlState(state)); drawToggle(); }
  };
  customKey.input.addEventListener('change', customChanged);
  customValue.input.addEventListener('change', customChanged);
  filterInputs.custom_key = customKey.input;
  filterInputs.custom_value = customValue.input;
  filterBox.append(customKey.wrap, customValue.wrap);
  checkKey();
  const clearBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: t('customers.clear_filters'), on: { click: () => {
    for (const k of [...ALL_FILTERS(), 'owner', 'custom_key', 'custom_value']) { state[k] = ''; if (filterInputs[k]) filterInputs[k].value = ''; }
    state.q = ''; search.input.value = '';
    checkKey();
    reload();
  } } });
  filterBox.append(h('div', { class: 'field field-btn' }, clearBtn));

  const activeCount = () => [...ALL_FILTERS(), 'owner'].filter((k) => state[k]).length + (customActive(state) || state.custom_key ? 1 : 0);
  const filterToggle = h('button', { type: 'button', class: 'btn', 'aria-expanded': activeCount() ? 'true' : 'false', 'aria-controls': 'filter-panel' });
  filterBox.id = 'filter-panel';
  filterBox.hidden = !activeCount();
  const drawToggle = () => replace(filterToggle, t('customers.filters'), activeCount() ? h('span', { class: 'count', text: number(activeCount()) }) : null);
  filterToggle.addEventListener('click', () => {
    filterBox.hidden = !filterBox.hidden;
    filterToggle.setAttribute('aria-expanded', String(!filterBox.hidden));
    if (!filterBox.hidden) filterBox.querySelector('select, input').focus();
  });

  // Columns chooser: a disclosure with one checkbox per column.
  const colPanel = h('div', { class: 'popover', id: 'columns-panel', hidden: true, role: 'group', 'aria-label': t('customers.columns') });
  for (const c of COLUMNS) {
    const cb = field({ label: t('field.' + c.key), type: 'checkbox', value: columns.includes(c.key) });
    cb.input.addEventListener('change', () => {
      columns = COLUMNS.map((x) => x.key).filter((k) => (k === c.key ? cb.input.checked : columns.includes(k)));
      store.set(COLS_KEY, columns);
      drawTable();
    });
    colPanel.append(cb.wrap);
  }
  const colBtn = h('button', { type: 'button', class: 'btn', 'aria-expanded': 'false', 'aria-controls': 'columns-panel' }, icon('columns'), t('customers.columns'));
  colBtn.addEventListener('click', () => { colPanel.hidden = !colPanel.hidden; colBtn.setAttribute('aria-expanded', String(!colPanel.hidden)); });
  colPanel.addEventListener('keydown', (e) => { if (e.key === 'Escape') { colPanel.hidden = true; colBtn.setAttribute('aria-expanded', 'false'); colBtn.focus(); } });

  // Saved views.
  const viewSel = h('select', { id: nextId('views'), class: 'view-select' });
  const drawViews = (selectedName = '') => {
    const views = store.get(VIEWS_KEY, []);
    replace(viewSel, h('option', { value: '', text: t('customers.views_none') }),
      views.map((v) => h('option', { value: v.name, selected: v.name === selectedName, text: v.name })));
    delViewBtn.hidden = !viewSel.value;
  };
  const saveViewBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: t('customers.view_save'), on: { click: saveView } });
  const delViewBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: t('customers.view_delete'), on: { click: () => {
    store.set(VIEWS_KEY, store.get(VIEWS_KEY, []).filter((v) => v.name !== viewSel.value));
    drawViews();
    toast(t('customers.view_deleted'));
  } } });
  viewSel.addEventListener('change', () => {
    const v = store.get(VIEWS_KEY, []).find((x) => x.name === viewSel.value);
    delViewBtn.hidden = !v;
    if (!v) return;
    if (v.columns) { columns = v.columns; store.set(COLS_KEY, columns); }
    navigate('/customers' + api.qs({ ...v.state, view: v.name }), { replace: true, focus: false });
  });
  async function saveView() {
    const name = await dialog({
      title: t('customers.view_save'),
      build: (body) => body.append(field({ label: t('customers.view_name'), name: 'view-name', required: true, value: query.get('view') || '' }).wrap),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: (close) => {
        const v = document.querySelector('dialog input[name=view-name]').value.trim();
        if (!v) return false;
        return v;
      } }],
    });
    if (!name) return;
    const views = store.get(VIEWS_KEY, []).filter((v) => v.name !== name);
    views.push({ name, state: urlState(state), columns });
    store.set(VIEWS_KEY, views);
    drawViews(name);
    toast(t('customers.view_saved', { name }));
  }

  // Export of everything matching the filters, made by the server (audited there).
  const exportLinks = ['xlsx', 'csv'].map((fmt) => h('a', { class: 'btn btn-ghost btn-sm', download: `customers.${fmt}`, dataset: { format: fmt } }, icon('download'), t('customers.export_' + fmt)));
  const drawExport = () => {
    const q = apiQuery(state);
    delete q.limit;
    delete q.sort;
    for (const a of exportLinks) a.setAttribute('href', '/api/v1/exports/parties' + api.qs({ format: a.dataset.format, ...q }));
  };
  const newBtn = canWrite ? h('button', { type: 'button', class: 'btn btn-primary', on: { click: createParty } }, icon('plus'), t('customers.new')) : null;

  // ---- bulk bar ----
  const bulkCount = h('strong');
  const tagInput = h('input', { id: nextId('bulktag'), type: 'text', placeholder: t('customers.bulk_tag_placeholder'), maxlength: '100' });
  const assignSel = h('select', { id: nextId('assign') }, h('option', { value: '', text: t('customers.bulk_assign_to') }),
    userList().sort((a, b) => compare(a.name, b.name)).map((u) => h('option', { value: String(u.id), text: u.name || u.email })));
  const bulk = h('div', { class: 'bulk-bar', role: 'region', 'aria-label': t('customers.bulk'), hidden: true },
    bulkCount,
    canWrite ? h('label', { for: tagInput.id, class: 'sr-only', text: t('customers.bulk_tag') }) : null,
    canWrite ? tagInput : null,
    canWrite ? h('button', { type: 'button', class: 'btn btn-sm', on: { click: bulkTag } }, icon('tag'), t('customers.bulk_tag')) : null,
    canWrite && userList().length ? h('label', { for: assignSel.id, class: 'sr-only', text: t('customers.bulk_assign_to') }) : null,
    canWrite && userList().length ? assignSel : null,
    canWrite && userList().length ? h('button', { type: 'button', class: 'btn btn-sm', on: { click: bulkAssign } }, icon('customers'), t('customers.bulk_assign')) : null,
    h('button', { type: 'button', class: 'btn btn-sm', on: { click: exportCsv } }, icon('download'), t('customers.export')),
    h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: t('customers.clear_selection'), on: { click: () => { selected.clear(); drawTable(); } } }));

  const tableBox = h('div', { class: 'table-wrap' });
  // The number of matches of the current filters within the user's scope.
  const matchCount = h('p', { class: 'match-count muted', 'aria-live': 'polite' });
  const status = h('p', { class: 'list-status muted', role: 'status', 'aria-live': 'polite' });
  const moreBtn = h('button', { type: 'button', class: 'btn', text: t('customers.load_more'), on: { click: () => load(true) } });
  const foot = h('div', { class: 'list-foot' }, status, moreBtn);

  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { text: t('customers.title') }), h('p', { class: 'muted', text: t('customers.subtitle') })),
      h('div', { class: 'head-actions' }, newBtn)),
    h('div', { class: 'toolbar' }, search.wrap, sort.wrap,
      h('div', { class: 'toolbar-buttons' }, filterToggle, h('div', { class: 'popover-anchor' }, colBtn, colPanel))),
    h('div', { class: 'views-bar' }, h('label', { for: viewSel.id, text: t('customers.views') }), viewSel, saveViewBtn, delViewBtn,
      h('span', { class: 'views-spacer' }), h('span', { class: 'muted', text: t('customers.export_all') }), exportLinks),
    filterBox, bulk, matchCount, tableBox, foot));
  drawViews(query.get('view') || '');
  drawToggle();
  drawExport();
  // "/" jumps to the search box from anywhere on the page.
  const slash = (e) => {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName) || document.querySelector('dialog[open]')) return;
    e.preventDefault();
    search.input.focus();
  };
  document.addEventListener('keydown', slash);
  signal.addEventListener('abort', () => document.removeEventListener('keydown', slash));

  function reload() {
    setQuery(urlState(state));
    drawToggle();
    drawExport();
    load(false);
  }

  async function load(more) {
    if (loading) loading.abort();
    const ctl = new AbortController();
    loading = ctl;
    signal.addEventListener('abort', () => ctl.abort());
    moreBtn.disabled = true;
    status.textContent = t('common.loading');
    tableBox.setAttribute('aria-busy', 'true');
    try {
      // The first page also brings the total; later pages keep it.
      const early = !more && firstPage;
      firstPage = null;
      const page = await (early || api.get('/api/v1/parties', { ...apiQuery(state), after: more ? next : undefined, count: more ? undefined : 'true' },
        { signal: ctl.signal }));
      if (ctl.signal.aborted) return;
      rows = more ? rows.concat(page.items) : page.items;
      next = page.next;
      if (!more) drawCount(page.count, page.count_capped);
      if (!more) selected.clear();
      drawTable();
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (!more) { rows = []; next = null; drawCount(null); }
      replace(tableBox, errorState(err, () => load(more)));
      status.textContent = '';
    } finally {
      if (loading === ctl) loading = null;
      moreBtn.disabled = false;
      tableBox.removeAttribute('aria-busy');
    }
  }

  function drawTable() {
    const cols = COLUMNS.filter((c) => columns.includes(c.key));
    const allBox = h('input', { type: 'checkbox', 'aria-label': t('customers.select_all'),
      checked: rows.length > 0 && rows.every((r) => selected.has(r.id)),
      indeterminate: selected.size > 0 && !rows.every((r) => selected.has(r.id)) });
    allBox.addEventListener('change', () => { rows.forEach((r) => (allBox.checked ? selected.add(r.id) : selected.delete(r.id))); drawTable(); });
    const table = h('table', { class: 'table' },
      h('caption', { class: 'sr-only', text: t('customers.title') }),
      h('thead', {}, h('tr', {},
        h('th', { class: 'col-check', scope: 'col' }, allBox),
        h('th', { scope: 'col', text: t('field.name') }),
        cols.map((c) => h('th', { scope: 'col', class: 'col-' + c.key, text: t('field.' + c.key) })))),
      h('tbody', {}, rows.map((p) => {
        const cb = h('input', { type: 'checkbox', 'aria-label': t('customers.select_one', { name: p.name }), checked: selected.has(p.id) });
        cb.addEventListener('change', () => { cb.checked ? selected.add(p.id) : selected.delete(p.id); drawBulk(); allBox.checked = rows.every((r) => selected.has(r.id)); });
        return h('tr', { class: selected.has(p.id) ? 'selected' : '' },
          h('td', { class: 'col-check' }, cb),
          h('td', { class: 'col-name' },
            h('a', { href: '/customers/' + p.id, class: 'name-link', text: p.name }),
            p.title || p.industry ? h('div', { class: 'sub muted', text: [p.title, p.kind === 'organization' ? p.industry : null].filter(Boolean).join(' · ') }) : null,
            // On a phone the phone column is off-screen: the first number goes under the name (a link to call).
            (p.phones || [])[0] && columns.includes('phones') ? h('a', { class: 'sub m-only m-phone', href: 'tel:' + p.phones[0].replace(/[^\d+]/g, ''), text: p.phones[0] }) : null),
          cols.map((c) => h('td', { class: 'col-' + c.key }, c.cell(p))));
      })));
    if (!rows.length) replace(tableBox, h('div', { class: 'empty' }, h('p', { text: state.q || activeCount() ? t('customers.none_match') : t('customers.none') })));
    else replace(tableBox, table);
    status.textContent = next ? t('customers.shown_more', { count: rows.length }) : t('customers.shown_all', { count: rows.length });
    moreBtn.hidden = !next;
    drawBulk();
  }

  function drawCount(count, capped) {
    matchCount.dataset.count = count ?? '';
    matchCount.dataset.capped = capped ? 'true' : 'false';
    matchCount.textContent = typeof count === 'number' ? t(capped ? 'customers.count_capped' : 'customers.count', { count }) : '';
  }

  function drawBulk() {
    bulk.hidden = selected.size === 0;
    bulkCount.textContent = t('customers.selected', { count: selected.size });
  }

  async function bulkTag() {
    const tag = tagInput.value.trim();
    if (!tag) { tagInput.focus(); toast(t('customers.bulk_tag_missing'), 'error'); return; }
    const { done, failed } = await bulkPatch((p) => ((p.tags || []).includes(tag) ? null : { tags: [...(p.tags || []), tag] }));
    tagInput.value = '';
    toast(failed ? t('customers.bulk_tag_partial', { done, failed }) : t('customers.bulk_tag_done', { count: done, tag }), failed ? 'error' : 'ok');
  }

  async function bulkAssign() {
    const owner = Number(assignSel.value);
    if (!owner) { assignSel.focus(); toast(t('customers.bulk_assign_missing'), 'error'); return; }
    const { done, failed } = await bulkPatch((p) => (p.owner_id === owner ? null : { owner_id: owner }));
    toast(failed ? t('customers.bulk_tag_partial', { done, failed }) : t('customers.bulk_assign_done', { count: done, name: userLabel(owner) }), failed ? 'error' : 'ok');
  }

  /** Applies change(p) → patch body (or null: nothing to do) to every selected party, three at a time. */
  async function bulkPatch(change) {
    const targets = rows.filter((r) => selected.has(r.id));
    let done = 0, failed = 0;
    const queue = [...targets];
    const worker = async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        try {
          const updated = await patchOne(p, change);
          Object.assign(p, updated);
          done++;
        } catch { failed++; }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    drawTable();
    return { done, failed };
  }

  async function patchOne(p, change) {
    for (let attempt = 0; ; attempt++) {
      const body = change(p);
      if (!body) return p;
      try {
        return await api.patch('/api/v1/parties/' + p.id, body, p.version);
      } catch (err) {
        if (!api.isConflict(err) || attempt > 0) throw err;
        p = await api.get('/api/v1/parties/' + p.id);   // someone changed it: retry on the fresh version
      }
    }
  }

  function exportCsv() {
    const cols = ['id', 'name', ...COLUMNS.filter((c) => columns.includes(c.key)).map((c) => c.key)];
    const cell = (p, k) => {
      const v = p[k];
      if (Array.isArray(v)) return v.join('; ');
      if (['kind', 'importance', 'relationship_level', 'loyalty_class', 'value_class', 'customer_type', 'relationship_to_company', 'source'].includes(k)) return label(k, v);
      return v ?? '';
    };
    const esc = (s) => {
      let x = String(s);
      if (/^[=+\-@\t\r]/.test(x)) x = "'" + x;     // no formulas when opened in a spreadsheet
      return /[",\n\r]/.test(x) ? '"' + x.replace(/"/g, '""') + '"' : x;
    };
    const lines = [cols.map((k) => esc(t('field.' + k))).join(',')];
    for (const p of rows.filter((r) => selected.has(r.id))) lines.push(cols.map((k) => esc(cell(p, k))).join(','));
    const blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
    const a = h('a', { href: URL.createObjectURL(blob), download: 'customers.csv', hidden: true });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  /** New party: the duplicates (name, e-mail or phone) are shown first (dupes.js). */
  async function createParty(initial = { kind: 'person', roles: ['customer'] }, { skipDupes = false } = {}) {
    const form = partyForm(initial, { compact: true });
    const r = await dialog({
      title: t('customers.new'), wide: true,
      build: (body) => body.append(form.el),
      buttons: [{ label: t('action.cancel') }, { label: t('action.create'), kind: 'primary', submit: true, onClick: async (close) => {
        if (!form.validate()) throw new Error(t('form.fix_fields'));
        const body = form.changes();
        if (!skipDupes) {
          const dups = await findDuplicates(body, { signal });
          if (dups.length) { close({ dups, body }); return false; }
        }
        return { created: await form.submit((b) => api.post('/api/v1/parties', b)) };
      } }],
    });
    if (!r) return;
    if (r.created) { toast(t('customers.created', { name: r.created.name })); navigate('/customers/' + r.created.id); return; }
    const choice = await duplicateDialog(r.body.name, r.dups);
    if (!choice) return;
    if (choice.action === 'back') { createParty(r.body); return; }
    if (choice.action === 'open') { navigate('/customers/' + choice.party.id); return; }
    // Create anyway, or merge: the new details go into the existing party (created, then merged into it at once).
    let created;
    try { created = await api.post('/api/v1/parties', r.body); } catch (err) { toast(errorText(err), 'error'); createParty(r.body, { skipDupes: true }); return; }
    if (choice.action === 'create') { toast(t('customers.created', { name: created.name })); navigate('/customers/' + created.id); return; }
    try {
      await api.post(`/api/v1/parties/${choice.party.id}/merge`, { duplicate_id: created.id });
      toast(t('dupes.merged', { name: choice.party.name }));
      navigate('/customers/' + choice.party.id);
    } catch (err) {
      toast(errorText(err), 'error');
      navigate('/customers/' + created.id);
    }
  }

  await load(false);
}

