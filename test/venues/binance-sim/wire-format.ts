// Binance's JSON shapes for the simulator's truth (REST order/trade/kline bodies, WS trade, kline,
// 24hrTicker, bookTicker, executionReport and outboundAccountPosition events), as the
// Binance spot API documents them and ccxt's binance classes parse them.
import type { Kline, SimFill, SimOrder, TapeTrade } from './venue-book.js';

const f8 = (x: number) => x.toFixed(8);

export function restOrder(o: SimOrder, full = false): Record<string, unknown> {
  const body: Record<string, unknown> = {
    symbol: o.symbol, orderId: o.orderId, orderListId: -1, clientOrderId: o.clientOrderId, price: f8(o.price), origQty: f8(o.origQty),
    executedQty: f8(o.executedQty), cummulativeQuoteQty: f8(o.cumQuote), status: o.status, timeInForce: o.timeInForce, type: o.type, side: o.side,
    stopPrice: f8(0), icebergQty: f8(0), time: o.time, updateTime: o.updateTime, isWorking: true, workingTime: o.time, origQuoteOrderQty: f8(0),
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
  if (full) {
    body.transactTime = o.updateTime;
    body.fills = o.fills.map((f) => ({ price: f8(f.price), qty: f8(f.qty), commission: f8(f.commission), commissionAsset: 'USDT', tradeId: f.tradeId }));
  }
  return body;
}

export function restMyTrade(o: SimOrder, f: SimFill): Record<string, unknown> {
  return {
    symbol: o.symbol, id: f.tradeId, orderId: o.orderId, orderListId: -1, price: f8(f.price), qty: f8(f.qty), quoteQty: f8(f.price * f.qty),
    commission: f8(f.commission), commissionAsset: 'USDT', time: f.time, isBuyer: o.side === 'BUY', isMaker: f.maker, isBestMatch: true,
  };
}

export function restTrade(t: TapeTrade): Record<string, unknown> {
  return { id: t.id, price: f8(t.price), qty: f8(t.qty), quoteQty: f8(t.price * t.qty), time: t.time, isBuyerMaker: t.buyerMaker, isBestMatch: true };
}

export function restAggTrade(t: TapeTrade): Record<string, unknown> {
  return { a: t.id, p: f8(t.price), q: f8(t.qty), f: t.id, l: t.id, T: t.time, m: t.buyerMaker, M: true };
}

export function restKline(k: Kline): unknown[] {
  return [k.openTime, f8(k.open), f8(k.high), f8(k.low), f8(k.close), f8(k.volume), k.openTime + 59_999, f8(k.quoteVolume), k.count, f8(0), f8(0), '0'];
}

export function wsTrade(symbol: string, t: TapeTrade, eventTime: number): Record<string, unknown> {
  return { e: 'trade', E: eventTime, s: symbol, t: t.id, p: f8(t.price), q: f8(t.qty), T: t.time, m: t.buyerMaker, M: true };
}

export function wsKline(symbol: string, k: Kline, closed: boolean, eventTime: number): Record<string, unknown> {
  return {
    e: 'kline', E: eventTime, s: symbol,
    k: { t: k.openTime, T: k.openTime + 59_999, s: symbol, i: '1m', f: k.firstId, L: k.lastId, o: f8(k.open), c: f8(k.close), h: f8(k.high), l: f8(k.low),
      v: f8(k.volume), n: k.count, x: closed, q: f8(k.quoteVolume), V: f8(0), Q: f8(0), B: '0' },
  };
}

export function wsTicker(symbol: string, last: number, bid: number, ask: number, eventTime: number, lastId: number): Record<string, unknown> {
  return {
    e: '24hrTicker', E: eventTime, s: symbol, p: f8(0), P: '0.000', w: f8(last), x: f8(last), c: f8(last), Q: f8(0), b: f8(bid), B: f8(1), a: f8(ask), A: f8(1),
    o: f8(last), h: f8(last), l: f8(last), v: f8(0), q: f8(0), O: eventTime - 86_400_000, C: eventTime, F: 1, L: lastId, n: lastId,
  };
}

export function wsBookTicker(symbol: string, updateId: number, bid: number, ask: number): Record<string, unknown> {
  return { u: updateId, s: symbol, b: f8(bid), B: f8(1), a: f8(ask), A: f8(1) };
}

export function executionReport(o: SimOrder, execType: string, fill: SimFill | null, time: number): Record<string, unknown> {
  return {
    e: 'executionReport', E: time, s: o.symbol, c: o.clientOrderId, S: o.side, o: o.type, f: o.timeInForce, q: f8(o.origQty), p: f8(o.price), P: f8(0), F: f8(0),
    g: -1, C: '', x: execType, X: o.status, r: 'NONE', i: o.orderId, l: f8(fill ? fill.qty : 0), z: f8(o.executedQty), L: f8(fill ? fill.price : 0),
    n: f8(fill ? fill.commission : 0), N: fill ? 'USDT' : null, T: time, t: fill ? fill.tradeId : -1, v: 0, I: time, w: o.status === 'NEW' || o.status === 'PARTIALLY_FILLED',
    m: fill ? fill.maker : false, M: false, O: o.time, Z: f8(o.cumQuote), Y: f8(fill ? fill.price * fill.qty : 0), Q: f8(0), W: o.time, V: 'EXPIRE_MAKER',
  };
}

export function accountPosition(balances: { asset: string; free: number; locked: number }[], time: number): Record<string, unknown> {
  return { e: 'outboundAccountPosition', E: time, u: time, B: balances.map((b) => ({ a: b.asset, f: f8(b.free), l: f8(b.locked) })) };
}
