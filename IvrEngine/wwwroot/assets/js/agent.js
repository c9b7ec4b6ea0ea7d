// The agent's page: their status, the live connection, and the card of the call offered to them.
import { api, getSession, ApiError } from './api.js';
import { el, say } from './dom.js';
import { mountChrome } from './chrome.js';
import { connectDesk, connectionText } from './stream.js';
import { createCardView, stateText } from './card.js';

const statusSelect = document.getElementById('agent-status');
const statusMessage = document.getElementById('status-message');
const connection = document.getElementById('connection');
const idle = document.getElementById('idle');
const callList = document.getElementById('call-list');
const cardView = createCardView(document.getElementById('card'));

let selected = null;          // the call uuid shown
let pinned = false;           // the agent picked a call from the list
let statusBusy = false;
let lastCalls = [];

const { user } = await getSession();
mountChrome(user);
document.getElementById('agent-name').textContent = user.displayName || user.userName;
document.getElementById('agent-extension').textContent = user.extension ? `ext. ${user.extension}` : '';

statusSelect.addEventListener('change', async () => {
  const wanted = statusSelect.value;
  statusBusy = true;
  say(statusMessage, 'Saving…');
  try {
    const answer = await api('PUT', '/api/desk/status', { status: wanted });
    statusSelect.value = answer?.status ?? wanted;
    say(statusMessage, `Status: ${statusSelect.value}`, 'ok');
  } catch (error) {
    say(statusMessage, error instanceof ApiError && error.status === 502
      ? 'FreeSWITCH did not take the status change; try again.'
      : `Status not changed: ${error.message}`, 'error');
    if (statusSelect.dataset.server) statusSelect.value = statusSelect.dataset.server;
  } finally {
    statusBusy = false;
  }
});

function setConnection(state) {
  const text = connectionText(state);
  connection.textContent = text;
  connection.setAttribute('aria-label', text);
  connection.className = `connection conn-${state}`;
}

function newest(calls) {
  return [...calls].sort((a, b) => String(b.offeredAt ?? '').localeCompare(String(a.offeredAt ?? '')))[0];
}

function renderCallList(calls) {
  callList.hidden = calls.length < 2;
  if (calls.length < 2) { callList.replaceChildren(); return; }
  callList.replaceChildren(el('ul', null, calls.map(c => el('li', null, el('button', {
    type: 'button', 'aria-pressed': c.callUuid === selected ? 'true' : 'false',
    text: `${c.clientName || c.ani || 'Caller'} — ${stateText(c.state)}`,
    onclick: () => { pinned = true; select(c); renderCallList(lastCalls); },
  })))));
}

function select(call) {
  if (call.callUuid !== selected) {
    selected = call.callUuid;
    cardView.show(call.callUuid, call);
  } else {
    cardView.update(call);
  }
}

function onState(state) {
  const status = state.agent?.status;
  if (status) {
    statusSelect.dataset.server = status;
    if (!statusBusy) {
      if (![...statusSelect.options].some(o => o.value === status)) statusSelect.append(el('option', { value: status, text: status }));
      statusSelect.value = status;
    }
  }
  const calls = (state.calls ?? []).filter(c => !c.endedAt || c.state === 'wrap-up');
  lastCalls = calls;
  if (!calls.length) {
    selected = null;
    pinned = false;
    cardView.clear();
    idle.hidden = false;
    renderCallList(calls);
    return;
  }
  idle.hidden = true;
  const current = calls.find(c => c.callUuid === selected);
  select(current ?? newest(calls));
  renderCallList(calls);
}

connectDesk({ onState, onConnection: setConnection });
