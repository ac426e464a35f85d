// Plain TypeScript reference of the core's order table (wasm/assembly/orders): new orders,
// cancels and replaces through the pre-trade checks (order-commands.ts), venue events with
// their notices (order-events.ts, order-notices.ts) and the acknowledgement and cancel
// timeouts (order-timeouts.ts), over the storage of order-slot-table.ts. The rules, the
// f64 operations and their order are the core's, so both write the same records and hold
// the same slots and working sums (test/orders-parity.test.ts). The risk checks, the risk
// clock and the position are ReferenceRiskEngine's (configured and initialised by the caller);
// fills reach its onFill. It has no ring, so it never answers ERR_OUTBOUND_FULL: compare it
// with a core whose outbound ring is kept drained.
import { CoreStatusError } from '../../core/core-status.js';
import { EventKind, KIND_MASK } from '../../layout/event-record.js';
import type { ReferenceRiskEngine } from '../../risk/index.js';
import * as L from '../order-layout.js';
import { withOrderDefaults, type ChangeResult, type InstrumentOrders, type NewOrder, type OrderManager, type OrderTableConfig, type PlaceResult, type ReplaceRequest, type TimerResult, type VenueEvent } from '../order-manager.js';
import type { OrderFlowRecord } from '../order-records.js';
import { isLiveState, isTerminalState } from '../order-state.js';
import type { OrderSlotState, OrderTableCounters } from '../read-order-table.js';
import { OrderSlotTable, type MutableSlot } from './order-slot-table.js';
import { fillKeyOf } from './fill-id-memory.js';

const ERR_BAD_ARGUMENT = -6;
const ERR_RISK_NOT_READY = -80;
const ERR_RISK_UNKNOWN_INSTRUMENT = -82;
const REASON_ORDER_UNCERTAIN = 17;
const REASON_ORDER_TABLE_FULL = 18;
/** A fill within this fraction of the leaves completes the order (order-events.ts). */
const FILL_DUST = 1e-9;
const VENUE_ORDER_KINDS = EventKind.ACK | EventKind.CANCELED | EventKind.REJECT | EventKind.EXPIRED | EventKind.ORDER_STATUS;
const U64_MAX = (1n << 64n) - 1n;

/** The core's `<u64>f64`: truncation toward zero, saturating (NaN and negatives: 0). */
function truncateU64(x: number): bigint {
  if (!(x > -1)) return 0n;
  if (x >= 2 ** 64) return U64_MAX;
  return BigInt(Math.trunc(x));
}

/** The core's `<i32>f64`: truncation toward zero, saturating (NaN: 0). */
/** order-table.ts endReasonOfCode: a venue record's reason code (its a) + 1; END_REASON_NONE for one that is no whole number in [0, 2^30). */
function endReasonOfCode(code: number): number {
  return code >= 0 && code < 1_073_741_824 && code === Math.floor(code) ? code + 1 : L.END_REASON_NONE;
}

function truncateI32(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(x)));
}

/** The working state of an order a venue confirmed live. */
function liveState(o: MutableSlot): number {
  return o.filled !== 0 ? L.STATE_PARTIALLY_FILLED : L.STATE_OPEN;
}

export class ReferenceOrderTable implements OrderManager {
  private readonly table: OrderSlotTable;
  /** Records written by the call in progress. */
  private records: OrderFlowRecord[] = [];

  constructor(readonly risk: ReferenceRiskEngine) {
    this.table = new OrderSlotTable(risk);
  }

  private fail(status: number, operation: string): never {
    throw new CoreStatusError(status, operation);
  }

  private ready(operation: string): void {
    if (!this.table.configured) this.fail(ERR_RISK_NOT_READY, operation);
  }

  /** Records written since the last call to this, for the caller. */
  private takeRecords(): OrderFlowRecord[] {
    const records = this.records;
    this.records = [];
    return records;
  }

  private isConfigured(instrument: number): boolean {
    if (!Number.isInteger(instrument) || instrument < 0 || instrument >= L.ORDER_INSTRUMENTS) return false;
    try {
      this.risk.instrumentState(instrument); // throws for an instrument with no risk configuration
      return true;
    } catch {
      return false;
    }
  }

  configure(config: OrderTableConfig): void {
    const { capacity, ackTimeoutNs, cancelTimeoutNs, firstId } = config;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > L.ORDER_CAPACITY_MAX || ackTimeoutNs <= 0n || cancelTimeoutNs <= 0n) this.fail(ERR_BAD_ARGUMENT, 'ordersConfigure');
    if (firstId < 1n || firstId >= 1n << 53n) this.fail(ERR_BAD_ARGUMENT, 'ordersConfigure');
    this.table.configure(capacity, ackTimeoutNs, cancelTimeoutNs, firstId);
  }

  // --- commands (order-commands.ts) ---

  /** The price the checks value an order at: its limit, its stop, or (market) `refPx` or the mark. */
  private checkPrice(instrument: number, type: number, limitPx: number, stopPx: number, refPx: number): number {
    if (type === L.TYPE_LIMIT || type === L.TYPE_STOP_LIMIT) return limitPx;
    if (type === L.TYPE_STOP) return stopPx;
    if (refPx > 0) return refPx;
    const { hasMark, mark } = this.risk.instrumentState(instrument);
    return hasMark ? mark : 0;
  }

  private refuse(instrument: number, now: bigint, clock: bigint, price: number, qty: number, reason: number, limit: number): void {
    this.table.bump(reason === REASON_ORDER_TABLE_FULL ? L.OC_TABLE_FULL : L.OC_DENIED);
    this.records.push({ record: 'risk', instrument, tsNs: now, clockNs: clock, price, qty, reason, limit, orderId: 0n });
  }

  private writeOrderRecord(o: MutableSlot, now: bigint, clock: bigint, cutBy: number): void {
    this.records.push({
      record: 'order', orderId: o.id, instrument: o.instrument, tsNs: now, clockNs: clock, qty: o.qty, limitPrice: o.limitPrice, stopPrice: o.stopPrice,
      orderType: o.orderType, timeInForce: o.timeInForce, flags: o.flags, rule: o.rule, cutBy,
    });
    this.table.bump(L.OC_SUBMITTED);
  }

  place(order: NewOrder): PlaceResult {
    const o = withOrderDefaults(order);
    const operation = `ordersPlace(instrument ${o.instrument}, qty ${o.qty})`;
    this.ready(operation);
    const { instrument, nowNs: now, qty, orderType: type, timeInForce: tif, flags, rule, limitPrice: limitPx, stopPrice: stopPx, trailOffset, referencePrice: refPx } = o;
    if (!this.isConfigured(instrument) || rule < 0 || rule >= L.RULE_COUNT || (flags & ~3) !== 0) this.fail(ERR_BAD_ARGUMENT, operation);
    const clock = this.risk.advanceRiskClock(now);
    if (!Number.isFinite(qty) || qty === 0 || type < 0 || type >= L.TYPE_COUNT || tif < 0 || tif >= L.TIF_COUNT) this.fail(ERR_BAD_ARGUMENT, operation);
    const needsLimit = type === L.TYPE_LIMIT || type === L.TYPE_STOP_LIMIT;
    const needsStop = type === L.TYPE_STOP || type === L.TYPE_STOP_LIMIT;
    if (needsLimit !== limitPx > 0 || !Number.isFinite(limitPx) || needsStop !== stopPx > 0 || !Number.isFinite(stopPx)) this.fail(ERR_BAD_ARGUMENT, operation);
    if (tif === L.TIF_POST_ONLY && type !== L.TYPE_LIMIT) this.fail(ERR_BAD_ARGUMENT, operation);
    const trailing = type === L.TYPE_TRAILING_STOP;
    if (trailing && (!(trailOffset > 0) || !Number.isFinite(trailOffset) || !(refPx > 0))) this.fail(ERR_BAD_ARGUMENT, operation);
    const held = trailing || (flags & L.FLAG_EMULATED) !== 0;
    const reduceOnly = (flags & L.FLAG_REDUCE_ONLY) !== 0;
    const price = this.checkPrice(instrument, type, limitPx, stopPx, refPx);
    const refused = (reason: number, limit: number): PlaceResult => {
      this.refuse(instrument, now, clock, price, qty, reason, limit);
      return { outcome: 'refused', orderId: 0n, slot: -1, records: this.takeRecords() };
    };
    const exit = this.exitOrder(flags, rule);
    if (!exit && this.table.indexOf(instrument).uncertain > 0) return refused(REASON_ORDER_UNCERTAIN, 0);
    if (!held) {
      const { reason, limit } = this.risk.decideOrder(instrument, qty, price, reduceOnly, qty, exit);
      if (reason !== 0) return refused(reason, limit);
    }
    const slot = this.table.allocateOrder(instrument);
    if (slot < 0) return refused(REASON_ORDER_TABLE_FULL, 0);
    const s = this.table.slots[slot];
    s.orderType = type;
    s.timeInForce = tif;
    s.flags = flags | (held ? L.FLAG_EMULATED : 0);
    s.rule = rule;
    s.qty = qty;
    s.limitPrice = limitPx;
    s.stopPrice = trailing ? (qty > 0 ? refPx + trailOffset : refPx - trailOffset) : stopPx;
    s.referencePrice = refPx;
    s.trailOffset = trailOffset;
    s.watermark = refPx;
    s.parentId = BigInt.asUintN(64, o.parentId);
    s.strategy = 0;
    s.createdNs = now;
    s.updatedNs = now;
    if (held) {
      this.table.emulated += 1;
      this.table.bump(L.OC_HELD);
      return { outcome: 'held', orderId: s.id, slot, records: this.takeRecords() };
    }
    this.risk.countAccepted();
    s.deadlineNs = now + this.table.ackTimeoutNs;
    this.table.setOrderState(slot, L.STATE_PENDING_SUBMIT);
    this.writeOrderRecord(s, now, clock, 0);
    return { outcome: 'sent', orderId: s.id, slot, records: this.takeRecords() };
  }

  /**
   * An exit rule's reduce-only order (or, while halted, the strategy's close): it goes while an
   * order of the instrument is UNCERTAIN and skips the price band (order-commands.ts exitOrder).
   */
  private exitOrder(flags: number, rule: number): boolean {
    return (flags & L.FLAG_REDUCE_ONLY) !== 0 && (rule !== L.RULE_STRATEGY || this.risk.isHalted());
  }

  /** The slot of `orderId` for a cancel or replace, or ERR_BAD_ARGUMENT. */
  private slotForChange(orderId: bigint, operation: string): number {
    this.ready(operation);
    const slot = this.table.slotOfOrder(BigInt.asUintN(64, orderId));
    if (slot < 0) this.fail(ERR_BAD_ARGUMENT, operation);
    return slot;
  }

  // --- held (emulated) orders: what the exit engine does to a held trailing stop ---

  /** The held order with id `orderId` (it must be in the table and held). */
  private heldSlot(orderId: bigint): { slot: number; o: MutableSlot } {
    const slot = this.table.slotOfOrder(orderId);
    if (slot < 0 || this.table.slots[slot].state !== L.STATE_NEW) throw new Error(`order ${orderId} is not a held order of the reference order table`);
    return { slot, o: this.table.slots[slot] };
  }

  /** Moves held trailing stop `orderId` to `watermark` and trigger `stopPrice` (exit-engine.ts writes them in place). */
  trailHeld(orderId: bigint, watermark: number, stopPrice: number): void {
    const { o } = this.heldSlot(orderId);
    o.watermark = watermark;
    o.stopPrice = stopPrice;
  }

  /**
   * Releases held order `orderId` at market at `nowNs` on risk clock `clockNs` (order-commands.ts
   * releaseOrder): the pre-trade checks at the mark, then PENDING_SUBMIT and an ORDER record, or
   * a risk record when refused (the order stays held).
   */
  releaseHeld(orderId: bigint, nowNs: bigint, clockNs: bigint): { released: boolean; records: OrderFlowRecord[] } {
    const { slot, o } = this.heldSlot(orderId);
    const { instrument, qty } = o;
    const price = this.checkPrice(instrument, L.TYPE_MARKET, 0, 0, 0);
    const { reason, limit } = this.risk.decideOrder(instrument, qty, price, (o.flags & L.FLAG_REDUCE_ONLY) !== 0, qty, this.exitOrder(o.flags, o.rule));
    if (reason !== 0) {
      this.refuse(instrument, nowNs, clockNs, price, qty, reason, limit);
      return { released: false, records: this.takeRecords() };
    }
    this.risk.countAccepted();
    o.orderType = L.TYPE_MARKET;
    o.stopPrice = 0;
    o.referencePrice = price;
    o.updatedNs = nowNs;
    o.deadlineNs = nowNs + this.table.ackTimeoutNs;
    this.table.setOrderState(slot, L.STATE_PENDING_SUBMIT);
    this.writeOrderRecord(o, nowNs, clockNs, 0);
    return { released: true, records: this.takeRecords() };
  }

  cancel(orderId: bigint, nowNs: bigint, rule: number = L.RULE_MANUAL): ChangeResult {
    const slot = this.slotForChange(orderId, `ordersCancel(${orderId})`);
    const clock = this.risk.advanceRiskClock(nowNs);
    const o = this.table.slots[slot];
    const state = o.state;
    if (state === L.STATE_NEW) {
      o.updatedNs = nowNs;
      this.table.endOrder(slot, L.STATE_CANCELED, L.END_REASON_CANCEL_REQUESTED);
      return { outcome: 'applied', records: this.takeRecords() };
    }
    if (state !== L.STATE_PENDING_SUBMIT && state !== L.STATE_OPEN && state !== L.STATE_PARTIALLY_FILLED && state !== L.STATE_UNCERTAIN) {
      return { outcome: 'ignored', records: this.takeRecords() };
    }
    this.records.push({ record: 'cancel', orderId: o.id, instrument: o.instrument, tsNs: nowNs, clockNs: clock, leaves: o.qty - o.filled, rule });
    o.previousState = state;
    o.updatedNs = nowNs;
    o.deadlineNs = nowNs + this.table.cancelTimeoutNs;
    this.table.setOrderState(slot, L.STATE_PENDING_CANCEL);
    this.table.bump(L.OC_CANCELS_SENT);
    return { outcome: 'sent', records: this.takeRecords() };
  }

  replace(request: ReplaceRequest): ChangeResult {
    const { orderId, qty, limitPrice: limitPx, stopPrice: stopPx, nowNs: now, rule } = request;
    const operation = `ordersReplace(${orderId}, qty ${qty})`;
    const slot = this.slotForChange(orderId, operation);
    const clock = this.risk.advanceRiskClock(now);
    const o = this.table.slots[slot];
    const state = o.state;
    const old = o.qty;
    if (!Number.isFinite(qty) || qty > 0 !== old > 0 || Math.abs(qty) <= Math.abs(o.filled)) this.fail(ERR_BAD_ARGUMENT, operation);
    if (!Number.isFinite(limitPx) || !Number.isFinite(stopPx) || limitPx < 0 || stopPx < 0) this.fail(ERR_BAD_ARGUMENT, operation);
    if (state === L.STATE_NEW) {
      o.qty = qty;
      if (limitPx > 0) o.limitPrice = limitPx;
      if (stopPx > 0) o.stopPrice = stopPx;
      o.updatedNs = now;
      return { outcome: 'applied', records: this.takeRecords() };
    }
    if (state !== L.STATE_OPEN && state !== L.STATE_PARTIALLY_FILLED) return { outcome: 'ignored', records: this.takeRecords() };
    const instrument = o.instrument;
    const increase = Math.abs(qty) - Math.abs(old);
    if (increase > 0) {
      const more = old > 0 ? increase : -increase;
      const price = this.checkPrice(instrument, o.orderType, limitPx, stopPx, o.referencePrice);
      const exit = this.exitOrder(o.flags, o.rule);
      if (!exit && this.table.indexOf(instrument).uncertain > 0) {
        this.refuse(instrument, now, clock, price, more, REASON_ORDER_UNCERTAIN, 0);
        return { outcome: 'refused', records: this.takeRecords() };
      }
      const { reason, limit } = this.risk.decideOrder(instrument, more, price, (o.flags & L.FLAG_REDUCE_ONLY) !== 0, Math.abs(qty) - Math.abs(o.filled), exit);
      if (reason !== 0) {
        this.refuse(instrument, now, clock, price, more, reason, limit);
        return { outcome: 'refused', records: this.takeRecords() };
      }
      this.risk.countAccepted();
    }
    this.records.push({ record: 'replace', orderId: o.id, instrument, tsNs: now, clockNs: clock, qty, limitPrice: limitPx, stopPrice: stopPx, rule });
    o.pendingQty = qty;
    o.pendingLimitPrice = limitPx;
    o.pendingStopPrice = stopPx;
    o.previousState = state;
    o.updatedNs = now;
    o.deadlineNs = now + this.table.cancelTimeoutNs;
    this.table.setOrderState(slot, L.STATE_PENDING_REPLACE);
    this.table.recount(o);
    this.table.bump(L.OC_REPLACES_SENT);
    return { outcome: 'sent', records: this.takeRecords() };
  }

  // --- notices (order-notices.ts) ---

  private writeNotice(code: number, instrument: number, tsNs: bigint, clockNs: bigint, price: number, qty: number, stateBefore: number, orderId: bigint): void {
    if (code > 0 && code < L.NOTICE_CODES) this.table.notices[code] += 1;
    if (code === L.NOTICE_ILLEGAL_TRANSITION || code === L.NOTICE_OVERFILL || code === L.NOTICE_WRONG_SIDE || code === L.NOTICE_ORDER_ALIVE) this.table.bump(L.OC_ILLEGAL);
    this.records.push({ record: 'notice', orderId, instrument, tsNs, clockNs, price, qty, code, stateBefore });
  }

  /** Notice `code` about `event` for order `o` (in `state` before it). */
  private noticeFor(code: number, o: MutableSlot, event: VenueEvent, state: number, clock: bigint): void {
    this.writeNotice(code, o.instrument, event.tsExchange, clock, event.price, event.size, state, o.id);
  }

  // --- venue events (order-events.ts, through the pipeline's venue stage) ---

  applyVenueEvent(event: VenueEvent): OrderFlowRecord[] {
    const operation = `ordersApplyVenueRecord(kind ${event.kind}, order ${event.id})`;
    this.ready(operation);
    const clock = this.risk.advanceRiskClock(event.tsExchange);
    const status = this.onVenueEvent(event, clock);
    const records = this.takeRecords();
    if (status < 0) this.fail(status, operation);
    return records;
  }

  /**
   * The portfolio's part of a fill, attributed like the core's portfolioApplyFill (order id,
   * rule, parent, decision price; an unknown order: rule -1, no parent, no price), or the
   * core's status for an unknown instrument.
   */
  private applyFill(instrument: number, tsNs: bigint, qty: number, price: number, fee: number, orderId: bigint, o: MutableSlot | null): number {
    if (!this.isConfigured(instrument)) return ERR_RISK_UNKNOWN_INSTRUMENT;
    this.risk.applyFill({
      instrument, tsNs, qty, price, fee, orderId,
      rule: o === null ? -1 : o.rule, parentId: o === null ? 0n : o.parentId, referencePrice: o === null ? 0 : o.referencePrice,
    });
    return 0;
  }

  /** ordersOnVenueRecord: returns 0 or a negative status. */
  private onVenueEvent(event: VenueEvent, clock: bigint): number {
    const kind = event.kind & KIND_MASK;
    if ((kind & EventKind.FILL) !== 0) return this.onFill(event, clock);
    if ((kind & EventKind.ORDER_STATUS) !== 0 && event.a < 0) return this.onAdopt(event, clock);
    const id = BigInt.asUintN(64, event.id);
    const ts = event.tsExchange;
    const slot = this.table.slotOfOrder(id);
    if (slot < 0) {
      if ((kind & VENUE_ORDER_KINDS) !== 0) this.writeNotice(L.NOTICE_UNKNOWN_ORDER, event.instrument, ts, clock, event.price, event.size, 0, id);
      return 0;
    }
    const o = this.table.slots[slot];
    const state = o.state;
    o.updatedNs = ts;
    const notice = (code: number) => this.noticeFor(code, o, event, state, clock);
    const resolved = () => {
      if (state === L.STATE_UNCERTAIN) notice(L.NOTICE_RESOLVED);
    };
    if ((kind & EventKind.ACK) !== 0) {
      if (event.a !== 1) {
        if (state === L.STATE_PENDING_SUBMIT || state === L.STATE_UNCERTAIN) {
          o.venueOrderId = truncateU64(event.b);
          o.deadlineNs = 0n;
          this.table.setOrderState(slot, liveState(o));
          resolved();
        } else if (state === L.STATE_REJECTED || state === L.STATE_NEW) notice(L.NOTICE_ILLEGAL_TRANSITION);
        else if (isTerminalState(state) || o.venueOrderId !== 0n) notice(isTerminalState(state) ? L.NOTICE_LATE_EVENT : L.NOTICE_DUPLICATE_EVENT);
        else {
          // The first ack of an order already live: keep the venue id; a pending cancel now returns it to working.
          o.venueOrderId = truncateU64(event.b);
          if (state === L.STATE_PENDING_CANCEL && (o.previousState === L.STATE_PENDING_SUBMIT || o.previousState === L.STATE_UNCERTAIN)) o.previousState = liveState(o);
        }
        return 0;
      }
      const pending = o.pendingQty;
      if (pending !== 0 && isLiveState(state)) {
        const filled = o.filled;
        o.qty = Math.abs(filled) > Math.abs(pending) ? filled : pending;
        if (o.pendingLimitPrice > 0) o.limitPrice = o.pendingLimitPrice;
        if (o.pendingStopPrice > 0) o.stopPrice = o.pendingStopPrice;
        o.pendingQty = 0;
        const done = Math.abs(filled) >= Math.abs(o.qty) * (1 - FILL_DUST);
        if (done || state !== L.STATE_PENDING_CANCEL) o.deadlineNs = 0n;
        this.table.setOrderState(slot, done ? L.STATE_FILLED : state === L.STATE_PENDING_CANCEL ? L.STATE_PENDING_CANCEL : liveState(o));
        this.table.recount(o);
        resolved();
      } else if (state === L.STATE_NEW) notice(L.NOTICE_ILLEGAL_TRANSITION);
      else notice(isTerminalState(state) ? L.NOTICE_LATE_EVENT : L.NOTICE_DUPLICATE_EVENT);
      return 0;
    }
    if ((kind & EventKind.CANCELED) !== 0) {
      if (state === L.STATE_NEW) notice(L.NOTICE_ILLEGAL_TRANSITION);
      else if (isLiveState(state)) {
        o.deadlineNs = 0n;
        this.table.endOrder(slot, L.STATE_CANCELED, endReasonOfCode(event.a));
        resolved();
      } else notice(state === L.STATE_CANCELED ? L.NOTICE_DUPLICATE_EVENT : L.NOTICE_LATE_EVENT);
      return 0;
    }
    if ((kind & EventKind.REJECT) !== 0) {
      const what = event.b;
      if (what === 1) {
        if (state !== L.STATE_PENDING_CANCEL) notice(L.NOTICE_LATE_EVENT);
        else this.returnToWorking(slot, o);
      } else if (what === 2) {
        if (o.pendingQty === 0 || !isLiveState(state)) notice(L.NOTICE_LATE_EVENT);
        else {
          o.pendingQty = 0;
          if (state === L.STATE_PENDING_REPLACE) this.returnToWorking(slot, o);
          else this.table.recount(o);
        }
      } else if (state === L.STATE_PENDING_SUBMIT || state === L.STATE_UNCERTAIN) {
        o.deadlineNs = 0n;
        this.table.endOrder(slot, L.STATE_REJECTED, endReasonOfCode(event.a));
        resolved();
      } else if (state === L.STATE_REJECTED) notice(L.NOTICE_DUPLICATE_EVENT);
      else notice(isTerminalState(state) ? L.NOTICE_LATE_EVENT : L.NOTICE_ILLEGAL_TRANSITION);
      return 0;
    }
    if ((kind & EventKind.EXPIRED) !== 0) {
      if (state === L.STATE_NEW) notice(L.NOTICE_ILLEGAL_TRANSITION);
      else if (isLiveState(state)) {
        o.deadlineNs = 0n;
        this.table.endOrder(slot, L.STATE_EXPIRED, endReasonOfCode(event.a));
        resolved();
      } else notice(state === L.STATE_EXPIRED ? L.NOTICE_DUPLICATE_EVENT : L.NOTICE_LATE_EVENT);
      return 0;
    }
    if ((kind & EventKind.ORDER_STATUS) !== 0) return this.onStatus(event, slot, o, state, clock);
    return 0;
  }

  /** A rejected cancel or replace: back to the state before the request, as fills left it. */
  private returnToWorking(slot: number, o: MutableSlot): void {
    let back = o.previousState;
    if ((back === L.STATE_PENDING_SUBMIT || back === L.STATE_OPEN) && o.filled !== 0) back = L.STATE_PARTIALLY_FILLED;
    if (back !== L.STATE_PENDING_SUBMIT) o.deadlineNs = 0n;
    this.table.setOrderState(slot, back);
    this.table.recount(o);
  }

  /** order-events.ts onAdopt: a venue order we did not place becomes ours (reconciliation policy 'adopt'). */
  private onAdopt(event: VenueEvent, clock: bigint): number {
    const venueId = BigInt.asUintN(64, event.id);
    const { instrument, size: filled, price: limit, b: qty, tsExchange: ts } = event;
    const state = truncateI32(-event.a);
    if (venueId === 0n || instrument < 0 || instrument >= L.ORDER_INSTRUMENTS || (state !== L.STATE_OPEN && state !== L.STATE_PARTIALLY_FILLED)) return ERR_BAD_ARGUMENT;
    if (!Number.isFinite(qty) || qty === 0 || !Number.isFinite(filled) || !Number.isFinite(limit) || limit < 0) return ERR_BAD_ARGUMENT;
    if (Math.abs(filled) >= Math.abs(qty) || (filled !== 0 && filled > 0 !== qty > 0) || (state === L.STATE_OPEN) !== (filled === 0)) return ERR_BAD_ARGUMENT;
    for (let s = this.table.indexOf(instrument).head; s >= 0; s = this.table.slots[s].next) {
      const o = this.table.slots[s];
      if ((o.flags & L.FLAG_ADOPTED) !== 0 && o.venueOrderId === venueId) {
        this.noticeFor(L.NOTICE_DUPLICATE_EVENT, o, event, o.state, clock);
        return 0;
      }
    }
    const slot = this.table.allocateOrder(instrument);
    if (slot < 0) {
      this.table.bump(L.OC_TABLE_FULL);
      return 0;
    }
    const o = this.table.slots[slot];
    o.orderType = limit > 0 ? L.TYPE_LIMIT : L.TYPE_MARKET;
    o.timeInForce = L.TIF_GTC;
    o.flags = L.FLAG_ADOPTED;
    o.rule = L.RULE_MANUAL;
    o.qty = qty;
    o.limitPrice = limit;
    o.filled = filled;
    o.averageFillPrice = filled !== 0 ? limit : 0;
    o.referencePrice = limit;
    o.createdNs = ts;
    o.updatedNs = ts;
    o.venueOrderId = venueId;
    this.table.setOrderState(slot, state);
    return 0;
  }

  private onStatus(event: VenueEvent, slot: number, o: MutableSlot, state: number, clock: bigint): number {
    const venueState = truncateI32(event.a);
    const cumulative = Math.abs(event.size);
    const notice = (code: number) => this.writeNotice(code, o.instrument, event.tsExchange, clock, event.price, event.size, state, o.id);
    if (venueState <= 0 || venueState >= L.STATE_COUNT || venueState === L.STATE_NEW || !Number.isFinite(cumulative)) return ERR_BAD_ARGUMENT;
    const venueLive = isLiveState(venueState);
    if (isTerminalState(state)) {
      if (venueLive) notice(L.NOTICE_ORDER_ALIVE);
      return 0;
    }
    const filled = Math.abs(o.filled);
    if (cumulative > filled * (1 + FILL_DUST) + FILL_DUST) {
      notice(L.NOTICE_FILL_MISMATCH);
      this.table.setOrderState(slot, L.STATE_UNCERTAIN);
      return 0;
    }
    if (!venueLive) {
      const closed = venueState === L.STATE_FILLED && filled < Math.abs(o.qty) * (1 - FILL_DUST) ? L.STATE_CANCELED : venueState;
      o.deadlineNs = 0n;
      if (closed === L.STATE_FILLED) this.table.setOrderState(slot, closed);
      else this.table.endOrder(slot, closed, L.END_REASON_VENUE_STATUS);
      if (state === L.STATE_UNCERTAIN) notice(L.NOTICE_RESOLVED);
      return 0;
    }
    if (state === L.STATE_UNCERTAIN || state === L.STATE_PENDING_SUBMIT) {
      o.deadlineNs = 0n;
      this.table.setOrderState(slot, liveState(o));
      if (state === L.STATE_UNCERTAIN) notice(L.NOTICE_RESOLVED);
    }
    return 0;
  }

  private onFill(event: VenueEvent, clock: bigint): number {
    const id = BigInt.asUintN(64, event.id);
    const { instrument, size: qty, price, a: fee, tsExchange: ts } = event;
    const fillId = truncateU64(event.b);
    if (!Number.isFinite(qty) || qty === 0 || !Number.isFinite(price) || price <= 0 || !Number.isFinite(fee)) return ERR_BAD_ARGUMENT;
    const notice = (code: number, state: number) => this.writeNotice(code, instrument, ts, clock, price, qty, state, id);
    if (fillId !== 0n && this.table.fillIds.seenBefore(fillKeyOf(fillId, instrument))) {
      notice(L.NOTICE_DUPLICATE_FILL, 0);
      return 0;
    }
    const slot = this.table.slotOfOrder(id);
    if (slot < 0) {
      notice(L.NOTICE_UNKNOWN_ORDER, 0);
      return this.applyFill(instrument, ts, qty, price, fee, id, null);
    }
    const o = this.table.slots[slot];
    const state = o.state;
    const orderQty = o.qty;
    if (o.instrument !== instrument || state === L.STATE_NEW) notice(L.NOTICE_ILLEGAL_TRANSITION, state);
    else if (isTerminalState(state)) notice(L.NOTICE_FILL_AFTER_CLOSE, state);
    else if (qty > 0 !== orderQty > 0) notice(L.NOTICE_WRONG_SIDE, state);
    else {
      const before = o.filled;
      const leaves = Math.abs(orderQty) - Math.abs(before);
      let applied = Math.abs(qty);
      if (applied > leaves * (1 + FILL_DUST)) {
        notice(L.NOTICE_OVERFILL, state);
        applied = leaves;
      }
      const done = applied >= leaves * (1 - FILL_DUST);
      const after = done ? orderQty : before + (qty > 0 ? applied : -applied);
      const total = Math.abs(after);
      o.averageFillPrice = total > 0 ? (o.averageFillPrice * Math.abs(before) + price * (total - Math.abs(before))) / total : price;
      o.filled = after;
      o.fees = o.fees + fee;
      o.fillCount += 1;
      o.updatedNs = ts;
      this.table.bump(L.OC_FILLS);
      if (done) {
        o.deadlineNs = 0n;
        this.table.setOrderState(slot, L.STATE_FILLED);
      } else {
        this.table.bump(L.OC_PARTIAL_FILLS);
        if (state === L.STATE_PENDING_SUBMIT || state === L.STATE_OPEN || state === L.STATE_UNCERTAIN) {
          if (state === L.STATE_PENDING_SUBMIT) o.deadlineNs = 0n;
          this.table.setOrderState(slot, L.STATE_PARTIALLY_FILLED);
        }
        this.table.recount(o);
      }
      if (state === L.STATE_UNCERTAIN) notice(L.NOTICE_RESOLVED, state);
    }
    return this.applyFill(instrument, ts, qty, price, fee, id, o);
  }

  // --- timeouts (order-timeouts.ts) ---

  timer(nowNs: bigint): TimerResult {
    this.ready('ordersTimer');
    const clock = this.risk.advanceRiskClock(nowNs);
    let timedOut = 0;
    for (const instrument of this.table.instrumentsInUse()) {
      const x = this.table.indexOf(instrument);
      if (x.live === 0) continue;
      let slot = x.head;
      while (slot >= 0) {
        const o = this.table.slots[slot];
        const next = o.next;
        const state = o.state;
        if (o.deadlineNs !== 0n && o.deadlineNs <= nowNs && (state === L.STATE_PENDING_SUBMIT || state === L.STATE_PENDING_CANCEL || state === L.STATE_PENDING_REPLACE)) {
          const code = state === L.STATE_PENDING_SUBMIT ? L.NOTICE_ACK_TIMEOUT : state === L.STATE_PENDING_CANCEL ? L.NOTICE_CANCEL_TIMEOUT : L.NOTICE_REPLACE_TIMEOUT;
          o.deadlineNs = 0n;
          this.table.setOrderState(slot, L.STATE_UNCERTAIN);
          this.writeNotice(code, instrument, nowNs, clock, 0, o.qty - o.filled, state, o.id);
          timedOut += 1;
        }
        slot = next;
      }
    }
    return { timedOut, records: this.takeRecords() };
  }

  // --- reading the table ---

  order(orderId: bigint): OrderSlotState | null {
    const slot = this.table.slotOfOrder(BigInt.asUintN(64, orderId));
    return slot < 0 ? null : { ...this.table.slots[slot] };
  }

  slots(): OrderSlotState[] {
    return this.table.slots.filter((o) => o.state !== L.STATE_EMPTY).map((o) => ({ ...o }));
  }

  counters(): OrderTableCounters {
    return this.table.snapshotCounters();
  }

  instrumentOrders(instrument: number): InstrumentOrders {
    const { pendingBuy, pendingSell } = this.risk.instrumentState(instrument);
    return { ...this.table.indexOf(instrument), pendingBuy, pendingSell };
  }
}
