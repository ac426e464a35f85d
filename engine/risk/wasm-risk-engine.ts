// TS glue over the core's pre-trade risk module (wasm/assembly/risk): scalars in, risk
// records out. Records are written by the core to the outbound ring at `outRing`; the glue
// reads the ones each call published (without consuming them: the ring's consumer, the
// I/O thread or a test, releases them) and reads state through one DataView of the region.
import { checkCoreStatus } from '../core/core-status.js';
import type { CoreExports } from '../core/wasm-core.js';
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../layout/event-record.js';
import { RING_HEADER_BYTES, RING_MASK, RING_PUBLISHED, SLOT_SHIFT } from '../layout/memory-map.js';
import type { ImpliedOrder, PreTradeRisk, ProposedOrder, RiskAccountState, RiskDecision, RiskInstrumentState, RiskRecord } from './risk-engine.js';
import type { InstrumentRiskConfig, RiskLimits } from './risk-limits.js';
import { RiskReason } from './risk-reason.js';
import { readRiskAccountState, readRiskInstrumentState } from './read-risk-state.js';
import * as R from './risk-region.js';

/** The risk exports of wasm/assembly/index.ts. */
export interface RiskCoreExports extends CoreExports {
  riskConfigure(
    maxPositionPct: number, maxAssetClassPct: number, maxGrossExposure: number, maxLeverage: number, dailyLossPct: number,
    maxDrawdownPct: number, priceBandPct: number, minNotional: number, maxOrders: number, windowNs: bigint,
  ): number;
  riskConfigureInstrument(instrument: number, assetClass: number, lotSize: number, staleNs: bigint): number;
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

export class WasmRiskEngine implements PreTradeRisk {
  private readonly view: DataView;
  private readonly words: Int32Array;

  constructor(
    readonly core: RiskCoreExports,
    memory: WebAssembly.Memory,
    /** Byte offset of the (initialised) ring the core writes risk records to. */
    readonly outRing: number,
  ) {
    this.view = new DataView(memory.buffer);
    this.words = new Int32Array(memory.buffer);
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

  configure(limits: RiskLimits): void {
    checkCoreStatus(
      this.core.riskConfigure(
        limits.maxPositionPct, limits.maxAssetClassPct, limits.maxGrossExposure, limits.maxLeverage, limits.dailyLossPct,
        limits.maxDrawdownPct, limits.priceBandPct, limits.minNotional, limits.maxOrders, limits.windowNs,
      ),
      'riskConfigure',
    );
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
}
