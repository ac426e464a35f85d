// The online forward filter in TypeScript: filtered state probabilities P(s_t | x_0..x_t)
// and the log-likelihood increment log p(x_t | x_0..x_{t-1}) per bar, O(K^2 + K*d) per
// step (O(K*d^2) for full covariance), no allocation per step. The WASM core
// (wasm/assembly/hmm/hmm-filter.ts) runs the same arithmetic in the same order; the
// tests hold the two to 1e-12.
//
// Step: pred_j = pi_j (first bar) or sum_i p_i A_ij; v_j = pred_j exp(logb_j - max logb);
// c = sum v_j; p_j = v_j / c; increment = log c + max logb. If c underflows to 0 the step
// is redone in log space, so the filter never returns NaN for finite features.
import { createGaussianEmission, emissionLogDensity, type GaussianEmission } from './gaussian-emission.js';
import { checkGaussianHmm, type GaussianHmm } from './gaussian-hmm.js';

export class ForwardFilter {
  readonly emission: GaussianEmission;
  readonly probabilities: Float64Array;
  steps = 0;
  logLikelihood = 0;
  lastIncrement = 0;
  private readonly logB: Float64Array;
  private readonly pred: Float64Array;

  constructor(readonly model: GaussianHmm) {
    checkGaussianHmm(model);
    this.emission = createGaussianEmission(model);
    this.probabilities = new Float64Array(model.states);
    this.logB = new Float64Array(model.states);
    this.pred = new Float64Array(model.states);
  }

  reset(): void {
    this.probabilities.fill(0);
    this.steps = 0;
    this.logLikelihood = 0;
    this.lastIncrement = 0;
  }

  /** Filters the feature row at x[offset..offset+d); returns the most probable state. */
  step(x: Float64Array, offset = 0): number {
    const K = this.model.states;
    const A = this.model.transMat;
    const p = this.probabilities;
    const logB = this.logB;
    const pred = this.pred;
    let max = -Infinity;
    for (let j = 0; j < K; j++) {
      const v = emissionLogDensity(this.emission, j, x, offset);
      logB[j] = v;
      if (v > max) max = v;
    }
    if (this.steps === 0) {
      for (let j = 0; j < K; j++) pred[j] = this.model.startProb[j];
    } else {
      for (let j = 0; j < K; j++) {
        let s = 0;
        for (let i = 0; i < K; i++) s += p[i] * A[i * K + j];
        pred[j] = s;
      }
    }
    let c = 0;
    for (let j = 0; j < K; j++) {
      const v = pred[j] * Math.exp(logB[j] - max);
      p[j] = v;
      c += v;
    }
    let increment: number;
    if (c > 0) {
      const inv = 1 / c;
      for (let j = 0; j < K; j++) p[j] *= inv;
      increment = Math.log(c) + max;
    } else {
      let m = -Infinity;
      for (let j = 0; j < K; j++) {
        const v = Math.log(pred[j]) + logB[j];
        logB[j] = v;
        if (v > m) m = v;
      }
      let s = 0;
      for (let j = 0; j < K; j++) s += Math.exp(logB[j] - m);
      increment = m + Math.log(s);
      for (let j = 0; j < K; j++) p[j] = Math.exp(logB[j] - increment);
    }
    this.lastIncrement = increment;
    this.logLikelihood += increment;
    this.steps++;
    let arg = 0;
    for (let j = 1; j < K; j++) if (p[j] > p[arg]) arg = j;
    return arg;
  }
}

/** Total log-likelihood of the rows of `x` (the sum of the filter's increments). */
export function scoreGaussianHmm(model: GaussianHmm, x: { rows: number; cols: number; data: Float64Array }): number {
  const f = new ForwardFilter(model);
  for (let t = 0; t < x.rows; t++) f.step(x.data, t * x.cols);
  return f.logLikelihood;
}
