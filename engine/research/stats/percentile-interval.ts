// Percentile intervals of a Monte Carlo distribution: the (1 - level)/2, 1/2 and (1 + level)/2
// sample quantiles, each by linear interpolation between order statistics (Hyndman & Fan,
// "Sample Quantiles in Statistical Packages", The American Statistician 50(4), 1996, definition
// 7: h = (m - 1) q, the default of numpy.quantile and R's quantile). NaN values (an undefined
// metric on some resample) are left out.

export interface PercentileInterval {
  readonly low: number;
  readonly median: number;
  readonly high: number;
}

/** Sample quantile q in [0, 1] of ascending `sorted` (Hyndman-Fan type 7). */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const m = sorted.length;
  if (m === 0) return Number.NaN;
  const h = (m - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(m - 1, lo + 1);
  const a = sorted[lo];
  const b = sorted[hi];
  // Equal neighbours (infinities included) need no interpolation.
  return a === b ? a : a + (h - lo) * (b - a);
}

/** low / median / high at the central `level` (0.95: the 2.5%, 50% and 97.5% quantiles). */
export function percentileInterval(values: ArrayLike<number>, level: number): PercentileInterval {
  if (!(level > 0 && level < 1)) throw new RangeError(`\`level\` must be in (0, 1), was ${level}`);
  const kept: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) kept.push(values[i]);
  if (kept.length === 0) throw new RangeError('`values` must hold at least one number that is not NaN');
  const sorted = Float64Array.from(kept).sort();
  return {
    low: sortedQuantile(sorted, (1 - level) / 2),
    median: sortedQuantile(sorted, 0.5),
    high: sortedQuantile(sorted, (1 + level) / 2),
  };
}
