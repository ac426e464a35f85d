// An operator's pause of a strategy in the compiled core's order stage (wasm/assembly/pipeline/
// order-stage.ts, through the pipelineOrderStage export): while PIPE_PAUSED is set
// (engine/pipeline strategy-pause.ts) the instrument's target is held between flat and the
// position. A paused strategy opens nothing and adds nothing, still reduces and closes (a flip
// stops at flat), withdraws a working entry order, and says why (STRATEGY_PAUSED) when the pause
// changed its target; resumed, it trades its targets again.
import { describe, expect, it } from 'vitest';
import { OUT_ORDER_REASON } from '../engine/decision/decision-layout.js';
import { exitProfile } from '../engine/exits/index.js';
import { OrderRule, type CancelCommandRecord, type OrderCommandRecord } from '../engine/orders/index.js';
import { readInstrumentPaused, writeInstrumentPaused } from '../engine/pipeline/index.js';
import { RiskReason } from '../engine/risk/index.js';
import { ExitDriver, SECOND, START_NS, coreBench, createExitCore, orderStageBench, recordsOf, type ExitCore } from './exits-fixture.js';

/** pipelineOrderStage outcomes (order-stage.ts). */
const NO_ORDER_IMPLIED = 0;
const ORDER_ACCEPTED = 2;
const ORDER_AMENDED = 3;
const NO_ORDER = -1;

const at = (seconds: number) => START_NS + BigInt(seconds) * SECOND;

describe('a paused strategy in the order stage', () => {
  const shared: { core?: ExitCore } = {};

  /** A core whose order stage trades every target change of instrument 0 at market (a 50% stop, far away). */
  function setUp() {
    shared.core ??= createExitCore();
    const bench = coreBench(shared);
    const c = shared.core;
    const d = new ExitDriver(bench);
    const stage = orderStageBench(c, bench, d);
    bench.exits.configureProfile(0, exitProfile({ stopPct: 0.5 }));
    bench.exits.bindInstrument(0, 0);
    writeInstrumentPaused(c.memory, 0, false);
    const view = new DataView(c.memory.buffer);
    const out = stage.core.decOutputOffset(0);
    /** The decision of a bar at `now` wants `qty` of instrument 0 at `price`: the stage's outcome, why, and its strategy orders and cancels. */
    const target = (qty: number, price: number, now: bigint): { outcome: number; reason: number; orders: OrderCommandRecord[]; cancels: CancelCommandRecord[] } => {
      const { outcome, records } = stage.target(qty, price, now);
      return {
        outcome, reason: view.getInt32(out + OUT_ORDER_REASON, true),
        orders: recordsOf(records, 'order').filter((o) => o.rule === OrderRule.STRATEGY), cancels: recordsOf(records, 'cancel'),
      };
    };
    /** Sends the strategy order for `qty` and fills it whole. */
    const hold = (qty: number, price: number, now: bigint): void => {
      const [order] = target(qty, price, now).orders;
      expect(order, `an order for ${qty}`).toBeDefined();
      d.ack(order.orderId, 0, now);
      d.fill(order.orderId, 0, order.qty, price, now);
    };
    const pause = (paused: boolean): void => {
      writeInstrumentPaused(c.memory, 0, paused);
      expect(readInstrumentPaused(c.memory, 0)).toBe(paused);
    };
    return { d, target, hold, pause };
  }

  it('opens nothing while flat and says why; resumed, it enters', () => {
    const { target, pause } = setUp();
    pause(true);
    expect(target(10, 100, at(1))).toEqual({ outcome: NO_ORDER_IMPLIED, reason: RiskReason.STRATEGY_PAUSED, orders: [], cancels: [] });
    expect(target(-10, 100, at(2)), 'short entries too').toEqual({ outcome: NO_ORDER_IMPLIED, reason: RiskReason.STRATEGY_PAUSED, orders: [], cancels: [] });
    expect(target(0, 100, at(3)), 'a flat target is not changed by the pause').toEqual({ outcome: NO_ORDER_IMPLIED, reason: NO_ORDER, orders: [], cancels: [] });
    pause(false);
    const entry = target(10, 100, at(4));
    expect(entry.outcome).toBe(ORDER_ACCEPTED);
    expect(entry.reason).toBe(RiskReason.ACCEPTED);
    expect(entry.orders).toEqual([expect.objectContaining({ qty: 10 })]);
  });

  it('adds nothing to a position and still reduces it', () => {
    const { d, target, hold, pause } = setUp();
    hold(10, 100, at(1));
    pause(true);
    expect(target(20, 101, at(2)), 'no more of the same side').toEqual({ outcome: NO_ORDER_IMPLIED, reason: RiskReason.STRATEGY_PAUSED, orders: [], cancels: [] });
    expect(target(10, 101, at(3)), 'holding is not a change').toEqual({ outcome: NO_ORDER_IMPLIED, reason: NO_ORDER, orders: [], cancels: [] });
    const reduce = target(4, 102, at(4));
    expect(reduce.outcome, 'a reduction trades').toBe(ORDER_ACCEPTED);
    expect(reduce.orders).toEqual([expect.objectContaining({ qty: -6 })]);
    expect(reduce.reason).toBe(RiskReason.ACCEPTED);
    d.ack(reduce.orders[0].orderId, 0, at(4));
    d.fill(reduce.orders[0].orderId, 0, -6, 102, at(4));
    expect(target(10, 102, at(5)), 'back up to 10: still an addition').toEqual({ outcome: NO_ORDER_IMPLIED, reason: RiskReason.STRATEGY_PAUSED, orders: [], cancels: [] });
    pause(false);
    expect(target(10, 102, at(6)).orders, 'resumed: it buys the 6 back').toEqual([expect.objectContaining({ qty: 6 })]);
  });

  it('withdraws a working entry order, and a flip stops at flat', () => {
    const { d, target, hold, pause } = setUp();
    const [working] = target(10, 100, at(1)).orders;
    d.ack(working.orderId, 0, at(1));
    pause(true);
    const withdrawn = target(10, 100, at(2));
    expect(withdrawn.outcome, 'the working buy would add exposure: canceled').toBe(ORDER_AMENDED);
    expect(withdrawn.cancels).toEqual([expect.objectContaining({ orderId: working.orderId })]);
    expect(withdrawn.reason).toBe(RiskReason.STRATEGY_PAUSED);
    d.canceled(working.orderId, 0, at(3));
    pause(false);
    hold(10, 100, at(4));
    pause(true);
    const flip = target(-10, 99, at(5));
    expect(flip.outcome).toBe(ORDER_ACCEPTED);
    expect(flip.orders, 'sells the long, opens no short').toEqual([expect.objectContaining({ qty: -10 })]);
  });
});
