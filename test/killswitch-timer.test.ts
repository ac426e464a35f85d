// The kill switch in a live session's engine loop: a bar's drawdown is read once its time is
// settled (risk-account.ts: the equity of a time, every instrument marked), and a live session's
// TIMER record (every live.timerMs) settles it and runs the drawdown test, so the trip and its
// flatten records come within a timer tick of the bar, not a whole bar later at the next one.
import { describe, expect, it } from 'vitest';
import { EventKind, f64Bits, type EventRecord } from '../engine/layout/event-record.js';
import { OrderRule, type OrderFlowRecord } from '../engine/orders/index.js';
import { RiskReason } from '../engine/risk/index.js';
import { LIMITS, SECOND, START_NS, TABLE, createExitCore, drain, engineLoop, recordsOf, resetExitCore, venue } from './exits-fixture.js';

const BAR = EventKind.BAR | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;
const TIMER = EventKind.TIMER | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;
const at = (seconds: number) => START_NS + BigInt(seconds) * SECOND;

describe('kill switch on a live timer', () => {
  it('trips on a bar\'s drawdown at the next TIMER record, before any later bar', () => {
    const c = createExitCore();
    // 0.1% of the 10M account: a loss of 10,000 trips.
    resetExitCore(c, TABLE, { ...LIMITS, maxDrawdownPct: 0.001 });
    const run = engineLoop(c);
    const bar = (closeNs: bigint, close: number): EventRecord => ({
      kind: BAR, instrument: 0, tsExchange: closeNs - 60n * SECOND, tsLocal: closeNs, price: close, size: 1_000, a: close, b: close, id: f64Bits(close),
    });
    const timer = (nowNs: bigint): EventRecord => ({ kind: TIMER, instrument: -1, tsExchange: nowNs, tsLocal: nowNs, price: 0, size: 0, a: 0, b: 0, id: 0n });
    const flattens = (records: OrderFlowRecord[]) => recordsOf(records, 'risk').filter((r) => r.reason === RiskReason.KILL_SWITCH_FLATTEN);

    const long = c.orders.place({ instrument: 0, nowNs: at(0), qty: 500, rule: OrderRule.STRATEGY, referencePrice: 100 });
    drain(c.consumer);
    run(venue.ack(long.orderId, at(0), { instrument: 0 }));
    run(venue.fill(long.orderId, at(1), { instrument: 0, qty: 500, price: 100, fillId: 1 }));
    expect(c.risk.instrumentState(0).position).toBe(500);

    // The 60 s bar closing at 120 s falls to 70: 15,000 lost on 500 held.
    expect(flattens(run(bar(at(120), 70))), 'the bar\'s own time is not settled yet').toEqual([]);
    expect(c.risk.account().halted).toBe(false);
    const onTimer = run(timer(at(121)));
    expect(c.risk.account().halted, 'the timer one second later settles the bar\'s equity and trips').toBe(true);
    expect(flattens(onTimer).map((r) => [r.instrument, r.qty]), 'flatten the long at once').toEqual([[0, -500]]);
    expect(c.risk.account().tripEquity).toBe(CASH_AFTER_LOSS);
  });
});

/** 10M cash, 500 bought at 100 and marked at 70. */
const CASH_AFTER_LOSS = 10_000_000 - 15_000;
