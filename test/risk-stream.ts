// Shared fixture of the risk suites: a core instance with an outbound ring, a small book of
// instruments and limits, and a fast-check generator of command streams (time steps,
// price moves, crashes, orders, fills of accepted orders, cancels, day changes) with a
// driver that applies a stream to any PreTradeRisk and reports every step.
import fc from 'fast-check';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import { OUTBOUND_RING_OFFSET } from '../engine/layout/memory-map.js';
import { initRing, RingConsumer } from '../engine/ring/index.js';
import {
  RiskReason, WasmRiskEngine, type InstrumentRiskConfig, type PreTradeRisk, type ProposedOrder, type RiskCoreExports, type RiskDecision,
  type RiskLimits, type RiskRecord,
} from '../engine/risk/index.js';

export const MS = 1_000_000n;
export const DAY_NS = 86_400_000_000_000n;
export const START_NS = 1_700_000_000_000_000_000n;
export const START_CASH = 100_000;

export const LIMITS: RiskLimits = {
  maxPositionPct: 0.5,
  maxAssetClassPct: 0.8,
  maxGrossExposure: 250_000,
  maxLeverage: 2,
  dailyLossPct: 0.05,
  maxDrawdownPct: 0.15,
  priceBandPct: 0.05,
  minNotional: 10,
  maxOrders: 5,
  windowNs: 2_000n * MS,
};

/** id, asset class, lot size, staleness, starting price. */
export const BOOK: (InstrumentRiskConfig & { startPrice: number })[] = [
  { instrument: 0, assetClass: 0, lotSize: 0.01, staleNs: 5_000n * MS, startPrice: 100 },
  { instrument: 1, assetClass: 0, lotSize: 0.1, staleNs: 5_000n * MS, startPrice: 50 },
  { instrument: 2, assetClass: 1, lotSize: 1, staleNs: 5_000n * MS, startPrice: 200 },
  { instrument: 3, assetClass: 2, lotSize: 1000, staleNs: 2_000n * MS, startPrice: 1.1 },
];

export function createWasmRisk(outCapacity = 16384): { risk: WasmRiskEngine; consumer: RingConsumer; memory: WebAssembly.Memory } {
  const memory = createSharedMemory();
  const core = instantiateCore(memory, compileCore('release')) as RiskCoreExports;
  initRing(memory, OUTBOUND_RING_OFFSET, outCapacity);
  const risk = new WasmRiskEngine(core, memory, OUTBOUND_RING_OFFSET);
  return { risk, consumer: new RingConsumer(memory, OUTBOUND_RING_OFFSET), memory };
}

/** Releases everything the core published (the records were already read by the glue). */
export function drain(consumer: RingConsumer): void {
  const count = consumer.available();
  if (count > 0) consumer.release((consumer.cursor + count) >>> 0);
}

export function setUpBook(risk: PreTradeRisk, limits: RiskLimits = LIMITS, cash = START_CASH): void {
  risk.configure(limits);
  for (const entry of BOOK) risk.configureInstrument(entry);
  risk.init(cash, START_NS);
  for (const entry of BOOK) risk.onMark(entry.instrument, START_NS, entry.startPrice);
}

export type Command =
  | { readonly type: 'advance'; readonly ms: number }
  | { readonly type: 'move'; readonly instrument: number; readonly change: number }
  | { readonly type: 'crash'; readonly change: number }
  | { readonly type: 'order'; readonly instrument: number; readonly notional: number; readonly offset: number; readonly exitFraction: number }
  | { readonly type: 'fill'; readonly pick: number; readonly fraction: number; readonly slip: number; readonly fee: number }
  | { readonly type: 'close'; readonly pick: number }
  | { readonly type: 'nextDay' };

const instrumentArb = fc.integer({ min: 0, max: BOOK.length - 1 });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2_000 }) }) },
  { weight: 10, arbitrary: fc.record({ type: fc.constant('move' as const), instrument: instrumentArb, change: fc.noBias(fc.integer({ min: -400, max: 400 })).map((bp) => bp / 10_000) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('crash' as const), change: fc.noBias(fc.integer({ min: -35, max: 5 })).map((pct) => pct / 100) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('order' as const),
      instrument: instrumentArb,
      notional: fc.noBias(fc.integer({ min: -300, max: 600 })).map((hundreds) => hundreds * 100 + 1),
      offset: fc.noBias(fc.integer({ min: -70, max: 70 })).map((permille) => permille / 1000),
      exitFraction: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.double({ min: 0.1, max: 1.2, noNaN: true }) }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('fill' as const),
      pick: fc.nat(),
      fraction: fc.oneof(fc.constant(1), fc.double({ min: 0.1, max: 1, noNaN: true })),
      slip: fc.double({ min: -0.01, max: 0.01, noNaN: true }),
      fee: fc.double({ min: 0, max: 2, noNaN: true }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('close' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ type: 'nextDay' as const }) },
);

export const streamArb = fc.array(commandArb, { minLength: 20, maxLength: 200, size: 'max' });

export type Step =
  | { readonly type: 'check'; readonly order: ProposedOrder; readonly decision: RiskDecision }
  | { readonly type: 'mark' | 'fill'; readonly records: RiskRecord[] }
  | { readonly type: 'other' };

/** What a step fed the engine (at most one of them is set). */
export interface StreamEvent {
  readonly order: ProposedOrder | null;
  readonly fill: { instrument: number; tsNs: bigint; qty: number; price: number; fee: number } | null;
  readonly mark: { instrument: number; tsNs: bigint; price: number } | null;
  readonly closed?: { instrument: number; remainingQty: number };
}

interface Working {
  readonly instrument: number;
  remaining: number;
}

/**
 * Applies `commands` to `risk`, calling `observe` before (with the order about to be
 * checked, or null) and after each step. Orders are sized by notional in whole lots; an
 * exitFraction > 0 with an open position sizes the order against the current position instead. Fills fill
 * accepted, still working orders (a fraction, at a slipped price).
 */
export function runStream(
  risk: PreTradeRisk,
  commands: readonly Command[],
  observe: (step: Step, event: StreamEvent) => void,
  afterEach: () => void = () => {},
): void {
  let now = START_NS;
  let nextOrderId = 1n;
  const prices = BOOK.map((entry) => entry.startPrice);
  const working: Working[] = [];
  const mark = (instrument: number, price: number) => {
    prices[instrument] = price;
    const records = risk.onMark(instrument, now, price);
    observe({ type: 'mark', records }, { order: null, fill: null, mark: { instrument, tsNs: now, price } });
  };
  for (const command of commands) {
    switch (command.type) {
      case 'advance':
        now += BigInt(command.ms) * MS;
        observe({ type: 'other' }, { order: null, fill: null, mark: null });
        break;
      case 'nextDay':
        now += DAY_NS;
        observe({ type: 'other' }, { order: null, fill: null, mark: null });
        break;
      case 'move':
        mark(command.instrument, prices[command.instrument] * (1 + command.change));
        break;
      case 'crash':
        for (const entry of BOOK) mark(entry.instrument, prices[entry.instrument] * (1 + command.change));
        break;
      case 'order': {
        const entry = BOOK[command.instrument];
        let qty = Math.round(command.notional / (entry.lotSize * prices[command.instrument])) * entry.lotSize;
        const position = risk.instrumentState(command.instrument).position;
        if (command.exitFraction > 0 && position !== 0) {
          qty = -Math.round((position * command.exitFraction) / entry.lotSize) * entry.lotSize;
          if (qty === 0) qty = -Math.sign(position) * entry.lotSize;
        }
        if (qty === 0) qty = -entry.lotSize;
        const order: ProposedOrder = { orderId: nextOrderId++, instrument: command.instrument, tsNs: now, qty, price: prices[command.instrument] * (1 + command.offset) };
        const decision = risk.checkOrder(order);
        observe({ type: 'check', order, decision }, { order, fill: null, mark: null });
        if (decision.reason === RiskReason.ACCEPTED) working.push({ instrument: order.instrument, remaining: order.qty });
        break;
      }
      case 'fill': {
        if (working.length === 0) break;
        const index = command.pick % working.length;
        const order = working[index];
        const entry = BOOK[order.instrument];
        let qty = Math.round((order.remaining * command.fraction) / entry.lotSize) * entry.lotSize;
        if (qty === 0 || Math.abs(qty) > Math.abs(order.remaining)) qty = order.remaining;
        order.remaining -= qty;
        if (Math.abs(order.remaining) < entry.lotSize / 2) working.splice(index, 1);
        const price = prices[order.instrument] * (1 + command.slip);
        const fill = { instrument: order.instrument, tsNs: now, qty, price, fee: command.fee };
        prices[order.instrument] = price;
        const records = risk.onFill(order.instrument, now, qty, price, command.fee);
        observe({ type: 'fill', records }, { order: null, fill, mark: null });
        break;
      }
      case 'close': {
        if (working.length === 0) break;
        const [order] = working.splice(command.pick % working.length, 1);
        risk.onOrderClosed(order.instrument, order.remaining);
        observe({ type: 'other' }, { order: null, fill: null, mark: null, closed: { instrument: order.instrument, remainingQty: order.remaining } });
        break;
      }
    }
    afterEach();
  }
}
