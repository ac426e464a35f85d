// A fill reaches the account: the one place a position changes. For a fill of signed `qty`
// at `price` with `fee` (quote currency) on an instrument with multiplier m, quote currency c
// (rate r) and position X:
//   1. the fill price becomes the mark (a trade print; older prints are ignored)
//   2. the part that closes X (up to |X|, against X's side) closes open lots (lots.ts), one
//      round trip each; their gross P&L is realised
//   3. the rest opens a lot at `price`; costBasis follows the open lots
//   4. cash: spot: balance(c) -= qty * price * m + fee;
//            margin: balance(c) += realised - fee
//   5. position += qty (a result within POSITION_DUST of the larger of |X| and |qty| is 0:
//      f64 dust, not a position; its lots are dropped), avgPrice = costBasis / position
//   6. the slot is re-valued (marketValue, exposure), the breakdown updated (fees, fills,
//      turnover, slippage against `refPx`, the price the order was decided at), and the
//      drawdown kill switch evaluated
// Working quantities are not touched: the order table derives them from its orders.
// engine/risk/reference-risk-engine.ts applies the same steps with the same f64 operations.
import { ERR_BAD_ARGUMENT, ERR_RISK_NOT_READY, ERR_RISK_UNKNOWN_INSTRUMENT } from '../errors';
import { advanceClock, applyMark, configuredSlot, evaluateDrawdown, refreshExposure, refreshValue, riskReady } from '../risk/risk-account';
import { RS_AVG_PRICE, RS_COST_BASIS, RS_CURRENCY, RS_MULTIPLIER, RS_POSITION, RS_SETTLEMENT, RS_VALUE_FACTOR, SETTLE_SPOT, riskSlotAddress } from '../risk/risk-layout';
import { addCash, currencyRate } from './ledger';
import { closeLots, dropLots, lastClosedCost, openLot } from './lots';
import { PI_FEES, PI_FILLS, PI_SLIPPAGE, PI_TURNOVER, portfolioSlotAddress } from './portfolio-layout';

/** A position within this fraction of the fill or the previous position is f64 dust: it becomes 0. */
export const POSITION_DUST: f64 = 1e-9;

/**
 * Applies a fill (see the header) for `orderId` (0 when unknown), created by `rule`, whose
 * parent order is `parentId` (0: none; LINK_PARENT closes its lots first). Round trips go to
 * `ring`. Returns the flatten records a kill-switch trip wrote, or a status: ERR_RISK_NOT_READY,
 * ERR_RISK_UNKNOWN_INSTRUMENT, ERR_BAD_ARGUMENT (qty 0 or not finite, price not finite and > 0,
 * fee not finite), ERR_RISK_FLATTEN_PENDING.
 */
export function portfolioApplyFill(
  instrument: i32, tsNs: i64, qty: f64, price: f64, fee: f64, orderId: u64, rule: i32, parentId: u64, refPx: f64, ring: i32,
): i32 {
  if (!riskReady()) return ERR_RISK_NOT_READY;
  if (!configuredSlot(instrument)) return ERR_RISK_UNKNOWN_INSTRUMENT;
  if (!isFinite<f64>(qty) || qty == 0.0 || !isFinite<f64>(price) || price <= 0.0 || !isFinite<f64>(fee)) return ERR_BAD_ARGUMENT;
  advanceClock(tsNs);
  const s = riskSlotAddress(instrument);
  const p = portfolioSlotAddress(instrument);
  applyMark(s, tsNs, price);
  const multiplier = load<f64>(s, RS_MULTIPLIER);
  const currency = load<i32>(s, RS_CURRENCY);
  const position = load<f64>(s, RS_POSITION);
  const size = Math.abs(qty);
  let costBasis = load<f64>(s, RS_COST_BASIS);
  let realised: f64 = 0.0;
  let opening = qty;
  if (position != 0.0 && (position > 0.0) != (qty > 0.0)) {
    const closing = Math.min(size, Math.abs(position));
    realised = closeLots(instrument, p, closing, price, tsNs, fee / size, orderId, rule, parentId, multiplier, currencyRate(currency), ring);
    costBasis -= lastClosedCost();
    opening = qty > 0.0 ? qty - closing : qty + closing;
  }
  let next = position + qty;
  if (Math.abs(next) <= POSITION_DUST * Math.max(Math.abs(position), size)) next = 0.0;
  if (next == 0.0) {
    dropLots(p);
    costBasis = 0.0;
  } else if (opening != 0.0) {
    openLot(p, orderId, opening, price, tsNs, fee / size, rule);
    costBasis += opening * price;
  }
  if (load<i32>(s, RS_SETTLEMENT) == SETTLE_SPOT) addCash(currency, -(qty * price * multiplier + fee));
  else addCash(currency, realised - fee);
  store<f64>(s, next, RS_POSITION);
  store<f64>(s, costBasis, RS_COST_BASIS);
  store<f64>(s, next != 0.0 ? costBasis / next : 0.0, RS_AVG_PRICE);
  refreshValue(s);
  refreshExposure(s);
  store<f64>(p, load<f64>(p, PI_FEES) + fee, PI_FEES);
  store<i64>(p, load<i64>(p, PI_FILLS) + 1, PI_FILLS);
  store<f64>(p, load<f64>(p, PI_TURNOVER) + size * price * load<f64>(s, RS_VALUE_FACTOR), PI_TURNOVER);
  if (refPx > 0.0) store<f64>(p, load<f64>(p, PI_SLIPPAGE) + (price - refPx) * qty * multiplier, PI_SLIPPAGE);
  return evaluateDrawdown(ring);
}

/**
 * A fill from a caller that keeps its own orders (tests, tools): signed `qty` (+ bought,
 * - sold) at `price` with `fee` at `tsNs`, no order id. See portfolioApplyFill.
 */
export function riskOnFill(instrument: i32, tsNs: i64, qty: f64, price: f64, fee: f64, outRing: i32): i32 {
  return portfolioApplyFill(instrument, tsNs, qty, price, fee, 0, -1, 0, 0.0, outRing);
}
