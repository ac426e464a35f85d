// The stationary bootstrap (Politis & Romano 1994), trade-order shuffles and percentile
// intervals: moments and autocorrelation kept or destroyed as the theory says, on synthetic
// i.i.d. and AR(1) series; the same seed gives the same bytes.
import { describe, expect, it } from 'vitest';
import { percentileInterval, SeededRandom, shuffledTradeEquity, stationaryBootstrap } from './index.js';

function normals(rng: SeededRandom, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - rng.nextDouble()));
    const angle = 2 * Math.PI * rng.nextDouble();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < n) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

function ar1(rng: SeededRandom, n: number, phi: number): Float64Array {
  const e = normals(rng, n + 200);
  const out = new Float64Array(n);
  let x = 0;
  for (let i = 0; i < n + 200; i++) {
    x = phi * x + e[i];
    if (i >= 200) out[i - 200] = x;
  }
  return out;
}

const meanOf = (x: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
};
const varianceOf = (x: ArrayLike<number>) => {
  const m = meanOf(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) ** 2;
  return s / (x.length - 1);
};
const lag1 = (x: ArrayLike<number>) => {
  const m = meanOf(x);
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    den += (x[i] - m) ** 2;
    if (i > 0) num += (x[i] - m) * (x[i - 1] - m);
  }
  return num / den;
};

describe('stationaryBootstrap', () => {
  it('on an i.i.d. series keeps the mean and variance within sampling error', () => {
    const n = 2000;
    const series = normals(new SeededRandom(11), n);
    const runs = stationaryBootstrap(series, { meanBlock: 10, runs: 300, seed: 5 });
    expect(runs).toHaveLength(300);
    for (const path of runs) expect(path).toHaveLength(n);
    const means = runs.map(meanOf);
    // Each resample's mean has standard deviation ~ sigma / sqrt(n) around the series mean (i.i.d.:
    // blocks change nothing); their average over 300 runs is within 5 standard errors of it.
    const se = Math.sqrt(varianceOf(series) / n);
    expect(Math.abs(meanOf(means) - meanOf(series)), 'mean of resample means').toBeLessThan((5 * se) / Math.sqrt(300));
    // The spread of the resample means estimates sigma / sqrt(n): within 20% (the spread of 300
    // draws has about 4% relative error; the block bootstrap's own bias is O(1/meanBlock)).
    expect(Math.sqrt(varianceOf(means)) / se).toBeGreaterThan(0.8);
    expect(Math.sqrt(varianceOf(means)) / se).toBeLessThan(1.2);
    // A resample's variance averages the series' variance less O(meanBlock / n): within 3%.
    expect(meanOf(runs.map(varianceOf)) / varianceOf(series)).toBeCloseTo(1, 1);
    expect(Math.abs(meanOf(runs.map(varianceOf)) / varianceOf(series) - 1)).toBeLessThan(0.03);
  });

  it('on an AR(1) series (phi 0.5) keeps the lag-1 autocorrelation with long blocks and destroys it with meanBlock 1', () => {
    const n = 5000;
    const series = ar1(new SeededRandom(12), n, 0.5);
    const rho = lag1(series);
    expect(rho, 'the series itself').toBeGreaterThan(0.45);
    expect(rho).toBeLessThan(0.55);
    const long = stationaryBootstrap(series, { meanBlock: 50, runs: 200, seed: 6 });
    const iid = stationaryBootstrap(series, { meanBlock: 1, runs: 200, seed: 6 });
    // A block break (probability 1/meanBlock per step) joins two unrelated values, so the
    // expected lag-1 autocorrelation of a resample is (1 - 1/meanBlock) rho. The average over 200
    // resamples of 5000 values has a standard error well under 0.01; tolerance 0.03.
    expect(Math.abs(meanOf(long.map(lag1)) - (1 - 1 / 50) * rho)).toBeLessThan(0.03);
    expect(Math.abs(meanOf(iid.map(lag1)))).toBeLessThan(0.02);
    // The variance of the resample means: long blocks keep the long-run variance
    // sigma^2 (1 + phi) / (1 - phi) = 3 sigma^2 (per n), meanBlock 1 gives the i.i.d. sigma^2.
    // Ratio 3 within 25% (200 runs: ~10% error on each variance; O(1/b) bias of the bootstrap).
    const ratio = varianceOf(long.map(meanOf)) / varianceOf(iid.map(meanOf));
    expect(ratio, `variance ratio ${ratio}`).toBeGreaterThan(2.25);
    expect(ratio).toBeLessThan(3.75);
    expect(Math.abs(meanOf(long.map(varianceOf)) / varianceOf(series) - 1), 'resample variance').toBeLessThan(0.1);
  });

  it('gives the same bytes for the same seed and other bytes for another seed', () => {
    const series = normals(new SeededRandom(3), 500);
    const bytes = (seed: bigint | number) => Buffer.concat(stationaryBootstrap(series, { meanBlock: 7.5, runs: 20, seed }).map((p) => Buffer.from(p.buffer)));
    expect(bytes(42).equals(bytes(42n))).toBe(true);
    expect(bytes(42).equals(bytes(43))).toBe(false);
  });

  it('rejects a mean block below 1', () => {
    expect(() => stationaryBootstrap([1, 2], { meanBlock: 0.5, runs: 1, seed: 1 })).toThrow(/`meanBlock` must be a finite number >= 1, was 0.5/);
  });
});

describe('shuffledTradeEquity', () => {
  const pnl = [120, -40, -75.5, 300, -10, 12, -220, 55];
  it('starts at the cash, ends at cash + total P&L, and steps by a permutation of the trades', () => {
    const paths = shuffledTradeEquity(pnl, 10_000, { runs: 50, seed: 9 });
    const total = pnl.reduce((a, b) => a + b, 0);
    const sorted = [...pnl].sort((a, b) => a - b);
    const orders = new Set<string>();
    for (const path of paths) {
      expect(path).toHaveLength(pnl.length + 1);
      expect(path[0]).toBe(10_000);
      expect(path[pnl.length]).toBeCloseTo(10_000 + total, 9);
      const steps = Array.from(path.slice(1), (v, i) => v - path[i]);
      expect(steps.map((s) => Math.round(s * 100) / 100).sort((a, b) => a - b)).toEqual(sorted);
      orders.add(steps.map((s) => s.toFixed(2)).join(','));
    }
    expect(orders.size, 'distinct orders among 50 shuffles of 8 trades').toBeGreaterThan(40);
  });

  it('gives the same bytes for the same seed', () => {
    const bytes = (seed: number) => Buffer.concat(shuffledTradeEquity(pnl, 1000, { runs: 10, seed }).map((p) => Buffer.from(p.buffer)));
    expect(bytes(1).equals(bytes(1))).toBe(true);
    expect(bytes(1).equals(bytes(2))).toBe(false);
  });
});

describe('percentileInterval', () => {
  it('matches numpy.quantile (linear) and leaves NaN out', () => {
    // numpy.quantile([3,1,4,1,5,9,2,6,5,3,5], [0.05, 0.5, 0.95]) = [1.0, 4.0, 7.5]
    expect(percentileInterval([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, Number.NaN], 0.9)).toEqual({ low: 1, median: 4, high: 7.5 });
    expect(percentileInterval([2], 0.95)).toEqual({ low: 2, median: 2, high: 2 });
    expect(() => percentileInterval([1], 1)).toThrow(/`level` must be in \(0, 1\), was 1/);
  });
});
