// The adapter's view of its orders, built only from what the venue said (REST answers, order
// updates, fills), and the records that view change produces, each once:
//   ACK on the first sign the venue holds the order (answer, update or fill, whichever comes first);
//   FILL once per venue trade id (duplicates dropped, any order of arrival), numbered by FillIds
//   (the venue's decimal id, or the next assigned number for a string trade id);
//   CANCELED / EXPIRED / REJECT once, and only after every fill the venue counted before it
//   (a terminal update that arrives ahead of its fills waits; `missingFills` says which orders
//   need a REST backfill of their trades).
// Orders sent by an earlier process of the session are unknown until the adapter recovers them
// (`recovered`: the fills the journal already holds are marked seen, never emitted again).
// No I/O here: the adapter feeds it and writes the records it emits.
import type { VenueOrderRequest, VenueOrderView } from '../../engine/live/index.js';
import { OrderState } from '../../engine/orders/index.js';
import { CancelReason, RejectReason, RejectedRequest } from './common/consts.js';
import {
  venueIdOf, writeAckRecord, writeCanceledRecord, writeExpiredRecord, writeFillRecord, writeRejectRecord,
  type CcxtOrder, type FillFacts, type OrderEventFields,
} from './common/parse.js';
import { orderStateOf } from './common/enums.js';
import { FillIds } from './common/fill-ids.js';

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
  /** Venue trade ids of the fills counted (emitted, or journaled by an earlier process). */
  readonly tradeIds: Set<string>;
  /** Cumulative filled the venue reported. */
  venueFilled: number;
  /** A terminal status waiting for its fills. */
  pendingTerminal: { status: string; tsExchange: bigint } | null;
  closed: boolean;
  submissions: number;
}

const EPS = 1e-9;

/** A streamed fill held back: it would have filled its order past its quantity. */
export interface Overfill {
  readonly clientOrderId: string;
  readonly instrument: number;
  readonly venueOrderId: number;
  readonly tradeId: string;
  readonly amount: number;
  /** The order's filled quantity and its quantity when the fill came. */
  readonly filled: number;
  readonly qty: number;
}

export class OrderTracker {
  private readonly byClientId = new Map<string, TrackedOrder>();
  private readonly byVenueId = new Map<number, TrackedOrder>();
  private readonly overfills: Overfill[] = [];

  constructor(private readonly emit: RecordWriter, private readonly fillIds: FillIds = new FillIds('venue')) {}

  /** The largest fill id handed out. */
  get lastFillId(): number { return this.fillIds.last; }
  /** The latest venue time of a fill counted (emitted or recovered as journaled), ns; 0 when none. */
  lastFillNs = 0n;

  has(clientOrderId: string): boolean { return this.byClientId.has(clientOrderId); }

  /** A new order is about to be sent. */
  submitted(req: VenueOrderRequest): void {
    this.byClientId.set(req.clientOrderId, {
      orderId: req.orderId, clientOrderId: req.clientOrderId, instrument: req.instrument, sign: req.qty > 0 ? 1 : -1, qty: Math.abs(req.qty),
      limitPrice: req.limitPrice, venueOrderId: 0, state: OrderState.PENDING_SUBMIT, acked: false, filled: 0, notional: 0, tradeIds: new Set(),
      venueFilled: 0, pendingTerminal: null, closed: false, submissions: 1,
    });
  }

  /**
   * An order an earlier process of the session sent (the venue knows it; this process did not
   * submit it): tracked from now on as acknowledged, with `journaled` (the fills the journal
   * holds) counted as seen, so only its other fills are emitted. False when already tracked.
   */
  recovered(order: {
    orderId: bigint; clientOrderId: string; instrument: number; sign: 1 | -1; qty: number; limitPrice: number; venueOrderId: number; journaled: readonly FillFacts[];
  }): boolean {
    if (this.byClientId.has(order.clientOrderId)) return false;
    const o: TrackedOrder = {
      orderId: order.orderId, clientOrderId: order.clientOrderId, instrument: order.instrument, sign: order.sign, qty: Math.abs(order.qty),
      limitPrice: order.limitPrice, venueOrderId: order.venueOrderId, state: OrderState.OPEN, acked: true, filled: 0, notional: 0, tradeIds: new Set(),
      venueFilled: 0, pendingTerminal: null, closed: false, submissions: 1,
    };
    for (const f of order.journaled) {
      o.tradeIds.add(f.tradeId);
      o.filled += f.amount;
      o.notional += f.amount * f.price;
      if (f.tsExchange > this.lastFillNs) this.lastFillNs = f.tsExchange;
    }
    o.venueFilled = o.filled;
    if (o.filled > EPS) o.state = o.filled >= o.qty - EPS ? OrderState.FILLED : OrderState.PARTIALLY_FILLED;
    this.byClientId.set(o.clientOrderId, o);
    if (o.venueOrderId !== 0) this.byVenueId.set(o.venueOrderId, o);
    return true;
  }

  /** Whether the order with venue id `venueOrderId` is tracked. */
  hasVenueOrder(venueOrderId: number): boolean { return this.byVenueId.has(venueOrderId); }

  /** The engine order behind venue order `venueOrderId` (its id, instrument and side), null when not tracked. */
  owner(venueOrderId: number): { orderId: bigint; instrument: number; sign: 1 | -1 } | null {
    const o = this.byVenueId.get(venueOrderId);
    return o ? { orderId: o.orderId, instrument: o.instrument, sign: o.sign } : null;
  }

  /** Whether venue trade `tradeId` of order `venueOrderId` was counted already. */
  seen(venueOrderId: number, tradeId: string): boolean { return this.byVenueId.get(venueOrderId)?.tradeIds.has(tradeId) ?? false; }

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

  /**
   * A fill (my-trade) of the order with venue id `fill.venueOrderId`; false when the order is not
   * one of ours. Its FILL record goes to `sink` (default: the tracker's writer; reconciliation
   * collects the records it returns), once per venue trade id.
   */
  fill(fill: FillFacts, tsLocal: bigint, sink: RecordWriter = this.emit, verified = false): boolean {
    const o = this.byVenueId.get(fill.venueOrderId);
    if (!o) return false;
    if (o.tradeIds.has(fill.tradeId)) return true;
    // A streamed fill that would fill the order past its quantity contradicts the venue's own
    // numbers (a report with a new trade id for quantity already filled): it is not counted;
    // the order's fills are asked from the venue's REST record instead (`verified`).
    if (!verified && o.filled + fill.amount > o.qty + EPS) {
      this.overfills.push({ clientOrderId: o.clientOrderId, instrument: o.instrument, venueOrderId: o.venueOrderId, tradeId: fill.tradeId, amount: fill.amount, filled: o.filled, qty: o.qty });
      return true;
    }
    const fillId = this.fillIds.of(fill.tradeId);
    this.ack(o, fill.tsExchange, tsLocal, sink);
    o.tradeIds.add(fill.tradeId);
    if (fill.tsExchange > this.lastFillNs) this.lastFillNs = fill.tsExchange;
    o.filled += fill.amount;
    o.notional += fill.amount * fill.price;
    if (o.filled > o.venueFilled) o.venueFilled = o.filled;
    if (!o.pendingTerminal && !o.closed) o.state = o.filled >= o.qty - EPS ? OrderState.FILLED : OrderState.PARTIALLY_FILLED;
    sink((v, at) => writeFillRecord(v, at, fill, fillId, o.orderId, o.instrument, o.sign, tsLocal));
    this.finish(o, tsLocal, sink);
    return true;
  }

  /** Streamed fills held back since they would have filled their order past its quantity (see fill), taken once. */
  takeOverfills(): Overfill[] {
    return this.overfills.splice(0);
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

  private ack(o: TrackedOrder, tsExchange: bigint, tsLocal: bigint, emit: RecordWriter = this.emit): void {
    if (o.acked || o.closed) return;
    o.acked = true;
    if (o.state === OrderState.PENDING_SUBMIT || o.state === OrderState.UNCERTAIN) o.state = OrderState.OPEN;
    emit((v, at) => writeAckRecord(v, at, this.fields(o, tsExchange, tsLocal), o.sign * o.qty, o.limitPrice, o.venueOrderId, false));
  }

  private finish(o: TrackedOrder, tsLocal: bigint, emit: RecordWriter = this.emit): void {
    const t = o.pendingTerminal;
    if (!t || o.closed || o.filled < o.venueFilled - EPS) return;
    o.closed = true;
    const remaining = o.sign * Math.max(0, o.qty - o.filled);
    const e = this.fields(o, t.tsExchange, tsLocal);
    switch (t.status) {
      case 'closed': o.state = OrderState.FILLED; break;
      case 'canceled': o.state = OrderState.CANCELED; emit((v, at) => writeCanceledRecord(v, at, e, remaining, CancelReason.REQUESTED)); break;
      case 'expired': o.state = OrderState.EXPIRED; emit((v, at) => writeExpiredRecord(v, at, e, remaining)); break;
      default: o.state = OrderState.REJECTED; emit((v, at) => writeRejectRecord(v, at, e, o.sign * o.qty, RejectReason.INVALID, RejectedRequest.ORDER));
    }
  }
}
