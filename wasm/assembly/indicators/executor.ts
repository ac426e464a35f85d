// Runs the loaded indicator plan over one (instrument, timeframe) slot: per bar from JS
// (indUpdate) or over columns in the scratch region (indRunBatch). Every node is O(1)
// (amortised for the deques and periodic exact recomputes) and nothing allocates.
// Slot state is position independent bytes: checkpoint = copy indStateBytes() bytes from
// indStateOffset(slot); restore = copy them back into any slot of a core with the same plan.

import { MEMORY_BYTES, SCRATCH_REGION_OFFSET } from '../layout';
import { ERR_IND_BATCH_RANGE, ERR_IND_NO_PLAN, ERR_IND_SLOT_NOT_READY, ERR_IND_SLOT_RANGE, OK } from '../errors';
import {
  BATCH_INPUT_COLUMNS, NODE_BYTES, NODE_FP0, NODE_IN0, NODE_IP0, NODE_IP1, NODE_OPCODE, NODE_OUT_FIRST,
  NODE_STATE_OFFSET, NODE_OUT_COUNT, PLAN_AREA_BYTES, PLAN_HEADER_BYTES, PLAN_OFFSET, SLOTS_OFFSET,
  SLOT_BAR_COUNT, SLOT_CHECKSUM, SLOT_VALUES,
} from './plan-layout';
import {
  planChecksum, planNodeCount, planOutputCount, planOutputsOffset, planSlotCapacity, planStateBytes, planValueCount,
} from './plan-loader';
import {
  OP_ADX, OP_BB, OP_DIFF, OP_EMA, OP_LAG, OP_LOGRET, OP_MAXMIN, OP_OBV, OP_PACK, OP_RATIO, OP_ROC, OP_RSI,
  OP_SLOPE, OP_SMA, OP_STDDEV, OP_STOCHK, OP_SUB, OP_SVWAP, OP_TR, OP_VWAP, OP_WILDER, OP_WMA, OP_ZSCORE,
} from './opcodes';
import { emaStep, smaStep, wilderStep, wmaStep } from './averages';
import { stddevStep } from './rolling-stats';
import { rocStep, rsiStep, stochKValue } from './oscillators';
import { maxMinStep } from './extremes';
import { adxStep, trStep } from './directional';
import { obvStep, sessionVwapStep, vwapStep } from './volume';
import { diffStep, lagStep, slopeStep } from './transforms';
import { bollingerStep, logReturnStep, ratioValue, zscoreValue } from './combinators';

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
function input(values: usize, rec: usize, k: i32): f64 {
  return load<f64>(values + (<usize>load<i32>(rec + NODE_IN0 + (k << 2)) << 3));
}

function stepSlot(base: usize, open: f64, high: f64, low: f64, close: f64, volume: f64, timeNs: i64): void {
  const values = base + SLOT_VALUES;
  store<f64>(values, open);
  store<f64>(values, high, 8);
  store<f64>(values, low, 16);
  store<f64>(values, close, 24);
  store<f64>(values, volume, 32);
  const first = <usize>(PLAN_OFFSET + PLAN_HEADER_BYTES);
  const end = first + <usize>planNodeCount * <usize>NODE_BYTES;
  for (let rec = first; rec < end; rec += NODE_BYTES) {
    const op = load<i32>(rec, NODE_OPCODE);
    const st = base + <usize>load<i32>(rec, NODE_STATE_OFFSET);
    const out = values + (<usize>load<i32>(rec, NODE_OUT_FIRST) << 3);
    const n = load<i32>(rec, NODE_IP0);
    switch (op) {
      case OP_SMA: store<f64>(out, smaStep(st, input(values, rec, 0), n)); break;
      case OP_EMA: store<f64>(out, emaStep(st, input(values, rec, 0), n, load<i32>(rec, NODE_IP1), load<f64>(rec, NODE_FP0))); break;
      case OP_WMA: store<f64>(out, wmaStep(st, input(values, rec, 0), n)); break;
      case OP_WILDER: store<f64>(out, wilderStep(st, input(values, rec, 0), n, load<i32>(rec, NODE_IP1))); break;
      case OP_RSI: store<f64>(out, rsiStep(st, input(values, rec, 0), n)); break;
      case OP_TR: store<f64>(out, trStep(st, input(values, rec, 0), input(values, rec, 1), input(values, rec, 2))); break;
      case OP_STDDEV: store<f64>(out, stddevStep(st, input(values, rec, 0), n, load<i32>(rec, NODE_IP1))); break;
      case OP_LOGRET: store<f64>(out, logReturnStep(st, input(values, rec, 0))); break;
      case OP_ZSCORE: store<f64>(out, zscoreValue(input(values, rec, 0), input(values, rec, 1), input(values, rec, 2))); break;
      case OP_BB: bollingerStep(input(values, rec, 0), input(values, rec, 1), input(values, rec, 2), load<f64>(rec, NODE_FP0), out); break;
      case OP_RATIO: store<f64>(out, ratioValue(input(values, rec, 0), input(values, rec, 1))); break;
      case OP_SUB: store<f64>(out, input(values, rec, 0) - input(values, rec, 1)); break;
      case OP_PACK: {
        const count = load<i32>(rec, NODE_OUT_COUNT);
        let valid = true;
        for (let k = 0; k < count; k++) if (isNaN(input(values, rec, k))) valid = false;
        for (let k = 0; k < count; k++) store<f64>(out + (<usize>k << 3), valid ? input(values, rec, k) : NaN);
        break;
      }
      case OP_VWAP: store<f64>(out, vwapStep(st, input(values, rec, 0), input(values, rec, 1), input(values, rec, 2), input(values, rec, 3), n)); break;
      case OP_SVWAP: store<f64>(out, sessionVwapStep(st, input(values, rec, 0), input(values, rec, 1), input(values, rec, 2), input(values, rec, 3), timeNs, n)); break;
      case OP_ROC: store<f64>(out, rocStep(st, input(values, rec, 0), n)); break;
      case OP_MAXMIN: maxMinStep(st, input(values, rec, 0), input(values, rec, 1), n, out); break;
      case OP_STOCHK: store<f64>(out, stochKValue(input(values, rec, 0), input(values, rec, 1), input(values, rec, 2))); break;
      case OP_ADX: adxStep(st, input(values, rec, 0), input(values, rec, 1), input(values, rec, 2), n, out); break;
      case OP_OBV: store<f64>(out, obvStep(st, input(values, rec, 0), input(values, rec, 1))); break;
      case OP_DIFF: store<f64>(out, diffStep(st, input(values, rec, 0), n)); break;
      case OP_LAG: store<f64>(out, lagStep(st, input(values, rec, 0), n)); break;
      case OP_SLOPE: store<f64>(out, slopeStep(st, input(values, rec, 0), n)); break;
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
 * Runs n bars from the input columns at inputOffset (timeNs i64[n], open, high, low, close,
 * volume f64[n]) and writes the plan's output columns (f64[n] each, output-list order) at
 * outputOffset. Both ranges must lie in the scratch region, 8-byte aligned, not overlapping.
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
  const base = slotBase(slot);
  const values = base + SLOT_VALUES;
  const column = <usize>n << 3;
  const times = <usize>inputOffset;
  const opens = times + column;
  const highs = opens + column;
  const lows = highs + column;
  const closes = lows + column;
  const volumes = closes + column;
  const outputs = planOutputsOffset();
  const outputCount = planOutputCount;
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 3;
    stepSlot(base, load<f64>(opens + at), load<f64>(highs + at), load<f64>(lows + at), load<f64>(closes + at), load<f64>(volumes + at), load<i64>(times + at));
    let cell = <usize>outputOffset + at;
    for (let j = 0; j < outputCount; j++) {
      store<f64>(cell, load<f64>(values + (<usize>load<i32>(outputs + (<usize>j << 2)) << 3)));
      cell += column;
    }
  }
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
