// Exports of the WASM core, and nothing else. Only scalars cross; results go to the outbound
// ring or to exported regions (see layout.ts).
import { CORE_STATIC_LIMIT, EVENT_BYTES } from './layout';
import { ERR_STATIC_DATA_TOO_LARGE, OK } from './errors';

/** Checks the core's static data fits below CORE_STATIC_LIMIT. Call once after instantiation. */
export function coreInit(): i32 {
  if (<i32>__heap_base > CORE_STATIC_LIMIT) return ERR_STATIC_DATA_TOO_LARGE;
  return OK;
}

export function eventBytes(): i32 {
  return EVENT_BYTES;
}
export { layoutValue, layoutValueCount, copyEventField } from './introspect';
export { ringConsumeChecksum, ringForward, ringCheck } from './ring';
export { hmmModelOffset, hmmFilterStateOffset, hmmFilterStateBytes, hmmLoadModel, hmmResetFilter, hmmFilterStep, hmmFilterBatch } from './hmm/hmm-filter';
export { indPlanLoad } from './indicators/plan-loader';
export { indSlotReset, indUpdate, indUpdateMs, indRunBatch, indStateOffset, indValuesOffset, indStateBytes, indSlotCapacity, indPlanOffset, indPlanAreaBytes } from './indicators/executor';
export { engineStart, engineStop, engineOutboundReserve, processInbound } from './engine';
export { statePublish, statePublishedSeq, stateLayoutValue } from './state/state-publish';
export { barsConfigure, barsDisable, barsOnTrade, barsOnQuote, barsFlush, barsOnRecord, barsSlotOffset, barsSlotBytes, barsSlotCapacity } from './bars/bar-builder';
export { riskConfigure, riskConfigureInstrument, riskInit, riskOnMark, riskReleaseWorking, riskOnRecord, riskPriceInHand, riskEmitFlatten, riskRestoreHalted, riskResetKillSwitch, riskHalted, riskTripCount, riskEquity, riskRegionOffset, riskRegionBytes, riskSlotOffset, riskSlotBytes, riskInstrumentCapacity } from './risk/risk-account';
export { riskCheckOrder } from './risk/risk-checks';
export { riskImpliedOrder, riskImpliedOrderLimit } from './risk/implied-order';
export { riskOnFill, portfolioApplyFill } from './portfolio/apply-fill';
export { portfolioConfigure, portfolioConfigureCurrency, portfolioConfigureInstrument } from './portfolio/ledger';
export { portfolioOnFunding, portfolioOnRate } from './portfolio/accruals';
export { ordersConfigure } from './orders/order-table';
export { ordersPlace, ordersCancel, ordersReplace, ordersApplyVenueRecord, ordersTimer, ordersSlotOffset } from './orders/order-api';
export { exitsReset, exitsConfigureProfile, exitsConfigureInstrument } from './exits/exit-engine';
export { exitsMark, exitsTimer, exitsProfileOffset, exitsStateOffset } from './exits/exit-api';
export { orderStage as pipelineOrderStage } from './pipeline/order-stage';
export { venueConfigure, venueConfigureInstrument } from './venue/venue-config';
export { venueSubmit, venueMarket, venuePop, venueOrderOffset, venueInstrumentOffset } from './venue/venue-api';
export { decConfigOffset, decRulesOffset, decSourcesOffset, decInstrumentConfigOffset, decStateOffset, decOutputOffset, decConfigure, decInstrumentConfigure, decInstrumentReset, decOnRecord, decStep } from './decision/decision-step';
export { pipelineReset, pipelineConfigure, pipelineConfigureModel, pipelineEntryOffset, pipelineSetEquity, pipelineSetEquityRecords, pipelineRunDecision } from './pipeline/pipeline';
export { ruleOffset, ruleProgramOffset, ruleStateOffset, ruleLoad, ruleInstrumentConfigure, ruleSide, ruleStep } from './strategy/rule-strategy';
export { pipelineSetExecution } from './pipeline/order-stage';
