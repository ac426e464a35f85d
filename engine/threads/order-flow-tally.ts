// Reporting: counts of the order flow the outbound drain read (orders, cuts, cancels, replaces,
// risk records, the simulated venue's replies and fills, round trips, notices) for the CLI's
// summary and the benches. It only counts; it never acts on a record.
import { EventKind } from '../layout/event-record.js';
import type { CancelCommandRecord, OrderCommandRecord, OrderNoticeRecord, ReplaceCommandRecord } from '../orders/index.js';
import type { RiskRecord } from '../risk/index.js';

/** Order-flow records the outbound drain has read so far. */
export interface OrderFlowTally {
  /** ORDER records: orders sent (or released by the core's emulation); the first and last ids (0: none). */
  orders: number;
  firstOrderId: bigint;
  lastOrderId: bigint;
  /** Accepted orders cut to fit an exposure limit, by the limit's reason code. */
  cutOrders: Map<number, number>;
  cancels: number;
  replaces: number;
  /** Risk records by reason code (RiskReason; 16 = FlattenRequired). */
  riskRecords: Map<number, number>;
  /** The simulated venue's replies by kind name (ACK, FILL, CANCELED, REJECT, EXPIRED). */
  venueReplies: Map<string, number>;
  /** Fills reported by the simulated venue: maker ones among them, and their fees (quote currency). */
  fills: { count: number; maker: number; fees: number };
  roundTrips: { count: number; winners: number; netPnl: number };
  /** Order notices by code. */
  notices: Map<number, number>;
}

const VENUE_REPLY_NAMES = new Map<number, string>([
  [EventKind.ACK, 'ACK'], [EventKind.FILL, 'FILL'], [EventKind.CANCELED, 'CANCELED'], [EventKind.REJECT, 'REJECT'], [EventKind.EXPIRED, 'EXPIRED'],
]);

const bump = (map: Map<number, number> | Map<string, number>, key: never): void => {
  (map as Map<unknown, number>).set(key, ((map as Map<unknown, number>).get(key) ?? 0) + 1);
};

export class OrderFlowTallier {
  readonly tally: OrderFlowTally = {
    orders: 0, firstOrderId: 0n, lastOrderId: 0n, cutOrders: new Map(), cancels: 0, replaces: 0, riskRecords: new Map(), venueReplies: new Map(),
    fills: { count: 0, maker: 0, fees: 0 }, roundTrips: { count: 0, winners: 0, netPnl: 0 }, notices: new Map(),
  };

  /** A reply of the simulated venue the core applied: its kind, whether it was a maker fill, and its fee. */
  venueReply(kind: number, maker: boolean, fee: number): void {
    const tally = this.tally;
    bump(tally.venueReplies, (VENUE_REPLY_NAMES.get(kind) ?? String(kind)) as never);
    if (kind === EventKind.FILL) {
      tally.fills.count++;
      if (maker) tally.fills.maker++;
      tally.fills.fees += fee;
    }
  }

  order(record: OrderCommandRecord): void {
    const tally = this.tally;
    tally.orders++;
    if (tally.firstOrderId === 0n) tally.firstOrderId = record.orderId;
    tally.lastOrderId = record.orderId;
    if (record.cutBy !== 0) bump(tally.cutOrders, record.cutBy as never);
  }

  orderChange(record: CancelCommandRecord | ReplaceCommandRecord): void {
    if (record.record === 'cancel') this.tally.cancels++;
    else this.tally.replaces++;
  }

  risk(record: RiskRecord): void {
    bump(this.tally.riskRecords, record.reason as never);
  }

  roundTrip(netPnl: number): void {
    const trips = this.tally.roundTrips;
    trips.count++;
    trips.netPnl += netPnl;
    if (netPnl > 0) trips.winners++;
  }

  notice(record: OrderNoticeRecord): void {
    bump(this.tally.notices, record.code as never);
  }
}
