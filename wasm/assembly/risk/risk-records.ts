// Writes the risk module's outbound records (OrderDenied, OrderDeferred, FlattenRequired;
// layout and meaning in risk-reasons.ts) with the ring's producer half, one record at a time.
import { DIRECTION_OUTBOUND, EV_A, EV_B, EV_ID, EV_PRICE, EV_SIZE, KIND_REJECT } from '../layout';
import { ringFreeSlots } from '../ring';
import { outboundClaim, outboundPublish, writeRecordHead } from '../outbound';
import { RH_RISK_RECORDS, RISK_HEADER } from './risk-layout';

/** Free slots of `ring` for risk records. */
// @ts-ignore: decorator
@inline
export function riskRecordRoom(ring: i32): u32 {
  return ringFreeSlots(ring);
}

/** Claims, writes and publishes one risk record, and counts it (RH_RISK_RECORDS); the caller checked riskRecordRoom. */
export function publishRiskRecord(ring: i32, instrument: i32, tsNs: i64, clockNs: i64, price: f64, qty: f64, reason: i32, limit: f64, orderId: i64): void {
  const record = outboundClaim(ring);
  if (record == 0) return;
  writeRecordHead(record, KIND_REJECT | DIRECTION_OUTBOUND, instrument, tsNs, clockNs);
  store<f64>(record, price, EV_PRICE);
  store<f64>(record, qty, EV_SIZE);
  store<f64>(record, <f64>reason, EV_A);
  store<f64>(record, limit, EV_B);
  store<i64>(record, orderId, EV_ID);
  outboundPublish(ring);
  store<i64>(RISK_HEADER, load<i64>(RISK_HEADER, RH_RISK_RECORDS) + 1, RH_RISK_RECORDS);
}
