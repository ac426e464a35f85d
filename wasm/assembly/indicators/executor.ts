// Runs the loaded indicator plan over one (instrument, timeframe) slot: per bar from JS
// (indUpdate, or indUpdateMs with the time in ms: node by node over the slot's values) or over
// columns in the scratch region (indRunBatch: node by node over blocks of bars, so the dispatch
// and each kernel's state loads are paid once per node per block). Every stateful kernel is
// one column loop used by both paths (one bar long per call) and every stateless combinator
// one value function, so the two paths agree bit for bit.
// Every node is O(1) per bar (amortised for the block extremes and periodic exact recomputes)
// and nothing allocates.
// Slot state is position independent bytes: checkpoint = copy indStateBytes() bytes from
// indStateOffset(slot); restore = copy them back into any slot of a core with the same plan.

import { MEMORY_BYTES, SCRATCH_REGION_OFFSET } from '../layout';
import { ERR_IND_BATCH_RANGE, ERR_IND_NO_PLAN, ERR_IND_SLOT_NOT_READY, ERR_IND_SLOT_RANGE, OK } from '../errors';
import {
  BATCH_INPUT_COLUMNS, NODE_BYTES, NODE_FP0, NODE_IN0, NODE_IP0, NODE_IP1, NODE_OPCODE, NODE_OUT_FIRST,
  NODE_STATE_OFFSET, NODE_OUT_COUNT, PLAN_AREA_BYTES, PLAN_HEADER_BYTES, PLAN_OFFSET, SLOTS_OFFSET,
  SLOT_BAR_COUNT, SLOT_CHECKSUM, SLOT_TIME, SLOT_VALUES, VALUE_FIELD_COUNT, WS_COLUMNS, WS_COLUMN_TABLE, WS_OUTPUT_MAP,
} from './plan-layout';
import {
  planBlockRows, planChecksum, planNodeCount, planOutputCount, planOutputsOffset, planSlotCapacity, planStateBytes, planValueCount,
} from './plan-loader';
import {
  OP_ADX, OP_BB, OP_DIFF, OP_EMA, OP_LAG, OP_LOGRET, OP_MAXMIN, OP_OBV, OP_PACK, OP_RATIO, OP_ROC, OP_RSI,
  OP_SLOPE, OP_SMA, OP_STDDEV, OP_STOCHK, OP_SUB, OP_SVWAP, OP_TR, OP_VWAP, OP_WILDER, OP_WMA, OP_ZSCORE,
} from './opcodes';
import { emaPairRun, emaRun, emaWarm, smaRun, wilderRun, wmaRun } from './averages';
import { stddevRun } from './rolling-stats';
import { rocRun, rsiRun, stochKValue } from './oscillators';
import { maxMinRun } from './extremes';
import { adxRun, trRun } from './directional';
import { obvRun, sessionVwapRun, vwapRun } from './volume';
import { pastRun, slopeRun } from './transforms';
import { bollingerStep, logReturnRun, ratioValue, zscoreValue } from './combinators';

@inline
function slotBase(slot: i32): usize {
  return <usize>SLOTS_OFFSET + <usize>slot * <usize>planStateBytes;
}

/** 0 when the slot can run, else a negative status. */
function checkSlot(slot: i32, needReady: bool): i32 {
  if (planNodeCount == 0) return ERR_IND_NO_PLAN;
  if (slot < 0 || slot >= planSlotCapacity) return ERR_IND_SLOT_RANGE;
  if (needReady && load<i32>(slotBase(slot), SLOT_CHECKSUM) != planChecksum) return ERR_IND_SLOT_NOT_READY;
  return OK;
}

@inline
function inputAt(values: usize, rec: usize, k: i32): usize {
  return values + (<usize>load<i32>(rec + NODE_IN0 + (k << 2)) << 3);
}

@inline
function input(values: usize, rec: usize, k: i32): f64 {
  return load<f64>(inputAt(values, rec, k));
}

function stepSlot(base: usize, open: f64, high: f64, low: f64, close: f64, volume: f64, timeNs: i64): void {
  const values = base + SLOT_VALUES;
  store<f64>(values, open);
  store<f64>(values, high, 8);
  store<f64>(values, low, 16);
  store<f64>(values, close, 24);
  store<f64>(values, volume, 32);
  store<i64>(base, timeNs, SLOT_TIME);
  const first = <usize>(PLAN_OFFSET + PLAN_HEADER_BYTES);
  const end = first + <usize>planNodeCount * <usize>NODE_BYTES;
  for (let rec = first; rec < end; rec += NODE_BYTES) {
    const op = load<i32>(rec, NODE_OPCODE);
    const st = base + <usize>load<i32>(rec, NODE_STATE_OFFSET);
    const out = values + (<usize>load<i32>(rec, NODE_OUT_FIRST) << 3);
    const n = load<i32>(rec, NODE_IP0);
    switch (op) {
      case OP_SMA: smaRun(st, inputAt(values, rec, 0), out, 8, n); break;
      case OP_EMA: emaRun(st, inputAt(values, rec, 0), out, 8, n, load<i32>(rec, NODE_IP1), load<f64>(rec, NODE_FP0)); break;
      case OP_WMA: wmaRun(st, inputAt(values, rec, 0), out, 8, n); break;
      case OP_WILDER: wilderRun(st, inputAt(values, rec, 0), out, 8, n, load<i32>(rec, NODE_IP1)); break;
      case OP_RSI: rsiRun(st, inputAt(values, rec, 0), out, 8, n); break;
      case OP_TR: trRun(st, inputAt(values, rec, 0), inputAt(values, rec, 1), inputAt(values, rec, 2), out, 8); break;
      case OP_STDDEV: stddevRun(st, inputAt(values, rec, 0), out, 8, n, load<i32>(rec, NODE_IP1)); break;
      case OP_LOGRET: logReturnRun(st, inputAt(values, rec, 0), out, 8); break;
      case OP_ZSCORE: store<f64>(out, zscoreValue(input(values, rec, 0), input(values, rec, 1), input(values, rec, 2))); break;
      case OP_BB: bollingerStep(input(values, rec, 0), input(values, rec, 1), input(values, rec, 2), load<f64>(rec, NODE_FP0), out, out + 8, out + 16, out + 24, out + 32); break;
      case OP_RATIO: store<f64>(out, ratioValue(input(values, rec, 0), input(values, rec, 1))); break;
      case OP_SUB: store<f64>(out, input(values, rec, 0) - input(values, rec, 1)); break;
      case OP_PACK: {
        const count = load<i32>(rec, NODE_OUT_COUNT);
        let valid = true;
        for (let k = 0; k < count; k++) if (isNaN(input(values, rec, k))) valid = false;
        for (let k = 0; k < count; k++) store<f64>(out + (<usize>k << 3), valid ? input(values, rec, k) : NaN);
        break;
      }
      case OP_VWAP: vwapRun(st, inputAt(values, rec, 0), inputAt(values, rec, 1), inputAt(values, rec, 2), inputAt(values, rec, 3), out, 8, n); break;
      case OP_SVWAP: sessionVwapRun(st, inputAt(values, rec, 0), inputAt(values, rec, 1), inputAt(values, rec, 2), inputAt(values, rec, 3), base + SLOT_TIME, out, 8, n); break;
      case OP_ROC: rocRun(st, inputAt(values, rec, 0), out, 8, n); break;
      case OP_MAXMIN: maxMinRun(st, inputAt(values, rec, 0), inputAt(values, rec, 1), out, out + 8, 8, n); break;
      case OP_STOCHK: store<f64>(out, stochKValue(input(values, rec, 0), input(values, rec, 1), input(values, rec, 2))); break;
      case OP_ADX: adxRun(st, inputAt(values, rec, 0), inputAt(values, rec, 1), inputAt(values, rec, 2), out, out + 8, out + 16, 8, n); break;
      case OP_OBV: obvRun(st, inputAt(values, rec, 0), inputAt(values, rec, 1), out, 8); break;
      case OP_DIFF: pastRun(st, inputAt(values, rec, 0), out, 8, n, false); break;
      case OP_LAG: pastRun(st, inputAt(values, rec, 0), out, 8, n, true); break;
      case OP_SLOPE: slopeRun(st, inputAt(values, rec, 0), out, 8, n); break;
    }
  }
  store<i64>(base, load<i64>(base, SLOT_BAR_COUNT) + 1, SLOT_BAR_COUNT);
}

/** Clears a slot for the loaded plan: every value NaN, every kernel at its first bar. */
export function indSlotReset(slot: i32): i32 {
  const status = checkSlot(slot, false);
  if (status < 0) return status;
  const base = slotBase(slot);
  memory.fill(base, 0, planStateBytes);
  const values = base + SLOT_VALUES;
  for (let i = 0; i < planValueCount; i++) store<f64>(values + (<usize>i << 3), NaN);
  store<i32>(base, planChecksum, SLOT_CHECKSUM);
  return OK;
}

/** Runs one bar through the plan for `slot`; outputs are then readable at indValuesOffset(slot). */
export function indUpdate(slot: i32, open: f64, high: f64, low: f64, close: f64, volume: f64, timeNs: i64): i32 {
  const status = checkSlot(slot, true);
  if (status < 0) return status;
  stepSlot(slotBase(slot), open, high, low, close, volume, timeNs);
  return OK;
}

/**
 * indUpdate with the bar time as f64 milliseconds since the epoch (no BigInt crosses from JS).
 * Only session VWAP reads the time, and only its UTC hour boundaries, which fall on whole
 * milliseconds: the session of floor(timeMs) ms is the session of the nanosecond time.
 */
export function indUpdateMs(slot: i32, open: f64, high: f64, low: f64, close: f64, volume: f64, timeMs: f64): i32 {
  const status = checkSlot(slot, true);
  if (status < 0) return status;
  stepSlot(slotBase(slot), open, high, low, close, volume, <i64>Math.floor(timeMs) * 1_000_000);
  return OK;
}

/** Address of the block column of value `v` (WS_COLUMN_TABLE, set per block by indRunBatch). */
@inline
function column(v: i32): usize {
  return <usize>load<i32>(WS_COLUMN_TABLE + (v << 2));
}

@inline
function inputColumn(rec: usize, k: i32): usize {
  return column(load<i32>(rec + NODE_IN0 + (k << 2)));
}

/**
 * Runs every node of the plan over `rows` bars whose values live in columns (WS_COLUMN_TABLE).
 * Node by node: each kernel loops over the block, so the per-node dispatch and state loads
 * are paid once per block. The kernels are the per-call ones, in the same order.
 */
function runBlock(base: usize, times: usize, rows: i32): void {
  const first = <usize>(PLAN_OFFSET + PLAN_HEADER_BYTES);
  const end = first + <usize>planNodeCount * <usize>NODE_BYTES;
  const bytes = <usize>rows << 3;
  for (let rec = first; rec < end; rec += NODE_BYTES) {
    const op = load<i32>(rec, NODE_OPCODE);
    const st = base + <usize>load<i32>(rec, NODE_STATE_OFFSET);
    const outFirst = load<i32>(rec, NODE_OUT_FIRST);
    const o = column(outFirst);
    const n = load<i32>(rec, NODE_IP0);
    switch (op) {
      case OP_SMA: {
        smaRun(st, inputColumn(rec, 0), o, bytes, n);
        break;
      }
      case OP_EMA: {
        // Two adjacent EMAs, the second not reading the first, both past their warm-up: one
        // loop runs both recurrences, so their dependency chains overlap in the CPU.
        const next = rec + NODE_BYTES;
        if (next < end && load<i32>(next, NODE_OPCODE) == OP_EMA && load<i32>(next, NODE_IN0) != outFirst) {
          const st2 = base + <usize>load<i32>(next, NODE_STATE_OFFSET);
          if (emaWarm(st, n, load<i32>(rec, NODE_IP1)) && emaWarm(st2, load<i32>(next, NODE_IP0), load<i32>(next, NODE_IP1))) {
            emaPairRun(st, inputColumn(rec, 0), o, load<f64>(rec, NODE_FP0), st2, inputColumn(next, 0), column(load<i32>(next, NODE_OUT_FIRST)), load<f64>(next, NODE_FP0), bytes);
            rec = next;
            break;
          }
        }
        emaRun(st, inputColumn(rec, 0), o, bytes, n, load<i32>(rec, NODE_IP1), load<f64>(rec, NODE_FP0));
        break;
      }
      case OP_WMA: {
        wmaRun(st, inputColumn(rec, 0), o, bytes, n);
        break;
      }
      case OP_WILDER: {
        wilderRun(st, inputColumn(rec, 0), o, bytes, n, load<i32>(rec, NODE_IP1));
        break;
      }
      case OP_RSI: {
        rsiRun(st, inputColumn(rec, 0), o, bytes, n);
        break;
      }
      case OP_TR: {
        trRun(st, inputColumn(rec, 0), inputColumn(rec, 1), inputColumn(rec, 2), o, bytes);
        break;
      }
      case OP_STDDEV: {
        stddevRun(st, inputColumn(rec, 0), o, bytes, n, load<i32>(rec, NODE_IP1));
        break;
      }
      case OP_LOGRET: {
        logReturnRun(st, inputColumn(rec, 0), o, bytes);
        break;
      }
      case OP_ZSCORE: {
        const x = inputColumn(rec, 0), m = inputColumn(rec, 1), d = inputColumn(rec, 2);
        for (let i: usize = 0; i < bytes; i += 8) store<f64>(o + i, zscoreValue(load<f64>(x + i), load<f64>(m + i), load<f64>(d + i)));
        break;
      }
      case OP_BB: {
        const x = inputColumn(rec, 0), m = inputColumn(rec, 1), d = inputColumn(rec, 2);
        const k = load<f64>(rec, NODE_FP0);
        const o1 = column(outFirst + 1), o2 = column(outFirst + 2), o3 = column(outFirst + 3), o4 = column(outFirst + 4);
        for (let i: usize = 0; i < bytes; i += 8) bollingerStep(load<f64>(x + i), load<f64>(m + i), load<f64>(d + i), k, o + i, o1 + i, o2 + i, o3 + i, o4 + i);
        break;
      }
      case OP_RATIO: {
        const a = inputColumn(rec, 0), b = inputColumn(rec, 1);
        for (let i: usize = 0; i < bytes; i += 8) store<f64>(o + i, ratioValue(load<f64>(a + i), load<f64>(b + i)));
        break;
      }
      case OP_SUB: {
        const a = inputColumn(rec, 0), b = inputColumn(rec, 1);
        for (let i: usize = 0; i < bytes; i += 8) store<f64>(o + i, load<f64>(a + i) - load<f64>(b + i));
        break;
      }
      case OP_PACK: {
        // One pass per input: the first marks invalid bars with NaN in output 0, the rest copy.
        const count = load<i32>(rec, NODE_OUT_COUNT);
        const mark = o;
        const x0 = inputColumn(rec, 0);
        for (let i: usize = 0; i < bytes; i += 8) store<f64>(mark + i, load<f64>(x0 + i));
        for (let k = 1; k < count; k++) {
          const x = inputColumn(rec, k);
          for (let i: usize = 0; i < bytes; i += 8) if (isNaN(load<f64>(x + i))) store<f64>(mark + i, NaN);
        }
        for (let k = 1; k < count; k++) {
          const x = inputColumn(rec, k);
          const y = column(outFirst + k);
          for (let i: usize = 0; i < bytes; i += 8) {
            const valid = !isNaN(load<f64>(mark + i));
            store<f64>(y + i, valid ? load<f64>(x + i) : NaN);
          }
        }
        break;
      }
      case OP_VWAP: {
        vwapRun(st, inputColumn(rec, 0), inputColumn(rec, 1), inputColumn(rec, 2), inputColumn(rec, 3), o, bytes, n);
        break;
      }
      case OP_SVWAP: {
        sessionVwapRun(st, inputColumn(rec, 0), inputColumn(rec, 1), inputColumn(rec, 2), inputColumn(rec, 3), times, o, bytes, n);
        break;
      }
      case OP_ROC: {
        rocRun(st, inputColumn(rec, 0), o, bytes, n);
        break;
      }
      case OP_MAXMIN: {
        maxMinRun(st, inputColumn(rec, 0), inputColumn(rec, 1), o, column(outFirst + 1), bytes, n);
        break;
      }
      case OP_STOCHK: {
        const c = inputColumn(rec, 0), h = inputColumn(rec, 1), l = inputColumn(rec, 2);
        for (let i: usize = 0; i < bytes; i += 8) store<f64>(o + i, stochKValue(load<f64>(c + i), load<f64>(h + i), load<f64>(l + i)));
        break;
      }
      case OP_ADX: {
        adxRun(st, inputColumn(rec, 0), inputColumn(rec, 1), inputColumn(rec, 2), o, column(outFirst + 1), column(outFirst + 2), bytes, n);
        break;
      }
      case OP_OBV: {
        obvRun(st, inputColumn(rec, 0), inputColumn(rec, 1), o, bytes);
        break;
      }
      case OP_DIFF: {
        pastRun(st, inputColumn(rec, 0), o, bytes, n, false);
        break;
      }
      case OP_LAG: {
        pastRun(st, inputColumn(rec, 0), o, bytes, n, true);
        break;
      }
      case OP_SLOPE: {
        slopeRun(st, inputColumn(rec, 0), o, bytes, n);
        break;
      }
    }
  }
}

/**
 * Runs n bars from the input columns at inputOffset (timeNs i64[n], open, high, low, close,
 * volume f64[n]) and writes the plan's output columns (f64[n] each, output-list order) at
 * outputOffset. Both ranges must lie in the scratch region, 8-byte aligned, not overlapping.
 * Afterwards the slot's values hold the last bar's, as after the same bars per call.
 * Returns n, or a negative status.
 */
export function indRunBatch(slot: i32, inputOffset: i32, n: i32, outputOffset: i32): i32 {
  const status = checkSlot(slot, true);
  if (status < 0) return status;
  if (n < 0) return ERR_IND_BATCH_RANGE;
  const inputEnd = <i64>inputOffset + <i64>n * 8 * BATCH_INPUT_COLUMNS;
  const outputEnd = <i64>outputOffset + <i64>n * 8 * <i64>planOutputCount;
  if (inputOffset < SCRATCH_REGION_OFFSET || outputOffset < SCRATCH_REGION_OFFSET) return ERR_IND_BATCH_RANGE;
  if (inputEnd > <i64>MEMORY_BYTES || outputEnd > <i64>MEMORY_BYTES) return ERR_IND_BATCH_RANGE;
  if ((inputOffset & 7) != 0 || (outputOffset & 7) != 0) return ERR_IND_BATCH_RANGE;
  if (n > 0 && planOutputCount > 0 && <i64>inputOffset < outputEnd && <i64>outputOffset < inputEnd) return ERR_IND_BATCH_RANGE;
  if (n == 0) return 0;
  const base = slotBase(slot);
  const columnBytes = <usize>n << 3;
  const outputs = planOutputsOffset();
  const outputCount = planOutputCount;
  const valueCount = planValueCount;
  const blockRows = planBlockRows;
  let rows = 0;
  for (let start = 0; start < n; start += blockRows) {
    rows = n - start < blockRows ? n - start : blockRows;
    const at = <usize>start << 3;
    // Column table for this block: bar fields read their input columns, outputs are written
    // straight into their batch output column, the other values into workspace columns.
    for (let v = 0; v < VALUE_FIELD_COUNT; v++) {
      store<i32>(WS_COLUMN_TABLE + (v << 2), <i32>(<usize>inputOffset + (<usize>(v + 1)) * columnBytes + at));
    }
    let spare = <usize>WS_COLUMNS;
    for (let v = VALUE_FIELD_COUNT; v < valueCount; v++) {
      const j = load<i32>(WS_OUTPUT_MAP + (v << 2));
      let address: usize;
      if (j >= 0) {
        address = <usize>outputOffset + <usize>j * columnBytes + at;
      } else {
        address = spare;
        spare += <usize>blockRows << 3;
      }
      store<i32>(WS_COLUMN_TABLE + (v << 2), <i32>address);
    }
    runBlock(base, <usize>inputOffset + at, rows);
    // An output column that repeats a value written to an earlier column gets a copy.
    for (let j = 0; j < outputCount; j++) {
      const v = load<i32>(outputs + (<usize>j << 2));
      if (load<i32>(WS_OUTPUT_MAP + (v << 2)) != j) {
        memory.copy(<usize>outputOffset + <usize>j * columnBytes + at, column(v), <usize>rows << 3);
      }
    }
  }
  // The slot's values end as the last bar's (what per-call readers see).
  const values = base + SLOT_VALUES;
  const last = <usize>(rows - 1) << 3;
  for (let v = 0; v < valueCount; v++) store<f64>(values + (<usize>v << 3), load<f64>(column(v) + last));
  store<i64>(base, load<i64>(<usize>inputOffset + (<usize>(n - 1) << 3)), SLOT_TIME);
  store<i64>(base, load<i64>(base, SLOT_BAR_COUNT) + <i64>n, SLOT_BAR_COUNT);
  return n;
}

/** Byte offset of the slot's state block (checkpoint source / restore target), or a negative status. */
export function indStateOffset(slot: i32): i32 {
  const status = checkSlot(slot, false);
  if (status < 0) return status;
  return <i32>slotBase(slot);
}

/** Byte offset of the slot's values (f64: 0..4 bar fields, then node outputs), or a negative status. */
export function indValuesOffset(slot: i32): i32 {
  const status = checkSlot(slot, false);
  if (status < 0) return status;
  return <i32>(slotBase(slot) + SLOT_VALUES);
}

/** Bytes of one slot's state block for the loaded plan, or ERR_IND_NO_PLAN. */
export function indStateBytes(): i32 {
  return planNodeCount == 0 ? ERR_IND_NO_PLAN : planStateBytes;
}

/** Slots that fit for the loaded plan, or ERR_IND_NO_PLAN. */
export function indSlotCapacity(): i32 {
  return planNodeCount == 0 ? ERR_IND_NO_PLAN : planSlotCapacity;
}

/** Where TS writes the plan (the plan area) and how many bytes it holds. */
export function indPlanOffset(): i32 {
  return PLAN_OFFSET;
}

export function indPlanAreaBytes(): i32 {
  return PLAN_AREA_BYTES;
}
