// A rule strategy compiled against an indicator plan: the numeric program the core runs
// (wasm/assembly/strategy/rule-layout.ts): distinct comparisons with plan value indices or
// constants, and each expression as OR of AND groups, one bit mask of comparisons per group.
import { BAR_FIELDS } from '../indicators/plan-layout.js';
import type { IndicatorPlan } from '../indicators/index.js';
import {
  CompareOpcode, EXPR_LONG_ENTRY, EXPR_LONG_EXIT, EXPR_SHORT_ENTRY, EXPR_SHORT_EXIT, RC_A_CONST, RC_A_INDEX, RC_A_IS_CONST, RC_B_CONST,
  RC_B_INDEX, RC_B_IS_CONST, RC_BYTES, RC_FLAGS, RC_OP, RH_CHECKED, RH_PROGRAM_COUNT, RH_RULE_MAGIC, RH_RULE_VERSION, RP_COMPARE_COUNT,
  RP_COMPARISONS, RP_GROUP_COUNT, RP_GROUPS, RP_SIZE, RP_SIZE_MODE, RULE_MAGIC, RULE_MAX_COMPARISONS, RULE_MAX_GROUPS, RULE_MAX_PROGRAMS,
  RULE_OFFSET, RULE_PROGRAM_BYTES, RULE_PROGRAMS_OFFSET, RULE_VERSION, SIZE_EQUITY_FRACTION, SIZE_QUANTITY,
} from './rule-layout.js';
import { comparisonKey, disjunctiveNormalForm, expressionTokens, parseRuleExpression, type RuleComparison, type RuleExpression, type RuleOperand } from './rule-expression.js';
import { StrategyConfigError, type RuleStrategyConfig } from './strategy-config.js';

export interface CompiledComparison {
  /** CompareOpcode. */
  readonly op: number;
  /** Plan value index of operand a (bar fields first), or 0 when a is a constant. */
  readonly aIndex: number;
  readonly bIndex: number;
  /** RC_A_IS_CONST | RC_B_IS_CONST. */
  readonly flags: number;
  readonly aConst: number;
  readonly bConst: number;
}

/** One strategy's program as the core holds it. Plain data. */
export interface RuleStrategyProgram {
  readonly name: string;
  /** SIZE_QUANTITY or SIZE_EQUITY_FRACTION. */
  readonly sizeMode: number;
  readonly size: number;
  readonly comparisons: readonly CompiledComparison[];
  /** Per expression (EXPR_LONG_ENTRY, EXPR_LONG_EXIT, EXPR_SHORT_ENTRY, EXPR_SHORT_EXIT): one comparison bit mask per AND group. */
  readonly groups: readonly (readonly number[])[];
}

/** A strategy's four expressions, parsed (short ones null without a short side). */
export function parseStrategyExpressions(strategy: RuleStrategyConfig, field = `strategy ${strategy.name}`): (RuleExpression | null)[] {
  return [
    parseRuleExpression(strategy.long.entry, `${field}.long.entry`),
    parseRuleExpression(strategy.long.exit, `${field}.long.exit`),
    strategy.short ? parseRuleExpression(strategy.short.entry, `${field}.short.entry`) : null,
    strategy.short ? parseRuleExpression(strategy.short.exit, `${field}.short.exit`) : null,
  ];
}

/** The indicator tokens a rule strategy reads: add them to the plan's demands. */
export function ruleTokens(strategy: RuleStrategyConfig): string[] {
  const tokens = new Set<string>();
  for (const expression of parseStrategyExpressions(strategy)) if (expression) for (const token of expressionTokens(expression)) tokens.add(token);
  return [...tokens];
}

function operandIndex(plan: IndicatorPlan, operand: RuleOperand, strategy: string): { index: number; constant: number; isConst: boolean } {
  switch (operand.kind) {
    case 'number': return { index: 0, constant: operand.value, isConst: true };
    case 'bar': return { index: BAR_FIELDS.indexOf(operand.field), constant: 0, isConst: false };
    case 'indicator': {
      const columns = plan.tokens.get(operand.token);
      if (!columns || columns.length !== 1) {
        throw new StrategyConfigError(`strategy \`${strategy}\`: token \`${operand.token}\` is not a single-output column of the indicator plan: demand it (ruleTokens lists what the strategy reads)`, 'strategies');
      }
      return { index: plan.columns[columns[0]].valueIndex, constant: 0, isConst: false };
    }
  }
}

export function compileRuleProgram(strategy: RuleStrategyConfig, plan: IndicatorPlan): RuleStrategyProgram {
  const expressions = parseStrategyExpressions(strategy);
  const keys = new Map<string, number>();
  const comparisons: CompiledComparison[] = [];
  const bitOf = (c: RuleComparison): number => {
    const key = comparisonKey(c);
    let k = keys.get(key);
    if (k === undefined) {
      k = comparisons.length;
      if (k >= RULE_MAX_COMPARISONS) throw new StrategyConfigError(`strategy \`${strategy.name}\` has more than ${RULE_MAX_COMPARISONS} distinct comparisons`, 'strategies');
      keys.set(key, k);
      const a = operandIndex(plan, c.a, strategy.name);
      const b = operandIndex(plan, c.b, strategy.name);
      comparisons.push({
        op: CompareOpcode[c.op], aIndex: a.index, bIndex: b.index, flags: (a.isConst ? RC_A_IS_CONST : 0) | (b.isConst ? RC_B_IS_CONST : 0),
        aConst: a.constant, bConst: b.constant,
      });
    }
    return k;
  };
  const groups = expressions.map((expression) => {
    if (!expression) return [];
    const masks = disjunctiveNormalForm(expression).map((group) => group.reduce((mask, c) => (mask | (1 << bitOf(c))) >>> 0, 0));
    if (masks.length > RULE_MAX_GROUPS) throw new StrategyConfigError(`strategy \`${strategy.name}\`: an expression expands to ${masks.length} AND groups, at most ${RULE_MAX_GROUPS}`, 'strategies');
    return masks;
  });
  const size = 'quantity' in strategy.size ? { sizeMode: SIZE_QUANTITY, size: strategy.size.quantity } : { sizeMode: SIZE_EQUITY_FRACTION, size: strategy.size.equityFraction };
  return { name: strategy.name, ...size, comparisons, groups };
}

/** Writes `programs` (header and program blocks, checked = 0) into the core's memory; then call ruleLoad. */
export function encodeRulePrograms(programs: readonly RuleStrategyProgram[], buffer: ArrayBufferLike): void {
  if (programs.length < 1 || programs.length > RULE_MAX_PROGRAMS) throw new RangeError(`rule programs: 1 to ${RULE_MAX_PROGRAMS}, was ${programs.length}`);
  const view = new DataView(buffer);
  new Uint8Array(buffer, RULE_OFFSET, RULE_PROGRAMS_OFFSET - RULE_OFFSET + programs.length * RULE_PROGRAM_BYTES).fill(0);
  view.setInt32(RULE_OFFSET + RH_RULE_MAGIC, RULE_MAGIC, true);
  view.setInt32(RULE_OFFSET + RH_RULE_VERSION, RULE_VERSION, true);
  view.setInt32(RULE_OFFSET + RH_PROGRAM_COUNT, programs.length, true);
  view.setInt32(RULE_OFFSET + RH_CHECKED, 0, true);
  programs.forEach((program, i) => {
    const p = RULE_PROGRAMS_OFFSET + i * RULE_PROGRAM_BYTES;
    view.setInt32(p + RP_COMPARE_COUNT, program.comparisons.length, true);
    view.setInt32(p + RP_SIZE_MODE, program.sizeMode, true);
    view.setFloat64(p + RP_SIZE, program.size, true);
    [EXPR_LONG_ENTRY, EXPR_LONG_EXIT, EXPR_SHORT_ENTRY, EXPR_SHORT_EXIT].forEach((e) => {
      const masks = program.groups[e] ?? [];
      view.setInt32(p + RP_GROUP_COUNT + 4 * e, masks.length, true);
      masks.forEach((mask, g) => view.setUint32(p + RP_GROUPS + 4 * (e * RULE_MAX_GROUPS + g), mask, true));
    });
    program.comparisons.forEach((c, k) => {
      const at = p + RP_COMPARISONS + k * RC_BYTES;
      view.setInt32(at + RC_OP, c.op, true);
      view.setInt32(at + RC_A_INDEX, c.aIndex, true);
      view.setInt32(at + RC_B_INDEX, c.bIndex, true);
      view.setInt32(at + RC_FLAGS, c.flags, true);
      view.setFloat64(at + RC_A_CONST, c.aConst, true);
      view.setFloat64(at + RC_B_CONST, c.bConst, true);
    });
  });
}
