// Public API of the engine pipeline: what runs per bar per instrument (spec), its
// setup on the engine thread, and reading its results on the I/O thread.
export { checkPipelineSpec, pipelineTokens, type PipelineBarBuilder, type PipelineDecision, type PipelineInstrument, type PipelineSpec } from './pipeline-spec.js';
export { configurePipeline, planPipeline, type PipelineInstrumentMap, type PipelineMap, type PipelinePlan } from './configure-pipeline.js';
export { readPipelineCounters, readPipelineSnapshot, type InstrumentSnapshot, type PipelineCounters } from './pipeline-snapshot.js';
