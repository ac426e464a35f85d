// Out-of-sample metrics: the Sharpe is annualised with the bars the test windows have over their
// own spans (a market closed at weekends has ~252 daily bars a year, not 365.25), and the time
// between two test windows that do not touch is not counted.
import { describe, expect, it } from 'vitest';
import { sharpeRatio } from '../stats/index.js';
import { curvesPerYear, oosMetrics, type EquitySample } from './oos-metrics.js';

const DAY = 86_400_000_000_000n;
const MONDAY = BigInt(Date.UTC(2024, 0, 1, 21)) * 1_000_000n;

/** Daily closes Monday to Friday for `days` calendar days from `start`. */
function weekdayCurve(start: bigint, days: number): EquitySample[] {
  const curve: EquitySample[] = [];
  for (let d = 0; d < days; d++) if (d % 7 < 5) curve.push({ timeNs: start + BigInt(d) * DAY, equity: 100 + ((d * 7) % 5) });
  return curve;
}

describe('out-of-sample annualisation', () => {
  it('counts the bars a curve has over its span: ~261 a year for weekday closes', () => {
    const curve = weekdayCurve(MONDAY, 364);
    const span = Number(curve[curve.length - 1].timeNs - curve[0].timeNs) / Number(DAY);
    const perYear = curvesPerYear([curve])!;
    expect(perYear).toBeCloseTo((curve.length - 1) / (span / 365.25), 9);
    expect(perYear).toBeGreaterThan(255);
    expect(perYear).toBeLessThan(265);
    const returns = Float64Array.from(curve, (p, i) => p.equity / (i === 0 ? 100 : curve[i - 1].equity) - 1);
    expect(oosMetrics(100, curve, perYear).sharpe).toBeCloseTo(sharpeRatio(returns) * Math.sqrt(perYear), 12);
  });

  it('leaves out the time between two test windows', () => {
    const first = weekdayCurve(MONDAY, 28);
    const second = weekdayCurve(MONDAY + 365n * DAY, 28);
    const pooled = curvesPerYear([first, second])!;
    const spans = Number(first[first.length - 1].timeNs - first[0].timeNs) + Number(second[second.length - 1].timeNs - second[0].timeNs);
    expect(pooled).toBeCloseTo((first.length - 1 + second.length - 1) / (spans / Number(DAY) / 365.25), 9);
    expect(pooled, 'the year between the windows would make it ~40').toBeGreaterThan(250);
  });

  it('has no rate without an interval, and then no Sharpe', () => {
    expect(curvesPerYear([])).toBeNull();
    expect(curvesPerYear([[{ timeNs: MONDAY, equity: 100 }]])).toBeNull();
    expect(Number.isNaN(oosMetrics(100, [{ timeNs: MONDAY, equity: 101 }], null).sharpe)).toBe(true);
  });
});
