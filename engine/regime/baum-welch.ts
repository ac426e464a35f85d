// Baum-Welch (EM) for a Gaussian HMM from given initial parameters: E-step by scaled
// forward-backward (log-space fallback), M-step by closed-form maximum likelihood with
// variance floors. Stops when the log-likelihood gain of an iteration is below
// `tolerance` (the same rule as hmmlearn's `tol`) or after `maxIterations`.
//
// M-step (gamma = state posteriors, xi = transition posteriors):
//   pi_k  = gamma_0k                    A_ij = sum_t xi_t(i,j) / sum_{t,j} xi_t(i,j)
//   mu_k  = sum_t gamma_tk x_t / N_k    Sigma_k = sum_t gamma_tk (x_t-mu_k)(x_t-mu_k)^T / N_k
// A state with N_k below EMPTY_STATE_WEIGHT keeps its previous emission parameters, and a
// transition row with no mass keeps its previous row, so no division by zero occurs.
// Diagonal variances are floored; a full covariance has its diagonal floored and, if it
// is still not positive definite, its diagonal loaded by growing multiples of the floor.
import { createForwardBackwardWorkspace, forwardBackward, type ForwardBackwardWorkspace } from './forward-backward.js';
import { createGaussianEmission, emissionLogDensities } from './gaussian-emission.js';
import { checkFeatureMatrix, checkGaussianHmm, cloneGaussianHmm, type FeatureMatrix, type GaussianHmm } from './gaussian-hmm.js';
import { regulariseFullCovariance } from './regularise-covariance.js';

export const EMPTY_STATE_WEIGHT = 1e-10;

export interface BaumWelchOptions {
  /** Iteration cap (>= 1). */
  readonly maxIterations: number;
  /** Minimum log-likelihood gain per iteration to continue (>= 0). */
  readonly tolerance: number;
  /** Per-feature variance floors, [d]; see variance-floor.ts. */
  readonly varianceFloors: Float64Array;
}

export interface BaumWelchResult {
  readonly model: GaussianHmm;
  /** Log-likelihood of the returned model on the training data. */
  readonly logLikelihood: number;
  /** Log-likelihood before each M-step (history[i] is the model after i updates). */
  readonly history: number[];
  readonly iterations: number;
  readonly converged: boolean;
}

export function checkBaumWelchOptions(options: BaumWelchOptions, features: number): void {
  const { maxIterations, tolerance, varianceFloors } = options;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new Error(`\`maxIterations\` must be an integer >= 1, was ${maxIterations}`);
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new Error(`\`tolerance\` must be a finite number >= 0, was ${tolerance}`);
  if (varianceFloors.length !== features) throw new Error(`\`varianceFloors\` must have one entry per feature (${features}), had ${varianceFloors.length}`);
  for (let f = 0; f < features; f++) {
    if (!(varianceFloors[f] > 0) || !Number.isFinite(varianceFloors[f])) throw new Error(`\`varianceFloors[${f}]\` must be finite and > 0, was ${varianceFloors[f]}`);
  }
}

/** Reusable buffers for one (rows, states, features) shape: a fit allocates once. */
export interface BaumWelchWorkspace {
  readonly fb: ForwardBackwardWorkspace;
  readonly logB: Float64Array;
  readonly weight: Float64Array; // [K]
  readonly sums: Float64Array; // [K*d] gamma-weighted sums of x
  readonly scatter: Float64Array; // [K*d] or [K*d*d] gamma-weighted scatter about the previous means
  readonly centre: Float64Array; // [K*d] previous means
  readonly dev: Float64Array; // [d]
  readonly lower: Float64Array; // [d*d] Cholesky scratch
}

export function createBaumWelchWorkspace(rows: number, states: number, features: number): BaumWelchWorkspace {
  return {
    fb: createForwardBackwardWorkspace(rows, states),
    logB: new Float64Array(rows * states),
    weight: new Float64Array(states),
    sums: new Float64Array(states * features),
    scatter: new Float64Array(states * features * features),
    centre: new Float64Array(states * features),
    dev: new Float64Array(features),
    lower: new Float64Array(features * features),
  };
}

/** Log-likelihood of `model` on `x` (the E-step alone). */
export function expectationStep(model: GaussianHmm, x: FeatureMatrix, ws: BaumWelchWorkspace): number {
  emissionLogDensities(createGaussianEmission(model), x, ws.logB);
  return forwardBackward(model.startProb, model.transMat, ws.logB, ws.fb);
}

function maximizationStep(model: GaussianHmm, x: FeatureMatrix, ws: BaumWelchWorkspace, floors: Float64Array): void {
  const K = model.states;
  const d = model.features;
  const T = x.rows;
  const gamma = ws.fb.alpha;
  const xiSum = ws.fb.xiSum;
  const X = x.data;
  // start probabilities
  let s0 = 0;
  for (let k = 0; k < K; k++) s0 += gamma[k];
  for (let k = 0; k < K; k++) model.startProb[k] = gamma[k] / s0;
  // transitions
  for (let i = 0; i < K; i++) {
    let row = 0;
    for (let j = 0; j < K; j++) row += xiSum[i * K + j];
    if (row > EMPTY_STATE_WEIGHT) for (let j = 0; j < K; j++) model.transMat[i * K + j] = xiSum[i * K + j] / row;
  }
  // One pass accumulates, per state, the weight N_k, sum gamma x and the scatter about the
  // previous mean c_k: S_c = sum gamma (x - c)(x - c)^T. Then mu = sum gamma x / N and
  // Sigma = S_c / N - (mu - c)(mu - c)^T, which is exact and, with c close to mu, free of
  // the cancellation of the raw second moment.
  const full = model.covarianceType === 'full';
  const weight = ws.weight.fill(0);
  const sums = ws.sums.fill(0);
  const scatter = ws.scatter.fill(0);
  const centre = ws.centre;
  centre.set(model.means);
  const dev = ws.dev;
  for (let t = 0; t < T; t++) {
    const r = t * d;
    const gr = t * K;
    for (let k = 0; k < K; k++) {
      const g = gamma[gr + k];
      weight[k] += g;
      const mk = k * d;
      for (let f = 0; f < d; f++) {
        const xv = X[r + f];
        sums[mk + f] += g * xv;
        dev[f] = xv - centre[mk + f];
      }
      if (full) {
        const base = k * d * d;
        for (let i = 0; i < d; i++) {
          const gu = g * dev[i];
          for (let j = 0; j <= i; j++) scatter[base + i * d + j] += gu * dev[j];
        }
      } else {
        for (let f = 0; f < d; f++) scatter[mk + f] += g * dev[f] * dev[f];
      }
    }
  }
  for (let k = 0; k < K; k++) {
    if (weight[k] <= EMPTY_STATE_WEIGHT) continue; // an empty state keeps its parameters
    const inv = 1 / weight[k];
    const mk = k * d;
    for (let f = 0; f < d; f++) {
      const mu = sums[mk + f] * inv;
      model.means[mk + f] = mu;
      dev[f] = mu - centre[mk + f];
    }
    if (!full) {
      for (let f = 0; f < d; f++) model.covars[mk + f] = Math.max(scatter[mk + f] * inv - dev[f] * dev[f], floors[f]);
      continue;
    }
    const base = k * d * d;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        const v = scatter[base + i * d + j] * inv - dev[i] * dev[j];
        model.covars[base + i * d + j] = v;
        model.covars[base + j * d + i] = v;
      }
      if (!(model.covars[base + i * d + i] >= floors[i])) model.covars[base + i * d + i] = floors[i];
    }
    regulariseFullCovariance(model.covars, base, d, floors, ws.lower);
  }
}

/** Runs EM from `initial` (not modified). */
export function baumWelch(x: FeatureMatrix, initial: GaussianHmm, options: BaumWelchOptions, ws?: BaumWelchWorkspace): BaumWelchResult {
  checkGaussianHmm(initial);
  checkFeatureMatrix(x, initial.features, 2);
  checkBaumWelchOptions(options, initial.features);
  const workspace = ws ?? createBaumWelchWorkspace(x.rows, initial.states, initial.features);
  const model = cloneGaussianHmm(initial);
  const history: number[] = [];
  let converged = false;
  let iterations = 0;
  for (let iter = 0; iter < options.maxIterations; iter++) {
    const ll = expectationStep(model, x, workspace);
    maximizationStep(model, x, workspace, options.varianceFloors);
    history.push(ll);
    iterations = iter + 1;
    if (iter > 0 && ll - history[iter - 1] < options.tolerance) {
      converged = true;
      break;
    }
  }
  const logLikelihood = expectationStep(model, x, workspace);
  return { model, logLikelihood, history, iterations, converged };
}
