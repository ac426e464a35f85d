// A local Coinbase Advanced Trade venue on 127.0.0.1 (a free port) speaking the v3 REST and
// advanced-trade-ws subset ccxt 4.5's coinbase / pro.coinbase classes use for spot:
//
//   REST public   /api/v3/brokerage/{time, market/products, market/products/{id}/ticker, .../candles}
//   REST private  /api/v3/brokerage/{transaction_summary, orders (POST), orders/batch_cancel (POST),
//                 orders/historical/{id}, orders/historical/batch, orders/historical/fills, accounts}
//   WS            subscribe {channel: market_trades | ticker | candles | user | heartbeats, product_ids, auth};
//                 every message {channel, timestamp, sequence_num (per connection), events}
//
// Authentication is checked (auth.ts: JWT ES256 or legacy HMAC); failures are 401 in Coinbase's
// error shape. The book (binance-sim's VenueBook: market orders at the last print, resting limits
// filled by crossing prints, partial fills, 0.1% fee) is the truth; a duplicate client_order_id
// returns the first order (Coinbase's idempotency) and is counted. Faults: rate limits (429),
// sequence gaps, dropped streams, held / duplicated / reordered user messages, lost order answers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { SimRejection, VenueBook, type BookListener, type Kline, type SimFill, type SimMarket, type SimOrder, type TapeTrade } from '../binance-sim/index.js';
import { CoinbaseAuth, type SimCredentials } from './auth.js';
import * as W from './wire.js';

export const CB_TEST_API_KEY = 'organizations/qf-test/apiKeys/qf-test-key';
export const CB_TEST_HMAC_KEY = 'qf-cb-legacy-key';
export const CB_TEST_HMAC_SECRET = 'qf-cb-legacy-secret-0123456789';

export const COINBASE_MARKETS: readonly SimMarket[] = [
  { symbol: 'BTC-USD', base: 'BTC', quote: 'USD', tickSize: '0.01', stepSize: '0.00000001', minQty: '0.00001', minNotional: '1' },
  { symbol: 'ETH-USD', base: 'ETH', quote: 'USD', tickSize: '0.01', stepSize: '0.0001', minQty: '0.001', minNotional: '1' },
];

export interface CoinbaseSimOptions {
  readonly credentials: SimCredentials;
  readonly markets?: readonly SimMarket[];
  readonly balances?: Record<string, number>;
  /** Keep every REST exchange and WebSocket message in `wire`. */
  readonly record?: boolean;
}

export interface CoinbaseFaults {
  /** The next `count` private REST requests answer 429 (rate_limit_exceeded). */
  rateLimit: { count: number } | null;
  /** User-channel messages are held until releaseUser(). */
  holdUser: boolean;
  /** Every user-channel message is sent twice. */
  duplicateUser: boolean;
  /** The next `count` WS messages on `channel` are dropped and their sequence numbers skipped (a sequence gap). */
  skip: { channel: string; count: number } | null;
  /** The next order is executed but its HTTP answer is never sent. */
  dropNextOrderResponse: boolean;
}

export interface CbRequestLogEntry { readonly method: string; readonly path: string; readonly status: number }

/** One message on the wire (recorded when `options.record`; auth fields replaced by '***'): fixtures for the parse tests. */
export type CbWireRecord =
  | { readonly kind: 'rest'; readonly method: string; readonly path: string; readonly query: string; readonly request: unknown; readonly status: number; readonly response: unknown }
  | { readonly kind: 'ws-in' | 'ws-out'; readonly message: unknown };

interface Conn { seq: number; readonly channels: Map<string, Set<string>> }

export class CoinbaseSim implements BookListener {
  readonly book: VenueBook;
  readonly faults: CoinbaseFaults = { rateLimit: null, holdUser: false, duplicateUser: false, skip: null, dropNextOrderResponse: false };
  readonly requests: CbRequestLogEntry[] = [];
  readonly authFailures: string[] = [];
  /** Every client_order_id received, in order (duplicates included). */
  readonly clientOrderIds: string[] = [];
  readonly wire: CbWireRecord[] = [];
  private readonly record: boolean;
  private readonly pending = new WeakMap<ServerResponse, { method: string; path: string; query: string; request: unknown }>();
  private readonly auth: CoinbaseAuth;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<WebSocket, Conn>();
  private readonly sockets = new Set<Socket>();
  private readonly heldUser: Record<string, unknown>[] = [];
  private readonly postOnly = new Set<number>();
  /**
   * Test control: candles that open before this time (ms) are not served. The crash harness sets it
   * before a restarted session starts, so its first candle poll returns what its journal lacks
   * (as BinanceSim.replayKlines re-streams from there).
   */
  candlesFrom: number | null = null;
  /** Test control: the most fills one page of orders/historical/fills holds, whatever `limit` asks (null: `limit`). */
  fillsPageLimit: number | null = null;
  /** Test control: called the moment the book fills an order, before any message about it leaves (e.g. to kill a client then). */
  onFill: ((order: SimOrder, fill: SimFill) => void) | null = null;
  /** Venue time of the scripted path's last print (null: no path played). */
  private scriptTime: number | null = null;
  port = 0;

  constructor(options: CoinbaseSimOptions) {
    this.auth = new CoinbaseAuth(options.credentials, () => Date.now());
    this.record = options.record ?? false;
    this.book = new VenueBook(options.markets ?? COINBASE_MARKETS, options.balances ?? { USD: 1_000_000, BTC: 10, ETH: 100 }, this);
    this.http = createServer((req, res) => { this.onHttp(req, res).catch((e) => this.send(res, 500, W.errorBody('internal_server_error', String(e)))); });
    this.http.on('connection', (sock: Socket) => { this.sockets.add(sock); sock.on('close', () => this.sockets.delete(sock)); });
    this.wss = new WebSocketServer({ server: this.http });
    this.wss.on('connection', (ws) => this.onSocket(ws));
  }

  get baseUrl(): string { return `http://127.0.0.1:${this.port}`; }
  /**
   * The market's clock: the time of the scripted path's last print once a path played, else the wall's.
   * Orders execute (and print on the tape) at it, so an order during a path lands in the path's bar,
   * not in a bar at the wall clock hours later. Requests (auth, time endpoint) use the wall clock.
   */
  marketNow(): number { return this.scriptTime ?? Date.now(); }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => { this.http.once('error', reject); this.http.listen(0, '127.0.0.1', () => resolve()); });
    this.port = (this.http.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  // ---- test control -------------------------------------------------------------------------

  trade(productId: string, price: number, qty: number, time = this.marketNow()): void { this.book.trade(productId, price, qty, time); }

  /** Plays `prices` as prints `stepMs` apart in venue time, `intervalMs` apart in wall time. */
  playPath(productId: string, prices: readonly number[], options: { startTime: number; stepMs?: number; intervalMs?: number; qty?: number }): Promise<void> {
    return new Promise((resolve) => {
      let i = 0;
      const next = () => {
        if (i >= prices.length) { resolve(); return; }
        this.scriptTime = options.startTime + i * (options.stepMs ?? 60_000);
        this.trade(productId, prices[i], options.qty ?? 1, this.scriptTime);
        i++;
        setTimeout(next, options.intervalMs ?? 20);
      };
      next();
    });
  }

  /** A resting order expires (a good-till-date order reaching its time): EXPIRED over the user channel and REST. */
  expire(clientOrderId: string): void {
    const o = this.book.orders.find((x) => x.clientOrderId === clientOrderId);
    if (!o) throw new Error(`expire: no order with client_order_id ${clientOrderId}`);
    this.book.expire(o.symbol, o.orderId, this.marketNow());
  }

  submissions(clientOrderId: string): number { return this.clientOrderIds.filter((id) => id === clientOrderId).length; }
  duplicateSubmissions(): string[] { return [...new Set(this.clientOrderIds.filter((id, i) => this.clientOrderIds.indexOf(id) !== i))]; }
  dropStreams(): void { for (const ws of this.conns.keys()) ws.terminate(); }
  streamCount(channel: string): number { return [...this.conns.values()].filter((c) => c.channels.has(channel)).length; }

  /** Sends the held user messages (reversed: out of order; duplicate: each twice). */
  releaseUser(options: { reverse?: boolean; duplicate?: boolean } = {}): number {
    const held = this.heldUser.splice(0);
    if (options.reverse) held.reverse();
    for (const e of held) { this.publish('user', null, e); if (options.duplicate) this.publish('user', null, e); }
    return held.length;
  }

  // ---- BookListener -------------------------------------------------------------------------

  report(order: SimOrder, _execType?: string, fill?: SimFill | null): void {
    if (fill) this.onFill?.(order, fill);
    const event = { type: 'update', orders: [W.wsOrder(order)] };
    if (this.faults.holdUser) { this.heldUser.push(event); return; }
    this.publish('user', null, event);
    if (this.faults.duplicateUser) this.publish('user', null, event);
  }

  printed(productId: string, t: TapeTrade): void {
    const tick = Number(this.book.market(productId).tickSize);
    this.publish('market_trades', productId, { type: 'update', trades: [{ trade_id: String(t.id), product_id: productId, price: String(t.price), size: String(t.qty), side: t.buyerMaker ? 'SELL' : 'BUY', time: W.iso(t.time) }] });
    this.publish('ticker', productId, {
      type: 'update', tickers: [{ type: 'ticker', product_id: productId, price: String(t.price), volume_24_h: '0', low_24_h: String(t.price), high_24_h: String(t.price), low_52_w: '0', high_52_w: '0', price_percent_chg_24_h: '0', best_bid: String(Math.round((t.price - tick) * 100) / 100), best_bid_quantity: '1', best_ask: String(Math.round((t.price + tick) * 100) / 100), best_ask_quantity: '1' }],
    });
  }

  kline(productId: string, k: Kline): void {
    this.publish('candles', productId, { type: 'update', candles: [{ start: String(k.openTime / 1000), high: String(k.high), low: String(k.low), open: String(k.open), close: String(k.close), volume: String(k.volume), product_id: productId }] });
  }

  balances(): void { /* balances travel by REST (accounts) only */ }

  // ---- WebSocket ----------------------------------------------------------------------------

  private onSocket(ws: WebSocket): void {
    const conn: Conn = { seq: 0, channels: new Map() };
    this.conns.set(ws, conn);
    ws.on('close', () => this.conns.delete(ws));
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      let msg: Record<string, unknown>;
      try { msg = JSON.parse(String(data)); } catch { ws.send(JSON.stringify({ type: 'error', message: 'failure to parse JSON' })); return; }
      if (this.record) this.wire.push({ kind: 'ws-in', message: { ...msg, ...(msg.jwt ? { jwt: '***' } : {}), ...(msg.signature ? { signature: '***', api_key: '***' } : {}) } });
      const channel = String(msg.channel);
      const ids = Array.isArray(msg.product_ids) ? (msg.product_ids as string[]) : [];
      if (msg.type === 'unsubscribe') { conn.channels.delete(channel); this.sendTo(ws, conn, 'subscriptions', { subscriptions: {} }); return; }
      if (msg.type !== 'subscribe') { ws.send(JSON.stringify({ type: 'error', message: `unknown message type ${String(msg.type)}` })); return; }
      if (channel === 'user') {
        const failure = this.auth.checkWs(msg);
        if (failure) { this.authFailures.push(`ws user: ${failure}`); ws.send(JSON.stringify({ type: 'error', message: `authentication failure: ${failure}` })); return; }
      }
      if (!['market_trades', 'ticker', 'candles', 'user', 'heartbeats', 'level2'].includes(channel)) { ws.send(JSON.stringify({ type: 'error', message: `unknown channel ${channel}` })); return; }
      const set = conn.channels.get(channel) ?? new Set<string>();
      for (const id of ids) set.add(id);
      conn.channels.set(channel, set);
      this.sendTo(ws, conn, 'subscriptions', { subscriptions: Object.fromEntries([...conn.channels].map(([c, p]) => [c, [...p]])) });
      if (channel === 'user') {
        const open = this.book.orders.filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED').map(W.wsOrder);
        this.sendTo(ws, conn, 'user', { type: 'snapshot', orders: open });
      }
    });
  }

  private sendTo(ws: WebSocket, conn: Conn, channel: string, event: Record<string, unknown>): void {
    const seq = conn.seq++;
    const skip = this.faults.skip;
    if (skip && skip.channel === channel && skip.count > 0) { skip.count--; return; }
    const wire = channel === 'subscriptions' ? 'subscriptions' : channel === 'ticker' ? 'ticker' : channel === 'user' ? 'user' : channel === 'candles' ? 'candles' : 'market_trades';
    const message = { channel: wire, client_id: '', timestamp: new Date().toISOString(), sequence_num: seq, events: [event] };
    if (this.record) this.wire.push({ kind: 'ws-out', message: JSON.parse(JSON.stringify(message)) });
    ws.send(JSON.stringify(message));
  }

  private publish(channel: string, productId: string | null, event: Record<string, unknown>): void {
    for (const [ws, conn] of this.conns) {
      const products = conn.channels.get(channel);
      if (!products) continue;
      if (productId !== null && products.size > 0 && !products.has(productId)) continue;
      this.sendTo(ws, conn, channel, event);
    }
  }

  // ---- REST ---------------------------------------------------------------------------------

  private send(res: ServerResponse, status: number, body: unknown, path = ''): void {
    if (path) this.requests.push({ method: res.req?.method ?? '', path, status });
    const req = this.pending.get(res);
    if (this.record && req) this.wire.push({ kind: 'rest', ...req, status, response: JSON.parse(JSON.stringify(body)) });
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    const url = new URL(req.url ?? '/', this.baseUrl);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const q = url.searchParams;
    if (this.record) { let request: unknown = null; try { request = body ? JSON.parse(body) : null; } catch { request = body; } this.pending.set(res, { method, path, query: url.search, request }); }
    const reply = (status: number, out: unknown) => this.send(res, status, out, path);
    const pub = path.startsWith('/api/v3/brokerage/market/') || path === '/api/v3/brokerage/time';
    if (!path.startsWith('/api/v3/brokerage/')) return reply(404, W.errorBody('not_found', `no route ${method} ${path}`));
    if (!pub) {
      const failure = this.auth.checkRest(method, `${url.host}${path}`, path, req.headers, body);
      if (failure) { this.authFailures.push(`${method} ${path}: ${failure}`); return reply(401, W.errorBody('unauthorized', failure)); }
      if (this.faults.rateLimit && this.faults.rateLimit.count > 0) { this.faults.rateLimit.count--; return reply(429, W.errorBody('rate_limit_exceeded', 'Too many requests')); }
    }
    const route = path.slice('/api/v3/brokerage/'.length);
    const now = Date.now();
    if (route === 'time') return reply(200, { iso: W.iso(now), epochSeconds: String(Math.floor(now / 1000)), epochMillis: String(now) });
    if (route === 'market/products') {
      const products = q.get('product_type') === 'FUTURE' ? [] : [...this.book.markets.values()].map((m) => W.product(m, this.book.lastPrice.get(m.symbol)));
      return reply(200, { products, num_products: products.length });
    }
    let m = /^market\/products\/([A-Z0-9-]+)\/(ticker|candles)$/.exec(route);
    if (m) {
      const id = m[1];
      if (!this.book.markets.has(id)) return reply(404, W.errorBody('not_found', `product ${id} not found`));
      const start = q.has('start') ? Number(q.get('start')) * 1000 : 0, end = q.has('end') ? Number(q.get('end')) * 1000 + 999 : Infinity;
      if (m[2] === 'ticker') {
        const limit = Math.min(Number(q.get('limit') ?? 100), 1000);
        const tape = this.book.tape.get(id)!.filter((t) => t.time >= start && t.time <= end);
        // Newest first, as Coinbase answers.
        const trades = tape.slice(-limit).reverse().map((t) => ({ trade_id: String(t.id), product_id: id, price: String(t.price), size: String(t.qty), time: W.iso(t.time), side: t.buyerMaker ? 'SELL' : 'BUY', bid: '', ask: '', exchange: 'CBE' }));
        return reply(200, { trades, best_bid: '', best_ask: '' });
      }
      if (q.get('granularity') !== 'ONE_MINUTE') return reply(400, W.errorBody('INVALID_ARGUMENT', `granularity must be ONE_MINUTE in the simulator, was ${q.get('granularity')}`));
      const candles = [...this.book.klines.get(id)!.values()].filter((k) => k.openTime >= start && k.openTime <= end && k.openTime >= (this.candlesFrom ?? -Infinity)).sort((a, b) => b.openTime - a.openTime)
        .map((k) => ({ start: String(k.openTime / 1000), low: String(k.low), high: String(k.high), open: String(k.open), close: String(k.close), volume: String(k.volume) }));
      return reply(200, { candles });
    }
    if (route === 'transaction_summary') {
      return reply(200, { total_volume: 0, total_fees: 0, fee_tier: { pricing_tier: 'Advanced 1', usd_from: '0', usd_to: '1000', taker_fee_rate: '0.001', maker_fee_rate: '0.001' }, margin_rate: null, goods_and_services_tax: null, advanced_trade_only_volume: 0, advanced_trade_only_fees: 0, coinbase_pro_volume: 0, coinbase_pro_fees: 0 });
    }
    if (route === 'accounts') {
      const accounts = [...this.book.balances].map(([currency, b]) => ({ uuid: `acct-${currency}`, name: `${currency} Wallet`, currency, available_balance: { value: String(b.free), currency }, default: false, active: true, created_at: W.iso(0), updated_at: W.iso(now), deleted_at: null, type: 'ACCOUNT_TYPE_CRYPTO', ready: true, hold: { value: String(b.locked), currency } }));
      return reply(200, { accounts, has_next: false, cursor: '', size: accounts.length });
    }
    if (route === 'orders' && method === 'POST') return this.createOrder(JSON.parse(body || '{}'), res, path, this.marketNow());
    if (route === 'orders/batch_cancel' && method === 'POST') {
      const ids: string[] = JSON.parse(body || '{}').order_ids ?? [];
      const results = ids.map((uuid) => {
        const o = this.orderByUuid(uuid);
        if (!o) return { success: false, failure_reason: 'UNKNOWN_CANCEL_ORDER', order_id: uuid };
        if (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED') return { success: false, failure_reason: 'UNKNOWN_CANCEL_ORDER', order_id: uuid };
        this.book.cancel(o.symbol, o.orderId, undefined, this.marketNow());
        return { success: true, failure_reason: 'UNKNOWN_CANCEL_FAILURE_REASON', order_id: uuid };
      });
      return reply(200, { results });
    }
    if (route === 'orders/historical/batch') {
      const status = q.getAll('order_status');
      const product = q.get('product_id');
      const wanted = (o: SimOrder) => status.length === 0 || status.includes(W.restOrder(o).status as string);
      const orders = this.book.orders.filter((o) => (!product || o.symbol === product) && wanted(o)).reverse().map(W.restOrder);
      return reply(200, { orders, sequence: '0', has_next: false, cursor: '' });
    }
    if (route === 'orders/historical/fills') {
      // Filters: order_ids, product_id, start/end_sequence_timestamp (RFC 3339, inclusive); newest first; pages of at most
      // `limit` (and at most fillsPageLimit) fills with `cursor`: an opaque token for the position after the page's last
      // fill (fills arriving meanwhile are newer, so they never shift a later page), '' on the last page.
      const orderIds = [...q.getAll('order_ids'), ...q.getAll('order_id')];
      const product = q.get('product_id');
      const bound = (name: string, dflt: number) => {
        const text = q.get(name);
        if (text === null) return dflt;
        const ms = Date.parse(text);
        if (!Number.isFinite(ms)) throw new SimQueryError(`${name} must be an RFC 3339 time, was ${JSON.stringify(text)}`);
        return ms;
      };
      let from: number, to: number;
      try { from = bound('start_sequence_timestamp', -Infinity); to = bound('end_sequence_timestamp', Infinity); } catch (e) { return reply(400, W.errorBody('INVALID_ARGUMENT', (e as Error).message)); }
      const limitText = q.get('limit');
      const asked = limitText === null ? 1000 : Number(limitText);
      if (!Number.isInteger(asked) || asked < 1) return reply(400, W.errorBody('INVALID_ARGUMENT', `limit must be a whole number >= 1, was ${JSON.stringify(limitText)}`));
      const limit = Math.min(asked, this.fillsPageLimit ?? asked);
      let after: { time: number; tradeId: number } | null = null;
      const cursorText = q.get('cursor');
      if (cursorText !== null && cursorText !== '') {
        const m = /^(\d+):(\d+)$/.exec(Buffer.from(cursorText, 'base64url').toString());
        if (!m) return reply(400, W.errorBody('INVALID_ARGUMENT', `cursor is not one this venue issued: ${JSON.stringify(cursorText)}`));
        after = { time: Number(m[1]), tradeId: Number(m[2]) };
      }
      const found: { f: SimFill; o: SimOrder }[] = [];
      for (const o of this.book.orders) {
        if (product && o.symbol !== product) continue;
        if (orderIds.length > 0 && !orderIds.includes(W.orderUuid(o.orderId))) continue;
        for (const f of o.fills) {
          if (f.time < from || f.time > to) continue;
          if (after && !(f.time < after.time || (f.time === after.time && f.tradeId < after.tradeId))) continue;
          found.push({ f, o });
        }
      }
      // By sequence time, newest first (the book's trade counter orders fills of the same millisecond); never by trade_id, which is not numeric.
      found.sort((a, b) => b.f.time - a.f.time || b.f.tradeId - a.f.tradeId);
      const page = found.slice(0, limit);
      const last = page[page.length - 1];
      const cursor = found.length > limit ? Buffer.from(`${last.f.time}:${last.f.tradeId}`).toString('base64url') : '';
      return reply(200, { fills: page.map(({ f, o }) => W.restFill(o, f)), cursor });
    }
    m = /^orders\/historical\/([0-9a-f-]+)$/.exec(route);
    if (m) {
      const o = this.orderByUuid(m[1]);
      if (!o) return reply(404, W.errorBody('NOT_FOUND', 'order with this orderID was not found'));
      return reply(200, { order: W.restOrder(o) });
    }
    return reply(404, W.errorBody('not_found', `no route ${method} ${path}`));
  }

  private orderByUuid(uuid: string): SimOrder | undefined {
    const id = W.orderIdOfUuid(uuid);
    return id === null ? undefined : this.book.orders.find((o) => o.orderId === id);
  }

  private createOrder(p: Record<string, any>, res: ServerResponse, path: string, now: number): void { // eslint-disable-line @typescript-eslint/no-explicit-any
    const clientOrderId = String(p.client_order_id ?? '');
    this.clientOrderIds.push(clientOrderId);
    const fail = (error: string, message: string) => this.send(res, 200, { success: false, failure_reason: 'UNKNOWN_FAILURE_REASON', order_id: '', error_response: { error, message, error_details: message, preview_failure_reason: 'UNKNOWN_PREVIEW_FAILURE_REASON' } }, path);
    const answer = (o: SimOrder) => {
      const body = { success: true, failure_reason: 'UNKNOWN_FAILURE_REASON', order_id: W.orderUuid(o.orderId), success_response: { order_id: W.orderUuid(o.orderId), product_id: o.symbol, side: o.side, client_order_id: o.clientOrderId }, order_configuration: p.order_configuration };
      if (this.faults.dropNextOrderResponse) { this.faults.dropNextOrderResponse = false; this.requests.push({ method: 'POST', path, status: 0 }); res.socket?.destroy(); return; }
      this.send(res, 200, body, path);
    };
    // Coinbase's idempotency: an order with this client_order_id exists -> it is answered, nothing new is created.
    const existing = this.book.orders.find((o) => o.clientOrderId === clientOrderId);
    if (existing) { answer(existing); return; }
    if (!clientOrderId) return fail('INVALID_ARGUMENT', 'client_order_id is required');
    if (p.side !== 'BUY' && p.side !== 'SELL') return fail('INVALID_ARGUMENT', `side must be BUY or SELL, was ${p.side}`);
    const cfg = (p.order_configuration ?? {}) as Record<string, Record<string, unknown>>;
    const [kind] = Object.keys(cfg);
    const c = cfg[kind] ?? {};
    let order: SimOrder;
    try {
      if (kind === 'market_market_ioc') {
        if (c.base_size === undefined) return fail('INVALID_ARGUMENT', 'the simulator takes market orders in base_size only');
        order = this.book.submit({ symbol: String(p.product_id), side: p.side, type: 'MARKET', quantity: String(c.base_size), newClientOrderId: clientOrderId }, now);
      } else if (kind === 'limit_limit_gtc' || kind === 'sor_limit_ioc') {
        const type = c.post_only === true ? 'LIMIT_MAKER' : 'LIMIT';
        order = this.book.submit({ symbol: String(p.product_id), side: p.side, type, quantity: String(c.base_size), price: String(c.limit_price), timeInForce: kind === 'sor_limit_ioc' ? 'IOC' : 'GTC', newClientOrderId: clientOrderId }, now);
      } else return fail('UNSUPPORTED_ORDER_CONFIGURATION', `order_configuration ${kind} is not supported by the simulator`);
    } catch (e) {
      if (!(e instanceof SimRejection)) throw e;
      const error = /insufficient/i.test(e.message) ? 'INSUFFICIENT_FUND' : 'INVALID_ARGUMENT';
      return fail(error, error === 'INSUFFICIENT_FUND' ? 'Insufficient balance in source account' : e.message);
    }
    if (c.post_only === true) this.postOnly.add(order.orderId);
    answer(order);
  }
}

class SimQueryError extends Error {}

export async function startCoinbaseSim(options: CoinbaseSimOptions): Promise<CoinbaseSim> { return new CoinbaseSim(options).start(); }
