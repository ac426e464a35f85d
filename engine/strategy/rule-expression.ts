// Rule expressions of plain strategies (`strategies[i].long.entry` and friends):
//
//   expression := conjunction ("or" conjunction)*          ("and" binds tighter than "or")
//   conjunction := term ("and" term)*
//   term       := "(" expression ")" | operand OP operand
//   OP         := ">" | ">=" | "<" | "<=" | "crosses_above" | "crosses_below"
//   operand    := an indicator token as the indicator engine accepts it (`ema:10`, `rsi:14`,
//                 `bb:20:2.pctb`, `macd:12:26:9.signal`; one output), a bar field (`open`,
//                 `high`, `low`, `close`, `volume`), or a number (`30`, `-0.5`, `1e-3`)
//
// Semantics (the core's strategy/rule-strategy.ts and reference/ agree): a comparison with an
// operand that is NaN (still warming up) is false; `a crosses_above b` is a > b now and a <= b on
// the previous bar where both were finite (`crosses_below`: a < b now, a >= b then).
// Errors name the field, the 1-based position and what was expected.
import { BAR_FIELDS, type BarField } from '../indicators/plan-layout.js';
import { buildPlan } from '../indicators/index.js';
import { RULE_MAX_GROUPS } from './rule-layout.js';

export type CompareOperator = '>' | '>=' | '<' | '<=' | 'crosses_above' | 'crosses_below';
export const COMPARE_OPERATORS: readonly CompareOperator[] = ['>', '>=', '<', '<=', 'crosses_above', 'crosses_below'];

export type RuleOperand =
  | { readonly kind: 'indicator'; readonly token: string }
  | { readonly kind: 'bar'; readonly field: BarField }
  | { readonly kind: 'number'; readonly value: number };

export interface RuleComparison {
  readonly type: 'compare';
  readonly op: CompareOperator;
  readonly a: RuleOperand;
  readonly b: RuleOperand;
  /** 1-based position of its first operand in the text. */
  readonly position: number;
}

export type RuleExpression = RuleComparison | { readonly type: 'and' | 'or'; readonly terms: readonly RuleExpression[] };

export class RuleExpressionError extends Error {
  override readonly name = 'RuleExpressionError';
  constructor(message: string, readonly field: string, readonly position: number) {
    super(message);
  }
}

interface Lexeme {
  readonly text: string;
  /** 1-based. */
  readonly position: number;
  readonly kind: 'open' | 'close' | 'op' | 'word' | 'end';
}

const WORD_CHAR = /[A-Za-z0-9_.:@+-]/;
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const OPERAND_HINT = 'an operand (an indicator token such as `ema:20`, a bar field open/high/low/close/volume, or a number)';
const OPERATOR_HINT = 'a comparison operator (>, >=, <, <=, crosses_above, crosses_below)';

function lex(text: string, field: string): Lexeme[] {
  const out: Lexeme[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i += 1;
    } else if (c === '(' || c === ')') {
      out.push({ text: c, position: i + 1, kind: c === '(' ? 'open' : 'close' });
      i += 1;
    } else if (c === '>' || c === '<') {
      const op = text[i + 1] === '=' ? `${c}=` : c;
      out.push({ text: op, position: i + 1, kind: 'op' });
      i += op.length;
    } else if (WORD_CHAR.test(c)) {
      let j = i;
      while (j < text.length && WORD_CHAR.test(text[j])) j += 1;
      const word = text.slice(i, j);
      out.push({ text: word, position: i + 1, kind: word === 'crosses_above' || word === 'crosses_below' ? 'op' : 'word' });
      i = j;
    } else {
      throw new RuleExpressionError(`\`${field}\` ${JSON.stringify(text)}: unexpected character \`${c}\` at position ${i + 1}: expected ${OPERAND_HINT}, an operator, \`and\`, \`or\` or a parenthesis`, field, i + 1);
    }
  }
  out.push({ text: '', position: text.length + 1, kind: 'end' });
  return out;
}

const tokenChecks = new Map<string, string | null>();

/** Why `token` is no single-output indicator token, or null when it is one. */
function indicatorProblem(token: string): string | null {
  let problem = tokenChecks.get(token);
  if (problem !== undefined) return problem;
  try {
    const plan = buildPlan([token]);
    const columns = plan.tokens.get(token) ?? [];
    problem = columns.length === 1 ? null : `it has ${columns.length} outputs: select one (${columns.map((c) => `\`${plan.columns[c].name}\``).join(', ')})`;
  } catch (error) {
    problem = (error as Error).message;
  }
  tokenChecks.set(token, problem);
  return problem;
}

/** Parses `text` (the value of config field `field`). Throws RuleExpressionError. */
export function parseRuleExpression(text: string, field: string): RuleExpression {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new RuleExpressionError(`\`${field}\` must be a rule expression such as "ema:10 > ema:20", was ${JSON.stringify(text)}`, field, 1);
  }
  const lexemes = lex(text, field);
  let at = 0;
  const fail = (expected: string): never => {
    const found = lexemes[at];
    const what = found.kind === 'end' ? 'the end of the expression' : `\`${found.text}\``;
    throw new RuleExpressionError(`\`${field}\` ${JSON.stringify(text)}: at position ${found.position} expected ${expected}, found ${what}`, field, found.position);
  };

  const operand = (): RuleOperand => {
    const lexeme = lexemes[at];
    if (lexeme.kind !== 'word' || lexeme.text === 'and' || lexeme.text === 'or') return fail(OPERAND_HINT);
    at += 1;
    const word = lexeme.text;
    if (NUMBER.test(word)) {
      const value = Number(word);
      if (!Number.isFinite(value)) throw new RuleExpressionError(`\`${field}\` ${JSON.stringify(text)}: at position ${lexeme.position} the number \`${word}\` must be finite`, field, lexeme.position);
      return { kind: 'number', value };
    }
    if ((BAR_FIELDS as readonly string[]).includes(word)) return { kind: 'bar', field: word as BarField };
    const problem = indicatorProblem(word);
    if (problem !== null) {
      throw new RuleExpressionError(`\`${field}\` ${JSON.stringify(text)}: at position ${lexeme.position} expected ${OPERAND_HINT}; \`${word}\` is not an indicator token the indicator engine accepts: ${problem}`, field, lexeme.position);
    }
    return { kind: 'indicator', token: word };
  };

  const term = (): RuleExpression => {
    if (lexemes[at].kind === 'open') {
      at += 1;
      const inner = disjunction();
      if (lexemes[at].kind !== 'close') return fail('`)`, `and` or `or`');
      at += 1;
      return inner;
    }
    const position = lexemes[at].position;
    const a = operand();
    if (lexemes[at].kind !== 'op') return fail(OPERATOR_HINT);
    const op = lexemes[at].text as CompareOperator;
    at += 1;
    const b = operand();
    return { type: 'compare', op, a, b, position };
  };

  const conjunction = (): RuleExpression => {
    const terms = [term()];
    while (lexemes[at].kind === 'word' && lexemes[at].text === 'and') {
      at += 1;
      terms.push(term());
    }
    return terms.length === 1 ? terms[0] : { type: 'and', terms };
  };

  const disjunction = (): RuleExpression => {
    const terms = [conjunction()];
    while (lexemes[at].kind === 'word' && lexemes[at].text === 'or') {
      at += 1;
      terms.push(conjunction());
    }
    return terms.length === 1 ? terms[0] : { type: 'or', terms };
  };

  const expression = disjunction();
  if (lexemes[at].kind !== 'end') fail('`and`, `or` or the end of the expression');
  const groups = disjunctiveNormalForm(expression).length;
  if (groups > RULE_MAX_GROUPS) {
    throw new RuleExpressionError(`\`${field}\` ${JSON.stringify(text)}: expands to ${groups} AND groups joined by \`or\`, at most ${RULE_MAX_GROUPS} are supported`, field, 1);
  }
  return expression;
}

/** The expression as OR of AND groups of comparisons (parentheses distributed). */
export function disjunctiveNormalForm(expression: RuleExpression): RuleComparison[][] {
  if (expression.type === 'compare') return [[expression]];
  const parts = expression.terms.map(disjunctiveNormalForm);
  if (expression.type === 'or') return parts.flat();
  let groups: RuleComparison[][] = [[]];
  for (const part of parts) {
    const next: RuleComparison[][] = [];
    for (const left of groups) for (const right of part) next.push([...left, ...right]);
    groups = next;
    if (groups.length > 4096) break; // far past RULE_MAX_GROUPS: the caller rejects it
  }
  return groups;
}

/** Every comparison of the expression, in text order. */
export function comparisonsOf(expression: RuleExpression): RuleComparison[] {
  return expression.type === 'compare' ? [expression] : expression.terms.flatMap(comparisonsOf);
}

/** A key that is equal for comparisons the core evaluates identically (same op and operands). */
export function comparisonKey(c: RuleComparison): string {
  return `${c.op}|${operandKey(c.a)}|${operandKey(c.b)}`;
}

export function operandKey(operand: RuleOperand): string {
  switch (operand.kind) {
    case 'indicator': return `i:${operand.token}`;
    case 'bar': return `f:${operand.field}`;
    case 'number': return `n:${operand.value}`;
  }
}

/** The indicator tokens an expression reads (what the indicator plan must compute). */
export function expressionTokens(expression: RuleExpression): string[] {
  const tokens = new Set<string>();
  for (const c of comparisonsOf(expression)) for (const operand of [c.a, c.b]) if (operand.kind === 'indicator') tokens.add(operand.token);
  return [...tokens];
}
