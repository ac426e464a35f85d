// Hand-computed cases of the portfolio ledger, with the arithmetic in each test, run against the
// compiled core (wasm/assembly/portfolio) and the TS reference alike: fees, slippage against the
// decision price, funding (at the configured interval and from FUNDING records), borrow on a
// spot short, interest on negative cash, a margin position's cash, contract multipliers, a
// position quoted in EUR re-valued by a RATE record, FIFO / LIFO / PARENT linking, a fill that
// crosses zero, and the dust rule.
import { describe, expect, it } from 'vitest';
import { LinkingPolicy, SettlementCode, type InstrumentTerms, type LinkingCode, type PortfolioFill, type RoundTrip } from '../engine/portfolio/index.js';
import { ReferenceRiskEngine, type RiskLimits } from '../engine/risk/index.js';
import { createWasmRisk, drain, MS, type RiskPortfolio } from './risk-stream.js';

const HOUR_NS = 3_600_000_000_000n;
const DAY_NS = 24n * HOUR_NS;
/** 2023-11-14T00:00:00Z, a UTC midnight; the account starts an hour later. */
const MIDNIGHT_NS = 1_699_920_000_000_000_000n;
const START_NS = MIDNIGHT_NS + HOUR_NS;
const CASH = 100_000;
const EUR = 1;

const SPOT = 0;
const PERPETUAL = 1;
const EUR_STOCK = 2;

/** Limits no case meets: fills are never checked, and the kill switch trips only at equity 0. */
const LIMITS: RiskLimits = {
  maxPositionPct: 1, maxAssetClassPct: 1, maxGrossExposure: 1e12, maxLeverage: 100, dailyLossPct: 1, maxDrawdownPct: 1, priceBandPct: 1, minNotional: 0, maxOrders: 1024, windowNs: 1n,
};

type Terms = Partial<Omit<InstrumentTerms, 'instrument'>>;

interface AccountOptions {
  readonly linking?: LinkingCode;
  readonly negativeCashRate?: number;
  readonly daysPerYear?: number;
  readonly eurRate?: number;
  /** Contract terms by instrument; the others are spot, one unit per contract, in the account currency, no carry. */
  readonly contracts?: Readonly<Record<number, Terms>>;
}

const wasm = createWasmRisk();

/** Both implementations; the core is shared, so every account configures all of its instruments. */
const ENGINES: [string, () => RiskPortfolio][] = [
  ['WASM core', () => {
    drain(wasm.consumer);
    return wasm.risk;
  }],
  ['TS reference', () => new ReferenceRiskEngine()],
];

describe.each(ENGINES)('portfolio costs (%s)', (_name, createEngine) => {
  let engine: RiskPortfolio;
  let nextOrderId = 1n;

  function openAccount(options: AccountOptions = {}): RiskPortfolio {
    engine = createEngine();
    engine.configure(LIMITS);
    for (const instrument of [SPOT, PERPETUAL, EUR_STOCK]) engine.configureInstrument({ instrument, assetClass: 0, lotSize: 0.1, staleNs: 1_000n * DAY_NS });
    engine.configurePortfolio({ linking: options.linking ?? LinkingPolicy.FIFO, negativeCashRate: options.negativeCashRate ?? 0, daysPerYear: options.daysPerYear ?? 365 });
    engine.configureCurrency(EUR, options.eurRate ?? 1.1);
    engine.init(CASH, START_NS);
    for (const instrument of [SPOT, PERPETUAL, EUR_STOCK]) {
      engine.configureContract({
        instrument, multiplier: 1, currency: 0, settlement: SettlementCode.SPOT, fundingRate: 0, fundingIntervalNs: 0n, borrowRate: 0, ...options.contracts?.[instrument],
      });
    }
    return engine;
  }

  function fill(instrument: number, qty: number, price: number, extra: Partial<PortfolioFill> = {}) {
    return engine.applyFill({ instrument, tsNs: START_NS, qty, price, fee: 0, orderId: nextOrderId++, rule: 0, parentId: 0n, referencePrice: 0, ...extra });
  }

  const trips = (roundTrips: RoundTrip[]) => roundTrips.map((trip) => [trip.entryOrderId, trip.qty, trip.entryPrice, trip.exitPrice, trip.grossPnl]);

  it('charges each fill\'s fee to cash and the breakdown, and gives each end of the round trip its fee', () => {
    openAccount();
    fill(SPOT, 2, 100, { orderId: 1n, fee: 0.5 });
    const { roundTrips } = fill(SPOT, -2, 110, { orderId: 2n, fee: 0.25 });
    expect(roundTrips, 'gross (110 - 100) * 2 = 20, net 20 - 0.5 - 0.25 = 19.25').toStrictEqual([{
      instrument: SPOT, entryNs: START_NS, exitNs: START_NS, entryPrice: 100, qty: 2, exitPrice: 110, netPnl: 19.25, entryOrderId: 1n, exitOrderId: 2n,
      grossPnl: 20, entryFees: 0.5, exitFees: 0.25, rate: 1, entryRule: 0, exitRule: 0,
    }]);
    expect(engine.account().cash, 'cash 100000 - (200 + 0.5) + (220 - 0.25) = 100019.25').toBe(100_019.25);
    expect(engine.instrumentLedger(SPOT), 'fees 0.5 + 0.25, realised 20, turnover 200 + 220').toMatchObject({ fees: 0.75, realised: 20, turnover: 420, fills: 2, roundTrips: 1, winners: 1 });
    expect(engine.account().equity, 'flat again: equity is cash').toBe(100_019.25);
  });

  it('measures slippage against the decision price: paying up costs, filling better gains, no decision price counts nothing', () => {
    openAccount({ contracts: { [PERPETUAL]: { multiplier: 10 } } });
    fill(SPOT, 3, 101, { referencePrice: 100 });
    expect(engine.instrumentLedger(SPOT).slippage, 'bought 3 at 101 decided at 100: (101 - 100) * 3 = 3').toBe(3);
    fill(SPOT, -3, 98, { referencePrice: 99 });
    expect(engine.instrumentLedger(SPOT).slippage, 'sold 3 at 98 decided at 99: (98 - 99) * -3 = 3 more').toBe(6);
    fill(SPOT, 1, 97, { referencePrice: 98 });
    expect(engine.instrumentLedger(SPOT).slippage, 'bought 1 at 97 decided at 98: (97 - 98) * 1 = -1, a gain').toBe(5);
    fill(SPOT, 1, 200);
    expect(engine.instrumentLedger(SPOT).slippage, 'a fill with no decision price adds nothing').toBe(5);
    fill(PERPETUAL, 2, 50.5, { referencePrice: 50 });
    expect(engine.instrumentLedger(PERPETUAL).slippage, 'multiplier 10: (50.5 - 50) * 2 * 10 = 10').toBe(10);
  });

  it('pays funding at each multiple of the configured interval and at FUNDING records: a long pays a positive rate, a short receives it', () => {
    const eightHours = 8n * HOUR_NS;
    openAccount({ contracts: { [PERPETUAL]: { settlement: SettlementCode.MARGIN, fundingRate: 0.0001, fundingIntervalNs: eightHours } } });
    expect(engine.instrumentLedger(PERPETUAL).nextFundingNs, 'started at 01:00: the first funding time is 08:00').toBe(MIDNIGHT_NS + eightHours);
    fill(PERPETUAL, 2, 30_000);
    engine.onMark(PERPETUAL, MIDNIGHT_NS + eightHours, 30_500);
    expect(engine.instrumentLedger(PERPETUAL).funding, 'at 08:00 the long 2 pays 2 * 30000 (its mark then) * 0.0001 = 6').toBe(6);
    expect(engine.account().cash, 'margin: only the funding moved cash').toBe(CASH - 6);
    expect(engine.instrumentLedger(PERPETUAL).nextFundingNs, 'the next funding time is 16:00').toBe(MIDNIGHT_NS + 2n * eightHours);
    engine.onFunding({ instrument: PERPETUAL, tsNs: MIDNIGHT_NS + 9n * HOUR_NS, rate: -0.0002, price: 31_000 });
    expect(engine.account().cash, 'a FUNDING record at -0.0002 on 2 * 31000 = -12.4: the long receives 12.4').toBeCloseTo(CASH - 6 + 12.4, 9);
    fill(PERPETUAL, -4, 30_000, { tsNs: MIDNIGHT_NS + 10n * HOUR_NS });
    const before = engine.account().cash;
    engine.onFunding({ instrument: PERPETUAL, tsNs: MIDNIGHT_NS + 11n * HOUR_NS, rate: 0.0001, price: 0 });
    expect(engine.account().cash - before, 'now short 2: a positive rate of 0.0001 at its mark 30000 pays the short 2 * 30000 * 0.0001 = 6').toBeCloseTo(6, 9);
    expect(engine.instrumentLedger(PERPETUAL).funding, 'funding paid net: 6 - 12.4 - 6 = -12.4').toBeCloseTo(-12.4, 9);
  });

  it('charges borrow on a spot short at each UTC day boundary crossed, and none on a long', () => {
    openAccount({ contracts: { [SPOT]: { borrowRate: 0.1 }, [EUR_STOCK]: { borrowRate: 0.1 } } });
    fill(SPOT, -10, 50);
    fill(EUR_STOCK, 5, 20);
    expect(engine.account().cash, 'the short sale paid in 10 * 50 = 500, the long paid 5 * 20 = 100').toBe(CASH + 500 - 100);
    engine.onMark(SPOT, MIDNIGHT_NS + DAY_NS + HOUR_NS, 50);
    const oneDay = 10 * 50 * 1 * 0.1 * (1 / 365);
    expect(engine.instrumentLedger(SPOT).borrow, 'one boundary: |-10| * 50 * 0.1 * 1/365').toBeCloseTo(oneDay, 12);
    engine.onMark(SPOT, MIDNIGHT_NS + 3n * DAY_NS + HOUR_NS, 50);
    expect(engine.instrumentLedger(SPOT).borrow, 'two more boundaries crossed at once: 3 days in all = 10 * 50 * 0.1 * 3/365 = 0.41096').toBeCloseTo(10 * 50 * 0.1 * (3 / 365), 12);
    expect(engine.instrumentLedger(EUR_STOCK).borrow, 'a long position borrows nothing').toBe(0);
    expect(engine.account().cash, 'cash paid the borrow').toBeCloseTo(CASH + 500 - 100 - 10 * 50 * 0.1 * (3 / 365), 9);
  });

  it('charges interest on a negative balance of any currency per UTC day boundary, converted at its rate', () => {
    openAccount({ negativeCashRate: 0.05, daysPerYear: 360, contracts: { [EUR_STOCK]: { currency: EUR } } });
    fill(SPOT, 1_500, 100);
    fill(EUR_STOCK, 10, 100);
    expect(engine.currencies().map((c) => c.balance), 'USD 100000 - 150000 = -50000, EUR -1000').toStrictEqual([-50_000, -1_000]);
    engine.onMark(SPOT, MIDNIGHT_NS + 2n * DAY_NS + HOUR_NS, 100);
    const usd = 50_000 * 0.05 * (2 / 360);
    const eur = 1_000 * 0.05 * (2 / 360);
    expect(engine.currencies().map((c) => c.interestPaid), 'two boundaries: 50000 * 5% * 2/360 = 13.889 USD, 1000 * 5% * 2/360 = 0.2778 EUR').toStrictEqual([
      expect.closeTo(usd, 9), expect.closeTo(eur, 9),
    ]);
    expect(engine.currencies().map((c) => c.balance), 'each balance paid its interest in its own currency').toStrictEqual([expect.closeTo(-50_000 - usd, 9), expect.closeTo(-1_000 - eur, 9)]);
    expect(engine.portfolioTotals().interestPaid, 'in the account currency: 13.889 + 0.2778 * 1.1').toBeCloseTo(usd + eur * 1.1, 9);
  });

  it('moves a margin position\'s cash only by realised P&L and fees', () => {
    openAccount({ contracts: { [PERPETUAL]: { settlement: SettlementCode.MARGIN } } });
    fill(PERPETUAL, 2, 30_000, { fee: 3 });
    expect(engine.account().cash, 'buying 2 at 30000 pays only the fee: 100000 - 3').toBe(99_997);
    engine.onMark(PERPETUAL, START_NS + 1n, 31_000);
    expect([engine.account().cash, engine.account().equity], 'a mark moves equity by the unrealised 2 * (31000 - 30000) = 2000, not cash').toStrictEqual([99_997, 101_997]);
    fill(PERPETUAL, -1, 32_000, { fee: 1.5, tsNs: START_NS + 2n });
    expect(engine.account().cash, 'selling 1 realises (32000 - 30000) * 1 = 2000 less the fee 1.5: 99997 + 2000 - 1.5').toBe(101_995.5);
    expect(engine.instrumentState(PERPETUAL), 'the remaining lot: 1 at 30000, unrealised 32000 - 30000').toMatchObject({ position: 1, costBasis: 30_000, averagePrice: 30_000, value: 2_000 });
    expect(engine.account().equity, 'equity 101995.5 + 2000').toBe(103_995.5);
  });

  it('values a contract by its multiplier: spot pays price * multiplier, margin realises the difference * multiplier', () => {
    openAccount({ contracts: { [SPOT]: { multiplier: 100 }, [PERPETUAL]: { multiplier: 50, settlement: SettlementCode.MARGIN } } });
    fill(SPOT, 3, 2.5);
    expect(engine.account().cash, 'spot, multiplier 100: 3 * 2.5 * 100 = 750 paid').toBe(CASH - 750);
    engine.onMark(SPOT, START_NS + 1n, 3);
    expect(engine.instrumentState(SPOT).value, 'worth 3 * 3 * 100 = 900').toBe(900);
    fill(PERPETUAL, 2, 4_000, { tsNs: START_NS + 1n });
    engine.onMark(PERPETUAL, START_NS + 2n, 4_010);
    expect(engine.instrumentState(PERPETUAL).value, 'margin, multiplier 50: unrealised (4010 - 4000) * 2 * 50 = 1000').toBe(1_000);
    const { roundTrips } = fill(PERPETUAL, -2, 4_020, { fee: 2, tsNs: START_NS + 3n });
    expect(trips(roundTrips), 'realised (4020 - 4000) * 2 * 50 = 2000').toStrictEqual([[roundTrips[0].entryOrderId, 2, 4_000, 4_020, 2_000]]);
    expect(engine.account().cash, 'cash 100000 - 750 + 2000 - 2').toBe(CASH - 750 + 2_000 - 2);
    expect(engine.instrumentLedger(PERPETUAL).turnover, 'turnover 2 * 4000 * 50 + 2 * 4020 * 50 = 802000').toBe(802_000);
  });

  it('values a position quoted in EUR at the EUR rate, and re-values cash and position at a RATE record', () => {
    openAccount({ eurRate: 1.1, contracts: { [EUR_STOCK]: { currency: EUR } } });
    fill(EUR_STOCK, 10, 100, { orderId: 7n });
    expect(engine.currencies(), 'EUR -1000 at 1.1').toStrictEqual([
      { currency: 0, balance: CASH, rate: 1, interestPaid: 0 }, { currency: EUR, balance: -1_000, rate: 1.1, interestPaid: 0 },
    ]);
    expect(engine.account().cash, 'cash 100000 - 1000 * 1.1').toBeCloseTo(98_900, 9);
    expect(engine.account().equity, 'equity unchanged: the stock is worth 10 * 100 * 1.1').toBeCloseTo(CASH, 9);
    engine.onRate({ currency: EUR, tsNs: START_NS + 1n, rate: 1.2 });
    expect(engine.instrumentState(EUR_STOCK).valueFactor, 'multiplier 1 * rate 1.2').toBe(1.2);
    expect(engine.account().cash, 'the EUR debt of 1000 now costs 1200: cash 100000 - 1200').toBeCloseTo(98_800, 9);
    expect(engine.account().equity, 'the stock, bought with EUR, hedges the EUR debt: equity 98800 + 10 * 100 * 1.2 = 100000').toBeCloseTo(CASH, 9);
    engine.onMark(EUR_STOCK, START_NS + 2n, 110);
    expect(engine.account().equity, 'marked at 110: 98800 + 10 * 110 * 1.2 = 100120').toBeCloseTo(100_120, 9);
    const { roundTrips } = fill(EUR_STOCK, -10, 110, { orderId: 8n, tsNs: START_NS + 3n });
    expect(roundTrips[0], 'gross 10 * 10 = 100 EUR, net at the exit rate 1.2 = 120').toMatchObject({ grossPnl: 100, rate: 1.2, netPnl: expect.closeTo(120, 9) });
    expect(engine.currencies()[1].balance, 'EUR -1000 + 1100 = 100').toBe(100);
    expect(engine.account().cash, 'flat: cash 100000 + 100 EUR * 1.2').toBeCloseTo(100_120, 9);
  });

  it('links the same fills into different round trips under FIFO, LIFO and PARENT, with the same total', () => {
    const run = (linking: LinkingCode) => {
      openAccount({ linking });
      fill(SPOT, 1, 100, { orderId: 1n });
      fill(SPOT, 1, 110, { orderId: 2n });
      fill(SPOT, 1, 120, { orderId: 3n });
      const first = fill(SPOT, -1, 130, { orderId: 4n, parentId: 2n, rule: 3 });
      const second = fill(SPOT, -2, 125, { orderId: 5n, parentId: 1n, rule: 3 });
      return { trips: trips([...first.roundTrips, ...second.roundTrips]), realised: engine.instrumentLedger(SPOT).realised, cash: engine.account().cash };
    };
    const fifo = run(LinkingPolicy.FIFO);
    const lifo = run(LinkingPolicy.LIFO);
    const parent = run(LinkingPolicy.PARENT);
    expect(fifo.trips, 'FIFO: the exit at 130 closes the oldest (100), the exit at 125 the next two').toStrictEqual([[1n, 1, 100, 130, 30], [2n, 1, 110, 125, 15], [3n, 1, 120, 125, 5]]);
    expect(lifo.trips, 'LIFO: the exit at 130 closes the newest (120), the exit at 125 the next two back').toStrictEqual([[3n, 1, 120, 130, 10], [2n, 1, 110, 125, 15], [1n, 1, 100, 125, 25]]);
    expect(parent.trips, 'PARENT: each exit closes its parent entry first (2, then 1), then the oldest left (3)').toStrictEqual([[2n, 1, 110, 130, 20], [1n, 1, 100, 125, 25], [3n, 1, 120, 125, 5]]);
    for (const result of [fifo, lifo, parent]) {
      expect(result.realised, 'every policy realises 130 + 2 * 125 - (100 + 110 + 120) = 50').toBe(50);
      expect(result.cash, 'and ends with the same cash').toBe(CASH + 50);
    }
  });

  it('closes and opens in one fill that crosses zero, splitting its fee by quantity', () => {
    openAccount();
    fill(SPOT, 2, 100, { orderId: 1n });
    const crossing = fill(SPOT, -5, 110, { orderId: 2n, fee: 5 });
    expect(crossing.roundTrips, 'closes the long 2: gross (110 - 100) * 2 = 20, its share of the fee 5 * 2/5 = 2').toMatchObject([{ entryOrderId: 1n, exitOrderId: 2n, qty: 2, grossPnl: 20, entryFees: 0, exitFees: 2, netPnl: 18 }]);
    expect(engine.openLots(SPOT), 'opens a short lot of the other 3 at 110, fee 1 per unit').toStrictEqual([{ orderId: 2n, qty: -3, price: 110, tsNs: START_NS, feePerUnit: 1, rule: 0 }]);
    expect(engine.instrumentState(SPOT), 'short 3, cost basis -330').toMatchObject({ position: -3, costBasis: -330, averagePrice: 110 });
    const cover = fill(SPOT, 3, 100, { orderId: 3n, fee: 3 });
    expect(cover.roundTrips, 'covering at 100: gross (100 - 110) * -3 = 30, fees 3 (entry share) + 3 (exit)').toMatchObject([{ entryOrderId: 2n, qty: -3, grossPnl: 30, entryFees: 3, exitFees: 3, netPnl: 24 }]);
    expect(engine.account().cash, 'cash 100000 - 200 + 550 - 5 - 300 - 3 = 100000 + 20 + 30 - 8').toBe(CASH + 42);
  });

  it('flattens a position left with f64 dust and drops its lots', () => {
    openAccount();
    fill(SPOT, 0.1, 100);
    fill(SPOT, 0.2, 100);
    expect(0.1 + 0.2 - 0.3, 'the sum of the fills leaves 5.55e-17 after selling 0.3').toBeGreaterThan(0);
    const { roundTrips } = fill(SPOT, -0.3, 100);
    expect(roundTrips.map((trip) => trip.qty), 'the sale closes both lots').toStrictEqual([0.1, 0.2]);
    expect(engine.instrumentState(SPOT), 'the dust is no position: flat, no cost').toMatchObject({ position: 0, costBasis: 0, averagePrice: 0, value: 0 });
    expect([engine.openLots(SPOT), engine.portfolioTotals().lotsInUse], 'and holds no lot').toStrictEqual([[], 0]);
  });
});

describe('portfolio costs: configuration', () => {
  it('re-values cash and positions like a RATE record when a currency\'s rate is configured while the account runs', () => {
    for (const [name, createEngine] of ENGINES) {
      const engine = createEngine();
      engine.configure(LIMITS);
      engine.configureInstrument({ instrument: EUR_STOCK, assetClass: 0, lotSize: 1, staleNs: 1_000n * MS });
      engine.configureCurrency(EUR, 1.1);
      engine.init(CASH, START_NS);
      engine.configureContract({ instrument: EUR_STOCK, multiplier: 1, currency: EUR, settlement: 0, fundingRate: 0, fundingIntervalNs: 0n, borrowRate: 0 });
      engine.onFill(EUR_STOCK, START_NS, 10, 100, 0);
      engine.configureCurrency(EUR, 1.2);
      const cash = engine.currencies().reduce((sum, c) => sum + c.balance * c.rate, 0);
      expect(engine.account().cash, `${name}: cash is sum(balance * rate) = 100000 - 1000 * 1.2`).toBeCloseTo(cash, 9);
      expect(engine.instrumentState(EUR_STOCK).valueFactor, `${name}: the EUR stock is valued at the new rate`).toBe(1.2);
      expect(engine.account().equity, `${name}: the stock bought with EUR hedges the EUR debt`).toBeCloseTo(CASH, 9);
      engine.onFill(EUR_STOCK, START_NS, -10, 100, 0);
    }
  });

  it('refuses contract terms for a position that is not flat, in both implementations', () => {
    for (const [name, createEngine] of ENGINES) {
      const engine = createEngine();
      engine.configure(LIMITS);
      engine.configureInstrument({ instrument: SPOT, assetClass: 0, lotSize: 1, staleNs: 1_000n * MS });
      engine.init(CASH, START_NS);
      engine.onFill(SPOT, START_NS, 1, 100, 0);
      expect(() => engine.configureContract({ instrument: SPOT, multiplier: 2, currency: 0, settlement: 0, fundingRate: 0, fundingIntervalNs: 0n, borrowRate: 0 }), `${name}: terms change only while flat`).toThrow();
      expect(() => engine.configureContract({ instrument: SPOT, multiplier: 1, currency: 9, settlement: 0, fundingRate: 0, fundingIntervalNs: 0n, borrowRate: 0 }), `${name}: an unconfigured currency is refused`).toThrow();
      engine.onFill(SPOT, START_NS, -1, 100, 0);
    }
  });
});
