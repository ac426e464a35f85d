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

export function percentiles(h: LatencyHistogram): Percentiles {
  return { p50Ns: h.getValueAtPercentile(50), p99Ns: h.getValueAtPercentile(99), p999Ns: h.getValueAtPercentile(99.9), maxNs: h.maxValue };
}

export function medianPercentiles(samples: readonly Percentiles[]): Percentiles {
  return {
    p50Ns: median(samples.map((s) => s.p50Ns)),
    p99Ns: median(samples.map((s) => s.p99Ns)),
    p999Ns: median(samples.map((s) => s.p999Ns)),
    maxNs: Math.max(...samples.map((s) => s.maxNs)),
  };
}
