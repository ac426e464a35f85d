// Our Gaussian HMM against hmmlearn (PyPI), run in the project's venv through
// tools/hmm/hmmlearn_peer.py: equal scores for the same parameters, and fits from the
// same initialisation that end no worse than hmmlearn's. A missing venv, hmmlearn or BTC
// file skips (outside CI) or fails (CI=true), as test/peers.ts decides.
import { describe, expect, it } from 'vitest';
import { loadBarsCsv } from '../adapters/files/index.js';
import { baumWelch } from '../engine/regime/baum-welch.js';
import { fitGaussianHmm, restartInitialisations } from '../engine/regime/fit-gaussian-hmm.js';
import { scoreGaussianHmm } from '../engine/regime/forward-filter.js';
import type { FeatureMatrix, GaussianHmm } from '../engine/regime/gaussian-hmm.js';
import { buildRegimeFeatures } from '../engine/regime/regime-features.js';
import { simulateGaussianHmm } from '../engine/regime/simulate-gaussian-hmm.js';
import { varianceFloors } from '../engine/regime/variance-floor.js';
import { hmmlearnFit, hmmlearnScores } from '../tools/hmm/hmmlearn-peer.js';
import { pythonPeer, sharedData, sharedDataPath, skipWithout } from './peers.js';

const btcHourly = sharedDataPath('crypto_ohlcv/binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');
const skipRealData = skipWithout(sharedData([btcHourly]));

const SCORE_RELATIVE_TOLERANCE = 1e-6;
const FIT_RELATIVE_MARGIN = 1e-4;

const TRUTH: GaussianHmm = {
  states: 3,
  features: 3,
  covarianceType: 'full',
  startProb: new Float64Array([0.5, 0.3, 0.2]),
  transMat: new Float64Array([0.95, 0.03, 0.02, 0.04, 0.92, 0.04, 0.03, 0.03, 0.94]),
  means: new Float64Array([0.5, 1, -1, -0.5, 2, 0, 0, 4, 1]),
  covars: new Float64Array([
    0.2, 0.05, 0, 0.05, 0.1, 0.02, 0, 0.02, 0.3,
    0.2, -0.1, 0.05, -0.1, 0.2, 0, 0.05, 0, 0.3,
    1, 0.3, 0.2, 0.3, 0.5, 0.1, 0.2, 0.1, 0.5,
  ]),
};

const relative = (ours: number, theirs: number) => Math.abs(ours - theirs) / Math.abs(theirs);

async function datasets(): Promise<{ name: string; x: FeatureMatrix }[]> {
  const sets = [{ name: 'simulated 3-state, 8,000 rows', x: simulateGaussianHmm(TRUTH, 8_000, 4).features }];
  if (!skipRealData) {
    const { series } = await loadBarsCsv(btcHourly);
    sets.push({ name: 'BTCUSDT 1h (logret, rvol:20, volz:20)', x: buildRegimeFeatures(series) });
  }
  return sets;
}

describe.skipIf(skipWithout(pythonPeer(['hmmlearn'])))('Gaussian HMM against hmmlearn', () => {
  it(`scores the same parameters as GaussianHMM.score within ${SCORE_RELATIVE_TOLERANCE} relative`, async () => {
    for (const { name, x } of await datasets()) {
      for (const covarianceType of ['diag', 'full'] as const) {
        const { best } = fitGaussianHmm(x, { covarianceType, restarts: 1, seed: 2, maxIterations: 15 });
        const models = [restartInitialisations(x, { covarianceType, restarts: 1, seed: 2 })[0], best.model];
        const theirs = hmmlearnScores(models, x);
        for (const [i, model] of models.entries()) {
          const ours = scoreGaussianHmm(model, x);
          expect(relative(ours, theirs[i]), `${name}, ${covarianceType}, ${i === 0 ? 'initial' : 'fitted'} model: ours ${ours} vs hmmlearn ${theirs[i]}`).toBeLessThan(
            SCORE_RELATIVE_TOLERANCE,
          );
        }
      }
    }
  });

  it(`fits from the same initialisation to a log-likelihood no worse than hmmlearn's minus ${FIT_RELATIVE_MARGIN} relative`, async () => {
    const nIter = 50;
    const tol = 1e-2;
    for (const { name, x } of await datasets()) {
      for (const covarianceType of ['diag', 'full'] as const) {
        const inits = restartInitialisations(x, { covarianceType, restarts: 2, seed: 7 });
        for (const [r, init] of inits.entries()) {
          const ours = baumWelch(x, init, { maxIterations: nIter, tolerance: tol, varianceFloors: varianceFloors(x) });
          const theirs = hmmlearnFit(init, x, nIter, tol);
          const ourScore = scoreGaussianHmm(ours.model, x);
          expect(
            ourScore,
            `${name}, ${covarianceType}, restart ${r}: ours ${ourScore} after ${ours.iterations} iterations vs hmmlearn ${theirs.score} after ${theirs.iterations}`,
          ).toBeGreaterThanOrEqual(theirs.score - FIT_RELATIVE_MARGIN * Math.abs(theirs.score));
        }
      }
    }
  });
});
