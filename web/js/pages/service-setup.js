// service-setup: the admin's service set-up (issue 19) — business
// calendars (time zone, working hours per weekday with several intervals,
// holidays, 调休 working days), SLA policies (targets in business minutes by
// priority, category and customer tier) and escalation rules. A refused
// calendar names the field the server named. API: GET/POST/PATCH
// /api/v1/business-calendars, /api/v1/sla-policies, /api/v1/escalation-rules.
import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorState, card } from '../ui.js';
import { PRIORITIES } from './service-common.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const TIERS = ['platinum', 'gold', 'iron', 'lead'];

/** "09:00-12:00, 13:30-18:00" ↔ [["09:00","12:00"],["13:30","18:00"]] */
const ivText = (list) => (list || []).map((iv) => iv.join('-')).join(', ');
const ivParse = (s) => s.split(/[,，;；]/).map((x) => x.trim()).filter(Boolean).map((x) => x.split(/\s*[-–~]\s*/));
const datesParse = (s) => s.split(/[\s,，;；]+/).map((x) => x.trim()).filter(Boolean);

export async function render(ctx) {
  const { main, signal } = ctx;
  const cals = h('div'), pols = h('div'), rules = h('div');
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('service.setup_title') }), h('p', { class: 'muted', text: t('service.setup_subtitle') }))),
    card(t('service.calendars'), cals, { actions: h('button', { type: 'button', class: 'btn btn-sm', on: { click: () => editCalendar(null) } }, icon('plus'), t('service.new_calendar')) }),
    card(t('service.policies'), pols, { actions: h('button', { type: 'button', class: 'btn btn-sm', on: { click: () => editPolicy(null) } }, icon('plus'), t('service.new_policy')) }),
    card(t('service.rules'), rules, { actions: h('button', { type: 'button', class: 'btn btn-sm', on: { click: () => editRule(null) } }, icon('plus'), t('service.new_rule')) })));
  let calendars = [];

  async function load() {
    try {
      calendars = (await api.get('/api/v1/business-calendars', { limit: 200 }, { signal })).items;
      const policies = (await api.get('/api/v1/sla-policies', { limit: 200 }, { signal })).items;
      const rs = (await api.get('/api/v1/escalation-rules', { limit: 200 }, { signal })).items;
      replace(cals, calendars.length ? h('table', { class: 'table calendars-table' },
        h('thead', {}, h('tr', {}, ['name', 'zone', 'hours', 'holidays', 'working_days'].map((k) => h('th', { scope: 'col', text: t('service.cal_' + k) })), h('th', {}))),
        h('tbody', {}, calendars.map((c) => h('tr', { dataset: { id: c.id } },
          h('td', { text: c.name }), h('td', { text: c.time_zone }),
          h('td', { class: 'small', text: DAYS.filter((d) => (c.hours[d] || []).length).map((d) => t('service.day_' + d) + ' ' + ivText(c.hours[d])).join('; ') }),
          h('td', { text: String(c.holidays.length) }), h('td', { text: String(c.working_days.length) }),
          h('td', {}, h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('service.edit_named', { name: c.name }), on: { click: () => editCalendar(c) } }, icon('edit')))))))
        : h('p', { class: 'muted', text: t('service.no_calendars') }));
      replace(pols, policies.length ? h('table', { class: 'table policies-table' },
        h('thead', {}, h('tr', {}, ['name', 'calendar', 'applies', 'first_response', 'resolution'].map((k) => h('th', { scope: 'col', text: t('service.pol_' + k) })), h('th', {}))),
        h('tbody', {}, policies.map((p) => h('tr', { dataset: { id: p.id } },
          h('td', { text: p.name + (p.active ? '' : ' (' + t('service.inactive') + ')') }),
          h('td', { text: (calendars.find((c) => c.id === p.calendar_id) || {}).name || '#' + p.calendar_id }),
          h('td', { text: [p.priorities.map((x) => t('service.p_' + x)).join('/'), p.categories.join('/'), p.tiers.map((x) => t('service.tier_' + x)).join('/')].filter(Boolean).join(' · ') || t('service.any_case') }),
          h('td', { class: 'num', text: t('service.minutes', { n: p.first_response_minutes }) }),
          h('td', { class: 'num', text: t('service.minutes', { n: p.resolution_minutes }) }),
          h('td', {}, h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('service.edit_named', { name: p.name }), on: { click: () => editPolicy(p) } }, icon('edit')))))))
        : h('p', { class: 'muted', text: t('service.no_policies') }));
      replace(rules, rs.length ? h('ul', { class: 'rules-list' }, rs.map((r) => h('li', { dataset: { id: r.id } },
        h('strong', { text: r.name }), ' — ', t('service.rule_text', { target: t('service.target_' + r.target), moment: t('service.moment_' + r.moment, { n: r.minutes_before }) }),
        ' → ', ['notify', 'reassign', 'raise_priority'].filter((a) => r[a]).map((a) => t('service.act_' + a)).join(', '))))
        : h('p', { class: 'muted', text: t('service.no_rules') }));
    } catch (err) {
      if (err.name !== 'AbortError') replace(cals, errorState(err, load));
    }
  }

  async function editCalendar(c) {
    const f = {
      name: field({ label: t('service.cal_name'), value: c ? c.name : '', required: true }),
      zone: field({ label: t('service.cal_zone'), value: c ? c.time_zone : 'Asia/Shanghai', required: true, hint: t('service.zone_hint') }),
      holidays: field({ label: t('service.cal_holidays'), type: 'textarea', value: c ? c.holidays.join('\n') : '', hint: t('service.dates_hint') }),
      working: field({ label: t('service.cal_working_days'), type: 'textarea', value: c ? c.working_days.join('\n') : '', hint: t('service.working_hint') }),
    };
    const days = Object.fromEntries(DAYS.map((d) => [d, field({ label: t('service.day_' + d), value: c ? ivText(c.hours[d]) : (['sat', 'sun'].includes(d) ? '' : '09:00-12:00, 13:30-18:00'),
      placeholder: '09:00-12:00, 13:30-18:00' })]));
    const r = await dialog({
      title: c ? t('service.edit_named', { name: c.name }) : t('service.new_calendar'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, f.name.wrap, f.zone.wrap), h('fieldset', { class: 'hours-grid' },
        h('legend', { text: t('service.cal_hours') }), DAYS.map((d) => days[d].wrap)), h('div', { class: 'form-grid' }, f.holidays.wrap, f.working.wrap)),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const hours = {};
        for (const d of DAYS) if (days[d].input.value.trim()) hours[d] = ivParse(days[d].input.value);
        const body = { name: f.name.input.value.trim(), time_zone: f.zone.input.value.trim(), hours,
          holidays: datesParse(f.holidays.input.value), working_days: datesParse(f.working.input.value) };
        return c ? api.patch('/api/v1/business-calendars/' + c.id, body, c.version) : api.post('/api/v1/business-calendars', body);
      } }],
    });
    if (r) { toast(t('service.saved')); load(); }
  }

  const checks = (values, chosen, prefix) => values.map((v) => field({ label: t(prefix + v), type: 'checkbox', value: (chosen || []).includes(v), attrs: { value: v } }));

  async function editPolicy(p) {
    if (!calendars.length) { toast(t('service.need_calendar'), 'error'); return; }
    const f = {
      name: field({ label: t('service.pol_name'), value: p ? p.name : '', required: true }),
      calendar: field({ label: t('service.pol_calendar'), type: 'select', value: p ? p.calendar_id : calendars[0].id, options: calendars.map((c) => ({ value: c.id, label: c.name })) }),
      fr: field({ label: t('service.pol_first_response'), type: 'number', value: p ? p.first_response_minutes : 60, required: true, attrs: { min: '1' } }),
      res: field({ label: t('service.pol_resolution'), type: 'number', value: p ? p.resolution_minutes : 480, required: true, attrs: { min: '1' } }),
      categories: field({ label: t('service.pol_categories'), value: p ? p.categories.join(', ') : '', hint: t('service.empty_any') }),
    };
    const pr = checks(PRIORITIES, p && p.priorities, 'service.p_'), ti = checks(TIERS, p && p.tiers, 'service.tier_');
    const r = await dialog({
      title: p ? t('service.edit_named', { name: p.name }) : t('service.new_policy'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, f.name.wrap, f.calendar.wrap, f.fr.wrap, f.res.wrap),
        h('fieldset', {}, h('legend', { text: t('service.pol_priorities') }), pr.map((x) => x.wrap)),
        h('fieldset', {}, h('legend', { text: t('service.pol_tiers') }), ti.map((x) => x.wrap)), f.categories.wrap),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const body = { name: f.name.input.value.trim(), calendar_id: Number(f.calendar.input.value),
          first_response_minutes: Number(f.fr.input.value), resolution_minutes: Number(f.res.input.value),
          priorities: pr.filter((x) => x.input.checked).map((x) => x.input.value), tiers: ti.filter((x) => x.input.checked).map((x) => x.input.value),
          categories: f.categories.input.value.split(/[,，]/).map((x) => x.trim()).filter(Boolean) };
        return p ? api.patch('/api/v1/sla-policies/' + p.id, body, p.version) : api.post('/api/v1/sla-policies', body);
      } }],
    });
    if (r) { toast(t('service.saved')); load(); }
  }

  async function editRule() {
    const f = {
      name: field({ label: t('service.rule_name'), required: true }),
      target: field({ label: t('service.rule_target'), type: 'select', value: 'resolution', options: ['first_response', 'resolution'].map((x) => ({ value: x, label: t('service.target_' + x) })) }),
      moment: field({ label: t('service.rule_moment'), type: 'select', value: 'breached', options: ['near', 'breached'].map((x) => ({ value: x, label: t('service.moment_' + x, { n: '…' }) })) }),
      minutes: field({ label: t('service.rule_minutes'), type: 'number', value: 60, attrs: { min: '0' } }),
    };
    const acts = ['notify', 'reassign', 'raise_priority'].map((a) => field({ label: t('service.act_' + a), type: 'checkbox', value: a === 'notify', attrs: { value: a } }));
    const r = await dialog({
      title: t('service.new_rule'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, f.name.wrap, f.target.wrap, f.moment.wrap, f.minutes.wrap), h('fieldset', {}, h('legend', { text: t('service.rule_actions') }), acts.map((x) => x.wrap))),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const body = { name: f.name.input.value.trim(), target: f.target.input.value, moment: f.moment.input.value,
          minutes_before: f.moment.input.value === 'near' ? Number(f.minutes.input.value) : 0 };
        for (const a of acts) body[a.input.value] = a.input.checked;
        return api.post('/api/v1/escalation-rules', body);
      } }],
    });
    if (r) { toast(t('service.saved')); load(); }
  }

  await load();
}
