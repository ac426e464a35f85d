// The simplest honest backtest fill model: every accepted order is a market order that fills
// in full at its instrument's next bar open (the first price after the decision), paying
// `feeRate` of the notional. No partial fills, queue position or latency: those belong to
// the paper venue proper. Deterministic, so a replay gives the same fills every run.
import { EventKind } from '../../engine/layout/event-record.js';
import type { InboundRecord } from '../../engine/replay/inbound-records.js';
import type { ReplayVenue } from './lockstep-venue.js';
import type { OrderRecord } from '../../engine/threads/outbound-records.js';

const FILL = EventKind.FILL | EventKind.SOURCE_PAPER | EventKind.DIRECTION_INBOUND;

export interface NextOpenFillStats {
  fills: number;
  /** Sum of |quantity| * price over the fills. */
  notional: number;
  fees: number;
}

export class NextOpenFillVenue implements ReplayVenue {
  readonly stats: NextOpenFillStats = { fills: 0, notional: 0, fees: 0 };
  private readonly working = new Map<number, OrderRecord[]>();

  constructor(private readonly feeRate: number) {
    if (!(feeRate >= 0 && feeRate < 1)) throw new RangeError(`\`feeRate\` must be a number in [0, 1), was ${feeRate}`);
  }

  onOrder(order: OrderRecord): void {
    const queue = this.working.get(order.instrument);
    if (queue) queue.push(order);
    else this.working.set(order.instrument, [order]);
  }

  repliesBefore(instrument: number, open: number, tsNs: bigint, out: InboundRecord[]): void {
    const queue = this.working.get(instrument);
    if (!queue || queue.length === 0) return;
    for (const order of queue) {
      const notional = Math.abs(order.qty) * open;
      const fee = notional * this.feeRate;
      out.push({ kind: FILL, instrument, tsExchange: tsNs, tsLocal: tsNs, price: open, size: order.qty, a: fee, b: 0, id: order.orderId });
      this.stats.fills++;
      this.stats.notional += notional;
      this.stats.fees += fee;
    }
    queue.length = 0;
  }

  /** Orders still waiting for their instrument's next bar (the tape ended first). */
  workingOrders(): number {
    let n = 0;
    for (const queue of this.working.values()) n += queue.length;
    return n;
  }
}
