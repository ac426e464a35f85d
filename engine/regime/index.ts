// Public API of the regime module: Gaussian HMM fitting (Baum-Welch, k-means++ restarts),
// Viterbi decoding, the TS and WASM forward filters, state labels with hysteresis, the
// model record (JSON) and the LMDB model registry.
export { MAX_STATES, checkFeatureMatrix, checkGaussianHmm, type CovarianceType, type FeatureMatrix, type GaussianHmm } from './gaussian-hmm.js';
export { baumWelch, type BaumWelchOptions, type BaumWelchResult } from './baum-welch.js';
export { fitGaussianHmm, restartInitialisations, type FitOptions, type FitResult } from './fit-gaussian-hmm.js';
export { kMeansInitialisation } from './kmeans-initialisation.js';
export { varianceFloors, featureVariances, DEFAULT_VARIANCE_FLOOR_FRACTION } from './variance-floor.js';
export { viterbi, type ViterbiResult } from './viterbi.js';
export { ForwardFilter, scoreGaussianHmm } from './forward-filter.js';
export { WasmForwardFilter, type HmmCoreExports, type WasmFilterBatch } from './wasm-forward-filter.js';
export { LabelHysteresis } from './label-hysteresis.js';
export { REGIME_LABELS, LABEL_NONE, labelCode, labelName, type RegimeLabel } from './regime-label.js';
export { DEFAULT_LABEL_RULES, labelStates, repeatedLabelsNote, ruleLabels, stateLabelScores, stateStatistics, thinStatesNote, type LabelRules, type StateStatistics } from './regime-state-labels.js';
export { DEFAULT_FEATURE_SPEC, RegimeFeatureBuilder, buildRegimeFeatures, type RegimeFeatures } from './regime-features.js';
export { checkRegimeModelTimeframe, featureDataHash, parseRegimeModelJson, regimeModelSource, regimeModelTimeframeNote, readRegimeModelFile, regimeModelToJson, writeRegimeModelFile, type RegimeModelRecord } from './regime-model-record.js';
export { RegimeModelRegistry, type RegimeModelEntry } from './regime-model-registry.js';
export { trainRegimeModel, type TrainOptions } from './train-regime-model.js';
export { simulateGaussianHmm } from './simulate-gaussian-hmm.js';
export { barGapsNote, findBarGaps, type BarGaps } from './bar-gaps.js';
