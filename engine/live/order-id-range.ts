// Which client order ids belong to a journal. Client order ids are `qf-<engine order id>`
// (venue-adapter.ts). If every journal numbered its orders from 1, two sessions on one account
// (two processes, or a new journal on an account an old one traded) would send the same client
// order ids: a venue that deduplicates them (Coinbase returns the existing order for a reused
// client_order_id) would hand one session the other's order, and either session would take the
// other's orders for its own. So `quantflow run` gives each new journal a random range of 2^32
// ids; its pipeline (journaled at the first start, so every restart keeps it) numbers orders
// from the range's first id, and the adapters treat a `qf-` order outside the range as another
// journal's: not ours, never tracked, recovered, reconciled or cancelled.
//
//   engine order id (< 2^53: exact in the core's f64 fields)
//   ┌──────────────── 21 bits ───────────────┬─────────────── 32 bits ───────────────┐
//   │ range tag: 1 .. 2^21-1, random per new │ order number in the journal: 1, 2, ... │
//   │ journal; 0: journals from before this, │                                        │
//   │ backtests, paper, tests                │                                        │
//   └────────────────────────────────────────┴────────────────────────────────────────┘
import { randomInt } from 'node:crypto';
import { orderIdOfClientOrderId } from './venue-adapter.js';

/** Order ids per journal. */
export const ORDER_ID_RANGE_SIZE = 1n << 32n;
const TAGS = 1 << 21;

export class OrderIdRange {
  /** `firstOrderId`: the journal's first order id (its pipeline's execution.orders.firstOrderId). */
  constructor(readonly firstOrderId: bigint) {
    if (firstOrderId < 1n || firstOrderId >= BigInt(TAGS) * ORDER_ID_RANGE_SIZE) throw new RangeError(`first order id must be in 1 .. 2^53 - 1, was ${firstOrderId}`);
  }

  /** A new journal's range: a random tag (never 0, the range of journals from before ranges). */
  static pick(random: (min: number, max: number) => number = randomInt): OrderIdRange {
    return new OrderIdRange(BigInt(random(1, TAGS)) * ORDER_ID_RANGE_SIZE + 1n);
  }

  /** The range's tag (its first id's upper bits). */
  get tag(): bigint {
    return this.firstOrderId / ORDER_ID_RANGE_SIZE;
  }

  /** Whether engine order id `orderId` is in this journal's range. */
  has(orderId: bigint): boolean {
    return orderId / ORDER_ID_RANGE_SIZE === this.tag;
  }

  describe(): string {
    return `order ids ${this.firstOrderId} .. ${(this.tag + 1n) * ORDER_ID_RANGE_SIZE - 1n}`;
  }
}

/**
 * The engine order id of client order id `clientOrderId` when it is one of ours: a `qf-` id in
 * `range` (every `qf-` id when no range is given: an adapter outside `quantflow run`); null for
 * another journal's order or an order QuantFlow did not place.
 */
export function ownOrderIdOf(clientOrderId: string, range: OrderIdRange | undefined): bigint | null {
  const orderId = orderIdOfClientOrderId(clientOrderId);
  if (orderId === null || (range !== undefined && !range.has(orderId))) return null;
  return orderId;
}

/**
 * An adapter's view of which `qf-` orders are its session's (`range`; none: every one), and the
 * one log line per order of another journal's range that it meets (at most 1,000 orders logged).
 */
export class OwnOrderIds {
  private readonly logged = new Set<string>();

  /** `venue`: the adapter's name; `place`: where the order was seen ("the venue", "TWS"). */
  constructor(readonly range: OrderIdRange | undefined, private readonly log: (line: string) => void, private readonly venue: string, private readonly place: string) {}

  /** The engine order id of `clientOrderId` when it is ours (ownOrderIdOf), else null. */
  of(clientOrderId: string): bigint | null {
    return ownOrderIdOf(clientOrderId, this.range);
  }

  /** Logs once that `clientOrderId`, a `qf-` id that is not ours, is another journal's order, left alone. */
  noteOther(clientOrderId: string): void {
    if (this.logged.has(clientOrderId) || this.logged.size >= 1000 || orderIdOfClientOrderId(clientOrderId) === null) return;
    this.logged.add(clientOrderId);
    this.log(`${this.venue}: order ${clientOrderId} at ${this.place} is another journal's (this session's ${this.range?.describe()}): not ours, left alone`);
  }
}
