// Property tests of the core's pre-trade risk module over random price, order, fill, RATE and
// FUNDING streams (test/risk-stream.ts) on a book of spot and margin instruments with
// multipliers and a second currency (no configured carry). An independent ledger in this file
// recomputes cash per currency, positions, marks, rates, pending quantities, equity (from
// scratch, not incrementally, and without lots: a margin position is worth the sum over its
// fills of (mark - price) * qty * multiplier), the high-water mark, day-start equity and the
// order-rate window, and checks that
//  - no accepted order ever breaches a limit (position, asset class, gross, leverage, daily
//    loss, rate, band, lot, notional, staleness, kill switch);
//  - the kill switch fires at the drawdown threshold, never before it and always when it is
//    crossed, and then emits one flatten record per open position;
//  - while halted every new-exposure order is denied.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SettlementCode } from '../engine/portfolio/index.js';
import { RiskReason, riskReasonName, type ProposedOrder } from '../engine/risk/index.js';
import { createWasmRisk, DAY_NS, drain, EUR, EUR_START_RATE, LIMITS, NO_CARRY_BOOK, PLAIN_BOOK, runStream, setUpBook, START_CASH, START_NS, streamArb } from './risk-stream.js';

const BOOK = NO_CARRY_BOOK;

const RELATIVE_TOLERANCE = 1e-9;

class Ledger {
  /** Cash per currency id: the account currency and EUR. */
  readonly balance = [START_CASH, 0];
  readonly rate = [1, EUR_START_RATE];
  readonly position = BOOK.map(() => 0);
  /** Sum over each instrument's fills of qty * price (margin instruments are valued from it). */
  readonly fillCost = BOOK.map(() => 0);
  readonly mark = BOOK.map((entry) => entry.startPrice);
  readonly markTs = BOOK.map(() => START_NS);
  /** Latest market record taken per instrument (priceInHand): its price counts as fresh from then. */
  readonly inHand = BOOK.map(() => 0n);
  readonly pendingBuy = BOOK.map(() => 0);
  readonly pendingSell = BOOK.map(() => 0);
  readonly accepted: bigint[] = [];
  hwm = START_CASH;
  /** A mark moved the account at the clock's time; leaving that time settles the equity (risk-account.ts). */
  marked = false;
  /** The equity when the clock last left a marked time: the kill switch reads it. */
  settled = START_CASH;
  day = START_NS / DAY_NS;
  dayStart = START_CASH;
  clock = START_NS;

  /** Account currency per contract per unit of price. */
  valueFactor(i: number): number {
    return BOOK[i].terms.multiplier * this.rate[BOOK[i].terms.currency];
  }

  equity(): number {
    const cash = this.balance.reduce((sum, amount, currency) => sum + amount * this.rate[currency], 0);
    return cash + this.position.reduce((sum, qty, i) => {
      const held = BOOK[i].terms.settlement === SettlementCode.SPOT ? qty * this.mark[i] : qty * this.mark[i] - this.fillCost[i];
      return sum + held * this.valueFactor(i);
    }, 0);
  }

  fill(i: number, qty: number, price: number, fee: number): void {
    const { multiplier, currency, settlement } = BOOK[i].terms;
    this.balance[currency] -= settlement === SettlementCode.SPOT ? qty * price * multiplier + fee : fee;
    this.position[i] += qty;
    this.fillCost[i] += qty * price;
  }

  advance(tsNs: bigint): void {
    if (tsNs <= this.clock) return;
    if (this.marked) {
      this.settled = this.equity();
      this.hwm = Math.max(this.hwm, this.settled);
      this.marked = false;
    }
    this.clock = tsNs;
    if (tsNs / DAY_NS !== this.day) {
      this.day = tsNs / DAY_NS;
      this.dayStart = this.equity();
    }
  }

  worstCase(i: number, extraBuy: number, extraSell: number): number {
    return Math.max(Math.abs(this.position[i] + this.pendingBuy[i] + extraBuy), Math.abs(this.position[i] - this.pendingSell[i] - extraSell));
  }

  reducePending(i: number, qty: number): void {
    if (qty > 0) this.pendingBuy[i] = Math.max(0, this.pendingBuy[i] - qty);
    else this.pendingSell[i] = Math.max(0, this.pendingSell[i] + qty);
  }
}

function checkAcceptedOrder(ledger: Ledger, order: ProposedOrder, halted: boolean): void {
  const i = order.instrument;
  const entry = BOOK[i];
  const where = `order ${JSON.stringify(order, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`;
  const projected = order.qty > 0 ? ledger.position[i] + ledger.pendingBuy[i] : ledger.position[i] - ledger.pendingSell[i];
  const after = projected + order.qty;
  const exit = (projected > 0 && order.qty < 0 && after >= 0) || (projected < 0 && order.qty > 0 && after <= 0);
  const freshest = ledger.inHand[i] > ledger.markTs[i] ? ledger.inHand[i] : ledger.markTs[i];
  expect(ledger.clock - freshest <= entry.staleNs, `${where}: accepted on a stale price (mark at ${ledger.markTs[i]}, record in hand at ${ledger.inHand[i]}, now ${ledger.clock})`).toBe(true);
  expect(Math.abs(order.price - ledger.mark[i]) <= LIMITS.priceBandPct * ledger.mark[i] * (1 + RELATIVE_TOLERANCE), `${where}: accepted outside the price band around ${ledger.mark[i]}`).toBe(true);
  const lots = Math.abs(order.qty) / entry.lotSize;
  expect(Math.abs(lots - Math.round(lots)) < 1e-6, `${where}: accepted a quantity that is not a multiple of lot ${entry.lotSize}`).toBe(true);
  const closesPosition = exit && ledger.position[i] + order.qty === 0;
  const value = order.price * ledger.valueFactor(i);
  expect(closesPosition || Math.abs(order.qty) * value >= LIMITS.minNotional, `${where}: accepted below the minimum notional (account currency)`).toBe(true);
  const inWindow = ledger.accepted.filter((t) => t > ledger.clock - LIMITS.windowNs).length;
  expect(inWindow, `${where}: accepted as order ${inWindow + 1} within one rate window`).toBeLessThan(LIMITS.maxOrders);
  if (exit) return;

  const equity = ledger.equity();
  const slack = RELATIVE_TOLERANCE * Math.abs(equity);
  expect(halted, `${where}: new exposure accepted while the kill switch is tripped`).toBe(false);
  expect(ledger.dayStart - equity < LIMITS.dailyLossPct * ledger.dayStart + slack, `${where}: new exposure accepted past the daily loss limit (day start ${ledger.dayStart}, equity ${equity})`).toBe(true);
  expect(Math.abs(after) * value, `${where}: position notional (account currency) above ${LIMITS.maxPositionPct} of equity ${equity}`).toBeLessThanOrEqual(LIMITS.maxPositionPct * equity + slack);
  let gross = 0;
  let classExposure = 0;
  for (let j = 0; j < BOOK.length; j += 1) {
    const exposure = j === i ? ledger.worstCase(j, Math.max(order.qty, 0), Math.max(-order.qty, 0)) * value : ledger.worstCase(j, 0, 0) * ledger.mark[j] * ledger.valueFactor(j);
    gross += exposure;
    if (BOOK[j].assetClass === entry.assetClass) classExposure += exposure;
  }
  expect(classExposure, `${where}: asset-class exposure above ${LIMITS.maxAssetClassPct} of equity ${equity}`).toBeLessThanOrEqual(LIMITS.maxAssetClassPct * equity + slack);
  expect(gross, `${where}: gross exposure above ${LIMITS.maxGrossExposure}`).toBeLessThanOrEqual(LIMITS.maxGrossExposure * (1 + RELATIVE_TOLERANCE));
  expect(gross, `${where}: leverage above ${LIMITS.maxLeverage} x equity ${equity}`).toBeLessThanOrEqual(LIMITS.maxLeverage * equity + slack);
}

describe('risk properties over random streams (WASM core)', () => {
  it('never accepts an order that breaches a limit, and trips the kill switch exactly when drawdown reaches the threshold', () => {
    const { risk, consumer } = createWasmRisk();
    const counts = { accepted: 0, trips: 0, haltedDenials: 0, ambiguous: 0 };
    fc.assert(
      fc.property(streamArb, (commands) => {
        setUpBook(risk, { book: BOOK });
        drain(consumer);
        const ledger = new Ledger();
        let halted = false;
        let trips = 0;
        runStream(risk, commands, (step, event) => {
          if (step.type === 'check') {
            ledger.advance(step.order.tsNs);
            if (step.decision.reason === RiskReason.ACCEPTED) {
              checkAcceptedOrder(ledger, step.order, halted);
              counts.accepted += 1;
              const i = step.order.instrument;
              if (step.order.qty > 0) ledger.pendingBuy[i] += step.order.qty;
              else ledger.pendingSell[i] -= step.order.qty;
              ledger.accepted.push(ledger.clock);
            } else {
              expect(step.decision.record?.reason, 'a denial is written as a risk record with its reason').toBe(step.decision.reason);
              if (halted && step.decision.reason === RiskReason.KILL_SWITCH) counts.haltedDenials += 1;
            }
            return;
          }
          if (event.closed) ledger.reducePending(event.closed.instrument, event.closed.remainingQty);
          if (event.inHand && event.inHand.tsNs > ledger.inHand[event.inHand.instrument]) ledger.inHand[event.inHand.instrument] = event.inHand.tsNs;
          if (step.type === 'other') return;
          if (event.mark) {
            ledger.advance(event.mark.tsNs);
            ledger.mark[event.mark.instrument] = event.mark.price;
            ledger.markTs[event.mark.instrument] = event.mark.tsNs;
            ledger.marked = true;
          }
          if (event.fill) {
            const { instrument: i, tsNs, qty, price, fee } = event.fill;
            ledger.reducePending(i, qty);
            ledger.advance(tsNs);
            ledger.mark[i] = price;
            ledger.markTs[i] = tsNs;
            ledger.fill(i, qty, price, fee);
          }
          if (event.rate) {
            ledger.advance(event.rate.tsNs);
            ledger.rate[EUR] = event.rate.rate;
          }
          if (event.funding) {
            const { instrument: i, tsNs, rate, price } = event.funding;
            ledger.advance(tsNs);
            const { multiplier, currency } = BOOK[i].terms;
            ledger.balance[currency] -= ledger.position[i] * (price === 0 ? ledger.mark[i] : price) * multiplier * rate;
          }
          const account = risk.account();
          const current = ledger.equity();
          expect(Math.abs(account.equity - current), `core equity ${account.equity} differs from the ledger's ${current}`).toBeLessThanOrEqual(1e-6 * Math.abs(current));
          expect(Math.abs(account.highWaterMark - ledger.hwm), `core high-water mark ${account.highWaterMark} differs from the ledger's (the highest settled equity) ${ledger.hwm}`).toBeLessThanOrEqual(1e-6 * ledger.hwm);
          const equity = ledger.settled;
          const drawdown = ledger.hwm - equity;
          const threshold = LIMITS.maxDrawdownPct * ledger.hwm;
          const tripped = account.tripCount > trips;
          if (Math.abs(drawdown - threshold) <= 1e-9 * ledger.hwm) {
            counts.ambiguous += 1;
          } else if (!halted) {
            expect(tripped, `drawdown ${drawdown} vs threshold ${threshold} (hwm ${ledger.hwm}, equity ${equity}): kill switch must trip exactly when drawdown >= threshold`).toBe(drawdown >= threshold);
          }
          if (halted) expect(tripped, 'an already tripped kill switch does not trip again').toBe(false);
          if (tripped) {
            counts.trips += 1;
            trips = account.tripCount;
            halted = true;
            const open = ledger.position.map((qty, i) => ({ i, qty })).filter(({ qty }) => qty !== 0);
            expect(step.records.map((r) => [riskReasonName(r.reason), r.instrument, r.qty]), 'a trip flattens every open position').toStrictEqual(
              open.map(({ i, qty }) => ['KILL_SWITCH_FLATTEN', i, -qty]),
            );
          } else {
            expect(step.records, 'no flatten records without a trip').toStrictEqual([]);
          }
          expect(account.halted, 'the core reports halted from the trip on').toBe(halted);
        }, () => drain(consumer));
      }),
      { numRuns: 100, seed: 511 },
    );
    expect(counts.accepted, `streams must accept orders to be meaningful: ${JSON.stringify(counts)}`).toBeGreaterThan(500);
    expect(counts.trips, `streams must trip the kill switch: ${JSON.stringify(counts)}`).toBeGreaterThan(3);
    expect(counts.haltedDenials, `streams must try new exposure while halted: ${JSON.stringify(counts)}`).toBeGreaterThan(0);
  });

  it('trips at a drawdown of exactly the threshold and not one tick before it', () => {
    const { risk, consumer } = createWasmRisk();
    setUpBook(risk, { book: PLAIN_BOOK, limits: { ...LIMITS, maxDrawdownPct: 0.15, maxPositionPct: 1, maxAssetClassPct: 1 } });
    risk.onFill(2, START_NS, 400, 200, 0);
    drain(consumer);
    // equity = 100000 + 400 * (price - 200): a 15000 loss is price 162.5 (exact in binary). The
    // kill switch reads the equity of a time once the clock leaves it (the next mark).
    expect(risk.onMark(2, START_NS + 1n, 162.5 + 2 ** -40), 'a drawdown just below 15% must not trip').toStrictEqual([]);
    expect(risk.onMark(2, START_NS + 2n, 162.5), 'the drawdown just below 15% settled: still no trip').toStrictEqual([]);
    expect(risk.account().halted, 'not halted below the threshold').toBe(false);
    const records = risk.onMark(2, START_NS + 3n, 162.5);
    expect(risk.account().halted, 'a settled drawdown of exactly 15% trips the kill switch').toBe(true);
    expect(records.map((r) => [riskReasonName(r.reason), r.instrument, r.qty, r.limit]), 'one flatten record for the open position, with the trip equity').toStrictEqual([['KILL_SWITCH_FLATTEN', 2, -400, 85_000]]);
    drain(consumer);
  });
});
