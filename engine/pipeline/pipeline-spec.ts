// What the engine computes per bar, per instrument: the indicator tokens every
// instrument gets, optionally a regime model filtered on its features, fusion and
// sizing or a plain rule strategy (engine/strategy), the risk account that turns targets into checked orders, and how they trade
// (order table, order stage, exits, the simulated venue: engine/execution).
// Plain data, so it crosses to the engine thread by structured clone.
import { checkRegimeModelTimeframe, type RegimeModelRecord } from '../regime/index.js';
import { decisionTokens, type FusionConfig, type SizingConfig } from '../decision/index.js';
import { PIPE_MAX_INSTRUMENTS, PIPE_MODEL_MAX_FEATURES } from './pipeline-layout.js';
import type { InstrumentRiskConfig, RiskLimits } from '../risk/index.js';
import { exitsNeedAtr, type ExecutionSpec } from '../execution/index.js';
import { ruleTokens, type RuleStrategyConfig } from '../strategy/index.js';

export interface PipelineSpec {
  /** Indicator tokens demanded for every instrument (e.g. `ema:20`, `bb:20:2.pctb`). */
  readonly indicators: readonly string[];
  /** Instruments that run the pipeline; ids are the replay's instrument ids. */
  readonly instruments: readonly PipelineInstrument[];
  /** Fusion and sizing for every instrument that has a regime model. */
  readonly decision?: PipelineDecision;
  /**
   * The risk account and limits: with it, every decided instrument's target becomes an order
   * through the pre-trade checks (ORDER or risk records on the outbound ring), decisions size
   * against the account's equity, and the drawdown kill switch watches every mark and fill.
   */
  readonly risk?: PipelineRisk;
  /** How the targets trade: needed with `risk` (the order table, order stage, exits, venue). */
  readonly execution?: ExecutionSpec;
  /** Equity rule strategies size against without `risk` (default: decision.equity, else 0). */
  readonly equity?: number;
  /**
   * With `risk`: one EQUITY record per bar of each risk-checked instrument on the outbound ring
   * (the account after the bar; EngineHost's onEquity). Default false.
   */
  readonly equityRecords?: boolean;
}

export interface PipelineRisk {
  /** The limits, and (limits.feedHealth) what the core does on FEED_HEALTH records: reduce-only, halt or cancel-all per condition. */
  readonly limits: RiskLimits;
  /** One per instrument the risk module knows; every decided instrument needs one. */
  readonly instruments: readonly InstrumentRiskConfig[];
  /** Starting cash (the account's equity while flat). */
  readonly cash: number;
  /** Account start time, ns since the epoch (the first UTC day of the daily-loss limit). */
  readonly startNs: bigint;
  /** The persisted kill-switch state: true starts the core halted (no new exposure). */
  readonly halted: boolean;
}

export interface PipelineDecision {
  readonly fusion: FusionConfig;
  readonly sizing: SizingConfig;
  /** Equity the targets are sized against without `risk` (with it: the account's equity). */
  readonly equity: number;
}

export interface PipelineInstrument {
  readonly instrument: number;
  /** Filtered every bar when present; its feature spec joins the indicator plan. With `rules` it only labels the bars (EQUITY records). */
  readonly regimeModel?: RegimeModelRecord;
  /** A plain rule strategy decides this instrument's target instead of fusion (no regime model needed). */
  readonly rules?: RuleStrategyConfig;
  /** Bar timeframe (`1h`, `4h`, `1d`): annualises the realised volatility for sizing. */
  readonly timeframe?: string;
  /** Builds this instrument's bars in the core from its TRADE or QUOTE records (and TIMER flushes). */
  readonly barBuilder?: PipelineBarBuilder;
  /**
   * Its decision waits for the model (needs `regimeModel` and the spec's `decision`, not `rules`):
   * at each bar close whose features are all finite the core writes them as FEATURES records and
   * decides when the MODEL record for that bar close arrives, or without the ML expert once
   * `waitNs` passed (counted; STATUS_ML_TIMED_OUT in the decision).
   */
  readonly model?: PipelineModel;
}

export interface PipelineModel {
  /** Single-output indicator tokens, in the model's feature order (1 to PIPE_MODEL_MAX_FEATURES); they join the plan. */
  readonly features: readonly string[];
  /** How long past the bar close the decision waits for the bar's MODEL record, ns (>= 0). */
  readonly waitNs: bigint;
  /**
   * false: the decision still waits for the bar's MODEL record, but the core writes no FEATURES
   * records (a backtest computed the answers ahead and nobody reads them). Default true.
   */
  readonly exportFeatures?: boolean;
}

export interface PipelineBarBuilder {
  readonly timeframeNs: bigint;
  /** trades: price and size; quotes: the mid, with `quoteVolume` per quote. */
  readonly source: 'trades' | 'quotes';
  /** skip: nothing for an interval with no event; fill: a flat bar at the previous close, volume 0. */
  readonly emptyIntervals: 'skip' | 'fill';
  readonly quoteVolume?: number;
}

/** Every token the plan must compute: the demanded ones, regime features (not `logret`), then what decisions read. */
export function pipelineTokens(spec: PipelineSpec): string[] {
  const tokens = new Set(spec.indicators);
  if (spec.decision) for (const token of decisionTokens(spec.decision.fusion, spec.decision.sizing)) tokens.add(token);
  if (spec.risk && exitsNeedAtr(spec.execution?.exits)) tokens.add(spec.execution!.exits!.atrToken);
  for (const entry of spec.instruments) {
    for (const feature of entry.regimeModel?.featureSpec ?? []) if (feature !== 'logret') tokens.add(feature);
  }
  for (const entry of spec.instruments) for (const feature of entry.model?.features ?? []) tokens.add(feature);
  for (const entry of spec.instruments) if (entry.rules) for (const token of ruleTokens(entry.rules)) tokens.add(token);
  // The core's indicator plan holds at least one node. Rules that read only the bar's own fields
  // (close > open) get one two-bar SMA that nothing reads: it changes no decision.
  if (tokens.size === 0 && spec.instruments.some((entry) => entry.rules)) tokens.add(BAR_FIELDS_ONLY_TOKEN);
  return [...tokens];
}

/** The token a plan of rules over bar fields only computes (see pipelineTokens). */
export const BAR_FIELDS_ONLY_TOKEN = 'sma:2';

export function checkPipelineSpec(spec: PipelineSpec): PipelineSpec {
  const seen = new Set<number>();
  for (const { instrument } of spec.instruments) {
    if (!Number.isInteger(instrument) || instrument < 0 || instrument >= PIPE_MAX_INSTRUMENTS) {
      throw new RangeError(`pipeline \`instrument\` must be an integer in [0, ${PIPE_MAX_INSTRUMENTS}), was ${instrument}`);
    }
    if (seen.has(instrument)) throw new RangeError(`pipeline instrument ${instrument} is configured twice`);
    seen.add(instrument);
  }
  const ruled = spec.instruments.filter((entry) => entry.rules);
  if (spec.equity !== undefined && (!(spec.equity >= 0) || !Number.isFinite(spec.equity))) throw new RangeError(`pipeline \`equity\` must be a finite number >= 0, was ${spec.equity}`);
  if (spec.decision) {
    if (!(spec.decision.equity > 0) || !Number.isFinite(spec.decision.equity)) throw new RangeError(`decision \`equity\` must be a finite number > 0, was ${spec.decision.equity}`);
    const decided = spec.instruments.filter((entry) => entry.regimeModel && !entry.rules);
    if (decided.length === 0 && ruled.length === 0) throw new RangeError('decisions need a regime model: fusion blends expert weights by the filtered regime probabilities');
    for (const entry of decided) if (!entry.timeframe) throw new RangeError(`decision instrument ${entry.instrument} needs a \`timeframe\` to annualise its volatility`);
  }
  if (spec.risk) {
    if (!spec.decision && ruled.length === 0) throw new RangeError('a risk account needs decisions or rule strategies: orders come from the decided targets');
    if (!(spec.risk.cash > 0) || !Number.isFinite(spec.risk.cash)) throw new RangeError(`risk \`cash\` must be a finite number > 0, was ${spec.risk.cash}`);
    if (!spec.execution) throw new RangeError('a risk account needs its execution settings (order table, order stage): orders go out through them');
    const known = new Set(spec.risk.instruments.map((entry) => entry.instrument));
    for (const entry of spec.instruments) {
      if (((entry.regimeModel && spec.decision) || entry.rules) && !known.has(entry.instrument)) throw new RangeError(`decision instrument ${entry.instrument} has no risk configuration (asset class, lot size, staleness)`);
    }
  }
  // Bars built in the core from ticks (barBuilder) are checked as file bars are: their timeframe is
  // the builder's (simulatedTradingSpec names the symbol and --bar-timeframe before this).
  for (const entry of spec.instruments) {
    if (!entry.regimeModel) continue;
    try {
      checkRegimeModelTimeframe(entry.regimeModel, entry.timeframe, `instrument ${entry.instrument}'s bars`);
    } catch (error) {
      throw new RangeError((error as Error).message);
    }
  }
  for (const entry of spec.instruments) if (entry.model) checkPipelineModel(spec, entry);
  if (pipelineTokens(spec).length === 0) throw new RangeError('pipeline needs at least one indicator token, a regime model or a rule strategy');
  return spec;
}

function checkPipelineModel(spec: PipelineSpec, entry: PipelineInstrument): void {
  const { instrument, model } = entry;
  const at = `pipeline instrument ${instrument} \`model\``;
  if (!spec.decision || !entry.regimeModel || entry.rules) {
    throw new RangeError(`${at} needs fusion decisions (a regime model and the pipeline's \`decision\`, no rule strategy): only the ML expert waits for the model`);
  }
  const { features, waitNs } = model!;
  if (!Array.isArray(features) || features.length < 1 || features.length > PIPE_MODEL_MAX_FEATURES) {
    throw new RangeError(`${at}.features must list 1 to ${PIPE_MODEL_MAX_FEATURES} indicator tokens, was ${Array.isArray(features) ? `${features.length} tokens` : JSON.stringify(features)}`);
  }
  features.forEach((token, k) => {
    if (typeof token !== 'string' || token === '') throw new RangeError(`${at}.features[${k}] must be an indicator token, was ${JSON.stringify(token)}`);
  });
  if (typeof waitNs !== 'bigint' || waitNs < 0n) throw new RangeError(`${at}.waitNs must be a bigint >= 0 (ns), was ${String(waitNs)}`);
  const exportFeatures = model!.exportFeatures;
  if (exportFeatures !== undefined && typeof exportFeatures !== 'boolean') throw new RangeError(`${at}.exportFeatures must be true or false, was ${JSON.stringify(exportFeatures)}`);
}
