// Each pre-trade rule of the core's risk module (wasm/assembly/risk), one behaviour per test,
// with the default limits of config/default.yaml: position and asset-class concentration,
// gross exposure, leverage, daily loss, order rate, price band, lot size, minimum notional,
// notionals in the account currency (multiplier and quote-currency rate), working quantities
// (released by releaseWorking, not by fills), staleness (entries blocked, exits deferred),
// the kill switch, the risk record layout, event-record dispatch, a full outbound ring, and
// the region layout mirror.
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../engine/config/index.js';
import { CoreStatusError } from '../engine/core/core-status.js';
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind } from '../engine/layout/event-record.js';
import { PIPELINE_REGION_BYTES, PIPELINE_REGION_OFFSET, OUTBOUND_RING_OFFSET, RING_HEADER_BYTES, SCRATCH_REGION_OFFSET } from '../engine/layout/memory-map.js';
import {
  isDeferred, ReferenceRiskEngine, RISK_INSTRUMENT_CAPACITY, RISK_REGION_BYTES, RISK_REGION_OFFSET, riskLimitsFromConfig, RiskReason, riskReasonName,
  type ProposedOrder, type RiskLimits, type WasmRiskEngine,
} from '../engine/risk/index.js';
import { RISK_SLOT_BYTES } from '../engine/risk/risk-region.js';
import { createWasmRisk, drain, MS, START_NS } from './risk-stream.js';

const DEFAULTS: RiskLimits = riskLimitsFromConfig(loadConfig({ env: {} }).risk);
const BTC = 0;
const ETH = 1;
const AAPL = 2;
const EURUSD = 3;
const DOGE = 4;

const { risk, consumer, memory } = createWasmRisk(64);
let nextId = 1n;

function setUp(limits: Partial<RiskLimits> = {}): void {
  risk.configure({ ...DEFAULTS, ...limits });
  risk.configureInstrument({ instrument: BTC, assetClass: 0, lotSize: 0.001, staleNs: 2_000n * MS });
  risk.configureInstrument({ instrument: ETH, assetClass: 0, lotSize: 0.01, staleNs: 5_000n * MS });
  risk.configureInstrument({ instrument: AAPL, assetClass: 1, lotSize: 1, staleNs: 5_000n * MS });
  risk.configureInstrument({ instrument: EURUSD, assetClass: 2, lotSize: 1000, staleNs: 5_000n * MS });
  risk.configureInstrument({ instrument: DOGE, assetClass: 0, lotSize: 1, staleNs: 5_000n * MS });
  risk.init(100_000, START_NS);
  for (const [instrument, price] of [[BTC, 50_000], [ETH, 2_000], [AAPL, 200], [EURUSD, 1.1], [DOGE, 0.1]]) risk.onMark(instrument, START_NS, price);
  drain(consumer);
}

function order(instrument: number, qty: number, price: number, tsNs = START_NS): ProposedOrder {
  return { orderId: nextId++, instrument, tsNs, qty, price };
}

function reasonOf(engine: WasmRiskEngine, proposed: ProposedOrder): string {
  const name = riskReasonName(engine.checkOrder(proposed).reason);
  drain(consumer);
  return name;
}

beforeEach(() => setUp());

describe('risk checks: exposure limits', () => {
  it('loads the documented defaults: 25% per instrument, 30% per asset class, 15% drawdown', () => {
    expect([DEFAULTS.maxPositionPct, DEFAULTS.maxAssetClassPct, DEFAULTS.maxDrawdownPct]).toStrictEqual([0.25, 0.3, 0.15]);
  });

  it('accepts an order inside every limit and counts it as pending', () => {
    expect(reasonOf(risk, order(BTC, 0.2, 50_000))).toBe('ACCEPTED');
    expect(risk.instrumentState(BTC).pendingBuy, 'the accepted buy is pending until filled').toBeCloseTo(0.2, 12);
  });

  it('keeps an order working through its fill until releaseWorking releases it (the order table derives working quantities)', () => {
    expect(reasonOf(risk, order(BTC, 0.2, 50_000))).toBe('ACCEPTED');
    risk.onFill(BTC, START_NS, 0.2, 50_000, 0);
    expect(risk.instrumentState(BTC).pendingBuy, 'a fill moves the position only: 0.2 still counts as working').toBeCloseTo(0.2, 12);
    expect(reasonOf(risk, order(BTC, 0.101, 50_000)), 'position 0.2 + working 0.2 + 0.101 = 25050 > 25000').toBe('MAX_POSITION');
    risk.releaseWorking(BTC, 0.2);
    expect(risk.instrumentState(BTC).pendingBuy, 'releaseWorking ends the working quantity').toBe(0);
    expect(reasonOf(risk, order(BTC, 0.101, 50_000)), 'position 0.2 + 0.101 = 15050 fits once released').toBe('ACCEPTED');
    risk.releaseWorking(BTC, -5);
    expect(risk.instrumentState(BTC).pendingSell, 'releasing more than works clamps at 0').toBe(0);
  });

  it('values notionals in the account currency: quantity * price * multiplier * the quote currency rate', () => {
    const own = createWasmRisk(64);
    own.risk.configure(DEFAULTS);
    own.risk.configureInstrument({ instrument: 0, assetClass: 3, lotSize: 1, staleNs: 5_000n * MS });
    own.risk.configurePortfolio({ linking: 0, negativeCashRate: 0, daysPerYear: 365 });
    own.risk.configureCurrency(1, 1.25);
    own.risk.init(100_000, START_NS);
    own.risk.configureContract({ instrument: 0, multiplier: 50, currency: 1, settlement: 1, fundingRate: 0, fundingIntervalNs: 0n, borrowRate: 0 });
    own.risk.onMark(0, START_NS, 100);
    expect(own.risk.instrumentState(0).valueFactor, 'multiplier 50 * rate 1.25').toBe(62.5);
    expect(own.risk.impliedOrder(0, 10, 100), 'the order stage cuts a target of 10 to 3 contracts: 4 * 6250 sits exactly at the limit, inside the fit margin').toStrictEqual({ qty: 3, limit: RiskReason.MAX_POSITION });
    expect(riskReasonName(own.risk.checkOrder(order(0, 5, 100)).reason), '5 * 100 * 62.5 = 31250 > 25% of 100000').toBe('MAX_POSITION');
    expect(riskReasonName(own.risk.checkOrder(order(0, 4, 100)).reason), '4 * 100 * 62.5 = 25000, at the limit').toBe('ACCEPTED');
    expect(own.risk.impliedOrder(0, 10, 100), 'with those 4 working, nothing more fits').toStrictEqual({ qty: 0, limit: RiskReason.MAX_POSITION });
    drain(own.consumer);
  });

  it('rejects an order above the position limit (25% of equity), counting pending orders', () => {
    const denied = risk.checkOrder(order(BTC, 0.501, 50_000));
    expect(riskReasonName(denied.reason), '0.501 BTC at 50000 = 25050 > 25000').toBe('MAX_POSITION');
    expect(denied.record?.limit, 'the record carries the largest allowed notional').toBe(25_000);
    drain(consumer);
    expect(reasonOf(risk, order(BTC, 0.3, 50_000)), '15000 alone is fine').toBe('ACCEPTED');
    expect(reasonOf(risk, order(BTC, 0.201, 50_000)), 'pending 0.3 + 0.201 = 25050 > 25000').toBe('MAX_POSITION');
  });

  it('rejects an order above the concentration limit of its asset class (30%)', () => {
    risk.onFill(BTC, START_NS, 0.5, 50_000, 0);
    expect(reasonOf(risk, order(ETH, 3, 2_000)), 'crypto 25000 + 6000 = 31000 > 30000').toBe('ASSET_CLASS');
    expect(reasonOf(risk, order(AAPL, 30, 200)), 'another asset class is not affected').toBe('ACCEPTED');
    expect(reasonOf(risk, order(ETH, 2.5, 2_000)), 'crypto 25000 + 5000 = 30000, at the limit').toBe('ACCEPTED');
  });

  it('rejects an order above the gross exposure cap', () => {
    setUp({ maxGrossExposure: 40_000 });
    risk.onFill(BTC, START_NS, 0.4, 50_000, 0);
    risk.onFill(AAPL, START_NS, 100, 200, 0);
    expect(reasonOf(risk, order(EURUSD, 1000, 1.1)), 'gross 40000 + 1100 > 40000').toBe('GROSS_EXPOSURE');
    expect(reasonOf(risk, order(AAPL, -10, 200)), 'reducing orders are not held to exposure limits').toBe('ACCEPTED');
  });

  it('rejects an order above the leverage cap (gross / equity)', () => {
    setUp({ maxLeverage: 0.5 });
    risk.onFill(BTC, START_NS, 0.4, 50_000, 0);
    risk.onFill(AAPL, START_NS, 100, 200, 0);
    expect(reasonOf(risk, order(EURUSD, 10_000, 1.1)), 'gross 40000 + 11000 = 51000 > 0.5 * 100000').toBe('LEVERAGE');
    expect(reasonOf(risk, order(EURUSD, 9_000, 1.1)), 'gross 49900 <= 50000').toBe('ACCEPTED');
  });

  it('counts a short position as exposure too', () => {
    risk.onFill(BTC, START_NS, -0.5, 50_000, 0);
    expect(reasonOf(risk, order(BTC, -0.001, 50_000)), 'adding to a 25000 short breaches 25%').toBe('MAX_POSITION');
    expect(reasonOf(risk, order(BTC, 0.2, 50_000)), 'buying back is an exit').toBe('ACCEPTED');
  });

  it('re-values working orders when contract terms change while they work', () => {
    const own = createWasmRisk(64);
    own.risk.configure({ ...DEFAULTS, maxPositionPct: 1, maxAssetClassPct: 0.3 });
    for (const instrument of [0, 1]) own.risk.configureInstrument({ instrument, assetClass: 0, lotSize: 1, staleNs: 5_000n * MS });
    own.risk.init(100_000, START_NS);
    for (const instrument of [0, 1]) own.risk.onMark(instrument, START_NS, 100);
    expect(riskReasonName(own.risk.checkOrder(order(0, 100, 100)).reason), '100 * 100 = 10000 working').toBe('ACCEPTED');
    own.risk.configureContract({ instrument: 0, multiplier: 10, currency: 0, settlement: 0, fundingRate: 0, fundingIntervalNs: 0n, borrowRate: 0 });
    expect(riskReasonName(own.risk.checkOrder(order(1, 100, 100)).reason), 'the working order is now worth 100000: with 10000 more the class exceeds 30% of 100000').toBe('ASSET_CLASS');
    drain(own.consumer);
  });
});

describe('risk checks: loss, rate and order sanity', () => {
  it('stops new exposure at the daily loss limit and resumes on the next UTC day', () => {
    risk.onFill(BTC, START_NS, 0.5, 50_000, 0);
    risk.onMark(BTC, START_NS + 1n, 39_000);
    expect(risk.account().halted, 'a 5.5% loss is below the 15% kill switch').toBe(false);
    expect(reasonOf(risk, order(AAPL, 1, 200, START_NS + 2n)), 'loss 5500 >= 5% of 100000').toBe('DAILY_LOSS');
    expect(reasonOf(risk, order(BTC, -0.1, 39_000, START_NS + 2n)), 'exits stay allowed').toBe('ACCEPTED');
    const nextDay = (START_NS / 86_400_000_000_000n + 1n) * 86_400_000_000_000n;
    risk.onMark(AAPL, nextDay, 200);
    risk.onMark(BTC, nextDay, 39_000);
    expect(reasonOf(risk, order(AAPL, 1, 200, nextDay)), 'the day-start equity resets at 00:00 UTC').toBe('ACCEPTED');
  });

  it('allows at most maxOrders accepted orders in any rolling window, deferring exits over the rate', () => {
    risk.onFill(ETH, START_NS, 1, 2_000, 0);
    for (let i = 0; i < DEFAULTS.maxOrders; i += 1) expect(reasonOf(risk, order(AAPL, 1, 200, START_NS + BigInt(i) * MS)), `order ${i + 1}`).toBe('ACCEPTED');
    const last = START_NS + BigInt(DEFAULTS.maxOrders - 1) * MS;
    expect(reasonOf(risk, order(AAPL, 1, 200, last)), 'one more in the same window').toBe('ORDER_RATE');
    const deferred = risk.checkOrder(order(ETH, -0.5, 2_000, last));
    expect(isDeferred(deferred.reason), `an exit over the rate is deferred, got ${riskReasonName(deferred.reason)}`).toBe(true);
    drain(consumer);
    const windowNs = DEFAULTS.windowNs;
    expect(reasonOf(risk, order(AAPL, 1, 200, START_NS + windowNs - 1n)), 'the first order is still inside the window').toBe('ORDER_RATE');
    risk.onMark(AAPL, START_NS + windowNs, 200);
    expect(reasonOf(risk, order(AAPL, 1, 200, START_NS + windowNs)), 'the first order left the window').toBe('ACCEPTED');
  });

  it('rejects an order priced outside the band around the last trade (fat finger)', () => {
    expect(reasonOf(risk, order(BTC, 0.01, 52_400))).toBe('ACCEPTED');
    const denied = risk.checkOrder(order(BTC, 0.01, 52_600));
    expect(riskReasonName(denied.reason), '5.2% above the last trade').toBe('PRICE_BAND');
    expect(denied.record?.limit, 'the record carries the last trade').toBe(50_000);
    drain(consumer);
    expect(reasonOf(risk, order(BTC, -0.01, 47_400)), '5.2% below').toBe('PRICE_BAND');
  });

  it('rejects quantities off the lot size and orders below the minimum notional, except full closes', () => {
    expect(reasonOf(risk, order(BTC, 0.0015, 50_000)), '0.0015 is not a multiple of 0.001').toBe('LOT_SIZE');
    expect(reasonOf(risk, order(BTC, 0.003, 50_000)), 'float multiples of the lot are accepted').toBe('ACCEPTED');
    expect(reasonOf(risk, order(DOGE, 50, 0.1)), '50 DOGE = 5 < 10').toBe('MIN_NOTIONAL');
    risk.onFill(DOGE, START_NS, 50, 0.1, 0);
    expect(reasonOf(risk, order(DOGE, -20, 0.1)), 'a partial exit below the minimum is denied').toBe('MIN_NOTIONAL');
    expect(reasonOf(risk, order(DOGE, -50, 0.1)), 'closing the whole position is exempt').toBe('ACCEPTED');
  });

  it('lets an exit close a position that is not a whole number of lots, and nothing else off the lot size (core and TS reference)', () => {
    const reference = new ReferenceRiskEngine();
    reference.configure(DEFAULTS);
    reference.configureInstrument({ instrument: BTC, assetClass: 0, lotSize: 0.001, staleNs: 2_000n * MS });
    reference.init(100_000, START_NS);
    reference.onMark(BTC, START_NS, 50_000);
    for (const [name, engine] of [['core', risk], ['reference', reference]] as const) {
      const reason = (proposed: ProposedOrder): string => {
        const decided = riskReasonName(engine.checkOrder(proposed).reason);
        drain(consumer);
        engine.releaseWorking(BTC, proposed.qty);
        return decided;
      };
      // 0.5603 BTC (lot 0.001): a participation-capped partial fill whose rest was canceled.
      engine.onFill(BTC, START_NS, 0.5603, 50_000, 0);
      drain(consumer);
      expect(reason(order(BTC, -0.5603, 50_000)), `${name}: closing the whole position is exempt from the lot size`).toBe('ACCEPTED');
      expect(reason(order(BTC, -0.2803, 50_000)), `${name}: a partial exit off the lot size is still denied`).toBe('LOT_SIZE');
      expect(reason(order(BTC, 0.0003, 50_000)), `${name}: and so is an entry`).toBe('LOT_SIZE');
    }
  });

  it('denies invalid orders and unknown instruments', () => {
    expect(reasonOf(risk, order(BTC, Number.NaN, 50_000))).toBe('INVALID_ORDER');
    expect(reasonOf(risk, order(BTC, 0, 50_000))).toBe('INVALID_ORDER');
    expect(reasonOf(risk, order(BTC, 0.01, -1))).toBe('INVALID_ORDER');
    expect(reasonOf(risk, order(77, 1, 10))).toBe('UNKNOWN_INSTRUMENT');
    expect(reasonOf(risk, order(RISK_INSTRUMENT_CAPACITY + 5, 1, 10))).toBe('UNKNOWN_INSTRUMENT');
  });
});

describe('risk checks: staleness', () => {
  it('blocks new exposure when the last trade is older than the instrument threshold', () => {
    expect(reasonOf(risk, order(BTC, 0.01, 50_000, START_NS + 2_000n * MS)), 'exactly at the threshold is still fresh').toBe('ACCEPTED');
    const late = START_NS + 2_001n * MS;
    const denied = risk.checkOrder(order(BTC, 0.01, 50_000, late));
    expect(riskReasonName(denied.reason), 'BTC goes stale after 2 s').toBe('STALE_PRICE');
    expect(denied.record?.limit, 'the record carries the threshold in ns').toBe(2e9);
    drain(consumer);
    expect(reasonOf(risk, order(ETH, 0.1, 2_000, late)), 'ETH has its own 5 s threshold').toBe('ACCEPTED');
  });

  it('defers an exit on a stale price and accepts the retry once a fresh price arrives', () => {
    risk.onFill(BTC, START_NS, 0.2, 50_000, 0);
    const late = START_NS + 3_000n * MS;
    const deferred = risk.checkOrder(order(BTC, -0.2, 50_000, late));
    expect(riskReasonName(deferred.reason)).toBe('DEFERRED_STALE_PRICE');
    expect(isDeferred(deferred.reason), 'deferred, not denied: the caller retries').toBe(true);
    expect(deferred.record?.reason, 'the deferral is reported on the outbound ring').toBe(RiskReason.DEFERRED_STALE_PRICE);
    drain(consumer);
    risk.onMark(BTC, late, 49_900);
    expect(reasonOf(risk, { ...order(BTC, -0.2, 49_900, late), orderId: deferred.record!.orderId }), 'the retry with a fresh price').toBe('ACCEPTED');
  });

  it('counts a market record the engine holds (taken, marked next) as fresh, and ages it like a mark', () => {
    risk.onFill(BTC, START_NS, 0.2, 50_000, 0);
    const close = START_NS + 3_600_000n * MS;
    risk.onMark(ETH, close, 2_010);
    drain(consumer);
    expect(reasonOf(risk, order(BTC, -0.2, 50_000, close)), 'another instrument moved the clock an hour past BTC\'s mark: stale').toBe('DEFERRED_STALE_PRICE');
    risk.priceInHand(BTC, close - 2_001n * MS, 50_050);
    expect(reasonOf(risk, order(BTC, -0.2, 50_000, close)), 'a record in hand older than the 2 s threshold is no fresher').toBe('DEFERRED_STALE_PRICE');
    risk.priceInHand(BTC, close, Number.NaN);
    risk.priceInHand(BTC, close, 0);
    expect(reasonOf(risk, order(BTC, -0.2, 50_000, close)), 'a price the mark would refuse counts for nothing').toBe('DEFERRED_STALE_PRICE');
    risk.priceInHand(BTC, close, 50_100);
    expect(risk.instrumentState(BTC), 'the mark itself is untouched until the record is marked').toMatchObject({ mark: 50_000, markTsNs: START_NS, priceInHandNs: close });
    expect(reasonOf(risk, order(BTC, -0.2, 50_000, close)), 'BTC\'s own record of the close is in hand: the exit goes').toBe('ACCEPTED');
    risk.releaseWorking(BTC, -0.2);
    expect(reasonOf(risk, order(BTC, 0.01, 50_000, close + 2_000n * MS)), 'fresh up to the threshold').toBe('ACCEPTED');
    expect(reasonOf(risk, order(BTC, 0.01, 50_000, close + 2_001n * MS)), 'then stale like a mark: no new exposure').toBe('STALE_PRICE');
    expect(reasonOf(risk, order(BTC, -0.1, 50_000, close + 2_001n * MS)), 'and exits deferred').toBe('DEFERRED_STALE_PRICE');
  });

  it('treats an instrument with no trade yet as stale', () => {
    risk.configureInstrument({ instrument: 9, assetClass: 0, lotSize: 1, staleNs: 1_000n * MS });
    expect(reasonOf(risk, order(9, 1, 100))).toBe('STALE_PRICE');
  });
});

describe('risk checks: kill switch', () => {
  it('flattens every open position at a 15% drawdown, then denies new exposure and allows exits', () => {
    risk.onFill(BTC, START_NS, 0.5, 50_000, 0);
    risk.onFill(AAPL, START_NS, -100, 200, 0);
    expect(risk.onMark(BTC, START_NS + 1n, 20_000 + 1e-6), 'a drawdown a hair below 15%').toStrictEqual([]);
    expect(risk.onMark(BTC, START_NS + 2n, 20_000), 'the equity of a time is read once the clock leaves it').toStrictEqual([]);
    const flatten = risk.onMark(AAPL, START_NS + 3n, 200);
    expect(flatten.map((r) => [riskReasonName(r.reason), r.instrument, r.qty]), 'equity 85000: flatten both positions').toStrictEqual([
      ['KILL_SWITCH_FLATTEN', BTC, -0.5],
      ['KILL_SWITCH_FLATTEN', AAPL, 100],
    ]);
    drain(consumer);
    expect(reasonOf(risk, order(ETH, 0.1, 2_000, START_NS + 3n)), 'new exposure while halted').toBe('KILL_SWITCH');
    expect(reasonOf(risk, order(AAPL, 50, 200, START_NS + 3n)), 'buying back a short is an exit').toBe('ACCEPTED');
    risk.resetKillSwitch();
    expect(risk.account().highWaterMark, 'after a reset the high-water mark restarts at equity').toBe(85_000);
    expect(risk.account().halted, 'the reset clears the halt').toBe(false);
    expect(reasonOf(risk, order(ETH, 0.1, 2_000, START_NS + 4n)), 'the 15% loss of the day still exceeds the daily loss limit').toBe('DAILY_LOSS');
    const nextDay = (START_NS / 86_400_000_000_000n + 1n) * 86_400_000_000_000n;
    risk.onMark(ETH, nextDay, 2_000);
    expect(reasonOf(risk, order(ETH, 0.1, 2_000, nextDay)), 'trading resumes on the next day').toBe('ACCEPTED');
  });

  it('reads the equity of a time only after every instrument marked at it (offsetting moves neither raise the high-water mark nor trip)', () => {
    // Long 1 BTC at 50 000 and long 25 ETH at 2 000: 100 000 in positions, no cash.
    risk.onFill(BTC, START_NS, 1, 50_000, 0);
    risk.onFill(ETH, START_NS, 25, 2_000, 0);
    const settled: number[] = [];
    // Each time BTC and ETH close together and their moves offset: the equity the series shows
    // (after both marks) stays 100 000, while the equity between the two marks swings 20%.
    let t = START_NS;
    for (const [btc, eth] of [[60_000, 1_600], [50_000, 2_000], [40_000, 2_400], [50_000, 2_000]]) {
      t += 1n;
      expect(risk.onMark(BTC, t, btc), `BTC at ${btc}, ETH still at its previous close`).toStrictEqual([]);
      expect(risk.onMark(ETH, t, eth), `ETH at ${eth}`).toStrictEqual([]);
      settled.push(risk.account().equity);
    }
    expect(risk.onMark(BTC, t + 1n, 50_000), 'the clock leaves the last time: nothing trips').toStrictEqual([]);
    expect(settled, 'the equity after both marks of each time').toStrictEqual([100_000, 100_000, 100_000, 100_000]);
    expect(risk.account().highWaterMark, 'the high-water mark is the highest equity after whole times, not 120 000 between two marks').toBe(Math.max(100_000, ...settled));
    expect(risk.account().halted, 'a 20% dip between two marks of one time is not a drawdown').toBe(false);
    expect(risk.account().tripCount).toBe(0);
  });

  it('keeps flatten records pending while the outbound ring is full, and emits them after a drain', () => {
    risk.onFill(BTC, START_NS, 0.5, 50_000, 0);
    for (let i = 0; i < 64; i += 1) risk.checkOrder(order(BTC, Number.NaN, 1));
    expect(() => risk.checkOrder(order(BTC, Number.NaN, 1)), 'no room for a denial record').toThrow(CoreStatusError);
    expect(risk.onMark(BTC, START_NS + 1n, 19_000), 'a 15.5% drawdown, read once the clock leaves its time').toStrictEqual([]);
    expect(risk.account().halted).toBe(false);
    expect(risk.onMark(BTC, START_NS + 2n, 19_000), 'the settled 15.5% drawdown trips, but the trip cannot write its flatten record yet').toStrictEqual([]);
    expect([risk.account().halted, risk.flattenPending]).toStrictEqual([true, true]);
    drain(consumer);
    expect(risk.emitFlatten().map((r) => r.qty), 'after draining, the flatten record goes out').toStrictEqual([-0.5]);
    expect(risk.flattenPending).toBe(false);
    drain(consumer);
  });
});

describe('risk records and events', () => {
  it('writes a denial as a REJECT-kind outbound record: reason in a, limit in b, order id in id', () => {
    const view = new DataView(memory.buffer);
    const slot = OUTBOUND_RING_OFFSET + RING_HEADER_BYTES + ((consumer.cursor & 63) << 6);
    risk.checkOrder({ orderId: 4242n, instrument: BTC, tsNs: START_NS + 5n, qty: 0.6, price: 50_000 });
    expect({
      kind: view.getInt32(slot + EV_KIND, true),
      instrument: view.getInt32(slot + EV_INSTRUMENT, true),
      ts: view.getBigInt64(slot + EV_TS_EXCHANGE, true),
      clock: view.getBigInt64(slot + EV_TS_LOCAL, true),
      price: view.getFloat64(slot + EV_PRICE, true),
      size: view.getFloat64(slot + EV_SIZE, true),
      reason: view.getFloat64(slot + EV_A, true),
      limit: view.getFloat64(slot + EV_B, true),
      id: view.getBigUint64(slot + EV_ID, true),
    }).toStrictEqual({
      kind: EventKind.REJECT | EventKind.DIRECTION_OUTBOUND, instrument: BTC, ts: START_NS + 5n, clock: START_NS + 5n,
      price: 50_000, size: 0.6, reason: RiskReason.MAX_POSITION, limit: 25_000, id: 4242n,
    });
    drain(consumer);
  });

  it('marks from TRADE and BAR event records and leaves FILL records to the order table', () => {
    const view = new DataView(memory.buffer);
    const at = SCRATCH_REGION_OFFSET;
    const write = (kind: number, instrument: number, ts: bigint, local: bigint, price: number, size: number, a: number) => {
      view.setInt32(at + EV_KIND, kind | EventKind.DIRECTION_INBOUND, true);
      view.setInt32(at + EV_INSTRUMENT, instrument, true);
      view.setBigInt64(at + EV_TS_EXCHANGE, ts, true);
      view.setBigInt64(at + EV_TS_LOCAL, local, true);
      view.setFloat64(at + EV_PRICE, price, true);
      view.setFloat64(at + EV_SIZE, size, true);
      view.setFloat64(at + EV_A, a, true);
      return risk.onRecord(at);
    };
    expect(write(EventKind.FILL, BTC, START_NS + 1n, 0n, 50_000, -0.1, 2.5), 'FILL: no records').toStrictEqual([]);
    expect([risk.instrumentState(BTC).position, risk.account().cash], 'FILL: neither the position nor cash move (fills reach the account through the order table)').toStrictEqual([0, 100_000]);
    risk.onFill(BTC, START_NS + 1n, -0.1, 50_000, 2.5);
    expect(risk.account().cash, 'a fill: cash += 0.1 * 50000 - fee 2.5').toBe(104_997.5);
    write(EventKind.TRADE, BTC, START_NS + 2n, 0n, 51_000, 0.3, 0);
    expect(risk.instrumentState(BTC).mark, 'TRADE: last trade price').toBe(51_000);
    write(EventKind.BAR, AAPL, START_NS + 3n, START_NS + 9n, 210, 1_000, 212);
    expect([risk.instrumentState(AAPL).mark, risk.instrumentState(AAPL).markTsNs], 'BAR: close at its local time').toStrictEqual([210, START_NS + 9n]);
    expect(risk.account().equity, 'equity = cash + marked positions').toBe(104_997.5 - 0.1 * 51_000);
  });

  it('rejects limits outside their ranges in the core and mirrors the region layout', () => {
    expect(() => risk.configure({ ...DEFAULTS, maxDrawdownPct: 0 }), 'a zero drawdown threshold is refused').toThrow(/status -81/);
    expect(() => risk.configure({ ...DEFAULTS, maxOrders: 5000 }), 'more orders than the window holds').toThrow(/status -81/);
    expect([risk.core.riskRegionOffset(), risk.core.riskRegionBytes(), risk.core.riskSlotBytes(), risk.core.riskInstrumentCapacity()]).toStrictEqual([
      RISK_REGION_OFFSET, RISK_REGION_BYTES, RISK_SLOT_BYTES, RISK_INSTRUMENT_CAPACITY,
    ]);
    expect(RISK_REGION_OFFSET, 'the risk region is a top-level region after the PIPELINE region').toBe(PIPELINE_REGION_OFFSET + PIPELINE_REGION_BYTES);
    expect(risk.core.riskSlotOffset(RISK_INSTRUMENT_CAPACITY - 1) + RISK_SLOT_BYTES, 'the last instrument slot fits in the region').toBeLessThanOrEqual(RISK_REGION_OFFSET + RISK_REGION_BYTES);
  });
});
