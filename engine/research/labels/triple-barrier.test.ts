// Triple-barrier labels on hand-built bars: each barrier, both in one bar, the time barrier,
// gaps, warm-up, end times, sides (meta-labels); the WASM volatility token against a plain TS
// reference; the side from a rule expression and a rule strategy.
import { describe, expect, it } from 'vitest';
import { labelEvents, tripleBarrierLabels, type BarrierParameters, type LabelBars } from './index.js';

const HOUR = 3_600_000_000_000n;
const T0 = 1_700_000_000_000_000_000n;

/** Bars from [open, high, low, close] rows, one hour apart. */
function bars(rows: readonly (readonly [number, number, number, number])[]): LabelBars {
  return {
    timeNs: BigInt64Array.from(rows.map((_, i) => T0 + BigInt(i) * HOUR)),
    open: Float64Array.from(rows.map((r) => r[0])),
    high: Float64Array.from(rows.map((r) => r[1])),
    low: Float64Array.from(rows.map((r) => r[2])),
    close: Float64Array.from(rows.map((r) => r[3])),
  };
}

const flat = (c: number) => [c, c, c, c] as const;
// horizon 4 and vol 0.01 -> width 0.01 * sqrt(4) = 0.02: from 100, take-profit 102 and stop 98 with multipliers 1.
const P: BarrierParameters = { horizon: 4, profitTake: 1, stopLoss: 1, zeroAtTime: false, closeOffsetNs: HOUR };
const volAt0 = (n: number) => Float64Array.from({ length: n }, (_, i) => (i === 0 ? 0.01 : NaN));

describe('triple-barrier labels', () => {
  it('labels the take-profit when a later high reaches close * (1 + pt * vol * sqrt(horizon))', () => {
    const b = bars([flat(100), [100, 101, 99.5, 100.5], [100.5, 102.1, 100, 101], flat(101), flat(101), flat(101)]);
    const [l] = labelEvents(b, volAt0(6), null, P);
    expect(l).toEqual({ eventIndex: 0, eventNs: T0 + HOUR, endIndex: 2, endNs: T0 + 3n * HOUR, barrier: 'pt', ret: 102 / 100 - 1, label: 1, vol: 0.01 });
  });

  it('labels the stop-loss when a later low reaches close * (1 - sl * vol * sqrt(horizon)), at the open on a gap', () => {
    const b = bars([flat(100), [99, 99.5, 99, 99.2], [97, 97.5, 96, 97], flat(97), flat(97)]);
    const [l] = labelEvents(b, volAt0(5), null, P);
    expect(l.barrier).toBe('sl');
    expect(l.endIndex, 'bar 2 opened below the stop').toBe(2);
    expect(l.endNs).toBe(T0 + 3n * HOUR);
    expect(l.ret, 'the gap fills at the open, 97, not at the stop, 98').toBeCloseTo(-0.03, 15);
    expect(l.label).toBe(-1);
  });

  it('counts a bar that reaches both barriers as the stop (conservative)', () => {
    const b = bars([flat(100), [100, 103, 97, 100], flat(100), flat(100), flat(100)]);
    const [l] = labelEvents(b, volAt0(5), null, P);
    expect([l.barrier, l.endIndex, l.label]).toEqual(['sl', 1, -1]);
    expect(l.ret).toBeCloseTo(-0.02, 15);
  });

  it('counts a bar that opened beyond the take-profit and then fell through the stop as the take-profit, at the open', () => {
    // Long: the open, 105, is already above the take-profit 102: it came first, whatever the low.
    const long = labelEvents(bars([flat(100), [105, 106, 95, 96], flat(96), flat(96), flat(96)]), volAt0(5), null, P)[0];
    expect([long.barrier, long.endIndex, long.label]).toEqual(['pt', 1, 1]);
    expect(long.ret).toBeCloseTo(0.05, 15);
    // Short (meta-label): the take-profit is below, 98; the bar opened at 95 and rallied through the stop 102.
    const short = labelEvents(bars([flat(100), [95, 106, 94, 105], flat(105), flat(105), flat(105)]), volAt0(5), [-1, 0, 0, 0, 0], P)[0];
    expect([short.barrier, short.endIndex, short.label, short.side]).toEqual(['pt', 1, 1, -1]);
    expect(short.ret).toBeCloseTo(0.05, 15);
  });

  it('labels by the sign of the return at the time barrier, or 0 with zeroAtTime', () => {
    const b = bars([flat(100), flat(101), flat(99), flat(100.5), [100.5, 101, 100, 100.7], flat(50)]);
    const [l] = labelEvents(b, volAt0(6), null, P);
    expect([l.barrier, l.endIndex, l.endNs, l.label]).toEqual(['time', 4, T0 + 5n * HOUR, 1]);
    expect(l.ret).toBeCloseTo(0.007, 15);
    expect(labelEvents(b, volAt0(6), null, { ...P, zeroAtTime: true })[0].label).toBe(0);
  });

  it('skips bars without a ready volatility and bars whose horizon runs past the data', () => {
    const b = bars(Array.from({ length: 8 }, () => flat(100)));
    const vol = Float64Array.from([NaN, NaN, 0.01, 0, 0.01, 0.01, 0.01, 0.01]);
    const labels = labelEvents(b, vol, null, P);
    expect(labels.map((l) => l.eventIndex), 'NaN (warm-up) and 0 have no barriers; 4 + 4 = 8 is past the last bar (7)').toEqual([2]);
    expect(labels[0]).toMatchObject({ barrier: 'time', ret: 0, label: 0, endIndex: 6 });
  });

  it('removes a barrier with a multiplier of 0', () => {
    const b = bars([flat(100), [100, 110, 100, 105], flat(105), flat(105), flat(105)]);
    expect(labelEvents(b, volAt0(5), null, { ...P, profitTake: 0 })[0]).toMatchObject({ barrier: 'time', endIndex: 4, label: 1 });
  });

  it('takes the barriers in the side\'s direction and meta-labels 1 only when the take-profit came first', () => {
    const down = bars([flat(100), [100, 100.5, 97.9, 98], flat(98), flat(98), flat(98)]);
    const short = labelEvents(down, volAt0(5), Int8Array.from([-1, 0, 0, 0, 0]), P);
    expect(short).toEqual([{ eventIndex: 0, eventNs: T0 + HOUR, endIndex: 1, endNs: T0 + 2n * HOUR, barrier: 'pt', ret: -(98 / 100 - 1), label: 1, vol: 0.01, side: -1 }]);
    const long = labelEvents(down, volAt0(5), Int8Array.from([1, 0, 0, 0, 0]), P);
    expect(long[0]).toMatchObject({ barrier: 'sl', label: 0, side: 1 });
    const up = bars([flat(100), [100, 102.5, 99.9, 102], flat(102), flat(102), flat(102)]);
    expect(labelEvents(up, volAt0(5), Int8Array.from([-1, 0, 0, 0, 0]), P)[0], 'a short is stopped above the entry').toMatchObject({ barrier: 'sl', label: 0, side: -1 });
    expect(labelEvents(up, volAt0(5), Int8Array.from([-1, 0, 0, 0, 0]), P)[0].ret).toBeCloseTo(-0.02, 15);
    const drift = bars([flat(100), flat(100.5), flat(100.5), flat(100.5), flat(101)]);
    expect(labelEvents(drift, volAt0(5), Int8Array.from([1, 0, 0, 0, 0]), P)[0], 'a positive return at the time barrier is no profit-take').toMatchObject({ barrier: 'time', label: 0 });
    expect(labelEvents(drift, volAt0(5), Int8Array.from([1, 0, 0, 0, 0]), P)[0].ret).toBeCloseTo(0.01, 15);
    expect(labelEvents(down, volAt0(5), Int8Array.from([0, 0, 0, 0, 0]), P), 'no side, no event').toEqual([]);
  });
});

/** A random walk of hourly bars with highs and lows around the closes. */
function walk(n: number, seed = 7): LabelBars {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows: [number, number, number, number][] = [];
  let c = 100;
  for (let i = 0; i < n; i++) {
    const o = c;
    c = o * Math.exp(0.01 * (rand() - 0.5));
    rows.push([o, Math.max(o, c) * (1 + 0.004 * rand()), Math.min(o, c) * (1 - 0.004 * rand()), c]);
  }
  return bars(rows);
}

/** Plain TS: sample std (N - 1) of the last 20 log returns, NaN before bar 20. */
function referenceRvol20(close: Float64Array): Float64Array {
  const out = new Float64Array(close.length).fill(NaN);
  for (let i = 20; i < close.length; i++) {
    const r = Array.from({ length: 20 }, (_, k) => Math.log(close[i - 19 + k] / close[i - 20 + k]));
    const mean = r.reduce((a, b) => a + b, 0) / 20;
    out[i] = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / 19);
  }
  return out;
}

describe('triple-barrier labels from the WASM indicator plans', () => {
  const b = walk(3000);

  it('sets the barriers from rvol:20 as computed in the core, equal to a TS reference within 1e-12 relative', () => {
    const labels = tripleBarrierLabels(b, { horizon: 10 });
    const reference = referenceRvol20(b.close);
    expect(labels[0].eventIndex, 'rvol:20 is ready on bar 20 (20 log returns)').toBe(20);
    expect(labels.length).toBe(3000 - 20 - 10);
    let worst = 0;
    for (const l of labels) worst = Math.max(worst, Math.abs(l.vol - reference[l.eventIndex]) / reference[l.eventIndex]);
    expect(worst, `largest relative difference ${worst}`).toBeLessThan(1e-12);
    const fromReference = tripleBarrierLabels(b, { horizon: 10, volatility: reference });
    const outcome = (l: (typeof labels)[number]) => `${l.eventIndex} ${l.endIndex} ${l.barrier} ${l.label}`;
    expect(fromReference.map(outcome), 'the same events and outcomes from the reference volatility').toEqual(labels.map(outcome));
  });

  it('takes any single-output token as the volatility and names the option for a bad one', () => {
    expect(tripleBarrierLabels(b, { volatility: 'rvol:50', horizon: 5 })[0].eventIndex, 'rvol:50 is ready on bar 50').toBe(50);
    expect(tripleBarrierLabels(b, { volatility: 'rvol:20@lag:3', horizon: 5 })[0].eventIndex, 'transforms apply: lagged 3 bars').toBe(23);
    expect(() => tripleBarrierLabels(b, { volatility: 'bb:20:2' })).toThrow(/`volatility` token `bb:20:2` must have one output, it has 5/);
    expect(() => tripleBarrierLabels(b, { volatility: 'nope:3' })).toThrow(/^`volatility`: /);
    expect(() => tripleBarrierLabels(b, { volatility: 'ema:20' }), 'a price-unit token').toThrow(/^`volatility` must be in return units .*`ema:20` changes when prices are multiplied by 1000 \(bar 19: /);
    expect(() => tripleBarrierLabels(b, { volatility: 'atr:14' })).toThrow(/`atr:14` changes when prices are multiplied by 1000/);
    expect(() => tripleBarrierLabels(b, { horizon: 0 })).toThrow('`horizon` must be an integer >= 1 (bars), was 0');
    expect(() => tripleBarrierLabels(b, { profitTake: -1 })).toThrow('`profitTake` must be a finite number >= 0 (0 removes the barrier), was -1');
  });

  it('meta-labels where a rule expression sets the side: long where it holds, short where not, none while warming up', () => {
    const labels = tripleBarrierLabels(b, { horizon: 10, side: 'ema:10 >= ema:30' });
    expect(labels[0].eventIndex, 'ema:30 is ready on bar 29').toBe(29);
    const sides = new Set(labels.map((l) => l.side));
    expect([...sides].sort()).toEqual([-1, 1]);
    expect(labels.every((l) => l.label === (l.barrier === 'pt' ? 1 : 0))).toBe(true);
    expect(() => tripleBarrierLabels(b, { side: 'ema:10 >=' })).toThrow(/`side` "ema:10 >=": at position 10 expected an operand/);
  });

  it('meta-labels where a rule strategy is long or short', () => {
    const strategy = {
      name: 'cross', type: 'rules', instruments: [], size: { quantity: 1 },
      long: { entry: 'ema:5 crosses_above ema:20', exit: 'ema:5 crosses_below ema:20' },
    } as const;
    const labels = tripleBarrierLabels(b, { horizon: 10, side: strategy });
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.every((l) => l.side === 1), 'long/flat: events only while long').toBe(true);
    const expression = tripleBarrierLabels(b, { horizon: 10, side: 'ema:5 >= ema:20' });
    const longBars = new Set(expression.filter((l) => l.side === 1).map((l) => l.eventIndex));
    const agree = labels.filter((l) => longBars.has(l.eventIndex)).length;
    expect(agree / labels.length, 'long after a cross above until the cross below: where ema:5 >= ema:20').toBeGreaterThan(0.95);
  });
});
