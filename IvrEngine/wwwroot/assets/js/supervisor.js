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

/** One row per call: where it is (IVR / waiting in a queue / with an agent), for how long, and its state. */
function rows(state) {
  const list = [];
  for (const w of state.waiting ?? []) {
    const inIvr = !w.queue || w.state === 'ivr' || w.where === 'ivr';
    list.push({
      uuid: w.callUuid ?? w.uuid, caller: w.clientName || w.ani, ani: w.ani, dnis: w.dnis,
      where: inIvr ? 'In IVR' : `Waiting in ${w.queue}`,
      from: inIvr ? (w.startedAt ?? w.queuedAt) : (w.queuedAt ?? w.startedAt),
      state: inIvr ? 'In IVR' : 'Waiting', category: w.category,
    });
  }
  for (const c of state.calls ?? []) {
    list.push({
      uuid: c.callUuid, caller: c.clientName || c.ani, ani: c.ani, dnis: c.dnis,
      where: `With ${c.agent}${c.queue ? ` (${c.queue})` : ''}`,
      from: c.state === 'on-call' ? (c.answeredAt ?? c.offeredAt) : c.state === 'wrap-up' ? (c.endedAt ?? c.answeredAt) : c.offeredAt,
      state: stateText(c.state), category: c.category,
    });
  }
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
      type: 'button', text: 'Open card', 'aria-label': `Open the card of ${r.caller || r.ani || 'this call'}`,
      onclick: () => openCard(r.uuid),
    }) : null)))
    : [el('tr', null, el('td', { colspan: 6, class: 'empty', text: 'No live calls.' }))];
  replaceChildren(callsSlot, el('table', { 'aria-label': 'Live calls' },
    el('thead', null, el('tr', null, ['Caller', 'Number → dialed', 'Where', 'For', 'State', ''].map(h => el('th', { scope: 'col', text: h })))),
    el('tbody', null, body)));
}

function renderAgents(state) {
  const agents = state.agents ?? [];
  const body = agents.length ? agents.map(a => el('tr', null,
    el('th', { scope: 'row', text: a.displayName || a.name || a.agent }),
    el('td', { text: a.agent ?? '—' }),
    el('td', { text: a.extension ?? '—' }),
    el('td', { text: a.status ?? '—' }),
    el('td', { text: a.state ?? '—' })))
    : [el('tr', null, el('td', { colspan: 5, class: 'empty', text: 'No agents.' }))];
  replaceChildren(agentsSlot, el('table', { 'aria-label': 'Agents' },
    el('thead', null, el('tr', null, ['Agent', 'Id', 'Extension', 'Status', 'State'].map(h => el('th', { scope: 'col', text: h })))),
    el('tbody', null, body)));
}

function openCard(uuid) {
  openUuid = uuid;
  cardPanel.hidden = false;
  const summary = (latest?.calls ?? []).find(c => c.callUuid === uuid) ?? (latest?.waiting ?? []).find(w => (w.callUuid ?? w.uuid) === uuid);
  cardView.show(uuid, summary ? { ...summary, callUuid: uuid } : null);
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
  for (const cell of callsSlot.querySelectorAll('td.elapsed')) {
    const from = cell.dataset.from;
    if (from) cell.textContent = formatDuration(since(from));
  }
}, 1000);

connectDesk({ onState, onConnection: setConnection });
