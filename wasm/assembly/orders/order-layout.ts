// Layout of the ORDERS region (ORDERS_REGION_OFFSET in ../layout.ts): the order table of the
// core, one index block per instrument, and the fill ids already applied. Mirrored by
// engine/orders/order-layout.ts. A checkpoint is a byte copy of the region.
//
//   ORDERS_REGION_OFFSET
//   +0x000000 +--------------------------------------------+
//             | header (4 KiB): configuration, id cursor,  |
//             | counters (below)                            |
//   +0x001000 +--------------------------------------------+
//             | instrument index: INSTRUMENT_CAPACITY x 32 B|  live orders of each instrument
//   +0x009000 +--------------------------------------------+
//             | order slots: ORDER_CAPACITY_MAX x 256 B     |  slot of order id = id % capacity
//   +0x209000 +--------------------------------------------+
//             | reserved                                    |
//   +0x210000 +--------------------------------------------+
//             | fill-id index: FILL_ID_INDEX_CAPACITY x 16 B|  util/id-index.ts: fill ids seen
//   +0x310000 +--------------------------------------------+
//             | fill-id FIFO: FILL_ID_MEMORY x u64          |  oldest id forgotten first
//   +0x350000 +--------------------------------------------+
//             | reserved                                    |
//   +0x400000 +--------------------------------------------+
//
// Header:
//
//   0      4          8      12          16           24             32               40
//   | magic| capacity | live | emulated  | nextId u64 | ackTimeoutNs | cancelTimeoutNs  | fifoHead i32 | fifoCount i32 |
//   64 .. 64 + 8 * COUNTER_COUNT: i64 counters (OC_* below), then notices by code (8 * NOTICE_CODES)
//   320 .. 320 + 8 * 3 * END_REASON_BUCKETS: orders that ended CANCELED, REJECTED and EXPIRED (one
//     block each, in that order: END_CANCELED ...), by why (endReason below), i64 each:
//
//     bucket   0      1             2 .. END_REASON_CODES + 1          END_REASON_CODES + 2
//            | none | venue status | venue reason code 0 .. codes - 1 | any higher code |
//
//   capacity   order slots in use (1 .. ORDER_CAPACITY_MAX), fixed by ordersConfigure
//   live       orders in a non-terminal state (held, in flight, working or UNCERTAIN)
//   nextId     the next client order id to try: ids only grow, so an id is never reused in a
//              run, and the I/O thread persists a high-water mark so it is never reused across
//              restarts either (engine/orders/order-id-lease.ts)
//
// Instrument index block (32 B):
//
//   0        4       8           12             16            24
//   | head   | live  | uncertain | strategySlot | reduceBuy f64 | reduceSell f64 |
//
//   head          first live order of the instrument (slot, -1: none); slots link by next/prev
//   uncertain     live orders in UNCERTAIN: while > 0 no order that adds exposure is sent
//   strategySlot  the live order of the strategy (RULE_STRATEGY) on the instrument, -1: none;
//                 the order stage keeps at most one
//   reduceBuy/Sell  leaves of working reduce-only orders (exits), by side; entry orders' leaves
//                 are the risk slot's pendingBuy / pendingSell
//
// Order slot (256 B):
//
//   0        8      12     16     20    24     28     32         40         48
//   | id u64 | inst | state| type | tif | flags| rule | qty f64  | limitPx  | stopPx   |
//   56        64           72      80          88          96           104
//   | filled  | avgFillPx  | refPx | createdNs | updatedNs | deadlineNs | pendQty |
//   112          120          128       136           144           152        160   164   168        172
//   | pendLimit  | pendStop   | counted | parentId u64| trailOffset | watermark | next| prev| prevState| strategy |
//   176     184        188         192           200
//   | fees  | fillCount| endReason | venueId u64 | reserved |
//
//   qty, filled  signed (+ buy, - sell); leaves = |qty| - |filled|
//   limitPx, stopPx  0 when the type has none; a trailing stop's stopPx is its current trigger
//   refPx        the price the order was decided at (the implementation-shortfall reference)
//   deadlineNs   when an acknowledgement (PENDING_SUBMIT) or a cancel / replace answer
//                (PENDING_CANCEL / PENDING_REPLACE) is overdue: the order turns UNCERTAIN
//   pend*        the requested quantity and prices of a replace the venue has not answered
//                (PENDING_REPLACE, or UNCERTAIN and later after its timeout); pendQty 0: none
//   counted      leaves this order adds to the working sums now (so a change is a delta)
//   parentId     for exits: the entry order whose lots they close first (portfolio linking)
//   endReason    why the order ended CANCELED, REJECTED or EXPIRED: END_REASON_NONE (0) none
//                (working, filled), END_REASON_VENUE_STATUS (-1) the venue's order status closed it
//                (reconciliation, which gives no reason), otherwise the venue's reason code + 1: the
//                CANCELED / REJECT / EXPIRED record's a (venue/venue-layout.ts VENUE_CANCELED_*,
//                VENUE_REJECT_*, VENUE_EXPIRED_*, or a live adapter's own code); a held order the
//                core cancels itself ends END_REASON_CANCEL_REQUESTED (VENUE_CANCELED_REQUESTED + 1)
import { INSTRUMENT_CAPACITY, ORDERS_REGION_OFFSET } from '../layout';

export const ORDERS_MAGIC: i32 = 0x5344524f; // "ORDS"
export const ORDER_CAPACITY_MAX: i32 = 8192;
export const ORDER_SLOT_BYTES: i32 = 256;

export const ORDERS_HEADER: usize = <usize>ORDERS_REGION_OFFSET;
export const OH_MAGIC: i32 = 0;
export const OH_CAPACITY: i32 = 4;
export const OH_LIVE: i32 = 8;
export const OH_EMULATED: i32 = 12;
export const OH_NEXT_ID: i32 = 16;
export const OH_ACK_TIMEOUT_NS: i32 = 24;
export const OH_CANCEL_TIMEOUT_NS: i32 = 32;
export const OH_FIFO_HEAD: i32 = 40;
export const OH_FIFO_COUNT: i32 = 44;
export const OH_COUNTERS: i32 = 64;

/** Counters (i64 each, at OH_COUNTERS + 8 * index). */
export const OC_SUBMITTED: i32 = 0; // ORDER records written (orders sent or released)
export const OC_HELD: i32 = 1; // orders created held by the core (emulated)
export const OC_FILLED: i32 = 2; // orders that reached FILLED
export const OC_CANCELED: i32 = 3;
export const OC_REJECTED: i32 = 4;
export const OC_EXPIRED: i32 = 5;
export const OC_FILLS: i32 = 6; // fills applied to an order
export const OC_PARTIAL_FILLS: i32 = 7; // fills that left the order working
export const OC_CANCELS_SENT: i32 = 8;
export const OC_REPLACES_SENT: i32 = 9;
export const OC_UNCERTAIN: i32 = 10; // transitions into UNCERTAIN
export const OC_ILLEGAL: i32 = 11; // illegal transitions (ILLEGAL_TRANSITION, OVERFILL, WRONG_SIDE, ORDER_ALIVE notices)
export const OC_DENIED: i32 = 12; // orders refused before they were created (risk records)
export const OC_TABLE_FULL: i32 = 13;
export const COUNTER_COUNT: i32 = 16;
export const OH_NOTICES: i32 = OH_COUNTERS + 8 * COUNTER_COUNT;
export const NOTICE_CODES: i32 = 16;

/** Why an order ended (O_END_REASON; see the slot's header). */
export const END_REASON_NONE: i32 = 0;
export const END_REASON_VENUE_STATUS: i32 = -1;
/** A held order the core cancels itself: VENUE_CANCELED_REQUESTED (0, venue/venue-layout.ts) + 1. */
export const END_REASON_CANCEL_REQUESTED: i32 = 1;
/** Venue reason codes 0 .. END_REASON_CODES - 1 are counted apiece, higher ones (a live adapter's own) together. */
export const END_REASON_CODES: i32 = 8;
export const END_REASON_BUCKETS: i32 = END_REASON_CODES + 3;
/** Ended orders by reason: END_REASON_BUCKETS i64 counters for each of END_CANCELED, END_REJECTED, END_EXPIRED. */
export const OH_END_REASONS: i32 = OH_NOTICES + 8 * NOTICE_CODES;
export const END_CANCELED: i32 = 0;
export const END_REJECTED: i32 = 1;
export const END_EXPIRED: i32 = 2;

export const ORDERS_INDEX_OFFSET: i32 = ORDERS_REGION_OFFSET + 0x1000;
export const ORDERS_INDEX_BYTES: i32 = 32;
export const OI_HEAD: i32 = 0;
export const OI_LIVE: i32 = 4;
export const OI_UNCERTAIN: i32 = 8;
export const OI_STRATEGY_SLOT: i32 = 12;
export const OI_REDUCE_BUY: i32 = 16;
export const OI_REDUCE_SELL: i32 = 24;

export const ORDER_SLOTS_OFFSET: i32 = ORDERS_REGION_OFFSET + 0x9000;
/** Bytes ordersConfigure clears: header, instrument index and every order slot. */
export const ORDERS_TABLE_BYTES: i32 = ORDER_SLOTS_OFFSET - ORDERS_REGION_OFFSET + ORDER_CAPACITY_MAX * ORDER_SLOT_BYTES;
export const O_ID: i32 = 0;
export const O_INSTRUMENT: i32 = 8;
export const O_STATE: i32 = 12;
export const O_TYPE: i32 = 16;
export const O_TIF: i32 = 20;
export const O_FLAGS: i32 = 24;
export const O_RULE: i32 = 28;
export const O_QTY: i32 = 32;
export const O_LIMIT_PX: i32 = 40;
export const O_STOP_PX: i32 = 48;
export const O_FILLED: i32 = 56;
export const O_AVG_FILL_PX: i32 = 64;
export const O_REF_PX: i32 = 72;
export const O_CREATED_NS: i32 = 80;
export const O_UPDATED_NS: i32 = 88;
export const O_DEADLINE_NS: i32 = 96;
export const O_PEND_QTY: i32 = 104;
export const O_PEND_LIMIT_PX: i32 = 112;
export const O_PEND_STOP_PX: i32 = 120;
export const O_COUNTED: i32 = 128;
export const O_PARENT_ID: i32 = 136;
export const O_TRAIL_OFFSET: i32 = 144;
export const O_WATERMARK: i32 = 152;
export const O_NEXT: i32 = 160;
export const O_PREV: i32 = 164;
export const O_PREV_STATE: i32 = 168;
export const O_STRATEGY: i32 = 172;
export const O_FEES: i32 = 176;
export const O_FILL_COUNT: i32 = 184;
export const O_END_REASON: i32 = 188;
export const O_VENUE_ID: i32 = 192;

export const FILL_ID_INDEX_OFFSET: i32 = ORDERS_REGION_OFFSET + 0x0021_0000;
/** Entries of the fill-id index (a power of two, twice FILL_ID_MEMORY). */
export const FILL_ID_INDEX_CAPACITY: u32 = 65536;
export const FILL_ID_FIFO_OFFSET: i32 = ORDERS_REGION_OFFSET + 0x0031_0000;
/** Fill ids remembered for de-duplication; the oldest is forgotten first. */
export const FILL_ID_MEMORY: i32 = 32768;

/** Order states. FILLED, CANCELED, REJECTED and EXPIRED are terminal. */
export const STATE_EMPTY: i32 = 0; // slot never used
export const STATE_NEW: i32 = 1; // held by the core (an emulated order not yet triggered): not at the venue
export const STATE_PENDING_SUBMIT: i32 = 2; // sent, not acknowledged
export const STATE_OPEN: i32 = 3;
export const STATE_PARTIALLY_FILLED: i32 = 4;
export const STATE_FILLED: i32 = 5;
export const STATE_PENDING_CANCEL: i32 = 6;
export const STATE_PENDING_REPLACE: i32 = 7;
export const STATE_CANCELED: i32 = 8;
export const STATE_REJECTED: i32 = 9;
export const STATE_EXPIRED: i32 = 10;
export const STATE_UNCERTAIN: i32 = 11; // fate unknown (timeout, disconnect, recovery): blocks new risk
export const STATE_COUNT: i32 = 12;

/** Order types (schemas/common.fbs OrderType). */
export const TYPE_MARKET: i32 = 0;
export const TYPE_LIMIT: i32 = 1;
export const TYPE_STOP: i32 = 2; // stop-market
export const TYPE_STOP_LIMIT: i32 = 3;
export const TYPE_TRAILING_STOP: i32 = 4; // emulated by the core: released as a market order when hit
export const TYPE_COUNT: i32 = 5;

/** Time in force (schemas/common.fbs TimeInForce). */
export const TIF_GTC: i32 = 0;
export const TIF_IOC: i32 = 1;
export const TIF_FOK: i32 = 2;
export const TIF_DAY: i32 = 3; // expires at the end of the UTC day it reached the venue
export const TIF_POST_ONLY: i32 = 4; // GTC, rejected when it would take liquidity
export const TIF_COUNT: i32 = 5;

/** Order flags. */
export const FLAG_REDUCE_ONLY: i32 = 1; // may only reduce the position (exits)
export const FLAG_EMULATED: i32 = 2; // held by the core until its trigger is hit
export const FLAG_ADOPTED: i32 = 4; // a venue order we did not place, adopted by reconciliation (venueId = the venue's id of it)

/** What created an order (ORDER record attributes; trade list). */
export const RULE_STRATEGY: i32 = 0;
export const RULE_STOP: i32 = 1; // fixed stop
export const RULE_ATR_STOP: i32 = 2;
export const RULE_TRAILING_STOP: i32 = 3;
export const RULE_TARGET: i32 = 4; // profit-target tier k is RULE_TARGET + k (k < 4)
export const RULE_MAX_HOLD: i32 = 8;
export const RULE_MANUAL: i32 = 9; // placed through the ordersPlace export (tests, tools)
export const RULE_COUNT: i32 = 10;

/** Codes of ORDER_NOTICE records (a venue event the table could not apply as is, or a state change the I/O thread must know). */
export const NOTICE_UNKNOWN_ORDER: i32 = 1; // no order with this id (fills still move the position)
export const NOTICE_DUPLICATE_FILL: i32 = 2; // fill id already applied: ignored
export const NOTICE_DUPLICATE_EVENT: i32 = 3; // the order is already in the state this event leads to: ignored
export const NOTICE_LATE_EVENT: i32 = 4; // an event for a closed order (e.g. cancel ack after the final fill): ignored
export const NOTICE_ILLEGAL_TRANSITION: i32 = 5; // the event contradicts the order's state: ignored
export const NOTICE_OVERFILL: i32 = 6; // fills beyond the order quantity: the excess moves the position
export const NOTICE_FILL_AFTER_CLOSE: i32 = 7; // a fill for a closed order: it moves the position, not the order
export const NOTICE_ACK_TIMEOUT: i32 = 8; // no acknowledgement in time: UNCERTAIN
export const NOTICE_CANCEL_TIMEOUT: i32 = 9; // no answer to a cancel in time: UNCERTAIN
export const NOTICE_REPLACE_TIMEOUT: i32 = 10; // no answer to a replace in time: UNCERTAIN
export const NOTICE_FILL_MISMATCH: i32 = 11; // the venue reports more filled than applied: UNCERTAIN until fills arrive
export const NOTICE_ORDER_ALIVE: i32 = 12; // the venue reports working an order the table has closed
export const NOTICE_WRONG_SIDE: i32 = 13; // a fill against the order's side: it moves the position, not the order
export const NOTICE_RESOLVED: i32 = 14; // an UNCERTAIN order's fate became known
export const NOTICE_QUEUE_FULL: i32 = 15; // the simulated venue's event queue was full: its earliest event was delivered early

// @ts-ignore: decorator
@inline
export function orderSlotAddress(slot: i32): usize {
  return <usize>(ORDER_SLOTS_OFFSET + slot * ORDER_SLOT_BYTES);
}

// @ts-ignore: decorator
@inline
export function orderIndexAddress(instrument: i32): usize {
  return <usize>(ORDERS_INDEX_OFFSET + instrument * ORDERS_INDEX_BYTES);
}

// @ts-ignore: decorator
@inline
export function isTerminal(state: i32): bool {
  return state == STATE_FILLED || state == STATE_CANCELED || state == STATE_REJECTED || state == STATE_EXPIRED;
}

// @ts-ignore: decorator
@inline
export function isLive(state: i32): bool {
  return state != STATE_EMPTY && !isTerminal(state);
}

// @ts-ignore: decorator
@inline
export function ordersCounterAddress(counter: i32): usize {
  return ORDERS_HEADER + <usize>(OH_COUNTERS + (counter << 3));
}

export const ORDER_INSTRUMENTS: i32 = INSTRUMENT_CAPACITY;
