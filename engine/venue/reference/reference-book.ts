// The reference venue's book: orders entered in time priority, found by client id, moved to
// the back by a replace, removed when closed; and DAY-order expiry with its timer in the event
// queue, as wasm/assembly/venue/venue-book.ts does it.
import { EventKind } from '../../layout/event-record.js';
import { VENUE_EXPIRED_TIME_IN_FORCE, VENUE_ORDER_CAPACITY } from '../venue-layout.js';
import { I64_MAX, type SimOrder, type ReferenceVenueState } from './reference-state.js';
import { replyExpired } from './reference-replies.js';

/** A new order of `clientId` on `instrument`, last in time priority; null when the book is full. */
export function addOrder(venue: ReferenceVenueState, clientId: bigint, instrument: number): SimOrder | null {
  if (venue.orders.size >= VENUE_ORDER_CAPACITY) return null;
  const o: SimOrder = {
    clientId, instrument, held: true, state: 0, type: 0, tif: 0, flags: 0, total: 0, filled: 0, limit: 0, stop: 0, arrivalNs: 0n,
    expiryNs: I64_MAX, maker: false, queueAhead: 0, queueTraded: 0, queueKnown: false,
  };
  venue.instruments[instrument].orders.push(o);
  venue.orders.set(clientId, o);
  return o;
}

function unlink(venue: ReferenceVenueState, o: SimOrder): void {
  const list = venue.instruments[o.instrument].orders;
  const at = list.indexOf(o);
  if (at < 0) throw new Error(`reference venue: order ${o.clientId} is missing from the list of instrument ${o.instrument}`);
  list.splice(at, 1);
}

/** Moves `o` to the back of its instrument's time priority (a replace). */
export function requeueOrder(venue: ReferenceVenueState, o: SimOrder): void {
  unlink(venue, o);
  venue.instruments[o.instrument].orders.push(o);
}

export function removeOrder(venue: ReferenceVenueState, o: SimOrder): void {
  unlink(venue, o);
  venue.orders.delete(o.clientId);
  o.held = false;
}

/** Unfilled quantity of `o` (>= 0). */
export function leavesOf(o: SimOrder): number {
  return Math.max(0, Math.abs(o.total) - Math.abs(o.filled));
}

function scheduleExpiryTimer(venue: ReferenceVenueState, expiryNs: bigint): void {
  if (!venue.queue.hasRoom()) return;
  const kind = EventKind.TIMER | EventKind.SOURCE_PAPER | EventKind.DIRECTION_OUTBOUND;
  venue.queue.schedule({ kind, instrument: -1, tsExchange: expiryNs, tsLocal: expiryNs, price: 0, size: 0, a: 0, b: 0, id: 0n }, expiryNs);
}

/** Notes a DAY order's end of day; the earliest one gets an expiry timer. */
export function noteExpiry(venue: ReferenceVenueState, expiryNs: bigint): void {
  if (expiryNs >= venue.nextExpiryNs) return;
  venue.nextExpiryNs = expiryNs;
  scheduleExpiryTimer(venue, expiryNs);
}

/** Expires every DAY order whose day ended by `nowNs` (EXPIRED at its end of day) and queues the next timer. */
export function expireOrders(venue: ReferenceVenueState, nowNs: bigint): void {
  if (nowNs < venue.nextExpiryNs) return;
  let next = I64_MAX;
  for (const inst of venue.instruments) {
    for (const o of [...inst.orders]) {
      if (o.expiryNs <= nowNs) {
        replyExpired(venue, o, o.expiryNs, VENUE_EXPIRED_TIME_IN_FORCE);
        removeOrder(venue, o);
      } else if (o.expiryNs < next) {
        next = o.expiryNs;
      }
    }
  }
  venue.nextExpiryNs = next;
  if (next !== I64_MAX) scheduleExpiryTimer(venue, next);
}
