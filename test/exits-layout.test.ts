// The TS mirror of the EXITS region (engine/exits/exit-layout.ts) agrees with the compiled core
// (wasm/assembly/exits/exit-layout.ts): where each profile and each instrument's state block
// starts, and where the core reads a profile's fields and writes a state's (every field read
// back after the core wrote it).
import { describe, expect, it } from 'vitest';
import { EXIT_PROFILES, EXIT_PROFILES_OFFSET, EXIT_PROFILE_BYTES, EXIT_STATES_OFFSET, EXIT_STATE_BYTES, exitProfile } from '../engine/exits/index.js';
import { EXITS_REGION_BYTES, EXITS_REGION_OFFSET, INSTRUMENT_CAPACITY } from '../engine/layout/memory-map.js';
import { OrderRule } from '../engine/orders/index.js';
import { ExitDriver, SECOND, START_NS, coreBench, recordsOf, type ExitCore } from './exits-fixture.js';

describe('EXITS region layout', () => {
  const shared: { core?: ExitCore } = {};

  it('puts every profile and every instrument state block where the TS mirror says', () => {
    coreBench(shared);
    const core = shared.core!.exits.core;
    expect(EXIT_PROFILES_OFFSET, 'the profiles open the region').toBe(EXITS_REGION_OFFSET);
    for (const profile of [0, 1, EXIT_PROFILES - 1]) expect(core.exitsProfileOffset(profile), `profile ${profile}`).toBe(EXIT_PROFILES_OFFSET + profile * EXIT_PROFILE_BYTES);
    for (const instrument of [0, 1, INSTRUMENT_CAPACITY - 1]) expect(core.exitsStateOffset(instrument), `instrument ${instrument}`).toBe(EXIT_STATES_OFFSET + instrument * EXIT_STATE_BYTES);
    expect(core.exitsProfileOffset(EXIT_PROFILES), 'one past the last profile').toBe(-6);
    expect(core.exitsStateOffset(INSTRUMENT_CAPACITY), 'one past the last instrument').toBe(-6);
    expect(EXIT_PROFILES_OFFSET + EXIT_PROFILES * EXIT_PROFILE_BYTES, 'profiles end before the states').toBeLessThanOrEqual(EXIT_STATES_OFFSET);
    expect(EXIT_STATES_OFFSET + INSTRUMENT_CAPACITY * EXIT_STATE_BYTES, 'the states fit the region').toBeLessThanOrEqual(EXITS_REGION_OFFSET + EXITS_REGION_BYTES);
  });

  it('reads each profile field and writes each state field at the offsets the TS mirror reads', () => {
    const bench = coreBench(shared);
    const d = new ExitDriver(bench);
    bench.exits.configureProfile(5, exitProfile({
      stopPct: 0.02, trailPct: 0.03, targets: [{ pct: 0.05, fraction: 0.5 }], maxHoldNs: 60n * SECOND, regimeMultiplier: [1, 1, 1.5],
    }));
    bench.exits.bindInstrument(0, 5);
    bench.market.setRegime(0, 2);
    const orders = recordsOf(d.enter(0, 10, 100, START_NS), 'order');
    expect(orders.map((o) => o.rule), 'a stop and a tier sent (the trail is held)').toEqual([OrderRule.STOP, OrderRule.TARGET_1]);
    expect(bench.exits.state(0)).toEqual({
      profile: 5, side: 1, entryNs: START_NS, entryPrice: 100, basePosition: 10, stopOrderId: orders[0].orderId, trailOrderId: bench.exits.state(0).trailOrderId,
      targetOrderIds: [orders[1].orderId, 0n, 0n, 0n], maxHoldOrderId: 0n, tiersDone: 0, blockSign: 0, deferredNs: 0n, stopPrice: 97, stopRule: OrderRule.STOP,
      closing: 0, trailHit: 0, trailOffset: 4.5,
    });
    expect(bench.exits.state(0).trailOrderId).not.toBe(0n);
  });
});
