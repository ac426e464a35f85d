// Return-based metrics of an equity series (account equity after each bar close). Every
// figure is computed from per-period simple returns r_i = E_i / E_(i-1) - 1 between
// consecutive equity points, and annualised with the series' observed sampling: its intervals
// over its span in 365.25-day years. That is ~8,766 a year for hourly bars of a market that
// trades around the clock, ~252 for daily bars of an exchange closed at weekends and holidays,
// ~1,640 for hourly bars of a 6.5-hour session. (Until Dec 2026 it was 365.25 days over the
// median interval, which counts the nights and weekends a session market has no bar as
// periods: it overstated such a book's Sharpe by sqrt(365.25 / 252) = 1.20x on daily bars and
// ~2.3x on hourly ones.) Undefined values are null.

export const NS_PER_DAY = 86_400e9;
/** Days per year used for annualising (CAGR, periods per year). */
export const DAYS_PER_YEAR = 365.25;
export const NS_PER_YEAR = DAYS_PER_YEAR * NS_PER_DAY;

/** Median of the positive gaps between consecutive times, ns; null with fewer than two distinct times. */
export function medianIntervalNs(timesNs: readonly bigint[]): number | null {
  const all = new Float64Array(Math.max(0, timesNs.length - 1));
  let count = 0;
  for (let i = 1; i < timesNs.length; i++) {
    const gap = Number(timesNs[i] - timesNs[i - 1]);
    if (gap > 0) all[count++] = gap;
  }
  return medianGapNs(all.subarray(0, count));
}

/**
 * Median of gaps (ns, finite; reordered in place); null when there is none. A selection, not a
 * sort: a sweep computes this for every run (sorting a year of hourly gaps took ~1.3 ms a run).
 */
export function medianGapNs(gaps: Float64Array): number | null {
  const count = gaps.length;
  if (count === 0) return null;
  const mid = count >> 1;
  const upper = selectInPlace(gaps, mid);
  if (count % 2 === 1) return upper;
  // After the selection every value left of `mid` is <= gaps[mid]: the lower middle is their maximum.
  let lower = gaps[0];
  for (let i = 1; i < mid; i++) if (gaps[i] > lower) lower = gaps[i];
  return (lower + upper) / 2;
}

/**
 * Reorders `a` so that a[k] holds the value a sort would put there, everything left of it <= it
 * and everything right of it >= it; returns a[k] (Hoare partitions around a median-of-three
 * pivot, so runs of equal values, the usual case for bar gaps, split evenly).
 */
function selectInPlace(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const m = lo + ((hi - lo) >> 1);
    const x = a[lo], y = a[m], z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // [lo, j] <= pivot, [i, hi] >= pivot, and anything between equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** How points at `timesNs` (in order) are spaced: their positive gaps, and first to last, ns (0 with fewer than two). */
export function sampling(timesNs: readonly bigint[]): { readonly intervals: number; readonly spanNs: number } {
  let intervals = 0;
  for (let i = 1; i < timesNs.length; i++) if (timesNs[i] > timesNs[i - 1]) intervals++;
  return { intervals, spanNs: timesNs.length > 1 ? Number(timesNs[timesNs.length - 1] - timesNs[0]) : 0 };
}

/** Periods per year of points at `timesNs` (in order): observedPeriodsPerYear of their sampling. */
export function periodsPerYear(timesNs: readonly bigint[]): number | null {
  const { intervals, spanNs } = sampling(timesNs);
  return observedPeriodsPerYear(intervals, spanNs);
}

/**
 * How often a series has a point in a year: `intervals` (positive gaps between consecutive
 * points) over `spanNs` (first to last point) in 365.25-day years; null without an interval.
 */
export function observedPeriodsPerYear(intervals: number, spanNs: number): number | null {
  return intervals > 0 && spanNs > 0 ? intervals / (spanNs / NS_PER_YEAR) : null;
}

/** r_i = E_i / E_(i-1) - 1 for i = 1..n-1 (NaN where E_(i-1) is 0). */
export function simpleReturns(values: readonly number[]): number[] {
  const returns: number[] = [];
  for (let i = 1; i < values.length; i++) returns.push(values[i] / values[i - 1] - 1);
  return returns;
}

export interface ReturnStats {
  /** Number of returns (periods). */
  readonly periods: number;
  /** Arithmetic mean of the per-period returns. */
  readonly meanReturn: number | null;
  /** Compounded return over the periods: prod(1 + r_i) - 1. */
  readonly compoundedReturn: number | null;
  /** Sample std (n - 1) of the per-period returns * sqrt(periods per year). */
  readonly annualisedVolatility: number | null;
  /** mean / sample std of per-period returns * sqrt(periods per year); risk-free 0; null when std is 0 or n < 2. */
  readonly sharpe: number | null;
  /**
   * mean / downside deviation * sqrt(periods per year); target 0, downside deviation =
   * sqrt(sum(min(r_i, 0)^2) / n) over all n periods; null when no period lost.
   */
  readonly sortino: number | null;
}

/** Mean, compounded return, annualised volatility, Sharpe and Sortino of per-period returns. */
export function returnStats(returns: readonly number[], perYear: number | null): ReturnStats {
  const n = returns.length;
  if (n === 0) return { periods: 0, meanReturn: null, compoundedReturn: null, annualisedVolatility: null, sharpe: null, sortino: null };
  let sum = 0;
  let growth = 1;
  let downsideSquares = 0;
  for (const r of returns) {
    sum += r;
    growth *= 1 + r;
    if (r < 0) downsideSquares += r * r;
  }
  const mean = sum / n;
  let squares = 0;
  for (const r of returns) squares += (r - mean) * (r - mean);
  const std = n > 1 ? Math.sqrt(squares / (n - 1)) : null;
  const downside = Math.sqrt(downsideSquares / n);
  const root = perYear === null ? null : Math.sqrt(perYear);
  return {
    periods: n,
    meanReturn: mean,
    compoundedReturn: growth - 1,
    annualisedVolatility: std === null || root === null ? null : std * root,
    sharpe: std === null || std === 0 || root === null ? null : (mean / std) * root,
    sortino: downside === 0 || root === null ? null : (mean / downside) * root,
  };
}

/**
 * CAGR = (E_last / E_first) ^ (365.25 days / (t_last - t_first)) - 1; -1 when the equity
 * ended at or below 0; null over a zero span or from a non-positive start.
 */
export function cagr(firstNs: bigint, lastNs: bigint, first: number, last: number): number | null {
  const span = Number(lastNs - firstNs);
  if (!(span > 0) || !(first > 0)) return null;
  if (last <= 0) return -1;
  return Math.pow(last / first, NS_PER_YEAR / span) - 1;
}

export interface MaxDrawdown {
  /** Largest fall from a running peak: max_i (1 - E_i / max_(j<=i) E_j), a fraction (0.25 = 25%). */
  readonly maxDrawdown: number;
  /** Times and indices (into the equity series) of the peak before the worst trough, the trough, and the recovery. */
  readonly peakIndex: number | null;
  readonly troughIndex: number | null;
  /** First point after the trough back at or above the peak; null if never recovered. */
  readonly recoveryIndex: number | null;
  /**
   * Duration of that drawdown: from its peak to its recovery, or to the last point when it
   * never recovered; in bars (equity intervals) and in days.
   */
  readonly durationBars: number;
  readonly durationDays: number;
  readonly recovered: boolean;
}

/** The largest fall from a running peak (a fraction), with the peak's and the trough's indices (-1: none). */
export function worstDrawdown(values: ArrayLike<number>): { worst: number; peakAt: number; troughAt: number } {
  let peak = -Infinity;
  let peakAt = -1;
  let worst = 0;
  let worstPeakAt = -1;
  let troughAt = -1;
  for (let i = 0; i < values.length; i++) {
    if (values[i] > peak) {
      peak = values[i];
      peakAt = i;
    } else if (peak > 0) {
      const dd = 1 - values[i] / peak;
      if (dd > worst) {
        worst = dd;
        worstPeakAt = peakAt;
        troughAt = i;
      }
    }
  }
  return { worst, peakAt: worstPeakAt, troughAt };
}

/** The maximum drawdown of the series and its duration (peak to recovery, or to the end). */
export function maxDrawdown(timesNs: readonly bigint[], values: readonly number[]): MaxDrawdown {
  const { worst, peakAt: worstPeakAt, troughAt } = worstDrawdown(values);
  if (worstPeakAt < 0) return { maxDrawdown: 0, peakIndex: null, troughIndex: null, recoveryIndex: null, durationBars: 0, durationDays: 0, recovered: true };
  let recoveryAt: number | null = null;
  for (let i = troughAt + 1; i < values.length; i++) {
    if (values[i] >= values[worstPeakAt]) {
      recoveryAt = i;
      break;
    }
  }
  const endAt = recoveryAt ?? values.length - 1;
  return {
    maxDrawdown: worst,
    peakIndex: worstPeakAt,
    troughIndex: troughAt,
    recoveryIndex: recoveryAt,
    durationBars: endAt - worstPeakAt,
    durationDays: Number(timesNs[endAt] - timesNs[worstPeakAt]) / NS_PER_DAY,
    recovered: recoveryAt !== null,
  };
}

/** Drawdown at each point: E_i / max_(j<=i) E_j - 1 (0 at a new high, negative below it). */
export function drawdownSeries(values: readonly number[]): number[] {
  let peak = -Infinity;
  return values.map((v) => {
    if (v > peak) peak = v;
    return peak > 0 ? v / peak - 1 : 0;
  });
}
