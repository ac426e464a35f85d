// The Runs page (runs.html): reads GET /api/runs a page at a time (newest first; "older runs"
// asks for the next page with `before`), renders a row per run and links its stored report.
// A session without a run store, or a failed request, shows the server's reason.
// `window.__runs` counts what tests look for.
const PAGE = 50;
const stats = { pages: 0, runs: 0, error: null };
window.__runs = stats;

const $ = (id) => document.getElementById(id);
const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);
const num = (x) => (x === null || x === undefined ? '—' : x.toFixed(2));
const when = (iso) => (iso ? iso.replace('T', ' ').slice(0, 19) : '—');
const day = (iso) => (iso ? iso.slice(0, 10) : '?');
const signClass = (x) => (x > 0 ? 'up' : x < 0 ? 'down' : '');

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function link(href, text) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}

function row(run) {
  const tr = document.createElement('tr');
  tr.dataset.runId = run.id;
  const f = run.figures;
  const report = document.createElement('td');
  report.className = 'links';
  report.append(link(`/runs/${encodeURIComponent(run.id)}/report.html`, 'report'));
  for (const file of run.files.filter((x) => x.name.endsWith('.csv'))) report.append(' ', link(`/runs/${encodeURIComponent(run.id)}/${file.name}`, file.name.replace('.csv', '')));
  tr.append(
    cell(when(run.time)),
    cell(run.strategies.join(', ') || '—'),
    cell(run.instruments.join(', ')),
    cell(`${day(run.period.start)} .. ${day(run.period.end)}`),
    cell(pct(f.totalReturn), signClass(f.totalReturn)),
    cell(num(f.sharpe)),
    cell(pct(f.maxDrawdown)),
    cell(String(f.trades)),
    report,
  );
  tr.title = `${run.id}${run.interrupted ? ' (interrupted)' : ''}\n${run.command.join(' ')}\nsources: ${run.sources.join(', ')}\nconfig sha256 ${run.configHash}`;
  return tr;
}

let before = null;

async function loadPage() {
  const status = $('store-status');
  const query = new URLSearchParams({ limit: String(PAGE), ...(before ? { before } : {}) });
  let page;
  try {
    const response = await fetch(`/api/runs?${query}`);
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
    page = body;
  } catch (error) {
    stats.error = error.message;
    status.textContent = 'no runs';
    status.className = 'connection disconnected';
    $('runs').tBodies[0].replaceChildren(Object.assign(document.createElement('tr'), { innerHTML: '<td colspan="9"></td>' }));
    $('runs').tBodies[0].rows[0].cells[0].textContent = error.message;
    return;
  }
  const body = $('runs').tBodies[0];
  if (stats.pages === 0) body.replaceChildren();
  body.append(...page.runs.map(row));
  stats.pages += 1;
  stats.runs += page.runs.length;
  if (stats.runs === 0) body.append(Object.assign(document.createElement('tr'), { innerHTML: '<td colspan="9">no runs yet: <code>quantflow backtest --out DIR</code> records each run here</td>' }));
  before = page.next;
  $('older').hidden = page.next === null;
  status.textContent = `${stats.runs} run${stats.runs === 1 ? '' : 's'}`;
  status.className = 'connection connected';
}

$('older').onclick = () => void loadPage();
void loadPage();
