// What the venue reports about orders, applied to the order table: ACK, FILL, CANCELED,
// REJECT (inbound), EXPIRED and ORDER_STATUS records, from a live adapter through the inbound
// ring or from the simulated venue in the core. Events are idempotent: a duplicated fill id,
// a fill before its acknowledgement, a cancel acknowledgement after the final fill, a late or
// repeated event all leave the table right, and each event that changes nothing it should is
// written as an ORDER_NOTICE (order-notices.ts). Terminal states are final: no order reaches
// two. Fills always reach the portfolio, even for an unknown or closed order (the venue's
// word is the position's truth); only the order's own state ignores them.
//
//   event      state before                         -> after / notice
//   ACK new    PENDING_SUBMIT                        -> OPEN
//              UNCERTAIN                             -> OPEN (PARTIALLY_FILLED if filled); RESOLVED
//              OPEN, PARTIAL, PENDING_CANCEL/REPLACE -> unchanged; DUPLICATE_EVENT, unless it is the
//                                                       first ack (no venue id yet: a fill or our
//                                                       cancel came first): the venue id is kept, and
//                                                       a pending cancel will return it to working
//              FILLED, CANCELED, EXPIRED             -> unchanged; LATE_EVENT
//              REJECTED, NEW                         -> unchanged; ILLEGAL_TRANSITION
//   ACK replace a live order with an unanswered      -> the requested qty (at least the filled qty)
//              replace (PENDING_REPLACE, UNCERTAIN      and prices; the working state (FILLED when
//              after its timeout, or later)             nothing is left; PENDING_CANCEL stays)
//              otherwise                             -> unchanged; DUPLICATE_EVENT or LATE_EVENT
//   FILL       PENDING_SUBMIT, OPEN, PARTIAL,        -> FILLED when nothing is left, else
//              UNCERTAIN                                PARTIALLY_FILLED (UNCERTAIN: RESOLVED)
//              PENDING_CANCEL, PENDING_REPLACE       -> FILLED when nothing is left, else unchanged
//              terminal                              -> unchanged; FILL_AFTER_CLOSE
//              (more than the leaves: the order is FILLED and the excess still moves the
//               position; OVERFILL. Against the order's side: WRONG_SIDE.)
//   CANCELED   any live state                        -> CANCELED (UNCERTAIN: RESOLVED)
//              CANCELED -> DUPLICATE_EVENT; FILLED, EXPIRED, REJECTED -> LATE_EVENT
//   REJECT     of the order: PENDING_SUBMIT, UNCERTAIN -> REJECTED; acknowledged: ILLEGAL_TRANSITION
//              of a cancel: PENDING_CANCEL -> the state before the request as fills left it
//              (PARTIALLY_FILLED after a fill; PENDING_SUBMIT keeps its ack deadline);
//              of a replace: PENDING_REPLACE -> the same; another live order with an unanswered
//              replace forgets the replace (state unchanged); otherwise LATE_EVENT
//   EXPIRED    any live state -> EXPIRED
//   ORDER_STATUS (reconciliation): the venue's state, cumulative filled and quantity. More
//              filled than applied: UNCERTAIN until the missing fills arrive; FILL_MISMATCH.
//              A closed state closes a live order; a live state resolves an UNCERTAIN or
//              unacknowledged order; a live state for a closed order: ORDER_ALIVE.
//   ORDER_STATUS with a = -state (adoption, reconciliation policy 'adopt'): a working order the
//              venue holds and we did not place. id = the venue's id of it (what its later
//              records carry), b = signed order quantity, size = signed filled so far, price =
//              limit (0: market), state OPEN or PARTIALLY_FILLED. The next engine order id is
//              allocated for it (FLAG_ADOPTED, RULE_MANUAL, GTC, venueId = the record's id) in
//              that working state, so its leaves count in exposure and risk like any order. A
//              live adopted order on the instrument with that venue id already: DUPLICATE_EVENT,
//              ignored. A full table: ignored, counted as TABLE_FULL.
//
// Inbound record fields: ACK price = limit, size = signed qty, a = 0 new / 1 replace, b = venue
// order id; FILL price, size signed, a = fee (quote currency), b = venue fill id (0: none),
// kind | FLAG_MAKER when it added liquidity; CANCELED size = signed qty canceled, a = reason;
// REJECT size = signed qty, a = venue reason, b = 0 order / 1 cancel / 2 replace; EXPIRED size
// = signed qty, a = reason (an order that ends keeps a + 1 as its endReason, order-layout.ts; a
// closed ORDER_STATUS: END_REASON_VENUE_STATUS); ORDER_STATUS price = average fill price, size = signed cumulative filled, a =
// the venue's state (order-layout.ts state codes; negative: adoption, above), b = signed order
// quantity. id = client order id (adoption: the venue's id of the order).
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, KIND_ACK, KIND_CANCELED, KIND_EXPIRED, KIND_FILL, KIND_MASK, KIND_ORDER_STATUS, KIND_REJECT } from '../layout';
import { ERR_BAD_ARGUMENT } from '../errors';
import { INSTRUMENT_CAPACITY } from '../layout';
import { idIndexDelete, idIndexGet, idIndexPut } from '../util/id-index';
import { portfolioApplyFill } from '../portfolio/apply-fill';
import {
  END_REASON_VENUE_STATUS, FILL_ID_FIFO_OFFSET, FILL_ID_INDEX_CAPACITY, FILL_ID_INDEX_OFFSET, FILL_ID_MEMORY, NOTICE_DUPLICATE_EVENT, NOTICE_DUPLICATE_FILL,
  NOTICE_FILL_AFTER_CLOSE, NOTICE_FILL_MISMATCH, NOTICE_ILLEGAL_TRANSITION, NOTICE_LATE_EVENT, NOTICE_ORDER_ALIVE, NOTICE_OVERFILL,
  NOTICE_RESOLVED, NOTICE_UNKNOWN_ORDER, NOTICE_WRONG_SIDE, OC_FILLS, OC_PARTIAL_FILLS, OH_FIFO_COUNT, OH_FIFO_HEAD, ORDERS_HEADER,
  O_AVG_FILL_PX, O_CREATED_NS, O_DEADLINE_NS, O_FLAGS, O_NEXT, O_TIF, O_TYPE, FLAG_ADOPTED, OC_TABLE_FULL, TIF_GTC, TYPE_LIMIT, TYPE_MARKET, RULE_MANUAL, OI_HEAD, orderIndexAddress, O_FEES, O_FILLED, O_FILL_COUNT, O_ID, O_INSTRUMENT, O_LIMIT_PX, O_PARENT_ID, O_PEND_LIMIT_PX, O_PEND_QTY,
  O_PEND_STOP_PX, O_PREV_STATE, O_QTY, O_REF_PX, O_RULE, O_STATE, O_STOP_PX, O_UPDATED_NS, O_VENUE_ID, STATE_CANCELED, STATE_COUNT,
  STATE_EXPIRED, STATE_FILLED, STATE_NEW, STATE_OPEN, STATE_PARTIALLY_FILLED, STATE_PENDING_CANCEL, STATE_PENDING_REPLACE,
  STATE_PENDING_SUBMIT, STATE_REJECTED, STATE_UNCERTAIN, isLive, isTerminal, orderSlotAddress,
} from './order-layout';
import { allocateOrder, bumpCounter, endOrder, endReasonOfCode, recount, setOrderState, slotOfOrder } from './order-table';
import { writeNotice } from './order-notices';

/** ordersOnVenueRecord outcomes (>= 0). */
export const EVENT_IGNORED: i32 = 0; // not an order event, or noticed and left alone
export const EVENT_APPLIED: i32 = 1; // an order changed state (no fill)
export const EVENT_FILL: i32 = 2; // a fill reached the portfolio

/** A fill within this fraction of the leaves completes the order (f64 dust of partial fills). */
const FILL_DUST: f64 = 1e-9;

/** Slot of the order the last fill applied to (-1: none or unknown), for the caller's exits. */
let lastFillSlot: i32 = -1;

// @ts-ignore: decorator
@inline
export function lastFilledSlot(): i32 {
  return lastFillSlot;
}

/**
 * The de-duplication key of a fill: its id within its instrument. Venues such as Binance number
 * trades per symbol, so two instruments' fills may carry one id; fill ids travel as f64 (exact
 * below 2^53) and instruments are below 2^11, so the key is exact for every id a record holds.
 */
// @ts-ignore: decorator
@inline
function fillKey(fillId: u64, instrument: i32): u64 {
  return fillId ^ (<u64>(instrument & 0x7ff) << 53);
}

/** True when the fill with key `fillId` (fillKey) was applied before; otherwise remembers it (forgetting the oldest). */
function seenFill(fillId: u64): bool {
  const index = <usize>FILL_ID_INDEX_OFFSET;
  if (idIndexGet(index, FILL_ID_INDEX_CAPACITY, fillId) >= 0) return true;
  const h = ORDERS_HEADER;
  let head = load<i32>(h, OH_FIFO_HEAD);
  let count = load<i32>(h, OH_FIFO_COUNT);
  const fifo = <usize>FILL_ID_FIFO_OFFSET;
  if (count == FILL_ID_MEMORY) {
    idIndexDelete(index, FILL_ID_INDEX_CAPACITY, load<u64>(fifo + (<usize>head << 3)));
    head = head + 1 == FILL_ID_MEMORY ? 0 : head + 1;
    count--;
  }
  const tail = head + count < FILL_ID_MEMORY ? head + count : head + count - FILL_ID_MEMORY;
  store<u64>(fifo + (<usize>tail << 3), fillId);
  idIndexPut(index, FILL_ID_INDEX_CAPACITY, fillId, 1);
  store<i32>(h, head, OH_FIFO_HEAD);
  store<i32>(h, count + 1, OH_FIFO_COUNT);
  return false;
}

/** Writes notice `code` about the event `record` for the order at `o` (state `state` before it). */
function noticeFor(ring: i32, code: i32, o: usize, record: usize, state: i32, clock: i64): i32 {
  writeNotice(ring, code, load<i32>(o, O_INSTRUMENT), load<i64>(record, EV_TS_EXCHANGE), clock, load<f64>(record, EV_PRICE), load<f64>(record, EV_SIZE), state, load<u64>(o, O_ID));
  return EVENT_IGNORED;
}

/** The working state an order with `filled` of `qty` is in after a venue confirmed it live. */
// @ts-ignore: decorator
@inline
function liveState(o: usize): i32 {
  return load<f64>(o, O_FILLED) != 0.0 ? STATE_PARTIALLY_FILLED : STATE_OPEN;
}

/**
 * Applies one inbound venue record (see the header) at risk clock `clock`; notices and round
 * trips go to `ring`. Returns EVENT_IGNORED, EVENT_APPLIED, EVENT_FILL, or a status
 * (ERR_BAD_ARGUMENT for a malformed record, or the portfolio's status for a fill it refused).
 */
export function ordersOnVenueRecord(record: usize, clock: i64, ring: i32): i32 {
  lastFillSlot = -1;
  const kind = load<i32>(record, EV_KIND) & KIND_MASK;
  if ((kind & KIND_FILL) != 0) return onFill(record, clock, ring);
  if ((kind & KIND_ORDER_STATUS) != 0 && load<f64>(record, EV_A) < 0.0) return onAdopt(record, clock, ring);
  const id = load<u64>(record, EV_ID);
  const ts = load<i64>(record, EV_TS_EXCHANGE);
  const instrument = load<i32>(record, EV_INSTRUMENT);
  const slot = slotOfOrder(id);
  if (slot < 0) {
    if ((kind & (KIND_ACK | KIND_CANCELED | KIND_REJECT | KIND_EXPIRED | KIND_ORDER_STATUS)) == 0) return EVENT_IGNORED;
    writeNotice(ring, NOTICE_UNKNOWN_ORDER, instrument, ts, clock, load<f64>(record, EV_PRICE), load<f64>(record, EV_SIZE), 0, id);
    return EVENT_IGNORED;
  }
  const o = orderSlotAddress(slot);
  const state = load<i32>(o, O_STATE);
  store<i64>(o, ts, O_UPDATED_NS);
  if ((kind & KIND_ACK) != 0) {
    const replace = load<f64>(record, EV_A) == 1.0;
    if (!replace) {
      if (state == STATE_PENDING_SUBMIT || state == STATE_UNCERTAIN) {
        store<u64>(o, <u64>load<f64>(record, EV_B), O_VENUE_ID);
        store<i64>(o, 0, O_DEADLINE_NS);
        setOrderState(slot, liveState(o));
        if (state == STATE_UNCERTAIN) noticeFor(ring, NOTICE_RESOLVED, o, record, state, clock);
        return EVENT_APPLIED;
      }
      if (state == STATE_REJECTED || state == STATE_NEW) return noticeFor(ring, NOTICE_ILLEGAL_TRANSITION, o, record, state, clock);
      if (isTerminal(state) || load<u64>(o, O_VENUE_ID) != 0) return noticeFor(ring, isTerminal(state) ? NOTICE_LATE_EVENT : NOTICE_DUPLICATE_EVENT, o, record, state, clock);
      // The first ack of an order already live (a fill, a reconciliation or our cancel came
      // first): keep the venue's id; an order whose cancel is pending is acknowledged now, so a
      // rejected cancel returns it to working, not to waiting for its ack.
      store<u64>(o, <u64>load<f64>(record, EV_B), O_VENUE_ID);
      const before = load<i32>(o, O_PREV_STATE);
      if (state == STATE_PENDING_CANCEL && (before == STATE_PENDING_SUBMIT || before == STATE_UNCERTAIN)) store<i32>(o, liveState(o), O_PREV_STATE);
      return EVENT_APPLIED;
    }
    const pending = load<f64>(o, O_PEND_QTY);
    if (pending != 0.0 && isLive(state)) {
      // The replace is in force: the requested quantity (never below what is already filled)
      // and prices. An order waiting for a cancel answer keeps waiting.
      const filled = load<f64>(o, O_FILLED);
      store<f64>(o, Math.abs(filled) > Math.abs(pending) ? filled : pending, O_QTY);
      const limit = load<f64>(o, O_PEND_LIMIT_PX);
      const stop = load<f64>(o, O_PEND_STOP_PX);
      if (limit > 0.0) store<f64>(o, limit, O_LIMIT_PX);
      if (stop > 0.0) store<f64>(o, stop, O_STOP_PX);
      store<f64>(o, 0.0, O_PEND_QTY);
      const done = Math.abs(filled) >= Math.abs(load<f64>(o, O_QTY)) * (1.0 - FILL_DUST);
      if (done || state != STATE_PENDING_CANCEL) store<i64>(o, 0, O_DEADLINE_NS);
      setOrderState(slot, done ? STATE_FILLED : state == STATE_PENDING_CANCEL ? STATE_PENDING_CANCEL : liveState(o));
      recount(o);
      if (state == STATE_UNCERTAIN) noticeFor(ring, NOTICE_RESOLVED, o, record, state, clock);
      return EVENT_APPLIED;
    }
    if (state == STATE_NEW) return noticeFor(ring, NOTICE_ILLEGAL_TRANSITION, o, record, state, clock);
    return noticeFor(ring, isTerminal(state) ? NOTICE_LATE_EVENT : NOTICE_DUPLICATE_EVENT, o, record, state, clock);
  }
  if ((kind & KIND_CANCELED) != 0) {
    if (state == STATE_NEW) return noticeFor(ring, NOTICE_ILLEGAL_TRANSITION, o, record, state, clock);
    if (isLive(state)) {
      store<i64>(o, 0, O_DEADLINE_NS);
      endOrder(slot, STATE_CANCELED, endReasonOfCode(load<f64>(record, EV_A)));
      if (state == STATE_UNCERTAIN) noticeFor(ring, NOTICE_RESOLVED, o, record, state, clock);
      return EVENT_APPLIED;
    }
    return noticeFor(ring, state == STATE_CANCELED ? NOTICE_DUPLICATE_EVENT : NOTICE_LATE_EVENT, o, record, state, clock);
  }
  if ((kind & KIND_REJECT) != 0) {
    const what = load<f64>(record, EV_B);
    if (what == 1.0) {
      if (state != STATE_PENDING_CANCEL) return noticeFor(ring, NOTICE_LATE_EVENT, o, record, state, clock);
      returnToWorking(slot, o);
      return EVENT_APPLIED;
    }
    if (what == 2.0) {
      if (load<f64>(o, O_PEND_QTY) == 0.0 || !isLive(state)) return noticeFor(ring, NOTICE_LATE_EVENT, o, record, state, clock);
      store<f64>(o, 0.0, O_PEND_QTY);
      if (state == STATE_PENDING_REPLACE) returnToWorking(slot, o);
      else recount(o);
      return EVENT_APPLIED;
    }
    if (state == STATE_PENDING_SUBMIT || state == STATE_UNCERTAIN) {
      store<i64>(o, 0, O_DEADLINE_NS);
      endOrder(slot, STATE_REJECTED, endReasonOfCode(load<f64>(record, EV_A)));
      if (state == STATE_UNCERTAIN) noticeFor(ring, NOTICE_RESOLVED, o, record, state, clock);
      return EVENT_APPLIED;
    }
    if (state == STATE_REJECTED) return noticeFor(ring, NOTICE_DUPLICATE_EVENT, o, record, state, clock);
    return noticeFor(ring, isTerminal(state) ? NOTICE_LATE_EVENT : NOTICE_ILLEGAL_TRANSITION, o, record, state, clock);
  }
  if ((kind & KIND_EXPIRED) != 0) {
    if (state == STATE_NEW) return noticeFor(ring, NOTICE_ILLEGAL_TRANSITION, o, record, state, clock);
    if (isLive(state)) {
      store<i64>(o, 0, O_DEADLINE_NS);
      endOrder(slot, STATE_EXPIRED, endReasonOfCode(load<f64>(record, EV_A)));
      if (state == STATE_UNCERTAIN) noticeFor(ring, NOTICE_RESOLVED, o, record, state, clock);
      return EVENT_APPLIED;
    }
    return noticeFor(ring, state == STATE_EXPIRED ? NOTICE_DUPLICATE_EVENT : NOTICE_LATE_EVENT, o, record, state, clock);
  }
  if ((kind & KIND_ORDER_STATUS) != 0) return onStatus(record, slot, o, state, clock, ring);
  return EVENT_IGNORED;
}

/**
 * A rejected cancel or replace: the order returns to its state before the request, as the
 * events since left it (a fill made it PARTIALLY_FILLED); an order still unacknowledged keeps
 * waiting for its ack until the request's deadline, then the timer turns it UNCERTAIN.
 */
function returnToWorking(slot: i32, o: usize): void {
  let back = load<i32>(o, O_PREV_STATE);
  if ((back == STATE_PENDING_SUBMIT || back == STATE_OPEN) && load<f64>(o, O_FILLED) != 0.0) back = STATE_PARTIALLY_FILLED;
  if (back != STATE_PENDING_SUBMIT) store<i64>(o, 0, O_DEADLINE_NS);
  setOrderState(slot, back);
  recount(o);
}

/** Adopts the venue order the record describes (see the header). */
function onAdopt(record: usize, clock: i64, ring: i32): i32 {
  const venueId = load<u64>(record, EV_ID);
  const instrument = load<i32>(record, EV_INSTRUMENT);
  const state = <i32>(-load<f64>(record, EV_A));
  const qty = load<f64>(record, EV_B);
  const filled = load<f64>(record, EV_SIZE);
  const limit = load<f64>(record, EV_PRICE);
  const ts = load<i64>(record, EV_TS_EXCHANGE);
  if (venueId == 0 || instrument < 0 || instrument >= INSTRUMENT_CAPACITY || (state != STATE_OPEN && state != STATE_PARTIALLY_FILLED)) return ERR_BAD_ARGUMENT;
  if (!isFinite<f64>(qty) || qty == 0.0 || !isFinite<f64>(filled) || !isFinite<f64>(limit) || limit < 0.0) return ERR_BAD_ARGUMENT;
  if (Math.abs(filled) >= Math.abs(qty) || (filled != 0.0 && (filled > 0.0) != (qty > 0.0)) || (state == STATE_OPEN) != (filled == 0.0)) return ERR_BAD_ARGUMENT;
  for (let s = load<i32>(orderIndexAddress(instrument), OI_HEAD); s >= 0; s = load<i32>(orderSlotAddress(s), O_NEXT)) {
    const o = orderSlotAddress(s);
    if ((load<i32>(o, O_FLAGS) & FLAG_ADOPTED) != 0 && load<u64>(o, O_VENUE_ID) == venueId) return noticeFor(ring, NOTICE_DUPLICATE_EVENT, o, record, load<i32>(o, O_STATE), clock);
  }
  const slot = allocateOrder(instrument);
  if (slot < 0) {
    bumpCounter(OC_TABLE_FULL);
    return EVENT_IGNORED;
  }
  const o = orderSlotAddress(slot);
  store<i32>(o, limit > 0.0 ? TYPE_LIMIT : TYPE_MARKET, O_TYPE);
  store<i32>(o, TIF_GTC, O_TIF);
  store<i32>(o, FLAG_ADOPTED, O_FLAGS);
  store<i32>(o, RULE_MANUAL, O_RULE);
  store<f64>(o, qty, O_QTY);
  store<f64>(o, limit, O_LIMIT_PX);
  store<f64>(o, filled, O_FILLED);
  // The venue's average fill price is not in the record: a limit order's fills are at its limit or better.
  store<f64>(o, filled != 0.0 ? limit : 0.0, O_AVG_FILL_PX);
  store<f64>(o, limit, O_REF_PX);
  store<i64>(o, ts, O_CREATED_NS);
  store<i64>(o, ts, O_UPDATED_NS);
  store<u64>(o, venueId, O_VENUE_ID);
  setOrderState(slot, state);
  return EVENT_APPLIED;
}

function onStatus(record: usize, slot: i32, o: usize, state: i32, clock: i64, ring: i32): i32 {
  const venueState = <i32>load<f64>(record, EV_A);
  const cumulative = Math.abs(load<f64>(record, EV_SIZE));
  const ts = load<i64>(record, EV_TS_EXCHANGE);
  const id = load<u64>(o, O_ID);
  const instrument = load<i32>(o, O_INSTRUMENT);
  if (venueState <= 0 || venueState >= STATE_COUNT || venueState == STATE_NEW || !isFinite<f64>(cumulative)) return ERR_BAD_ARGUMENT;
  const venueLive = isLive(venueState);
  if (isTerminal(state)) {
    if (venueLive) writeNotice(ring, NOTICE_ORDER_ALIVE, instrument, ts, clock, load<f64>(record, EV_PRICE), load<f64>(record, EV_SIZE), state, id);
    return EVENT_IGNORED;
  }
  const filled = Math.abs(load<f64>(o, O_FILLED));
  if (cumulative > filled * (1.0 + FILL_DUST) + FILL_DUST) {
    writeNotice(ring, NOTICE_FILL_MISMATCH, instrument, ts, clock, load<f64>(record, EV_PRICE), load<f64>(record, EV_SIZE), state, id);
    setOrderState(slot, STATE_UNCERTAIN);
    return EVENT_APPLIED;
  }
  if (!venueLive) {
    const closed = venueState == STATE_FILLED && filled < Math.abs(load<f64>(o, O_QTY)) * (1.0 - FILL_DUST) ? STATE_CANCELED : venueState;
    store<i64>(o, 0, O_DEADLINE_NS);
    if (closed == STATE_FILLED) setOrderState(slot, closed);
    else endOrder(slot, closed, END_REASON_VENUE_STATUS);
    if (state == STATE_UNCERTAIN) writeNotice(ring, NOTICE_RESOLVED, instrument, ts, clock, load<f64>(record, EV_PRICE), load<f64>(record, EV_SIZE), state, id);
    return EVENT_APPLIED;
  }
  if (state == STATE_UNCERTAIN || state == STATE_PENDING_SUBMIT) {
    store<i64>(o, 0, O_DEADLINE_NS);
    setOrderState(slot, liveState(o));
    if (state == STATE_UNCERTAIN) writeNotice(ring, NOTICE_RESOLVED, instrument, ts, clock, load<f64>(record, EV_PRICE), load<f64>(record, EV_SIZE), state, id);
    return EVENT_APPLIED;
  }
  return EVENT_IGNORED;
}

function onFill(record: usize, clock: i64, ring: i32): i32 {
  const id = load<u64>(record, EV_ID);
  const instrument = load<i32>(record, EV_INSTRUMENT);
  const qty = load<f64>(record, EV_SIZE);
  const price = load<f64>(record, EV_PRICE);
  const fee = load<f64>(record, EV_A);
  const fillId = <u64>load<f64>(record, EV_B);
  const ts = load<i64>(record, EV_TS_EXCHANGE);
  if (!isFinite<f64>(qty) || qty == 0.0 || !isFinite<f64>(price) || price <= 0.0 || !isFinite<f64>(fee)) return ERR_BAD_ARGUMENT;
  if (fillId != 0 && seenFill(fillKey(fillId, instrument))) {
    writeNotice(ring, NOTICE_DUPLICATE_FILL, instrument, ts, clock, price, qty, 0, id);
    return EVENT_IGNORED;
  }
  const slot = slotOfOrder(id);
  if (slot < 0) {
    writeNotice(ring, NOTICE_UNKNOWN_ORDER, instrument, ts, clock, price, qty, 0, id);
    const status = portfolioApplyFill(instrument, ts, qty, price, fee, id, -1, 0, 0.0, ring);
    return status < 0 ? status : EVENT_FILL;
  }
  const o = orderSlotAddress(slot);
  const state = load<i32>(o, O_STATE);
  const orderQty = load<f64>(o, O_QTY);
  const rule = load<i32>(o, O_RULE);
  const parent = load<u64>(o, O_PARENT_ID);
  const refPx = load<f64>(o, O_REF_PX);
  if (load<i32>(o, O_INSTRUMENT) != instrument || state == STATE_NEW) {
    writeNotice(ring, NOTICE_ILLEGAL_TRANSITION, instrument, ts, clock, price, qty, state, id);
  } else if (isTerminal(state)) {
    writeNotice(ring, NOTICE_FILL_AFTER_CLOSE, instrument, ts, clock, price, qty, state, id);
  } else if ((qty > 0.0) != (orderQty > 0.0)) {
    writeNotice(ring, NOTICE_WRONG_SIDE, instrument, ts, clock, price, qty, state, id);
  } else {
    const before = load<f64>(o, O_FILLED);
    const leaves = Math.abs(orderQty) - Math.abs(before);
    let applied = Math.abs(qty);
    if (applied > leaves * (1.0 + FILL_DUST)) {
      writeNotice(ring, NOTICE_OVERFILL, instrument, ts, clock, price, qty, state, id);
      applied = leaves;
    }
    const done = applied >= leaves * (1.0 - FILL_DUST);
    const after = done ? orderQty : before + (qty > 0.0 ? applied : -applied);
    const total = Math.abs(after);
    store<f64>(o, total > 0.0 ? (load<f64>(o, O_AVG_FILL_PX) * Math.abs(before) + price * (total - Math.abs(before))) / total : price, O_AVG_FILL_PX);
    store<f64>(o, after, O_FILLED);
    store<f64>(o, load<f64>(o, O_FEES) + fee, O_FEES);
    store<i32>(o, load<i32>(o, O_FILL_COUNT) + 1, O_FILL_COUNT);
    store<i64>(o, ts, O_UPDATED_NS);
    bumpCounter(OC_FILLS);
    if (done) {
      store<i64>(o, 0, O_DEADLINE_NS);
      setOrderState(slot, STATE_FILLED);
    } else {
      bumpCounter(OC_PARTIAL_FILLS);
      if (state == STATE_PENDING_SUBMIT || state == STATE_OPEN || state == STATE_UNCERTAIN) {
        if (state == STATE_PENDING_SUBMIT) store<i64>(o, 0, O_DEADLINE_NS);
        setOrderState(slot, STATE_PARTIALLY_FILLED);
      }
      recount(o);
    }
    if (state == STATE_UNCERTAIN) writeNotice(ring, NOTICE_RESOLVED, instrument, ts, clock, price, qty, state, id);
    lastFillSlot = slot;
  }
  const status = portfolioApplyFill(instrument, ts, qty, price, fee, id, rule, parent, refPx, ring);
  return status < 0 ? status : EVENT_FILL;
}
