// Public API of the engine pipeline: what runs per bar per instrument (spec), its
// setup on the engine thread, and reading its results (and the risk account) on the I/O thread;
// for a model wait, the FEATURES records the core writes and the MODEL record that answers them.
export { checkPipelineSpec, pipelineTokens, type PipelineBarBuilder, type PipelineDecision, type PipelineInstrument, type PipelineModel, type PipelineRisk, type PipelineSpec } from './pipeline-spec.js';
export { configurePipeline, planPipeline, type PipelineInstrumentMap, type PipelineMap, type PipelinePlan } from './configure-pipeline.js';
export { pipelineSetupIdentity, setupDifferences, SETUP_REGIONS, type PipelineSetupIdentity } from './pipeline-setup-identity.js';
export { readPipelineCounters, readPipelineSnapshot, type InstrumentSnapshot, type ModelWaitCounters, type PipelineCounters } from './pipeline-snapshot.js';
export { FeatureAssembler, readFeatureRecord, type FeatureRecord } from './feature-records.js';
export { writeModelRecord, type ModelRecord } from '../decision/index.js';
export { readDrawdownLimit, readInstrumentRisk, readRiskAccount, type InstrumentRiskSnapshot, type RiskAccountSnapshot } from './risk-account-snapshot.js';
export { pausedInstrumentsProblem, readInstrumentPaused, writeInstrumentPaused } from './strategy-pause.js';
