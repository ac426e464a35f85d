// EquitySeries: the recorder's equity columns give the rows, span and points the object list gave.
import { describe, expect, it } from 'vitest';
import { EquitySeries } from './equity-series.js';
import { observedPeriodsPerYear, periodsPerYear } from './report/index.js';

const words = (t: bigint): [number, number] => [Number(BigInt.asIntN(32, t >> 32n)), Number(BigInt.asUintN(32, t))];

describe('EquitySeries', () => {
  it('keeps one row per close time (the last bar of a time wins), across growth', () => {
    const series = new EquitySeries();
    const start = 1_713_330_000_000_000_000n;
    for (let i = 0; i < 3000; i++) {
      const t = start + BigInt(i) * 3_600_000_000_000n;
      series.push(...words(t), 100 + i, 50);
      series.push(...words(t), 200 + i, 60); // a second instrument's bar of the same close
    }
    expect(series.length).toBe(3000);
    expect(series.equity()[2999]).toBe(3199);
    const points = series.toPoints();
    expect(points[1]).toEqual({ timeNs: start + 3_600_000_000_000n, equity: 201, cash: 60 });
    expect(series.toPoints()).toBe(points); // built once
    expect(EquitySeries.fromPoints(points).toPoints()).toEqual(points);
  });

  it('gives the span of its close times, which annualises the run as the report does (negative times and 32-bit carries too)', () => {
    const times = [-5_000_000_000n, -1n, 0n, 0n, 4_294_967_295n, 4_294_967_296n, 9_000_000_000_000n, 9_000_000_000_000n + 3_600_000_000_000n];
    const series = new EquitySeries();
    times.forEach((t, i) => series.push(...words(t), i, i));
    const distinct = [...new Set(times)];
    expect(series.length).toBe(distinct.length);
    expect(series.spanNs()).toBe(Number(distinct[distinct.length - 1] - distinct[0]));
    expect(observedPeriodsPerYear(series.length - 1, series.spanNs())).toBe(periodsPerYear(times));
    expect(new EquitySeries().spanNs()).toBe(0);
    const one = new EquitySeries();
    one.push(...words(7n), 1, 1);
    expect(one.spanNs()).toBe(0);
  });
});
