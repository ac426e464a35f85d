// Plain TS reference of a rule strategy (the parity oracle of wasm/assembly/strategy): it walks
// the parsed expressions as written (no normal form, no compiled bit masks), with each
// comparison's previous operands kept by what it compares. Same semantics as the core:
//   - a comparison with a NaN operand is false; crosses use the operands of the last bar where
//     both were finite (a crosses_above b: a > b now and a <= b then);
//   - side: long -> flat on long exit, short -> flat on short exit; then, when flat: long entry
//     (unless it just left a long) -> long, else short entry (unless it just left a short) -> short;
//   - target = side * quantity, or side * equityFraction * equity / close; 0 without a finite close > 0.
import { comparisonKey, comparisonsOf, parseRuleExpression, type RuleComparison, type RuleExpression, type RuleOperand } from '../rule-expression.js';
import type { RuleStrategyConfig } from '../strategy-config.js';

export interface ReferenceRuleStep {
  readonly side: -1 | 0 | 1;
  readonly target: number;
  /** The close was a finite price > 0 (the core's STATUS_PRICE). */
  readonly priced: boolean;
}

/** Reads an operand's value on the current bar: a bar field (`close`) or an indicator token (`ema:10`); NaN while warming up. */
export type OperandReader = (name: string) => number;

export class ReferenceRuleStrategy {
  side: -1 | 0 | 1 = 0;
  private readonly expressions: (RuleExpression | null)[];
  private readonly comparisons = new Map<string, RuleComparison>();
  private readonly previous = new Map<string, { a: number; b: number }>();

  constructor(readonly strategy: RuleStrategyConfig) {
    const parse = (text: string, field: string) => parseRuleExpression(text, `${strategy.name}.${field}`);
    this.expressions = [
      parse(strategy.long.entry, 'long.entry'),
      parse(strategy.long.exit, 'long.exit'),
      strategy.short ? parse(strategy.short.entry, 'short.entry') : null,
      strategy.short ? parse(strategy.short.exit, 'short.exit') : null,
    ];
    for (const expression of this.expressions) if (expression) for (const c of comparisonsOf(expression)) this.comparisons.set(comparisonKey(c), c);
  }

  /** One bar: `read` gives this bar's operand values; `equity` sizes equityFraction strategies. */
  step(read: OperandReader, equity: number): ReferenceRuleStep {
    if (!(Number.isFinite(equity) && equity >= 0)) throw new RangeError(`\`equity\` must be finite and >= 0 (the core's ruleStep refuses it), was ${equity}`);
    const value = (operand: RuleOperand): number => (operand.kind === 'number' ? operand.value : read(operand.kind === 'bar' ? operand.field : operand.token));
    const outcome = new Map<string, boolean>();
    for (const [key, c] of this.comparisons) {
      const a = value(c.a);
      const b = value(c.b);
      const before = this.previous.get(key) ?? { a: NaN, b: NaN };
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
      if (Number.isFinite(a) && Number.isFinite(b)) this.previous.set(key, { a, b });
    }
    const holds = (expression: RuleExpression | null): boolean => {
      if (!expression) return false;
      if (expression.type === 'compare') return outcome.get(comparisonKey(expression))!;
      const parts = expression.terms.map(holds);
      return expression.type === 'and' ? parts.every(Boolean) : parts.some(Boolean);
    };
    const [longEntry, longExit, shortEntry, shortExit] = this.expressions.map(holds);
    const was = this.side;
    let next: -1 | 0 | 1 = was;
    if (was === 1 && longExit) next = 0;
    if (was === -1 && shortExit) next = 0;
    if (next === 0) {
      if (was !== 1 && longEntry) next = 1;
      else if (was !== -1 && shortEntry) next = -1;
    }
    this.side = next;
    const close = read('close');
    const priced = Number.isFinite(close) && close > 0;
    const size = this.strategy.size;
    const perUnit = 'quantity' in size ? size.quantity : (size.equityFraction * equity) / close;
    const target = priced && Number.isFinite(perUnit) ? next * perUnit : 0;
    return { side: next, target, priced };
  }
}
