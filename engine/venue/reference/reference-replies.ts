// What the reference venue sends back (ACK, FILL, CANCELED, REJECT, EXPIRED records, due after
// the response latency and never before its clock), its latency model, and its fills (fee,
// fill id, position): the rules of wasm/assembly/venue/venue-replies.ts in the same order.
import { EventKind } from '../../layout/event-record.js';
import { LATENCY_FEED, LATENCY_RANDOM } from '../venue-layout.js';
import { i64, type SimOrder, type ReferenceVenueState } from './reference-state.js';

/** Latency of one message to (`toVenue`) or from the venue about `instrument`, in ns. */
export function latencyNs(venue: ReferenceVenueState, instrument: number, toVenue: boolean): bigint {
  const base = toVenue ? venue.entryNs : venue.responseNs;
  if (venue.latency === LATENCY_RANDOM) return i64(base + venue.rng.upTo(venue.jitterNs));
  if (venue.latency === LATENCY_FEED) return i64(base + BigInt(Math.trunc(venue.feedMultiplier * Number(venue.instruments[instrument].feedLatencyNs))));
  return base;
}

/** Queues one reply of `kind` about order `clientId` at venue time `venueNs`. */
export function reply(venue: ReferenceVenueState, kind: number, instrument: number, venueNs: bigint, price: number, size: number, a: number, b: number, clientId: bigint): void {
  if (!venue.queue.hasRoom()) {
    venue.repliesLost++;
    return;
  }
  let due = i64(venueNs + latencyNs(venue, instrument, false));
  if (due < venue.clockNs) due = venue.clockNs;
  const record = { kind: kind | EventKind.SOURCE_PAPER | EventKind.DIRECTION_INBOUND, instrument, tsExchange: venueNs, tsLocal: due, price, size, a, b, id: clientId };
  venue.queue.schedule(record, due);
}

export function replyAck(venue: ReferenceVenueState, instrument: number, venueNs: bigint, limitPx: number, qty: number, replace: boolean, clientId: bigint): void {
  reply(venue, EventKind.ACK, instrument, venueNs, limitPx, qty, replace ? 1 : 0, 0, clientId);
}

export function replyReject(venue: ReferenceVenueState, instrument: number, venueNs: bigint, qty: number, reason: number, what: number, clientId: bigint): void {
  venue.rejects++;
  reply(venue, EventKind.REJECT, instrument, venueNs, 0, qty, reason, what, clientId);
}

/** CANCELED reply for order `o` (its signed leaves), with `reason`. */
export function replyCanceled(venue: ReferenceVenueState, o: SimOrder, venueNs: bigint, reason: number): void {
  venue.canceled++;
  reply(venue, EventKind.CANCELED, o.instrument, venueNs, 0, o.total - o.filled, reason, 0, o.clientId);
}

/** EXPIRED reply for order `o` (its signed leaves), with `reason` (VENUE_EXPIRED_*). */
export function replyExpired(venue: ReferenceVenueState, o: SimOrder, venueNs: bigint, reason: number): void {
  venue.expired++;
  reply(venue, EventKind.EXPIRED, o.instrument, venueNs, 0, o.total - o.filled, reason, 0, o.clientId);
}

/** The venue fills `qty` (> 0) of order `o` at `price`: its filled quantity and the position move; a FILL with its fee and a new fill id is queued. */
export function venueFill(venue: ReferenceVenueState, o: SimOrder, qty: number, price: number, maker: boolean, venueNs: bigint): void {
  const inst = venue.instruments[o.instrument];
  const signed = o.total > 0 ? qty : -qty;
  o.filled = o.filled + signed;
  inst.position = inst.position + signed;
  const fee = qty * price * inst.multiplier * (maker ? inst.makerFee : inst.takerFee);
  venue.fillId++;
  venue.fills++;
  reply(venue, EventKind.FILL | (maker ? EventKind.FLAG_MAKER : 0), o.instrument, venueNs, price, signed, fee, venue.fillId, o.clientId);
}
