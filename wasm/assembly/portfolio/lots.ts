// Structural buy-sell linking: every entry fill opens a lot (order id, signed quantity, price,
// time, fee per unit); every closing fill closes lots, chosen by the portfolio's linking
// policy, and each closed piece is one round trip (round-trips.ts) carrying both order ids.
// P&L per round trip therefore follows the orders even when exits fill out of the order
// they were sent in. Realised P&L is the sum of the round trips' gross P&L; the open lots'
// cost is the risk slot's costBasis (avgPrice = costBasis / position).
//
//   LINK_FIFO    oldest lot first
//   LINK_LIFO    newest lot first
//   LINK_PARENT  the lots opened by the exit order's parent (the entry order it protects)
//                first, then oldest first
//
// Lots of an instrument form a list, oldest to newest. Consecutive fills of the same order
// join one lot (price-weighted); so does any entry when the instrument already holds
// LOTS_PER_INSTRUMENT_MAX lots (counted in lotMerges), so a fill never closes more than
// LOTS_PER_INSTRUMENT_MAX lots and its round-trip records stay bounded. The pool holds that
// many lots for every instrument (portfolio-layout.ts), so it is never empty for an entry that
// needs a new lot.
import {
  LINK_FIFO, LINK_LIFO, LINK_PARENT, LOTS_PER_INSTRUMENT_MAX, L_FEE_PER_UNIT, L_NEXT, L_ORDER_ID, L_PREV, L_PRICE, L_QTY, L_RULE, L_TS,
  PH_LINKING, PH_LOT_FREE, PH_LOT_MERGES, PH_LOTS_UNTOUCHED, PH_LOTS_USED, PORTFOLIO_LOT_CAPACITY, PI_LOT_COUNT, PI_LOT_HEAD, PI_LOT_TAIL, PI_REALISED, PORTFOLIO_HEADER, lotAddress,
} from './portfolio-layout';
import { writeRoundTrip } from './round-trips';

/** A lot whose remaining quantity is within this fraction of what it closes counts as closed (f64 dust). */
const DUST: f64 = 1e-12;

/** Cost (signed quantity * price) of the lots the last closeLots call closed. */
let closedCost: f64 = 0.0;

// @ts-ignore: decorator
@inline
export function lastClosedCost(): f64 {
  return closedCost;
}

function unlink(p: usize, lot: i32): void {
  const a = lotAddress(lot);
  const next = load<i32>(a, L_NEXT);
  const prev = load<i32>(a, L_PREV);
  if (prev >= 0) store<i32>(lotAddress(prev), next, L_NEXT);
  else store<i32>(p, next, PI_LOT_HEAD);
  if (next >= 0) store<i32>(lotAddress(next), prev, L_PREV);
  else store<i32>(p, prev, PI_LOT_TAIL);
  store<i32>(p, load<i32>(p, PI_LOT_COUNT) - 1, PI_LOT_COUNT);
  const h = PORTFOLIO_HEADER;
  store<i32>(a, load<i32>(h, PH_LOT_FREE), L_NEXT);
  store<i32>(h, lot, PH_LOT_FREE);
  store<i32>(h, load<i32>(h, PH_LOTS_USED) - 1, PH_LOTS_USED);
}

/**
 * Opens a lot of signed `qty` at `price` for `orderId` on the instrument whose portfolio slot
 * is `p` (or joins its newest lot: see the header). The caller adds qty * price to costBasis.
 */
export function openLot(p: usize, orderId: u64, qty: f64, price: f64, tsNs: i64, feePerUnit: f64, rule: i32): void {
  const h = PORTFOLIO_HEADER;
  const tail = load<i32>(p, PI_LOT_TAIL);
  const free = load<i32>(h, PH_LOT_FREE);
  const untouched = load<i32>(h, PH_LOTS_UNTOUCHED);
  const full = load<i32>(p, PI_LOT_COUNT) >= LOTS_PER_INSTRUMENT_MAX || (free < 0 && untouched <= 0);
  if (tail >= 0 && (full || load<u64>(lotAddress(tail), L_ORDER_ID) == orderId)) {
    const a = lotAddress(tail);
    const held = load<f64>(a, L_QTY);
    const joined = held + qty;
    store<f64>(a, (load<f64>(a, L_PRICE) * held + price * qty) / joined, L_PRICE);
    store<f64>(a, (load<f64>(a, L_FEE_PER_UNIT) * Math.abs(held) + feePerUnit * Math.abs(qty)) / Math.abs(joined), L_FEE_PER_UNIT);
    store<f64>(a, joined, L_QTY);
    if (load<u64>(a, L_ORDER_ID) != orderId) store<i64>(h, load<i64>(h, PH_LOT_MERGES) + 1, PH_LOT_MERGES);
    return;
  }
  let lot = free;
  if (free >= 0) {
    store<i32>(h, load<i32>(lotAddress(free), L_NEXT), PH_LOT_FREE);
  } else {
    lot = PORTFOLIO_LOT_CAPACITY - untouched;
    store<i32>(h, untouched - 1, PH_LOTS_UNTOUCHED);
  }
  const a = lotAddress(lot);
  store<i32>(h, load<i32>(h, PH_LOTS_USED) + 1, PH_LOTS_USED);
  store<u64>(a, orderId, L_ORDER_ID);
  store<f64>(a, qty, L_QTY);
  store<f64>(a, price, L_PRICE);
  store<i64>(a, tsNs, L_TS);
  store<f64>(a, feePerUnit, L_FEE_PER_UNIT);
  store<i32>(a, rule, L_RULE);
  store<i32>(a, -1, L_NEXT);
  store<i32>(a, tail, L_PREV);
  if (tail >= 0) store<i32>(lotAddress(tail), lot, L_NEXT);
  else store<i32>(p, lot, PI_LOT_HEAD);
  store<i32>(p, lot, PI_LOT_TAIL);
  store<i32>(p, load<i32>(p, PI_LOT_COUNT) + 1, PI_LOT_COUNT);
}

/** The next lot to close under the linking policy, or -1. */
function pickLot(p: usize, parentId: u64): i32 {
  const linking = load<i32>(PORTFOLIO_HEADER, PH_LINKING);
  if (linking == LINK_LIFO) return load<i32>(p, PI_LOT_TAIL);
  if (linking == LINK_PARENT && parentId != 0) {
    for (let lot = load<i32>(p, PI_LOT_HEAD); lot >= 0; lot = load<i32>(lotAddress(lot), L_NEXT)) {
      if (load<u64>(lotAddress(lot), L_ORDER_ID) == parentId) return lot;
    }
  }
  return load<i32>(p, PI_LOT_HEAD);
}

/**
 * Closes `quantity` (> 0) of instrument `instrument`'s open lots (portfolio slot `p`) at
 * `exitPx` for the fill of `exitOrderId`: one round trip per lot piece, written to `ring`.
 * `exitFeePerUnit` is the fill's fee per unit, `multiplier` and `rate` value the P&L.
 * Returns the gross P&L realised (quote currency); lastClosedCost() gives the cost closed.
 */
export function closeLots(
  instrument: i32, p: usize, quantity: f64, exitPx: f64, exitTs: i64, exitFeePerUnit: f64, exitOrderId: u64, exitRule: i32, parentId: u64,
  multiplier: f64, rate: f64, ring: i32,
): f64 {
  closedCost = 0.0;
  let left = quantity;
  let realised: f64 = 0.0;
  const linkPolicy = load<i32>(PORTFOLIO_HEADER, PH_LINKING);
  for (let n = 0; n <= LOTS_PER_INSTRUMENT_MAX && left > 0.0; n++) {
    const lot = pickLot(p, linkPolicy == LINK_FIFO ? 0 : parentId);
    if (lot < 0) break;
    const a = lotAddress(lot);
    const held = load<f64>(a, L_QTY);
    const size = Math.abs(held);
    const whole = left >= size * (1.0 - DUST);
    const take = whole ? size : left;
    const piece = held > 0.0 ? take : -take;
    const entryPx = load<f64>(a, L_PRICE);
    const gross = (exitPx - entryPx) * piece * multiplier;
    const entryFees = load<f64>(a, L_FEE_PER_UNIT) * take;
    const exitFees = exitFeePerUnit * take;
    writeRoundTrip(ring, instrument, load<i64>(a, L_TS), exitTs, entryPx, piece, exitPx, load<u64>(a, L_ORDER_ID), exitOrderId, gross, entryFees, exitFees, rate, load<i32>(a, L_RULE), exitRule);
    realised += gross;
    closedCost += piece * entryPx;
    if (whole) unlink(p, lot);
    else store<f64>(a, held > 0.0 ? held - take : held + take, L_QTY);
    left = whole ? left - size : 0.0;
  }
  store<f64>(p, load<f64>(p, PI_REALISED) + realised, PI_REALISED);
  return realised;
}

/**
 * Entry fees (quote currency) of the instrument's open lots: sum of feePerUnit * |qty| over the
 * lots of portfolio slot `p`, oldest first (at most LOTS_PER_INSTRUMENT_MAX lots). Paid already,
 * they leave the P&L when their lot closes (in its round trip's entry fees).
 */
export function openLotFees(p: usize): f64 {
  let fees: f64 = 0.0;
  for (let lot = load<i32>(p, PI_LOT_HEAD); lot >= 0; lot = load<i32>(lotAddress(lot), L_NEXT)) {
    const a = lotAddress(lot);
    fees += load<f64>(a, L_FEE_PER_UNIT) * Math.abs(load<f64>(a, L_QTY));
  }
  return fees;
}

/** Drops every open lot of the instrument (its position became flat within f64 dust). */
export function dropLots(p: usize): void {
  for (let lot = load<i32>(p, PI_LOT_HEAD); lot >= 0; lot = load<i32>(p, PI_LOT_HEAD)) unlink(p, lot);
}

