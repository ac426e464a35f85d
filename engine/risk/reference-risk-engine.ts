// Plain TypeScript reference of the core's pre-trade risk checks, portfolio updates and
// kill switch (wasm/assembly/risk/): the same rules with the same f64 operations in the
// same order, so decisions and state agree with the core bit for bit. The rule list is in
// wasm/assembly/risk/risk-checks.ts and risk-account.ts; this file is the readable oracle.
// Like the core it keeps each instrument's worst-case exposure and their gross and per-class
// sums incrementally (refreshExposure), so a check does not walk every instrument.
import type { ImpliedOrder, PreTradeRisk, ProposedOrder, RiskAccountState, RiskDecision, RiskInstrumentState, RiskRecord } from './risk-engine.js';
import type { InstrumentRiskConfig, RiskLimits } from './risk-limits.js';
import { RiskReason } from './risk-reason.js';
import { RISK_ASSET_CLASSES, RISK_INSTRUMENT_CAPACITY, RISK_RATE_CAPACITY } from './risk-region.js';

const DAY_NS = 86_400_000_000_000n;
/** Relative headroom a fitted order leaves below its binding limit (wasm/assembly/risk/implied-order.ts). */
const FIT_MARGIN = 1e-9;

interface Slot {
  assetClass: number;
  lotSize: number;
  /** 1 / lotSize, as the core keeps it (lot counts multiply by it). */
  invLot: number;
  staleNs: bigint;
  position: number;
  averagePrice: number;
  pendingBuy: number;
  pendingSell: number;
  mark: number;
  markTsNs: bigint;
  hasMark: boolean;
  /** Worst-case |position| * mark as last added to the gross and class sums. */
  exposure: number;
}

function utcDay(tsNs: bigint): bigint {
  const day = tsNs / DAY_NS;
  return tsNs < 0n && day * DAY_NS !== tsNs ? day - 1n : day;
}

function isFraction(x: number): boolean {
  return Number.isFinite(x) && x > 0 && x <= 1;
}

export class ReferenceRiskEngine implements PreTradeRisk {
  private limits: RiskLimits | null = null;
  private ready = false;
  private readonly slots = new Map<number, Slot>();
  private slotsInUse = 0;
  private rateTimes: bigint[] = [];
  private rateNext = 0;
  private rateFilled = 0;
  private clockNs = 0n;
  private day = 0n;
  private cash = 0;
  private marketValue = 0;
  private hwm = 0;
  private dayStartEquity = 0;
  private halted = false;
  private tripCount = 0;
  private tripEquity = 0;
  private flattenPending = false;
  private grossExposure = 0;
  private readonly classExposure = new Array<number>(RISK_ASSET_CLASSES).fill(0);

  configure(limits: RiskLimits): void {
    const fractions = [limits.maxPositionPct, limits.maxAssetClassPct, limits.dailyLossPct, limits.maxDrawdownPct, limits.priceBandPct];
    const ok =
      fractions.every(isFraction) &&
      Number.isFinite(limits.maxGrossExposure) && limits.maxGrossExposure > 0 &&
      Number.isFinite(limits.maxLeverage) && limits.maxLeverage > 0 && limits.maxLeverage <= 100 &&
      Number.isFinite(limits.minNotional) && limits.minNotional >= 0 &&
      Number.isInteger(limits.maxOrders) && limits.maxOrders >= 1 && limits.maxOrders <= RISK_RATE_CAPACITY &&
      limits.windowNs > 0n;
    if (!ok) throw new Error(`risk limits outside their ranges: ${JSON.stringify(limits, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    this.limits = { ...limits };
    this.rateTimes = new Array<bigint>(limits.maxOrders).fill(0n);
    this.rateNext = 0;
    this.rateFilled = 0;
  }

  configureInstrument(config: InstrumentRiskConfig): void {
    const { instrument, assetClass, lotSize, staleNs } = config;
    if (!Number.isInteger(instrument) || instrument < 0 || instrument >= RISK_INSTRUMENT_CAPACITY) {
      throw new Error(`\`instrument\` must be an integer in 0..${RISK_INSTRUMENT_CAPACITY - 1}, was ${instrument}`);
    }
    if (!Number.isInteger(assetClass) || assetClass < 0 || assetClass >= RISK_ASSET_CLASSES || !Number.isFinite(lotSize) || lotSize <= 0 || staleNs <= 0n) {
      throw new Error(`instrument ${instrument}: assetClass must be an integer in 0..${RISK_ASSET_CLASSES - 1}, lotSize > 0 and staleNs > 0, was ${assetClass}, ${lotSize}, ${staleNs}`);
    }
    let slot = this.slots.get(instrument);
    if (slot) {
      this.grossExposure = this.grossExposure - slot.exposure;
      this.classExposure[slot.assetClass] = this.classExposure[slot.assetClass] - slot.exposure;
      Object.assign(slot, { assetClass, lotSize, invLot: 1 / lotSize, staleNs, exposure: 0 });
    } else {
      slot = { assetClass, lotSize, invLot: 1 / lotSize, staleNs, position: 0, averagePrice: 0, pendingBuy: 0, pendingSell: 0, mark: 0, markTsNs: 0n, hasMark: false, exposure: 0 };
      this.slots.set(instrument, slot);
    }
    this.refreshExposure(slot);
    this.slotsInUse = Math.max(this.slotsInUse, instrument + 1);
  }

  init(cash: number, tsNs: bigint): void {
    if (!this.limits) throw new Error('risk limits not configured: call configure first');
    if (!Number.isFinite(cash) || cash <= 0) throw new Error(`\`cash\` must be finite and > 0, was ${cash}`);
    for (const slot of this.slots.values()) Object.assign(slot, { position: 0, averagePrice: 0, pendingBuy: 0, pendingSell: 0, mark: 0, markTsNs: 0n, hasMark: false, exposure: 0 });
    this.classExposure.fill(0);
    this.grossExposure = 0;
    this.halted = false;
    this.flattenPending = false;
    this.tripCount = 0;
    this.rateFilled = 0;
    this.rateNext = 0;
    this.clockNs = tsNs;
    this.day = utcDay(tsNs);
    this.cash = cash;
    this.marketValue = 0;
    this.hwm = cash;
    this.dayStartEquity = cash;
    this.tripEquity = 0;
    this.ready = true;
  }

  private checkReady(): RiskLimits {
    if (!this.limits || !this.ready) throw new Error('risk engine not ready: call configure and init first');
    return this.limits;
  }

  private equity(): number {
    return this.cash + this.marketValue;
  }

  private advanceClock(tsNs: bigint): bigint {
    if (tsNs > this.clockNs) {
      this.clockNs = tsNs;
      const day = utcDay(tsNs);
      if (day !== this.day) {
        this.day = day;
        this.dayStartEquity = this.equity();
      }
    }
    return this.clockNs;
  }

  /** Re-values the slot's worst-case exposure and adds the change to the gross and class sums. */
  private refreshExposure(slot: Slot): void {
    const position = slot.position;
    const exposure = Math.max(Math.abs(position + slot.pendingBuy), Math.abs(position - slot.pendingSell)) * slot.mark;
    const change = exposure - slot.exposure;
    this.grossExposure = this.grossExposure + change;
    this.classExposure[slot.assetClass] = this.classExposure[slot.assetClass] + change;
    slot.exposure = exposure;
  }

  private applyMark(slot: Slot, tsNs: bigint, price: number): void {
    if (slot.hasMark && tsNs < slot.markTsNs) return;
    this.marketValue = this.marketValue + slot.position * (price - slot.mark);
    slot.mark = price;
    slot.markTsNs = tsNs;
    slot.hasMark = true;
    this.refreshExposure(slot);
  }

  private evaluateDrawdown(limits: RiskLimits): RiskRecord[] {
    const equity = this.equity();
    if (equity > this.hwm) this.hwm = equity;
    if (!this.halted && this.hwm > 0 && this.hwm - equity >= limits.maxDrawdownPct * this.hwm) {
      this.halted = true;
      this.tripCount += 1;
      this.tripEquity = equity;
      this.flattenPending = true;
      return this.emitFlatten();
    }
    return this.flattenPending ? this.emitFlatten() : [];
  }

  onMark(instrument: number, tsNs: bigint, price: number): RiskRecord[] {
    const limits = this.checkReady();
    const slot = this.slots.get(instrument);
    if (!slot) return [];
    if (!Number.isFinite(price) || price <= 0) throw new Error(`\`price\` must be finite and > 0, was ${price}`);
    this.advanceClock(tsNs);
    this.applyMark(slot, tsNs, price);
    return this.evaluateDrawdown(limits);
  }

  onFill(instrument: number, tsNs: bigint, qty: number, price: number, fee: number): RiskRecord[] {
    const limits = this.checkReady();
    const slot = this.slots.get(instrument);
    if (!slot) throw new Error(`fill for instrument ${instrument}, which has no risk configuration`);
    if (!Number.isFinite(qty) || qty === 0 || !Number.isFinite(price) || price <= 0 || !Number.isFinite(fee)) {
      throw new Error(`fill must have finite non-zero quantity, price > 0 and a finite fee, was ${qty} @ ${price} fee ${fee}`);
    }
    this.advanceClock(tsNs);
    this.applyMark(slot, tsNs, price);
    this.cash = this.cash - (qty * price + fee);
    const position = slot.position;
    const next = position + qty;
    if (position === 0 || position > 0 === qty > 0) slot.averagePrice = (slot.averagePrice * Math.abs(position) + price * Math.abs(qty)) / Math.abs(next);
    else if (next === 0) slot.averagePrice = 0;
    else if (next > 0 !== position > 0) slot.averagePrice = price;
    slot.position = next;
    this.marketValue = this.marketValue + qty * slot.mark;
    this.refreshExposure(slot);
    return this.evaluateDrawdown(limits);
  }

  private reducePending(slot: Slot, qty: number): void {
    if (qty > 0) slot.pendingBuy = Math.max(0, slot.pendingBuy - qty);
    else slot.pendingSell = Math.max(0, slot.pendingSell + qty);
  }

  releaseWorking(instrument: number, qty: number): void {
    this.checkReady();
    const slot = this.slots.get(instrument);
    if (!slot) throw new Error(`working quantity released for instrument ${instrument}, which has no risk configuration`);
    if (!Number.isFinite(qty)) throw new Error(`\`qty\` must be finite, was ${qty}`);
    if (qty !== 0) {
      this.reducePending(slot, qty);
      this.refreshExposure(slot);
    }
  }

  private decide(order: ProposedOrder, limits: RiskLimits, clock: bigint, reduceOnly = false): { reason: number; limit: number } {
    const { instrument, qty, price } = order;
    const deny = (reason: number, limit: number) => ({ reason, limit });
    if (!Number.isFinite(qty) || qty === 0 || !Number.isFinite(price) || price <= 0) return deny(RiskReason.INVALID_ORDER, 0);
    const slot = this.slots.get(instrument);
    if (!slot) return deny(RiskReason.UNKNOWN_INSTRUMENT, 0);
    const position = slot.position;
    const projected = qty > 0 ? position + slot.pendingBuy : position - slot.pendingSell;
    const after = projected + qty;
    const exit = reduceOnly || (projected > 0 && qty < 0 && after >= 0) || (projected < 0 && qty > 0 && after <= 0);

    if (!exit && this.halted) return deny(RiskReason.KILL_SWITCH, limits.maxDrawdownPct);
    if (!slot.hasMark || clock - slot.markTsNs > slot.staleNs) {
      return deny(exit ? RiskReason.DEFERRED_STALE_PRICE : RiskReason.STALE_PRICE, Number(slot.staleNs));
    }
    const mark = slot.mark;
    if (Math.abs(price - mark) > limits.priceBandPct * mark) return deny(RiskReason.PRICE_BAND, mark);
    const lots = Math.abs(qty) * slot.invLot;
    if (Math.abs(lots - Math.round(lots)) > 1e-9 * Math.max(1, lots)) return deny(RiskReason.LOT_SIZE, slot.lotSize);
    if (Math.abs(qty) * price < limits.minNotional && !(exit && (position + qty === 0 || reduceOnly))) return deny(RiskReason.MIN_NOTIONAL, limits.minNotional);
    if (this.rateFilled >= limits.maxOrders && clock - this.rateTimes[this.rateNext] < limits.windowNs) {
      return deny(exit ? RiskReason.DEFERRED_ORDER_RATE : RiskReason.ORDER_RATE, limits.maxOrders);
    }
    if (exit) return deny(RiskReason.ACCEPTED, 0);

    const equity = this.equity();
    const dailyLimit = limits.dailyLossPct * this.dayStartEquity;
    if (this.dayStartEquity - equity >= dailyLimit) return deny(RiskReason.DAILY_LOSS, dailyLimit);
    const positionLimit = limits.maxPositionPct * equity;
    if (Math.abs(after) * price > positionLimit) return deny(RiskReason.MAX_POSITION, positionLimit);

    // The order's instrument with the order at the order price; the others from the sums.
    const mine = Math.max(Math.abs(position + (slot.pendingBuy + (qty > 0 ? qty : 0))), Math.abs(position - (slot.pendingSell + (qty < 0 ? -qty : 0)))) * price;
    const classExposure = this.classExposure[slot.assetClass] - slot.exposure + mine;
    const gross = this.grossExposure - slot.exposure + mine;
    const classLimit = limits.maxAssetClassPct * equity;
    if (classExposure > classLimit) return deny(RiskReason.ASSET_CLASS, classLimit);
    if (gross > limits.maxGrossExposure) return deny(RiskReason.GROSS_EXPOSURE, limits.maxGrossExposure);
    const leverageLimit = limits.maxLeverage * equity;
    if (gross > leverageLimit) return deny(RiskReason.LEVERAGE, leverageLimit);
    return deny(RiskReason.ACCEPTED, 0);
  }

  impliedOrder(instrument: number, target: number, price: number): ImpliedOrder {
    const limits = this.checkReady();
    const slot = this.slots.get(instrument);
    if (!slot) throw new Error(`instrument ${instrument} has no risk configuration`);
    if (!Number.isFinite(target) || !Number.isFinite(price) || price <= 0) throw new Error(`target must be finite and price finite and > 0, was ${target} @ ${price}`);
    const { lotSize: lot, invLot, position, pendingBuy, pendingSell } = slot;
    const net = position + pendingBuy - pendingSell;
    let qty = lot * Math.floor((target - net) * invLot + 0.5);
    if (qty === 0) return { qty: 0, limit: RiskReason.ACCEPTED };
    if (Math.abs(net + qty) < 0.5 * lot) qty = -net;
    let limit: number = RiskReason.ACCEPTED;

    const buy = qty > 0;
    const projected = buy ? position + pendingBuy : position - pendingSell;
    const after = projected + qty;
    const exit = buy ? projected < 0 && after <= 0 : projected > 0 && after >= 0;
    if (!exit) {
      const equity = this.equity();
      const classOthers = this.classExposure[slot.assetClass] - slot.exposure;
      const grossOthers = this.grossExposure - slot.exposure;
      let sumRoom = limits.maxAssetClassPct * equity - classOthers;
      let sumLimit: number = RiskReason.ASSET_CLASS;
      const grossRoom = limits.maxGrossExposure - grossOthers;
      if (grossRoom < sumRoom) [sumRoom, sumLimit] = [grossRoom, RiskReason.GROSS_EXPOSURE];
      const leverageRoom = limits.maxLeverage * equity - grossOthers;
      if (leverageRoom < sumRoom) [sumRoom, sumLimit] = [leverageRoom, RiskReason.LEVERAGE];
      if (Math.abs(buy ? position - pendingSell : position + pendingBuy) * price > sumRoom) sumRoom = 0;
      let room = limits.maxPositionPct * equity;
      let roomLimit: number = RiskReason.MAX_POSITION;
      if (sumRoom < room) [room, roomLimit] = [sumRoom, sumLimit];
      const maxAfter = (room * (1 - FIT_MARGIN)) / price;
      if (Math.abs(after) > maxAfter) {
        if (buy) {
          const cut = lot * Math.floor((maxAfter - projected) * invLot);
          const closing = projected < 0 ? -projected : 0;
          qty = cut > closing ? cut : closing;
        } else {
          const cut = -lot * Math.floor((maxAfter + projected) * invLot);
          const closing = projected > 0 ? -projected : 0;
          qty = cut < closing ? cut : closing;
        }
        limit = roomLimit;
        if (qty === 0) return { qty: 0, limit };
      }
    }
    if (Math.abs(qty) * price < limits.minNotional && position + qty !== 0) return { qty: 0, limit: RiskReason.MIN_NOTIONAL };
    return { qty, limit };
  }

  checkOrder(order: ProposedOrder): RiskDecision {
    const limits = this.checkReady();
    const clock = this.advanceClock(order.tsNs);
    const { reason, limit } = this.decide(order, limits, clock);
    if (reason !== RiskReason.ACCEPTED) {
      const record: RiskRecord = { instrument: order.instrument, tsNs: order.tsNs, clockNs: clock, price: order.price, qty: order.qty, reason, limit, orderId: order.orderId };
      return { reason, record };
    }
    const slot = this.slots.get(order.instrument)!;
    if (order.qty > 0) slot.pendingBuy = slot.pendingBuy + order.qty;
    else slot.pendingSell = slot.pendingSell - order.qty;
    this.refreshExposure(slot);
    this.rateTimes[this.rateNext] = clock;
    this.rateNext = this.rateNext + 1 === limits.maxOrders ? 0 : this.rateNext + 1;
    if (this.rateFilled < limits.maxOrders) this.rateFilled += 1;
    return { reason, record: null };
  }

  // For an order table that keeps its own orders (engine/orders/reference): the core's
  // riskDecide, advanceClock, riskCountAccepted and the working sums it derives from its orders.

  /**
   * The decision for signed `qty` of `instrument` at `price` on the risk clock as it stands,
   * changing nothing (wasm/assembly/risk/risk-checks.ts riskDecide): a reduce-only order is
   * always an exit, and never below the minimum notional.
   */
  decideOrder(instrument: number, qty: number, price: number, reduceOnly: boolean): { reason: number; limit: number } {
    return this.decide({ orderId: 0n, instrument, tsNs: this.clockNs, qty, price }, this.checkReady(), this.clockNs, reduceOnly);
  }

  /** Moves the risk clock forward to `tsNs` (never back) and returns it. */
  advanceRiskClock(tsNs: bigint): bigint {
    this.checkReady();
    return this.advanceClock(tsNs);
  }

  /** Counts an order sent now (at the risk clock) in the order-rate window. */
  countAccepted(): void {
    const limits = this.checkReady();
    this.rateTimes[this.rateNext] = this.clockNs;
    this.rateNext = this.rateNext + 1 === limits.maxOrders ? 0 : this.rateNext + 1;
    if (this.rateFilled < limits.maxOrders) this.rateFilled += 1;
  }

  /** Sets `instrument`'s working buys and sells (the order table's sums) and re-values its exposure. */
  setWorking(instrument: number, pendingBuy: number, pendingSell: number): void {
    this.checkReady();
    const slot = this.slots.get(instrument);
    if (!slot) throw new Error(`working quantities set for instrument ${instrument}, which has no risk configuration`);
    slot.pendingBuy = pendingBuy;
    slot.pendingSell = pendingSell;
    this.refreshExposure(slot);
  }

  emitFlatten(): RiskRecord[] {
    if (!this.halted) return [];
    const records: RiskRecord[] = [];
    for (let i = 0; i < this.slotsInUse; i += 1) {
      const slot = this.slots.get(i);
      if (!slot || slot.position === 0) continue;
      records.push({ instrument: i, tsNs: this.clockNs, clockNs: this.clockNs, price: slot.mark, qty: -slot.position, reason: RiskReason.KILL_SWITCH_FLATTEN, limit: this.tripEquity, orderId: 0n });
    }
    this.flattenPending = false;
    return records;
  }

  restoreHalted(halted: boolean): void {
    this.checkReady();
    this.halted = halted;
    if (!halted) this.flattenPending = false;
  }

  resetKillSwitch(): void {
    this.checkReady();
    this.halted = false;
    this.flattenPending = false;
    this.hwm = this.equity();
  }

  account(): RiskAccountState {
    return {
      cash: this.cash,
      marketValue: this.marketValue,
      equity: this.equity(),
      highWaterMark: this.hwm,
      dayStartEquity: this.dayStartEquity,
      halted: this.halted,
      tripCount: this.tripCount,
      tripEquity: this.tripEquity,
      clockNs: this.clockNs,
    };
  }

  instrumentState(instrument: number): RiskInstrumentState {
    const slot = this.slots.get(instrument);
    if (!slot) throw new Error(`instrument ${instrument} has no risk configuration`);
    return {
      position: slot.position,
      averagePrice: slot.averagePrice,
      pendingBuy: slot.pendingBuy,
      pendingSell: slot.pendingSell,
      mark: slot.mark,
      markTsNs: slot.markTsNs,
      hasMark: slot.hasMark,
    };
  }
}
