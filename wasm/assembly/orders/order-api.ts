// The order table's exports for callers outside the engine loop (tests, tools, the TS glue):
// place, cancel and replace orders by hand, apply one venue record, run the timeouts, and find
// an order's slot. Each checks its arguments and the module's readiness, advances the risk
// clock, and writes its records to `ring` like the engine loop does.
import { ERR_BAD_ARGUMENT, ERR_RISK_NOT_READY } from '../errors';
import { EVENT_BYTES, MEMORY_BYTES } from '../layout';
import { advanceClock, configuredSlot, riskReady } from '../risk/risk-account';
import { ringCheck } from '../ring';
import { pipelineOnVenue } from '../pipeline/pipeline';
import { HDR_LAST_ERROR, HDR_STAGE_ERRORS, PIPE_HEADER } from '../pipeline/pipeline-layout';
import { cancelOrder, replaceOrder, submitOrder } from './order-commands';
import { ordersOnTimer } from './order-timeouts';
import { ordersReady, slotOfOrder } from './order-table';
import { RULE_COUNT, orderSlotAddress } from './order-layout';

// @ts-ignore: decorator
@inline
function ready(ring: i32): i32 {
  if (!riskReady() || !ordersReady()) return ERR_RISK_NOT_READY;
  return ringCheck(ring);
}

/**
 * Places an order (order-commands.ts submitOrder) of `rule` on `instrument` at `nowNs`.
 * Returns its slot, NOT_SENT (-1: refused, risk record written) or a negative status.
 */
export function ordersPlace(
  instrument: i32, nowNs: i64, qty: f64, type: i32, tif: i32, flags: i32, rule: i32, limitPx: f64, stopPx: f64, trailOffset: f64, refPx: f64, parentId: u64, ring: i32,
): i32 {
  const status = ready(ring);
  if (status < 0) return status;
  if (!configuredSlot(instrument) || rule < 0 || rule >= RULE_COUNT || (flags & ~3) != 0) return ERR_BAD_ARGUMENT;
  return submitOrder(instrument, nowNs, advanceClock(nowNs), qty, type, tif, flags, rule, limitPx, stopPx, trailOffset, refPx, parentId, 0, ring);
}

/** Cancels order `id` (order-commands.ts cancelOrder). Returns 1, 0 (nothing to do), or a status. */
export function ordersCancel(id: u64, nowNs: i64, rule: i32, ring: i32): i32 {
  const status = ready(ring);
  if (status < 0) return status;
  const slot = slotOfOrder(id);
  if (slot < 0) return ERR_BAD_ARGUMENT;
  return cancelOrder(slot, nowNs, advanceClock(nowNs), rule, ring);
}

/** Replaces order `id` (order-commands.ts replaceOrder). Returns 1, 0, NOT_SENT or a status. */
export function ordersReplace(id: u64, qty: f64, limitPx: f64, stopPx: f64, nowNs: i64, rule: i32, ring: i32): i32 {
  const status = ready(ring);
  if (status < 0) return status;
  const slot = slotOfOrder(id);
  if (slot < 0) return ERR_BAD_ARGUMENT;
  return replaceOrder(slot, qty, limitPx, stopPx, nowNs, advanceClock(nowNs), rule, ring);
}

/**
 * Applies the venue record at `record` as the engine loop does (order table, portfolio, exits).
 * Returns 0, or the status of the stage that failed on it (the engine loop counts it and goes
 * on: a malformed fill, a fill for an instrument the risk module does not know ...).
 */
export function ordersApplyVenueRecord(record: i32, ring: i32): i32 {
  const status = ready(ring);
  if (status < 0) return status;
  if (record < 0 || record > MEMORY_BYTES - EVENT_BYTES) return ERR_BAD_ARGUMENT;
  const failures = load<i64>(<usize>(PIPE_HEADER + HDR_STAGE_ERRORS));
  pipelineOnVenue(<usize>record, ring);
  return load<i64>(<usize>(PIPE_HEADER + HDR_STAGE_ERRORS)) != failures ? load<i32>(<usize>(PIPE_HEADER + HDR_LAST_ERROR)) : 0;
}

/** Runs the acknowledgement and cancel timeouts at `nowNs`; returns how many orders turned UNCERTAIN. */
export function ordersTimer(nowNs: i64, ring: i32): i32 {
  const status = ready(ring);
  if (status < 0) return status;
  return ordersOnTimer(nowNs, advanceClock(nowNs), ring);
}

/** Byte offset of order `id`'s slot, or ERR_BAD_ARGUMENT when no order has that id (or no table is configured). */
export function ordersSlotOffset(id: u64): i32 {
  if (!ordersReady()) return ERR_BAD_ARGUMENT;
  const slot = slotOfOrder(id);
  return slot < 0 ? ERR_BAD_ARGUMENT : <i32>orderSlotAddress(slot);
}

