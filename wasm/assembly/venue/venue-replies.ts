// What the simulated venue sends back, exactly as a live adapter would publish it: ACK, FILL,
// CANCELED, REJECT and EXPIRED records (kind | SOURCE_PAPER | DIRECTION_INBOUND), stamped
// with the venue's time (tsExchange) and the time they reach the core (tsLocal = venue time
// + response latency, never before the venue's clock), queued until then (venue-queue.ts).
// Fields as order-events.ts reads them. Also the latency model and the venue's fills (fee,
// fill id, the venue's position).
//
// The venue's clock is the time of the record it is acting on (a command reaching it, a
// market record). A bar-mode fill is stamped inside the bar (its open, or the order's
// arrival) but the venue learns of it only at the bar's close: its reply is due no earlier
// than that, so replies never fall due before events already delivered.
import {
  DIRECTION_INBOUND, EV_A, EV_B, EV_ID, EV_PRICE, EV_SIZE, FLAG_MAKER, KIND_ACK, KIND_CANCELED, KIND_EXPIRED, KIND_FILL, KIND_REJECT, SOURCE_PAPER,
} from '../layout';
import { writeRecordHead } from '../outbound';
import { allocEvent, scheduleEvent } from './venue-queue';
import { randomUpTo } from './venue-math';
import {
  LATENCY_FEED, LATENCY_RANDOM, VENUE_HEADER, VH_CANCELED, VH_CLOCK_NS, VH_ENTRY_NS, VH_EXPIRED, VH_FEED_MULTIPLIER, VH_FILLS, VH_FILL_ID, VH_JITTER_NS,
  VH_LATENCY, VH_REJECTS, VH_RESPONSE_NS, VI_FEED_LATENCY_NS, VI_MAKER_FEE, VI_MULTIPLIER, VI_POSITION, VI_TAKER_FEE, VO_CLIENT_ID,
  VO_FILLED, VO_INSTRUMENT, VO_TOTAL, venueEventAddress, venueInstrumentAddress,
} from './venue-layout';

/** Replies that found no free queue entry (the engine keeps room, so this stays 0). */
let lost: i64 = 0;

/** Sets the venue's clock (the time of the record it is acting on, kept in its header so a
 *  checkpoint holds it): replies queued from now on are due at this time or later. */
export function setVenueClock(nowNs: i64): void {
  store<i64>(VENUE_HEADER, nowNs, VH_CLOCK_NS);
}

export function venueRepliesLost(): i64 {
  return lost;
}

/** Latency of one message to (`toVenue`) or from the venue about `instrument`, in ns. */
export function latencyNs(instrument: i32, toVenue: bool): i64 {
  const h = VENUE_HEADER;
  const base = load<i64>(h + <usize>(toVenue ? VH_ENTRY_NS : VH_RESPONSE_NS));
  const model = load<i32>(h, VH_LATENCY);
  if (model == LATENCY_RANDOM) return base + randomUpTo(load<i64>(h, VH_JITTER_NS));
  if (model == LATENCY_FEED) return base + <i64>(load<f64>(h, VH_FEED_MULTIPLIER) * <f64>load<i64>(venueInstrumentAddress(instrument), VI_FEED_LATENCY_NS));
  return base;
}

// @ts-ignore: decorator
@inline
function bump(field: i32): void {
  store<i64>(VENUE_HEADER + <usize>(field), load<i64>(VENUE_HEADER + <usize>(field)) + 1);
}

/** Queues one reply of `kind` about order `clientId` sent at venue time `venueNs`. */
export function reply(kind: i32, instrument: i32, venueNs: i64, price: f64, size: f64, a: f64, b: f64, clientId: u64): void {
  const entry = allocEvent();
  if (entry < 0) {
    lost++;
    return;
  }
  let due = venueNs + latencyNs(instrument, false);
  const clockNs = load<i64>(VENUE_HEADER, VH_CLOCK_NS);
  if (due < clockNs) due = clockNs;
  const record = venueEventAddress(entry);
  writeRecordHead(record, kind | SOURCE_PAPER | DIRECTION_INBOUND, instrument, venueNs, due);
  store<f64>(record, price, EV_PRICE);
  store<f64>(record, size, EV_SIZE);
  store<f64>(record, a, EV_A);
  store<f64>(record, b, EV_B);
  store<u64>(record, clientId, EV_ID);
  scheduleEvent(entry, due);
}

export function replyAck(instrument: i32, venueNs: i64, limitPx: f64, qty: f64, replace: bool, clientId: u64): void {
  reply(KIND_ACK, instrument, venueNs, limitPx, qty, replace ? 1.0 : 0.0, 0.0, clientId);
}

export function replyReject(instrument: i32, venueNs: i64, qty: f64, reason: i32, what: i32, clientId: u64): void {
  bump(VH_REJECTS);
  reply(KIND_REJECT, instrument, venueNs, 0.0, qty, <f64>reason, <f64>what, clientId);
}

/** CANCELED reply for the venue order at `v` (its signed leaves), with `reason`. */
export function replyCanceled(v: usize, venueNs: i64, reason: i32): void {
  bump(VH_CANCELED);
  reply(KIND_CANCELED, load<i32>(v, VO_INSTRUMENT), venueNs, 0.0, load<f64>(v, VO_TOTAL) - load<f64>(v, VO_FILLED), <f64>reason, 0.0, load<u64>(v, VO_CLIENT_ID));
}

/** EXPIRED reply for the venue order at `v` (its signed leaves), with `reason` (VENUE_EXPIRED_*). */
export function replyExpired(v: usize, venueNs: i64, reason: i32): void {
  bump(VH_EXPIRED);
  reply(KIND_EXPIRED, load<i32>(v, VO_INSTRUMENT), venueNs, 0.0, load<f64>(v, VO_TOTAL) - load<f64>(v, VO_FILLED), <f64>reason, 0.0, load<u64>(v, VO_CLIENT_ID));
}

/**
 * The venue fills `qty` (> 0) of the venue order at `v` at `price`, as maker or taker, at venue
 * time `venueNs`: its filled quantity and the venue's position move, and a FILL reply with the
 * fee (a fraction of qty * price * multiplier) and a new fill id is queued.
 */
export function venueFill(v: usize, qty: f64, price: f64, maker: bool, venueNs: i64): void {
  const instrument = load<i32>(v, VO_INSTRUMENT);
  const vi = venueInstrumentAddress(instrument);
  const total = load<f64>(v, VO_TOTAL);
  const signed = total > 0.0 ? qty : -qty;
  store<f64>(v, load<f64>(v, VO_FILLED) + signed, VO_FILLED);
  store<f64>(vi, load<f64>(vi, VI_POSITION) + signed, VI_POSITION);
  const fee = qty * price * load<f64>(vi, VI_MULTIPLIER) * load<f64>(vi + <usize>(maker ? VI_MAKER_FEE : VI_TAKER_FEE));
  const fillId = load<u64>(VENUE_HEADER, VH_FILL_ID) + 1;
  store<u64>(VENUE_HEADER, fillId, VH_FILL_ID);
  bump(VH_FILLS);
  reply(KIND_FILL | (maker ? FLAG_MAKER : 0), instrument, venueNs, price, signed, fee, <f64>fillId, load<u64>(v, VO_CLIENT_ID));
}

