// The Latency page (latency.html): subscribes to the `latency` topic over the page's own host and
// renders each frame whole (coalesced snapshots of the engine's HDR histograms per stage).
// Decoding, reconnects and re-subscription: topic-page.js.
import { $, element, followTopic } from './topic-page.js';

const stats = { connected: false, frames: 0, stages: [] };
window.__latency = stats;

const LOG_MIN = 2; // 100 ns
const LOG_MAX = 10; // 10 s

/** ns as the shortest readable unit. */
function duration(ns) {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

const position = (ns) => `${Math.min(100, Math.max(0, (Math.log10(Math.max(ns, 1)) - LOG_MIN) / (LOG_MAX - LOG_MIN) * 100))}%`;

function bar(stage) {
  const wrap = element('div', 'bar-row');
  wrap.append(element('span', 'bar-label', stage.stage));
  const track = element('div', 'bar-track');
  if (stage.count > 0n) {
    const fill = element('div', 'bar-fill');
    fill.style.width = position(stage.p99Ns);
    const p50 = element('div', 'bar-mark');
    p50.style.left = position(stage.p50Ns);
    const max = element('div', 'bar-mark');
    max.style.left = position(stage.maxNs);
    track.append(fill, p50, max);
  }
  wrap.append(track, element('span', 'bar-value', stage.count > 0n ? `${duration(stage.p50Ns)} · ${duration(stage.p99Ns)} · ${duration(stage.maxNs)}` : 'none in this session'));
  return wrap;
}

function render(view) {
  stats.frames += 1;
  stats.stages = view.stages.map((s) => ({ stage: s.stage, count: Number(s.count), p99Ns: s.p99Ns }));
  $('stages').tBodies[0].replaceChildren(...view.stages.map((s) => {
    const tr = document.createElement('tr');
    tr.dataset.stage = s.stage;
    const cells = s.count > 0n
      ? [s.stage, Number(s.count).toLocaleString('en-US'), duration(s.p50Ns), duration(s.p90Ns), duration(s.p99Ns), duration(s.p999Ns), duration(s.maxNs)]
      : [s.stage, '0', 'none in this session', '', '', '', ''];
    for (const text of cells) tr.append(element('td', '', text));
    return tr;
  }));
  $('latency-bars').replaceChildren(...view.stages.map(bar), element('div', 'bar-note', 'bar: p99; markers: p50 and max'));
}

followTopic('latency', stats, render);
