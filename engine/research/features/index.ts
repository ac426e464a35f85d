// Public API of engine/research/features: point-in-time feature matrices over bar series (the
// engine's indicator plans in batch, forward-return and triple-barrier targets with their end
// times, a `usable` flag), the scale-free and must-vary checks of feature tokens, and the feature file
// (Arrow IPC + manifest.json) that `quantflow features` writes and `quantflow train` reads.
export { buildFeatureMatrix, checkFeatureTokens, featureColumns, NO_LABEL, NO_TIME, type FeatureBars, type FeatureMatrix, type FeatureMatrixOptions } from './feature-matrix.js';
export { checkFeaturesVary, constantFeatures, type ConstantFeature } from './constant-feature-check.js';
export { checkScaleFree, scaleFreeViolations, SCALE_FACTOR, SCALE_TOLERANCE, type ScaleFreeViolation } from './scale-free-check.js';
export {
  FEATURE_FILE, FEATURE_MANIFEST, FEATURE_SCHEMA, featureTable, readFeatureFile, writeFeatureFile,
  type FeatureFile, type FeatureManifest, type FeatureProvenance,
} from './feature-file.js';
export { USABLE_RULE, featureColumnInfos, type ColumnRole, type FeatureColumnInfo } from './feature-columns.js';
export { FeatureFileError } from './feature-file-error.js';
export { DEFAULT_FEATURE_HORIZON, DEFAULT_FEATURE_TOKENS } from './default-features.js';
export { FeatureOptionError } from './feature-option-error.js';
