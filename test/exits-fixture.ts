// Shared fixture of the exit-engine suites (test/exits-*.test.ts): the order-table fixture's
// core, limits and venue builders (test/orders-fixture.ts) on a book of our own, with the exit
// engine on top, as the compiled core (WasmExitEngine) or the plain TS reference
// (ReferenceExitEngine); a driver that feeds either; and the two inputs the exits read from
// other stages: an instrument's ATR and its regime label.
//
// ATR and regime label: the core's exit engine reads them where the pipeline keeps them, the
// ATR at a plan value of the instrument's indicator slot, the label in its HMM filter state,
// for an instrument whose pipeline entry runs those stages. The fixture sets that up for real
// (an indicator plan with atr:14 loaded, each instrument's pipeline entry configured with its
// slot and the regime stage, a 3-state HMM loaded and each filter reset). A label is then set
// by filtering one observation at the chosen state's mean (the HMM's own label logic picks it),
// and an ATR by writing the value into the slot's ATR output, as the indicator executor's last
// bar would have left it: driving a Wilder average to an exact value through bars is not what
// these suites test. The reference reads the same values from the fixture's own record of them.
import { IndicatorExecutor, buildPlan, type IndicatorCoreExports } from '../engine/indicators/index.js';
import { WasmForwardFilter, type HmmCoreExports } from '../engine/regime/index.js';
import { WasmExitEngine, type ExitCoreExports, type ExitEngine } from '../engine/exits/index.js';
import { ReferenceExitEngine, type ExitMarketContext } from '../engine/exits/reference/index.js';
import { OrderRule, OrderType, TimeInForce, decodeOrderFlowRecord, type OrderFlowRecord, type OrderTableConfig } from '../engine/orders/index.js';
import { storeEventRecord, type EventRecord } from '../engine/layout/event-record.js';
import { OUT_PRICE, OUT_QUANTITY, OUT_STATUS } from '../engine/decision/decision-layout.js';
import { STATUS_PRICE } from '../engine/decision/index.js';
import { ReferenceOrderTable } from '../engine/orders/reference/index.js';
import { ReferenceRiskEngine, type InstrumentRiskConfig, type PreTradeRisk, type RiskLimits } from '../engine/risk/index.js';
import { INBOUND_RING_OFFSET, OUTBOUND_RING_OFFSET } from '../engine/layout/memory-map.js';
import { initRing, RingConsumer, RingProducer } from '../engine/ring/index.js';
import { CASH, LIMITS, SECOND, START_NS, TABLE, createOrderCore, drain, venue, type OrderCore } from './orders-fixture.js';

export { CASH, LIMITS, MS, SECOND, START_NS, TABLE, drain, venue } from './orders-fixture.js';

/**
 * The order-table fixture's book, but instrument 2 trades in lots of 0.1 (at 200), so profit
 * tiers round to fractional lots and positions carry f64 dust (3 * 0.1 is 0.30000000000000004).
 */
export const BOOK: readonly (InstrumentRiskConfig & { startPrice: number })[] = [
  { instrument: 0, assetClass: 0, lotSize: 1, staleNs: 5n * SECOND, startPrice: 100 },
  { instrument: 1, assetClass: 0, lotSize: 1, staleNs: 5n * SECOND, startPrice: 50 },
  { instrument: 2, assetClass: 1, lotSize: 0.1, staleNs: 5n * SECOND, startPrice: 200 },
];

/** Limits, the book, the account at START_NS and a mark for every instrument (orders-fixture's setUpRisk on this book). */
export function setUpRisk(risk: Pick<PreTradeRisk, 'configure' | 'configureInstrument' | 'init' | 'onMark'>, limits: RiskLimits = LIMITS): void {
  risk.configure(limits);
  for (const entry of BOOK) risk.configureInstrument(entry);
  risk.init(CASH, START_NS);
  for (const entry of BOOK) risk.onMark(entry.instrument, START_NS, entry.startPrice);
}

/** The plan the core's exits read the ATR from, and the ATR's value index in it. */
const ATR_PLAN = buildPlan('atr:14');
const ATR_VALUE = ATR_PLAN.columns[0].valueIndex;
const PIPE_INDICATORS = 1;
const PIPE_REGIME = 2;
/** Means of the fixture HMM's three states, one per label code; unit variances keep them far apart. */
const STATE_MEANS = [-20, 0, 20];

type ExitTestCore = ExitCoreExports & IndicatorCoreExports & HmmCoreExports & {
  pipelineConfigure(instrument: number, flags: number, indicatorSlot: number, featureCount: number): number;
};

/** The ATR and regime label the exits read, as a test sets them. */
export interface ExitMarketInputs {
  /** The plan value index of the ATR (an exit profile's atrValue). */
  readonly atrValue: number;
  setAtr(instrument: number, atr: number): void;
  /** Label code 0 trending, 1 mean-reverting, 2 choppy. */
  setRegime(instrument: number, label: number): void;
}

/** The core's ATR outputs and HMM filters of the book's instruments (see the header). */
class CoreMarketInputs implements ExitMarketInputs {
  readonly atrValue: number;
  private readonly executor: IndicatorExecutor;
  private readonly filter: WasmForwardFilter;
  private readonly view: DataView;

  constructor(core: ExitTestCore, memory: WebAssembly.Memory) {
    this.view = new DataView(memory.buffer);
    this.executor = IndicatorExecutor.create(ATR_PLAN, { core, memory });
    this.atrValue = ATR_VALUE;
    this.filter = new WasmForwardFilter(core, memory);
    this.filter.loadModel(0, {
      states: 3, features: 1, covarianceType: 'diag', startProb: Float64Array.of(1 / 3, 1 / 3, 1 / 3),
      transMat: Float64Array.of(0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8), means: Float64Array.from(STATE_MEANS), covars: Float64Array.of(1, 1, 1),
    }, [0, 1, 2]);
    for (const { instrument } of BOOK) {
      const status = core.pipelineConfigure(instrument, PIPE_INDICATORS | PIPE_REGIME, instrument, 1);
      if (status < 0) throw new Error(`pipelineConfigure(${instrument}) failed with ${status}`);
    }
    this.reset();
  }

  /** Every instrument back to no ATR (warm-up) and no regime label. */
  reset(): void {
    for (const { instrument } of BOOK) {
      this.executor.resetSlot(instrument);
      this.filter.reset(instrument, 0);
    }
  }

  setAtr(instrument: number, atr: number): void {
    this.view.setFloat64((this.executor.valuesBase(instrument) + this.atrValue) * 8, atr, true);
  }

  setRegime(instrument: number, label: number): void {
    for (let step = 0; step < 8; step++) {
      const { labels } = this.filter.filterBatch(instrument, { rows: 1, cols: 1, data: Float64Array.of(STATE_MEANS[label]) });
      if (labels[0] === label) return;
    }
    throw new Error(`the HMM filter of instrument ${instrument} did not reach label ${label}`);
  }
}

/** The same inputs for the reference: what the test set, read back as the core's exits read them. */
class ReferenceMarketInputs implements ExitMarketInputs, ExitMarketContext {
  readonly atrValue = ATR_VALUE;
  private readonly atrs = new Map<number, number>();
  private readonly labels = new Map<number, number>();

  setAtr(instrument: number, atr: number): void {
    this.atrs.set(instrument, atr);
  }

  setRegime(instrument: number, label: number): void {
    this.labels.set(instrument, label);
  }

  atr(instrument: number, valueIndex: number): number {
    if (valueIndex !== ATR_VALUE) throw new Error(`the fixture's profiles read the ATR (value ${ATR_VALUE}), not value ${valueIndex}`);
    return this.atrs.get(instrument) ?? NaN;
  }

  regimeLabel(instrument: number): number {
    return this.labels.get(instrument) ?? -1;
  }
}

export interface ExitCore extends OrderCore {
  readonly exits: WasmExitEngine;
  readonly market: CoreMarketInputs;
}

export function createExitCore(): ExitCore {
  const c = createOrderCore();
  const core = c.core as unknown as ExitTestCore;
  const market = new CoreMarketInputs(core, c.memory);
  return Object.assign(c, { exits: new WasmExitEngine(core, c.memory, c.orders), market });
}

/** Starts `target` afresh: empty ring, no exits bound, risk set up, the order table configured, no ATR or label. */
export function resetExitCore(target: ExitCore, table: OrderTableConfig = TABLE, limits: RiskLimits = LIMITS): void {
  initRing(target.memory, OUTBOUND_RING_OFFSET, 16_384);
  target.consumer = new RingConsumer(target.memory, OUTBOUND_RING_OFFSET);
  target.core.exitsReset();
  setUpRisk(target.risk, limits);
  target.orders.configure(table);
  target.market.reset();
}

/** An exit engine ready for a test: exits, the inputs they read, and `settle` to run after every call. */
export interface ExitBench {
  readonly exits: ExitEngine;
  readonly market: ExitMarketInputs;
  /** The risk module behind the order table (positions, marks, working sums). */
  readonly risk: Pick<PreTradeRisk, 'instrumentState'>;
  /** Releases what the core published (nothing for the reference). */
  settle(): void;
}

/** A fresh core bench (a core is reused across calls: instantiating one per test is slow). */
export function coreBench(shared: { core?: ExitCore }, limits: RiskLimits = LIMITS, table: OrderTableConfig = TABLE): ExitBench {
  shared.core ??= createExitCore();
  const c = shared.core;
  resetExitCore(c, table, limits);
  return { exits: c.exits, market: c.market, risk: c.risk, settle: () => drain(c.consumer) };
}

/** A fresh reference bench: the reference risk engine set up like the core's, its order table and exits. */
export function referenceBench(limits: RiskLimits = LIMITS, table: OrderTableConfig = TABLE): ExitBench {
  const risk = new ReferenceRiskEngine();
  setUpRisk(risk, limits);
  const orders = new ReferenceOrderTable(risk);
  orders.configure(table);
  const market = new ReferenceMarketInputs();
  return { exits: new ReferenceExitEngine(orders, BOOK, market), market, risk, settle: () => {} };
}

/** Records of `kind` among `records`. */
export function recordsOf<K extends OrderFlowRecord['record']>(records: readonly OrderFlowRecord[], kind: K): Extract<OrderFlowRecord, { record: K }>[] {
  return records.filter((record): record is Extract<OrderFlowRecord, { record: K }> => record.record === kind);
}

/**
 * Feeds a bench what the engine loop would see: entry orders placed on its order table and
 * answered by the test as the venue, prices and timers; settles after every call.
 */
export class ExitDriver {
  private nextFillId = 1;

  constructor(readonly bench: ExitBench) {}

  private settled<T>(value: T): T {
    this.bench.settle();
    return value;
  }

  /** Places a market order of signed `qty` decided at `price` (strategy by default) and acknowledges it; returns its id. */
  place(instrument: number, qty: number, price: number, at: bigint, rule: number = OrderRule.STRATEGY): bigint {
    const placed = this.settled(this.bench.exits.orders.place({ instrument, nowNs: at, qty, rule, referencePrice: price }));
    if (placed.outcome !== 'sent') throw new Error(`the entry of ${qty} on instrument ${instrument} was ${placed.outcome}: ${JSON.stringify(placed.records, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    this.settled(this.bench.exits.applyVenueEvent(venue.ack(placed.orderId, at, { instrument, qty })));
    return placed.orderId;
  }

  /** A fill of order `orderId` (the venue's time `at`); returns what the table and the exits wrote. */
  fill(orderId: bigint, instrument: number, qty: number, price: number, at: bigint): OrderFlowRecord[] {
    return this.settled(this.bench.exits.applyVenueEvent(venue.fill(orderId, at, { instrument, qty, price, fillId: this.nextFillId++ })));
  }

  /** Opens (or adds to) a position: a strategy market order filled whole at `price`; returns the fill's records. */
  enter(instrument: number, qty: number, price: number, at: bigint): OrderFlowRecord[] {
    return this.fill(this.place(instrument, qty, price, at), instrument, qty, price, at);
  }

  /** The venue acknowledges order `orderId`. */
  ack(orderId: bigint, instrument: number, at: bigint): OrderFlowRecord[] {
    return this.settled(this.bench.exits.applyVenueEvent(venue.ack(orderId, at, { instrument })));
  }

  /** The venue acknowledges every order `records` sent. */
  ackSent(records: readonly OrderFlowRecord[], at: bigint): void {
    for (const order of recordsOf(records, 'order')) this.ack(order.orderId, order.instrument, at);
  }

  /** The venue rejects order `orderId` (not acknowledged yet). */
  reject(orderId: bigint, instrument: number, at: bigint): OrderFlowRecord[] {
    return this.settled(this.bench.exits.applyVenueEvent(venue.reject(orderId, at, { instrument })));
  }

  /** The venue cancels order `orderId` on its own (leaves `qty`, signed). */
  canceled(orderId: bigint, instrument: number, at: bigint, qty?: number): OrderFlowRecord[] {
    return this.settled(this.bench.exits.applyVenueEvent(venue.canceled(orderId, at, { instrument, qty })));
  }

  /** Order `orderId` expires at the venue (leaves `qty`, signed). */
  expired(orderId: bigint, instrument: number, at: bigint, qty?: number): OrderFlowRecord[] {
    return this.settled(this.bench.exits.applyVenueEvent(venue.expired(orderId, at, { instrument, qty })));
  }

  /** A bar of `instrument` closing at `close` (a trade when high and low are left out). */
  price(instrument: number, at: bigint, close: number, high = close, low = close): OrderFlowRecord[] {
    return this.settled(this.bench.exits.onPrice({ instrument, tsNs: at, close, high, low }));
  }

  timer(at: bigint): OrderFlowRecord[] {
    return this.settled(this.bench.exits.onTimer(at));
  }
}

/** The core's order-stage exports (wasm/assembly/pipeline/order-stage.ts). */
export interface StageCore {
  decOutputOffset(instrument: number): number;
  pipelineSetExecution(bandEquityPct: number, bandPositionPct: number, entryType: number, entryTif: number, limitOffsetBps: number, repriceBps: number, confirmBars: number): number;
  pipelineOrderStage(instrument: number, nowNs: bigint, ring: number): number;
}

/**
 * The order stage of a bench's core, trading every target change of instrument 0 at market:
 * `target(qty, price, now)` writes the decision of a bar at `now` (it wants `qty` at `price`),
 * runs pipelineOrderStage and returns its outcome with the records it wrote.
 */
export function orderStageBench(c: ExitCore, bench: ExitBench, d: ExitDriver): { core: StageCore; target(qty: number, price: number, now: bigint): { outcome: number; records: OrderFlowRecord[] } } {
  const core = c.core as unknown as StageCore;
  if (core.pipelineSetExecution(0, 0, OrderType.MARKET, TimeInForce.GTC, 0, 0, 1) !== 0) throw new Error('pipelineSetExecution refused the market, every-change execution');
  const view = new DataView(c.memory.buffer);
  const out = core.decOutputOffset(0);
  const target = (qty: number, price: number, now: bigint): { outcome: number; records: OrderFlowRecord[] } => {
    view.setInt32(out + OUT_STATUS, STATUS_PRICE, true);
    view.setFloat64(out + OUT_PRICE, price, true);
    view.setFloat64(out + OUT_QUANTITY, qty, true);
    d.price(0, now, price);
    const outcome = core.pipelineOrderStage(0, now, c.orders.outRing);
    const { consumer } = c;
    const records = Array.from({ length: consumer.available() }, (_, k) => decodeOrderFlowRecord(view, consumer.slotOffset((consumer.cursor + k) >>> 0)));
    bench.settle();
    return { outcome, records };
  };
  return { core, target };
}

/**
 * The engine loop over `c` (engine.ts -> pipeline.ts): a fresh inbound ring, engineStart, and a
 * function that publishes records on it, runs processInbound over them and returns every record
 * they wrote to the outbound ring (drained).
 */
export function engineLoop(c: ExitCore): (...records: EventRecord[]) => OrderFlowRecord[] {
  const view = new DataView(c.memory.buffer);
  initRing(c.memory, INBOUND_RING_OFFSET, 1024);
  const loop = c.core as unknown as { engineStart(): number; processInbound(maxBatch: number): number };
  if (loop.engineStart() !== 0) throw new Error('engineStart failed');
  const producer = new RingProducer(c.memory, INBOUND_RING_OFFSET);
  return (...records) => {
    const first = producer.tryClaim(records.length);
    records.forEach((record, k) => storeEventRecord(view, producer.slotOffset((first + k) >>> 0), record));
    producer.publish((first + records.length) >>> 0);
    while (loop.processInbound(64) > 0);
    const { consumer } = c;
    const out = Array.from({ length: consumer.available() }, (_, k) => decodeOrderFlowRecord(view, consumer.slotOffset((consumer.cursor + k) >>> 0)));
    drain(consumer);
    return out;
  };
}
