// The simplest honest backtest fill model: every order the engine sends is a market order that
// fills in full at its instrument's next bar open (the first price after the decision), paying
// `feeRate` of the notional. No partial fills, queue position or latency: those belong to the
// simulated venue in the core. Deterministic, so a replay gives the same fills every run. An
// order of another type (a limit entry, an exit's stop) is refused with an error: this model
// would fill it wrongly. The ORDER record carries no reference price; the core keeps the
// decision price in its order table and measures slippage against it.
import { EventKind } from '../../engine/layout/event-record.js';
import type { InboundRecord } from '../../engine/replay/inbound-records.js';
import type { ReplayVenue } from './lockstep-venue.js';
import { OrderType, type OrderCommandRecord } from '../../engine/orders/index.js';

const FILL = EventKind.FILL | EventKind.SOURCE_PAPER | EventKind.DIRECTION_INBOUND;

export interface NextOpenFillStats {
  fills: number;
  /** Sum of |quantity| * price over the fills. */
  notional: number;
  fees: number;
}

export class NextOpenFillVenue implements ReplayVenue {
  readonly stats: NextOpenFillStats = { fills: 0, notional: 0, fees: 0 };
  private readonly working = new Map<number, OrderCommandRecord[]>();

  constructor(private readonly feeRate: number) {
    if (!(feeRate >= 0 && feeRate < 1)) throw new RangeError(`\`feeRate\` must be a number in [0, 1), was ${feeRate}`);
  }

  onOrder(order: OrderCommandRecord): void {
    if (order.orderType !== OrderType.MARKET) throw new Error(`NextOpenFillVenue fills market orders only; order ${order.orderId} has type code ${order.orderType}`);
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
