// Writes the risk module's outbound records (OrderDenied, OrderDeferred, FlattenRequired;
// layout and meaning in risk-reasons.ts) with the ring's producer half. Outside a batch each
// record is published at once. A batch caller (decCheckTargets) opens a batch on its ring
// (riskRecordsOpen): records then go to a private cursor past the published sequence and are
// published together by riskRecordsClose (one atomic store per batch, not per record);
// riskRecordRoom counts the batch's unpublished records as used.
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
import { ringFreeSlots, ringPublish, ringPublished, ringSlotAddress } from '../ring';

/** Ring of the open batch (-1: none) and the sequence after its last written record. */
let batchRing: i32 = -1;
let batchEnd: u32 = 0;

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

/** Opens a batch on `ring` (checked by the caller): records are published by riskRecordsClose. */
export function riskRecordsOpen(ring: i32): void {
  batchRing = ring;
  batchEnd = ringPublished(ring);
}

/** Publishes the records written since riskRecordsOpen and closes the batch. */
export function riskRecordsClose(): void {
  const ring = batchRing;
  if (ring < 0) return;
  batchRing = -1;
  if (batchEnd != ringPublished(ring)) ringPublish(ring, batchEnd);
}

/** Free slots of `ring` for risk records (the open batch's unpublished records count as used). */
// @ts-ignore: decorator
@inline
export function riskRecordRoom(ring: i32): u32 {
  const free = ringFreeSlots(ring);
  return ring == batchRing ? free - (batchEnd - ringPublished(ring)) : free;
}

/**
 * Claims, writes and publishes one risk record (inside a batch on `ring`: claims and writes
 * it; riskRecordsClose publishes); the caller checked riskRecordRoom.
 */
export function publishRiskRecord(ring: i32, instrument: i32, tsNs: i64, clockNs: i64, price: f64, qty: f64, reason: i32, limit: f64, orderId: i64): void {
  if (ring == batchRing) {
    const at = batchEnd;
    writeRiskRecord(ring, at, instrument, tsNs, clockNs, price, qty, reason, limit, orderId);
    batchEnd = at + 1;
    return;
  }
  const seq = ringPublished(ring);
  writeRiskRecord(ring, seq, instrument, tsNs, clockNs, price, qty, reason, limit, orderId);
  ringPublish(ring, seq + 1);
}
