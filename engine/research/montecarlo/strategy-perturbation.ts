// Parameter perturbation of plain rule strategies (engine/strategy): every numeric parameter is
// multiplied by a factor drawn uniformly from [1 - by, 1 + by]. The parameters are
//   - the numbers in the indicator tokens of `long`/`short` `entry`/`exit` (`ema:10`,
//     `bb:20:2.pctb`, `rsi:14@lag:2`): integer parameters (periods, lags) are rounded and kept
//     within the indicator's declared bounds (at least its minimum, at least 1); real ones
//     (`bb`'s deviations) keep 6 decimals;
//   - the numeric constants of those expressions (`rsi:14 < 30`);
//   - `size.quantity` or `size.equityFraction` (at most risk.maxLeverage).
// A parameter is perturbed once per strategy and run, wherever it appears: `ema:10` in the entry
// and in the exit becomes the same `ema:11`, so does the indicator of `ema:10@lag:1` (ema:11@lag:1:
// a hand-written cross stays a cross), and a constant 30 used twice stays one number.
// A drawn token the indicator registry refuses (e.g. a MACD whose fast period passed its slow one)
// is redrawn, up to 20 times, then kept unperturbed. Tokens of one indicator in one strategy keep
// their order: where `ema:20` and `ema:24` differ in a parameter, the perturbed ones differ the
// same way, strictly (ema:22 >= ema:22 is always true, ema:23 >= ema:22 the opposite bet); a draw that
// breaks it is redrawn whole, up to 20 times, then the strategy's tokens are kept unperturbed. Fusion strategies have no parameters here
// and pass through. Expressions are parsed with engine/strategy's parser and written back in its
// grammar (parentheses around every nested group).
import { buildPlan, defaultRegistry, parseToken, type ParamDeclaration } from '../../indicators/index.js';
import { parseRuleExpression, resolveStrategies, type RuleExpression, type RuleOperand, type RuleSideConfig, type RuleStrategyConfig, type StrategyConfig } from '../../strategy/index.js';
import type { SeededRandom } from '../stats/index.js';

const MAX_WINDOW = 1 << 20;
const TOKEN_ATTEMPTS = 20;

export interface PerturbedParameter {
  readonly strategy: string;
  /** `token ema:10`, `constant 30`, `size.quantity`. */
  readonly parameter: string;
  readonly original: number | string;
  readonly perturbed: number | string;
}

export interface PerturbedStrategies {
  readonly strategies: StrategyConfig[];
  readonly parameters: PerturbedParameter[];
}

/** The strategies with every numeric parameter perturbed (see the header). */
export function perturbStrategies(strategies: readonly StrategyConfig[], rng: SeededRandom, by: number, maxLeverage: number): PerturbedStrategies {
  if (!(by >= 0 && by < 1)) throw new RangeError(`\`by\` must be in [0, 1), was ${by}`);
  const parameters: PerturbedParameter[] = [];
  const factor = (): number => rng.uniform(1 - by, 1 + by);
  const out = strategies.map((strategy): StrategyConfig => {
    if (strategy.type !== 'rules') return strategy;
    const sides: [key: 'long' | 'short', side: RuleSideConfig][] = [['long', strategy.long]];
    if (strategy.short) sides.push(['short', strategy.short]);
    const parsed = sides.map(([key, side]) => ({
      key,
      entry: parseRuleExpression(side.entry, `strategies.${strategy.name}.${key}.entry`),
      exit: parseRuleExpression(side.exit, `strategies.${strategy.name}.${key}.exit`),
    }));
    const tokens = new Map<string, string>();
    const constants = new Map<number, number>();
    const heads = new Map<string, string[]>();
    const drawn: PerturbedParameter[] = [];
    const visit = (operand: RuleOperand): void => {
      if (operand.kind === 'indicator' && !tokens.has(operand.token)) {
        const perturbed = perturbToken(operand.token, factor, heads);
        tokens.set(operand.token, perturbed);
        drawn.push({ strategy: strategy.name, parameter: `token ${operand.token}`, original: operand.token, perturbed });
      } else if (operand.kind === 'number' && !constants.has(operand.value)) {
        const perturbed = operand.value * factor();
        constants.set(operand.value, perturbed);
        drawn.push({ strategy: strategy.name, parameter: `constant ${operand.value}`, original: operand.value, perturbed });
      }
    };
    for (let attempt = 1; ; attempt++) {
      tokens.clear();
      constants.clear();
      heads.clear();
      drawn.length = 0;
      for (const side of parsed) for (const expression of [side.entry, side.exit]) walkOperands(expression, visit);
      if (keepsTokenOrder(tokens)) break;
      if (attempt === TOKEN_ATTEMPTS) {
        for (const [i, entry] of drawn.entries()) {
          if (typeof entry.original === 'string') drawn[i] = { ...entry, perturbed: entry.original };
        }
        for (const token of tokens.keys()) tokens.set(token, token);
        break;
      }
    }
    parameters.push(...drawn);
    const rewrite = (expression: RuleExpression): string => formatExpression(expression, (operand) => {
      if (operand.kind === 'indicator') return tokens.get(operand.token) ?? operand.token;
      if (operand.kind === 'number') return formatNumber(constants.get(operand.value) ?? operand.value);
      return operand.field;
    });
    const next: Record<string, unknown> = { ...strategy };
    for (const side of parsed) next[side.key] = { entry: rewrite(side.entry), exit: rewrite(side.exit) };
    if ('quantity' in strategy.size) {
      const quantity = strategy.size.quantity * factor();
      parameters.push({ strategy: strategy.name, parameter: 'size.quantity', original: strategy.size.quantity, perturbed: quantity });
      next.size = { quantity };
    } else {
      const fraction = Math.min(maxLeverage, strategy.size.equityFraction * factor());
      parameters.push({ strategy: strategy.name, parameter: 'size.equityFraction', original: strategy.size.equityFraction, perturbed: fraction });
      next.size = { equityFraction: fraction };
    }
    return next as unknown as RuleStrategyConfig;
  });
  // The same checks the configuration loader runs (expressions, sizes, instruments).
  return { strategies: resolveStrategies(out, { maxLeverage }), parameters };
}

/** A token's indicator, output and transforms (tokens of one shape compare parameter by parameter), and its numeric parameters. */
function tokenShape(token: string): { shape: string; values: number[] } {
  const parsed = parseToken(token);
  const shape = `${parsed.name}.${parsed.output ?? ''}${parsed.transforms.map((t) => `@${t.name}`).join('')}:${parsed.rawParams.length}:${parsed.transforms.map((t) => t.rawParams.length).join(':')}`;
  return { shape, values: [...parsed.rawParams, ...parsed.transforms.flatMap((t) => t.rawParams)].map(Number) };
}

/** Whether, for every two original tokens of one shape, each parameter that differs differs the same way after perturbation. */
export function keepsTokenOrder(perturbed: ReadonlyMap<string, string>): boolean {
  const entries = [...perturbed].map(([original, next]) => ({ before: tokenShape(original), after: tokenShape(next) }));
  for (let a = 0; a < entries.length; a++) {
    for (let b = a + 1; b < entries.length; b++) {
      const x = entries[a];
      const y = entries[b];
      if (x.before.shape !== y.before.shape) continue;
      for (let i = 0; i < x.before.values.length; i++) {
        const before = Math.sign(x.before.values[i] - y.before.values[i]);
        const after = Math.sign(x.after.values[i] - y.after.values[i]);
        if (before !== 0 && Number.isFinite(before) && before !== after) return false;
      }
    }
  }
  return true;
}

/**
 * The token with its numeric parameters (indicator and transforms) perturbed and checked.
 * `heads`: the indicator parameters already drawn in this strategy (`ema:10` -> ["11"]), reused
 * for the same indicator under another output or transform, and where a new draw is recorded.
 */
export function perturbToken(token: string, factor: () => number, heads: Map<string, string[]> = new Map()): string {
  const parsed = parseToken(token);
  const head = defaultRegistry.getPublic(parsed.name, token);
  const transforms = parsed.transforms.map((t) => ({ name: t.name, rawParams: t.rawParams, declaration: defaultRegistry.getTransform(t.name, token) }));
  const headKey = [parsed.name, ...parsed.rawParams].join(':');
  const drawnHead = heads.get(headKey);
  for (let attempt = 0; attempt < TOKEN_ATTEMPTS; attempt++) {
    const params = drawnHead ?? perturbParams(head.params, parsed.rawParams, factor);
    let text = [parsed.name, ...params].join(':');
    if (parsed.output !== undefined) text += `.${parsed.output}`;
    for (const t of transforms) text += `@${[t.name, ...perturbParams(t.declaration.params, t.rawParams, factor)].join(':')}`;
    try {
      buildPlan([text]);
      if (drawnHead === undefined) heads.set(headKey, params);
      return text;
    } catch {
      // The registry refused the drawn combination: draw again.
    }
  }
  return token;
}

/** Raw parameters bound to their declarations as the registry binds them (all, or the required ones in order). */
function perturbParams(declared: readonly ParamDeclaration[], raw: readonly string[], factor: () => number): string[] {
  const bound = raw.length === declared.length ? declared : declared.filter((p) => !p.optional);
  return raw.map((text, i) => {
    const param = bound[i];
    const value = Number(text);
    if (!param || !Number.isFinite(value)) return text;
    const drawn = value * factor();
    if (param.kind === 'integer') {
      const max = param.max ?? MAX_WINDOW;
      return String(Math.min(max, Math.max(param.min, 1, Math.round(drawn))));
    }
    const max = param.max ?? Number.POSITIVE_INFINITY;
    return trimDecimals(Math.min(max, Math.max(param.min, drawn)).toFixed(6));
  });
}

function trimDecimals(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** A constant as the expression grammar reads it back exactly (shortest round-trip form). */
function formatNumber(value: number): string {
  return String(value);
}

function walkOperands(expression: RuleExpression, visit: (operand: RuleOperand) => void): void {
  if (expression.type === 'compare') {
    visit(expression.a);
    visit(expression.b);
  } else for (const term of expression.terms) walkOperands(term, visit);
}

/** The expression as text in the grammar of engine/strategy/rule-expression.ts. */
export function formatExpression(expression: RuleExpression, operand: (o: RuleOperand) => string): string {
  if (expression.type === 'compare') return `${operand(expression.a)} ${expression.op} ${operand(expression.b)}`;
  return expression.terms.map((term) => (term.type === 'compare' ? formatExpression(term, operand) : `(${formatExpression(term, operand)})`)).join(` ${expression.type} `);
}
