// Sentiment expert with an anti-manipulation filter. Each instrument keeps its latest
// DEC_SENT_ITEMS accepted items in a ring. On arrival (ingestSentiment):
//   - near-duplicate: an item whose content hash (id) equals a ring item's hash, with
//     |ts - ts_j| <= CFG_SENT_DUP_WINDOW_NS, is suppressed (counted, not stored);
//   - burst: n = 1 + ring items with |ts - ts_j| < CFG_SENT_BURST_WINDOW_NS; when n exceeds
//     CFG_BURST_COUNT the item's weight is multiplied by burstCount / n.
// Item weight = confidence * burst factor. Scoring at time `now` (evaluateSentiment), with
// tRef the latest accepted item time and age_j = max(0, now - tRef) + (tRef - ts_j):
//   items with age_j > CFG_SENT_MAX_AGE_NS are left out;
//   e_j = sourceWeight[src] * weight_j * exp(-decay * age_j)          (decay = ln 2 / half-life)
//   per source s: E_s = sum e_j; cap factor f_s = min(1, cap_s / E_s)
//   score = sum f_s e_j score_j / sum f_s e_j,  confidence = min(1, sum f_s E_s / fullWeight)
// Per-source sums U_s = sum weight_j exp(-decay (tRef - ts_j)) and V_s = sum of U terms times
// score_j are kept at time tRef, rebuilt when an item arrives or the oldest summed item
// expires, so scoring a bar costs one exp plus O(sources).
//
// SENTIMENT record: price = score in [-1, 1], size = confidence in [0, 1], a = source id
// (an integer 0..DEC_MAX_SOURCES-1), id = content hash, ts_exchange = publication time.
import { EV_A, EV_ID, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE } from '../layout';
import { ERR_DEC_BAD_RECORD } from '../errors';
import { isFinite64 } from './decision-math';
import {
  AGG_BYTES, AGG_SOURCE, AGG_U, AGG_V, CFG_BURST_COUNT, CFG_SENT_BURST_WINDOW_NS, CFG_SENT_DECAY_PER_NS,
  CFG_SENT_DUP_WINDOW_NS, CFG_SENT_FULL_WEIGHT, CFG_SENT_MAX_AGE_NS, DEC_CONFIG_OFFSET, DEC_MAX_SOURCES,
  DEC_SENT_ITEMS, DEC_SOURCE_BYTES, DEC_SOURCES_OFFSET, ITEM_BYTES, ITEM_HASH, ITEM_SCORE, ITEM_SOURCE, ITEM_TS,
  ITEM_WEIGHT, OUT_COMP_CONF, OUT_COMP_SCORE, SRC_CAP, SRC_WEIGHT, ST_SENT_ACCEPTED, ST_SENT_AGG_COUNT,
  ST_SENT_AGGS, ST_SENT_COUNT, ST_SENT_HEAD, ST_SENT_ITEMS, ST_SENT_OLDEST, ST_SENT_SUPPRESSED, ST_SENT_T_REF,
  STATUS_COMP_SHIFT,
} from './decision-layout';

/** Smallest normal f64: a stored item weight below it is 0 (the reference does the same). */
const MIN_NORMAL_WEIGHT: f64 = 2.2250738585072014e-308;

const SENTIMENT_COMPONENT: i32 = 4;

@inline
function item(state: usize, j: i32): usize {
  return state + ST_SENT_ITEMS + <usize>(j * ITEM_BYTES);
}

@inline
function absDiff(a: i64, b: i64): i64 {
  return a > b ? a - b : b - a;
}

/** Re-sums the per-source U and V at tRef over the items not expired as of `asOf`. */
function rebuild(state: usize, asOf: i64): void {
  const cfg = <usize>DEC_CONFIG_OFFSET;
  const decay = load<f64>(cfg + CFG_SENT_DECAY_PER_NS);
  const maxAge = load<i64>(cfg + CFG_SENT_MAX_AGE_NS);
  const tRef = load<i64>(state + ST_SENT_T_REF);
  const lead: i64 = asOf > tRef ? asOf - tRef : 0;
  const count = load<i32>(state + ST_SENT_COUNT);
  const aggs = state + ST_SENT_AGGS;
  let aggCount = 0;
  let oldest = i64.MAX_VALUE;
  for (let j = 0; j < count; j++) {
    const it = item(state, j);
    const ts = load<i64>(it + ITEM_TS);
    const age = tRef - ts;
    if (lead + age > maxAge) continue;
    const u = load<f64>(it + ITEM_WEIGHT) * Math.exp(-decay * <f64>age);
    const source = load<i32>(it + ITEM_SOURCE);
    let k = 0;
    while (k < aggCount && load<i32>(aggs + <usize>(k * AGG_BYTES) + AGG_SOURCE) != source) k++;
    const agg = aggs + <usize>(k * AGG_BYTES);
    if (k == aggCount) {
      store<i32>(agg + AGG_SOURCE, source);
      store<f64>(agg + AGG_U, 0);
      store<f64>(agg + AGG_V, 0);
      aggCount++;
    }
    store<f64>(agg + AGG_U, load<f64>(agg + AGG_U) + u);
    store<f64>(agg + AGG_V, load<f64>(agg + AGG_V) + u * load<f64>(it + ITEM_SCORE));
    if (ts < oldest) oldest = ts;
  }
  store<i32>(state + ST_SENT_AGG_COUNT, aggCount);
  store<i64>(state + ST_SENT_OLDEST, oldest);
}

/** Filters and stores the SENTIMENT record at `record`: 1 stored, 0 suppressed as a duplicate, or a negative status. */
export function ingestSentiment(state: usize, record: usize): i32 {
  const score = load<f64>(record + EV_PRICE);
  const confidence = load<f64>(record + EV_SIZE);
  const sourceValue = load<f64>(record + EV_A);
  if (!(score >= -1 && score <= 1) || !(confidence >= 0 && confidence <= 1)) return ERR_DEC_BAD_RECORD;
  if (!(sourceValue >= 0 && sourceValue < <f64>DEC_MAX_SOURCES) || Math.floor(sourceValue) != sourceValue) return ERR_DEC_BAD_RECORD;
  const ts = load<i64>(record + EV_TS_EXCHANGE);
  const hash = load<i64>(record + EV_ID);
  const cfg = <usize>DEC_CONFIG_OFFSET;
  const dupWindow = load<i64>(cfg + CFG_SENT_DUP_WINDOW_NS);
  const burstWindow = load<i64>(cfg + CFG_SENT_BURST_WINDOW_NS);
  const count = load<i32>(state + ST_SENT_COUNT);
  let inBurst = 1;
  for (let j = 0; j < count; j++) {
    const it = item(state, j);
    const gap = absDiff(ts, load<i64>(it + ITEM_TS));
    if (load<i64>(it + ITEM_HASH) == hash && gap <= dupWindow) {
      store<i64>(state + ST_SENT_SUPPRESSED, load<i64>(state + ST_SENT_SUPPRESSED) + 1);
      return 0;
    }
    if (gap < burstWindow) inBurst++;
  }
  const burstCount = load<i32>(cfg + CFG_BURST_COUNT);
  const factor: f64 = inBurst > burstCount ? <f64>burstCount / <f64>inBurst : 1;
  const head = load<i32>(state + ST_SENT_HEAD);
  const it = item(state, head);
  store<i64>(it + ITEM_TS, ts);
  store<i64>(it + ITEM_HASH, hash);
  store<f64>(it + ITEM_SCORE, score);
  const weight = confidence * factor;
  // A subnormal weight is stored as 0 (its decayed products would underflow in an order-dependent way).
  store<f64>(it + ITEM_WEIGHT, weight < MIN_NORMAL_WEIGHT ? 0 : weight);
  store<i32>(it + ITEM_SOURCE, <i32>sourceValue);
  store<i32>(state + ST_SENT_HEAD, head + 1 == DEC_SENT_ITEMS ? 0 : head + 1);
  store<i32>(state + ST_SENT_COUNT, count < DEC_SENT_ITEMS ? count + 1 : count);
  if (count == 0 || ts > load<i64>(state + ST_SENT_T_REF)) store<i64>(state + ST_SENT_T_REF, ts);
  store<i64>(state + ST_SENT_ACCEPTED, load<i64>(state + ST_SENT_ACCEPTED) + 1);
  rebuild(state, load<i64>(state + ST_SENT_T_REF));
  return 1;
}

/** Scores the instrument's sentiment at `now` into the output block; returns the component's status bit or 0. */
export function evaluateSentiment(state: usize, out: usize, now: i64): i32 {
  const at = <usize>(SENTIMENT_COMPONENT << 3);
  store<f64>(out + OUT_COMP_SCORE + at, 0);
  store<f64>(out + OUT_COMP_CONF + at, 0);
  let aggCount = load<i32>(state + ST_SENT_AGG_COUNT);
  if (aggCount == 0) return 0;
  const cfg = <usize>DEC_CONFIG_OFFSET;
  const tRef = load<i64>(state + ST_SENT_T_REF);
  const lead: i64 = now > tRef ? now - tRef : 0;
  if (lead + (tRef - load<i64>(state + ST_SENT_OLDEST)) > load<i64>(cfg + CFG_SENT_MAX_AGE_NS)) {
    rebuild(state, now);
    aggCount = load<i32>(state + ST_SENT_AGG_COUNT);
    if (aggCount == 0) return 0;
  }
  const g = Math.exp(-load<f64>(cfg + CFG_SENT_DECAY_PER_NS) * <f64>lead);
  const aggs = state + ST_SENT_AGGS;
  let num: f64 = 0;
  let den: f64 = 0;
  let total: f64 = 0;
  for (let k = 0; k < aggCount; k++) {
    const agg = aggs + <usize>(k * AGG_BYTES);
    const source = <usize>DEC_SOURCES_OFFSET + <usize>(load<i32>(agg + AGG_SOURCE) * DEC_SOURCE_BYTES);
    const w = load<f64>(source + SRC_WEIGHT);
    const u = load<f64>(agg + AGG_U);
    const e = w * g * u;
    if (!(e > 0)) continue;
    const cap = load<f64>(source + SRC_CAP);
    const f: f64 = e > cap ? cap / e : 1;
    num += f * w * load<f64>(agg + AGG_V);
    den += f * w * u;
    total += f * e;
  }
  if (!(den > 0)) return 0;
  const confidence = total / load<f64>(cfg + CFG_SENT_FULL_WEIGHT);
  store<f64>(out + OUT_COMP_SCORE + at, num / den);
  store<f64>(out + OUT_COMP_CONF + at, confidence > 1 ? 1 : confidence);
  return 1 << (STATUS_COMP_SHIFT + SENTIMENT_COMPONENT);
}
