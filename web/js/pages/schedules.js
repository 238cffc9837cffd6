// schedules: timed work for admins — the company's time zone, and each
// schedule (a kind of job run every N minutes or daily at a wall-clock time
// there) with its next and last run and the last run's outcome; creating,
// changing, switching on and off, and deleting one. The servers' tickers
// fire them (src/jobs/scheduler.c): one process queues each occurrence.
// API: GET /api/v1/schedules, PUT/DELETE /api/v1/schedules/{name},
// GET/PUT /api/v1/settings/time-zone, GET /api/v1/jobs/{id}.
import { h, icon, replace } from '../dom.js';
import { t, dateTime, setTimeZone } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorState, errorText, badge, confirmDialog, empty } from '../ui.js';

const KINDS = ['analytics_run'];

export async function render(ctx) {
  const { main, signal } = ctx;
  const box = h('div', { class: 'table-wrap' });
  const zoneInput = field({ label: t('sched.zone'), name: 'time_zone', hint: t('sched.zone_hint') });
  const zoneForm = h('form', { class: 'inline-form', novalidate: true }, zoneInput.wrap,
    h('button', { type: 'submit', class: 'btn' }, t('sched.zone_save')));
  zoneInput.wrap.querySelector('.hint').remove();
  zoneInput.input.removeAttribute('aria-describedby');
  zoneInput.input.title = t('sched.zone_hint');
  zoneForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await api.request('PUT', '/api/v1/settings/time-zone', { body: { time_zone: zoneInput.input.value.trim() } });
      zoneInput.input.removeAttribute('aria-invalid');
      setTimeZone(r.time_zone);
      toast(t('sched.zone_saved', { zone: r.time_zone }));
      await load();
    } catch (err) {
      zoneInput.input.setAttribute('aria-invalid', 'true');
      zoneInput.input.focus();
      toast(errorText(err), 'error');
    }
  });
  const newBtn = h('button', { type: 'button', class: 'btn btn-primary', on: { click: () => edit(null) } }, icon('plus'), t('sched.new'));
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { text: t('sched.title') }), h('p', { class: 'muted', text: t('sched.subtitle') }),
        h('p', { class: 'muted small', text: t('sched.zone_hint') })),
      h('div', { class: 'head-actions' }, newBtn)),
    zoneForm, box));

  let items = [];
  const jobs = new Map();

  async function load() {
    try {
      const [list, zone] = await Promise.all([
        api.get('/api/v1/schedules', undefined, { signal }),
        api.get('/api/v1/settings/time-zone', undefined, { signal }),
      ]);
      items = list.items;
      zoneInput.input.value = zone.time_zone;
      await Promise.all(items.filter((s) => s.last_job_id && !jobs.has(s.last_job_id)).map(async (s) => {
        try { jobs.set(s.last_job_id, await api.get('/api/v1/jobs/' + s.last_job_id, undefined, { signal })); } catch { /* gone */ }
      }));
      draw();
    } catch (err) {
      if (err.name === 'AbortError') return;
      replace(box, errorState(err, load));
    }
  }

  const when = (s) => s.every_seconds ? everyText(s.every_seconds) : t('sched.daily_at', { time: s.at_time, zone: s.time_zone });
  function everyText(sec) {
    if (sec % 3600 === 0) return t('sched.every_hours', { count: sec / 3600 });
    if (sec % 60 === 0) return t('sched.every_minutes', { count: sec / 60 });
    return t('sched.every_seconds', { count: sec });
  }
  const kindName = (k) => (t('sched.kind_' + k) !== 'sched.kind_' + k ? t('sched.kind_' + k) : k);

  function lastRun(s) {
    if (!s.last_run_at) return t('sched.never');
    const j = jobs.get(s.last_job_id);
    const st = j ? j.status : null;
    return h('span', {}, h('time', { datetime: s.last_run_at, text: dateTime(s.last_run_at) }), ' ',
      st ? badge(t('sched.status_' + st), st === 'done' ? 'green' : st === 'failed' ? 'red' : 'grey') : null);
  }

  function draw() {
    if (!items.length) { replace(box, empty(t('sched.none'))); return; }
    replace(box, h('table', { class: 'table schedules-table' },
      h('thead', {}, h('tr', {}, ['c_name', 'c_kind', 'c_when', 'c_on', 'c_next', 'c_last', 'c_actions'].map((k) => h('th', { scope: 'col', text: t('sched.' + k) })))),
      h('tbody', {}, items.map((s) => h('tr', { 'data-schedule': s.name },
        h('td', {}, h('code', { text: s.name })),
        h('td', { text: kindName(s.kind) }),
        h('td', { text: when(s) }),
        h('td', {}, h('input', { type: 'checkbox', checked: s.enabled, 'aria-label': t('sched.toggle', { name: s.name }), on: { change: (e) => toggle(s, e.target.checked) } })),
        h('td', {}, s.enabled && s.next_run_at ? h('time', { datetime: s.next_run_at, text: dateTime(s.next_run_at) }) : t('common.none')),
        h('td', {}, lastRun(s)),
        h('td', { class: 'row-actions' },
          h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('sched.edit', { name: s.name }), title: t('action.edit'), on: { click: () => edit(s) } }, icon('edit')),
          h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('sched.delete', { name: s.name }), title: t('action.remove'), on: { click: () => remove(s) } }, icon('close'))))))));
  }

  const bodyOf = (s, enabled) => ({ kind: s.kind, params: s.params, enabled,
    ...(s.every_seconds ? { every_seconds: s.every_seconds } : { at_time: s.at_time }) });

  async function toggle(s, enabled) {
    try {
      await api.request('PUT', '/api/v1/schedules/' + encodeURIComponent(s.name), { body: bodyOf(s, enabled) });
      toast(t(enabled ? 'sched.on' : 'sched.off', { name: s.name }));
    } catch (err) { toast(errorText(err), 'error'); }
    await load();
  }

  async function edit(s) {
    let f = {};
    const saved = await dialog({
      title: s ? t('sched.edit', { name: s.name }) : t('sched.new'),
      build: (body) => {
        f.name = field({ label: t('sched.c_name'), name: 'name', value: s ? s.name : '', required: true, hint: t('sched.name_hint'), attrs: s ? { readonly: true } : {} });
        f.kind = field({ label: t('sched.c_kind'), name: 'kind', type: 'select', value: s ? s.kind : KINDS[0],
          options: [...new Set([...KINDS, ...(s ? [s.kind] : [])])].map((k) => ({ value: k, label: kindName(k) })) });
        f.mode = field({ label: t('sched.mode'), name: 'mode', type: 'select', value: s && s.every_seconds ? 'every' : 'daily',
          options: [{ value: 'daily', label: t('sched.mode_daily') }, { value: 'every', label: t('sched.mode_every') }] });
        f.at = field({ label: t('sched.at_time'), name: 'at_time', type: 'time', value: s && s.at_time ? s.at_time : '02:00', hint: t('sched.at_hint', { zone: zoneInput.input.value }) });
        f.every = field({ label: t('sched.every_min'), name: 'every_minutes', type: 'number', value: s && s.every_seconds ? String(s.every_seconds / 60) : '60', attrs: { min: 1, step: 'any' } });
        f.enabled = field({ label: t('sched.c_on'), name: 'enabled', type: 'checkbox', value: s ? s.enabled : true });
        const sync = () => { f.at.wrap.hidden = f.mode.input.value !== 'daily'; f.every.wrap.hidden = f.mode.input.value !== 'every'; };
        f.mode.input.addEventListener('change', sync);
        sync();
        body.append(h('div', { class: 'form-grid' }, f.name.wrap, f.kind.wrap, f.mode.wrap, f.at.wrap, f.every.wrap, f.enabled.wrap));
      },
      buttons: [
        { label: t('action.cancel') },
        { label: t('action.save'), kind: 'primary', submit: true, onClick: async () => {
          const name = f.name.input.value.trim();
          const body = { kind: f.kind.input.value, enabled: f.enabled.input.checked, params: s ? s.params : {} };
          if (f.mode.input.value === 'daily') body.at_time = f.at.input.value.slice(0, 5);
          else body.every_seconds = Math.round(Number(f.every.input.value) * 60);
          try {
            await api.request('PUT', '/api/v1/schedules/' + encodeURIComponent(name), { body });
          } catch (err) {
            const input = { name: f.name, kind: f.kind, at_time: f.at, every_seconds: f.every, enabled: f.enabled }[err.field];
            if (input) { input.input.setAttribute('aria-invalid', 'true'); input.input.focus(); }
            throw err;
          }
          return name;
        } },
      ],
    });
    if (saved) { toast(t('sched.saved', { name: saved })); await load(); }
  }

  async function remove(s) {
    if (!await confirmDialog(t('sched.delete', { name: s.name }), t('sched.delete_text', { name: s.name }), t('action.remove'), 'danger')) return;
    try {
      await api.del('/api/v1/schedules/' + encodeURIComponent(s.name));
      toast(t('sched.deleted', { name: s.name }));
    } catch (err) { toast(errorText(err), 'error'); }
    await load();
  }

  await load();
}
