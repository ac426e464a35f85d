// The simulator's truth: balances, working orders and their fills, the public trade tape and
// 1m klines per symbol. A simple matcher: market orders fill at the last trade price (split in
// `marketFillParts` fills); resting limits fill when a tape trade crosses them (partially when the
// trade is smaller), at their limit; every fill is a tape trade with its own trade id, numbered per symbol as Binance and Coinbase number them (two symbols' ids overlap). Submissions
// are counted per client order id, so a duplicate submission is visible.
import { onStep, type SimMarket } from './markets.js';

export type Side = 'BUY' | 'SELL';
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';

export interface SimFill { readonly tradeId: number; readonly price: number; readonly qty: number; readonly commission: number; readonly time: number; readonly maker: boolean }

export interface SimOrder {
  readonly symbol: string;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: Side;
  readonly type: string;
  readonly timeInForce: string;
  readonly price: number;
  readonly origQty: number;
  executedQty: number;
  cumQuote: number;
  status: OrderStatus;
  readonly time: number;
  updateTime: number;
  locked: number;
  readonly fills: SimFill[];
}

export interface TapeTrade { readonly id: number; readonly price: number; readonly qty: number; readonly time: number; readonly buyerMaker: boolean }
export interface Kline { readonly openTime: number; open: number; high: number; low: number; close: number; volume: number; quoteVolume: number; count: number; firstId: number; lastId: number }

export class SimRejection extends Error {
  constructor(readonly code: number, message: string, readonly status = 400) { super(message); }
}

/** What the book tells the wire: an execution report per order change, a trade per tape print, balances after a change. */
export interface BookListener {
  report(order: SimOrder, execType: string, fill: SimFill | null, time: number): void;
  printed(symbol: string, trade: TapeTrade): void;
  kline(symbol: string, kline: Kline, closed: boolean): void;
  balances(assets: readonly string[], time: number): void;
}

export const FEE_RATE = 0.001;
const KLINE_MS = 60_000;
const round8 = (x: number) => Math.round(x * 1e8) / 1e8;

export class VenueBook {
  readonly markets = new Map<string, SimMarket>();
  readonly balances = new Map<string, { free: number; locked: number }>();
  readonly orders: SimOrder[] = [];
  readonly submissions = new Map<string, number>();
  readonly tape = new Map<string, TapeTrade[]>();
  readonly klines = new Map<string, Map<number, Kline>>();
  readonly lastPrice = new Map<string, number>();
  /** Market orders fill in this many parts (a partial-fill fault when > 1). */
  marketFillParts = 1;
  /** Market orders fill this many bps worse than the last price (rounded to the tick): slippage for drift tests. */
  marketSlippageBps = 0;
  /** Trade ids skipped before the next print (a sequence-gap fault: the skipped ids are still on the REST tape). */
  /** The next trade id of each symbol: Binance numbers trades per symbol, so two symbols' ids overlap. */
  private readonly nextTradeIds = new Map<string, number>();
  private nextOrderId = 1000;

  constructor(markets: readonly SimMarket[], balances: Record<string, number>, private readonly out: BookListener) {
    for (const m of markets) { this.markets.set(m.symbol, m); this.tape.set(m.symbol, []); this.klines.set(m.symbol, new Map()); }
    for (const [asset, free] of Object.entries(balances)) this.balances.set(asset, { free, locked: 0 });
  }

  private nextTradeId(symbol: string): number {
    const id = this.nextTradeIds.get(symbol) ?? 1;
    this.nextTradeIds.set(symbol, id + 1);
    return id;
  }

  market(symbol: string): SimMarket {
    const m = this.markets.get(symbol);
    if (!m) throw new SimRejection(-1121, 'Invalid symbol.');
    return m;
  }

  private balance(asset: string) {
    let b = this.balances.get(asset);
    if (!b) { b = { free: 0, locked: 0 }; this.balances.set(asset, b); }
    return b;
  }

  findOrder(symbol: string, orderId?: number, clientOrderId?: string): SimOrder | undefined {
    for (let i = this.orders.length - 1; i >= 0; i--) {
      const o = this.orders[i];
      if (o.symbol === symbol && (orderId !== undefined ? o.orderId === orderId : o.clientOrderId === clientOrderId)) return o;
    }
    return undefined;
  }

  /** A new order (POST /api/v3/order), after signature and rate checks; throws SimRejection like Binance. */
  submit(p: { symbol: string; side: string; type: string; quantity: string; price?: string; timeInForce?: string; newClientOrderId: string }, now: number): SimOrder {
    this.submissions.set(p.newClientOrderId, (this.submissions.get(p.newClientOrderId) ?? 0) + 1);
    const m = this.market(p.symbol);
    if (p.side !== 'BUY' && p.side !== 'SELL') throw new SimRejection(-1102, `Mandatory parameter 'side' was not sent, was empty/null, or malformed.`);
    if (!['MARKET', 'LIMIT', 'LIMIT_MAKER'].includes(p.type)) throw new SimRejection(-1116, 'Invalid orderType.');
    if (this.orders.some((o) => o.clientOrderId === p.newClientOrderId && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED'))) throw new SimRejection(-2010, 'Duplicate order sent.');
    const qty = Number(p.quantity);
    if (!(qty > 0) || !onStep(p.quantity, m.stepSize) || qty < Number(m.minQty)) throw new SimRejection(-1013, 'Filter failure: LOT_SIZE');
    const last = this.lastPrice.get(p.symbol);
    let price = 0;
    if (p.type !== 'MARKET') {
      if (p.price === undefined || !(Number(p.price) > 0) || !onStep(p.price, m.tickSize)) throw new SimRejection(-1013, 'Filter failure: PRICE_FILTER');
      price = Number(p.price);
    } else if (last === undefined) throw new SimRejection(-2010, 'Market is closed.');
    const refPrice = p.type === 'MARKET' ? last! : price;
    if (qty * refPrice < Number(m.minNotional)) throw new SimRejection(-1013, 'Filter failure: NOTIONAL');
    const side = p.side as Side;
    const lockAsset = side === 'BUY' ? m.quote : m.base;
    const lockAmount = side === 'BUY' ? round8(qty * refPrice * (1 + FEE_RATE)) : qty;
    if (this.balance(lockAsset).free < lockAmount) throw new SimRejection(-2010, 'Account has insufficient balance for requested action.');
    const crosses = last !== undefined && p.type !== 'MARKET' && (side === 'BUY' ? price >= last : price <= last);
    if (p.type === 'LIMIT_MAKER' && crosses) throw new SimRejection(-2010, 'Order would immediately match and take.');
    const order: SimOrder = {
      symbol: p.symbol, orderId: this.nextOrderId++, clientOrderId: p.newClientOrderId, side, type: p.type,
      timeInForce: p.type === 'LIMIT' ? (p.timeInForce ?? 'GTC') : 'GTC', price, origQty: qty, executedQty: 0, cumQuote: 0, status: 'NEW',
      time: now, updateTime: now, locked: lockAmount, fills: [],
    };
    this.balance(lockAsset).free = round8(this.balance(lockAsset).free - lockAmount);
    this.balance(lockAsset).locked = round8(this.balance(lockAsset).locked + lockAmount);
    this.orders.push(order);
    this.out.report(order, 'NEW', null, now);
    if (p.type === 'MARKET') {
      const parts = Math.max(1, this.marketFillParts);
      let left = qty;
      for (let i = 0; i < parts && left > 0; i++) {
        const part = i === parts - 1 ? left : round8(Math.floor((qty / parts) / Number(m.stepSize) + 1e-9) * Number(m.stepSize));
        if (part <= 0) continue;
        left = round8(left - part);
        const tick = Number(m.tickSize);
        const slipped = last! * (1 + ((side === 'BUY' ? 1 : -1) * this.marketSlippageBps) / 1e4);
        this.fill(order, this.marketSlippageBps === 0 ? last! : round8(Math.round(slipped / tick) * tick), part, false, now);
      }
    } else if (crosses) {
      this.fill(order, last!, qty, false, now);
    } else if (order.timeInForce === 'IOC' || order.timeInForce === 'FOK') {
      this.close(order, 'EXPIRED', now);
    }
    this.out.balances([m.base, m.quote], now);
    return order;
  }

  cancel(symbol: string, orderId: number | undefined, clientOrderId: string | undefined, now: number): SimOrder {
    const order = this.findOrder(symbol, orderId, clientOrderId);
    if (!order) throw new SimRejection(-2011, 'Unknown order sent.');
    if (order.status !== 'NEW' && order.status !== 'PARTIALLY_FILLED') throw new SimRejection(-2011, 'Unknown order sent.');
    this.close(order, 'CANCELED', now);
    const m = this.market(symbol);
    this.out.balances([m.base, m.quote], now);
    return order;
  }

  /** Test control: a resting order expires (as a good-till-date order does at its time). */
  expire(symbol: string, orderId: number, now: number): SimOrder {
    const order = this.findOrder(symbol, orderId);
    if (!order || (order.status !== 'NEW' && order.status !== 'PARTIALLY_FILLED')) throw new Error(`expire: no resting order ${orderId} on ${symbol}`);
    this.close(order, 'EXPIRED', now);
    const m = this.market(symbol);
    this.out.balances([m.base, m.quote], now);
    return order;
  }

  private close(order: SimOrder, status: OrderStatus, now: number): void {
    const m = this.market(order.symbol);
    const asset = order.side === 'BUY' ? m.quote : m.base;
    this.balance(asset).locked = round8(this.balance(asset).locked - order.locked);
    this.balance(asset).free = round8(this.balance(asset).free + order.locked);
    order.locked = 0;
    order.status = status;
    order.updateTime = now;
    this.out.report(order, status === 'CANCELED' ? 'CANCELED' : 'EXPIRED', null, now);
  }

  private fill(order: SimOrder, price: number, qty: number, maker: boolean, now: number): void {
    const m = this.market(order.symbol);
    const quote = round8(price * qty);
    const commission = round8(quote * FEE_RATE);
    const trade: TapeTrade = { id: this.nextTradeId(order.symbol), price, qty, time: now, buyerMaker: maker ? order.side === 'BUY' : order.side === 'SELL' };
    const fill: SimFill = { tradeId: trade.id, price, qty, commission, time: now, maker };
    order.fills.push(fill);
    order.executedQty = round8(order.executedQty + qty);
    order.cumQuote = round8(order.cumQuote + quote);
    order.updateTime = now;
    const base = this.balance(m.base), q = this.balance(m.quote);
    if (order.side === 'BUY') {
      const used = Math.min(order.locked, round8(quote + commission));
      q.locked = round8(q.locked - used); order.locked = round8(order.locked - used);
      q.free = round8(q.free - (round8(quote + commission) - used));
      base.free = round8(base.free + qty);
    } else {
      base.locked = round8(base.locked - qty); order.locked = round8(order.locked - qty);
      q.free = round8(q.free + quote - commission);
    }
    const done = order.executedQty >= order.origQty - 1e-12;
    order.status = done ? 'FILLED' : 'PARTIALLY_FILLED';
    if (done && order.locked !== 0) {
      const asset = order.side === 'BUY' ? q : base;
      asset.free = round8(asset.free + order.locked); asset.locked = round8(asset.locked - order.locked); order.locked = 0;
    }
    this.print(order.symbol, trade);
    this.out.report(order, 'TRADE', fill, now);
  }

  /** Skips `count` trade ids: they exist on the REST tape (as trades at the last price) but are never streamed. */
  skipTradeIds(symbol: string, count: number, now: number): void {
    const price = this.lastPrice.get(symbol) ?? 1;
    for (let i = 0; i < count; i++) this.print(symbol, { id: this.nextTradeId(symbol), price, qty: 0.001, time: now, buyerMaker: false }, false);
  }

  /** A print on the public tape by someone else: fills crossing resting limits first (each its own trade id), then the rest. */
  trade(symbol: string, price: number, qty: number, now: number, buyerMaker = false): void {
    const m = this.market(symbol);
    let left = qty;
    const resting = this.orders.filter((o) => o.symbol === symbol && o.type !== 'MARKET' && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED'));
    for (const o of resting) {
      if (left <= 0) break;
      if (!(o.side === 'BUY' ? price <= o.price : price >= o.price)) continue;
      const q = Math.min(round8(o.origQty - o.executedQty), left);
      left = round8(left - q);
      this.fill(o, o.price, q, true, now);
      this.out.balances([m.base, m.quote], now);
    }
    if (left > 0) this.print(symbol, { id: this.nextTradeId(symbol), price, qty: left, time: now, buyerMaker });
  }

  private print(symbol: string, trade: TapeTrade, stream = true): void {
    this.tape.get(symbol)!.push(trade);
    this.lastPrice.set(symbol, trade.price);
    const open = Math.floor(trade.time / KLINE_MS) * KLINE_MS;
    const bars = this.klines.get(symbol)!;
    let k = bars.get(open);
    if (!k) {
      k = { openTime: open, open: trade.price, high: trade.price, low: trade.price, close: trade.price, volume: 0, quoteVolume: 0, count: 0, firstId: trade.id, lastId: trade.id };
      bars.set(open, k);
    }
    k.high = Math.max(k.high, trade.price); k.low = Math.min(k.low, trade.price); k.close = trade.price;
    k.volume = round8(k.volume + trade.qty); k.quoteVolume = round8(k.quoteVolume + trade.qty * trade.price); k.count++; k.lastId = trade.id;
    if (stream) { this.out.printed(symbol, trade); this.out.kline(symbol, k, false); }
  }

  /** Closes the kline open at `openTime` (its final frame on the stream, x = true). */
  closeKline(symbol: string, openTime: number): void {
    const k = this.klines.get(symbol)!.get(openTime);
    if (k) this.out.kline(symbol, k, true);
  }

  myTrades(symbol: string): { order: SimOrder; fill: SimFill }[] {
    const out: { order: SimOrder; fill: SimFill }[] = [];
    for (const order of this.orders) if (order.symbol === symbol) for (const fill of order.fills) out.push({ order, fill });
    return out.sort((x, y) => x.fill.tradeId - y.fill.tradeId);
  }
}
