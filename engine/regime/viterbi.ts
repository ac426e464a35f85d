// Viterbi decoding in log space: the most likely state path, used for offline labels.
import { createGaussianEmission, emissionLogDensities } from './gaussian-emission.js';
import { checkFeatureMatrix, checkGaussianHmm, type FeatureMatrix, type GaussianHmm } from './gaussian-hmm.js';

export interface ViterbiResult {
  readonly states: Int32Array;
  /** log P(x, best path). */
  readonly logProbability: number;
}

export function viterbi(model: GaussianHmm, x: FeatureMatrix): ViterbiResult {
  checkGaussianHmm(model);
  checkFeatureMatrix(x, model.features);
  const K = model.states;
  const T = x.rows;
  const logB = emissionLogDensities(createGaussianEmission(model), x, new Float64Array(T * K));
  const logA = model.transMat.map(Math.log);
  const delta = new Float64Array(K);
  const next = new Float64Array(K);
  const back = new Int32Array(T * K);
  for (let k = 0; k < K; k++) delta[k] = Math.log(model.startProb[k]) + logB[k];
  for (let t = 1; t < T; t++) {
    for (let j = 0; j < K; j++) {
      let best = -Infinity;
      let arg = 0;
      for (let i = 0; i < K; i++) {
        const v = delta[i] + logA[i * K + j];
        if (v > best) {
          best = v;
          arg = i;
        }
      }
      next[j] = best + logB[t * K + j];
      back[t * K + j] = arg;
    }
    delta.set(next);
  }
  let last = 0;
  for (let k = 1; k < K; k++) if (delta[k] > delta[last]) last = k;
  const states = new Int32Array(T);
  states[T - 1] = last;
  for (let t = T - 1; t > 0; t--) states[t - 1] = back[t * K + states[t]];
  return { states, logProbability: delta[last] };
}
