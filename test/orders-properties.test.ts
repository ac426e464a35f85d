// Properties of the core's order table over random command streams with a random venue
// (test/orders-stream.ts: partial fills, overfills, duplicated and reordered events, rejects,
// cancels racing fills, lost acks and their timeouts, replaces). After every command and
// venue event an independent ledger in this file checks that
//  - no order is filled beyond its quantity;
//  - every applied fill (not a duplicated fill id) moved the position by its quantity, including
//    fills beyond an order's quantity, against its side, for closed and for unknown orders;
//  - no order reaches two terminal states, and the terminal counters count each closed id once;
//  - the working sums (risk slot pendingBuy / pendingSell, index reduceBuy / reduceSell) equal
//    the sum over the table's live orders of their leaves, recomputed from the slots, and each
//    slot's `counted` equals its leaves;
//  - live and UNCERTAIN counts match the slots, client ids only grow, and the ORDER_NOTICE
//    counts in the header equal the notices written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLiveState, isTerminalState, NoticeCode, OrderFlag, OrderState, type OrderSlotState } from '../engine/orders/index.js';
import { BOOK, createOrderCore, drain, resetOrderCore, STREAM_LIMITS, STREAM_TABLE, type OrderCore } from './orders-fixture.js';
import { runStream, streamArb, type StepReport } from './orders-stream.js';

const RELATIVE_TOLERANCE = 1e-9;
const ERR_BAD_ARGUMENT = -6;

/** Leaves an order adds to the working sums, from its slot: a held or closed order none; an unanswered replace its larger quantity. */
function leavesOf(o: OrderSlotState): number {
  if (!isLiveState(o.state) || o.state === OrderState.NEW) return 0;
  return Math.max(0, Math.max(Math.abs(o.qty), Math.abs(o.pendingQty)) - Math.abs(o.filled));
}

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(expected));
}

class OrderLedger {
  private readonly position = BOOK.map(() => 0);
  private readonly notices = new Array<number>(16).fill(0);
  private readonly terminal = new Map<bigint, number>();
  private lastOrderId = 0n;
  readonly seen = { notices: new Array<number>(16).fill(0), overfilledOrders: 0, replacedLive: 0, terminal: 0 };

  constructor(private readonly c: OrderCore) {}

  check(report: StepReport, where: string): void {
    const { orders, risk } = this.c;
    expect(report.status === null || report.status === ERR_BAD_ARGUMENT, `${where}: only a cancel / replace of an unknown order or a bad replace may be refused, got status ${report.status}`).toBe(true);
    for (const record of report.records) {
      if (record.record === 'notice') {
        this.notices[record.code] += 1;
        this.seen.notices[record.code] += 1;
      }
      if (record.record === 'order') {
        expect(record.orderId > this.lastOrderId, `${where}: ORDER ${record.orderId} after ${this.lastOrderId}: client ids only grow`).toBe(true);
        this.lastOrderId = record.orderId;
      }
    }
    for (const fill of report.fills) this.position[fill.instrument] += fill.qty;
    for (const entry of BOOK) {
      expect(risk.instrumentState(entry.instrument).position, `${where}: instrument ${entry.instrument}'s position is the sum of the fills applied`).toBe(this.position[entry.instrument]);
    }

    const slots = orders.slots();
    const counters = orders.counters();
    for (const o of slots) {
      const label = `${where}: order ${o.id} (slot ${o.slot}, state ${o.state})`;
      expect(Math.abs(o.filled) <= Math.abs(o.qty), `${label}: filled ${o.filled} within its quantity ${o.qty}`).toBe(true);
      expect(close(o.counted, leavesOf(o)), `${label}: counts ${o.counted}, its leaves are ${leavesOf(o)}`).toBe(true);
      const closed = this.terminal.get(o.id);
      if (closed !== undefined) expect(o.state, `${label}: closed as ${closed}, it may never change state`).toBe(closed);
      else if (isTerminalState(o.state)) this.terminal.set(o.id, o.state);
      if (Math.abs(o.filled) > 0 && o.pendingQty !== 0) this.seen.replacedLive += 1;
    }
    const closedCount = counters.filled + counters.canceled + counters.rejected + counters.expired;
    expect(closedCount, `${where}: the terminal counters count each closed order once`).toBe(this.terminal.size);
    this.seen.terminal = this.terminal.size;
    expect(counters.live, `${where}: header live = live slots`).toBe(slots.filter((o) => isLiveState(o.state)).length);
    expect(counters.notices, `${where}: ORDER_NOTICE counts by code = the notices written`).toEqual(this.notices);

    for (const entry of BOOK) {
      const i = entry.instrument;
      const mine = slots.filter((o) => o.instrument === i);
      const sum = (reduceOnly: boolean, buy: boolean) =>
        mine.filter((o) => ((o.flags & OrderFlag.REDUCE_ONLY) !== 0) === reduceOnly && o.qty > 0 === buy).reduce((total, o) => total + leavesOf(o), 0);
      const index = orders.instrumentOrders(i);
      const label = `${where}: instrument ${i}`;
      expect(close(index.pendingBuy, sum(false, true)), `${label}: pendingBuy ${index.pendingBuy} = working entry buys ${sum(false, true)}`).toBe(true);
      expect(close(index.pendingSell, sum(false, false)), `${label}: pendingSell ${index.pendingSell} = working entry sells ${sum(false, false)}`).toBe(true);
      expect(close(index.reduceBuy, sum(true, true)), `${label}: reduceBuy ${index.reduceBuy} = working reduce-only buys ${sum(true, true)}`).toBe(true);
      expect(close(index.reduceSell, sum(true, false)), `${label}: reduceSell ${index.reduceSell} = working reduce-only sells ${sum(true, false)}`).toBe(true);
      expect(index.live, `${label}: index live = its live slots`).toBe(mine.filter((o) => isLiveState(o.state)).length);
      expect(index.uncertain, `${label}: index uncertain = its UNCERTAIN slots`).toBe(mine.filter((o) => o.state === OrderState.UNCERTAIN).length);
    }
  }
}

describe('order table properties on random venue streams', () => {
  it('keeps filled within quantity, fills equal to position changes, terminal states final, working sums and notice counts exact after every step', () => {
    const c = createOrderCore();
    const totals = { notices: new Array<number>(16).fill(0), replacedLive: 0, terminal: 0, steps: 0 };
    fc.assert(
      fc.property(streamArb(150), (commands) => {
        resetOrderCore(c, STREAM_TABLE, STREAM_LIMITS);
        const ledger = new OrderLedger(c);
        runStream(commands, { orders: c.orders, risk: c.risk, settle: () => drain(c.consumer) }, (report) =>
          ledger.check(report, `step ${report.step} (${JSON.stringify(report.command)})`),
        );
        ledger.seen.notices.forEach((n, code) => (totals.notices[code] += n));
        totals.replacedLive += ledger.seen.replacedLive;
        totals.terminal += ledger.seen.terminal;
        totals.steps += commands.length;
      }),
      { seed: 1_015, numRuns: 120 },
    );
    const exercised = ['UNKNOWN_ORDER', 'DUPLICATE_FILL', 'DUPLICATE_EVENT', 'LATE_EVENT', 'ILLEGAL_TRANSITION', 'OVERFILL', 'FILL_AFTER_CLOSE', 'ACK_TIMEOUT', 'CANCEL_TIMEOUT', 'REPLACE_TIMEOUT', 'FILL_MISMATCH', 'ORDER_ALIVE', 'WRONG_SIDE', 'RESOLVED'] as const;
    for (const name of exercised) expect(totals.notices[NoticeCode[name]], `the streams produce ${name} notices`).toBeGreaterThan(0);
    expect(totals.terminal, 'the streams close orders').toBeGreaterThan(totals.steps / 100);
    expect(totals.replacedLive, 'and race replaces with fills').toBeGreaterThan(0);
  });
});
