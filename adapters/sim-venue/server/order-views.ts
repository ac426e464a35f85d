// The server's view of each order it received, kept from the replies it sends: state code
// (engine/orders OrderState), signed quantity, signed filled quantity, average fill price,
// and the venue order id its ACKs carry. Pure: one reply in, the next view out.
import { EventKind, KIND_MASK, type EventRecord } from '../../../engine/layout/event-record.js';
import { OrderState } from '../../../engine/orders/index.js';
import { RejectedRequest } from '../common/index.js';

export interface OrderView {
  readonly orderId: bigint;
  readonly clientOrderId: string;
  readonly instrument: number;
  readonly state: number;
  readonly qty: number;
  readonly filled: number;
  readonly avgPrice: number;
  readonly venueOrderId: number;
  /** The limit price in force (0: none; a view stored before it was kept reads as 0). */
  readonly limitPrice?: number;
}

/** Filled quantities within this fraction of the order count as all of it (the venue's own dust rule). */
const DUST = 1e-9;

const TERMINAL: ReadonlySet<number> = new Set([OrderState.FILLED, OrderState.CANCELED, OrderState.REJECTED, OrderState.EXPIRED]);
const WORKING: ReadonlySet<number> = new Set([OrderState.OPEN, OrderState.PARTIALLY_FILLED]);

export function isWorking(view: OrderView): boolean {
  return WORKING.has(view.state);
}

/** A new order the venue has not answered yet. */
export function newOrderView(orderId: bigint, clientOrderId: string, instrument: number, qty: number, limitPrice = 0): OrderView {
  return { orderId, clientOrderId, instrument, state: OrderState.PENDING_SUBMIT, qty, filled: 0, avgPrice: 0, venueOrderId: 0, limitPrice };
}

function fillState(qty: number, filled: number): number {
  return Math.abs(filled) >= Math.abs(qty) * (1 - DUST) ? OrderState.FILLED : OrderState.PARTIALLY_FILLED;
}

/** The view after reply `r` about it (venue order ids are assigned by the caller: `venueOrderId` for a new ACK). */
export function applyReply(view: OrderView, r: EventRecord, venueOrderId = view.venueOrderId): OrderView {
  switch (r.kind & KIND_MASK) {
    case EventKind.ACK:
      // A replace keeps the state: the venue refuses a new quantity not above what is filled.
      if (r.a === 1) return { ...view, qty: r.size, limitPrice: r.price > 0 ? r.price : view.limitPrice };
      return { ...view, venueOrderId, state: TERMINAL.has(view.state) || view.state === OrderState.PARTIALLY_FILLED ? view.state : OrderState.OPEN };
    case EventKind.FILL: {
      const filled = view.filled + r.size;
      const avgPrice = (view.avgPrice * Math.abs(view.filled) + r.price * Math.abs(r.size)) / Math.abs(filled);
      return { ...view, filled, avgPrice, state: fillState(view.qty, filled) };
    }
    case EventKind.CANCELED:
      return { ...view, state: OrderState.CANCELED };
    case EventKind.EXPIRED:
      return { ...view, state: OrderState.EXPIRED };
    case EventKind.REJECT:
      return r.b === RejectedRequest.ORDER && !TERMINAL.has(view.state) ? { ...view, state: OrderState.REJECTED } : view;
    default:
      return view;
  }
}
