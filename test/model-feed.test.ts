// ModelFeed (engine/models/model-feed.ts), the I/O-thread side of per-bar inference, on the bundled
// model data/models/btc-1h-q5 (9 features, 5 folds): FEATURES records (3 per bar, as the core writes
// them) go in all at once, so the queue fills; the MODEL records that come out must be in bar order,
// carry exactly predictRow's quantiles for the fold valid at each bar (oracle: a second model set,
// called directly), never overlap two predictRow calls (an overlapping call would throw; the wrapper
// also counts), and bars before the first fold get none. The monitors: calibration realised over
// the model's 12-bar horizon from the played closes, drift alerts when the features leave the
// training distribution, and an absent model reports its reason.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ModelFeed, QuantileModelSet, type MonitorAlert } from '../engine/models/index.js';
import { readModelQuantiles } from '../engine/decision/index.js';
import { EventKind, KIND_MASK } from '../engine/layout/event-record.js';
import type { FeatureRecord } from '../engine/pipeline/index.js';

const MODEL_DIR = join(import.meta.dirname, '..', 'data', 'models', 'btc-1h-q5');
const HOUR = 3_600_000_000_000n;
const MONITOR = { driftWindow: 50, driftAlertPsi: 0.25, calibrationWindow: 50, coverageTolerance: 0.15, minObservations: 20 };

/** A deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The FEATURES records of one bar (chunks of 4, NaN past F), as readFeatureRecord decodes them. */
function featureRecords(instrument: number, barCloseNs: bigint, values: Float64Array): FeatureRecord[] {
  const out: FeatureRecord[] = [];
  for (let c = 0; c * 4 < values.length; c++) {
    const v = (k: number): number => (c * 4 + k < values.length ? values[c * 4 + k] : NaN);
    out.push({ instrument, barOpenNs: barCloseNs - HOUR, barCloseNs, chunk: c, featureCount: values.length, values: [v(0), v(1), v(2), v(3)] });
  }
  return out;
}

/** A row drawn inside the fold's training deciles (in distribution), or shifted far above them. */
function row(model: QuantileModelSet, fold: number, next: () => number, shifted: boolean): Float64Array {
  const meta = model.metadata;
  return Float64Array.from(meta.features, (name) => {
    const edges = meta.folds[fold].featureBins[name].edges;
    const lo = edges[0];
    const hi = edges[edges.length - 1];
    return shifted ? hi + (hi - lo) * (2 + next()) : lo + (hi - lo) * next();
  });
}

describe('ModelFeed', () => {
  it('answers each complete vector with predictRow\'s quantiles, in bar order, one call at a time', async () => {
    const model = await QuantileModelSet.load(MODEL_DIR);
    const oracle = await QuantileModelSet.load(MODEL_DIR);
    let inFlight = 0;
    let maxInFlight = 0;
    let calls = 0;
    const predictRow = model.predictRow.bind(model);
    model.predictRow = async (fold, features, out) => {
      inFlight++;
      calls++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await predictRow(fold, features, out);
      } finally {
        inFlight--;
      }
    };
    const injected: { kind: number; instrument: number; ts: bigint; q: number[] }[] = [];
    const feed = new ModelFeed({
      model, source: MODEL_DIR, symbols: ['BTCUSDT', 'ETHUSDT'], monitor: MONITOR,
      inject: (view) => injected.push({ kind: view.getInt32(0, true), instrument: view.getInt32(4, true), ts: view.getBigInt64(8, true), q: readModelQuantiles(view, 0) }),
    });
    const folds = model.metadata.folds;
    const next = random(7);
    // 10 bars before fold 0 is available (no fold), then 120 bars from it on, on two instruments.
    const start = folds[0].availableFromNs - 10n * HOUR;
    const bars: { instrument: number; t: bigint; values: Float64Array }[] = [];
    for (let i = 0; i < 130; i++) {
      const t = start + BigInt(i) * HOUR;
      for (const instrument of [0, 1]) bars.push({ instrument, t, values: row(model, Math.max(0, model.foldFor(t)), next, false) });
    }
    for (const bar of bars) for (const record of featureRecords(bar.instrument, bar.t, bar.values)) feed.onFeatures(record);
    expect(feed.inFlight, 'the vectors queue up behind the one being predicted').toBeGreaterThan(1);
    expect(await feed.whenIdle(60_000), 'the queue drains').toBe(true);

    const served = bars.filter((b) => model.foldFor(b.t) >= 0);
    expect(injected.length, 'one MODEL record per vector with a fold').toBe(served.length);
    expect(maxInFlight, 'predictRow is never called while another call runs').toBe(1);
    expect(calls).toBe(served.length);
    const status = feed.status();
    expect(status.counters).toMatchObject({ vectors: bars.length, predictions: served.length, noFold: bars.length - served.length, nonFinite: 0, failures: 0, inFlight: 0 });
    const out = new Float64Array(5);
    for (let i = 0; i < served.length; i++) {
      const bar = served[i];
      const got = injected[i];
      expect(got.kind & KIND_MASK, 'a MODEL record').toBe(EventKind.MODEL);
      expect(got.kind & EventKind.DIRECTION_INBOUND).toBe(EventKind.DIRECTION_INBOUND);
      expect([got.instrument, got.ts], `record ${i}: the bar it answers, in the order the bars came`).toEqual([bar.instrument, bar.t]);
      await oracle.predictRow(oracle.foldFor(bar.t), bar.values, out);
      expect(got.q, `record ${i}: predictRow's quantiles, bit for bit`).toEqual(Array.from(out));
    }
    expect(status.fold, 'the fold of the last prediction').toBe(model.foldFor(bars[bars.length - 1].t));
    expect(status.counters.latencyP99Us).toBeGreaterThanOrEqual(status.counters.latencyP50Us);
    await feed.close();
    await oracle.release();
  });

  it('realises calibration over the horizon from the played closes, and alerts on drift', async () => {
    const model = await QuantileModelSet.load(MODEL_DIR);
    const horizon = model.metadata.target.horizonBars;
    const alerts: MonitorAlert[] = [];
    let statuses = 0;
    const feed = new ModelFeed({
      model, source: MODEL_DIR, symbols: ['BTCUSDT'], monitor: MONITOR, inject: () => {}, onAlert: (a) => alerts.push(a), onStatus: () => void statuses++,
    });
    const fold = model.metadata.folds.length - 1;
    const start = model.metadata.folds[fold].availableFromNs + HOUR;
    const next = random(11);
    const n = 100;
    let close = 60_000;
    for (let i = 0; i < n; i++) {
      const t = start + BigInt(i) * HOUR;
      close *= Math.exp((next() - 0.5) * 0.02);
      feed.onBar(0, t, close); // the bar is played before its features come out
      // the first 40 bars in distribution, then far out of it: PSI climbs past the threshold
      for (const record of featureRecords(0, t, row(model, fold, next, i >= 40))) feed.onFeatures(record);
      if (i % 7 === 0) await feed.whenIdle();
    }
    await feed.whenIdle();
    await feed.close();
    const status = feed.status();
    expect(status.state).toBe('serving');
    expect(status.calibration).toHaveLength(1);
    const calibration = status.calibration[0];
    expect(calibration.observations, `predictions realised ${horizon} bars later (all but the last ${horizon}), at most the window`).toBe(Math.min(n - horizon, MONITOR.calibrationWindow));
    expect(calibration.coverage).toBeGreaterThanOrEqual(0);
    expect(calibration.coverage).toBeLessThanOrEqual(1);
    expect(calibration.pinball.every((p) => Number.isFinite(p) && p >= 0), `pinball losses ${calibration.pinball}`).toBe(true);
    expect(status.features.map((f) => f.name)).toEqual(model.metadata.features);
    const drift = alerts.filter((a) => a.kind === 'feature-drift');
    expect(drift.length, 'every feature leaves its training range: each alerts once').toBe(model.metadata.features.length);
    expect(drift.every((a) => a.value > MONITOR.driftAlertPsi && a.threshold === MONITOR.driftAlertPsi && a.instrument === 'BTCUSDT')).toBe(true);
    expect(status.features.every((f) => f.alerting && f.psi > MONITOR.driftAlertPsi)).toBe(true);
    expect(status.recentAlerts, "the status keeps the recent alerts").toEqual(expect.arrayContaining(drift));
    expect(statuses, 'a status per prediction and per alert').toBe(n + alerts.length);
  });

  it('an absent model answers nothing and reports why', async () => {
    const injected: DataView[] = [];
    const feed = new ModelFeed({ model: null, source: '/nowhere', reason: 'fold-0.onnx: cannot parse (12 bytes)', symbols: ['BTCUSDT'], monitor: MONITOR, inject: (v) => injected.push(v) });
    for (const record of featureRecords(0, 10n * HOUR, new Float64Array(9).fill(0.5))) feed.onFeatures(record);
    expect(await feed.whenIdle(0)).toBe(true);
    expect(injected).toHaveLength(0);
    expect(feed.status()).toMatchObject({ state: 'absent', reason: 'fold-0.onnx: cannot parse (12 bytes)', source: '/nowhere', features: [], calibration: [] });
    await feed.close();
  });
  it('sends no MODEL record for a prediction with a NaN or infinite quantile, counting it as a non-finite output', async () => {
    const model = await QuantileModelSet.load(MODEL_DIR);
    const predictRow = model.predictRow.bind(model);
    let call = 0;
    model.predictRow = async (fold, features, out) => {
      const crossed = await predictRow(fold, features, out);
      const k = call++;
      if (k % 3 === 1) out[2] = NaN; // a graph returning NaN for some rows
      if (k % 3 === 2) out[4] = Infinity;
      return crossed;
    };
    const injected: bigint[] = [];
    const feed = new ModelFeed({ model, source: MODEL_DIR, symbols: ['BTCUSDT'], monitor: MONITOR, inject: (view) => injected.push(view.getBigInt64(8, true)) });
    const start = model.metadata.folds[4].availableFromNs + HOUR;
    for (let i = 0; i < 6; i++) for (const record of featureRecords(0, start + BigInt(i) * HOUR, new Float64Array(9).fill(0.01))) feed.onFeatures(record);
    expect(await feed.whenIdle(60_000)).toBe(true);
    expect(injected, 'MODEL records only for the finite answers (calls 0 and 3)').toEqual([start, start + 3n * HOUR]);
    expect(feed.status().counters, 'non-finite outputs counted apart from predictions').toMatchObject({ vectors: 6, predictions: 2, nonFiniteOutputs: 4, failures: 0 });
    await feed.close();
    await model.release();
  }, 60_000);
});
