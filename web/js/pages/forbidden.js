// forbidden: shown instead of a page the user's role may not open (the
// registry's `roles`), e.g. an administration page reached by a typed URL.
import { h } from '../dom.js';
import { t } from '../i18n.js';

export async function render({ main }) {
  main.append(h('div', { class: 'page' }, h('h1', { text: t('forbidden.title') }), h('p', { text: t('forbidden.text') }),
    h('a', { href: '/', class: 'btn', text: t('notfound.home') })));
}
