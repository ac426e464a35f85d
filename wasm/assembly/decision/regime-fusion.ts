// Regime-gated fusion. Regime probabilities come from the instrument's HMM filter state
// (wasm/assembly/hmm): q_r = sum of the filtered probabilities p_k of the states whose
// label (the model's labelOf) is r. Component weights are blended by them,
//   w_c = sum_r q_r W[r][c]      (continuous in p; W[label] exactly at a one-hot p),
// and the components present this bar are fused:
//   signal     = sum w_c conf_c score_c / sum w_c conf_c        (0 when the sum is 0)
//   confidence = sum w_c conf_c / sum w_c                        (over present components)
//   choppyScale = 1 - choppyReduction * q_choppy
//   direction  = signal * choppyScale, clamped at 0 when the instrument may not go short.
// Without regime probabilities (no filter state, or no step yet) every weight is 0, so the
// confidence and the exposure are 0; STATUS_REGIME_MODEL tells the two apart (a filter with a
// model that has seen no bar yet). The blend is skipped when q equals the q the stored
// weights were blended from (OUT_WEIGHTS_VALID), which is exact: same inputs, same weights.
import { HMM_FILTER_BYTES, HMM_FILTER_MAGIC, HMM_FILTER_TABLE_OFFSET, HMM_MAX_INSTRUMENTS, HMM_MODEL_BYTES, HMM_MODEL_MAGIC, HMM_MODEL_TABLE_OFFSET, FILTER_MAGIC, FILTER_MODEL, FILTER_PROBS, FILTER_STEPS, MODEL_LABEL_OF, MODEL_MAGIC, MODEL_STATES } from '../hmm/hmm-layout';
import {
  CFG_CHOPPY_REDUCTION, CFG_WEIGHTS, DEC_COMPONENTS, DEC_CONFIG_OFFSET, OUT_CHOPPY_SCALE, OUT_COMP_CONF, OUT_COMP_SCORE,
  OUT_CONFIDENCE, OUT_DIRECTION, OUT_REGIME_PROB, OUT_SIGNAL, OUT_WEIGHTS, OUT_WEIGHTS_VALID, STATUS_COMP_SHIFT, STATUS_REGIME, STATUS_REGIME_MODEL, STATUS_SHORT_CLAMPED,
} from './decision-layout';

/**
 * Writes q[3] and the blended weights w[5] into the output block; returns STATUS_REGIME |
 * STATUS_REGIME_MODEL (probabilities), STATUS_REGIME_MODEL (a model, no filter step yet) or 0 (no model).
 */
export function blendRegimeWeights(instrument: i32, out: usize): i32 {
  let q0: f64 = 0, q1: f64 = 0, q2: f64 = 0;
  let status = 0;
  if (instrument < HMM_MAX_INSTRUMENTS) {
    const s = <usize>HMM_FILTER_TABLE_OFFSET + <usize>(instrument * HMM_FILTER_BYTES);
    if (load<i32>(s + FILTER_MAGIC) == HMM_FILTER_MAGIC) {
      const m = <usize>HMM_MODEL_TABLE_OFFSET + <usize>(load<i32>(s + FILTER_MODEL) * HMM_MODEL_BYTES);
      if (load<i32>(m + MODEL_MAGIC) == HMM_MODEL_MAGIC) status = STATUS_REGIME_MODEL;
      if (status != 0 && load<i64>(s + FILTER_STEPS) > 0) {
        const states = load<i32>(m + MODEL_STATES);
        for (let k = 0; k < states; k++) {
          const p = load<f64>(s + FILTER_PROBS + (<usize>k << 3));
          const label = load<i32>(m + MODEL_LABEL_OF + (<usize>k << 2));
          if (label == 0) q0 += p;
          else if (label == 1) q1 += p;
          else q2 += p;
        }
        status = STATUS_REGIME | STATUS_REGIME_MODEL;
      }
    }
  }
  if (load<i32>(out + OUT_WEIGHTS_VALID) == 1 && load<f64>(out + OUT_REGIME_PROB) == q0
    && load<f64>(out + OUT_REGIME_PROB + 8) == q1 && load<f64>(out + OUT_REGIME_PROB + 16) == q2) return status;
  store<f64>(out + OUT_REGIME_PROB, q0);
  store<f64>(out + OUT_REGIME_PROB + 8, q1);
  store<f64>(out + OUT_REGIME_PROB + 16, q2);
  store<i32>(out + OUT_WEIGHTS_VALID, 1);
  const w = <usize>DEC_CONFIG_OFFSET + CFG_WEIGHTS;
  const stride = <usize>(DEC_COMPONENTS << 3);
  for (let c = 0; c < DEC_COMPONENTS; c++) {
    const at = <usize>c << 3;
    store<f64>(out + OUT_WEIGHTS + at, q0 * load<f64>(w + at) + q1 * load<f64>(w + stride + at) + q2 * load<f64>(w + 2 * stride + at));
  }
  return status;
}

/** Fuses the present components (status bits) into signal, confidence and direction. Returns STATUS_SHORT_CLAMPED or 0. */
export function fuse(out: usize, present: i32, shortAllowed: bool): i32 {
  let num: f64 = 0;
  let den: f64 = 0;
  let sum: f64 = 0;
  for (let c = 0; c < DEC_COMPONENTS; c++) {
    if ((present & (1 << (STATUS_COMP_SHIFT + c))) == 0) continue;
    const at = <usize>c << 3;
    const w = load<f64>(out + OUT_WEIGHTS + at);
    const wc = w * load<f64>(out + OUT_COMP_CONF + at);
    num += wc * load<f64>(out + OUT_COMP_SCORE + at);
    den += wc;
    sum += w;
  }
  const signal: f64 = den > 0 ? num / den : 0;
  const choppyScale = 1 - load<f64>(<usize>DEC_CONFIG_OFFSET + CFG_CHOPPY_REDUCTION) * load<f64>(out + OUT_REGIME_PROB + 16);
  let direction = signal * choppyScale;
  let status = 0;
  if (direction < 0 && !shortAllowed) {
    direction = 0;
    status = STATUS_SHORT_CLAMPED;
  }
  store<f64>(out + OUT_SIGNAL, signal);
  store<f64>(out + OUT_CONFIDENCE, sum > 0 ? den / sum : 0);
  store<f64>(out + OUT_CHOPPY_SCALE, choppyScale);
  store<f64>(out + OUT_DIRECTION, direction);
  return status;
}
