// Gaussian HMM fitting, decoding and filtering in TypeScript (engine/regime): recovery of a
// known 3-state model, EM monotonicity, exact oracles on tiny models (brute force over
// all paths), the log-space fallback, real-data robustness and input validation.
import { describe, expect, it } from 'vitest';
import { loadBarsCsv } from '../adapters/files/index.js';
import { baumWelch } from '../engine/regime/baum-welch.js';
import { fitGaussianHmm, restartInitialisations } from '../engine/regime/fit-gaussian-hmm.js';
import { createForwardBackwardWorkspace, forwardBackward } from '../engine/regime/forward-backward.js';
import { ForwardFilter, scoreGaussianHmm } from '../engine/regime/forward-filter.js';
import { createGaussianEmission, emissionLogDensities } from '../engine/regime/gaussian-emission.js';
import { checkGaussianHmm, type FeatureMatrix, type GaussianHmm } from '../engine/regime/gaussian-hmm.js';
import { buildRegimeFeatures } from '../engine/regime/regime-features.js';
import { simulateGaussianHmm } from '../engine/regime/simulate-gaussian-hmm.js';
import { varianceFloors } from '../engine/regime/variance-floor.js';
import { viterbi } from '../engine/regime/viterbi.js';
import { sharedData, sharedDataPath, skipWithout } from './peers.js';

const btcHourly = sharedDataPath('crypto_ohlcv/binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');
const skipRealData = skipWithout(sharedData([btcHourly]));

const TRUE_DIAG: GaussianHmm = {
  states: 3,
  features: 3,
  covarianceType: 'diag',
  startProb: new Float64Array([0.5, 0.3, 0.2]),
  transMat: new Float64Array([0.95, 0.03, 0.02, 0.04, 0.92, 0.04, 0.03, 0.03, 0.94]),
  means: new Float64Array([0.5, 1, -1, -0.5, 2, 0, 0, 4, 1]),
  covars: new Float64Array([0.2, 0.1, 0.3, 0.2, 0.2, 0.3, 1, 0.5, 0.5]),
};

const TRUE_FULL: GaussianHmm = {
  ...TRUE_DIAG,
  covarianceType: 'full',
  covars: new Float64Array([
    0.2, 0.05, 0, 0.05, 0.1, 0.02, 0, 0.02, 0.3,
    0.2, -0.1, 0.05, -0.1, 0.2, 0, 0.05, 0, 0.3,
    1, 0.3, 0.2, 0.3, 0.5, 0.1, 0.2, 0.1, 0.5,
  ]),
};

/** The permutation p (fitted state p[k] = true state k) that best matches the means. */
function matchStates(fitted: GaussianHmm, truth: GaussianHmm): number[] {
  const K = truth.states;
  const d = truth.features;
  const perms = (items: number[]): number[][] =>
    items.length <= 1 ? [items] : items.flatMap((x, i) => perms([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]));
  let best: number[] = [];
  let bestCost = Infinity;
  for (const p of perms([...Array(K).keys()])) {
    let cost = 0;
    for (let k = 0; k < K; k++) for (let f = 0; f < d; f++) cost += (fitted.means[p[k] * d + f] - truth.means[k * d + f]) ** 2;
    if (cost < bestCost) {
      bestCost = cost;
      best = p;
    }
  }
  return best;
}

function bruteForce(model: GaussianHmm, x: FeatureMatrix): { logLikelihood: number; bestPath: number[]; bestLog: number } {
  const K = model.states;
  const T = x.rows;
  const logB = emissionLogDensities(createGaussianEmission(model), x, new Float64Array(T * K));
  const terms: number[] = [];
  let bestLog = -Infinity;
  let bestPath: number[] = [];
  for (let code = 0; code < K ** T; code++) {
    const path: number[] = [];
    for (let t = 0, c = code; t < T; t++, c = Math.floor(c / K)) path.push(c % K);
    let lp = Math.log(model.startProb[path[0]]) + logB[path[0]];
    for (let t = 1; t < T; t++) lp += Math.log(model.transMat[path[t - 1] * K + path[t]]) + logB[t * K + path[t]];
    terms.push(lp);
    if (lp > bestLog) {
      bestLog = lp;
      bestPath = path;
    }
  }
  const max = Math.max(...terms);
  return { logLikelihood: max + Math.log(terms.reduce((s, v) => s + Math.exp(v - max), 0)), bestPath, bestLog };
}

async function btcFeatures(): Promise<FeatureMatrix> {
  const { series } = await loadBarsCsv(btcHourly);
  return buildRegimeFeatures(series);
}

describe('Gaussian HMM recovery on data simulated from a known 3-state model', () => {
  // Tolerances for 20,000 rows: each mean within 0.05 (true state std >= 0.3, so the
  // standard error of a mean is about 0.01); each transition probability within 0.02
  // (about 6,000 visits per state); each variance within 10% relative.
  const MEAN_TOLERANCE = 0.05;
  const TRANSITION_TOLERANCE = 0.02;
  const VARIANCE_RELATIVE_TOLERANCE = 0.1;

  for (const truth of [TRUE_DIAG, TRUE_FULL]) {
    it(`recovers the means, variances and transition matrix (${truth.covarianceType} covariance)`, () => {
      const sim = simulateGaussianHmm(truth, 20_000, 11);
      const fit = fitGaussianHmm(sim.features, { states: 3, covarianceType: truth.covarianceType, restarts: 4, seed: 5 });
      const m = fit.best.model;
      const p = matchStates(m, truth);
      const K = 3;
      const d = 3;
      for (let k = 0; k < K; k++) {
        for (let f = 0; f < d; f++) {
          expect(Math.abs(m.means[p[k] * d + f] - truth.means[k * d + f]), `mean of true state ${k}, feature ${f}`).toBeLessThan(MEAN_TOLERANCE);
          const fitted = truth.covarianceType === 'diag' ? m.covars[p[k] * d + f] : m.covars[p[k] * d * d + f * d + f];
          const wanted = truth.covarianceType === 'diag' ? truth.covars[k * d + f] : truth.covars[k * d * d + f * d + f];
          expect(Math.abs(fitted / wanted - 1), `variance of true state ${k}, feature ${f}`).toBeLessThan(VARIANCE_RELATIVE_TOLERANCE);
        }
        for (let j = 0; j < K; j++) {
          expect(Math.abs(m.transMat[p[k] * K + p[j]] - truth.transMat[k * K + j]), `transition ${k}->${j}`).toBeLessThan(TRANSITION_TOLERANCE);
        }
      }
      expect(fit.best.logLikelihood, 'the fit must explain the data at least as well as the true parameters, less a small margin').toBeGreaterThan(
        scoreGaussianHmm(truth, sim.features) - 5,
      );
      const decoded = viterbi(m, sim.features).states;
      let agree = 0;
      for (let t = 0; t < sim.states.length; t++) if (decoded[t] === p[sim.states[t]]) agree++;
      expect(agree / sim.states.length, 'share of bars where Viterbi recovers the simulated state').toBeGreaterThan(0.95);
    });
  }

  it('never lowers the log-likelihood from one EM iteration to the next', () => {
    const sim = simulateGaussianHmm(TRUE_FULL, 5_000, 3);
    for (const covarianceType of ['diag', 'full'] as const) {
      const [init] = restartInitialisations(sim.features, { restarts: 1, seed: 9, covarianceType });
      const r = baumWelch(sim.features, init, { maxIterations: 40, tolerance: 0, varianceFloors: varianceFloors(sim.features) });
      for (let i = 1; i < r.history.length; i++) {
        expect(r.history[i], `${covarianceType}: iteration ${i} log-likelihood vs iteration ${i - 1}`).toBeGreaterThanOrEqual(r.history[i - 1] - 1e-8 * Math.abs(r.history[i - 1]));
      }
      expect(r.logLikelihood).toBeGreaterThanOrEqual(r.history[r.history.length - 1]);
    }
  });

  it('gives the same fit for the same seed and keeps the best of its restarts', () => {
    const sim = simulateGaussianHmm(TRUE_DIAG, 3_000, 21);
    const a = fitGaussianHmm(sim.features, { restarts: 3, seed: 42 });
    const b = fitGaussianHmm(sim.features, { restarts: 3, seed: 42 });
    expect(Array.from(a.best.model.means)).toEqual(Array.from(b.best.model.means));
    expect(a.best.logLikelihood).toBe(b.best.logLikelihood);
    expect(a.best.logLikelihood).toBe(Math.max(...a.restarts.map((r) => r.logLikelihood)));
    expect(new Set(a.restarts.map((r) => r.seed)).size, 'each restart draws from its own seed').toBe(3);
  });
});

describe('exact oracles on a tiny model', () => {
  const tiny = simulateGaussianHmm(TRUE_FULL, 6, 17).features;

  it('matches the brute-force sum and the best path over all 3^6 state paths', () => {
    for (const model of [TRUE_DIAG, TRUE_FULL]) {
      const brute = bruteForce(model, tiny);
      const ws = createForwardBackwardWorkspace(tiny.rows, 3);
      const logB = emissionLogDensities(createGaussianEmission(model), tiny, new Float64Array(tiny.rows * 3));
      const fb = forwardBackward(model.startProb, model.transMat, logB, ws);
      expect(Math.abs(fb - brute.logLikelihood), `${model.covarianceType}: forward-backward vs brute force`).toBeLessThan(1e-10);
      expect(Math.abs(scoreGaussianHmm(model, tiny) - brute.logLikelihood), `${model.covarianceType}: filter vs brute force`).toBeLessThan(1e-10);
      for (let t = 0; t < tiny.rows; t++) {
        const sum = ws.alpha[t * 3] + ws.alpha[t * 3 + 1] + ws.alpha[t * 3 + 2];
        expect(Math.abs(sum - 1), `posteriors of row ${t} sum to 1`).toBeLessThan(1e-12);
      }
      const v = viterbi(model, tiny);
      expect(Array.from(v.states), `${model.covarianceType}: Viterbi path`).toEqual(brute.bestPath);
      expect(Math.abs(v.logProbability - brute.bestLog)).toBeLessThan(1e-10);
    }
  });

  it('falls back to log space when the scaled recursion underflows, and stays finite', () => {
    // State 1 is unreachable (start 0, no transition into it) yet every row sits on its
    // mean, far from state 0: the scaled step sees c = 0 and must redo the row in log space.
    const model: GaussianHmm = {
      states: 2,
      features: 1,
      covarianceType: 'diag',
      startProb: new Float64Array([1, 0]),
      transMat: new Float64Array([1, 0, 0, 1]),
      means: new Float64Array([0, 100]),
      covars: new Float64Array([1, 1]),
    };
    const x: FeatureMatrix = { rows: 4, cols: 1, data: new Float64Array([100, 100, 100, 100]) };
    const exact = 4 * (-0.5 * Math.log(2 * Math.PI) - 0.5 * 100 * 100);
    const ws = createForwardBackwardWorkspace(4, 2);
    const logB = emissionLogDensities(createGaussianEmission(model), x, new Float64Array(8));
    expect(forwardBackward(model.startProb, model.transMat, logB, ws)).toBeCloseTo(exact, 9);
    const filter = new ForwardFilter(model);
    for (let t = 0; t < 4; t++) filter.step(x.data, t);
    expect(filter.logLikelihood).toBeCloseTo(exact, 9);
    expect(Array.from(filter.probabilities)).toEqual([1, 0]);
  });
});

describe.skipIf(skipRealData)('real data: BTCUSDT 1h with features logret, rvol:20, volz:20', () => {
  it('fits without NaN, with positive variances and stochastic rows, for both covariance types', async () => {
    const x = await btcFeatures();
    expect(x.rows, 'rows after the 21-bar warm-up').toBeGreaterThan(17_000);
    for (const covarianceType of ['diag', 'full'] as const) {
      const fit = fitGaussianHmm(x, { states: 3, covarianceType, restarts: 2, seed: 1, maxIterations: 60 });
      expect(Number.isFinite(fit.best.logLikelihood), `${covarianceType}: finite log-likelihood`).toBe(true);
      expect(() => checkGaussianHmm(fit.best.model), `${covarianceType}: fitted model passes the model checks`).not.toThrow();
      const filter = new ForwardFilter(fit.best.model);
      for (let t = 0; t < x.rows; t++) {
        filter.step(x.data, t * x.cols);
        if (!Number.isFinite(filter.lastIncrement)) throw new Error(`${covarianceType}: non-finite increment at row ${t}`);
      }
      expect(filter.logLikelihood).toBeCloseTo(fit.best.logLikelihood, 6);
    }
  });

  it('survives a state collapsing onto constant rows thanks to the variance floor', () => {
    const rows = 400;
    const data = new Float64Array(rows * 2);
    for (let t = 0; t < rows; t++) {
      data[t * 2] = t < 200 ? 1 : Math.sin(t);
      data[t * 2 + 1] = t < 200 ? 2 : Math.cos(t * 1.3);
    }
    const fit = fitGaussianHmm({ rows, cols: 2, data }, { states: 2, restarts: 2, seed: 3 });
    expect(Number.isFinite(fit.best.logLikelihood), 'finite log-likelihood despite 200 identical rows').toBe(true);
    expect(Math.min(...fit.best.model.covars), 'variances stay at or above the floor').toBeGreaterThan(0);
  });
});

describe('input validation', () => {
  it('rejects bad models and features with a message naming the field, the value and the rule', () => {
    expect(() => checkGaussianHmm({ ...TRUE_DIAG, states: 0 })).toThrow('`states` must be an integer in [1, 8], was 0');
    expect(() => checkGaussianHmm({ ...TRUE_DIAG, startProb: new Float64Array([0.5, 0.5, 0.5]) })).toThrow('`startProb` must sum to 1');
    expect(() => checkGaussianHmm({ ...TRUE_DIAG, covars: new Float64Array(9).fill(-1) })).toThrow('variance of state 0, feature 0 must be finite and > 0, was -1');
    const bad = { rows: 2, cols: 3, data: new Float64Array([0, 1, 2, 3, Number.NaN, 5]) };
    expect(() => fitGaussianHmm(bad, { states: 2 })).toThrow('feature matrix value at row 1, column 1 must be finite, was NaN');
    expect(() => fitGaussianHmm(simulateGaussianHmm(TRUE_DIAG, 50, 1).features, { restarts: 0 })).toThrow('`restarts` must be an integer >= 1, was 0');
    expect(() => baumWelch(simulateGaussianHmm(TRUE_DIAG, 50, 1).features, TRUE_DIAG, { maxIterations: 0, tolerance: 0, varianceFloors: new Float64Array(3).fill(1e-9) })).toThrow(
      '`maxIterations` must be an integer >= 1, was 0',
    );
  });
});
