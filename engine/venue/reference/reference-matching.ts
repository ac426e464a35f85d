// How the reference venue fills the orders it holds, against bars and against ticks: the
// rules of the header of wasm/assembly/venue/venue-matching.ts, with every f64 operation in
// the same order so that prices, quantities and fees agree bit for bit.
import { FLAG_REDUCE_ONLY, TIF_FOK, TIF_IOC, TIF_POST_ONLY, TYPE_LIMIT, TYPE_MARKET, TYPE_STOP, TYPE_STOP_LIMIT } from '../../orders/order-layout.js';
import {
  IMPACT_LINEAR, IMPACT_SQRT, QUEUE_PROBABILISTIC, VENUE_CANCELED_REDUCE_ONLY, VENUE_CANCELED_UNFILLED, VENUE_EXPIRED_POST_ONLY_WOULD_TAKE, VO_TRIGGERED,
} from '../venue-layout.js';
import { bitsF64, type VenueRecord } from '../venue-record.js';
import { leavesOf, removeOrder } from './reference-book.js';
import { replyCanceled, replyExpired, venueFill } from './reference-replies.js';
import type { SimInstrument, SimOrder, ReferenceVenueState } from './reference-state.js';

/** Quantities within this fraction of an order count as all of it (f64 dust). */
const DUST = 1e-9;

function side(o: SimOrder): number {
  return o.total > 0 ? 1 : -1;
}

/** What a reduce-only order may fill now: the venue position it reduces (else all `qty`). */
function allowedQty(o: SimOrder, inst: SimInstrument, qty: number): number {
  if ((o.flags & FLAG_REDUCE_ONLY) === 0) return qty;
  const position = inst.position;
  const reducible = side(o) > 0 ? Math.max(0, -position) : Math.max(0, position);
  return Math.min(qty, reducible);
}

/** Fills up to `qty` of `o` at `price` (reduce-only respected), removing it once nothing is left. */
function fillSome(venue: ReferenceVenueState, o: SimOrder, inst: SimInstrument, qty: number, price: number, maker: boolean, venueNs: bigint): number {
  const leaves = leavesOf(o);
  let take = allowedQty(o, inst, Math.min(qty, leaves));
  if (take <= 0) {
    if ((o.flags & FLAG_REDUCE_ONLY) !== 0 && allowedQty(o, inst, leaves) <= 0) {
      replyCanceled(venue, o, venueNs, VENUE_CANCELED_REDUCE_ONLY);
      removeOrder(venue, o);
    }
    return 0;
  }
  if (take >= leaves * (1 - DUST)) take = leaves;
  venueFill(venue, o, take, price, maker, venueNs);
  if (take === leaves) removeOrder(venue, o);
  return take;
}

function impactBps(model: number, bps: number, qty: number, against: number): number {
  if (bps === 0 || !(against > 0)) return 0;
  const share = qty / against;
  if (model === IMPACT_LINEAR) return bps * share;
  if (model === IMPACT_SQRT) return bps * Math.sqrt(share);
  return 0;
}

function integerPower(x: number, n: number): number {
  let result = x;
  for (let i = 1; i < n; i++) result *= x;
  return result;
}

function marketPrice(inst: SimInstrument, base: number, sign: number, qty: number, against: number, barMode: boolean): number {
  let bps = impactBps(inst.impactModel, inst.impactBps, qty, against);
  if (barMode) bps += inst.halfSpreadBps + inst.slippageBps;
  return base * (1 + sign * bps * 1e-4);
}

function takerPrice(o: SimOrder, inst: SimInstrument, base: number, sign: number, qty: number, against: number, barMode: boolean, limit: number): number {
  const price = marketPrice(inst, base, sign, allowedQty(o, inst, qty), against, barMode);
  if (limit > 0 && (sign > 0 ? price > limit : price < limit)) return limit;
  return price;
}

function triggerStop(o: SimOrder, type: number): void {
  o.state = VO_TRIGGERED;
  o.type = type === TYPE_STOP ? TYPE_MARKET : TYPE_LIMIT;
  o.queueKnown = false;
  o.maker = false;
}

function cancelRest(venue: ReferenceVenueState, o: SimOrder, venueNs: bigint): void {
  if (!o.held) return;
  replyCanceled(venue, o, venueNs, VENUE_CANCELED_UNFILLED);
  removeOrder(venue, o);
}

/** Matches `instrument`'s orders against the BAR record `r`. */
export function onBar(venue: ReferenceVenueState, instrument: number, r: VenueRecord): void {
  const inst = venue.instruments[instrument];
  const openNs = r.tsExchange;
  let closeNs = r.tsLocal;
  if (closeNs < openNs) closeNs = openNs;
  const open = bitsF64(r.id);
  if (inst.usedBarNs !== closeNs) {
    inst.volumeUsed = 0;
    inst.usedBarNs = closeNs;
  }
  // The open comes first: the orders that fill at the open, then those the bar reaches inside it.
  for (const pass of [0, 1]) {
    for (const o of [...inst.orders]) {
      const arrival = o.arrivalNs;
      if (arrival < closeNs && fillsAtOpen(o, open) === (pass === 0)) {
        matchBar(venue, o, inst, open, r.a, r.b, r.size, inst.participation, venue.touchFills, arrival > openNs ? arrival : openNs, arrival < openNs);
      }
    }
  }
  inst.last = r.price;
}

/** True when `o` fills at the bar's open: a market order, a limit the open reaches, a stop the open triggers (a stop-limit: and its limit allows the open). */
function fillsAtOpen(o: SimOrder, open: number): boolean {
  if (o.type === TYPE_MARKET) return true;
  const buy = side(o) > 0;
  const limitAllows = buy ? open <= o.limit : open >= o.limit;
  if (o.type === TYPE_LIMIT) return limitAllows;
  const triggered = buy ? open >= o.stop : open <= o.stop;
  if (o.type === TYPE_STOP) return triggered;
  return o.type === TYPE_STOP_LIMIT && triggered && limitAllows;
}

/** `rested`: the order reached the book before the bar opened (else it arrived at the open or during the bar, at `ts`). */
/** A capped part `qty` of `leaves` (participation; tick mode: displayed size, print, queue), rounded down to whole lots (lotSize 0: none); all of `leaves` stays as it is. */
function lotsOf(inst: SimInstrument, leaves: number, qty: number): number {
  const lot = inst.lotSize;
  if (!(lot > 0) || qty >= leaves * (1 - DUST)) return qty;
  return Math.min(qty, Math.floor(qty / lot + DUST) * lot);
}

function matchBar(venue: ReferenceVenueState, o: SimOrder, inst: SimInstrument, open: number, high: number, low: number, volume: number, participation: number, touch: boolean, ts: bigint, rested: boolean): void {
  const sign = side(o);
  const type = o.type;
  let price = 0;
  let maker = false;
  let market = false;
  let cap = 0; // a taker limit's fill price never passes its limit (0: none)
  if (type === TYPE_STOP || type === TYPE_STOP_LIMIT) {
    const stop = o.stop;
    let trigger = 0;
    if (sign > 0 ? open >= stop : open <= stop) trigger = open;
    else if (sign > 0 ? high >= stop : low <= stop) trigger = stop;
    if (trigger === 0) {
      afterBar(venue, o, ts);
      return;
    }
    triggerStop(o, type);
    if (type === TYPE_STOP) {
      price = trigger;
      market = true;
    } else {
      o.maker = true;
      const limit = o.limit;
      if (sign > 0 ? trigger <= limit : trigger >= limit) {
        price = trigger;
        market = true;
        cap = limit;
      }
    }
  } else if (type === TYPE_MARKET) {
    price = open;
    market = true;
  } else if (type === TYPE_LIMIT) {
    const limit = o.limit;
    if (sign > 0 ? open <= limit : open >= limit) {
      price = open;
      if (rested) {
        maker = o.maker; // resting when the bar gapped through it: the opening auction, no spread crossed
      } else if (o.tif === TIF_POST_ONLY) {
        replyExpired(venue, o, ts, VENUE_EXPIRED_POST_ONLY_WOULD_TAKE); // arriving marketable, a post-only would take liquidity
        removeOrder(venue, o);
        return;
      } else {
        market = true; // arriving marketable at the open: a taker, paying the market costs up to its limit
        cap = limit;
      }
    } else if (sign > 0 ? low < limit || (touch && low === limit) : high > limit || (touch && high === limit)) {
      price = limit;
      maker = o.maker;
    }
  }
  if (price > 0) {
    const leaves = leavesOf(o);
    let qty = leaves;
    if (participation > 0 && volume >= 0) qty = lotsOf(inst, leaves, Math.min(qty, Math.max(0, participation * volume - inst.volumeUsed)));
    if (o.tif === TIF_FOK && qty < leaves * (1 - DUST)) {
      cancelRest(venue, o, ts);
      return;
    }
    if (qty > 0) {
      const fillPx = market ? takerPrice(o, inst, price, sign, qty, volume, true, cap) : price;
      const filled = fillSome(venue, o, inst, qty, fillPx, maker, ts);
      inst.volumeUsed = inst.volumeUsed + filled;
    }
  }
  afterBar(venue, o, ts);
}

function afterBar(venue: ReferenceVenueState, o: SimOrder, ts: bigint): void {
  if (!o.held) return;
  if (o.tif === TIF_IOC || o.tif === TIF_FOK) cancelRest(venue, o, ts);
}

function takeTouch(venue: ReferenceVenueState, o: SimOrder, inst: SimInstrument, limit: number, venueNs: bigint): number {
  const sign = side(o);
  if (!inst.quoted) return 0;
  const touch = sign > 0 ? inst.ask : inst.bid;
  if (!(touch > 0) || (limit > 0 && (sign > 0 ? touch > limit : touch < limit))) return 0;
  const left = sign > 0 ? inst.askLeft : inst.bidLeft;
  const displayed = sign > 0 ? inst.askSize : inst.bidSize;
  const qty = lotsOf(inst, leavesOf(o), Math.min(leavesOf(o), left));
  if (qty <= 0) return 0;
  const filled = fillSome(venue, o, inst, qty, takerPrice(o, inst, touch, sign, qty, displayed, false, limit), false, venueNs);
  if (sign > 0) inst.askLeft = left - filled;
  else inst.bidLeft = left - filled;
  return filled;
}

function takePrint(venue: ReferenceVenueState, o: SimOrder, inst: SimInstrument, price: number, size: number, printLeft: number, limit: number, venueNs: bigint): number {
  const sign = side(o);
  if (!(printLeft > 0) || (limit > 0 && (sign > 0 ? price > limit : price < limit))) return 0;
  const qty = lotsOf(inst, leavesOf(o), Math.min(leavesOf(o), printLeft));
  return fillSome(venue, o, inst, qty, takerPrice(o, inst, price, sign, qty, size, false, limit), false, venueNs);
}

function touchAvailable(inst: SimInstrument, sign: number, limit: number): number {
  if (!inst.quoted) return 0;
  const touch = sign > 0 ? inst.ask : inst.bid;
  if (!(touch > 0) || (limit > 0 && (sign > 0 ? touch > limit : touch < limit))) return 0;
  return sign > 0 ? inst.askLeft : inst.bidLeft;
}

function trackQueue(venue: ReferenceVenueState, o: SimOrder, inst: SimInstrument, oldTouch: number, oldSize: number): void {
  const sign = side(o);
  const limit = o.limit;
  const touch = sign > 0 ? inst.bid : inst.ask;
  const size = sign > 0 ? inst.bidSize : inst.askSize;
  if (sign > 0 ? limit > touch : limit < touch) {
    o.queueAhead = 0;
    o.queueKnown = true;
    return;
  }
  if (limit !== touch) return;
  const known = o.queueKnown;
  if (known && oldTouch !== touch && oldTouch > 0 && (sign > 0 ? oldTouch < limit : oldTouch > limit)) {
    o.queueAhead = Math.min(o.queueAhead, size);
    o.queueTraded = 0;
    return;
  }
  if (!known || oldTouch !== touch) {
    o.queueAhead = size > 0 ? size : 0;
    o.queueKnown = true;
    o.queueTraded = 0;
    return;
  }
  const traded = o.queueTraded;
  o.queueTraded = 0;
  let front = o.queueAhead;
  const change = oldSize - size - traded;
  if (!(change >= 0) || !Number.isFinite(change) || !Number.isFinite(front) || venue.queueModel !== QUEUE_PROBABILISTIC) {
    o.queueAhead = Math.min(front, size);
    return;
  }
  const back = oldSize - front;
  const n = venue.queuePower;
  const fb = integerPower(Math.max(back, 0), n);
  const ff = integerPower(Math.max(front, 0), n);
  const prob = fb + ff > 0 ? fb / (fb + ff) : 1;
  front = front - (1 - prob) * change + Math.min(back - prob * change, 0);
  o.queueAhead = Math.min(front, size);
}

/** A QUOTE of a tick-mode instrument: bid = a, ask = b, bid size = size, ask size = bits of id. */
export function onQuote(venue: ReferenceVenueState, instrument: number, r: VenueRecord, venueNs: bigint): void {
  const inst = venue.instruments[instrument];
  const oldBid = inst.bid;
  const oldAsk = inst.ask;
  const oldBidSize = inst.bidSize;
  const oldAskSize = inst.askSize;
  const bidSize = r.size;
  const askSize = bitsF64(r.id);
  inst.bid = r.a;
  inst.ask = r.b;
  inst.bidSize = bidSize > 0 && Number.isFinite(bidSize) ? bidSize : Infinity;
  inst.askSize = askSize > 0 && Number.isFinite(askSize) ? askSize : Infinity;
  inst.bidLeft = inst.bidSize;
  inst.askLeft = inst.askSize;
  inst.quoted = true;
  for (const o of [...inst.orders]) {
    if (o.type === TYPE_MARKET) {
      takeTouch(venue, o, inst, 0, venueNs);
    } else if (o.type === TYPE_LIMIT) {
      const sign = side(o);
      const limit = o.limit;
      const opposite = sign > 0 ? inst.ask : inst.bid;
      if (opposite > 0 && (sign > 0 ? opposite <= limit : opposite >= limit)) {
        const left = sign > 0 ? inst.askLeft : inst.bidLeft;
        const filled = fillSome(venue, o, inst, lotsOf(inst, leavesOf(o), Math.min(leavesOf(o), left)), limit, o.maker, venueNs);
        if (sign > 0) inst.askLeft = left - filled;
        else inst.bidLeft = left - filled;
      } else {
        trackQueue(venue, o, inst, sign > 0 ? oldBid : oldAsk, sign > 0 ? oldBidSize : oldAskSize);
      }
    }
  }
}

/** A TRADE of a tick-mode instrument (a = aggressor side). */
export function onTrade(venue: ReferenceVenueState, instrument: number, r: VenueRecord, venueNs: bigint): void {
  const inst = venue.instruments[instrument];
  const price = r.price;
  const size = r.size;
  inst.last = price;
  inst.lastSize = size;
  inst.traded = true;
  const aggressor = r.a;
  let printLeft = size > 0 && Number.isFinite(size) ? size : Infinity;
  for (const o of [...inst.orders]) {
    const sign = side(o);
    const type = o.type;
    if (type === TYPE_STOP || type === TYPE_STOP_LIMIT) {
      if (sign > 0 ? price >= o.stop : price <= o.stop) {
        triggerStop(o, type);
        printLeft -= matchLive(venue, o, inst, venueNs, price, size, printLeft);
      }
    } else if (type === TYPE_MARKET) {
      if (inst.quoted) takeTouch(venue, o, inst, 0, venueNs);
      else printLeft -= takePrint(venue, o, inst, price, size, printLeft, 0, venueNs);
    } else if (type === TYPE_LIMIT && printLeft > 0) {
      const limit = o.limit;
      if (sign > 0 ? price < limit : price > limit) {
        printLeft -= fillSome(venue, o, inst, lotsOf(inst, leavesOf(o), Math.min(leavesOf(o), printLeft)), limit, o.maker, venueNs);
      } else if (price === limit && !(sign > 0 ? aggressor > 0 : aggressor < 0)) {
        const known = o.queueKnown;
        let ahead = known ? o.queueAhead : 0;
        if (!known) {
          const displayed = sign > 0 ? inst.bidSize : inst.askSize;
          ahead = inst.quoted && (sign > 0 ? inst.bid : inst.ask) === limit && displayed < Infinity ? displayed : 0;
          o.queueKnown = true;
        }
        ahead -= printLeft;
        o.queueTraded = o.queueTraded + printLeft;
        if (ahead < 0) {
          printLeft -= fillSome(venue, o, inst, lotsOf(inst, leavesOf(o), Math.min(leavesOf(o), -ahead)), limit, o.maker, venueNs);
          ahead = 0;
        }
        if (o.held) o.queueAhead = ahead;
      }
    }
  }
}

/** Matches an order that just became live in tick mode (see venue-matching.ts matchLive); returns the part of the print it took. */
function matchLive(venue: ReferenceVenueState, o: SimOrder, inst: SimInstrument, venueNs: bigint, printPx: number, printSize: number, printLeft: number): number {
  const type = o.type;
  const tif = o.tif;
  const sign = side(o);
  const limit = type === TYPE_LIMIT ? o.limit : 0;
  const quoted = inst.quoted;
  const printUsable = !quoted && printLeft > 0 && (limit === 0 || (sign > 0 ? printPx <= limit : printPx >= limit));
  const available = quoted ? touchAvailable(inst, sign, limit) : printUsable ? printLeft : 0;
  if (tif === TIF_FOK && available < leavesOf(o) * (1 - DUST)) {
    cancelRest(venue, o, venueNs);
    return 0;
  }
  let took = 0;
  if (quoted) takeTouch(venue, o, inst, limit, venueNs);
  else if (printUsable) took = takePrint(venue, o, inst, printPx, printSize, printLeft, limit, venueNs);
  if (!o.held) return took;
  if (tif === TIF_IOC || tif === TIF_FOK) {
    cancelRest(venue, o, venueNs);
    return took;
  }
  if (type === TYPE_LIMIT) {
    o.maker = true;
    trackQueue(venue, o, inst, sign > 0 ? inst.bid : inst.ask, sign > 0 ? inst.bidSize : inst.askSize);
  }
  return took;
}

/** Matches an order on its arrival (or replace) in tick mode; a stop first checks its trigger against the last trade. */
export function matchOnArrival(venue: ReferenceVenueState, o: SimOrder, inst: SimInstrument, venueNs: bigint): void {
  const type = o.type;
  if (type === TYPE_STOP || type === TYPE_STOP_LIMIT) {
    if (!inst.traded || !(side(o) > 0 ? inst.last >= o.stop : inst.last <= o.stop)) return;
    triggerStop(o, type);
  }
  matchLive(venue, o, inst, venueNs, 0, 0, 0);
}
