// TS reference of the technical expert (wasm/assembly/decision/technical-expert.ts): the
// rule program over an instrument's indicator values, one score and confidence per family.
import { RuleOpcode } from '../decision-layout.js';
import type { RuleProgram } from '../decision-program.js';

const clampUnit = (v: number): number => (v > 1 ? 1 : v < -1 ? -1 : v);
const clamp01 = (v: number): number => (v > 1 ? 1 : v < 0 ? 0 : v);

export interface FamilyResult {
  readonly present: boolean;
  readonly score: number;
  readonly confidence: number;
}

/** Score and confidence of one rule, or null when an input is not finite (warm-up). */
export function evaluateRule(rule: RuleProgram, values: ArrayLike<number>): { score: number; confidence: number } | null {
  const [x0, x1, x2, x3] = rule.inputs.map((i) => values[i]);
  const [p0, p1, p2] = rule.params;
  switch (rule.opcode) {
    case RuleOpcode.trendCross:
      if (![x0, x1, x2].every(Number.isFinite) || x1 === 0) return null;
      return { score: clampUnit((x0 - x1) / (Math.abs(x1) * p2)), confidence: clamp01((x2 - p0) / p1) };
    case RuleOpcode.bandReversion: {
      if (![x0, x1].every(Number.isFinite)) return null;
      // RSI 0 (TA-Lib's 0/0: no gain, no loss) with percentB 0.5 (zero band width): the price has
      // not moved, so neither oversold nor overbought (the core's BAND_REVERSION does the same).
      const rsiSignal = x1 === 0 && x0 === 0.5 ? 0 : clamp01((p0 - x1) / p2) - clamp01((x1 - p1) / p2);
      return { score: (rsiSignal + clampUnit(1 - 2 * x0)) / 2, confidence: Math.abs(rsiSignal) };
    }
    case RuleOpcode.channelBreakout:
      if (![x0, x1, x2, x3].every(Number.isFinite)) return null;
      return { score: x0 > x1 ? 1 : x0 < x2 ? -1 : 0, confidence: clamp01((x3 - p0) / p1) };
    case RuleOpcode.linear:
      if (!Number.isFinite(x0)) return null;
      return { score: clampUnit((x0 - p0) / p1), confidence: 1 };
    default:
      throw new Error(`rule opcode must be 1..4, was ${rule.opcode}`);
  }
}

/** Family f: score = sum(w c s) / sum(w c), confidence = sum(w c) / sum(w) over present rules. */
export function evaluateTechnical(rules: readonly RuleProgram[], values: ArrayLike<number> | null): FamilyResult[] {
  const acc = [0, 1, 2].map(() => ({ num: 0, den: 0, sum: 0 }));
  if (values) {
    for (const rule of rules) {
      const r = evaluateRule(rule, values);
      if (!r) continue;
      const a = acc[rule.family];
      const wc = rule.weight * r.confidence;
      a.num += wc * r.score;
      a.den += wc;
      a.sum += rule.weight;
    }
  }
  return acc.map((a) => (a.sum > 0 ? { present: true, score: a.den > 0 ? a.num / a.den : 0, confidence: a.den / a.sum } : { present: false, score: 0, confidence: 0 }));
}
