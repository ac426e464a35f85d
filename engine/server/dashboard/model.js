// The Model page (model.html): subscribes to the `models` topic over the page's own host and
// renders each frame whole (the topic's deltas carry the whole payload). Decoding, reconnects and
// re-subscription: topic-page.js.
import { $, element, followTopic } from './topic-page.js';

const stats = { connected: false, empty: false, frames: 0, state: null, predictions: 0, features: 0, calibration: 0, alerts: 0 };
window.__model = stats;

const fixed = (x, digits) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits));
const pct = (x) => (Number.isNaN(x) ? '—' : `${(x * 100).toFixed(1)}%`);
const timeOf = (ns) => (ns > 0n ? new Date(Number(ns / 1_000_000n)).toISOString().replace('T', ' ').slice(0, 19) : '—');
const count = (x) => Number(x).toLocaleString('en-US');

function row(cells) {
  const tr = document.createElement('tr');
  for (const [text, className] of cells) tr.append(element('td', className, text));
  return tr;
}

/** A horizontal bar: value on a 0..scale axis, with a marker at `mark` (threshold or nominal). */
function bar(label, value, scale, mark, alerting, text) {
  const wrap = element('div', `bar-row${alerting ? ' alerting' : ''}`);
  wrap.append(element('span', 'bar-label', label));
  const track = element('div', 'bar-track');
  const fill = element('div', 'bar-fill');
  fill.style.width = `${Math.min(100, Math.max(0, (Number.isNaN(value) ? 0 : value) / scale * 100))}%`;
  const marker = element('div', 'bar-mark');
  marker.style.left = `${Math.min(100, mark / scale * 100)}%`;
  track.append(fill, marker);
  wrap.append(track, element('span', 'bar-value', text));
  return wrap;
}

function render(m) {
  stats.frames += 1;
  stats.empty = false;
  stats.state = m.state;
  stats.predictions = Number(m.counters.predictions);
  stats.features = m.features.length;
  stats.calibration = m.calibration.length;
  stats.alerts = m.recentAlerts.length;
  const head = $('model-state');
  head.replaceChildren();
  if (m.state === 'absent') {
    head.append(element('span', 'absent', `absent: ${m.reason}`), element('span', '', `source ${m.source}; trading without the ML expert`));
  } else {
    head.append(
      element('span', 'serving', 'serving'),
      element('span', '', `${m.name} · ${m.hash.slice(0, 12)}`),
      element('span', '', `fold ${m.fold < 0 ? '—' : m.fold}`),
      element('span', '', `source ${m.source}`),
    );
  }
  const psiScale = Math.max(m.driftThreshold * 2, ...m.features.map((f) => (Number.isNaN(f.psi) ? 0 : f.psi)));
  $('psi-bars').replaceChildren(...m.features.map((f) => bar(`${f.instrument} ${f.name}`, f.psi, psiScale, m.driftThreshold, f.alerting, fixed(f.psi, 3))));
  if (m.features.length > 0) $('psi-bars').append(element('div', 'bar-note', `marker: alert threshold PSI ${m.driftThreshold}`));
  $('calibration').tBodies[0].replaceChildren(...m.calibration.map((c) => row([
    [c.instrument], [pct(c.coverage), c.alerting ? 'down' : ''], [pct(c.nominal)], [count(c.observations)], ...c.pinball.map((p) => [fixed(p, 5)]),
  ])));
  $('coverage-bars').replaceChildren(...m.calibration.map((c) => bar(c.instrument, c.coverage, 1, c.nominal, c.alerting, `${pct(c.coverage)} vs ${pct(c.nominal)} ± ${pct(m.coverageTolerance)}`)));
  const k = m.counters;
  const counters = [
    ['predictions', count(k.predictions)], ['on time', count(k.onTime)], ['timeouts', count(k.timeouts)], ['late', count(k.late)],
    ['before the first fold', count(k.noFold)], ['non-finite features', count(k.nonFinite)], ['crossed quantiles', count(k.crossed)], ['failures', count(k.failures)],
    ['in flight', count(k.inFlight)], ['inference p50', `${fixed(k.latencyP50Us, 0)} µs`], ['inference p99', `${fixed(k.latencyP99Us, 0)} µs`],
  ];
  $('counters').replaceChildren(...counters.flatMap(([name, value]) => [element('dt', '', name), element('dd', '', value)]));
  $('alerts').tBodies[0].replaceChildren(...[...m.recentAlerts].reverse().map((a) => row([
    [timeOf(a.timeNs)], [a.kind, 'down'], [a.instrument], [a.feature || '—'], [fixed(a.value, 4)], [String(a.threshold)],
  ])));
}

/** Nothing on the models topic: a session without a `model:` publishes none (its first frame, if any, replaces this). */
function renderEmpty() {
  stats.empty = true;
  $('model-state').replaceChildren(element('span', 'absent', 'no model in this session'), element('span', '', 'nothing published on the models topic: the configuration has no `model:` (or the model is still loading); the strategies trade without the ML expert'));
}

followTopic('models', stats, render, { onEmpty: renderEmpty });
