// The `strategies` section of the configuration: plain rule strategies and fusion strategies,
// each trading a list of instruments. Types, the JSON-Schema fragment (ajv checks shapes in
// engine/config), and resolveStrategies, which checks what the schema cannot (names unique,
// an instrument in one strategy only, one catch-all, exactly one size, the expressions) with
// messages naming the key path, the value and the rule.
//
//   strategies:
//     - name: ema-cross            # unique, [a-z0-9_-]+
//       type: rules                # rules | fusion
//       instruments: [BTCUSDT]     # omitted or empty: every instrument no other strategy lists
//       long:  { entry: "ema:10 >= ema:20", exit: "ema:10 < ema:20" }
//       short: { entry: "...", exit: "..." }        # optional: without it, long/flat
//       size: { quantity: 1 }      # or { equityFraction: f }, 0 < f <= risk.maxLeverage
//     - name: regime
//       type: fusion               # the fusion/sizing sections; needs a regime model
//       regimeModel: eth-regime.json                # optional: else the run's (--regime-model)
//       instruments: [ETHUSDT]
import { RULE_MAX_COMPARISONS, RULE_MAX_PROGRAMS } from './rule-layout.js';
import { comparisonKey, comparisonsOf, parseRuleExpression, RuleExpressionError, type RuleExpression } from './rule-expression.js';

export interface RuleSideConfig {
  readonly entry: string;
  readonly exit: string;
}

export type StrategySize = { readonly quantity: number } | { readonly equityFraction: number };

export interface RuleStrategyConfig {
  readonly name: string;
  readonly type: 'rules';
  /** Symbols; empty: every instrument of the run that no other strategy lists. */
  readonly instruments: readonly string[];
  readonly long: RuleSideConfig;
  /** Absent: never short (long/flat). */
  readonly short?: RuleSideConfig;
  readonly size: StrategySize;
}

export interface FusionStrategyConfig {
  readonly name: string;
  readonly type: 'fusion';
  readonly instruments: readonly string[];
  /** Path of a regime model file (from `regime fit`); absent: the run's regime model. */
  readonly regimeModel?: string;
}

export type StrategyConfig = RuleStrategyConfig | FusionStrategyConfig;

export class StrategyConfigError extends Error {
  override readonly name = 'StrategyConfigError';
  constructor(message: string, readonly keyPath: string) {
    super(message);
  }
}

const SIDE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['entry', 'exit'],
  properties: { entry: { type: 'string', minLength: 1 }, exit: { type: 'string', minLength: 1 } },
} as const;

/** JSON Schema (draft-07) of `strategies`; engine/config/config-schema.ts includes it. */
export const STRATEGIES_CONFIG_SCHEMA = {
  type: 'array',
  maxItems: RULE_MAX_PROGRAMS,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'type'],
    properties: {
      name: { type: 'string', pattern: '^[a-z0-9_-]+$' },
      type: { enum: ['rules', 'fusion'] },
      instruments: { type: 'array', items: { type: 'string', minLength: 1 } },
      long: SIDE_SCHEMA,
      short: SIDE_SCHEMA,
      size: {
        type: 'object',
        additionalProperties: false,
        properties: {
          quantity: { type: 'number', exclusiveMinimum: 0, maximum: 1e12 },
          equityFraction: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
        },
      },
      regimeModel: { type: 'string', minLength: 1 },
    },
  },
} as const;

interface RawStrategy {
  name: string;
  type: 'rules' | 'fusion';
  instruments?: string[];
  long?: RuleSideConfig;
  short?: RuleSideConfig;
  size?: { quantity?: number; equityFraction?: number };
  regimeModel?: string;
}

export interface ResolveStrategiesOptions {
  /** risk.maxLeverage: the largest equityFraction. */
  readonly maxLeverage: number;
}

/**
 * Checks and resolves `strategies` (already shape-checked by the schema, or plain objects from
 * code). Throws StrategyConfigError naming the key path (`strategies[0].long.entry`).
 */
export function resolveStrategies(raw: readonly unknown[] | undefined, options: ResolveStrategiesOptions): StrategyConfig[] {
  const list = (raw ?? []) as readonly RawStrategy[];
  if (!Array.isArray(list)) throw new StrategyConfigError(`\`strategies\` must be a list, was ${JSON.stringify(raw)}`, 'strategies');
  if (list.length > RULE_MAX_PROGRAMS) throw new StrategyConfigError(`\`strategies\` must have at most ${RULE_MAX_PROGRAMS} entries, was ${list.length}`, 'strategies');
  const names = new Map<string, number>();
  const listed = new Map<string, string>();
  let catchAll: number | undefined;
  return list.map((entry, i): StrategyConfig => {
    const at = (key: string) => `strategies[${i}].${key}`;
    const fail = (key: string, message: string): never => {
      throw new StrategyConfigError(`\`${at(key)}\` ${message}`, at(key));
    };
    if (typeof entry !== 'object' || entry === null) throw new StrategyConfigError(`\`strategies[${i}]\` must be a mapping, was ${JSON.stringify(entry)}`, `strategies[${i}]`);
    if (typeof entry.name !== 'string' || !/^[a-z0-9_-]+$/.test(entry.name)) fail('name', `must match [a-z0-9_-]+, was ${JSON.stringify(entry.name)}`);
    const previous = names.get(entry.name);
    if (previous !== undefined) fail('name', `must be unique, was ${JSON.stringify(entry.name)}, already used by strategies[${previous}]`);
    names.set(entry.name, i);
    if (entry.type !== 'rules' && entry.type !== 'fusion') fail('type', `must be one of "rules", "fusion", was ${JSON.stringify(entry.type)}`);
    const instruments: readonly string[] = entry.instruments ?? [];
    if (!Array.isArray(instruments)) fail('instruments', `must be a list of symbols, was ${JSON.stringify(instruments)}`);
    instruments.forEach((symbol: string, k: number) => {
      if (typeof symbol !== 'string' || symbol === '') fail(`instruments[${k}]`, `must be a symbol, was ${JSON.stringify(symbol)}`);
      const owner = listed.get(symbol);
      if (owner !== undefined) fail(`instruments[${k}]`, `must be listed by one strategy only, was ${JSON.stringify(symbol)}, already listed by ${owner}`);
      listed.set(symbol, `strategies[${i}] (${entry.name})`);
    });
    if (instruments.length === 0) {
      if (catchAll !== undefined) fail('instruments', `must list symbols: strategies[${catchAll}] already takes every instrument no strategy lists (only one strategy may omit them), was ${JSON.stringify(entry.instruments ?? null)}`);
      catchAll = i;
    }
    if (entry.type === 'fusion') {
      for (const key of ['long', 'short', 'size'] as const) if (entry[key] !== undefined) fail(key, `is for type rules only: a fusion strategy trades the fusion and sizing sections, was ${JSON.stringify(entry[key])}`);
      if (entry.regimeModel !== undefined && (typeof entry.regimeModel !== 'string' || entry.regimeModel === '')) fail('regimeModel', `must be a file path, was ${JSON.stringify(entry.regimeModel)}`);
      return { name: entry.name, type: 'fusion', instruments: [...instruments], ...(entry.regimeModel !== undefined ? { regimeModel: entry.regimeModel } : {}) };
    }
    if (entry.regimeModel !== undefined) fail('regimeModel', `is for type fusion only: rule strategies need no regime model, was ${JSON.stringify(entry.regimeModel)}`);
    if (entry.long === undefined) fail('long', 'is required for type rules ({ entry, exit }), was missing');
    const parsed: RuleExpression[] = [];
    const side = (key: 'long' | 'short'): RuleSideConfig => {
      const value = entry[key]!;
      if (typeof value !== 'object' || value === null) fail(key, `must be a mapping { entry, exit }, was ${JSON.stringify(value)}`);
      for (const part of ['entry', 'exit'] as const) {
        try {
          parsed.push(parseRuleExpression(value[part], at(`${key}.${part}`)));
        } catch (error) {
          if (error instanceof RuleExpressionError) throw new StrategyConfigError(error.message, at(`${key}.${part}`));
          throw error;
        }
      }
      return { entry: value.entry, exit: value.exit };
    };
    const long = side('long');
    const short = entry.short === undefined ? undefined : side('short');
    // The core holds one bit per distinct comparison of the four expressions (compileRuleProgram).
    const distinct = new Set(parsed.flatMap(comparisonsOf).map(comparisonKey)).size;
    if (distinct > RULE_MAX_COMPARISONS) {
      throw new StrategyConfigError(
        `\`strategies[${i}]\` (${entry.name}) must have at most ${RULE_MAX_COMPARISONS} distinct comparisons over long and short entry and exit, was ${distinct}`,
        `strategies[${i}]`,
      );
    }
    const size = entry.size;
    if (typeof size !== 'object' || size === null) return fail('size', `is required for type rules: exactly one of quantity (units, > 0) or equityFraction (0 < f <= ${options.maxLeverage}), was ${JSON.stringify(size)}`);
    const given = (['quantity', 'equityFraction'] as const).filter((key) => size[key] !== undefined);
    if (given.length !== 1) fail('size', `must have exactly one of quantity (units, > 0) or equityFraction (0 < f <= ${options.maxLeverage}), was ${JSON.stringify(size)}`);
    let resolvedSize: StrategySize;
    if (given[0] === 'quantity') {
      const q = size.quantity!;
      if (typeof q !== 'number' || !Number.isFinite(q) || q <= 0) fail('size.quantity', `must be a finite number > 0, was ${JSON.stringify(q)}`);
      resolvedSize = { quantity: q };
    } else {
      const f = size.equityFraction!;
      if (typeof f !== 'number' || !Number.isFinite(f) || f <= 0 || f > options.maxLeverage) fail('size.equityFraction', `must be > 0 and <= risk.maxLeverage (${options.maxLeverage}), was ${JSON.stringify(f)}`);
      resolvedSize = { equityFraction: f };
    }
    return { name: entry.name, type: 'rules', instruments: [...instruments], long, ...(short ? { short } : {}), size: resolvedSize };
  });
}

/**
 * Which strategy trades each instrument of a run (by id): the strategy that lists its symbol,
 * else the one strategy without a list, else none. Throws when a strategy lists a symbol the run
 * does not have.
 */
export function assignStrategies(strategies: readonly StrategyConfig[], instrumentNames: readonly string[]): (StrategyConfig | undefined)[] {
  const bySymbol = new Map<string, StrategyConfig>();
  strategies.forEach((strategy, i) => {
    strategy.instruments.forEach((symbol, k) => {
      if (!instrumentNames.includes(symbol)) {
        throw new StrategyConfigError(
          `\`strategies[${i}].instruments[${k}]\` must be an instrument of the run (${instrumentNames.join(', ')}), was ${JSON.stringify(symbol)}`,
          `strategies[${i}].instruments[${k}]`,
        );
      }
      bySymbol.set(symbol, strategy);
    });
  });
  const catchAll = strategies.find((strategy) => strategy.instruments.length === 0);
  return instrumentNames.map((symbol) => bySymbol.get(symbol) ?? catchAll);
}
