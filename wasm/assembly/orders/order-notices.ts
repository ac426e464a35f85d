// ORDER_NOTICE records: what the order table tells the I/O thread beyond the commands it
// sends. A venue event it could not apply as is (unknown order, duplicate, late, illegal,
// overfill ...) is counted and written, never silently dropped; so is every order that turns
// UNCERTAIN (the I/O thread must reconcile it) or leaves that state. Codes: order-layout.ts.
//
// ORDER_NOTICE record (kind = ORDER_NOTICE | DIRECTION_OUTBOUND):
//
//   0      4      8              16             24             32             40             48             56            64
//   | kind | inst | ts_exchange  | ts_local     | price (f64)  | size (f64)   | a (f64)      | b (f64)      | id (u64)    |
//                   event time     risk clock     event price    event qty      notice code    order state    order id
//                                                                                              before (0: none)
import { DIRECTION_OUTBOUND, EV_A, EV_B, EV_ID, EV_PRICE, EV_SIZE, KIND_ORDER_NOTICE } from '../layout';
import { outboundClaim, outboundPublish, writeRecordHead } from '../outbound';
import { NOTICE_CODES, NOTICE_ILLEGAL_TRANSITION, NOTICE_ORDER_ALIVE, NOTICE_OVERFILL, NOTICE_WRONG_SIDE, OC_ILLEGAL, OH_NOTICES, ORDERS_HEADER } from './order-layout';
import { bumpCounter } from './order-table';

/** Notices that found no room (the engine's unit reserve should make this 0). */
let dropped: i64 = 0;

export function noticesDropped(): i64 {
  return dropped;
}

/** Counts notice `code` (and an illegal transition where it is one) and writes its record to `ring`. */
export function writeNotice(ring: i32, code: i32, instrument: i32, tsNs: i64, clockNs: i64, price: f64, qty: f64, stateBefore: i32, orderId: u64): void {
  if (code > 0 && code < NOTICE_CODES) {
    const at = ORDERS_HEADER + <usize>(OH_NOTICES + (code << 3));
    store<i64>(at, load<i64>(at) + 1);
  }
  if (code == NOTICE_ILLEGAL_TRANSITION || code == NOTICE_OVERFILL || code == NOTICE_WRONG_SIDE || code == NOTICE_ORDER_ALIVE) bumpCounter(OC_ILLEGAL);
  const record = outboundClaim(ring);
  if (record == 0) {
    dropped++;
    return;
  }
  writeRecordHead(record, KIND_ORDER_NOTICE | DIRECTION_OUTBOUND, instrument, tsNs, clockNs);
  store<f64>(record, price, EV_PRICE);
  store<f64>(record, qty, EV_SIZE);
  store<f64>(record, <f64>code, EV_A);
  store<f64>(record, <f64>stateBefore, EV_B);
  store<u64>(record, orderId, EV_ID);
  outboundPublish(ring);
}
