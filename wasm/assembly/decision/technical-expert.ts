// Technical expert: runs the rule program (DEC_RULES_OFFSET) over the indicator values of
// one instrument's slot and gives a score in [-1, 1] and a confidence in [0, 1] per rule
// family (trend, mean reversion, breakout). A rule whose inputs are NaN (warm-up) is absent.
// Family f: score = sum(w c s) / sum(w c), confidence = sum(w c) / sum(w) over present rules.
// Opcodes (parameters p0..p2 from the rule record; see decision-layout.ts):
//   TREND_CROSS       s = clamp((fast - slow) / (|slow| p2)), c = clamp01((adx - p0) / p1)
//   BAND_REVERSION    r = clamp01((p0 - rsi) / p2) - clamp01((rsi - p1) / p2),
//                     s = (r + clamp(1 - 2 pctB)) / 2, c = |r|
//   CHANNEL_BREAKOUT  s = +1 if close > upper, -1 if close < lower, else 0;
//                     c = clamp01((relvol - p0) / p1)
//   LINEAR            s = clamp((v - p0) / p1), c = 1
import { clamp01, clampUnit, isFinite64 } from './decision-math';
import {
  CFG_RULE_COUNT, DEC_CONFIG_OFFSET, DEC_RULE_BYTES, DEC_RULES_OFFSET, OP_BAND_REVERSION,
  OP_CHANNEL_BREAKOUT, OP_LINEAR, OP_TREND_CROSS, OUT_COMP_CONF, OUT_COMP_SCORE, RULE_FAMILY, RULE_IN0, RULE_IN1,
  RULE_IN2, RULE_IN3, RULE_OPCODE, RULE_P0, RULE_P1, RULE_P2, RULE_WEIGHT, STATUS_COMP_SHIFT,
} from './decision-layout';

@inline
function value(values: usize, index: i32): f64 {
  return load<f64>(values + (<usize>index << 3));
}

@inline
function writeFamily(out: usize, family: i32, num: f64, den: f64, sum: f64): i32 {
  const at = <usize>(family << 3);
  if (sum > 0) {
    store<f64>(out + OUT_COMP_SCORE + at, den > 0 ? num / den : 0);
    store<f64>(out + OUT_COMP_CONF + at, den / sum);
    return 1 << (STATUS_COMP_SHIFT + family);
  }
  store<f64>(out + OUT_COMP_SCORE + at, 0);
  store<f64>(out + OUT_COMP_CONF + at, 0);
  return 0;
}

/**
 * Evaluates every rule over the f64 values at `values` (0 when the instrument has no
 * indicator values) and writes the family scores and confidences into the output block.
 * Returns the status bits of the families that had at least one present rule.
 */
export function evaluateTechnical(values: usize, out: usize): i32 {
  let num0: f64 = 0, den0: f64 = 0, sum0: f64 = 0;
  let num1: f64 = 0, den1: f64 = 0, sum1: f64 = 0;
  let num2: f64 = 0, den2: f64 = 0, sum2: f64 = 0;
  const count = values == 0 ? 0 : load<i32>(<usize>DEC_CONFIG_OFFSET + CFG_RULE_COUNT);
  for (let r = 0; r < count; r++) {
    const rule = <usize>DEC_RULES_OFFSET + <usize>(r * DEC_RULE_BYTES);
    const op = load<i32>(rule + RULE_OPCODE);
    const p0 = load<f64>(rule + RULE_P0);
    const p1 = load<f64>(rule + RULE_P1);
    const p2 = load<f64>(rule + RULE_P2);
    const x0 = value(values, load<i32>(rule + RULE_IN0));
    const x1 = value(values, load<i32>(rule + RULE_IN1));
    let s: f64 = 0;
    let c: f64 = 0;
    if (op == OP_TREND_CROSS) {
      const adx = value(values, load<i32>(rule + RULE_IN2));
      if (!isFinite64(x0) || !isFinite64(x1) || !isFinite64(adx) || x1 == 0) continue;
      s = clampUnit((x0 - x1) / (Math.abs(x1) * p2));
      c = clamp01((adx - p0) / p1);
    } else if (op == OP_BAND_REVERSION) {
      if (!isFinite64(x0) || !isFinite64(x1)) continue;
      const r = clamp01((p0 - x1) / p2) - clamp01((x1 - p1) / p2);
      s = (r + clampUnit(1 - 2 * x0)) / 2;
      c = Math.abs(r);
    } else if (op == OP_CHANNEL_BREAKOUT) {
      const lower = value(values, load<i32>(rule + RULE_IN2));
      const relvol = value(values, load<i32>(rule + RULE_IN3));
      if (!isFinite64(x0) || !isFinite64(x1) || !isFinite64(lower) || !isFinite64(relvol)) continue;
      s = x0 > x1 ? 1 : x0 < lower ? -1 : 0;
      c = clamp01((relvol - p0) / p1);
    } else if (op == OP_LINEAR) {
      if (!isFinite64(x0)) continue;
      s = clampUnit((x0 - p0) / p1);
      c = 1;
    } else {
      continue;
    }
    const family = load<i32>(rule + RULE_FAMILY);
    const w = load<f64>(rule + RULE_WEIGHT);
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

