// The HMM forward filter's exports from the WASM core: model slots and per-instrument
// filter states, checks on what TS wrote (hmmLoadModel), and the per-bar and batch entry
// points. A step gives the filtered state probabilities, the log-likelihood increment and
// the hysteresis-smoothed regime label, with no allocation. K = 3, d = 3 diagonal models
// run the unrolled path (hmm-filter-diag3.ts); every other shape runs the general step
// (hmm-filter-step.ts). Model parameters are written into the model table by TS
// (engine/regime/wasm-forward-filter.ts).
import { MEMORY_BYTES, SCRATCH_REGION_OFFSET, STATE_OFFSET } from '../layout';
import { ERR_BAD_ARGUMENT, ERR_HMM_BAD_MODEL, ERR_HMM_FILTER_NOT_RESET, ERR_HMM_MODEL_NOT_LOADED, OK } from '../errors';
import { DIAG3_NO_OUTPUT, filterDiag3, isDiag3 } from './hmm-filter-diag3';
import { filterStep } from './hmm-filter-step';
import {
  FILTER_ARGMAX, FILTER_LABEL, FILTER_LAST_INCREMENT, FILTER_MAGIC, FILTER_MODEL, FILTER_PENDING_LABEL,
  FILTER_PROBS, HMM_FILTER_BYTES, HMM_FILTER_MAGIC, HMM_FILTER_TABLE_OFFSET, HMM_MAX_FEATURES,
  HMM_MAX_INSTRUMENTS, HMM_MAX_MODELS, HMM_MAX_STATES, HMM_MODEL_BYTES, HMM_MODEL_MAGIC, HMM_MODEL_TABLE_OFFSET,
  LABEL_COUNT, LABEL_NONE, MODEL_FEATURES, MODEL_FULL, MODEL_LABEL_OF, MODEL_LOG_NORM, MODEL_MAGIC, MODEL_MEANS,
  MODEL_MIN_DWELL, MODEL_START_PROB, MODEL_STATES, MODEL_TRANS_MAT, MODEL_WHITENING,
} from './hmm-layout';

const STOCHASTIC_TOLERANCE: f64 = 1e-8;

/** Byte offset of model slot `model`, or ERR_BAD_ARGUMENT. */
export function hmmModelOffset(model: i32): i32 {
  if (model < 0 || model >= HMM_MAX_MODELS) return ERR_BAD_ARGUMENT;
  return HMM_MODEL_TABLE_OFFSET + model * HMM_MODEL_BYTES;
}

/** Byte offset of the filter state of `instrument`, or ERR_BAD_ARGUMENT. */
export function hmmFilterStateOffset(instrument: i32): i32 {
  if (instrument < 0 || instrument >= HMM_MAX_INSTRUMENTS) return ERR_BAD_ARGUMENT;
  return HMM_FILTER_TABLE_OFFSET + instrument * HMM_FILTER_BYTES;
}

export function hmmFilterStateBytes(): i32 {
  return HMM_FILTER_BYTES;
}

function isFinite64(v: f64): bool {
  return v - v == 0;
}

function stochastic(ptr: usize, n: i32): bool {
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = load<f64>(ptr + (<usize>i << 3));
    if (!isFinite64(v) || v < 0) return false;
    sum += v;
  }
  return Math.abs(sum - 1) <= STOCHASTIC_TOLERANCE;
}

/**
 * Checks the parameters TS wrote into model slot `model` and marks it loaded.
 * full: 0 diagonal, 1 full covariance. minDwellBars >= 1. labelOf[k] in [0, 3).
 * Instruments filtering on this slot must be reset (hmmResetFilter) after a reload.
 */
export function hmmLoadModel(model: i32, states: i32, features: i32, full: i32, minDwellBars: i32): i32 {
  const base = hmmModelOffset(model);
  if (base < 0) return base;
  const m = <usize>base;
  store<i32>(m + MODEL_MAGIC, 0);
  if (states < 1 || states > HMM_MAX_STATES || features < 1 || features > HMM_MAX_FEATURES) return ERR_BAD_ARGUMENT;
  if ((full != 0 && full != 1) || minDwellBars < 1) return ERR_BAD_ARGUMENT;
  if (!stochastic(m + MODEL_START_PROB, states)) return ERR_HMM_BAD_MODEL;
  for (let i = 0; i < states; i++) {
    if (!stochastic(m + MODEL_TRANS_MAT + (<usize>(i * states) << 3), states)) return ERR_HMM_BAD_MODEL;
    const label = load<i32>(m + MODEL_LABEL_OF + (<usize>i << 2));
    if (label < 0 || label >= LABEL_COUNT) return ERR_HMM_BAD_MODEL;
    if (!isFinite64(load<f64>(m + MODEL_LOG_NORM + (<usize>i << 3)))) return ERR_HMM_BAD_MODEL;
  }
  for (let i = 0; i < states * features; i++) {
    if (!isFinite64(load<f64>(m + MODEL_MEANS + (<usize>i << 3)))) return ERR_HMM_BAD_MODEL;
  }
  const wCount = full ? states * features * features : states * features;
  for (let i = 0; i < wCount; i++) {
    if (!isFinite64(load<f64>(m + MODEL_WHITENING + (<usize>i << 3)))) return ERR_HMM_BAD_MODEL;
  }
  store<i32>(m + MODEL_STATES, states);
  store<i32>(m + MODEL_FEATURES, features);
  store<i32>(m + MODEL_FULL, full);
  store<i32>(m + MODEL_MIN_DWELL, minDwellBars);
  store<i32>(m + MODEL_MAGIC, HMM_MODEL_MAGIC);
  return OK;
}

/** Starts the filter of `instrument` afresh on model slot `model`. */
export function hmmResetFilter(instrument: i32, model: i32): i32 {
  const sOff = hmmFilterStateOffset(instrument);
  const mOff = hmmModelOffset(model);
  if (sOff < 0 || mOff < 0) return ERR_BAD_ARGUMENT;
  if (load<i32>(<usize>mOff + MODEL_MAGIC) != HMM_MODEL_MAGIC) return ERR_HMM_MODEL_NOT_LOADED;
  const s = <usize>sOff;
  memory.fill(s, 0, <usize>HMM_FILTER_BYTES);
  store<i32>(s + FILTER_MODEL, model);
  store<i32>(s + FILTER_LABEL, LABEL_NONE);
  store<i32>(s + FILTER_PENDING_LABEL, LABEL_NONE);
  store<i32>(s + FILTER_ARGMAX, -1);
  store<i32>(s + FILTER_MAGIC, HMM_FILTER_MAGIC);
  return OK;
}

/** Resolves the state and model blocks of `instrument`; returns the state offset or a status. */
function filterState(instrument: i32): i32 {
  const sOff = hmmFilterStateOffset(instrument);
  if (sOff < 0) return sOff;
  if (load<i32>(<usize>sOff + FILTER_MAGIC) != HMM_FILTER_MAGIC) return ERR_HMM_FILTER_NOT_RESET;
  const mOff = hmmModelOffset(load<i32>(<usize>sOff + FILTER_MODEL));
  if (mOff < 0) return ERR_HMM_FILTER_NOT_RESET;
  if (load<i32>(<usize>mOff + MODEL_MAGIC) != HMM_MODEL_MAGIC) return ERR_HMM_MODEL_NOT_LOADED;
  return sOff;
}

/**
 * Filters one bar for `instrument`, reading its d f64 features at byte offset
 * `features` (inside the state region). Returns the most probable state.
 */
export function hmmFilterStep(instrument: i32, features: i32): i32 {
  const sOff = filterState(instrument);
  if (sOff < 0) return sOff;
  const m = <usize>hmmModelOffset(load<i32>(<usize>sOff + FILTER_MODEL));
  const d = load<i32>(m + MODEL_FEATURES);
  if (features < STATE_OFFSET || features > MEMORY_BYTES - (d << 3)) return ERR_BAD_ARGUMENT;
  if (isDiag3(m)) return filterDiag3(<usize>sOff, m, <usize>features, 1, DIAG3_NO_OUTPUT);
  return filterStep(<usize>sOff, m, <usize>features);
}

/**
 * Filters `rows` feature rows (d f64 each, row-major) starting at byte offset `input`
 * of the scratch region, writing per row K probabilities, the log-likelihood increment
 * and the published label (as f64), K + 2 f64 per row, at `output`. Returns `rows`.
 */
export function hmmFilterBatch(instrument: i32, input: i32, rows: i32, output: i32): i32 {
  const sOff = filterState(instrument);
  if (sOff < 0) return sOff;
  const s = <usize>sOff;
  const m = <usize>hmmModelOffset(load<i32>(s + FILTER_MODEL));
  const K = load<i32>(m + MODEL_STATES);
  const d = load<i32>(m + MODEL_FEATURES);
  if (rows < 0) return ERR_BAD_ARGUMENT;
  const inBytes = <i64>rows * <i64>(d << 3);
  const outBytes = <i64>rows * <i64>((K + 2) << 3);
  if (input < SCRATCH_REGION_OFFSET || <i64>input + inBytes > <i64>MEMORY_BYTES) return ERR_BAD_ARGUMENT;
  if (output < SCRATCH_REGION_OFFSET || <i64>output + outBytes > <i64>MEMORY_BYTES) return ERR_BAD_ARGUMENT;
  if (<i64>input < <i64>output + outBytes && <i64>output < <i64>input + inBytes) return ERR_BAD_ARGUMENT;
  if (isDiag3(m)) {
    filterDiag3(s, m, <usize>input, rows, <usize>output);
    return rows;
  }
  let x = <usize>input;
  let out = <usize>output;
  const probs = s + FILTER_PROBS;
  for (let t = 0; t < rows; t++) {
    filterStep(s, m, x);
    for (let j = 0; j < K; j++) store<f64>(out + (<usize>j << 3), load<f64>(probs + (<usize>j << 3)));
    store<f64>(out + (<usize>K << 3), load<f64>(s + FILTER_LAST_INCREMENT));
    store<f64>(out + (<usize>(K + 1) << 3), <f64>load<i32>(s + FILTER_LABEL));
    x += <usize>(d << 3);
    out += <usize>((K + 2) << 3);
  }
  return rows;
}
