// The statistics page (supervisors and admins): the live wallboard from the desk stream, the reports of
// GET /api/statistics/report with their charts, the outgoing campaigns' figures from GET /api/statistics/campaigns,
// and a flow's funnel from GET /api/statistics/funnel (docs/statistics.md). Charts are Chart.js 4.6.1, bundled in assets/vendor/chart.js (its UMD build sets
// window.Chart); every chart's figures are also in a table. The report's pickers (the period, the rows, the filter,
// the service level, the zone) are kept in the page's query once shown, so its address reproduces the view.
import { api, ApiError, getSession } from './api.js';
import { el, formatDuration, replaceChildren, say } from './dom.js';
import { mountChrome } from './chrome.js';
import { connectDesk, connectionText } from './stream.js';

const { Chart } = window;
const $ = id => document.getElementById(id);

const { user } = await getSession();
mountChrome(user);

// ---- the live wallboard ----------------------------------------------------------------------------------------

function setConnection(state) {
  const text = connectionText(state);
  const connection = $('connection');
  connection.textContent = text;
  connection.setAttribute('aria-label', text);
  connection.className = `connection conn-${state}`;
}

function secondsSince(iso) {
  const t = Date.parse(iso ?? '');
  return Number.isNaN(t) ? null : (Date.now() - t) / 1000;
}

/** The state's waiting entries ({where: "ivr"|"queue", queue, since}), calls ({agent, state}) and agents ({status, state}). */
function onState(state) {
  const waiting = state.waiting ?? [];
  const inIvr = waiting.filter(w => w.where !== 'queue');
  const queued = waiting.filter(w => w.where === 'queue');
  const withAgents = (state.calls ?? []).filter(c => c.state !== 'wrap-up');
  $('in-ivr').textContent = String(inIvr.length);
  $('waiting-total').textContent = String(queued.length);
  $('with-agents').textContent = String(withAgents.length);

  // Waiting per queue: how many, and since when the one who has waited longest.
  const queues = new Map();
  for (const w of queued) {
    const name = w.queue ?? '(unknown)';
    const entry = queues.get(name) ?? { waiting: 0, oldest: null };
    entry.waiting += 1;
    if (!entry.oldest || Date.parse(w.since) < Date.parse(entry.oldest)) entry.oldest = w.since;
    queues.set(name, entry);
  }
  const oldest = [...queues.values()].map(q => q.oldest).sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? null;
  const longest = $('longest-wait');
  longest.dataset.from = oldest ?? '';
  longest.textContent = oldest ? formatDuration(secondsSince(oldest)) : '—';
  const queueRows = [...queues.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  replaceChildren($('queues'), el('table', { 'aria-label': 'Waiting per queue' },
    el('caption', { text: 'Waiting per queue' }),
    el('thead', null, el('tr', null, ['Queue', 'Waiting', 'Longest wait'].map((h, i) => el('th', { scope: 'col', class: i ? 'num' : null, text: h })))),
    el('tbody', null, queueRows.length
      ? queueRows.map(([name, q]) => el('tr', null,
        el('th', { scope: 'row', text: name }),
        el('td', { class: 'num', text: String(q.waiting) }),
        el('td', { class: 'num elapsed', dataset: { from: q.oldest ?? '' }, text: formatDuration(secondsSince(q.oldest)) })))
      : el('tr', null, el('td', { colspan: 3, class: 'empty', text: 'Nobody is waiting.' })))));

  // Agents by mod_callcenter's status and state.
  const counts = new Map();
  for (const a of state.agents ?? []) {
    const key = `${a.status ?? '—'}\u0000${a.state ?? '—'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const agentRows = [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  replaceChildren($('agent-states'), el('table', { 'aria-label': 'Agents by state' },
    el('caption', { text: 'Agents by state' }),
    el('thead', null, el('tr', null, ['Status', 'State', 'Agents'].map((h, i) => el('th', { scope: 'col', class: i === 2 ? 'num' : null, text: h })))),
    el('tbody', null, agentRows.length
      ? agentRows.map(([key, n]) => {
        const [status, agentState] = key.split('\u0000');
        return el('tr', null, el('td', { text: status }), el('td', { text: agentState }), el('td', { class: 'num', text: String(n) }));
      })
      : el('tr', null, el('td', { colspan: 3, class: 'empty', text: 'No agents.' })))));
}

// The waits count up without a new event: only those texts change, once a second.
setInterval(() => {
  for (const node of document.querySelectorAll('#wallboard [data-from]')) {
    if (node.dataset.from) node.textContent = formatDuration(secondsSince(node.dataset.from));
  }
}, 1000);

connectDesk({ onState, onConnection: setConnection });

// ---- the pickers -----------------------------------------------------------------------------------------------

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const zoneInput = $('time-zone');
zoneInput.value = browserZone;
if (typeof Intl.supportedValuesOf === 'function') {
  replaceChildren($('time-zones'), Intl.supportedValuesOf('timeZone').map(z => el('option', { value: z })));
}

/** Today as yyyy-MM-dd in a zone (the browser's when the zone is not one it knows). */
function today(zone) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  } catch {
    return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  }
}
// A shown report's pickers are in the page's query (from, to, by, serviceLevel, timeZone, where): a link to it
// opens the same view. Values the page does not offer are left at their defaults.
const asked = new URLSearchParams(location.search);
const isDate = text => /^\d{4}-\d{2}-\d{2}$/.test(text ?? '');
/** Sets a select to a value it offers; false when it has no such option. */
function choose(select, value) {
  if (value === null || ![...select.options].some(o => o.value === value)) return false;
  select.value = value;
  return true;
}
$('from').value = isDate(asked.get('from')) ? asked.get('from') : today(browserZone);
$('to').value = isDate(asked.get('to')) ? asked.get('to') : today(browserZone);
if (asked.get('timeZone')) zoneInput.value = asked.get('timeZone');
choose($('by'), asked.get('by'));
choose($('service-level'), asked.get('serviceLevel'));

function period() {
  return { from: $('from').value, to: $('to').value, timeZone: zoneInput.value.trim() || browserZone };
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, value);
  return search.toString();
}

// ---- the filter -----------------------------------------------------------------------------------------------

// The dimensions a report can be filtered on: how a row key or a filter names them, and with which article.
const dimensionNames = {
  queue: 'queue', campaign: 'campaign', flow: 'flow', agent: 'agent', cti: 'CTI code', category: 'category', hour: 'hour of the day', day: 'day',
};
const none = '(none)';
const article = name => (/^[aeiou]/i.test(name) ? 'an' : 'a');

/** The filter as the API takes it (dimension=value), or '' for all calls. */
function where() {
  const dimension = $('where-dimension').value;
  return dimension ? `${dimension}=${$('where-value').value}` : '';
}

/** A filter in words: "of agent 1001@default", "without an agent". */
function filterWords(filter) {
  const at = filter.indexOf('=');
  const name = dimensionNames[filter.slice(0, at)] ?? filter.slice(0, at);
  const value = filter.slice(at + 1);
  return value === none ? `without ${article(name)} ${name}` : `of ${name} ${value}`;
}

let valuesAsked = 0;
/** Fills the filter's values with those the period has (the report by the filter's dimension: its row keys), keeping
 * <keep> selected even when the period does not have it (a link's filter). */
async function loadFilterValues(keep = $('where-value').value) {
  const dimension = $('where-dimension').value;
  const select = $('where-value');
  const asking = ++valuesAsked;
  if (!dimension) {
    replaceChildren(select);
    select.disabled = true;
    return;
  }
  const name = dimensionNames[dimension];
  select.disabled = true;
  replaceChildren(select, el('option', { value: '', text: 'Loading…' }));
  const p = period();
  try {
    const report = await api('GET', `/api/statistics/report?${query({ from: p.from, to: p.to, timeZone: p.timeZone, by: dimension })}`);
    if (asking !== valuesAsked) return;
    const keys = report.rows.map(r => r.key);
    if (keep && !keys.includes(keep)) keys.push(keep);
    if (!keys.length) {
      replaceChildren(select, el('option', { value: '', text: `No ${name} in this period` }));
      return;
    }
    replaceChildren(select, keys.map(key => el('option', { value: key, text: key === none ? `none (no ${name})` : key })));
    select.value = keep && keys.includes(keep) ? keep : keys[0];
    select.disabled = false;
  } catch (error) {
    if (asking !== valuesAsked) return;
    replaceChildren(select, el('option', { value: '', text: `No ${name} could be read` }));
    say($('report-error'), `The values of the filter could not be read: ${error instanceof ApiError ? error.message : error}`, 'error');
  }
}

$('where-dimension').addEventListener('change', () => loadFilterValues(''));
for (const id of ['from', 'to', 'time-zone']) {
  $(id).addEventListener('change', () => {
    if ($('where-dimension').value) loadFilterValues();
  });
}

const askedWhere = asked.get('where') ?? '';
const askedAt = askedWhere.indexOf('=');
if (askedAt > 0 && choose($('where-dimension'), askedWhere.slice(0, askedAt))) await loadFilterValues(askedWhere.slice(askedAt + 1));

// ---- charts ----------------------------------------------------------------------------------------------------

Chart.defaults.font.family = "'Noto Sans', 'Noto Sans Georgian', system-ui, sans-serif";
Chart.defaults.color = '#1f2933';
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

// Outcomes keep one colour everywhere; the legend and the tables carry the words.
const colours = {
  answered: '#166534', abandoned: '#b91c1c', overflowed: '#b45309', contained: '#0b5cad', ivrAbandoned: '#7c3aed',
  entered: '#0b5cad', wentOn: '#166534', left: '#0e7490', hungUp: '#b91c1c', ended: '#4b5563', timedOut: '#b45309', invalid: '#7c3aed',
  serviceLevel: '#166534',
  talk: '#0b5cad', wrapUp: '#b45309',
  resolved: '#166534', callback: '#0b5cad', escalated: '#b91c1c', 'no-action': '#4b5563', other: '#7c3aed', requests: '#0e7490',
};

/** Writes each stack's total above its bar (a bar chart's options.plugins.stackTotals: { suffix }), so the total is
 * read without adding the parts up. */
const stackTotals = {
  id: 'stackTotals',
  afterDatasetsDraw(chart, _args, options) {
    const tops = new Map();
    chart.data.datasets.forEach((dataset, i) => {
      if (!chart.isDatasetVisible(i)) return;
      chart.getDatasetMeta(i).data.forEach((bar, index) => {
        const value = Number(dataset.data[index]);
        if (!Number.isFinite(value)) return;
        const key = `${index}\u0000${dataset.stack ?? ''}`;
        const top = tops.get(key) ?? { x: bar.x, y: bar.y, total: 0 };
        top.total += value;
        top.y = Math.min(top.y, bar.y);
        tops.set(key, top);
      });
    });
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = Chart.defaults.color;
    ctx.font = `700 12px ${Chart.defaults.font.family}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    for (const top of tops.values()) {
      if (top.total > 0) ctx.fillText(`${figure(top.total)}${options.suffix ?? ''}`, top.x, top.y - 2);
    }
    ctx.restore();
  },
};

const charts = new Map();
/** Draws (or redraws) the chart of a canvas. */
function draw(canvasId, config) {
  charts.get(canvasId)?.destroy();
  charts.set(canvasId, new Chart($(canvasId), config));
}

// ---- the report ------------------------------------------------------------------------------------------------

const figureColumns = [
  ['calls', 'Calls'], ['ivrCalls', 'IVR calls'], ['contained', 'Contained'], ['containmentPercent', 'Containment %'],
  ['ivrAbandoned', 'Abandoned in IVR'], ['ivrFailed', 'Failed in IVR'], ['queued', 'Queued'], ['answered', 'Answered'],
  ['abandoned', 'Abandoned'], ['abandonPercent', 'Abandon %'], ['overflowed', 'Overflowed'], ['serviceLevelPercent', 'Service level %'],
  ['averageWaitSeconds', 'Avg wait s'], ['p90WaitSeconds', 'P90 wait s'], ['averageTalkSeconds', 'Avg talk s'],
  ['averageIvrSeconds', 'Avg in IVR s'], ['transfers', 'Transfers'], ['repeats', 'Repeats'],
  ['requests', 'Requests'], ['averageWrapUpSeconds', 'Avg wrap-up s'], ['averageHandleSeconds', 'Avg handle s'],
  ['wrapUps', 'Wrap-ups'], ['disposition.resolved', 'Resolved'], ['disposition.callback', 'Callback'], ['disposition.escalated', 'Escalated'],
  ['disposition.no-action', 'No action'], ['disposition.other', 'Other disposition'], ['resolvedPercent', 'Resolved %'],
  ['offers', 'Offers to agents'], ['offersMissed', 'Offers missed'], ['offersMissedPercent', 'Missed %'],
];

// The dispositions of a wrap-up, as the desk offers them.
const dispositions = [['resolved', 'Resolved'], ['callback', 'Callback'], ['escalated', 'Escalated'], ['no-action', 'No action'], ['other', 'Other disposition']];

/** A row's figures with its dispositions as figures of their own (disposition.resolved ...). */
function flat(figures) {
  const { dispositions: counts, ...rest } = figures ?? {};
  for (const [name, n] of Object.entries(counts ?? {})) rest[`disposition.${name}`] = n;
  return rest;
}

/** The report's columns: the known figures the engine sent, in their order, then any other figure it sent (named
 * from its JSON name), so a figure the engine adds is shown without a change here. */
function reportColumns(rows) {
  const sent = new Set(rows.flatMap(r => Object.keys(flat(r.figures))));
  if (!sent.size) return figureColumns.slice(0, 18);
  const known = figureColumns.filter(([name]) => sent.has(name));
  const names = new Set(figureColumns.map(([name]) => name));
  const others = [...sent].filter(name => !names.has(name))
    .map(name => [name, name.replace(/^disposition\./, 'Disposition ').replace(/([A-Z])/g, ' $1').replace(/^./, c => c.toUpperCase())]);
  return [...known, ...others];
}

function figure(value) {
  if (value === null || value === undefined) return '—';
  if (value === 'Infinity') return '>1200';
  const n = Number(value);
  if (Number.isNaN(n)) return String(value);
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function numericTable(label, keyHeader, rows, columns, attrs = {}) {
  return el('table', { 'aria-label': label, ...attrs },
    el('caption', { text: label }),
    el('thead', null, el('tr', null, [keyHeader, ...columns.map(c => c[1])].map((h, i) => el('th', { scope: 'col', class: i ? 'num' : null, text: h })))),
    el('tbody', null, rows.length
      ? rows.map(r => el('tr', null, el('th', { scope: 'row', text: r.key }), columns.map(([name]) => el('td', { class: 'num', text: figure(r.values[name]) }))))
      : el('tr', null, el('td', { colspan: columns.length + 1, class: 'empty', text: 'No calls in this period.' }))));
}

const hourlyOutcomes = [
  ['answered', 'Answered'], ['abandoned', 'Abandoned'], ['overflowed', 'Overflowed'], ['contained', 'Contained in IVR'], ['ivrAbandoned', 'Abandoned in IVR'],
];

function drawHourly(report) {
  const byHour = new Map(report.rows.map(r => [r.key, r.figures]));
  const hours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
  draw('hourly-chart', {
    type: 'bar',
    data: {
      labels: hours,
      datasets: hourlyOutcomes.map(([name, label]) => ({
        label, backgroundColor: colours[name], data: hours.map(h => byHour.get(h)?.[name] ?? 0),
      })),
    },
    options: {
      scales: { x: { stacked: true, title: { display: true, text: `Hour of the day (${report.timeZone})` } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Calls' } } },
    },
  });
  const rows = report.rows.map(r => ({ key: r.key, values: r.figures }));
  replaceChildren($('hourly-table'), numericTable('Calls per hour by outcome', 'Hour', rows, [['calls', 'Calls'], ...hourlyOutcomes]));
}

function drawServiceLevel(report) {
  const queues = report.rows.filter(r => r.figures.queued > 0 && r.key !== '(none)');
  draw('sl-chart', {
    type: 'bar',
    data: {
      labels: queues.map(r => r.key),
      datasets: [
        { label: `Service level % (answered within ${report.serviceLevelSeconds} s)`, backgroundColor: colours.serviceLevel, data: queues.map(r => r.figures.serviceLevelPercent ?? 0) },
        { label: 'Abandon %', backgroundColor: colours.abandoned, data: queues.map(r => r.figures.abandonPercent ?? 0) },
      ],
    },
    options: { scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: '%' } } } },
  });
  const rows = queues.map(r => ({ key: r.key, values: r.figures }));
  replaceChildren($('sl-table'), numericTable('Service level per queue', 'Queue', rows,
    [['queued', 'Queued'], ['answered', 'Answered'], ['abandoned', 'Abandoned'], ['serviceLevelPercent', `Service level % (${report.serviceLevelSeconds} s)`], ['abandonPercent', 'Abandon %']]));
}

/** The rows' name in a heading: "per queue", "per hour of the day", "in total". */
const per = by => (by === 'total' ? 'in total' : `per ${dimensionNames[by] ?? by}`);

function drawHandleTime(report) {
  // Answered calls only: the handle time is (talk + wrap-up seconds) ÷ answered, so the bar's two parts are the
  // average talk and the wrap-up seconds per answered call (an answered call without a wrap-up adds its talk alone).
  const rows = report.rows.filter(r => r.figures.answered > 0);
  const talk = rows.map(r => r.figures.averageTalkSeconds ?? 0);
  const wrapUp = rows.map((r, i) => Math.max(0, (r.figures.averageHandleSeconds ?? 0) - talk[i]));
  $('handle-heading').textContent = `Average handle time ${per(report.by)}`;
  $('handle-chart').setAttribute('aria-label',
    `Stacked bar chart: average handle time of the answered calls ${per(report.by)}, talk and wrap-up, in seconds; the same figures are in the table below it`);
  draw('handle-chart', {
    type: 'bar',
    data: {
      labels: rows.map(r => r.key),
      datasets: [
        { label: 'Talk', backgroundColor: colours.talk, data: talk },
        { label: 'Wrap-up (per answered call)', backgroundColor: colours.wrapUp, data: wrapUp },
      ],
    },
    options: {
      plugins: { stackTotals: { suffix: ' s' } },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, grace: '10%', title: { display: true, text: 'Seconds per answered call' } } },
    },
    plugins: [stackTotals],
  });
  replaceChildren($('handle-table'), numericTable(`Average handle time ${per(report.by)}`, dimensionNames[report.by] ?? report.by,
    rows.map(r => ({ key: r.key, values: r.figures })),
    [['answered', 'Answered'], ['averageTalkSeconds', 'Avg talk s'], ['wrapUps', 'Wrap-ups'], ['averageWrapUpSeconds', 'Avg wrap-up s'], ['averageHandleSeconds', 'Avg handle s']]));
}

function drawWrapUps(report) {
  const rows = report.rows.filter(r => r.figures.wrapUps > 0 || r.figures.requests > 0);
  $('wrap-ups-heading').textContent = `Wrap-ups by disposition and requests ${per(report.by)}`;
  $('wrap-ups-chart').setAttribute('aria-label',
    `Stacked bar chart: wrap-ups by disposition, and requests created, ${per(report.by)}; the same figures and the resolved percentage are in the table below it`);
  draw('wrap-ups-chart', {
    type: 'bar',
    data: {
      labels: rows.map(r => r.key),
      // Two bars per row: the wrap-ups, stacked by disposition (as many as wrap-ups), and the requests created.
      datasets: [
        ...dispositions.map(([name, label]) => ({ label, stack: 'wrap-ups', backgroundColor: colours[name], data: rows.map(r => r.figures.dispositions?.[name] ?? 0) })),
        { label: 'Requests', stack: 'requests', backgroundColor: colours.requests, data: rows.map(r => r.figures.requests ?? 0) },
      ],
    },
    options: {
      plugins: { stackTotals: {} },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, grace: '10%', ticks: { precision: 0 }, title: { display: true, text: 'Wrap-ups, requests' } } },
    },
    plugins: [stackTotals],
  });
  replaceChildren($('wrap-ups-table'), numericTable(`Wrap-ups by disposition and requests ${per(report.by)}`, dimensionNames[report.by] ?? report.by,
    rows.map(r => ({ key: r.key, values: flat(r.figures) })),
    [['wrapUps', 'Wrap-ups'], ...dispositions.map(([name, label]) => [`disposition.${name}`, label]), ['resolvedPercent', 'Resolved %'], ['requests', 'Requests']]));
}

/** The UTC days a report counted whole: "5 Dec 2026" or "5 Dec 2026 to 7 Dec 2026". */
function utcDays(report) {
  const day = t => new Date(t).toLocaleDateString('en-GB', { timeZone: 'UTC', dateStyle: 'medium' });
  const first = day(Date.parse(report.since));
  const last = day(Date.parse(report.until) - 1);
  return first === last ? first : `${first} to ${last}`;
}

/** Says, or hides, that a report filtered on one dimension and cut by another counts whole UTC days. */
function wholeDays(node, report, words) {
  node.hidden = !report.wholeDays;
  node.textContent = report.wholeDays ? words(utcDays(report)) : '';
}

function showReport(report) {
  const by = report.by;
  $('report-heading').textContent = `Report by ${by}`;
  const rows = report.rows.map(r => ({ key: r.key, values: flat(r.figures) }));
  replaceChildren($('report-table'), numericTable(`Report by ${by}`, by, rows, reportColumns(report.rows), { 'data-testid': 'report' }));
  const filtered = report.where ? report.where.slice(0, report.where.indexOf('=')) : '';
  wholeDays($('whole-days'), report, days =>
    `Whole days: filtered on ${dimensionNames[filtered] ?? filtered} and cut by ${dimensionNames[by] ?? by}, this table and the charts of handle time and `
    + `wrap-ups count the whole UTC days the period touches (${days}), not only its hours: two dimensions together are kept per day only.`);
}

const reportForm = $('report-form');
let lastPeriod = period();

async function loadReport() {
  const p = period();
  const by = $('by').value;
  const serviceLevel = $('service-level').value;
  const filter = where();
  if (filter && !$('where-value').value) {
    say($('report-error'), `There is no ${dimensionNames[$('where-dimension').value]} to filter on: the period has none, or they are still being read.`, 'error');
    return;
  }
  const base = { from: p.from, to: p.to, serviceLevel, timeZone: p.timeZone, where: filter };
  $('report-csv').href = `/api/statistics/report?${query({ ...base, by, format: 'csv' })}`;
  // Every table has its CSV: the charts' tables are the reports by hour and by queue, and the report itself.
  $('hourly-csv').href = `/api/statistics/report?${query({ ...base, by: 'hour', format: 'csv' })}`;
  $('sl-csv').href = `/api/statistics/report?${query({ ...base, by: 'queue', format: 'csv' })}`;
  for (const id of ['handle-csv', 'wrap-ups-csv']) {
    $(id).href = $('report-csv').href;
    $(id).textContent = `Download CSV (by ${dimensionNames[by] ?? by})`;
  }
  say($('report-error'), '');
  say($('report-message'), 'Loading…');
  const button = reportForm.querySelector('button');
  button.disabled = true;
  try {
    const get = (b, filtered = true) => api('GET', `/api/statistics/report?${query({ ...base, by: b, where: filtered ? filter : '' })}`);
    // The funnel's flows are those that ran in the period, whatever the filter.
    const [main, hourly, perQueue, perFlow] = await Promise.all([get(by), get('hour'), get('queue'), get('flow', false)]);
    lastPeriod = p;
    showReport(main);
    drawHourly(hourly);
    drawServiceLevel(perQueue);
    wholeDays($('sl-whole-days'), perQueue, days => `Whole days: with this filter, the queues' figures count the whole UTC days the period touches (${days}).`);
    drawHandleTime(main);
    drawWrapUps(main);
    replaceChildren($('flows'), perFlow.rows.filter(r => r.key !== '(none)').map(r => el('option', { value: r.key })));
    if (!$('flow').value) $('flow').value = perFlow.rows.find(r => r.key !== '(none)')?.key ?? '';
    const calls = hourly.rows.reduce((sum, r) => sum + r.figures.calls, 0);
    const since = new Date(main.since).toLocaleString('en-GB', { timeZone: main.timeZone, dateStyle: 'medium', timeStyle: 'short' });
    const until = new Date(main.until).toLocaleString('en-GB', { timeZone: main.timeZone, dateStyle: 'medium', timeStyle: 'short' });
    const of = main.where ? ` ${filterWords(main.where)}` : '';
    say($('report-message'), calls
      ? `${calls} ${calls === 1 ? 'call' : 'calls'}${of} from ${since} to ${until} (${main.timeZone}).`
      : `No calls${of} from ${since} to ${until} (${main.timeZone}).`);
  } catch (error) {
    say($('report-message'), '');
    say($('report-error'), error instanceof ApiError ? `The report could not be made: ${error.message}` : `The report could not be made: ${error}`, 'error');
  } finally {
    button.disabled = false;
  }
}

reportForm.addEventListener('submit', event => {
  event.preventDefault();
  // The view's address: a link to it shows the same report.
  const p = period();
  history.replaceState(null, '', `${location.pathname}?${query({
    from: p.from, to: p.to, by: $('by').value, where: where(), serviceLevel: $('service-level').value, timeZone: p.timeZone,
  })}`);
  loadReport();
  loadCampaigns();
});

// ---- the outgoing campaigns --------------------------------------------------------------------------------------

// The campaign table's figures: [JSON name of the totals, heading]. Contacts but for attempts (calls).
const campaignColumns = [
  ['contacts', 'Contacts'], ['dialed', 'Dialed'], ['attempts', 'Attempts'], ['answered', 'Answered'], ['answerPercent', 'Answer %'],
  ['completed', 'Completed'], ['transferred', 'Transferred'], ['optedOut', 'Opted out'],
  ['busy', 'Busy'], ['noAnswer', 'No answer'], ['failed', 'Failed'], ['doNotCall', 'Do not call'], ['pending', 'Pending'],
];

async function loadCampaigns() {
  say($('campaigns-error'), '');
  try {
    const { campaigns } = await api('GET', '/api/statistics/campaigns');
    replaceChildren($('campaigns-table'), el('table', { 'aria-label': 'Outgoing campaigns', 'data-testid': 'campaigns-figures' },
      el('caption', { text: 'Outgoing campaigns, since each was made' }),
      el('thead', null, el('tr', null,
        el('th', { scope: 'col', text: 'Campaign' }), el('th', { scope: 'col', text: 'State' }),
        campaignColumns.map(([, h]) => el('th', { scope: 'col', class: 'num', text: h })),
        el('th', { scope: 'col', text: 'Results' }))),
      el('tbody', null, campaigns.length
        ? campaigns.map(c => el('tr', { dataset: { campaign: c.id } },
          el('th', { scope: 'row', text: c.name && c.name !== c.id ? `${c.name} (${c.id})` : c.id }),
          el('td', { text: c.state }),
          campaignColumns.map(([name]) => el('td', { class: 'num', text: figure(c.totals[name]) })),
          el('td', null, el('a', {
            class: 'csv-link', href: `/api/statistics/campaigns/${encodeURIComponent(c.id)}/results`, text: 'CSV per contact',
            'aria-label': `CSV per contact of ${c.name || c.id}`, 'data-testid': 'campaign-results-csv',
          }))))
        : el('tr', null, el('td', { colspan: campaignColumns.length + 3, class: 'empty', text: 'No outgoing campaigns.' })))));
    const dialed = campaigns.reduce((sum, c) => sum + c.totals.dialed, 0);
    say($('campaigns-message'), campaigns.length
      ? `${campaigns.length} ${campaigns.length === 1 ? 'campaign' : 'campaigns'}, ${dialed} ${dialed === 1 ? 'contact' : 'contacts'} dialed.`
      : 'No outgoing campaigns.');
  } catch (error) {
    say($('campaigns-message'), '');
    say($('campaigns-error'), `The campaigns could not be read: ${error instanceof ApiError ? error.message : error}`, 'error');
  }
}

// ---- the funnel ------------------------------------------------------------------------------------------------

const funnelForm = $('funnel-form');

async function loadFunnel() {
  const flow = $('flow').value.trim();
  if (!flow) return;
  const p = lastPeriod;
  const params = { flow, from: p.from, to: p.to, timeZone: p.timeZone };
  say($('funnel-error'), '');
  say($('funnel-message'), 'Loading…');
  try {
    const funnel = await api('GET', `/api/statistics/funnel?${query(params)}`);
    $('funnel-csv').href = `/api/statistics/funnel?${query({ ...params, format: 'csv' })}`;
    const steps = funnel.steps ?? [];
    if (!steps.length) {
      $('funnel-result').hidden = true;
      say($('funnel-message'), `No caller went through the flow ${flow} in this period.`);
      return;
    }
    $('funnel-result').hidden = false;
    $('funnel-chart-heading').textContent = `Callers per step of ${flow}`;
    $('funnel-table-heading').textContent = `Steps of ${flow}`;
    // Room for each step's group of bars: the canvas follows its box.
    $('funnel-box').style.height = `${Math.max(240, 90 + steps.length * 60)}px`;
    // Per step three bars: the callers who entered; what they did there (went on, left for a queue or agent, hung
    // up, the flow ended the call), which adds up to those who entered; and the inputs that failed at least once.
    const series = [
      ['entered', 'Entered', 'entered'],
      ['wentOn', 'Went on', 'outcome'], ['left', 'Left (transferred)', 'outcome'], ['hungUp', 'Hung up', 'outcome'], ['ended', 'Ended by the flow', 'outcome'],
      ['timedOut', 'Timed out', 'input'], ['invalid', 'Invalid entry', 'input'],
    ];
    draw('funnel-chart', {
      type: 'bar',
      data: {
        labels: steps.map(s => s.step),
        datasets: series.map(([name, label, stack]) => ({ label, stack, backgroundColor: colours[name], data: steps.map(s => s[name]) })),
      },
      options: {
        indexAxis: 'y',
        scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Callers' } }, y: { stacked: true } },
      },
    });
    const leftTo = s => Object.entries(s.leftTo ?? {}).map(([to, n]) => `${to} ${n}`).join('; ') || '—';
    replaceChildren($('funnel-table'), el('table', { 'aria-label': `Funnel of ${flow}`, 'data-testid': 'funnel-table' },
      el('caption', { text: `Funnel of ${flow}` }),
      el('thead', null, el('tr', null, ['Step', 'Entered', 'Went on', 'Timed out', 'Invalid', 'Hung up', 'Ended', 'Left', 'Left to']
        .map((h, i) => el('th', { scope: 'col', class: i > 0 && i < 8 ? 'num' : null, text: h })))),
      el('tbody', null, steps.map(s => el('tr', null,
        el('th', { scope: 'row', text: s.step }),
        ['entered', 'wentOn', 'timedOut', 'invalid', 'hungUp', 'ended', 'left'].map(name => el('td', { class: 'num', text: String(s[name]) })),
        el('td', { text: leftTo(s) }))))));
    const first = steps[0].entered;
    say($('funnel-message'), `${flow}: ${first} ${first === 1 ? 'caller' : 'callers'} at its first step, ${steps.length} steps.`);
  } catch (error) {
    $('funnel-result').hidden = true;
    say($('funnel-message'), '');
    say($('funnel-error'), error instanceof ApiError ? `The funnel could not be made: ${error.message}` : `The funnel could not be made: ${error}`, 'error');
  }
}

funnelForm.addEventListener('submit', event => {
  event.preventDefault();
  loadFunnel();
});

await Promise.all([loadReport(), loadCampaigns()]);
if ($('flow').value) await loadFunnel();
