// The TWS socket client: I/O only, over @stoqey/ib's IBApi. Connects with a client id (resolves
// on nextValidId, when TWS accepts requests), reconnects after an unexpected drop with
// exponential backoff and seeded jitter (also across IB's nightly reset, when TWS refuses
// connections for minutes) and then runs the owner's `onReconnected` hook (resubscribe,
// recover executions, reconcile) before it reports the link up again. Requests that have an
// answer (contract details, executions, open orders, positions, historical bars, current time)
// are promises with a timeout; their reqIds live in a range of their own (>= 1e6) so an error's
// id tells a request from an order. Everything else is forwarded raw to the owner's handlers.
import { EventName, IBApi, type Contract, type Order } from '@stoqey/ib';
import type { ResolvedIbAdapterConfig } from '../config.js';
import { IbConnectError, IbDisconnectedError, IbRequestError } from '../errors.js';
import { IbErrorCode, type IbContractSpec } from '../common/index.js';
import type { IbBarMessage, IbCommissionMessage, IbContractDetailsMessage, IbExecutionMessage, IbOpenOrderMessage, IbOrderStatusMessage } from './messages.js';
import { mulberry32 } from '../../../engine/core/mulberry32.js';

export interface IbSocketHandlers {
  orderStatus(m: IbOrderStatusMessage): void;
  execution(m: IbExecutionMessage): void;
  commission(m: IbCommissionMessage): void;
  openOrder(m: IbOpenOrderMessage): void;
  /** An error about an order (id < REQ_ID_BASE) or an unowned request id. */
  orderError(id: number, code: number, message: string): void;
  /** System messages (id -1): 1100/1101/1102, farm status 21xx, ... */
  system(code: number, message: string): void;
  tickPrice(reqId: number, tickType: number, price: number): void;
  tickSize(reqId: number, tickType: number, size: number): void;
  realtimeBar(reqId: number, bar: IbBarMessage): void;
  /** The link dropped unexpectedly (before the reconnect loop starts). */
  disconnected(reason: string): void;
  /** Reconnect attempt `attempt` starts in `delayMs`; `lastFailure`: why the one before failed ('' for the first). */
  reconnecting?(attempt: number, delayMs: number, lastFailure: string): void;
  /** After a reconnect, before the link is reported up: resubscribe and recover. */
  reconnected(): Promise<void>;
  /** A handler threw on `event`'s message: the client then drops the link, and the reconnect recovers (executions asked again). */
  failed(event: string, error: Error): void;
}

export const REQ_ID_BASE = 1_000_000;

interface Pending {
  readonly what: string;
  readonly reject: (e: Error) => void;
  readonly onError?: (code: number, message: string) => boolean;
}

export interface IbExecutionFilter {
  readonly clientId: number;
  readonly acctCode?: string;
  /** "yyyymmdd-hh:mm:ss" UTC; '' for all of today. */
  readonly time: string;
}

/** The jitter's deterministic generator (engine/core/mulberry32.ts). */
export const seededRandom = mulberry32;

/** Delay before reconnect attempt `attempt` (0-based): min(max, initial * 2^attempt) scaled by jitter in [0.5, 1). */
export function backoffDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.max(1, Math.round(base * (0.5 + 0.5 * random())));
}

export class IbSocketClient {
  private readonly api: IBApi;
  private readonly pending = new Map<number, Pending>();
  private nextReqId = REQ_ID_BASE;
  private up = false;
  private closing = false;
  private reconnecting = false;
  private readonly random: () => number;
  private connectWaiter: { resolve: (id: number) => void; reject: (e: Error) => void } | null = null;
  /** Ends the reconnect loop's backoff wait at once (close). */
  private wakeReconnect: (() => void) | null = null;
  private lastConnectError = '';
  accounts = '';
  /** Reconnects that succeeded, and attempts made (for tests and status). */
  reconnects = 0;
  reconnectAttempts = 0;
  readonly backoffDelays: number[] = [];

  constructor(private readonly config: ResolvedIbAdapterConfig, private readonly handlers: IbSocketHandlers) {
    this.random = seededRandom(config.seed);
    this.api = new IBApi({ host: config.host, port: config.port, clientId: config.clientId, maxReqPerSec: config.maxRequestsPerSecond });
    this.wire();
  }

  get connected(): boolean {
    return this.up;
  }

  /** Connects once; rejects with the reason when TWS cannot be reached or refuses the client id. */
  connect(): Promise<number> {
    this.closing = false;
    return this.connectOnce();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.up = false;
    this.failPending(new IbDisconnectedError('request'));
    this.connectWaiter?.reject(new IbConnectError('closed while connecting'));
    this.connectWaiter = null;
    // A reconnect waiting out its backoff (TWS down) would keep the process alive up to reconnect.maxMs after the session stopped.
    this.wakeReconnect?.();
    this.api.disconnect();
  }

  private connectOnce(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.connectWaiter = null;
        this.api.disconnect();
        reject(new IbConnectError(`no nextValidId from TWS ${this.config.host}:${this.config.port} within ${this.config.connectTimeoutMs} ms${this.lastConnectError ? ` (${this.lastConnectError})` : ''}`));
      }, this.config.connectTimeoutMs);
      this.lastConnectError = '';
      this.connectWaiter = {
        resolve: (id) => { clearTimeout(timer); resolve(id); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      this.api.connect(this.config.clientId);
    });
  }

  /**
   * `fn` as an event listener that never throws into @stoqey/ib's socket reader (an uncaught
   * exception there ends the process with a stack trace and no on-exit policy): an error is handed
   * to the owner's `failed` handler and the link is dropped, so the reconnect path recovers
   * (executions asked again, open orders reconciled) as after any other drop.
   */
  private guarded<A extends any[]>(event: string, fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (error) {
        try {
          this.handlers.failed(event, error instanceof Error ? error : new Error(String(error)));
        } catch {
          // the owner's report failed too: dropping the link below still recovers
        }
        if (this.up) this.api.disconnect();
      }
    };
  }

  private wire(): void {
    const api = this.api;
    const on = (event: EventName, fn: (...args: any[]) => void) => (api as any).on(event, this.guarded(event, fn));
    on(EventName.nextValidId, (id: number) => {
      const w = this.connectWaiter;
      this.connectWaiter = null;
      if (w) {
        this.up = true;
        w.resolve(id);
      }
    });
    on(EventName.managedAccounts, (accounts: string) => (this.accounts = accounts));
    on(EventName.disconnected, () => this.onDisconnected());
    on(EventName.info, (message: string, code: number) => {
      // 504 'Not connected' / 'Cannot disconnect if already disconnected' while closing is @stoqey/ib's own, about a link already down: not TWS's news.
      if (this.closing && code === 504) return;
      if (code === IbErrorCode.CLIENT_ID_IN_USE || code === 502 || code === 504) this.lastConnectError = `${code}: ${message}`;
      // Farm status (21xx) goes to the handler too: it is the feed's connection state (IbVenueAdapter.onFeedSignal).
      this.handlers.system(code, message);
    });
    on(EventName.error, (err: Error, code: number, id: number) => {
      if (id === undefined || id === -1) {
        this.lastConnectError = `${code}: ${err.message}`;
        return;
      }
      const p = this.pending.get(id);
      if (p) {
        if (p.onError?.(code, err.message)) return;
        this.pending.delete(id);
        p.reject(new IbRequestError(p.what, code, err.message));
        return;
      }
      this.handlers.orderError(id, code, err.message);
    });
    on(EventName.orderStatus, (orderId: number, status: string, filled: number, remaining: number, avgFillPrice: number, permId?: number, _parentId?: number, lastFillPrice?: number, clientId?: number) =>
      this.handlers.orderStatus({ orderId, status, filled: filled ?? 0, remaining: remaining ?? 0, avgFillPrice: avgFillPrice ?? 0, permId, lastFillPrice, clientId }));
    on(EventName.execDetails, (reqId: number, contract: Contract, e: any) => {
      if (reqId !== -1 && this.pending.has(reqId)) return; // an answer to executions(): collected there
      this.handlers.execution(executionMessage(contract, e));
    });
    on(EventName.commissionReport, (c: any) => this.handlers.commission({ execId: c.execId, commission: c.commission ?? 0, currency: c.currency ?? '' }));
    on(EventName.openOrder, (orderId: number, contract: Contract, order: Order, state: any) => this.handlers.openOrder(openOrderMessage(orderId, contract, order, state)));
    on(EventName.tickPrice, (reqId: number, tickType: number, price: number) => this.handlers.tickPrice(reqId, tickType, price));
    on(EventName.tickSize, (reqId: number, tickType: number, size: number | undefined) => this.handlers.tickSize(reqId, tickType, size ?? 0));
    on(EventName.realtimeBar, (reqId: number, time: number, open: number, high: number, low: number, close: number, volume: number) =>
      this.handlers.realtimeBar(reqId, { time, open, high, low, close, volume: volume ?? -1 }));
  }

  private onDisconnected(): void {
    const wasUp = this.up;
    this.up = false;
    this.failPending(new IbDisconnectedError('request'));
    if (this.connectWaiter) {
      const w = this.connectWaiter;
      this.connectWaiter = null;
      w.reject(new IbConnectError(`TWS ${this.config.host}:${this.config.port} closed the connection${this.lastConnectError ? ` (${this.lastConnectError})` : ''}`));
      return;
    }
    if (this.closing || !wasUp) return;
    this.handlers.disconnected('TWS connection dropped');
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      let lastFailure = '';
      for (let attempt = 0; attempt < this.config.reconnect.maxAttempts && !this.closing; attempt++) {
        const delay = backoffDelayMs(attempt, this.config.reconnect.initialMs, this.config.reconnect.maxMs, this.random);
        this.backoffDelays.push(delay);
        this.handlers.reconnecting?.(attempt + 1, delay, lastFailure);
        await new Promise<void>((resolve) => {
          const wake = () => { clearTimeout(timer); this.wakeReconnect = null; resolve(); };
          const timer = setTimeout(wake, delay);
          this.wakeReconnect = wake;
        });
        if (this.closing) return;
        this.reconnectAttempts++;
        try {
          await this.connectOnce();
        } catch (error) {
          lastFailure = (error as Error).message;
          continue;
        }
        try {
          await this.handlers.reconnected();
          this.reconnects++;
          return;
        } catch (error) {
          lastFailure = `recovery after reconnecting: ${(error as Error).message}`;
          if (this.up) this.api.disconnect(); // recovery failed: drop and try again
          this.up = false;
          continue;
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  private failPending(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private request<T>(what: string, send: (reqId: number) => void, collect: (reqId: number, done: (v: T) => void) => () => void, onError?: (code: number, message: string) => boolean): Promise<T> {
    if (!this.up) return Promise.reject(new IbDisconnectedError(what));
    const reqId = this.nextReqId++;
    return new Promise<T>((resolve, reject) => {
      let off = () => {};
      const timer = setTimeout(() => finish(new IbRequestError(what, 0, `no answer within ${this.config.requestTimeoutMs} ms`)), this.config.requestTimeoutMs);
      const finish = (e: Error | null, v?: T) => {
        clearTimeout(timer);
        off();
        this.pending.delete(reqId);
        if (e) reject(e);
        else resolve(v as T);
      };
      this.pending.set(reqId, { what, reject: (e) => finish(e), onError });
      off = collect(reqId, (v) => finish(null, v));
      send(reqId);
    });
  }

  private listen(event: EventName, fn: (...args: any[]) => void): () => void {
    const api = this.api as unknown as { on(e: string, f: (...a: any[]) => void): void; off(e: string, f: (...a: any[]) => void): void };
    const listener = this.guarded(event, fn);
    api.on(event, listener);
    return () => api.off(event, listener);
  }

  /** The first contract TWS answers for `spec` (conId 0: none), with its size rules when the server sends them. */
  contractDetails(spec: IbContractSpec): Promise<IbContractDetailsMessage> {
    return this.request<IbContractDetailsMessage>(`contract details of ${spec.symbol}`, (id) => this.api.reqContractDetails(id, spec as Contract), (id, done) => {
      let details: IbContractDetailsMessage = { conId: 0 };
      const a = this.listen(EventName.contractDetails, (r: number, d: any) => {
        if (r !== id || details.conId !== 0) return;
        details = { conId: d.contract.conId, ...(d.minSize !== undefined ? { minSize: d.minSize } : {}), ...(d.sizeIncrement !== undefined ? { sizeIncrement: d.sizeIncrement } : {}) };
      });
      const b = this.listen(EventName.contractDetailsEnd, (r: number) => { if (r === id) done(details); });
      return () => { a(); b(); };
    });
  }

  /** The server version TWS announced at the handshake (0 before). */
  get serverVersion(): number {
    return this.api.serverVersion ?? 0;
  }

  executions(filter: IbExecutionFilter): Promise<IbExecutionMessage[]> {
    return this.request<IbExecutionMessage[]>('executions', (id) => this.api.reqExecutions(id, { clientId: filter.clientId, acctCode: filter.acctCode ?? '', time: filter.time } as any), (id, done) => {
      const out: IbExecutionMessage[] = [];
      const a = this.listen(EventName.execDetails, (r: number, c: Contract, e: any) => { if (r === id) out.push(executionMessage(c, e)); });
      const b = this.listen(EventName.execDetailsEnd, (r: number) => { if (r === id) done(out); });
      return () => { a(); b(); };
    });
  }

  /** All open orders of every client (REQ_ALL_OPEN_ORDERS), with their statuses. */
  openOrders(): Promise<{ orders: IbOpenOrderMessage[]; statuses: IbOrderStatusMessage[] }> {
    return this.request('open orders', () => this.api.reqAllOpenOrders(), (_id, done) => {
      const orders: IbOpenOrderMessage[] = [];
      const statuses: IbOrderStatusMessage[] = [];
      const a = this.listen(EventName.openOrder, (orderId: number, c: Contract, o: Order, s: any) => orders.push(openOrderMessage(orderId, c, o, s)));
      const b = this.listen(EventName.orderStatus, (orderId: number, status: string, filled: number, remaining: number, avgFillPrice: number) => statuses.push({ orderId, status, filled, remaining, avgFillPrice }));
      const c = this.listen(EventName.openOrderEnd, () => done({ orders, statuses }));
      return () => { a(); b(); c(); };
    });
  }

  positions(): Promise<{ conId: number; symbol: string; secType: string; currency: string; qty: number }[]> {
    return this.request('positions', () => this.api.reqPositions(), (_id, done) => {
      const out: { conId: number; symbol: string; secType: string; currency: string; qty: number }[] = [];
      const a = this.listen(EventName.position, (_acct: string, c: Contract, pos: number) => out.push({ conId: c.conId ?? 0, symbol: c.symbol ?? '', secType: String(c.secType ?? ''), currency: c.currency ?? '', qty: pos ?? 0 }));
      const b = this.listen(EventName.positionEnd, () => done(out));
      return () => { a(); b(); };
    });
  }

  historical(spec: IbContractSpec, endDateTime: string, duration: string, barSize: string, whatToShow: string, useRth: boolean): Promise<IbBarMessage[]> {
    return this.request<IbBarMessage[]>(`historical data of ${spec.symbol}`, (id) => this.api.reqHistoricalData(id, spec as Contract, endDateTime, duration, barSize as any, whatToShow as any, useRth ? 1 : 0, 2, false), (id, done) => {
      const out: IbBarMessage[] = [];
      return this.listen(EventName.historicalData, (r: number, date: string, open: number, high: number, low: number, close: number, volume: number) => {
        if (r !== id) return;
        if (date.startsWith('finished')) done(out);
        else out.push({ time: Number.parseInt(date, 10), open, high, low, close, volume: volume ?? -1 });
      });
    });
  }

  /** A round trip: TWS answers in order, so everything sent before has been handled when it resolves. */
  currentTime(): Promise<number> {
    return this.request<number>('current time', () => this.api.reqCurrentTime(), (_id, done) => this.listen(EventName.currentTime, (t: number) => done(t)));
  }

  placeOrder(ibOrderId: number, spec: IbContractSpec, order: Order): void {
    if (!this.up) throw new IbDisconnectedError('placeOrder');
    this.api.placeOrder(ibOrderId, spec as Contract, order);
  }

  cancelOrder(ibOrderId: number): void {
    if (!this.up) throw new IbDisconnectedError('cancelOrder');
    this.api.cancelOrder(ibOrderId);
  }

  /** Streams (no answer): the caller picks the reqId from nextStreamId(). */
  nextStreamId(): number {
    return this.nextReqId++;
  }
  reqMktData(reqId: number, spec: IbContractSpec): void {
    if (this.up) this.api.reqMktData(reqId, spec as Contract, '', false, false);
  }
  cancelMktData(reqId: number): void {
    if (this.up) this.api.cancelMktData(reqId);
  }
  reqRealTimeBars(reqId: number, spec: IbContractSpec): void {
    if (this.up) this.api.reqRealTimeBars(reqId, spec as Contract, 5, 'TRADES' as any, false);
  }
  cancelRealTimeBars(reqId: number): void {
    if (this.up) this.api.cancelRealTimeBars(reqId);
  }
}

function executionMessage(c: Contract, e: any): IbExecutionMessage {
  return {
    orderId: e.orderId, execId: e.execId, time: e.time, side: e.side, shares: e.shares ?? 0, price: e.price ?? 0, cumQty: e.cumQty ?? 0,
    avgPrice: e.avgPrice ?? 0, orderRef: e.orderRef ?? '', permId: e.permId, clientId: e.clientId, conId: c.conId ?? 0, symbol: c.symbol ?? '',
    lastLiquidity: e.lastLiquidity,
  };
}

function openOrderMessage(orderId: number, c: Contract, o: Order, s: any): IbOpenOrderMessage {
  return {
    orderId, orderRef: o.orderRef ?? '', action: String(o.action ?? ''), totalQuantity: o.totalQuantity ?? 0, orderType: String(o.orderType ?? ''),
    lmtPrice: o.lmtPrice, auxPrice: o.auxPrice, status: s?.status ?? '', conId: c.conId ?? 0, symbol: c.symbol ?? '', clientId: o.clientId,
  };
}
