// Plain TS mirror of wasm/assembly/portfolio/lots.ts (structural buy-sell linking) and of the
// round-trip arithmetic of round-trips.ts, with the same f64 operations in the same order, so
// engine/risk/reference-risk-engine.ts agrees with the core bit for bit. An instrument's open
// lots are an array, oldest first; the pool's counters stand for the core's shared lot pool.
//
//   LINK_FIFO    oldest lot first
//   LINK_LIFO    newest lot first
//   LINK_PARENT  the lots opened by the exit order's parent first, then oldest first
//
// Consecutive fills of one order join one lot (price-weighted), and so does any entry when the
// instrument already holds LOTS_PER_INSTRUMENT_MAX lots or the pool is empty (a merge).
import { LINK_FIFO, LINK_LIFO, LINK_PARENT, LOTS_PER_INSTRUMENT_MAX, PORTFOLIO_LOT_CAPACITY } from './portfolio-layout.js';
import type { RoundTrip } from './portfolio.js';

/** A lot whose remaining quantity is within this fraction of what it closes counts as closed (f64 dust). */
const LOT_DUST = 1e-12;

export interface Lot {
  orderId: bigint;
  /** Signed remaining quantity. */
  qty: number;
  price: number;
  tsNs: bigint;
  feePerUnit: number;
  rule: number;
}

/** Counters of the shared lot pool: lots in use, and entries merged into another order's lot. */
export interface LotPool {
  used: number;
  merges: number;
}

/** Opens a lot of signed `qty` at `price` for `orderId` in `lots` (or joins the newest lot: see the header). */
export function openLot(lots: Lot[], pool: LotPool, orderId: bigint, qty: number, price: number, tsNs: bigint, feePerUnit: number, rule: number): void {
  const tail = lots.length > 0 ? lots[lots.length - 1] : undefined;
  const full = lots.length >= LOTS_PER_INSTRUMENT_MAX || pool.used >= PORTFOLIO_LOT_CAPACITY;
  if (tail && (full || tail.orderId === orderId)) {
    const held = tail.qty;
    const joined = held + qty;
    tail.price = (tail.price * held + price * qty) / joined;
    tail.feePerUnit = (tail.feePerUnit * Math.abs(held) + feePerUnit * Math.abs(qty)) / Math.abs(joined);
    tail.qty = joined;
    if (tail.orderId !== orderId) pool.merges += 1;
    return;
  }
  pool.used += 1;
  lots.push({ orderId, qty, price, tsNs, feePerUnit, rule });
}

/** Index of the next lot to close under `linking`, or -1. */
function pickLot(lots: readonly Lot[], linking: number, parentId: bigint): number {
  if (lots.length === 0) return -1;
  if (linking === LINK_LIFO) return lots.length - 1;
  if (linking === LINK_PARENT && parentId !== 0n) {
    const parent = lots.findIndex((lot) => lot.orderId === parentId);
    if (parent >= 0) return parent;
  }
  return 0;
}

/** The fill that closes lots: its price, time, fee per unit and order; the contract's multiplier and the quote currency's rate. */
export interface ClosingFill {
  readonly instrument: number;
  readonly price: number;
  readonly tsNs: bigint;
  readonly feePerUnit: number;
  readonly orderId: bigint;
  readonly rule: number;
  readonly parentId: bigint;
  readonly multiplier: number;
  readonly rate: number;
}

export interface ClosedLots {
  /** Gross P&L realised, quote currency. */
  readonly realised: number;
  /** Sum of signed quantity * entry price of the pieces closed. */
  readonly closedCost: number;
  readonly roundTrips: RoundTrip[];
}

/** Closes `quantity` (> 0) of `lots` for `fill`: one round trip per lot piece, in the order they close. */
export function closeLots(lots: Lot[], pool: LotPool, linking: number, quantity: number, fill: ClosingFill): ClosedLots {
  const roundTrips: RoundTrip[] = [];
  let closedCost = 0;
  let left = quantity;
  let realised = 0;
  for (let n = 0; n <= LOTS_PER_INSTRUMENT_MAX && left > 0; n += 1) {
    const index = pickLot(lots, linking, linking === LINK_FIFO ? 0n : fill.parentId);
    if (index < 0) break;
    const lot = lots[index];
    const held = lot.qty;
    const size = Math.abs(held);
    const whole = left >= size * (1 - LOT_DUST);
    const take = whole ? size : left;
    const piece = held > 0 ? take : -take;
    const entryPrice = lot.price;
    const grossPnl = (fill.price - entryPrice) * piece * fill.multiplier;
    const entryFees = lot.feePerUnit * take;
    const exitFees = fill.feePerUnit * take;
    roundTrips.push({
      instrument: fill.instrument, entryNs: lot.tsNs, exitNs: fill.tsNs, entryPrice, qty: piece, exitPrice: fill.price,
      netPnl: (grossPnl - entryFees - exitFees) * fill.rate, entryOrderId: lot.orderId, exitOrderId: fill.orderId,
      grossPnl, entryFees, exitFees, rate: fill.rate, entryRule: lot.rule, exitRule: fill.rule,
    });
    realised += grossPnl;
    closedCost += piece * entryPrice;
    if (whole) {
      lots.splice(index, 1);
      pool.used -= 1;
    } else {
      lot.qty = held > 0 ? held - take : held + take;
    }
    left = whole ? left - size : 0;
  }
  return { realised, closedCost, roundTrips };
}

/** Drops every open lot (the position became flat within f64 dust). */
export function dropLots(lots: Lot[], pool: LotPool): void {
  pool.used -= lots.length;
  lots.length = 0;
}
