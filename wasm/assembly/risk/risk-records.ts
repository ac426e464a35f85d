// Writes the risk module's outbound records (OrderDenied, OrderDeferred, FlattenRequired;
// layout and meaning in risk-reasons.ts) with the ring's producer half.
import {
  DIRECTION_OUTBOUND,
  EV_A,
  EV_B,
  EV_ID,
  EV_INSTRUMENT,
  EV_KIND,
  EV_PRICE,
  EV_SIZE,
  EV_TS_EXCHANGE,
  EV_TS_LOCAL,
  KIND_REJECT,
} from '../layout';
import { ringPublish, ringPublished, ringSlotAddress } from '../ring';

/** Writes one risk record into the claimed slot at `seq` of `ring` (the caller claimed it). */
// @ts-ignore: decorator
@inline
export function writeRiskRecord(ring: i32, seq: u32, instrument: i32, tsNs: i64, clockNs: i64, price: f64, qty: f64, reason: i32, limit: f64, orderId: i64): void {
  const record = ringSlotAddress(ring, seq);
  store<i32>(record, KIND_REJECT | DIRECTION_OUTBOUND, EV_KIND);
  store<i32>(record, instrument, EV_INSTRUMENT);
  store<i64>(record, tsNs, EV_TS_EXCHANGE);
  store<i64>(record, clockNs, EV_TS_LOCAL);
  store<f64>(record, price, EV_PRICE);
  store<f64>(record, qty, EV_SIZE);
  store<f64>(record, <f64>reason, EV_A);
  store<f64>(record, limit, EV_B);
  store<i64>(record, orderId, EV_ID);
}

/** Claims, writes and publishes one risk record; the caller checked the ring has room. */
export function publishRiskRecord(ring: i32, instrument: i32, tsNs: i64, clockNs: i64, price: f64, qty: f64, reason: i32, limit: f64, orderId: i64): void {
  const seq = ringPublished(ring);
  writeRiskRecord(ring, seq, instrument, tsNs, clockNs, price, qty, reason, limit, orderId);
  ringPublish(ring, seq + 1);
}
