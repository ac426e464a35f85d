// Sharpe ratio, maximum drawdown and CAGR of one equity path, with report.json's definitions
// (engine/backtest/report/return-metrics.ts, METRIC_DEFINITIONS): returns r_i = E_i / E_(i-1) - 1;
// Sharpe = mean(r) / sample std(r) * sqrt(periods per year) (risk-free 0); maximum drawdown =
// max_i (1 - E_i / max_(j<=i) E_j); CAGR = (E_last / E_first) ^ (365.25 days / span) - 1, -1 when
// the path ends at or below 0. A resampled path keeps the original run's span and sampling.
import { sharpeRatio } from '../stats/index.js';

export const NS_PER_YEAR = 365.25 * 86_400e9;

export interface PathMetrics {
  /** Annualised; NaN when undefined (fewer than 2 returns). */
  readonly sharpe: number;
  readonly maxDrawdown: number;
  /** NaN over a zero span or from a non-positive start. */
  readonly cagr: number;
}

/** Metrics of the equity path `equity` (E_0..E_n) spanning `spanNs`, annualised with `periodsPerYear`. */
export function pathMetrics(equity: ArrayLike<number>, spanNs: number, periodsPerYear: number, returns?: Float64Array): PathMetrics {
  const n = equity.length;
  const r = returns && returns.length === n - 1 ? returns : new Float64Array(Math.max(0, n - 1));
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const e = equity[i];
    if (i > 0) r[i - 1] = e / equity[i - 1] - 1;
    if (e > peak) peak = e;
    else if (peak > 0) {
      const dd = 1 - e / peak;
      if (dd > worst) worst = dd;
    }
  }
  return { sharpe: sharpeRatio(r) * Math.sqrt(periodsPerYear), maxDrawdown: worst, cagr: growthRate(equity[0], equity[n - 1], spanNs) };
}

/** CAGR as report.json defines it; NaN where the report has null. */
export function growthRate(first: number, last: number, spanNs: number): number {
  if (!(spanNs > 0) || !(first > 0)) return Number.NaN;
  if (last <= 0) return -1;
  return Math.pow(last / first, NS_PER_YEAR / spanNs) - 1;
}

/** The equity path E_0 = start, E_i = E_(i-1) (1 + r_i), written into `out` (length returns + 1). */
export function compoundPath(start: number, returns: ArrayLike<number>, out: Float64Array): Float64Array {
  out[0] = start;
  for (let i = 0; i < returns.length; i++) out[i + 1] = out[i] * (1 + returns[i]);
  return out;
}
