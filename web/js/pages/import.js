// import: the import wizard — choose what to import and the file, map its
// columns to fields (guessed from the header in Chinese or English), check
// it with a dry run (duplicates and errors, nothing written), then import
// with a progress bar, the error report to download and an undo.
// API: POST /api/v1/imports?kind=&map=&dry_run= (the file is the body),
// GET /api/v1/imports/{id}, …/errors (CSV), POST …/undo.
import { h, icon, replace } from '../dom.js';
import { t, number, has } from '../i18n.js';
import * as api from '../api.js';
import { VOCAB } from '../vocab.js';
import { field, toast, errorText, card, badge, confirmDialog, fieldLabel, codeText } from '../ui.js';

const TARGETS = {
  parties: ['name', 'kind', 'roles', 'company', 'external_id', 'phones', 'emails', 'city', 'country', 'industry', 'title', 'website', 'source',
    'birthday', 'relationship_to_company', 'importance', 'loyalty_class', 'value_class', 'customer_type', 'relationship_level',
    'tags', 'needs', 'characteristics', 'notes'],
  transactions: ['party_external_id', 'party_name', 'party_id', 'external_id', 'occurred_at', 'amount', 'currency', 'cost', 'channel',
    'description', 'product', 'product_name', 'quantity', 'unit_price', 'cancelled'],
  interactions: ['party_external_id', 'party_name', 'party_id', 'channel', 'direction', 'subject', 'notes', 'outcome', 'response',
    'status', 'due_at', 'occurred_at', 'campaign'],
  products: ['sku', 'name', 'description', 'category', 'price', 'price_currency', 'active'],
};
// Header words people use for a field, besides its name and its labels in both catalogues.
const SYNONYMS = {
  name: ['姓名', '名称', '客户名称', '客户', '公司名称', 'customer', 'full name'],
  company: ['公司', '单位', '工作单位', '所在公司', '所属公司', '企业', 'company', 'organisation', 'organization', 'employer'],
  phones: ['电话', '手机', '手机号', '联系电话', 'mobile', 'tel', 'telephone', 'phone'],
  emails: ['邮箱', '电子邮件', 'email', 'e-mail', 'mail'],
  external_id: ['编号', '客户编号', 'id', 'code', 'customer id'],
  party_external_id: ['客户编号', 'customer id', 'customer_id', 'customer code'],
  party_name: ['客户', '客户名称', 'customer', 'customer name'],
  occurred_at: ['日期', '时间', 'date', 'time', 'invoice date', 'invoicedate'],
  amount: ['金额', 'amount', 'total', 'sum'],
  city: ['城市', '所在城市', 'city', 'town'],
  industry: ['行业', 'industry', 'sector'],
  quantity: ['数量', 'qty', 'quantity'],
  unit_price: ['单价', 'price', 'unit price', 'unitprice'],
  product: ['货号', 'sku', 'stockcode', 'stock code', 'product code'],
  product_name: ['品名', '产品', 'description', 'product'],
  tags: ['标签', 'tags', 'tag'],
  birthday: ['生日', '出生日期', '出生年月', 'date of birth', 'dob', 'born'],
};

export async function render(ctx) {
  const { main, signal } = ctx;
  const kind = field({ label: t('import.kind'), type: 'select', value: 'parties',
    options: Object.keys(TARGETS).map((k) => ({ value: k, label: t('import.kind_' + k) })) });
  const file = field({ label: t('import.file'), type: 'file', hint: t('import.file_hint'), attrs: { accept: '.csv,.txt,.tsv,.jsonl,.gz,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } });
  const encoding = field({ label: t('import.encoding'), type: 'select', value: 'auto', options: [
    { value: 'auto', label: t('import.enc_auto') }, { value: 'utf-8', label: 'UTF-8' }, { value: 'gb18030', label: 'GB18030 / GBK' }] });
  const mapBox = h('div', {}, h('p', { class: 'muted', text: t('import.map_empty') }));
  const checkBox = h('div');
  const runBox = h('div');
  // Parties a row says nothing about get this role and source (D1: every party has an information source).
  const defRole = field({ label: t('import.default_role'), type: 'select', value: 'customer', hint: t('import.default_role_hint'),
    options: [{ value: '', label: t('import.default_none') }, ...VOCAB.role.map((v) => ({ value: v, label: t('enum.role.' + v) }))] });
  const defSource = field({ label: t('import.default_source'), type: 'select', value: 'import',
    options: [{ value: '', label: t('import.default_none') }, ...VOCAB.source.map((v) => ({ value: v, label: t('enum.source.' + v) }))] });
  const dup = field({ label: t('import.on_duplicate'), type: 'select', value: 'update', options: ['update', 'skip', 'error'].map((v) => ({ value: v, label: t('import.dup_' + v) })) });
  const checkBtn = h('button', { type: 'button', class: 'btn', disabled: true }, icon('search'), t('import.check'));
  const runBtn = h('button', { type: 'button', class: 'btn btn-primary', disabled: true }, icon('download'), t('import.run'));
  let columns = [];       // header of the file
  let samples = [];       // first rows
  let selects = [];       // one <select> per column
  let fileObj = null;

  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('import.title') }), h('p', { class: 'muted', text: t('import.subtitle') }))),
    h('ol', { class: 'wizard' },
      h('li', {}, card(t('import.step_file'), h('div', { class: 'form-grid' }, kind.wrap, encoding.wrap, h('div', { class: 'span-2' }, file.wrap)))),
      h('li', {}, card(t('import.step_map'), mapBox)),
      h('li', {}, card(t('import.step_check'), h('div', {}, h('div', { class: 'form-grid' }, dup.wrap, defRole.wrap, defSource.wrap), h('div', { class: 'wizard-actions' }, checkBtn, runBtn), checkBox, runBox))))));

  const showDefaults = () => { defRole.wrap.hidden = defSource.wrap.hidden = kind.input.value !== 'parties'; };
  showDefaults();
  kind.input.addEventListener('change', () => { showDefaults(); drawMapping(); });
  encoding.input.addEventListener('change', () => fileObj && readHeader());
  file.input.addEventListener('change', () => { fileObj = file.input.files[0] || null; readHeader(); });

  async function readHeader() {
    columns = []; samples = [];
    replace(checkBox); replace(runBox);
    if (!fileObj) { drawMapping(); return; }
    // An .xlsx workbook (Excel, WPS; a zip) is read by the server, which answers its first sheet's header and
    // rows; old .xls / .et (an OLE file) and .ods are explained instead of shown as bytes (issue 15 item 9).
    const head = new Uint8Array(await fileObj.slice(0, 8).arrayBuffer());
    const zip = head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
    const ole = head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0;
    if (/\.(xls|et|ods)$/i.test(fileObj.name) || ole) {
      replace(mapBox, h('div', { class: 'notice', role: 'alert' }, icon('alert'),
        h('div', {}, h('strong', { text: t('import.sheet_title', { name: fileObj.name }) }), h('p', { text: t('import.sheet_help') }))));
      checkBtn.disabled = runBtn.disabled = true;
      return;
    }
    if (zip || /\.(xlsx|xlsm)$/i.test(fileObj.name)) {
      replace(mapBox, h('p', { class: 'muted', role: 'status', text: t('import.reading_sheet') }));
      checkBtn.disabled = runBtn.disabled = true;
      try {
        const p = await api.request('POST', '/api/v1/imports/preview', { raw: fileObj, headers: { 'Content-Type': 'application/octet-stream' }, signal });
        columns = p.columns.map((c) => c.trim());
        samples = p.rows;
        drawMapping();
      } catch (err) {
        if (err.name !== 'AbortError') replace(mapBox, h('p', { class: 'form-error', role: 'alert', text: errorText(err) }));
      }
      return;
    }
    if (/\.gz$/i.test(fileObj.name) || /\.jsonl$/i.test(fileObj.name)) {
      replace(mapBox, h('p', { class: 'muted', text: t('import.map_auto') }));
      checkBtn.disabled = runBtn.disabled = false;
      return;
    }
    const buf = await fileObj.slice(0, 65536).arrayBuffer();
    const text = decode(new Uint8Array(buf), encoding.input.value);
    const rows = parseCsv(text, 6);
    columns = (rows[0] || []).map((c) => c.trim());
    samples = rows.slice(1);
    drawMapping();
  }

  function drawMapping() {
    const targets = TARGETS[kind.input.value];
    if (!columns.length) {
      replace(mapBox, h('p', { class: 'muted', text: fileObj ? t('import.map_auto') : t('import.map_empty') }));
      checkBtn.disabled = runBtn.disabled = !fileObj;
      return;
    }
    const used = new Set();
    selects = columns.map((col, i) => {
      const guess = guessField(col, targets, used);
      if (guess) used.add(guess);
      const sel = h('select', { 'aria-label': t('import.target_for', { column: col || '#' + (i + 1) }), dataset: { column: col } },
        h('option', { value: '', text: t('import.ignore') }),
        targets.map((f) => h('option', { value: f, selected: f === guess, text: fieldName(f) })));
      return sel;
    });
    replace(mapBox, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('import.column') }), h('th', { scope: 'col', text: t('import.sample') }), h('th', { scope: 'col', text: t('import.field') }))),
      h('tbody', {}, columns.map((col, i) => h('tr', {},
        h('th', { scope: 'row', text: col || '#' + (i + 1) }),
        h('td', { class: 'muted', text: samples.map((r) => r[i]).filter(Boolean).slice(0, 3).join(' · ') }),
        h('td', {}, selects[i])))))),
    h('p', { class: 'muted small', text: t('import.map_help') }));
    checkBtn.disabled = runBtn.disabled = false;
  }

  function mapSpec() {
    return selects.map((s) => (s.value ? `${s.value}=${s.dataset.column}` : null)).filter(Boolean).join(',');
  }

  async function start(dryRun) {
    if (!fileObj) return null;
    const q = { kind: kind.input.value, dry_run: dryRun ? 'true' : undefined, on_duplicate: dup.input.value,
      encoding: encoding.input.value === 'auto' ? undefined : encoding.input.value, map: columns.length ? mapSpec() : undefined };
    if (kind.input.value === 'parties') {
      q.default_role = defRole.input.value || undefined;
      q.default_source = defSource.input.value || undefined;
    }
    return api.request('POST', '/api/v1/imports', { query: q, raw: fileObj, headers: { 'Content-Type': fileObj.type || 'application/octet-stream' } });
  }

  async function follow(job, bar) {
    for (;;) {
      if (job.status === 'done' || job.status === 'failed' || job.status === 'cancelled') return job;
      if (bar) setBar(bar, job.progress);
      await new Promise((r) => setTimeout(r, 400));
      if (signal.aborted) throw new DOMException('left', 'AbortError');
      job = await api.get('/api/v1/imports/' + job.id, undefined, { signal });
    }
  }

  checkBtn.addEventListener('click', async () => {
    checkBtn.disabled = true;
    replace(checkBox, h('p', { class: 'muted', role: 'status', text: t('import.checking') }));
    try {
      const job = await follow(await start(true));
      replace(checkBox, summary(job, true));
    } catch (err) { if (err.name !== 'AbortError') replace(checkBox, h('p', { class: 'form-error', role: 'alert', text: errorText(err) })); }
    checkBtn.disabled = false;
  });

  runBtn.addEventListener('click', async () => {
    runBtn.disabled = true;
    const bar = h('div', { class: 'progress', role: 'progressbar', 'aria-label': t('import.progress'), 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, h('span'));
    replace(runBox, h('h3', { class: 'run-title', text: t('import.running') }), bar);
    try {
      const job = await follow(await start(false), bar);
      setBar(bar, { done: 1, total: 1 });
      replace(runBox, summary(job, false));
      if (job.status === 'done') toast(t('import.done_toast', { count: (job.result && (job.result.created + job.result.updated)) || 0 }));
    } catch (err) { if (err.name !== 'AbortError') replace(runBox, h('p', { class: 'form-error', role: 'alert', text: errorText(err) })); }
    runBtn.disabled = false;
  });

  function summary(job, dry) {
    const r = job.result || {};
    const stat = (k, n, tone) => h('div', { class: ['istat', tone && 'istat-' + tone], dataset: { stat: k, count: String(n || 0) } },
      h('span', { class: 'istat-n', text: number(n || 0) }), h('span', { class: 'istat-l', text: t('import.s_' + k + (dry ? '_dry' : '')) }));
    const report = r.report || [];
    return h('div', { class: 'import-result', dataset: { status: job.status, dry: String(dry) } },
      h('p', { class: job.status === 'done' ? 'muted' : 'form-error', role: 'status',
        text: job.status === 'done' ? (dry ? t('import.checked') : t('import.finished')) : (job.error || r.fatal || t('import.failed')) }),
      h('div', { class: 'istats' }, stat('rows', r.rows), stat('created', r.created, 'green'), stat('updated', r.updated, 'blue'),
        stat('duplicates', r.duplicates, 'gold'), stat('errors', (r.errors || 0) + (r.no_customer || 0), 'red'),
        r.values_dropped ? stat('values_dropped', r.values_dropped, 'gold') : null,
        r.organizations_created ? stat('organizations_created', r.organizations_created, 'green') : null),
      report.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact' },
        h('caption', { class: 'sr-only', text: t('import.report') }),
        h('thead', {}, h('tr', {}, ['row', 'column', 'kind', 'reason'].map((k) => h('th', { scope: 'col', text: t('import.r_' + k) })))),
        h('tbody', {}, report.slice(0, 50).map((x) => h('tr', {},
          h('td', { text: number(x.row) }), h('td', { text: x.column }),
          h('td', {}, badge(t('import.k_' + x.kind) !== 'import.k_' + x.kind ? t('import.k_' + x.kind) : x.kind, x.kind === 'error' || x.kind === 'no_customer' ? 'red' : 'gold')),
          h('td', { text: reasonText(x) })))))) : null,
      h('div', { class: 'wizard-actions' },
        report.length ? h('a', { class: 'btn btn-sm', href: `/api/v1/imports/${job.id}/errors`, download: `import-${job.id}-report.csv` }, icon('download'), t('import.download_report')) : null,
        !dry && r.written ? h('button', { type: 'button', class: 'btn btn-sm btn-ghost', on: { click: () => undo(job) } }, t('import.undo')) : null,
        !dry && r.written && kind.input.value === 'parties' ? h('a', { class: 'btn btn-sm btn-ghost', href: '/customers?sort=-updated_at', text: t('import.see_customers') }) : null));
  }

  async function undo(job) {
    if (!await confirmDialog(t('import.undo'), t('import.undo_text'), t('import.undo'), 'danger')) return;
    try {
      await api.post(`/api/v1/imports/${job.id}/undo`, {});
      toast(t('import.undone'));
      replace(runBox);
    } catch (err) { toast(errorText(err), 'error'); }
  }
}

function setBar(bar, p) {
  const pct = p && p.total ? Math.min(100, Math.round((100 * p.done) / p.total)) : 5;
  bar.firstChild.style.width = pct + '%';
  bar.setAttribute('aria-valuenow', String(pct));
}

function fieldName(f) {
  const k = 'field.' + f;
  const s = t(k);
  return s === k ? f : `${s} (${f})`;
}

function norm(s) { return String(s).toLowerCase().replace(/[\s_\-（）()]/g, ''); }

/** The field a header most likely means: its name, a label in either language, or a known synonym. */
function guessField(col, targets, used) {
  const c = norm(col);
  if (!c) return null;
  for (const f of targets) {
    if (used.has(f)) continue;
    const words = [f, t('field.' + f), ...(SYNONYMS[f] || [])].map(norm);
    if (words.includes(c)) return f;
  }
  return null;
}

/** Decodes the start of a file: UTF-8 unless it is not valid UTF-8 (then GB18030) or told otherwise. */
function decode(bytes, enc) {
  if (enc === 'gb18030') return new TextDecoder('gb18030').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\ufeff/, '');
  } catch {
    return enc === 'utf-8' ? new TextDecoder('utf-8').decode(bytes) : new TextDecoder('gb18030').decode(bytes);
  }
}

/** Parses up to maxRows CSV rows (quotes, doubled quotes; comma, semicolon or tab, whichever the header has most). */
function parseCsv(text, maxRows) {
  const first = text.split(/\r?\n/, 1)[0] || '';
  const delim = [',', '\t', ';', '|'].map((d) => [d, first.split(d).length]).sort((a, b) => b[1] - a[1])[0][0];
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length && rows.length < maxRows; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === delim) { row.push(cell); cell = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += ch;
  }
  if ((cell || row.length) && rows.length < maxRows) { row.push(cell); rows.push(row); }
  return rows;
}


/**
 * A report line in the reader's language: the import engine writes English
 * reasons; the common ones are recognised and worded from the catalogue
 * (duplicates with what matched and what was done, a row without its
 * customer, a value that is not an amount / number / phone / e-mail / date);
 * anything else is shown as written.
 */
export function reasonText(x) {
  const r = String(x.reason || '');
  let m = /^duplicate of (\w+) (\d+) \(same (external_id|e-mail|phone|sku|name)\s*(.*?)\)(?::\s*(\w+))?$/.exec(r);
  if (m) {
    const what = has('entity.' + m[1]) ? t('entity.' + m[1]) : m[1];
    const how = t('import.how_' + m[3].replace('-', ''));
    const outcome = m[5] && has('import.outcome_' + m[5]) ? t('import.outcome_' + m[5]) : '';
    return t('import.reason_dup', { what, id: m[2], how, value: m[4] }) + (outcome ? ' ' + outcome : '');
  }
  if (x.kind === 'no_customer') return t('import.reason_no_customer');
  m = /^(\w+): '(.*)' left out \((.*)\); the row is imported without it$/.exec(r);
  if (m) return t('import.reason_left_out', { field: fieldLabel(m[1]), value: m[2], why: reasonText({ reason: m[3] }) });
  if (x.kind === 'value_dropped') return t('import.reason_dropped', { why: reasonText({ reason: r.replace(/; the row is imported without it$/, '') }) });
  m = /^(\w+): '(.*)' is not (an amount|a whole number)/.exec(r);
  if (m) return t(m[3] === 'an amount' ? 'import.reason_not_amount' : 'import.reason_not_integer', { field: fieldLabel(m[1]), value: m[2] });
  m = /(\w+(?:\[\d+\])?) is not an? (e-mail address|phone number|date|valid date|time)/.exec(r);
  if (m) return `${fieldLabel(m[1])}: ${codeText(m[2].startsWith('e-mail') ? 'invalid_email' : m[2].startsWith('phone') ? 'invalid_phone' : m[2] === 'time' ? 'invalid_time' : 'invalid_date')}`;
  m = /^(\w+(?:\[\d+\])?) is required$/.exec(r);
  if (m) return `${fieldLabel(m[1])}: ${codeText('required')}`;
  return r;
}
