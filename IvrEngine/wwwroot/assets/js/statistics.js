// The statistics page (supervisors and admins): the live wallboard from the desk stream, the reports of
// GET /api/statistics/report with their charts, and a flow's funnel from GET /api/statistics/funnel
// (docs/statistics.md). Charts are Chart.js 4.6.1, bundled in assets/vendor/chart.js (its UMD build sets
// window.Chart); every chart's figures are also in a table.
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
$('from').value = today(browserZone);
$('to').value = today(browserZone);

function period() {
  return { from: $('from').value, to: $('to').value, timeZone: zoneInput.value.trim() || browserZone };
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, value);
  return search.toString();
}

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
];

/** The report's columns: the known figures the engine sent, in their order, then any other figure it sent (named
 * from its JSON name), so a figure the engine adds is shown without a change here. */
function reportColumns(rows) {
  const sent = new Set(rows.flatMap(r => Object.keys(r.figures ?? {})));
  if (!sent.size) return figureColumns.slice(0, 18);
  const known = figureColumns.filter(([name]) => sent.has(name));
  const names = new Set(figureColumns.map(([name]) => name));
  const others = [...sent].filter(name => !names.has(name))
    .map(name => [name, name.replace(/([A-Z])/g, ' $1').replace(/^./, c => c.toUpperCase())]);
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

function showReport(report) {
  const by = report.by;
  $('report-heading').textContent = `Report by ${by}`;
  const rows = report.rows.map(r => ({ key: r.key, values: r.figures }));
  replaceChildren($('report-table'), numericTable(`Report by ${by}`, by, rows, reportColumns(report.rows), { 'data-testid': 'report' }));
}

const reportForm = $('report-form');
let lastPeriod = period();

async function loadReport() {
  const p = period();
  const by = $('by').value;
  const serviceLevel = $('service-level').value;
  const base = { from: p.from, to: p.to, serviceLevel, timeZone: p.timeZone };
  $('report-csv').href = `/api/statistics/report?${query({ ...base, by, format: 'csv' })}`;
  // Every table has its CSV: the charts' tables are the reports by hour and by queue.
  $('hourly-csv').href = `/api/statistics/report?${query({ ...base, by: 'hour', format: 'csv' })}`;
  $('sl-csv').href = `/api/statistics/report?${query({ ...base, by: 'queue', format: 'csv' })}`;
  say($('report-error'), '');
  say($('report-message'), 'Loading…');
  const button = reportForm.querySelector('button');
  button.disabled = true;
  try {
    const get = b => api('GET', `/api/statistics/report?${query({ ...base, by: b })}`);
    const [main, hourly, perQueue, perFlow] = await Promise.all([get(by), get('hour'), get('queue'), get('flow')]);
    lastPeriod = p;
    showReport(main);
    drawHourly(hourly);
    drawServiceLevel(perQueue);
    replaceChildren($('flows'), perFlow.rows.filter(r => r.key !== '(none)').map(r => el('option', { value: r.key })));
    if (!$('flow').value) $('flow').value = perFlow.rows.find(r => r.key !== '(none)')?.key ?? '';
    const calls = hourly.rows.reduce((sum, r) => sum + r.figures.calls, 0);
    const since = new Date(main.since).toLocaleString('en-GB', { timeZone: main.timeZone, dateStyle: 'medium', timeStyle: 'short' });
    const until = new Date(main.until).toLocaleString('en-GB', { timeZone: main.timeZone, dateStyle: 'medium', timeStyle: 'short' });
    say($('report-message'), calls
      ? `${calls} ${calls === 1 ? 'call' : 'calls'} from ${since} to ${until} (${main.timeZone}).`
      : `No calls from ${since} to ${until} (${main.timeZone}).`);
  } catch (error) {
    say($('report-message'), '');
    say($('report-error'), error instanceof ApiError ? `The report could not be made: ${error.message}` : `The report could not be made: ${error}`, 'error');
  } finally {
    button.disabled = false;
  }
}

reportForm.addEventListener('submit', event => {
  event.preventDefault();
  loadReport();
});

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

await loadReport();
if ($('flow').value) await loadFunnel();
