// The indicator registry: every declared indicator by name, plus the resolution of a
// token's raw parameters against the declaration's rules (integers >= 1 and so on).
import { IndicatorSpecError } from './indicator-spec-error.js';
import type { IndicatorDeclaration, ParamDeclaration } from './indicator-declaration.js';
import { MAX_WINDOW } from './plan-layout.js';
import { adx } from './declarations/adx.js';
import { atr } from './declarations/atr.js';
import { bb } from './declarations/bollinger-bands.js';
import { donchian } from './declarations/donchian.js';
import { ema, emaSkip } from './declarations/ema.js';
import { macd, macdLine, sub } from './declarations/macd.js';
import { obv } from './declarations/obv.js';
import { logret, rvol } from './declarations/realized-volatility.js';
import { relvol } from './declarations/relative-volume.js';
import { roc } from './declarations/roc.js';
import { rsi } from './declarations/rsi.js';
import { sma } from './declarations/sma.js';
import { stdev } from './declarations/stdev.js';
import { stoch, stochK } from './declarations/stochastic.js';
import { diff, lag, slope } from './declarations/transforms.js';
import { tr } from './declarations/true-range.js';
import { svwap, vwap } from './declarations/vwap.js';
import { wma } from './declarations/wma.js';
import { volz, zscore } from './declarations/zscore.js';

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export class IndicatorRegistry {
  private readonly byName = new Map<string, IndicatorDeclaration>();

  constructor(declarations: readonly IndicatorDeclaration[]) {
    for (const declaration of declarations) {
      if (this.byName.has(declaration.name)) throw new Error(`indicator \`${declaration.name}\` is declared twice`);
      this.byName.set(declaration.name, declaration);
    }
  }

  /** Names accepted in a SPEC (not hidden building blocks, not transforms), sorted. */
  publicNames(): string[] {
    return [...this.byName.values()].filter((d) => !d.hidden && !d.transform).map((d) => d.name).sort();
  }

  transformNames(): string[] {
    return [...this.byName.values()].filter((d) => d.transform).map((d) => d.name).sort();
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Any declaration, hidden ones included (used when resolving declared inputs). */
  get(name: string): IndicatorDeclaration {
    const declaration = this.byName.get(name);
    if (!declaration) throw new Error(`indicator \`${name}\` is referenced but not declared`);
    return declaration;
  }

  /** A declaration a SPEC token may name; throws IndicatorSpecError naming the token otherwise. */
  getPublic(name: string, token: string): IndicatorDeclaration {
    const declaration = this.byName.get(name);
    if (!declaration || declaration.hidden || declaration.transform) {
      throw new IndicatorSpecError(`token \`${token}\`: unknown indicator \`${name}\` (known: ${this.publicNames().join(', ')})`, token);
    }
    return declaration;
  }

  getTransform(name: string, token: string): IndicatorDeclaration {
    const declaration = this.byName.get(name);
    if (!declaration || !declaration.transform) {
      throw new IndicatorSpecError(`token \`${token}\`: unknown transform \`@${name}\` (known: ${this.transformNames().map((t) => `@${t}`).join(', ')})`, token);
    }
    return declaration;
  }
}

/** Usage string of a declaration, e.g. `stoch:k[:smoothing]:d`. */
export function usage(declaration: IndicatorDeclaration, prefix = ''): string {
  return prefix + [declaration.name, ...declaration.params.map((p) => (p.optional ? `[${p.name}]` : p.name))].join(':');
}

function ruleOf(param: ParamDeclaration): string {
  const kind = param.kind === 'integer' ? 'an integer' : 'a number';
  const max = param.max ?? (param.kind === 'integer' ? MAX_WINDOW : undefined);
  return max === undefined ? `${kind} >= ${param.min}` : `${kind} in [${param.min}, ${max}]`;
}

/**
 * Resolves raw token parameters against a declaration: checks the count (optional
 * parameters may be left out: given fewer, the required ones are filled in order),
 * each value's rule and the declaration's cross-parameter check.
 */
export function resolveParams(declaration: IndicatorDeclaration, rawParams: readonly string[], token: string, prefix = ''): number[] {
  const all = declaration.params;
  const required = all.filter((p) => !p.optional);
  let bound: (readonly [ParamDeclaration, string | undefined])[];
  if (rawParams.length === all.length) bound = all.map((p, i) => [p, rawParams[i]] as const);
  else if (rawParams.length === required.length) {
    let next = 0;
    bound = all.map((p) => [p, p.optional ? undefined : rawParams[next++]] as const);
  } else {
    const counts = required.length === all.length ? `${all.length}` : `${required.length} or ${all.length}`;
    throw new IndicatorSpecError(
      `token \`${token}\`: \`${prefix}${declaration.name}\` takes ${counts} parameter(s) (${usage(declaration, prefix)}), got ${rawParams.length}`,
      token,
    );
  }
  const values: number[] = [];
  for (const [param, raw] of bound) {
    if (raw === undefined) {
      if (param.default !== undefined) values.push(param.default);
      continue;
    }
    const value = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
    const max = param.max ?? (param.kind === 'integer' ? MAX_WINDOW : Number.POSITIVE_INFINITY);
    const ok = Number.isFinite(value) && value >= param.min && value <= max && (param.kind === 'number' || Number.isInteger(value));
    if (!ok) {
      throw new IndicatorSpecError(
        `token \`${token}\`: parameter \`${param.name}\` of \`${prefix}${declaration.name}\` must be ${ruleOf(param)}, was ${JSON.stringify(raw)}`,
        token,
      );
    }
    values.push(value);
  }
  const problem = declaration.check?.(values);
  if (problem) throw new IndicatorSpecError(`token \`${token}\`: ${problem}`, token);
  return values;
}

/** Every indicator QuantFlow declares, building blocks and transforms included. */
export const DEFAULT_DECLARATIONS: readonly IndicatorDeclaration[] = [
  sma, ema, emaSkip, wma, rsi, tr, atr, stdev, bb, zscore, volz, relvol, logret, rvol,
  vwap, svwap, macdLine, sub, macd, roc, donchian, stochK, stoch, adx, obv, diff, lag, slope,
];

export const defaultRegistry = new IndicatorRegistry(DEFAULT_DECLARATIONS);
