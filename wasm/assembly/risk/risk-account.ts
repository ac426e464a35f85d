// The risk account and the kill switch: limits and per-instrument configuration, the account
// totals (cash and market value in the account currency, equity, high-water mark, day-start
// equity), marks from TRADE and BAR events, the working quantities the order table reports,
// and the drawdown kill switch with its flatten records. Fills reach the account through the
// portfolio (portfolio/apply-fill.ts), which owns cash per currency, lots and P&L. Layout:
// risk-layout.ts. Never allocates, never throws.
//
// Exposure sums: each slot's worst-case exposure max(|position + pendingBuy|,
// |position - pendingSell|) * mark * valueFactor is refreshed after every change of position,
// working quantity, mark or rate, and the change is added to grossExposure and its class sum
// (refreshExposure), so the asset-class, gross and leverage checks read two sums instead of
// walking every instrument. The reference keeps the same sums with the same operations.
//
// Equity = cash + marketValue. marketValue is the sum of the slots' `value` (slotValue below),
// kept as the sum of each slot's change, and summed afresh over the slots when one goes flat, so
// a closed position leaves no f64 residue in it and a flat book's is exactly 0
// (engine/risk/reference-risk-engine.ts does the same f64 operations in the same order, so both
// agree bit for bit).
//
// The kill switch reads settled equity only. Instruments whose bars share a close time are
// marked one after the other, and the equity between two of those marks (one instrument at its
// new close, the other still at its old one) is a transient that the equity series (EQUITY
// records, equity.csv: one row per close time) never shows. So when the risk clock moves past a
// time at which a market mark (TRADE, BAR close) moved the account, the equity as it stood then
// is settled (advanceClock):  hwm = max(hwm, settled).  After every equity change the trip test
// reads that settled equity:  trip when not halted and hwm - settled >= maxDrawdownPct * hwm.
// A trip is thus seen at the first event of the next time, and the high-water mark and the
// tripping equity are rows of the equity series. Fills, funding and rates do not settle a time
// by themselves (a fill re-marks its instrument at the fill price until the next bar).
// A trip halts (new exposure denied) and emits one FlattenRequired record per open position.
//
// The risk clock only moves forward (advanceClock). Crossing a funding time or a UTC day
// boundary first settles the carry of the time that passed (portfolio/accruals.ts: funding,
// borrow on spot shorts, interest on negative cash), then a new day resets day-start equity.
//
// TRADE: price at tsExchange. BAR: close (price) observed at max(tsExchange, tsLocal).
import { EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_TS_EXCHANGE, EV_TS_LOCAL, EVENT_BYTES, KIND_BAR, KIND_MASK, KIND_TRADE, MEMORY_BYTES } from '../layout';
import { ERR_BAD_ARGUMENT, ERR_RISK_BAD_LIMITS, ERR_RISK_FLATTEN_PENDING, ERR_RISK_NOT_READY, ERR_RISK_UNKNOWN_INSTRUMENT, OK } from '../errors';
import { ringCheck } from '../ring';
import { publishRiskRecord, riskRecordRoom } from './risk-records';
import { REASON_KILL_SWITCH_FLATTEN } from './risk-reasons';
import { portfolioAccrue } from '../portfolio/accruals';
import { currencyRate, nextFundingNs, portfolioReset } from '../portfolio/ledger';
import {
  RH_CASH,
  RH_CLOCK_NS,
  RH_CONFIGURED,
  RH_DAILY_LOSS_PCT,
  RH_DAY,
  RH_DAY_START_EQUITY,
  RH_FLATTEN_PENDING,
  RH_GROSS_EXPOSURE,
  RH_HALTED,
  RH_HWM,
  RH_MAGIC,
  RH_MARKED,
  RH_MARKET_VALUE,
  RH_MAX_ASSET_CLASS_PCT,
  RH_MAX_DRAWDOWN_PCT,
  RH_MAX_GROSS_EXPOSURE,
  RH_MAX_LEVERAGE,
  RH_MAX_ORDERS,
  RH_MAX_POSITION_PCT,
  RH_MIN_NOTIONAL,
  RH_NEXT_DAY_NS,
  RH_PRICE_BAND_PCT,
  RH_RATE_FILLED,
  RH_RATE_NEXT,
  RH_SETTLED_EQUITY,
  RH_SLOTS_IN_USE,
  RH_RISK_RECORDS,
  RH_TRIP_COUNT,
  RH_TRIP_EQUITY,
  RH_TRIP_TS_NS,
  RH_WINDOW_NS,
  RISK_ASSET_CLASSES,
  RISK_DAY_NS,
  RISK_HEADER,
  RISK_INSTRUMENT_CAPACITY,
  RISK_MAGIC,
  RISK_RATE_CAPACITY,
  RISK_REGION_BYTES,
  RISK_REGION_OFFSET,
  RISK_SLOT_BYTES,
  RS_ASSET_CLASS,
  RS_AVG_PRICE,
  RS_CONFIGURED,
  RS_COST_BASIS,
  RS_CURRENCY,
  RS_EXPOSURE,
  RS_FEED_MASK,
  RS_FEED_TS_NS,
  RS_HAS_MARK,
  RS_INV_LOT,
  RS_LOT_SIZE,
  RS_MARK,
  RS_MARK_TS,
  RS_MULTIPLIER,
  RS_PENDING_BUY,
  RS_PENDING_SELL,
  RS_POSITION,
  RS_PRICE_IN_HAND_NS,
  RS_SETTLEMENT,
  RS_STALE_NS,
  RS_VALUE,
  RS_VALUE_FACTOR,
  SETTLE_SPOT,
  riskClassAddress,
  riskSlotAddress,
} from './risk-layout';

// @ts-ignore: decorator
@inline
function fraction(x: f64, allowZero: bool): bool {
  return isFinite<f64>(x) && x <= 1.0 && (allowZero ? x >= 0.0 : x > 0.0);
}

/** What slot `s` adds to marketValue at its mark: see `value` in risk-layout.ts. */
// @ts-ignore: decorator
@inline
export function slotValue(s: usize): f64 {
  const position = load<f64>(s, RS_POSITION);
  const held = load<i32>(s, RS_SETTLEMENT) == SETTLE_SPOT ? position * load<f64>(s, RS_MARK) : position * load<f64>(s, RS_MARK) - load<f64>(s, RS_COST_BASIS);
  return held * load<f64>(s, RS_VALUE_FACTOR);
}

/**
 * Re-values slot `s` at its mark and adds the change to marketValue. A slot whose value turns 0
 * (it went flat) has the sum taken afresh instead (sumValues): the running sum keeps the f64
 * residue of every change added to it, and a closed position must leave none of it behind.
 */
// @ts-ignore: decorator
@inline
export function refreshValue(s: usize): void {
  const value = slotValue(s);
  const previous = load<f64>(s, RS_VALUE);
  store<f64>(s, value, RS_VALUE);
  if (value == 0.0 && previous != 0.0) sumValues();
  else store<f64>(RISK_HEADER, load<f64>(RISK_HEADER, RH_MARKET_VALUE) + (value - previous), RH_MARKET_VALUE);
}

/** marketValue = the configured slots' values, added in instrument order (0 exactly for a flat book: each is 0). */
function sumValues(): void {
  const inUse = load<i32>(RISK_HEADER, RH_SLOTS_IN_USE);
  let sum: f64 = 0.0;
  for (let instrument: i32 = 0; instrument < inUse; instrument++) {
    const slot = riskSlotAddress(instrument);
    if (load<i32>(slot, RS_CONFIGURED) == 1) sum += load<f64>(slot, RS_VALUE);
  }
  store<f64>(RISK_HEADER, sum, RH_MARKET_VALUE);
}

/** Re-values slot `s`'s worst-case exposure and adds the change to the gross and class sums. */
// @ts-ignore: decorator
@inline
export function refreshExposure(s: usize): void {
  const position = load<f64>(s, RS_POSITION);
  const exposure = Math.max(Math.abs(position + load<f64>(s, RS_PENDING_BUY)), Math.abs(position - load<f64>(s, RS_PENDING_SELL))) * load<f64>(s, RS_MARK) * load<f64>(s, RS_VALUE_FACTOR);
  const change = exposure - load<f64>(s, RS_EXPOSURE);
  const c = riskClassAddress(load<i32>(s, RS_ASSET_CLASS));
  store<f64>(RISK_HEADER, load<f64>(RISK_HEADER, RH_GROSS_EXPOSURE) + change, RH_GROSS_EXPOSURE);
  store<f64>(c, load<f64>(c) + change);
  store<f64>(s, exposure, RS_EXPOSURE);
}

/**
 * Sets the limits (ranges: fractions in (0, 1], maxGrossExposure > 0 and finite,
 * maxLeverage in (0, 100], minNotional >= 0 and finite, maxOrders in 1 .. 1024 per
 * windowNs > 0). Clears the order-rate window. Returns OK or ERR_RISK_BAD_LIMITS
 * (nothing changed).
 */
export function riskConfigure(
  maxPositionPct: f64,
  maxAssetClassPct: f64,
  maxGrossExposure: f64,
  maxLeverage: f64,
  dailyLossPct: f64,
  maxDrawdownPct: f64,
  priceBandPct: f64,
  minNotional: f64,
  maxOrders: i32,
  windowNs: i64,
): i32 {
  if (!fraction(maxPositionPct, false) || !fraction(maxAssetClassPct, false) || !fraction(dailyLossPct, false)) return ERR_RISK_BAD_LIMITS;
  if (!fraction(maxDrawdownPct, false) || !fraction(priceBandPct, false)) return ERR_RISK_BAD_LIMITS;
  if (!isFinite<f64>(maxGrossExposure) || maxGrossExposure <= 0.0) return ERR_RISK_BAD_LIMITS;
  if (!isFinite<f64>(maxLeverage) || maxLeverage <= 0.0 || maxLeverage > 100.0) return ERR_RISK_BAD_LIMITS;
  if (!isFinite<f64>(minNotional) || minNotional < 0.0) return ERR_RISK_BAD_LIMITS;
  if (maxOrders < 1 || maxOrders > RISK_RATE_CAPACITY || windowNs <= 0) return ERR_RISK_BAD_LIMITS;
  const h = RISK_HEADER;
  store<f64>(h, maxPositionPct, RH_MAX_POSITION_PCT);
  store<f64>(h, maxAssetClassPct, RH_MAX_ASSET_CLASS_PCT);
  store<f64>(h, maxGrossExposure, RH_MAX_GROSS_EXPOSURE);
  store<f64>(h, maxLeverage, RH_MAX_LEVERAGE);
  store<f64>(h, dailyLossPct, RH_DAILY_LOSS_PCT);
  store<f64>(h, maxDrawdownPct, RH_MAX_DRAWDOWN_PCT);
  store<f64>(h, priceBandPct, RH_PRICE_BAND_PCT);
  store<f64>(h, minNotional, RH_MIN_NOTIONAL);
  store<i32>(h, maxOrders, RH_MAX_ORDERS);
  store<i64>(h, windowNs, RH_WINDOW_NS);
  store<i32>(h, 0, RH_RATE_FILLED);
  store<i32>(h, 0, RH_RATE_NEXT);
  store<i32>(h, 1, RH_CONFIGURED);
  return OK;
}

/**
 * Configures `instrument` (0 .. capacity - 1): asset class code (0 .. RISK_ASSET_CLASSES - 1),
 * lot size (> 0, finite), staleness threshold staleNs (> 0). Keeps its position and mark
 * (a reconfigured slot's exposure moves to its new class). Returns OK or a status.
 */
export function riskConfigureInstrument(instrument: i32, assetClass: i32, lotSize: f64, staleNs: i64): i32 {
  if (instrument < 0 || instrument >= RISK_INSTRUMENT_CAPACITY) return ERR_RISK_UNKNOWN_INSTRUMENT;
  if (assetClass < 0 || assetClass >= RISK_ASSET_CLASSES || !isFinite<f64>(lotSize) || lotSize <= 0.0 || staleNs <= 0) return ERR_RISK_BAD_LIMITS;
  const s = riskSlotAddress(instrument);
  if (load<i32>(s, RS_CONFIGURED) == 1) {
    const old = load<f64>(s, RS_EXPOSURE);
    const c = riskClassAddress(load<i32>(s, RS_ASSET_CLASS));
    store<f64>(RISK_HEADER, load<f64>(RISK_HEADER, RH_GROSS_EXPOSURE) - old, RH_GROSS_EXPOSURE);
    store<f64>(c, load<f64>(c) - old);
  } else {
    // A new slot: one contract per unit, quoted in the account currency, spot
    // (portfolioConfigureInstrument changes these while the position is flat).
    store<f64>(s, 1.0, RS_MULTIPLIER);
    store<i32>(s, 0, RS_CURRENCY);
    store<i32>(s, SETTLE_SPOT, RS_SETTLEMENT);
    store<f64>(s, 1.0, RS_VALUE_FACTOR);
    store<f64>(s, 0.0, RS_VALUE);
    store<f64>(s, 0.0, RS_COST_BASIS);
  }
  store<f64>(s, 0.0, RS_EXPOSURE);
  store<i32>(s, 1, RS_CONFIGURED);
  store<i32>(s, assetClass, RS_ASSET_CLASS);
  store<f64>(s, lotSize, RS_LOT_SIZE);
  store<f64>(s, 1.0 / lotSize, RS_INV_LOT);
  store<i64>(s, staleNs, RS_STALE_NS);
  refreshExposure(s);
  if (instrument + 1 > load<i32>(RISK_HEADER, RH_SLOTS_IN_USE)) store<i32>(RISK_HEADER, instrument + 1, RH_SLOTS_IN_USE);
  return OK;
}

/**
 * Starts the account with `cash` (> 0, finite) at `tsNs`: equity, high-water mark and
 * day-start equity = cash; positions, pending orders, marks, feed-health states, the rate window and the kill
 * switch cleared. Limits and instrument configuration are kept. Returns OK or a status.
 */
export function riskInit(cash: f64, tsNs: i64): i32 {
  if (load<i32>(RISK_HEADER, RH_CONFIGURED) != 1) return ERR_RISK_NOT_READY;
  if (!isFinite<f64>(cash) || cash <= 0.0) return ERR_BAD_ARGUMENT;
  const h = RISK_HEADER;
  portfolioReset(cash, tsNs);
  const used = load<i32>(h, RH_SLOTS_IN_USE);
  for (let i = 0; i < used; i++) {
    const s = riskSlotAddress(i);
    store<f64>(s, 0.0, RS_POSITION);
    store<f64>(s, 0.0, RS_AVG_PRICE);
    store<f64>(s, 0.0, RS_PENDING_BUY);
    store<f64>(s, 0.0, RS_PENDING_SELL);
    store<f64>(s, 0.0, RS_MARK);
    store<i64>(s, 0, RS_MARK_TS);
    store<i32>(s, 0, RS_HAS_MARK);
    store<i64>(s, 0, RS_PRICE_IN_HAND_NS);
    store<f64>(s, 0.0, RS_EXPOSURE);
    store<f64>(s, 0.0, RS_VALUE);
    store<f64>(s, 0.0, RS_COST_BASIS);
    memory.fill(s + <usize>RS_FEED_MASK, 0, <usize>(RS_FEED_TS_NS + 8 - RS_FEED_MASK)); // feed health: healthy (feed-health.ts)
    if (load<i32>(s, RS_CONFIGURED) == 1) store<f64>(s, load<f64>(s, RS_MULTIPLIER) * currencyRate(load<i32>(s, RS_CURRENCY)), RS_VALUE_FACTOR);
  }
  for (let c = 0; c < RISK_ASSET_CLASSES; c++) store<f64>(riskClassAddress(c), 0.0);
  store<f64>(h, 0.0, RH_GROSS_EXPOSURE);
  store<i32>(h, 0, RH_HALTED);
  store<i32>(h, 0, RH_FLATTEN_PENDING);
  store<i32>(h, 0, RH_TRIP_COUNT);
  store<i32>(h, 0, RH_RATE_FILLED);
  store<i32>(h, 0, RH_RATE_NEXT);
  store<i64>(h, tsNs, RH_CLOCK_NS);
  store<i64>(h, utcDay(tsNs), RH_DAY);
  store<i64>(h, nextDayStart(utcDay(tsNs)), RH_NEXT_DAY_NS);
  store<i64>(h, 0, RH_TRIP_TS_NS);
  store<f64>(h, cash, RH_CASH);
  store<f64>(h, 0.0, RH_MARKET_VALUE);
  store<f64>(h, cash, RH_HWM);
  store<i32>(h, 0, RH_MARKED);
  store<f64>(h, cash, RH_SETTLED_EQUITY);
  store<f64>(h, cash, RH_DAY_START_EQUITY);
  store<f64>(h, 0.0, RH_TRIP_EQUITY);
  store<i64>(h, 0, RH_RISK_RECORDS);
  store<i32>(h, RISK_MAGIC, RH_MAGIC);
  return OK;
}

// @ts-ignore: decorator
@inline
export function utcDay(tsNs: i64): i64 {
  const day = tsNs / RISK_DAY_NS;
  return tsNs < 0 && day * RISK_DAY_NS != tsNs ? day - 1 : day;
}

/** First ns of the UTC day after `day` (i64.MAX_VALUE past the representable range). */
// @ts-ignore: decorator
@inline
function nextDayStart(day: i64): i64 {
  return day >= i64.MAX_VALUE / RISK_DAY_NS - 1 ? i64.MAX_VALUE : (day + 1) * RISK_DAY_NS;
}

// @ts-ignore: decorator
@inline
export function riskReady(): bool {
  return load<i32>(RISK_HEADER, RH_MAGIC) == RISK_MAGIC && load<i32>(RISK_HEADER, RH_CONFIGURED) == 1;
}

// @ts-ignore: decorator
@inline
export function currentEquity(): f64 {
  return load<f64>(RISK_HEADER, RH_CASH) + load<f64>(RISK_HEADER, RH_MARKET_VALUE);
}

/**
 * Moves the risk clock forward to `tsNs` (never back). Leaving a time at which a market mark
 * moved the account settles its equity (the high-water mark rises to it; see the header); then
 * carry due is accrued and a new UTC day resets day-start equity.
 */
export function advanceClock(tsNs: i64): i64 {
  const h = RISK_HEADER;
  let clock = load<i64>(h, RH_CLOCK_NS);
  if (tsNs > clock) {
    if (load<i32>(h, RH_MARKED) != 0) settleEquity();
    clock = tsNs;
    store<i64>(h, clock, RH_CLOCK_NS);
    const nextDay = load<i64>(h, RH_NEXT_DAY_NS);
    if (clock >= nextDay || clock >= nextFundingNs()) portfolioAccrue(clock, clock >= nextDay ? utcDay(clock) - load<i64>(h, RH_DAY) : 0);
    if (clock >= nextDay) {
      const day = utcDay(clock);
      store<i64>(h, nextDayStart(day), RH_NEXT_DAY_NS);
      if (day != load<i64>(h, RH_DAY)) {
        store<i64>(h, day, RH_DAY);
        store<f64>(h, currentEquity(), RH_DAY_START_EQUITY);
      }
    }
  }
  return clock;
}

// @ts-ignore: decorator
@inline
export function configuredSlot(instrument: i32): bool {
  return instrument >= 0 && instrument < RISK_INSTRUMENT_CAPACITY && load<i32>(riskSlotAddress(instrument), RS_CONFIGURED) == 1;
}

/** Moves the mark of slot `s` to `price` at `tsNs` (older prints are ignored). */
// @ts-ignore: decorator
@inline
export function applyMark(s: usize, tsNs: i64, price: f64): void {
  if (load<i32>(s, RS_HAS_MARK) == 1 && tsNs < load<i64>(s, RS_MARK_TS)) return;
  store<f64>(s, price, RS_MARK);
  store<i64>(s, tsNs, RS_MARK_TS);
  store<i32>(s, 1, RS_HAS_MARK);
  refreshValue(s);
  refreshExposure(s);
}

/**
 * True when slot `s` has no price fresh at `clock`: no mark yet, or its freshest price (the mark,
 * or a market record of the instrument the engine holds and marks next: riskPriceInHand) is
 * older than its staleness threshold. The pre-trade checks (STALE_PRICE / DEFERRED_STALE_PRICE)
 * and the exits' timer read it.
 */
// @ts-ignore: decorator
@inline
export function markStale(s: usize, clock: i64): bool {
  if (load<i32>(s, RS_HAS_MARK) != 1) return true;
  const markTs = load<i64>(s, RS_MARK_TS);
  const inHand = load<i64>(s, RS_PRICE_IN_HAND_NS);
  return clock - (inHand > markTs ? inHand : markTs) > load<i64>(s, RS_STALE_NS);
}

/**
 * The engine took a market record of `instrument` at `tsNs` (a TRADE, a BAR at its close) with
 * `price`, and marks it once the simulated venue's replies due at or before it have run
 * (engine.ts): until then its price of `tsNs` counts as fresh (riskPriceInHand in the slot
 * layout). Instruments sharing a close time are taken one after the other, so a fill of the
 * second, due at that close, would otherwise be judged against its previous close on a clock
 * the first one's record moved on. Ignored for an unconfigured instrument or a price the mark
 * would refuse (not finite and > 0). Returns OK, or ERR_RISK_NOT_READY.
 */
export function riskPriceInHand(instrument: i32, tsNs: i64, price: f64): i32 {
  if (!riskReady()) return ERR_RISK_NOT_READY;
  if (!configuredSlot(instrument) || !isFinite<f64>(price) || price <= 0.0) return OK;
  const s = riskSlotAddress(instrument);
  if (tsNs > load<i64>(s, RS_PRICE_IN_HAND_NS)) store<i64>(s, tsNs, RS_PRICE_IN_HAND_NS);
  return OK;
}

/** The equity now is settled: the drawdown reads it, and the high-water mark rises to it. */
// @ts-ignore: decorator
@inline
function settleEquity(): void {
  const h = RISK_HEADER;
  const equity = currentEquity();
  store<f64>(h, equity, RH_SETTLED_EQUITY);
  store<i32>(h, 0, RH_MARKED);
  if (equity > load<f64>(h, RH_HWM)) store<f64>(h, equity, RH_HWM);
}

/** Trips the kill switch on the settled equity's drawdown (see the header); returns flatten records written or a status. */
export function evaluateDrawdown(outRing: i32): i32 {
  const h = RISK_HEADER;
  const equity = load<f64>(h, RH_SETTLED_EQUITY);
  const hwm = load<f64>(h, RH_HWM);
  if (load<i32>(h, RH_HALTED) == 0 && hwm > 0.0 && hwm - equity >= load<f64>(h, RH_MAX_DRAWDOWN_PCT) * hwm) {
    store<i32>(h, 1, RH_HALTED);
    store<i32>(h, load<i32>(h, RH_TRIP_COUNT) + 1, RH_TRIP_COUNT);
    store<i64>(h, load<i64>(h, RH_CLOCK_NS), RH_TRIP_TS_NS);
    store<f64>(h, equity, RH_TRIP_EQUITY);
    store<i32>(h, 1, RH_FLATTEN_PENDING);
    return riskEmitFlatten(outRing);
  }
  if (load<i32>(h, RH_FLATTEN_PENDING) == 1) return riskEmitFlatten(outRing);
  return 0;
}

/**
 * Last trade price of `instrument` at `tsNs` (TRADE or BAR close). Unconfigured
 * instruments are ignored (0). Returns the number of flatten records written (a trip),
 * or a status: ERR_BAD_ARGUMENT (price not finite and > 0), ERR_RISK_FLATTEN_PENDING.
 */
export function riskOnMark(instrument: i32, tsNs: i64, price: f64, outRing: i32): i32 {
  if (!riskReady()) return ERR_RISK_NOT_READY;
  if (!configuredSlot(instrument)) return 0;
  if (!isFinite<f64>(price) || price <= 0.0) return ERR_BAD_ARGUMENT;
  advanceClock(tsNs);
  return markAt(instrument, tsNs, price, outRing);
}

/**
 * riskOnMark for a configured `instrument` and a finite `price` > 0, once the module is known
 * ready and the clock was advanced past `tsNs` (a batch caller does those once per batch).
 */
// @ts-ignore: decorator
@inline
export function markAt(instrument: i32, tsNs: i64, price: f64, outRing: i32): i32 {
  applyMark(riskSlotAddress(instrument), tsNs, price);
  store<i32>(RISK_HEADER, 1, RH_MARKED);
  return evaluateDrawdown(outRing);
}

/**
 * Adds `delta` (may be < 0) to slot `s`'s working buys (`buy`) or sells, never below 0, and
 * re-values its exposure. The order table calls it whenever an order's counted leaves change.
 */
export function adjustWorking(s: usize, buy: bool, delta: f64): void {
  const field = buy ? RS_PENDING_BUY : RS_PENDING_SELL;
  store<f64>(s + <usize>(field), Math.max(0.0, load<f64>(s + <usize>(field)) + delta));
  refreshExposure(s);
}

/**
 * Signed `qty` of accepted orders on `instrument` stopped working (filled, canceled, expired,
 * rejected): its working quantity is released. For callers that keep their own orders (the
 * risk module's tests and tools); the engine's order table adjusts the working sums itself.
 * Returns OK or a status.
 */
export function riskReleaseWorking(instrument: i32, qty: f64): i32 {
  if (!riskReady()) return ERR_RISK_NOT_READY;
  if (!configuredSlot(instrument)) return ERR_RISK_UNKNOWN_INSTRUMENT;
  if (!isFinite<f64>(qty)) return ERR_BAD_ARGUMENT;
  if (qty != 0.0) adjustWorking(riskSlotAddress(instrument), qty > 0.0, -Math.abs(qty));
  return OK;
}

/** Feeds one inbound market record (TRADE or BAR: a mark; other kinds: 0). Fills go through the order table. */
export function riskOnRecord(record: i32, outRing: i32): i32 {
  if (record < 0 || record > MEMORY_BYTES - EVENT_BYTES) return ERR_BAD_ARGUMENT;
  const r = <usize>record;
  const kind = load<i32>(r, EV_KIND) & KIND_MASK;
  const instrument = load<i32>(r, EV_INSTRUMENT);
  if ((kind & (KIND_TRADE | KIND_BAR)) != 0) return riskOnMark(instrument, markTimeOf(r, kind), load<f64>(r, EV_PRICE), outRing);
  return 0;
}

/** The time a TRADE (its exchange time) or BAR record (its close: max(open, tsLocal)) marks at. */
// @ts-ignore: decorator
@inline
export function markTimeOf(r: usize, kind: i32): i64 {
  const exchange = load<i64>(r, EV_TS_EXCHANGE);
  if ((kind & KIND_TRADE) != 0) return exchange;
  const local = load<i64>(r, EV_TS_LOCAL);
  return local > exchange ? local : exchange;
}

/**
 * While halted, writes one FlattenRequired record per open position to `outRing` (all or
 * none). Returns the count (0 when not halted or flat), ERR_RISK_FLATTEN_PENDING when the
 * ring lacks room (retry after draining), or a ring status.
 */
export function riskEmitFlatten(outRing: i32): i32 {
  const h = RISK_HEADER;
  if (load<i32>(h, RH_HALTED) == 0) return 0;
  const used = load<i32>(h, RH_SLOTS_IN_USE);
  let open: u32 = 0;
  for (let i = 0; i < used; i++) if (load<f64>(riskSlotAddress(i), RS_POSITION) != 0.0) open++;
  if (open > 0) {
    const status = ringCheck(outRing);
    if (status != OK) {
      store<i32>(h, 1, RH_FLATTEN_PENDING);
      return status;
    }
    if (riskRecordRoom(outRing) < open) {
      store<i32>(h, 1, RH_FLATTEN_PENDING);
      return ERR_RISK_FLATTEN_PENDING;
    }
    const clock = load<i64>(h, RH_CLOCK_NS);
    const tripEquity = load<f64>(h, RH_TRIP_EQUITY);
    for (let i = 0; i < used; i++) {
      const s = riskSlotAddress(i);
      const position = load<f64>(s, RS_POSITION);
      if (position != 0.0) publishRiskRecord(outRing, i, clock, clock, load<f64>(s, RS_MARK), -position, REASON_KILL_SWITCH_FLATTEN, tripEquity, 0);
    }
  }
  store<i32>(h, 0, RH_FLATTEN_PENDING);
  return <i32>open;
}

/** Restores the persisted kill-switch state at start (1 = halted, 0 = running). No records. */
export function riskRestoreHalted(halted: i32): i32 {
  if (!riskReady()) return ERR_RISK_NOT_READY;
  if (halted != 0 && halted != 1) return ERR_BAD_ARGUMENT;
  store<i32>(RISK_HEADER, halted, RH_HALTED);
  if (halted == 0) store<i32>(RISK_HEADER, 0, RH_FLATTEN_PENDING);
  return OK;
}

/** Clears the kill switch after an authenticated reset: trading resumes, hwm = equity now. */
export function riskResetKillSwitch(): i32 {
  if (!riskReady()) return ERR_RISK_NOT_READY;
  const h = RISK_HEADER;
  store<i32>(h, 0, RH_HALTED);
  store<i32>(h, 0, RH_FLATTEN_PENDING);
  store<f64>(h, currentEquity(), RH_HWM);
  store<f64>(h, currentEquity(), RH_SETTLED_EQUITY);
  return OK;
}

export function riskHalted(): i32 {
  return load<i32>(RISK_HEADER, RH_HALTED);
}

export function riskTripCount(): i32 {
  return load<i32>(RISK_HEADER, RH_TRIP_COUNT);
}

export function riskEquity(): f64 {
  return currentEquity();
}

export function riskRegionOffset(): i32 {
  return RISK_REGION_OFFSET;
}

export function riskRegionBytes(): i32 {
  return RISK_REGION_BYTES;
}

export function riskSlotOffset(instrument: i32): i32 {
  if (instrument < 0 || instrument >= RISK_INSTRUMENT_CAPACITY) return ERR_RISK_UNKNOWN_INSTRUMENT;
  return <i32>riskSlotAddress(instrument);
}

export function riskSlotBytes(): i32 {
  return RISK_SLOT_BYTES;
}

export function riskInstrumentCapacity(): i32 {
  return RISK_INSTRUMENT_CAPACITY;
}
