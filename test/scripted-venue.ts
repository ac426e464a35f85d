// A venue the tests play on the I/O side, as a live venue adapter would sit: it hears the
// engine's ORDER, CANCEL and REPLACE records and answers with ACK, FILL, CANCELED and REJECT
// records that the test publishes before an instrument's next bar: the acknowledgement (or
// the answer to a cancel or replace) at once, the fills `fillDelayBars` bars later. Scripted
// by order id: ids divisible by `rejectEvery` are rejected; even ids fill in two parts; the
// rest fill whole, at the bar's open, with `feeRate` of the notional.
// It keeps its own view of each order (working, filled), so a cancel that loses the race with
// the fill is rejected, as at a real venue.
import { EventKind } from '../engine/layout/event-record.js';
import type { InboundRecord } from '../engine/replay/inbound-records.js';
import type { CancelCommandRecord, OrderCommandRecord, ReplaceCommandRecord } from '../engine/orders/index.js';

const LIVE = EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;

interface VenueOrder {
  readonly id: bigint;
  readonly instrument: number;
  qty: number;
  filled: number;
  acked: boolean;
  done: boolean;
}

interface Pending {
  readonly command: 'order' | 'fill' | 'cancel' | 'replace';
  readonly id: bigint;
  readonly qty: number;
  /** Bars of the instrument still to pass before the venue answers. */
  wait: number;
}

export interface ScriptedVenueOptions {
  fillDelayBars?: number;
  rejectEvery?: bigint;
  feeRate?: number;
}

export class ScriptedVenue {
  readonly orders = new Map<bigint, VenueOrder>();
  private readonly pending = new Map<number, Pending[]>();
  private fillId = 0;
  private readonly delay: number;
  private readonly rejectEvery: bigint;
  private readonly feeRate: number;

  constructor(options: ScriptedVenueOptions = {}) {
    this.delay = options.fillDelayBars ?? 0;
    this.rejectEvery = options.rejectEvery ?? 7n;
    this.feeRate = options.feeRate ?? 0.001;
  }

  private queue(instrument: number, pending: Pending): void {
    const list = this.pending.get(instrument);
    if (list) list.push(pending);
    else this.pending.set(instrument, [pending]);
  }

  onOrder(order: OrderCommandRecord): void {
    this.orders.set(order.orderId, { id: order.orderId, instrument: order.instrument, qty: order.qty, filled: 0, acked: false, done: false });
    this.queue(order.instrument, { command: 'order', id: order.orderId, qty: order.qty, wait: 0 });
  }

  onOrderChange(change: CancelCommandRecord | ReplaceCommandRecord): void {
    const qty = change.record === 'cancel' ? change.leaves : change.qty;
    this.queue(change.instrument, { command: change.record, id: change.orderId, qty, wait: 0 });
  }

  /** What the venue reports before `instrument`'s next bar, which opens at `open` at `tsNs`. */
  repliesBefore(instrument: number, open: number, tsNs: bigint): InboundRecord[] {
    const list = this.pending.get(instrument);
    if (!list || list.length === 0) return [];
    const out: InboundRecord[] = [];
    const later: Pending[] = [];
    for (const p of list) {
      if (p.wait > 0) {
        p.wait--;
        later.push(p);
        continue;
      }
      const order = this.orders.get(p.id)!;
      const base = { instrument, tsExchange: tsNs, tsLocal: tsNs, id: p.id };
      if (p.command === 'order') {
        if (p.id % this.rejectEvery === 0n) {
          order.done = true;
          out.push({ ...base, kind: EventKind.REJECT | LIVE, price: 0, size: order.qty, a: 1, b: 0 });
          continue;
        }
        order.acked = true;
        out.push({ ...base, kind: EventKind.ACK | LIVE, price: 0, size: order.qty, a: 0, b: 0 });
        if (this.delay > 0) later.push({ command: 'fill', id: p.id, qty: order.qty, wait: this.delay - 1 });
        else out.push(...this.fills(order, open, base));
      } else if (p.command === 'fill') {
        if (!order.done) out.push(...this.fills(order, open, base));
      } else if (p.command === 'cancel') {
        if (order.done) out.push({ ...base, kind: EventKind.REJECT | LIVE, price: 0, size: p.qty, a: 3, b: 1 });
        else {
          order.done = true;
          out.push({ ...base, kind: EventKind.CANCELED | LIVE, price: 0, size: order.qty - order.filled, a: 0, b: 0 });
        }
      } else if (order.done || Math.abs(p.qty) <= Math.abs(order.filled)) {
        out.push({ ...base, kind: EventKind.REJECT | LIVE, price: 0, size: p.qty, a: 3, b: 2 });
      } else {
        order.qty = p.qty;
        out.push({ ...base, kind: EventKind.ACK | LIVE, price: 0, size: p.qty, a: 1, b: 0 });
        out.push(this.fill(order, order.qty - order.filled, open, base));
      }
    }
    this.pending.set(instrument, later);
    return out;
  }

  /** Fills what is left of `order`: in two parts for an even id, else whole. */
  private fills(order: VenueOrder, price: number, base: { instrument: number; tsExchange: bigint; tsLocal: bigint; id: bigint }): InboundRecord[] {
    const left = order.qty - order.filled;
    const parts = order.id % 2n === 0n ? [left / 2, left - left / 2] : [left];
    return parts.map((part) => this.fill(order, part, price, base));
  }

  private fill(order: VenueOrder, qty: number, price: number, base: { instrument: number; tsExchange: bigint; tsLocal: bigint; id: bigint }): InboundRecord {
    order.filled += qty;
    if (Math.abs(order.filled) >= Math.abs(order.qty) - 1e-12) order.done = true;
    return { ...base, kind: EventKind.FILL | LIVE, price, size: qty, a: Math.abs(qty) * price * this.feeRate, b: ++this.fillId };
  }
}
