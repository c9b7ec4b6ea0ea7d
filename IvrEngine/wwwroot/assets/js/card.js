// THE CARD: everything the agent needs about the caller, built with DOM nodes only (no innerHTML), so whatever a
// caller or another system put in a name or a note is shown as text and never runs.
import { el, dl, table, field, formatDateTime, formatDuration, formatMoney, say, replaceChildren } from './dom.js';
import { api, ApiError, seg } from './api.js';

export const categories = [
  { value: 'regular', label: 'Regular' },
  { value: 'vip', label: 'VIP' },
  { value: 'problem', label: 'Problem' },
  { value: 'prospect', label: 'Prospect' },
];
export const ticketStatuses = ['open', 'in-progress', 'waiting', 'resolved', 'closed'];
export const dispositions = [
  { value: 'resolved', label: 'Resolved' },
  { value: 'callback', label: 'Callback' },
  { value: 'escalated', label: 'Escalated' },
  { value: 'no-action', label: 'No action' },
  { value: 'other', label: 'Other' },
];
const maxPhotoBytes = 2 * 1024 * 1024;
const photoTypes = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];

/** "Ringing" / "On call" / "Wrap-up" (or the raw state). */
export function stateText(state) {
  switch (state) {
    case 'ringing': return 'Ringing';
    case 'on-call': return 'On call';
    case 'wrap-up': return 'Wrap-up';
    case 'ivr': return 'In IVR';
    case 'waiting': return 'Waiting';
    default: return state ? String(state) : '—';
  }
}

/** The category badge: colour and words (never colour alone). */
export function categoryBadge(category) {
  const known = categories.find(c => c.value === String(category ?? '').toLowerCase());
  const cls = known ? known.value : 'other';
  return el('span', { class: `badge cat-${cls}`, 'data-testid': 'category', text: known ? known.label : (category || 'Regular') });
}

/** The local time in a time zone ("Fri 21:03"), or null when the zone is unknown to the browser. */
export function localTimeIn(timeZone, now = new Date()) {
  if (!timeZone) return null;
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(now);
  } catch {
    return null;
  }
}

/**
 * A view of one call's card inside container. options: readOnly (supervisor's view), onChange(card).
 * Returns { show(callUuid, summary), update(summary), clear(), get callUuid }.
 */
export function createCardView(container, { readOnly = false } = {}) {
  let current = null;      // the card JSON
  let callUuid = null;
  let callState = null;    // from the stream (fresher than the card's)
  let loadToken = 0;
  let refs = {};

  const setCard = (card, extra = {}) => {
    current = card;
    const started = performance.now();
    refs = {};
    const node = render(card, { readOnly, callUuid, callState, refs, actions, ...extra });
    replaceChildren(container, node);
    container.dataset.renderMs = (performance.now() - started).toFixed(1);
  };

  const reload = async () => {
    const token = ++loadToken;
    const card = await api('GET', `/api/calls/${seg(callUuid)}/card`);
    if (token === loadToken) setCard(card);
  };

  const actions = {
    reload,
    setClient(client, extra) {
      setCard({ ...current, client, newCaller: client ? false : current.newCaller }, extra);
    },
    setWrapUp(wrapUp) {
      setCard({ ...current, wrapUp });
    },
  };

  // The caller's local time moves on while the card is open: only that text changes, once a minute.
  setInterval(() => {
    const ref = refs.localTime;
    if (ref?.node.isConnected) ref.node.textContent = `${localTimeIn(ref.timeZone)} (${ref.timeZone})`;
  }, 60000);

  return {
    get callUuid() { return callUuid; },
    async show(uuid, summary) {
      callUuid = uuid;
      callState = summary?.state ?? null;
      const token = ++loadToken;
      replaceChildren(container, el('p', { class: 'loading', role: 'status', text: 'Loading the card…' }));
      try {
        const card = await api('GET', `/api/calls/${seg(uuid)}/card`);
        if (token === loadToken) setCard(card);
      } catch (error) {
        if (token !== loadToken) return;
        replaceChildren(container, el('p', { role: 'alert', class: 'msg-error', text: `Could not load the card: ${error.message}` }));
      }
    },
    update(summary) {
      if (!summary || summary.callUuid !== callUuid) return;
      if (summary.state === callState) return;
      callState = summary.state;
      if (refs.banner) {
        refs.banner.textContent = stateText(callState);
        refs.banner.setAttribute('aria-label', stateText(callState));
        refs.banner.className = `state-banner state-${callState}`;
      }
      if (refs.wrapUp) refs.wrapUp.hidden = !(callState === 'on-call' || callState === 'wrap-up');
    },
    clear() {
      loadToken++;
      callUuid = null;
      current = null;
      refs = {};
      container.replaceChildren();
    },
  };
}

function render(card, ctx) {
  const call = card.call ?? {};
  const client = card.client;
  const state = ctx.callState ?? call.state;
  const name = client?.name || (card.newCaller ? 'New caller' : 'Unknown caller');

  const banner = el('p', {
    role: 'status', class: `state-banner state-${state}`, 'aria-label': stateText(state), 'data-testid': 'call-state', text: stateText(state),
  });
  ctx.refs.banner = banner;

  const direction = String(call.direction || 'INCOMING').toUpperCase();
  const top = el('div', { class: 'card-top', 'data-testid': 'card-top' },
    client ? el('strong', { class: 'company', 'data-testid': 'company', text: client.company || '—' }) : null,
    el('time', { datetime: call.startedAt ?? '', text: formatDateTime(call.startedAt) }),
    el('span', { class: 'direction', 'data-testid': 'direction', text: direction }),
    client ? categoryBadge(client.category) : null,
    card.cti?.code ? el('span', { class: 'cti', 'data-testid': 'cti' },
      el('abbr', { title: 'CTI code', text: card.cti.code }), ` ${card.cti.reason || ''}`.trimEnd()) : null);

  const section = el('section', { 'aria-label': 'Client card', class: 'card', 'data-testid': 'client-card', dataset: { call: ctx.callUuid ?? '' } },
    banner,
    top,
    el('h2', { class: 'client-name', 'data-testid': 'client-name', text: name }));

  const main = el('div', { class: 'card-main' }, card.newCaller || !client ? renderNewCaller(card, ctx) : renderClient(card, client, ctx));
  const side = el('div', { class: 'card-side' });
  if (!ctx.readOnly) {
    const wrap = renderWrapUp(card, ctx);
    wrap.hidden = !(state === 'on-call' || state === 'wrap-up');
    ctx.refs.wrapUp = wrap;
    side.append(wrap);
  } else if (card.wrapUp) {
    side.append(el('section', { 'aria-label': 'Wrap-up', class: 'block' }, el('h3', { text: 'Wrap-up' }), wrapUpSummary(card.wrapUp)));
  }
  side.append(renderCampaign(card) ?? '', renderIvr(card));
  section.append(el('div', { class: 'card-grid' }, main, side));
  return section;
}

function renderClient(card, client, ctx) {
  const call = card.call ?? {};
  const loc = client.location ?? {};
  const local = localTimeIn(loc.timeZone) ?? loc.localTime ?? null;
  const place = [loc.city, loc.country].filter(Boolean).join(', ');
  const overdue = Number(client.overdue ?? 0);
  const photo = el('img', {
    class: 'photo', src: client.photoUrl ? withVersion(client.photoUrl, client.version) : '/assets/img/placeholder.svg',
    alt: client.photoUrl ? `Photo of ${client.name}` : 'No photo', width: 120, height: 120, 'data-testid': 'photo',
  });
  photo.addEventListener('error', () => {
    if (!photo.src.endsWith('/assets/img/placeholder.svg')) photo.src = '/assets/img/placeholder.svg';
  }, { once: true });

  const localTime = el('span', { 'data-testid': 'local-time', text: local ? `${local}${loc.timeZone ? ` (${loc.timeZone})` : ''}` : '—' });
  if (loc.timeZone && localTimeIn(loc.timeZone)) ctx.refs.localTime = { node: localTime, timeZone: loc.timeZone };
  const facts = dl([
    ['Calls from', el('span', { 'data-testid': 'caller-number', text: call.ani || '—' })],
    ['Other phones', (client.phones ?? []).filter(p => p !== call.ani).join(', ') || '—'],
    ['Location', place || '—'],
    ['Local time there', localTime],
    ['Language', client.language || '—'],
    ['Personal manager', client.manager || '—'],
    ['Accounts', (client.accounts ?? []).join(', ') || '—'],
    ['Cards', (client.cards ?? []).join(', ') || '—'],
    ['Balance', el('span', { 'data-testid': 'balance', text: formatMoney(client.balance) })],
    ['Overdue', overdue > 0
      ? el('strong', { class: 'overdue', 'data-testid': 'overdue', text: `${formatMoney(client.overdue)} overdue` })
      : el('span', { 'data-testid': 'overdue', text: formatMoney(client.overdue ?? 0) })],
  ], { class: 'facts' });

  const notes = el('section', { 'aria-label': 'Notes and warnings', class: 'block' },
    el('h3', { text: 'Notes and warnings' }),
    (client.notes ?? []).length
      ? el('ul', { class: 'notes' }, client.notes.map(n => el('li', { class: /^\s*(!|warning)/i.test(n.text ?? '') ? 'note warning' : 'note' },
        el('p', { text: n.text ?? '' }),
        el('p', { class: 'meta' }, `${n.author || 'unknown'}, `, el('time', { datetime: n.at ?? '', text: formatDateTime(n.at) })))))
      : el('p', { class: 'empty', text: 'No notes.' }),
    client.moreNotes > 0
      ? el('p', { class: 'meta', 'data-testid': 'more-notes', text: `and ${client.moreNotes} older ${client.moreNotes === 1 ? 'note' : 'notes'} not shown` })
      : null,
    ctx.readOnly ? null : appendForm('Add note', [field('Note', { kind: 'textarea', name: 'text', required: true, rows: 2 })],
      values => api('POST', `/api/clients/${seg(client.id)}/notes`, { text: values.text, callUuid: ctx.callUuid }),
      updated => ctx.actions.setClient(updated)));

  const orders = el('section', { 'aria-label': 'Open orders', class: 'block' },
    el('h3', { text: 'Open orders' }),
    table('Open orders', ['Number', 'Stage', 'Responsible', 'Debt'],
      (client.orders ?? []).map(o => [o.number, o.stage, o.responsible,
        Number(o.debt) > 0 ? el('strong', { class: 'overdue', text: formatMoney(o.debt) }) : formatMoney(o.debt)])));

  const tickets = renderTickets(client, ctx);

  const contacts = el('section', { 'aria-label': 'Last contacts', class: 'block' },
    el('h3', { text: 'Last contacts' }),
    table('Last contacts', ['When', 'Campaign', 'Outcome', 'Agent'],
      (client.lastContacts ?? []).map(c => [el('time', { datetime: c.at ?? '', text: formatDateTime(c.at) }), c.campaign, c.outcome, c.agent])));

  const body = el('div', { class: 'card-body' },
    el('div', { class: 'identity' }, photo, facts),
    notes, orders, tickets, contacts);
  if (!ctx.readOnly) body.append(renderEdits(client, ctx));
  return body;
}

function withVersion(url, version) {
  if (version === undefined || version === null) return url;
  return `${url}${url.includes('?') ? '&' : '?'}v=${encodeURIComponent(version)}`;
}

function renderTickets(client, ctx) {
  const rows = (client.tickets ?? []).map(t => {
    const cells = [t.subject, null, t.owner, el('time', { datetime: t.createdAt ?? '', text: formatDateTime(t.createdAt) })];
    if (ctx.readOnly) {
      cells[1] = t.status;
    } else {
      const statuses = ticketStatuses.includes(t.status) ? ticketStatuses : [t.status, ...ticketStatuses];
      const select = el('select', { 'aria-label': `Status of ticket ${t.subject}`, name: 'status' },
        statuses.map(s => el('option', { value: s, text: s })));
      select.value = t.status;
      const message = el('span', { role: 'status', class: 'inline-msg' });
      const form = el('form', { class: 'inline', 'aria-label': `Ticket ${t.subject}` },
        select, el('button', { type: 'submit', text: 'Save', 'aria-label': `Save status of ticket ${t.subject}` }), message);
      form.addEventListener('submit', async event => {
        event.preventDefault();
        say(message, 'Saving…');
        try {
          const updated = await api('PATCH', `/api/tickets/${seg(t.id)}`, { version: t.version, status: select.value });
          // The card lists open tickets only: a resolved or closed one leaves the list, as the server's card does.
          const ticketsNow = (client.tickets ?? []).map(x => (x.id === t.id ? { ...x, ...updated } : x))
            .filter(x => x.status !== 'resolved' && x.status !== 'closed');
          ctx.actions.setClient({ ...client, tickets: ticketsNow });
        } catch (error) {
          if (error.status === 409) {
            say(message, 'Someone else changed this ticket; reload the card to see it, then change it again.', 'error');
            message.append(' ', el('button', { type: 'button', class: 'link-button', text: 'Reload the card', onclick: () => ctx.actions.reload() }));
          } else {
            say(message, `Not saved: ${error.message}`, 'error');
          }
        }
      });
      cells[1] = form;
    }
    return cells;
  });
  return el('section', { 'aria-label': 'Open tickets', class: 'block' },
    el('h3', { text: 'Open tickets' }),
    table('Open tickets', ['Subject', 'Status', 'Owner', 'Created'], rows),
    ctx.readOnly ? null : appendForm('Create ticket', [
      field('Subject', { name: 'subject', required: true }),
      field('Ticket status', { kind: 'select', name: 'status', options: ticketStatuses, value: 'open' }),
      field('Owner', { name: 'owner' }),
    ], values => api('POST', `/api/clients/${seg(client.id)}/tickets`, { ...values, callUuid: ctx.callUuid }),
    ticket => ctx.actions.setClient({ ...client, tickets: [...(client.tickets ?? []), ticket] })));
}

/** A small labelled form that POSTs and then hands the answer to done(); errors stay in the form. */
function appendForm(title, fields, send, done) {
  const message = el('p', { role: 'status', class: 'form-msg' });
  const button = el('button', { type: 'submit', text: title });
  const form = el('form', { 'aria-label': title, class: 'mini-form' }, fields.map(f => f.wrapper), button, message);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const values = Object.fromEntries(fields.map(f => [f.input.name, f.input.value.trim()]));
    button.disabled = true;
    say(message, 'Saving…');
    try {
      const result = await send(values);
      say(message, 'Saved.', 'ok');
      done(result);
    } catch (error) {
      say(message, `Not saved: ${error.message}`, 'error');
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function renderEdits(client, ctx) {
  const pending = ctx.pendingEdit ?? null;
  const value = key => (pending && key in pending ? pending[key] : (key === 'city' || key === 'country' || key === 'timeZone'
    ? client.location?.[key] : client[key]) ?? '');
  // The card's own value of a field (what the form shows without an edit).
  const saved = key => String((key === 'city' || key === 'country' || key === 'timeZone' ? client.location?.[key] : client[key])
    ?? (key === 'category' ? 'regular' : ''));
  const fields = {
    name: field('Name', { name: 'name', value: value('name'), required: true, autocomplete: 'off' }),
    company: field('Company', { name: 'company', value: value('company'), autocomplete: 'off' }),
    language: field('Language', { name: 'language', value: value('language'), autocomplete: 'off' }),
    category: field('Category', { kind: 'select', name: 'category', options: categories, value: value('category') || 'regular' }),
    city: field('City', { name: 'city', value: value('city'), autocomplete: 'off' }),
    country: field('Country', { name: 'country', value: value('country'), autocomplete: 'off' }),
    timeZone: field('Time zone', { name: 'timeZone', value: value('timeZone'), placeholder: 'Europe/Moscow', autocomplete: 'off' }),
  };
  const conflict = el('div', { role: 'alert', class: 'conflict', 'data-testid': 'conflict' });
  const message = el('p', { role: 'status', class: 'form-msg' });
  const save = el('button', { type: 'submit', text: 'Save changes' });
  const form = el('form', { 'aria-label': 'Edit client', class: 'edit-form' },
    el('p', { class: 'meta', 'data-testid': 'card-version', text: `Version ${client.version}` }),
    el('div', { class: 'grid' }, Object.values(fields).map(f => f.wrapper)),
    save, message, conflict);
  if (ctx.conflictNote) say(message, ctx.conflictNote);

  form.addEventListener('submit', async event => {
    event.preventDefault();
    const body = { version: client.version, callUuid: ctx.callUuid ?? undefined };
    for (const [key, f] of Object.entries(fields)) body[key] = f.input.value.trim();
    save.disabled = true;
    conflict.replaceChildren();
    say(message, 'Saving…');
    try {
      const updated = await api('PATCH', `/api/clients/${seg(client.id)}`, body);
      ctx.actions.setClient(updated);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        say(message, '');
        const theirs = error.body?.current ?? null;
        // Only what this agent changed is kept: the other fields take their version when it is reloaded.
        const mine = Object.fromEntries(Object.entries(fields).filter(([k, f]) => f.input.value !== saved(k)).map(([k, f]) => [k, f.input.value]));
        conflict.replaceChildren(
          el('p', { text: 'Someone else changed this card while you were editing. Your changes are kept below; reload to see theirs, then save again.' }),
          el('button', {
            type: 'button', text: 'Reload their version',
            onclick: async () => {
              let fresh = theirs;
              if (!fresh) {
                try { fresh = await api('GET', `/api/clients/${seg(client.id)}`); } catch (e) { say(message, `Could not reload: ${e.message}`, 'error'); return; }
              }
              ctx.actions.setClient(fresh, { pendingEdit: mine, conflictNote: 'Their version is shown above; your changes are still in the form. Check them and save again.' });
            },
          }));
      } else {
        say(message, `Not saved: ${error.message}`, 'error');
      }
    } finally {
      save.disabled = false;
    }
  });

  const photoInput = field('Photo', { type: 'file', name: 'photo', accept: photoTypes.join(',') });
  const photoMessage = el('p', { role: 'status', class: 'form-msg' });
  const photoForm = el('form', { 'aria-label': 'Upload photo', class: 'mini-form' },
    photoInput.wrapper, el('button', { type: 'submit', text: 'Upload photo' }), photoMessage);
  photoForm.addEventListener('submit', async event => {
    event.preventDefault();
    const file = photoInput.input.files?.[0];
    if (!file) { say(photoMessage, 'Choose an image first.', 'error'); return; }
    if (!photoTypes.includes(file.type)) { say(photoMessage, 'The photo must be PNG, JPEG, WebP or GIF.', 'error'); return; }
    if (file.size > maxPhotoBytes) { say(photoMessage, `The photo is ${(file.size / 1048576).toFixed(1)} MB; at most 2 MB.`, 'error'); return; }
    say(photoMessage, 'Uploading…');
    try {
      const updated = await api('PUT', `/api/clients/${seg(client.id)}/photo`, file, { contentType: file.type });
      ctx.actions.setClient(updated);
    } catch (error) {
      say(photoMessage, `Not uploaded: ${error.message}`, 'error');
    }
  });

  return el('section', { 'aria-label': 'Edit the card', class: 'block edits' },
    el('h3', { text: 'Edit the card' }),
    form,
    el('div', { class: 'mini-forms' },
      appendForm('Add phone', [field('Phone', { name: 'phone', type: 'tel', required: true, autocomplete: 'off' })],
        values => api('POST', `/api/clients/${seg(client.id)}/phones`, { phone: values.phone, callUuid: ctx.callUuid }),
        updated => ctx.actions.setClient(updated)),
      photoForm));
}

function renderNewCaller(card, ctx) {
  const call = card.call ?? {};
  const box = el('div', { class: 'new-caller' },
    el('p', null, 'Calls from ', el('strong', { 'data-testid': 'caller-number', text: call.ani || '—' }), '. No client has this number.'));
  if (ctx.readOnly) return box;

  const create = appendForm('Create client', [
    field('Name', { name: 'name', required: true, autocomplete: 'off' }),
    field('Company', { name: 'company', autocomplete: 'off' }),
    field('Language', { name: 'language', autocomplete: 'off', value: card.campaign?.language ?? '' }),
  ], values => api('POST', `/api/calls/${seg(ctx.callUuid)}/client`, values), () => ctx.actions.reload());

  const results = el('ul', { class: 'results', 'aria-label': 'Search results' });
  const searchMessage = el('p', { role: 'status', class: 'form-msg' });
  const query = field('Search clients', { type: 'search', name: 'q', required: true, autocomplete: 'off', placeholder: 'name, company, phone or account' });
  const find = el('form', { 'aria-label': 'Find client', role: 'search', class: 'mini-form' },
    query.wrapper, el('button', { type: 'submit', text: 'Search' }), searchMessage, results);
  find.addEventListener('submit', async event => {
    event.preventDefault();
    const q = query.input.value.trim();
    if (!q) return;
    say(searchMessage, 'Searching…');
    try {
      const found = await api('GET', `/api/clients/search?q=${encodeURIComponent(q)}`);
      say(searchMessage, found.length ? `${found.length} found.` : 'No client found.');
      results.replaceChildren(...found.map(c => {
        const attach = el('button', { type: 'button', text: 'Attach this number', 'aria-label': `Attach this number to ${c.name}` });
        attach.addEventListener('click', async () => {
          attach.disabled = true;
          say(searchMessage, 'Attaching…');
          try {
            const full = await api('GET', `/api/clients/${seg(c.id)}`);
            await api('POST', `/api/calls/${seg(ctx.callUuid)}/attach`, { clientId: c.id, version: full.version });
            await ctx.actions.reload();
          } catch (error) {
            say(searchMessage, `Not attached: ${error.message}`, 'error');
            attach.disabled = false;
          }
        });
        return el('li', null,
          el('span', { class: 'result-name', text: c.name ?? '' }),
          el('span', { class: 'meta', text: [c.company, c.city, c.phoneHint].filter(Boolean).join(' · ') }),
          attach);
      }));
    } catch (error) {
      say(searchMessage, `Search failed: ${error.message}`, 'error');
    }
  });
  box.append(el('div', { class: 'mini-forms' }, create, find));
  return box;
}

function renderIvr(card) {
  const ivr = card.ivr ?? {};
  const call = card.call ?? {};
  const keyed = Object.entries(ivr.keyed ?? {});
  const campaign = card.campaign ?? {};
  return el('section', { 'aria-label': 'What the IVR did', class: 'block' },
    el('h3', { text: 'What the IVR did' }),
    dl([
      ['Campaign', [campaign.name, campaign.service].filter(Boolean).join(' — ') || ivr.flow || '—'],
      ['Dialed', call.dnis || campaign.dnis || '—'],
      ['Path', (ivr.path ?? []).length ? el('ol', { class: 'path' }, ivr.path.map(p => el('li', { text: p }))) : '—'],
      ['Keyed', keyed.length ? dl(keyed.map(([k, v]) => [k, String(v)]), { class: 'keyed' }) : '—'],
      ['Routing rule', ivr.routeRule || '—'],
      ['Routing reason', ivr.routeReason || '—'],
      ['Queue', call.queue || '—'],
      ['Waited', formatDuration(call.waitSeconds)],
    ], { class: 'ivr' }));
}

function renderCampaign(card) {
  const campaign = card.campaign;
  if (!campaign?.hints) return null;
  return el('section', { 'aria-label': 'Campaign card', class: 'block hints' },
    el('h3', { text: `Campaign card${campaign.name ? `: ${campaign.name}` : ''}` }),
    el('p', { class: 'pre', text: campaign.hints }));
}

function wrapUpSummary(wrapUp) {
  const label = dispositions.find(d => d.value === wrapUp.disposition)?.label ?? wrapUp.disposition;
  return el('p', { class: 'meta', 'data-testid': 'wrapup-saved' }, `Saved: ${label}`, wrapUp.note ? ` — ${wrapUp.note}` : '',
    ' (', el('time', { datetime: wrapUp.at ?? '', text: formatDateTime(wrapUp.at) }), ')');
}

function renderWrapUp(card, ctx) {
  const disposition = field('Disposition', { kind: 'select', name: 'disposition', options: dispositions, value: card.wrapUp?.disposition ?? 'resolved' });
  const note = field('Wrap-up note', { kind: 'textarea', name: 'note', rows: 2, value: card.wrapUp?.note ?? '' });
  const message = el('p', { role: 'status', class: 'form-msg' });
  const button = el('button', { type: 'submit', text: 'Save wrap-up' });
  const form = el('form', { 'aria-label': 'Wrap-up', class: 'mini-form' }, disposition.wrapper, note.wrapper, button, message);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    button.disabled = true;
    say(message, 'Saving…');
    try {
      await api('POST', `/api/calls/${seg(ctx.callUuid)}/wrapup`, { disposition: disposition.input.value, note: note.input.value.trim() });
      say(message, 'Wrap-up saved.', 'ok');
    } catch (error) {
      say(message, `Not saved: ${error.message}`, 'error');
    } finally {
      button.disabled = false;
    }
  });
  return el('section', { 'aria-label': 'Wrap-up', class: 'block wrapup' },
    el('h3', { text: 'Wrap-up' }), card.wrapUp ? wrapUpSummary(card.wrapUp) : null, form);
}
