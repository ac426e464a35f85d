// Public API of the indicators module: the registry and token grammar, plans, and the
// WASM executor. The TS reference implementation (the test oracle) lives in ./reference.
export { IndicatorSpecError } from './indicator-spec-error.js';
export type { IndicatorDeclaration, InputRef, NodeRef, ParamDeclaration } from './indicator-declaration.js';
export { IndicatorRegistry, defaultRegistry, DEFAULT_DECLARATIONS, resolveParams } from './registry.js';
export { parseSpec, parseToken, type ParsedToken } from './token-parser.js';
export { buildPlan, planStateBytes, type IndicatorPlan, type PlanColumn, type PlanNode } from './plan.js';
export { encodePlan, encodedPlanBytes } from './plan-encoder.js';
export { IndicatorExecutor, type BarColumns, type IndicatorCoreExports, type IndicatorExecutorOptions, type StagedBatch } from './indicator-executor.js';
