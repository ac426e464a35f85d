// The Signals page (signals.html): subscribes to the `signals` topic over the page's own host and
// renders each frame whole (every delta carries each instrument's last decision). Per instrument
// a card: the five experts in EXPERT_NAMES order with their contribution to the fused signal
// (weight * confidence * score / the sum of weight * confidence over the present experts, so the
// contributions add up to the fused signal), the decision's figures, and a lightweight-charts
// line of the fused signal at each decision's bar close (x = engine time; only the decisions
// this page saw: a coalesced frame skips some). While the kill switch is tripped the core holds
// every target at 0 and sets STATUS_HALTED in the decision's status (wasm/assembly/pipeline/
// order-stage.ts): such a card says so instead of "none needed"; a decision made before the trip
// whose target happened to be 0 has the bit clear and reads as it is. It follows `risk` for the
// trip's reason and whether it has been reset since. A fusion decision without regime
// probabilities says whether its strategy has no regime model or the model's filter has seen no
// bar yet (STATUS_REGIME_MODEL). Decoding, reconnects and re-subscription:
// topic-page.js. `window.__signals` holds what each card shows, as numbers, for tests.
import { EXPERT_NAMES } from '/dist/engine/client/protocol.js';
import { $, element, followTopic } from './topic-page.js';

const EXPERT_LABELS = { trend: 'trend', meanReversion: 'mean reversion', breakout: 'breakout', ml: 'ML (quantiles)', sentiment: 'sentiment' };
const REGIME_LABELS = ['trending', 'mean-reverting', 'choppy'];
const FIT_POINTS = 3000;
/** SignalView.status bit: the decision had regime probabilities (engine/decision/decision-layout.ts STATUS_REGIME). */
const STATUS_REGIME = 1;
/** SignalView.status bit: the kill switch was tripped and the core zeroed the decision's target (STATUS_HALTED). */
const STATUS_HALTED = 1 << 18;
/** SignalView.status bit: the instrument's regime filter has a model (STATUS_REGIME_MODEL; without STATUS_REGIME: it has seen no bar yet). */
const STATUS_REGIME_MODEL = 1 << 19;

const stats = { connected: false, frames: 0, instruments: {}, killSwitchTripped: false };
/** The last risk view (null before one arrived): the trip's reason, and whether it was reset since. */
let risk = null;
window.__signals = stats;

const signed = (x) => (Number.isFinite(x) ? `${x > 0 ? '+' : ''}${x.toFixed(4)}` : '—');
const fixed = (x) => (Number.isFinite(x) ? x.toFixed(4) : '—');
const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—');
const money = (x) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : '—');
const quantity = (x) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: 6 }) : '—');
const timeOf = (ns) => (ns > 0n ? new Date(Number(ns / 1_000_000n)).toISOString().replace('T', ' ').slice(0, 16) : '—');
const signClass = (x) => (x > 0 ? 'up' : x < 0 ? 'down' : '');

/** Each expert's share of the fused signal: w * c * s / sum(w * c) over the present ones (null when absent). */
function contributions(experts) {
  let den = 0;
  for (const e of experts) if (e.present) den += e.weight * e.confidence;
  return experts.map((e) => (e.present ? (den > 0 ? e.weight * e.confidence * e.score / den : 0) : null));
}

/** The core zeroed this decision's target because the kill switch was tripped (the decision's own status says so). */
const haltedTarget = (s) => (s.status & STATUS_HALTED) !== 0;

/** The order the decision's target implied, or why there was none. */
function orderOutcome(s) {
  if (s.orderReason < 0 && haltedTarget(s)) {
    if (risk !== null && !risk.killSwitchTripped) return 'none: the kill switch was tripped when this was decided (the core held the target at 0); it has been reset since';
    const reason = risk?.killSwitchReason ? ` (${risk.killSwitchReason})` : '';
    return `none: the kill switch is tripped${reason}, the core holds every target at 0 until it is reset`;
  }
  if (s.orderReason < 0) return 'none needed (target within the no-trade band, or already held)';
  if (s.orderReason === 0) return `sent ${quantity(s.orderQuantity)}${s.orderLimit !== 0 ? ` (cut to fit risk limit #${s.orderLimit})` : ''}`;
  if (s.orderReasonName === 'STRATEGY_PAUSED') return 'held: the strategy is paused (its target may only reduce the position)';
  return `denied: ${s.orderReasonName}${s.orderLimit !== 0 && s.orderLimit !== s.orderReason ? ` (limit #${s.orderLimit})` : ''}`;
}

// ---- one card per instrument -----------------------------------------------------------------
const cards = new Map();

function field(dl, name, label) {
  const dd = element('dd');
  dd.dataset.field = name;
  dl.append(element('dt', '', label), dd);
  return dd;
}

function createCard(s) {
  $('waiting')?.remove();
  const section = element('section', 'card wide signal-card');
  section.dataset.instrument = String(s.instrumentId);
  section.dataset.symbol = s.symbol;
  const title = element('h2', '', `${s.symbol || `#${s.instrumentId}`} `);
  const when = element('span', 'decision-time');
  title.append(when);
  const table = element('table', 'experts');
  table.innerHTML = '<thead><tr><th>expert</th><th>score</th><th>confidence</th><th>blended weight</th><th>contribution</th></tr></thead><tbody></tbody><tfoot></tfoot>';
  const rows = new Map();
  for (const name of EXPERT_NAMES) {
    const tr = element('tr');
    tr.dataset.expert = name;
    tr.append(element('td', '', EXPERT_LABELS[name] ?? name));
    for (const key of ['score', 'confidence', 'weight', 'contribution']) {
      const td = element('td');
      td.dataset.field = key;
      tr.append(td);
    }
    table.tBodies[0].append(tr);
    rows.set(name, tr);
  }
  const fusedRow = element('tr', 'fused');
  const fusedCells = ['fused signal', '', '', '', ''].map((text) => element('td', '', text));
  fusedCells[1].dataset.field = 'fused-score';
  fusedCells[2].dataset.field = 'fused-confidence';
  fusedCells[4].dataset.field = 'contribution-sum';
  fusedRow.append(...fusedCells);
  table.tFoot.append(fusedRow);
  const dl = element('dl', 'decision');
  const fields = {
    score: field(dl, 'score', 'fused signal'),
    confidence: field(dl, 'confidence', 'confidence'),
    ...Object.fromEntries(REGIME_LABELS.map((label, k) => [`regime${k}`, field(dl, `regime-${k}`, `P(${label})`)])),
    choppyScale: field(dl, 'choppy-scale', 'choppy scale'),
    direction: field(dl, 'direction', 'direction'),
    targetExposure: field(dl, 'target-exposure', 'target exposure'),
    targetQuantity: field(dl, 'target-quantity', 'target quantity'),
    price: field(dl, 'price', 'price'),
    order: field(dl, 'order', 'order'),
  };
  const note = element('p', 'signal-note');
  const grid = element('div', 'signal-grid');
  grid.append(table, dl);
  const chartBox = element('div', 'chart signal-chart');
  section.append(title, grid, note, chartBox);
  $('instruments').append(section);
  const chart = LightweightCharts.createChart(chartBox, {
    autoSize: true,
    layout: { background: { color: '#1a2029' }, textColor: '#d8dee9' },
    grid: { vertLines: { color: '#242b36' }, horzLines: { color: '#242b36' } },
    timeScale: { timeVisible: true, secondsVisible: false },
    rightPriceScale: { borderColor: '#2c3440' },
  });
  const series = chart.addSeries(LightweightCharts.LineSeries, { color: '#f6c343', lineWidth: 2, priceFormat: { type: 'price', precision: 3, minMove: 0.001 } });
  series.createPriceLine({ price: 0, color: '#8a94a6', lineWidth: 1, lineStyle: LightweightCharts.LineStyle.Dashed, axisLabelVisible: false });
  const card = { section, when, rows, fusedCells, fields, note, chart, series, lastTime: 0, lastTimeNs: -1n, last: null };
  cards.set(s.instrumentId, card);
  return card;
}

function setText(el, text, className = '') {
  el.textContent = text;
  el.className = className;
}

function renderSignal(s) {
  const card = cards.get(s.instrumentId) ?? createCard(s);
  card.last = s;
  card.when.textContent = `decision at bar close ${timeOf(s.timeNs)} UTC · ${s.strategy}`;
  const parts = contributions(s.experts);
  EXPERT_NAMES.forEach((name, k) => {
    const e = s.experts[k];
    const cells = card.rows.get(name).cells;
    card.rows.get(name).className = e?.present ? '' : 'absent-expert';
    setText(cells[1], e?.present ? signed(e.score) : '—', e?.present ? signClass(e.score) : '');
    setText(cells[2], e?.present ? fixed(e.confidence) : '—');
    setText(cells[3], e ? fixed(e.weight) : '—');
    setText(cells[4], parts[k] === null || parts[k] === undefined ? '—' : signed(parts[k]), parts[k] ? signClass(parts[k]) : '');
  });
  const sum = parts.reduce((acc, x) => acc + (x ?? 0), 0);
  setText(card.fusedCells[1], signed(s.score), signClass(s.score));
  setText(card.fusedCells[2], fixed(s.confidence));
  setText(card.fusedCells[4], signed(sum), signClass(sum));
  const f = card.fields;
  setText(f.score, signed(s.score), signClass(s.score));
  setText(f.confidence, fixed(s.confidence));
  // Without them (no regime model, or its filter has seen no bar) the core leaves the three at 0;
  // STATUS_REGIME_MODEL says which of the two.
  const regime = (s.status & STATUS_REGIME) !== 0;
  const regimeModel = (s.status & STATUS_REGIME_MODEL) !== 0;
  REGIME_LABELS.forEach((_, k) => setText(f[`regime${k}`], regime ? pct(s.regimeProbabilities[k]) : '—'));
  setText(f.choppyScale, fixed(s.choppyScale));
  setText(f.direction, signed(s.direction), signClass(s.direction));
  const halted = haltedTarget(s) ? ' (kill switch)' : '';
  setText(f.targetExposure, `${pct(s.targetExposure)}${halted}`, signClass(s.targetExposure));
  setText(f.targetQuantity, `${quantity(s.targetQuantity)}${halted}`, signClass(s.targetQuantity));
  setText(f.price, money(s.price));
  setText(f.order, orderOutcome(s), s.orderReason > 0 ? 'down' : '');
  card.note.textContent = !s.fusion ? 'a rules strategy decides this instrument: no expert fusion'
    : regime ? '' : regimeModel ? 'no regime probabilities yet: the regime filter has seen no bar (its features are warming up)'
    : 'no regime probabilities: this strategy has no regime model';
  // The fused signal line: one point per decision (bar close), never back in time (a re-subscribe's snapshot repeats the last).
  const time = Number(s.timeNs / 1_000_000_000n);
  if (s.timeNs !== card.lastTimeNs && time > 0 && time >= card.lastTime) {
    card.series.update({ time, value: s.score });
    card.lastTime = time;
    card.lastTimeNs = s.timeNs;
    if (card.series.data().length <= FIT_POINTS) card.chart.timeScale().fitContent();
  }
  stats.instruments[s.symbol || `#${s.instrumentId}`] = {
    instrumentId: s.instrumentId,
    timeNs: s.timeNs.toString(),
    points: card.series.data().length,
    shown: {
      score: s.score, confidence: s.confidence, regimeProbabilities: [...s.regimeProbabilities], status: s.status, choppyScale: s.choppyScale, direction: s.direction,
      targetExposure: s.targetExposure, targetQuantity: s.targetQuantity, price: s.price, orderReason: s.orderReason, orderReasonName: s.orderReasonName,
      orderQuantity: s.orderQuantity, experts: s.experts.map((e) => ({ ...e })), contributions: parts,
    },
  };
}

function render(view, topic) {
  if (topic === 'risk') {
    const changed = view.killSwitchTripped !== risk?.killSwitchTripped || view.killSwitchReason !== risk?.killSwitchReason;
    risk = view;
    stats.killSwitchTripped = view.killSwitchTripped;
    // The cards' last decisions read differently with the kill switch tripped or reset.
    if (changed) for (const card of cards.values()) if (card.last) renderSignal(card.last);
    return;
  }
  stats.frames += 1;
  for (const s of view.signals) renderSignal(s);
}

/** A restarted server is a new session: its decisions start again at its data's start, so the old cards (and charts) go. */
function forgetSession() {
  for (const card of cards.values()) {
    card.chart.remove();
    card.section.remove();
  }
  cards.clear();
  stats.instruments = {};
  risk = null;
  stats.killSwitchTripped = false;
}

followTopic(['signals', 'risk'], stats, render, { onNewServer: forgetSession });
