// The order table of the core: fixed slots (ORDERS region, order-layout.ts), client order
// ids, per-instrument lists of live orders, state changes with their counters, and the
// working sums the risk checks read, derived from the orders themselves.
//
// Ids and slots: the slot of order id k is k % capacity. A new order takes the next id
// whose slot is free (empty or terminal), so live orders never share a slot, ids only grow,
// and a lookup is one slot read (its id must match). A closed order stays findable until its
// slot is reused, at least `capacity - live` orders later: a late or duplicated venue event
// for it is recognised, not mistaken for an unknown order.
//
// Working sums: an order counts its leaves (|qty| - |filled|; while a replace is unanswered,
// PENDING_REPLACE or after its timeout, the larger of the old and requested quantity, since
// the venue may have taken it) toward the risk slot's pendingBuy / pendingSell, or
// toward the instrument's reduce-only sums for exits, from the moment it is sent until it is
// closed. Held (emulated) orders count nothing: they are not at the venue. recount() applies
// each change as a delta, so the sums stay O(1) and equal the table's (test/orders-*).
//
// Why an order ended: endOrder records the reason in the slot (O_END_REASON) as the order turns
// CANCELED, REJECTED or EXPIRED, and the header counts the ended orders by reason.
import { ERR_BAD_ARGUMENT, OK } from '../errors';
import { INSTRUMENT_CAPACITY } from '../layout';
import { adjustWorking, refreshExposure } from '../risk/risk-account';
import { RS_PENDING_BUY, RS_PENDING_SELL, riskSlotAddress } from '../risk/risk-layout';
import { idIndexClear } from '../util/id-index';
import {
  END_CANCELED, END_EXPIRED, END_REASON_BUCKETS, END_REASON_CODES, END_REASON_NONE, END_REASON_VENUE_STATUS, END_REJECTED, OH_END_REASONS, O_END_REASON,
  FILL_ID_INDEX_CAPACITY, FILL_ID_INDEX_OFFSET, FLAG_EMULATED, FLAG_REDUCE_ONLY, OC_CANCELED, OC_EXPIRED, OC_FILLED, OC_REJECTED, OC_UNCERTAIN,
  OH_ACK_TIMEOUT_NS, OH_CANCEL_TIMEOUT_NS, OH_CAPACITY, OH_EMULATED, OH_FIFO_COUNT, OH_FIFO_HEAD, OH_LIVE, OH_MAGIC, OH_NEXT_ID, OI_HEAD, OI_LIVE,
  OI_REDUCE_BUY, OI_REDUCE_SELL, OI_STRATEGY_SLOT, OI_UNCERTAIN, ORDERS_HEADER, ORDERS_MAGIC, ORDERS_TABLE_BYTES, ORDER_CAPACITY_MAX, ORDER_SLOT_BYTES,
  O_COUNTED, O_FILLED, O_FLAGS, O_ID, O_INSTRUMENT, O_NEXT, O_PEND_QTY, O_PREV, O_QTY, O_RULE, O_STATE, RULE_STRATEGY, STATE_CANCELED, STATE_EMPTY,
  STATE_EXPIRED, STATE_FILLED, STATE_NEW, STATE_REJECTED, STATE_UNCERTAIN, isLive, isTerminal, orderIndexAddress,
  orderSlotAddress, ordersCounterAddress,
} from './order-layout';

// @ts-ignore: decorator
@inline
export function ordersReady(): bool {
  return load<i32>(ORDERS_HEADER, OH_MAGIC) == ORDERS_MAGIC;
}

// @ts-ignore: decorator
@inline
export function bumpCounter(counter: i32): void {
  const at = ordersCounterAddress(counter);
  store<i64>(at, load<i64>(at) + 1);
}

/**
 * Empties the table and sets its capacity (1 .. ORDER_CAPACITY_MAX slots), the acknowledgement
 * and cancel timeouts (ns, > 0) and the first client order id (>= 1, < 2^53 so the id is exact in
 * an f64 field). Returns OK or ERR_BAD_ARGUMENT.
 */
export function ordersConfigure(capacity: i32, ackTimeoutNs: i64, cancelTimeoutNs: i64, firstId: u64): i32 {
  if (capacity < 1 || capacity > ORDER_CAPACITY_MAX || ackTimeoutNs <= 0 || cancelTimeoutNs <= 0) return ERR_BAD_ARGUMENT;
  if (firstId < 1 || firstId >= (<u64>1 << 53)) return ERR_BAD_ARGUMENT;
  memory.fill(ORDERS_HEADER, 0, <usize>ORDERS_TABLE_BYTES);
  idIndexClear(<usize>FILL_ID_INDEX_OFFSET, FILL_ID_INDEX_CAPACITY);
  const h = ORDERS_HEADER;
  store<i32>(h, capacity, OH_CAPACITY);
  store<u64>(h, firstId, OH_NEXT_ID);
  store<i64>(h, ackTimeoutNs, OH_ACK_TIMEOUT_NS);
  store<i64>(h, cancelTimeoutNs, OH_CANCEL_TIMEOUT_NS);
  store<i32>(h, 0, OH_FIFO_HEAD);
  store<i32>(h, 0, OH_FIFO_COUNT);
  for (let i = 0; i < INSTRUMENT_CAPACITY; i++) {
    const x = orderIndexAddress(i);
    store<i32>(x, -1, OI_HEAD);
    store<i32>(x, -1, OI_STRATEGY_SLOT);
  }
  store<i32>(h, ORDERS_MAGIC, OH_MAGIC);
  return OK;
}

/** Slot of order `id`, or -1 when no order with that id is in the table. */
// @ts-ignore: decorator
@inline
export function slotOfOrder(id: u64): i32 {
  if (id == 0) return -1;
  const slot = <i32>(id % <u64>load<i32>(ORDERS_HEADER, OH_CAPACITY));
  const o = orderSlotAddress(slot);
  return load<u64>(o, O_ID) == id && load<i32>(o, O_STATE) != STATE_EMPTY ? slot : -1;
}

/**
 * Takes the next free slot and id for a new order on `instrument`: writes the id, links the
 * slot into the instrument's list (state NEW, nothing counted). Returns the slot, or -1 when
 * every slot holds a live order.
 */
export function allocateOrder(instrument: i32): i32 {
  const h = ORDERS_HEADER;
  const capacity = load<i32>(h, OH_CAPACITY);
  if (load<i32>(h, OH_LIVE) >= capacity) return -1;
  let id = load<u64>(h, OH_NEXT_ID);
  let slot = <i32>(id % <u64>capacity);
  for (let n = 0; n < capacity && isLive(load<i32>(orderSlotAddress(slot), O_STATE)); n++) {
    id++;
    slot = slot + 1 == capacity ? 0 : slot + 1;
  }
  store<u64>(h, id + 1, OH_NEXT_ID);
  const o = orderSlotAddress(slot);
  memory.fill(o, 0, <usize>ORDER_SLOT_BYTES);
  store<u64>(o, id, O_ID);
  store<i32>(o, instrument, O_INSTRUMENT);
  store<i32>(o, STATE_NEW, O_STATE);
  const x = orderIndexAddress(instrument);
  const head = load<i32>(x, OI_HEAD);
  store<i32>(o, head, O_NEXT);
  store<i32>(o, -1, O_PREV);
  if (head >= 0) store<i32>(orderSlotAddress(head), slot, O_PREV);
  store<i32>(x, slot, OI_HEAD);
  store<i32>(x, load<i32>(x, OI_LIVE) + 1, OI_LIVE);
  store<i32>(h, load<i32>(h, OH_LIVE) + 1, OH_LIVE);
  return slot;
}

function unlinkOrder(slot: i32, instrument: i32): void {
  const o = orderSlotAddress(slot);
  const x = orderIndexAddress(instrument);
  const next = load<i32>(o, O_NEXT);
  const prev = load<i32>(o, O_PREV);
  if (prev >= 0) store<i32>(orderSlotAddress(prev), next, O_NEXT);
  else store<i32>(x, next, OI_HEAD);
  if (next >= 0) store<i32>(orderSlotAddress(next), prev, O_PREV);
  store<i32>(o, -1, O_NEXT);
  store<i32>(o, -1, O_PREV);
  store<i32>(x, load<i32>(x, OI_LIVE) - 1, OI_LIVE);
  if (load<i32>(x, OI_STRATEGY_SLOT) == slot) store<i32>(x, -1, OI_STRATEGY_SLOT);
  const h = ORDERS_HEADER;
  store<i32>(h, load<i32>(h, OH_LIVE) - 1, OH_LIVE);
}

/** Leaves order `o` adds to the working sums in its current state (see the header). */
// @ts-ignore: decorator
@inline
function countedLeaves(o: usize): f64 {
  const state = load<i32>(o, O_STATE);
  if (!isLive(state) || state == STATE_NEW) return 0.0;
  // A replace the venue has not answered (O_PEND_QTY != 0) may be in force: the larger quantity.
  const size = Math.max(Math.abs(load<f64>(o, O_QTY)), Math.abs(load<f64>(o, O_PEND_QTY)));
  return Math.max(0.0, size - Math.abs(load<f64>(o, O_FILLED)));
}

/** Brings order `o`'s share of the working sums up to date (a delta against what it counted). */
export function recount(o: usize): void {
  const next = countedLeaves(o);
  const old = load<f64>(o, O_COUNTED);
  const instrument = load<i32>(o, O_INSTRUMENT);
  const x = orderIndexAddress(instrument);
  if (next != old) {
    store<f64>(o, next, O_COUNTED);
    const buy = load<f64>(o, O_QTY) > 0.0;
    // Exits' reduce-only orders never add exposure: kept out of the working sums. A strategy
    // order stays in them even when reduce-only (a close: the order stage nets it from the target).
    if ((load<i32>(o, O_FLAGS) & FLAG_REDUCE_ONLY) != 0 && load<i32>(o, O_RULE) != RULE_STRATEGY) {
      const field = buy ? OI_REDUCE_BUY : OI_REDUCE_SELL;
      store<f64>(x + <usize>(field), Math.max(0.0, load<f64>(x + <usize>(field)) + (next - old)));
    } else {
      adjustWorking(riskSlotAddress(instrument), buy, next - old);
    }
  }
  if (load<i32>(x, OI_LIVE) == 0) {
    // No live order left: the sums are exactly 0, whatever f64 rounding the deltas left.
    store<f64>(x, 0.0, OI_REDUCE_BUY);
    store<f64>(x, 0.0, OI_REDUCE_SELL);
    const s = riskSlotAddress(instrument);
    if (load<f64>(s, RS_PENDING_BUY) != 0.0 || load<f64>(s, RS_PENDING_SELL) != 0.0) {
      store<f64>(s, 0.0, RS_PENDING_BUY);
      store<f64>(s, 0.0, RS_PENDING_SELL);
      refreshExposure(s);
    }
  }
}

/**
 * Moves order slot `slot` to `state`, keeping the counters, the UNCERTAIN count and the
 * instrument list (a terminal order leaves it), then recounts its leaves.
 */
export function setOrderState(slot: i32, state: i32): void {
  const o = orderSlotAddress(slot);
  const old = load<i32>(o, O_STATE);
  if (old == state) return;
  const instrument = load<i32>(o, O_INSTRUMENT);
  const x = orderIndexAddress(instrument);
  if (old == STATE_UNCERTAIN) store<i32>(x, load<i32>(x, OI_UNCERTAIN) - 1, OI_UNCERTAIN);
  if (state == STATE_UNCERTAIN) {
    store<i32>(x, load<i32>(x, OI_UNCERTAIN) + 1, OI_UNCERTAIN);
    bumpCounter(OC_UNCERTAIN);
  }
  if (old == STATE_NEW && (load<i32>(o, O_FLAGS) & FLAG_EMULATED) != 0) {
    const h = ORDERS_HEADER;
    store<i32>(h, load<i32>(h, OH_EMULATED) - 1, OH_EMULATED);
  }
  store<i32>(o, state, O_STATE);
  if (isTerminal(state)) {
    if (state == STATE_FILLED) bumpCounter(OC_FILLED);
    else if (state == STATE_CANCELED) {
      bumpCounter(OC_CANCELED);
      countEndReason(END_CANCELED, load<i32>(o, O_END_REASON));
    } else if (state == STATE_REJECTED) {
      bumpCounter(OC_REJECTED);
      countEndReason(END_REJECTED, load<i32>(o, O_END_REASON));
    } else if (state == STATE_EXPIRED) {
      bumpCounter(OC_EXPIRED);
      countEndReason(END_EXPIRED, load<i32>(o, O_END_REASON));
    }
    unlinkOrder(slot, instrument);
  }
  recount(o);
}

/**
 * Ends the order in `slot` CANCELED, REJECTED or EXPIRED (`state`) for `reason` (an O_END_REASON
 * value: endReasonOfCode of the venue record's code, or END_REASON_VENUE_STATUS).
 */
export function endOrder(slot: i32, state: i32, reason: i32): void {
  store<i32>(orderSlotAddress(slot), reason, O_END_REASON);
  setOrderState(slot, state);
}

/** The O_END_REASON value of a venue record's reason code (its a): code + 1, END_REASON_NONE for one that is no whole number in [0, 2^30). */
// @ts-ignore: decorator
@inline
export function endReasonOfCode(code: f64): i32 {
  return code >= 0.0 && code < 1073741824.0 && code == Math.floor(code) ? <i32>code + 1 : END_REASON_NONE;
}

/** Counts one order ended in block `block` (END_CANCELED ...) for `reason` (the header's buckets). */
function countEndReason(block: i32, reason: i32): void {
  const bucket = reason == END_REASON_VENUE_STATUS ? 1 : reason <= END_REASON_NONE ? 0 : reason <= END_REASON_CODES ? reason + 1 : END_REASON_BUCKETS - 1;
  const at = ORDERS_HEADER + <usize>(OH_END_REASONS + ((block * END_REASON_BUCKETS + bucket) << 3));
  store<i64>(at, load<i64>(at) + 1);
}

/** Live orders on `instrument` in UNCERTAIN: while > 0 no order that adds exposure goes out. */
// @ts-ignore: decorator
@inline
export function uncertainOn(instrument: i32): i32 {
  return load<i32>(orderIndexAddress(instrument), OI_UNCERTAIN);
}

/** Total live orders (the engine's outbound reserve grows with them: timeouts may notice each). */
// @ts-ignore: decorator
@inline
export function liveOrders(): i32 {
  return load<i32>(ORDERS_HEADER, OH_LIVE);
}

/** Marks an order held by the core (emulated) in the header count. */
export function countHeld(): void {
  const h = ORDERS_HEADER;
  store<i32>(h, load<i32>(h, OH_EMULATED) + 1, OH_EMULATED);
}

// @ts-ignore: decorator
@inline
export function ackTimeoutNs(): i64 {
  return load<i64>(ORDERS_HEADER, OH_ACK_TIMEOUT_NS);
}

// @ts-ignore: decorator
@inline
export function cancelTimeoutNs(): i64 {
  return load<i64>(ORDERS_HEADER, OH_CANCEL_TIMEOUT_NS);
}

