// Public surface of engine/risk: pre-trade risk checks, portfolio state and the kill switch
// in the WASM core (glue), their plain TS reference, the reason table and the limits; feed health
// as a risk input (the FEED_HEALTH record, its policy, FeedHealthTracker).
export type { ImpliedOrder, PreTradeRisk, ProposedOrder, RiskAccountState, RiskDecision, RiskInstrumentState, RiskRecord } from './risk-engine.js';
export { ReferenceRiskEngine } from './reference-risk-engine.js';
export { priceStale } from './price-staleness.js';
export { WasmRiskEngine, type RiskCoreExports } from './wasm-risk-engine.js';
export { RiskReason, riskReasonName, riskReasonMessage, isDeferred, type RiskReasonCode, type RiskReasonName } from './risk-reason.js';
export {
  ASSET_CLASSES, SETTLEMENTS, assetClassCode, riskLimitsFromConfig, instrumentRiskFromConfig,
  type AssetClass, type ContractTerms, type Settlement, type InstrumentRiskConfig, type RiskLimits, type RiskSection,
} from './risk-limits.js';
export { RISK_REGION_OFFSET, RISK_REGION_BYTES, RISK_INSTRUMENT_CAPACITY, RISK_RATE_CAPACITY } from './risk-region.js';
export { readRiskAccountState, readRiskInstrumentState, riskRecordsPublished } from './read-risk-state.js';
export * as RiskLayout from './risk-region.js';
export {
  DEFAULT_FEED_HEALTH, FEED_ACTIONS, FEED_HEALTH_CONFIG_SCHEMA, FEED_MASK_ALL, FeedAction, FeedCondition, decodeFeedHealth, encodeFeedHealth,
  feedHealthEventRecord,  feedConditionName, feedHealthPolicyFromConfig, feedMaskNames, readFeedHealthState, writeFeedHealthPolicy,
  type FeedActionName, type FeedConditionCode, type FeedConditionName, type FeedHealthPolicy, type FeedHealthRecord, type FeedHealthState,
} from './feed-health.js';
export { FeedHealthTracker, type FeedHealthTrackerOptions, type FeedMessage, type FeedStreamSpec } from './feed-health-tracker.js';
export {
  RISK_LIMIT_NAMES, isRiskLimitName, readRiskLimit, riskConfigured, riskLimitRule, riskLimitValueProblem, writeRiskLimit, type RiskLimitName,
} from './risk-limit-change.js';
