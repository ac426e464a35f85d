// Plain TypeScript reference of the core's exit engine (wasm/assembly/exits/exit-engine.ts;
// the rules are in its header): per instrument, arming the exits when a position opens, grows
// or flips, trailing and releasing the held trailing stop, profit tiers, the maximum holding
// time, canceling on close with the re-entry block, and the deferral and retry of exits the
// checks refuse. It drives a ReferenceOrderTable (and the ReferenceRiskEngine behind it)
// exactly as the core's exit engine drives the core's order table: the same commands in the
// same order, the same f64 operations in the same order, so the records, the exit state and
// the table agree bit for bit (test/exits-parity.test.ts).
//
// The engine loop's part is mirrored too: a venue record goes through the order table, and
// when it was a fill the exits see it with the rule and id of the order it filled (-1 when it
// filled none), at tsLocal (tsExchange when 0) and the risk clock; a price marks first, then
// the exits see its high and low; a timer runs the order table's timeouts first.
// Limit: the reference order table takes its orders at a decision time no later than the risk
// clock (it moves the clock to it); the core's exits may decide ahead of it (a fill whose
// tsLocal is later than its tsExchange), which this reference refuses with an error.
import { CoreStatusError } from '../../core/core-status.js';
import { EventKind, KIND_MASK } from '../../layout/event-record.js';
import { INSTRUMENT_CAPACITY } from '../../layout/memory-map.js';
import {
  NoticeCode, OrderFlag, OrderRule, OrderState, OrderType, TimeInForce, isTerminalState,
  type NewOrder, type OrderFlowRecord, type PlaceResult, type VenueEvent,
} from '../../orders/index.js';
import type { ReferenceOrderTable } from '../../orders/reference/index.js';
import { RiskReason, priceStale, type InstrumentRiskConfig, type ReferenceRiskEngine, type RiskRecord } from '../../risk/index.js';
import type { ExitEngine, ExitPrice } from '../exit-engine.js';
import { EXIT_PROFILES, EXIT_TARGETS, REENTRY_AFTER_RESET } from '../exit-layout.js';
import type { ExitProfile } from '../exit-profile.js';
import type { ExitState } from '../read-exit-state.js';
import { LABEL_COUNT, LOT_SLACK, profileAccepted, profileBlock, type ProfileBlock } from './profile-block.js';

const ERR_BAD_ARGUMENT = -6;
const RULE_TARGET = OrderRule.TARGET_1;

/** The two values the exits read from other stages of an instrument's pipeline. */
export interface ExitMarketContext {
  /** Value `valueIndex` of `instrument`'s indicator slot (its ATR); NaN when it has none. */
  atr(instrument: number, valueIndex: number): number;
  /** `instrument`'s regime label code (0 .. 2); -1 when it has none. */
  regimeLabel(instrument: number): number;
}

type MutableExitState = { -readonly [K in keyof ExitState]: ExitState[K] } & { targetOrderIds: bigint[] };

function freshState(): MutableExitState {
  return {
    profile: -1, side: 0, entryNs: 0n, entryPrice: 0, basePosition: 0, stopOrderId: 0n, trailOrderId: 0n, targetOrderIds: [0n, 0n, 0n, 0n],
    maxHoldOrderId: 0n, tiersDone: 0, blockSign: 0, deferredNs: 0n, stopPrice: 0, stopRule: 0, closing: 0, trailHit: 0, trailOffset: 0,
  };
}

/** The nearer of a fraction-of-price distance and an ATR-multiple distance (0: neither). */
function distance(pct: number, atrMultiple: number, price: number, atr: number, scale: number): number {
  let d = pct > 0 ? pct * price * scale : 0;
  if (atrMultiple > 0 && atr > 0 && Number.isFinite(atr)) {
    const byAtr = atrMultiple * atr * scale;
    d = d > 0 ? Math.min(d, byAtr) : byAtr;
  }
  return d;
}

export class ReferenceExitEngine implements ExitEngine {
  private readonly profiles: ({ block: ProfileBlock; configured: boolean } | undefined)[] = new Array(EXIT_PROFILES).fill(undefined);
  private readonly states = new Map<number, MutableExitState>();
  private readonly terms = new Map<number, InstrumentRiskConfig>();
  private readonly risk: ReferenceRiskEngine;
  /** Records written by the call in progress. */
  private records: OrderFlowRecord[] = [];

  constructor(
    readonly orders: ReferenceOrderTable,
    /** The risk configuration of the instruments (lot size, staleness), as the risk engine has it. */
    instruments: readonly InstrumentRiskConfig[],
    private readonly market: ExitMarketContext,
  ) {
    this.risk = orders.risk;
    for (const terms of instruments) this.terms.set(terms.instrument, terms);
  }

  private takeRecords(): OrderFlowRecord[] {
    const records = this.records;
    this.records = [];
    return records;
  }

  private stateOf(instrument: number): MutableExitState {
    let e = this.states.get(instrument);
    if (!e) {
      e = freshState();
      this.states.set(instrument, e);
    }
    return e;
  }

  private termsOf(instrument: number): InstrumentRiskConfig {
    const terms = this.terms.get(instrument);
    if (!terms) throw new Error(`instrument ${instrument} has exits but no risk configuration was given to the reference`);
    return terms;
  }

  private profileOf(e: MutableExitState): ProfileBlock {
    return this.profiles[e.profile]!.block;
  }

  // --- configuration (exitsReset, exitsConfigureProfile, exitsConfigureInstrument) ---

  reset(): void {
    this.states.clear();
  }

  configureProfile(profile: number, spec: ExitProfile): void {
    if (!Number.isInteger(profile) || profile < 0 || profile >= EXIT_PROFILES) throw new CoreStatusError(ERR_BAD_ARGUMENT, `exitsProfileOffset(${profile})`);
    const block = profileBlock(spec);
    const accepted = profileAccepted(block);
    this.profiles[profile] = { block, configured: accepted };
    if (!accepted) throw new CoreStatusError(ERR_BAD_ARGUMENT, `exitsConfigureProfile(${profile})`);
  }

  bindInstrument(instrument: number, profile: number): void {
    const operation = `exitsConfigureInstrument(${instrument}, ${profile})`;
    if (!Number.isInteger(instrument) || instrument < 0 || instrument >= INSTRUMENT_CAPACITY || !Number.isInteger(profile) || profile < -1 || profile >= EXIT_PROFILES) {
      throw new CoreStatusError(ERR_BAD_ARGUMENT, operation);
    }
    if (profile >= 0 && this.profiles[profile]?.configured !== true) throw new CoreStatusError(ERR_BAD_ARGUMENT, operation);
    this.stateOf(instrument).profile = profile;
  }

  state(instrument: number): ExitState {
    const e = this.states.get(instrument) ?? freshState();
    return { ...e, targetOrderIds: [...e.targetOrderIds] };
  }

  // --- the engine loop's inputs (pipeline.ts pipelineOnVenue, markAndExits, pipelineOnTick) ---

  applyVenueEvent(event: VenueEvent): OrderFlowRecord[] {
    const isFill = ((event.kind & KIND_MASK) & EventKind.FILL) !== 0;
    const id = BigInt.asUintN(64, event.id);
    const before = isFill ? this.orders.order(id) : null;
    const records = this.orders.applyVenueEvent(event);
    if (!isFill) {
      this.onOrderEnded(event.instrument, id, event.tsLocal > 0n ? event.tsLocal : event.tsExchange);
      return records;
    }
    if (records.some((record) => record.record === 'notice' && record.code === NoticeCode.DUPLICATE_FILL)) return records;
    // The order the fill applied to (order-events.ts onFill): its own instrument, not held, not closed, its side.
    const applied = before !== null && before.instrument === event.instrument && before.state !== OrderState.NEW && !isTerminalState(before.state) && event.size > 0 === before.qty > 0;
    const now = event.tsLocal > 0n ? event.tsLocal : event.tsExchange;
    this.clock(now);
    this.records = records;
    this.onFill(event.instrument, applied ? before.rule : -1, id, now);
    return this.takeRecords();
  }

  onPrice(price: ExitPrice): OrderFlowRecord[] {
    const { instrument, tsNs, close, high, low } = price;
    this.records = this.risk.onMark(instrument, tsNs, close).map(riskRecord);
    if (!Number.isInteger(instrument) || instrument < 0 || instrument >= INSTRUMENT_CAPACITY) throw new CoreStatusError(ERR_BAD_ARGUMENT, `exitsMark(${instrument})`);
    this.onMark(instrument, tsNs, this.clock(tsNs), high, low);
    return this.takeRecords();
  }

  onTimer(nowNs: bigint): OrderFlowRecord[] {
    this.records = this.orders.timer(nowNs).records;
    this.onTimerAt(nowNs, this.clock(nowNs));
    return this.takeRecords();
  }

  /** The risk clock, which must not be behind `now` (see the header's limit). */
  private clock(now: bigint): bigint {
    const clock = this.risk.account().clockNs;
    if (now > clock) throw new Error(`the reference exit engine cannot decide at ${now}, ahead of the risk clock ${clock} (a fill with tsLocal after tsExchange)`);
    return clock;
  }

  // --- exit orders through the order table ---

  /** Cancels every live exit order of `e` and forgets their ids (cancelExits). */
  private cancelExits(e: MutableExitState, now: bigint): void {
    const cancel = (id: bigint) => {
      const o = this.orders.order(id);
      if (o) this.records.push(...this.orders.cancel(id, now, o.rule).records);
    };
    cancel(e.stopOrderId);
    e.stopOrderId = 0n;
    cancel(e.trailOrderId);
    e.trailOrderId = 0n;
    for (let k = 0; k < EXIT_TARGETS; k++) {
      cancel(e.targetOrderIds[k]);
      e.targetOrderIds[k] = 0n;
    }
    cancel(e.maxHoldOrderId);
    e.maxHoldOrderId = 0n;
  }

  /** Submits one reduce-only GTC exit order; its id, or 0n when the checks deferred or refused it (placeExit). */
  private placeExit(e: MutableExitState, order: NewOrder): bigint {
    let placed: PlaceResult | null = null;
    try {
      placed = this.orders.place({ ...order, timeInForce: TimeInForce.GTC, flags: OrderFlag.REDUCE_ONLY });
    } catch (error) {
      if (!(error instanceof CoreStatusError)) throw error;
    }
    if (placed) this.records.push(...placed.records);
    if (placed === null || placed.outcome === 'refused') {
      e.deferredNs = order.nowNs;
      return 0n;
    }
    return placed.orderId;
  }

  /** `instrument`'s ATR at plan value `valueIndex`, or NaN (atrOf). */
  private atrOf(instrument: number, valueIndex: number): number {
    return valueIndex < 0 ? NaN : this.market.atr(instrument, valueIndex);
  }

  /** The profile's multiplier for `instrument`'s regime label now (1 without one). */
  private regimeMultiplier(instrument: number, p: ProfileBlock): number {
    const label = this.market.regimeLabel(instrument);
    return label < 0 || label >= LABEL_COUNT ? 1 : p.regimeMultiplier[label];
  }

  /** (Re)arms the exits of `instrument`'s position `position` (arm). */
  private arm(instrument: number, e: MutableExitState, p: ProfileBlock, position: number, now: bigint, parentId: bigint): void {
    this.cancelExits(e, now);
    const entry = this.risk.instrumentState(instrument).averagePrice;
    const side = position > 0 ? 1 : -1;
    const atr = this.atrOf(instrument, p.atrValue);
    const scale = this.regimeMultiplier(instrument, p);
    e.side = side;
    e.entryNs = now;
    e.entryPrice = entry;
    e.basePosition = Math.abs(position);
    e.tiersDone = 0;
    e.closing = 0;
    e.trailHit = 0;
    e.stopPrice = 0;
    e.stopRule = 0;
    const stopDistance = distance(p.stopPct, p.atrMultiple, entry, atr, scale);
    if (stopDistance > 0 && entry - side * stopDistance > 0) {
      const byAtr = p.stopPct <= 0 || stopDistance < p.stopPct * entry * scale;
      e.stopPrice = entry - side * stopDistance;
      e.stopRule = byAtr ? OrderRule.ATR_STOP : OrderRule.STOP;
    }
    e.trailOffset = distance(p.trailPct, p.trailAtrMultiple, entry, atr, scale);
    this.placeMissing(instrument, e, p, position, now, parentId);
  }

  /** Places each exit the armed position lacks: stop, trailing stop, the tiers not yet taken (placeMissing); a stop's and a tier's reference price is its own price. */
  private placeMissing(instrument: number, e: MutableExitState, p: ProfileBlock, position: number, now: bigint, parentId: bigint): void {
    e.deferredNs = 0n;
    const { mark } = this.risk.instrumentState(instrument);
    const exit = { instrument, nowNs: now, referencePrice: mark, parentId };
    if (e.stopPrice > 0 && e.stopOrderId === 0n) {
      e.stopOrderId = this.placeExit(e, { ...exit, qty: -position, orderType: OrderType.STOP, rule: e.stopRule, stopPrice: e.stopPrice, referencePrice: e.stopPrice });
    }
    if (e.trailOffset > 0 && mark > 0 && e.trailOrderId === 0n) {
      e.trailOrderId = this.placeExit(e, { ...exit, qty: -position, orderType: OrderType.TRAILING_STOP, rule: OrderRule.TRAILING_STOP, trailOffset: e.trailOffset });
    }
    const { entryPrice: entry, basePosition: base, side, tiersDone: done } = e;
    const lot = this.termsOf(instrument).lotSize;
    let left = base;
    let fractions = 0;
    for (let k = 0; k < p.targetCount; k++) fractions += p.targetFraction[k];
    for (let k = 0; k < p.targetCount; k++) {
      let qty = lot * Math.floor((p.targetFraction[k] * base) / lot + LOT_SLACK);
      if (k === p.targetCount - 1 && fractions >= 1 - LOT_SLACK) qty = left;
      qty = Math.min(qty, left);
      if (qty <= 0) continue;
      left -= qty;
      if ((done & (1 << k)) !== 0 || e.targetOrderIds[k] !== 0n) continue;
      const px = entry * (1 + side * p.targetPct[k]);
      if (px <= 0) continue; // a short's tier at or beyond +100%: out of reach
      e.targetOrderIds[k] = this.placeExit(e, { ...exit, qty: -side * qty, orderType: OrderType.LIMIT, rule: RULE_TARGET + k, limitPrice: px, referencePrice: px });
    }
  }

  /** True while the max-hold close still works; forgets one that ended without closing the position (closeWorking). */
  private closeWorking(e: MutableExitState): boolean {
    if (e.closing === 0) return false;
    const o = this.orders.order(e.maxHoldOrderId);
    if (o !== null && o.state !== OrderState.EMPTY && !isTerminalState(o.state)) return true;
    e.closing = 0;
    e.maxHoldOrderId = 0n;
    return false;
  }

  /** Closes the position at market, its other exits canceled first (closeAfterMaxHold). */
  private closeAfterMaxHold(instrument: number, e: MutableExitState, now: bigint): void {
    const { position, mark } = this.risk.instrumentState(instrument);
    if (position === 0) return;
    this.cancelExits(e, now);
    e.deferredNs = 0n;
    const id = this.placeExit(e, { instrument, nowNs: now, qty: -position, orderType: OrderType.MARKET, rule: OrderRule.MAX_HOLD, referencePrice: mark, parentId: 0n });
    e.maxHoldOrderId = id;
    if (id !== 0n) e.closing = 1;
  }

  // --- the exit engine's entry points (exitsOnFill, exitsOnMark, exitsOnTimer) ---

  private onFill(instrument: number, rule: number, orderId: bigint, now: bigint): void {
    const e = this.states.get(instrument);
    if (!e || e.profile < 0) return;
    const p = this.profileOf(e);
    const { position } = this.risk.instrumentState(instrument);
    const armed = e.side;
    if (position === 0) {
      if (armed === 0) return;
      this.cancelExits(e, now);
      if (rule > OrderRule.STRATEGY && rule < RULE_TARGET + EXIT_TARGETS + 1 && p.reentry === REENTRY_AFTER_RESET) {
        e.blockSign = armed;
        // A strategy order still closing the same way would now open the other side: cancel it.
        const strategySlot = this.orders.instrumentOrders(instrument).strategySlot;
        const strategy = strategySlot >= 0 ? this.orders.slots().find((o) => o.slot === strategySlot) : undefined;
        if (strategy && (strategy.qty > 0 ? -1 : 1) === armed) this.records.push(...this.orders.cancel(strategy.id, now, rule).records);
      }
      e.side = 0;
      e.deferredNs = 0n;
      e.closing = 0;
      e.trailHit = 0;
      return;
    }
    const side = position > 0 ? 1 : -1;
    if (side !== armed || Math.abs(position) > e.basePosition * (1 + LOT_SLACK)) {
      this.arm(instrument, e, p, position, now, rule === OrderRule.STRATEGY ? orderId : 0n);
      return;
    }
    if (rule >= RULE_TARGET && rule < RULE_TARGET + EXIT_TARGETS) e.tiersDone |= 1 << (rule - RULE_TARGET);
    if (rule > OrderRule.STRATEGY && rule < RULE_TARGET + EXIT_TARGETS + 1 && p.reentry === REENTRY_AFTER_RESET) e.blockSign = armed * 2;
  }

  /** An order that ended at the venue without filling in full: a dropped exit is placed again on the next fresh price (exitsOnOrderEnded). */
  private onOrderEnded(instrument: number, orderId: bigint, now: bigint): void {
    const e = this.states.get(instrument);
    if (orderId === 0n || !e || e.profile < 0 || e.side === 0) return;
    const o = this.orders.order(orderId);
    if (o === null || o.state === OrderState.EMPTY || !isTerminalState(o.state) || o.state === OrderState.FILLED) return;
    if (e.stopOrderId === orderId) {
      e.stopOrderId = 0n;
    } else if (e.trailOrderId === orderId) {
      e.trailOrderId = 0n;
      e.trailHit = 1;
    } else {
      const k = e.targetOrderIds.indexOf(orderId);
      if (k < 0) return;
      e.targetOrderIds[k] = 0n;
      if (o.filled !== 0) {
        e.tiersDone |= 1 << k;
        return;
      }
    }
    if (e.deferredNs === 0n) e.deferredNs = now;
  }

  private onMark(instrument: number, now: bigint, clock: bigint, high: number, low: number): void {
    const e = this.states.get(instrument);
    if (!e || e.profile < 0 || e.side === 0) return;
    const side = e.side;
    const p = this.profileOf(e);
    const closing = this.closeWorking(e);
    if (p.maxHoldNs > 0n && !closing && now - e.entryNs >= p.maxHoldNs) {
      this.closeAfterMaxHold(instrument, e, now);
      return;
    }
    if (e.deferredNs !== 0n && !closing) {
      const { position } = this.risk.instrumentState(instrument);
      if (position !== 0) this.placeMissing(instrument, e, p, position, now, 0n);
    }
    const trail = this.orders.order(e.trailOrderId);
    if (trail !== null && trail.state === OrderState.NEW) {
      const { stopPrice: trigger, trailOffset: offset, watermark } = trail;
      if (e.trailHit !== 0 || (side > 0 ? low <= trigger : high >= trigger)) {
        const { released, records } = this.orders.releaseHeld(trail.id, now, clock);
        this.records.push(...records);
        e.trailHit = released ? 0 : 1;
        if (!released) e.deferredNs = now;
      } else if (side > 0 ? high > watermark : low < watermark) {
        const best = side > 0 ? high : low;
        this.orders.trailHeld(trail.id, best, side > 0 ? best - offset : best + offset);
      }
    }
  }

  private onTimerAt(now: bigint, clock: bigint): void {
    for (const instrument of [...this.states.keys()].sort((a, b) => a - b)) {
      const e = this.states.get(instrument)!;
      if (e.profile < 0 || e.side === 0) continue;
      const maxHold = this.profileOf(e).maxHoldNs;
      if (maxHold <= 0n || now - e.entryNs < maxHold || this.closeWorking(e)) continue;
      const s = this.risk.instrumentState(instrument);
      const { staleNs } = this.termsOf(instrument);
      if (priceStale(s, staleNs, clock)) {
        if (e.deferredNs === 0n) {
          // Reported once; the exits stay in place and the close goes out on the next fresh price.
          e.deferredNs = now;
          this.records.push({
            record: 'risk', instrument, tsNs: now, clockNs: clock, price: s.mark, qty: -s.position, reason: RiskReason.DEFERRED_STALE_PRICE, limit: Number(staleNs), orderId: 0n,
          });
        }
        continue;
      }
      this.closeAfterMaxHold(instrument, e, now);
    }
  }
}

function riskRecord(record: RiskRecord): OrderFlowRecord {
  return { record: 'risk', ...record };
}
