// The sign-in form: POST /api/signin, then back to ?return= (a path on this site only) or to /.
import { api, loadAntiforgery, resetSession } from './api.js';
import { say } from './dom.js';

const form = document.getElementById('signin-form');
const userName = document.getElementById('user-name');
const password = document.getElementById('password');
const message = document.getElementById('signin-message');
const button = document.getElementById('signin-button');

/** Where to go after signing in: a same-site path from ?return=, never another origin. */
function returnTo() {
  const value = new URLSearchParams(location.search).get('return');
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if (value.startsWith('/signin')) return '/';
  return value;
}

loadAntiforgery().catch(() => {});

form.addEventListener('submit', async event => {
  event.preventDefault();
  if (!userName.value.trim() || !password.value) {
    say(message, 'Enter your user name and password.', 'error');
    (userName.value.trim() ? password : userName).focus();
    return;
  }
  button.disabled = true;
  say(message, '');
  try {
    await api('POST', '/api/signin', { userName: userName.value.trim(), password: password.value }, { noRedirect: true });
    resetSession();
    location.assign(returnTo());
  } catch (error) {
    if (error.status === 401) say(message, 'Wrong user name or password.', 'error');
    else if (error.status === 429) say(message, 'Too many attempts. Wait a minute, then try again.', 'error');
    else say(message, `Could not sign in: ${error.message}`, 'error');
    password.select();
    password.focus();
  } finally {
    button.disabled = false;
  }
});
