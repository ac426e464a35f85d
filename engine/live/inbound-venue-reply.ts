// The venue's replies as a live session receives them: inbound ACK, FILL, CANCELED, REJECT,
// EXPIRED and ORDER_STATUS records (SOURCE_LIVE, written by the adapters' parse functions, e.g. adapters/ccxt
// common/parse.ts) decoded into the VenueReply objects the outbound drain hands its
// `onVenueReport` listeners for the simulated venue's replies. In live mode the core takes the
// venue's replies from the inbound ring, so no onVenueReport ever fires: a watcher (the state
// server's fills and orders, the fill webhooks) gets them from here instead.
//
//   price  size (signed)  a                    b                   id
//   ACK    limit  qty     1 = replace          venue order id      order id
//   FILL   price  qty     fee (quote)          fill id             order id
//   CANCELED  -   leaves  cancel reason code   -                   order id
//   REJECT    -   qty     reject reason code   0 order 1 cancel 2 replace
//   EXPIRED   -   leaves  expiry reason code   -                   order id
//   ORDER_STATUS avg price  filled  state (OrderState)  order qty  order id
//     (reconciliation's resolution of an order whose venue view differs: reconcile.ts)
//
// Reason codes are named by the table every reader shares (engine/orders venue-reason-names.ts:
// the simulated venue's, the adapters' and reconciliation's own, e.g. REJECT_LOST_BEFORE_VENUE);
// a code it does not hold reads `code N`: a watcher shows the outcome, never throws on the I/O thread.
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../layout/event-record.js';
import { cancelReasonName, expiryReasonName, rejectReasonName } from '../orders/index.js';
import type { VenueRejectedRequest, VenueReply } from '../venue/index.js';

const REJECTED_REQUESTS: readonly VenueRejectedRequest[] = ['order', 'cancel', 'replace'];

/** The reply an inbound venue record carries; null for any other record (market data, TIMER, MODEL, FEED_HEALTH). */
export function inboundVenueReply(record: Uint8Array): VenueReply | null {
  const view = new DataView(record.buffer, record.byteOffset, 64);
  const word = view.getInt32(EV_KIND, true);
  if ((word & EventKind.DIRECTION_OUTBOUND) !== 0) return null;
  const head = {
    instrument: view.getInt32(EV_INSTRUMENT, true), clientId: view.getBigUint64(EV_ID, true),
    venueNs: view.getBigInt64(EV_TS_EXCHANGE, true), dueNs: view.getBigInt64(EV_TS_LOCAL, true),
  };
  const price = view.getFloat64(EV_PRICE, true);
  const qty = view.getFloat64(EV_SIZE, true);
  const a = view.getFloat64(EV_A, true);
  const b = view.getFloat64(EV_B, true);
  switch (word & KIND_MASK) {
    case EventKind.ACK:
      return { type: 'ack', ...head, limitPrice: price, qty, replace: a === 1 };
    case EventKind.FILL:
      return { type: 'fill', ...head, price, qty, fee: a, fillId: b, maker: (word & EventKind.FLAG_MAKER) !== 0 };
    case EventKind.CANCELED:
      return { type: 'canceled', ...head, qty, reason: cancelReasonName(a) };
    case EventKind.REJECT:
      return { type: 'reject', ...head, qty, reason: rejectReasonName(a), of: REJECTED_REQUESTS[codeIndex(b)] ?? 'order' };
    case EventKind.EXPIRED:
      return { type: 'expired', ...head, qty, reason: expiryReasonName(a) };
    case EventKind.ORDER_STATUS:
      return { type: 'status', ...head, state: a, qty: b, filled: qty, avgPrice: price };
    default:
      return null;
  }
}

/** A code field (f64) as an index; -1 (no entry) when it is not a whole number. */
function codeIndex(value: number): number {
  return Number.isInteger(value) ? value : -1;
}
