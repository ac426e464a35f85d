// Commands of the core to a venue: new orders, cancels and replaces, each written to the
// outbound ring (the I/O thread journals and sends it; a simulated instrument's venue takes
// it in the core as well: venue/venue-intake.ts). A new order passes the pre-trade checks
// first (risk/risk-checks.ts); a refusal is a risk record, and the order takes no id and no
// slot. Orders the core emulates (trailing stops) are held (NEW) and sent as market orders
// when their trigger is hit (releaseOrder).
//
// ORDER record (kind = ORDER | DIRECTION_OUTBOUND):
//
//   0      4      8              16             24             32             40             48             56            64
//   | kind | inst | ts_exchange  | ts_local     | price (f64)  | size (f64)   | a (f64)      | b (f64)      | id (u64)    |
//                   decision time  risk clock     limit price    signed qty     stop price     attributes     client order id
//                                                 (0: none)      (+ buy)        (0: none)
//   attributes = type + 16 * tif + 256 * flags + 65536 * rule + 16777216 * cutBy (an integer
//   in the f64; types, tifs, flags, rules: order-layout.ts; cutBy: the risk reason code of the
//   exposure limit a strategy order was cut to fit, 0 when it was not cut)
//
// CANCEL record (kind = CANCEL | DIRECTION_OUTBOUND): price 0, size = signed leaves when
// asked, a 0, b = rule that asked, id = client order id.
// REPLACE record (kind = REPLACE | DIRECTION_OUTBOUND): price = new limit price (0: none),
// size = new signed total quantity (filled + new leaves), a = new stop price (0: none),
// b = rule that asked, id = client order id.
import { DIRECTION_OUTBOUND, EV_A, EV_B, EV_ID, EV_PRICE, EV_SIZE, KIND_CANCEL, KIND_ORDER, KIND_REPLACE } from '../layout';
import { ERR_BAD_ARGUMENT, ERR_OUTBOUND_FULL } from '../errors';
import { ringFreeSlots } from '../ring';
import { outboundClaim, outboundPublish, writeRecordHead } from '../outbound';
import { RISK_ACCEPTED, REASON_ORDER_TABLE_FULL, REASON_ORDER_UNCERTAIN } from '../risk/risk-reasons';
import { riskCountAccepted, riskDecide, riskDeniedLimit } from '../risk/risk-checks';
import { publishRiskRecord } from '../risk/risk-records';
import { RH_HALTED, RISK_HEADER, RS_HAS_MARK, RS_MARK, riskSlotAddress } from '../risk/risk-layout';
import { venueTakeCommand } from '../venue/venue-intake';
import {
  END_REASON_CANCEL_REQUESTED, FLAG_EMULATED, FLAG_REDUCE_ONLY, OC_CANCELS_SENT, OC_DENIED, OC_HELD, OC_REPLACES_SENT, OC_SUBMITTED, OC_TABLE_FULL, O_CREATED_NS, O_DEADLINE_NS,
  O_FILLED, O_FLAGS, O_ID, O_INSTRUMENT, O_LIMIT_PX, O_NEXT, O_PARENT_ID, O_PEND_LIMIT_PX, O_PEND_QTY, O_PEND_STOP_PX, O_PREV_STATE, O_QTY, O_REF_PX,
  O_RULE, O_STATE, O_STOP_PX, O_STRATEGY, O_TIF, O_TRAIL_OFFSET, O_TYPE, O_UPDATED_NS, O_WATERMARK, RULE_STRATEGY, STATE_CANCELED, STATE_NEW, STATE_OPEN,
  STATE_PARTIALLY_FILLED, STATE_PENDING_CANCEL, STATE_PENDING_REPLACE, STATE_PENDING_SUBMIT, STATE_UNCERTAIN, TIF_COUNT, TIF_POST_ONLY,
  TYPE_COUNT, TYPE_LIMIT, TYPE_MARKET, TYPE_STOP, TYPE_STOP_LIMIT, TYPE_TRAILING_STOP, OI_HEAD, orderIndexAddress, orderSlotAddress,
} from './order-layout';
import { ackTimeoutNs, allocateOrder, bumpCounter, cancelTimeoutNs, countHeld, endOrder, ordersReady, recount, setOrderState, uncertainOn } from './order-table';

/** submitOrder / replaceOrder: the pre-trade checks refused; the risk record is written (lastRefusal()). */
export const NOT_SENT: i32 = -1;

let refusal: i32 = 0;

/** Risk reason of the last refusal. */
// @ts-ignore: decorator
@inline
export function lastRefusal(): i32 {
  return refusal;
}

/** The ORDER record's attributes field (see the header). */
// @ts-ignore: decorator
@inline
export function orderAttributes(type: i32, tif: i32, flags: i32, rule: i32, cutBy: i32): f64 {
  return <f64>(type + (tif << 4) + (flags << 8) + (rule << 16)) + <f64>cutBy * 16777216.0;
}

/**
 * True for an order that goes while an order on its instrument is UNCERTAIN and skips the price
 * band: an exit rule's reduce-only order (a stop or profit tier lies away from the market by
 * design), and while the kill switch is halted, the strategy's close to its flat target (the
 * flatten goes at once, as before). A strategy's reduce-only close otherwise waits like any
 * order: on a venue with no reduce-only (Binance spot) it is a plain sell, and a second close
 * sent while the first one's fate is unknown would sell past flat; and a close priced far from
 * the mark is a bad price.
 */
// @ts-ignore: decorator
@inline
function exitOrder(flags: i32, rule: i32): bool {
  return (flags & FLAG_REDUCE_ONLY) != 0 && (rule != RULE_STRATEGY || load<i32>(RISK_HEADER, RH_HALTED) != 0);
}

/** The price the checks value an order at: its limit, its stop, or (market) `refPx` or the mark. */
// @ts-ignore: decorator
@inline
function checkPrice(instrument: i32, type: i32, limitPx: f64, stopPx: f64, refPx: f64): f64 {
  if (type == TYPE_LIMIT || type == TYPE_STOP_LIMIT) return limitPx;
  if (type == TYPE_STOP) return stopPx;
  if (refPx > 0.0) return refPx;
  const s = riskSlotAddress(instrument);
  return load<i32>(s, RS_HAS_MARK) == 1 ? load<f64>(s, RS_MARK) : 0.0;
}

function writeOrderRecord(o: usize, now: i64, clock: i64, cutBy: i32, ring: i32): void {
  const record = outboundClaim(ring);
  if (record == 0) return; // the callers checked the room
  writeRecordHead(record, KIND_ORDER | DIRECTION_OUTBOUND, load<i32>(o, O_INSTRUMENT), now, clock);
  store<f64>(record, load<f64>(o, O_LIMIT_PX), EV_PRICE);
  store<f64>(record, load<f64>(o, O_QTY), EV_SIZE);
  store<f64>(record, load<f64>(o, O_STOP_PX), EV_A);
  store<f64>(record, orderAttributes(load<i32>(o, O_TYPE), load<i32>(o, O_TIF), load<i32>(o, O_FLAGS), load<i32>(o, O_RULE), cutBy), EV_B);
  store<u64>(record, load<u64>(o, O_ID), EV_ID);
  outboundPublish(ring);
  venueTakeCommand(record, now);
  bumpCounter(OC_SUBMITTED);
}

function refuse(ring: i32, instrument: i32, now: i64, clock: i64, price: f64, qty: f64, reason: i32, limit: f64): i32 {
  refusal = reason;
  bumpCounter(reason == REASON_ORDER_TABLE_FULL ? OC_TABLE_FULL : OC_DENIED);
  publishRiskRecord(ring, instrument, now, clock, price, qty, reason, limit, 0);
  return NOT_SENT;
}

/**
 * A new order of signed `qty` on `instrument` at decision time `now` (risk clock `clock`):
 * `type`, `tif`, `flags` and `rule` as in order-layout.ts; `limitPx` / `stopPx` where the type
 * has them (else 0); `trailOffset` (> 0) for a trailing stop, which the core holds and trails
 * from `refPx`; `refPx` the price it was decided at; `parentId` the entry order an exit
 * protects (0: none); `cutBy` the limit a strategy order was cut to fit (0: none).
 * While an order on the instrument is UNCERTAIN its position may differ from what the table
 * knows, so only exit rules' reduce-only orders (which the venue never lets add exposure) go
 * (exitOrder: not a strategy's close, unless halted); any other order, a replace that adds to
 * one, and any order with no free slot, is refused like a risk denial. Returns the order's
 * slot (>= 0), NOT_SENT (refused: risk record written), ERR_BAD_ARGUMENT or ERR_OUTBOUND_FULL
 * (nothing done).
 */
export function submitOrder(
  instrument: i32, now: i64, clock: i64, qty: f64, type: i32, tif: i32, flags: i32, rule: i32, limitPx: f64, stopPx: f64,
  trailOffset: f64, refPx: f64, parentId: u64, cutBy: i32, ring: i32,
): i32 {
  if (!isFinite<f64>(qty) || qty == 0.0 || type < 0 || type >= TYPE_COUNT || tif < 0 || tif >= TIF_COUNT) return ERR_BAD_ARGUMENT;
  const needsLimit = type == TYPE_LIMIT || type == TYPE_STOP_LIMIT;
  const needsStop = type == TYPE_STOP || type == TYPE_STOP_LIMIT;
  if (needsLimit != (limitPx > 0.0) || !isFinite<f64>(limitPx) || needsStop != (stopPx > 0.0) || !isFinite<f64>(stopPx)) return ERR_BAD_ARGUMENT;
  if (tif == TIF_POST_ONLY && type != TYPE_LIMIT) return ERR_BAD_ARGUMENT;
  const trailing = type == TYPE_TRAILING_STOP;
  if (trailing && (!(trailOffset > 0.0) || !isFinite<f64>(trailOffset) || !(refPx > 0.0))) return ERR_BAD_ARGUMENT;
  if (ringFreeSlots(ring) < 1) return ERR_OUTBOUND_FULL;
  const held = trailing || (flags & FLAG_EMULATED) != 0;
  const reduceOnly = (flags & FLAG_REDUCE_ONLY) != 0;
  const price = checkPrice(instrument, type, limitPx, stopPx, refPx);
  const exit = exitOrder(flags, rule);
  if (!exit && uncertainOn(instrument) > 0) return refuse(ring, instrument, now, clock, price, qty, REASON_ORDER_UNCERTAIN, 0.0);
  if (!held) {
    const reason = riskDecide(instrument, qty, price, clock, reduceOnly, qty, exit);
    if (reason != RISK_ACCEPTED) return refuse(ring, instrument, now, clock, price, qty, reason, riskDeniedLimit());
  }
  const slot = allocateOrder(instrument);
  if (slot < 0) return refuse(ring, instrument, now, clock, price, qty, REASON_ORDER_TABLE_FULL, 0.0);
  const o = orderSlotAddress(slot);
  store<i32>(o, type, O_TYPE);
  store<i32>(o, tif, O_TIF);
  store<i32>(o, flags | (held ? FLAG_EMULATED : 0), O_FLAGS);
  store<i32>(o, rule, O_RULE);
  store<f64>(o, qty, O_QTY);
  store<f64>(o, limitPx, O_LIMIT_PX);
  store<f64>(o, trailing ? (qty > 0.0 ? refPx + trailOffset : refPx - trailOffset) : stopPx, O_STOP_PX);
  store<f64>(o, refPx, O_REF_PX);
  store<f64>(o, trailOffset, O_TRAIL_OFFSET);
  store<f64>(o, refPx, O_WATERMARK);
  store<u64>(o, parentId, O_PARENT_ID);
  store<i32>(o, 0, O_STRATEGY);
  store<i64>(o, now, O_CREATED_NS);
  store<i64>(o, now, O_UPDATED_NS);
  if (held) {
    countHeld();
    bumpCounter(OC_HELD);
    return slot;
  }
  riskCountAccepted(clock);
  store<i64>(o, now + ackTimeoutNs(), O_DEADLINE_NS);
  setOrderState(slot, STATE_PENDING_SUBMIT);
  writeOrderRecord(o, now, clock, cutBy, ring);
  return slot;
}

/**
 * Sends the held (emulated) order in `slot` as a market order: its trigger was hit at `now`.
 * Returns 1 when sent, NOT_SENT (an OrderDeferred / OrderDenied record was written: it stays
 * held and the caller retries on a later price), or ERR_OUTBOUND_FULL.
 */
export function releaseOrder(slot: i32, now: i64, clock: i64, ring: i32): i32 {
  if (ringFreeSlots(ring) < 1) return ERR_OUTBOUND_FULL;
  const o = orderSlotAddress(slot);
  const instrument = load<i32>(o, O_INSTRUMENT);
  const qty = load<f64>(o, O_QTY);
  const price = checkPrice(instrument, TYPE_MARKET, 0.0, 0.0, 0.0);
  const flags = load<i32>(o, O_FLAGS);
  const reason = riskDecide(instrument, qty, price, clock, (flags & FLAG_REDUCE_ONLY) != 0, qty, exitOrder(flags, load<i32>(o, O_RULE)));
  if (reason != RISK_ACCEPTED) return refuse(ring, instrument, now, clock, price, qty, reason, riskDeniedLimit());
  riskCountAccepted(clock);
  store<i32>(o, TYPE_MARKET, O_TYPE);
  store<f64>(o, 0.0, O_STOP_PX);
  store<f64>(o, price, O_REF_PX);
  store<i64>(o, now, O_UPDATED_NS);
  store<i64>(o, now + ackTimeoutNs(), O_DEADLINE_NS);
  setOrderState(slot, STATE_PENDING_SUBMIT);
  writeOrderRecord(o, now, clock, 0, ring);
  return 1;
}

/**
 * Asks the venue to cancel the order in `slot` (`rule`: who asks). A held order is canceled
 * at once; an order already waiting for a cancel or replace answer, or closed, is left alone.
 * Returns 1 when a CANCEL record was written (or a held order canceled), 0 when nothing was
 * done, or ERR_OUTBOUND_FULL.
 */
export function cancelOrder(slot: i32, now: i64, clock: i64, rule: i32, ring: i32): i32 {
  const o = orderSlotAddress(slot);
  const state = load<i32>(o, O_STATE);
  if (state == STATE_NEW) {
    store<i64>(o, now, O_UPDATED_NS);
    endOrder(slot, STATE_CANCELED, END_REASON_CANCEL_REQUESTED);
    return 1;
  }
  if (state != STATE_PENDING_SUBMIT && state != STATE_OPEN && state != STATE_PARTIALLY_FILLED && state != STATE_UNCERTAIN) return 0;
  const record = outboundClaim(ring);
  if (record == 0) return ERR_OUTBOUND_FULL;
  const qty = load<f64>(o, O_QTY);
  const filled = load<f64>(o, O_FILLED);
  writeRecordHead(record, KIND_CANCEL | DIRECTION_OUTBOUND, load<i32>(o, O_INSTRUMENT), now, clock);
  store<f64>(record, 0.0, EV_PRICE);
  store<f64>(record, qty - filled, EV_SIZE);
  store<f64>(record, 0.0, EV_A);
  store<f64>(record, <f64>rule, EV_B);
  store<u64>(record, load<u64>(o, O_ID), EV_ID);
  outboundPublish(ring);
  venueTakeCommand(record, now);
  store<i32>(o, state, O_PREV_STATE);
  store<i64>(o, now, O_UPDATED_NS);
  store<i64>(o, now + cancelTimeoutNs(), O_DEADLINE_NS);
  setOrderState(slot, STATE_PENDING_CANCEL);
  bumpCounter(OC_CANCELS_SENT);
  return 1;
}

/**
 * Asks the venue to change the order in `slot` to signed total quantity `qty` (same side,
 * more than what is filled) and prices `limitPx` / `stopPx` (0 where its type has none). More
 * quantity passes the pre-trade checks for the increase first. A held order changes at once.
 * Only an OPEN or PARTIALLY_FILLED order is replaced at the venue. Returns 1 when a REPLACE
 * record was written (or a held order changed), 0 when nothing was done, NOT_SENT (refused:
 * risk record written), ERR_BAD_ARGUMENT or ERR_OUTBOUND_FULL.
 */
export function replaceOrder(slot: i32, qty: f64, limitPx: f64, stopPx: f64, now: i64, clock: i64, rule: i32, ring: i32): i32 {
  const o = orderSlotAddress(slot);
  const state = load<i32>(o, O_STATE);
  const old = load<f64>(o, O_QTY);
  const filled = load<f64>(o, O_FILLED);
  if (!isFinite<f64>(qty) || (qty > 0.0) != (old > 0.0) || Math.abs(qty) <= Math.abs(filled)) return ERR_BAD_ARGUMENT;
  if (!isFinite<f64>(limitPx) || !isFinite<f64>(stopPx) || limitPx < 0.0 || stopPx < 0.0) return ERR_BAD_ARGUMENT;
  if (state == STATE_NEW) {
    store<f64>(o, qty, O_QTY);
    if (limitPx > 0.0) store<f64>(o, limitPx, O_LIMIT_PX);
    if (stopPx > 0.0) store<f64>(o, stopPx, O_STOP_PX);
    store<i64>(o, now, O_UPDATED_NS);
    return 1;
  }
  if (state != STATE_OPEN && state != STATE_PARTIALLY_FILLED) return 0;
  if (ringFreeSlots(ring) < 1) return ERR_OUTBOUND_FULL;
  const instrument = load<i32>(o, O_INSTRUMENT);
  const increase = Math.abs(qty) - Math.abs(old);
  if (increase > 0.0) {
    const more = old > 0.0 ? increase : -increase;
    const price = checkPrice(instrument, load<i32>(o, O_TYPE), limitPx, stopPx, load<f64>(o, O_REF_PX));
    const flags = load<i32>(o, O_FLAGS);
    const exit = exitOrder(flags, load<i32>(o, O_RULE));
    if (!exit && uncertainOn(instrument) > 0) return refuse(ring, instrument, now, clock, price, more, REASON_ORDER_UNCERTAIN, 0.0);
    const reason = riskDecide(instrument, more, price, clock, (flags & FLAG_REDUCE_ONLY) != 0, Math.abs(qty) - Math.abs(filled), exit);
    if (reason != RISK_ACCEPTED) return refuse(ring, instrument, now, clock, price, more, reason, riskDeniedLimit());
    riskCountAccepted(clock);
  }
  const record = outboundClaim(ring);
  writeRecordHead(record, KIND_REPLACE | DIRECTION_OUTBOUND, instrument, now, clock);
  store<f64>(record, limitPx, EV_PRICE);
  store<f64>(record, qty, EV_SIZE);
  store<f64>(record, stopPx, EV_A);
  store<f64>(record, <f64>rule, EV_B);
  store<u64>(record, load<u64>(o, O_ID), EV_ID);
  outboundPublish(ring);
  venueTakeCommand(record, now);
  store<f64>(o, qty, O_PEND_QTY);
  store<f64>(o, limitPx, O_PEND_LIMIT_PX);
  store<f64>(o, stopPx, O_PEND_STOP_PX);
  store<i32>(o, state, O_PREV_STATE);
  store<i64>(o, now, O_UPDATED_NS);
  store<i64>(o, now + cancelTimeoutNs(), O_DEADLINE_NS);
  setOrderState(slot, STATE_PENDING_REPLACE);
  recount(o);
  bumpCounter(OC_REPLACES_SENT);
  return 1;
}

/**
 * Cancels every live order of `instrument` (cancelOrder on each, with the order's own rule in
 * the CANCEL record: the feed-health policy cancelAll, risk/feed-health.ts). Held orders are
 * canceled at once; orders already waiting for a cancel or replace answer are left alone.
 * Walks the instrument's live list, so it is O(its live orders). Returns the CANCEL records
 * written plus held orders canceled (0 without an order table), or ERR_OUTBOUND_FULL (the
 * caller reserved room for one record per live order, engine.ts engineOutboundReserve).
 */
export function cancelInstrumentOrders(instrument: i32, now: i64, clock: i64, ring: i32): i32 {
  if (!ordersReady()) return 0;
  let done = 0;
  let slot = load<i32>(orderIndexAddress(instrument), OI_HEAD);
  while (slot >= 0) {
    const o = orderSlotAddress(slot);
    const next = load<i32>(o, O_NEXT); // read first: a canceled held order leaves the list
    const result = cancelOrder(slot, now, clock, load<i32>(o, O_RULE), ring);
    if (result < 0) return result;
    done += result;
    slot = next;
  }
  return done;
}
