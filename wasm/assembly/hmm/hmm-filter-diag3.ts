// The forward filter specialised to K = 3 states, d = 3 features, diagonal covariance
// (the default regime model), fully unrolled: the model's 33 parameters and the filter
// state live in locals for a whole batch, and the state block is written back once at
// the end. Per row: 3 diagonal log-densities, the max-shifted probability-domain step
// with one exp per non-top state (the top state's factor is exactly 1) and one log for
// the log-likelihood increment. exp and log are the standard library's table-driven
// exp_lut / log_lut (what Math.exp / Math.log call in a release build), inlined here
// instead of called. Every operation is the one the general step performs, in the same
// order (hmm-filter-step.ts, engine/regime/forward-filter.ts), so the results are bit for
// bit those of the general path. A row whose scaled recursion underflows (c = 0) is
// handed to the general step, which redoes it in log space.
// bench/regime.bench.ts times it next to the general path on the same model.
import { exp_lut, log_lut } from '~lib/util/math';
import { filterStep } from './hmm-filter-step';
import {
  FILTER_ARGMAX, FILTER_LABEL, FILTER_LAST_INCREMENT, FILTER_LOG_B, FILTER_LOG_LIKELIHOOD, FILTER_PENDING_COUNT,
  FILTER_PENDING_LABEL, FILTER_PRED, FILTER_PROBS, FILTER_STEPS, LABEL_NONE, MODEL_FEATURES, MODEL_FULL,
  MODEL_LABEL_OF, MODEL_LOG_NORM, MODEL_MEANS, MODEL_MIN_DWELL, MODEL_START_PROB, MODEL_STATES, MODEL_TRANS_MAT,
  MODEL_WHITENING,
} from './hmm-layout';

/** Output f64 per row: 3 probabilities, the increment, the published label. */
export const DIAG3_OUTPUT_STRIDE: usize = 5 << 3;
/** `out` value that asks filterDiag3 for no per-row output (a single step). */
export const DIAG3_NO_OUTPUT: usize = 0;

/** True when model block m holds a K = 3, d = 3 diagonal model. */
export function isDiag3(m: usize): bool {
  return load<i32>(m + MODEL_STATES) == 3 && load<i32>(m + MODEL_FEATURES) == 3 && load<i32>(m + MODEL_FULL) == 0;
}

/**
 * Filters `rows` rows of 3 f64 at x for the state block s on the diagonal K = 3, d = 3
 * model block m, writing DIAG3_OUTPUT_STRIDE bytes per row at out (none when out is
 * DIAG3_NO_OUTPUT). Returns the most probable state of the last row. No checks.
 */
export function filterDiag3(s: usize, m: usize, x: usize, rows: i32, out: usize): i32 {
  const mu = m + MODEL_MEANS;
  const mu00 = load<f64>(mu, 0), mu01 = load<f64>(mu, 8), mu02 = load<f64>(mu, 16);
  const mu10 = load<f64>(mu, 24), mu11 = load<f64>(mu, 32), mu12 = load<f64>(mu, 40);
  const mu20 = load<f64>(mu, 48), mu21 = load<f64>(mu, 56), mu22 = load<f64>(mu, 64);
  const w = m + MODEL_WHITENING;
  const w00 = load<f64>(w, 0), w01 = load<f64>(w, 8), w02 = load<f64>(w, 16);
  const w10 = load<f64>(w, 24), w11 = load<f64>(w, 32), w12 = load<f64>(w, 40);
  const w20 = load<f64>(w, 48), w21 = load<f64>(w, 56), w22 = load<f64>(w, 64);
  const n0 = load<f64>(m + MODEL_LOG_NORM, 0), n1 = load<f64>(m + MODEL_LOG_NORM, 8), n2 = load<f64>(m + MODEL_LOG_NORM, 16);
  const a = m + MODEL_TRANS_MAT;
  const a00 = load<f64>(a, 0), a01 = load<f64>(a, 8), a02 = load<f64>(a, 16);
  const a10 = load<f64>(a, 24), a11 = load<f64>(a, 32), a12 = load<f64>(a, 40);
  const a20 = load<f64>(a, 48), a21 = load<f64>(a, 56), a22 = load<f64>(a, 64);
  const l0 = load<i32>(m + MODEL_LABEL_OF, 0), l1 = load<i32>(m + MODEL_LABEL_OF, 4), l2 = load<i32>(m + MODEL_LABEL_OF, 8);
  const minDwell = load<i32>(m + MODEL_MIN_DWELL);

  let p0 = load<f64>(s + FILTER_PROBS, 0), p1 = load<f64>(s + FILTER_PROBS, 8), p2 = load<f64>(s + FILTER_PROBS, 16);
  let steps = load<i64>(s + FILTER_STEPS);
  let logLik = load<f64>(s + FILTER_LOG_LIKELIHOOD);
  let increment = load<f64>(s + FILTER_LAST_INCREMENT);
  let label = load<i32>(s + FILTER_LABEL);
  let pending = load<i32>(s + FILTER_PENDING_LABEL);
  let count = load<i32>(s + FILTER_PENDING_COUNT);
  let arg = load<i32>(s + FILTER_ARGMAX);
  // The last row's log-densities and unnormalised probabilities, left in the state
  // block's scratch as the general step leaves them, so checkpoints are identical.
  let b0: f64 = 0, b1: f64 = 0, b2: f64 = 0, v0: f64 = 0, v1: f64 = 0, v2: f64 = 0;
  let scratchValid = false;

  for (let t = 0; t < rows; t++) {
    const x0 = load<f64>(x, 0), x1 = load<f64>(x, 8), x2 = load<f64>(x, 16);
    let y = (x0 - mu00) * w00;
    let q = y * y;
    y = (x1 - mu01) * w01;
    q += y * y;
    y = (x2 - mu02) * w02;
    q += y * y;
    b0 = n0 - 0.5 * q;
    y = (x0 - mu10) * w10;
    q = y * y;
    y = (x1 - mu11) * w11;
    q += y * y;
    y = (x2 - mu12) * w12;
    q += y * y;
    b1 = n1 - 0.5 * q;
    y = (x0 - mu20) * w20;
    q = y * y;
    y = (x1 - mu21) * w21;
    q += y * y;
    y = (x2 - mu22) * w22;
    q += y * y;
    b2 = n2 - 0.5 * q;

    let max: f64 = -Infinity;
    let top = 0;
    if (b0 > max) max = b0;
    if (b1 > max) {
      max = b1;
      top = 1;
    }
    if (b2 > max) {
      max = b2;
      top = 2;
    }

    let r0: f64, r1: f64, r2: f64;
    if (steps == 0) {
      r0 = load<f64>(m + MODEL_START_PROB, 0);
      r1 = load<f64>(m + MODEL_START_PROB, 8);
      r2 = load<f64>(m + MODEL_START_PROB, 16);
    } else {
      r0 = p0 * a00 + p1 * a10 + p2 * a20;
      r1 = p0 * a01 + p1 * a11 + p2 * a21;
      r2 = p0 * a02 + p1 * a12 + p2 * a22;
    }
    // exp for the two states other than the top one, (lo, hi) in state order.
    const eLo = exp_lut((top == 0 ? b1 : b0) - max);
    const eHi = exp_lut((top == 2 ? b1 : b2) - max);
    v0 = top == 0 ? r0 : r0 * eLo;
    v1 = top == 1 ? r1 : r1 * (top == 0 ? eLo : eHi);
    v2 = top == 2 ? r2 : r2 * eHi;
    const c = v0 + v1 + v2;
    if (c > 0) {
      const inv = 1 / c;
      p0 = v0 * inv;
      p1 = v1 * inv;
      p2 = v2 * inv;
      increment = log_lut(c) + max;
      logLik += increment;
      steps++;
      arg = 0;
      if (p1 > p0) arg = 1;
      if (p2 > (arg == 1 ? p1 : p0)) arg = 2;
      const candidate = arg == 0 ? l0 : arg == 1 ? l1 : l2;
      if (label == LABEL_NONE || candidate == label) {
        label = candidate;
        pending = LABEL_NONE;
        count = 0;
      } else {
        if (candidate == pending) count++;
        else {
          pending = candidate;
          count = 1;
        }
        if (count >= minDwell) {
          label = candidate;
          pending = LABEL_NONE;
          count = 0;
        }
      }
      scratchValid = true;
    } else {
      // Underflow: hand the row to the general step through the state block.
      store<f64>(s + FILTER_PROBS, p0, 0);
      store<f64>(s + FILTER_PROBS, p1, 8);
      store<f64>(s + FILTER_PROBS, p2, 16);
      store<i64>(s + FILTER_STEPS, steps);
      store<f64>(s + FILTER_LOG_LIKELIHOOD, logLik);
      store<i32>(s + FILTER_LABEL, label);
      store<i32>(s + FILTER_PENDING_LABEL, pending);
      store<i32>(s + FILTER_PENDING_COUNT, count);
      arg = filterStep(s, m, x);
      p0 = load<f64>(s + FILTER_PROBS, 0);
      p1 = load<f64>(s + FILTER_PROBS, 8);
      p2 = load<f64>(s + FILTER_PROBS, 16);
      steps = load<i64>(s + FILTER_STEPS);
      logLik = load<f64>(s + FILTER_LOG_LIKELIHOOD);
      increment = load<f64>(s + FILTER_LAST_INCREMENT);
      label = load<i32>(s + FILTER_LABEL);
      pending = load<i32>(s + FILTER_PENDING_LABEL);
      count = load<i32>(s + FILTER_PENDING_COUNT);
      scratchValid = false;
    }
    if (out != DIAG3_NO_OUTPUT) {
      store<f64>(out, p0, 0);
      store<f64>(out, p1, 8);
      store<f64>(out, p2, 16);
      store<f64>(out, increment, 24);
      store<f64>(out, <f64>label, 32);
      out += DIAG3_OUTPUT_STRIDE;
    }
    x += 24;
  }

  store<f64>(s + FILTER_PROBS, p0, 0);
  store<f64>(s + FILTER_PROBS, p1, 8);
  store<f64>(s + FILTER_PROBS, p2, 16);
  store<i64>(s + FILTER_STEPS, steps);
  store<f64>(s + FILTER_LOG_LIKELIHOOD, logLik);
  store<f64>(s + FILTER_LAST_INCREMENT, increment);
  store<i32>(s + FILTER_LABEL, label);
  store<i32>(s + FILTER_PENDING_LABEL, pending);
  store<i32>(s + FILTER_PENDING_COUNT, count);
  store<i32>(s + FILTER_ARGMAX, arg);
  if (scratchValid) {
    store<f64>(s + FILTER_LOG_B, b0, 0);
    store<f64>(s + FILTER_LOG_B, b1, 8);
    store<f64>(s + FILTER_LOG_B, b2, 16);
    store<f64>(s + FILTER_PRED, v0, 0);
    store<f64>(s + FILTER_PRED, v1, 8);
    store<f64>(s + FILTER_PRED, v2, 16);
  }
  return arg;
}
