// Pre-trade risk checks of the core: every order the core sends passes riskDecide first (the
// order table sends it, counts its leaves as working and the rate window counts it:
// orders/order-commands.ts); riskCheckOrder is the same for callers that keep their own
// orders (it counts the order as working itself). A refusal is a risk record
// (OrderDenied / OrderDeferred, risk-reasons.ts) on the outbound ring.
// engine/risk/reference-risk-engine.ts is the plain TS reference of the same rules.
//
// With P = position + pendingBuy (buy) or position - pendingSell (sell), the worst-case
// position in the order's direction, and A = P + qty: the order is an EXIT when it moves
// P toward zero without crossing it, or when it is reduce-only (the venue never lets it add
// exposure); otherwise it adds exposure. Notional values use the instrument's valueFactor
// (multiplier * rate: account currency). Checks, first failure wins:
//
//   1 INVALID_ORDER       qty finite and != 0, price finite and > 0
//   2 UNKNOWN_INSTRUMENT  instrument configured
//   3 KILL_SWITCH         entries only: not halted
//   19/20/21 FEED_*       the instrument's feed state (feed-health.ts): reduce-only denies entries
//                         (19 FEED_REDUCE_ONLY); halt and cancel-all deny entries (20 FEED_HALT)
//                         and defer exits (21 DEFERRED_FEED_HALT); `b` is the condition mask
//   4/5 STALE_PRICE       a mark no older than the instrument's staleNs (exits: DEFERRED); a market
//                         record the engine holds and marks next counts (risk-account.ts markStale)
//   6 PRICE_BAND          |price - mark| <= priceBandPct * mark, unless `bandExempt`: an exit's
//                         stop or profit tier lies away from the market by design (exits.stopPct
//                         0.08). A strategy's reduce-only close is not exempt: it is priced at the
//                         market (its decision price, or a limit a few bps from it), so one far
//                         outside the band is a bad price, not a design; only while the kill switch
//                         is halted does the flat target's close skip the band (order-commands.ts)
//   7 LOT_SIZE            |qty| / lotSize an integer (relative tolerance 1e-9), unless the exit closes the position
//   8 MIN_NOTIONAL        |qty| * (price * valueFactor) >= minNotional, unless the exit closes the position
//   9/10 ORDER_RATE       fewer than maxOrders accepted in (clock - windowNs, clock] (exits: DEFERRED)
//   entries only, with equity E = cash + marketValue (risk-account.ts, account currency):
//   11 DAILY_LOSS         dayStartEquity - E < dailyLossPct * dayStartEquity
//   12 MAX_POSITION       |A| * (price * valueFactor) <= maxPositionPct * E
//   13 ASSET_CLASS        sum over the class of worst-case |position| * mark * valueFactor <= maxAssetClassPct * E
//   14 GROSS_EXPOSURE     sum over all instruments of the same <= maxGrossExposure
//   15 LEVERAGE           that gross sum <= maxLeverage * E
// (worst-case |position| of an instrument = max(|position + pendingBuy|, |position - pendingSell|),
// valued at the order price * valueFactor for the order's instrument, with the order included; the other
// instruments come from the exposure sums kept in risk-account.ts, so a check is O(1).)
import { ERR_OUTBOUND_FULL, ERR_RISK_NOT_READY, OK } from '../errors';
import { ringCheck } from '../ring';
import { advanceClock, currentEquity, markStale, refreshExposure, riskReady } from './risk-account';
import { publishRiskRecord, riskRecordRoom } from './risk-records';
import {
  REASON_ASSET_CLASS,
  REASON_DAILY_LOSS,
  REASON_DEFERRED_ORDER_RATE,
  REASON_DEFERRED_FEED_HALT,
  REASON_DEFERRED_STALE_PRICE,
  REASON_FEED_HALT,
  REASON_FEED_REDUCE_ONLY,
  REASON_GROSS_EXPOSURE,
  REASON_INVALID_ORDER,
  REASON_KILL_SWITCH,
  REASON_LEVERAGE,
  REASON_LOT_SIZE,
  REASON_MAX_POSITION,
  REASON_MIN_NOTIONAL,
  REASON_ORDER_RATE,
  REASON_PRICE_BAND,
  REASON_STALE_PRICE,
  REASON_UNKNOWN_INSTRUMENT,
  RISK_ACCEPTED,
} from './risk-reasons';
import {
  RH_DAILY_LOSS_PCT,
  RH_DAY_START_EQUITY,
  RH_GROSS_EXPOSURE,
  RH_HALTED,
  RH_MAX_ASSET_CLASS_PCT,
  RH_MAX_DRAWDOWN_PCT,
  RH_MAX_GROSS_EXPOSURE,
  RH_MAX_LEVERAGE,
  RH_MAX_ORDERS,
  RH_MAX_POSITION_PCT,
  RH_MIN_NOTIONAL,
  RH_PRICE_BAND_PCT,
  RH_RATE_FILLED,
  RH_RATE_NEXT,
  RH_WINDOW_NS,
  RISK_HEADER,
  RISK_INSTRUMENT_CAPACITY,
  RISK_RATE_OFFSET,
  RS_ASSET_CLASS,
  RS_CONFIGURED,
  RS_EXPOSURE,
  RS_FEED_ACTION,
  RS_FEED_MASK,
  RS_INV_LOT,
  RS_LOT_SIZE,
  RS_MARK,
  RS_PENDING_BUY,
  RS_PENDING_SELL,
  RS_POSITION,
  RS_STALE_NS,
  RS_VALUE_FACTOR,
  riskClassAddress,
  riskSlotAddress,
} from './risk-layout';

/** The limit value of the last failed check (the `b` field of the risk record). */
let deniedLimit: f64 = 0.0;

// @ts-ignore: decorator
@inline
function deny(reason: i32, limit: f64): i32 {
  deniedLimit = limit;
  return reason;
}

/** Worst-case |position| of slot `s` with `extraBuy` / `extraSell` more pending. */
// @ts-ignore: decorator
@inline
function worstCase(s: usize, extraBuy: f64, extraSell: f64): f64 {
  const position = load<f64>(s, RS_POSITION);
  return Math.max(Math.abs(position + (load<f64>(s, RS_PENDING_BUY) + extraBuy)), Math.abs(position - (load<f64>(s, RS_PENDING_SELL) + extraSell)));
}

// @ts-ignore: decorator
@inline
function decide(instrument: i32, qty: f64, price: f64, clock: i64, reduceOnly: bool, sizeQty: f64, bandExempt: bool): i32 {
  if (!isFinite<f64>(qty) || qty == 0.0 || !isFinite<f64>(price) || price <= 0.0) return deny(REASON_INVALID_ORDER, 0.0);
  if (instrument < 0 || instrument >= RISK_INSTRUMENT_CAPACITY || load<i32>(riskSlotAddress(instrument), RS_CONFIGURED) != 1) {
    return deny(REASON_UNKNOWN_INSTRUMENT, 0.0);
  }
  const h = RISK_HEADER;
  const s = riskSlotAddress(instrument);
  const position = load<f64>(s, RS_POSITION);
  const projected = qty > 0.0 ? position + load<f64>(s, RS_PENDING_BUY) : position - load<f64>(s, RS_PENDING_SELL);
  const after = projected + qty;
  const exit = reduceOnly || (projected > 0.0 && qty < 0.0 && after >= 0.0) || (projected < 0.0 && qty > 0.0 && after <= 0.0);

  if (!exit && load<i32>(h, RH_HALTED) != 0) return deny(REASON_KILL_SWITCH, load<f64>(h, RH_MAX_DRAWDOWN_PCT));
  const feed = load<i32>(s, RS_FEED_ACTION); // FEED_OK 0, FEED_REDUCE_ONLY 1, FEED_HALT 2, FEED_CANCEL_ALL 3 (feed-health.ts)
  if (feed != 0) {
    if (feed >= 2) return deny(exit ? REASON_DEFERRED_FEED_HALT : REASON_FEED_HALT, <f64>load<i32>(s, RS_FEED_MASK));
    if (!exit) return deny(REASON_FEED_REDUCE_ONLY, <f64>load<i32>(s, RS_FEED_MASK));
  }
  if (markStale(s, clock)) return deny(exit ? REASON_DEFERRED_STALE_PRICE : REASON_STALE_PRICE, <f64>load<i64>(s, RS_STALE_NS));
  const mark = load<f64>(s, RS_MARK);
  if (!bandExempt && Math.abs(price - mark) > load<f64>(h, RH_PRICE_BAND_PCT) * mark) return deny(REASON_PRICE_BAND, mark);
  const lot = load<f64>(s, RS_LOT_SIZE);
  const lots = Math.abs(qty) * load<f64>(s, RS_INV_LOT);
  // A full close is exempt: a position off the lot size (partial fills under a participation
  // cap, a canceled remainder) must still be closable by its exits and a target of flat.
  if (Math.abs(lots - Math.round(lots)) > 1e-9 * Math.max(1.0, lots) && !(exit && position + qty == 0.0)) return deny(REASON_LOT_SIZE, lot);
  const value = price * load<f64>(s, RS_VALUE_FACTOR);
  const minNotional = load<f64>(h, RH_MIN_NOTIONAL);
  if (Math.abs(sizeQty) * value < minNotional && !(exit && (position + qty == 0.0 || reduceOnly))) return deny(REASON_MIN_NOTIONAL, minNotional);
  const maxOrders = load<i32>(h, RH_MAX_ORDERS);
  if (load<i32>(h, RH_RATE_FILLED) >= maxOrders) {
    const oldest = load<i64>(<usize>(RISK_RATE_OFFSET + (load<i32>(h, RH_RATE_NEXT) << 3)));
    if (clock - oldest < load<i64>(h, RH_WINDOW_NS)) return deny(exit ? REASON_DEFERRED_ORDER_RATE : REASON_ORDER_RATE, <f64>maxOrders);
  }
  if (exit) return RISK_ACCEPTED;

  const equity = currentEquity();
  const dayStart = load<f64>(h, RH_DAY_START_EQUITY);
  const dailyLimit = load<f64>(h, RH_DAILY_LOSS_PCT) * dayStart;
  if (dayStart - equity >= dailyLimit) return deny(REASON_DAILY_LOSS, dailyLimit);
  const positionLimit = load<f64>(h, RH_MAX_POSITION_PCT) * equity;
  if (Math.abs(after) * value > positionLimit) return deny(REASON_MAX_POSITION, positionLimit);

  // The order's instrument is valued with the order at the order price; every other one at
  // its exposure in the sums (risk-account.ts refreshExposure), so this is O(1).
  const own = load<f64>(s, RS_EXPOSURE);
  const mine = worstCase(s, qty > 0.0 ? qty : 0.0, qty < 0.0 ? -qty : 0.0) * value;
  const classExposure = (load<f64>(riskClassAddress(load<i32>(s, RS_ASSET_CLASS))) - own) + mine;
  const gross = (load<f64>(h, RH_GROSS_EXPOSURE) - own) + mine;
  const classLimit = load<f64>(h, RH_MAX_ASSET_CLASS_PCT) * equity;
  if (classExposure > classLimit) return deny(REASON_ASSET_CLASS, classLimit);
  const grossLimit = load<f64>(h, RH_MAX_GROSS_EXPOSURE);
  if (gross > grossLimit) return deny(REASON_GROSS_EXPOSURE, grossLimit);
  const leverageLimit = load<f64>(h, RH_MAX_LEVERAGE) * equity;
  if (gross > leverageLimit) return deny(REASON_LEVERAGE, leverageLimit);
  return RISK_ACCEPTED;
}

/**
 * The risk decision for `qty` (signed) of `instrument` at `price` (limit price, or the expected
 * fill price of a market order) on the risk clock `clock`, changing nothing: RISK_ACCEPTED (0)
 * or the reason code of the first failed check (riskDeniedLimit() gives the limit it met).
 * The caller has checked riskReady() and advanced the clock. `sizeQty` is the quantity the
 * minimum notional is judged on: `qty` for a new order; for a replace that adds `qty` to an
 * order, the order's new leaves (the size the venue sees), not the increase alone.
 * `bandExempt` skips the price band (an exit rule's stop or profit tier: see the header).
 */
export function riskDecide(instrument: i32, qty: f64, price: f64, clock: i64, reduceOnly: bool, sizeQty: f64, bandExempt: bool): i32 {
  return decide(instrument, qty, price, clock, reduceOnly, sizeQty, bandExempt);
}

/** The limit value of the last refusal of riskDecide (the `b` field of its risk record). */
// @ts-ignore: decorator
@inline
export function riskDeniedLimit(): f64 {
  return deniedLimit;
}

/** Counts an accepted order at `clock` in the order-rate window. */
export function riskCountAccepted(clock: i64): void {
  const h = RISK_HEADER;
  const maxOrders = load<i32>(h, RH_MAX_ORDERS);
  const next = load<i32>(h, RH_RATE_NEXT);
  store<i64>(<usize>(RISK_RATE_OFFSET + (next << 3)), clock);
  store<i32>(h, next + 1 == maxOrders ? 0 : next + 1, RH_RATE_NEXT);
  const filled = load<i32>(h, RH_RATE_FILLED);
  if (filled < maxOrders) store<i32>(h, filled + 1, RH_RATE_FILLED);
}

/**
 * Checks the order `orderId` for signed `qty` (+ buy, - sell) of `instrument` at `price`
 * (limit price, or the expected fill price of a market order) at `tsNs`, for a caller that
 * keeps its own orders. Returns RISK_ACCEPTED (0: the order now counts as working and in the
 * rate window; riskReleaseWorking ends that) or its reason code (> 0, a risk record was
 * written to `outRing`), or a status: ERR_RISK_NOT_READY, ERR_OUTBOUND_FULL (no room for the
 * record: nothing recorded, retry after draining).
 */
export function riskCheckOrder(instrument: i32, tsNs: i64, qty: f64, price: f64, orderId: i64, outRing: i32): i32 {
  if (!riskReady()) return ERR_RISK_NOT_READY;
  const clock = advanceClock(tsNs);
  const reason = decide(instrument, qty, price, clock, false, qty, false);
  if (reason != RISK_ACCEPTED) {
    const status = ringCheck(outRing);
    if (status != OK) return status;
    if (riskRecordRoom(outRing) < 1) return ERR_OUTBOUND_FULL;
    publishRiskRecord(outRing, instrument, tsNs, clock, price, qty, reason, deniedLimit, orderId);
    return reason;
  }
  const s = riskSlotAddress(instrument);
  if (qty > 0.0) store<f64>(s, load<f64>(s, RS_PENDING_BUY) + qty, RS_PENDING_BUY);
  else store<f64>(s, load<f64>(s, RS_PENDING_SELL) - qty, RS_PENDING_SELL);
  refreshExposure(s);
  riskCountAccepted(clock);
  return RISK_ACCEPTED;
}
