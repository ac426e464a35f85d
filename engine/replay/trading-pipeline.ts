// The trading pipeline of a run: for instruments with known bar intervals, the per-bar stages
// (indicators, the regime filter, fusion and sizing, the order stage, risk and execution) from
// a loaded configuration, for a backtest (simulated venue in the core) or a live session (the
// core's orders leave for a venue). One place, so a backtest and a live session of the same
// configuration run the same stages.
import type { QuantFlowConfig } from '../config/index.js';
import type { RegimeModelRecord } from '../regime/index.js';
import type { PipelineSpec } from '../pipeline/index.js';
import { executionFromConfig } from '../execution/index.js';
import { replayRisk } from './replay-risk.js';


export interface TradingPipelineInput {
  readonly config: QuantFlowConfig;
  readonly instrumentNames: readonly string[];
  /** Each instrument's bar timeframe (volatility is annualised with it). */
  readonly timeframes: readonly (string | undefined)[];
  readonly regimeModel: RegimeModelRecord;
  readonly indicators: readonly string[];
  readonly equity: number;
  /** Account start, ns (the first UTC day of the daily-loss limit). */
  readonly startNs: bigint;
  readonly halted: boolean;
  /** true: the core's simulated venue fills the orders (backtest, paper); false: they leave on the outbound ring. */
  readonly simulate: boolean;
}

/** The pipeline, and the instruments whose risk terms came from risk.replayDefaults. Throws on a bad execution config. */
export function tradingPipeline(input: TradingPipelineInput): { spec: PipelineSpec; defaulted: readonly string[] } {
  const { config, instrumentNames } = input;
  const { risk, defaulted } = replayRisk(config.risk, instrumentNames, { cash: input.equity, startNs: input.startNs, halted: input.halted });
  const execution = executionFromConfig(config, instrumentNames.map((symbol, instrument) => ({ instrument, symbol })), { simulate: input.simulate });
  const instruments = input.timeframes.map((timeframe, instrument) => ({ instrument, regimeModel: input.regimeModel, timeframe }));
  return {
    spec: { indicators: input.indicators, instruments, decision: { fusion: config.fusion, sizing: config.sizing, equity: input.equity }, risk, execution },
    defaulted,
  };
}
