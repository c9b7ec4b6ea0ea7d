// Building the DOM without innerHTML: every string from the server or a caller becomes a text node or an attribute
// value, so a client named "<img src=x onerror=alert(1)>" is shown as those characters and never runs.

/**
 * Creates an element. attrs: plain attributes (setAttribute), except
 *   class -> className, text -> textContent, on* functions -> addEventListener, dataset object, hidden/checked/
 *   disabled/selected/value as properties; null/undefined/false values are skipped.
 * children: strings/numbers (text nodes), nodes, arrays of those, null (skipped).
 */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = String(value);
      else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key === 'value' || key === 'checked' || key === 'selected' || key === 'hidden' || key === 'disabled') node[key] = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces a node's children. */
export function replaceChildren(node, ...children) {
  const fragment = document.createDocumentFragment();
  append(fragment, children);
  node.replaceChildren(fragment);
}

let nextId = 0;
/** A unique id for label/for pairs. */
export function uid(prefix = 'f') {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** A labelled form field: returns { wrapper, input }. kind: 'input' (default), 'select', 'textarea'. */
export function field(label, { kind = 'input', options = [], ...attrs } = {}) {
  const id = uid();
  let input;
  if (kind === 'select') {
    input = el('select', { id, ...attrs },
      options.map(o => (typeof o === 'string' ? el('option', { value: o, text: o }) : el('option', { value: o.value, text: o.label }))));
    if (attrs.value !== undefined) input.value = attrs.value;
  } else {
    input = el(kind, { id, ...attrs });
  }
  const wrapper = el('div', { class: 'field' }, el('label', { for: id, text: label }), input);
  return { wrapper, input };
}

/** A definition list from [term, description] pairs (description: string or node; null pairs are skipped). */
export function dl(pairs, attrs) {
  return el('dl', attrs, pairs.filter(Boolean).map(([term, desc]) => [el('dt', { text: term }), el('dd', null, desc ?? '—')]));
}

/** A table with a caption, column headers and rows (arrays of cells: strings or nodes). */
export function table(caption, headers, rows, attrs) {
  return el('table', attrs,
    el('caption', { text: caption }),
    el('thead', null, el('tr', null, headers.map(h => el('th', { scope: 'col', text: h })))),
    el('tbody', null, rows.length
      ? rows.map(r => el('tr', null, r.map(c => el('td', null, c ?? '—'))))
      : el('tr', null, el('td', { colspan: headers.length, class: 'empty', text: 'None' }))));
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/** "4 Dec 2026, 20:39" from an ISO string; '—' when empty or not a date. */
export function formatDateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dateTime.format(d);
}

/** "1:05" / "1:02:03" from seconds. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(Number(seconds))) return '—';
  const s = Math.max(0, Math.round(Number(seconds)));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** 1234.5 -> "1,234.50"; '—' when not a number. */
export function formatMoney(value) {
  if (value === null || value === undefined || value === '') return '—';
  const n = Number(value);
  return Number.isNaN(n) ? String(value) : money.format(n);
}

/** Shows a message in a live region (role status or alert); kind: 'ok' | 'error' | ''. */
export function say(region, text, kind = '') {
  region.textContent = text ?? '';
  region.classList.toggle('msg-error', kind === 'error');
  region.classList.toggle('msg-ok', kind === 'ok');
}
