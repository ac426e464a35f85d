// EngineStateSource end to end: a real EngineHost run (an EMA 10/20 rule strategy over the
// bundled ETH bars, simulated venue in the core) streams state and fills through the state
// server to a client; the client gets every fill the venue reported (with the rule of its order:
// a tight fixed stop makes STOP exits among the STRATEGY fills), and the final state.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadBarsCsv, type BarSeries } from '../../adapters/files/index.js';
import { defaultBarFiles } from '../cli/default-data.js';
import { loadConfig } from '../config/index.js';
import { buildBarReplayTape, barIntervalNs, instrumentNames, playTape, timeframeOfInterval, tradingPipeline } from '../replay/index.js';
import { EngineHost } from '../threads/index.js';
import type { VenueReply } from '../venue/index.js';
import { orderRuleName } from '../orders/index.js';
import { connect, type FillViewData, type StateView } from '../client/index.js';
import { EngineStateSource, mergeOutboundListeners, startStateServer } from './index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = [
  'execution:', '  noTradeBand: { equityPct: 0, positionPct: 0 }', '  confirmBars: 1',
  'strategies:', '  - name: ema-cross', '    type: rules', '    instruments: [ETHUSDT]',
  '    long: { entry: "ema:10 >= ema:20", exit: "ema:10 < ema:20" }', '    size: { quantity: 1 }',
  'exits:', '  stopPct: 0.003', '',
].join('\n');

/** The first 1,500 bundled ETH bars, the EMA cross planned over them, and a state source with `throttleMs`. */
async function emaRun(throttleMs: number) {
  const ethFile = defaultBarFiles().find((file) => file.includes('ETHUSDT'))!;
  const series = (await loadBarsCsv(ethFile)).series;
  const cut: BarSeries = { ...series, length: 1500 } as BarSeries;
  const tape = buildBarReplayTape([cut], instrumentNames([ethFile]));
  const configFile = path.join(dir, `ema-${throttleMs}.yaml`);
  writeFileSync(configFile, CONFIG);
  const planned = tradingPipeline({
    config: loadConfig({ env: {}, configFile }), instrumentNames: tape.instrumentNames, timeframes: [timeframeOfInterval(barIntervalNs(series))],
    indicators: [], equity: 100_000, startNs: tape.tsExchange[0], halted: false, simulate: true,
  });
  const source = new EngineStateSource({ instruments: [{ instrument: 0, symbol: tape.instrumentNames[0] }], mode: 'backtest', throttleMs, startingCash: 100_000 });
  return { tape, planned, source };
}

describe('EngineStateSource', () => {
  it('streams state and fills of a real engine run to a client, missing no fill', async () => {
    const { tape, planned, source } = await emaRun(20);
    const server = await startStateServer({ source });
    const client = await connect(server.url);
    const fills: FillViewData[] = [];
    const states: StateView[] = [];
    client.subscribe('fills', (u) => fills.push(...u.payload.fills));
    client.subscribe('state', (u) => states.push(u.payload));
    const venueFills: VenueReply[] = [];
    const orderRules = new Map<bigint, string>();
    const host = await EngineHost.start({
      pipeline: planned.spec,
      ...mergeOutboundListeners(source.listeners(), {
        onVenueReport: (r) => { if (r.type === 'fill') venueFills.push(r); },
        onOrder: (o) => { orderRules.set(o.orderId, orderRuleName(o.rule)); },
      }),
    });
    try {
      source.attach(host);
      // Paced so the run spans several throttle periods (a watcher sees it live).
      await playTape(tape, host, { batch: 64, rate: 15_000, shouldStop: () => false });
      await host.drainAndStop();
      source.detach();
      await until(() => fills.length >= venueFills.length && states.length > 0 && states[states.length - 1].positions.length === 1, 'the last frames');
      await sleep(50);
      expect(venueFills.length, 'the strategy traded').toBeGreaterThan(10);
      expect(fills.map((f) => f.tradeId), 'every venue fill reached the client once, in order').toEqual(venueFills.map((r) => String((r as { fillId: number }).fillId)));
      expect(fills.map((f) => [f.side, f.quantity]), 'sides and quantities').toEqual(venueFills.map((r) => [(r as { qty: number }).qty > 0 ? 'buy' : 'sell', Math.abs((r as { qty: number }).qty)]));
      expect(fills.map((f) => f.rule), 'each fill carries the rule of its ORDER record').toEqual(fills.map((f) => orderRules.get(f.orderId)));
      expect(new Set(fills.map((f) => f.rule)), 'strategy entries and stop-loss exits both filled').toEqual(new Set(['STRATEGY', 'STOP']));
      expect(states.length, 'several state frames while it ran (throttled, not one per bar)').toBeGreaterThan(2);
      expect(states.length, 'throttled: far fewer than one per bar').toBeLessThan(tape.length / 4);
      const last = states[states.length - 1];
      expect(last.mode).toBe('backtest');
      expect(last.positions[0].symbol).toBe(tape.instrumentNames[0]);
      const net = venueFills.reduce((sum, r) => sum + (r as { qty: number }).qty, 0);
      expect(last.positions[0].quantity, 'the final position is the sum of the fills').toBeCloseTo(net, 9);
      expect(last.equity, 'equity = cash + position value').toBeCloseTo(last.cash + last.positions[0].quantity * last.positions[0].markPrice, 6);
      const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(metrics).toMatch(/quantflow_engine_counter\{counter="bars_processed"\} 1500/);
    } finally {
      await client.close();
      await server.close();
      await host.terminate();
    }
  }, 120_000);

  it('publishes fills right after the drain that handed them over, not at the next timer tick', async () => {
    // A throttle far longer than the run: the timer never fires while it runs, so every fill a
    // client sees before the end came from the publish that follows a drain.
    const { tape, planned, source } = await emaRun(600_000);
    const server = await startStateServer({ source });
    const client = await connect(server.url);
    const fills: FillViewData[] = [];
    client.subscribe('fills', (u) => fills.push(...u.payload.fills));
    let venueFills = 0;
    const host = await EngineHost.start({
      pipeline: planned.spec,
      ...mergeOutboundListeners(source.listeners(), { onVenueReport: (r) => { if (r.type === 'fill') venueFills++; } }),
    });
    try {
      source.attach(host);
      await playTape(tape, host, { batch: 64, rate: 15_000, shouldStop: () => false });
      await host.drainAndStop();
      await until(() => fills.length >= venueFills, 'the fills published after the drains');
      expect(venueFills, 'the strategy traded').toBeGreaterThan(10);
      expect(fills.length, 'every fill reached the client before detach (no timer tick in the run)').toBe(venueFills);
      source.detach();
    } finally {
      await client.close();
      await server.close();
      await host.terminate();
    }
  }, 120_000);
});

async function until(ready: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

describe('EngineStateSource: publishing around the engine\'s batches', () => {
  /** A source over a stand-in host whose only answer is its inbound backlog; `tick` (the publish) is counted, not run; Date.now is `clock.ms`. */
  function setUp(throttleMs: number) {
    const clock = { ms: 1_000_000 };
    const now = vi.spyOn(Date, 'now').mockImplementation(() => clock.ms);
    const source = new EngineStateSource({ instruments: [{ instrument: 0, symbol: 'ETHUSDT' }], mode: 'paper', throttleMs });
    const engine = { backlog: 0 };
    const ticks: boolean[] = [];
    (source as unknown as { tick(force: boolean): void }).tick = (force) => void ticks.push(force);
    source.attach({ inboundBacklog: () => engine.backlog } as unknown as EngineHost);
    const onEquityAt = source.listeners().onEquityAt!;
    const handOver = (): void => onEquityAt(new DataView(new ArrayBuffer(64)), 0);
    const drain = async (): Promise<void> => {
      handOver();
      await new Promise((resolve) => setImmediate(resolve));
    };
    const done = (): void => {
      source.detach();
      now.mockRestore();
    };
    return { clock, engine, ticks, handOver, drain, done };
  }

  it('holds the publish after a drain while the engine has inbound records it has not finished', async () => {
    const { clock, engine, ticks, drain, done } = setUp(10_000);
    await drain();
    expect(ticks, 'the first drain publishes').toEqual([false]);
    engine.backlog = 3;
    clock.ms += 1;
    await drain();
    clock.ms += 1;
    await drain();
    expect(ticks, 'the engine has input: the drains do not publish').toEqual([false]);
    engine.backlog = 0;
    clock.ms += 1;
    await drain();
    expect(ticks, 'the engine took it: the next drain publishes').toEqual([false, false]);
    done();
    expect(ticks.at(-1), 'detach publishes what is left').toBe(true);
  });

  it('publishes a drain\'s records once when a held publish\'s retry sends them before the drain\'s own turn', async () => {
    const { clock, engine, ticks, handOver, drain, done } = setUp(10_000);
    await drain();
    engine.backlog = 1;
    clock.ms += 1;
    await drain();
    expect(ticks, 'held').toEqual([false]);
    engine.backlog = 0;
    clock.ms += 1;
    handOver();
    // The retry (1 ms) is due before the drain's own turn: the loop runs timers before immediates.
    const until = performance.now() + 3;
    while (performance.now() < until) { /* let the retry fall due */ }
    await new Promise((resolve) => setImmediate(resolve));
    expect(ticks, 'the retry sent the records: the drain\'s turn has nothing left to send').toEqual([false, false]);
    done();
  });

  it('publishes a held frame once the engine is done, with no drain after it, and at most 5 ms after the last publish', async () => {
    const { clock, engine, ticks, drain, done } = setUp(600_000);
    await drain();
    engine.backlog = 2;
    clock.ms += 1;
    await drain();
    expect(ticks).toEqual([false]);
    engine.backlog = 0;
    await sleep(20);
    expect(ticks, 'looked at again without a drain: out once the engine took its input').toEqual([false, false]);
    engine.backlog = 5;
    clock.ms += 1;
    await drain();
    await sleep(5);
    expect(ticks.length, 'held while the engine works').toBe(2);
    clock.ms += 5;
    await sleep(20);
    expect(ticks, 'an engine that always has input still gets its state published').toEqual([false, false, false]);
    done();
  });

  it('gives an order that ended canceled, rejected or expired the venue\'s reason (a marketable post-only\'s expiry is post-only-would-take)', () => {
    const source = new EngineStateSource({ instruments: [{ instrument: 0, symbol: 'BTC' }], mode: 'backtest', throttleMs: 50, startingCash: 1000 });
    const listeners = source.listeners();
    const head = { instrument: 0, venueNs: 10n, dueNs: 11n };
    for (const orderId of [1n, 2n, 3n, 4n, 5n]) {
      listeners.onOrder!({ record: 'order', orderId, instrument: 0, tsNs: 1n, clockNs: 1n, qty: 1, limitPrice: 99, stopPrice: 0, orderType: 1, timeInForce: 0, flags: 0, rule: 0, cutBy: 0 });
    }
    listeners.onVenueReport!({ type: 'expired', ...head, clientId: 1n, qty: 1, reason: 'post-only-would-take' });
    listeners.onVenueReport!({ type: 'canceled', ...head, clientId: 2n, qty: 1, reason: 'unfilled' });
    listeners.onVenueReport!({ type: 'reject', ...head, clientId: 4n, qty: 1, reason: 'post-only', of: 'order' });
    listeners.onVenueReport!({ type: 'ack', ...head, clientId: 5n, qty: 1, limitPrice: 99, replace: false });
    listeners.onVenueReport!({ type: 'reject', ...head, clientId: 5n, qty: 1, reason: 'unknown-order', of: 'cancel' });
    const byId = new Map(source.snapshot('orders')!.orders.map((o) => [o.orderId, o]));
    expect(byId.get(1n)).toMatchObject({ status: 'expired', statusReason: 'post-only-would-take' });
    expect(byId.get(2n)).toMatchObject({ status: 'canceled', statusReason: 'unfilled' });
    expect(byId.get(3n), 'a working order has no reason').toMatchObject({ status: 'pending-submit', statusReason: '' });
    expect(byId.get(4n), 'a rejected order').toMatchObject({ status: 'rejected', statusReason: 'post-only' });
    expect(byId.get(5n), 'a refused cancel leaves the order working, with no reason').toMatchObject({ status: 'accepted', statusReason: '' });
  });
});
