// TS glue over the core's order table (wasm/assembly/orders, exports in order-api.ts):
// scalars in, records out. The core writes its records (commands, notices, risk records of
// refused orders) to the outbound ring at `outRing`; the glue decodes the ones each call
// published, without consuming them (the ring's consumer, the I/O thread or a test,
// releases them), and reads the table through one DataView of the memory.
import { checkCoreStatus } from '../core/core-status.js';
import type { CoreExports } from '../core/wasm-core.js';
import { storeEventRecord } from '../layout/event-record.js';
import { RING_HEADER_BYTES, RING_MASK, RING_PUBLISHED, SCRATCH_REGION_OFFSET, SLOT_SHIFT } from '../layout/memory-map.js';
import { readRiskInstrumentState } from '../risk/index.js';
import { ORDERS_HEADER, OH_CAPACITY, OH_MAGIC, ORDERS_MAGIC, RULE_MANUAL, STATE_EMPTY, STATE_NEW } from './order-layout.js';
import { withOrderDefaults, type ChangeResult, type InstrumentOrders, type NewOrder, type OrderManager, type OrderTableConfig, type PlaceResult, type ReplaceRequest, type TimerResult, type VenueEvent } from './order-manager.js';
import { decodeOrderFlowRecord, type OrderFlowRecord } from './order-records.js';
import { orderSlotOffset, readInstrumentOrderIndex, readOrderSlot, readOrderTableCounters, type OrderSlotState, type OrderTableCounters } from './read-order-table.js';

/** The order-table exports of wasm/assembly/index.ts (u64 ids cross as i64 BigInts). */
export interface OrderCoreExports extends CoreExports {
  ordersConfigure(capacity: number, ackTimeoutNs: bigint, cancelTimeoutNs: bigint, firstId: bigint): number;
  ordersPlace(
    instrument: number, nowNs: bigint, qty: number, type: number, tif: number, flags: number, rule: number, limitPx: number, stopPx: number,
    trailOffset: number, refPx: number, parentId: bigint, ring: number,
  ): number;
  ordersCancel(id: bigint, nowNs: bigint, rule: number, ring: number): number;
  ordersReplace(id: bigint, qty: number, limitPx: number, stopPx: number, nowNs: bigint, rule: number, ring: number): number;
  ordersApplyVenueRecord(record: number, ring: number): number;
  ordersTimer(nowNs: bigint, ring: number): number;
  ordersSlotOffset(id: bigint): number;
  riskSlotOffset(instrument: number): number;
}

/** ordersPlace / ordersReplace: the checks refused (a risk record was written). Not a status. */
const NOT_SENT = -1;

const u64Arg = (value: bigint): bigint => BigInt.asIntN(64, value);

export class WasmOrderManager implements OrderManager {
  private readonly view: DataView;
  private readonly words: Int32Array;

  constructor(
    readonly core: OrderCoreExports,
    memory: WebAssembly.Memory,
    /** Byte offset of the (initialised) ring the core writes its records to. */
    readonly outRing: number,
    /** 64 bytes where applyVenueEvent stages a venue record for the core (scratch by default). */
    readonly venueRecordOffset: number = SCRATCH_REGION_OFFSET,
  ) {
    this.view = new DataView(memory.buffer);
    this.words = new Int32Array(memory.buffer);
  }

  /** The outbound ring's published sequence (what recordsSince starts from). */
  published(): number {
    return Atomics.load(this.words, (this.outRing + RING_PUBLISHED) >> 2) >>> 0;
  }

  /** Decodes the records published in [from, now) of the outbound ring, without consuming them. */
  recordsSince(from: number): OrderFlowRecord[] {
    const records: OrderFlowRecord[] = [];
    const mask = this.view.getInt32(this.outRing + RING_MASK, true);
    const to = this.published();
    for (let seq = from; seq !== to; seq = (seq + 1) >>> 0) {
      records.push(decodeOrderFlowRecord(this.view, this.outRing + RING_HEADER_BYTES + ((seq & mask) << SLOT_SHIFT)));
    }
    return records;
  }

  configure(config: OrderTableConfig): void {
    checkCoreStatus(this.core.ordersConfigure(config.capacity, config.ackTimeoutNs, config.cancelTimeoutNs, u64Arg(config.firstId)), 'ordersConfigure');
  }

  place(order: NewOrder): PlaceResult {
    const o = withOrderDefaults(order);
    const before = this.published();
    const slot = this.core.ordersPlace(
      o.instrument, o.nowNs, o.qty, o.orderType, o.timeInForce, o.flags, o.rule, o.limitPrice, o.stopPrice, o.trailOffset, o.referencePrice,
      u64Arg(o.parentId), this.outRing,
    );
    if (slot === NOT_SENT) return { outcome: 'refused', orderId: 0n, slot: -1, records: this.recordsSince(before) };
    checkCoreStatus(slot, `ordersPlace(instrument ${o.instrument}, qty ${o.qty})`);
    const placed = readOrderSlot(this.view, orderSlotOffset(slot));
    return { outcome: placed.state === STATE_NEW ? 'held' : 'sent', orderId: placed.id, slot, records: this.recordsSince(before) };
  }

  /** Outcome of a cancel / replace call that returned `status` and wrote `records`. */
  private changeResult(status: number, operation: string, records: OrderFlowRecord[], request: 'cancel' | 'replace'): ChangeResult {
    if (status === NOT_SENT && request === 'replace') return { outcome: 'refused', records };
    if (checkCoreStatus(status, operation) === 0) return { outcome: 'ignored', records };
    return { outcome: records.some((record) => record.record === request) ? 'sent' : 'applied', records };
  }

  cancel(orderId: bigint, nowNs: bigint, rule: number = RULE_MANUAL): ChangeResult {
    const before = this.published();
    const status = this.core.ordersCancel(u64Arg(orderId), nowNs, rule, this.outRing);
    return this.changeResult(status, `ordersCancel(${orderId})`, this.recordsSince(before), 'cancel');
  }

  replace(request: ReplaceRequest): ChangeResult {
    const { orderId, qty, limitPrice, stopPrice, nowNs, rule } = request;
    const before = this.published();
    const status = this.core.ordersReplace(u64Arg(orderId), qty, limitPrice, stopPrice, nowNs, rule, this.outRing);
    return this.changeResult(status, `ordersReplace(${orderId}, qty ${qty})`, this.recordsSince(before), 'replace');
  }

  applyVenueEvent(event: VenueEvent): OrderFlowRecord[] {
    const at = this.venueRecordOffset;
    const v = this.view;
    storeEventRecord(v, at, event);
    const before = this.published();
    checkCoreStatus(this.core.ordersApplyVenueRecord(at, this.outRing), `ordersApplyVenueRecord(kind ${event.kind}, order ${event.id})`);
    return this.recordsSince(before);
  }

  timer(nowNs: bigint): TimerResult {
    const before = this.published();
    const timedOut = checkCoreStatus(this.core.ordersTimer(nowNs, this.outRing), 'ordersTimer');
    return { timedOut, records: this.recordsSince(before) };
  }

  order(orderId: bigint): OrderSlotState | null {
    const offset = this.core.ordersSlotOffset(u64Arg(orderId));
    return offset < 0 ? null : readOrderSlot(this.view, offset);
  }

  slots(): OrderSlotState[] {
    if (this.view.getInt32(ORDERS_HEADER + OH_MAGIC, true) !== ORDERS_MAGIC) return [];
    const capacity = this.view.getInt32(ORDERS_HEADER + OH_CAPACITY, true);
    const slots: OrderSlotState[] = [];
    for (let slot = 0; slot < capacity; slot++) {
      const state = readOrderSlot(this.view, orderSlotOffset(slot));
      if (state.state !== STATE_EMPTY) slots.push(state);
    }
    return slots;
  }

  counters(): OrderTableCounters {
    return readOrderTableCounters(this.view);
  }

  instrumentOrders(instrument: number): InstrumentOrders {
    const risk = readRiskInstrumentState(this.view, checkCoreStatus(this.core.riskSlotOffset(instrument), `riskSlotOffset(${instrument})`));
    return { ...readInstrumentOrderIndex(this.view, instrument), pendingBuy: risk.pendingBuy, pendingSell: risk.pendingSell };
  }
}
