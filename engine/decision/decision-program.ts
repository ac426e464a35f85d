// Compiles checked fusion/sizing config and an indicator plan into the numeric program
// both implementations run: rule opcodes with plan value indices, weights per regime and
// component, times in integer nanoseconds, per-source weights and caps, and per-instrument
// sizing parameters. The WASM glue writes it into the DECISION region; the TS reference
// reads it as is, so both start from the same numbers.
import { BAR_FIELDS } from '../indicators/plan-layout.js';
import type { IndicatorPlan } from '../indicators/plan.js';
import { barsPerYear } from './bars-per-year.js';
import {
  COMPONENTS, DecisionConfigError, REGIMES, RULE_FAMILIES, RULE_SHAPES, SIZING_METHODS, sizingForStrategy,
  type FusionConfig, type SizingConfig,
} from './decision-config.js';
import { DEC_MAX_INSTRUMENTS, DEC_MAX_SOURCES, RuleOpcode, SizingCode } from './decision-layout.js';

export interface RuleProgram {
  readonly opcode: number;
  readonly family: number;
  /** Four plan value indices (unused roles read value 0). */
  readonly inputs: readonly [number, number, number, number];
  readonly weight: number;
  readonly params: readonly [number, number, number];
}

export interface DecisionProgram {
  readonly rules: readonly RuleProgram[];
  /** weights[regime * 5 + component]. */
  readonly weights: Float64Array;
  readonly choppyReduction: number;
  readonly mlMaxAgeNs: bigint;
  readonly mlHorizonBars: number;
  readonly mlScoreScale: number;
  readonly mlWidthAtHalf: number;
  readonly sentimentDecayPerNs: number;
  readonly sentimentMaxAgeNs: bigint;
  readonly sentimentDuplicateWindowNs: bigint;
  readonly sentimentBurstWindowNs: bigint;
  readonly sentimentBurstCount: number;
  readonly sentimentFullWeight: number;
  readonly sourceWeight: Float64Array;
  readonly sourceCap: Float64Array;
  /** Plan value index of the realised volatility per bar. */
  readonly volValue: number;
}

/** What the engine knows about one traded instrument. */
export interface DecisionInstrument {
  /** Instrument id: index of the decision blocks and of the HMM filter state (0..511). */
  readonly instrument: number;
  /** Indicator executor slot holding this instrument's bars at the decision timeframe. */
  readonly indicatorSlot: number;
  /** Bar timeframe, e.g. `1h`, `4h`, `1d` (annualises the realised volatility). */
  readonly timeframe: string;
  /** True where the instrument may be sold short (perpetuals, margin); spot is long-only. */
  readonly allowShort?: boolean;
  /** Strategy whose sizing overrides apply (sizing.strategies). */
  readonly strategy?: string;
}

export interface InstrumentProgram {
  readonly instrument: number;
  readonly indicatorSlot: number;
  readonly shortAllowed: boolean;
  readonly sizing: number;
  /** Plan value index of the ATR (atrStop), else 0. */
  readonly atrValue: number;
  readonly barsPerYear: number;
  readonly p0: number;
  readonly p1: number;
  readonly maxLeverage: number;
}

const seconds = (s: number): bigint => BigInt(Math.round(s * 1e9));

/** Value index of `token` (an indicator token of the plan, or a bar field). */
export function planValueIndex(plan: IndicatorPlan, token: string, field: string): number {
  const bar = (BAR_FIELDS as readonly string[]).indexOf(token);
  if (bar >= 0) return bar;
  const columns = plan.tokens.get(token);
  if (!columns) throw new DecisionConfigError(`\`${field}\` token \`${token}\` is not in the indicator plan: demand it (decisionTokens lists what fusion and sizing need)`);
  if (columns.length !== 1) {
    throw new DecisionConfigError(`\`${field}\` token \`${token}\` has ${columns.length} outputs: select one (${plan.columns.filter((_, i) => columns.includes(i)).map((c) => c.name).join(', ')})`);
  }
  return plan.columns[columns[0]].valueIndex;
}

/** Indicator tokens fusion and sizing read: add them to the plan's demands. */
export function decisionTokens(fusion: FusionConfig, sizing: SizingConfig): string[] {
  const tokens = new Set<string>([sizing.realisedVolatility.token]);
  for (const rule of fusion.rules) for (const token of Object.values(rule.inputs)) if (!(BAR_FIELDS as readonly string[]).includes(token)) tokens.add(token);
  for (const strategy of [undefined, ...Object.keys(sizing.strategies)]) {
    const method = sizingForStrategy(sizing, strategy);
    if (method.method === 'atrStop') tokens.add(method.atrStop.atr);
  }
  return [...tokens];
}

export function compileDecisionProgram(fusion: FusionConfig, sizing: SizingConfig, plan: IndicatorPlan): DecisionProgram {
  const rules = fusion.rules.map((rule, i): RuleProgram => {
    const shape = RULE_SHAPES[rule.kind];
    const inputs = [0, 0, 0, 0] as [number, number, number, number];
    shape.inputs.forEach((role, k) => (inputs[k] = planValueIndex(plan, rule.inputs[role], `fusion.rules[${i}].inputs.${role}`)));
    const params = [0, 0, 0] as [number, number, number];
    shape.params.forEach((name, k) => (params[k] = rule.params[name]));
    return { opcode: RuleOpcode[rule.kind], family: RULE_FAMILIES.indexOf(rule.family), inputs, weight: rule.weight, params };
  });
  const weights = new Float64Array(REGIMES.length * COMPONENTS.length);
  REGIMES.forEach((regime, r) => COMPONENTS.forEach((component, c) => (weights[r * COMPONENTS.length + c] = fusion.weights[regime][component])));
  const s = fusion.sentiment;
  const sourceWeight = new Float64Array(DEC_MAX_SOURCES).fill(s.unlistedSourceWeight);
  const sourceCap = new Float64Array(DEC_MAX_SOURCES).fill(Number.POSITIVE_INFINITY);
  for (const source of s.sources) {
    sourceWeight[source.id] = source.weight;
    sourceCap[source.id] = source.cap ?? Number.POSITIVE_INFINITY;
  }
  return {
    rules,
    weights,
    choppyReduction: fusion.choppyReduction,
    mlMaxAgeNs: seconds(fusion.ml.maxAgeSeconds),
    mlHorizonBars: fusion.ml.horizonBars,
    mlScoreScale: fusion.ml.scoreScale,
    mlWidthAtHalf: fusion.ml.widthAtHalf,
    sentimentDecayPerNs: Math.LN2 / (s.halfLifeSeconds * 1e9),
    sentimentMaxAgeNs: seconds(s.maxAgeSeconds),
    sentimentDuplicateWindowNs: seconds(s.duplicateWindowSeconds),
    sentimentBurstWindowNs: seconds(s.burstWindowSeconds),
    sentimentBurstCount: s.burstCount,
    sentimentFullWeight: s.fullConfidenceWeight,
    sourceWeight,
    sourceCap,
    volValue: planValueIndex(plan, sizing.realisedVolatility.token, 'sizing.realisedVolatility.token'),
  };
}

export function compileInstrument(sizing: SizingConfig, plan: IndicatorPlan, spec: DecisionInstrument): InstrumentProgram {
  if (!Number.isInteger(spec.instrument) || spec.instrument < 0 || spec.instrument >= DEC_MAX_INSTRUMENTS) {
    throw new DecisionConfigError(`\`instrument\` must be an integer in [0, ${DEC_MAX_INSTRUMENTS}), was ${spec.instrument}`);
  }
  if (!Number.isInteger(spec.indicatorSlot) || spec.indicatorSlot < 0) {
    throw new DecisionConfigError(`\`indicatorSlot\` must be an integer >= 0, was ${spec.indicatorSlot} (instrument ${spec.instrument})`);
  }
  if (spec.strategy !== undefined && !(spec.strategy in sizing.strategies)) {
    throw new DecisionConfigError(`\`strategy\` ${JSON.stringify(spec.strategy)} of instrument ${spec.instrument} has no entry in sizing.strategies (${Object.keys(sizing.strategies).join(', ') || 'none'})`);
  }
  const method = sizingForStrategy(sizing, spec.strategy);
  const code = SizingCode[method.method];
  if (code === undefined) throw new DecisionConfigError(`\`sizing.method\` must be one of ${SIZING_METHODS.join(', ')}, was ${JSON.stringify(method.method)}`);
  const [p0, p1] =
    method.method === 'volatilityTarget' ? [method.targetAnnualVolatility, 0]
    : method.method === 'fixedFractional' ? [method.fixedFractional.riskFraction, method.fixedFractional.stopFraction]
    : method.method === 'cappedKelly' ? [method.cappedKelly.fraction, method.cappedKelly.cap]
    : [method.atrStop.riskFraction, method.atrStop.atrMultiple];
  return {
    instrument: spec.instrument,
    indicatorSlot: spec.indicatorSlot,
    shortAllowed: spec.allowShort ?? false,
    sizing: code,
    atrValue: method.method === 'atrStop' ? planValueIndex(plan, method.atrStop.atr, 'sizing.atrStop.atr') : 0,
    barsPerYear: barsPerYear(spec.timeframe, sizing.calendar),
    p0,
    p1,
    maxLeverage: method.maxLeverage,
  };
}
