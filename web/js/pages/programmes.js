// programmes: the relationship-marketing programmes of DOMAIN D8 — the
// contact plans per tier or segment (how often, by which activities in
// turn, who does it) and the occasion rules (a task N days before a
// birthday, a lunar birthday, an anniversary, a key date, a festival). Each
// list has an editor dialog and a "run now" button that generates at once
// what the daily schedule would (POST …/{id}/run?wait=true) and reports it.
// API: /api/v1/contact-plans, /api/v1/occasion-rules (CRUD + /{id}/run).
import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorState, errorText, badge, card } from '../ui.js';

const ACTIVITIES = ['call', 'visit', 'product_introduction', 'competitor_comparison', 'maturity_notice', 'manager_visit',
  'seminar_invitation', 'birthday_card', 'holiday_greeting', 'year_end_gift', 'small_gift'];
const OWNER_RULES = ['customer_owner', 'team', 'round_robin'];
const OCCASIONS = ['birthday', 'lunar_birthday', 'first_purchase', 'key_date', 'festival'];
const FESTIVALS = ['spring_festival', 'lantern', 'dragon_boat', 'qixi', 'mid_autumn', 'double_ninth', 'new_year', 'womens_day',
  'labour_day', 'childrens_day', 'teachers_day', 'national_day', 'christmas'];
const CHANNELS = ['call', 'visit', 'email', 'sms', 'wechat', 'meeting', 'event', 'seminar', 'gift', 'card', 'letter', 'web', 'other'];

const opts = (values, prefix, none) => (none ? [{ value: '', label: none }] : []).concat(values.map((v) => ({ value: v, label: t(prefix + v) })));
const can = (entity, action) => {
  const p = api.user() && api.user().permissions && api.user().permissions[entity];
  return !!(p && p[action] && p[action] !== 'none');
};

export async function render(ctx) {
  const { main, signal } = ctx;
  const plansBox = h('div', { class: 'table-wrap' });
  const rulesBox = h('div', { class: 'table-wrap' });
  const newBtn = (label_, onClick, entity) => (can(entity, 'create')
    ? h('button', { type: 'button', class: 'btn btn-primary btn-sm', on: { click: onClick } }, icon('plus'), label_) : null);
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('plans.title') }), h('p', { class: 'muted', text: t('plans.subtitle') }))),
    card(t('plans.plans'), plansBox, { actions: newBtn(t('plans.new'), () => editPlan(null), 'contact-plans'), cls: 'card-plans' }),
    card(t('plans.rules'), rulesBox, { actions: newBtn(t('plans.new_rule'), () => editRule(null), 'occasion-rules'), cls: 'card-rules' })));

  async function load() {
    try {
      const [plans, rules] = await Promise.all([
        api.get('/api/v1/contact-plans', { limit: 500, sort: 'name' }, { signal }),
        api.get('/api/v1/occasion-rules', { limit: 500, sort: 'name' }, { signal })]);
      drawPlans(plans.items);
      drawRules(rules.items);
    } catch (err) {
      if (err.name !== 'AbortError') replace(plansBox, errorState(err, load));
    }
  }

  const activeBadge = (x) => badge(t(x.active ? 'plans.active' : 'plans.inactive'), x.active ? 'green' : 'grey');
  const actions = (entity, x, run, edit) => (can(entity, 'update') ? h('td', { class: 'row-actions' },
    h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': t('plans.run_named', { name: x.name }), text: t('plans.run'), on: { click: () => run(x) } }),
    h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('plans.edit', { name: x.name }), on: { click: () => edit(x) } }, icon('edit'))) : null);

  function drawPlans(items) {
    if (!items.length) { replace(plansBox, h('div', { class: 'empty' }, h('p', { text: t('plans.none') }))); return; }
    replace(plansBox, h('table', { class: 'table plans-table' },
      h('caption', { class: 'sr-only', text: t('plans.plans') }),
      h('thead', {}, h('tr', {}, ['name', 'segment', 'every', 'activities', 'owner_rule', 'status'].map((k) => h('th', { scope: 'col', text: t('plans.col_' + k) })),
        can('contact-plans', 'update') ? h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('action.edit') })) : null)),
      h('tbody', {}, items.map((p) => h('tr', { dataset: { id: p.id } },
        h('td', { class: 'name-text', text: p.name }),
        h('td', {}, h('code', { text: p.segment || t('plans.everyone') })),
        h('td', { text: t('plans.every_days', { count: p.every_days }) }),
        h('td', { text: ((p.activities && p.activities.length ? p.activities : [p.activity || 'call'])).map((a) => t('plans.act.' + a)).join(' → ') }),
        h('td', { text: t('plans.owner.' + p.owner_rule) }),
        h('td', {}, activeBadge(p)),
        actions('contact-plans', p, runPlan, editPlan))))));
  }

  function drawRules(items) {
    if (!items.length) { replace(rulesBox, h('div', { class: 'empty' }, h('p', { text: t('plans.no_rules') }))); return; }
    replace(rulesBox, h('table', { class: 'table rules-table' },
      h('caption', { class: 'sr-only', text: t('plans.rules') }),
      h('thead', {}, h('tr', {}, ['name', 'occasion', 'ahead', 'segment', 'status'].map((k) => h('th', { scope: 'col', text: t('plans.rcol_' + k) })),
        can('occasion-rules', 'update') ? h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('action.edit') })) : null)),
      h('tbody', {}, items.map((r) => h('tr', { dataset: { id: r.id } },
        h('td', { class: 'name-text', text: r.name }),
        h('td', { text: r.occasion === 'festival' ? t('occ.fest.' + r.festival) : t('occ.kind.' + r.occasion) }),
        h('td', { text: t('plans.days_ahead', { count: r.days_ahead }) }),
        h('td', {}, h('code', { text: r.segment || t('plans.everyone') })),
        h('td', {}, activeBadge(r)),
        actions('occasion-rules', r, runRule, editRule))))));
  }

  async function run(path, name) {
    try {
      const job = await api.post(path + '?wait=true', undefined);
      const r = job.result || {};
      toast(t('plans.ran', { name, created: r.created || 0, existing: r.existing || 0, cancelled: r.cancelled || 0 }));
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }
  const runPlan = (p) => run(`/api/v1/contact-plans/${p.id}/run`, p.name);
  const runRule = (r) => run(`/api/v1/occasion-rules/${r.id}/run`, r.name);

  async function editPlan(p) {
    const f = {
      name: field({ label: t('field.name'), value: p ? p.name : '', required: true, attrs: { maxlength: '200' } }),
      segment: field({ label: t('plans.segment'), value: p ? p.segment || '' : '', hint: t('plans.segment_hint') }),
      every_days: field({ label: t('plans.every'), type: 'number', value: p ? String(p.every_days) : '7', required: true, attrs: { min: '1', max: '366' } }),
      channel: field({ label: t('field.channel'), type: 'select', value: p ? p.channel || 'call' : 'call', options: opts(CHANNELS, 'enum.channel.') }),
      owner_rule: field({ label: t('plans.col_owner_rule'), type: 'select', value: p ? p.owner_rule : 'customer_owner', options: opts(OWNER_RULES, 'plans.owner.') }),
      starts_on: field({ label: t('plans.starts_on'), type: 'date', value: p ? p.starts_on || '' : '' }),
      active: field({ label: t('plans.active'), type: 'checkbox', value: p ? p.active : true }),
    };
    const chosen = new Set(p ? p.activities || [] : ['call']);
    const acts = ACTIVITIES.map((a) => {
      const c = field({ label: t('plans.act.' + a), type: 'checkbox', value: chosen.has(a) });
      c.input.value = a;
      return c;
    });
    const actSet = h('fieldset', { class: 'check-group' }, h('legend', { text: t('plans.col_activities') }), acts.map((c) => c.wrap));
    const r = await dialog({
      title: p ? t('plans.edit', { name: p.name }) : t('plans.new'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, f.name.wrap, f.segment.wrap, f.every_days.wrap, f.channel.wrap, f.owner_rule.wrap,
        f.starts_on.wrap, f.active.wrap), actSet),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const body = { name: f.name.input.value.trim(), segment: f.segment.input.value.trim() || null, every_days: Number(f.every_days.input.value),
          channel: f.channel.input.value, owner_rule: f.owner_rule.input.value, active: f.active.input.checked,
          activities: acts.filter((c) => c.input.checked).map((c) => c.input.value) };
        const s = f.starts_on.input.value;
        if (s) body.starts_on = s;
        return p ? api.patch('/api/v1/contact-plans/' + p.id, body, p.version) : api.post('/api/v1/contact-plans', body);
      } }],
    });
    if (r) { toast(t('plans.saved', { name: r.name })); load(); }
  }

  async function editRule(x) {
    const f = {
      name: field({ label: t('field.name'), value: x ? x.name : '', required: true, attrs: { maxlength: '200' } }),
      occasion: field({ label: t('plans.rcol_occasion'), type: 'select', value: x ? x.occasion : 'birthday', options: opts(OCCASIONS, 'occ.kind.') }),
      festival: field({ label: t('plans.festival'), type: 'select', value: x ? x.festival || '' : '', options: opts(FESTIVALS, 'occ.fest.', t('common.none')) }),
      days_ahead: field({ label: t('plans.rcol_ahead'), type: 'number', value: x ? String(x.days_ahead) : '7', required: true, attrs: { min: '0', max: '90' } }),
      segment: field({ label: t('plans.segment'), value: x ? x.segment || '' : '', hint: t('plans.segment_hint') }),
      activity: field({ label: t('plans.activity'), type: 'select', value: x ? x.activity || '' : '', options: opts(ACTIVITIES, 'plans.act.', t('common.none')) }),
      channel: field({ label: t('field.channel'), type: 'select', value: x ? x.channel || 'card' : 'card', options: opts(CHANNELS, 'enum.channel.') }),
      active: field({ label: t('plans.active'), type: 'checkbox', value: x ? x.active : true }),
    };
    const r = await dialog({
      title: x ? t('plans.edit', { name: x.name }) : t('plans.new_rule'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, Object.values(f).map((v) => v.wrap))),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const body = { name: f.name.input.value.trim(), occasion: f.occasion.input.value, festival: f.festival.input.value || null,
          days_ahead: Number(f.days_ahead.input.value), segment: f.segment.input.value.trim() || null, channel: f.channel.input.value,
          active: f.active.input.checked };
        if (f.activity.input.value) body.activity = f.activity.input.value;
        return x ? api.patch('/api/v1/occasion-rules/' + x.id, body, x.version) : api.post('/api/v1/occasion-rules', body);
      } }],
    });
    if (r) { toast(t('plans.saved', { name: r.name })); load(); }
  }

  await load();
}
