// The contract both order tables keep: the WASM core glue (wasm-order-manager.ts) and the
// plain TS reference (reference/reference-order-table.ts). Commands and venue events go
// in; the records they wrote to the outbound ring come back decoded, and the table's state
// reads out as plain objects. Parity tests drive both with the same streams and compare
// every record and every slot. A negative core status is a CoreStatusError
// (engine/core/core-status.ts) on both sides, with the same status.
import type { EventRecord } from '../layout/event-record.js';
import { RULE_MANUAL, TIF_GTC, TYPE_MARKET } from './order-layout.js';
import type { OrderFlowRecord } from './order-records.js';
import type { InstrumentOrderIndex, OrderSlotState, OrderTableCounters } from './read-order-table.js';

export interface OrderTableConfig {
  /** Order slots, 1 .. ORDER_CAPACITY_MAX. */
  readonly capacity: number;
  /** An unacknowledged order, or an unanswered cancel / replace, turns UNCERTAIN after this. */
  readonly ackTimeoutNs: bigint;
  readonly cancelTimeoutNs: bigint;
  /** First client order id (>= 1, < 2^53). */
  readonly firstId: bigint;
}

/** A new order (ordersPlace); omitted fields take the defaults of withOrderDefaults. */
export interface NewOrder {
  readonly instrument: number;
  readonly nowNs: bigint;
  /** Signed quantity: + buy, - sell. */
  readonly qty: number;
  readonly orderType?: number;
  readonly timeInForce?: number;
  /** FLAG_REDUCE_ONLY, FLAG_EMULATED. */
  readonly flags?: number;
  readonly rule?: number;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
  readonly trailOffset?: number;
  /** The price the order was decided at (a market order's check price when > 0). */
  readonly referencePrice?: number;
  /** The entry order an exit protects (0: none). */
  readonly parentId?: bigint;
}

export type CompleteOrder = Required<NewOrder>;

/** A market GTC order placed by hand (RULE_MANUAL), no prices, no parent. */
export function withOrderDefaults(order: NewOrder): CompleteOrder {
  return {
    orderType: TYPE_MARKET, timeInForce: TIF_GTC, flags: 0, rule: RULE_MANUAL, limitPrice: 0, stopPrice: 0, trailOffset: 0, referencePrice: 0, parentId: 0n,
    ...order,
  };
}

/** A change to a live order's quantity and prices (ordersReplace): 0 keeps a price. */
export interface ReplaceRequest {
  readonly orderId: bigint;
  readonly nowNs: bigint;
  /** New signed total quantity: same side, more than is filled. */
  readonly qty: number;
  readonly limitPrice: number;
  readonly stopPrice: number;
  readonly rule: number;
}

/** An inbound venue record (ACK, FILL, CANCELED, REJECT, EXPIRED, ORDER_STATUS; fields: wasm/assembly/orders/order-events.ts); `id` is the client order id. */
export type VenueEvent = EventRecord;

export interface PlaceResult {
  /** sent: an ORDER record went out; held: the core holds it (emulated); refused: a risk record went out. */
  readonly outcome: 'sent' | 'held' | 'refused';
  /** The client order id (0n when refused). */
  readonly orderId: bigint;
  readonly slot: number;
  readonly records: OrderFlowRecord[];
}

export interface ChangeResult {
  /**
   * sent: a CANCEL / REPLACE record went out; applied: a held order changed at once; ignored:
   * the order's state allows no such request now; refused: the increase failed the checks.
   */
  readonly outcome: 'sent' | 'applied' | 'ignored' | 'refused';
  readonly records: OrderFlowRecord[];
}

export interface TimerResult {
  /** Orders that turned UNCERTAIN. */
  readonly timedOut: number;
  readonly records: OrderFlowRecord[];
}

/** An instrument's index block with the entry orders' working sums of its risk slot. */
export interface InstrumentOrders extends InstrumentOrderIndex {
  readonly pendingBuy: number;
  readonly pendingSell: number;
}

export interface OrderManager {
  configure(config: OrderTableConfig): void;
  place(order: NewOrder): PlaceResult;
  cancel(orderId: bigint, nowNs: bigint, rule?: number): ChangeResult;
  replace(request: ReplaceRequest): ChangeResult;
  /** Applies one venue record as the engine loop does (order table, then the portfolio for fills). */
  applyVenueEvent(event: VenueEvent): OrderFlowRecord[];
  /** Runs the acknowledgement and cancel timeouts at `nowNs`. */
  timer(nowNs: bigint): TimerResult;
  /** The order with this id, or null when no slot holds it (never used, or reused since). */
  order(orderId: bigint): OrderSlotState | null;
  /** Every slot ever used, by slot index. */
  slots(): OrderSlotState[];
  counters(): OrderTableCounters;
  instrumentOrders(instrument: number): InstrumentOrders;
}
