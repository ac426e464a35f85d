// Orders in the engine loop: each decided target becomes an order through the pre-trade
// checks in the core, out as an ORDER record (accepted) or a risk record (denied, deferred);
// FILL and REJECT records from the venue move the risk account, which sizes the next
// decisions and watches the drawdown. The test is the venue (test/engine-venue-harness.ts):
// it fills accepted orders at the instrument's next bar open, some in two parts, and rejects
// some. Oracle: the same stages and risk calls made one by one on a core on this thread, with
// the same venue replies; every order-flow record must agree exactly.
import { describe, expect, it } from 'vitest';
import { loadBarsCsv, type BarSeries } from '../adapters/files/index.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { EngineHost } from '../engine/threads/engine-host.js';
import { buildBarReplayTape, type ReplayTape } from '../engine/replay/bar-replay-tape.js';
import { buildRegimeFeatures, labelCode, trainRegimeModel, WasmForwardFilter, type HmmCoreExports, type RegimeModelRecord } from '../engine/regime/index.js';
import { pipelineTokens, type PipelineSpec } from '../engine/pipeline/index.js';
import { readInstrumentRisk, readRiskAccount } from '../engine/pipeline/risk-account-snapshot.js';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import { buildPlan, IndicatorExecutor, type IndicatorCoreExports } from '../engine/indicators/index.js';
import { compileDecisionProgram, compileInstrument, resolveFusionConfig, resolveSizingConfig, WasmDecisionEngine, type DecisionCoreExports } from '../engine/decision/index.js';
import { RiskReason, WasmRiskEngine, type InstrumentRiskConfig, type RiskCoreExports, type RiskLimits } from '../engine/risk/index.js';
import { EventKind } from '../engine/layout/event-record.js';
import { OUTBOUND_CAPACITY, OUTBOUND_RING_OFFSET, SCRATCH_REGION_OFFSET } from '../engine/layout/memory-map.js';
import { initRing, RingConsumer } from '../engine/ring/index.js';
import { collectOrderFlow, f64Bits, publishAndSettle, publishRecords, type InboundRecord, type OrderFlow } from './engine-venue-harness.js';
import type { OrderRecord } from '../engine/threads/outbound-records.js';

const BAR = EventKind.BAR | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
const FILL = EventKind.FILL | EventKind.SOURCE_PAPER | EventKind.DIRECTION_INBOUND;
const VENUE_REJECT = EventKind.REJECT | EventKind.SOURCE_PAPER | EventKind.DIRECTION_INBOUND;
const BARS_PER_INSTRUMENT = 2500;
const CASH = 100_000;
const FEE_RATE = 0.001;
const START_NS = 1_700_000_000_000_000_000n;
const HOUR_NS = 3_600_000_000_000n;

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

/**
 * The venue's replies to an order, published before the instrument's next bar (open price
 * `open` at `ts`): ids divisible by 7 are rejected whole; even ids fill in two parts; the
 * rest fill at once. Fees are FEE_RATE of the notional.
 */
function venueReplies(order: { orderId: bigint; instrument: number; qty: number }, open: number, ts: bigint): InboundRecord[] {
  const base = { instrument: order.instrument, tsExchange: ts, tsLocal: ts, b: 0, id: order.orderId };
  const fill = (qty: number): InboundRecord => ({ ...base, kind: FILL, price: open, size: qty, a: Math.abs(qty) * open * FEE_RATE });
  if (order.orderId % 7n === 0n) return [{ ...base, kind: VENUE_REJECT, price: 0, size: order.qty, a: 0 }];
  if (order.orderId % 2n === 0n) {
    const first = order.qty / 2;
    return [fill(first), fill(order.qty - first)];
  }
  return [fill(order.qty)];
}

function specFor(series: BarSeries[], model: RegimeModelRecord, risk: InstrumentRiskConfig[], halted = false, limits: RiskLimits = LIMITS): PipelineSpec {
  return {
    indicators: [],
    instruments: series.map((_, instrument) => ({ instrument, regimeModel: model, timeframe: '1h' })),
    decision: { fusion: resolveFusionConfig(), sizing: resolveSizingConfig(), equity: CASH },
    risk: { limits, instruments: risk, cash: CASH, startNs: START_NS, halted, firstOrderId: 1n },
  };
}

const riskInstruments = (n: number): InstrumentRiskConfig[] =>
  Array.from({ length: n }, (_, instrument) => ({ instrument, assetClass: 0, lotSize: 1e-5, staleNs: 7_200_000_000_000n }));

/** Plays the tape bar by bar through the engine, answering each ORDER before the instrument's next bar. */
async function runEngine(tape: ReplayTape, spec: PipelineSpec) {
  const flow: OrderFlow[] = [];
  const host = await EngineHost.start({ pipeline: spec, ...collectOrderFlow(flow) });
  const waiting = new Map<number, { orderId: bigint; instrument: number; qty: number }[]>();
  let seen = 0;
  for (let row = 0; row < tape.length; row++) {
    const k = tape.instrument[row];
    const replies = (waiting.get(k) ?? []).flatMap((order) => venueReplies(order, tape.open[row], tape.tsExchange[row]));
    waiting.set(k, []);
    await publishAndSettle(host, [...replies, barRecord(tape, row)]);
    for (; seen < flow.length; seen++) {
      const item = flow[seen];
      if ('order' in item) waiting.get(item.order.instrument)!.push(item.order);
    }
  }
  const counters = await host.drainAndStop();
  const account = readRiskAccount(host.memory);
  const positions = spec.instruments.map(({ instrument }) => readInstrumentRisk(host.memory, instrument));
  return { flow, counters, pipeline: host.pipelineCounters(), account, positions, orderFlow: host.orderFlow };
}

/** The oracle: the same stages and risk calls, one by one, on a core of this thread. */
function runByHand(tape: ReplayTape, spec: PipelineSpec, model: RegimeModelRecord): OrderFlow[] {
  const memory = createSharedMemory();
  const core = instantiateCore(memory, compileCore('release')) as IndicatorCoreExports & HmmCoreExports & DecisionCoreExports & RiskCoreExports;
  initRing(memory, OUTBOUND_RING_OFFSET, OUTBOUND_CAPACITY);
  const consumer = new RingConsumer(memory, OUTBOUND_RING_OFFSET);
  const plan = buildPlan(pipelineTokens(spec));
  const executor = IndicatorExecutor.create(plan, { core, memory });
  const filter = new WasmForwardFilter(core, memory);
  filter.loadModel(0, model.model, model.labels.map(labelCode), model.minDwellBars);
  const decision = new WasmDecisionEngine(core, memory);
  decision.load(compileDecisionProgram(spec.decision!.fusion, spec.decision!.sizing, plan));
  const risk = new WasmRiskEngine(core, memory, OUTBOUND_RING_OFFSET);
  risk.configure(spec.risk!.limits);
  for (const entry of spec.risk!.instruments) risk.configureInstrument(entry);
  risk.init(spec.risk!.cash, spec.risk!.startNs);
  const featureIndex = model.featureSpec.map((token) => (token === 'logret' ? -1 : plan.columns[plan.tokens.get(token)![0]].valueIndex));
  const features = new Float64Array(memory.buffer, SCRATCH_REGION_OFFSET, featureIndex.length);
  const values = new Float64Array(memory.buffer);
  const n = spec.instruments.length;
  const previous = new Array<number>(n).fill(Number.NaN);
  for (let k = 0; k < n; k++) {
    executor.resetSlot(k);
    filter.reset(k, 0);
    decision.addInstrument(compileInstrument(spec.decision!.sizing, plan, { instrument: k, indicatorSlot: k, timeframe: '1h' }));
  }
  const flow: OrderFlow[] = [];
  const release = () => consumer.available() > 0 && consumer.release((consumer.cursor + consumer.available()) >>> 0);
  const riskRecords = (records: ReturnType<WasmRiskEngine['onMark']>) => records.forEach((record) => flow.push({ risk: record }));
  const waiting = new Map<number, { orderId: bigint; instrument: number; qty: number }[]>();
  let nextOrderId = spec.risk!.firstOrderId;
  for (let row = 0; row < tape.length; row++) {
    const k = tape.instrument[row];
    for (const reply of (waiting.get(k) ?? []).flatMap((order) => venueReplies(order, tape.open[row], tape.tsExchange[row]))) {
      if (reply.kind === FILL) riskRecords(risk.onFill(k, reply.tsExchange, reply.size, reply.price, reply.a));
      else risk.onOrderClosed(k, reply.size);
    }
    waiting.set(k, []);
    const close = tape.close[row];
    const now = tape.tsLocal[row];
    riskRecords(risk.onMark(k, now, close));
    executor.update(k, tape.open[row], tape.high[row], tape.low[row], close, tape.volume[row], tape.tsExchange[row]);
    const base = executor.valuesBase(k);
    featureIndex.forEach((index, j) => (features[j] = index < 0 ? Math.log(close / previous[k]) : values[base + index]));
    if (features.every(Number.isFinite)) expect(core.hmmFilterStep(k, SCRATCH_REGION_OFFSET)).toBeGreaterThanOrEqual(0);
    previous[k] = close;
    decision.step(k, now, risk.account().equity);
    const decided = decision.output(k);
    const out = risk.account().halted ? { ...decided, quantity: 0 } : decided; // halted: flat
    riskRecords(risk.onMark(k, now, out.price));
    const { qty, limit } = risk.impliedOrder(k, out.quantity, out.price);
    if (qty !== 0) {
      const orderId = nextOrderId++;
      const result = risk.checkOrder({ orderId, instrument: k, tsNs: now, qty, price: out.price });
      if (result.reason === RiskReason.ACCEPTED) {
        flow.push({ order: { orderId, instrument: k, tsNs: now, clockNs: risk.account().clockNs, price: out.price, qty, targetQty: out.quantity, cutBy: limit } });
        waiting.set(k, [{ orderId, instrument: k, qty }]);
      } else {
        flow.push({ risk: result.record! });
      }
    }
    release();
  }
  return flow;
}

describe('orders in the engine loop', () => {
  it('turns targets into risk-checked ORDER and risk records, and fills move the account, exactly as the stages called one by one', async () => {
    const series = await demoSeries(BARS_PER_INSTRUMENT);
    const model = trainRegimeModel(buildRegimeFeatures(series[0]), { restarts: 1, seed: 3, maxIterations: 30 });
    const tape = buildBarReplayTape(series, series.map((s) => s.file));
    // Two orders per hour for three instruments: the third of an hour's orders meets the rate limit.
    const spec = specFor(series, model, riskInstruments(series.length), false, { ...LIMITS, maxOrders: 2, windowNs: HOUR_NS });
    const engine = await runEngine(tape, spec);
    const byHand = runByHand(tape, spec, model);

    expect(engine.pipeline.stageErrors, `no stage failed (last status ${engine.pipeline.lastError})`).toBe(0);
    const orders = engine.flow.filter((item) => 'order' in item).length;
    const denials = engine.flow.length - orders;
    expect(orders, 'the stream produces accepted orders').toBeGreaterThan(50);
    expect(denials, 'and denied or deferred ones').toBeGreaterThan(10);
    expect(engine.pipeline.ordersAccepted, 'ORDER records = accepted orders').toBe(orders);
    expect(engine.orderFlow.orders).toBe(orders);
    expect(engine.pipeline.fills, 'every FILL record was applied').toBeGreaterThan(orders / 2);
    expect(engine.pipeline.ordersClosed, 'venue rejects ended orders').toBeGreaterThan(0);
    expect(engine.flow.length, 'as many order-flow records as the one-by-one calls').toBe(byHand.length);
    for (let i = 0; i < byHand.length; i++) expect(engine.flow[i], `order-flow record ${i}`).toEqual(byHand[i]);

    const markValue = engine.positions.reduce((sum, p) => sum + p.position * p.mark, 0);
    expect(Math.abs(engine.account.equity - (engine.account.cash + markValue)), 'equity = cash + marked positions').toBeLessThan(1e-6 * CASH);
    expect(engine.account.equity, 'the account moved with the fills').not.toBe(CASH);
    for (const p of engine.positions) {
      expect(Math.abs(p.position) * p.mark, `instrument ${p.instrument}: position within 25% of equity plus one bar of drift`).toBeLessThan(0.25 * engine.account.equity * 1.2);
    }
  }, 120_000);

  it('starts halted from the persisted kill switch: targets are flat and no order goes out', async () => {
    const series = await demoSeries(600);
    const model = trainRegimeModel(buildRegimeFeatures(series[0]), { restarts: 1, seed: 3, maxIterations: 30 });
    const tape = buildBarReplayTape(series, series.map((s) => s.file));
    const armed = await runEngine(tape, specFor(series, model, riskInstruments(series.length), false));
    expect(armed.orderFlow.orders, 'armed, the same bars send orders').toBeGreaterThan(0);
    const halted = await runEngine(tape, specFor(series, model, riskInstruments(series.length), true));
    expect(halted.account.halted).toBe(true);
    expect(halted.pipeline.decisionSteps, 'decisions still run').toBe(tape.length);
    expect(halted.flow, 'halted, no order is proposed and nothing is denied: every target is flat').toEqual([]);
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
    const spec = specFor(crashed, model, riskInstruments(crashed.length));
    const loose: PipelineSpec = { ...spec, risk: { ...spec.risk!, limits: { ...LIMITS, maxPositionPct: 1, maxAssetClassPct: 1, dailyLossPct: 0.5 } } };
    const engine = await runEngine(tape, loose);
    const byHand = runByHand(tape, loose, model);
    expect(engine.flow, 'the engine loop agrees with the one-by-one calls through the trip').toEqual(byHand);
    expect(engine.account.tripCount, 'one trip').toBe(1);
    const tripAt = engine.flow.findIndex((item) => 'risk' in item && item.risk.reason === RiskReason.KILL_SWITCH_FLATTEN);
    expect(tripAt, 'FlattenRequired records announce the trip').toBeGreaterThan(0);
    const after = engine.flow.slice(tripAt).filter((item): item is { order: OrderRecord } => 'order' in item);
    expect(after.length, 'exit orders follow').toBeGreaterThan(0);
    for (const { order } of after) expect(order.targetQty, `order ${order.orderId} after the trip targets flat`).toBe(0);
    const drawdown = (engine.account.highWaterMark - engine.account.tripEquity) / engine.account.highWaterMark;
    expect(drawdown, 'tripped at the 15% drawdown, not before').toBeGreaterThanOrEqual(0.15);
    for (const p of engine.positions) expect(Math.abs(p.position * p.mark), `instrument ${p.instrument} is flat (within a lot) at the end`).toBeLessThan(1e-5 * p.mark + 1e-9);
  }, 120_000);

  it('stops consuming while the outbound ring is short of room and loses no record once it is drained', async () => {
    const series = await demoSeries(17_520);
    const model = trainRegimeModel(buildRegimeFeatures(series[0]), { restarts: 1, seed: 3, maxIterations: 30 });
    const tape = buildBarReplayTape(series, series.map((s) => s.file));
    // One order in the whole run: every implied order after the first is denied (or, for an
    // exit, deferred) by the order rate, one risk record each. Loose exposure limits, so
    // targets are not cut to nothing.
    const spec = specFor(series, model, riskInstruments(series.length));
    const strict: PipelineSpec = {
      ...spec,
      risk: { ...spec.risk!, limits: { ...LIMITS, maxPositionPct: 1, maxAssetClassPct: 1, maxLeverage: 3, maxOrders: 1, windowNs: 1n << 62n } },
    };
    const flow: OrderFlow[] = [];
    const host = await EngineHost.start({ pipeline: strict, ...collectOrderFlow(flow) });
    // The whole tape fits the inbound ring; nobody drains the outbound ring yet.
    await publishRecords(host, Array.from({ length: tape.length }, (_, row) => barRecord(tape, row)));
    let consumed = -1;
    for (let polls = 0, still = 0; polls < 4000 && still < 20; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const now = host.counters().eventsProcessed;
      still = now === consumed && host.pipelineCounters().outboundWaits > 0 ? still + 1 : 0;
      consumed = now;
    }
    expect(host.pipelineCounters().outboundWaits, 'the core ended batches early for lack of outbound room').toBeGreaterThan(0);
    expect(consumed, 'and left records in the inbound ring').toBeLessThan(tape.length);
    expect(host.outbound.available(), 'the outbound ring is nearly full, never overrun').toBeGreaterThan(OUTBOUND_CAPACITY - 200);
    expect(flow.length, 'nothing read yet').toBe(0);

    const counters = await host.drainAndStop();
    const pipeline = host.pipelineCounters();
    expect(counters.eventsProcessed, 'every published record was consumed once the ring was drained').toBe(tape.length);
    expect(pipeline.stageErrors, `no order was skipped for lack of room (last status ${pipeline.lastError})`).toBe(0);
    expect(pipeline.ordersChecked, 'the stream implies more orders than the outbound ring holds').toBeGreaterThan(OUTBOUND_CAPACITY);
    expect(flow.length, 'one record per checked order, none lost').toBe(pipeline.ordersChecked);
    const kinds = flow.map((item) => ('risk' in item ? item.risk.reason : 'ORDER'));
    expect(kinds.filter((kind) => kind === 'ORDER'), 'the first order is accepted').toHaveLength(1);
    const rate = new Set<number | string>([RiskReason.ORDER_RATE, RiskReason.DEFERRED_ORDER_RATE]);
    expect(kinds.filter((kind) => kind !== 'ORDER' && !rate.has(kind)), 'every later one meets the order rate').toEqual([]);
  }, 120_000);
});
