// Fits a Gaussian HMM with several seeded restarts: each restart draws a k-means++
// initialisation from its own seed (restartSeed(seed, r)) and runs Baum-Welch; the
// restart with the highest final log-likelihood wins. Buffers are allocated once and
// shared by all restarts.
import { baumWelch, createBaumWelchWorkspace, type BaumWelchResult } from './baum-welch.js';
import { checkFeatureMatrix, type CovarianceType, type FeatureMatrix, type GaussianHmm } from './gaussian-hmm.js';
import { kMeansInitialisation } from './kmeans-initialisation.js';
import { restartSeed } from './seeded-random.js';
import { DEFAULT_VARIANCE_FLOOR_FRACTION, varianceFloors } from './variance-floor.js';

export interface FitOptions {
  readonly states?: number; // default 3
  readonly covarianceType?: CovarianceType; // default 'diag'
  readonly restarts?: number; // default 10
  readonly seed?: number; // default 1
  readonly maxIterations?: number; // default 200
  readonly tolerance?: number; // default 1e-3 (absolute gain in total log-likelihood)
  readonly varianceFloorFraction?: number; // default DEFAULT_VARIANCE_FLOOR_FRACTION
  readonly selfTransition?: number; // default 0.9
}

export interface ResolvedFitOptions {
  readonly states: number;
  readonly covarianceType: CovarianceType;
  readonly restarts: number;
  readonly seed: number;
  readonly maxIterations: number;
  readonly tolerance: number;
  readonly varianceFloorFraction: number;
  readonly selfTransition: number;
}

export interface RestartResult extends BaumWelchResult {
  readonly seed: number;
  readonly initial: GaussianHmm;
}

export interface FitResult {
  readonly best: RestartResult;
  readonly restarts: RestartResult[];
  readonly options: ResolvedFitOptions;
}

export function resolveFitOptions(options: FitOptions = {}): ResolvedFitOptions {
  const resolved: ResolvedFitOptions = {
    states: options.states ?? 3,
    covarianceType: options.covarianceType ?? 'diag',
    restarts: options.restarts ?? 10,
    seed: options.seed ?? 1,
    maxIterations: options.maxIterations ?? 200,
    tolerance: options.tolerance ?? 1e-3,
    varianceFloorFraction: options.varianceFloorFraction ?? DEFAULT_VARIANCE_FLOOR_FRACTION,
    selfTransition: options.selfTransition ?? 0.9,
  };
  if (!Number.isInteger(resolved.restarts) || resolved.restarts < 1) throw new Error(`\`restarts\` must be an integer >= 1, was ${resolved.restarts}`);
  if (!Number.isInteger(resolved.seed)) throw new Error(`\`seed\` must be an integer, was ${resolved.seed}`);
  return resolved;
}

/** The k-means++ initial model of every restart, in order (used to give peers the same start). */
export function restartInitialisations(x: FeatureMatrix, options: FitOptions = {}): GaussianHmm[] {
  const o = resolveFitOptions(options);
  const floors = varianceFloors(x, o.varianceFloorFraction);
  const inits: GaussianHmm[] = [];
  for (let r = 0; r < o.restarts; r++) {
    inits.push(
      kMeansInitialisation(x, {
        states: o.states,
        covarianceType: o.covarianceType,
        seed: restartSeed(o.seed, r),
        varianceFloors: floors,
        selfTransition: o.selfTransition,
      }),
    );
  }
  return inits;
}

export function fitGaussianHmm(x: FeatureMatrix, options: FitOptions = {}): FitResult {
  const o = resolveFitOptions(options);
  checkFeatureMatrix(x, undefined, Math.max(2, o.states));
  const floors = varianceFloors(x, o.varianceFloorFraction);
  const inits = restartInitialisations(x, o);
  const ws = createBaumWelchWorkspace(x.rows, o.states, x.cols);
  const restarts: RestartResult[] = inits.map((initial, r) => ({
    ...baumWelch(x, initial, { maxIterations: o.maxIterations, tolerance: o.tolerance, varianceFloors: floors }, ws),
    seed: restartSeed(o.seed, r),
    initial,
  }));
  let best = restarts[0];
  for (const r of restarts) if (r.logLikelihood > best.logLikelihood) best = r;
  if (!Number.isFinite(best.logLikelihood)) throw new Error(`fit produced a non-finite log-likelihood (${best.logLikelihood}); the features hold degenerate values`);
  return { best, restarts, options: o };
}
