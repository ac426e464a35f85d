// Plain TypeScript reference of the core's pre-trade risk checks, risk account, kill switch
// (wasm/assembly/risk/) and the portfolio ledger behind it (wasm/assembly/portfolio/: fills,
// lots and round trips, currencies, carry): the same rules with the same f64 operations in
// the same order, so decisions and state agree with the core bit for bit. The rule lists are
// in wasm/assembly/risk/risk-checks.ts, risk-account.ts and portfolio/apply-fill.ts; this
// file is the readable oracle, with the ledger's own part in engine/portfolio/reference-ledger.ts.
// Like the core it keeps each instrument's worst-case exposure and their gross and per-class
// sums incrementally (refreshExposure), and market value as the sum of each slot's change
// (refreshValue), so a check does not walk every instrument; a slot going flat has the market
// value summed afresh, so a flat book's is exactly 0.
import {
  ReferenceLedger,
  type CurrencyBalance, type FillOutcome, type FundingEvent, type InstrumentLedger, type InstrumentTerms, type OpenLot, type Portfolio,
  type PortfolioFill, type PortfolioTerms, type PortfolioTotals, type RateEvent, type RoundTrip,
} from '../portfolio/index.js';
import type { ImpliedOrder, PreTradeRisk, ProposedOrder, RiskAccountState, RiskDecision, RiskInstrumentState, RiskRecord } from './risk-engine.js';
import type { InstrumentRiskConfig, RiskLimits } from './risk-limits.js';
import { RiskReason } from './risk-reason.js';
import { priceStale } from './price-staleness.js';
import { RISK_ASSET_CLASSES, RISK_INSTRUMENT_CAPACITY, RISK_RATE_CAPACITY, SETTLE_MARGIN, SETTLE_SPOT } from './risk-region.js';

const DAY_NS = 86_400_000_000_000n;
const I64_MAX = 0x7fff_ffff_ffff_ffffn;
/** A position within this fraction of the fill or the previous position is f64 dust: it becomes 0 (portfolio/apply-fill.ts). */
const POSITION_DUST = 1e-9;
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
  /** Time of the market record the engine holds and marks next (priceInHand); 0 before any. */
  priceInHandNs: bigint;
  /** Worst-case |position| * mark * valueFactor as last added to the gross and class sums. */
  exposure: number;
  multiplier: number;
  currency: number;
  settlement: number;
  /** multiplier * the quote currency's rate. */
  valueFactor: number;
  /** This slot's part of marketValue, as last added to it. */
  value: number;
  costBasis: number;
}

function utcDay(tsNs: bigint): bigint {
  const day = tsNs / DAY_NS;
  return tsNs < 0n && day * DAY_NS !== tsNs ? day - 1n : day;
}

/** First ns of the UTC day after `day` (i64 max past the representable range). */
function nextDayStart(day: bigint): bigint {
  return day >= I64_MAX / DAY_NS - 1n ? I64_MAX : (day + 1n) * DAY_NS;
}

function isFraction(x: number): boolean {
  return Number.isFinite(x) && x > 0 && x <= 1;
}

export class ReferenceRiskEngine implements PreTradeRisk, Portfolio {
  private limits: RiskLimits | null = null;
  private ready = false;
  private readonly slots = new Map<number, Slot>();
  private slotsInUse = 0;
  private rateTimes: bigint[] = [];
  private rateNext = 0;
  private rateFilled = 0;
  private clockNs = 0n;
  private day = 0n;
  private nextDayNs = 0n;
  /** Cash per currency, lots, the P&L breakdown and carry; its `cash` is the account's cash. */
  private readonly ledger = new ReferenceLedger();
  private marketValue = 0;
  private hwm = 0;
  /** A market mark moved the account at the clock's time (risk-account.ts RH_MARKED). */
  private marked = false;
  /** The equity when the clock last left a marked time: the drawdown reads it (risk-account.ts header). */
  private settledEquity = 0;
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
      slot = {
        assetClass, lotSize, invLot: 1 / lotSize, staleNs, position: 0, averagePrice: 0, pendingBuy: 0, pendingSell: 0, mark: 0, markTsNs: 0n, hasMark: false, priceInHandNs: 0n, exposure: 0,
        multiplier: 1, currency: 0, settlement: SETTLE_SPOT, valueFactor: 1, value: 0, costBasis: 0,
      };
      this.slots.set(instrument, slot);
      this.ledger.addInstrument(instrument);
    }
    this.refreshExposure(slot);
    this.slotsInUse = Math.max(this.slotsInUse, instrument + 1);
  }

  init(cash: number, tsNs: bigint): void {
    if (!this.limits) throw new Error('risk limits not configured: call configure first');
    if (!Number.isFinite(cash) || cash <= 0) throw new Error(`\`cash\` must be finite and > 0, was ${cash}`);
    this.ledger.reset(cash, tsNs, this.slotsInUse);
    for (const slot of this.slots.values()) {
      Object.assign(slot, { position: 0, averagePrice: 0, pendingBuy: 0, pendingSell: 0, mark: 0, markTsNs: 0n, hasMark: false, priceInHandNs: 0n, exposure: 0, value: 0, costBasis: 0 });
      slot.valueFactor = slot.multiplier * this.ledger.rate(slot.currency);
    }
    this.classExposure.fill(0);
    this.grossExposure = 0;
    this.halted = false;
    this.flattenPending = false;
    this.tripCount = 0;
    this.rateFilled = 0;
    this.rateNext = 0;
    this.clockNs = tsNs;
    this.day = utcDay(tsNs);
    this.nextDayNs = nextDayStart(this.day);
    this.marketValue = 0;
    this.hwm = cash;
    this.marked = false;
    this.settledEquity = cash;
    this.dayStartEquity = cash;
    this.tripEquity = 0;
    this.ready = true;
  }

  private checkReady(): RiskLimits {
    if (!this.limits || !this.ready) throw new Error('risk engine not ready: call configure and init first');
    return this.limits;
  }

  private equity(): number {
    return this.ledger.cash + this.marketValue;
  }

  /** Moves the clock forward (never back): carry due first (funding times, day boundaries), then a new day's start equity. */
  private advanceClock(tsNs: bigint): bigint {
    if (tsNs > this.clockNs) {
      if (this.marked) this.settleEquity();
      const clock = tsNs;
      this.clockNs = clock;
      const newDay = clock >= this.nextDayNs;
      if (newDay || clock >= this.ledger.nextFundingNs) {
        this.ledger.accrue(clock, newDay ? utcDay(clock) - this.day : 0n, this.slotsInUse, (instrument) => this.slots.get(instrument));
      }
      if (newDay) {
        const day = utcDay(clock);
        this.nextDayNs = nextDayStart(day);
        if (day !== this.day) {
          this.day = day;
          this.dayStartEquity = this.equity();
        }
      }
    }
    return this.clockNs;
  }

  /** What the slot adds to marketValue at its mark: spot holds its notional, margin its unrealised P&L. */
  private slotValue(slot: Slot): number {
    const held = slot.settlement === SETTLE_SPOT ? slot.position * slot.mark : slot.position * slot.mark - slot.costBasis;
    return held * slot.valueFactor;
  }

  /** Re-values the slot at its mark and adds the change to marketValue; a slot gone flat has the sum taken afresh (risk-account.ts refreshValue). */
  private refreshValue(slot: Slot): void {
    const value = this.slotValue(slot);
    const previous = slot.value;
    slot.value = value;
    if (value === 0 && previous !== 0) this.sumValues();
    else this.marketValue = this.marketValue + (value - previous);
  }

  /** marketValue = the configured slots' values, added in instrument order (0 exactly for a flat book). */
  private sumValues(): void {
    let sum = 0;
    for (let instrument = 0; instrument < this.slotsInUse; instrument += 1) {
      const slot = this.slots.get(instrument);
      if (slot) sum += slot.value;
    }
    this.marketValue = sum;
  }

  /** Re-values the slot's worst-case exposure and adds the change to the gross and class sums. */
  private refreshExposure(slot: Slot): void {
    const position = slot.position;
    const exposure = Math.max(Math.abs(position + slot.pendingBuy), Math.abs(position - slot.pendingSell)) * slot.mark * slot.valueFactor;
    const change = exposure - slot.exposure;
    this.grossExposure = this.grossExposure + change;
    this.classExposure[slot.assetClass] = this.classExposure[slot.assetClass] + change;
    slot.exposure = exposure;
  }

  private applyMark(slot: Slot, tsNs: bigint, price: number): void {
    if (slot.hasMark && tsNs < slot.markTsNs) return;
    slot.mark = price;
    slot.markTsNs = tsNs;
    slot.hasMark = true;
    this.refreshValue(slot);
    this.refreshExposure(slot);
  }

  private settleEquity(): void {
    const equity = this.equity();
    this.settledEquity = equity;
    this.marked = false;
    if (equity > this.hwm) this.hwm = equity;
  }

  private evaluateDrawdown(limits: RiskLimits): RiskRecord[] {
    const equity = this.settledEquity;
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
    this.marked = true;
    return this.evaluateDrawdown(limits);
  }

  priceInHand(instrument: number, tsNs: bigint, price: number): void {
    this.checkReady();
    const slot = this.slots.get(instrument);
    if (!slot || !Number.isFinite(price) || price <= 0) return;
    if (tsNs > slot.priceInHandNs) slot.priceInHandNs = tsNs;
  }

  onFill(instrument: number, tsNs: bigint, qty: number, price: number, fee: number): RiskRecord[] {
    return this.applyFill({ instrument, tsNs, qty, price, fee, orderId: 0n, rule: -1, parentId: 0n, referencePrice: 0 }).records;
  }

  /**
   * A fill (wasm/assembly/portfolio/apply-fill.ts, steps in its header): the part against the
   * position closes lots (round trips, realised P&L), the rest opens a lot; cash moves by the
   * notional (spot) or by the realised P&L (margin), less the fee.
   */
  applyFill(fill: PortfolioFill): FillOutcome {
    const limits = this.checkReady();
    const { instrument, tsNs, qty, price, fee, orderId, rule, parentId, referencePrice } = fill;
    const slot = this.slots.get(instrument);
    if (!slot) throw new Error(`fill for instrument ${instrument}, which has no risk configuration`);
    if (!Number.isFinite(qty) || qty === 0 || !Number.isFinite(price) || price <= 0 || !Number.isFinite(fee)) {
      throw new Error(`fill must have finite non-zero quantity, price > 0 and a finite fee, was ${qty} @ ${price} fee ${fee}`);
    }
    this.advanceClock(tsNs);
    this.applyMark(slot, tsNs, price);
    const { multiplier, currency, position } = slot;
    const size = Math.abs(qty);
    let costBasis = slot.costBasis;
    let realised = 0;
    let opening = qty;
    let roundTrips: RoundTrip[] = [];
    if (position !== 0 && position > 0 !== qty > 0) {
      const closing = Math.min(size, Math.abs(position));
      const closed = this.ledger.closeLots(closing, {
        instrument, price, tsNs, feePerUnit: fee / size, orderId, rule, parentId, multiplier, rate: this.ledger.rate(currency),
      });
      realised = closed.realised;
      roundTrips = closed.roundTrips;
      costBasis -= closed.closedCost;
      opening = qty > 0 ? qty - closing : qty + closing;
    }
    let next = position + qty;
    if (Math.abs(next) <= POSITION_DUST * Math.max(Math.abs(position), size)) next = 0;
    if (next === 0) {
      this.ledger.dropLots(instrument);
      costBasis = 0;
    } else if (opening !== 0) {
      this.ledger.openLot(instrument, orderId, opening, price, tsNs, fee / size, rule);
      costBasis += opening * price;
    }
    if (slot.settlement === SETTLE_SPOT) this.ledger.addCash(currency, -(qty * price * multiplier + fee));
    else this.ledger.addCash(currency, realised - fee);
    slot.position = next;
    slot.costBasis = costBasis;
    slot.averagePrice = next !== 0 ? costBasis / next : 0;
    this.refreshValue(slot);
    this.refreshExposure(slot);
    this.ledger.recordFill(instrument, qty, price, fee, slot.valueFactor, multiplier, referencePrice);
    return { records: this.evaluateDrawdown(limits), roundTrips };
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

  private decide(order: ProposedOrder, limits: RiskLimits, clock: bigint, reduceOnly = false, sizeQty = order.qty, bandExempt = false): { reason: number; limit: number } {
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
    if (priceStale(slot, slot.staleNs, clock)) return deny(exit ? RiskReason.DEFERRED_STALE_PRICE : RiskReason.STALE_PRICE, Number(slot.staleNs));
    const mark = slot.mark;
    if (!bandExempt && Math.abs(price - mark) > limits.priceBandPct * mark) return deny(RiskReason.PRICE_BAND, mark);
    const lots = Math.abs(qty) * slot.invLot;
    if (Math.abs(lots - Math.round(lots)) > 1e-9 * Math.max(1, lots) && !(exit && position + qty === 0)) return deny(RiskReason.LOT_SIZE, slot.lotSize);
    const value = price * slot.valueFactor;
    if (Math.abs(sizeQty) * value < limits.minNotional && !(exit && (position + qty === 0 || reduceOnly))) return deny(RiskReason.MIN_NOTIONAL, limits.minNotional);
    if (this.rateFilled >= limits.maxOrders && clock - this.rateTimes[this.rateNext] < limits.windowNs) {
      return deny(exit ? RiskReason.DEFERRED_ORDER_RATE : RiskReason.ORDER_RATE, limits.maxOrders);
    }
    if (exit) return deny(RiskReason.ACCEPTED, 0);

    const equity = this.equity();
    const dailyLimit = limits.dailyLossPct * this.dayStartEquity;
    if (this.dayStartEquity - equity >= dailyLimit) return deny(RiskReason.DAILY_LOSS, dailyLimit);
    const positionLimit = limits.maxPositionPct * equity;
    if (Math.abs(after) * value > positionLimit) return deny(RiskReason.MAX_POSITION, positionLimit);

    // The order's instrument with the order at the order price; the others from the sums.
    const mine = Math.max(Math.abs(position + (slot.pendingBuy + (qty > 0 ? qty : 0))), Math.abs(position - (slot.pendingSell + (qty < 0 ? -qty : 0)))) * value;
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

    const value = price * slot.valueFactor;
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
      if (Math.abs(buy ? position - pendingSell : position + pendingBuy) * value > sumRoom) sumRoom = 0;
      let room = limits.maxPositionPct * equity;
      let roomLimit: number = RiskReason.MAX_POSITION;
      if (sumRoom < room) [room, roomLimit] = [sumRoom, sumLimit];
      const maxAfter = (room * (1 - FIT_MARGIN)) / value;
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
    if (Math.abs(qty) * value < limits.minNotional && position + qty !== 0) return { qty: 0, limit: RiskReason.MIN_NOTIONAL };
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
   * always an exit, and never below the minimum notional. `sizeQty` (default `qty`) is the
   * quantity the minimum notional is judged on: a replace's new leaves, not its increase.
   * `bandExempt` skips the price band (an exit rule's order: order-commands.ts exitOrder).
   */
  decideOrder(instrument: number, qty: number, price: number, reduceOnly: boolean, sizeQty = qty, bandExempt = false): { reason: number; limit: number } {
    return this.decide({ orderId: 0n, instrument, tsNs: this.clockNs, qty, price }, this.checkReady(), this.clockNs, reduceOnly, sizeQty, bandExempt);
  }

  /** True while the kill switch is halted. */
  isHalted(): boolean {
    return this.halted;
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
    this.settledEquity = this.hwm;
  }

  account(): RiskAccountState {
    return {
      cash: this.ledger.cash,
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
      priceInHandNs: slot.priceInHandNs,
      multiplier: slot.multiplier,
      currency: slot.currency,
      settlement: slot.settlement,
      valueFactor: slot.valueFactor,
      value: slot.value,
      costBasis: slot.costBasis,
    };
  }

  // The portfolio ledger (engine/portfolio/portfolio.ts): configuration, carry events and reads.

  configurePortfolio(terms: PortfolioTerms): void {
    this.ledger.configure(terms);
  }

  /** Declares a currency with its rate; while the account runs the rate re-values like a RATE record. */
  configureCurrency(currency: number, rate: number): void {
    this.ledger.configureCurrency(currency, rate);
    this.revalueQuotedIn(currency);
  }

  /** Re-values every slot quoted in `currency` at its rate now (ledger.ts setCurrencyRate). */
  private revalueQuotedIn(currency: number): void {
    for (let i = 0; i < this.slotsInUse; i += 1) {
      const slot = this.slots.get(i);
      if (!slot || slot.currency !== currency) continue;
      slot.valueFactor = slot.multiplier * this.ledger.rate(currency);
      this.refreshValue(slot);
      this.refreshExposure(slot);
    }
  }

  configureContract(terms: InstrumentTerms): void {
    const { instrument, multiplier, currency, settlement, fundingRate, fundingIntervalNs, borrowRate } = terms;
    const slot = this.slots.get(instrument);
    if (!slot) throw new Error(`contract terms for instrument ${instrument}, which has no risk configuration`);
    if (!Number.isFinite(multiplier) || multiplier <= 0 || (settlement !== SETTLE_SPOT && settlement !== SETTLE_MARGIN) || !this.ledger.quotable(currency)) {
      throw new Error(`instrument ${instrument}: multiplier must be finite and > 0, settlement 0 (spot) or 1 (margin), currency 0 or configured, was ${multiplier}, ${settlement}, ${currency}`);
    }
    if (!Number.isFinite(fundingRate) || (fundingRate !== 0 && fundingIntervalNs <= 0n) || !Number.isFinite(borrowRate) || borrowRate < 0) {
      throw new Error(`instrument ${instrument}: funding rate must be finite with an interval > 0, borrow rate finite and >= 0, was ${fundingRate} per ${fundingIntervalNs} ns, ${borrowRate}`);
    }
    if (slot.position !== 0) throw new Error(`instrument ${instrument}: contract terms change only while flat, position is ${slot.position}`);
    slot.multiplier = multiplier;
    slot.currency = currency;
    slot.settlement = settlement;
    slot.valueFactor = multiplier * (currency === 0 ? 1 : this.ledger.rate(currency));
    this.refreshValue(slot);
    this.refreshExposure(slot);
    this.ledger.setCarry(instrument, fundingRate, fundingIntervalNs, borrowRate, this.clockNs, this.slotsInUse);
  }

  /** A FUNDING record (portfolio/accruals.ts portfolioOnFunding). */
  onFunding(funding: FundingEvent): RiskRecord[] {
    const limits = this.checkReady();
    const { instrument, tsNs, rate } = funding;
    const slot = this.slots.get(instrument);
    if (!slot) throw new Error(`funding for instrument ${instrument}, which has no risk configuration`);
    if (!Number.isFinite(rate) || !Number.isFinite(funding.price) || funding.price < 0) throw new Error(`funding rate must be finite and price finite and >= 0, was ${rate} @ ${funding.price}`);
    this.advanceClock(tsNs);
    let price = funding.price;
    if (price === 0) {
      if (!slot.hasMark) return [];
      price = slot.mark;
    }
    this.ledger.payFunding(instrument, slot, price, rate);
    return this.evaluateDrawdown(limits);
  }

  /** A RATE record (portfolio/accruals.ts portfolioOnRate): cash in the currency and positions quoted in it are re-valued. */
  onRate(event: RateEvent): RiskRecord[] {
    const limits = this.checkReady();
    const { currency, tsNs, rate } = event;
    if (!Number.isInteger(currency) || currency < 1 || !this.ledger.quotable(currency) || !Number.isFinite(rate) || rate <= 0) {
      throw new Error(`a rate needs a configured currency 1..15 and a rate finite and > 0, was currency ${currency} at ${rate}`);
    }
    this.advanceClock(tsNs);
    this.ledger.moveRate(currency, rate);
    this.revalueQuotedIn(currency);
    return this.evaluateDrawdown(limits);
  }

  instrumentLedger(instrument: number): InstrumentLedger {
    if (!this.slots.has(instrument)) throw new Error(`instrument ${instrument} has no risk configuration`);
    return this.ledger.instrumentLedger(instrument);
  }

  currencies(): CurrencyBalance[] {
    return this.ledger.currencies();
  }

  openLots(instrument: number): OpenLot[] {
    if (!this.slots.has(instrument)) throw new Error(`instrument ${instrument} has no risk configuration`);
    return this.ledger.openLots(instrument);
  }

  portfolioTotals(): PortfolioTotals {
    return this.ledger.totals();
  }
}
