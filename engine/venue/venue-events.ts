// What comes out of the simulated venue's event queue, decoded into plain objects, each with
// the time it falls due: the venue's replies (ACK, FILL, CANCELED, REJECT, EXPIRED: fields of
// the header of wasm/assembly/orders/order-events.ts; an EXPIRED carries why, as a CANCELED does), the commands reaching the venue (which
// it acts on as they come out) and its own expiry timer.
import { EventKind, KIND_MASK } from '../layout/event-record.js';
import { decodeVenueCommand, type VenueCommand } from './venue-commands.js';
import type { VenueRecord } from './venue-record.js';
import { cancelReasonName, expiryReasonName, rejectReasonName, type CancelReasonName, type ExpiryReasonName, type RejectReasonName } from '../orders/index.js';

/** Why the venue refused an order, a cancel or a replace (engine/orders venue-reason-names.ts names every code). */
export type VenueRejectReason = RejectReasonName;
/** Why an order was canceled: on request, an IOC / FOK remainder (unfilled), a reduce-only with nothing left to reduce. */
export type VenueCancelReason = CancelReasonName;
/** Why an order expired: its time in force ran out (a DAY order at its end of day), or a post-only arriving marketable would have taken liquidity. */
export type VenueExpiryReason = ExpiryReasonName;
/** What a REJECT refuses: the order itself, or a cancel or replace of it. */
export type VenueRejectedRequest = 'order' | 'cancel' | 'replace';

const REJECTED_REQUESTS: readonly VenueRejectedRequest[] = ['order', 'cancel', 'replace'];

interface ReplyHead {
  readonly instrument: number;
  readonly clientId: bigint;
  /** The venue's time of the event (tsExchange). */
  readonly venueNs: bigint;
  /** When it reaches the core (tsLocal): venue time + response latency, never before the venue's clock. */
  readonly dueNs: bigint;
}

export interface VenueAck extends ReplyHead {
  readonly type: 'ack';
  readonly limitPrice: number;
  /** Signed quantity (of a replace: the new total). */
  readonly qty: number;
  readonly replace: boolean;
}

export interface VenueFill extends ReplyHead {
  readonly type: 'fill';
  readonly price: number;
  /** Signed. */
  readonly qty: number;
  /** In the quote currency: qty * price * multiplier * (maker or taker fee). */
  readonly fee: number;
  readonly fillId: number;
  readonly maker: boolean;
}

export interface VenueCanceled extends ReplyHead {
  readonly type: 'canceled';
  /** Signed quantity canceled (the leaves). */
  readonly qty: number;
  readonly reason: VenueCancelReason;
}

export interface VenueReject extends ReplyHead {
  readonly type: 'reject';
  readonly qty: number;
  readonly reason: VenueRejectReason;
  readonly of: VenueRejectedRequest;
}

export interface VenueExpired extends ReplyHead {
  readonly type: 'expired';
  /** Signed quantity expired (the leaves). */
  readonly qty: number;
  readonly reason: VenueExpiryReason;
}

/** A command reaching the venue, sent at `sentNs`, due (arriving) at `dueNs`. */
export interface VenueArrival {
  readonly type: 'arrival';
  readonly command: VenueCommand;
  readonly sentNs: bigint;
  readonly dueNs: bigint;
}

/** The venue's expiry timer: DAY orders whose day ended by `dueNs` expire. */
export interface VenueExpiryTimer {
  readonly type: 'expiry-timer';
  readonly dueNs: bigint;
}

/**
 * A live venue's order status (ORDER_STATUS: reconciliation found the venue's view of an order
 * differs from ours, engine/live reconcile.ts); the simulated venue never sends one.
 */
export interface VenueOrderStatus extends ReplyHead {
  readonly type: 'status';
  /** The order's state at the venue (engine/orders OrderState). */
  readonly state: number;
  /** Signed order quantity and signed cumulative filled quantity at the venue. */
  readonly qty: number;
  readonly filled: number;
  /** Average fill price (0: none). */
  readonly avgPrice: number;
}

export type VenueReply = VenueAck | VenueFill | VenueCanceled | VenueReject | VenueExpired | VenueOrderStatus;
export type VenueEvent = VenueReply | VenueArrival | VenueExpiryTimer;

/** A reason code's name; the simulated venue sends only codes the table names, so any other is a broken invariant. */
function nameOf<T extends string>(name: (code: number) => T, code: number, what: string): T {
  const named = name(code);
  if (named.startsWith('code ')) throw new Error(`venue reply holds ${what} ${code}, which the venue never sends`);
  return named;
}

const REPLY_BITS = EventKind.SOURCE_PAPER | EventKind.DIRECTION_INBOUND;

/** Decodes the queue record `r` that fell due at `dueNs`. */
export function decodeVenueEvent(r: VenueRecord, dueNs: bigint): VenueEvent {
  if ((r.kind & EventKind.DIRECTION_OUTBOUND) !== 0) {
    if ((r.kind & KIND_MASK) === EventKind.TIMER) return { type: 'expiry-timer', dueNs };
    return { type: 'arrival', command: decodeVenueCommand(r), sentNs: r.tsExchange, dueNs };
  }
  if ((r.kind & REPLY_BITS) !== REPLY_BITS) throw new Error(`venue queue record of kind ${r.kind} is neither a command nor a paper reply`);
  if (r.tsLocal !== dueNs) throw new Error(`venue reply of kind ${r.kind} for order ${r.id} is due at ${dueNs} but stamped to arrive at ${r.tsLocal}`);
  const head = { instrument: r.instrument, clientId: r.id, venueNs: r.tsExchange, dueNs };
  switch (r.kind & KIND_MASK) {
    case EventKind.ACK:
      return { type: 'ack', ...head, limitPrice: r.price, qty: r.size, replace: r.a === 1 };
    case EventKind.FILL:
      return { type: 'fill', ...head, price: r.price, qty: r.size, fee: r.a, fillId: r.b, maker: (r.kind & EventKind.FLAG_MAKER) !== 0 };
    case EventKind.CANCELED:
      return { type: 'canceled', ...head, qty: r.size, reason: nameOf(cancelReasonName, r.a, 'cancel reason') };
    case EventKind.REJECT: {
      const of = REJECTED_REQUESTS[r.b];
      if (of === undefined) throw new Error(`venue REJECT for order ${r.id} names request ${r.b}, which is none of 0 order, 1 cancel, 2 replace`);
      return { type: 'reject', ...head, qty: r.size, reason: nameOf(rejectReasonName, r.a, 'reject reason'), of };
    }
    case EventKind.EXPIRED:
      return { type: 'expired', ...head, qty: r.size, reason: nameOf(expiryReasonName, r.a, 'expiry reason') };
    default:
      throw new Error(`venue reply of kind ${r.kind} is none of ACK, FILL, CANCELED, REJECT, EXPIRED`);
  }
}
