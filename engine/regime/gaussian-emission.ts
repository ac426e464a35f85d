// Per-state Gaussian log-densities. Precomputes, for each state k, a whitening matrix
// W_k = L_k^{-1} (Sigma_k = L_k L_k^T; diagonal: 1/sigma) and the log normaliser, so that
//   log N(x | mu_k, Sigma_k) = logNorm_k - 0.5 * || W_k (x - mu_k) ||^2
// costs O(d) (diag) or O(d^2) (full) per state, with no allocation.
import { choleskyLower, invertLower } from './cholesky.js';
import type { FeatureMatrix, GaussianHmm } from './gaussian-hmm.js';

const LOG_2PI = Math.log(2 * Math.PI);

export interface GaussianEmission {
  readonly states: number;
  readonly features: number;
  readonly full: boolean;
  readonly means: Float64Array; // [K*d]
  /** diag: [K*d] inverse standard deviations; full: [K*d*d] lower-triangular L^{-1}. */
  readonly whitening: Float64Array;
  readonly logNorm: Float64Array; // [K]
}

/** Throws when a covariance matrix is not positive definite. */
export function createGaussianEmission(model: GaussianHmm): GaussianEmission {
  const k = model.states;
  const d = model.features;
  const full = model.covarianceType === 'full';
  const whitening = new Float64Array(full ? k * d * d : k * d);
  const logNorm = new Float64Array(k);
  const lower = new Float64Array(d * d);
  for (let s = 0; s < k; s++) {
    let logDetW = 0;
    if (full) {
      if (!choleskyLower(model.covars, s * d * d, d, lower, 0)) {
        throw new Error(`\`covars\` of state ${s} must be positive definite, Cholesky factorisation failed`);
      }
      invertLower(lower, 0, d, whitening, s * d * d);
      for (let f = 0; f < d; f++) logDetW += Math.log(whitening[s * d * d + f * d + f]);
    } else {
      for (let f = 0; f < d; f++) {
        const w = 1 / Math.sqrt(model.covars[s * d + f]);
        whitening[s * d + f] = w;
        logDetW += Math.log(w);
      }
    }
    logNorm[s] = -0.5 * d * LOG_2PI + logDetW;
  }
  return { states: k, features: d, full, means: Float64Array.from(model.means), whitening, logNorm };
}

/** log N(x | state s) for the row starting at x[xOff]. */
export function emissionLogDensity(e: GaussianEmission, s: number, x: Float64Array, xOff: number): number {
  const d = e.features;
  const m = e.means;
  const w = e.whitening;
  let q = 0;
  if (e.full) {
    const base = s * d * d;
    for (let i = 0; i < d; i++) {
      let y = 0;
      const row = base + i * d;
      for (let j = 0; j <= i; j++) y += w[row + j] * (x[xOff + j] - m[s * d + j]);
      q += y * y;
    }
  } else {
    const base = s * d;
    for (let f = 0; f < d; f++) {
      const y = (x[xOff + f] - m[base + f]) * w[base + f];
      q += y * y;
    }
  }
  return e.logNorm[s] - 0.5 * q;
}

/** Fills out[t*K + k] with log N(x_t | state k) for every row of `x`. */
export function emissionLogDensities(e: GaussianEmission, x: FeatureMatrix, out: Float64Array): Float64Array {
  const k = e.states;
  const d = e.features;
  if (!e.full) {
    const X = x.data;
    const m = e.means;
    const w = e.whitening;
    const logNorm = e.logNorm;
    for (let t = 0; t < x.rows; t++) {
      const r = t * d;
      for (let s = 0; s < k; s++) {
        let q = 0;
        const base = s * d;
        for (let f = 0; f < d; f++) {
          const y = (X[r + f] - m[base + f]) * w[base + f];
          q += y * y;
        }
        out[t * k + s] = logNorm[s] - 0.5 * q;
      }
    }
    return out;
  }
  for (let t = 0; t < x.rows; t++) {
    for (let s = 0; s < k; s++) out[t * k + s] = emissionLogDensity(e, s, x.data, t * d);
  }
  return out;
}
