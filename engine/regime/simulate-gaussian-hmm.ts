// Draws a state path and observations from a known Gaussian HMM (seeded), for recovery
// tests and benchmarks.
import { choleskyLower } from './cholesky.js';
import { checkGaussianHmm, type FeatureMatrix, type GaussianHmm } from './gaussian-hmm.js';
import { SeededRandom } from './seeded-random.js';

export interface SimulatedSequence {
  readonly features: FeatureMatrix;
  readonly states: Int32Array;
}

function draw(probs: Float64Array, offset: number, n: number, rng: SeededRandom): number {
  let u = rng.next();
  for (let k = 0; k < n - 1; k++) {
    u -= probs[offset + k];
    if (u < 0) return k;
  }
  return n - 1;
}

export function simulateGaussianHmm(model: GaussianHmm, rows: number, seed: number): SimulatedSequence {
  checkGaussianHmm(model);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`\`rows\` must be an integer >= 1, was ${rows}`);
  const K = model.states;
  const d = model.features;
  const full = model.covarianceType === 'full';
  const lower = new Float64Array(K * d * d);
  for (let k = 0; k < K; k++) {
    if (full) {
      if (!choleskyLower(model.covars, k * d * d, d, lower, k * d * d)) throw new Error(`\`covars\` of state ${k} must be positive definite`);
    } else {
      for (let f = 0; f < d; f++) lower[k * d * d + f * d + f] = Math.sqrt(model.covars[k * d + f]);
    }
  }
  const rng = new SeededRandom(seed);
  const data = new Float64Array(rows * d);
  const states = new Int32Array(rows);
  const z = new Float64Array(d);
  let s = draw(model.startProb, 0, K, rng);
  for (let t = 0; t < rows; t++) {
    if (t > 0) s = draw(model.transMat, s * K, K, rng);
    states[t] = s;
    for (let f = 0; f < d; f++) z[f] = rng.nextGaussian();
    for (let i = 0; i < d; i++) {
      let v = model.means[s * d + i];
      for (let j = 0; j <= i; j++) v += lower[s * d * d + i * d + j] * z[j];
      data[t * d + i] = v;
    }
  }
  return { features: { rows, cols: d, data }, states };
}
