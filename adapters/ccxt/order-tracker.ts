// The adapter's view of its orders, built only from what the venue said (REST answers, order
// updates, fills), and the records that view change produces, each once:
//   ACK on the first sign the venue holds the order (answer, update or fill, whichever comes first);
//   FILL once per venue trade id (duplicates dropped, any order of arrival);
//   CANCELED / EXPIRED / REJECT once, and only after every fill the venue counted before it
//   (a terminal update that arrives ahead of its fills waits; `missingFills` says which orders
//   need a REST backfill of their trades).
// No I/O here: the adapter feeds it and writes the records it emits.
import type { VenueOrderRequest, VenueOrderView } from '../../engine/live/index.js';
import { OrderState } from '../../engine/orders/index.js';
import { CancelReason, RejectReason, RejectedRequest } from './common/consts.js';
import {
  venueIdOf, writeAckRecord, writeCanceledRecord, writeExpiredRecord, writeFillRecord, writeRejectRecord,
  type CcxtOrder, type FillFacts, type OrderEventFields,
} from './common/parse.js';
import { orderStateOf } from './common/enums.js';

export type RecordWriter = (write: (view: DataView, at: number) => void) => void;

interface TrackedOrder {
  readonly orderId: bigint;
  readonly clientOrderId: string;
  readonly instrument: number;
  readonly sign: 1 | -1;
  readonly qty: number;
  readonly limitPrice: number;
  venueOrderId: number;
  state: number;
  acked: boolean;
  filled: number;
  notional: number;
  readonly fillIds: Set<number>;
  /** Cumulative filled the venue reported. */
  venueFilled: number;
  /** A terminal status waiting for its fills. */
  pendingTerminal: { status: string; tsExchange: bigint } | null;
  closed: boolean;
  submissions: number;
}

const EPS = 1e-9;

export class OrderTracker {
  private readonly byClientId = new Map<string, TrackedOrder>();
  private readonly byVenueId = new Map<number, TrackedOrder>();
  lastFillId = 0;

  constructor(private readonly emit: RecordWriter) {}

  has(clientOrderId: string): boolean { return this.byClientId.has(clientOrderId); }

  /** A new order is about to be sent. */
  submitted(req: VenueOrderRequest): void {
    this.byClientId.set(req.clientOrderId, {
      orderId: req.orderId, clientOrderId: req.clientOrderId, instrument: req.instrument, sign: req.qty > 0 ? 1 : -1, qty: Math.abs(req.qty),
      limitPrice: req.limitPrice, venueOrderId: 0, state: OrderState.PENDING_SUBMIT, acked: false, filled: 0, notional: 0, fillIds: new Set(),
      venueFilled: 0, pendingTerminal: null, closed: false, submissions: 1,
    });
  }

  /** Refused before it reached the venue (precision guard), or rejected by it. */
  rejected(clientOrderId: string, reason: number, tsExchange: bigint, tsLocal: bigint): void {
    const o = this.byClientId.get(clientOrderId);
    if (!o || o.closed) return;
    o.state = OrderState.REJECTED;
    o.closed = true;
    this.emit((v, at) => writeRejectRecord(v, at, this.fields(o, tsExchange, tsLocal), o.sign * o.qty, reason, RejectedRequest.ORDER));
  }

  /** The venue refused a cancel (or a replace) of the order. */
  requestRejected(clientOrderId: string, request: number, reason: number, tsExchange: bigint, tsLocal: bigint): void {
    const o = this.byClientId.get(clientOrderId);
    if (!o) return;
    this.emit((v, at) => writeRejectRecord(v, at, this.fields(o, tsExchange, tsLocal), o.sign * o.qty, reason, request));
  }

  /** The outcome of the submission is unknown (no answer): the order is UNCERTAIN until the venue is asked. */
  uncertain(clientOrderId: string): void {
    const o = this.byClientId.get(clientOrderId);
    if (o && !o.acked && !o.closed) o.state = OrderState.UNCERTAIN;
  }

  /** An order as the venue reports it (REST answer or stream update); foreign orders are ignored. */
  order(order: CcxtOrder, tsLocal: bigint): void {
    const o = order.clientOrderId !== undefined ? this.byClientId.get(order.clientOrderId) : undefined;
    if (!o) return;
    const ts = BigInt(order.lastUpdateTimestamp ?? order.timestamp ?? 0) * 1_000_000n;
    if (order.id !== undefined && o.venueOrderId === 0) { o.venueOrderId = venueIdOf(order.id, 'order.id'); this.byVenueId.set(o.venueOrderId, o); }
    this.ack(o, BigInt(order.timestamp ?? 0) * 1_000_000n, tsLocal);
    const filled = order.filled ?? 0;
    if (filled > o.venueFilled) o.venueFilled = filled;
    const state = orderStateOf(order.status, filled);
    if ((state === OrderState.FILLED || state === OrderState.CANCELED || state === OrderState.EXPIRED || state === OrderState.REJECTED) && !o.closed && !o.pendingTerminal) {
      o.pendingTerminal = { status: order.status ?? 'closed', tsExchange: ts };
    }
    this.finish(o, tsLocal);
  }

  /** A fill (my-trade) of the order with venue id `fill.venueOrderId`; false when the order is not one of ours. */
  fill(fill: FillFacts, tsLocal: bigint): boolean {
    const o = this.byVenueId.get(fill.venueOrderId);
    if (!o) return false;
    if (o.fillIds.has(fill.fillId)) return true;
    this.ack(o, fill.tsExchange, tsLocal);
    o.fillIds.add(fill.fillId);
    o.filled += fill.amount;
    o.notional += fill.amount * fill.price;
    if (o.filled > o.venueFilled) o.venueFilled = o.filled;
    if (fill.fillId > this.lastFillId) this.lastFillId = fill.fillId;
    if (!o.pendingTerminal && !o.closed) o.state = o.filled >= o.qty - EPS ? OrderState.FILLED : OrderState.PARTIALLY_FILLED;
    this.emit((v, at) => writeFillRecord(v, at, fill, o.orderId, o.instrument, o.sign, tsLocal));
    this.finish(o, tsLocal);
    return true;
  }

  /** Orders whose venue-reported filled quantity is ahead of the fills received: symbol backfill needed. */
  missingFills(): { clientOrderId: string; instrument: number; venueOrderId: number }[] {
    return [...this.byClientId.values()].filter((o) => o.venueOrderId !== 0 && o.venueFilled > o.filled + EPS)
      .map((o) => ({ clientOrderId: o.clientOrderId, instrument: o.instrument, venueOrderId: o.venueOrderId }));
  }

  /** Orders not yet final (their state may have moved while the stream was down). */
  unsettled(): { clientOrderId: string; instrument: number }[] {
    return [...this.byClientId.values()].filter((o) => !o.closed).map((o) => ({ clientOrderId: o.clientOrderId, instrument: o.instrument }));
  }

  view(clientOrderId: string): VenueOrderView | null {
    const o = this.byClientId.get(clientOrderId);
    if (!o) return null;
    return {
      orderId: o.orderId, clientOrderId: o.clientOrderId, instrument: o.instrument, state: o.state, qty: o.sign * o.qty, filled: o.sign * o.filled,
      avgPrice: o.filled > 0 ? o.notional / o.filled : 0, submissions: o.submissions,
    };
  }

  views(): VenueOrderView[] { return [...this.byClientId.keys()].map((id) => this.view(id)!); }

  private fields(o: TrackedOrder, tsExchange: bigint, tsLocal: bigint): OrderEventFields {
    return { orderId: o.orderId, instrument: o.instrument, tsExchange, tsLocal };
  }

  private ack(o: TrackedOrder, tsExchange: bigint, tsLocal: bigint): void {
    if (o.acked || o.closed) return;
    o.acked = true;
    if (o.state === OrderState.PENDING_SUBMIT || o.state === OrderState.UNCERTAIN) o.state = OrderState.OPEN;
    this.emit((v, at) => writeAckRecord(v, at, this.fields(o, tsExchange, tsLocal), o.sign * o.qty, o.limitPrice, o.venueOrderId, false));
  }

  private finish(o: TrackedOrder, tsLocal: bigint): void {
    const t = o.pendingTerminal;
    if (!t || o.closed || o.filled < o.venueFilled - EPS) return;
    o.closed = true;
    const remaining = o.sign * Math.max(0, o.qty - o.filled);
    const e = this.fields(o, t.tsExchange, tsLocal);
    switch (t.status) {
      case 'closed': o.state = OrderState.FILLED; break;
      case 'canceled': o.state = OrderState.CANCELED; this.emit((v, at) => writeCanceledRecord(v, at, e, remaining, CancelReason.REQUESTED)); break;
      case 'expired': o.state = OrderState.EXPIRED; this.emit((v, at) => writeExpiredRecord(v, at, e, remaining)); break;
      default: o.state = OrderState.REJECTED; this.emit((v, at) => writeRejectRecord(v, at, e, o.sign * o.qty, RejectReason.INVALID, RejectedRequest.ORDER));
    }
  }
}
