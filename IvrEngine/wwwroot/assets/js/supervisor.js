// The supervisor's page: every live call (in the IVR, waiting in a queue, with an agent) and every agent, from the
// same desk stream; a call's card opens read-only below.
import { getSession } from './api.js';
import { el, formatDuration, replaceChildren } from './dom.js';
import { mountChrome } from './chrome.js';
import { connectDesk, connectionText } from './stream.js';
import { createCardView, stateText } from './card.js';

const connection = document.getElementById('connection');
const callsSlot = document.getElementById('calls');
const agentsSlot = document.getElementById('agents');
const cardPanel = document.getElementById('card-panel');
const cardView = createCardView(document.getElementById('card'), { readOnly: true });
let latest = null;
let openUuid = null;

const { user } = await getSession();
mountChrome(user);

document.getElementById('close-card').addEventListener('click', () => {
  openUuid = null;
  cardView.clear();
  cardPanel.hidden = true;
});

function setConnection(state) {
  const text = connectionText(state);
  connection.textContent = text;
  connection.setAttribute('aria-label', text);
  connection.className = `connection conn-${state}`;
}

function since(iso) {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : (Date.now() - t) / 1000;
}

// Who each call is from, as last seen: once a call has ended the engine no longer holds its channel's details, so a
// call in wrap-up comes without its caller's name and number.
const known = new Map();

/** The caller's name, number, dialed number and category of a call: the state's, else what was seen before. */
function caller(entry) {
  const seen = known.get(entry.callUuid) ?? {};
  const now = {
    clientName: entry.clientName ?? seen.clientName, ani: entry.ani ?? seen.ani, dnis: entry.dnis ?? seen.dnis,
    category: entry.category ?? seen.category,
  };
  known.set(entry.callUuid, now);
  return now;
}

/** One row per call: where it is (IVR / waiting in a queue / with an agent), for how long, and its state. The
 * server's waiting entries are {callUuid, where: "ivr"|"queue", queue, since, ani, dnis, clientName, category, ctiCode}. */
function rows(state) {
  const list = [];
  for (const w of state.waiting ?? []) {
    const inIvr = w.where !== 'queue';
    const who = caller(w);
    list.push({
      uuid: w.callUuid, caller: who.clientName || who.ani, ani: who.ani, dnis: who.dnis,
      where: inIvr ? 'In IVR' : `Waiting in ${w.queue ?? 'a queue'}`,
      from: w.since, state: inIvr ? 'In IVR' : 'Waiting', category: who.category,
    });
  }
  for (const c of state.calls ?? []) {
    const who = caller(c);
    list.push({
      uuid: c.callUuid, caller: who.clientName || who.ani, ani: who.ani, dnis: who.dnis,
      where: `With ${c.agent}${c.queue ? ` (${c.queue})` : ''}`,
      from: c.state === 'on-call' ? (c.answeredAt ?? c.offeredAt) : c.state === 'wrap-up' ? (c.endedAt ?? c.answeredAt) : c.offeredAt,
      state: stateText(c.state), category: who.category,
    });
  }
  const live = new Set(list.map(r => r.uuid));
  for (const uuid of known.keys()) if (!live.has(uuid)) known.delete(uuid);
  return list;
}

function renderCalls(state) {
  const list = rows(state);
  const body = list.length ? list.map(r => el('tr', { dataset: { call: r.uuid ?? '' } },
    el('th', { scope: 'row' }, el('span', { text: r.caller || '—' }), r.category ? el('span', { class: `badge cat-${r.category}`, text: r.category }) : null),
    el('td', { text: `${r.ani ?? '—'} → ${r.dnis ?? '—'}` }),
    el('td', { text: r.where }),
    el('td', { class: 'elapsed', dataset: { from: r.from ?? '' }, text: formatDuration(since(r.from)) }),
    el('td', { text: r.state }),
    el('td', null, r.uuid ? el('button', {
      type: 'button', text: 'Open the card', 'aria-label': `Open the card of ${r.caller || r.ani || 'this call'}`,
      onclick: () => openCard(r.uuid),
    }) : null)))
    : [el('tr', null, el('td', { colspan: 6, class: 'empty', text: 'No live calls.' }))];
  replaceChildren(callsSlot, el('table', { 'aria-label': 'Live calls' },
    el('thead', null, el('tr', null, ['Caller', 'Number → dialed', 'Where', 'For', 'State', ''].map(h => el('th', { scope: 'col', text: h })))),
    el('tbody', null, body)));
}

/** The server's agents are {agent, status, state, since, calls}: mod_callcenter's status and state, when either
 * last changed, and how many calls are on the agent's desk. */
function renderAgents(state) {
  const agents = state.agents ?? [];
  const body = agents.length ? agents.map(a => el('tr', null,
    el('th', { scope: 'row', text: a.agent ?? '—' }),
    el('td', { text: a.status ?? '—' }),
    el('td', { text: a.state ?? '—' }),
    el('td', { class: 'elapsed', dataset: { from: a.since ?? '' }, text: formatDuration(since(a.since)) }),
    el('td', { text: String(a.calls ?? 0) })))
    : [el('tr', null, el('td', { colspan: 5, class: 'empty', text: 'No agents.' }))];
  replaceChildren(agentsSlot, el('table', { 'aria-label': 'Agents' },
    el('thead', null, el('tr', null, ['Agent', 'Status', 'State', 'For', 'Calls'].map(h => el('th', { scope: 'col', text: h })))),
    el('tbody', null, body)));
}

function openCard(uuid) {
  openUuid = uuid;
  cardPanel.hidden = false;
  const waiting = (latest?.waiting ?? []).find(w => w.callUuid === uuid);
  const summary = (latest?.calls ?? []).find(c => c.callUuid === uuid)
    ?? (waiting ? { ...waiting, state: waiting.where === 'queue' ? 'waiting' : 'ivr' } : null);
  cardView.show(uuid, summary);
  document.getElementById('card-heading').focus?.();
}

function onState(state) {
  latest = state;
  renderCalls(state);
  renderAgents(state);
  if (openUuid) {
    const summary = (state.calls ?? []).find(c => c.callUuid === openUuid);
    if (summary) cardView.update(summary);
  }
}

// The "For" column counts up without a new event: only the text of those cells changes, once a second.
setInterval(() => {
  for (const cell of document.querySelectorAll('td.elapsed')) {
    const from = cell.dataset.from;
    if (from) cell.textContent = formatDuration(since(from));
  }
}, 1000);

connectDesk({ onState, onConnection: setConnection });
