// Trading in the engine loop: the decided targets become orders through the order table and
// the pre-trade checks, the simulated venue in the core fills them, and everything the core
// writes comes out on the outbound ring. Determinism (the same records byte for byte whatever
// the batching, pacing and wait strategy), back-pressure (a tiny outbound ring drained slowly
// changes nothing), and, with the test as a live venue (test/scripted-venue.ts): fills matched
// to orders by id, opposing orders never working at once, a halted start, a kill-switch trip.
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadBarsCsv, type BarSeries } from '../adapters/files/index.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { EngineHost, type EngineHostOptions } from '../engine/threads/index.js';
import { buildBarReplayTape, type ReplayTape } from '../engine/replay/bar-replay-tape.js';
import { playTape } from '../engine/replay/tape-player.js';
import { buildRegimeFeatures, trainRegimeModel, type RegimeModelRecord } from '../engine/regime/index.js';
import type { RuleStrategyConfig } from '../engine/strategy/index.js';
import type { PipelineSpec } from '../engine/pipeline/index.js';
import { readInstrumentRisk, readRiskAccount } from '../engine/pipeline/risk-account-snapshot.js';
import { resolveFusionConfig, resolveSizingConfig } from '../engine/decision/index.js';
import { RiskReason, type InstrumentRiskConfig, type RiskLimits } from '../engine/risk/index.js';
import { executionFromConfig, readExecutionReport, type ExecutionSpec } from '../engine/execution/index.js';
import { loadConfig } from '../engine/config/index.js';
import { EventKind } from '../engine/layout/event-record.js';
import { f64Bits, publishAndSettle, publishRecords, type InboundRecord } from './engine-venue-harness.js';
import { ScriptedVenue } from './scripted-venue.js';
import type { OrderCommandRecord } from '../engine/orders/index.js';

const BAR = EventKind.BAR | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
const CASH = 100_000;
const START_NS = 1_700_000_000_000_000_000n;

const LIMITS: RiskLimits = {
  maxPositionPct: 0.25, maxAssetClassPct: 0.6, maxGrossExposure: 1e6, maxLeverage: 1, dailyLossPct: 0.05,
  maxDrawdownPct: 0.15, priceBandPct: 0.05, minNotional: 10, maxOrders: 20, windowNs: 1_000_000_000n,
};

async function demoSeries(bars: number): Promise<BarSeries[]> {
  const series: BarSeries[] = [];
  for (const file of defaultBarFiles()) series.push({ ...(await loadBarsCsv(file)).series, length: bars } as BarSeries);
  return series;
}

function barRecord(tape: ReplayTape, row: number): InboundRecord {
  return {
    kind: BAR, instrument: tape.instrument[row], tsExchange: tape.tsExchange[row], tsLocal: tape.tsLocal[row],
    price: tape.close[row], size: tape.volume[row], a: tape.high[row], b: tape.low[row], id: f64Bits(tape.open[row]),
  };
}

/** Execution from the default configuration, trading every change at once (so the short tapes here trade a lot). */
function execution(symbols: readonly string[], simulate: boolean, env: Record<string, string> = {}): ExecutionSpec {
  const config = loadConfig({ env: { QF_EXECUTION__NO_TRADE_BAND__EQUITY_PCT: '0.01', QF_EXECUTION__NO_TRADE_BAND__POSITION_PCT: '0', QF_EXECUTION__CONFIRM_BARS: '1', ...env } });
  return executionFromConfig(config, symbols.map((symbol, instrument) => ({ instrument, symbol })), { simulate });
}

function specFor(series: BarSeries[], model: RegimeModelRecord, exec: ExecutionSpec, options: { halted?: boolean; limits?: RiskLimits } = {}): PipelineSpec {
  const risk: InstrumentRiskConfig[] = series.map((_, instrument) => ({ instrument, assetClass: 0, lotSize: 1e-5, staleNs: 7_200_000_000_000n }));
  return {
    indicators: [],
    instruments: series.map((_, instrument) => ({ instrument, regimeModel: model, timeframe: '1h' })),
    decision: { fusion: resolveFusionConfig(), sizing: resolveSizingConfig(), equity: CASH },
    risk: { limits: options.limits ?? LIMITS, instruments: risk, cash: CASH, startNs: START_NS, halted: options.halted ?? false },
    execution: exec,
  };
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Plays `tape` through an engine that simulates the venue; returns every record it wrote (but PROGRESS) as hex, and the host. */
async function runSimulated(tape: ReplayTape, spec: PipelineSpec, host: Partial<EngineHostOptions>, play: { batch: number; rate?: number }) {
  const records: string[] = [];
  const engine = await EngineHost.start({ pipeline: spec, ...host, onRecordBytes: (bytes) => records.push(hex(bytes)) });
  await playTape(tape, engine, { batch: play.batch, rate: play.rate ?? 0, shouldStop: () => false });
  await engine.drainAndStop();
  return { records, engine };
}

describe('trading in the engine loop with the simulated venue', () => {
  it('writes the same orders, fills, round trips and risk records, byte for byte, whatever the batching, pacing and wait strategy', async () => {
    const series = await demoSeries(3000);
    const model = trainRegimeModel(buildRegimeFeatures(series[0]), { restarts: 1, seed: 3, maxIterations: 30 });
    const tape = buildBarReplayTape(series, series.map((s) => s.file));
    const spec = specFor(series, model, execution(['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], true));
    const a = await runSimulated(tape, spec, {}, { batch: 1024 });
    const b = await runSimulated(tape, spec, { maxBatch: 7, wait: 'busy-spin' }, { batch: 13 });
    const c = await runSimulated(tape, spec, { maxBatch: 1, wait: 'spin-then-yield' }, { batch: 64, rate: 40_000 });
    const kinds = (records: string[], kind: number) => records.filter((r) => (Buffer.from(r.slice(0, 8), 'hex').readInt32LE(0) & 0xfffff) === kind).length;
    expect(kinds(a.records, EventKind.ORDER), 'the run sends orders').toBeGreaterThan(20);
    expect(kinds(a.records, EventKind.FILL), 'the venue fills them').toBeGreaterThan(20);
    expect(kinds(a.records, EventKind.ROUND_TRIP), 'and positions close').toBeGreaterThan(5);
    expect(b.records, 'one record per call and tiny batches').toEqual(a.records);
    expect(c.records, 'paced, one record per call').toEqual(a.records);
    expect(a.engine.pipelineCounters().stageErrors, `no stage failed (last status ${a.engine.pipelineCounters().lastError})`).toBe(0);
  }, 120_000);

  it('stops for room in a tiny outbound ring drained slowly, and writes exactly what an unconstrained run writes', async () => {
    const series = await demoSeries(2000);
    const model = trainRegimeModel(buildRegimeFeatures(series[0]), { restarts: 1, seed: 3, maxIterations: 30 });
    const tape = buildBarReplayTape(series, series.map((s) => s.file));
    const spec = specFor(series, model, execution(['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], true));
    const free = await runSimulated(tape, spec, {}, { batch: 4096 });
    const records: string[] = [];
    const host = await EngineHost.start({ pipeline: spec, outboundCapacity: 256, onRecordBytes: (bytes) => records.push(hex(bytes)) });
    // The whole tape fits the inbound ring; the outbound ring is drained every 2 ms only.
    await publishRecords(host, Array.from({ length: tape.length }, (_, row) => barRecord(tape, row)));
    for (let polls = 0; host.counters().eventsProcessed < tape.length && polls < 20_000; polls++) {
      host.checkHealthy();
      await sleep(2);
      host.drainOutbound();
    }
    await host.drainAndStop();
    expect(host.pipelineCounters().outboundWaits, 'the core stopped for room in the outbound ring').toBeGreaterThan(0);
    expect(records.length, 'as many records as the unconstrained run').toBe(free.records.length);
    expect(records, 'the same records, in the same order').toEqual(free.records);
  }, 120_000);

  it('fails loudly when the outbound ring can never hold what one unit of work may write', async () => {
    const series = await demoSeries(50);
    const model = trainRegimeModel(buildRegimeFeatures(series[0]), { restarts: 1, seed: 3, maxIterations: 10 });
    const tape = buildBarReplayTape(series, series.map((s) => s.file));
    const host = await EngineHost.start({ pipeline: specFor(series, model, execution(['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], true)), outboundCapacity: 64 });
    await publishRecords(host, [barRecord(tape, 0)]);
    let failure: Error | undefined;
    for (let polls = 0; !failure && polls < 2000; polls++) {
      await sleep(1);
      try {
        host.checkHealthy();
      } catch (error) {
        failure = error as Error;
      }
    }
    expect(failure?.message, 'the engine thread stops with the reason').toMatch(/outbound ring cannot hold what one unit of work may write/);
    await host.terminate();
  }, 60_000);
});

/** Plays the tape bar by bar with the test as the venue: its replies go in before each instrument's next bar. */
async function runWithVenue(tape: ReplayTape, spec: PipelineSpec, venue: ScriptedVenue, watch?: (host: EngineHost) => void) {
  const orders: OrderCommandRecord[] = [];
  const host = await EngineHost.start({
    pipeline: spec,
    onOrder: (order) => {
      orders.push(order);
      venue.onOrder(order);
    },
    onOrderChange: (change) => venue.onOrderChange(change),
  });
  for (let row = 0; row < tape.length; row++) {
    const replies = venue.repliesBefore(tape.instrument[row], tape.open[row], tape.tsExchange[row]);
    await publishAndSettle(host, [...replies, barRecord(tape, row)]);
    watch?.(host);
  }
  await host.drainAndStop();
  const account = readRiskAccount(host.memory);
  const positions = spec.instruments.map(({ instrument }) => readInstrumentRisk(host.memory, instrument));
  return { host, orders, account, positions, report: readExecutionReport(host.memory, spec.instruments.map((i) => i.instrument)) };
}

describe('trading in the engine loop with a live venue (the test)', () => {
  it('matches fills to orders by id, in parts and after rejects, and ends with positions equal to the fills', async () => {
    const series = await demoSeries(1500);
    const model = trainRegimeModel(buildRegimeFeatures(series[0]), { restarts: 1, seed: 3, maxIterations: 30 });
    const tape = buildBarReplayTape(series, series.map((s) => s.file));
    const venue = new ScriptedVenue();
    const run = await runWithVenue(tape, specFor(series, model, execution(['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], false)), venue);
    const r = run.report.orders;
    expect(r.sent, 'orders went out').toBeGreaterThan(30);
    expect(r.rejected, 'the venue rejected every 7th').toBeGreaterThan(0);
    expect(r.partialFills, 'even ids filled in two parts').toBeGreaterThan(0);
    expect(r.illegalTransitions, 'no venue event contradicted an order').toBe(0);
    expect(r.notices.reduce((n, c) => n + c, 0), 'nothing needed a notice').toBe(0);
    for (const p of run.positions) {
      const fills = [...venue.orders.values()].filter((o) => o.instrument === p.instrument).reduce((sum, o) => sum + o.filled, 0);
      expect(p.position, `instrument ${p.instrument}: position = its fills`).toBeCloseTo(fills, 9);
    }
    const markValue = run.positions.reduce((sum, p) => sum + p.position * p.mark, 0);
    expect(Math.abs(run.account.equity - (run.account.cash + markValue)), 'equity = cash + marked positions').toBeLessThan(1e-6 * CASH);
  }, 120_000);

  it('never has strategy orders on both sides of an instrument working at once, even when the venue answers bars late', async () => {
    const series = await demoSeries(1500);
    const model = trainRegimeModel(buildRegimeFeatures(series[0]), { restarts: 1, seed: 3, maxIterations: 30 });
    const tape = buildBarReplayTape(series, series.map((s) => s.file));
    const venue = new ScriptedVenue({ fillDelayBars: 3, rejectEvery: 1_000_000n });
    let overlaps = 0;
    const run = await runWithVenue(tape, specFor(series, model, execution(['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], false)), venue, () => {
      for (let instrument = 0; instrument < 3; instrument++) {
        const live = [...venue.orders.values()].filter((o) => o.instrument === instrument && !o.done);
        if (live.some((o) => o.qty > 0) && live.some((o) => o.qty < 0)) overlaps++;
      }
    });
    expect(run.report.orders.cancelsSent + run.report.orders.replacesSent, 'late answers made the strategy amend or cancel').toBeGreaterThan(0);
    expect(overlaps, 'bars with opposing orders working on one instrument').toBe(0);
  }, 120_000);

  it('starts halted from the persisted kill switch: targets are flat and no order goes out', async () => {
    const series = await demoSeries(600);
    const model = trainRegimeModel(buildRegimeFeatures(series[0]), { restarts: 1, seed: 3, maxIterations: 30 });
    const tape = buildBarReplayTape(series, series.map((s) => s.file));
    const exec = execution(['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], false);
    const armed = await runWithVenue(tape, specFor(series, model, exec), new ScriptedVenue());
    expect(armed.report.orders.sent, 'armed, the same bars send orders').toBeGreaterThan(0);
    const halted = await runWithVenue(tape, specFor(series, model, exec, { halted: true }), new ScriptedVenue());
    expect(halted.account.halted).toBe(true);
    expect(halted.host.pipelineCounters().decisionSteps, 'decisions still run').toBe(tape.length);
    expect(halted.orders, 'halted, no order goes out').toEqual([]);
  }, 60_000);

  it('trips the kill switch on a drawdown: flatten notices, then the exits go out as orders and nothing adds exposure', async () => {
    const series = await demoSeries(1500);
    const model = trainRegimeModel(buildRegimeFeatures(series[0]), { restarts: 1, seed: 3, maxIterations: 30 });
    // From bar 1000 on, every instrument's prices fall 1% per bar: the book loses until the trip.
    const crashed = series.map((s) => {
      const scale = (i: number) => (i < 1000 ? 1 : 0.99 ** (i - 999));
      const map = (column: Float64Array) => column.map((v, i) => v * scale(i));
      return { ...s, open: map(s.open), high: map(s.high), low: map(s.low), close: map(s.close) } as BarSeries;
    });
    const tape = buildBarReplayTape(crashed, crashed.map((s) => s.file));
    const risk: string[] = [];
    // A rule strategy that always holds 30% of equity long in each instrument, so the book is
    // exposed when the crash comes whatever a regime model would decide (the subject is the trip).
    const hold: RuleStrategyConfig = { name: 'hold', type: 'rules', instruments: [], long: { entry: 'ema:5 > 0', exit: 'ema:5 < 0' }, size: { equityFraction: 0.3 } };
    const fused = specFor(crashed, model, execution(['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], false), {
      limits: { ...LIMITS, maxPositionPct: 1, maxAssetClassPct: 1, dailyLossPct: 0.5 },
    });
    const spec: PipelineSpec = { ...fused, decision: undefined, equity: CASH, instruments: fused.instruments.map(({ instrument, timeframe }) => ({ instrument, timeframe, rules: hold })) };
    const venue = new ScriptedVenue({ rejectEvery: 1_000_000n });
    const orders: { order: OrderCommandRecord; afterTrip: boolean }[] = [];
    let tripped = false;
    const host = await EngineHost.start({
      pipeline: spec,
      onOrder: (order) => {
        orders.push({ order, afterTrip: tripped });
        venue.onOrder(order);
      },
      onOrderChange: (change) => venue.onOrderChange(change),
      onRiskRecord: (record) => {
        risk.push(String(record.reason));
        if (record.reason === RiskReason.KILL_SWITCH_FLATTEN) tripped = true;
      },
    });
    const positionsAt = new Map<number, number>();
    for (let row = 0; row < tape.length; row++) {
      const replies = venue.repliesBefore(tape.instrument[row], tape.open[row], tape.tsExchange[row]);
      await publishAndSettle(host, [...replies, barRecord(tape, row)]);
      if (tripped && !positionsAt.size) for (let i = 0; i < 3; i++) positionsAt.set(i, readInstrumentRisk(host.memory, i).position);
    }
    await host.drainAndStop();
    const account = readRiskAccount(host.memory);
    expect(account.tripCount, 'one trip').toBe(1);
    expect(risk, 'FlattenRequired records announce the trip').toContain(String(RiskReason.KILL_SWITCH_FLATTEN));
    const after = orders.filter((o) => o.afterTrip).map((o) => o.order);
    expect(after.length, 'exit orders follow').toBeGreaterThan(0);
    for (const order of after) {
      const before = positionsAt.get(order.instrument) ?? 0;
      expect(Math.sign(order.qty), `order ${order.orderId} after the trip reduces instrument ${order.instrument}'s position`).toBe(-Math.sign(before));
    }
    expect((account.highWaterMark - account.tripEquity) / account.highWaterMark, 'tripped at the 15% drawdown, not before').toBeGreaterThanOrEqual(0.15);
    for (let i = 0; i < 3; i++) {
      const p = readInstrumentRisk(host.memory, i);
      expect(Math.abs(p.position * p.mark), `instrument ${i} is flat (within a lot) at the end`).toBeLessThan(1e-5 * p.mark + 1e-9);
    }
  }, 120_000);
});
