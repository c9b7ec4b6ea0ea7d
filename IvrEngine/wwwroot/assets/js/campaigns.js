// The admin's page of outgoing campaigns: the list with states and figures, the settings form, the contacts (from a
// query over clients or a CSV file), start / pause / resume / stop, the results download, and the do-not-call list.
// Everything goes through /api/dialer; the page dials nothing itself.
import { api, getSession, seg } from './api.js';
import { el, say, formatDateTime, replaceChildren } from './dom.js';
import { mountChrome } from './chrome.js';

const { user } = await getSession();
mountChrome(user);

const byId = id => document.getElementById(id);
const form = byId('campaign-form');
const contactsPage = 50;
const maxFileBytes = 10 * 1024 * 1024;
// What each state allows (CampaignStates on the server has the last word).
const allowed = {
  draft: ['start', 'stop'],
  running: ['pause', 'stop'],
  paused: ['resume', 'stop'],
  stopped: [],
  completed: [],
};

let open = null;
let skip = 0;

// ---- waits: "1.02:30:00" <-> minutes
function minutesOf(span) {
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+)/.exec(span ?? '');
  if (!m) return 0;
  return Number(m[1] ?? 0) * 1440 + Number(m[2]) * 60 + Number(m[3]) + Math.round(Number(m[4]) / 60);
}

function spanOf(minutes) {
  const total = Math.max(0, Math.round(Number(minutes) || 0));
  const days = Math.floor(total / 1440);
  const pad = n => String(n).padStart(2, '0');
  const time = `${pad(Math.floor((total % 1440) / 60))}:${pad(total % 60)}:00`;
  return days ? `${days}.${time}` : time;
}

const hhmm = time => (time ?? '').slice(0, 5);
const number = value => (value === '' || value === null || value === undefined ? null : Number(value));
const text = value => (value && value.trim() ? value.trim() : null);

// ---- the list
async function loadCampaigns() {
  const slot = byId('campaigns');
  try {
    const campaigns = await api('GET', '/api/dialer/campaigns');
    const headers = ['Id', 'Name', 'State', 'Contacts', 'Pending', 'Dialed', 'Answered', 'Completed', 'Transferred', 'Opted out', 'Not reached', ''];
    replaceChildren(slot, el('table', { 'aria-label': 'Campaigns' },
      el('thead', null, el('tr', null, headers.map(h => el('th', { scope: 'col', text: h })))),
      el('tbody', null, campaigns.length ? campaigns.map(({ campaign: c, totals: t }) => el('tr', { dataset: { campaign: c.id } },
        el('th', { scope: 'row', text: c.id }),
        el('td', { text: c.name }),
        el('td', null, el('span', { class: `badge state-${c.state}`, text: c.state })),
        ...[t.contacts, t.pending, t.attempts, t.answered, t.completed, t.transferred, t.optedOut, t.exhausted].map(n => el('td', { class: 'num', text: n })),
        el('td', null, el('button', { type: 'button', text: 'Open', 'aria-label': `Open campaign ${c.id}`, onclick: () => openCampaign(c.id, true) }))))
        : el('tr', null, el('td', { colspan: headers.length, class: 'empty', text: 'No campaigns yet: fill in the form below.' })))));
    if (open) {
      const fresh = campaigns.find(x => x.campaign.id === open.id);
      if (fresh) showOpen(fresh.campaign, fresh.totals);
    }
  } catch (error) {
    replaceChildren(slot, el('p', { role: 'alert', class: 'msg-error', text: `Could not load the campaigns: ${error.message}` }));
  }
}

// ---- one campaign: state, actions, contacts
async function openCampaign(id, focus) {
  const { campaign, totals } = await api('GET', `/api/dialer/campaigns/${seg(id)}`);
  skip = 0;
  fillForm(campaign);
  showOpen(campaign, totals);
  say(byId('action-msg'), '');
  replaceChildren(byId('contacts-msg'));
  await loadContacts();
  if (focus) byId('open-heading').focus();
}

function showOpen(campaign, totals) {
  open = campaign;
  const section = byId('open-campaign');
  section.hidden = false;
  byId('open-heading').textContent = `Campaign ${campaign.id}: ${campaign.name}`;
  byId('open-heading').tabIndex = -1;
  const state = byId('open-state');
  state.textContent = campaign.state;
  state.className = `badge state-${campaign.state}`;
  byId('open-totals').textContent = `${totals.contacts} contacts: ${totals.pending} pending, ${totals.dialing} being dialed, `
    + `${totals.attempts} attempts, ${totals.answered} answered (${totals.completed} completed, ${totals.transferred} transferred, `
    + `${totals.optedOut} opted out), ${totals.exhausted} not reached, ${totals.doNotCall} on the do-not-call list, ${totals.unknown} unknown.`;
  for (const button of section.querySelectorAll('button[data-action]')) {
    button.disabled = !(allowed[campaign.state] ?? []).includes(button.dataset.action);
    button.setAttribute('aria-label', `${button.textContent} campaign ${campaign.id}`);
  }
  byId('results-link').href = `/api/dialer/campaigns/${seg(campaign.id)}/results.csv`;
}

for (const button of document.querySelectorAll('button[data-action]')) {
  button.addEventListener('click', async () => {
    if (!open) return;
    const action = button.dataset.action;
    const message = byId('action-msg');
    try {
      const { campaign, totals } = await api('POST', `/api/dialer/campaigns/${seg(open.id)}/${action}`);
      showOpen(campaign, totals);
      fillForm(campaign);
      say(message, `Campaign ${campaign.id} is ${campaign.state}.`, 'ok');
      await loadCampaigns();
    } catch (error) {
      say(message, `Not done: ${error.message}.`, 'error');
      await loadCampaigns();
    }
  });
}

async function loadContacts() {
  if (!open) return;
  const slot = byId('contacts');
  try {
    const page = await api('GET', `/api/dialer/campaigns/${seg(open.id)}/contacts?skip=${skip}&take=${contactsPage}`);
    const headers = ['Phone', 'Name', 'Time zone', 'Status', 'Attempts', 'Last attempt', 'Outcome', 'Result', 'Agent', 'Answers'];
    replaceChildren(slot, el('table', { 'aria-label': 'Contacts' },
      el('caption', { text: page.total ? `Contacts ${skip + 1} to ${skip + page.contacts.length} of ${page.total}` : 'No contacts' }),
      el('thead', null, el('tr', null, headers.map(h => el('th', { scope: 'col', text: h })))),
      el('tbody', null, page.contacts.length ? page.contacts.map(c => el('tr', null,
        el('th', { scope: 'row', text: c.phone }),
        el('td', { text: c.name ?? '—' }),
        el('td', { text: c.timeZone }),
        el('td', { text: c.status }),
        el('td', { class: 'num', text: c.attempts }),
        el('td', { text: formatDateTime(c.lastAttemptAt) }),
        el('td', { text: [c.lastOutcome, c.lastHangupCause].filter(Boolean).join(', ') || '—' }),
        el('td', { text: c.result ?? '—' }),
        el('td', { text: c.agent ?? '—' }),
        el('td', { text: Object.entries(c.answers ?? {}).map(([k, v]) => `${k}=${v}`).join('; ') || '—' })))
        : el('tr', null, el('td', { colspan: headers.length, class: 'empty', text: 'No contacts yet: add them from the store or a file.' })))));
    byId('contacts-prev').disabled = skip === 0;
    byId('contacts-next').disabled = skip + page.contacts.length >= page.total;
  } catch (error) {
    replaceChildren(slot, el('p', { role: 'alert', class: 'msg-error', text: `Could not load the contacts: ${error.message}` }));
  }
}

byId('contacts-prev').addEventListener('click', async () => {
  skip = Math.max(0, skip - contactsPage);
  await loadContacts();
});
byId('contacts-next').addEventListener('click', async () => {
  skip += contactsPage;
  await loadContacts();
});

function showAdded(result, what) {
  const region = byId('contacts-msg');
  region.classList.remove('msg-error');
  replaceChildren(region, el('p', { class: 'msg-ok', text: `${what}: ${result.summary}.` }),
    result.rejected.length ? el('ul', { 'aria-label': 'Rows not taken' },
      result.rejected.slice(0, 50).map(r => el('li', { text: `Line ${r.line}: ${r.reason}` })),
      result.rejected.length > 50 ? el('li', { text: `… and ${result.rejected.length - 50} more.` }) : null) : null);
}

function showContactsError(text) {
  const region = byId('contacts-msg');
  replaceChildren(region, el('p', { class: 'msg-error', text }));
}

byId('contacts-query').addEventListener('submit', async event => {
  event.preventDefault();
  if (!open) return;
  try {
    const result = await api('POST', `/api/dialer/campaigns/${seg(open.id)}/contacts`, { query: byId('q-text').value });
    showAdded(result, 'From the store');
    await Promise.all([loadContacts(), loadCampaigns()]);
  } catch (error) {
    showContactsError(`No contacts added: ${error.message}`);
  }
});

byId('contacts-file').addEventListener('submit', async event => {
  event.preventDefault();
  const fileForm = event.currentTarget;
  if (!open) return;
  const file = byId('f-file').files[0];
  if (!file) {
    showContactsError('Choose a CSV file first.');
    return;
  }
  if (file.size > maxFileBytes) {
    showContactsError('No contacts added: the file is larger than 10 MB; split it.');
    return;
  }
  try {
    const result = await api('POST', `/api/dialer/campaigns/${seg(open.id)}/contacts`, file, { contentType: 'text/csv' });
    showAdded(result, `From ${file.name}`);
    fileForm.reset();
    await Promise.all([loadContacts(), loadCampaigns()]);
  } catch (error) {
    showContactsError(`No contacts added from ${file.name}: ${error.message}`);
  }
});

// ---- the settings form
function fillForm(c) {
  byId('form-heading').textContent = `Settings of campaign ${c.id}`;
  byId('c-version').value = c.version;
  byId('c-id').value = c.id;
  byId('c-id').readOnly = true;
  byId('c-name').value = c.name ?? '';
  byId('c-card').value = c.cardDnis ?? '';
  ensureFlowOption(c.flow);
  byId('c-flow').value = c.flow ?? '';
  byId('c-caller').value = c.callerIdNumber ?? '';
  byId('c-caller-name').value = c.callerIdName ?? '';
  byId('c-dial').value = c.dialString ?? '';
  byId('c-ring').value = c.ringSeconds;
  byId('h-from').value = hhmm(c.hours?.from);
  byId('h-to').value = hhmm(c.hours?.to);
  byId('h-zone').value = c.hours?.defaultTimeZone ?? '';
  for (const box of form.querySelectorAll('input[name="day"]')) box.checked = (c.hours?.days ?? []).includes(box.value);
  byId('p-cps').value = c.pacing?.callsPerSecond ?? '';
  byId('p-max').value = c.pacing?.maxConcurrent ?? '';
  byId('p-queue').value = c.pacing?.agentQueue ?? '';
  for (const [key, rule] of [['busy', c.busy], ['noanswer', c.noAnswer], ['failed', c.failed]]) {
    byId(`r-${key}-after`).value = minutesOf(rule?.after);
    byId(`r-${key}-max`).value = rule?.maxAttempts ?? '';
  }
  byId('save-campaign').textContent = 'Save campaign';
  replaceChildren(byId('campaign-msg'));
}

function ensureFlowOption(flow) {
  const select = byId('c-flow');
  if (flow && ![...select.options].some(o => o.value === flow)) select.append(el('option', { value: flow, text: `${flow} (not loaded)` }));
}

function formCampaign() {
  const v = id => byId(id).value;
  const days = [...form.querySelectorAll('input[name="day"]:checked')].map(b => b.value);
  const time = value => (value ? (value.length === 5 ? `${value}:00` : value) : null);
  return {
    version: Number(v('c-version')) || 0,
    name: v('c-name').trim(),
    cardDnis: v('c-card').trim(),
    flow: text(v('c-flow')),
    callerIdNumber: v('c-caller').trim(),
    callerIdName: text(v('c-caller-name')),
    dialString: v('c-dial').trim(),
    ringSeconds: number(v('c-ring')),
    hours: { from: time(v('h-from')), to: time(v('h-to')), days, defaultTimeZone: v('h-zone').trim() },
    pacing: { callsPerSecond: number(v('p-cps')), maxConcurrent: number(v('p-max')), agentQueue: text(v('p-queue')) },
    busy: { after: spanOf(v('r-busy-after')), maxAttempts: number(v('r-busy-max')) },
    noAnswer: { after: spanOf(v('r-noanswer-after')), maxAttempts: number(v('r-noanswer-max')) },
    failed: { after: spanOf(v('r-failed-after')), maxAttempts: number(v('r-failed-max')) },
  };
}

function showProblems(error) {
  const problems = Array.isArray(error.body?.problems) ? error.body.problems : [error.message];
  const region = byId('campaign-msg');
  replaceChildren(region,
    el('p', { class: 'msg-error', text: error.status === 409 ? 'Not saved:' : 'Not saved; please correct:' }),
    el('ul', { class: 'msg-error', 'aria-label': 'Problems' }, problems.map(p => el('li', { text: p }))));
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  const id = byId('c-id').value.trim();
  if (!id) {
    showProblems({ message: "id: 1 to 64 letters, digits, '-' or '_'" });
    byId('c-id').focus();
    return;
  }
  try {
    const saved = await api('PUT', `/api/dialer/campaigns/${seg(id)}`, formCampaign());
    await openCampaign(saved.campaign.id, false);
    replaceChildren(byId('campaign-msg'),
      el('p', { class: 'msg-ok', text: `Campaign ${saved.campaign.id} ${saved.added ? 'added' : 'saved'} (${saved.campaign.state}).` }),
      saved.note ? el('p', { text: `Note: ${saved.note}` }) : null);
    await loadCampaigns();
  } catch (error) {
    showProblems(error);
  }
});

function newCampaign() {
  form.reset();
  byId('c-version').value = '0';
  byId('c-id').readOnly = false;
  byId('form-heading').textContent = 'New campaign';
  replaceChildren(byId('campaign-msg'));
  byId('open-campaign').hidden = true;
  open = null;
  byId('c-id').focus();
}

byId('new-campaign').addEventListener('click', newCampaign);

async function loadChoices() {
  try {
    const [flows, cards] = await Promise.all([api('GET', '/api/dialer/flows'), api('GET', '/api/admin/campaigns')]);
    byId('c-flow').append(...flows.map(f => el('option', { value: f, text: f })));
    replaceChildren(byId('card-numbers'), cards.map(c => el('option', { value: c.dnis, text: `${c.name} (${c.direction ?? 'incoming'})` })));
  } catch (error) {
    say(byId('campaign-msg'), `Could not load the flows and cards: ${error.message}`, 'error');
  }
}

// ---- the do-not-call list
const dncForm = byId('dnc-form');
const dncPage = 50;
let dncSkip = 0;

async function loadDoNotCall() {
  const slot = byId('dnc-list');
  try {
    const page = await api('GET', `/api/dialer/dnc?skip=${dncSkip}&take=${dncPage}`);
    const headers = ['Phone number', 'Reason', 'Since'];
    replaceChildren(slot, el('table', { 'aria-label': 'Numbers on the do-not-call list' },
      el('caption', { text: page.entries.length ? `Numbers ${dncSkip + 1} to ${dncSkip + page.entries.length}, in the order of the numbers` : 'No numbers' }),
      el('thead', null, el('tr', null, headers.map(h => el('th', { scope: 'col', text: h })))),
      el('tbody', null, page.entries.length ? page.entries.map(e => el('tr', null,
        el('th', { scope: 'row', text: e.phone }),
        el('td', { text: e.reason }),
        el('td', { text: formatDateTime(e.at) })))
        : el('tr', null, el('td', { colspan: headers.length, class: 'empty', text: dncSkip ? 'No more numbers.' : 'The list is empty.' })))));
    byId('dnc-prev').disabled = dncSkip === 0;
    byId('dnc-next').disabled = page.entries.length < dncPage;
  } catch (error) {
    replaceChildren(slot, el('p', { role: 'alert', class: 'msg-error', text: `Could not load the do-not-call list: ${error.message}` }));
  }
}

byId('dnc-prev').addEventListener('click', async () => {
  dncSkip = Math.max(0, dncSkip - dncPage);
  await loadDoNotCall();
});
byId('dnc-next').addEventListener('click', async () => {
  dncSkip += dncPage;
  await loadDoNotCall();
});

async function doNotCall(what) {
  const message = byId('dnc-msg');
  const phone = byId('dnc-phone').value.trim();
  if (!phone) {
    say(message, 'Give a phone number.', 'error');
    return;
  }
  try {
    if (what === 'add') {
      const entry = await api('POST', '/api/dialer/dnc', { phone, reason: text(byId('dnc-reason').value) });
      say(message, `${entry.phone} is on the do-not-call list (${entry.reason}).`, 'ok');
      await loadDoNotCall();
    } else if (what === 'remove') {
      await api('DELETE', `/api/dialer/dnc/${seg(phone)}`);
      say(message, `${phone} is off the do-not-call list.`, 'ok');
      await loadDoNotCall();
    } else {
      const entry = await api('GET', `/api/dialer/dnc/${seg(phone)}`);
      say(message, entry.listed ? `${entry.phone} is on the do-not-call list since ${formatDateTime(entry.at)}: ${entry.reason}.`
        : `${entry.phone} is not on the do-not-call list.`, 'ok');
    }
  } catch (error) {
    say(message, `${error.message}.`, 'error');
  }
}

dncForm.addEventListener('submit', event => {
  event.preventDefault();
  doNotCall('add');
});
for (const button of dncForm.querySelectorAll('button[type="button"][data-dnc]')) button.addEventListener('click', () => doNotCall(button.dataset.dnc));

await Promise.all([loadCampaigns(), loadChoices(), loadDoNotCall()]);
