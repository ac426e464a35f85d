// A local Binance spot venue on 127.0.0.1 (a free port) that speaks the REST and WebSocket subset
// ccxt 4.5's binance / pro.binance classes use for spot:
//
//   REST  /api/v3/{ping,time,exchangeInfo,depth,ticker/bookTicker,klines,trades,historicalTrades,aggTrades}
//         signed: /api/v3/{account,order (POST/GET/DELETE),openOrders,allOrders,myTrades}, /api/v3/userDataStream (listenKey)
//   WS    /ws/<n>           market streams by SUBSCRIBE: <sym>@trade, @kline_1m, @ticker, @bookTicker
//         /ws/<listenKey>   user data stream (legacy listenKey)
//         /ws-api/v3        WebSocket API: userDataStream.subscribe.signature, then {subscriptionId, event} frames
//
// Test control: drive the tape (`trade`, or a scripted price path `playPath`), read the truth (`book`), and inject faults (`faults`,
// `dropMarketStreams`, `dropUserStreams`, `releaseReports`, a bid/ask without a print `quote`). Errors are Binance's: {code, msg}
// with HTTP 400, 401, 429 (-1003, Retry-After) or 418.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { DEFAULT_MARKETS, exchangeInfo, type SimMarket } from './markets.js';
import { checkSignedPayload, checkSignedWsParams } from './signature.js';
import { SimRejection, VenueBook, type BookListener, type Kline, type SimFill, type SimOrder, type TapeTrade } from './venue-book.js';
import * as W from './wire-format.js';

export const TEST_API_KEY = 'qf-test-api-key';
export const TEST_SECRET = 'qf-test-secret-0123456789abcdef';

export interface BinanceSimOptions {
  readonly markets?: readonly SimMarket[];
  readonly balances?: Record<string, number>;
  /** The simulator's clock minus the local clock, ms (clock-sync tests). */
  readonly clockOffsetMs?: number;
}

export interface SimFaults {
  /** The next `count` requests (REST) fail with `status` (429: -1003 + Retry-After; 418: IP ban). */
  rateLimit: { count: number; status: 429 | 418; retryAfterSeconds: number } | null;
  /** Execution reports are held (not sent) until releaseReports(). */
  holdReports: boolean;
  /** Every execution report is sent twice. */
  duplicateReports: boolean;
  /** Every execution report is sent after this many ms (in order). */
  reportDelayMs: number;
  /** Symbols whose market streams stop (the sockets stay open). */
  readonly staleSymbols: Set<string>;
  /** The next order is executed but its HTTP response is never sent (the socket is destroyed). */
  dropNextOrderResponse: boolean;
  /** The user-data WebSocket connections are dropped right after the next order is executed, before its reports. */
  dropUserStreamsOnNextOrder: boolean;
  /** The next `count` streamed kline open times are not streamed at all (a time gap; REST still has them). */
  skipKlines: number;
  /** The next `count` prints are not streamed on <sym>@trade (a trade-id gap; REST still has them). */
  skipTrades: number;
  /** Every new order (POST /api/v3/order) waits this long before it executes: venue latency. */
  orderDelayMs: number;
}

export interface RequestLogEntry { readonly method: string; readonly path: string; readonly status: number }

export class BinanceSim implements BookListener {
  readonly book: VenueBook;
  readonly faults: SimFaults = {
    rateLimit: null, holdReports: false, duplicateReports: false, reportDelayMs: 0, staleSymbols: new Set(), dropNextOrderResponse: false,
    dropUserStreamsOnNextOrder: false, skipKlines: 0, skipTrades: 0, orderDelayMs: 0,
  };
  readonly requests: RequestLogEntry[] = [];
  readonly account = { apiKey: TEST_API_KEY, secret: TEST_SECRET };
  clockOffsetMs: number;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly marketSockets = new Map<WebSocket, Set<string>>();
  private readonly userSockets = new Map<WebSocket, number | null>();
  private readonly listenKeys = new Set<string>();
  private readonly heldReports: Record<string, unknown>[] = [];
  private readonly sockets = new Set<Socket>();
  private nextSubscriptionId = 0;
  private bookTickerId = 1;
  private skippedKlines = new Set<string>();
  /** Venue time of the scripted path's last print (null: no path played). */
  private scriptTime: number | null = null;
  port = 0;

  constructor(options: BinanceSimOptions = {}) {
    this.clockOffsetMs = options.clockOffsetMs ?? 0;
    this.book = new VenueBook(options.markets ?? DEFAULT_MARKETS, options.balances ?? { USDT: 100_000, BTC: 10, ETH: 100 }, this);
    this.http = createServer((req, res) => { this.onHttp(req, res).catch((e) => this.send(res, 500, { code: -1000, msg: String(e) })); });
    this.http.on('connection', (s: Socket) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    this.wss = new WebSocketServer({ server: this.http });
    this.wss.on('connection', (ws, req) => this.onSocket(ws, req.url ?? '/'));
  }

  get baseUrl(): string { return `http://127.0.0.1:${this.port}`; }
  now(): number { return Date.now() + this.clockOffsetMs; }
  /** The market's clock: the time of the scripted path's last print once a path played (playPath), else `now()`. Orders execute at it. */
  marketNow(): number { return this.scriptTime ?? this.now(); }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => { this.http.once('error', reject); this.http.listen(0, '127.0.0.1', () => resolve()); });
    this.port = (this.http.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  // ---- test control -------------------------------------------------------------------------

  /** A print by another participant at `price` for `qty` (crossing resting limits fill first), at the market's clock by default. */
  trade(symbol: string, price: number, qty: number, time = this.marketNow()): void { this.book.trade(symbol, price, qty, time); }

  /**
   * Pushes a scripted price path: one print per price, at venue times `startTime + i * stepMs`
   * (stepMs 60_000: one 1m kline per price, each closed by the next), paced `intervalMs` apart
   * in wall time. `stop()` ends it early; `done` resolves after the last print.
   * The path sets the market's clock (`marketNow`): orders executed while (and after) it plays
   * print on the tape at the time of the path's last print, in the bar being built, not at the
   * wall clock hours later (which would open a kline far after the path's and make every later
   * bar of the path look old). The request clock (`now`: signatures, serverTime) stays the wall's.
   */
  playPath(symbol: string, prices: readonly number[], options: { startTime: number; stepMs?: number; intervalMs?: number; qty?: number }): { done: Promise<void>; stop(): void; readonly printed: number } {
    const stepMs = options.stepMs ?? 60_000;
    let i = 0;
    let timer: NodeJS.Timeout | null = null;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => { finish = resolve; });
    const next = (): void => {
      if (i >= prices.length) { timer = null; finish(); return; }
      this.scriptTime = options.startTime + i * stepMs;
      this.trade(symbol, prices[i], options.qty ?? 1, this.scriptTime);
      i++;
      timer = setTimeout(next, options.intervalMs ?? 20);
    };
    next();
    return { done, stop: () => { if (timer) clearTimeout(timer); timer = null; finish(); }, get printed() { return i; } };
  }

  submissions(clientOrderId: string): number { return this.book.submissions.get(clientOrderId) ?? 0; }

  /** Client order ids submitted more than once. */
  duplicateSubmissions(): string[] { return [...this.book.submissions].filter(([, n]) => n > 1).map(([id]) => id); }

  /** Streams a best bid / ask on <sym>@ticker and @bookTicker without a print (bid > ask: a crossed book). */
  quote(symbol: string, bid: number, ask: number): void {
    const now = this.now();
    this.publish(symbol, 'ticker', W.wsTicker(symbol, this.book.lastPrice.get(symbol) ?? (bid + ask) / 2, bid, ask, now, this.book.tape.get(symbol)?.at(-1)?.id ?? 0));
    this.publish(symbol, 'bookTicker', W.wsBookTicker(symbol, this.bookTickerId++, bid, ask));
  }

  /** Market streams subscribed on open sockets (e.g. 'btcusdt@kline_1m'), one entry per socket and stream. */
  subscribedStreams(): string[] { return [...this.marketSockets].filter(([ws]) => ws.readyState === ws.OPEN).flatMap(([, streams]) => [...streams]); }

  /**
   * The feed resumes where a session left it (the crash harness): streams every kline of `symbol`
   * opening at `fromOpenTime` or later again, oldest first, the closed ones as closed and the last
   * (being built) as open, to the sockets subscribed to <sym>@kline_1m. A session that died before
   * it journaled a kline the tape already closed gets it from here once it subscribes again.
   */
  replayKlines(symbol: string, fromOpenTime: number): number {
    const klines = [...(this.book.klines.get(symbol)?.values() ?? [])].filter((k) => k.openTime >= fromOpenTime).sort((a, b) => a.openTime - b.openTime);
    klines.forEach((k, i) => this.publish(symbol, 'kline_1m', W.wsKline(symbol, k, i < klines.length - 1, this.now())));
    return klines.length;
  }

  dropMarketStreams(): void { for (const ws of this.marketSockets.keys()) ws.terminate(); }
  dropUserStreams(): void { for (const ws of this.userSockets.keys()) ws.terminate(); }
  get userStreamCount(): number { return [...this.userSockets.values()].filter((id) => id !== null).length; }
  get marketStreamCount(): number { return this.marketSockets.size; }
  /** Whether a market socket has subscribed `stream` (e.g. btcusdt@kline_1m): the feed reaches the client from here on. */
  subscribed(stream: string): boolean { return [...this.marketSockets.values()].some((streams) => streams.has(stream)); }

  /** Sends the held execution reports (reversed: out of order; duplicated: each twice). */
  releaseReports(options: { reverse?: boolean; duplicate?: boolean } = {}): number {
    const reports = this.heldReports.splice(0);
    if (options.reverse) reports.reverse();
    for (const r of reports) { this.deliverUser(r); if (options.duplicate) this.deliverUser(r); }
    return reports.length;
  }

  // ---- BookListener: the truth, onto the wire --------------------------------------------------

  report(order: SimOrder, execType: string, fill: SimFill | null, time: number): void {
    const event = W.executionReport(order, execType, fill, time);
    if (this.faults.dropUserStreamsOnNextOrder) return; // lost with the connection (the drop happens after the order)
    if (this.faults.holdReports) { this.heldReports.push(event); return; }
    const send = () => { this.deliverUser(event); if (this.faults.duplicateReports) this.deliverUser(event); };
    if (this.faults.reportDelayMs > 0) setTimeout(send, this.faults.reportDelayMs); else send();
  }

  balances(assets: readonly string[], time: number): void {
    const list = assets.map((asset) => ({ asset, ...(this.book.balances.get(asset) ?? { free: 0, locked: 0 }) }));
    if (!this.faults.dropUserStreamsOnNextOrder && !this.faults.holdReports) this.deliverUser(W.accountPosition(list, time));
  }


  printed(symbol: string, t: TapeTrade): void {
    const tick = Number(this.book.market(symbol).tickSize);
    const now = this.now();
    if (this.faults.skipTrades > 0) this.faults.skipTrades--;
    else this.publish(symbol, 'trade', W.wsTrade(symbol, t, now));
    this.publish(symbol, 'ticker', W.wsTicker(symbol, t.price, t.price - tick, t.price + tick, now, t.id));
    this.publish(symbol, 'bookTicker', W.wsBookTicker(symbol, this.bookTickerId++, t.price - tick, t.price + tick));
  }

  kline(symbol: string, k: Kline, closed: boolean): void {
    const key = `${symbol}:${k.openTime}`;
    if (this.faults.skipKlines > 0 && !this.skippedKlines.has(key) && k.count === 1) { this.faults.skipKlines--; this.skippedKlines.add(key); }
    if (this.skippedKlines.has(key)) return;
    this.publish(symbol, 'kline_1m', W.wsKline(symbol, k, closed, this.now()));
  }

  private publish(symbol: string, channel: string, event: unknown): void {
    if (this.faults.staleSymbols.has(symbol)) return;
    const stream = `${symbol.toLowerCase()}@${channel}`;
    const text = JSON.stringify(event);
    for (const [ws, streams] of this.marketSockets) if (streams.has(stream) && ws.readyState === ws.OPEN) ws.send(text);
  }

  /** Sends `event` to every user stream now (also for tests injecting a report the book would not make). */
  deliverUser(event: unknown): void {
    for (const [ws, subscriptionId] of this.userSockets) {
      if (ws.readyState !== ws.OPEN) continue;
      if (subscriptionId === null) ws.send(JSON.stringify(event));
      else if (subscriptionId >= 0) ws.send(JSON.stringify({ subscriptionId, event }));
    }
  }

  // ---- WebSocket ------------------------------------------------------------------------------

  private onSocket(ws: WebSocket, url: string): void {
    const path = url.split('?')[0];
    if (path === '/ws-api/v3') {
      this.userSockets.set(ws, -1);
      ws.on('message', (data) => this.onWsApi(ws, String(data)));
      ws.on('close', () => this.userSockets.delete(ws));
      return;
    }
    const tail = path.startsWith('/ws/') ? path.slice(4) : '';
    if (this.listenKeys.has(tail)) {
      this.userSockets.set(ws, null);
      ws.on('close', () => this.userSockets.delete(ws));
      return;
    }
    if (!path.startsWith('/ws')) { ws.close(1008, 'unknown path'); return; }
    const streams = new Set<string>();
    this.marketSockets.set(ws, streams);
    ws.on('close', () => this.marketSockets.delete(ws));
    ws.on('message', (data) => {
      let msg: { method?: string; params?: unknown; id?: unknown };
      try { msg = JSON.parse(String(data)); } catch { ws.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' } })); return; }
      const params = Array.isArray(msg.params) ? msg.params.map(String) : [];
      if (msg.method === 'SUBSCRIBE') for (const p of params) streams.add(p);
      else if (msg.method === 'UNSUBSCRIBE') for (const p of params) streams.delete(p);
      else if (msg.method === 'LIST_SUBSCRIPTIONS') { ws.send(JSON.stringify({ result: [...streams], id: msg.id })); return; }
      else { ws.send(JSON.stringify({ error: { code: 2, msg: `Invalid request: unknown method ${String(msg.method)}` }, id: msg.id ?? null })); return; }
      ws.send(JSON.stringify({ result: null, id: msg.id }));
    });
  }

  private onWsApi(ws: WebSocket, text: string): void {
    let msg: { id?: unknown; method?: string; params?: Record<string, unknown> };
    try { msg = JSON.parse(text); } catch { ws.send(JSON.stringify({ id: null, status: 400, error: { code: -1100, msg: 'Illegal characters found in request.' } })); return; }
    const reply = (body: Record<string, unknown>) => ws.send(JSON.stringify({ id: msg.id, ...body, rateLimits: [] }));
    try {
      switch (msg.method) {
        case 'ping': reply({ status: 200, result: {} }); return;
        case 'time': reply({ status: 200, result: { serverTime: this.now() } }); return;
        case 'userDataStream.subscribe.signature': {
          checkSignedWsParams(msg.params ?? {}, this.account, this.now());
          const subscriptionId = this.nextSubscriptionId++;
          this.userSockets.set(ws, subscriptionId);
          reply({ status: 200, result: { subscriptionId } });
          return;
        }
        default: throw new SimRejection(-1100, `Unknown method ${String(msg.method)}`);
      }
    } catch (e) {
      const r = e instanceof SimRejection ? e : new SimRejection(-1000, String(e));
      reply({ status: r.status, error: { code: r.code, msg: r.message } });
    }
  }

  // ---- REST -----------------------------------------------------------------------------------

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'x-mbx-used-weight-1m': '1', ...headers });
    res.end(JSON.stringify(body));
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const log = (status: number) => this.requests.push({ method, path: url.pathname, status });
    const rl = this.faults.rateLimit;
    if (rl && rl.count > 0) {
      rl.count--;
      if (rl.count === 0) this.faults.rateLimit = null;
      log(rl.status);
      const msg = rl.status === 429 ? 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE.' : 'Way too much request weight used; IP banned until later.';
      this.send(res, rl.status, { code: -1003, msg }, { 'Retry-After': String(rl.retryAfterSeconds) });
      return;
    }
    if (method === 'POST' && url.pathname === '/api/v3/order' && this.faults.orderDelayMs > 0) await new Promise((r) => setTimeout(r, this.faults.orderDelayMs));
    try {
      const result = this.route(method, url, body, req.headers['x-mbx-apikey'] as string | undefined, res);
      if (result === DROPPED) { log(0); return; }
      log(200);
      this.send(res, 200, result);
    } catch (e) {
      const r = e instanceof SimRejection ? e : new SimRejection(-1000, e instanceof Error ? e.message : String(e), 500);
      log(r.status);
      this.send(res, r.status, { code: r.code, msg: r.message });
    }
  }

  private route(method: string, url: URL, body: string, apiKey: string | undefined, res: ServerResponse): unknown {
    const q = url.searchParams;
    const now = this.now();
    const signed = () => checkSignedPayload(method === 'GET' || method === 'DELETE' ? url.search.slice(1) : body, apiKey, this.account, now);
    const need = (p: URLSearchParams, name: string) => {
      const v = p.get(name);
      if (v === null || v === '') throw new SimRejection(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
      return v;
    };
    const tape = (symbol: string) => { this.book.market(symbol); return this.book.tape.get(symbol)!; };
    const limitOf = (p: URLSearchParams, dflt: number, max: number) => Math.min(max, Number(p.get('limit') ?? dflt));
    switch (`${method} ${url.pathname}`) {
      case 'GET /api/v3/ping': return {};
      case 'GET /api/v3/time': return { serverTime: now };
      case 'GET /api/v3/exchangeInfo': return exchangeInfo([...this.book.markets.values()], now);
      case 'GET /api/v3/depth': {
        const symbol = need(q, 'symbol');
        const last = this.book.lastPrice.get(symbol) ?? 0;
        const tick = Number(this.book.market(symbol).tickSize);
        return { lastUpdateId: this.bookTickerId, bids: last ? [[(last - tick).toFixed(8), '1.00000000']] : [], asks: last ? [[(last + tick).toFixed(8), '1.00000000']] : [] };
      }
      case 'GET /api/v3/trades': return tape(need(q, 'symbol')).slice(-limitOf(q, 500, 1000)).map(W.restTrade);
      case 'GET /api/v3/historicalTrades': {
        if (apiKey !== this.account.apiKey) throw new SimRejection(-2014, 'API-key format invalid.', 401);
        const list = tape(need(q, 'symbol'));
        const from = q.get('fromId');
        const start = from === null ? Math.max(0, list.length - limitOf(q, 500, 1000)) : list.findIndex((t) => t.id >= Number(from));
        return start < 0 ? [] : list.slice(start, start + limitOf(q, 500, 1000)).map(W.restTrade);
      }
      case 'GET /api/v3/aggTrades': {
        const list = tape(need(q, 'symbol'));
        const from = q.get('fromId'), startTime = q.get('startTime');
        const filtered = list.filter((t) => (from === null || t.id >= Number(from)) && (startTime === null || t.time >= Number(startTime)));
        return filtered.slice(0, limitOf(q, 500, 1000)).map(W.restAggTrade);
      }
      case 'GET /api/v3/klines': {
        const symbol = need(q, 'symbol');
        if (need(q, 'interval') !== '1m') throw new SimRejection(-1120, 'Invalid interval.');
        this.book.market(symbol);
        const startTime = Number(q.get('startTime') ?? 0), endTime = Number(q.get('endTime') ?? Number.MAX_SAFE_INTEGER);
        const bars = [...this.book.klines.get(symbol)!.values()].filter((k) => k.openTime >= startTime && k.openTime <= endTime).sort((a, b) => a.openTime - b.openTime);
        return bars.slice(0, limitOf(q, 500, 1000)).map(W.restKline);
      }
      case 'POST /api/v3/userDataStream': {
        if (apiKey !== this.account.apiKey) throw new SimRejection(-2014, 'API-key format invalid.', 401);
        const key = `lk${this.listenKeys.size + 1}${'x'.repeat(58)}`;
        this.listenKeys.add(key);
        return { listenKey: key };
      }
      case 'PUT /api/v3/userDataStream':
      case 'DELETE /api/v3/userDataStream': {
        if (!this.listenKeys.has(new URLSearchParams(body).get('listenKey') ?? q.get('listenKey') ?? '')) throw new SimRejection(-1125, 'This listenKey does not exist.');
        return {};
      }
      case 'GET /api/v3/account': {
        signed();
        return {
          makerCommission: 10, takerCommission: 10, buyerCommission: 0, sellerCommission: 0, commissionRates: { maker: '0.00100000', taker: '0.00100000', buyer: '0', seller: '0' },
          canTrade: true, canWithdraw: true, canDeposit: true, brokered: false, requireSelfTradePrevention: false, preventSor: false, updateTime: now, accountType: 'SPOT',
          balances: [...this.book.balances].map(([asset, b]) => ({ asset, free: b.free.toFixed(8), locked: b.locked.toFixed(8) })), permissions: ['SPOT'], uid: 1,
        };
      }
      case 'POST /api/v3/order': {
        const p = signed();
        const order = this.book.submit({
          symbol: need(p, 'symbol'), side: need(p, 'side'), type: need(p, 'type'), quantity: need(p, 'quantity'), price: p.get('price') ?? undefined,
          timeInForce: p.get('timeInForce') ?? undefined, newClientOrderId: need(p, 'newClientOrderId'),
        }, this.marketNow());
        if (this.faults.dropUserStreamsOnNextOrder) { this.faults.dropUserStreamsOnNextOrder = false; this.dropUserStreams(); }
        if (this.faults.dropNextOrderResponse) { this.faults.dropNextOrderResponse = false; res.socket?.destroy(); return DROPPED; }
        const type = p.get('newOrderRespType') ?? (order.type === 'MARKET' || order.type === 'LIMIT' ? 'FULL' : 'ACK');
        return type === 'ACK' ? { symbol: order.symbol, orderId: order.orderId, orderListId: -1, clientOrderId: order.clientOrderId, transactTime: order.time } : W.restOrder(order, true);
      }
      case 'GET /api/v3/order': {
        const p = signed();
        const order = this.book.findOrder(need(p, 'symbol'), p.get('orderId') === null ? undefined : Number(p.get('orderId')), p.get('origClientOrderId') ?? undefined);
        if (!order) throw new SimRejection(-2013, 'Order does not exist.');
        return W.restOrder(order);
      }
      case 'DELETE /api/v3/order': {
        const p = signed();
        const order = this.book.cancel(need(p, 'symbol'), p.get('orderId') === null ? undefined : Number(p.get('orderId')), p.get('origClientOrderId') ?? undefined, this.marketNow());
        return { ...W.restOrder(order), origClientOrderId: order.clientOrderId, transactTime: order.updateTime };
      }
      case 'GET /api/v3/openOrders': {
        const p = signed();
        const symbol = p.get('symbol');
        return this.book.orders.filter((o) => (symbol === null || o.symbol === symbol) && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED')).map((o) => W.restOrder(o));
      }
      case 'GET /api/v3/allOrders': {
        const p = signed();
        const symbol = need(p, 'symbol');
        return this.book.orders.filter((o) => o.symbol === symbol).map((o) => W.restOrder(o));
      }
      case 'GET /api/v3/myTrades': {
        const p = signed();
        const symbol = need(p, 'symbol');
        const fromId = p.get('fromId'), startTime = p.get('startTime'), endTime = p.get('endTime'), orderId = p.get('orderId');
        // The venue's rules: fromId goes with no time, and a startTime..endTime window is at most 24 hours.
        if (fromId !== null && (startTime !== null || endTime !== null)) throw new SimRejection(-1128, 'Combination of optional parameters invalid.', 400);
        if (startTime !== null && endTime !== null && Number(endTime) - Number(startTime) > 86_400_000) throw new SimRejection(-1127, 'More than 24 hours between startTime and endTime.', 400);
        return this.book.myTrades(symbol)
          .filter(({ order, fill }) => (fromId === null || fill.tradeId >= Number(fromId)) && (startTime === null || fill.time >= Number(startTime)) && (endTime === null || fill.time <= Number(endTime)) && (orderId === null || order.orderId === Number(orderId)))
          .slice(0, limitOf(p, 500, 1000)).map(({ order, fill }) => W.restMyTrade(order, fill));
      }
      default: throw new SimRejection(-1100, `Unknown endpoint ${method} ${url.pathname}`, 404);
    }
  }
}

const DROPPED = Symbol('dropped');

export async function startBinanceSim(options: BinanceSimOptions = {}): Promise<BinanceSim> {
  return new BinanceSim(options).start();
}
