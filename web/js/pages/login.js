// login: e-mail and password; on success goes to ?next= or the dashboard.
import { h, icon, replace } from '../dom.js';
import { t, LOCALES, getLocale, setLocale } from '../i18n.js';
import * as api from '../api.js';
import { navigate } from '../router.js';
import { field } from '../ui.js';

export async function render({ main, query }) {
  if (api.user()) { navigate(safeNext(query.get('next')), { replace: true }); return; }
  const email = field({ label: t('login.email'), name: 'email', type: 'email', required: true, autocomplete: 'username', attrs: { autocapitalize: 'off', spellcheck: 'false' } });
  const password = field({ label: t('login.password'), name: 'password', type: 'password', required: true, autocomplete: 'current-password' });
  const err = h('div', { class: 'form-error', role: 'alert', id: 'login-error', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: t('login.submit') });
  const form = h('form', { class: 'login-form', novalidate: true, 'aria-describedby': 'login-error' },
    email.wrap, password.wrap, err, submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    if (!email.input.value.trim() || !password.input.value) {
      showError(t('login.missing'));
      (email.input.value.trim() ? password.input : email.input).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t('login.busy');
    try {
      await api.login(email.input.value.trim(), password.input.value);
      navigate(safeNext(query.get('next')), { replace: true });
    } catch (e) {
      showError(e.status === 429 ? t('error.too_many') : e.status === 401 || e.status === 422 ? t('login.failed') : t('error.network'));
      password.input.value = '';
      password.input.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = t('login.submit');
    }
  });
  function showError(text) {
    replace(err, icon('alert'), h('span', { text }));
    err.hidden = false;
  }
  const langs = h('div', { class: 'login-langs', role: 'group', 'aria-label': t('shell.language') },
    LOCALES.map((l) => h('button', {
      type: 'button', class: ['link-btn', l.code === getLocale() && 'active'], lang: l.code,
      'aria-pressed': l.code === getLocale() ? 'true' : 'false', text: l.label,
      on: { click: () => setLocale(l.code) },
    })));
  main.classList.add('login-main');
  main.append(h('div', { class: 'login-wrap' },
    h('div', { class: 'login-card' },
      h('div', { class: 'login-brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', { text: 'Rapport' })),
      h('h1', { text: t('login.title') }),
      h('p', { class: 'muted', text: t('login.subtitle') }),
      form),
    langs,
    h('p', { class: 'login-foot muted', text: t('login.footer') })));
  email.input.focus();
}

/** Only same-site paths are followed after login. */
function safeNext(next) {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/';
}
