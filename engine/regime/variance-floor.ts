// Variance floors: the smallest variance a state may take for each feature, as a fraction
// of that feature's variance over the whole training set. A state that collapses onto a
// few identical rows would otherwise reach variance 0 and a log-likelihood of +Infinity.
import type { FeatureMatrix } from './gaussian-hmm.js';

/** Fraction of the global per-feature variance used as floor unless told otherwise. */
export const DEFAULT_VARIANCE_FLOOR_FRACTION = 1e-6;

/** Per-feature population variance of `x`. */
export function featureVariances(x: FeatureMatrix): Float64Array {
  const d = x.cols;
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  for (let t = 0; t < x.rows; t++) for (let f = 0; f < d; f++) mean[f] += x.data[t * d + f];
  for (let f = 0; f < d; f++) mean[f] /= x.rows;
  for (let t = 0; t < x.rows; t++) {
    for (let f = 0; f < d; f++) {
      const u = x.data[t * d + f] - mean[f];
      variance[f] += u * u;
    }
  }
  for (let f = 0; f < d; f++) variance[f] /= x.rows;
  return variance;
}

/**
 * Floors per feature: fraction * variance, and never below the smallest positive normal
 * scale (1e-300) so a constant feature still gets a usable, positive variance.
 */
export function varianceFloors(x: FeatureMatrix, fraction: number = DEFAULT_VARIANCE_FLOOR_FRACTION): Float64Array {
  if (!Number.isFinite(fraction) || fraction <= 0 || fraction >= 1) {
    throw new Error(`\`varianceFloorFraction\` must be a number in (0, 1), was ${fraction}`);
  }
  const v = featureVariances(x);
  const floors = new Float64Array(x.cols);
  for (let f = 0; f < x.cols; f++) floors[f] = Math.max(v[f] * fraction, 1e-300);
  return floors;
}
