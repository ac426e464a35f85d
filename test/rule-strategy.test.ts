// Plain rule strategies (engine/strategy, wasm/assembly/strategy): the expression parser and the
// `strategies` config checks; the core's rule step against the plain TS reference over the
// bundled real bars (fixed and random expressions); an EMA 10/20 long/flat strategy traded by the
// engine loop (orders exactly where the reference flips side); EQUITY records; and a checkpoint
// of a rule strategy mid-run that continues byte for byte.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBarsCsv, type BarSeries } from '../adapters/files/index.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { ConfigError, loadConfig } from '../engine/config/index.js';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import { buildPlan, encodePlan, IndicatorExecutor, type IndicatorCoreExports, type IndicatorPlan } from '../engine/indicators/index.js';
import { PLAN_OFFSET, BAR_FIELDS } from '../engine/indicators/plan-layout.js';
import { buildBarReplayTape, barIntervalNs, instrumentNames, timeframeOfInterval, tradingPipeline } from '../engine/replay/index.js';
import { playTape } from '../engine/replay/tape-player.js';
import { EngineHost, CHECKPOINT_IMAGE_BYTES, type CoreCheckpoint, type EquityRecord } from '../engine/threads/index.js';
import type { OrderCommandRecord } from '../engine/orders/index.js';
import { EventKind, KIND_MASK } from '../engine/layout/event-record.js';
import {
  ReferenceRuleStrategy, WasmRuleStrategy, compileRuleProgram, disjunctiveNormalForm, parseRuleExpression, resolveStrategies, ruleTokens,
  type RuleCoreExports, type RuleStrategyConfig,
} from '../engine/strategy/index.js';
import { RULE_OFFSET, RULE_PROGRAMS_OFFSET, RULE_STATE_OFFSET, RULE_PROGRAM_BYTES, RULE_STATE_BYTES } from '../engine/strategy/rule-layout.js';
import { sliceTape } from './trading-fixture.js';
import { buildRegimeFeatures, labelCode, trainRegimeModel, type RegimeModelRecord } from '../engine/regime/index.js';
import { DECISION_REGION_BYTES, DECISION_REGION_OFFSET } from '../engine/layout/memory-map.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-rules-'));
const hosts: EngineHost[] = [];
afterAll(async () => {
  for (const host of hosts) await host.terminate();
  rmSync(dir, { recursive: true, force: true });
});

const ethFile = defaultBarFiles().find((file) => file.includes('ETHUSDT'))!;
let ethSeries: BarSeries | undefined;
async function eth(): Promise<BarSeries> {
  ethSeries ??= (await loadBarsCsv(ethFile)).series;
  return ethSeries;
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, but none was thrown');
}

function configFile(name: string, text: string): string {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  return at;
}

const EMA_CROSS: RuleStrategyConfig = {
  name: 'ema-cross', type: 'rules', instruments: [], long: { entry: 'ema:10 >= ema:20', exit: 'ema:10 < ema:20' }, size: { quantity: 1 },
};

describe('rule expressions: parsing', () => {
  it('binds `and` tighter than `or` and distributes parentheses', () => {
    const groups = (text: string) => disjunctiveNormalForm(parseRuleExpression(text, 'f')).map((g) => g.map((c) => `${c.a.kind === 'indicator' ? c.a.token : c.a.kind === 'bar' ? c.a.field : c.a.value}${c.op}`));
    expect(groups('ema:10 > ema:20 and rsi:14 < 70 or close > 100'), 'a and b or c = (a and b) or c').toEqual([['ema:10>', 'rsi:14<'], ['close>']]);
    expect(groups('ema:10 > ema:20 and (rsi:14 < 70 or close > 100)'), 'a and (b or c) = (a and b) or (a and c)').toEqual([['ema:10>', 'rsi:14<'], ['ema:10>', 'close>']]);
    expect(groups('ema:10 crosses_above ema:20'), 'crosses').toEqual([['ema:10crosses_above']]);
    expect(groups('bb:20:2.pctb<=-0.5'), 'no spaces around operators, a negative number').toEqual([['bb:20:2.pctb<=']]);
    expect(groups('macd:12:26:9.signal >= 1e-3'), 'an output selector, an exponent').toEqual([['macd:12:26:9.signal>=']]);
  });

  it('names the field, the position and what was expected', () => {
    const message = (text: string) => errorOf(() => parseRuleExpression(text, 'strategies[0].long.entry')).message;
    expect(message('ema:10 >> ema:20')).toMatch(/`strategies\[0\]\.long\.entry` "ema:10 >> ema:20": at position 9 expected an operand .* found `>`/);
    expect(message('ema:10')).toMatch(/at position 7 expected a comparison operator \(>, >=, <, <=, crosses_above, crosses_below\), found the end of the expression/);
    expect(message('ema:10 > ema:20 and')).toMatch(/at position 20 expected an operand/);
    expect(message('(ema:10 > ema:20')).toMatch(/at position 17 expected `\)`, `and` or `or`/);
    expect(message('ema:10 > ema:20 ema:5')).toMatch(/at position 17 expected `and`, `or` or the end of the expression, found `ema:5`/);
    expect(message('foo:3 > 1')).toMatch(/at position 1 .*`foo:3` is not an indicator token the indicator engine accepts/);
    expect(message('bb:20:2 > 1')).toMatch(/`bb:20:2` is not an indicator token .*5 outputs: select one \(`bb:20:2.upper`/);
    expect(message('ema:10 > 5 $ 3')).toMatch(/unexpected character `\$` at position 12/);
  });
});

describe('rule strategies: configuration', () => {
  const load = (yaml: string) => loadConfig({ env: {}, configFile: configFile(`c${Math.random()}.yaml`, yaml) });
  const base = (extra: string) => `strategies:\n  - name: ema-cross\n    type: rules\n    long: { entry: "ema:10 >= ema:20", exit: "ema:10 < ema:20" }\n${extra}`;

  it('loads the documented syntax, defaulting to no strategies, a fusion regimeModel relative to the configuration file', () => {
    expect(loadConfig({ env: {} }).strategies, 'default').toEqual([]);
    const file = configFile(`c${Math.random()}.yaml`, base('    size: { quantity: 1 }\n    instruments: [ETHUSDT]\n  - name: regime\n    type: fusion\n    regimeModel: eth.json\n    instruments: [BTCUSDT]\n'));
    const config = loadConfig({ env: {}, configFile: file });
    expect(config.strategies).toEqual([
      { ...EMA_CROSS, instruments: ['ETHUSDT'] },
      { name: 'regime', type: 'fusion', instruments: ['BTCUSDT'], regimeModel: path.join(path.dirname(file), 'eth.json') },
    ]);
  });

  it('rejects a bad expression naming the key path, the value, the position and the rule', () => {
    const error = errorOf(() => load('strategies:\n  - name: x\n    type: rules\n    long: { entry: "ema:10 >< ema:20", exit: "ema:10 < ema:20" }\n    size: { quantity: 1 }\n'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).keyPath).toBe('strategies[0].long.entry');
    expect(error.message).toMatch(/`strategies\[0\]\.long\.entry` "ema:10 >< ema:20": at position 9 expected an operand/);
    expect(error.message, 'and where it came from').toMatch(/\.yaml line \d+\)/);
  });

  it('rejects sizes, names, instruments and fields that break the rules', () => {
    const cases: [string, RegExp][] = [
      [base('    size: { quantity: 1, equityFraction: 0.5 }\n'), /`strategies\[0\]\.size` must have exactly one of quantity .* was \{"quantity":1,"equityFraction":0.5\}/],
      [base('    size: { equityFraction: 2 }\n'), /`strategies\[0\]\.size\.equityFraction` must be > 0 and <= risk\.maxLeverage \(1\), was 2/],
      [base(''), /`strategies\[0\]\.size` is required for type rules/],
      [base('    size: { quantity: 0 }\n'), /`strategies\[0\]\.size\.quantity` must be > 0, was 0/],
      [base('    size: { quantity: 1 }\n  - name: ema-cross\n    type: fusion\n    instruments: [X]\n'), /`strategies\[1\]\.name` must be unique, was "ema-cross", already used by strategies\[0\]/],
      [base('    size: { quantity: 1 }\n    instruments: [A]\n  - name: b\n    type: fusion\n    instruments: [A]\n'), /`strategies\[1\]\.instruments\[0\]` must be listed by one strategy only, was "A"/],
      [base('    size: { quantity: 1 }\n  - name: b\n    type: fusion\n'), /`strategies\[1\]\.instruments` must list symbols: strategies\[0\] already takes every instrument/],
      ['strategies:\n  - name: f\n    type: fusion\n    long: { entry: "close > 1", exit: "close < 1" }\n', /`strategies\[0\]\.long` is for type rules only/],
      ['strategies:\n  - name: Bad Name\n    type: rules\n', /`strategies\[0\]\.name` must match pattern/],
      ['strategies:\n  - name: r\n    type: rules\n    size: { quantity: 1 }\n', /`strategies\[0\]\.long` is required for type rules/],
      [base('    size: { quantity: 1 }\n    short: { entry: "rsi:14 crosses_below", exit: "close > 1" }\n'), /`strategies\[0\]\.short\.entry` "rsi:14 crosses_below": at position 21 expected an operand/],
    ];
    for (const [yaml, pattern] of cases) expect(errorOf(() => load(yaml)).message, yaml).toMatch(pattern);
  });

  it('rejects more distinct comparisons than the core holds (32) as a configuration error naming the strategy', () => {
    const many = (n: number) => Array.from({ length: n }, (_, k) => `rsi:14 < ${30 + k}`).join(' and ');
    const yaml = (n: number) => `strategies:\n  - name: many\n    type: rules\n    long: { entry: "${many(n)}", exit: "close < 1" }\n    size: { quantity: 1 }\n`;
    expect(load(yaml(31)).strategies[0].name, '31 in the entry + 1 in the exit fit').toBe('many');
    const error = errorOf(() => load(yaml(32)));
    expect(error, 'refused at load, not when the engine thread starts').toBeInstanceOf(ConfigError);
    expect((error as ConfigError).keyPath).toBe('strategies[0]');
    expect(error.message).toMatch(/`strategies\[0\]` \(many\) must have at most 32 distinct comparisons over long and short entry and exit, was 33/);
  });

  it('rejects a strategy listing an instrument the run does not have', () => {
    const config = load(base('    size: { quantity: 1 }\n    instruments: [DOGEUSDT]\n'));
    expect(errorOf(() => tradingPipeline({
      config, instrumentNames: ['ETHUSDT'], timeframes: ['1h'], indicators: [], equity: 1e5, startNs: 0n, halted: false, simulate: true,
    })).message).toMatch(/`strategies\[0\]\.instruments\[0\]` must be an instrument of the run \(ETHUSDT\), was "DOGEUSDT"/);
  });

  it('rejects a fixed quantity that rounds to 0 lots of an instrument it trades (it would never trade)', () => {
    const pipeline = (yaml: string) => tradingPipeline({
      config: load(yaml), instrumentNames: ['ETHUSDT', 'BTCUSDT'], timeframes: ['1h', '1h'], indicators: [], equity: 1e5, startNs: 0n, halted: false, simulate: true,
    });
    const lots = 'risk:\n  instruments:\n    - { id: 0, symbol: BTCUSDT, assetClass: crypto, lotSize: 0.001 }\n  replayDefaults: { assetClass: crypto, lotSize: 0.01 }\n';
    // ETHUSDT takes replayDefaults (0.01): 0.004 rounds to 0 lots.
    expect(errorOf(() => pipeline(`${lots}${base('    size: { quantity: 0.004 }\n')}`)).message).toBe(
      '`strategies[0].size.quantity` (ema-cross) is 0.004, less than half the lot size of ETHUSDT (0.01, risk.replayDefaults.lotSize): every order would round to 0 lots and nothing would trade; give a quantity of at least one lot or a smaller lot size',
    );
    // Listed in risk.instruments: its own lot size is named.
    expect(errorOf(() => pipeline(`${lots}${base('    size: { quantity: 0.0004 }\n    instruments: [BTCUSDT]\n')}`)).message).toMatch(/of BTCUSDT \(0\.001, risk\.instruments\[0\]\.lotSize\)/);
    // Half a lot and more round to a whole lot: accepted.
    expect(pipeline(`${lots}${base('    size: { quantity: 0.005 }\n')}`).strategyOf).toEqual(['ema-cross', 'ema-cross']);
  });
});

/** A core with `tokens` planned, one indicator slot per strategy, the strategies loaded. */
function ruleCore(strategies: readonly RuleStrategyConfig[], extraTokens: readonly string[] = []) {
  const memory = createSharedMemory();
  const core = instantiateCore(memory, compileCore('release')) as unknown as IndicatorCoreExports & RuleCoreExports;
  const plan = buildPlan([...new Set([...extraTokens, ...strategies.flatMap(ruleTokens)])].length > 0 ? [...new Set([...extraTokens, ...strategies.flatMap(ruleTokens)])] : ['ema:2']);
  encodePlan(plan, memory.buffer, PLAN_OFFSET);
  expect(core.indPlanLoad(PLAN_OFFSET)).toBeGreaterThan(0);
  const rules = new WasmRuleStrategy(core, memory);
  rules.load(strategies.map((s) => compileRuleProgram(s, plan)));
  strategies.forEach((_, i) => {
    expect(core.indSlotReset(i)).toBe(0);
    rules.addInstrument(i, i, i);
  });
  return { memory, core, plan, rules };
}

/** Plan value index of an operand name (bar field or token). */
function valueIndexOf(plan: IndicatorPlan, name: string): number {
  const field = (BAR_FIELDS as readonly string[]).indexOf(name);
  return field >= 0 ? field : plan.columns[plan.tokens.get(name)![0]].valueIndex;
}

/** Runs every strategy over `bars` rows of `series` in the core and in the reference; returns the first difference or null, and the flips. */
function parity(strategies: readonly RuleStrategyConfig[], series: BarSeries, bars: number, equityAt: (row: number) => number = () => 100_000) {
  const { memory, core, plan, rules } = ruleCore(strategies);
  const references = strategies.map((s) => new ReferenceRuleStrategy(s));
  const f64 = new Float64Array(memory.buffer);
  const flips = strategies.map(() => 0);
  const sides = strategies.map(() => new Set<number>());
  for (let row = 0; row < bars; row += 1) {
    const equity = equityAt(row);
    for (let i = 0; i < strategies.length; i += 1) {
      expect(core.indUpdate(i, series.open[row], series.high[row], series.low[row], series.close[row], series.volume[row], series.timeNs[row])).toBe(0);
      rules.step(i, series.timeNs[row], equity);
      const values = core.indValuesOffset(i) >> 3;
      const before = references[i].side;
      const expected = references[i].step((name) => f64[values + valueIndexOf(plan, name)], equity);
      if (expected.side !== before) flips[i] += 1;
      sides[i].add(expected.side);
      const side = rules.side(i);
      const target = rules.target(i);
      if (side !== expected.side || !Object.is(target, expected.target)) {
        return { difference: `strategy ${strategies[i].name} row ${row}: core side ${side} target ${target}, reference side ${expected.side} target ${expected.target}`, flips, sides };
      }
    }
  }
  return { difference: null, flips, sides };
}

/** Sides of `strategy` over bars whose open, high, low and close are all `closes[i]`, in the core and in the reference. */
function syntheticSides(strategy: RuleStrategyConfig, closes: readonly number[]): { core: number[]; reference: number[] } {
  const { memory, core, plan, rules } = ruleCore([strategy], ['ema:3']);
  const reference = new ReferenceRuleStrategy(strategy);
  const f64 = new Float64Array(memory.buffer);
  const out = { core: [] as number[], reference: [] as number[] };
  closes.forEach((c, row) => {
    expect(core.indUpdate(0, c, c, c, c, 1, BigInt(row) * 3_600_000_000_000n)).toBe(0);
    rules.step(0, BigInt(row), 1000);
    out.core.push(rules.side(0));
    const values = core.indValuesOffset(0) >> 3;
    out.reference.push(reference.step((name) => f64[values + valueIndexOf(plan, name)], 1000).side);
  });
  return out;
}

describe('rule strategies: semantics on synthetic bars (core and reference)', () => {
  const rules = (long: [string, string], short?: [string, string]): RuleStrategyConfig => ({
    name: 's', type: 'rules', instruments: [], long: { entry: long[0], exit: long[1] }, ...(short ? { short: { entry: short[0], exit: short[1] } } : {}), size: { quantity: 1 },
  });

  it('crosses count a tie on the previous bar as not yet crossed', () => {
    const sides = syntheticSides(rules(['close crosses_above 2', 'close crosses_below 2']), [1, 2, 3, 3, 2, 2, 1, 2, 3]);
    expect(sides.core, 'core').toEqual([0, 0, 1, 1, 1, 1, 0, 0, 1]);
    expect(sides.reference, 'reference').toEqual(sides.core);
  });

  it('treats a comparison with an operand still warming up as false, and crosses from the last bar where both were ready', () => {
    const sides = syntheticSides(rules(['ema:3 > 0', 'close < 0']), [5, 5, 5, 5]);
    expect(sides.core, 'ema:3 is NaN for 2 bars').toEqual([0, 0, 1, 1]);
    const cross = syntheticSides(rules(['ema:3 crosses_above 4', 'close < 0']), [5, 5, 5, 5]);
    expect(cross.core, 'no previous ready bar below 4: no cross').toEqual([0, 0, 0, 0]);
    expect([sides.reference, cross.reference]).toEqual([sides.core, cross.core]);
  });

  it('exits and enters the opposite side on the same bar, but never re-enters the side it just left', () => {
    const flip = syntheticSides(rules(['close > 2', 'close < 2'], ['close < 2', 'close > 2']), [3, 1, 3, 3]);
    expect(flip.core, 'long -> short -> long').toEqual([1, -1, 1, 1]);
    const noReentry = syntheticSides(rules(['close > 0', 'close > 2']), [1, 3, 1]);
    expect(noReentry.core, 'long, exit (entry also true: stays flat), long again').toEqual([1, 0, 1]);
    const bothEntries = syntheticSides(rules(['close > 0', 'close < 0'], ['close > 0', 'close < 0']), [1]);
    expect(bothEntries.core, 'long entry wins when both entries hold on a flat bar').toEqual([1]);
    expect([flip.reference, noReentry.reference, bothEntries.reference]).toEqual([flip.core, noReentry.core, bothEntries.core]);
  });
});

describe('rule strategies: equity the sizing cannot use (core and reference)', () => {
  it('refuses a negative or non-finite equity as decStepWith does (ERR_BAD_ARGUMENT), leaving side and target as they were', () => {
    const strategy: RuleStrategyConfig = { name: 'f', type: 'rules', instruments: [], long: { entry: 'close > 0', exit: 'close < 0' }, size: { equityFraction: 0.5 } };
    const { memory, core, plan, rules } = ruleCore([strategy]);
    const reference = new ReferenceRuleStrategy(strategy);
    const f64 = new Float64Array(memory.buffer);
    const read = (name: string) => f64[(core.indValuesOffset(0) >> 3) + valueIndexOf(plan, name)];
    expect(core.indUpdate(0, 100, 100, 100, 100, 1, 0n)).toBe(0);
    rules.step(0, 0n, 1000);
    expect(reference.step(read, 1000).target, 'reference: long 0.5 * 1000 / 100').toBe(5);
    expect([rules.side(0), rules.target(0)], 'core: long 0.5 * 1000 / 100').toEqual([1, 5]);
    expect(core.indUpdate(0, 100, 100, 100, 100, 1, 3_600_000_000_000n)).toBe(0);
    for (const equity of [-1000, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(core.ruleStep(0, 3_600_000_000_000n, equity), `core ruleStep at equity ${equity}`).toBe(-6);
      expect([rules.side(0), rules.target(0)], `core: equity ${equity} must not flip the equityFraction target to a short`).toEqual([1, 5]);
      expect(() => reference.step(read, equity), `reference at equity ${equity}`).toThrow(/`equity` must be finite and >= 0/);
    }
  });
});

describe('rule strategies: core vs reference over the bundled bars', () => {
  it('places the programs and state where the TS mirror says, inside the decision region past fusion', () => {
    const { core } = ruleCore([EMA_CROSS]);
    expect([core.ruleOffset(), core.ruleProgramOffset(1), core.ruleStateOffset(3)]).toEqual([RULE_OFFSET, RULE_PROGRAMS_OFFSET + RULE_PROGRAM_BYTES, RULE_STATE_OFFSET + 3 * RULE_STATE_BYTES]);
    const fusionEnd = (core as unknown as { decOutputOffset(i: number): number }).decOutputOffset(1023) + 256 + 64;
    expect(RULE_OFFSET, 'past fusion\'s output blocks and record staging slot').toBeGreaterThanOrEqual(fusionEnd);
    expect(RULE_STATE_OFFSET + 1024 * RULE_STATE_BYTES, 'inside the decision region').toBeLessThanOrEqual(DECISION_REGION_OFFSET + DECISION_REGION_BYTES);
  });

  it('agrees bar for bar on side and target for fixed expressions (crosses, and/or, parentheses, short side, equityFraction)', async () => {
    const series = await eth();
    const strategies: RuleStrategyConfig[] = [
      EMA_CROSS,
      { name: 'cross', type: 'rules', instruments: [], long: { entry: 'ema:10 crosses_above ema:20', exit: 'ema:10 crosses_below ema:20' }, short: { entry: 'ema:10 crosses_below ema:20', exit: 'ema:10 crosses_above ema:20' }, size: { quantity: 2.5 } },
      { name: 'rsi-band', type: 'rules', instruments: [], long: { entry: 'rsi:14 < 30 and close > ema:50 or rsi:14 < 20', exit: 'rsi:14 > 55' }, short: { entry: 'rsi:14 > 75 and (close < ema:50 or bb:20:2.pctb > 1)', exit: 'rsi:14 < 45' }, size: { equityFraction: 0.5 } },
      { name: 'macd', type: 'rules', instruments: [], long: { entry: 'macd:12:26:9.macd crosses_above macd:12:26:9.signal and adx:14.adx > 20', exit: 'macd:12:26:9.macd < macd:12:26:9.signal' }, size: { equityFraction: 1 } },
      { name: 'price', type: 'rules', instruments: [], long: { entry: 'close crosses_above 3000', exit: 'low < 2500 or close crosses_below 3000' }, short: { entry: '2000 > close', exit: 'high >= 2200' }, size: { quantity: 0.1 } },
    ];
    const { difference, flips, sides } = parity(strategies, series, series.length, (row) => 100_000 + 10 * (row % 977));
    expect(difference, 'first bar where the core and the reference disagree').toBeNull();
    expect(flips.every((n) => n >= 4), `every strategy changes side (flips ${flips.join(', ')})`).toBe(true);
    expect(sides[1].has(-1) && sides[2].has(-1), 'the short sides trade').toBe(true);
  }, 120_000);

  it('agrees on random expressions (fast-check)', async () => {
    const series = await eth();
    const operands = ['ema:5', 'ema:12', 'rsi:14', 'close', 'open', 'bb:20:2.pctb', 'macd:12:26:9.hist', '50', '0', '3000', '-0.5'];
    const ops = ['>', '>=', '<', '<=', 'crosses_above', 'crosses_below'];
    const comparison = fc.tuple(fc.constantFrom(...operands), fc.constantFrom(...ops), fc.constantFrom(...operands)).map(([a, op, b]) => `${a} ${op} ${b}`);
    const expression = fc.array(fc.array(comparison, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 })
      .map((groups) => groups.map((g) => (g.length > 1 && g.length % 2 === 0 ? `(${g.join(' and ')})` : g.join(' and '))).join(' or '));
    const strategy = fc.record({ le: expression, lx: expression, se: expression, sx: expression, short: fc.boolean(), fraction: fc.boolean() })
      .map(({ le, lx, se, sx, short, fraction }): RuleStrategyConfig => ({
        name: 'random', type: 'rules', instruments: [], long: { entry: le, exit: lx }, ...(short ? { short: { entry: se, exit: sx } } : {}),
        size: fraction ? { equityFraction: 0.3 } : { quantity: 1 },
      }));
    fc.assert(fc.property(strategy, (s) => {
      const { difference } = parity([s], series, 1500, (row) => 50_000 + row);
      expect(difference, JSON.stringify(s)).toBeNull();
    }), { numRuns: 40, seed: 42 });
  }, 300_000);
});

const TRADE_AT_ONCE = [
  'execution:', '  noTradeBand: { equityPct: 0, positionPct: 0 }', '  confirmBars: 1',
  'venue:', '  costs: { makerFee: 0, takerFee: 0, halfSpreadBps: 0, slippageBps: 0, impactBps: 0, participation: 0 }',
  'strategies:', '  - name: ema-cross', '    type: rules', '    instruments: [ETHUSDT]',
  '    long: { entry: "ema:10 >= ema:20", exit: "ema:10 < ema:20" }', '    size: { quantity: 1 }', '',
].join('\n');

async function ethRun(bars: number, regimeModel?: RegimeModelRecord) {
  const series = await eth();
  const cut: BarSeries = { ...series, length: bars } as BarSeries;
  const tape = buildBarReplayTape([cut], instrumentNames([ethFile]));
  const config = loadConfig({ env: {}, configFile: configFile('ema.yaml', TRADE_AT_ONCE) });
  const pipeline = (equityRecords: boolean) => tradingPipeline({
    config, instrumentNames: tape.instrumentNames, timeframes: [timeframeOfInterval(barIntervalNs(series))], indicators: [], equity: 100_000,
    startNs: tape.tsExchange[0], halted: false, simulate: true, equityRecords, regimeModel,
  });
  // The reference's flips, on the indicator values the core computes (batch over the same bars).
  const memory = createSharedMemory();
  const core = instantiateCore(memory, compileCore('release')) as unknown as IndicatorCoreExports;
  const plan = buildPlan(['ema:10', 'ema:20']);
  const executor = IndicatorExecutor.create(plan, { core, memory });
  executor.resetSlot(0);
  const columns = executor.runBatch(0, cut);
  const reference = new ReferenceRuleStrategy(EMA_CROSS);
  const flips: { row: number; tsNs: bigint; qty: number }[] = [];
  for (let row = 0; row < bars; row += 1) {
    const before = reference.side;
    const values: Record<string, number> = { 'ema:10': columns[0][row], 'ema:20': columns[1][row], close: cut.close[row] };
    const step = reference.step((name) => values[name], 100_000);
    if (step.side !== before) flips.push({ row, tsNs: tape.tsLocal[row], qty: step.side - before });
  }
  return { series: cut, tape, pipeline, flips };
}

describe('rule strategies in the engine loop', () => {
  it('trades an EMA 10/20 long/flat cross exactly where the reference flips side, and reports the account per bar', async () => {
    const { tape, pipeline, flips } = await ethRun(6000);
    const planned = pipeline(true);
    expect(planned.strategyOf, 'who trades what').toEqual(['ema-cross']);
    expect(planned.spec.decision, 'no fusion without a fusion strategy').toBeUndefined();
    const orders: OrderCommandRecord[] = [];
    const equity: EquityRecord[] = [];
    const host = await EngineHost.start({ pipeline: planned.spec, onOrder: (o) => orders.push(o), onEquity: (r) => equity.push(r) });
    hosts.push(host);
    await playTape(tape, host, { batch: 256, rate: 0, shouldStop: () => false });
    await host.drainAndStop();
    expect(host.pipelineCounters().stageErrors, 'no stage failed').toBe(0);
    expect(flips.length, 'the reference flips often on 6000 bars').toBeGreaterThan(50);
    expect(orders.map((o) => [o.tsNs, Math.sign(o.qty)]), 'one order per flip, at the flip bar, on its side').toEqual(flips.map((f) => [f.tsNs, Math.sign(f.qty)]));
    for (const o of orders) expect(Math.abs(o.qty), 'quantity 1').toBeCloseTo(1, 9);

    expect(equity.length, 'one EQUITY record per bar of the risk-checked instrument').toBe(tape.length);
    expect(equity.map((r) => r.barCloseNs), 'in bar order, stamped with the bar close').toEqual([...tape.tsLocal]);
    expect(equity.every((r, i) => r.barOpenNs === tape.tsExchange[i] && r.regimeLabel === -1 && r.instrument === 0), 'bar open, no regime').toBe(true);
    let flat = 0;
    let long = 0;
    equity.forEach((r, i) => {
      if (r.position === 0) {
        flat += 1;
        expect(r.equity, `flat at row ${i}: equity is cash`).toBe(r.cash);
      } else {
        long += 1;
        expect(r.position, `row ${i}: long 1`).toBeCloseTo(1, 9);
        expect(r.equity, `row ${i}: equity = cash + position * close`).toBeCloseTo(r.cash + r.position * tape.close[i], 6);
      }
    });
    expect(flat > 100 && long > 100, `both flat and in-position bars (${flat} flat, ${long} long)`).toBe(true);
    expect(equity[0].equity, 'starts at the account cash').toBe(100_000);
    expect(host.pipelineCounters().decisionSteps, 'rule steps count as decision steps').toBe(tape.length);
  }, 120_000);

  it('labels EQUITY records with the regime when the run has a model, and trades the same', async () => {
    const series = await eth();
    const model = trainRegimeModel(buildRegimeFeatures({ ...series, length: 3000 } as BarSeries), { restarts: 1, seed: 5, maxIterations: 30 });
    const { tape, pipeline, flips } = await ethRun(3000, model);
    const orders: OrderCommandRecord[] = [];
    const equity: EquityRecord[] = [];
    const host = await EngineHost.start({ pipeline: pipeline(true).spec, onOrder: (o) => orders.push(o), onEquity: (r) => equity.push(r) });
    hosts.push(host);
    await playTape(tape, host, { batch: 256, rate: 0, shouldStop: () => false });
    await host.drainAndStop();
    expect(orders.map((o) => [o.tsNs, Math.sign(o.qty)]), 'the regime filter does not change a rule strategy\'s orders').toEqual(flips.map((f) => [f.tsNs, Math.sign(f.qty)]));
    const firstLabelled = equity.findIndex((r) => r.regimeLabel !== -1);
    expect(firstLabelled, 'no label before the first filter step').toBeGreaterThan(0);
    expect(equity.slice(firstLabelled).every((r) => [0, 1, 2].includes(r.regimeLabel)), 'a label code on every bar after it').toBe(true);
    const regime = host.pipelineSnapshot()[0].regime!;
    const argmax = regime.probabilities.indexOf(Math.max(...regime.probabilities));
    expect(equity[equity.length - 1].regimeLabel, 'the label of the most probable filtered state after the last bar').toBe(labelCode(model.labels[argmax]));
  }, 120_000);

  it('runs a rule strategy and a fusion strategy side by side, each on its instruments', async () => {
    const bars = 1500;
    const files = defaultBarFiles().filter((file) => /BTCUSDT|ETHUSDT/.test(file));
    const all = await Promise.all(files.map(async (file) => ({ ...(await loadBarsCsv(file)).series, length: bars }) as BarSeries));
    const tape = buildBarReplayTape(all, instrumentNames(files));
    const model = trainRegimeModel(buildRegimeFeatures(all[0]), { restarts: 1, seed: 5, maxIterations: 30 });
    const yaml = TRADE_AT_ONCE + '  - name: regime\n    type: fusion\n    instruments: [BTCUSDT]\n';
    const config = loadConfig({ env: {}, configFile: configFile('mixed.yaml', yaml) });
    const planned = tradingPipeline({
      config, instrumentNames: tape.instrumentNames, timeframes: all.map((s) => timeframeOfInterval(barIntervalNs(s))), indicators: [], equity: 100_000,
      startNs: tape.tsExchange[0], halted: false, simulate: true, regimeModel: model,
    });
    expect(tape.instrumentNames).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(planned.strategyOf).toEqual(['regime', 'ema-cross']);
    const orders: OrderCommandRecord[] = [];
    const host = await EngineHost.start({ pipeline: planned.spec, onOrder: (o) => orders.push(o) });
    hosts.push(host);
    await playTape(tape, host, { batch: 256, rate: 0, shouldStop: () => false });
    await host.drainAndStop();
    expect(host.pipelineMap!.instruments.map((i) => [i.decides, i.rules, i.orders])).toEqual([[true, false, true], [true, true, true]]);
    expect(host.pipelineCounters().stageErrors, 'no stage failed').toBe(0);
    expect(orders.some((o) => o.instrument === 0), 'fusion trades BTC').toBe(true);
    const { flips } = await ethRun(bars);
    const ethOrders = orders.filter((o) => o.instrument === 1).map((o) => [o.tsNs, Math.sign(o.qty)]);
    expect(ethOrders, 'the rule strategy trades ETH where its reference flips').toEqual(flips.map((f) => [f.tsNs, Math.sign(f.qty)]));
  }, 120_000);

  it('writes no EQUITY record unless the pipeline asks for them', async () => {
    const { tape, pipeline } = await ethRun(800);
    const kinds: number[] = [];
    const equity: EquityRecord[] = [];
    const host = await EngineHost.start({ pipeline: pipeline(false).spec, onEquity: (r) => equity.push(r), onRecordBytes: (b) => kinds.push(new DataView(b.buffer).getInt32(0, true) & KIND_MASK) });
    hosts.push(host);
    await playTape(tape, host, { batch: 256, rate: 0, shouldStop: () => false });
    await host.drainAndStop();
    expect(equity.length).toBe(0);
    expect(kinds.includes(EventKind.EQUITY), 'no EQUITY kind on the ring').toBe(false);
    expect(kinds.includes(EventKind.ORDER), 'while it trades').toBe(true);
  }, 60_000);

  it('restores a rule strategy from a checkpoint mid-run and continues byte for byte', async () => {
    const { tape, pipeline } = await ethRun(1500);
    const spec = pipeline(true).spec;
    const play = { batch: 64, rate: 0, shouldStop: () => false };
    const cut = 700;
    const outA: Uint8Array[] = [];
    let recordA = false;
    const hostA = await EngineHost.start({ pipeline: spec, onRecordBytes: (bytes) => recordA && outA.push(bytes) });
    hosts.push(hostA);
    await playTape(sliceTape(tape, 0, cut), hostA, play);
    const first = await hostA.checkpoint(new Uint8Array(CHECKPOINT_IMAGE_BYTES));
    const atCut: CoreCheckpoint = { ...first, image: first.image.slice() };
    recordA = true;
    await playTape(sliceTape(tape, cut, tape.length), hostA, play);
    const endA = await hostA.checkpoint(new Uint8Array(CHECKPOINT_IMAGE_BYTES));
    hostA.drainOutbound();

    const outB: Uint8Array[] = [];
    const hostB = await EngineHost.start({ pipeline: spec, restore: atCut, onRecordBytes: (bytes) => outB.push(bytes) });
    hosts.push(hostB);
    // The player waits for base + n consumed records: a restored host must start at its checkpoint's count
    // (it reported 0, and under load the checkpoint below caught the core part-way through).
    expect(hostB.consumedReported, 'a restored host reports the checkpoint\'s records as consumed').toBe(Number(atCut.inboundSeq));
    expect(atCut.inboundSeq).toBe(BigInt(cut));
    await playTape(sliceTape(tape, cut, tape.length), hostB, play);
    const endB = await hostB.checkpoint(new Uint8Array(CHECKPOINT_IMAGE_BYTES));
    hostB.drainOutbound();

    expect(endB.counters, 'counters').toEqual(endA.counters);
    const differing = endA.image.findIndex((byte, i) => byte !== endB.image[i]);
    expect(differing, `first differing byte of the state image at ${differing}`).toBe(-1);
    expect(outB.length, 'as many outbound records').toBe(outA.length);
    expect(outB.every((bytes, i) => Buffer.compare(bytes, outA[i]) === 0), 'the same ones, byte for byte').toBe(true);
    const kinds = outA.map((b) => new DataView(b.buffer).getInt32(0, true) & KIND_MASK);
    expect(kinds.filter((k) => k === EventKind.EQUITY).length, 'an EQUITY record per bar after the cut').toBe(tape.length - cut);
    expect(kinds.includes(EventKind.ORDER), 'and orders after the cut').toBe(true);
  }, 120_000);
});

describe('rule strategies: strategies in the trading pipeline', () => {
  it('keeps `strategies: []` as fusion on every instrument, and needs a regime model for it', () => {
    const config = loadConfig({ env: {} });
    const input = { config, instrumentNames: ['ETHUSDT'], timeframes: ['1h'], indicators: [], equity: 1e5, startNs: 0n, halted: false, simulate: true };
    expect(errorOf(() => tradingPipeline(input)).message).toMatch(/a regime model is needed/);
  });

  it('resolves strategies given in code like the loader does', () => {
    expect(resolveStrategies([{ name: 'a', type: 'rules', long: { entry: 'close > 1', exit: 'close < 1' }, size: { equityFraction: 0.5 } }], { maxLeverage: 1 }))
      .toEqual([{ name: 'a', type: 'rules', instruments: [], long: { entry: 'close > 1', exit: 'close < 1' }, size: { equityFraction: 0.5 } }]);
  });
});
