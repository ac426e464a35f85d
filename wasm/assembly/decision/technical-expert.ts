// Technical expert: runs the rule program (DEC_RULES_OFFSET) over the indicator values of
// one instrument's slot and gives a score in [-1, 1] and a confidence in [0, 1] per rule
// family (trend, mean reversion, breakout). A rule whose inputs are NaN (warm-up) is absent.
// Family f: score = sum(w c s) / sum(w c), confidence = sum(w c) / sum(w) over present rules.
// Opcodes (parameters p0..p2 from the rule record; see decision-layout.ts):
//   TREND_CROSS       s = clamp((fast - slow) / (|slow| p2)), c = clamp01((adx - p0) / p1)
//   BAND_REVERSION    r = clamp01((p0 - rsi) / p2) - clamp01((rsi - p1) / p2),
//                     s = (r + clamp(1 - 2 pctB)) / 2, c = |r|
//                     r = 0 when rsi = 0 and pctB = 0.5: TA-Lib's RSI for no gain and no loss
//                     (0/0) in a zero-width band is no price movement, neither oversold nor overbought
//   CHANNEL_BREAKOUT  s = +1 if close > upper, -1 if close < lower, else 0;
//                     c = clamp01((relvol - p0) / p1)
//   LINEAR            s = clamp((v - p0) / p1), c = 1
// decConfigure compiles the rule program (compileRules) into DEC_COMPILED_RULES_OFFSET: input
// byte offsets and the reciprocals 1/p1, 1/p2, so a bar divides only by |slow| (TREND_CROSS).
import { clamp01, clampUnit, ifPositive, isFinite2, isFinite3, isFinite4, isFinite64 } from './decision-math';
import {
  CFG_RULE_COUNT, CR_FAMILY, CR_INV_P1, CR_INV_P2, CR_OFF0, CR_OFF1, CR_OFF2, CR_OFF3, CR_OPCODE, CR_P0, CR_P1, CR_WEIGHT,
  DEC_COMPILED_RULES_OFFSET, DEC_CONFIG_OFFSET, DEC_RULE_BYTES, DEC_RULES_OFFSET, OP_BAND_REVERSION,
  OP_CHANNEL_BREAKOUT, OP_LINEAR, OP_TREND_CROSS, OUT_COMP_CONF, OUT_COMP_SCORE, RULE_FAMILY, RULE_IN0,
  RULE_OPCODE, RULE_P0, RULE_P1, RULE_P2, RULE_WEIGHT, STATUS_COMP_SHIFT,
} from './decision-layout';

@inline
function value(values: usize, rule: usize, field: i32): f64 {
  return load<f64>(values + <usize>load<i32>(rule + field));
}

/** Derives the compiled rule table from the checked rule program (decConfigure calls it). */
export function compileRules(count: i32): void {
  for (let r = 0; r < count; r++) {
    const from = <usize>DEC_RULES_OFFSET + <usize>(r * DEC_RULE_BYTES);
    const to = <usize>DEC_COMPILED_RULES_OFFSET + <usize>(r * DEC_RULE_BYTES);
    store<i32>(to + CR_OPCODE, load<i32>(from + RULE_OPCODE));
    store<i32>(to + CR_FAMILY, load<i32>(from + RULE_FAMILY));
    for (let k = 0; k < 4; k++) store<i32>(to + CR_OFF0 + (<usize>k << 2), load<i32>(from + RULE_IN0 + (<usize>k << 2)) << 3);
    const p1 = load<f64>(from + RULE_P1);
    store<f64>(to + CR_WEIGHT, load<f64>(from + RULE_WEIGHT));
    store<f64>(to + CR_P0, load<f64>(from + RULE_P0));
    store<f64>(to + CR_P1, p1);
    store<f64>(to + CR_INV_P1, 1 / p1);
    store<f64>(to + CR_INV_P2, 1 / load<f64>(from + RULE_P2));
  }
}

@inline
function writeFamily(out: usize, family: i32, num: f64, den: f64, sum: f64): i32 {
  const at = <usize>(family << 3);
  const present = sum > 0;
  store<f64>(out + OUT_COMP_SCORE + at, ifPositive(den, num / den));
  store<f64>(out + OUT_COMP_CONF + at, ifPositive(sum, den / sum));
  return present ? 1 << (STATUS_COMP_SHIFT + family) : 0;
}

/**
 * Evaluates every rule over the f64 values at `values` (0 when the instrument has no
 * indicator values) and writes the family scores and confidences into the output block.
 * Returns the status bits of the families that had at least one present rule.
 */
@inline
export function evaluateTechnical(values: usize, out: usize): i32 {
  let num0: f64 = 0, den0: f64 = 0, sum0: f64 = 0;
  let num1: f64 = 0, den1: f64 = 0, sum1: f64 = 0;
  let num2: f64 = 0, den2: f64 = 0, sum2: f64 = 0;
  const count = values == 0 ? 0 : load<i32>(<usize>DEC_CONFIG_OFFSET + CFG_RULE_COUNT);
  for (let r = 0; r < count; r++) {
    const rule = <usize>DEC_COMPILED_RULES_OFFSET + <usize>(r * DEC_RULE_BYTES);
    const op = load<i32>(rule + CR_OPCODE);
    const x0 = value(values, rule, CR_OFF0);
    const x1 = value(values, rule, CR_OFF1);
    let s: f64 = 0;
    let c: f64 = 0;
    if (op == OP_TREND_CROSS) {
      const adx = value(values, rule, CR_OFF2);
      if (!isFinite3(x0, x1, adx) || x1 == 0) continue;
      s = clampUnit((x0 - x1) * load<f64>(rule + CR_INV_P2) / Math.abs(x1));
      c = clamp01((adx - load<f64>(rule + CR_P0)) * load<f64>(rule + CR_INV_P1));
    } else if (op == OP_BAND_REVERSION) {
      if (!isFinite2(x0, x1)) continue;
      const inv = load<f64>(rule + CR_INV_P2);
      // RSI 0 (TA-Lib's 0/0: no gain, no loss) with pctB 0.5 (zero band width): the price has not moved.
      const r = x1 == 0 && x0 == 0.5 ? 0 : clamp01((load<f64>(rule + CR_P0) - x1) * inv) - clamp01((x1 - load<f64>(rule + CR_P1)) * inv);
      s = (r + clampUnit(1 - 2 * x0)) * 0.5;
      c = Math.abs(r);
    } else if (op == OP_CHANNEL_BREAKOUT) {
      const lower = value(values, rule, CR_OFF2);
      const relvol = value(values, rule, CR_OFF3);
      if (!isFinite4(x0, x1, lower, relvol)) continue;
      // +1 above the channel, -1 below it, else 0, without a branch (x0 <= x1 is !(x0 > x1): all are finite).
      s = <f64>(<i32>(x0 > x1)) - <f64>(<i32>(x0 < lower) & <i32>(x0 <= x1));
      c = clamp01((relvol - load<f64>(rule + CR_P0)) * load<f64>(rule + CR_INV_P1));
    } else if (op == OP_LINEAR) {
      if (!isFinite64(x0)) continue;
      s = clampUnit((x0 - load<f64>(rule + CR_P0)) * load<f64>(rule + CR_INV_P1));
      c = 1;
    } else {
      continue;
    }
    const family = load<i32>(rule + CR_FAMILY);
    const w = load<f64>(rule + CR_WEIGHT);
    const wc = w * c;
    if (family == 0) { num0 += wc * s; den0 += wc; sum0 += w; }
    else if (family == 1) { num1 += wc * s; den1 += wc; sum1 += w; }
    else { num2 += wc * s; den2 += wc; sum2 += w; }
  }
  let bits = writeFamily(out, 0, num0, den0, sum0);
  bits |= writeFamily(out, 1, num1, den1, sum1);
  bits |= writeFamily(out, 2, num2, den2, sum2);
  return bits;
}
