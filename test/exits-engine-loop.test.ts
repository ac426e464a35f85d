// The exits in the engine loop: the same core fed through its inbound ring and processInbound
// (engine.ts -> pipeline.ts), the path the other exit suites shortcut with direct calls. A
// fill arms the exits (pipelineOnVenue), a BAR's high trails and its low triggers the
// trailing stop (markAndExits hands the exits the record's a and b), a TIMER closes a position
// past its holding time (pipelineOnTick), and the exits' orders come out on the outbound ring.
import { describe, expect, it } from 'vitest';
import { EventKind, f64Bits, type EventRecord } from '../engine/layout/event-record.js';
import { exitProfile } from '../engine/exits/index.js';
import { OrderRule, OrderState, OrderType, type OrderFlowRecord } from '../engine/orders/index.js';
import { SECOND, START_NS, createExitCore, drain, engineLoop, recordsOf, resetExitCore, venue } from './exits-fixture.js';

const BAR = EventKind.BAR | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
const TRADE = EventKind.TRADE | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;
const TIMER = EventKind.TIMER | EventKind.DIRECTION_INBOUND;
const at = (seconds: number) => START_NS + BigInt(seconds) * SECOND;

describe('exits in the engine loop', () => {
  it('arms on a fill, trails on BAR highs, triggers on a BAR low and closes on a TIMER, all through processInbound', () => {
    const c = createExitCore();
    resetExitCore(c);
    const loop = engineLoop(c);
    c.exits.configureProfile(0, exitProfile({ trailPct: 0.03 }));
    c.exits.configureProfile(1, exitProfile({ maxHoldNs: 60n * SECOND }));
    c.exits.bindInstrument(0, 0);
    c.exits.bindInstrument(1, 1);
    /** Publishes `records` on the inbound ring, runs the loop over them, returns the order flow it wrote. */
    const run = (...records: EventRecord[]): OrderFlowRecord[] => loop(...records).filter((record) => record.record !== 'other');
    const bar = (instrument: number, openNs: bigint, open: number, high: number, low: number, close: number): EventRecord => ({
      kind: BAR, instrument, tsExchange: openNs, tsLocal: openNs + 60n * SECOND, price: close, size: 1_000, a: high, b: low, id: f64Bits(open),
    });

    const long = c.orders.place({ instrument: 0, nowNs: at(0), qty: 10, rule: OrderRule.STRATEGY, referencePrice: 100 });
    const short = c.orders.place({ instrument: 1, nowNs: at(0), qty: -10, rule: OrderRule.STRATEGY, referencePrice: 50 });
    drain(c.consumer);
    run(venue.ack(long.orderId, at(0), { instrument: 0 }), venue.ack(short.orderId, at(0), { instrument: 1 }));
    expect(run(venue.fill(long.orderId, at(1), { instrument: 0, qty: 10, price: 100, fillId: 1 }), venue.fill(short.orderId, at(1), { instrument: 1, qty: -10, price: 50, fillId: 2 }))).toEqual([]);
    const trailId = c.exits.state(0).trailOrderId;
    expect(c.orders.order(trailId), 'the fill armed a held trailing stop 3 behind 100').toMatchObject({ state: OrderState.NEW, stopPrice: 97, watermark: 100 });
    expect(c.exits.state(1)).toMatchObject({ side: -1, entryNs: at(1) });

    expect(run(bar(0, at(2), 100, 104, 99, 103)), 'a bar known at its close (2 s + 60 s): high 104 trails to 101').toEqual([]);
    expect(c.orders.order(trailId)).toMatchObject({ stopPrice: 101, watermark: 104 });
    expect(recordsOf(run(bar(0, at(3), 103, 105, 100.5, 102)), 'order'), 'low 100.5 reaches 101').toEqual([
      expect.objectContaining({ orderId: trailId, qty: -10, orderType: OrderType.MARKET, rule: OrderRule.TRAILING_STOP, tsNs: at(63) }),
    ]);

    const trade: EventRecord = { kind: TRADE, instrument: 1, tsExchange: at(60), tsLocal: at(60), price: 49.5, size: 1, a: 0, b: 0, id: 0n };
    const timer: EventRecord = { kind: TIMER, instrument: -1, tsExchange: at(61), tsLocal: at(61), price: 0, size: 0, a: 0, b: 0, id: 0n };
    expect(recordsOf(run(trade, timer), 'order'), 'a timer 60 s after the entry closes the short at market').toEqual([
      expect.objectContaining({ instrument: 1, qty: 10, orderType: OrderType.MARKET, rule: OrderRule.MAX_HOLD, tsNs: at(61) }),
    ]);
  });
});
