// i18n: the message catalogue lookup and locale-aware formatting. The
// language is chosen from the browser (navigator.languages) unless the user
// picked one, which is kept in localStorage. Every visible string goes
// through t(); every number, date and amount through the formatters below.
import en from './i18n/en.js';
import zhCN from './i18n/zh-CN.js';

const CATALOGUES = { en, 'zh-CN': zhCN };
export const LOCALES = [
  { code: 'zh-CN', label: '简体中文' },
  { code: 'en', label: 'English' },
];
const STORE_KEY = 'rapport.locale';

let locale = initialLocale();
let cache = {};

function initialLocale() {
  let saved = null;
  try { saved = localStorage.getItem(STORE_KEY); } catch { /* storage disabled */ }
  if (saved && CATALOGUES[saved]) return saved;
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const low = String(l).toLowerCase();
    if (low.startsWith('zh')) return 'zh-CN';
    if (low.startsWith('en')) return 'en';
  }
  return 'en';
}

export function getLocale() { return locale; }

/** Switches the language, remembers it and tells the app to redraw. */
export function setLocale(code) {
  if (!CATALOGUES[code] || code === locale) return;
  locale = code;
  cache = {};
  try { localStorage.setItem(STORE_KEY, code); } catch { /* storage disabled */ }
  document.documentElement.lang = code;
  window.dispatchEvent(new CustomEvent('rapport:locale', { detail: code }));
}

/**
 * t('customers.count', {count: 3}) — the message for key in the current
 * language (falling back to English, then to the key itself), with {name}
 * placeholders filled in. A message may be {one, other} for plurals.
 */
export function t(key, params) {
  let m = CATALOGUES[locale][key];
  if (m === undefined) m = en[key];
  if (m === undefined) return key;
  if (typeof m === 'object') {
    const n = params && typeof params.count === 'number' ? params.count : 0;
    m = m[plural().select(n)] ?? m.other;
  }
  if (!params) return m;
  return m.replace(/\{(\w+)\}/g, (all, name) => {
    const v = params[name];
    if (v === undefined || v === null) return all;
    return typeof v === 'number' ? number(v) : String(v);
  });
}

/** True when the catalogue has key (used for optional enum labels). */
export function has(key) { return key in CATALOGUES[locale] || key in en; }

/** The label of a vocabulary value: enum.<vocab>.<value>, or the raw value. */
export function label(vocab, value) {
  if (value === null || value === undefined || value === '') return '';
  const key = `enum.${vocab}.${value}`;
  return has(key) ? t(key) : String(value);
}

function memo(name, make) { return cache[name] || (cache[name] = make()); }
const plural = () => memo('plural', () => new Intl.PluralRules(locale));

export function number(n, opts) {
  if (n === null || n === undefined || Number.isNaN(n)) return '';
  if (opts) return new Intl.NumberFormat(locale, opts).format(n);
  return memo('num', () => new Intl.NumberFormat(locale)).format(n);
}

export function percent(x) {
  return memo('pct', () => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 })).format(x);
}

function currencyDigits(currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  } catch { return 2; }
}

/** {amount: minor units, currency} → "¥1,234.50" / "CN¥1,234.50". */
export function money(m, { compact = false } = {}) {
  if (!m || typeof m.amount !== 'number') return '';
  const cur = m.currency || 'CNY';
  const digits = currencyDigits(cur);
  const value = m.amount / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency', currency: cur, notation: compact ? 'compact' : 'standard',
      maximumFractionDigits: compact ? 1 : digits,
    }).format(value);
  } catch {
    return `${number(value)} ${cur}`;
  }
}

/** Converts a decimal amount typed by the user into minor units. */
export function toMinor(text, currency = 'CNY') {
  const s = String(text).trim().replace(/[,，\s]/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(s)) return null;
  return Math.round(Number(s) * 10 ** currencyDigits(currency));
}

// ---- the company's time zone (GET /api/v1/settings/time-zone) ----
// Every time a person reads, "today" and "overdue" are in this zone, not the
// browser's: a purchase at 2026-11-30T22:10Z is on 12-01 in Shanghai on every
// screen. A date alone (a birthday, YYYY-MM-DD) is a calendar day, shown as is.
let timeZone;

/** Sets the company's zone (an IANA name); an unknown name is ignored. */
export function setTimeZone(tz) {
  try { new Intl.DateTimeFormat('en', { timeZone: tz }); } catch { return; }
  timeZone = tz;
  cache = {};
}

export function getTimeZone() { return timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone; }

const partsFmt = () => memo('parts', () => new Intl.DateTimeFormat('en-US', { timeZone: getTimeZone(), hourCycle: 'h23',
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }));

/** The wall-clock fields of instant d in the company's zone. */
export function wallParts(d) {
  const o = {};
  for (const p of partsFmt().formatToParts(d)) if (p.type !== 'literal') o[p.type] = Number(p.value);
  if (o.hour === 24) o.hour = 0;
  return o;
}

function offsetAt(ms) {
  const p = wallParts(new Date(ms));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant of a wall-clock time in the company's zone. */
export function fromWall(y, mo, d, hh = 0, mi = 0, ss = 0) {
  const guess = Date.UTC(y, mo - 1, d, hh, mi, ss);
  let t = guess - offsetAt(guess);
  const again = guess - offsetAt(t);
  if (again !== t) t = again;
  return new Date(t);
}

const pad2 = (n) => String(n).padStart(2, '0');
/** The company-zone day of an instant, as YYYY-MM-DD. */
export function dayKey(v = new Date()) {
  const p = wallParts(v instanceof Date ? v : new Date(v));
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)}`;
}
/** YYYY-MM-DD plus n days. */
export function addDays(key, n) {
  const [y, m, d] = key.split('-').map(Number);
  const x = new Date(Date.UTC(y, m - 1, d + n));
  return `${x.getUTCFullYear()}-${pad2(x.getUTCMonth() + 1)}-${pad2(x.getUTCDate())}`;
}
/** Midnight (company zone) that starts the day of v, or of the key YYYY-MM-DD. */
export function dayStart(v = new Date()) {
  const key = typeof v === 'string' && v.length === 10 ? v : dayKey(v);
  const [y, m, d] = key.split('-').map(Number);
  return fromWall(y, m, d);
}
/** The last second of the day of v in the company zone. */
export function dayEnd(v = new Date()) {
  const key = typeof v === 'string' && v.length === 10 ? v : dayKey(v);
  return new Date(dayStart(addDays(key, 1)).getTime() - 1000);
}
/** ISO 8601 UTC without milliseconds, as the API writes times. */
export function isoUtc(d) { return new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z'); }

function toDate(v) {
  if (!v) return null;
  const d = v instanceof Date ? v : new Date(v.length === 10 ? v + 'T00:00:00Z' : v);
  return Number.isNaN(d.getTime()) ? null : d;
}
const isDay = (v) => typeof v === 'string' && v.length === 10;

export function date(v) {
  const d = toDate(v);
  if (!d) return '';
  if (isDay(v)) return memo('dateU', () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' })).format(d);
  return memo('date', () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: getTimeZone() })).format(d);
}

export function dateTime(v) {
  const d = toDate(v);
  if (!d) return '';
  if (isDay(v)) return date(v);
  return memo('dt', () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: getTimeZone() })).format(d);
}

export function time(v) {
  const d = toDate(v);
  return d ? memo('time', () => new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: getTimeZone() })).format(d) : '';
}

/** A formatter in the company's zone with other options (calendar headings …). */
export function dateFmt(opts) {
  const key = 'f:' + JSON.stringify(opts);
  return memo(key, () => new Intl.DateTimeFormat(locale, { timeZone: getTimeZone(), ...opts }));
}

/** "3 days ago", "in 2 hours" */
export function relative(v, now = Date.now()) {
  const d = toDate(v);
  if (!d) return '';
  const secs = (d.getTime() - now) / 1000;
  const abs = Math.abs(secs);
  const rtf = memo('rtf', () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }));
  if (abs < 60) return rtf.format(Math.round(secs), 'second');
  if (abs < 3600) return rtf.format(Math.round(secs / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(secs / 3600), 'hour');
  if (abs < 86400 * 30) return rtf.format(Math.round(secs / 86400), 'day');
  if (abs < 86400 * 365) return rtf.format(Math.round(secs / (86400 * 30)), 'month');
  return rtf.format(Math.round(secs / (86400 * 365)), 'year');
}

/** Compares strings the way people of this language expect (pinyin order in zh-CN). */
export function compare(a, b) {
  return memo('coll', () => new Intl.Collator(locale === 'zh-CN' ? 'zh-CN-u-co-pinyin' : locale, { numeric: true, sensitivity: 'base' })).compare(a ?? '', b ?? '');
}

document.documentElement.lang = locale;
