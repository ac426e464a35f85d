// Commands and market records reaching the reference venue, as wasm/assembly/venue/
// venue-intake.ts and venue-config.ts (venueOnMarket) handle them: a command is queued to
// arrive after the entry latency and acted on when it comes out (ORDER checked, booked,
// acknowledged and in tick mode matched; CANCEL; REPLACE; the expiry TIMER), and a market
// record expires DAY orders, updates the feed latency and matches the instrument's orders.
import { EventKind, KIND_MASK } from '../../layout/event-record.js';
import {
  TIF_COUNT, TIF_DAY, TIF_POST_ONLY, TYPE_LIMIT, TYPE_STOP, TYPE_STOP_LIMIT, TYPE_TRAILING_STOP,
} from '../../orders/order-layout.js';
import {
  VENUE_BARS, VENUE_CANCELED_REQUESTED, VENUE_OFF, VENUE_REJECT_FULL, VENUE_REJECT_INVALID, VENUE_REJECT_POST_ONLY, VENUE_REJECT_UNKNOWN_ORDER,
  VENUE_TICKS, VO_RESTING,
} from '../venue-layout.js';
import type { VenueRecord } from '../venue-record.js';
import { addOrder, expireOrders, leavesOf, noteExpiry, removeOrder, requeueOrder } from './reference-book.js';
import { matchOnArrival, onBar, onQuote, onTrade } from './reference-matching.js';
import { latencyNs, replyAck, replyCanceled, replyReject } from './reference-replies.js';
import { i64, type SimInstrument, type ReferenceVenueState } from './reference-state.js';

const DAY_NS = 86_400_000_000_000n;

/** End of the UTC day that `tsNs` falls in. */
export function endOfDay(tsNs: bigint): bigint {
  let day = tsNs / DAY_NS;
  if (tsNs < 0n && day * DAY_NS !== tsNs) day--;
  return (day + 1n) * DAY_NS;
}

/** A command record sent at `nowNs`: queued to reach the venue after the entry latency. */
export function takeCommand(venue: ReferenceVenueState, r: VenueRecord, nowNs: bigint): void {
  if (venue.modeOf(r.instrument) === VENUE_OFF) return;
  const due = i64(nowNs + latencyNs(venue, r.instrument, true));
  if (!venue.queue.hasRoom()) {
    venue.earlyEvents++;
    processCommand(venue, r, nowNs);
    return;
  }
  venue.queue.schedule(r, due);
}

function postOnlyCrosses(inst: SimInstrument, qty: number, limit: number): boolean {
  const opposite = inst.mode === VENUE_BARS ? inst.last : inst.quoted ? (qty > 0 ? inst.ask : inst.bid) : 0;
  return opposite > 0 && (qty > 0 ? limit >= opposite : limit <= opposite);
}

/** The venue acts on the command record `r`, which reached it at `venueNs`. */
export function processCommand(venue: ReferenceVenueState, r: VenueRecord, venueNs: bigint): void {
  venue.clockNs = venueNs;
  expireOrders(venue, venueNs);
  const kind = r.kind & KIND_MASK;
  if ((kind & EventKind.TIMER) !== 0) return;
  const instrument = r.instrument;
  const id = r.id;
  const qty = r.size;
  if ((kind & EventKind.ORDER) !== 0) {
    acceptOrder(venue, r, venueNs);
    return;
  }
  let o = venue.orders.get(id);
  if (o !== undefined && o.instrument !== instrument) o = undefined;
  if ((kind & EventKind.CANCEL) !== 0) {
    if (o === undefined) {
      replyReject(venue, instrument, venueNs, qty, VENUE_REJECT_UNKNOWN_ORDER, 1, id);
      return;
    }
    replyCanceled(venue, o, venueNs, VENUE_CANCELED_REQUESTED);
    removeOrder(venue, o);
    return;
  }
  if ((kind & EventKind.REPLACE) !== 0) {
    if (o === undefined) {
      replyReject(venue, instrument, venueNs, qty, VENUE_REJECT_UNKNOWN_ORDER, 2, id);
      return;
    }
    const limit = r.price;
    const stop = r.a;
    if (!Number.isFinite(qty) || qty > 0 !== o.total > 0 || Math.abs(qty) <= Math.abs(o.filled) || !Number.isFinite(limit) || !Number.isFinite(stop)) {
      replyReject(venue, instrument, venueNs, qty, VENUE_REJECT_INVALID, 2, id);
      return;
    }
    const inst = venue.instruments[instrument];
    if (o.tif === TIF_POST_ONLY && postOnlyCrosses(inst, qty, limit > 0 ? limit : o.limit)) {
      replyReject(venue, instrument, venueNs, qty, VENUE_REJECT_POST_ONLY, 2, id);
      return;
    }
    o.total = qty;
    if (limit > 0) o.limit = limit;
    if (stop > 0) o.stop = stop;
    o.queueKnown = false;
    o.arrivalNs = venueNs;
    requeueOrder(venue, o);
    replyAck(venue, instrument, venueNs, o.limit, qty, true, id);
    if (inst.mode === VENUE_TICKS && leavesOf(o) > 0) matchOnArrival(venue, o, inst, venueNs);
  }
}

function acceptOrder(venue: ReferenceVenueState, r: VenueRecord, venueNs: bigint): void {
  const instrument = r.instrument;
  const id = r.id;
  const qty = r.size;
  const attributes = Math.trunc(r.b);
  const type = attributes & 15;
  const tif = (attributes >> 4) & 15;
  const flags = (attributes >> 8) & 255;
  const limit = r.price;
  const stop = r.a;
  const needsLimit = type === TYPE_LIMIT || type === TYPE_STOP_LIMIT;
  const needsStop = type === TYPE_STOP || type === TYPE_STOP_LIMIT;
  if (
    !Number.isFinite(qty) || qty === 0 || !Number.isFinite(limit) || !Number.isFinite(stop) || type >= TYPE_TRAILING_STOP || tif >= TIF_COUNT ||
    needsLimit !== limit > 0 || needsStop !== stop > 0 || (tif === TIF_POST_ONLY && type !== TYPE_LIMIT) || venue.orders.has(id)
  ) {
    replyReject(venue, instrument, venueNs, qty, VENUE_REJECT_INVALID, 0, id);
    return;
  }
  const inst = venue.instruments[instrument];
  if (tif === TIF_POST_ONLY && postOnlyCrosses(inst, qty, limit)) {
    replyReject(venue, instrument, venueNs, qty, VENUE_REJECT_POST_ONLY, 0, id);
    return;
  }
  const o = addOrder(venue, id, instrument);
  if (o === null) {
    replyReject(venue, instrument, venueNs, qty, VENUE_REJECT_FULL, 0, id);
    return;
  }
  o.state = VO_RESTING;
  o.type = type;
  o.tif = tif;
  o.flags = flags;
  o.total = qty;
  o.filled = 0;
  o.limit = limit;
  o.stop = stop;
  o.arrivalNs = venueNs;
  o.maker = inst.mode === VENUE_BARS && type === TYPE_LIMIT;
  if (tif === TIF_DAY) {
    o.expiryNs = endOfDay(venueNs);
    noteExpiry(venue, o.expiryNs);
  }
  replyAck(venue, instrument, venueNs, limit, qty, false, id);
  if (inst.mode === VENUE_TICKS) matchOnArrival(venue, o, inst, venueNs);
}

/** A market record of `r.instrument` seen at `venueNs`. */
export function onMarket(venue: ReferenceVenueState, r: VenueRecord, venueNs: bigint): void {
  const mode = venue.modeOf(r.instrument);
  if (mode === VENUE_OFF) return;
  venue.clockNs = venueNs;
  expireOrders(venue, venueNs);
  const kind = r.kind & KIND_MASK;
  if ((kind & (EventKind.TRADE | EventKind.QUOTE)) !== 0) {
    if (r.tsLocal >= r.tsExchange && r.tsLocal > 0n) venue.instruments[r.instrument].feedLatencyNs = i64(r.tsLocal - r.tsExchange);
  }
  if (mode === VENUE_BARS) {
    if ((kind & EventKind.BAR) !== 0) onBar(venue, r.instrument, r);
  } else if ((kind & EventKind.QUOTE) !== 0) {
    onQuote(venue, r.instrument, r, venueNs);
  } else if ((kind & EventKind.TRADE) !== 0) {
    onTrade(venue, r.instrument, r, venueNs);
  }
}
