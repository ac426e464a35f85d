// Public API of the decision module (issue 5, part A): expert components (technical rules,
// ML quantiles, filtered sentiment), regime-gated fusion and sizing in the WASM core, the
// config section types/defaults/schemas, and the plain TS reference (./reference).
export {
  COMPONENTS, DEFAULT_FUSION_CONFIG, DEFAULT_RULES, DEFAULT_SIZING_CONFIG, DecisionConfigError, FUSION_CONFIG_SCHEMA, REGIMES,
  RULE_FAMILIES, RULE_KINDS, RULE_SHAPES, SIZING_CONFIG_SCHEMA, SIZING_METHODS, checkFusionConfig, checkSizingConfig,
  resolveFusionConfig, resolveSizingConfig, sizingForStrategy,
  type Component, type FusionConfig, type Regime, type RuleFamily, type RuleKind, type SentimentSourceConfig, type SizingConfig,
  type SizingMethod, type SizingMethodConfig, type TechnicalRuleConfig,
} from './decision-config.js';
export { barsPerYear, timeframeSeconds } from './bars-per-year.js';
export {
  compileDecisionProgram, compileInstrument, decisionTokens, planValueIndex,
  type DecisionInstrument, type DecisionProgram, type InstrumentProgram, type RuleProgram,
} from './decision-program.js';
export { readDecisionOutput, type DecisionOutput } from './decision-output.js';
export { readModelQuantiles, writeModelRecord, writeSentimentRecord, type ModelRecord, type SentimentRecord } from './decision-records.js';
export { WasmDecisionEngine, type DecisionCoreExports } from './wasm-decision-engine.js';
export { DEC_MAX_INSTRUMENTS, DEC_MAX_RULES, DEC_MAX_SOURCES, DEC_SENT_ITEMS, NO_ORDER, STATUS_COMP_SHIFT, STATUS_HALTED, STATUS_ML_TIMED_OUT, STATUS_PRICE, STATUS_REGIME, STATUS_REGIME_MODEL, STATUS_SHORT_CLAMPED, STATUS_VOL_READY } from './decision-layout.js';
