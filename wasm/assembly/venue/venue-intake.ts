// Commands reaching the simulated venue. When the core writes an ORDER, CANCEL or REPLACE for
// an instrument the venue simulates, venueTakeCommand copies it into the venue's queue, due
// at the command's time plus the entry latency; when it is due, venueProcessCommand acts on it
// as the venue would (after expiring the DAY orders whose day has ended):
//   ORDER    checked (type, finite prices, a client id it does not hold already, post-only
//            against the touch or, in bar mode, the last close), entered in the venue's book and acknowledged; in tick mode matched at
//            once when marketable (venue-matching.ts); REJECT when invalid, post-only and
//            marketable, or the book is full
//   CANCEL   removes the order: CANCELED with its leaves; REJECT (of a cancel) when the venue
//            no longer holds it (filled or closed meanwhile: the race a live venue has too);
//            the venue knows an order by instrument and client id
//   REPLACE  new quantity and prices, the order losing its time priority: ACK of the replace;
//            REJECT (of a replace) when it no longer holds the order, the new quantity is not
//            above what is filled, or a post-only order's new price would take liquidity
//   TIMER    the venue's own expiry timer (venue-book.ts): nothing beyond the expiry
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, KIND_CANCEL, KIND_MASK, KIND_ORDER, KIND_REPLACE, KIND_TIMER } from '../layout';
import { TIF_COUNT, TIF_DAY, TIF_POST_ONLY, TYPE_LIMIT, TYPE_STOP, TYPE_STOP_LIMIT, TYPE_TRAILING_STOP } from '../orders/order-layout';
import { addVenueOrder, findVenueOrder, noteExpiry, removeVenueOrder, requeueVenueOrder, venueExpire, venueLeaves } from './venue-book';
import { matchOnArrival } from './venue-matching';
import { latencyNs, replyAck, replyCanceled, replyReject, setVenueClock } from './venue-replies';
import { allocEvent, scheduleEvent } from './venue-queue';
import {
  VENUE_BARS, VENUE_CANCELED_REQUESTED, VENUE_HEADER, VENUE_MAGIC, VENUE_OFF, VENUE_REJECT_FULL, VENUE_REJECT_INVALID, VENUE_REJECT_POST_ONLY,
  VENUE_REJECT_UNKNOWN_ORDER, VENUE_TICKS, VH_EARLY_EVENTS, VH_MAGIC, VI_ASK, VI_BID, VI_LAST, VI_MODE, VI_QUOTED, VO_ARRIVAL_NS, VO_EXPIRY_NS,
  VO_FILLED, VO_FLAGS, VO_INSTRUMENT, VO_LIMIT_PX, VO_MAKER, VO_QUEUE_KNOWN, VO_RESTING, VO_STATE, VO_STOP_PX, VO_TIF, VO_TOTAL, VO_TYPE, venueEventAddress,
  venueInstrumentAddress, venueOrderAddress,
} from './venue-layout';
import { INSTRUMENT_CAPACITY } from '../layout';

const DAY_NS: i64 = 86_400_000_000_000;

/** The simulation mode of `instrument` (VENUE_OFF when the venue is not set up or it trades live). */
// @ts-ignore: decorator
@inline
export function venueMode(instrument: i32): i32 {
  if (load<i32>(VENUE_HEADER, VH_MAGIC) != VENUE_MAGIC || instrument < 0 || instrument >= INSTRUMENT_CAPACITY) return VENUE_OFF;
  return load<i32>(venueInstrumentAddress(instrument), VI_MODE);
}

/**
 * A command record the core just wrote (ORDER, CANCEL, REPLACE) at time `nowNs`: when its
 * instrument is simulated, a copy is queued to reach the venue after the entry latency.
 */
export function venueTakeCommand(record: usize, nowNs: i64): void {
  const instrument = load<i32>(record, EV_INSTRUMENT);
  if (venueMode(instrument) == VENUE_OFF) return;
  const due = nowNs + latencyNs(instrument, true);
  const entry = allocEvent();
  if (entry < 0) {
    // No room in the queue (the engine keeps some): the venue takes the command now.
    store<i64>(VENUE_HEADER, load<i64>(VENUE_HEADER, VH_EARLY_EVENTS) + 1, VH_EARLY_EVENTS);
    venueProcessCommand(record, nowNs);
    return;
  }
  memory.copy(venueEventAddress(entry), record, 64);
  scheduleEvent(entry, due);
}

/** End of the UTC day that `tsNs` falls in. */
// @ts-ignore: decorator
@inline
function endOfDay(tsNs: i64): i64 {
  let day = tsNs / DAY_NS;
  if (tsNs < 0 && day * DAY_NS != tsNs) day--;
  return (day + 1) * DAY_NS;
}

/** True when a post-only order of signed `qty` at `limit` would take liquidity: against the touch, or in bar mode the last close. */
function postOnlyCrosses(vi: usize, mode: i32, qty: f64, limit: f64): bool {
  const opposite = mode == VENUE_BARS ? load<f64>(vi, VI_LAST) : load<i32>(vi, VI_QUOTED) != 0 ? load<f64>(vi + <usize>(qty > 0.0 ? VI_ASK : VI_BID)) : 0.0;
  return opposite > 0.0 && (qty > 0.0 ? limit >= opposite : limit <= opposite);
}

/** The venue acts on the command record at `record`, which reached it at `venueNs`. */
export function venueProcessCommand(record: usize, venueNs: i64): void {
  setVenueClock(venueNs);
  venueExpire(venueNs);
  const kind = load<i32>(record, EV_KIND) & KIND_MASK;
  if ((kind & KIND_TIMER) != 0) return;
  const instrument = load<i32>(record, EV_INSTRUMENT);
  const id = load<u64>(record, EV_ID);
  const qty = load<f64>(record, EV_SIZE);
  if ((kind & KIND_ORDER) != 0) {
    acceptOrder(record, instrument, id, qty, venueNs);
    return;
  }
  // The venue knows an order by its instrument and client id.
  let slot = findVenueOrder(id);
  if (slot >= 0 && load<i32>(venueOrderAddress(slot), VO_INSTRUMENT) != instrument) slot = -1;
  if ((kind & KIND_CANCEL) != 0) {
    if (slot < 0) {
      replyReject(instrument, venueNs, qty, VENUE_REJECT_UNKNOWN_ORDER, 1, id);
      return;
    }
    replyCanceled(venueOrderAddress(slot), venueNs, VENUE_CANCELED_REQUESTED);
    removeVenueOrder(slot);
    return;
  }
  if ((kind & KIND_REPLACE) != 0) {
    if (slot < 0) {
      replyReject(instrument, venueNs, qty, VENUE_REJECT_UNKNOWN_ORDER, 2, id);
      return;
    }
    const v = venueOrderAddress(slot);
    const total = load<f64>(v, VO_TOTAL);
    const limit = load<f64>(record, EV_PRICE);
    const stop = load<f64>(record, EV_A);
    if (!isFinite<f64>(qty) || (qty > 0.0) != (total > 0.0) || Math.abs(qty) <= Math.abs(load<f64>(v, VO_FILLED)) || !isFinite<f64>(limit) || !isFinite<f64>(stop)) {
      replyReject(instrument, venueNs, qty, VENUE_REJECT_INVALID, 2, id);
      return;
    }
    const vi = venueInstrumentAddress(instrument);
    if (load<i32>(v, VO_TIF) == TIF_POST_ONLY && postOnlyCrosses(vi, load<i32>(vi, VI_MODE), qty, limit > 0.0 ? limit : load<f64>(v, VO_LIMIT_PX))) {
      replyReject(instrument, venueNs, qty, VENUE_REJECT_POST_ONLY, 2, id);
      return;
    }
    store<f64>(v, qty, VO_TOTAL);
    if (limit > 0.0) store<f64>(v, limit, VO_LIMIT_PX);
    if (stop > 0.0) store<f64>(v, stop, VO_STOP_PX);
    store<i32>(v, 0, VO_QUEUE_KNOWN);
    store<i64>(v, venueNs, VO_ARRIVAL_NS);
    requeueVenueOrder(slot);
    replyAck(instrument, venueNs, load<f64>(v, VO_LIMIT_PX), qty, true, id);
    if (load<i32>(vi, VI_MODE) == VENUE_TICKS && venueLeaves(v) > 0.0) matchOnArrival(slot, vi, venueNs);
  }
}

function acceptOrder(record: usize, instrument: i32, id: u64, qty: f64, venueNs: i64): void {
  const attributes = <i32>load<f64>(record, EV_B);
  const type = attributes & 15;
  const tif = (attributes >> 4) & 15;
  const flags = (attributes >> 8) & 255;
  const limit = load<f64>(record, EV_PRICE);
  const stop = load<f64>(record, EV_A);
  const needsLimit = type == TYPE_LIMIT || type == TYPE_STOP_LIMIT;
  const needsStop = type == TYPE_STOP || type == TYPE_STOP_LIMIT;
  if (!isFinite<f64>(qty) || qty == 0.0 || !isFinite<f64>(limit) || !isFinite<f64>(stop) || type >= TYPE_TRAILING_STOP || tif >= TIF_COUNT || needsLimit != (limit > 0.0) || needsStop != (stop > 0.0) || (tif == TIF_POST_ONLY && type != TYPE_LIMIT) || findVenueOrder(id) >= 0) {
    replyReject(instrument, venueNs, qty, VENUE_REJECT_INVALID, 0, id);
    return;
  }
  const vi = venueInstrumentAddress(instrument);
  const mode = load<i32>(vi, VI_MODE);
  if (tif == TIF_POST_ONLY && postOnlyCrosses(vi, mode, qty, limit)) {
    replyReject(instrument, venueNs, qty, VENUE_REJECT_POST_ONLY, 0, id);
    return;
  }
  const slot = addVenueOrder(id, instrument);
  if (slot < 0) {
    replyReject(instrument, venueNs, qty, VENUE_REJECT_FULL, 0, id);
    return;
  }
  const v = venueOrderAddress(slot);
  store<i32>(v, VO_RESTING, VO_STATE);
  store<i32>(v, type, VO_TYPE);
  store<i32>(v, tif, VO_TIF);
  store<i32>(v, flags, VO_FLAGS);
  store<f64>(v, qty, VO_TOTAL);
  store<f64>(v, 0.0, VO_FILLED);
  store<f64>(v, limit, VO_LIMIT_PX);
  store<f64>(v, stop, VO_STOP_PX);
  store<i64>(v, venueNs, VO_ARRIVAL_NS);
  // In bar mode nothing fills on arrival: a limit waits for a bar, so its fills at the limit are maker.
  store<i32>(v, mode == VENUE_BARS && type == TYPE_LIMIT ? 1 : 0, VO_MAKER);
  if (tif == TIF_DAY) {
    const expiry = endOfDay(venueNs);
    store<i64>(v, expiry, VO_EXPIRY_NS);
    noteExpiry(expiry);
  }
  replyAck(instrument, venueNs, limit, qty, false, id);
  if (mode == VENUE_TICKS) matchOnArrival(slot, vi, venueNs);
}
