// Unit tests of the TS reference indicators that have no TA-Lib peer (vwap, svwap, rvol,
// zscore, relvol, volz, bb pctb/bandwidth, transforms): each is checked against a direct
// O(N) recomputation over a seeded random walk; plus token parsing and the flat-window rules.

import { describe, expect, it } from 'vitest';
import { createReferenceIndicator } from './create-reference-indicator.js';

interface Bar {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  timeNs: bigint;
}

const HOUR_NS = 3_600_000_000_000n;

/** A BTC-sized random walk (deterministic LCG), one bar per hour from 2024-01-01T00:00Z. */
function randomWalk(count: number, start = 60_000, seed = 7): Bar[] {
  let state = seed;
  const next = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const bars: Bar[] = [];
  let close = start;
  for (let i = 0; i < count; i += 1) {
    const open = close;
    close = open * (1 + (next() - 0.5) * 0.02);
    const high = Math.max(open, close) * (1 + next() * 0.005);
    const low = Math.min(open, close) * (1 - next() * 0.005);
    bars.push({ open, high, low, close, volume: next() < 0.05 ? 0 : 1 + next() * 100, timeNs: 1_704_067_200_000_000_000n + BigInt(i) * HOUR_NS });
  }
  return bars;
}

function run(token: string, bars: Bar[]): number[][] {
  const indicator = createReferenceIndicator(token);
  const out = indicator.outputs.map(() => [] as number[]);
  for (const b of bars) {
    indicator.update(b.open, b.high, b.low, b.close, b.volume, b.timeNs);
    out.forEach((series, o) => series.push(indicator.value(o)));
  }
  return out;
}

const meanOf = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const populationSigma = (xs: number[]) => Math.sqrt(meanOf(xs.map((x) => (x - meanOf(xs)) ** 2)));
const sampleSigma = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - meanOf(xs)) ** 2, 0) / (xs.length - 1));

function expectSeries(actual: number[], expected: (i: number) => number, warmup: number, tolerance: number, what: string): void {
  for (let i = 0; i < actual.length; i += 1) {
    if (i < warmup - 1) {
      expect(Number.isNaN(actual[i]), `${what}: NaN before bar ${warmup - 1}, bar ${i} was ${actual[i]}`).toBe(true);
      continue;
    }
    const e = expected(i);
    expect(Math.abs(actual[i] - e) <= tolerance * Math.max(1, Math.abs(e)), `${what} at bar ${i}: ${actual[i]} vs direct ${e}`).toBe(true);
  }
}

const bars = randomWalk(600);
const closes = bars.map((b) => b.close);
const volumes = bars.map((b) => b.volume);
const windowOf = (xs: number[], i: number, n: number) => xs.slice(i - n + 1, i + 1);

describe('reference indicators without a TA-Lib peer equal a direct recomputation', () => {
  it('vwap:N is sum(tp * v) / sum(v) over the last N bars', () => {
    const tp = bars.map((b) => (b.high + b.low + b.close) / 3);
    expectSeries(run('vwap:24', bars)[0], (i) => {
      const v = windowOf(volumes, i, 24);
      const pv = windowOf(tp, i, 24).map((t, k) => t * v[k]);
      return meanOf(v) === 0 ? tp[i] : pv.reduce((s, x) => s + x, 0) / v.reduce((s, x) => s + x, 0);
    }, 24, 1e-12, 'vwap:24');
  });

  it('svwap:HH resets at HH:00 UTC each day and vwap is svwap:0', () => {
    const tp = bars.map((b) => (b.high + b.low + b.close) / 3);
    for (const [token, hour] of [['svwap:13', 13], ['vwap', 0]] as const) {
      expectSeries(run(token, bars)[0], (i) => {
        let start = i;
        const session = (t: bigint) => (t - BigInt(hour) * HOUR_NS) / (24n * HOUR_NS);
        while (start > 0 && session(bars[start - 1].timeNs) === session(bars[i].timeNs)) start -= 1;
        const v = volumes.slice(start, i + 1);
        const totalVolume = v.reduce((s, x) => s + x, 0);
        return totalVolume === 0 ? tp[i] : tp.slice(start, i + 1).reduce((s, t, k) => s + t * v[k], 0) / totalVolume;
      }, 1, 1e-12, token);
    }
  });

  it('rvol:N is the sample sigma of the last N log returns', () => {
    const returns = closes.map((c, i) => (i === 0 ? Number.NaN : Math.log(c / closes[i - 1])));
    expectSeries(run('rvol:20', bars)[0], (i) => sampleSigma(windowOf(returns, i, 20)), 21, 1e-9, 'rvol:20');
  });

  it('zscore:N, volz:N and relvol:N follow their formulas over the window including the current bar', () => {
    expectSeries(run('zscore:30', bars)[0], (i) => (closes[i] - meanOf(windowOf(closes, i, 30))) / populationSigma(windowOf(closes, i, 30)), 30, 1e-9, 'zscore:30');
    expectSeries(run('volz:30', bars)[0], (i) => (volumes[i] - meanOf(windowOf(volumes, i, 30))) / populationSigma(windowOf(volumes, i, 30)), 30, 1e-9, 'volz:30');
    expectSeries(run('relvol:30', bars)[0], (i) => volumes[i] / meanOf(windowOf(volumes, i, 30)), 30, 1e-12, 'relvol:30');
  });

  it('bb:N:K pctb and bandwidth follow from the bands', () => {
    const [upper, middle, lower, pctb, bandwidth] = run('bb:20:2', bars);
    expectSeries(pctb, (i) => (closes[i] - lower[i]) / (upper[i] - lower[i]), 20, 1e-12, 'pctb');
    expectSeries(bandwidth, (i) => (upper[i] - lower[i]) / middle[i], 20, 1e-12, 'bandwidth');
    expectSeries(upper, (i) => meanOf(windowOf(closes, i, 20)) + 2 * populationSigma(windowOf(closes, i, 20)), 20, 1e-12, 'upper');
  });

  it('@diff:k, @lag:k and @slope:k transform the selected output after its warm-up', () => {
    const ema = run('ema:10', bars)[0];
    expectSeries(run('ema:10@diff:3', bars)[0], (i) => ema[i] - ema[i - 3], 13, 1e-12, 'ema:10@diff:3');
    expectSeries(run('ema:10@lag:2', bars)[0], (i) => ema[i - 2], 12, 0, 'ema:10@lag:2');
    const slope = (ys: number[]) => {
      const mx = (ys.length - 1) / 2;
      const my = meanOf(ys);
      return ys.reduce((s, y, x) => s + (x - mx) * (y - my), 0) / ys.reduce((s, _y, x) => s + (x - mx) ** 2, 0);
    };
    expectSeries(run('ema:10@slope:5', bars)[0], (i) => slope(windowOf(ema, i, 5)), 14, 1e-9, 'ema:10@slope:5');
    const pctb = run('bb:20:2', bars)[3];
    const selected = createReferenceIndicator('bb:20:2.pctb@diff:1');
    expect(selected.outputs, 'a selected output keeps its name').toEqual(['pctb']);
    expectSeries(run('bb:20:2.pctb@diff:1', bars)[0], (i) => pctb[i] - pctb[i - 1], 21, 1e-12, 'bb:20:2.pctb@diff:1');
    expectSeries(run('ema:10@diff:1@lag:2', bars)[0], (i) => ema[i - 2] - ema[i - 3], 13, 1e-12, 'chained ema:10@diff:1@lag:2');
  });

  it('a flat window gives sigma exactly 0: zscore 0, volz 0, pctb 0.5, rvol 0', () => {
    const flat = Array.from({ length: 50 }, (_, i) => ({ ...bars[0], open: 0.1, high: 0.1, low: 0.1, close: 0.1, volume: 0.3, timeNs: BigInt(i) }));
    const walkThenFlat = [...bars.slice(0, 40), ...flat];
    const last = walkThenFlat.length - 1;
    expect(run('zscore:20', walkThenFlat)[0][last], 'zscore of a flat window').toBe(0);
    expect(run('volz:20', walkThenFlat)[0][last], 'volz of a flat window').toBe(0);
    expect(run('bb:20:2', walkThenFlat)[3][last], 'pctb with upper == lower').toBe(0.5);
    expect(run('rvol:20', walkThenFlat)[0][last], 'rvol with no returns').toBe(0);
  });

  it('rolling sums stay exact over 200k BTC-sized bars (re-anchored every window)', () => {
    const long = randomWalk(200_000, 60_000, 11);
    const z = run('zscore:50', long)[0];
    const c = long.map((b) => b.close);
    for (const i of [199_999, 150_001, 100_003]) {
      const w = windowOf(c, i, 50);
      const direct = (c[i] - meanOf(w)) / populationSigma(w);
      expect(Math.abs(z[i] - direct), `zscore:50 at bar ${i}: ${z[i]} vs direct ${direct}`).toBeLessThan(1e-9);
    }
  });
});

describe('createReferenceIndicator', () => {
  it('declares outputs and warm-ups as TA-Lib lookback + 1', () => {
    const cases: [string, string[], number][] = [
      ['sma:20', ['value'], 20], ['ema:20', ['value'], 20], ['wma:10', ['value'], 10], ['rsi:14', ['value'], 15],
      ['tr', ['value'], 1], ['atr:14', ['value'], 15], ['bb:20:2', ['upper', 'middle', 'lower', 'pctb', 'bandwidth'], 20],
      ['vwap:24', ['value'], 24], ['vwap', ['value'], 1], ['svwap:8', ['value'], 1], ['rvol:20', ['value'], 21],
      ['zscore:20', ['value'], 20], ['macd:12:26:9', ['macd', 'signal', 'hist'], 34], ['roc:10', ['value'], 11],
      ['donchian:20', ['upper', 'lower'], 20], ['stoch:14:3', ['k', 'd'], 16], ['stoch:14:3:3', ['k', 'd'], 18],
      ['adx:14', ['adx', 'plusdi', 'minusdi'], 28], ['obv', ['value'], 1], ['relvol:20', ['value'], 20], ['volz:20', ['value'], 20],
      ['ema:20@diff:1', ['value'], 21], ['ema:20@slope:5', ['value'], 24], ['ema:20@lag:3', ['value'], 23], ['bb:20:2.pctb@slope:5', ['pctb'], 24],
    ];
    for (const [token, outputs, warmup] of cases) {
      const indicator = createReferenceIndicator(token);
      expect([indicator.outputs, indicator.warmup], `outputs and warm-up of ${token}`).toEqual([outputs, warmup]);
    }
  });

  it('rejects bad tokens naming the token, the parameter, the value and the rule', () => {
    const cases: [string, RegExp][] = [
      ['ema:0', /`ema:0`: `period` must be an integer >= 1, was "0"/],
      ['ema:2.5', /`period` must be an integer >= 1, was "2.5"/],
      ['ema', /`ema`: expected `ema:N`, got 0 parameter/],
      ['bb:20:-1', /`deviations` must be a finite number >= 0, was "-1"/],
      ['svwap:24', /`session start hour` must be an integer in \[0, 23\], was "24"/],
      ['rvol:1', /`period` must be an integer >= 2, was "1"/],
      ['foo:3', /unknown indicator "foo"/],
      ['bb:20:2.width', /output must be one of upper, middle, lower, pctb, bandwidth, was "width"/],
      ['ema:20@slope:1', /`@slope bars` must be an integer >= 2, was "1"/],
      ['ema:20@smooth:3', /transform must be one of diff, slope, lag, was "smooth"/],
      ['', /non-empty string/],
    ];
    for (const [token, message] of cases) expect(() => createReferenceIndicator(token), `token ${JSON.stringify(token)}`).toThrow(message);
  });

  it('returns NaN during warm-up and reports isStable from the warm-up on', () => {
    const sma = createReferenceIndicator('sma:3');
    sma.update(1, 1, 1, 1, 1, 0n);
    sma.update(2, 2, 2, 2, 1, 1n);
    expect([sma.value(0), sma.isStable], 'after 2 of 3 bars').toEqual([Number.NaN, false]);
    sma.update(3, 3, 3, 3, 1, 2n);
    expect([sma.value(0), sma.isStable], 'after 3 of 3 bars').toEqual([2, true]);
  });
});
