// Shared fixture of the risk and portfolio suites: a core instance with an outbound ring, a
// small book of instruments (spot and margin, contract multipliers, a second currency,
// funding and borrow), limits, and a fast-check generator of command streams (time steps,
// day changes, price moves, crashes, orders with their parent entries, fills of accepted
// orders, cancels, RATE and FUNDING records) with a driver that applies a stream to any
// engine keeping both contracts (PreTradeRisk and Portfolio) and reports every step. Like the
// order table, the driver releases an order's working quantity when it fills or closes.
import fc from 'fast-check';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import { OUTBOUND_RING_OFFSET } from '../engine/layout/memory-map.js';
import {
  LinkingPolicy, SettlementCode, type FundingEvent, type InstrumentTerms, type LinkingCode, type Portfolio, type PortfolioFill, type RateEvent, type RoundTrip,
} from '../engine/portfolio/index.js';
import { initRing, RingConsumer } from '../engine/ring/index.js';
import {
  RiskReason, WasmRiskEngine, type InstrumentRiskConfig, type PreTradeRisk, type ProposedOrder, type RiskCoreExports, type RiskDecision,
  type RiskLimits, type RiskRecord,
} from '../engine/risk/index.js';

export const MS = 1_000_000n;
export const SECOND_NS = 1_000n * MS;
export const DAY_NS = 86_400_000_000_000n;
export const START_NS = 1_700_000_000_000_000_000n;
export const START_CASH = 100_000;

/** Both contracts, as the reference and the WASM glue keep them. */
export type RiskPortfolio = PreTradeRisk & Portfolio;

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

/** The second currency (EUR), its starting rate in the account currency. */
export const EUR = 1;
export const EUR_START_RATE = 1.1;
/** Annual interest on negative cash and the days per year carry accrues over, when carry is on. */
export const NEGATIVE_CASH_RATE = 0.06;
export const DAYS_PER_YEAR = 360;

export type BookEntry = InstrumentRiskConfig & { readonly startPrice: number; readonly terms: Omit<InstrumentTerms, 'instrument'> };

/**
 * id, asset class, lot size, staleness, starting price and contract terms:
 *   0  spot, account currency, borrow 8% a year on shorts
 *   1  margin perpetual, account currency, funding 0.02% every 10 s
 *   2  spot, multiplier 10, quoted in EUR, borrow 10% a year on shorts
 *   3  margin, quoted in EUR, funding 0.01% every hour
 */
export const BOOK: readonly BookEntry[] = [
  { instrument: 0, assetClass: 0, lotSize: 0.01, staleNs: 5_000n * MS, startPrice: 100, terms: { multiplier: 1, currency: 0, settlement: SettlementCode.SPOT, fundingRate: 0, fundingIntervalNs: 0n, borrowRate: 0.08 } },
  { instrument: 1, assetClass: 0, lotSize: 0.1, staleNs: 5_000n * MS, startPrice: 50, terms: { multiplier: 1, currency: 0, settlement: SettlementCode.MARGIN, fundingRate: 0.0002, fundingIntervalNs: 10n * SECOND_NS, borrowRate: 0 } },
  { instrument: 2, assetClass: 1, lotSize: 1, staleNs: 5_000n * MS, startPrice: 200, terms: { multiplier: 10, currency: EUR, settlement: SettlementCode.SPOT, fundingRate: 0, fundingIntervalNs: 0n, borrowRate: 0.1 } },
  { instrument: 3, assetClass: 2, lotSize: 1000, staleNs: 2_000n * MS, startPrice: 1.1, terms: { multiplier: 1, currency: EUR, settlement: SettlementCode.MARGIN, fundingRate: 0.0001, fundingIntervalNs: 3_600n * SECOND_NS, borrowRate: 0 } },
];

/** The book's contracts without carry: no funding or borrow rates (the independent ledger of risk-properties keeps no carry). */
export const NO_CARRY_BOOK: readonly BookEntry[] = BOOK.map((entry) => ({ ...entry, terms: { ...entry.terms, fundingRate: 0, fundingIntervalNs: 0n, borrowRate: 0 } }));

/** The book as the risk suites had it before contract terms: spot, one unit per contract, account currency. */
export const PLAIN_BOOK: readonly BookEntry[] = BOOK.map((entry) => ({ ...entry, terms: { multiplier: 1, currency: 0, settlement: SettlementCode.SPOT, fundingRate: 0, fundingIntervalNs: 0n, borrowRate: 0 } }));

export interface BookSetup {
  readonly limits?: RiskLimits;
  readonly cash?: number;
  readonly book?: readonly BookEntry[];
  readonly linking?: LinkingCode;
  /** Annual interest on negative cash (0: none). */
  readonly negativeCashRate?: number;
}

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

/**
 * Configures limits, instruments, the ledger (linking, interest, EUR at its starting rate),
 * starts the account, then sets each instrument's contract terms (after init: a reused core
 * may still hold the last run's positions before it) and marks every instrument at its start.
 */
export function setUpBook(risk: RiskPortfolio, setup: BookSetup = {}): void {
  const book = setup.book ?? BOOK;
  risk.configure(setup.limits ?? LIMITS);
  for (const entry of book) risk.configureInstrument(entry);
  risk.configurePortfolio({ linking: setup.linking ?? LinkingPolicy.FIFO, negativeCashRate: setup.negativeCashRate ?? 0, daysPerYear: DAYS_PER_YEAR });
  risk.configureCurrency(EUR, EUR_START_RATE);
  risk.init(setup.cash ?? START_CASH, START_NS);
  for (const entry of book) risk.configureContract({ instrument: entry.instrument, ...entry.terms });
  for (const entry of book) risk.onMark(entry.instrument, START_NS, entry.startPrice);
}

export type Command =
  | { readonly type: 'advance'; readonly ms: number }
  | { readonly type: 'move'; readonly instrument: number; readonly change: number }
  | { readonly type: 'crash'; readonly change: number }
  | { readonly type: 'order'; readonly instrument: number; readonly notional: number; readonly offset: number; readonly exitFraction: number; readonly parentPick: number }
  | { readonly type: 'fill'; readonly pick: number; readonly fraction: number; readonly slip: number; readonly fee: number }
  | { readonly type: 'close'; readonly pick: number }
  | { readonly type: 'nextDay' }
  | { readonly type: 'rate'; readonly change: number }
  | { readonly type: 'funding'; readonly instrument: number; readonly rate: number; readonly priceOffset: number | null }
  | { readonly type: 'inHand'; readonly instrument: number; readonly aheadMs: number };

const instrumentArb = fc.integer({ min: 0, max: BOOK.length - 1 });
const marginInstruments = BOOK.filter((entry) => entry.terms.settlement === SettlementCode.MARGIN).map((entry) => entry.instrument);
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
      parentPick: fc.nat(),
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
  // The engine took a market record at about `now` and marks it after the venue replies due before it.
  { weight: 1, arbitrary: fc.record({ type: fc.constant('inHand' as const), instrument: instrumentArb, aheadMs: fc.integer({ min: -4_000, max: 4_000 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('rate' as const), change: fc.noBias(fc.integer({ min: -300, max: 300 })).map((bp) => bp / 10_000) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('funding' as const),
      instrument: fc.constantFrom(...marginInstruments),
      rate: fc.noBias(fc.integer({ min: -50, max: 50 })).map((tenths) => tenths / 100_000),
      priceOffset: fc.option(fc.noBias(fc.integer({ min: -20, max: 20 })).map((permille) => permille / 1000), { nil: null }),
    }),
  },
);

export const streamArb = fc.array(commandArb, { minLength: 20, maxLength: 200, size: 'max' });

/** A stream and the linking policy its run uses. */
export const scenarioArb = fc.record({
  linking: fc.constantFrom<LinkingCode>(LinkingPolicy.FIFO, LinkingPolicy.LIFO, LinkingPolicy.PARENT),
  commands: streamArb,
});

export type Step =
  | { readonly type: 'check'; readonly order: ProposedOrder; readonly decision: RiskDecision }
  | { readonly type: 'mark' | 'carry'; readonly records: RiskRecord[] }
  | { readonly type: 'fill'; readonly records: RiskRecord[]; readonly roundTrips: RoundTrip[] }
  | { readonly type: 'other' };

/** What a step fed the engine (at most one of them is set). */
export interface StreamEvent {
  readonly order: ProposedOrder | null;
  readonly fill: PortfolioFill | null;
  readonly mark: { instrument: number; tsNs: bigint; price: number } | null;
  readonly closed?: { instrument: number; remainingQty: number };
  readonly rate?: RateEvent;
  readonly funding?: FundingEvent;
  /** The time of an advance or a day change. */
  readonly clockNs?: bigint;
  /** A market record the engine took (priceInHand): its price counts as fresh from `tsNs`. */
  readonly inHand?: { instrument: number; tsNs: bigint; price: number };
}

/** The rule of an order the stream sends: the strategy's entries, an exit rule's exits. */
export const ENTRY_RULE = 0;
export const EXIT_RULE = 3;

interface Working {
  readonly instrument: number;
  readonly orderId: bigint;
  readonly rule: number;
  readonly parentId: bigint;
  readonly referencePrice: number;
  remaining: number;
}

/**
 * Applies `commands` to `risk`, calling `observe` after each step with what it fed. Orders
 * are sized by notional (account currency) in whole lots; an exitFraction > 0 with an open
 * position sizes the order against the position instead, as an exit whose parent is one of
 * the instrument's accepted entry orders. Fills fill accepted, still working orders (a
 * fraction, at a slipped price), carrying the order's id, rule, parent and decision price.
 */
export function runStream(
  risk: RiskPortfolio,
  commands: readonly Command[],
  observe: (step: Step, event: StreamEvent) => void,
  afterEach: () => void = () => {},
): void {
  let now = START_NS;
  let nextOrderId = 1n;
  let eurRate = EUR_START_RATE;
  const prices = BOOK.map((entry) => entry.startPrice);
  const working: Working[] = [];
  const entries: bigint[][] = BOOK.map(() => []);
  const none = { order: null, fill: null, mark: null };
  const mark = (instrument: number, price: number) => {
    prices[instrument] = price;
    const records = risk.onMark(instrument, now, price);
    observe({ type: 'mark', records }, { ...none, mark: { instrument, tsNs: now, price } });
  };
  for (const command of commands) {
    switch (command.type) {
      case 'advance':
        now += BigInt(command.ms) * MS;
        observe({ type: 'other' }, { ...none, clockNs: now });
        break;
      case 'nextDay':
        now += DAY_NS;
        observe({ type: 'other' }, { ...none, clockNs: now });
        break;
      case 'move':
        mark(command.instrument, prices[command.instrument] * (1 + command.change));
        break;
      case 'crash':
        for (const entry of BOOK) mark(entry.instrument, prices[entry.instrument] * (1 + command.change));
        break;
      case 'order': {
        const entry = BOOK[command.instrument];
        const { position, valueFactor } = risk.instrumentState(command.instrument);
        let qty = Math.round(command.notional / (entry.lotSize * prices[command.instrument] * valueFactor)) * entry.lotSize;
        let exit = false;
        if (command.exitFraction > 0 && position !== 0) {
          qty = -Math.round((position * command.exitFraction) / entry.lotSize) * entry.lotSize;
          if (qty === 0) qty = -Math.sign(position) * entry.lotSize;
          exit = true;
        }
        if (qty === 0) qty = -entry.lotSize;
        const parents = entries[command.instrument];
        const parentId = exit && parents.length > 0 ? parents[command.parentPick % parents.length] : 0n;
        const order: ProposedOrder = { orderId: nextOrderId++, instrument: command.instrument, tsNs: now, qty, price: prices[command.instrument] * (1 + command.offset) };
        const decision = risk.checkOrder(order);
        observe({ type: 'check', order, decision }, { ...none, order });
        if (decision.reason === RiskReason.ACCEPTED) {
          working.push({ instrument: order.instrument, orderId: order.orderId, rule: exit ? EXIT_RULE : ENTRY_RULE, parentId, referencePrice: order.price, remaining: order.qty });
          if (!exit) parents.push(order.orderId);
        }
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
        const fill: PortfolioFill = {
          instrument: order.instrument, tsNs: now, qty, price, fee: command.fee, orderId: order.orderId, rule: order.rule, parentId: order.parentId, referencePrice: order.referencePrice,
        };
        prices[order.instrument] = price;
        risk.releaseWorking(order.instrument, qty);
        const { records, roundTrips } = risk.applyFill(fill);
        observe({ type: 'fill', records, roundTrips }, { ...none, fill });
        break;
      }
      case 'close': {
        if (working.length === 0) break;
        const [order] = working.splice(command.pick % working.length, 1);
        risk.releaseWorking(order.instrument, order.remaining);
        observe({ type: 'other' }, { ...none, closed: { instrument: order.instrument, remainingQty: order.remaining } });
        break;
      }
      case 'rate': {
        eurRate *= 1 + command.change;
        const rate: RateEvent = { currency: EUR, tsNs: now, rate: eurRate };
        observe({ type: 'carry', records: risk.onRate(rate) }, { ...none, rate });
        break;
      }
      case 'funding': {
        const funding: FundingEvent = {
          instrument: command.instrument, tsNs: now, rate: command.rate, price: command.priceOffset === null ? 0 : prices[command.instrument] * (1 + command.priceOffset),
        };
        observe({ type: 'carry', records: risk.onFunding(funding) }, { ...none, funding });
        break;
      }
      case 'inHand': {
        const inHand = { instrument: command.instrument, tsNs: now + BigInt(command.aheadMs) * MS, price: prices[command.instrument] };
        risk.priceInHand(inHand.instrument, inHand.tsNs, inHand.price);
        observe({ type: 'other' }, { ...none, inHand });
        break;
      }
    }
    afterEach();
  }
}
