// The simulated venue's book of orders: its own record of each order it holds (venue-layout.ts
// venue order), found by client order id through an id index, listed per instrument in
// arrival order (time priority), and removed when filled, canceled, expired or rejected.
// Also the venue's reset and DAY-order expiry: the earliest end of day of a resting DAY order
// has an expiry timer in the event queue (a TIMER | SOURCE_PAPER | DIRECTION_OUTBOUND record
// due then, instrument -1), so orders expire at their end of day exactly, whatever market
// data follows. Never allocates.
import { DIRECTION_OUTBOUND, EV_A, EV_B, EV_ID, EV_PRICE, EV_SIZE, INSTRUMENT_CAPACITY, KIND_TIMER, SOURCE_PAPER } from '../layout';
import { writeRecordHead } from '../outbound';
import { idIndexClear, idIndexDelete, idIndexGet, idIndexPut } from '../util/id-index';
import { I64_MAX } from './venue-math';
import { allocEvent, scheduleEvent } from './venue-queue';
import { replyExpired } from './venue-replies';
import {
  venueEventAddress, VENUE_HEADER, VENUE_INDEX_CAPACITY, VENUE_INDEX_OFFSET, VENUE_ORDER_BYTES, VENUE_ORDER_CAPACITY, VENUE_EXPIRED_TIME_IN_FORCE, VH_NEXT_EXPIRY_NS, VH_ORDERS, VH_ORDERS_UNTOUCHED, VH_ORDER_FREE,
  VI_COUNT, VI_HEAD, VI_TAIL, VO_CLIENT_ID, VO_EXPIRY_NS, VO_FILLED, VO_FREE, VO_INSTRUMENT, VO_NEXT, VO_PREV, VO_STATE, VO_TOTAL,
  venueInstrumentAddress, venueOrderAddress,
} from './venue-layout';

/** Empties the book. */
export function venueBookReset(): void {
  // No slot written: the free list is empty and every slot untouched (venue-layout.ts header).
  store<i32>(VENUE_HEADER, -1, VH_ORDER_FREE);
  store<i32>(VENUE_HEADER, VENUE_ORDER_CAPACITY, VH_ORDERS_UNTOUCHED);
  store<i32>(VENUE_HEADER, 0, VH_ORDERS);
  store<i64>(VENUE_HEADER, I64_MAX, VH_NEXT_EXPIRY_NS);
  idIndexClear(<usize>VENUE_INDEX_OFFSET, VENUE_INDEX_CAPACITY);
}

/** Venue orders held. */
// @ts-ignore: decorator
@inline
export function venueOrdersHeld(): i32 {
  return load<i32>(VENUE_HEADER, VH_ORDERS);
}

/** The venue slot holding client order `clientId`, or -1. */
// @ts-ignore: decorator
@inline
export function findVenueOrder(clientId: u64): i32 {
  return idIndexGet(<usize>VENUE_INDEX_OFFSET, VENUE_INDEX_CAPACITY, clientId);
}

/**
 * Takes a free venue slot for client order `clientId` on `instrument`, appended to the
 * instrument's list (last in time priority). Returns the slot, or -1 when the book is full.
 */
export function addVenueOrder(clientId: u64, instrument: i32): i32 {
  let slot = load<i32>(VENUE_HEADER, VH_ORDER_FREE);
  if (slot >= 0) {
    store<i32>(VENUE_HEADER, load<i32>(venueOrderAddress(slot), VO_NEXT), VH_ORDER_FREE);
  } else {
    const untouched = load<i32>(VENUE_HEADER, VH_ORDERS_UNTOUCHED);
    if (untouched <= 0) return -1;
    slot = VENUE_ORDER_CAPACITY - untouched;
    store<i32>(VENUE_HEADER, untouched - 1, VH_ORDERS_UNTOUCHED);
  }
  const v = venueOrderAddress(slot);
  memory.fill(v, 0, <usize>VENUE_ORDER_BYTES);
  store<u64>(v, clientId, VO_CLIENT_ID);
  store<i32>(v, instrument, VO_INSTRUMENT);
  store<i64>(v, I64_MAX, VO_EXPIRY_NS);
  appendToList(slot, instrument);
  store<i32>(VENUE_HEADER, load<i32>(VENUE_HEADER, VH_ORDERS) + 1, VH_ORDERS);
  idIndexPut(<usize>VENUE_INDEX_OFFSET, VENUE_INDEX_CAPACITY, clientId, slot);
  return slot;
}

function appendToList(slot: i32, instrument: i32): void {
  const vi = venueInstrumentAddress(instrument);
  const v = venueOrderAddress(slot);
  const tail = load<i32>(vi, VI_TAIL);
  store<i32>(v, -1, VO_NEXT);
  store<i32>(v, tail, VO_PREV);
  if (tail >= 0 && load<i32>(vi, VI_COUNT) > 0) store<i32>(venueOrderAddress(tail), slot, VO_NEXT);
  else store<i32>(vi, slot, VI_HEAD);
  store<i32>(vi, slot, VI_TAIL);
  store<i32>(vi, load<i32>(vi, VI_COUNT) + 1, VI_COUNT);
}

function unlinkFromList(slot: i32, instrument: i32): void {
  const vi = venueInstrumentAddress(instrument);
  const v = venueOrderAddress(slot);
  const next = load<i32>(v, VO_NEXT);
  const prev = load<i32>(v, VO_PREV);
  if (prev >= 0) store<i32>(venueOrderAddress(prev), next, VO_NEXT);
  else store<i32>(vi, next, VI_HEAD);
  if (next >= 0) store<i32>(venueOrderAddress(next), prev, VO_PREV);
  else store<i32>(vi, prev, VI_TAIL);
  const count = load<i32>(vi, VI_COUNT) - 1;
  store<i32>(vi, count, VI_COUNT);
  if (count == 0) {
    store<i32>(vi, -1, VI_HEAD);
    store<i32>(vi, -1, VI_TAIL);
  }
}

/** Moves the venue order in `slot` to the back of its instrument's time priority (a replace). */
export function requeueVenueOrder(slot: i32): void {
  const instrument = load<i32>(venueOrderAddress(slot), VO_INSTRUMENT);
  unlinkFromList(slot, instrument);
  appendToList(slot, instrument);
}

/** Removes the venue order in `slot` from the book. */
export function removeVenueOrder(slot: i32): void {
  const v = venueOrderAddress(slot);
  unlinkFromList(slot, load<i32>(v, VO_INSTRUMENT));
  idIndexDelete(<usize>VENUE_INDEX_OFFSET, VENUE_INDEX_CAPACITY, load<u64>(v, VO_CLIENT_ID));
  store<i32>(v, VO_FREE, VO_STATE);
  store<i32>(v, load<i32>(VENUE_HEADER, VH_ORDER_FREE), VO_NEXT);
  store<i32>(VENUE_HEADER, slot, VH_ORDER_FREE);
  store<i32>(VENUE_HEADER, load<i32>(VENUE_HEADER, VH_ORDERS) - 1, VH_ORDERS);
}

/** Unfilled quantity of the venue order at `v` (>= 0). */
// @ts-ignore: decorator
@inline
export function venueLeaves(v: usize): f64 {
  return Math.max(0.0, Math.abs(load<f64>(v, VO_TOTAL)) - Math.abs(load<f64>(v, VO_FILLED)));
}

/** Queues the expiry timer due at `expiryNs` (without a free queue entry, market records and commands still expire orders). */
function scheduleExpiryTimer(expiryNs: i64): void {
  const entry = allocEvent();
  if (entry < 0) return;
  const record = venueEventAddress(entry);
  writeRecordHead(record, KIND_TIMER | SOURCE_PAPER | DIRECTION_OUTBOUND, -1, expiryNs, expiryNs);
  store<f64>(record, 0.0, EV_PRICE);
  store<f64>(record, 0.0, EV_SIZE);
  store<f64>(record, 0.0, EV_A);
  store<f64>(record, 0.0, EV_B);
  store<u64>(record, 0, EV_ID);
  scheduleEvent(entry, expiryNs);
}

/** Notes a DAY order's end of day; the earliest one gets an expiry timer. */
export function noteExpiry(expiryNs: i64): void {
  if (expiryNs >= load<i64>(VENUE_HEADER, VH_NEXT_EXPIRY_NS)) return;
  store<i64>(VENUE_HEADER, expiryNs, VH_NEXT_EXPIRY_NS);
  scheduleExpiryTimer(expiryNs);
}

/**
 * Expires every DAY order whose day ended at or before `nowNs` (an EXPIRED reply at its end of
 * day), finds the next end of day and queues its timer. Cheap when none is due.
 */
export function venueExpire(nowNs: i64): void {
  if (nowNs < load<i64>(VENUE_HEADER, VH_NEXT_EXPIRY_NS)) return;
  let next = I64_MAX;
  for (let i = 0; i < INSTRUMENT_CAPACITY; i++) {
    const vi = venueInstrumentAddress(i);
    if (load<i32>(vi, VI_COUNT) == 0) continue;
    let slot = load<i32>(vi, VI_HEAD);
    while (slot >= 0) {
      const v = venueOrderAddress(slot);
      const following = load<i32>(v, VO_NEXT);
      const expiry = load<i64>(v, VO_EXPIRY_NS);
      if (expiry <= nowNs) {
        replyExpired(v, expiry, VENUE_EXPIRED_TIME_IN_FORCE);
        removeVenueOrder(slot);
      } else if (expiry < next) {
        next = expiry;
      }
      slot = following;
    }
  }
  store<i64>(VENUE_HEADER, next, VH_NEXT_EXPIRY_NS);
  if (next != I64_MAX) scheduleExpiryTimer(next);
}
