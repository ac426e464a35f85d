// Properties of the core's portfolio ledger (wasm/assembly/portfolio) over random streams of
// orders, fills, marks, RATE and FUNDING records and day boundaries (test/risk-stream.ts), on
// spot and margin instruments with multipliers and two currencies, under every linking policy:
//  - the round trips' gross P&L adds up to each instrument's realised P&L;
//  - equity = sum over currencies of balance * rate + sum of the slots' values, and each slot's
//    value is its position at its mark (spot) or its unrealised P&L (margin), times valueFactor;
//  - the open lots' remaining quantities add up to the position;
//  - costBasis = sum over the open lots of qty * price (avgPrice = costBasis / position).
// And the lot pool is sized so that it never runs dry: every instrument can hold the most lots
// allowed at once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PORTFOLIO_REGION_BYTES, PORTFOLIO_REGION_OFFSET } from '../engine/layout/memory-map.js';
import { LOTS_PER_INSTRUMENT_MAX, SettlementCode } from '../engine/portfolio/index.js';
import { L_NEXT, LOT_BYTES, LOTS_OFFSET, PF_INSTRUMENT_BYTES, PF_INSTRUMENTS_OFFSET, PH_LOT_FREE, PH_LOTS_UNTOUCHED, PI_LOT_TAIL, PORTFOLIO_HEADER, PORTFOLIO_LOT_CAPACITY } from '../engine/portfolio/portfolio-layout.js';
import { RISK_INSTRUMENT_CAPACITY } from '../engine/risk/index.js';
import { BOOK, createWasmRisk, drain, MS, NEGATIVE_CASH_RATE, runStream, scenarioArb, setUpBook, START_NS, type RiskPortfolio } from './risk-stream.js';

const RELATIVE_TOLERANCE = 1e-9;

/** |a - b| within RELATIVE_TOLERANCE of `scale` (the magnitude the sums were built from). */
function near(a: number, b: number, scale: number): boolean {
  return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(scale, 1);
}

/** Expects `holds`; the message (which names the whole stream) is built only when it does not. */
function expectHolds(holds: boolean, message: () => string): void {
  if (!holds) expect(holds, message()).toBe(true);
}

function checkLedger(risk: RiskPortfolio, grossByInstrument: number[], grossScale: number[], where: () => string): void {
  const { equity, cash, marketValue } = risk.account();
  const balances = risk.currencies();
  const cashFromBalances = balances.reduce((sum, c) => sum + c.balance * c.rate, 0);
  const cashScale = balances.reduce((sum, c) => sum + Math.abs(c.balance * c.rate), 0);
  let values = 0;
  let valueScale = 0;
  for (const entry of BOOK) {
    const i = entry.instrument;
    const slot = risk.instrumentState(i);
    const ledger = risk.instrumentLedger(i);
    const lots = risk.openLots(i);
    const held = slot.settlement === SettlementCode.SPOT ? slot.position * slot.mark : slot.position * slot.mark - slot.costBasis;
    expectHolds(Object.is(slot.value, held * slot.valueFactor), () => `${where()}: instrument ${i}'s value ${slot.value} is ${slot.settlement === SettlementCode.SPOT ? 'position * mark' : '(position * mark - costBasis)'} * valueFactor = ${held * slot.valueFactor}`);
    values += slot.value;
    valueScale += Math.abs(slot.position * slot.mark * slot.valueFactor) + Math.abs(slot.costBasis * slot.valueFactor);
    expectHolds(near(ledger.realised, grossByInstrument[i], grossScale[i]), () => `${where()}: instrument ${i}: round trips' gross ${grossByInstrument[i]} must add up to realised ${ledger.realised}`);
    const lotQty = lots.reduce((sum, lot) => sum + lot.qty, 0);
    const lotScale = lots.reduce((sum, lot) => sum + Math.abs(lot.qty), 0);
    expectHolds(near(lotQty, slot.position, Math.max(lotScale, Math.abs(slot.position))), () => `${where()}: instrument ${i}: lots ${JSON.stringify(lots.map((l) => l.qty))} add up to ${lotQty}, position is ${slot.position}`);
    const lotCost = lots.reduce((sum, lot) => sum + lot.qty * lot.price, 0);
    const costScale = lots.reduce((sum, lot) => sum + Math.abs(lot.qty * lot.price), 0);
    expectHolds(near(slot.costBasis, lotCost, costScale), () => `${where()}: instrument ${i}: costBasis ${slot.costBasis} must be the lots' sum of qty * price ${lotCost}`);
    const averagePrice = slot.position !== 0 ? slot.costBasis / slot.position : 0;
    expectHolds(Object.is(slot.averagePrice, averagePrice), () => `${where()}: instrument ${i}: avgPrice ${slot.averagePrice} = costBasis / position = ${averagePrice}`);
    expectHolds(ledger.openLots === lots.length, () => `${where()}: instrument ${i}: the lot count ${ledger.openLots} matches its list of ${lots.length}`);
  }
  expectHolds(near(cash, cashFromBalances, cashScale), () => `${where()}: cash ${cash} must be sum(balance * rate) ${cashFromBalances}`);
  expectHolds(near(marketValue, values, valueScale), () => `${where()}: market value ${marketValue} must be the sum of the slots' values ${values}`);
  expectHolds(near(equity, cashFromBalances + values, cashScale + valueScale), () => `${where()}: equity ${equity} must be sum(balance * rate) + sum(values) = ${cashFromBalances + values}`);
}

describe('portfolio ledger properties over random streams (WASM core)', () => {
  it('keeps round trips, realised P&L, cash per currency, slot values, lots and cost basis consistent', () => {
    const { risk, consumer } = createWasmRisk();
    const seen = { roundTrips: 0, steps: 0, openLots: 0 };
    fc.assert(
      fc.property(scenarioArb, ({ linking, commands }) => {
        setUpBook(risk, { linking, negativeCashRate: NEGATIVE_CASH_RATE });
        drain(consumer);
        const gross = BOOK.map(() => 0);
        const grossScale = BOOK.map(() => 0);
        let step = 0;
        const where = () => `step ${step} (linking ${linking}) of ${JSON.stringify(commands)}`;
        runStream(risk, commands, (result) => {
          if (result.type !== 'fill') return;
          for (const trip of result.roundTrips) {
            gross[trip.instrument] += trip.grossPnl;
            grossScale[trip.instrument] += Math.abs(trip.grossPnl);
          }
          seen.roundTrips += result.roundTrips.length;
        }, () => {
          step += 1;
          seen.steps += 1;
          checkLedger(risk, gross, grossScale, where);
          seen.openLots += BOOK.reduce((sum, entry) => sum + risk.instrumentLedger(entry.instrument).openLots, 0);
          drain(consumer);
        });
      }),
      { numRuns: 150, seed: 20261123 },
    );
    expect(seen.roundTrips, `streams must close round trips: ${JSON.stringify(seen)}`).toBeGreaterThan(300);
    expect(seen.openLots / seen.steps, `streams must hold open lots most of the time: ${JSON.stringify(seen)}`).toBeGreaterThan(1);
  });

  it('never runs the lot pool dry: every instrument can hold the most lots allowed at once', () => {
    expect(LOTS_PER_INSTRUMENT_MAX * RISK_INSTRUMENT_CAPACITY, 'the pool holds the most lots of every instrument').toBeLessThanOrEqual(PORTFOLIO_LOT_CAPACITY);
    expect(LOTS_OFFSET + PORTFOLIO_LOT_CAPACITY * LOT_BYTES, 'and fits in the PORTFOLIO region').toBeLessThanOrEqual(PORTFOLIO_REGION_OFFSET + PORTFOLIO_REGION_BYTES);
    const { risk, consumer } = createWasmRisk();
    risk.configure({ maxPositionPct: 1, maxAssetClassPct: 1, maxGrossExposure: 1e15, maxLeverage: 100, dailyLossPct: 1, maxDrawdownPct: 1, priceBandPct: 1, minNotional: 0, maxOrders: 1024, windowNs: 1n });
    for (let instrument = 0; instrument < RISK_INSTRUMENT_CAPACITY; instrument += 1) risk.configureInstrument({ instrument, assetClass: 0, lotSize: 1, staleNs: 5_000n * MS });
    risk.init(1e12, START_NS);
    let orderId = 1n;
    const entry = (instrument: number, price: number) => risk.applyFill({ instrument, tsNs: START_NS, qty: 1, price, fee: 0, orderId: orderId++, rule: 0, parentId: 0n, referencePrice: 0 });
    for (let instrument = 0; instrument < RISK_INSTRUMENT_CAPACITY; instrument += 1) {
      for (let k = 0; k < LOTS_PER_INSTRUMENT_MAX; k += 1) entry(instrument, 100 + k);
      drain(consumer);
    }
    expect(risk.portfolioTotals().lotsInUse, `${RISK_INSTRUMENT_CAPACITY} instruments x ${LOTS_PER_INSTRUMENT_MAX} lots, each its own order`).toBe(RISK_INSTRUMENT_CAPACITY * LOTS_PER_INSTRUMENT_MAX);
    expect(risk.portfolioTotals().lotMerges, 'no entry had to join another order\'s lot').toBe(0);
    for (let instrument = 0; instrument < RISK_INSTRUMENT_CAPACITY; instrument += 1) {
      const lots = risk.openLots(instrument);
      const prices = lots.map((lot) => lot.price);
      expect(prices, `instrument ${instrument} holds its own ${LOTS_PER_INSTRUMENT_MAX} lots at 100, 101, ...`).toStrictEqual(Array.from({ length: LOTS_PER_INSTRUMENT_MAX }, (_, k) => 100 + k));
    }
    entry(0, 200);
    expect(risk.portfolioTotals().lotMerges, 'one more entry joins the newest lot').toBe(1);
    expect(risk.openLots(0).at(-1), 'the newest lot: 2 at the mean of 163 and 200').toMatchObject({ qty: 2, price: (100 + LOTS_PER_INSTRUMENT_MAX - 1 + 200) / 2 });
    drain(consumer);
  });
  // The reset writes no lot (the pool is 3.75 MiB: every run and every checkpoint would carry it):
  // lots are handed out from the closed ones first (newest closed first), then untouched ones in
  // order, as from a free list 0 -> 1 -> ... with closed lots pushed on its head. An image from
  // before the untouched count (its never-used lots linked in the free list, the count 0) hands
  // out the same lots.
  it('hands out lots without the reset writing any, in the order of a free list; an image with the never-used lots in its free list gives the same', () => {
    const tails = (oldStyleImage: boolean): number[] => {
      const { risk, consumer, memory } = createWasmRisk();
      setUpBook(risk);
      risk.init(1e7, START_NS);
      const view = new DataView(memory.buffer);
      const pool = new Uint8Array(memory.buffer, LOTS_OFFSET, PORTFOLIO_LOT_CAPACITY * LOT_BYTES);
      expect(pool.every((byte) => byte === 0), 'the reset wrote no lot').toBe(true);
      expect(view.getInt32(PORTFOLIO_HEADER + PH_LOT_FREE, true), 'no closed lot yet').toBe(-1);
      expect(view.getInt32(PORTFOLIO_HEADER + PH_LOTS_UNTOUCHED, true)).toBe(PORTFOLIO_LOT_CAPACITY);
      if (oldStyleImage) {
        for (let lot = 0; lot < PORTFOLIO_LOT_CAPACITY; lot++) view.setInt32(LOTS_OFFSET + lot * LOT_BYTES + L_NEXT, lot + 1 < PORTFOLIO_LOT_CAPACITY ? lot + 1 : -1, true);
        view.setInt32(PORTFOLIO_HEADER + PH_LOT_FREE, 0, true);
        view.setInt32(PORTFOLIO_HEADER + PH_LOTS_UNTOUCHED, 0, true);
      }
      const instrument = BOOK[0].instrument;
      const tail = PF_INSTRUMENTS_OFFSET + instrument * PF_INSTRUMENT_BYTES + PI_LOT_TAIL;
      let orderId = 1n;
      const seen: number[] = [];
      const fill = (qty: number) => {
        risk.applyFill({ instrument, tsNs: START_NS, qty, price: 100, fee: 0, orderId: orderId++, rule: 0, parentId: 0n, referencePrice: 0 });
        drain(consumer);
        seen.push(view.getInt32(tail, true));
      };
      fill(1); fill(1); fill(1); // lots 0, 1, 2
      fill(-1); fill(-1); // FIFO: closes 0, then 1 (the free list: 1 -> 0)
      fill(1); fill(1); fill(1); // 1, 0, then the untouched 3
      return seen;
    };
    const fresh = tails(false);
    expect(fresh, 'the newest lot after each fill').toStrictEqual([0, 1, 2, 2, 2, 1, 0, 3]);
    expect(tails(true), 'an image whose never-used lots sit in its free list').toStrictEqual(fresh);
  });
});
