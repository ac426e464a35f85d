// Layout of the PORTFOLIO region (PORTFOLIO_REGION_OFFSET in ../layout.ts): the ledger behind
// the risk account. Cash per currency with its rate to the account currency, each
// instrument's P&L breakdown and carry settings, and the pool of open lots that links each
// closing fill to the entry fills it closes (round trips). Positions, marks and the account
// totals live in the risk slots and header (risk/risk-layout.ts). Mirrored by
// engine/portfolio/portfolio-layout.ts. A checkpoint is a byte copy of the region.
//
//   PORTFOLIO_REGION_OFFSET
//   +0x000000 +--------------------------------------------+
//             | header (4 KiB, below)                      |
//   +0x001000 +--------------------------------------------+
//             | currencies: PORTFOLIO_CURRENCIES x 64 B     |  id 0 is the account currency
//   +0x001400 +--------------------------------------------+
//             | instruments: INSTRUMENT_CAPACITY x 128 B    |  P&L breakdown, carry, lot list
//   +0x021400 +--------------------------------------------+
//             | reserved                                    |
//   +0x030000 +--------------------------------------------+
//             | lot pool: PORTFOLIO_LOT_CAPACITY x 64 B     |  free lots form a list; room for
//             |                                             |  LOTS_PER_INSTRUMENT_MAX lots of
//             |                                             |  every instrument at once
//   +0x3F0000 +--------------------------------------------+
//             | reserved                                    |
//   +0x400000 +--------------------------------------------+
//
// Header:
//
//   0      4         8         12         16                24             32
//   | magic| linking | lotFree | lotsUsed | negCashRate f64 | daysPerYear  | nextFundingNs i64 |
//   40             48          56                64           72               76
//   | roundTrips   | winners   | interestPaid f64 | lotMerges  | lotsUntouched  | reserved ...
//
//   linking        LINK_FIFO, LINK_LIFO or LINK_PARENT: which open lots a closing fill closes
//   lotFree        first lot of the free list: lots closed since the reset (-1: none)
//   lotsUntouched  lots at the end of the pool not handed out since the reset: lots
//                  [capacity - lotsUntouched, capacity), taken in order once the free list is
//                  empty. The reset writes no lot (it would dirty the whole 3.75 MiB pool for
//                  every run and snapshot); the lots handed out are the same, in the same order,
//                  as from a free list 0 -> 1 -> ... with closed lots pushed on its head. An
//                  image whose field is 0 (taken before the field existed) holds its never-used
//                  lots in the free list. The pool is exhausted when both are empty, which
//                  happens only when every instrument holds LOTS_PER_INSTRUMENT_MAX lots; an
//                  entry then joins the instrument's newest lot anyway, counted in lotMerges
//   negCashRate    annual interest charged on a negative balance of any currency, accrued
//                  once per UTC day boundary crossed
//   nextFundingNs  the earliest funding time of any instrument with a funding rate (i64 max: none)
//   interestPaid   interest charged so far, account currency
//
// Currency (64 B):
//
//   0             8          16                24           28
//   | balance f64 | rate f64 | interestPaid f64 | configured | reserved |
//
//   balance   cash held in this currency; the account's cash is sum(balance * rate)
//   rate      account currency per unit (1 for the account currency; RATE records move it)
//
// Instrument (128 B), amounts in the quote currency unless marked:
//
//   0           8      16        24       32         40                 48        56
//   | realised  | fees | funding | borrow | slippage | turnover (acct)  | fills   | roundTrips |
//   64        68        72         76    80                 88                  96              104
//   | lotHead | lotTail | lotCount | pad | fundingRate f64  | fundingIntervalNs | nextFundingNs | borrowRate f64 |
//   112       120
//   | winners | reserved |
//
//   realised   sum of the round trips' gross P&L (exit - entry) * qty * multiplier
//   funding    funding paid (> 0) or received (< 0); borrow: borrow cost of spot shorts paid
//   slippage   sum over fills of (fill price - decision price) * signed qty * multiplier: cost > 0
//   turnover   sum of |qty| * price * valueFactor, account currency
//   lotHead    oldest open lot (-1 none), lotTail the newest; lots link by next/prev
//   fundingRate per interval (perpetuals; from config, paid at each multiple of the interval
//              since the epoch), or 0; FUNDING records pay at their own times as well
//   borrowRate annual rate charged on the value of a spot short, per UTC day boundary
//
// Lot (64 B): an entry fill (or the part of a fill that opened a position), not yet closed:
//
//   0           8              16        24      32             40     44     48     52
//   | orderId   | qty f64 signed| price  | ts i64| feePerUnit f64| next | prev | rule | reserved |
import { INSTRUMENT_CAPACITY, PORTFOLIO_REGION_OFFSET } from '../layout';

export const PORTFOLIO_MAGIC: i32 = 0x4f465450; // "PTFO"
export const PORTFOLIO_HEADER: usize = <usize>PORTFOLIO_REGION_OFFSET;
export const PH_MAGIC: i32 = 0;
export const PH_LINKING: i32 = 4;
export const PH_LOT_FREE: i32 = 8;
export const PH_LOTS_USED: i32 = 12;
export const PH_NEG_CASH_RATE: i32 = 16;
export const PH_DAYS_PER_YEAR: i32 = 24;
export const PH_NEXT_FUNDING_NS: i32 = 32;
export const PH_ROUND_TRIPS: i32 = 40;
export const PH_WINNERS: i32 = 48;
export const PH_INTEREST_PAID: i32 = 56;
export const PH_LOT_MERGES: i32 = 64;
export const PH_LOTS_UNTOUCHED: i32 = 72;

export const PORTFOLIO_CURRENCIES: i32 = 16;
export const CURRENCIES_OFFSET: i32 = PORTFOLIO_REGION_OFFSET + 0x1000;
export const CURRENCY_BYTES: i32 = 64;
export const CU_BALANCE: i32 = 0;
export const CU_RATE: i32 = 8;
export const CU_INTEREST_PAID: i32 = 16;
export const CU_CONFIGURED: i32 = 24;

export const PF_INSTRUMENTS_OFFSET: i32 = PORTFOLIO_REGION_OFFSET + 0x1400;
export const PF_INSTRUMENT_BYTES: i32 = 128;
export const PI_REALISED: i32 = 0;
export const PI_FEES: i32 = 8;
export const PI_FUNDING: i32 = 16;
export const PI_BORROW: i32 = 24;
export const PI_SLIPPAGE: i32 = 32;
export const PI_TURNOVER: i32 = 40;
export const PI_FILLS: i32 = 48;
export const PI_ROUND_TRIPS: i32 = 56;
export const PI_LOT_HEAD: i32 = 64;
export const PI_LOT_TAIL: i32 = 68;
export const PI_LOT_COUNT: i32 = 72;
export const PI_FUNDING_RATE: i32 = 80;
export const PI_FUNDING_INTERVAL_NS: i32 = 88;
export const PI_NEXT_FUNDING_NS: i32 = 96;
export const PI_BORROW_RATE: i32 = 104;
export const PI_WINNERS: i32 = 112;

export const LOTS_OFFSET: i32 = PORTFOLIO_REGION_OFFSET + 0x30000;
export const PORTFOLIO_LOT_CAPACITY: i32 = 61440;
export const LOT_BYTES: i32 = 64;
/**
 * Open lots one instrument may hold; a further entry joins its newest lot (price-weighted).
 * The pool holds this many for every instrument, so an instrument with room never finds it empty.
 */
export const LOTS_PER_INSTRUMENT_MAX: i32 = PORTFOLIO_LOT_CAPACITY / INSTRUMENT_CAPACITY;
export const L_ORDER_ID: i32 = 0;
export const L_QTY: i32 = 8;
export const L_PRICE: i32 = 16;
export const L_TS: i32 = 24;
export const L_FEE_PER_UNIT: i32 = 32;
export const L_NEXT: i32 = 40;
export const L_PREV: i32 = 44;
export const L_RULE: i32 = 48;

/** Which open lots a closing fill closes. */
export const LINK_FIFO: i32 = 0; // oldest first
export const LINK_LIFO: i32 = 1; // newest first
export const LINK_PARENT: i32 = 2; // the lots of the exit order's parent (entry) order first, then oldest first

// @ts-ignore: decorator
@inline
export function currencyAddress(currency: i32): usize {
  return <usize>(CURRENCIES_OFFSET + currency * CURRENCY_BYTES);
}

// @ts-ignore: decorator
@inline
export function portfolioSlotAddress(instrument: i32): usize {
  return <usize>(PF_INSTRUMENTS_OFFSET + instrument * PF_INSTRUMENT_BYTES);
}

// @ts-ignore: decorator
@inline
export function lotAddress(lot: i32): usize {
  return <usize>(LOTS_OFFSET + lot * LOT_BYTES);
}

export const PORTFOLIO_INSTRUMENTS: i32 = INSTRUMENT_CAPACITY;
