// How the simulated venue fills the orders it holds, against bars or against ticks.
//
// Bar mode (a BAR record of a VENUE_BARS instrument: open, high, low, close, volume, over
// [openNs, closeNs]); every order that reached the venue before the bar closed, first those
// that fill at the open (market, a limit the open reaches, a stop the open triggers), then the
// others, each group in time priority (so a strategy's market close fills at the open before a
// resting reduce-only stop or profit tier the bar reaches later, which then has nothing to
// reduce):
//   market (and a triggered stop)  fills at the open, paying halfSpreadBps + slippageBps +
//                                  impact on top (buys higher, sells lower)
//   limit  buy L: open <= L: one that arrived during the bar (its order reached the venue
//          after the open) fills at the open as a taker, paying the market costs (half
//          spread, slippage, impact) like a market order, but never above L, and a post-only
//          one is expired unfilled instead (it would take liquidity); one that rested on the
//          book before the bar, gapped through, fills at the bare open as a maker (the
//          opening auction: no spread crossed). Else low < L (or low <= L with touchFills):
//          fills at L (maker when it rested); sells mirror. Never worse than L.
//   stop   buy S: open >= S triggers at the open and fills there; else high >= S triggers
//          and fills at S; either way paying the market costs. Sells mirror. A stop-limit
//          becomes a limit at L: triggered at the open it fills there if the open is within
//          L; triggered inside the bar at S it fills at S when L allows it (L >= S for a buy),
//          either way a taker paying the market costs capped at L; else it rests as a limit
//          (maker at L) from the next bar.
//   participation: the instrument's fills in one bar take at most participation * volume;
//          the rest of an order stays working (partial fills over several bars). With the
//          instrument's lot size known (VI_LOT_SIZE), a capped fill is whole lots: a remainder
//          below one lot waits for a later bar. A bar with
//          volume 0 traded nothing, so nothing fills on it (IOC and FOK are canceled). A bar
//          whose volume is unknown (NaN: a file without a volume column, an IB bar reporting
//          -1) caps nothing, as it prices no impact; it is counted (unknownVolumeBars)
//   IOC    what the first bar after arrival did not fill is canceled; FOK fills whole in that
//          bar or is canceled
// Tick mode (TRADE and QUOTE records of a VENUE_TICKS instrument):
//   QUOTE  updates the touch (bid, ask and their displayed sizes; our fills take from the
//          displayed size until the next quote). A working market order takes the touch; a
//          resting limit the opposite touch reaches fills at its limit (maker), up to the
//          displayed size; the queue ahead of a limit at the touch follows the queue model.
//   TRADE  (a = aggressor side: +1 buyer, -1 seller, 0 unknown) a trade through a resting
//          limit's price fills it at its limit up to the trade's size; a trade at its price
//          (unless the aggressor was on the order's own side) first works off the queue ahead
//          of it, then fills it (the displayed queue is shared: the print advances every order
//          at the price, less what earlier ones took);
//          stops trigger on trade prices and are then matched as if they had just arrived
//          (below), taking the print in hand when no quote was seen yet; with no quote yet a
//          working market order takes the print, up to its size.
//   A fill capped by the displayed size (or a print's size, or the queue) is whole lots of the
//   instrument's lot size (VI_LOT_SIZE): a remainder below one lot waits for the next quote
//   or print (IOC: canceled).
//   On arrival a market order takes the touch (up to the displayed size; IOC cancels the
//   rest, FOK fills whole or is canceled); a marketable limit takes the touch up to its
//   price and rests with the rest as maker (post-only: rejected before that); impact applies
//   against the displayed size taken, and never takes a limit's fill beyond its limit.
//   Queue position: an order that was alone in front of its price (the touch worse than it)
//   keeps its place when the touch comes back to its price.
// Fees: makerFee or takerFee of qty * price * multiplier. Reduce-only orders fill at most the
// venue's position (impact is priced on that part) and are canceled when it has none left to
// reduce.
import { EV_A, EV_B, EV_ID, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL } from '../layout';
import { FLAG_REDUCE_ONLY, TIF_FOK, TIF_IOC, TIF_POST_ONLY, TYPE_LIMIT, TYPE_MARKET, TYPE_STOP, TYPE_STOP_LIMIT } from '../orders/order-layout';
import { removeVenueOrder, venueLeaves } from './venue-book';
import { impactBps, integerPower } from './venue-math';
import { replyCanceled, replyExpired, venueFill } from './venue-replies';
import {
  QUEUE_PROBABILISTIC, VENUE_CANCELED_REDUCE_ONLY, VENUE_CANCELED_UNFILLED, VENUE_EXPIRED_POST_ONLY_WOULD_TAKE, VENUE_HEADER, VH_QUEUE_MODEL, VH_QUEUE_POWER, VH_TOUCH_FILLS, VI_ASK,
  VI_ASK_LEFT, VI_ASK_SIZE, VI_BID, VI_BID_LEFT, VI_BID_SIZE, VI_COUNT, VI_HALF_SPREAD_BPS, VI_HEAD, VI_IMPACT_BPS, VI_IMPACT_MODEL, VI_LAST,
  VI_LAST_SIZE, VI_LOT_SIZE, VI_PARTICIPATION, VI_POSITION, VI_QUOTED, VI_SLIPPAGE_BPS, VI_TRADED, VI_UNKNOWN_VOLUME_BARS, VI_USED_BAR_NS, VI_VOLUME_USED, VO_ARRIVAL_NS, VO_FLAGS,
  VO_LIMIT_PX, VO_MAKER, VO_NEXT, VO_QUEUE_AHEAD, VO_QUEUE_KNOWN, VO_QUEUE_TRADED, VO_STATE, VO_STOP_PX, VO_TIF, VO_TOTAL, VO_TRIGGERED,
  VO_TYPE, venueInstrumentAddress, venueOrderAddress,
} from './venue-layout';

/** Quantities within this fraction of an order count as all of it (f64 dust). */
const DUST: f64 = 1e-9;

// @ts-ignore: decorator
@inline
function side(v: usize): f64 {
  return load<f64>(v, VO_TOTAL) > 0.0 ? 1.0 : -1.0;
}

/** What a reduce-only order may fill now: the venue position it reduces (else all `qty`). */
// @ts-ignore: decorator
@inline
function allowedQty(v: usize, vi: usize, qty: f64): f64 {
  if ((load<i32>(v, VO_FLAGS) & FLAG_REDUCE_ONLY) == 0) return qty;
  const position = load<f64>(vi, VI_POSITION);
  const reducible = side(v) > 0.0 ? Math.max(0.0, -position) : Math.max(0.0, position);
  return Math.min(qty, reducible);
}

/**
 * Fills up to `qty` of the venue order in `slot` at `price`, respecting reduce-only, and
 * removes it once nothing is left. Returns the quantity filled (0 when a reduce-only order had
 * nothing to reduce: it is canceled).
 */
function fillSome(slot: i32, vi: usize, qty: f64, price: f64, maker: bool, venueNs: i64): f64 {
  const v = venueOrderAddress(slot);
  const leaves = venueLeaves(v);
  let take = allowedQty(v, vi, Math.min(qty, leaves));
  if (take <= 0.0) {
    if ((load<i32>(v, VO_FLAGS) & FLAG_REDUCE_ONLY) != 0 && allowedQty(v, vi, leaves) <= 0.0) {
      replyCanceled(v, venueNs, VENUE_CANCELED_REDUCE_ONLY);
      removeVenueOrder(slot);
    }
    return 0.0;
  }
  if (take >= leaves * (1.0 - DUST)) take = leaves;
  venueFill(v, take, price, maker, venueNs);
  if (take == leaves) removeVenueOrder(slot);
  return take;
}

/** Price of a market fill at `base` for `qty` against `against`, with the instrument's costs. */
// @ts-ignore: decorator
@inline
function marketPrice(vi: usize, base: f64, sign: f64, qty: f64, against: f64, barMode: bool): f64 {
  let bps = impactBps(load<i32>(vi, VI_IMPACT_MODEL), load<f64>(vi, VI_IMPACT_BPS), qty, against);
  if (barMode) bps += load<f64>(vi, VI_HALF_SPREAD_BPS) + load<f64>(vi, VI_SLIPPAGE_BPS);
  return base * (1.0 + sign * bps * 1e-4);
}

/**
 * Price a taker pays at `base` for `qty` against `against`: marketPrice on the part a
 * reduce-only order may fill, never beyond `limit` (0: none).
 */
function takerPrice(v: usize, vi: usize, base: f64, sign: f64, qty: f64, against: f64, barMode: bool, limit: f64): f64 {
  const price = marketPrice(vi, base, sign, allowedQty(v, vi, qty), against, barMode);
  if (limit > 0.0 && (sign > 0.0 ? price > limit : price < limit)) return limit;
  return price;
}

/** A stop whose trigger was hit becomes a market (stop) or limit (stop-limit) order. */
// @ts-ignore: decorator
@inline
function triggerStop(v: usize, type: i32): void {
  store<i32>(v, VO_TRIGGERED, VO_STATE);
  store<i32>(v, type == TYPE_STOP ? TYPE_MARKET : TYPE_LIMIT, VO_TYPE);
  store<i32>(v, 0, VO_QUEUE_KNOWN);
  store<i32>(v, 0, VO_MAKER);
}

/** Cancels what is left of an IOC or FOK venue order (`slot` still held). */
function cancelRest(slot: i32, venueNs: i64): void {
  const v = venueOrderAddress(slot);
  if (load<i32>(v, VO_STATE) == 0) return;
  replyCanceled(v, venueNs, VENUE_CANCELED_UNFILLED);
  removeVenueOrder(slot);
}

/** Matches `instrument`'s held orders against the BAR record at `record` (see the header). */
export function venueOnBar(instrument: i32, record: usize): void {
  const vi = venueInstrumentAddress(instrument);
  const openNs = load<i64>(record, EV_TS_EXCHANGE);
  let closeNs = load<i64>(record, EV_TS_LOCAL);
  if (closeNs < openNs) closeNs = openNs;
  const open = reinterpret<f64>(load<i64>(record, EV_ID));
  const high = load<f64>(record, EV_A);
  const low = load<f64>(record, EV_B);
  const volume = load<f64>(record, EV_SIZE);
  if (!(volume >= 0.0)) store<i32>(vi, load<i32>(vi, VI_UNKNOWN_VOLUME_BARS) + 1, VI_UNKNOWN_VOLUME_BARS);
  if (load<i64>(vi, VI_USED_BAR_NS) != closeNs) {
    store<f64>(vi, 0.0, VI_VOLUME_USED);
    store<i64>(vi, closeNs, VI_USED_BAR_NS);
  }
  const participation = load<f64>(vi, VI_PARTICIPATION);
  const touch = load<i32>(VENUE_HEADER, VH_TOUCH_FILLS) != 0;
  // The open comes first: the orders that fill at the open, then those the bar reaches inside it.
  for (let pass = 0; pass < 2; pass++) {
    let slot = load<i32>(vi, VI_COUNT) > 0 ? load<i32>(vi, VI_HEAD) : -1;
    while (slot >= 0) {
      const v = venueOrderAddress(slot);
      const following = load<i32>(v, VO_NEXT);
      const arrival = load<i64>(v, VO_ARRIVAL_NS);
      if (arrival < closeNs && fillsAtOpen(v, open) == (pass == 0)) {
        matchBar(slot, v, vi, open, high, low, volume, participation, touch, arrival > openNs ? arrival : openNs, arrival < openNs);
      }
      slot = following;
    }
  }
  store<f64>(vi, load<f64>(record, EV_PRICE), VI_LAST);
}

/**
 * True when the venue order at `v` fills at the bar's open `open`: a market order, a limit the
 * open reaches, a stop the open triggers (a stop-limit: and its limit allows the open).
 */
function fillsAtOpen(v: usize, open: f64): bool {
  const type = load<i32>(v, VO_TYPE);
  if (type == TYPE_MARKET) return true;
  const buy = side(v) > 0.0;
  const limit = load<f64>(v, VO_LIMIT_PX);
  const limitAllows = buy ? open <= limit : open >= limit;
  if (type == TYPE_LIMIT) return limitAllows;
  const stop = load<f64>(v, VO_STOP_PX);
  const triggered = buy ? open >= stop : open <= stop;
  if (type == TYPE_STOP) return triggered;
  return type == TYPE_STOP_LIMIT && triggered && limitAllows;
}

/** `rested`: the order reached the book before the bar opened (else it arrived at the open or during the bar, at `ts`). */
function matchBar(slot: i32, v: usize, vi: usize, open: f64, high: f64, low: f64, volume: f64, participation: f64, touch: bool, ts: i64, rested: bool): void {
  const sign = side(v);
  let type = load<i32>(v, VO_TYPE);
  let price: f64 = 0.0;
  let maker = false;
  let market = false;
  let cap: f64 = 0.0; // a taker limit's fill price never passes its limit (0: none)
  if (type == TYPE_STOP || type == TYPE_STOP_LIMIT) {
    const stop = load<f64>(v, VO_STOP_PX);
    let trigger: f64 = 0.0;
    if (sign > 0.0 ? open >= stop : open <= stop) trigger = open;
    else if (sign > 0.0 ? high >= stop : low <= stop) trigger = stop;
    if (trigger == 0.0) {
      afterBar(slot, v, ts);
      return;
    }
    triggerStop(v, type);
    if (type == TYPE_STOP) {
      price = trigger;
      market = true;
    } else {
      // Triggered, it rests as a limit: its later fills at the limit add liquidity.
      store<i32>(v, 1, VO_MAKER);
      const limit = load<f64>(v, VO_LIMIT_PX);
      if (sign > 0.0 ? trigger <= limit : trigger >= limit) {
        // Marketable at the trigger: a taker, paying the market costs up to its limit.
        price = trigger;
        market = true;
        cap = limit;
      }
    }
    type = load<i32>(v, VO_TYPE);
  } else if (type == TYPE_MARKET) {
    price = open;
    market = true;
  } else if (type == TYPE_LIMIT) {
    const limit = load<f64>(v, VO_LIMIT_PX);
    if (sign > 0.0 ? open <= limit : open >= limit) {
      price = open;
      if (rested) {
        // Resting when the bar gapped through it: filled at the open (the opening auction), no spread crossed.
        maker = load<i32>(v, VO_MAKER) == 1;
      } else if (load<i32>(v, VO_TIF) == TIF_POST_ONLY) {
        // A post-only arriving marketable would take liquidity: the venue expires it unfilled.
        replyExpired(v, ts, VENUE_EXPIRED_POST_ONLY_WOULD_TAKE);
        removeVenueOrder(slot);
        return;
      } else {
        // Arriving marketable at the open: a taker, paying the market costs up to its limit.
        market = true;
        cap = limit;
      }
    } else if (sign > 0.0 ? low < limit || (touch && low == limit) : high > limit || (touch && high == limit)) {
      price = limit;
      maker = load<i32>(v, VO_MAKER) == 1;
    }
  }
  if (price > 0.0) {
    const leaves = venueLeaves(v);
    let qty = leaves;
    if (participation > 0.0 && volume >= 0.0) qty = lotsOf(vi, leaves, Math.min(qty, Math.max(0.0, participation * volume - load<f64>(vi, VI_VOLUME_USED))));
    if (load<i32>(v, VO_TIF) == TIF_FOK && qty < leaves * (1.0 - DUST)) {
      cancelRest(slot, ts);
      return;
    }
    if (qty > 0.0) {
      const fillPx = market ? takerPrice(v, vi, price, sign, qty, volume, true, cap) : price;
      const filled = fillSome(slot, vi, qty, fillPx, maker, ts);
      store<f64>(vi, load<f64>(vi, VI_VOLUME_USED) + filled, VI_VOLUME_USED);
    }
  }
  afterBar(slot, v, ts);
}

/**
 * A capped part `qty` of `leaves` (bar mode: by participation; tick mode: by the displayed size
 * at the touch, a print's size or the queue ahead), rounded down to whole lots of the instrument
 * (VI_LOT_SIZE; 0: none): a remainder below one lot waits for the next bar, quote or print. All
 * of `leaves` is left as it is (it is the order's own size).
 */
function lotsOf(vi: usize, leaves: f64, qty: f64): f64 {
  const lot = load<f64>(vi, VI_LOT_SIZE);
  if (!(lot > 0.0) || qty >= leaves * (1.0 - DUST)) return qty;
  return Math.min(qty, Math.floor(qty / lot + DUST) * lot); // never above the cap (0.05692 / 1e-5 * 1e-5 > 0.05692)
}

/** IOC / FOK orders get one bar: what is left after it is canceled at `ts`. */
// @ts-ignore: decorator
@inline
function afterBar(slot: i32, v: usize, ts: i64): void {
  if (load<i32>(v, VO_STATE) == 0) return;
  const tif = load<i32>(v, VO_TIF);
  if (tif == TIF_IOC || tif == TIF_FOK) cancelRest(slot, ts);
}

/** A market order (or the marketable part of a limit up to `limit`; 0: none) takes the touch. Returns the quantity filled. */
export function takeTouch(slot: i32, vi: usize, limit: f64, venueNs: i64): f64 {
  const v = venueOrderAddress(slot);
  const sign = side(v);
  if (load<i32>(vi, VI_QUOTED) == 0) return 0.0;
  const touch = load<f64>(vi + <usize>(sign > 0.0 ? VI_ASK : VI_BID));
  if (!(touch > 0.0) || (limit > 0.0 && (sign > 0.0 ? touch > limit : touch < limit))) return 0.0;
  const leftField = sign > 0.0 ? VI_ASK_LEFT : VI_BID_LEFT;
  const left = load<f64>(vi + <usize>(leftField));
  const displayed = load<f64>(vi + <usize>(sign > 0.0 ? VI_ASK_SIZE : VI_BID_SIZE));
  const leaves = venueLeaves(v);
  const qty = lotsOf(vi, leaves, Math.min(leaves, left));
  if (qty <= 0.0) return 0.0;
  const filled = fillSome(slot, vi, qty, takerPrice(v, vi, touch, sign, qty, displayed, false, limit), false, venueNs);
  store<f64>(vi + <usize>(leftField), left - filled);
  return filled;
}

/**
 * A market order (or a limit up to `limit`; 0: none) takes the trade print at `price` (of
 * `size`), up to `printLeft` of it. Returns the quantity filled.
 */
function takePrint(slot: i32, vi: usize, price: f64, size: f64, printLeft: f64, limit: f64, venueNs: i64): f64 {
  const v = venueOrderAddress(slot);
  const sign = side(v);
  if (!(printLeft > 0.0) || (limit > 0.0 && (sign > 0.0 ? price > limit : price < limit))) return 0.0;
  const leaves = venueLeaves(v);
  const qty = lotsOf(vi, leaves, Math.min(leaves, printLeft));
  return fillSome(slot, vi, qty, takerPrice(v, vi, price, sign, qty, size, false, limit), false, venueNs);
}

/** What the touch could fill of a market order (or a limit up to `limit`) now, without filling. */
export function touchAvailable(vi: usize, sign: f64, limit: f64): f64 {
  if (load<i32>(vi, VI_QUOTED) == 0) return 0.0;
  const touch = load<f64>(vi + <usize>(sign > 0.0 ? VI_ASK : VI_BID));
  if (!(touch > 0.0) || (limit > 0.0 && (sign > 0.0 ? touch > limit : touch < limit))) return 0.0;
  return load<f64>(vi + <usize>(sign > 0.0 ? VI_ASK_LEFT : VI_BID_LEFT));
}

/** Queue ahead of a resting limit at the touch, set when its price becomes the touch (see the header). */
function trackQueue(v: usize, vi: usize, oldTouch: f64, oldSize: f64): void {
  const sign = side(v);
  const limit = load<f64>(v, VO_LIMIT_PX);
  const touch = load<f64>(vi + <usize>(sign > 0.0 ? VI_BID : VI_ASK));
  const size = load<f64>(vi + <usize>(sign > 0.0 ? VI_BID_SIZE : VI_ASK_SIZE));
  if (sign > 0.0 ? limit > touch : limit < touch) {
    // Better than the touch: nothing is ahead of it.
    store<f64>(v, 0.0, VO_QUEUE_AHEAD);
    store<i32>(v, 1, VO_QUEUE_KNOWN);
    return;
  }
  if (limit != touch) return; // behind the touch: unknown with L1 data, kept as it was
  const known = load<i32>(v, VO_QUEUE_KNOWN) == 1;
  if (known && oldTouch != touch && oldTouch > 0.0 && (sign > 0.0 ? oldTouch < limit : oldTouch > limit)) {
    // It was alone in front of its price: whoever joined the level since came after it.
    store<f64>(v, Math.min(load<f64>(v, VO_QUEUE_AHEAD), size), VO_QUEUE_AHEAD);
    store<f64>(v, 0.0, VO_QUEUE_TRADED);
    return;
  }
  if (!known || oldTouch != touch) {
    store<f64>(v, size > 0.0 ? size : 0.0, VO_QUEUE_AHEAD);
    store<i32>(v, 1, VO_QUEUE_KNOWN);
    store<f64>(v, 0.0, VO_QUEUE_TRADED);
    return;
  }
  // Same level, its displayed size changed: trades at the level already advanced the queue.
  const traded = load<f64>(v, VO_QUEUE_TRADED);
  store<f64>(v, 0.0, VO_QUEUE_TRADED);
  let front = load<f64>(v, VO_QUEUE_AHEAD);
  const change = oldSize - size - traded;
  // A size increase, an unknown size (infinite) or the conservative model: the queue ahead only shrinks to fit the level.
  if (!(change >= 0.0) || !isFinite<f64>(change) || !isFinite<f64>(front) || load<i32>(VENUE_HEADER, VH_QUEUE_MODEL) != QUEUE_PROBABILISTIC) {
    store<f64>(v, Math.min(front, size), VO_QUEUE_AHEAD);
    return;
  }
  const back = oldSize - front;
  const n = load<i32>(VENUE_HEADER, VH_QUEUE_POWER);
  const fb = integerPower(Math.max(back, 0.0), n);
  const ff = integerPower(Math.max(front, 0.0), n);
  const prob = fb + ff > 0.0 ? fb / (fb + ff) : 1.0;
  front = front - (1.0 - prob) * change + Math.min(back - prob * change, 0.0);
  store<f64>(v, Math.min(front, size), VO_QUEUE_AHEAD);
}

/** A QUOTE of a VENUE_TICKS instrument: bid = a, ask = b, bid size = size, ask size = bits of id. */
export function venueOnQuote(instrument: i32, record: usize, venueNs: i64): void {
  const vi = venueInstrumentAddress(instrument);
  const oldBid = load<f64>(vi, VI_BID);
  const oldAsk = load<f64>(vi, VI_ASK);
  const oldBidSize = load<f64>(vi, VI_BID_SIZE);
  const oldAskSize = load<f64>(vi, VI_ASK_SIZE);
  const bidSize = load<f64>(record, EV_SIZE);
  const askSize = reinterpret<f64>(load<i64>(record, EV_ID));
  store<f64>(vi, load<f64>(record, EV_A), VI_BID);
  store<f64>(vi, load<f64>(record, EV_B), VI_ASK);
  // A size that is not a positive number is unknown: the displayed size then caps nothing.
  store<f64>(vi, bidSize > 0.0 && isFinite<f64>(bidSize) ? bidSize : Infinity, VI_BID_SIZE);
  store<f64>(vi, askSize > 0.0 && isFinite<f64>(askSize) ? askSize : Infinity, VI_ASK_SIZE);
  store<f64>(vi, load<f64>(vi, VI_BID_SIZE), VI_BID_LEFT);
  store<f64>(vi, load<f64>(vi, VI_ASK_SIZE), VI_ASK_LEFT);
  store<i32>(vi, 1, VI_QUOTED);
  let slot = load<i32>(vi, VI_COUNT) > 0 ? load<i32>(vi, VI_HEAD) : -1;
  while (slot >= 0) {
    const v = venueOrderAddress(slot);
    const following = load<i32>(v, VO_NEXT);
    const type = load<i32>(v, VO_TYPE);
    if (type == TYPE_MARKET) {
      takeTouch(slot, vi, 0.0, venueNs);
    } else if (type == TYPE_LIMIT) {
      const sign = side(v);
      const limit = load<f64>(v, VO_LIMIT_PX);
      const opposite = load<f64>(vi + <usize>(sign > 0.0 ? VI_ASK : VI_BID));
      if (opposite > 0.0 && (sign > 0.0 ? opposite <= limit : opposite >= limit)) {
        // The opposite touch reached the resting limit: it fills at its limit, as maker.
        const leftField = sign > 0.0 ? VI_ASK_LEFT : VI_BID_LEFT;
        const left = load<f64>(vi + <usize>(leftField));
        const filled = fillSome(slot, vi, lotsOf(vi, venueLeaves(v), Math.min(venueLeaves(v), left)), limit, load<i32>(v, VO_MAKER) == 1, venueNs);
        store<f64>(vi + <usize>(leftField), left - filled);
      } else {
        trackQueue(v, vi, sign > 0.0 ? oldBid : oldAsk, sign > 0.0 ? oldBidSize : oldAskSize);
      }
    }
    slot = following;
  }
}

/** A TRADE of a VENUE_TICKS instrument at `price` for `size` (see the header). */
export function venueOnTrade(instrument: i32, record: usize, venueNs: i64): void {
  const vi = venueInstrumentAddress(instrument);
  const price = load<f64>(record, EV_PRICE);
  const size = load<f64>(record, EV_SIZE);
  store<f64>(vi, price, VI_LAST);
  store<f64>(vi, size, VI_LAST_SIZE);
  store<i32>(vi, 1, VI_TRADED);
  const aggressor = load<f64>(record, EV_A);
  let printLeft = size > 0.0 && isFinite<f64>(size) ? size : Infinity;
  let slot = load<i32>(vi, VI_COUNT) > 0 ? load<i32>(vi, VI_HEAD) : -1;
  while (slot >= 0) {
    const v = venueOrderAddress(slot);
    const following = load<i32>(v, VO_NEXT);
    const sign = side(v);
    const type = load<i32>(v, VO_TYPE);
    if (type == TYPE_STOP || type == TYPE_STOP_LIMIT) {
      const stop = load<f64>(v, VO_STOP_PX);
      if (sign > 0.0 ? price >= stop : price <= stop) {
        triggerStop(v, type);
        printLeft -= matchLive(slot, vi, venueNs, price, size, printLeft);
      }
    } else if (type == TYPE_MARKET) {
      if (load<i32>(vi, VI_QUOTED) != 0) {
        takeTouch(slot, vi, 0.0, venueNs);
      } else {
        printLeft -= takePrint(slot, vi, price, size, printLeft, 0.0, venueNs);
      }
    } else if (type == TYPE_LIMIT && printLeft > 0.0) {
      const limit = load<f64>(v, VO_LIMIT_PX);
      if (sign > 0.0 ? price < limit : price > limit) {
        printLeft -= fillSome(slot, vi, lotsOf(vi, venueLeaves(v), Math.min(venueLeaves(v), printLeft)), limit, load<i32>(v, VO_MAKER) == 1, venueNs);
      } else if (price == limit && !(sign > 0.0 ? aggressor > 0.0 : aggressor < 0.0)) {
        // A trade at its price (not one on its own side of the book) works off the queue ahead.
        const known = load<i32>(v, VO_QUEUE_KNOWN) == 1;
        let ahead = known ? load<f64>(v, VO_QUEUE_AHEAD) : 0.0;
        if (!known) {
          // First trade at its price with no quote seen at that level: everything displayed is ahead.
          const displayed = load<f64>(vi + <usize>(sign > 0.0 ? VI_BID_SIZE : VI_ASK_SIZE));
          ahead = load<i32>(vi, VI_QUOTED) != 0 && load<f64>(vi + <usize>(sign > 0.0 ? VI_BID : VI_ASK)) == limit && displayed < Infinity ? displayed : 0.0;
          store<i32>(v, 1, VO_QUEUE_KNOWN);
        }
        // The displayed queue ahead is shared by our orders at this price: the print works it off
        // for each of them, less only what our earlier orders took from it.
        ahead -= printLeft;
        store<f64>(v, load<f64>(v, VO_QUEUE_TRADED) + printLeft, VO_QUEUE_TRADED);
        if (ahead < 0.0) {
          printLeft -= fillSome(slot, vi, lotsOf(vi, venueLeaves(v), Math.min(venueLeaves(v), -ahead)), limit, load<i32>(v, VO_MAKER) == 1, venueNs);
          ahead = 0.0;
        }
        if (load<i32>(v, VO_STATE) != 0) store<f64>(v, ahead, VO_QUEUE_AHEAD);
      }
    }
    slot = following;
  }
}

/**
 * Matches a venue order that just became live in tick mode (arrived, replaced, or a stop
 * triggered by the trade at `printPx` of `printSize`, `printLeft` of it not yet taken): a
 * market order, or a limit up to its price, takes the touch, or with no quote seen yet the
 * print in hand; IOC cancels the rest, FOK fills whole or is canceled; a limit rests with
 * the rest as maker, its queue position tracked. Returns the part of the print it took.
 */
function matchLive(slot: i32, vi: usize, venueNs: i64, printPx: f64, printSize: f64, printLeft: f64): f64 {
  const v = venueOrderAddress(slot);
  const type = load<i32>(v, VO_TYPE);
  const tif = load<i32>(v, VO_TIF);
  const sign = side(v);
  const limit = type == TYPE_LIMIT ? load<f64>(v, VO_LIMIT_PX) : 0.0;
  const quoted = load<i32>(vi, VI_QUOTED) != 0;
  const printUsable = !quoted && printLeft > 0.0 && (limit == 0.0 || (sign > 0.0 ? printPx <= limit : printPx >= limit));
  const available = quoted ? touchAvailable(vi, sign, limit) : printUsable ? printLeft : 0.0;
  if (tif == TIF_FOK && available < venueLeaves(v) * (1.0 - DUST)) {
    cancelRest(slot, venueNs);
    return 0.0;
  }
  let took: f64 = 0.0;
  if (quoted) takeTouch(slot, vi, limit, venueNs);
  else if (printUsable) took = takePrint(slot, vi, printPx, printSize, printLeft, limit, venueNs);
  if (load<i32>(v, VO_STATE) == 0) return took;
  if (tif == TIF_IOC || tif == TIF_FOK) {
    cancelRest(slot, venueNs);
    return took;
  }
  if (type == TYPE_LIMIT) {
    store<i32>(v, 1, VO_MAKER);
    trackQueue(v, vi, load<f64>(vi + <usize>(sign > 0.0 ? VI_BID : VI_ASK)), load<f64>(vi + <usize>(sign > 0.0 ? VI_BID_SIZE : VI_ASK_SIZE)));
  }
  return took;
}

/**
 * Matches a venue order on its arrival (or replace) in tick mode (see matchLive); a stop
 * first checks its trigger against the last trade.
 */
export function matchOnArrival(slot: i32, vi: usize, venueNs: i64): void {
  const v = venueOrderAddress(slot);
  const type = load<i32>(v, VO_TYPE);
  if (type == TYPE_STOP || type == TYPE_STOP_LIMIT) {
    const last = load<f64>(vi, VI_LAST);
    const stop = load<f64>(v, VO_STOP_PX);
    if (load<i32>(vi, VI_TRADED) == 0 || !(side(v) > 0.0 ? last >= stop : last <= stop)) return;
    triggerStop(v, type);
  }
  matchLive(slot, vi, venueNs, 0.0, 0.0, 0.0);
}
