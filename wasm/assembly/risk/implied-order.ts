// The order a target position implies, as the order stage proposes it to the pre-trade
// checks (pipeline/order-stage.ts; engine/risk/reference-risk-engine.ts impliedOrder is the
// TS mirror, with the same f64 operations in the same order). For instrument slot s with
// position X, working entry buys B and sells S, lot L (invLot = 1 / L), equity E, target T at
// price p and value factor F (multiplier * rate: account currency per unit of price):
//
//   1. qty = L * floor((T - (X + B - S)) * invLot + 0.5): the change in whole lots; an order
//      that would leave less than half a lot closes the position exactly (no f64 dust).
//   2. Fit to the exposure limits (entries only; an exit, toward zero without crossing it, is
//      never cut). With P the worst-case position in the order's direction (X + B for a
//      buy, X - S for a sell) and A = P + qty, the room for |A| * p * F is the smallest of
//        MAX_POSITION    maxPositionPct * E
//        ASSET_CLASS     maxAssetClassPct * E - (class sum - own exposure)
//        GROSS_EXPOSURE  maxGrossExposure   - (gross sum - own exposure)
//        LEVERAGE        maxLeverage * E    - (gross sum - own exposure)
//      (the last three are 0 when the other side's worst case, |X - S| for a buy or |X + B|
//      for a sell, valued at p * F, already exceeds them). When |A| exceeds
//      room * (1 - FIT_MARGIN) / (p * F), A is
//      cut to that size in whole lots toward zero, but never below the part of the order
//      that only closes an opposite position (that part is exact). The limit that cut it is
//      the order's shaping limit.
//   3. An order below minNotional (|qty| * p * F) that does not close the position is not proposed (its
//      shaping limit is MIN_NOTIONAL): the checks would deny it, and the venue would too.
//
// So a target above a limit gives the largest position the limits allow instead of a
// denial on every bar, and the checks still run on every proposed order (a fit that misses
// by rounding is denied, never accepted). The daily-loss, kill-switch, staleness, price-band
// and order-rate gates are not sizes: orders meet them in the checks.
import { configuredSlot, currentEquity, riskReady } from './risk-account';
import { REASON_ASSET_CLASS, REASON_GROSS_EXPOSURE, REASON_LEVERAGE, REASON_MAX_POSITION, REASON_MIN_NOTIONAL } from './risk-reasons';
import {
  RH_GROSS_EXPOSURE,
  RH_MAX_ASSET_CLASS_PCT,
  RH_MAX_GROSS_EXPOSURE,
  RH_MAX_LEVERAGE,
  RH_MAX_POSITION_PCT,
  RH_MIN_NOTIONAL,
  RISK_HEADER,
  RS_ASSET_CLASS,
  RS_EXPOSURE,
  RS_INV_LOT,
  RS_LOT_SIZE,
  RS_PENDING_BUY,
  RS_PENDING_SELL,
  RS_POSITION,
  RS_VALUE_FACTOR,
  riskClassAddress,
  riskSlotAddress,
} from './risk-layout';

/** Relative headroom a fitted order leaves below the binding limit, so f64 rounding in the sums cannot push it over. */
export const FIT_MARGIN: f64 = 1e-9;

/** Shaping limit of the last impliedOrderQty (a risk reason code; 0 when no limit shaped the order). */
let shapingLimit: i32 = 0;

// @ts-ignore: decorator
@inline
export function lastShapingLimit(): i32 {
  return shapingLimit;
}

/**
 * Steps 1-3 of the header for configured slot `s`, target `target` and price `price` (finite,
 * > 0). Returns the signed order quantity, 0 for no order; lastShapingLimit() tells what shaped it.
 */
// @ts-ignore: decorator
@inline
export function impliedOrderQty(s: usize, target: f64, price: f64): f64 {
  shapingLimit = 0;
  const lot = load<f64>(s, RS_LOT_SIZE);
  const invLot = load<f64>(s, RS_INV_LOT);
  const position = load<f64>(s, RS_POSITION);
  const pendingBuy = load<f64>(s, RS_PENDING_BUY);
  const pendingSell = load<f64>(s, RS_PENDING_SELL);
  const net = position + pendingBuy - pendingSell;
  let qty = lot * Math.floor((target - net) * invLot + 0.5);
  if (qty == 0) return 0;
  if (Math.abs(net + qty) < 0.5 * lot) qty = -net;

  const factor = load<f64>(s, RS_VALUE_FACTOR);
  const value = price * factor;
  const buy = qty > 0.0;
  const projected = buy ? position + pendingBuy : position - pendingSell;
  const after = projected + qty;
  const exit = buy ? projected < 0.0 && after <= 0.0 : projected > 0.0 && after >= 0.0;
  if (!exit) {
    const h = RISK_HEADER;
    const equity = currentEquity();
    const own = load<f64>(s, RS_EXPOSURE);
    const classOthers = load<f64>(riskClassAddress(load<i32>(s, RS_ASSET_CLASS))) - own;
    const grossOthers = load<f64>(h, RH_GROSS_EXPOSURE) - own;
    let sumRoom = load<f64>(h, RH_MAX_ASSET_CLASS_PCT) * equity - classOthers;
    let sumLimit = REASON_ASSET_CLASS;
    const grossRoom = load<f64>(h, RH_MAX_GROSS_EXPOSURE) - grossOthers;
    if (grossRoom < sumRoom) {
      sumRoom = grossRoom;
      sumLimit = REASON_GROSS_EXPOSURE;
    }
    const leverageRoom = load<f64>(h, RH_MAX_LEVERAGE) * equity - grossOthers;
    if (leverageRoom < sumRoom) {
      sumRoom = leverageRoom;
      sumLimit = REASON_LEVERAGE;
    }
    const otherSide = Math.abs(buy ? position - pendingSell : position + pendingBuy) * value;
    if (otherSide > sumRoom) sumRoom = 0.0;
    let room = load<f64>(h, RH_MAX_POSITION_PCT) * equity;
    let limit = REASON_MAX_POSITION;
    if (sumRoom < room) {
      room = sumRoom;
      limit = sumLimit;
    }
    const maxAfter = (room * (1.0 - FIT_MARGIN)) / value;
    if (Math.abs(after) > maxAfter) {
      // Cut A to maxAfter in whole lots toward zero; the closing part (to flat) stays exact.
      if (buy) {
        const cut = lot * Math.floor((maxAfter - projected) * invLot);
        const closing = projected < 0.0 ? -projected : 0.0;
        qty = cut > closing ? cut : closing;
      } else {
        const cut = -lot * Math.floor((maxAfter + projected) * invLot);
        const closing = projected > 0.0 ? -projected : 0.0;
        qty = cut < closing ? cut : closing;
      }
      shapingLimit = limit;
      if (qty == 0) return 0;
    }
  }
  if (Math.abs(qty) * value < load<f64>(RISK_HEADER, RH_MIN_NOTIONAL) && position + qty != 0.0) {
    shapingLimit = REASON_MIN_NOTIONAL;
    return 0;
  }
  return qty;
}

/**
 * The order the order stage would propose for `instrument` to reach `target` at `price`
 * (steps 1-3 of the header, from the risk state now): its signed quantity, 0 for none, or
 * NaN when the module is not ready, the instrument not configured or the target or price
 * unusable (target finite, price finite and > 0). riskImpliedOrderLimit() gives what shaped it.
 */
export function riskImpliedOrder(instrument: i32, target: f64, price: f64): f64 {
  shapingLimit = 0;
  if (!riskReady() || !configuredSlot(instrument) || !isFinite<f64>(target) || !isFinite<f64>(price) || price <= 0.0) return NaN;
  return impliedOrderQty(riskSlotAddress(instrument), target, price);
}

/** Shaping limit of the last implied order (a risk reason code, 0 when none shaped it). */
export function riskImpliedOrderLimit(): i32 {
  return shapingLimit;
}
