// Latency percentiles the benches share: an hdr histogram of nanoseconds (1 ns .. 60 s, 3
// significant digits), its p50 / p99 / p99.9 / max, and the median of several repetitions'
// percentiles (max: the largest).
import hdr from 'hdr-histogram-js';

export interface Percentiles {
  p50Ns: number;
  p99Ns: number;
  p999Ns: number;
  maxNs: number;
}

export function latencyHistogram() {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3 });
}

export type LatencyHistogram = ReturnType<typeof latencyHistogram>;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The histogram's percentiles, each at most its largest recorded value: hdr gives a percentile as
 * the highest value equivalent to its bucket (up to 0.1% above what was recorded at 3 digits),
 * but `maxValue` exactly, so an uncapped p99.9 could exceed the max (seen: 744,703 > 744,614 ns).
 */
export function percentiles(h: LatencyHistogram): Percentiles {
  const max = h.maxValue;
  const at = (q: number): number => Math.min(h.getValueAtPercentile(q), max);
  return { p50Ns: at(50), p99Ns: at(99), p999Ns: at(99.9), maxNs: max };
}

export function medianPercentiles(samples: readonly Percentiles[]): Percentiles {
  return {
    p50Ns: median(samples.map((s) => s.p50Ns)),
    p99Ns: median(samples.map((s) => s.p99Ns)),
    p999Ns: median(samples.map((s) => s.p999Ns)),
    maxNs: Math.max(...samples.map((s) => s.maxNs)),
  };
}
