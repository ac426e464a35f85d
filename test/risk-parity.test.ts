// Parity of the risk module and the portfolio ledger behind it: the plain TS reference
// (engine/risk/reference-risk-engine.ts) and the compiled core (wasm/assembly/risk,
// wasm/assembly/portfolio) driven in lockstep over random command streams (prices, crashes,
// orders with parent entries, fills with their order's attribution, cancels, market records the
// engine holds (priceInHand: fresh for the staleness check until marked), time steps across
// funding times and day boundaries, RATE and FUNDING records) on a book of spot and margin
// instruments with multipliers, a second currency, funding and borrow, under each linking
// policy (FIFO, LIFO, PARENT). Both must make the same decision with the same risk record for
// every order, close the same round trips, emit the same flatten records, and hold
// bit-identical state after every command: account, risk slots, P&L breakdown, open lots,
// currency balances and the portfolio's counters.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinkingPolicy, SettlementCode, type FundingEvent, type InstrumentTerms, type PortfolioFill, type PortfolioTerms, type RateEvent } from '../engine/portfolio/index.js';
import { ReferenceRiskEngine, RiskReason, riskReasonName, type ProposedOrder, type RiskDecision, type RiskRecord } from '../engine/risk/index.js';
import { BOOK, createWasmRisk, drain, NEGATIVE_CASH_RATE, runStream, scenarioArb, setUpBook, streamArb, type RiskPortfolio } from './risk-stream.js';

/** Forwards every call to both engines and fails on the first difference. */
class LockstepRisk implements RiskPortfolio {
  constructor(readonly reference: ReferenceRiskEngine, readonly wasm: RiskPortfolio, private readonly label: () => string) {}

  /** Expects `core` to equal `ref` exactly; the label (the whole stream) is only built for a difference. */
  private same<T>(what: string, ref: T, core: T): T {
    if (!isDeepStrictEqual(core, ref)) expect(core, `${what}: core differs from the TS reference at ${this.label()}`).toStrictEqual(ref);
    return ref;
  }

  configure(...args: Parameters<RiskPortfolio['configure']>): void {
    this.reference.configure(...args);
    this.wasm.configure(...args);
  }
  configureInstrument(...args: Parameters<RiskPortfolio['configureInstrument']>): void {
    this.reference.configureInstrument(...args);
    this.wasm.configureInstrument(...args);
  }
  configurePortfolio(terms: PortfolioTerms): void {
    this.reference.configurePortfolio(terms);
    this.wasm.configurePortfolio(terms);
  }
  configureCurrency(currency: number, rate: number): void {
    this.reference.configureCurrency(currency, rate);
    this.wasm.configureCurrency(currency, rate);
  }
  configureContract(terms: InstrumentTerms): void {
    this.reference.configureContract(terms);
    this.wasm.configureContract(terms);
  }
  init(cash: number, tsNs: bigint): void {
    this.reference.init(cash, tsNs);
    this.wasm.init(cash, tsNs);
  }
  onMark(instrument: number, tsNs: bigint, price: number): RiskRecord[] {
    return this.same('flatten records after a mark', this.reference.onMark(instrument, tsNs, price), this.wasm.onMark(instrument, tsNs, price));
  }
  priceInHand(instrument: number, tsNs: bigint, price: number): void {
    this.reference.priceInHand(instrument, tsNs, price);
    this.wasm.priceInHand(instrument, tsNs, price);
  }
  onFill(instrument: number, tsNs: bigint, qty: number, price: number, fee: number): RiskRecord[] {
    return this.same('flatten records after a fill', this.reference.onFill(instrument, tsNs, qty, price, fee), this.wasm.onFill(instrument, tsNs, qty, price, fee));
  }
  applyFill(fill: PortfolioFill) {
    return this.same(`round trips and flatten records of the fill of order ${fill.orderId}`, this.reference.applyFill(fill), this.wasm.applyFill(fill));
  }
  onFunding(funding: FundingEvent): RiskRecord[] {
    return this.same('flatten records after a FUNDING record', this.reference.onFunding(funding), this.wasm.onFunding(funding));
  }
  onRate(rate: RateEvent): RiskRecord[] {
    return this.same('flatten records after a RATE record', this.reference.onRate(rate), this.wasm.onRate(rate));
  }
  releaseWorking(instrument: number, qty: number): void {
    this.reference.releaseWorking(instrument, qty);
    this.wasm.releaseWorking(instrument, qty);
  }
  checkOrder(order: ProposedOrder): RiskDecision {
    return this.same(`decision on order ${order.orderId}`, this.reference.checkOrder(order), this.wasm.checkOrder(order));
  }
  impliedOrder(instrument: number, target: number, price: number) {
    return this.same(`implied order of instrument ${instrument} for target ${target} at ${price}`, this.reference.impliedOrder(instrument, target, price), this.wasm.impliedOrder(instrument, target, price));
  }
  emitFlatten(): RiskRecord[] {
    return this.same('flatten records', this.reference.emitFlatten(), this.wasm.emitFlatten());
  }
  restoreHalted(halted: boolean): void {
    this.reference.restoreHalted(halted);
    this.wasm.restoreHalted(halted);
  }
  resetKillSwitch(): void {
    this.reference.resetKillSwitch();
    this.wasm.resetKillSwitch();
  }
  account() {
    return this.same('account state', this.reference.account(), this.wasm.account());
  }
  instrumentState(instrument: number) {
    return this.same(`risk slot of instrument ${instrument}`, this.reference.instrumentState(instrument), this.wasm.instrumentState(instrument));
  }
  instrumentLedger(instrument: number) {
    return this.same(`P&L breakdown of instrument ${instrument}`, this.reference.instrumentLedger(instrument), this.wasm.instrumentLedger(instrument));
  }
  currencies() {
    return this.same('currency balances', this.reference.currencies(), this.wasm.currencies());
  }
  openLots(instrument: number) {
    return this.same(`open lots of instrument ${instrument}`, this.reference.openLots(instrument), this.wasm.openLots(instrument));
  }
  portfolioTotals() {
    return this.same('portfolio counters', this.reference.portfolioTotals(), this.wasm.portfolioTotals());
  }

  /** Compares every state field of both engines. */
  sameState(): void {
    this.account();
    this.currencies();
    this.portfolioTotals();
    for (const entry of BOOK) {
      this.instrumentState(entry.instrument);
      this.instrumentLedger(entry.instrument);
      this.openLots(entry.instrument);
    }
  }
}

const LINKING_NAMES = ['FIFO', 'LIFO', 'PARENT'];
/** Limits no hand-made fill sequence meets. */
const LOOSE_LIMITS = { maxPositionPct: 1, maxAssetClassPct: 1, maxGrossExposure: 1e9, maxLeverage: 10, dailyLossPct: 1, maxDrawdownPct: 1, priceBandPct: 0.5, minNotional: 0, maxOrders: 1024, windowNs: 1n };

describe('risk and portfolio parity: TS reference equals the WASM core', () => {
  it('makes the same decisions, round trips and state on random order, price, fill and carry streams under every linking policy', () => {
    const { risk: wasm, consumer } = createWasmRisk();
    const reasons = new Map<string, number>();
    const shaped = new Map<string, number>();
    const roundTrips = new Map<string, number>();
    const seen = { freshInHand: 0, trips: 0, parentLinked: 0, crossingFills: 0, rates: 0, fundingRecords: 0, funding: 0, borrow: 0, interest: 0, marginRealised: 0 };
    fc.assert(
      fc.property(scenarioArb, ({ linking, commands }) => {
        let step = 0;
        const lockstep = new LockstepRisk(new ReferenceRiskEngine(), wasm, () => `command ${step} (${LINKING_NAMES[linking]}) of ${JSON.stringify(commands)}`);
        setUpBook(lockstep, { linking, negativeCashRate: NEGATIVE_CASH_RATE });
        lockstep.sameState();
        drain(consumer);
        const parents = new Map<bigint, bigint>();
        runStream(
          lockstep,
          commands,
          (result, event) => {
            if (result.type === 'check') {
              const name = riskReasonName(result.decision.reason);
              reasons.set(name, (reasons.get(name) ?? 0) + 1);
              const { markTsNs, priceInHandNs } = lockstep.reference.instrumentState(result.order.instrument);
              const late = lockstep.reference.account().clockNs - markTsNs > BOOK[result.order.instrument].staleNs;
              // A mark older than the threshold, yet the record in hand fresh: only priceInHand let the checks past staleness.
              if (late && priceInHandNs > markTsNs && !name.includes('STALE_PRICE')) seen.freshInHand += 1;
            }
            if (result.type === 'fill') {
              if (event.fill && event.fill.parentId !== 0n) parents.set(event.fill.orderId, event.fill.parentId);
              const name = LINKING_NAMES[linking];
              roundTrips.set(name, (roundTrips.get(name) ?? 0) + result.roundTrips.length);
              seen.parentLinked += result.roundTrips.filter((trip) => parents.get(trip.exitOrderId) === trip.entryOrderId).length;
              if (event.fill && result.roundTrips.length > 0 && lockstep.reference.instrumentState(event.fill.instrument).position * event.fill.qty > 0) seen.crossingFills += 1;
            }
            if (event.rate) seen.rates += 1;
            if (event.funding) seen.fundingRecords += 1;
            if (result.type !== 'check' && result.type !== 'other' && result.records.length > 0) seen.trips += 1;
          },
          () => {
            step += 1;
            lockstep.sameState();
            const { equity } = lockstep.account();
            for (const entry of BOOK) {
              const { position, mark, hasMark, valueFactor } = lockstep.instrumentState(entry.instrument);
              if (!hasMark) continue;
              const unit = mark * valueFactor;
              // Targets around the limits and the position: the order stage's implied order must agree too.
              for (const target of [position, position + 0.3 * entry.lotSize, -position, (equity / unit) * 0.2, (equity / unit) * 0.6, (-equity / unit) * 2, (equity / unit) * 3]) {
                const { limit } = lockstep.impliedOrder(entry.instrument, target, mark);
                const name = riskReasonName(limit);
                shaped.set(name, (shaped.get(name) ?? 0) + 1);
              }
            }
            drain(consumer);
          },
        );
        if (lockstep.account().halted) {
          lockstep.emitFlatten();
          lockstep.resetKillSwitch();
          lockstep.sameState();
        }
        for (const entry of BOOK) {
          const ledger = lockstep.reference.instrumentLedger(entry.instrument);
          if (ledger.funding !== 0) seen.funding += 1;
          if (ledger.borrow > 0) seen.borrow += 1;
          if (entry.terms.settlement === SettlementCode.MARGIN && ledger.realised !== 0) seen.marginRealised += 1;
        }
        if (lockstep.reference.portfolioTotals().interestPaid > 0) seen.interest += 1;
        drain(consumer);
      }),
      { numRuns: 160, seed: 20261121 },
    );
    expect(reasons.get('ACCEPTED') ?? 0, `streams must accept orders to be meaningful, reasons seen: ${JSON.stringify([...reasons])}`).toBeGreaterThan(100);
    for (const name of ['KILL_SWITCH', 'STALE_PRICE', 'PRICE_BAND', 'MAX_POSITION', 'ASSET_CLASS', 'ORDER_RATE', 'MIN_NOTIONAL'] as const) {
      expect(reasons.get(name) ?? 0, `streams must exercise ${name} (${RiskReason[name]}), reasons seen: ${JSON.stringify([...reasons])}`).toBeGreaterThan(0);
    }
    for (const name of ['ACCEPTED', 'MAX_POSITION', 'ASSET_CLASS', 'MIN_NOTIONAL'] as const) {
      expect(shaped.get(name) ?? 0, `implied orders must meet ${name}, limits seen: ${JSON.stringify([...shaped])}`).toBeGreaterThan(0);
    }
    for (const name of LINKING_NAMES) expect(roundTrips.get(name) ?? 0, `streams must close round trips under ${name}: ${JSON.stringify([...roundTrips])}`).toBeGreaterThan(50);
    const coverage = JSON.stringify(seen);
    expect(seen.freshInHand, `a market record in hand must keep a late mark's instrument fresh: ${coverage}`).toBeGreaterThan(5);
    expect(seen.trips, `streams must trip the kill switch with open positions: ${coverage}`).toBeGreaterThan(0);
    expect(seen.parentLinked, `exits must close their parent entry's lots under PARENT: ${coverage}`).toBeGreaterThan(10);
    expect(seen.crossingFills, `fills must cross zero (close and open in one fill): ${coverage}`).toBeGreaterThan(5);
    expect(seen.rates, `streams must move the EUR rate: ${coverage}`).toBeGreaterThan(50);
    expect(seen.fundingRecords, `streams must carry FUNDING records: ${coverage}`).toBeGreaterThan(50);
    expect(seen.funding, `margin positions must pay or receive funding: ${coverage}`).toBeGreaterThan(10);
    expect(seen.borrow, `spot shorts must pay borrow over day boundaries: ${coverage}`).toBeGreaterThan(5);
    expect(seen.interest, `negative cash must pay interest over day boundaries: ${coverage}`).toBeGreaterThan(5);
    expect(seen.marginRealised, `margin instruments must realise P&L: ${coverage}`).toBeGreaterThan(10);
  });

  it('agrees on a crafted LINK_PARENT sequence whose exits fill out of the order their entries were sent in', () => {
    const { risk: wasm } = createWasmRisk();
    const lockstep = new LockstepRisk(new ReferenceRiskEngine(), wasm, () => 'the crafted sequence');
    setUpBook(lockstep, { linking: LinkingPolicy.PARENT, limits: LOOSE_LIMITS });
    const t = lockstep.account().clockNs;
    const fill = (orderId: bigint, qty: number, price: number, parentId = 0n) =>
      lockstep.applyFill({ instrument: 0, tsNs: t, qty, price, fee: 0.5, orderId, rule: parentId === 0n ? 0 : 3, parentId, referencePrice: 100 });
    fill(1n, 2, 100);
    fill(2n, 3, 101);
    fill(3n, 1, 102);
    const exit = fill(4n, -3, 103, 2n);
    expect(exit.roundTrips.map((trip) => [trip.entryOrderId, trip.qty]), 'the exit of entry 2 closes entry 2 first').toStrictEqual([[2n, 3]]);
    const next = fill(5n, -2.5, 104, 3n);
    expect(next.roundTrips.map((trip) => [trip.entryOrderId, trip.qty]), 'then its own parent (3), then the oldest lot (1)').toStrictEqual([[3n, 1], [1n, 1.5]]);
    lockstep.sameState();
  });
});

describe('implied orders', () => {
  it('an implied order cut to fit the exposure limits passes them when checked', () => {
    const { risk, consumer } = createWasmRisk();
    const exposure = new Set<number>([RiskReason.MAX_POSITION, RiskReason.ASSET_CLASS, RiskReason.GROSS_EXPOSURE, RiskReason.LEVERAGE]);
    let fitted = 0;
    fc.assert(
      fc.property(streamArb, fc.integer({ min: 1, max: 40 }), (commands, multiple) => {
        setUpBook(risk);
        drain(consumer);
        runStream(risk, commands, () => {}, () => {
          const { equity } = risk.account();
          for (const entry of BOOK) {
            const { mark, hasMark, valueFactor } = risk.instrumentState(entry.instrument);
            if (!hasMark) continue;
            const target = ((entry.instrument % 2 === 0 ? 1 : -1) * multiple * 0.1 * equity) / (mark * valueFactor);
            const { qty, limit } = risk.impliedOrder(entry.instrument, target, mark);
            if (qty === 0 || !exposure.has(limit)) continue;
            fitted++;
            const { reason } = risk.checkOrder({ orderId: 1n, instrument: entry.instrument, tsNs: risk.account().clockNs, qty, price: mark });
            expect(exposure.has(reason), `order ${qty} of instrument ${entry.instrument}, cut by ${riskReasonName(limit)}, denied for ${riskReasonName(reason)}`).toBe(false);
          }
          drain(consumer);
        });
        drain(consumer);
      }),
      { numRuns: 60, seed: 20261122 },
    );
    expect(fitted, 'streams must cut orders to fit').toBeGreaterThan(100);
  });
});
