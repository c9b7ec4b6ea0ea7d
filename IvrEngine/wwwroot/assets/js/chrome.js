// The parts every signed-in page shares: the top bar (who is signed in, links for their role, sign out).
import { el } from './dom.js';
import { signOut } from './api.js';

const links = [
  { href: '/agent', text: 'Agent desk', roles: ['agent', 'supervisor', 'admin'] },
  { href: '/supervisor', text: 'Supervisor', roles: ['supervisor', 'admin'] },
  { href: '/statistics', text: 'Statistics', roles: ['supervisor', 'admin'] },
  { href: '/admin', text: 'Admin', roles: ['admin'] },
  { href: '/campaigns', text: 'Outgoing campaigns', roles: ['admin'] },
];

/** Fills the page's <header id="top"> slot parts: nav (role links) and the user's name with a sign-out button. */
export function mountChrome(user, { extra } = {}) {
  const nav = document.getElementById('nav');
  if (nav) {
    const role = user?.role ?? 'agent';
    nav.replaceChildren(el('ul', null, links.filter(l => l.roles.includes(role)).map(l =>
      el('li', null, el('a', { href: l.href, text: l.text, 'aria-current': location.pathname === l.href ? 'page' : null })))));
  }
  const who = document.getElementById('who');
  if (who) {
    who.replaceChildren(...[
      el('span', { class: 'who-name', 'data-testid': 'user-name', text: user?.displayName || user?.userName || '' }),
      extra,
      el('button', { type: 'button', class: 'link-button', text: 'Sign out', onclick: () => signOut() }),
    ].filter(Boolean));
  }
}
