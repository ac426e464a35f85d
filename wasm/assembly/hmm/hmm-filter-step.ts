// The general per-bar forward-filter step of the WASM core, for any K <= 8 states and
// d <= 8 features, diagonal or full covariance: filtered state probabilities, the
// log-likelihood increment and the hysteresis-smoothed label, read from and written to
// the instrument's filter state block. O(K^2 + K*d) per step (O(K*d^2) full). The
// arithmetic and its order mirror engine/regime/forward-filter.ts and label-hysteresis.ts.
// K = 3, d = 3 diagonal models take the unrolled path in hmm-filter-diag3.ts instead,
// which falls back to filterStep for rows whose scaled recursion underflows.
import {
  FILTER_ARGMAX, FILTER_LABEL, FILTER_LAST_INCREMENT, FILTER_LOG_B, FILTER_LOG_LIKELIHOOD, FILTER_PENDING_COUNT,
  FILTER_PENDING_LABEL, FILTER_PRED, FILTER_PROBS, FILTER_STEPS, LABEL_NONE, MODEL_FEATURES, MODEL_FULL,
  MODEL_LABEL_OF, MODEL_LOG_NORM, MODEL_MEANS, MODEL_MIN_DWELL, MODEL_START_PROB, MODEL_STATES, MODEL_TRANS_MAT,
  MODEL_WHITENING,
} from './hmm-layout';

/** pred_j = startProb_j on the first step, else sum_i probs_i * A_ij, into the pred scratch. */
@inline
function predict(s: usize, m: usize, K: i32, steps: i64): void {
  const probs = s + FILTER_PROBS;
  const pred = s + FILTER_PRED;
  if (steps == 0) {
    for (let j = 0; j < K; j++) store<f64>(pred + (<usize>j << 3), load<f64>(m + MODEL_START_PROB + (<usize>j << 3)));
    return;
  }
  const a = m + MODEL_TRANS_MAT;
  for (let j = 0; j < K; j++) {
    let sum: f64 = 0;
    for (let i = 0; i < K; i++) {
      sum += load<f64>(probs + (<usize>i << 3)) * load<f64>(a + (<usize>(i * K + j) << 3));
    }
    store<f64>(pred + (<usize>j << 3), sum);
  }
}

/** One filter step on the d features at x; returns the most probable state. No checks. */
export function filterStep(s: usize, m: usize, x: usize): i32 {
  const K = load<i32>(m + MODEL_STATES);
  const d = load<i32>(m + MODEL_FEATURES);
  const full = load<i32>(m + MODEL_FULL);
  const probs = s + FILTER_PROBS;
  const logB = s + FILTER_LOG_B;
  const pred = s + FILTER_PRED;
  const means = m + MODEL_MEANS;
  const w = m + MODEL_WHITENING;
  let max: f64 = -Infinity;
  let top = 0;
  for (let j = 0; j < K; j++) {
    let q: f64 = 0;
    const mu = means + (<usize>(j * d) << 3);
    if (full) {
      const base = w + (<usize>(j * d * d) << 3);
      for (let i = 0; i < d; i++) {
        let y: f64 = 0;
        const row = base + (<usize>(i * d) << 3);
        for (let c = 0; c <= i; c++) {
          y += load<f64>(row + (<usize>c << 3)) * (load<f64>(x + (<usize>c << 3)) - load<f64>(mu + (<usize>c << 3)));
        }
        q += y * y;
      }
    } else {
      const wj = w + (<usize>(j * d) << 3);
      for (let f = 0; f < d; f++) {
        const y = (load<f64>(x + (<usize>f << 3)) - load<f64>(mu + (<usize>f << 3))) * load<f64>(wj + (<usize>f << 3));
        q += y * y;
      }
    }
    const v = load<f64>(m + MODEL_LOG_NORM + (<usize>j << 3)) - 0.5 * q;
    store<f64>(logB + (<usize>j << 3), v);
    if (v > max) {
      max = v;
      top = j;
    }
  }
  const steps = load<i64>(s + FILTER_STEPS);
  predict(s, m, K, steps);
  // v_j = pred_j * exp(logB_j - max), kept in the pred scratch; probs still hold the
  // previous filtered probabilities until c is known.
  let c: f64 = 0;
  for (let j = 0; j < K; j++) {
    const e: f64 = j == top ? 1.0 : Math.exp(load<f64>(logB + (<usize>j << 3)) - max);
    const v = load<f64>(pred + (<usize>j << 3)) * e;
    store<f64>(pred + (<usize>j << 3), v);
    c += v;
  }
  let increment: f64;
  if (c > 0) {
    const inv = 1 / c;
    for (let j = 0; j < K; j++) store<f64>(probs + (<usize>j << 3), load<f64>(pred + (<usize>j << 3)) * inv);
    increment = Math.log(c) + max;
  } else {
    // Every v_j underflowed: redo the step in log space from a fresh prediction.
    predict(s, m, K, steps);
    let mm: f64 = -Infinity;
    for (let j = 0; j < K; j++) {
      const v = Math.log(load<f64>(pred + (<usize>j << 3))) + load<f64>(logB + (<usize>j << 3));
      store<f64>(logB + (<usize>j << 3), v);
      if (v > mm) mm = v;
    }
    let sum: f64 = 0;
    for (let j = 0; j < K; j++) sum += Math.exp(load<f64>(logB + (<usize>j << 3)) - mm);
    increment = mm + Math.log(sum);
    for (let j = 0; j < K; j++) store<f64>(probs + (<usize>j << 3), Math.exp(load<f64>(logB + (<usize>j << 3)) - increment));
  }
  store<f64>(s + FILTER_LAST_INCREMENT, increment);
  store<f64>(s + FILTER_LOG_LIKELIHOOD, load<f64>(s + FILTER_LOG_LIKELIHOOD) + increment);
  store<i64>(s + FILTER_STEPS, steps + 1);
  let arg = 0;
  for (let j = 1; j < K; j++) {
    if (load<f64>(probs + (<usize>j << 3)) > load<f64>(probs + (<usize>arg << 3))) arg = j;
  }
  store<i32>(s + FILTER_ARGMAX, arg);
  updateLabel(s, load<i32>(m + MODEL_LABEL_OF + (<usize>arg << 2)), load<i32>(m + MODEL_MIN_DWELL));
  return arg;
}

/** Hysteresis: a new label is published after minDwell consecutive bars as the argmax label. */
function updateLabel(s: usize, candidate: i32, minDwell: i32): void {
  const label = load<i32>(s + FILTER_LABEL);
  if (label == LABEL_NONE || candidate == label) {
    store<i32>(s + FILTER_LABEL, candidate);
    store<i32>(s + FILTER_PENDING_LABEL, LABEL_NONE);
    store<i32>(s + FILTER_PENDING_COUNT, 0);
    return;
  }
  let count = load<i32>(s + FILTER_PENDING_COUNT);
  if (candidate == load<i32>(s + FILTER_PENDING_LABEL)) count++;
  else {
    store<i32>(s + FILTER_PENDING_LABEL, candidate);
    count = 1;
  }
  if (count >= minDwell) {
    store<i32>(s + FILTER_LABEL, candidate);
    store<i32>(s + FILTER_PENDING_LABEL, LABEL_NONE);
    count = 0;
  }
  store<i32>(s + FILTER_PENDING_COUNT, count);
}
