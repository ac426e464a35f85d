// ROUND_TRIP records: the trade list, one record per lot piece a closing fill closed
// (lots.ts), written to the outbound ring in the order the fills were applied.
//
// ROUND_TRIP record (kind = ROUND_TRIP | DIRECTION_OUTBOUND):
//
//   0      4      8              16             24             32             40             48             56            64
//   | kind | inst | ts_exchange  | ts_local     | price (f64)  | size (f64)   | a (f64)      | b (f64)      | id (u64)    |
//                   entry fill     exit fill      entry price    signed qty     exit price     net P&L        entry order id
//                                                                (+ long trip)                 (account ccy)
//
// Extension (the next 64 bytes, in the ring's extension slot: outbound.ts):
//
//   0                 8            16              24             32           40          44
//   | exit order u64  | gross f64  | entryFees f64 | exitFees f64 | rate f64   | entryRule | exitRule | reserved |
//
//   gross        (exit - entry) * qty * multiplier, quote currency
//   entryFees    the entry fill's fee for this quantity, quote currency; exitFees likewise
//   rate         account currency per unit of the quote currency at the exit
//   net          (gross - entryFees - exitFees) * rate
import { DIRECTION_OUTBOUND, EV_A, EV_B, EV_ID, EV_PRICE, EV_SIZE, KIND_ROUND_TRIP } from '../layout';
import { outboundClaim, outboundExtension, outboundPublish, writeRecordHead } from '../outbound';
import { PH_ROUND_TRIPS, PH_WINNERS, PI_ROUND_TRIPS, PI_WINNERS, PORTFOLIO_HEADER, portfolioSlotAddress } from './portfolio-layout';

export const RT_EXIT_ORDER_ID: i32 = 0;
export const RT_GROSS: i32 = 8;
export const RT_ENTRY_FEES: i32 = 16;
export const RT_EXIT_FEES: i32 = 24;
export const RT_RATE: i32 = 32;
export const RT_ENTRY_RULE: i32 = 40;
export const RT_EXIT_RULE: i32 = 44;

/** Round trips that found no room (the unit reserve of engine.ts should make this 0). */
let dropped: i64 = 0;

export function roundTripsDropped(): i64 {
  return dropped;
}

/** Writes one round trip (see the header) to `ring`, and counts it (and a winner when net > 0). */
export function writeRoundTrip(
  ring: i32, instrument: i32, entryTs: i64, exitTs: i64, entryPx: f64, qty: f64, exitPx: f64, entryOrderId: u64, exitOrderId: u64,
  gross: f64, entryFees: f64, exitFees: f64, rate: f64, entryRule: i32, exitRule: i32,
): void {
  const net = (gross - entryFees - exitFees) * rate;
  const h = PORTFOLIO_HEADER;
  const p = portfolioSlotAddress(instrument);
  store<i64>(h, load<i64>(h, PH_ROUND_TRIPS) + 1, PH_ROUND_TRIPS);
  store<i64>(p, load<i64>(p, PI_ROUND_TRIPS) + 1, PI_ROUND_TRIPS);
  if (net > 0.0) {
    store<i64>(h, load<i64>(h, PH_WINNERS) + 1, PH_WINNERS);
    store<i64>(p, load<i64>(p, PI_WINNERS) + 1, PI_WINNERS);
  }
  if (ring < 0) return;
  const record = outboundClaim(ring);
  if (record == 0) {
    dropped++;
    return;
  }
  writeRecordHead(record, KIND_ROUND_TRIP | DIRECTION_OUTBOUND, instrument, entryTs, exitTs);
  store<f64>(record, entryPx, EV_PRICE);
  store<f64>(record, qty, EV_SIZE);
  store<f64>(record, exitPx, EV_A);
  store<f64>(record, net, EV_B);
  store<u64>(record, entryOrderId, EV_ID);
  const ext = outboundExtension(ring, record);
  store<u64>(ext, exitOrderId, RT_EXIT_ORDER_ID);
  store<f64>(ext, gross, RT_GROSS);
  store<f64>(ext, entryFees, RT_ENTRY_FEES);
  store<f64>(ext, exitFees, RT_EXIT_FEES);
  store<f64>(ext, rate, RT_RATE);
  store<i32>(ext, entryRule, RT_ENTRY_RULE);
  store<i32>(ext, exitRule, RT_EXIT_RULE);
  outboundPublish(ring);
}
