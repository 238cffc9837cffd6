// analytics-settings: the analytics engine's settings (admins) — tier
// thresholds, lifecycle and loyalty rules, value horizons — edited as one
// form; saving can start a new run so the dashboard shows the effect.
// API: GET/PUT /api/v1/analytics/settings, POST /api/v1/analytics/runs.
import { h } from '../dom.js';
import { t, has } from '../i18n.js';
import * as api from '../api.js';
import { field, card, toast, errorState, errorText } from '../ui.js';

// Settings shown first and grouped; any other key the server has is listed under "More".
const GROUPS = [
  ['tiers', ['tier_basis', 'tier_platinum', 'tier_gold', 'matrix_quantile', 'ka_quantile', 'service_tiers']],
  ['lifecycle', ['window_weeks', 'exploration_weeks', 'decline_p_alive', 'growth', 'drop']],
  ['loyalty', ['new_weeks', 'loyal_repeat', 'loyal_p_alive', 'behaviour_repeat']],
  ['value', ['model', 'currency', 'amount_scale', 'margin', 'annual_discount', 'current_weeks', 'horizon_weeks', 'step_weeks', 'expected_weeks', 'holdout_weeks']],
];

export async function render({ main, signal }) {
  let settings;
  try {
    settings = (await api.get('/api/v1/analytics/settings', undefined, { signal })).settings;
  } catch (err) {
    if (err.name === 'AbortError') return;
    main.append(errorState(err));
    return;
  }
  const inputs = {};
  const known = new Set(GROUPS.flatMap(([, keys]) => keys));
  const groups = [...GROUPS, ['more', Object.keys(settings).filter((k) => !known.has(k))]];
  const status = h('p', { class: 'muted small', role: 'status' });
  const form = h('form', { class: 'settings-form', novalidate: true },
    groups.filter(([, keys]) => keys.some((k) => settings[k])).map(([g, keys]) => card(t('asettings.g_' + g), h('div', { class: 'form-grid' },
      keys.filter((k) => settings[k]).map((k) => {
        const s = settings[k];
        const numeric = typeof s.default === 'number';
        const name = t('asettings.' + k) !== 'asettings.' + k ? t('asettings.' + k) : k;
        const f = field({ label: name, name: k, type: numeric ? 'number' : 'text', value: String(s.value),
          hint: `${has('asettings.doc.' + k) ? t('asettings.doc.' + k) : s.doc} · ${t('asettings.default', { value: String(s.default) })}`, attrs: numeric ? { step: 'any' } : {} });
        inputs[k] = { input: f.input, numeric, value: s.value };
        return f.wrap;
      })))),
    h('div', { class: 'wizard-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary' }, t('asettings.save_run')),
      h('button', { type: 'button', class: 'btn', on: { click: () => save(false) } }, t('action.save'))),
    status);
  form.addEventListener('submit', (e) => { e.preventDefault(); save(true); });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('asettings.title') }), h('p', { class: 'muted', text: t('asettings.subtitle') }))),
    form));

  async function save(run) {
    const body = {};
    for (const [k, x] of Object.entries(inputs)) {
      const raw = x.input.value.trim();
      const v = x.numeric ? Number(raw) : raw;
      if (x.numeric && (raw === '' || Number.isNaN(v))) { x.input.setAttribute('aria-invalid', 'true'); x.input.focus(); toast(t('asettings.number'), 'error'); return; }
      x.input.removeAttribute('aria-invalid');
      if (v !== x.value) body[k] = v;
    }
    try {
      if (Object.keys(body).length) {
        const r = await api.request('PUT', '/api/v1/analytics/settings', { body });
        for (const [k, s] of Object.entries(r.settings)) if (inputs[k]) inputs[k].value = s.value;
      }
      if (run) {
        status.textContent = t('dash.running');
        await api.post('/api/v1/analytics/runs?wait=true', {});
        status.textContent = '';
        toast(t('asettings.ran'));
      } else toast(t('asettings.saved'));
    } catch (err) {
      status.textContent = '';
      if (err.field && inputs[err.field]) { inputs[err.field].input.setAttribute('aria-invalid', 'true'); inputs[err.field].input.focus(); }
      toast(errorText(err), 'error');
    }
  }
}
