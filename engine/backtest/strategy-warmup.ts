// Whether each traded instrument had enough bars for its strategy to decide at all: the bars its
// indicators need before every one of them has a value (the indicator plan's warm-up, the largest
// among the tokens the strategy reads: a rule strategy's rules, or fusion's experts, sizing's
// volatility, the regime model's features and the ML model's features). A run whose data is
// shorter than that ends with no trade for a reason the results alone do not show, so the
// backtest says so.
import { buildPlan } from '../indicators/index.js';
import { decisionTokens } from '../decision/index.js';
import { ruleTokens } from '../strategy/index.js';
import type { PipelineSpec } from '../pipeline/index.js';

export interface WarmupShortfall {
  readonly instrument: number;
  /** Bars the instrument had in the run. */
  readonly bars: number;
  /** Bars its strategy's indicators need before all of them have a value. */
  readonly warmupBars: number;
  /** The token that needs them (the first with the largest warm-up). */
  readonly token: string;
}

/** The tokens the decision of `instrument` reads (empty when nothing decides it). */
function strategyTokens(spec: PipelineSpec, instrument: number): string[] {
  const entry = spec.instruments.find((i) => i.instrument === instrument);
  if (entry === undefined) return [];
  if (entry.rules) return ruleTokens(entry.rules);
  if (!spec.decision || !entry.regimeModel) return [];
  const tokens = new Set(decisionTokens(spec.decision.fusion, spec.decision.sizing));
  for (const feature of entry.regimeModel.featureSpec) if (feature !== 'logret') tokens.add(feature);
  for (const feature of entry.model?.features ?? []) tokens.add(feature);
  return [...tokens];
}

/** The largest warm-up among `tokens` and its token, or null for none. */
export function largestWarmup(tokens: readonly string[]): { warmupBars: number; token: string } | null {
  if (tokens.length === 0) return null;
  let best: { warmupBars: number; token: string } | null = null;
  for (const column of buildPlan([...tokens]).columns) {
    if (best === null || column.warmup > best.warmupBars) best = { warmupBars: column.warmup, token: column.token };
  }
  return best;
}

/**
 * The instruments of `barsByInstrument` (bars each had, by instrument id) whose strategy never
 * had all its indicators: fewer bars than their warm-up.
 */
export function warmupShortfalls(spec: PipelineSpec, barsByInstrument: ReadonlyMap<number, number>): WarmupShortfall[] {
  const out: WarmupShortfall[] = [];
  for (const [instrument, bars] of barsByInstrument) {
    const need = largestWarmup(strategyTokens(spec, instrument));
    if (need !== null && bars < need.warmupBars) out.push({ instrument, bars, ...need });
  }
  return out;
}
