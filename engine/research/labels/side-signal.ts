// The primary signal's side per bar, for meta-labels: from a rule expression (`--side`), long
// when it holds and short when it does not, or from a configured rule strategy's long/short
// entry and exit state machine. Operands come from the batch indicator columns.
//
// Expression semantics are those of rule strategies (engine/strategy/rule-expression.ts): a
// comparison with a NaN operand is false; `a crosses_above b` is a > b now and a <= b on the
// last earlier bar where both were finite. The side is unset (0: no event) on a bar where an
// operand of the expression is NaN (warm-up), so warm-up never reads as "short".
// A strategy's side is its state (1 long, -1 short, 0 flat: no event) after the bar, stepped
// by the TS reference of the core's rule strategy (engine/strategy ReferenceRuleStrategy, the
// parity oracle of the WASM strategy).
import {
  RuleExpressionError, ReferenceRuleStrategy, comparisonKey, comparisonsOf, expressionTokens, parseRuleExpression,
  type RuleExpression, type RuleOperand, type RuleStrategyConfig,
} from '../../strategy/index.js';
import type { BarColumns } from '../../indicators/index.js';
import { indicatorColumns } from './indicator-columns.js';
import { LabelOptionError } from './label-option-error.js';

/** Parses a side expression; errors name `option`, the position and what was expected. */
export function parseSideExpression(text: string, option: string): RuleExpression {
  try {
    return parseRuleExpression(text, option);
  } catch (error) {
    if (error instanceof RuleExpressionError) throw new LabelOptionError(error.message, option);
    throw error;
  }
}

function reader(bars: BarColumns, columns: Map<string, Float64Array>): (name: string, i: number) => number {
  const fields: Record<string, Float64Array> = { open: bars.open, high: bars.high, low: bars.low, close: bars.close, volume: bars.volume };
  return (name, i) => (fields[name] ?? columns.get(name)!)[i];
}

/** Per bar: 1 where `expression` holds, -1 where it does not, 0 where an operand is NaN. */
export function sidesFromExpression(bars: BarColumns, expression: RuleExpression, option: string): Int8Array {
  const columns = indicatorColumns(bars, expressionTokens(expression), option);
  const read = reader(bars, columns);
  const comparisons = new Map(comparisonsOf(expression).map((c) => [comparisonKey(c), c]));
  const previous = new Map<string, { a: number; b: number }>();
  const outcome = new Map<string, boolean>();
  const sides = new Int8Array(bars.length);
  for (let i = 0; i < bars.length; i++) {
    const value = (o: RuleOperand): number => (o.kind === 'number' ? o.value : read(o.kind === 'bar' ? o.field : o.token, i));
    let warm = true;
    for (const [key, c] of comparisons) {
      const a = value(c.a);
      const b = value(c.b);
      if (Number.isNaN(a) || Number.isNaN(b)) warm = false;
      const before = previous.get(key) ?? { a: NaN, b: NaN };
      let result: boolean;
      switch (c.op) {
        case '>': result = a > b; break;
        case '>=': result = a >= b; break;
        case '<': result = a < b; break;
        case '<=': result = a <= b; break;
        case 'crosses_above': result = a > b && before.a <= before.b; break;
        case 'crosses_below': result = a < b && before.a >= before.b; break;
      }
      outcome.set(key, result);
      if (Number.isFinite(a) && Number.isFinite(b)) previous.set(key, { a, b });
    }
    const holds = (e: RuleExpression): boolean => {
      if (e.type === 'compare') return outcome.get(comparisonKey(e))!;
      return e.type === 'and' ? e.terms.every(holds) : e.terms.some(holds);
    };
    sides[i] = warm ? (holds(expression) ? 1 : -1) : 0;
  }
  return sides;
}

/** Per bar: the rule strategy's side after the bar (1, -1, 0 flat). */
export function sidesFromStrategy(bars: BarColumns, strategy: RuleStrategyConfig, option: string): Int8Array {
  const texts = [
    [strategy.long.entry, 'long.entry'],
    [strategy.long.exit, 'long.exit'],
    ...(strategy.short ? [[strategy.short.entry, 'short.entry'], [strategy.short.exit, 'short.exit']] : []),
  ];
  const tokens = texts.flatMap(([text, field]) => expressionTokens(parseSideExpression(text, `${option} ${strategy.name}.${field}`)));
  const columns = indicatorColumns(bars, tokens, option);
  const read = reader(bars, columns);
  const machine = new ReferenceRuleStrategy(strategy);
  const sides = new Int8Array(bars.length);
  for (let i = 0; i < bars.length; i++) sides[i] = machine.step((name) => read(name, i), 0).side;
  return sides;
}
