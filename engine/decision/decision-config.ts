// Config of fusion and sizing: TypeScript types, defaults, JSON-Schema fragments (for ajv)
// and check helpers with field-naming messages.
//
// Exports for the config loader (engine/config, owned by the risk engineer), which mounts
// them under the top-level keys `fusion` and `sizing`:
//   FUSION_CONFIG_SCHEMA, SIZING_CONFIG_SCHEMA   JSON-Schema fragments (draft-07, ajv)
//   DEFAULT_FUSION_CONFIG, DEFAULT_SIZING_CONFIG defaults (the schema carries none)
//   resolveFusionConfig(partial), resolveSizingConfig(partial)  defaults merged in, then checked
//   checkFusionConfig(config), checkSizingConfig(config)          throw DecisionConfigError
//   types FusionConfig, SizingConfig, TechnicalRuleConfig, SizingMethodConfig
// Units: times in seconds, volatilities and fractions as plain numbers (0.15 = 15%).
import { DEC_MAX_RULES, DEC_MAX_SOURCES } from './decision-layout.js';

export const RULE_KINDS = ['trendCross', 'bandReversion', 'channelBreakout', 'linear'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export const RULE_FAMILIES = ['trend', 'meanReversion', 'breakout'] as const;
export type RuleFamily = (typeof RULE_FAMILIES)[number];
/** Fusion components, in the core's order. */
export const COMPONENTS = ['trend', 'meanReversion', 'breakout', 'ml', 'sentiment'] as const;
export type Component = (typeof COMPONENTS)[number];
/** Regimes, in the HMM label-code order (engine/regime/regime-label.ts). */
export const REGIMES = ['trending', 'meanReverting', 'choppy'] as const;
export type Regime = (typeof REGIMES)[number];
export const SIZING_METHODS = ['volatilityTarget', 'fixedFractional', 'cappedKelly', 'atrStop'] as const;
export type SizingMethod = (typeof SIZING_METHODS)[number];

/** Input roles and parameter names of each rule kind (parameter meanings: technical-expert.ts in the core). */
export const RULE_SHAPES: Record<RuleKind, { readonly inputs: readonly string[]; readonly params: readonly string[] }> = {
  trendCross: { inputs: ['fast', 'slow', 'adx'], params: ['adxFloor', 'adxSpan', 'spreadScale'] },
  bandReversion: { inputs: ['percentB', 'rsi'], params: ['rsiLow', 'rsiHigh', 'rsiSpan'] },
  channelBreakout: { inputs: ['close', 'upper', 'lower', 'relativeVolume'], params: ['relativeVolumeFloor', 'relativeVolumeSpan'] },
  linear: { inputs: ['value'], params: ['center', 'scale'] },
};

export interface TechnicalRuleConfig {
  readonly kind: RuleKind;
  readonly family: RuleFamily;
  readonly weight: number;
  /** Role -> indicator token of the plan (`ema:12`, `bb:20:2.pctb`) or a bar field (`open` .. `volume`). */
  readonly inputs: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, number>>;
}

export interface SentimentSourceConfig {
  readonly id: number;
  readonly name?: string;
  readonly weight: number;
  /** Most decayed weight the source may contribute; omitted = no cap. */
  readonly cap?: number;
}

export interface FusionConfig {
  readonly weights: Readonly<Record<Regime, Readonly<Record<Component, number>>>>;
  /** Exposure is multiplied by 1 - choppyReduction * P(choppy). */
  readonly choppyReduction: number;
  readonly rules: readonly TechnicalRuleConfig[];
  readonly ml: {
    readonly horizonBars: number;
    readonly maxAgeSeconds: number;
    /** q50 equal to scoreScale realised deviations over the horizon scores 1. */
    readonly scoreScale: number;
    /** Ratio of model spread to realised spread at which the confidence is 0.5. */
    readonly widthAtHalf: number;
  };
  readonly sentiment: {
    readonly halfLifeSeconds: number;
    readonly maxAgeSeconds: number;
    readonly duplicateWindowSeconds: number;
    readonly burstWindowSeconds: number;
    readonly burstCount: number;
    /** Summed decayed weight at which the sentiment confidence reaches 1. */
    readonly fullConfidenceWeight: number;
    readonly sources: readonly SentimentSourceConfig[];
    readonly unlistedSourceWeight: number;
  };
}

export interface SizingMethodConfig {
  readonly method: SizingMethod;
  readonly targetAnnualVolatility: number;
  readonly maxLeverage: number;
  readonly fixedFractional: { readonly riskFraction: number; readonly stopFraction: number };
  readonly cappedKelly: { readonly fraction: number; readonly cap: number };
  readonly atrStop: { readonly riskFraction: number; readonly atrMultiple: number; readonly atr: string };
}

export interface SizingConfig extends SizingMethodConfig {
  /** Indicator token giving the realised volatility per bar (of returns at the bar's timeframe). */
  readonly realisedVolatility: { readonly token: string };
  /** Calendar used to annualise: bars per year = daysPerYear * sessionHours * 3600 / timeframe seconds (daily and longer: daysPerYear * 86400 / seconds). */
  readonly calendar: { readonly daysPerYear: number; readonly sessionHours: number };
  /** Per-strategy overrides of the method and its parameters. */
  readonly strategies: Readonly<Record<string, Partial<SizingMethodConfig>>>;
}

export const DEFAULT_RULES: readonly TechnicalRuleConfig[] = [
  { kind: 'trendCross', family: 'trend', weight: 1, inputs: { fast: 'ema:12', slow: 'ema:26', adx: 'adx:14.adx' }, params: { adxFloor: 20, adxSpan: 20, spreadScale: 0.01 } },
  { kind: 'bandReversion', family: 'meanReversion', weight: 1, inputs: { percentB: 'bb:20:2.pctb', rsi: 'rsi:14' }, params: { rsiLow: 30, rsiHigh: 70, rsiSpan: 15 } },
  {
    kind: 'channelBreakout', family: 'breakout', weight: 1,
    inputs: { close: 'close', upper: 'donchian:20.upper@lag:1', lower: 'donchian:20.lower@lag:1', relativeVolume: 'relvol:20' },
    params: { relativeVolumeFloor: 1.2, relativeVolumeSpan: 1 },
  },
];

export const DEFAULT_FUSION_CONFIG: FusionConfig = {
  weights: {
    trending: { trend: 1, meanReversion: 0.1, breakout: 0.6, ml: 1, sentiment: 0.3 },
    meanReverting: { trend: 0.1, meanReversion: 1, breakout: 0.1, ml: 0.5, sentiment: 0.2 },
    choppy: { trend: 0.3, meanReversion: 0.3, breakout: 0.3, ml: 0.5, sentiment: 0.2 },
  },
  choppyReduction: 0.7,
  rules: DEFAULT_RULES,
  ml: { horizonBars: 1, maxAgeSeconds: 7200, scoreScale: 1, widthAtHalf: 1.5 },
  sentiment: {
    halfLifeSeconds: 3600,
    maxAgeSeconds: 86_400,
    duplicateWindowSeconds: 21_600,
    burstWindowSeconds: 300,
    burstCount: 5,
    fullConfidenceWeight: 3,
    sources: [],
    unlistedSourceWeight: 0.5,
  },
};

export const DEFAULT_SIZING_CONFIG: SizingConfig = {
  method: 'volatilityTarget',
  targetAnnualVolatility: 0.15,
  maxLeverage: 1,
  fixedFractional: { riskFraction: 0.01, stopFraction: 0.02 },
  cappedKelly: { fraction: 0.5, cap: 0.25 },
  atrStop: { riskFraction: 0.01, atrMultiple: 2, atr: 'atr:14' },
  realisedVolatility: { token: 'rvol:20' },
  calendar: { daysPerYear: 365, sessionHours: 24 },
  strategies: {},
};

const num = (extra: object = {}) => ({ type: 'number', ...extra });
const positive = num({ exclusiveMinimum: 0 });
const nonNegative = num({ minimum: 0 });
const fraction = num({ minimum: 0, maximum: 1 });
const componentWeights = {
  type: 'object', additionalProperties: false, required: [...COMPONENTS],
  properties: Object.fromEntries(COMPONENTS.map((c) => [c, nonNegative])),
};

export const FUSION_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    weights: {
      type: 'object', additionalProperties: false, required: [...REGIMES],
      properties: Object.fromEntries(REGIMES.map((r) => [r, componentWeights])),
    },
    choppyReduction: fraction,
    rules: {
      type: 'array', maxItems: DEC_MAX_RULES,
      items: {
        type: 'object', additionalProperties: false, required: ['kind', 'family', 'weight', 'inputs', 'params'],
        properties: {
          kind: { enum: [...RULE_KINDS] },
          family: { enum: [...RULE_FAMILIES] },
          weight: positive,
          inputs: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
          params: { type: 'object', additionalProperties: { type: 'number' } },
        },
      },
    },
    ml: {
      type: 'object', additionalProperties: false,
      properties: { horizonBars: num({ minimum: 1 }), maxAgeSeconds: nonNegative, scoreScale: positive, widthAtHalf: positive },
    },
    sentiment: {
      type: 'object', additionalProperties: false,
      properties: {
        halfLifeSeconds: positive, maxAgeSeconds: nonNegative, duplicateWindowSeconds: nonNegative,
        burstWindowSeconds: nonNegative, burstCount: { type: 'integer', minimum: 1 }, fullConfidenceWeight: positive,
        unlistedSourceWeight: nonNegative,
        sources: {
          type: 'array', maxItems: DEC_MAX_SOURCES,
          items: {
            type: 'object', additionalProperties: false, required: ['id', 'weight'],
            properties: { id: { type: 'integer', minimum: 0, maximum: DEC_MAX_SOURCES - 1 }, name: { type: 'string' }, weight: nonNegative, cap: positive },
          },
        },
      },
    },
  },
} as const;

const methodProperties = {
  method: { enum: [...SIZING_METHODS] },
  targetAnnualVolatility: positive,
  maxLeverage: positive,
  fixedFractional: { type: 'object', additionalProperties: false, properties: { riskFraction: positive, stopFraction: positive } },
  cappedKelly: { type: 'object', additionalProperties: false, properties: { fraction: positive, cap: positive } },
  atrStop: { type: 'object', additionalProperties: false, properties: { riskFraction: positive, atrMultiple: positive, atr: { type: 'string', minLength: 1 } } },
};

export const SIZING_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...methodProperties,
    realisedVolatility: { type: 'object', additionalProperties: false, properties: { token: { type: 'string', minLength: 1 } } },
    calendar: { type: 'object', additionalProperties: false, properties: { daysPerYear: num({ exclusiveMinimum: 0, maximum: 366 }), sessionHours: num({ exclusiveMinimum: 0, maximum: 24 }) } },
    strategies: { type: 'object', additionalProperties: { type: 'object', additionalProperties: false, properties: methodProperties } },
  },
} as const;

export class DecisionConfigError extends Error {
  override readonly name = 'DecisionConfigError';
}

type Rule = (v: number) => boolean;
const RULES: Record<string, [Rule, string]> = {
  positive: [(v) => Number.isFinite(v) && v > 0, 'a finite number > 0'],
  nonNegative: [(v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0'],
  fraction: [(v) => v >= 0 && v <= 1, 'a number in [0, 1]'],
  finite: [(v) => Number.isFinite(v), 'a finite number'],
  atLeastOne: [(v) => Number.isFinite(v) && v >= 1, 'a finite number >= 1'],
  positiveInteger: [(v) => Number.isInteger(v) && v >= 1, 'an integer >= 1'],
};

function check(field: string, value: unknown, rule: keyof typeof RULES): void {
  const [ok, text] = RULES[rule];
  if (typeof value !== 'number' || !ok(value)) throw new DecisionConfigError(`\`${field}\` must be ${text}, was ${JSON.stringify(value) ?? String(value)}`);
}

function checkRule(rule: TechnicalRuleConfig, at: string): void {
  if (!RULE_KINDS.includes(rule.kind)) throw new DecisionConfigError(`\`${at}.kind\` must be one of ${RULE_KINDS.join(', ')}, was ${JSON.stringify(rule.kind)}`);
  if (!RULE_FAMILIES.includes(rule.family)) throw new DecisionConfigError(`\`${at}.family\` must be one of ${RULE_FAMILIES.join(', ')}, was ${JSON.stringify(rule.family)}`);
  check(`${at}.weight`, rule.weight, 'positive');
  const shape = RULE_SHAPES[rule.kind];
  for (const role of Object.keys(rule.inputs ?? {})) {
    if (!shape.inputs.includes(role)) throw new DecisionConfigError(`\`${at}.inputs.${role}\` is not an input of ${rule.kind} (inputs: ${shape.inputs.join(', ')})`);
  }
  for (const role of shape.inputs) {
    const token = rule.inputs?.[role];
    if (typeof token !== 'string' || token.length === 0) throw new DecisionConfigError(`\`${at}.inputs.${role}\` must be an indicator token or bar field, was ${JSON.stringify(token)}`);
  }
  for (const name of Object.keys(rule.params ?? {})) {
    if (!shape.params.includes(name)) throw new DecisionConfigError(`\`${at}.params.${name}\` is not a parameter of ${rule.kind} (parameters: ${shape.params.join(', ')})`);
  }
  for (const name of shape.params) check(`${at}.params.${name}`, rule.params?.[name], 'finite');
  const p = rule.params;
  if (rule.kind === 'trendCross') {
    check(`${at}.params.adxSpan`, p.adxSpan, 'positive');
    check(`${at}.params.spreadScale`, p.spreadScale, 'positive');
  } else if (rule.kind === 'bandReversion') {
    check(`${at}.params.rsiSpan`, p.rsiSpan, 'positive');
    if (p.rsiLow > p.rsiHigh) throw new DecisionConfigError(`\`${at}.params.rsiLow\` must be <= rsiHigh (${p.rsiHigh}), was ${p.rsiLow}`);
  } else if (rule.kind === 'channelBreakout') {
    check(`${at}.params.relativeVolumeSpan`, p.relativeVolumeSpan, 'positive');
  } else if (p.scale === 0) {
    throw new DecisionConfigError(`\`${at}.params.scale\` must be a finite number other than 0, was 0`);
  }
}

export function checkFusionConfig(config: FusionConfig, at = 'fusion'): FusionConfig {
  for (const regime of REGIMES) {
    for (const component of COMPONENTS) check(`${at}.weights.${regime}.${component}`, config.weights?.[regime]?.[component], 'nonNegative');
  }
  check(`${at}.choppyReduction`, config.choppyReduction, 'fraction');
  if (!Array.isArray(config.rules) || config.rules.length > DEC_MAX_RULES) {
    throw new DecisionConfigError(`\`${at}.rules\` must be an array of at most ${DEC_MAX_RULES} rules, was ${Array.isArray(config.rules) ? `${config.rules.length} rules` : JSON.stringify(config.rules)}`);
  }
  config.rules.forEach((rule, i) => checkRule(rule, `${at}.rules[${i}]`));
  check(`${at}.ml.horizonBars`, config.ml.horizonBars, 'atLeastOne');
  check(`${at}.ml.maxAgeSeconds`, config.ml.maxAgeSeconds, 'nonNegative');
  check(`${at}.ml.scoreScale`, config.ml.scoreScale, 'positive');
  check(`${at}.ml.widthAtHalf`, config.ml.widthAtHalf, 'positive');
  const s = config.sentiment;
  check(`${at}.sentiment.halfLifeSeconds`, s.halfLifeSeconds, 'positive');
  check(`${at}.sentiment.maxAgeSeconds`, s.maxAgeSeconds, 'nonNegative');
  check(`${at}.sentiment.duplicateWindowSeconds`, s.duplicateWindowSeconds, 'nonNegative');
  check(`${at}.sentiment.burstWindowSeconds`, s.burstWindowSeconds, 'nonNegative');
  check(`${at}.sentiment.burstCount`, s.burstCount, 'positiveInteger');
  check(`${at}.sentiment.fullConfidenceWeight`, s.fullConfidenceWeight, 'positive');
  check(`${at}.sentiment.unlistedSourceWeight`, s.unlistedSourceWeight, 'nonNegative');
  const seen = new Set<number>();
  s.sources.forEach((source, i) => {
    const where = `${at}.sentiment.sources[${i}]`;
    if (!Number.isInteger(source.id) || source.id < 0 || source.id >= DEC_MAX_SOURCES) {
      throw new DecisionConfigError(`\`${where}.id\` must be an integer in [0, ${DEC_MAX_SOURCES}), was ${JSON.stringify(source.id)}`);
    }
    if (seen.has(source.id)) throw new DecisionConfigError(`\`${where}.id\` must be unique, source ${source.id} is listed twice`);
    seen.add(source.id);
    check(`${where}.weight`, source.weight, 'nonNegative');
    if (source.cap !== undefined) check(`${where}.cap`, source.cap, 'positive');
  });
  return config;
}

function checkMethod(config: Partial<SizingMethodConfig>, at: string): void {
  if (config.method !== undefined && !SIZING_METHODS.includes(config.method)) {
    throw new DecisionConfigError(`\`${at}.method\` must be one of ${SIZING_METHODS.join(', ')}, was ${JSON.stringify(config.method)}`);
  }
  if (config.targetAnnualVolatility !== undefined) check(`${at}.targetAnnualVolatility`, config.targetAnnualVolatility, 'positive');
  if (config.maxLeverage !== undefined) check(`${at}.maxLeverage`, config.maxLeverage, 'positive');
  if (config.fixedFractional) {
    check(`${at}.fixedFractional.riskFraction`, config.fixedFractional.riskFraction, 'positive');
    check(`${at}.fixedFractional.stopFraction`, config.fixedFractional.stopFraction, 'positive');
  }
  if (config.cappedKelly) {
    check(`${at}.cappedKelly.fraction`, config.cappedKelly.fraction, 'positive');
    check(`${at}.cappedKelly.cap`, config.cappedKelly.cap, 'positive');
  }
  if (config.atrStop) {
    check(`${at}.atrStop.riskFraction`, config.atrStop.riskFraction, 'positive');
    check(`${at}.atrStop.atrMultiple`, config.atrStop.atrMultiple, 'positive');
    if (typeof config.atrStop.atr !== 'string' || config.atrStop.atr.length === 0) {
      throw new DecisionConfigError(`\`${at}.atrStop.atr\` must be an indicator token such as atr:14, was ${JSON.stringify(config.atrStop.atr)}`);
    }
  }
}

export function checkSizingConfig(config: SizingConfig, at = 'sizing'): SizingConfig {
  checkMethod(config, at);
  if (typeof config.realisedVolatility?.token !== 'string' || config.realisedVolatility.token.length === 0) {
    throw new DecisionConfigError(`\`${at}.realisedVolatility.token\` must be an indicator token such as rvol:20, was ${JSON.stringify(config.realisedVolatility?.token)}`);
  }
  check(`${at}.calendar.daysPerYear`, config.calendar.daysPerYear, 'positive');
  check(`${at}.calendar.sessionHours`, config.calendar.sessionHours, 'positive');
  if (config.calendar.sessionHours > 24) throw new DecisionConfigError(`\`${at}.calendar.sessionHours\` must be <= 24, was ${config.calendar.sessionHours}`);
  for (const [name, override] of Object.entries(config.strategies)) checkMethod(override, `${at}.strategies.${name}`);
  return config;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

function merge<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (Array.isArray(base) || typeof base !== 'object' || base === null || typeof over !== 'object' || over === null || Array.isArray(over)) return over as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over)) out[key] = merge((base as Record<string, unknown>)[key], value);
  return out as T;
}

/** Defaults with `partial` merged over them (arrays replace), checked. */
export function resolveFusionConfig(partial: DeepPartial<FusionConfig> = {}): FusionConfig {
  return checkFusionConfig(merge(DEFAULT_FUSION_CONFIG, partial));
}

export function resolveSizingConfig(partial: DeepPartial<SizingConfig> = {}): SizingConfig {
  return checkSizingConfig(merge(DEFAULT_SIZING_CONFIG, partial));
}

/** The sizing method config of `strategy`: its overrides merged over the section's own. */
export function sizingForStrategy(config: SizingConfig, strategy?: string): SizingMethodConfig {
  const override = strategy === undefined ? undefined : config.strategies[strategy];
  return merge<SizingMethodConfig>(config, override ?? {});
}
