// engine/models: quantile models on the I/O thread. The model directory contract (model.json +
// fold-<k>.onnx), the LMDB model registry with its promotion log, onnxruntime-node serving of
// all walk-forward folds (per bar, batched, and ahead of a backtest's replay) and the drift and
// calibration monitors. See README.md.
export { ModelContractError, ModelRegistryError } from './model-errors.js';
export {
  MODEL_SCHEMA, MODEL_QUANTILES, QUANTILE_COUNT, FEATURE_BIN_COUNT, parseModelMetadata, checkModelMetadata, canonicalJson,
  type QuantileModelMetadata, type FoldMetadata, type FoldEarlyStopping, type FeatureBins, type TimeRange, type InputType,
} from './model-metadata.js';
export { readModelDir, modelBundle, modelVersionHash, sha256Hex, type ModelBundle } from './model-bundle.js';
export { QuantileSession, type QuantileSessionSpec, type QuantileSessionOptions } from './quantile-session.js';
export { QuantileModelSet, checkExpectedFeatures, DEFAULT_CHUNK_ROWS, type QuantileModelSetOptions, type InferenceStats } from './quantile-model-set.js';
export {
  ModelRegistry, DEFAULT_REGISTRY_DIR, REGISTRY_FORMAT, type RegistryEntry, type PromotionRecord, type AddResult,
} from './model-registry.js';
export type { MonitorAlert, MonitorAlertKind } from './monitor-alert.js';
export { FeatureDriftMonitor, populationStabilityIndex, type FeatureDriftOptions } from './feature-drift-monitor.js';
export { QuantileCalibrationMonitor, type QuantileCalibrationOptions } from './quantile-calibration-monitor.js';
export { openConfiguredModel, describeModelSource, type ConfiguredModel } from './configured-model.js';
export { ModelFeed, type ModelFeedOptions, type ModelFeedMonitorOptions, type ModelStatus, type ModelFeatureStatus, type ModelCalibrationStatus, type ModelFeedCounters } from './model-feed.js';
export { AheadPool } from './ahead-pool.js';
export { defaultAheadWorkers } from './quantile-model-set.js';
export { AheadCache, aheadCacheKey, DEFAULT_AHEAD_CACHE_DIR, DEFAULT_AHEAD_CACHE_BYTES, type AheadCacheOptions } from './ahead-cache.js';
