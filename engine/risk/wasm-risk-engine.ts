// TS glue over the core's pre-trade risk module (wasm/assembly/risk) and the portfolio ledger
// behind it (wasm/assembly/portfolio): scalars in, risk records and round trips out. Records
// are written by the core to the outbound ring at `outRing`; the glue reads the ones each call
// published (without consuming them: the ring's consumer, the I/O thread or a test, releases
// them) and reads state through one DataView of the regions. FUNDING and RATE records are
// written to `recordAt` (64 bytes of scratch) and passed to the core by address.
import { checkCoreStatus } from '../core/core-status.js';
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EVENT_BYTES, EventKind, KIND_MASK } from '../layout/event-record.js';
import { MEMORY_BYTES, RING_HEADER_BYTES, RING_MASK, RING_PUBLISHED, SLOT_SHIFT } from '../layout/memory-map.js';
import {
  readRoundTrips, WasmPortfolio, writeFundingRecord, writeRateRecord,
  type CurrencyBalance, type FillOutcome, type FundingEvent, type InstrumentLedger, type InstrumentTerms, type OpenLot, type Portfolio,
  type PortfolioCoreExports, type PortfolioFill, type PortfolioTerms, type PortfolioTotals, type RateEvent,
} from '../portfolio/index.js';
import type { ImpliedOrder, PreTradeRisk, ProposedOrder, RiskAccountState, RiskDecision, RiskInstrumentState, RiskRecord } from './risk-engine.js';
import type { InstrumentRiskConfig, RiskLimits } from './risk-limits.js';
import { RiskReason } from './risk-reason.js';
import { readRiskAccountState, readRiskInstrumentState } from './read-risk-state.js';
import * as R from './risk-region.js';
import { DEFAULT_FEED_HEALTH, writeFeedHealthPolicy } from './feed-health.js';

/** The risk (and portfolio) exports of wasm/assembly/index.ts. */
export interface RiskCoreExports extends PortfolioCoreExports {
  riskConfigure(
    maxPositionPct: number, maxAssetClassPct: number, maxGrossExposure: number, maxLeverage: number, dailyLossPct: number,
    maxDrawdownPct: number, priceBandPct: number, minNotional: number, maxOrders: number, windowNs: bigint,
  ): number;
  riskConfigureInstrument(instrument: number, assetClass: number, lotSize: number, staleNs: bigint): number;
  riskPriceInHand(instrument: number, tsNs: bigint, price: number): number;
  riskImpliedOrder(instrument: number, target: number, price: number): number;
  riskImpliedOrderLimit(): number;
  riskInit(cash: number, tsNs: bigint): number;
  riskOnMark(instrument: number, tsNs: bigint, price: number, outRing: number): number;
  riskOnFill(instrument: number, tsNs: bigint, qty: number, price: number, fee: number, outRing: number): number;
  riskReleaseWorking(instrument: number, qty: number): number;
  riskOnRecord(record: number, outRing: number): number;
  riskCheckOrder(instrument: number, tsNs: bigint, qty: number, price: number, orderId: bigint, outRing: number): number;
  riskEmitFlatten(outRing: number): number;
  riskRestoreHalted(halted: number): number;
  riskResetKillSwitch(): number;
  riskHalted(): number;
  riskTripCount(): number;
  riskEquity(): number;
  riskRegionOffset(): number;
  riskRegionBytes(): number;
  riskSlotOffset(instrument: number): number;
  riskSlotBytes(): number;
  riskInstrumentCapacity(): number;
}

const ERR_RISK_FLATTEN_PENDING = -83;
/** Default home of the FUNDING and RATE records the glue passes by address: the last 64 bytes of memory (scratch; batch columns start at its other end). */
export const CARRY_RECORD_AT = MEMORY_BYTES - EVENT_BYTES;

export class WasmRiskEngine implements PreTradeRisk, Portfolio {
  private readonly view: DataView;
  private readonly words: Int32Array;
  /** Configuration and reads of the portfolio ledger. */
  readonly portfolio: WasmPortfolio;

  constructor(
    readonly core: RiskCoreExports,
    memory: WebAssembly.Memory,
    /** Byte offset of the (initialised) ring the core writes risk records and round trips to. */
    readonly outRing: number,
    /** Byte offset of 64 bytes the glue may write FUNDING and RATE records to. */
    readonly recordAt: number = CARRY_RECORD_AT,
  ) {
    this.view = new DataView(memory.buffer);
    this.words = new Int32Array(memory.buffer);
    this.portfolio = new WasmPortfolio(core, memory);
  }

  private published(): number {
    return Atomics.load(this.words, (this.outRing + RING_PUBLISHED) >> 2) >>> 0;
  }

  /** Reads the risk records (REJECT kind; round trips of fills are skipped) published in [from, to) of the outbound ring. */
  private readRecords(from: number, to: number): RiskRecord[] {
    const records: RiskRecord[] = [];
    const mask = this.view.getInt32(this.outRing + RING_MASK, true);
    for (let seq = from; seq !== to; seq = (seq + 1) >>> 0) {
      const at = this.outRing + RING_HEADER_BYTES + ((seq & mask) << SLOT_SHIFT);
      if ((this.view.getInt32(at + EV_KIND, true) & KIND_MASK) !== EventKind.REJECT) continue;
      records.push({
        instrument: this.view.getInt32(at + EV_INSTRUMENT, true),
        tsNs: this.view.getBigInt64(at + EV_TS_EXCHANGE, true),
        clockNs: this.view.getBigInt64(at + EV_TS_LOCAL, true),
        price: this.view.getFloat64(at + EV_PRICE, true),
        qty: this.view.getFloat64(at + EV_SIZE, true),
        reason: this.view.getFloat64(at + EV_A, true),
        limit: this.view.getFloat64(at + EV_B, true),
        orderId: this.view.getBigInt64(at + EV_ID, true),
      });
    }
    return records;
  }

  /** Runs a call that may publish flatten records; a full ring leaves them pending (see flattenPending). */
  private withFlatten(operation: string, call: () => number): RiskRecord[] {
    const before = this.published();
    const status = call();
    if (status === ERR_RISK_FLATTEN_PENDING) return [];
    checkCoreStatus(status, operation);
    return this.readRecords(before, this.published());
  }

  /** Runs a fill, which may publish round trips and flatten records (the flatten records of a full ring stay pending). */
  private withOutcome(operation: string, call: () => number): FillOutcome {
    const before = this.published();
    const status = call();
    const after = this.published();
    const roundTrips = readRoundTrips(this.view, this.outRing, before, after);
    if (status === ERR_RISK_FLATTEN_PENDING) return { records: [], roundTrips };
    checkCoreStatus(status, operation);
    return { records: this.readRecords(before, after), roundTrips };
  }

  configure(limits: RiskLimits): void {
    checkCoreStatus(
      this.core.riskConfigure(
        limits.maxPositionPct, limits.maxAssetClassPct, limits.maxGrossExposure, limits.maxLeverage, limits.dailyLossPct,
        limits.maxDrawdownPct, limits.priceBandPct, limits.minNotional, limits.maxOrders, limits.windowNs,
      ),
      'riskConfigure',
    );
    writeFeedHealthPolicy(this.view, limits.feedHealth ?? DEFAULT_FEED_HEALTH);
  }

  configureInstrument(config: InstrumentRiskConfig): void {
    checkCoreStatus(this.core.riskConfigureInstrument(config.instrument, config.assetClass, config.lotSize, config.staleNs), `riskConfigureInstrument(${config.instrument})`);
  }

  init(cash: number, tsNs: bigint): void {
    checkCoreStatus(this.core.riskInit(cash, tsNs), 'riskInit');
  }

  onMark(instrument: number, tsNs: bigint, price: number): RiskRecord[] {
    return this.withFlatten('riskOnMark', () => this.core.riskOnMark(instrument, tsNs, price, this.outRing));
  }

  priceInHand(instrument: number, tsNs: bigint, price: number): void {
    checkCoreStatus(this.core.riskPriceInHand(instrument, tsNs, price), 'riskPriceInHand');
  }

  onFill(instrument: number, tsNs: bigint, qty: number, price: number, fee: number): RiskRecord[] {
    return this.withFlatten('riskOnFill', () => this.core.riskOnFill(instrument, tsNs, qty, price, fee, this.outRing));
  }

  /** Feeds one market record at byte offset `record` (TRADE or BAR: a mark). */
  onRecord(record: number): RiskRecord[] {
    return this.withFlatten('riskOnRecord', () => this.core.riskOnRecord(record, this.outRing));
  }

  releaseWorking(instrument: number, qty: number): void {
    checkCoreStatus(this.core.riskReleaseWorking(instrument, qty), 'riskReleaseWorking');
  }

  checkOrder(order: ProposedOrder): RiskDecision {
    const before = this.published();
    const reason = checkCoreStatus(this.core.riskCheckOrder(order.instrument, order.tsNs, order.qty, order.price, order.orderId, this.outRing), 'riskCheckOrder');
    if (reason === RiskReason.ACCEPTED) return { reason, record: null };
    const [record] = this.readRecords(before, this.published());
    return { reason, record: record ?? null };
  }

  impliedOrder(instrument: number, target: number, price: number): ImpliedOrder {
    const qty = this.core.riskImpliedOrder(instrument, target, price);
    if (Number.isNaN(qty)) throw new Error(`riskImpliedOrder(${instrument}, ${target}, ${price}): risk not ready, instrument not configured, or target / price unusable`);
    return { qty, limit: this.core.riskImpliedOrderLimit() };
  }

  emitFlatten(): RiskRecord[] {
    return this.withFlatten('riskEmitFlatten', () => this.core.riskEmitFlatten(this.outRing));
  }

  /** True when a trip's flatten records are still waiting for room in the outbound ring. */
  get flattenPending(): boolean {
    return this.view.getInt32(R.RISK_REGION_OFFSET + R.RH_FLATTEN_PENDING, true) === 1;
  }

  restoreHalted(halted: boolean): void {
    checkCoreStatus(this.core.riskRestoreHalted(halted ? 1 : 0), 'riskRestoreHalted');
  }

  resetKillSwitch(): void {
    checkCoreStatus(this.core.riskResetKillSwitch(), 'riskResetKillSwitch');
  }

  account(): RiskAccountState {
    return readRiskAccountState(this.view, this.words);
  }

  instrumentState(instrument: number): RiskInstrumentState {
    const s = checkCoreStatus(this.core.riskSlotOffset(instrument), 'riskSlotOffset');
    if (this.view.getInt32(s + R.RS_CONFIGURED, true) !== 1) throw new Error(`instrument ${instrument} has no risk configuration`);
    return readRiskInstrumentState(this.view, s);
  }

  // The portfolio ledger (engine/portfolio/portfolio.ts).

  configurePortfolio(terms: PortfolioTerms): void {
    this.portfolio.configurePortfolio(terms);
  }

  configureCurrency(currency: number, rate: number): void {
    this.portfolio.configureCurrency(currency, rate);
  }

  configureContract(terms: InstrumentTerms): void {
    this.portfolio.configureContract(terms);
  }

  applyFill(fill: PortfolioFill): FillOutcome {
    const { instrument, tsNs, qty, price, fee, orderId, rule, parentId, referencePrice } = fill;
    return this.withOutcome(`portfolioApplyFill(${instrument})`, () =>
      this.core.portfolioApplyFill(instrument, tsNs, qty, price, fee, orderId, rule, parentId, referencePrice, this.outRing));
  }

  onFunding(funding: FundingEvent): RiskRecord[] {
    writeFundingRecord(this.view, this.recordAt, funding);
    return this.withFlatten(`portfolioOnFunding(${funding.instrument})`, () => this.core.portfolioOnFunding(this.recordAt, this.outRing));
  }

  onRate(rate: RateEvent): RiskRecord[] {
    writeRateRecord(this.view, this.recordAt, rate);
    return this.withFlatten(`portfolioOnRate(currency ${rate.currency})`, () => this.core.portfolioOnRate(this.recordAt, this.outRing));
  }

  instrumentLedger(instrument: number): InstrumentLedger {
    return this.portfolio.instrumentLedger(instrument);
  }

  currencies(): CurrencyBalance[] {
    return this.portfolio.currencies();
  }

  openLots(instrument: number): OpenLot[] {
    return this.portfolio.openLots(instrument);
  }

  portfolioTotals(): PortfolioTotals {
    return this.portfolio.portfolioTotals();
  }
}
