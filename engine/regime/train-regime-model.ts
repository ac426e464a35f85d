// From feature rows to a saved-ready regime model record: fit (restarts), decode the
// training rows with Viterbi, compute per-state return statistics and label the states.
import { fitGaussianHmm, type FitOptions } from './fit-gaussian-hmm.js';
import { REGIME_MODEL_FORMAT, REGIME_MODEL_VERSION, featureDataHash, type RegimeModelRecord } from './regime-model-record.js';
import type { RegimeFeatures } from './regime-features.js';
import { DEFAULT_LABEL_RULES, labelStates, stateStatistics, type LabelRules } from './regime-state-labels.js';
import { viterbi } from './viterbi.js';

export interface TrainOptions extends FitOptions {
  readonly labelRules?: LabelRules;
  readonly minDwellBars?: number; // default 1 (no hysteresis)
  /** Where the training data came from (file path), kept in the record. */
  readonly source?: string;
  /** The interval of the training bars (`1h`), kept in the record: the model is refused on bars of another. */
  readonly timeframe?: string;
}

export function trainRegimeModel(x: RegimeFeatures, options: TrainOptions = {}): RegimeModelRecord {
  const returnColumn = x.spec.indexOf('logret');
  if (returnColumn < 0) throw new Error(`feature spec must include \`logret\` to label states by their returns, was ${x.spec.join(', ')}`);
  const minDwellBars = options.minDwellBars ?? 1;
  if (!Number.isInteger(minDwellBars) || minDwellBars < 1) throw new Error(`\`minDwellBars\` must be an integer >= 1, was ${minDwellBars}`);
  const fit = fitGaussianHmm(x, options);
  const model = fit.best.model;
  const path = viterbi(model, x).states;
  const returns = new Float64Array(x.rows);
  for (let t = 0; t < x.rows; t++) returns[t] = x.data[t * x.cols + returnColumn];
  const stats = stateStatistics(path, returns, model.states);
  const labelRules = options.labelRules ?? DEFAULT_LABEL_RULES;
  return {
    format: REGIME_MODEL_FORMAT,
    version: REGIME_MODEL_VERSION,
    featureSpec: [...x.spec],
    ...(options.timeframe === undefined ? {} : { timeframe: options.timeframe }),
    trainingRange: { fromNs: x.timeNs[0].toString(), toNs: x.timeNs[x.rows - 1].toString(), rows: x.rows, source: options.source ?? '' },
    dataHash: featureDataHash(x),
    logLikelihood: fit.best.logLikelihood,
    model,
    labels: labelStates(stats, labelRules),
    labelRules,
    minDwellBars,
    stateStatistics: stats,
    fit: {
      seed: fit.options.seed,
      restarts: fit.options.restarts,
      iterations: fit.best.iterations,
      converged: fit.best.converged,
      tolerance: fit.options.tolerance,
      maxIterations: fit.options.maxIterations,
    },
  };
}
