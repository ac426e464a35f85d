// Reads the core's ORDERS region (order-layout.ts) with plain loads, no core call: one order
// slot, the header (capacity, live orders, id cursor, counters, notices by code) and one
// instrument's index block with its working sums. The WASM glue uses it, and so can the
// I/O thread for snapshots at batch boundaries.
import * as L from './order-layout.js';

/** Every field of an order slot (meanings: wasm/assembly/orders/order-layout.ts). */
export interface OrderSlotState {
  readonly slot: number;
  readonly id: bigint;
  readonly instrument: number;
  readonly state: number;
  readonly orderType: number;
  readonly timeInForce: number;
  readonly flags: number;
  readonly rule: number;
  /** Signed quantity and signed filled quantity (+ buy). */
  readonly qty: number;
  readonly limitPrice: number;
  readonly stopPrice: number;
  readonly filled: number;
  readonly averageFillPrice: number;
  readonly referencePrice: number;
  readonly createdNs: bigint;
  readonly updatedNs: bigint;
  /** When an acknowledgement or a cancel / replace answer is overdue (0: none). */
  readonly deadlineNs: bigint;
  /** The requested quantity and prices of an unanswered replace (0: none). */
  readonly pendingQty: number;
  readonly pendingLimitPrice: number;
  readonly pendingStopPrice: number;
  /** Leaves the order adds to the working sums now. */
  readonly counted: number;
  readonly parentId: bigint;
  readonly trailOffset: number;
  readonly watermark: number;
  /** Neighbours in the instrument's list of live orders (slots, -1: none). */
  readonly next: number;
  readonly prev: number;
  /** The state before the last cancel or replace request. */
  readonly previousState: number;
  readonly strategy: number;
  readonly fees: number;
  readonly fillCount: number;
  /**
   * Why the order ended CANCELED, REJECTED or EXPIRED: 0 none, -1 the venue's order status closed
   * it, else the venue's reason code + 1 (orderEndReasonName names it).
   */
  readonly endReason: number;
  readonly venueOrderId: bigint;
}

/** The header's configuration, cursors and counters (OC_* of order-layout.ts), notices by code. */
export interface OrderTableCounters {
  readonly capacity: number;
  readonly live: number;
  readonly emulated: number;
  readonly nextId: bigint;
  readonly ackTimeoutNs: bigint;
  readonly cancelTimeoutNs: bigint;
  /** The fill-id FIFO: oldest remembered id and how many are remembered. */
  readonly fillIdHead: number;
  readonly fillIdCount: number;
  readonly submitted: number;
  readonly held: number;
  readonly filled: number;
  readonly canceled: number;
  readonly rejected: number;
  readonly expired: number;
  readonly fills: number;
  readonly partialFills: number;
  readonly cancelsSent: number;
  readonly replacesSent: number;
  readonly uncertain: number;
  readonly illegal: number;
  readonly denied: number;
  readonly tableFull: number;
  /** ORDER_NOTICE records written, indexed by notice code (index 0 unused). */
  readonly notices: readonly number[];
  /** Orders that ended CANCELED, REJECTED and EXPIRED, by reason bucket (END_REASON_BUCKETS each; endReasonCounts names them). */
  readonly endReasons: EndReasonBuckets;
}

/** Ended orders by reason bucket: none, venue status, venue codes 0 .. END_REASON_CODES - 1, any higher code. */
export interface EndReasonBuckets {
  readonly canceled: readonly number[];
  readonly rejected: readonly number[];
  readonly expired: readonly number[];
}

/** One instrument's index block. */
export interface InstrumentOrderIndex {
  /** First live order (slot, -1: none), live orders, and those UNCERTAIN. */
  readonly head: number;
  readonly live: number;
  readonly uncertain: number;
  readonly strategySlot: number;
  /** Leaves of working reduce-only orders, by side. */
  readonly reduceBuy: number;
  readonly reduceSell: number;
}

export function orderSlotOffset(slot: number): number {
  return L.ORDER_SLOTS_OFFSET + slot * L.ORDER_SLOT_BYTES;
}

/** The order slot at byte offset `offset` (orderSlotOffset(slot), or what ordersSlotOffset returned). */
export function readOrderSlot(view: DataView, offset: number): OrderSlotState {
  const i32 = (field: number) => view.getInt32(offset + field, true);
  const f64 = (field: number) => view.getFloat64(offset + field, true);
  const i64 = (field: number) => view.getBigInt64(offset + field, true);
  const u64 = (field: number) => view.getBigUint64(offset + field, true);
  return {
    slot: (offset - L.ORDER_SLOTS_OFFSET) / L.ORDER_SLOT_BYTES,
    id: u64(L.O_ID),
    instrument: i32(L.O_INSTRUMENT),
    state: i32(L.O_STATE),
    orderType: i32(L.O_TYPE),
    timeInForce: i32(L.O_TIF),
    flags: i32(L.O_FLAGS),
    rule: i32(L.O_RULE),
    qty: f64(L.O_QTY),
    limitPrice: f64(L.O_LIMIT_PX),
    stopPrice: f64(L.O_STOP_PX),
    filled: f64(L.O_FILLED),
    averageFillPrice: f64(L.O_AVG_FILL_PX),
    referencePrice: f64(L.O_REF_PX),
    createdNs: i64(L.O_CREATED_NS),
    updatedNs: i64(L.O_UPDATED_NS),
    deadlineNs: i64(L.O_DEADLINE_NS),
    pendingQty: f64(L.O_PEND_QTY),
    pendingLimitPrice: f64(L.O_PEND_LIMIT_PX),
    pendingStopPrice: f64(L.O_PEND_STOP_PX),
    counted: f64(L.O_COUNTED),
    parentId: u64(L.O_PARENT_ID),
    trailOffset: f64(L.O_TRAIL_OFFSET),
    watermark: f64(L.O_WATERMARK),
    next: i32(L.O_NEXT),
    prev: i32(L.O_PREV),
    previousState: i32(L.O_PREV_STATE),
    strategy: i32(L.O_STRATEGY),
    fees: f64(L.O_FEES),
    fillCount: i32(L.O_FILL_COUNT),
    endReason: i32(L.O_END_REASON),
    venueOrderId: u64(L.O_VENUE_ID),
  };
}

function endReasonBlock(view: DataView, block: number): number[] {
  const at = L.ORDERS_HEADER + L.OH_END_REASONS + 8 * L.END_REASON_BUCKETS * block;
  return Array.from({ length: L.END_REASON_BUCKETS }, (_, bucket) => Number(view.getBigInt64(at + 8 * bucket, true)));
}

export function readOrderTableCounters(view: DataView): OrderTableCounters {
  const h = L.ORDERS_HEADER;
  const counter = (index: number) => Number(view.getBigInt64(h + L.OH_COUNTERS + 8 * index, true));
  return {
    capacity: view.getInt32(h + L.OH_CAPACITY, true),
    live: view.getInt32(h + L.OH_LIVE, true),
    emulated: view.getInt32(h + L.OH_EMULATED, true),
    nextId: view.getBigUint64(h + L.OH_NEXT_ID, true),
    ackTimeoutNs: view.getBigInt64(h + L.OH_ACK_TIMEOUT_NS, true),
    cancelTimeoutNs: view.getBigInt64(h + L.OH_CANCEL_TIMEOUT_NS, true),
    fillIdHead: view.getInt32(h + L.OH_FIFO_HEAD, true),
    fillIdCount: view.getInt32(h + L.OH_FIFO_COUNT, true),
    submitted: counter(L.OC_SUBMITTED),
    held: counter(L.OC_HELD),
    filled: counter(L.OC_FILLED),
    canceled: counter(L.OC_CANCELED),
    rejected: counter(L.OC_REJECTED),
    expired: counter(L.OC_EXPIRED),
    fills: counter(L.OC_FILLS),
    partialFills: counter(L.OC_PARTIAL_FILLS),
    cancelsSent: counter(L.OC_CANCELS_SENT),
    replacesSent: counter(L.OC_REPLACES_SENT),
    uncertain: counter(L.OC_UNCERTAIN),
    illegal: counter(L.OC_ILLEGAL),
    denied: counter(L.OC_DENIED),
    tableFull: counter(L.OC_TABLE_FULL),
    notices: Array.from({ length: L.NOTICE_CODES }, (_, code) => Number(view.getBigInt64(h + L.OH_NOTICES + 8 * code, true))),
    endReasons: {
      canceled: endReasonBlock(view, L.END_CANCELED),
      rejected: endReasonBlock(view, L.END_REJECTED),
      expired: endReasonBlock(view, L.END_EXPIRED),
    },
  };
}

export function readInstrumentOrderIndex(view: DataView, instrument: number): InstrumentOrderIndex {
  if (!Number.isInteger(instrument) || instrument < 0 || instrument >= L.ORDER_INSTRUMENTS) {
    throw new RangeError(`\`instrument\` must be an integer in [0, ${L.ORDER_INSTRUMENTS}), was ${instrument}`);
  }
  const x = L.ORDERS_INDEX_OFFSET + instrument * L.ORDERS_INDEX_BYTES;
  return {
    head: view.getInt32(x + L.OI_HEAD, true),
    live: view.getInt32(x + L.OI_LIVE, true),
    uncertain: view.getInt32(x + L.OI_UNCERTAIN, true),
    strategySlot: view.getInt32(x + L.OI_STRATEGY_SLOT, true),
    reduceBuy: view.getFloat64(x + L.OI_REDUCE_BUY, true),
    reduceSell: view.getFloat64(x + L.OI_REDUCE_SELL, true),
  };
}
