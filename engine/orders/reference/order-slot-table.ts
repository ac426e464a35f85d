// The reference order table's storage, the plain TS mirror of wasm/assembly/orders/order-table.ts:
// fixed slots with client order ids (the slot of id k is k % capacity; a new order takes the
// next id whose slot is not live), per-instrument lists of live orders linked by slot, state
// changes with their counters, and the working sums derived from the orders' counted leaves
// (the risk slot's pendingBuy / pendingSell through ReferenceRiskEngine.setWorking, the
// index's reduceBuy / reduceSell for reduce-only orders). Same fields, same f64 operations in
// the same order as the core, so every slot and sum agrees bit for bit.
import type { ReferenceRiskEngine } from '../../risk/index.js';
import * as L from '../order-layout.js';
import { isLiveState, isTerminalState } from '../order-state.js';
import type { InstrumentOrderIndex, OrderSlotState, OrderTableCounters } from '../read-order-table.js';
import { FillIdMemory } from './fill-id-memory.js';

export type MutableSlot = { -readonly [K in keyof OrderSlotState]: OrderSlotState[K] };
type MutableIndex = { -readonly [K in keyof InstrumentOrderIndex]: InstrumentOrderIndex[K] };

function emptySlot(slot: number): MutableSlot {
  return {
    slot, id: 0n, instrument: 0, state: L.STATE_EMPTY, orderType: 0, timeInForce: 0, flags: 0, rule: 0, qty: 0, limitPrice: 0, stopPrice: 0,
    filled: 0, averageFillPrice: 0, referencePrice: 0, createdNs: 0n, updatedNs: 0n, deadlineNs: 0n, pendingQty: 0, pendingLimitPrice: 0,
    pendingStopPrice: 0, counted: 0, parentId: 0n, trailOffset: 0, watermark: 0, next: 0, prev: 0, previousState: 0, strategy: 0, fees: 0,
    fillCount: 0, endReason: L.END_REASON_NONE, venueOrderId: 0n,
  };
}

export class OrderSlotTable {
  configured = false;
  capacity = 0;
  live = 0;
  emulated = 0;
  nextId = 0n;
  ackTimeoutNs = 0n;
  cancelTimeoutNs = 0n;
  readonly counters = new Array<number>(L.COUNTER_COUNT).fill(0);
  readonly notices = new Array<number>(L.NOTICE_CODES).fill(0);
  /** Ended orders by reason bucket: END_CANCELED, END_REJECTED, END_EXPIRED blocks of END_REASON_BUCKETS. */
  readonly endReasons = new Array<number>(3 * L.END_REASON_BUCKETS).fill(0);
  readonly fillIds = new FillIdMemory();
  slots: MutableSlot[] = [];
  private readonly index = new Map<number, MutableIndex>();

  constructor(private readonly risk: ReferenceRiskEngine) {}

  configure(capacity: number, ackTimeoutNs: bigint, cancelTimeoutNs: bigint, firstId: bigint): void {
    this.capacity = capacity;
    this.live = 0;
    this.emulated = 0;
    this.nextId = firstId;
    this.ackTimeoutNs = ackTimeoutNs;
    this.cancelTimeoutNs = cancelTimeoutNs;
    this.counters.fill(0);
    this.notices.fill(0);
    this.endReasons.fill(0);
    this.fillIds.clear();
    this.slots = Array.from({ length: capacity }, (_, slot) => emptySlot(slot));
    this.index.clear();
    this.configured = true;
  }

  /** The index block of `instrument` (head -1 and strategySlot -1 until an order uses it). */
  indexOf(instrument: number): MutableIndex {
    let x = this.index.get(instrument);
    if (!x) {
      x = { head: -1, live: 0, uncertain: 0, strategySlot: -1, reduceBuy: 0, reduceSell: 0 };
      this.index.set(instrument, x);
    }
    return x;
  }

  /** Instruments whose index block was ever used, ascending (the order the core's timer walks them). */
  instrumentsInUse(): number[] {
    return [...this.index.keys()].sort((a, b) => a - b);
  }

  bump(counter: number): void {
    this.counters[counter] += 1;
  }

  /** Slot of order `id`, or -1 when no order with that id is in the table. */
  slotOfOrder(id: bigint): number {
    if (id === 0n || !this.configured) return -1;
    const slot = Number(id % BigInt(this.capacity));
    const o = this.slots[slot];
    return o.id === id && o.state !== L.STATE_EMPTY ? slot : -1;
  }

  /** Takes the next free slot and id for a new order on `instrument` (state NEW); -1 when every slot is live. */
  allocateOrder(instrument: number): number {
    if (this.live >= this.capacity) return -1;
    let id = this.nextId;
    let slot = Number(id % BigInt(this.capacity));
    for (let n = 0; n < this.capacity && isLiveState(this.slots[slot].state); n++) {
      id += 1n;
      slot = slot + 1 === this.capacity ? 0 : slot + 1;
    }
    this.nextId = id + 1n;
    const o = emptySlot(slot);
    this.slots[slot] = o;
    o.id = id;
    o.instrument = instrument;
    o.state = L.STATE_NEW;
    const x = this.indexOf(instrument);
    o.next = x.head;
    o.prev = -1;
    if (x.head >= 0) this.slots[x.head].prev = slot;
    x.head = slot;
    x.live += 1;
    this.live += 1;
    return slot;
  }

  private unlinkOrder(slot: number, instrument: number): void {
    const o = this.slots[slot];
    const x = this.indexOf(instrument);
    if (o.prev >= 0) this.slots[o.prev].next = o.next;
    else x.head = o.next;
    if (o.next >= 0) this.slots[o.next].prev = o.prev;
    o.next = -1;
    o.prev = -1;
    x.live -= 1;
    if (x.strategySlot === slot) x.strategySlot = -1;
    this.live -= 1;
  }

  /** Leaves order `o` adds to the working sums in its current state (an unanswered replace: the larger quantity). */
  private countedLeaves(o: MutableSlot): number {
    if (!isLiveState(o.state) || o.state === L.STATE_NEW) return 0;
    const size = Math.max(Math.abs(o.qty), Math.abs(o.pendingQty));
    return Math.max(0, size - Math.abs(o.filled));
  }

  /** The core's adjustWorking: the risk slot's working buys or sells move by `delta`, never below 0. */
  private adjustWorking(instrument: number, buy: boolean, delta: number): void {
    const { pendingBuy, pendingSell } = this.risk.instrumentState(instrument);
    if (buy) this.risk.setWorking(instrument, Math.max(0, pendingBuy + delta), pendingSell);
    else this.risk.setWorking(instrument, pendingBuy, Math.max(0, pendingSell + delta));
  }

  /** Brings order `o`'s share of the working sums up to date (a delta against what it counted). */
  recount(o: MutableSlot): void {
    const next = this.countedLeaves(o);
    const old = o.counted;
    const x = this.indexOf(o.instrument);
    if (next !== old) {
      o.counted = next;
      const buy = o.qty > 0;
      if ((o.flags & L.FLAG_REDUCE_ONLY) !== 0 && o.rule !== L.RULE_STRATEGY) {
        if (buy) x.reduceBuy = Math.max(0, x.reduceBuy + (next - old));
        else x.reduceSell = Math.max(0, x.reduceSell + (next - old));
      } else {
        this.adjustWorking(o.instrument, buy, next - old);
      }
    }
    if (x.live === 0) {
      x.reduceBuy = 0;
      x.reduceSell = 0;
      const { pendingBuy, pendingSell } = this.risk.instrumentState(o.instrument);
      if (pendingBuy !== 0 || pendingSell !== 0) this.risk.setWorking(o.instrument, 0, 0);
    }
  }

  /** Moves the order in `slot` to `state`, keeping the counters, the UNCERTAIN count and the instrument list. */
  setOrderState(slot: number, state: number): void {
    const o = this.slots[slot];
    const old = o.state;
    if (old === state) return;
    const x = this.indexOf(o.instrument);
    if (old === L.STATE_UNCERTAIN) x.uncertain -= 1;
    if (state === L.STATE_UNCERTAIN) {
      x.uncertain += 1;
      this.bump(L.OC_UNCERTAIN);
    }
    if (old === L.STATE_NEW && (o.flags & L.FLAG_EMULATED) !== 0) this.emulated -= 1;
    o.state = state;
    if (isTerminalState(state)) {
      if (state === L.STATE_FILLED) this.bump(L.OC_FILLED);
      else if (state === L.STATE_CANCELED) {
        this.bump(L.OC_CANCELED);
        this.countEndReason(L.END_CANCELED, o.endReason);
      } else if (state === L.STATE_REJECTED) {
        this.bump(L.OC_REJECTED);
        this.countEndReason(L.END_REJECTED, o.endReason);
      } else {
        this.bump(L.OC_EXPIRED);
        this.countEndReason(L.END_EXPIRED, o.endReason);
      }
      this.unlinkOrder(slot, o.instrument);
    }
    this.recount(o);
  }

  /** Ends the order in `slot` CANCELED, REJECTED or EXPIRED (`state`) for `reason` (an endReason value). */
  endOrder(slot: number, state: number, reason: number): void {
    this.slots[slot].endReason = reason;
    this.setOrderState(slot, state);
  }

  private countEndReason(block: number, reason: number): void {
    const bucket = reason === L.END_REASON_VENUE_STATUS ? 1 : reason <= L.END_REASON_NONE ? 0 : reason <= L.END_REASON_CODES ? reason + 1 : L.END_REASON_BUCKETS - 1;
    this.endReasons[block * L.END_REASON_BUCKETS + bucket] += 1;
  }

  snapshotCounters(): OrderTableCounters {
    const c = this.counters;
    return {
      capacity: this.capacity, live: this.live, emulated: this.emulated, nextId: this.nextId, ackTimeoutNs: this.ackTimeoutNs,
      cancelTimeoutNs: this.cancelTimeoutNs, fillIdHead: this.fillIds.head, fillIdCount: this.fillIds.count,
      submitted: c[L.OC_SUBMITTED], held: c[L.OC_HELD], filled: c[L.OC_FILLED], canceled: c[L.OC_CANCELED], rejected: c[L.OC_REJECTED],
      expired: c[L.OC_EXPIRED], fills: c[L.OC_FILLS], partialFills: c[L.OC_PARTIAL_FILLS], cancelsSent: c[L.OC_CANCELS_SENT],
      replacesSent: c[L.OC_REPLACES_SENT], uncertain: c[L.OC_UNCERTAIN], illegal: c[L.OC_ILLEGAL], denied: c[L.OC_DENIED],
      tableFull: c[L.OC_TABLE_FULL], notices: [...this.notices],
      endReasons: {
        canceled: this.endReasons.slice(L.END_CANCELED * L.END_REASON_BUCKETS, (L.END_CANCELED + 1) * L.END_REASON_BUCKETS),
        rejected: this.endReasons.slice(L.END_REJECTED * L.END_REASON_BUCKETS, (L.END_REJECTED + 1) * L.END_REASON_BUCKETS),
        expired: this.endReasons.slice(L.END_EXPIRED * L.END_REASON_BUCKETS, (L.END_EXPIRED + 1) * L.END_REASON_BUCKETS),
      },
    };
  }
}
