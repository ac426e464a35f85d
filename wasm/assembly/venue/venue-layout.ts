// Layout of the VENUE region (VENUE_REGION_OFFSET in ../layout.ts): the simulated venue the
// core runs for backtests and paper trading. Its configuration, each simulated instrument's
// market state and costs, the venue's own book of orders (its side of every order, not the
// order table), and its event queue: commands on their way to the venue and its replies on
// their way back, ordered by time. Mirrored by engine/venue/venue-layout.ts. A checkpoint is
// a byte copy of the region.
//
//   VENUE_REGION_OFFSET
//   +0x000000 +--------------------------------------------+
//             | header (4 KiB, below)                      |
//   +0x001000 +--------------------------------------------+
//             | instruments: INSTRUMENT_CAPACITY x 256 B    |  costs, matching, market state
//   +0x041000 +--------------------------------------------+
//             | venue orders: VENUE_ORDER_CAPACITY x 128 B  |  free slots form a list
//   +0x141000 +--------------------------------------------+
//             | order index: client id -> venue slot        |  util/id-index.ts, 16384 x 16 B
//   +0x181000 +--------------------------------------------+
//             | event records: VENUE_EVENT_CAPACITY x 64 B  |  commands and replies in flight
//   +0x581000 +--------------------------------------------+
//             | event keys: time i64, sequence u64 (16 B)   |
//   +0x681000 +--------------------------------------------+
//             | event heap: i32 entries, ordered by key     |
//   +0x6c1000 +--------------------------------------------+
//             | free events: i32 stack                      |
//   +0x701000 +--------------------------------------------+
//             | reserved                                    |
//   +0x800000 +--------------------------------------------+
//
// Header:
//
//   0      4         8           12          16          24            32             40
//   | magic| latency | queueModel| touchFills| entryNs   | responseNs  | jitterNs      | feedMultiplier f64 |
//   48           52         56                64           72          80           88
//   | queuePower | heapSize | freeTop i32   | seq u64    | fillId u64 | rng u64      | nextExpiryNs |
//   96          100     104            112        120          128            136           144          152
//   | orderFree | orders| earlyEvents | fills i64 | rejects i64 | canceled i64 | expired i64 | clockNs i64 |
//   152               156               160
//   | ordersUntouched | eventsUntouched | reserved ...
//
//   latency      LATENCY_CONSTANT: entryNs to reach the venue, responseNs back;
//                LATENCY_RANDOM: the same plus a uniform draw in [0, jitterNs] each way, from
//                the seeded generator `rng` (splitmix64: integer arithmetic, so the TS
//                reference draws the same numbers);
//                LATENCY_FEED: the same plus feedMultiplier * the instrument's feed latency
//                (tsLocal - tsExchange of its last TRADE or QUOTE)
//   queueModel   QUEUE_CONSERVATIVE: a resting limit order advances only on trades at its
//                price; QUEUE_PROBABILISTIC: decreases of the displayed size at its price that
//                trades do not explain also advance it, with the probability
//                f(back) / (f(back) + f(front)), f(x) = x^queuePower (integer power), after
//                hftbacktest's ProbQueueModel with PowerProbQueueFunc
//   touchFills   1: a resting limit fills in bar mode when the bar touches its price; 0: only
//                when the bar trades through it
//   seq          orders the event queue's ties (first in, first out)
//   nextExpiryNs earliest end of day of a resting DAY order (i64 max: none); an expiry timer
//                is queued for it (venue-book.ts)
//   earlyEvents  events delivered before their time because the queue was nearly full
//   orderFree    first venue order slot of the free list: slots removed since the reset (-1: none)
//   freeTop      entries on the free-events stack: entries handled since the reset
//   ordersUntouched, eventsUntouched
//                slots (entries) at the end of the pool not handed out since the reset:
//                [capacity - untouched, capacity), taken in order once the free list (stack) is
//                empty. The reset writes no slot or stack entry (it would dirty 1.25 MiB for
//                every run and snapshot); the slots handed out are the same, in the same order,
//                as from a full free list 0 -> 1 -> ... (a stack topped by 0). An image whose
//                fields are 0 (taken before they existed) holds its never-used slots in the free
//                list and stack.
//
// Instrument (256 B):
//
//   0        4         8          16         24              32             40         48          52     56
//   | mode   | pad     | makerFee | takerFee | halfSpreadBps | slippageBps  | impactBps | impactModel| pad  | participation |
//   64       72       80        88        96       104        112       116       120              128
//   | bid    | ask    | bidSize | askSize | last   | lastSize | quoted  | traded  | feedLatencyNs | position |
//   136                 144            152      156     160       168       176          184    188                 192
//   | volumeUsed         | usedBarNs     | head   | count | bidLeft | askLeft | multiplier | tail | unknownVolumeBars | reserved |
//
//   mode          VENUE_OFF (not simulated: orders go to a live venue), VENUE_BARS (matched
//                 against BAR records), VENUE_TICKS (against TRADE and QUOTE records)
//   makerFee, takerFee  fraction of the notional (may be < 0: a rebate)
//   halfSpreadBps, slippageBps  bar mode: a market or stop fill pays both on top of its price
//   impactBps, impactModel  IMPACT_LINEAR: impactBps * q / v; IMPACT_SQRT: impactBps *
//                 sqrt(q / v), with v the bar volume (bar mode) or the displayed size taken
//                 (tick mode); IMPACT_NONE
//   participation bar mode: at most this fraction of the bar's volume fills per bar, over all
//                 the instrument's orders (0: no cap)
//   bid .. lastSize  the last quote and trade; bidLeft / askLeft: displayed size not yet taken
//                 by our orders since that quote
//   position      the venue's view of the position (its own fills): reduce-only orders fill
//                 up to it
//   volumeUsed    volume our fills took from the bar closing at usedBarNs
//   unknownVolumeBars  bars (bar mode) whose volume was unknown (NaN: the source had no volume):
//                 the participation cap and the impact model could not apply to them
//   head, tail, count  the instrument's resting venue orders, in arrival order (time priority)
//   multiplier    contract multiplier: fees are a fraction of qty * price * multiplier
//
// Venue order (128 B):
//
//   0           8      12      16     20    24      28     32     36     40          48        56       64          72          80           88          96
//   | clientId  | inst | state | type | tif | flags | next | prev | maker| total f64 | filled  | limitPx | stopPx    | arrivalNs  | expiryNs   | queueAhead  | queueTraded |
//   104          108
//   | queueKnown | reserved |
//
//   state      VO_FREE, VO_RESTING, VO_TRIGGERED (a stop that became a market or limit order)
//   maker      1 when the order rested (was not marketable on arrival): its limit fills are maker
//   queueAhead displayed size ahead of it at its price; queueKnown 0 while its price is behind
//              the touch (unknown with L1 data: it is set when the price becomes the touch)
//   queueTraded trades at its price since the last size change (probabilistic model)
import { INSTRUMENT_CAPACITY, VENUE_REGION_OFFSET } from '../layout';

export const VENUE_MAGIC: i32 = 0x554e4556; // "VENU"
export const VENUE_HEADER: usize = <usize>VENUE_REGION_OFFSET;
export const VH_MAGIC: i32 = 0;
export const VH_LATENCY: i32 = 4;
export const VH_QUEUE_MODEL: i32 = 8;
export const VH_TOUCH_FILLS: i32 = 12;
export const VH_ENTRY_NS: i32 = 16;
export const VH_RESPONSE_NS: i32 = 24;
export const VH_JITTER_NS: i32 = 32;
export const VH_FEED_MULTIPLIER: i32 = 40;
export const VH_QUEUE_POWER: i32 = 48;
export const VH_HEAP_SIZE: i32 = 52;
export const VH_FREE_TOP: i32 = 56;
export const VH_SEQ: i32 = 64;
export const VH_FILL_ID: i32 = 72;
export const VH_RNG: i32 = 80;
export const VH_NEXT_EXPIRY_NS: i32 = 88;
export const VH_ORDER_FREE: i32 = 96;
export const VH_ORDERS: i32 = 100;
export const VH_EARLY_EVENTS: i32 = 104;
export const VH_FILLS: i32 = 112;
export const VH_REJECTS: i32 = 120;
export const VH_CANCELED: i32 = 128;
export const VH_EXPIRED: i32 = 136;
/** Time of the record the venue is acting on: replies queued now fall due no earlier (venue-replies.ts). */
export const VH_CLOCK_NS: i32 = 144;
export const VH_ORDERS_UNTOUCHED: i32 = 152;
export const VH_EVENTS_UNTOUCHED: i32 = 156;

export const LATENCY_CONSTANT: i32 = 0;
export const LATENCY_RANDOM: i32 = 1;
export const LATENCY_FEED: i32 = 2;
export const QUEUE_CONSERVATIVE: i32 = 0;
export const QUEUE_PROBABILISTIC: i32 = 1;
export const IMPACT_NONE: i32 = 0;
export const IMPACT_LINEAR: i32 = 1;
export const IMPACT_SQRT: i32 = 2;
export const VENUE_OFF: i32 = 0;
export const VENUE_BARS: i32 = 1;
export const VENUE_TICKS: i32 = 2;

export const VENUE_INSTRUMENTS_OFFSET: i32 = VENUE_REGION_OFFSET + 0x1000;
export const VENUE_INSTRUMENT_BYTES: i32 = 256;
export const VI_MODE: i32 = 0;
export const VI_MAKER_FEE: i32 = 8;
export const VI_TAKER_FEE: i32 = 16;
export const VI_HALF_SPREAD_BPS: i32 = 24;
export const VI_SLIPPAGE_BPS: i32 = 32;
export const VI_IMPACT_BPS: i32 = 40;
export const VI_IMPACT_MODEL: i32 = 48;
export const VI_PARTICIPATION: i32 = 56;
export const VI_BID: i32 = 64;
export const VI_ASK: i32 = 72;
export const VI_BID_SIZE: i32 = 80;
export const VI_ASK_SIZE: i32 = 88;
export const VI_LAST: i32 = 96;
export const VI_LAST_SIZE: i32 = 104;
export const VI_QUOTED: i32 = 112;
export const VI_TRADED: i32 = 116;
export const VI_FEED_LATENCY_NS: i32 = 120;
export const VI_POSITION: i32 = 128;
export const VI_VOLUME_USED: i32 = 136;
export const VI_USED_BAR_NS: i32 = 144;
export const VI_HEAD: i32 = 152;
export const VI_COUNT: i32 = 156;
export const VI_BID_LEFT: i32 = 160;
export const VI_ASK_LEFT: i32 = 168;
export const VI_MULTIPLIER: i32 = 176;
export const VI_TAIL: i32 = 184;
export const VI_UNKNOWN_VOLUME_BARS: i32 = 188;
export const VI_LOT_SIZE: i32 = 192; // f64: capped fills (bars: participation; ticks: displayed size, print, queue) are rounded down to whole lots (0: none)

export const VENUE_ORDERS_OFFSET: i32 = VENUE_REGION_OFFSET + 0x41000;
export const VENUE_ORDER_CAPACITY: i32 = 8192;
export const VENUE_ORDER_BYTES: i32 = 128;
export const VO_CLIENT_ID: i32 = 0;
export const VO_INSTRUMENT: i32 = 8;
export const VO_STATE: i32 = 12;
export const VO_TYPE: i32 = 16;
export const VO_TIF: i32 = 20;
export const VO_FLAGS: i32 = 24;
export const VO_NEXT: i32 = 28;
export const VO_PREV: i32 = 32;
export const VO_MAKER: i32 = 36;
export const VO_TOTAL: i32 = 40;
export const VO_FILLED: i32 = 48;
export const VO_LIMIT_PX: i32 = 56;
export const VO_STOP_PX: i32 = 64;
export const VO_ARRIVAL_NS: i32 = 72;
export const VO_EXPIRY_NS: i32 = 80;
export const VO_QUEUE_AHEAD: i32 = 88;
export const VO_QUEUE_TRADED: i32 = 96;
export const VO_QUEUE_KNOWN: i32 = 104;

export const VO_FREE: i32 = 0;
export const VO_RESTING: i32 = 1;
export const VO_TRIGGERED: i32 = 2;

export const VENUE_INDEX_OFFSET: i32 = VENUE_REGION_OFFSET + 0x141000;
export const VENUE_INDEX_CAPACITY: u32 = 16384;

export const VENUE_EVENTS_OFFSET: i32 = VENUE_REGION_OFFSET + 0x181000;
export const VENUE_EVENT_CAPACITY: i32 = 65536;
export const VENUE_KEYS_OFFSET: i32 = VENUE_REGION_OFFSET + 0x581000;
export const VENUE_HEAP_OFFSET: i32 = VENUE_REGION_OFFSET + 0x681000;
export const VENUE_FREE_OFFSET: i32 = VENUE_REGION_OFFSET + 0x6c1000;
export const VENUE_RESET_BYTES: i32 = 0x1000 + INSTRUMENT_CAPACITY * 256;

/** Venue reasons in the `a` field of REJECT and CANCELED records it sends. */
export const VENUE_REJECT_INVALID: i32 = 1; // malformed or unsupported order
export const VENUE_REJECT_POST_ONLY: i32 = 2; // a post-only order would have taken liquidity
export const VENUE_REJECT_UNKNOWN_ORDER: i32 = 3; // cancel or replace of an order the venue does not hold (filled, canceled)
export const VENUE_REJECT_FULL: i32 = 4; // the venue's book is full
export const VENUE_CANCELED_REQUESTED: i32 = 0;
export const VENUE_CANCELED_UNFILLED: i32 = 1; // IOC remainder, FOK that could not fill whole
export const VENUE_CANCELED_REDUCE_ONLY: i32 = 2; // a reduce-only order with no position left to reduce
export const VENUE_EXPIRED_TIME_IN_FORCE: i32 = 0; // its time in force ran out (a DAY order at its end of day; a live venue's EXPIRED)
export const VENUE_EXPIRED_POST_ONLY_WOULD_TAKE: i32 = 1; // a post-only order arriving marketable would have taken liquidity

// @ts-ignore: decorator
@inline
export function venueInstrumentAddress(instrument: i32): usize {
  return <usize>(VENUE_INSTRUMENTS_OFFSET + instrument * VENUE_INSTRUMENT_BYTES);
}

// @ts-ignore: decorator
@inline
export function venueOrderAddress(slot: i32): usize {
  return <usize>(VENUE_ORDERS_OFFSET + slot * VENUE_ORDER_BYTES);
}

// @ts-ignore: decorator
@inline
export function venueEventAddress(entry: i32): usize {
  return <usize>(VENUE_EVENTS_OFFSET + (entry << 6));
}

// @ts-ignore: decorator
@inline
export function venueKeyAddress(entry: i32): usize {
  return <usize>(VENUE_KEYS_OFFSET + (entry << 4));
}
