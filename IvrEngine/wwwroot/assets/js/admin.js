// The admin's page: users, API tokens, campaign cards and demo calls.
import { api, getSession, seg } from './api.js';
import { el, say, formatDateTime, replaceChildren } from './dom.js';
import { mountChrome } from './chrome.js';

const { user } = await getSession();
mountChrome(user);

const byId = id => document.getElementById(id);
const formValues = form => Object.fromEntries([...new FormData(form).entries()]
  .filter(([k]) => k !== 'scope').map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v]));

// ---- users
async function loadUsers() {
  const slot = byId('users');
  try {
    const users = await api('GET', '/api/admin/users');
    replaceChildren(slot, el('table', { 'aria-label': 'Users' },
      el('thead', null, el('tr', null, ['User name', 'Display name', 'Role', 'Agent', 'Extension', 'State', 'Actions']
        .map(h => el('th', { scope: 'col', text: h })))),
      el('tbody', null, users.length ? users.map(userRow) : el('tr', null, el('td', { colspan: 7, class: 'empty', text: 'No users.' })))));
  } catch (error) {
    replaceChildren(slot, el('p', { role: 'alert', class: 'msg-error', text: `Could not load users: ${error.message}` }));
  }
}

function userRow(u) {
  const message = el('span', { role: 'status', class: 'inline-msg' });
  const toggle = el('button', {
    type: 'button', text: u.disabled ? 'Enable' : 'Disable', 'aria-label': `${u.disabled ? 'Enable' : 'Disable'} ${u.userName}`,
    onclick: async () => {
      try {
        await api('PATCH', `/api/admin/users/${seg(u.userName)}`, { disabled: !u.disabled });
        await loadUsers();
      } catch (error) {
        say(message, `Not changed: ${error.message}`, 'error');
      }
    },
  });
  const passwordId = `pw-${u.userName.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
  const password = el('input', { id: passwordId, type: 'password', name: 'password', required: true, autocomplete: 'new-password' });
  const reset = el('form', { class: 'inline', 'aria-label': `Reset password of ${u.userName}` },
    el('label', { for: passwordId, class: 'visually-hidden', text: `New password for ${u.userName}` }), password,
    el('button', { type: 'submit', text: 'Reset password', 'aria-label': `Reset password of ${u.userName}` }));
  reset.addEventListener('submit', async event => {
    event.preventDefault();
    if (!password.value) return;
    try {
      await api('PATCH', `/api/admin/users/${seg(u.userName)}`, { password: password.value });
      password.value = '';
      say(message, 'Password reset.', 'ok');
    } catch (error) {
      say(message, `Not reset: ${error.message}`, 'error');
    }
  });
  return el('tr', { dataset: { user: u.userName } },
    el('th', { scope: 'row', text: u.userName }),
    el('td', { text: u.displayName ?? '' }),
    el('td', { text: u.role ?? '' }),
    el('td', { text: u.agent ?? '—' }),
    el('td', { text: u.extension ?? '—' }),
    el('td', { text: u.disabled ? 'disabled' : 'active' }),
    el('td', { class: 'actions' }, toggle, reset, message));
}

byId('add-user').addEventListener('submit', async event => {
  event.preventDefault();
  const form = event.currentTarget;
  const message = byId('add-user-msg');
  const values = formValues(form);
  if (!values.displayName) values.displayName = values.userName;
  for (const key of ['agent', 'extension']) if (!values[key]) values[key] = null;
  try {
    await api('POST', '/api/admin/users', values);
    form.reset();
    say(message, `User ${values.userName} added.`, 'ok');
    await loadUsers();
  } catch (error) {
    say(message, `Not added: ${error.message}`, 'error');
  }
});

// ---- tokens
async function loadTokens() {
  const slot = byId('tokens');
  try {
    const tokens = await api('GET', '/api/admin/tokens');
    replaceChildren(slot, el('table', { 'aria-label': 'API tokens' },
      el('thead', null, el('tr', null, ['Name', 'User', 'Scopes', 'Created', 'State', ''].map(h => el('th', { scope: 'col', text: h })))),
      el('tbody', null, tokens.length ? tokens.map(t => el('tr', null,
        el('th', { scope: 'row', text: t.name ?? '' }),
        el('td', { text: t.userName ?? '' }),
        el('td', { text: (t.scopes ?? []).join(', ') }),
        el('td', { text: formatDateTime(t.createdAt) }),
        el('td', { text: t.revokedAt ? `revoked ${formatDateTime(t.revokedAt)}` : 'active' }),
        el('td', null, t.revokedAt ? null : el('button', {
          type: 'button', text: 'Revoke', 'aria-label': `Revoke token ${t.name}`,
          onclick: async () => {
            try {
              await api('DELETE', `/api/admin/tokens/${seg(t.id)}`);
              await loadTokens();
            } catch (error) {
              say(byId('add-token-msg'), `Not revoked: ${error.message}`, 'error');
            }
          },
        }))))
        : el('tr', null, el('td', { colspan: 6, class: 'empty', text: 'No tokens.' })))));
  } catch (error) {
    replaceChildren(slot, el('p', { role: 'alert', class: 'msg-error', text: `Could not load tokens: ${error.message}` }));
  }
}

byId('add-token').addEventListener('submit', async event => {
  event.preventDefault();
  const form = event.currentTarget;
  const message = byId('add-token-msg');
  const values = formValues(form);
  const scopes = [...form.querySelectorAll('input[name="scope"]:checked')].map(i => i.value);
  try {
    const created = await api('POST', '/api/admin/tokens', { name: values.name, userName: values.userName, scopes });
    say(message, '');
    form.reset();
    const tokenId = 'new-token-value';
    replaceChildren(byId('new-token'),
      el('p', null, el('strong', { text: `Token "${values.name}" created.` }), ' Copy it now: it is shown only once.'),
      el('label', { for: tokenId, text: 'New token' }),
      el('input', { id: tokenId, readonly: true, value: created.token ?? '', class: 'token-value', 'data-testid': 'token-value' }));
    byId(tokenId).select();
    await loadTokens();
  } catch (error) {
    say(message, `Not created: ${error.message}`, 'error');
  }
});

// ---- campaigns
async function loadCampaigns() {
  const slot = byId('campaigns');
  try {
    const campaigns = await api('GET', '/api/admin/campaigns');
    replaceChildren(slot, el('table', { 'aria-label': 'Campaign cards' },
      el('thead', null, el('tr', null, ['Dialed number', 'Name', 'Service', 'Language', 'Hints', ''].map(h => el('th', { scope: 'col', text: h })))),
      el('tbody', null, campaigns.length ? campaigns.map(c => el('tr', null,
        el('th', { scope: 'row', text: c.dnis ?? '' }),
        el('td', { text: c.name ?? '' }),
        el('td', { text: c.service ?? '' }),
        el('td', { text: c.language ?? '' }),
        el('td', { class: 'pre clip', text: c.hints ?? '' }),
        el('td', null, el('button', {
          type: 'button', text: 'Edit', 'aria-label': `Edit campaign ${c.dnis}`,
          onclick: () => {
            byId('c-dnis').value = c.dnis ?? '';
            byId('c-name').value = c.name ?? '';
            byId('c-service').value = c.service ?? '';
            byId('c-language').value = c.language ?? '';
            byId('c-hints').value = c.hints ?? '';
            byId('c-name').focus();
          },
        }))))
        : el('tr', null, el('td', { colspan: 6, class: 'empty', text: 'No campaigns.' })))));
  } catch (error) {
    replaceChildren(slot, el('p', { role: 'alert', class: 'msg-error', text: `Could not load campaigns: ${error.message}` }));
  }
}

byId('edit-campaign').addEventListener('submit', async event => {
  event.preventDefault();
  const values = formValues(event.currentTarget);
  const message = byId('campaign-msg');
  try {
    await api('PUT', `/api/admin/campaigns/${seg(values.dnis)}`,
      { name: values.name, service: values.service, language: values.language, hints: values.hints });
    say(message, `Campaign ${values.dnis} saved.`, 'ok');
    await loadCampaigns();
  } catch (error) {
    say(message, `Not saved: ${error.message}`, 'error');
  }
});

// ---- demo calls
byId('demo-call').addEventListener('submit', async event => {
  event.preventDefault();
  const values = formValues(event.currentTarget);
  const message = byId('demo-msg');
  try {
    const created = await api('POST', '/api/demo/calls', values);
    const uuid = created?.callUuid ?? created?.uuid ?? created?.call?.uuid;
    if (!uuid) throw new Error('the server answered without a call id');
    say(message, `Demo call ${uuid} offered to ${values.agent}.`, 'ok');
    byId('demo-calls').append(demoCallItem(uuid, values));
  } catch (error) {
    say(message, error.status === 404 ? 'Demo calls are off (Web:DemoCalls).' : `Not started: ${error.message}`, 'error');
  }
});

function demoCallItem(uuid, values) {
  const message = el('span', { role: 'status', class: 'inline-msg' });
  const act = (what, label) => el('button', {
    type: 'button', text: label, 'aria-label': `${label} demo call from ${values.ani}`,
    onclick: async () => {
      try {
        await api('POST', `/api/demo/calls/${seg(uuid)}/${what}`);
        say(message, what === 'answer' ? 'Answered.' : 'Ended.', 'ok');
      } catch (error) {
        say(message, `Failed: ${error.message}`, 'error');
      }
    },
  });
  return el('li', { dataset: { call: uuid } },
    el('span', { text: `${values.ani} → ${values.dnis} for ${values.agent} ` }), el('code', { text: uuid }), ' ',
    act('answer', 'Answer'), act('end', 'End'), message);
}

await Promise.all([loadUsers(), loadTokens(), loadCampaigns()]);
