// Per-period Sharpe ratio and the sample moments of a return series that the selection
// statistics take. Sharpe = mean / sample standard deviation (n - 1), per period, not
// annualised, risk-free rate 0: the same definition as report.json's before its
// sqrt(periodsPerYear) (engine/backtest/report/return-metrics.ts). Skewness and kurtosis are the
// moment ratios m3 / m2^(3/2) and m4 / m2^2 of the population (1/n) central moments, as Bailey &
// Lopez de Prado use them ("The Deflated Sharpe Ratio", J. Portfolio Management 40(5), 2014,
// eq. 2: gamma3, gamma4 with gamma4 = 3 for a normal) and as scipy.stats.skew and
// scipy.stats.kurtosis(fisher=False) compute them by default. Kurtosis is NOT excess kurtosis.

export interface ReturnMoments {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1); NaN when n < 2. */
  readonly std: number;
  /** m3 / m2^(3/2) (population moments); NaN when n < 2 or the returns are constant. */
  readonly skewness: number;
  /** m4 / m2^2 (population moments; a normal has 3); NaN when n < 2 or the returns are constant. */
  readonly kurtosis: number;
}

/**
 * mean / sample std of the per-period returns (not annualised, risk-free 0). NaN (undefined)
 * with fewer than two returns or zero variance (a run without trades: flat equity), as
 * report.json's null Sharpe: callers print n/a, rank it below every defined one and never deflate it.
 */
export function sharpeRatio(returns: ArrayLike<number>): number {
  const n = returns.length;
  if (n < 2) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += returns[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = returns[i] - mean;
    squares += d * d;
  }
  return sharpeFromMoments(mean, squares / (n - 1));
}

/** mean / sqrt(variance); NaN (undefined) for zero variance, as sharpeRatio. */
export function sharpeFromMoments(mean: number, variance: number): number {
  if (Number.isNaN(mean) || Number.isNaN(variance)) return Number.NaN;
  if (variance <= 0) return Number.NaN;
  return mean / Math.sqrt(variance);
}

/** n, mean, sample std, skewness and (non-excess) kurtosis of the returns. */
export function returnMoments(returns: ArrayLike<number>): ReturnMoments {
  const n = returns.length;
  if (n === 0) return { n: 0, mean: Number.NaN, std: Number.NaN, skewness: Number.NaN, kurtosis: Number.NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += returns[i];
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = returns[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : Number.NaN;
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const constant = !(m2 > 0) || n < 2;
  return {
    n,
    mean,
    std,
    skewness: constant ? Number.NaN : m3 / Math.pow(m2, 1.5),
    kurtosis: constant ? Number.NaN : m4 / (m2 * m2),
  };
}
