// notfound: a path no page is registered for.
import { h } from '../dom.js';
import { t } from '../i18n.js';

export async function render({ main }) {
  main.append(h('div', { class: 'page' }, h('h1', { text: t('notfound.title') }), h('p', { text: t('notfound.text') }),
    h('a', { href: '/', class: 'btn', text: t('notfound.home') })));
}
