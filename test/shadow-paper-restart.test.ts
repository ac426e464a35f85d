// Shadow paper across an operator's action and a restart (`quantflow run --mode live
// --shadow-paper` against the local Binance simulator, 127.0.0.1): a signed pause of the strategy,
// or a kill-switch trip, reaches the shadow core at the same point of the feed as the live core
// (neither re-enters while held), and the restarted session's shadow continues the journal's
// session (the first process's orders, the hold, then the release and the new entry) instead of
// starting fresh: the second drift report holds every order of the first, the shadow side
// identical, and both sides decide the entry after the release.
import { afterEach, describe, expect, test } from 'vitest';
import { connect, type SignalView } from '../engine/client/index.js';
import type { DriftReport, MatchedOrder } from '../engine/live/index.js';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { buys, controlToken, PATH, RunHarness, serverPort, until, waitReady, type Child } from './run-harness.js';

const harness = new RunHarness();
afterEach(async () => {
  await harness.cleanup();
});

const CONTROL_SECRET = 'f'.repeat(40);
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET, QF_CONTROL_SECRET: CONTROL_SECRET };
const token = (config: string, subject: string): Promise<string> => controlToken(config, subject, CONTROL_SECRET);

async function driftReport(child: Child): Promise<DriftReport> {
  child.proc.kill('SIGINT');
  expect((await child.exit).code, child.stderr).toBe(0);
  const json = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { shadowPaper?: DriftReport };
  expect(json.shadowPaper, 'the summary JSON has the drift report').toBeDefined();
  return json.shadowPaper!;
}

/** An order as both sides filled it, without the live side's latency (wall time, journaled or measured). */
const filled = (m: MatchedOrder) => ({
  decisionNs: m.decisionNs, qty: m.qty, decisionPrice: m.decisionPrice,
  live: { orderId: m.live.orderId, fills: m.live.fills.map((f) => [f.price, f.qty]) },
  shadow: m.shadow,
});

/**
 * An operator's hold on new entries and its release: a strategy's pause, or the kill switch (whose
 * trip flattens the position and holds the target at flat, so its signals show no wanted long:
 * the pause's, on the same path, do).
 */
const HOLDS = [
  { name: 'a pause', hold: { kind: 'pause-strategy', strategy: 'fast-cross', reason: 'shadow test' }, release: { kind: 'resume-strategy', strategy: 'fast-cross', reason: 'shadow test over' }, reason: 'STRATEGY_PAUSED' },
  { name: 'a kill-switch trip', hold: { kind: 'kill-switch-trip', reason: 'shadow test' }, release: { kind: 'kill-switch-reset', reason: 'shadow test over' }, reason: null },
] as const;

describe('quantflow run --shadow-paper: operator actions and a restart', () => {
  test.each(HOLDS)('$name reaches the shadow where it reached the live core, and a restart continues the shadow from the journal', async ({ name, hold, release, reason }) => {
    const { sim, config, startTime } = await harness.setup(`shadow-${hold.kind}`, 'keep');
    const args = ['--mode', 'live', '--config', config, '--i-understand-live', '--shadow-paper', '--port', '0'];
    const first = harness.start(args, ENV);
    const port = await serverPort(first);
    await waitReady(port, first);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    const erin = await connect(`ws://127.0.0.1:${port}/`, { reconnect: false, token: await token(config, 'operator:erin') });
    const signals: SignalView[] = [];
    erin.subscribe('signals', (update) => signals.push(...update.payload.signals));
    let buysAtPause = 0;
    try {
      await new Promise((r) => setTimeout(r, 300));
      // Up 12: both cores enter.
      await sim.playPath('BTCUSDT', PATH.slice(0, 12), { startTime, intervalMs: 60 }).done;
      await until('the entry reached the venue', () => buys(sim) >= 1, first);
      expect(await erin.control(hold), first.stderr).toMatchObject({ ok: true });
      buysAtPause = buys(sim);
      // Down 12 (both exit, or the trip flattened both), up 6: the cross wants a new long; the hold keeps both cores flat.
      await sim.playPath('BTCUSDT', PATH.slice(12, 30), { startTime: startTime + 12 * 60_000, intervalMs: 60 }).done;
      const lastCloseNs = BigInt(startTime + 29 * 60_000) * 1_000_000n;
      await until('the core decided on the last closed bar', () => signals.some((s) => s.timeNs >= lastCloseNs && s.price === PATH[28]), first, 60_000);
      if (reason !== null) expect(signals.some((s) => s.targetQuantity > 0 && s.orderReasonName === reason), `the strategy wanted a new long while held (${reason})`).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await erin.close();
    }
    expect(buys(sim), `no live entry after ${name}`).toBe(buysAtPause);
    const before = await driftReport(first);
    expect(before.matched, 'entry and exit, decided by both cores').toBeGreaterThanOrEqual(2);
    expect(before.shadowOnly, `the shadow took ${name} where the live core did: no entry of its own`).toEqual([]);
    expect(before.liveOnly).toEqual([]);

    const second = harness.start(args, ENV);
    const port2 = await serverPort(second);
    await waitReady(port2, second);
    await until('market streams subscribed again', () => sim.marketStreamCount >= 1, second);
    await until('the shadow caught up with the journal', () => /shadow paper: caught up with the journal: \d+ records, 1 operator actions, \d+ live orders before this start/.test(second.stderr), second, 60_000);
    const frank = await connect(`ws://127.0.0.1:${port2}/`, { reconnect: false, token: await token(config, 'operator:frank') });
    try {
      expect(await frank.control(release), second.stderr).toMatchObject({ ok: true });
      await new Promise((r) => setTimeout(r, 300));
      // Up 6 more: released, both cores enter again.
      await sim.playPath('BTCUSDT', PATH.slice(30, 36), { startTime: startTime + 30 * 60_000, intervalMs: 60 }).done;
      await until('an entry after the release', () => buys(sim) > buysAtPause, second, 60_000);
      await new Promise((r) => setTimeout(r, 800));
    } finally {
      await frank.close();
    }
    const after = await driftReport(second);
    // The first process's orders, both sides as they were (the shadow's from its catch-up of the journal).
    for (const m of before.orders) {
      const again = after.orders.find((o) => o.live.orderId === m.live.orderId);
      expect(again, `live order ${m.live.orderId} of the first process in the restarted report`).toBeDefined();
      expect(filled(again!)).toEqual(filled(m));
    }
    expect(after.matched, 'the entry after the release, decided by both cores').toBeGreaterThan(before.matched);
    expect(after.shadowOnly).toEqual([]);
    expect(after.liveOnly).toEqual([]);
    const entry = after.orders.at(-1)!;
    expect(entry.qty, 'the last order is the new long').toBeGreaterThan(0);
    expect(entry.shadow.filled, 'the shadow filled it on its simulated venue').toBeGreaterThan(0);
    expect(entry.live.filled).toBeGreaterThan(0);
  }, 240_000);
});
