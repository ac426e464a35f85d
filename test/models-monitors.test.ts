// The model monitors (engine/models): PSI feature drift against hand-computed values and on
// seeded samples (no alert on the training distribution, one alert per crossing on a shifted
// one), and quantile calibration on a simulated random walk whose forward-return quantiles are
// known (coverage of [q10, q90] near 0.8, pinball loss near sigma * phi(z), an alert when the
// quantiles are too narrow).
import { describe, expect, it } from 'vitest';
import { FeatureDriftMonitor, QuantileCalibrationMonitor, populationStabilityIndex, type MonitorAlert } from '../engine/models/index.js';

/** Seeded standard normals (LCG + Box-Muller). */
function normals(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

const UNIFORM_BINS = { edges: [1, 2, 3, 4, 5, 6, 7, 8, 9], fractions: Array(10).fill(0.1) };
/** Deciles of N(0, 1). */
const NORMAL_BINS = {
  edges: [-1.2815515655446004, -0.8416212335729142, -0.5244005127080407, -0.2533471031357997, 0, 0.2533471031357997, 0.5244005127080407, 0.8416212335729142, 1.2815515655446004],
  fractions: Array(10).fill(0.1),
};

describe('FeatureDriftMonitor', () => {
  it('computes PSI = sum (a - e) ln(a / e) with empty bins floored at 1e-4', () => {
    const m = new FeatureDriftMonitor({ instrument: 'BTC', features: ['x'], bins: { x: UNIFORM_BINS }, window: 100, minCount: 100 });
    for (let i = 0; i < 50; i++) m.observe([0.5], BigInt(i));
    for (let i = 0; i < 50; i++) m.observe([9.5], BigInt(50 + i));
    // bins 0 and 9 hold 0.5 each, bins 1..8 none: 2 (0.5 - 0.1) ln 5 + 8 (1e-4 - 0.1) ln(1e-4 / 0.1)
    expect(m.psi(0)).toBeCloseTo(0.8 * Math.log(5) + 8 * 0.0999 * Math.log(1000), 12);
    expect(m.psi(0)).toBeCloseTo(6.808228, 5);
    for (let i = 0; i < 100; i++) m.observe([4.5], BigInt(100 + i));
    // the window of 100 rolled over: bin 4 holds everything
    expect(m.psi(0)).toBeCloseTo(0.9 * Math.log(10) + 9 * 0.0999 * Math.log(1000), 12);
    expect(populationStabilityIndex([10, 10, 10, 10, 10, 10, 10, 10, 10, 10], 100, UNIFORM_BINS.fractions)).toBe(0);
  });

  it('bins a value equal to an edge into the upper bin (edges at or below it: searchsorted side=right)', () => {
    const m = new FeatureDriftMonitor({ instrument: 'BTC', features: ['x'], bins: { x: UNIFORM_BINS }, window: 10, minCount: 10 });
    for (let i = 0; i < 10; i++) m.observe([i === 0 ? 1 : i], BigInt(i)); // 1, 1, 2, ..., 9: bins 1, 1, 2, ..., 9
    // bins 1 (0.2), 2..9 (0.1 each), 0 (empty)
    expect(m.psi(0)).toBeCloseTo(0.1 * Math.log(2) + (1e-4 - 0.1) * Math.log(1e-4 / 0.1), 12);
    const low = new FeatureDriftMonitor({ instrument: 'BTC', features: ['x'], bins: { x: UNIFORM_BINS }, window: 10, minCount: 10 });
    for (let i = 0; i < 10; i++) low.observe([i === 9 ? 0.5 : i + 1], BigInt(i)); // 1..9 on the edges, 0.5: bins 1..9 and 0
    expect(low.psi(0), 'values on the edges e0..e8 fill bins 1..9, one below e0 bin 0').toBe(0);
  });

  it('finds no drift in the training values of a feature with a point mass on its edges (tools/train feature_bins)', () => {
    // 30% of the rows exactly 0 (roc:1 of unchanged closes), as float32 features. Oracle: tools/train
    // quantflow_train.metrics.feature_bins on the same values (numpy 2, recorded here).
    const values = Array.from({ length: 1000 }, (_, i) => (i % 10 < 3 ? 0 : Math.fround(((i * 37) % 1000) / 500 - 1)));
    const bins = {
      edges: [-0.7141999900341034, -0.42840000391006466, -0.1426000013947486, 0.0, 0.0, 0.0, 0.14260000139474882, 0.4268000006675722, 0.7124000132083894],
      fractions: [0.1, 0.1, 0.1, 0.05, 0.0, 0.0, 0.35, 0.1, 0.1, 0.1],
    };
    const alerts: MonitorAlert[] = [];
    const m = new FeatureDriftMonitor({ instrument: 'BTC', features: ['roc:1'], bins: { 'roc:1': bins }, window: 1000, minCount: 100, onAlert: (a) => alerts.push(a) });
    values.forEach((v, i) => m.observe([v], BigInt(i)));
    expect(m.psi(0), 'the training values against their own bins').toBeLessThan(1e-12);
    expect(alerts, 'no drift alert on the training data').toHaveLength(0);
  });

  it('raises no alert on the training distribution and one per crossing on a shifted one', () => {
    const alerts: MonitorAlert[] = [];
    const m = new FeatureDriftMonitor({ instrument: 'ETH', features: ['a', 'b'], bins: { a: NORMAL_BINS, b: NORMAL_BINS }, window: 500, minCount: 200, onAlert: (a) => alerts.push(a) });
    const z = normals(3);
    let t = 0n;
    let maxPsi = 0;
    for (let i = 0; i < 5000; i++) {
      expect(m.observe([z(), z()], t++)).toHaveLength(0);
      if (i >= 200) maxPsi = Math.max(maxPsi, m.psi(0), m.psi(1));
    }
    expect(maxPsi, 'sampling PSI of 500 draws from the training distribution (about 9/500)').toBeLessThan(0.1);
    // feature a shifts by one standard deviation; b does not
    const returned: MonitorAlert[] = [];
    for (let i = 0; i < 1500; i++) returned.push(...m.observe([z() + 1, z()], t++));
    expect(alerts, 'one alert while PSI stays above the threshold').toHaveLength(1);
    expect(returned).toEqual(alerts);
    expect(alerts[0]).toMatchObject({ kind: 'feature-drift', instrument: 'ETH', feature: 'a', threshold: 0.25 });
    expect(alerts[0].value).toBeGreaterThan(0.25);
    expect(m.psi(0), 'a one-sigma shift of a normal gives a PSI near 1').toBeGreaterThan(0.6);
    expect(m.inAlert(0) && !m.inAlert(1)).toBe(true);
    for (let i = 0; i < 1500; i++) m.observe([z(), z()], t++);
    expect(m.inAlert(0), 're-armed after PSI fell below 0.8 x threshold').toBe(false);
    for (let i = 0; i < 1500; i++) m.observe([z() - 1, z()], t++);
    expect(alerts, 'a second crossing raises a second alert').toHaveLength(2);
  });

  it('skips rows with a non-finite feature', () => {
    const m = new FeatureDriftMonitor({ instrument: 'X', features: ['x'], bins: { x: UNIFORM_BINS } });
    m.observe([NaN], 0n);
    expect(m.count).toBe(0);
    expect(m.skippedRows).toBe(1);
  });
});

const Z10 = 1.2815515655446004;
const Z25 = 0.6744897501960817;
const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);

/** A random walk of log closes with per-bar sigma; the monitor gets the true quantiles scaled by `width`. */
function runCalibration(monitor: QuantileCalibrationMonitor, bars: number, sigma: number, width: number, seed: number, predictFirst = false): MonitorAlert[] {
  const z = normals(seed);
  const sh = sigma * Math.sqrt(monitor.horizonBars);
  const q = Float64Array.from([-Z10, -Z25, 0, Z25, Z10].map((k) => k * sh * width));
  const alerts: MonitorAlert[] = [];
  let logClose = Math.log(30_000);
  for (let i = 0; i < bars; i++) {
    logClose += sigma * z();
    const t = 1_700_000_000_000_000_000n + BigInt(i) * 3_600_000_000_000n;
    const close = Math.exp(logClose);
    if (predictFirst) {
      alerts.push(...monitor.onPrediction(t, close, q));
      alerts.push(...monitor.onBarClose(t, close));
    } else {
      alerts.push(...monitor.onBarClose(t, close));
      alerts.push(...monitor.onPrediction(t, close, q));
    }
  }
  return alerts;
}

describe('QuantileCalibrationMonitor', () => {
  it('measures coverage near 0.8 and pinball losses near sigma_h phi(z) for calibrated quantiles, without alerts', () => {
    const m = new QuantileCalibrationMonitor({ instrument: 'BTC', horizonBars: 4, window: 4000 });
    const alerts = runCalibration(m, 4004, 0.01, 1, 11);
    expect(m.count, 'bars 0..3999 are realised four bars later').toBe(4000);
    expect(Math.abs(m.coverage - 0.8), `coverage ${m.coverage} within sampling error (overlapping 4-bar returns)`).toBeLessThan(0.04);
    const sh = 0.01 * 2;
    expect(m.pinball(2) / (sh * phi(0))).toBeCloseTo(1, 1);
    expect(m.pinball(0) / (sh * phi(Z10))).toBeCloseTo(1, 1);
    expect(m.pinball(4) / (sh * phi(Z10))).toBeCloseTo(1, 1);
    expect(alerts).toEqual([]);
  });

  it('alerts once when the quantiles are too narrow, after minCount realised predictions', () => {
    const m = new QuantileCalibrationMonitor({ instrument: 'SOL', horizonBars: 4, window: 500, minCount: 100 });
    const alerts = runCalibration(m, 3000, 0.01, 0.3, 5);
    expect(m.coverage, 'P(|Z| < 0.3 x 1.28) is about 0.30').toBeLessThan(0.45);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'quantile-calibration', instrument: 'SOL', threshold: 0.15 });
    expect(alerts[0].atNs, 'not before 100 realised predictions (bar 103)').toBeGreaterThanOrEqual(1_700_000_000_000_000_000n + 103n * 3_600_000_000_000n);
    expect(m.inAlert).toBe(true);
  });

  it('gives the same figures whether the prediction comes before or after its bar close', () => {
    const a = new QuantileCalibrationMonitor({ instrument: 'X', horizonBars: 3, window: 300 });
    const b = new QuantileCalibrationMonitor({ instrument: 'X', horizonBars: 3, window: 300 });
    runCalibration(a, 1000, 0.02, 0.9, 8, false);
    runCalibration(b, 1000, 0.02, 0.9, 8, true);
    expect(b.count).toBe(a.count);
    expect(b.coverage).toBe(a.coverage);
    expect(b.pinball(1)).toBe(a.pinball(1));
  });

  it('ignores non-finite quantiles and refuses bars out of time order', () => {
    const m = new QuantileCalibrationMonitor({ instrument: 'X', horizonBars: 1 });
    m.onPrediction(10n, 100, [NaN, NaN, NaN, NaN, NaN]);
    m.onBarClose(20n, 101);
    expect(m.count).toBe(0);
    expect(m.skippedPredictions).toBe(1);
    expect(() => m.onBarClose(15n, 100)).toThrow('onBarClose: `barCloseNs` 15 is before the last bar close 20 (X); bars must come in time order');
  });
});
