// The model wait of a PIPE_MODEL instrument (issue 14): the bookkeeping half; pipeline.ts runs the
// stages it calls for.
//
//   BAR (after indicators and regime): every model feature finite?
//     no  (warm-up) -> no FEATURES; the decision runs now, without the ML expert
//     yes           -> ceil(F / 4) FEATURES records out (writeFeatureRecords; none with
//                      PIPE_MODEL_NO_FEATURES: the answers came ahead), and the decision,
//                      order stage and EQUITY record wait: pending, deadline = close + waitNs
//   MODEL record of the instrument, once the decision experts took it:
//     ts_exchange == the pending bar's close -> the waiting decision runs now, with it (on time)
//     ts_exchange <= the close of a bar that already waited and was decided -> late: counted only
//     otherwise -> unmatched: counted only
//   a record whose time (ts_local when > 0, else ts_exchange) is past the earliest pending
//   deadline (engine.ts, before it takes the record; TIMER records count) -> each pending
//   instrument whose deadline passed is decided without the ML expert, STATUS_ML_TIMED_OUT set,
//   earliest deadline first (ties: lowest instrument), one per unit of work
//   a new BAR of a pending instrument -> the pending bar is decided first, as a timeout
//
// A decision that does not use the bar's own MODEL record never uses any: an older stored
// output must not stand in for it (decision-step.ts ML_ABSENT / ML_TIMED_OUT).
//
// Everything lives in the PIPELINE region (pipeline-layout.ts: the entry's model part and the
// header's model fields), so a checkpoint carries the pending decisions. HDR_MODEL_NEXT_DEADLINE
// is a lower bound of every pending deadline, so the per-record check is one compare; when a record
// passes it, modelScan finds the exact earliest deadline and its instrument (O(instruments up to
// HDR_MODEL_SCAN_END)), which happens once per timed-out bar or after a decision ended a wait.
import { DIRECTION_OUTBOUND, EV_ID, EV_PRICE, EV_TS_EXCHANGE, EV_TS_LOCAL, KIND_FEATURES } from '../layout';
import { ERR_BAD_ARGUMENT, OK } from '../errors';
import { outboundClaim, outboundPublish, writeRecordHead } from '../outbound';
import { indValuesOffset } from '../indicators/executor';
import { PH_VALUE_COUNT, PLAN_OFFSET } from '../indicators/plan-layout';
import {
  FEATURES_PER_RECORD, HDR_FEATURES_DROPPED, HDR_FEATURES_WRITTEN, HDR_MODEL_LATE, HDR_MODEL_NEXT_DEADLINE, HDR_MODEL_NEXT_INSTRUMENT,
  HDR_MODEL_ON_TIME, HDR_MODEL_PENDING, HDR_MODEL_SCAN_END, HDR_MODEL_TIMEOUTS, HDR_MODEL_UNMATCHED, PIPE_DECISION, PIPE_ENTRY_BYTES,
  PIPE_FLAGS, PIPE_HEADER, PIPE_MAX_INSTRUMENTS, PIPE_MODEL, PIPE_MODEL_COUNT, PIPE_MODEL_MAX_FEATURES, PIPE_MODEL_NO_FEATURES, PIPE_MODEL_PENDING,
  PIPE_MODEL_SOURCES, PIPE_MODEL_WAIT_NS, PIPE_PENDING_CLOSE, PIPE_PENDING_DEADLINE, PIPE_PENDING_OPEN, PIPE_RESOLVED_CLOSE, PIPE_TABLE,
} from './pipeline-layout';

const HEADER: usize = <usize>PIPE_HEADER;

/** FEATURES records one bar of a PIPE_MODEL instrument may write (PIPE_MODEL_MAX_FEATURES / 4). */
export const MODEL_MAX_FEATURE_RECORDS: i32 = PIPE_MODEL_MAX_FEATURES / FEATURES_PER_RECORD;

/** pipelineConfigureModel option bit: wait for the bar's MODEL record but write no FEATURES record (PIPE_MODEL_NO_FEATURES). */
export const MODEL_NO_FEATURES: i32 = 1;

// @ts-ignore: decorator
@inline
function bump(field: i32): void {
  store<i64>(HEADER + <usize>field, load<i64>(HEADER + <usize>field) + 1);
}

// @ts-ignore: decorator
@inline
function entryOf(instrument: i32): usize {
  return <usize>(PIPE_TABLE + instrument * PIPE_ENTRY_BYTES);
}

/** True once any instrument was given a model wait (the engine then reserves room for FEATURES records). */
// @ts-ignore: decorator
@inline
export function modelConfigured(): bool {
  return load<i32>(HEADER + <usize>HDR_MODEL_SCAN_END) > 0;
}

/** Ends the entry's wait, if any, without deciding (reconfiguration). */
function dropPending(entry: usize): void {
  if (load<i32>(entry + PIPE_MODEL_PENDING) == 0) return;
  store<i32>(entry + PIPE_MODEL_PENDING, 0);
  store<i32>(HEADER + <usize>HDR_MODEL_PENDING, load<i32>(HEADER + <usize>HDR_MODEL_PENDING) - 1);
}

/** Clears the entry's model part (pipelineConfigure: no model wait until pipelineConfigureModel). */
export function modelClear(entry: usize): void {
  dropPending(entry);
  store<i32>(entry + PIPE_MODEL_COUNT, 0);
  store<i64>(entry + PIPE_MODEL_WAIT_NS, 0);
  store<i64>(entry + PIPE_RESOLVED_CLOSE, i64.MIN_VALUE);
}

/**
 * Gives a PIPE_DECISION instrument a model wait: its `featureCount` feature sources (indicator plan
 * value indices of its slot) must already be written at PIPE_MODEL_SOURCES of its entry; `waitNs`
 * bounds how long past the bar close a decision waits for the bar's MODEL record. Sets PIPE_MODEL,
 * and PIPE_MODEL_NO_FEATURES when `options` has MODEL_NO_FEATURES (0: FEATURES records out).
 * Returns OK or ERR_BAD_ARGUMENT (instrument out of range or without PIPE_DECISION, featureCount
 * outside 1..PIPE_MODEL_MAX_FEATURES, a source outside the loaded plan's values, waitNs < 0,
 * an unknown option bit).
 */
export function modelConfigure(instrument: i32, featureCount: i32, waitNs: i64, options: i32): i32 {
  if (instrument < 0 || instrument >= PIPE_MAX_INSTRUMENTS) return ERR_BAD_ARGUMENT;
  const entry = entryOf(instrument);
  const flags = load<i32>(entry + PIPE_FLAGS) & ~PIPE_MODEL_NO_FEATURES;
  if ((flags & PIPE_DECISION) == 0) return ERR_BAD_ARGUMENT;
  if (featureCount < 1 || featureCount > PIPE_MODEL_MAX_FEATURES || waitNs < 0) return ERR_BAD_ARGUMENT;
  if ((options & ~MODEL_NO_FEATURES) != 0) return ERR_BAD_ARGUMENT;
  const valueCount = load<i32>(<usize>PLAN_OFFSET + PH_VALUE_COUNT);
  for (let j = 0; j < featureCount; j++) {
    const source = load<i32>(entry + PIPE_MODEL_SOURCES + (<usize>j << 2));
    if (source < 0 || source >= valueCount) return ERR_BAD_ARGUMENT;
  }
  modelClear(entry);
  store<i32>(entry + PIPE_MODEL_COUNT, featureCount);
  store<i64>(entry + PIPE_MODEL_WAIT_NS, waitNs);
  store<i32>(entry + PIPE_FLAGS, flags | PIPE_MODEL | ((options & MODEL_NO_FEATURES) != 0 ? PIPE_MODEL_NO_FEATURES : 0));
  if (load<i32>(HEADER + <usize>HDR_MODEL_SCAN_END) <= instrument) store<i32>(HEADER + <usize>HDR_MODEL_SCAN_END, instrument + 1);
  return OK;
}

/**
 * At the bar `bar` of the PIPE_MODEL instrument at `entry` (indicators done on `slot`): when every
 * model feature is finite, writes the FEATURES records (unless PIPE_MODEL_NO_FEATURES) and starts
 * the wait (returns true: the decision waits); otherwise writes nothing (returns false: decide
 * now, without the ML expert).
 */
export function modelExportFeatures(instrument: i32, entry: usize, slot: i32, bar: usize, ring: i32): bool {
  const count = load<i32>(entry + PIPE_MODEL_COUNT);
  const values = <usize>indValuesOffset(slot);
  for (let j = 0; j < count; j++) {
    const v = load<f64>(values + (<usize>load<i32>(entry + PIPE_MODEL_SOURCES + (<usize>j << 2)) << 3));
    if (v - v != 0) return false; // NaN (warming up) or infinite
  }
  const open = load<i64>(bar, EV_TS_EXCHANGE);
  const close = load<i64>(bar, EV_TS_LOCAL);
  if ((load<i32>(entry + PIPE_FLAGS) & PIPE_MODEL_NO_FEATURES) == 0) writeFeatureRecords(instrument, entry, values, count, open, close, ring);
  const wait = load<i64>(entry + PIPE_MODEL_WAIT_NS);
  const deadline = close > i64.MAX_VALUE - wait ? i64.MAX_VALUE : close + wait;
  store<i64>(entry + PIPE_PENDING_OPEN, open);
  store<i64>(entry + PIPE_PENDING_CLOSE, close);
  store<i64>(entry + PIPE_PENDING_DEADLINE, deadline);
  store<i32>(entry + PIPE_MODEL_PENDING, 1);
  const pending = load<i32>(HEADER + <usize>HDR_MODEL_PENDING);
  if (pending == 0 || deadline < load<i64>(HEADER + <usize>HDR_MODEL_NEXT_DEADLINE)) store<i64>(HEADER + <usize>HDR_MODEL_NEXT_DEADLINE, deadline);
  store<i32>(HEADER + <usize>HDR_MODEL_PENDING, pending + 1);
  return true;
}

/**
 * The FEATURES records of one bar of `instrument` (outbound, 64 bytes each, chunk c = 0 .. ceil(F/4) - 1):
 *
 *   0        4      8              16             24             32             40             48             56            64
 *   | kind   | inst | ts_exchange  | ts_local     | price        | size         | a            | b            | id          |
 *   FEATURES|DIRECTION_OUTBOUND    | bar open     | bar close    | feature 4c   | feature 4c+1 | feature 4c+2 | feature 4c+3 | c << 32 | F |
 *
 * Features in the order of the instrument's model sources (the model's feature order); past F: NaN.
 * The I/O thread runs the model on them and answers with a MODEL record whose ts_exchange is the
 * bar close. The engine reserves room for them (engineOutboundReserve); should a record still find
 * the ring full, it is counted in HDR_FEATURES_DROPPED (and the bar's decision times out).
 */
function writeFeatureRecords(instrument: i32, entry: usize, values: usize, count: i32, open: i64, close: i64, ring: i32): void {
  for (let chunk = 0; chunk * FEATURES_PER_RECORD < count; chunk++) {
    const out = outboundClaim(ring);
    if (out == 0) {
      bump(HDR_FEATURES_DROPPED);
      continue;
    }
    writeRecordHead(out, KIND_FEATURES | DIRECTION_OUTBOUND, instrument, open, close);
    for (let k = 0; k < FEATURES_PER_RECORD; k++) {
      const j = chunk * FEATURES_PER_RECORD + k;
      const v = j < count ? load<f64>(values + (<usize>load<i32>(entry + PIPE_MODEL_SOURCES + (<usize>j << 2)) << 3)) : NaN;
      store<f64>(out + EV_PRICE + (<usize>k << 3), v);
    }
    store<u64>(out, (<u64>chunk << 32) | <u64>count, EV_ID);
    outboundPublish(ring);
    bump(HDR_FEATURES_WRITTEN);
  }
}

/** True when the entry's decision waits. */
// @ts-ignore: decorator
@inline
export function modelPending(entry: usize): bool {
  return load<i32>(entry + PIPE_MODEL_PENDING) != 0;
}

/** Ends the entry's wait (the caller decides the bar): counts it as on time or timed out. */
export function modelEndWait(entry: usize, timedOut: bool): void {
  dropPending(entry);
  store<i64>(entry + PIPE_RESOLVED_CLOSE, load<i64>(entry + PIPE_PENDING_CLOSE));
  bump(timedOut ? HDR_MODEL_TIMEOUTS : HDR_MODEL_ON_TIME);
}

/**
 * A MODEL record the decision experts took for the PIPE_MODEL instrument at `entry`: true when it is
 * the waiting bar's (decide it now); otherwise counts it late or unmatched and returns false.
 */
export function modelMatches(entry: usize, record: usize): bool {
  const ts = load<i64>(record, EV_TS_EXCHANGE);
  if (modelPending(entry) && ts == load<i64>(entry + PIPE_PENDING_CLOSE)) return true;
  bump(ts <= load<i64>(entry + PIPE_RESOLVED_CLOSE) ? HDR_MODEL_LATE : HDR_MODEL_UNMATCHED);
  return false;
}

/** True when a record at `clock` may be past a pending deadline (then modelScan says which). */
// @ts-ignore: decorator
@inline
export function modelMaybeDue(clock: i64): bool {
  return load<i32>(HEADER + <usize>HDR_MODEL_PENDING) > 0 && clock > load<i64>(HEADER + <usize>HDR_MODEL_NEXT_DEADLINE);
}

/**
 * Finds the pending instrument with the earliest deadline (ties: the lowest id), stores it and its
 * deadline (HDR_MODEL_NEXT_INSTRUMENT, HDR_MODEL_NEXT_DEADLINE) and returns the deadline;
 * i64.MAX_VALUE (instrument -1) when nothing waits.
 */
export function modelScan(): i64 {
  const end = load<i32>(HEADER + <usize>HDR_MODEL_SCAN_END);
  let best = -1;
  let earliest = i64.MAX_VALUE;
  for (let i = 0; i < end; i++) {
    const entry = entryOf(i);
    if (load<i32>(entry + PIPE_MODEL_PENDING) == 0) continue;
    const deadline = load<i64>(entry + PIPE_PENDING_DEADLINE);
    if (best < 0 || deadline < earliest) {
      best = i;
      earliest = deadline;
    }
  }
  store<i32>(HEADER + <usize>HDR_MODEL_NEXT_INSTRUMENT, best);
  store<i64>(HEADER + <usize>HDR_MODEL_NEXT_DEADLINE, earliest);
  return earliest;
}

/** The instrument modelScan found (-1: none). */
// @ts-ignore: decorator
@inline
export function modelScannedInstrument(): i32 {
  return load<i32>(HEADER + <usize>HDR_MODEL_NEXT_INSTRUMENT);
}

/** The waiting bar's open and close times (the decision time) of the entry. */
// @ts-ignore: decorator
@inline
export function modelPendingOpen(entry: usize): i64 {
  return load<i64>(entry + PIPE_PENDING_OPEN);
}

// @ts-ignore: decorator
@inline
export function modelPendingClose(entry: usize): i64 {
  return load<i64>(entry + PIPE_PENDING_CLOSE);
}

