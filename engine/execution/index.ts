// Public API of engine/execution: the configuration sections of trading (account, orders,
// order stage, exits, simulated venue), the spec the engine thread applies, its setup in the
// core, and what a run's execution amounted to (orders by state, fills, costs, round trips).
export {
  ACCOUNT_CONFIG_SCHEMA, EXECUTION_CONFIG_SCHEMA, EXITS_CONFIG_SCHEMA, ORDERS_CONFIG_SCHEMA, VENUE_CONFIG_SCHEMA,
  type AccountSection, type ExecutionSection, type ExitsSection, type OrdersSection, type VenueSection, type VenueCosts,
} from './execution-config.js';
export {
  exitsNeedAtr, LINKING_CODES, ORDER_TYPE_CODES, TIF_CODES, SETTLEMENT_CODES,
  type ExecutionSpec, type ExitsSpec, type VenueSpec, type InstrumentTermsSpec, type OrdersSpec, type OrderStageSpec,
} from './execution-spec.js';
export { executionFromConfig, type ExecutionInstrument, type ExecutionOptions } from './execution-from-config.js';
export { configureExecution, type AccountStart, type ExecutionCoreExports } from './configure-execution.js';
export { readExecutionReport, type ExecutionReport, type InstrumentExecution, type OrdersReport } from './execution-report.js';
