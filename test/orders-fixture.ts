// Shared fixture of the order-table suites (test/orders-*.test.ts): a core with an outbound
// ring, the risk module set up over a small book, the order table configured, and builders
// of the venue's inbound records (fields: wasm/assembly/orders/order-events.ts). The limits
// keep the equity-based checks (position, class, leverage, daily loss, drawdown) far away,
// so the order table's own rules and the absolute gross-exposure cap decide.
import { CoreStatusError } from '../engine/core/core-status.js';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import { EventKind } from '../engine/layout/event-record.js';
import { OUTBOUND_RING_OFFSET } from '../engine/layout/memory-map.js';
import { WasmOrderManager, type OrderCoreExports, type OrderTableConfig, type VenueEvent } from '../engine/orders/index.js';
import { initRing, RingConsumer } from '../engine/ring/index.js';
import { WasmRiskEngine, type InstrumentRiskConfig, type PreTradeRisk, type RiskCoreExports, type RiskLimits } from '../engine/risk/index.js';

export const MS = 1_000_000n;
export const SECOND = 1_000n * MS;
/** 01:00 UTC: streams stay inside one UTC day (no day-start reset, no carry). */
export const START_NS = 1_699_920_000_000_000_000n + 3_600n * SECOND;
export const CASH = 10_000_000;

export const LIMITS: RiskLimits = {
  maxPositionPct: 1,
  maxAssetClassPct: 1,
  maxGrossExposure: 60_000,
  maxLeverage: 100,
  dailyLossPct: 1,
  maxDrawdownPct: 1,
  priceBandPct: 0.1,
  minNotional: 150,
  maxOrders: 40,
  windowNs: SECOND,
};

/** id, asset class, lot size, staleness, starting price. */
export const BOOK: (InstrumentRiskConfig & { startPrice: number })[] = [
  { instrument: 0, assetClass: 0, lotSize: 1, staleNs: 5n * SECOND, startPrice: 100 },
  { instrument: 1, assetClass: 0, lotSize: 1, staleNs: 5n * SECOND, startPrice: 50 },
  { instrument: 2, assetClass: 1, lotSize: 1, staleNs: 5n * SECOND, startPrice: 20 },
];

export const TABLE: OrderTableConfig = { capacity: 8, ackTimeoutNs: 2n * SECOND, cancelTimeoutNs: SECOND, firstId: 1n };

/** Random streams: a lower gross cap and order rate, so both bind now and then. */
export const STREAM_LIMITS: RiskLimits = { ...LIMITS, maxGrossExposure: 25_000, maxOrders: 6, windowNs: 2n * SECOND };
export const STREAM_TABLE: OrderTableConfig = { ...TABLE, capacity: 12 };

export type OrderTestCore = OrderCoreExports & RiskCoreExports & { exitsReset(): void };

export interface OrderCore {
  readonly memory: WebAssembly.Memory;
  readonly core: OrderTestCore;
  readonly risk: WasmRiskEngine;
  readonly orders: WasmOrderManager;
  consumer: RingConsumer;
}

export function createOrderCore(): OrderCore {
  const memory = createSharedMemory();
  const core = instantiateCore(memory, compileCore('release')) as OrderTestCore;
  initRing(memory, OUTBOUND_RING_OFFSET, 16_384);
  return {
    memory,
    core,
    risk: new WasmRiskEngine(core, memory, OUTBOUND_RING_OFFSET),
    orders: new WasmOrderManager(core, memory, OUTBOUND_RING_OFFSET),
    consumer: new RingConsumer(memory, OUTBOUND_RING_OFFSET),
  };
}

/** Limits, the book, the account at START_NS and a mark for every instrument. */
export function setUpRisk(risk: PreTradeRisk, limits: RiskLimits = LIMITS): void {
  risk.configure(limits);
  for (const entry of BOOK) risk.configureInstrument(entry);
  risk.init(CASH, START_NS);
  for (const entry of BOOK) risk.onMark(entry.instrument, START_NS, entry.startPrice);
}

/** Starts `target` afresh: empty ring, no exits, risk set up, the order table configured. */
export function resetOrderCore(target: OrderCore, table: OrderTableConfig = TABLE, limits: RiskLimits = LIMITS): void {
  initRing(target.memory, OUTBOUND_RING_OFFSET, 16_384);
  target.consumer = new RingConsumer(target.memory, OUTBOUND_RING_OFFSET);
  target.core.exitsReset();
  setUpRisk(target.risk, limits);
  target.orders.configure(table);
}

/** Releases everything the core published (the glue already decoded it). */
export function drain(consumer: RingConsumer): void {
  const count = consumer.available();
  if (count > 0) consumer.release((consumer.cursor + count) >>> 0);
}

const INBOUND = EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;

interface VenueFields {
  readonly instrument?: number;
  readonly price?: number;
  readonly size?: number;
  readonly a?: number;
  readonly b?: number;
}

function venueEvent(kind: number, id: bigint, ts: bigint, fields: VenueFields): VenueEvent {
  return { kind: kind | INBOUND, instrument: fields.instrument ?? 0, tsExchange: ts, tsLocal: ts, price: fields.price ?? 0, size: fields.size ?? 0, a: fields.a ?? 0, b: fields.b ?? 0, id };
}

/** Builders of inbound venue records for order `id` at venue time `ts`. */
export const venue = {
  ack: (id: bigint, ts: bigint, o: { instrument?: number; qty?: number; price?: number; venueId?: number } = {}) =>
    venueEvent(EventKind.ACK, id, ts, { instrument: o.instrument, price: o.price, size: o.qty, a: 0, b: o.venueId ?? 7 }),
  replaceAck: (id: bigint, ts: bigint, o: { instrument?: number; qty?: number; price?: number } = {}) =>
    venueEvent(EventKind.ACK, id, ts, { instrument: o.instrument, price: o.price, size: o.qty, a: 1 }),
  fill: (id: bigint, ts: bigint, o: { instrument?: number; qty: number; price: number; fee?: number; fillId?: number; maker?: boolean }) =>
    venueEvent(EventKind.FILL | (o.maker ? EventKind.FLAG_MAKER : 0), id, ts, { instrument: o.instrument, price: o.price, size: o.qty, a: o.fee ?? 0, b: o.fillId ?? 0 }),
  /** `reason`: the venue's cancel reason code (VENUE_CANCELED_*, default 0 requested). */
  canceled: (id: bigint, ts: bigint, o: { instrument?: number; qty?: number; reason?: number } = {}) =>
    venueEvent(EventKind.CANCELED, id, ts, { instrument: o.instrument, size: o.qty, a: o.reason ?? 0 }),
  /** `of`: 0 the order, 1 a cancel, 2 a replace; `reason`: the venue's reject reason code (VENUE_REJECT_*, default 1 invalid). */
  reject: (id: bigint, ts: bigint, o: { instrument?: number; qty?: number; of?: 0 | 1 | 2; reason?: number } = {}) =>
    venueEvent(EventKind.REJECT, id, ts, { instrument: o.instrument, size: o.qty, a: o.reason ?? 1, b: o.of ?? 0 }),
  /** `reason`: the venue's expiry reason code (VENUE_EXPIRED_*, default 0 time in force). */
  expired: (id: bigint, ts: bigint, o: { instrument?: number; qty?: number; reason?: number } = {}) =>
    venueEvent(EventKind.EXPIRED, id, ts, { instrument: o.instrument, size: o.qty, a: o.reason ?? 0 }),
  /** Reconciliation: the venue's state code, signed cumulative filled, average fill price. */
  status: (id: bigint, ts: bigint, o: { instrument?: number; state: number; filled: number; price?: number; qty?: number }) =>
    venueEvent(EventKind.ORDER_STATUS, id, ts, { instrument: o.instrument, price: o.price, size: o.filled, a: o.state, b: o.qty }),
};

/** What a call returned, or the status of the CoreStatusError it threw (parity tests compare both sides' outcomes). */
export type Attempt<T> = { readonly value: T; readonly status: null } | { readonly value: undefined; readonly status: number };

export function attempt<T>(run: () => T): Attempt<T> {
  try {
    return { value: run(), status: null };
  } catch (error) {
    if (error instanceof CoreStatusError) return { value: undefined, status: error.status };
    throw error;
  }
}
