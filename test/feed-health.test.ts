// Feed health as a risk input, in the real engine loop (issue 15): FEED_HEALTH records reach
// the core's risk stage, which acts on them by policy. A rule strategy holds 30% of equity
// long in two instruments with the simulated venue in the core, so a falling price makes it
// want to add and a rising one to reduce. On instrument 0: STALE or GAP -> reduce-only (adds
// refused with FEED_REDUCE_ONLY, reductions go out), CROSSED -> halt (every new order refused,
// working orders stay), cancelAll -> a CANCEL for every live order of that instrument and none
// for the other, RECOVERED -> trading resumes; a checkpoint taken while degraded restores the
// state. Instrument 1 trades on throughout.
import { describe, expect, it } from 'vitest';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { EngineHost, CHECKPOINT_IMAGE_BYTES } from '../engine/threads/index.js';
import type { PipelineSpec } from '../engine/pipeline/index.js';
import {
  FeedCondition, RiskReason, feedHealthEventRecord, readFeedHealthState, DEFAULT_FEED_HEALTH,
  type FeedConditionCode, type FeedHealthPolicy, type RiskLimits, type RiskRecord,
} from '../engine/risk/index.js';
import { executionFromConfig, type ExecutionSpec } from '../engine/execution/index.js';
import { loadConfig } from '../engine/config/index.js';
import type { RuleStrategyConfig } from '../engine/strategy/index.js';
import { EventKind } from '../engine/layout/event-record.js';
import { readInstrumentOrderIndex, readOrderSlot, orderSlotOffset, isLiveState, type CancelCommandRecord, type OrderCommandRecord } from '../engine/orders/index.js';
import { f64Bits, publishAndSettle, type InboundRecord } from './engine-venue-harness.js';

const BAR = EventKind.BAR | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
const CASH = 100_000;
const HOUR = 3_600_000_000_000n;
const START_NS = 1_700_000_000_000_000_000n;
const LIMITS: RiskLimits = {
  maxPositionPct: 1, maxAssetClassPct: 1, maxGrossExposure: 1e7, maxLeverage: 1, dailyLossPct: 0.5,
  maxDrawdownPct: 0.5, priceBandPct: 0.5, minNotional: 10, maxOrders: 20, windowNs: 1_000_000_000n,
};
const HOLD: RuleStrategyConfig = { name: 'hold', type: 'rules', instruments: [], long: { entry: 'ema:3 > 0', exit: 'ema:3 < 0' }, size: { equityFraction: 0.3 } };

function execution(env: Record<string, string> = {}): ExecutionSpec {
  const config = loadConfig({ env: { QF_EXECUTION__NO_TRADE_BAND__EQUITY_PCT: '0.01', QF_EXECUTION__NO_TRADE_BAND__POSITION_PCT: '0', QF_EXECUTION__CONFIRM_BARS: '1', ...env } });
  return executionFromConfig(config, ['AAA', 'BBB'].map((symbol, instrument) => ({ instrument, symbol })), { simulate: true });
}

function spec(feedHealth?: FeedHealthPolicy, env: Record<string, string> = {}): PipelineSpec {
  return {
    indicators: [],
    instruments: [0, 1].map((instrument) => ({ instrument, timeframe: '1h', rules: HOLD })),
    equity: CASH,
    risk: {
      limits: { ...LIMITS, feedHealth }, cash: CASH, startNs: START_NS, halted: false,
      instruments: [0, 1].map((instrument) => ({ instrument, assetClass: 0, lotSize: 0.001, staleNs: 2n * HOUR })),
    },
    execution: execution(env),
  };
}

/** Bar `i` of both instruments at `price` (flat bars: the simulated venue fills market orders at the next open). */
function bars(i: number, price: number): InboundRecord[] {
  return [0, 1].map((instrument) => ({
    kind: BAR, instrument, tsExchange: START_NS + BigInt(i) * HOUR, tsLocal: START_NS + BigInt(i + 1) * HOUR,
    price, size: 1e6, a: price, b: price, id: f64Bits(price),
  }));
}

function feed(i: number, condition: FeedConditionCode, value = 0): InboundRecord {
  const at = START_NS + BigInt(i) * HOUR + 1_000_000n; // just after bar i - 1 closed
  return feedHealthEventRecord({
    instrument: 0, lastMessageNs: at - HOUR, detectedNs: at, condition, value, mask: condition === FeedCondition.RECOVERED ? 0 : 1 << condition, stream: 7, sequence: 0n,
  }, EventKind.SOURCE_LIVE);
}

// Warm-up at 100 (the strategy buys), a fall (it wants to add), a rise (it wants to reduce).
const WARM = [100, 100, 100, 100, 100, 100, 100, 100];
const FALL = [90, 81, 73];
const RISE = [85, 100, 118];

type Flow = { at: string; order?: OrderCommandRecord; cancel?: CancelCommandRecord; risk?: RiskRecord };

class Session {
  readonly flow: Flow[] = [];
  phase = 'warm';
  bar = 0;
  /** Records the core must have consumed (a restored core starts at its checkpoint's count). */
  private expected: number;
  private constructor(readonly host: EngineHost) {
    this.expected = host.counters().eventsProcessed;
  }

  /** publishAndSettle, then also waits for a restored core (whose ring cursor starts after the checkpoint) to consume everything. */
  private async publish(records: InboundRecord[]): Promise<void> {
    await publishAndSettle(this.host, records);
    this.expected += records.length;
    for (let polls = 0; this.host.counters().eventsProcessed < this.expected; polls++) {
      this.host.checkHealthy();
      if (polls > 1_000_000) throw new Error(`the core consumed ${this.host.counters().eventsProcessed} of ${this.expected} records and stopped`);
      this.host.drainOutbound();
      await yieldToEventLoop();
    }
    this.host.drainOutbound();
  }

  static async start(pipeline: PipelineSpec, restore?: NonNullable<Parameters<typeof EngineHost.start>[0]>['restore']): Promise<Session> {
    let session: Session | undefined;
    const host = await EngineHost.start({
      pipeline, restore,
      onOrder: (order) => session!.flow.push({ at: session!.phase, order }),
      onOrderChange: (change) => change.record === 'cancel' && session!.flow.push({ at: session!.phase, cancel: change }),
      onRiskRecord: (risk) => session!.flow.push({ at: session!.phase, risk }),
    });
    session = new Session(host);
    return session;
  }

  async prices(phase: string, prices: readonly number[]): Promise<void> {
    this.phase = phase;
    for (const price of prices) await this.publish(bars(this.bar++, price));
  }

  async send(phase: string, record: InboundRecord): Promise<void> {
    this.phase = phase;
    await this.publish([record]);
  }

  orders(phase: string, instrument: number) {
    return this.flow.filter((f) => f.at === phase && f.order?.instrument === instrument).map((f) => f.order!);
  }

  reasons(phase: string, instrument: number) {
    return this.flow.filter((f) => f.at === phase && f.risk?.instrument === instrument).map((f) => f.risk!.reason);
  }

  state(instrument: number) {
    return readFeedHealthState(new DataView(this.host.memory.buffer), instrument)!;
  }

  liveOrderIds(instrument: number): bigint[] {
    const view = new DataView(this.host.memory.buffer);
    const ids: bigint[] = [];
    for (let slot = readInstrumentOrderIndex(view, instrument).head; slot >= 0; ) {
      const order = readOrderSlot(view, orderSlotOffset(slot));
      if (isLiveState(order.state)) ids.push(order.id);
      slot = order.next;
    }
    return ids.sort();
  }
}

const strategyOrders = (orders: OrderCommandRecord[]) => orders.filter((o) => o.rule === 0);

describe('feed health in the engine loop', () => {
  for (const [name, condition] of [['STALE', FeedCondition.STALE], ['GAP', FeedCondition.GAP]] as const) {
    it(`${name}: reduce-only until recovered (adds refused with the reason, reductions go out), the other instrument unaffected`, async () => {
      const s = await Session.start(spec());
      await s.prices('warm', WARM);
      expect(strategyOrders(s.orders('warm', 0)).length, 'the strategy bought instrument 0 while healthy').toBeGreaterThan(0);
      await s.send('degraded', feed(WARM.length, condition, 3));
      expect(s.state(0), 'the core holds the degraded state').toMatchObject({ action: 'reduceOnly', conditions: [name], lastStream: 7, lastValue: 3 });
      expect(s.state(1).action).toBe('ok');
      await s.prices('fall', FALL);
      expect(s.reasons('fall', 0).length, 'each wish to add is refused').toBe(FALL.length);
      expect(new Set(s.reasons('fall', 0)), 'with the feed reason').toEqual(new Set([RiskReason.FEED_REDUCE_ONLY]));
      expect(s.orders('fall', 0), 'no order adds to instrument 0').toEqual([]);
      expect(strategyOrders(s.orders('fall', 1)).filter((o) => o.qty > 0).length, 'instrument 1 adds as before').toBeGreaterThan(0);
      await s.prices('rise', RISE);
      const exits = strategyOrders(s.orders('rise', 0));
      expect(exits.length, 'reductions are allowed while reduce-only').toBeGreaterThan(0);
      expect(exits.every((o) => o.qty < 0), 'and they are all sells of the long').toBe(true);
      await s.send('recovered', feed(WARM.length + FALL.length + RISE.length, FeedCondition.RECOVERED));
      expect(s.state(0)).toMatchObject({ action: 'ok', mask: 0, sinceNs: 0n });
      await s.prices('resumed', FALL.map((p) => p * 1.18));
      expect(strategyOrders(s.orders('resumed', 0)).filter((o) => o.qty > 0).length, 'trading resumes: it adds again').toBeGreaterThan(0);
      expect(s.reasons('resumed', 0), 'no feed refusals after recovery').toEqual([]);
      await s.host.drainAndStop();
    });
  }

  it('CROSSED: halts the instrument (adds refused, exits deferred, nothing canceled)', async () => {
    const s = await Session.start(spec(undefined, { QF_EXITS__STOP_PCT: '0.4' }));
    await s.prices('warm', WARM);
    const working = s.liveOrderIds(0);
    expect(working.length, 'a protective stop works on instrument 0').toBeGreaterThan(0);
    await s.send('crossed', feed(WARM.length, FeedCondition.CROSSED, 0.5));
    expect(s.state(0)).toMatchObject({ action: 'halt', conditions: ['CROSSED'] });
    await s.prices('fall', FALL);
    await s.prices('rise', RISE);
    expect(s.orders('fall', 0).concat(s.orders('rise', 0)), 'no new order of any kind on instrument 0').toEqual([]);
    expect(new Set(s.reasons('fall', 0)), 'adds: FEED_HALT').toEqual(new Set([RiskReason.FEED_HALT]));
    // Instrument 0 is held long throughout: a sell reduces it (deferred), a buy adds (refused). Which
    // of the two each 'rise' decision asks for depends on the equity both instruments' marks give.
    const rise = s.flow.filter((f) => f.at === 'rise' && f.risk?.instrument === 0).map((f) => f.risk!);
    expect(rise.filter((r) => r.qty < 0).length, 'the rise asks to reduce').toBeGreaterThan(0);
    expect(new Set(rise.filter((r) => r.qty < 0).map((r) => r.reason)), 'reductions: deferred until the feed recovers').toEqual(new Set([RiskReason.DEFERRED_FEED_HALT]));
    expect(new Set(rise.filter((r) => r.qty > 0).map((r) => r.reason)), 'adds: refused').toEqual(new Set(rise.some((r) => r.qty > 0) ? [RiskReason.FEED_HALT] : []));
    expect(s.flow.filter((f) => f.cancel?.instrument === 0 && f.at !== 'warm'), 'halt cancels nothing').toEqual([]);
    expect(s.liveOrderIds(0), 'the stop still works').toEqual(working);
    expect(strategyOrders(s.orders('rise', 1)).length, 'instrument 1 trades on').toBeGreaterThan(0);
    await s.host.drainAndStop();
  });

  it('cancelAll: a CANCEL for every live order of the instrument and none for the other, then as halt', async () => {
    const policy: FeedHealthPolicy = { ...DEFAULT_FEED_HEALTH, onStale: 'cancelAll' };
    const s = await Session.start(spec(policy, { QF_EXITS__STOP_PCT: '0.4' }));
    await s.prices('warm', WARM);
    const live0 = s.liveOrderIds(0);
    const live1 = s.liveOrderIds(1);
    expect(live0.length, 'orders work on instrument 0').toBeGreaterThan(0);
    expect(live1.length, 'and on instrument 1').toBeGreaterThan(0);
    await s.send('stale', feed(WARM.length, FeedCondition.STALE, 7.2e12));
    const cancels = s.flow.filter((f) => f.at === 'stale' && f.cancel).map((f) => f.cancel!);
    expect(cancels.map((c) => c.orderId).sort(), 'one CANCEL per live order of instrument 0').toEqual(live0);
    expect(cancels.every((c) => c.instrument === 0), 'none for instrument 1').toBe(true);
    expect(s.liveOrderIds(1), 'instrument 1 keeps its orders').toEqual(live1);
    expect(s.state(0).action).toBe('cancelAll');
    await s.prices('fall', FALL);
    expect(s.orders('fall', 0), 'then no new order on instrument 0').toEqual([]);
    expect(s.reasons('fall', 0).length).toBeGreaterThan(0);
    expect(new Set(s.reasons('fall', 0).filter((r) => r !== RiskReason.DEFERRED_FEED_HALT)), 'refused as under halt').toEqual(new Set([RiskReason.FEED_HALT]));
    await s.host.drainAndStop();
  });

  it('a checkpoint taken while degraded restores the state, and the restored core writes what the uninterrupted one writes', async () => {
    const pipeline = spec();
    const a = await Session.start(pipeline);
    await a.prices('warm', WARM);
    await a.send('degraded', feed(WARM.length, FeedCondition.GAP, 12));
    const cut = await a.host.checkpoint(new Uint8Array(CHECKPOINT_IMAGE_BYTES));
    const atCut = { ...cut, image: cut.image.slice() };
    a.flow.length = 0;
    await a.prices('fall', FALL);

    const b = await Session.start(pipeline, atCut);
    b.bar = WARM.length;
    expect(b.state(0), 'the restored core is still reduce-only').toMatchObject({ action: 'reduceOnly', conditions: ['GAP'], lastValue: 12 });
    await b.prices('fall', FALL);
    expect(new Set(b.reasons('fall', 0)), 'and refuses adds').toEqual(new Set([RiskReason.FEED_REDUCE_ONLY]));
    expect(b.flow.map((f) => f.order ?? f.risk ?? f.cancel), 'the same records as the core that never stopped').toEqual(a.flow.map((f) => f.order ?? f.risk ?? f.cancel));
    await a.host.drainAndStop();
    await b.host.drainAndStop();
  });

  it('ignores a FEED_HEALTH record for an instrument without risk configuration, and a run without FEED_HEALTH records does not depend on the policy', async () => {
    const strict = await Session.start(spec({ onStale: 'cancelAll', onGap: 'cancelAll', onCrossed: 'cancelAll', onLocked: 'cancelAll', onSilent: 'cancelAll', staleAfterSeconds: 1, silentAfterSeconds: 1 }));
    const plain = await Session.start(spec());
    for (const s of [strict, plain]) {
      await s.prices('warm', WARM);
      await s.send('other', { ...feed(WARM.length, FeedCondition.CROSSED), instrument: 5 });
      await s.prices('fall', FALL);
      await s.host.drainAndStop();
    }
    expect(strict.flow.length).toBeGreaterThan(3);
    expect(strict.flow, 'same orders and risk records whatever the policy').toEqual(plain.flow);
  });

  it('takes the policy from the configuration, names the key of a bad value, and has no switch to turn it off', () => {
    expect(loadConfig({ env: { QF_RISK__FEED_HEALTH__ON_GAP: 'cancelAll' } }).risk.feedHealth).toEqual({ ...DEFAULT_FEED_HEALTH, onGap: 'cancelAll' });
    expect(() => loadConfig({ env: { QF_RISK__FEED_HEALTH__ON_STALE: 'ignore' } })).toThrow(/`risk.feedHealth.onStale` must be one of "reduceOnly", "halt", "cancelAll", was "ignore"/);
    expect(() => loadConfig({ env: { QF_RISK__FEED_HEALTH__ENABLED: 'false' } })).toThrow(/`risk.feedHealth` has no key ENABLED/);
  });
});
