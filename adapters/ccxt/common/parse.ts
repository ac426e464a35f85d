// Pure functions from ccxt's unified objects (trade, OHLCV row, ticker, order, my-trade) to the
// engine's model: 64-byte inbound records (engine/live venue-adapter.ts field conventions) and
// VenueOrderView. Each writes into a caller's DataView at an offset and allocates nothing; a field
// that breaks a rule throws CcxtParseError naming the field, the value and the rule.
//
//   TRADE   price, size, a = aggressor (+1 buy, -1 sell, 0 unknown), id = venue trade id
//   QUOTE   price = mid, size = bid size, a = bid, b = ask, id = bits of the ask size
//   BAR     price = close, size = volume, a = high, b = low, id = bits of the open,
//           tsExchange = open time, tsLocal = close time (the engine's bar convention)
//   ACK     price = limit, size = signed qty, a = 0 new / 1 replace, b = venue order id
//   FILL    price, size signed, a = fee (quote currency), b = fill id (the venue's decimal trade id,
//           or the number the adapter assigned to a string trade id: fill-ids.ts), FLAG_MAKER when maker
//   CANCELED size = signed qty canceled, a = reason; REJECT size = signed qty, a = reason, b = request
//   EXPIRED size = signed remaining qty; ORDER_STATUS price = avg, size = signed filled, a = state, b = signed qty
// Times: tsExchange = the venue's time (ms -> ns); tsLocal = the local receive time on the venue's
// clock (clock-sync offset applied), never below tsExchange.
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, f64Bits } from '../../../engine/layout/event-record.js';
import type { VenueOrderView } from '../../../engine/live/index.js';
import { LIVE_INBOUND, NS_PER_MS } from './consts.js';
import { orderStateOf } from './enums.js';

export class CcxtParseError extends Error {
  constructor(readonly field: string, readonly value: unknown, readonly rule: string) {
    super(`\`${field}\` ${rule}, was ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
    this.name = 'CcxtParseError';
  }
}

/** The fields of ccxt's unified objects this module reads (ccxt's own types are wider). */
export interface CcxtTrade {
  readonly id?: string; readonly timestamp?: number; readonly symbol?: string; readonly order?: string; readonly side?: string;
  readonly price?: number; readonly amount?: number; readonly takerOrMaker?: string; readonly fee?: { cost?: number; currency?: string };
}
export interface CcxtTicker { readonly symbol?: string; readonly timestamp?: number; readonly bid?: number; readonly ask?: number; readonly bidVolume?: number; readonly askVolume?: number }
export type CcxtOhlcv = readonly [number, number, number, number, number, number];
export interface CcxtOrder {
  readonly id?: string; readonly clientOrderId?: string; readonly timestamp?: number; readonly lastUpdateTimestamp?: number; readonly symbol?: string;
  readonly side?: string; readonly type?: string; readonly price?: number; readonly amount?: number; readonly filled?: number; readonly average?: number;
  readonly status?: string; readonly trades?: readonly CcxtTrade[];
}

function num(value: unknown, field: string, rule: (x: number) => boolean, text: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !rule(value)) throw new CcxtParseError(field, value, text);
  return value;
}
const positive = (v: unknown, f: string) => num(v, f, (x) => x > 0, 'must be a finite number > 0');
const nonNegative = (v: unknown, f: string) => num(v, f, (x) => x >= 0, 'must be a finite number >= 0');
const time = (v: unknown, f: string) => BigInt(num(v, f, (x) => Number.isInteger(x) && x >= 0, 'must be a whole number of ms >= 0')) * NS_PER_MS;

/** A venue id ('12345') as an integer >= 1 (trade ids, order ids). */
export function venueIdOf(value: unknown, field: string): number {
  const n = typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1)) throw new CcxtParseError(field, value, 'must be a decimal venue id >= 1');
  return n;
}

function head(view: DataView, at: number, kind: number, instrument: number, tsExchange: bigint, tsLocal: bigint): void {
  view.setInt32(at + EV_KIND, kind | LIVE_INBOUND, true);
  view.setInt32(at + EV_INSTRUMENT, instrument, true);
  view.setBigInt64(at + EV_TS_EXCHANGE, tsExchange, true);
  view.setBigInt64(at + EV_TS_LOCAL, tsLocal > tsExchange ? tsLocal : tsExchange, true);
}

function body(view: DataView, at: number, price: number, size: number, a: number, b: number, id: bigint): void {
  view.setFloat64(at + EV_PRICE, price, true);
  view.setFloat64(at + EV_SIZE, size, true);
  view.setFloat64(at + EV_A, a, true);
  view.setFloat64(at + EV_B, b, true);
  view.setBigUint64(at + EV_ID, id, true);
}

/** A public trade (watchTrades / fetchTrades) as a TRADE record; returns its venue trade id. */
export function writeTradeRecord(view: DataView, at: number, trade: CcxtTrade, instrument: number, tsLocal: bigint): number {
  const id = venueIdOf(trade.id, 'trade.id');
  const side = trade.side === 'buy' ? 1 : trade.side === 'sell' ? -1 : 0;
  head(view, at, EventKind.TRADE, instrument, time(trade.timestamp, 'trade.timestamp'), tsLocal);
  body(view, at, positive(trade.price, 'trade.price'), positive(trade.amount, 'trade.amount'), side, 0, BigInt(id));
  return id;
}

/** A ticker with a bid and an ask (watchTicker) as a QUOTE record. */
export function writeQuoteRecord(view: DataView, at: number, ticker: CcxtTicker, instrument: number, tsLocal: bigint): void {
  const bid = positive(ticker.bid, 'ticker.bid');
  const ask = num(ticker.ask, 'ticker.ask', (x) => x >= bid, `must be a finite number >= the bid (${bid})`);
  const bidSize = ticker.bidVolume === undefined ? 0 : nonNegative(ticker.bidVolume, 'ticker.bidVolume');
  const askSize = ticker.askVolume === undefined ? 0 : nonNegative(ticker.askVolume, 'ticker.askVolume');
  head(view, at, EventKind.QUOTE, instrument, time(ticker.timestamp, 'ticker.timestamp'), tsLocal);
  body(view, at, (bid + ask) / 2, bidSize, bid, ask, f64Bits(askSize));
}

/** A closed OHLCV row [open time ms, o, h, l, c, v] of a `timeframeMs` bar as a BAR record. */
export function writeBarRecord(view: DataView, at: number, row: CcxtOhlcv, instrument: number, timeframeMs: number): void {
  const [t, o, h, l, c, v] = row;
  const open = time(t, 'ohlcv[0] (open time)');
  const low = positive(l, 'ohlcv[3] (low)');
  const high = num(h, 'ohlcv[2] (high)', (x) => x >= low, `must be >= the low (${low})`);
  num(o, 'ohlcv[1] (open)', (x) => x >= low && x <= high, `must be in [low, high] = [${low}, ${high}]`);
  num(c, 'ohlcv[4] (close)', (x) => x >= low && x <= high, `must be in [low, high] = [${low}, ${high}]`);
  head(view, at, EventKind.BAR, instrument, open, open + BigInt(timeframeMs) * NS_PER_MS);
  body(view, at, c, nonNegative(v, 'ohlcv[5] (volume)'), high, low, f64Bits(o));
}

/**
 * What a fill (ccxt my-trade) says, with the fee in the quote currency. `tradeId` is the venue's
 * trade id as it sent it (Binance: decimal; Coinbase: a UUID-like string); the FILL record's
 * numeric fill id comes from the adapter's FillIds (common/fill-ids.ts).
 */
export interface FillFacts { readonly tradeId: string; readonly venueOrderId: number; readonly price: number; readonly amount: number; readonly fee: number; readonly maker: boolean; readonly tsExchange: bigint }

export function fillFactsOf(trade: CcxtTrade, quoteCurrency: string): FillFacts {
  const price = positive(trade.price, 'trade.price');
  const amount = positive(trade.amount, 'trade.amount');
  const cost = trade.fee?.cost ?? 0;
  nonNegative(cost, 'trade.fee.cost');
  // A fee charged in the base asset is worth `cost * price` of quote; any other asset is reported as is.
  const fee = trade.fee?.currency !== undefined && trade.fee.currency !== quoteCurrency && cost > 0 ? cost * price : cost;
  return {
    tradeId: venueTradeIdOf(trade.id), venueOrderId: venueIdOf(trade.order, 'trade.order'), price, amount, fee,
    maker: trade.takerOrMaker === 'maker', tsExchange: time(trade.timestamp, 'trade.timestamp'),
  };
}

/** A venue trade id as sent (any non-empty string without control characters, at most 128 long). */
export function venueTradeIdOf(value: unknown): string {
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(value)) throw new CcxtParseError('trade.id', value, 'must be a venue trade id (1 to 128 printable characters)');
  return value;
}

/** FILL of engine order `orderId` (`sign` +1 buy / -1 sell) with fill id `fillId` (> 0). */
export function writeFillRecord(view: DataView, at: number, fill: FillFacts, fillId: number, orderId: bigint, instrument: number, sign: number, tsLocal: bigint): void {
  head(view, at, EventKind.FILL | (fill.maker ? EventKind.FLAG_MAKER : 0), instrument, fill.tsExchange, tsLocal);
  body(view, at, fill.price, sign * fill.amount, fill.fee, fillId, orderId);
}

export interface OrderEventFields {
  readonly orderId: bigint;
  readonly instrument: number;
  readonly tsExchange: bigint;
  readonly tsLocal: bigint;
}

export function writeAckRecord(view: DataView, at: number, e: OrderEventFields, signedQty: number, limitPrice: number, venueOrderId: number, replace: boolean): void {
  head(view, at, EventKind.ACK, e.instrument, e.tsExchange, e.tsLocal);
  body(view, at, limitPrice, signedQty, replace ? 1 : 0, venueOrderId, e.orderId);
}

export function writeCanceledRecord(view: DataView, at: number, e: OrderEventFields, signedQtyCanceled: number, reason: number): void {
  head(view, at, EventKind.CANCELED, e.instrument, e.tsExchange, e.tsLocal);
  body(view, at, 0, signedQtyCanceled, reason, 0, e.orderId);
}

export function writeRejectRecord(view: DataView, at: number, e: OrderEventFields, signedQty: number, reason: number, request: number): void {
  head(view, at, EventKind.REJECT, e.instrument, e.tsExchange, e.tsLocal);
  body(view, at, 0, signedQty, reason, request, e.orderId);
}

export function writeExpiredRecord(view: DataView, at: number, e: OrderEventFields, signedRemaining: number): void {
  head(view, at, EventKind.EXPIRED, e.instrument, e.tsExchange, e.tsLocal);
  body(view, at, 0, signedRemaining, 0, 0, e.orderId);
}

export function writeOrderStatusRecord(view: DataView, at: number, e: OrderEventFields, v: VenueOrderView): void {
  head(view, at, EventKind.ORDER_STATUS, e.instrument, e.tsExchange, e.tsLocal);
  body(view, at, v.avgPrice, v.filled, v.state, v.qty, e.orderId);
}

/** The side sign of a ccxt order or trade: +1 buy, -1 sell. */
export function sideSign(side: string | undefined, field: string): 1 | -1 {
  if (side === 'buy') return 1;
  if (side === 'sell') return -1;
  throw new CcxtParseError(field, side, "must be 'buy' or 'sell'");
}

/** The venue's view of engine order `orderId` from a ccxt order. */
export function orderViewOf(order: CcxtOrder, orderId: bigint, clientOrderId: string, instrument: number, submissions: number): VenueOrderView {
  const sign = sideSign(order.side, 'order.side');
  const qty = positive(order.amount, 'order.amount');
  const filled = nonNegative(order.filled ?? 0, 'order.filled');
  if (filled > qty * (1 + 1e-12)) throw new CcxtParseError('order.filled', filled, `must be <= the order amount (${qty})`);
  const avgPrice = filled > 0 ? positive(order.average, 'order.average') : 0;
  return { orderId, clientOrderId, instrument, state: orderStateOf(order.status, filled), qty: sign * qty, filled: sign * filled, avgPrice, submissions };
}
