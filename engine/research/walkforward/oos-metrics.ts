// Out-of-sample metrics of an equity curve (one point per bar close) and the stitching of
// fold curves into one OOS curve: each fold's curve is rescaled so it starts where the
// previous one ended (compounded returns). Sharpe is engine/research/stats's per-period
// Sharpe of the bar-to-bar returns (from the starting equity), annualised by sqrt(bars per
// year) as the backtest report does: the bars the curves have over their spans in 365.25-day
// years (~8,766 hourly bars a year around the clock, ~252 daily bars of a market closed at
// weekends). Curves are measured one by one, so the gap between two test windows that do not
// touch counts for nothing.
import { observedPeriodsPerYear, sampling } from '../../backtest/report/index.js';
import { sharpeRatio } from '../stats/index.js';

export interface EquitySample {
  readonly timeNs: bigint;
  readonly equity: number;
}

export interface OosMetrics {
  /** finalEquity / startingEquity - 1. */
  readonly return: number;
  /** Annualised Sharpe of bar returns (NaN with fewer than two bars; null in JSON). */
  readonly sharpe: number;
  /** Largest peak-to-trough fall, a fraction of the peak (>= 0). */
  readonly maxDrawdown: number;
  readonly bars: number;
  readonly startingEquity: number;
  readonly finalEquity: number;
}

/**
 * Bars per year of the curves: their intervals (positive gaps between consecutive points) over
 * their spans (each curve's first to last point), summed over the curves; null without an interval.
 */
export function curvesPerYear(curves: readonly (readonly EquitySample[])[]): number | null {
  let intervals = 0;
  let spanNs = 0;
  for (const curve of curves) {
    const spacing = sampling(curve.map((p) => p.timeNs));
    intervals += spacing.intervals;
    spanNs += spacing.spanNs;
  }
  return observedPeriodsPerYear(intervals, spanNs);
}

/** The curve's metrics; its Sharpe annualised with `perYear` (curvesPerYear of the pieces it was stitched from; NaN when null). */
export function oosMetrics(startingEquity: number, curve: readonly EquitySample[], perYear: number | null): OosMetrics {
  const returns = new Float64Array(curve.length);
  let previous = startingEquity;
  let peak = startingEquity;
  let maxDrawdown = 0;
  curve.forEach((point, i) => {
    returns[i] = point.equity / previous - 1;
    previous = point.equity;
    if (point.equity > peak) peak = point.equity;
    if (peak > 0) maxDrawdown = Math.max(maxDrawdown, (peak - point.equity) / peak);
  });
  const finalEquity = curve.length > 0 ? curve[curve.length - 1].equity : startingEquity;
  const barsPerYear = perYear ?? Number.NaN;
  return {
    return: finalEquity / startingEquity - 1,
    sharpe: sharpeRatio(returns) * Math.sqrt(barsPerYear),
    maxDrawdown,
    bars: curve.length,
    startingEquity,
    finalEquity,
  };
}

/** Curves (each starting from `startingEquity`) chained end to start, in the given order. */
export function stitchCurves(startingEquity: number, curves: readonly (readonly EquitySample[])[]): EquitySample[] {
  const stitched: EquitySample[] = [];
  let level = startingEquity;
  for (const curve of curves) {
    const scale = level / startingEquity;
    for (const point of curve) stitched.push({ timeNs: point.timeNs, equity: point.equity * scale });
    if (curve.length > 0) level = curve[curve.length - 1].equity * scale;
  }
  return stitched;
}

/** The equity curve from `fromNs` (inclusive) to `toNs` (exclusive), rebased to start at `startingEquity` from the level just before `fromNs`. */
export function curvePiece(startingEquity: number, curve: readonly EquitySample[], fromNs: bigint, toNs: bigint): EquitySample[] {
  let base = startingEquity;
  for (const point of curve) if (point.timeNs < fromNs) base = point.equity;
  return curve.filter((p) => p.timeNs >= fromNs && p.timeNs < toNs).map((p) => ({ timeNs: p.timeNs, equity: (p.equity / base) * startingEquity }));
}
