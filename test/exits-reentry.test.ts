// The re-entry rule end to end in the compiled core: after an exit rule closed a position, the
// order stage (wasm/assembly/pipeline/order-stage.ts, through the pipelineOrderStage export)
// trades no target on that side until the target turns flat or flips (afterSignalReset); with
// immediate re-entry it trades at once. A strategy order still closing the same way when the
// exit closed the position is canceled, since it would now open the other side. The order
// stage has no TS reference, so this suite runs on the core only; the block itself is in the
// exit state both engines keep (test/exits-rules.test.ts, test/exits-parity.test.ts).
import { describe, expect, it } from 'vitest';
import { REENTRY_IMMEDIATE, exitProfile } from '../engine/exits/index.js';
import { OrderRule, OrderType } from '../engine/orders/index.js';
import { ExitDriver, SECOND, START_NS, coreBench, createExitCore, orderStageBench, recordsOf, type ExitCore } from './exits-fixture.js';

/** pipelineOrderStage outcomes (order-stage.ts). */
const NO_ORDER_IMPLIED = 0;
const ORDER_ACCEPTED = 2;

const T = START_NS;
const at = (seconds: number) => T + BigInt(seconds) * SECOND;

describe('re-entry after an exit rule closed the position, through the order stage', () => {
  const shared: { core?: ExitCore } = {};

  /** A core with a 2% stop on instrument 0 and the order stage trading every target change at market. */
  function setUp(reentry?: number) {
    shared.core ??= createExitCore();
    const bench = coreBench(shared);
    const d = new ExitDriver(bench);
    const { target } = orderStageBench(shared.core, bench, d);
    bench.exits.configureProfile(0, exitProfile({ stopPct: 0.02, ...(reentry === undefined ? {} : { reentry }) }));
    bench.exits.bindInstrument(0, 0);
    return { bench, d, target, exits: bench.exits };
  }

  it('holds the side an exit rule closed until the target turns flat, then trades it again (afterSignalReset)', () => {
    const { d, target, exits } = setUp();
    const entry = target(10, 100, at(1));
    expect(entry.outcome).toBe(ORDER_ACCEPTED);
    const [order] = recordsOf(entry.records, 'order');
    expect(order).toMatchObject({ qty: 10, rule: OrderRule.STRATEGY });
    d.ack(order.orderId, 0, at(1));
    const [stop] = recordsOf(d.fill(order.orderId, 0, 10, 100, at(1)), 'order');
    expect(stop).toMatchObject({ rule: OrderRule.STOP, stopPrice: 98 });
    d.ack(stop.orderId, 0, at(2));
    d.fill(stop.orderId, 0, -10, 98, at(3));
    expect(exits.state(0)).toMatchObject({ side: 0, blockSign: 1 });
    expect(target(10, 99, at(4)), 'the target is still long: blocked').toEqual({ outcome: NO_ORDER_IMPLIED, records: [] });
    expect(target(0, 99, at(5)), 'flat: nothing to trade, the block is lifted').toEqual({ outcome: NO_ORDER_IMPLIED, records: [] });
    expect(exits.state(0).blockSign).toBe(0);
    const again = target(10, 99, at(6));
    expect(again.outcome, 'long again').toBe(ORDER_ACCEPTED);
    expect(recordsOf(again.records, 'order')).toEqual([expect.objectContaining({ qty: 10, rule: OrderRule.STRATEGY })]);
  });

  it('lifts the block when the target flips, and does not block with immediate re-entry', () => {
    const { d, target, exits } = setUp();
    const [order] = recordsOf(target(10, 100, at(1)).records, 'order');
    d.ack(order.orderId, 0, at(1));
    const [stop] = recordsOf(d.fill(order.orderId, 0, 10, 100, at(1)), 'order');
    d.fill(stop.orderId, 0, -10, 98, at(3));
    const flipped = target(-10, 99, at(4));
    expect(recordsOf(flipped.records, 'order'), 'short: the other side').toEqual([expect.objectContaining({ qty: -10, rule: OrderRule.STRATEGY })]);
    expect(exits.state(0).blockSign).toBe(0);

    const immediate = setUp(REENTRY_IMMEDIATE);
    const [first] = recordsOf(immediate.target(10, 100, at(1)).records, 'order');
    immediate.d.ack(first.orderId, 0, at(1));
    const [stop2] = recordsOf(immediate.d.fill(first.orderId, 0, 10, 100, at(1)), 'order');
    immediate.d.fill(stop2.orderId, 0, -10, 98, at(3));
    expect(immediate.exits.state(0)).toMatchObject({ side: 0, blockSign: 0 });
    expect(recordsOf(immediate.target(10, 99, at(4)).records, 'order'), 'long again at once').toEqual([expect.objectContaining({ qty: 10, rule: OrderRule.STRATEGY })]);
  });

  it('does not buy back a profit tier: after an exit rule reduced the position the target may not add to it until it turns flat or flips (afterSignalReset)', () => {
    shared.core ??= createExitCore();
    const bench = coreBench(shared);
    const d = new ExitDriver(bench);
    const { target } = orderStageBench(shared.core, bench, d);
    bench.exits.configureProfile(0, exitProfile({ targets: [{ pct: 0.04, fraction: 0.5 }] }));
    bench.exits.bindInstrument(0, 0);
    const [entry] = recordsOf(target(10, 100, at(1)).records, 'order');
    d.ack(entry.orderId, 0, at(1));
    const [tier] = recordsOf(d.fill(entry.orderId, 0, 10, 100, at(1)), 'order');
    expect(tier, 'half at +4%').toMatchObject({ qty: -5, limitPrice: 104, rule: OrderRule.TARGET_1 });
    d.ack(tier.orderId, 0, at(2));
    d.fill(tier.orderId, 0, -5, 104, at(3));
    expect(bench.exits.state(0), 'the tier reduced the long: adding back waits').toMatchObject({ side: 1, blockSign: 2 });
    expect(target(10, 104.5, at(4)), 'the target is still 10: the 5 the tier took are not bought back').toEqual({ outcome: NO_ORDER_IMPLIED, records: [] });
    const cut = target(3, 104.5, at(5));
    expect(recordsOf(cut.records, 'order'), 'a smaller target still reduces it').toEqual([expect.objectContaining({ qty: -2, rule: OrderRule.STRATEGY })]);
  });

  it('trades no strategy order while an exit closes the position at market (a released trailing stop, a max-hold close), so a flat target does not sell the position twice', () => {
    shared.core ??= createExitCore();
    const bench = coreBench(shared);
    const d = new ExitDriver(bench);
    const { target } = orderStageBench(shared.core, bench, d);
    bench.exits.configureProfile(0, exitProfile({ trailPct: 0.03, maxHoldNs: 3600n * SECOND }));
    bench.exits.bindInstrument(0, 0);
    const [entry] = recordsOf(target(10, 100, at(1)).records, 'order');
    d.ack(entry.orderId, 0, at(1));
    d.fill(entry.orderId, 0, 10, 100, at(1));
    const [trail] = recordsOf(d.price(0, at(2), 96.5, 100, 96), 'order');
    expect(trail, 'the bar low 96 reaches the trail at 97: it goes out at market').toMatchObject({ qty: -10, orderType: OrderType.MARKET, rule: OrderRule.TRAILING_STOP });
    expect(target(0, 96.5, at(2)), 'the same bar\'s flat target: the trailing stop already sells the 10').toEqual({ outcome: NO_ORDER_IMPLIED, records: [] });
    d.ack(trail.orderId, 0, at(3));
    expect(target(0, 96.5, at(3)), 'still nothing while the trailing stop works at the venue').toEqual({ outcome: NO_ORDER_IMPLIED, records: [] });
    d.fill(trail.orderId, 0, -10, 96.4, at(4));
    expect(target(0, 96.5, at(5)), 'flat and closed: nothing to trade').toEqual({ outcome: NO_ORDER_IMPLIED, records: [] });

    const [again] = recordsOf(target(10, 97, at(10)).records, 'order');
    expect(again, 'long again after the signal reset').toMatchObject({ qty: 10, rule: OrderRule.STRATEGY });
    d.ack(again.orderId, 0, at(10));
    d.fill(again.orderId, 0, 10, 97, at(10));
    const [close] = recordsOf(d.price(0, at(10 + 3600), 97, 97, 97), 'order');
    expect(close, 'held an hour: the max-hold close goes out at market').toMatchObject({ qty: -10, orderType: OrderType.MARKET, rule: OrderRule.MAX_HOLD });
    expect(target(0, 97, at(10 + 3600)), 'the same bar\'s flat target: the max-hold close already sells the 10').toEqual({ outcome: NO_ORDER_IMPLIED, records: [] });
    d.ack(close.orderId, 0, at(10 + 3601));
    d.fill(close.orderId, 0, -10, 97, at(10 + 3601));
    const flipped = target(-10, 97, at(10 + 3602));
    expect(recordsOf(flipped.records, 'order'), 'once it filled, a short target trades from flat: 10, not 20').toEqual([expect.objectContaining({ qty: -10, rule: OrderRule.STRATEGY })]);
  });

  it('cancels a working strategy order that closed the same way when an exit rule closed the position first', () => {
    const { d, target } = setUp();
    const [order] = recordsOf(target(10, 100, at(1)).records, 'order');
    d.ack(order.orderId, 0, at(1));
    const [stop] = recordsOf(d.fill(order.orderId, 0, 10, 100, at(1)), 'order');
    const [closing] = recordsOf(target(0, 99, at(2)).records, 'order');
    expect(closing, 'the strategy sells its long').toMatchObject({ qty: -10, rule: OrderRule.STRATEGY });
    d.ack(closing.orderId, 0, at(2));
    const stopped = d.fill(stop.orderId, 0, -10, 98, at(3));
    expect(recordsOf(stopped, 'cancel'), 'the stop closed it first: the sell would open a short').toEqual([
      expect.objectContaining({ orderId: closing.orderId, leaves: -10, rule: OrderRule.STOP }),
    ]);
  });
});
