// IbVenueAdapter: Interactive Brokers (TWS / IB Gateway) behind engine/live's VenueAdapter, plus
// a push market-data interface (subscribeMarket) and historical backfill, which the pull-style
// VenueAdapter.market() cannot express. It owns the per-order tracks (parse.ts folds venue
// messages into them), the execId -> fill id map (dedup: a FILL per execId, ever), the counted
// executions of each order (executions.ts: a correction, same execId base, is not a second fill,
// and no FILL carries shares past what its cumQty says is new or past the order), the FILL
// records waiting for their commission, orders held while the link is down, and the market
// streams. I/O goes through socket/client.ts.
//
// After every reconnect (and at connect): the next order id is refreshed, market streams are
// resubscribed, executions since the last one seen (or the last one the caller says it
// journaled) are requested and each new execId becomes one FILL, open orders are reconciled
// (an ORDER_STATUS record per live order the venue knows), then held requests go out. An order
// is never placed twice: a submit while the link is down waits, unsent, until the link is back;
// a submit whose fate is unknown (the link dropped right after it) is never re-sent — order()
// tells the session whether the venue has it (null: it never arrived). An order of ours that an
// earlier process left working is tracked again when TWS shows it (trackVenueOrder), so it can
// be cancelled or modified.
import type { Order } from '@stoqey/ib';
import {
  clientOrderIdOf, orderIdOfClientOrderId, OwnOrderIds, type OrderIdRange, type VenueAdapter, type VenueCancelRequest, type VenueOrderRequest, type VenueOrderView, type VenuePosition,
  type VenueRecordListener, type VenueReplaceRequest, type VenueStatus, type PushMarketStream, type PushVenueAdapter, type FeedSignal,
} from '../../engine/live/index.js';
import { EventKind } from '../../engine/layout/event-record.js';
import { checkIbAdapterConfig, describeIbConfig, type IbAdapterConfig, type ResolvedIbAdapterConfig } from './config.js';
import { IbErrorCode, ibOrderTypeOf, ibTimeInForceOf, InstrumentContracts, RejectReason } from './common/index.js';
import { backoffDelayMs, IbSocketClient, REQ_ID_BASE, seededRandom, type IbSocketHandlers } from './socket/client.js';
import { ANY_IB_ORDER, countExecution, type CountedExecution } from './socket/executions.js';
import type { IbCommissionMessage, IbExecutionMessage, IbOpenOrderMessage, IbOrderStatusMessage } from './socket/messages.js';
import { RealtimeBarAggregator, realtimeBarSeconds, REALTIME_BAR_SECONDS } from './socket/realtime-bar-aggregator.js';
import {
  applyTickPrice, applyTickSize, barRecord, barSizeSeconds, contractMinSize, contractSizeStep, EMPTY_QUOTE, executionFilterTime, liveRecord, newOrderTrack, orderView,
  executionProblem, parseExecution, parseExecutionTime, parseOpenOrder, parseOrderError, parseOrderStatus, setFillFee, statusRecord,
  type OrderTrack, type QuoteState,
} from './socket/parse.js';
import { IbRequestError } from './errors.js';

/** A new order, with what a native trailing stop needs (engine/live's request has no trail field yet). */
export interface IbOrderRequest extends VenueOrderRequest {
  /** TRAILING_STOP: the trailing amount (price units) ... */
  readonly trailingAmount?: number;
  /** ... or the trailing percent. stopPrice, when > 0, is the initial stop. */
  readonly trailingPercent?: number;
}

/** What the caller's journal already holds: executions up to here are not emitted again. */
export interface IbJournaledExecutions {
  /** Time of the last journaled execution, "yyyymmdd-hh:mm:ss" UTC (REQ_EXECUTIONS asks from there on). */
  readonly lastTime: string;
  readonly execIds: Iterable<string>;
  /** The last fill id handed out (new fills continue above it). */
  readonly lastFillId: bigint;
  /**
   * Quantity (absolute) of each order's fills the journal holds, by client order id: an execution
   * whose cumulative quantity is at most this is journaled already and is not emitted again, so a
   * restart that asks for the executions since the last journaled one (same second included)
   * recovers each exactly once even without the execIds.
   */
  readonly filledByOrder?: ReadonlyMap<string, number>;
}

export interface IbAdapterOptions {
  /** Local clock, ns since the epoch (default Date.now()). */
  readonly now?: () => bigint;
  readonly journaled?: IbJournaledExecutions;
  /** Log lines (never secrets). Default: none. */
  readonly log?: (line: string) => void;
  /**
   * The session journal's order ids (engine/live OrderIdRange): an order whose orderRef is a `qf-`
   * id outside them is another journal's, never taken for ours. Default: every `qf-` order is ours.
   */
  readonly orderIds?: OrderIdRange;
}

export interface IbMarketSubscription {
  readonly quotes?: boolean;
  readonly bars?: boolean;
  /** BAR records of this many seconds, folded from TWS's 5-second real-time bars (a multiple of 5; default 5: as TWS sends them). */
  readonly barSeconds?: number;
}

export interface IbBackfillRequest {
  /** "yyyymmdd-hh:mm:ss" UTC, '' for now. */
  readonly endDateTime?: string;
  /** IB duration, e.g. "1 D". */
  readonly duration: string;
  /** IB bar size, e.g. "1 min". */
  readonly barSize: string;
  readonly whatToShow?: string;
  readonly useRth?: boolean;
}

export interface IbAdapterStats {
  duplicateExecutions: number;
  /** Executions with the execId base of a counted one (TWS corrections): logged, not counted again. */
  correctedExecutions: number;
  /** Executions cut (or not counted) because their cumQty or the order's quantity says fewer shares are new: logged. */
  excessExecutions: number;
  /** EXECUTION_DATA messages skipped because a field broke its rule (parse.ts executionProblem); each is logged. */
  malformedExecutions: number;
  /** Executions the caller's journal already held (IbJournaledExecutions.filledByOrder): skipped on recovery. */
  journaledExecutions: number;
  foreignExecutions: number;
  recoveredExecutions: number;
  feesMissing: number;
  duplicateSubmitsBlocked: number;
  rejectedBeforeSend: number;
  heldWhileDown: number;
  pacingRetries: number;
  staleResubscribes: number;
  reconnects: number;
  /** TWS messages whose handling threw (socket/client.ts guarded): each is logged and the link dropped to recover. */
  handlerFailures: number;
}

interface Stream { readonly instrument: number; readonly kind: 'quotes' | 'bars'; state: QuoteState; lastMessageMs: number }
interface Queued { readonly record: Uint8Array; execId: string | null; timer: NodeJS.Timeout | null }

const HISTORICAL_ATTEMPTS = 6;

export class IbVenueAdapter implements PushVenueAdapter {
  readonly name: string;
  readonly config: ResolvedIbAdapterConfig;
  readonly stats: IbAdapterStats = {
    duplicateExecutions: 0, correctedExecutions: 0, excessExecutions: 0, malformedExecutions: 0, journaledExecutions: 0, foreignExecutions: 0, recoveredExecutions: 0, feesMissing: 0, duplicateSubmitsBlocked: 0, rejectedBeforeSend: 0,
    heldWhileDown: 0, pacingRetries: 0, staleResubscribes: 0, reconnects: 0, handlerFailures: 0,
  };
  private readonly client: IbSocketClient;
  private readonly contracts: InstrumentContracts;
  private readonly now: () => bigint;
  private readonly log: (line: string) => void;
  private listener: VenueRecordListener = () => {};
  private readonly disconnectListeners: ((reason: string) => void)[] = [];
  private readonly reconnectListeners: (() => void)[] = [];
  /** TWS's words for the orders it rejected lately, by client order id (rejectMessage; the newest 256 kept). */
  private readonly rejectMessages = new Map<string, string>();
  private readonly tracks = new Map<bigint, OrderTrack>();
  private readonly byIbOrderId = new Map<number, bigint>();
  /** Distinct IB order ids the venue showed per client order id (2+ = a duplicate submission). */
  private readonly venueIds = new Map<string, Set<number>>();
  private readonly seenByVenue = new Set<bigint>();
  private readonly fillIdsByExec = new Map<string, bigint>();
  /** Executions counted per order (executions.ts): corrections and cumQty are judged against them. */
  private readonly counted = new Map<bigint, CountedExecution[]>();
  /** execIds of malformed executions whose order's executions were asked again (once each). */
  private readonly reaskedExecutions = new Set<string>();
  private readonly commissions = new Map<string, number>();
  private readonly fills: { fillId: bigint; record: Uint8Array; published: boolean }[] = [];
  private readonly queues = new Map<bigint, Queued[]>();
  private readonly held: (() => void)[] = [];
  private readonly streams = new Map<number, Stream>();
  private readonly subscriptions = new Map<number, { quotes: boolean; bars: boolean; quoteReqId: number; barReqId: number; fold: RealtimeBarAggregator }>();
  private readonly random: () => number;
  private readonly ownOrders: OwnOrderIds;
  private lastFillId = 0n;
  private lastExecNs = 0n;
  private lastJournaledTime = '';
  private journaledFilled: ReadonlyMap<string, number> = new Map();
  private marketSeq = 0n;
  private nextIbOrderId = 1;
  private account = '';

  constructor(config: IbAdapterConfig, options: IbAdapterOptions = {}) {
    this.config = checkIbAdapterConfig(config);
    this.name = this.config.name;
    this.contracts = new InstrumentContracts(this.config.instruments);
    this.now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n);
    this.log = options.log ?? (() => {});
    this.random = seededRandom(this.config.seed ^ 0x9e3779b9);
    this.ownOrders = new OwnOrderIds(options.orderIds, (line) => this.log(line), this.name, 'TWS');
    if (options.journaled) {
      for (const id of options.journaled.execIds) this.fillIdsByExec.set(id, 0n);
      this.lastFillId = options.journaled.lastFillId;
      this.lastJournaledTime = options.journaled.lastTime;
      this.journaledFilled = options.journaled.filledByOrder ?? new Map();
    }
    this.client = new IbSocketClient(this.config, this.handlers());
  }

  onRecord(listener: VenueRecordListener): void {
    this.listener = listener;
  }
  onDisconnect(listener: (reason: string) => void): void {
    this.disconnectListeners.push(listener);
  }
  /** Called after a reconnect once streams are restored and missed executions recovered. */
  /** engine/live VenueAdapter: why TWS rejected an order of ours (its error code and text). */
  rejectMessage(clientOrderId: string): string | undefined {
    return this.rejectMessages.get(clientOrderId);
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }
  /** engine/live PushVenueAdapter: TWS's market-data status (FARM_DOWN / FARM_UP codes, 10167 delayed, 354 not subscribed) as connection state. */
  onFeedSignal(listener: (signal: FeedSignal) => void): void {
    this.feedSignalListener = listener;
  }
  private feedSignalListener: ((signal: FeedSignal) => void) | null = null;
  /** A TWS status code as the feed's connection state: all streams for system codes, one instrument for a request's error. */
  private feedStatus(code: number, message: string, instrument?: number): void {
    const up = FARM_UP.has(code) ? true : FARM_DOWN.has(code) ? false : null;
    if (up === null || !this.feedSignalListener) return;
    this.feedSignalListener({ kind: 'connection', up, ...(instrument !== undefined ? { instrument } : {}), reason: `TWS ${code}: ${message}` });
  }

  get connected(): boolean {
    return this.client.connected;
  }
  /** Reconnect attempts and the backoff delays used (ms), for tests and status. */
  get reconnectHistory(): { attempts: number; delays: readonly number[] } {
    return { attempts: this.client.reconnectAttempts, delays: this.client.backoffDelays };
  }

  async connect(): Promise<void> {
    this.log(`connecting ${describeIbConfig(this.config)}`);
    const nextId = await this.client.connect();
    this.nextIbOrderId = Math.max(this.nextIbOrderId, nextId);
    this.account = this.config.account ?? this.client.accounts.split(',')[0] ?? '';
    for (const instrument of this.contracts.instruments()) {
      if (this.contracts.isResolved(instrument)) continue;
      const details = await this.client.contractDetails(this.contracts.contract(instrument));
      if (!(details.conId > 0)) throw new IbRequestError(`contract details of instrument ${instrument}`, IbErrorCode.NO_SECURITY_DEFINITION, 'no contract found');
      const step = contractSizeStep(details);
      // Older TWS (server versions before 164, SIZE_RULES) sends no size rules: no step is made up, so the session's lot check passes this symbol.
      if (step === null) this.log(`contract ${this.contracts.config(instrument).symbol} (instrument ${instrument}): TWS (server version ${this.client.serverVersion}) sent no size increment${details.sizeIncrement !== undefined ? ` usable as a step (${details.sizeIncrement})` : ''}; the lot size check is skipped for it`);
      this.contracts.resolve(instrument, details.conId, step, contractMinSize(details));
    }
    await this.recover();
  }

  /**
   * engine/live VenueAdapter: the contract's order size increment (CONTRACT_DATA sizeIncrement)
   * and smallest order size (minSize, when sent); null before connect or when TWS sent no increment.
   */
  amountStep(instrument: number): { symbol: string; step: number; minimum?: number } | null {
    if (!this.contracts.has(instrument)) return null;
    const step = this.contracts.sizeStep(instrument);
    const minimum = this.contracts.minSize(instrument);
    return step === null ? null : { symbol: this.contracts.config(instrument).symbol, step, ...(minimum !== null ? { minimum } : {}) };
  }

  async close(): Promise<void> {
    for (const q of this.queues.values()) for (const e of q) if (e.timer) clearTimeout(e.timer);
    this.queues.clear();
    await this.client.close();
  }

  // ---- orders ------------------------------------------------------------------------------

  submit(request: VenueOrderRequest): void {
    const o = request as IbOrderRequest;
    if (this.tracks.has(o.orderId)) {
      this.stats.duplicateSubmitsBlocked++;
      return;
    }
    const why = this.checkOrder(o);
    if (why) {
      this.stats.rejectedBeforeSend++;
      this.log(`order ${o.clientOrderId} refused before sending: ${why}`);
      const ts = this.now();
      this.listener(liveRecord(EventKind.REJECT, o.instrument, ts, ts, 0, o.qty, RejectReason.INVALID, 0, o.orderId), 0n);
      return;
    }
    const ibOrderId = this.nextIbOrderId++;
    const trail = o.orderType === 4;
    const track = newOrderTrack({ orderId: o.orderId, clientOrderId: o.clientOrderId, ibOrderId, instrument: o.instrument, qty: o.qty, limitPrice: o.limitPrice, stopPrice: o.stopPrice });
    this.tracks.set(o.orderId, track);
    this.byIbOrderId.set(ibOrderId, o.orderId);
    const order: Order = {
      action: (o.qty > 0 ? 'BUY' : 'SELL') as any, totalQuantity: Math.abs(o.qty), orderType: ibOrderTypeOf(o.orderType) as any,
      tif: ibTimeInForceOf(o.timeInForce) as any, orderRef: o.clientOrderId, transmit: true, account: this.account || undefined,
      ...(o.orderType === 1 ? { lmtPrice: o.limitPrice } : {}),
      ...(o.orderType === 2 ? { auxPrice: o.stopPrice } : {}),
      ...(trail ? { ...(o.trailingPercent !== undefined ? { trailingPercent: o.trailingPercent } : { auxPrice: o.trailingAmount }), ...(o.stopPrice > 0 ? { trailStopPrice: o.stopPrice } : {}) } : {}),
    };
    const send = () => this.client.placeOrder(ibOrderId, this.contracts.contract(o.instrument), order);
    this.whenUp(send);
  }

  cancel(request: VenueCancelRequest): void {
    const t = this.tracks.get(request.orderId);
    if (!t) {
      const ts = this.now();
      this.listener(liveRecord(EventKind.REJECT, request.instrument, ts, ts, 0, 0, RejectReason.UNKNOWN_ORDER, 1, request.orderId), 0n);
      return;
    }
    this.tracks.set(t.orderId, { ...t, cancelRequested: true });
    this.whenUp(() => this.client.cancelOrder(t.ibOrderId));
  }

  /** IB modifies an order by placing it again under the same orderId with the new quantity and prices. */
  replace(request: VenueReplaceRequest): void {
    const t = this.tracks.get(request.orderId);
    const ts = this.now();
    if (!t || t.closed || Math.sign(request.qty) !== Math.sign(t.qty) || !Number.isFinite(request.qty) || request.qty === 0) {
      this.listener(liveRecord(EventKind.REJECT, request.instrument, ts, ts, 0, request.qty, t ? RejectReason.INVALID : RejectReason.UNKNOWN_ORDER, 2, request.orderId), 0n);
      return;
    }
    this.tracks.set(t.orderId, { ...t, replace: { qty: request.qty, limitPrice: request.limitPrice, stopPrice: request.stopPrice } });
    const type = t.limitPrice > 0 ? 'LMT' : t.stopPrice > 0 ? 'STP' : 'MKT';
    const order: Order = {
      action: (request.qty > 0 ? 'BUY' : 'SELL') as any, totalQuantity: Math.abs(request.qty), orderType: type as any, orderRef: t.clientOrderId, transmit: true,
      account: this.account || undefined, ...(type === 'LMT' ? { lmtPrice: request.limitPrice } : {}), ...(type === 'STP' ? { auxPrice: request.stopPrice } : {}),
    };
    this.whenUp(() => this.client.placeOrder(t.ibOrderId, this.contracts.contract(t.instrument), order));
  }

  async sync(): Promise<void> {
    await this.client.currentTime();
  }

  /** Not supported: IB pushes market data. Use subscribeMarket() (see adapters/ib/README.md). */
  market(_fromSeq: bigint, _count: number): Promise<number> {
    return Promise.reject(new Error('IbVenueAdapter.market(): IB market data is pushed, not pulled by sequence; use subscribeMarket() and backfill() (engine/live must accept a push feed)'));
  }

  async status(): Promise<VenueStatus> {
    return { nowNs: this.now(), marketSeq: this.marketSeq, lastFillId: this.lastFillId };
  }

  /** The venue's open orders of ours (REQ_ALL_OPEN_ORDERS), folded into the tracks. */
  async openOrders(): Promise<VenueOrderView[]> {
    const { orders, statuses } = await this.client.openOrders();
    const out: VenueOrderView[] = [];
    for (const o of orders) {
      const orderId = this.ownOrders.of(o.orderRef);
      if (orderId === null) {
        this.ownOrders.noteOther(o.orderRef);
        continue;
      }
      this.noteVenueId(o.orderRef, o.orderId);
      const s = statuses.find((x) => x.orderId === o.orderId);
      const t = this.trackVenueOrder(orderId, o, s);
      if (t) out.push(orderView(t, this.submissionsOf(o.orderRef)));
      else out.push(this.viewOfForeign(orderId, o, s));
    }
    return out;
  }

  /** The venue's view of one order: ours when tracked and seen by the venue; else asks TWS (open orders, then today's executions). */
  async order(clientOrderId: string): Promise<VenueOrderView | null> {
    const orderId = this.ownOrders.of(clientOrderId);
    if (orderId === null) return null;
    const t = this.tracks.get(orderId);
    if (t && this.seenByVenue.has(orderId)) return orderView(t, this.submissionsOf(clientOrderId));
    const open = await this.openOrders();
    const found = open.find((v) => v.clientOrderId === clientOrderId);
    if (found) return found;
    const execs = (await this.client.executions({ clientId: this.config.clientId, time: '' })).filter((e) => e.orderRef === clientOrderId);
    for (const e of execs) this.handleExecution(e, true);
    const after = this.tracks.get(orderId);
    return after && this.seenByVenue.has(orderId) ? orderView(after, this.submissionsOf(clientOrderId)) : null;
  }

  async positions(): Promise<VenuePosition[]> {
    const rows = await this.client.positions();
    const out: VenuePosition[] = [];
    for (const r of rows) {
      const instrument = this.contracts.instrumentOf(r);
      if (instrument !== null) out.push({ instrument, qty: r.qty });
    }
    return out.sort((a, b) => a.instrument - b.instrument);
  }

  async fillsSince(fillId: bigint): Promise<Uint8Array[]> {
    return this.fills.filter((f) => f.published && f.fillId > fillId).sort((a, b) => (a.fillId < b.fillId ? -1 : 1)).map((f) => f.record.slice());
  }

  /** The adapter's view of every order it tracks (for reconciliation tests and tools). */
  orderViews(): VenueOrderView[] {
    return [...this.tracks.values()].map((t) => orderView(t, this.submissionsOf(t.clientOrderId)));
  }

  /** execIds of every fill seen (journaled ones included), for the journal. */
  executionIds(): string[] {
    return [...this.fillIdsByExec.keys()];
  }

  // ---- market data -------------------------------------------------------------------------

  /**
   * engine/live PushVenueAdapter: trades and quotes -> reqMktData, bars -> TWS's 5-second real-time
   * bars folded into bars of the stream's timeframe (1m by default); one subscription per
   * instrument. A timeframe the 5-second bars cannot build is refused (RangeError) before any request.
   */
  subscribe(streams: readonly PushMarketStream[]): void {
    const what = new Map<number, { quotes: boolean; bars: boolean; barSeconds?: number }>();
    for (const s of streams) {
      const w = what.get(s.instrument) ?? { quotes: false, bars: false };
      if (s.channel === 'bars') {
        w.bars = true;
        w.barSeconds = realtimeBarSeconds(s.timeframe ?? '1m', `instrument ${s.instrument} (${this.contracts.config(s.instrument).symbol}) bars`);
      } else w.quotes = true;
      what.set(s.instrument, w);
    }
    for (const [instrument, w] of what) this.subscribeMarket(instrument, w);
  }

  /** Starts pushing QUOTE/TRADE (reqMktData) and/or BAR (reqRealTimeBars, folded to `barSeconds`) records of `instrument`; restored after reconnects. */
  subscribeMarket(instrument: number, what: IbMarketSubscription = { quotes: true }): void {
    this.contracts.config(instrument);
    const sub = { quotes: what.quotes ?? false, bars: what.bars ?? false, quoteReqId: 0, barReqId: 0, fold: new RealtimeBarAggregator(what.barSeconds ?? REALTIME_BAR_SECONDS) };
    this.subscriptions.set(instrument, sub);
    if (this.client.connected) this.startStreams(instrument);
  }

  unsubscribeMarket(instrument: number): void {
    const sub = this.subscriptions.get(instrument);
    if (!sub) return;
    if (sub.quoteReqId) this.client.cancelMktData(sub.quoteReqId), this.streams.delete(sub.quoteReqId);
    if (sub.barReqId) this.client.cancelRealTimeBars(sub.barReqId), this.streams.delete(sub.barReqId);
    this.subscriptions.delete(instrument);
  }

  /** Streams silent for staleAfterMs or more at `nowMs` are resubscribed; returns them. */
  checkFeeds(nowMs: number): { instrument: number; kind: 'quotes' | 'bars'; silentMs: number }[] {
    const stale: { instrument: number; kind: 'quotes' | 'bars'; silentMs: number }[] = [];
    for (const s of [...this.streams.values()]) {
      const silentMs = nowMs - s.lastMessageMs;
      if (silentMs >= this.config.staleAfterMs) stale.push({ instrument: s.instrument, kind: s.kind, silentMs });
    }
    for (const instrument of new Set(stale.map((s) => s.instrument))) {
      this.stats.staleResubscribes++;
      this.startStreams(instrument);
    }
    return stale;
  }

  /** Historical bars as BAR records (oldest first), retried with backoff on pacing violations (162). Not sent to the listener. */
  async backfill(instrument: number, request: IbBackfillRequest): Promise<Uint8Array[]> {
    const seconds = barSizeSeconds(request.barSize);
    if (seconds === null) throw new IbRequestError('backfill', 0, `\`barSize\` must look like "1 min" / "5 secs" / "1 hour" / "1 day", was ${JSON.stringify(request.barSize)}`);
    for (let attempt = 0; ; attempt++) {
      try {
        const bars = await this.client.historical(this.contracts.contract(instrument), request.endDateTime ?? '', request.duration, request.barSize, request.whatToShow ?? 'TRADES', request.useRth ?? true);
        const out: Uint8Array[] = [];
        for (const b of bars) {
          const r = barRecord(b, seconds, instrument, null);
          if (r) out.push(r);
        }
        return out;
      } catch (e) {
        if (!(e instanceof IbRequestError) || e.code !== IbErrorCode.HISTORICAL_PACING || attempt + 1 >= HISTORICAL_ATTEMPTS) throw e;
        this.stats.pacingRetries++;
        await new Promise((r) => setTimeout(r, backoffDelayMs(attempt, this.config.reconnect.initialMs, this.config.reconnect.maxMs, this.random)));
      }
    }
  }

  // ---- internals ---------------------------------------------------------------------------

  private checkOrder(o: IbOrderRequest): string | null {
    if (!this.contracts.has(o.instrument)) return `instrument ${o.instrument} is not configured`;
    if (!Number.isFinite(o.qty) || o.qty === 0) return `qty must be finite and not 0, was ${o.qty}`;
    if (ibOrderTypeOf(o.orderType) === null) return `order type ${o.orderType} is not supported by the IB adapter (market, limit, stop, trailing stop)`;
    if (ibTimeInForceOf(o.timeInForce) === null) return `time in force ${o.timeInForce} is not supported by IB (GTC, IOC, FOK, DAY)`;
    if (o.orderType === 1 && !(o.limitPrice > 0)) return `limitPrice must be > 0 for a limit order, was ${o.limitPrice}`;
    if (o.orderType === 2 && !(o.stopPrice > 0)) return `stopPrice must be > 0 for a stop order, was ${o.stopPrice}`;
    if (o.orderType === 4) {
      const amount = o.trailingAmount ?? 0;
      const pct = o.trailingPercent ?? 0;
      if (!(amount > 0) && !(pct > 0 && pct < 100)) return `a trailing stop needs trailingAmount > 0 or trailingPercent in (0, 100), was ${o.trailingAmount} / ${o.trailingPercent}`;
    }
    if (orderIdOfClientOrderId(o.clientOrderId) !== o.orderId) return `clientOrderId ${o.clientOrderId} must be clientOrderIdOf(${o.orderId})`;
    return null;
  }

  private whenUp(action: () => void): void {
    if (this.client.connected) action();
    else {
      this.stats.heldWhileDown++;
      this.held.push(action);
    }
  }

  private submissionsOf(clientOrderId: string): number {
    return this.venueIds.get(clientOrderId)?.size ?? 0;
  }

  private noteVenueId(orderRef: string, ibOrderId: number): void {
    let s = this.venueIds.get(orderRef);
    if (!s) this.venueIds.set(orderRef, (s = new Set()));
    s.add(ibOrderId);
  }

  /**
   * The track of order `orderId` of ours that TWS shows as `o` (with its status `s`, when known).
   * An order this process never placed (left working by an earlier process: on exit keep, a crash,
   * kill -9) gets one built from the OPEN_ORDER: its real quantity and prices, its status, the
   * quantity the caller's journal holds as filled, acked, registered by IB order id, so cancel,
   * replace and TWS's statuses for it work. A track rebuilt from executions alone takes the
   * order's quantity and prices. null: the order's instrument is not configured (or its quantity
   * is not a number > 0), so it stays a view only (viewOfForeign).
   */
  private trackVenueOrder(orderId: bigint, o: IbOpenOrderMessage, s: IbOrderStatusMessage | undefined): OrderTrack | null {
    const existing = this.tracks.get(orderId);
    const total = o.totalQuantity;
    const signed = o.action === 'SELL' ? -total : total;
    const limitPrice = o.orderType === 'LMT' ? o.lmtPrice ?? 0 : 0;
    const stopPrice = o.orderType === 'STP' || o.orderType === 'TRAIL' ? o.auxPrice ?? 0 : 0;
    if (existing) {
      if (!existing.qtyFromExecutions || existing.ibOrderId !== o.orderId || !(total > 0)) return existing;
      const t: OrderTrack = { ...existing, qty: signed, limitPrice, stopPrice, qtyFromExecutions: false, closed: existing.execFilled >= total };
      this.tracks.set(orderId, t);
      return t;
    }
    const instrument = this.contracts.instrumentOf({ conId: o.conId, symbol: o.symbol });
    if (instrument === null || !Number.isFinite(total) || !(total > 0)) return null;
    const filled = Math.min(total, this.journaledFilled.get(o.orderRef) ?? 0);
    const t: OrderTrack = {
      ...newOrderTrack({ orderId, clientOrderId: o.orderRef, ibOrderId: o.orderId, instrument, qty: signed, limitPrice, stopPrice }),
      acked: true, status: s?.status ?? o.status, statusFilled: s?.filled ?? 0, execFilled: filled, execNotional: filled * (s?.avgFillPrice ?? 0),
    };
    this.tracks.set(orderId, t);
    this.byIbOrderId.set(o.orderId, orderId);
    this.seenByVenue.add(orderId);
    this.log(`order ${o.orderRef} (IB order ${o.orderId}: ${o.action} ${total} ${o.orderType}, ${filled} filled by the journal) was placed by an earlier process: tracked again, so it can be cancelled or modified`);
    return t;
  }

  private viewOfForeign(orderId: bigint, o: IbOpenOrderMessage, s: IbOrderStatusMessage | undefined): VenueOrderView {
    const signed = o.action === 'SELL' ? -o.totalQuantity : o.totalQuantity;
    const instrument = this.contracts.instrumentOf({ conId: o.conId }) ?? -1;
    const t = { ...newOrderTrack({ orderId, clientOrderId: o.orderRef, ibOrderId: o.orderId, instrument, qty: signed, limitPrice: o.lmtPrice ?? 0, stopPrice: o.auxPrice ?? 0 }), status: s?.status ?? o.status, statusFilled: s?.filled ?? 0 };
    return { ...orderView(t, this.submissionsOf(o.orderRef)), filled: Math.sign(signed) * (s?.filled ?? 0), avgPrice: s?.avgFillPrice ?? 0 };
  }

  private trackOfIb(ibOrderId: number): OrderTrack | null {
    const orderId = this.byIbOrderId.get(ibOrderId);
    return orderId === undefined ? null : this.tracks.get(orderId) ?? null;
  }

  /** Records of one order, in order; a FILL waiting for its commission holds the ones after it. */
  private pushOrderRecords(orderId: bigint, records: Uint8Array[], fillExecId: string | null): void {
    let q = this.queues.get(orderId);
    for (const record of records) {
      const kind = new DataView(record.buffer, record.byteOffset).getInt32(0, true);
      const isFill = (kind & EventKind.FILL) !== 0;
      let execId: string | null = null;
      if (isFill && fillExecId !== null) {
        const fee = this.commissions.get(fillExecId);
        if (fee === undefined) execId = fillExecId;
        else setFillFee(record, fee);
      }
      if (!q && execId === null) {
        this.publishOrderRecord(record);
        continue;
      }
      if (!q) this.queues.set(orderId, (q = []));
      const entry: Queued = { record, execId, timer: null };
      if (execId !== null) {
        entry.timer = setTimeout(() => {
          entry.timer = null;
          if (entry.execId === null) return;
          entry.execId = null;
          this.stats.feesMissing++;
          this.log(`no COMMISSION_REPORT for execution ${fillExecId} within ${this.config.commissionWaitMs} ms: its FILL goes out with fee 0`);
          this.flush(orderId);
        }, this.config.commissionWaitMs);
      }
      q.push(entry);
    }
  }

  private flush(orderId: bigint): void {
    const q = this.queues.get(orderId);
    if (!q) return;
    while (q.length > 0 && q[0].execId === null) {
      const e = q.shift() as Queued;
      if (e.timer) clearTimeout(e.timer);
      this.publishOrderRecord(e.record);
    }
    if (q.length === 0) this.queues.delete(orderId);
  }

  private publishOrderRecord(record: Uint8Array): void {
    const f = this.fills.find((x) => x.record === record);
    if (f) f.published = true;
    this.listener(record, 0n);
  }

  private applyCommission(c: IbCommissionMessage): void {
    const fee = Number.isFinite(c.commission) ? c.commission : 0;
    if (!this.commissions.has(c.execId)) this.commissions.set(c.execId, fee);
    for (const [orderId, q] of this.queues) {
      const e = q.find((x) => x.execId === c.execId);
      if (!e) continue;
      setFillFee(e.record, fee);
      e.execId = null;
      if (e.timer) clearTimeout(e.timer), (e.timer = null);
      this.flush(orderId);
      return;
    }
  }

  private handleExecution(e: IbExecutionMessage, recovered: boolean): void {
    if (this.fillIdsByExec.has(e.execId)) {
      this.stats.duplicateExecutions++;
      return;
    }
    const problem = executionProblem(e);
    if (problem !== null) {
      this.skipMalformedExecution(e, problem);
      return;
    }
    const orderId = this.ownOrders.of(e.orderRef);
    if (orderId === null) {
      this.stats.foreignExecutions++;
      return;
    }
    this.noteVenueId(e.orderRef, e.orderId);
    const journaledFilled = this.journaledFilled.get(e.orderRef);
    if (journaledFilled !== undefined && e.cumQty <= journaledFilled + 1e-9) {
      // Journaled by an earlier process (its FILL is in the caller's journal): not emitted again.
      this.fillIdsByExec.set(e.execId, 0n);
      this.seenByVenue.add(orderId);
      this.stats.journaledExecutions++;
      return;
    }
    let t = this.tracks.get(orderId);
    const newTrack = !t;
    if (!t) {
      const instrument = this.contracts.instrumentOf({ conId: e.conId, symbol: e.symbol });
      if (instrument === null) {
        this.stats.foreignExecutions++;
        return;
      }
      // An order of ours this process never placed (a restart): its size is what executions show.
      const signed = e.side === 'SLD' ? -e.cumQty : e.cumQty;
      const filled = journaledFilled ?? 0;
      t = { ...newOrderTrack({ orderId, clientOrderId: e.orderRef, ibOrderId: e.orderId, instrument, qty: signed, limitPrice: 0, stopPrice: 0 }), acked: true, qtyFromExecutions: true, execFilled: filled, execNotional: filled * e.avgPrice };
    } else if (e.cumQty > Math.abs(t.qty) && !t.replace && t.acked && t.ibOrderId !== e.orderId) {
      this.stats.duplicateExecutions++;
    }
    const shares = this.newSharesOf(t, e);
    if (shares === 0) {
      this.fillIdsByExec.set(e.execId, 0n);
      this.seenByVenue.add(orderId);
      return;
    }
    if (newTrack) {
      this.tracks.set(orderId, t);
      this.byIbOrderId.set(e.orderId, orderId);
    }
    this.seenByVenue.add(orderId);
    if (recovered) this.stats.recoveredExecutions++;
    const fillId = ++this.lastFillId;
    this.fillIdsByExec.set(e.execId, fillId);
    this.countedOf(orderId).push({ execId: e.execId, ibOrderId: e.orderId, shares, price: e.price, cumQty: e.cumQty });
    const ts = this.now();
    const r = parseExecution(t, shares === e.shares ? e : { ...e, shares }, Number(fillId), ts);
    this.tracks.set(orderId, r.track);
    const execNs = parseExecutionTime(e.time);
    if (execNs > this.lastExecNs) this.lastExecNs = execNs;
    const fillRecord = r.records.find((x) => (new DataView(x.buffer).getInt32(0, true) & EventKind.FILL) !== 0) as Uint8Array;
    this.fills.push({ fillId, record: fillRecord, published: false });
    this.pushOrderRecords(orderId, r.records, e.execId);
  }

  /** The counted executions of an order; the fills the caller's journal holds for it come first. */
  private countedOf(orderId: bigint): CountedExecution[] {
    let c = this.counted.get(orderId);
    if (!c) {
      const journaled = this.journaledFilled.get(clientOrderIdOf(orderId)) ?? 0;
      c = journaled > 0 ? [{ execId: '', ibOrderId: ANY_IB_ORDER, shares: journaled, price: 0, cumQty: journaled }] : [];
      this.counted.set(orderId, c);
    }
    return c;
  }

  /**
   * The shares of `e` that are new for its order (executions.ts countExecution), 0 for a
   * correction or an execution whose cumQty says nothing is new; each cut is logged.
   */
  private newSharesOf(t: OrderTrack, e: IbExecutionMessage): number {
    const ownIbOrder = e.orderId === t.ibOrderId && !t.qtyFromExecutions;
    const orderQty = ownIbOrder ? Math.max(Math.abs(t.qty), Math.abs(t.replace?.qty ?? 0)) : null;
    const count = countExecution(this.countedOf(t.orderId), e, orderQty);
    if (count.kind === 'correction') {
      const o = count.original;
      this.stats.correctedExecutions++;
      const differs = o.shares !== e.shares || o.price !== e.price;
      this.log(`execution ${e.execId} of order ${e.orderRef} corrects execution ${o.execId} (same execId base): not counted again` + (differs
        ? `; CORRECTION DIFFERS: TWS now reports ${e.shares} @ ${e.price}, the FILL already sent was ${o.shares} @ ${o.price}; that FILL is not rewritten: check the position with the broker (reconciliation compares it)`
        : ' (same shares and price)'));
      return 0;
    }
    if (count.limit !== null) {
      this.stats.excessExecutions++;
      this.log(`execution ${e.execId} of order ${e.orderRef}: ${e.shares} shares reported, ${count.shares} new (${count.limit})${count.shares === 0 ? ': not counted' : `: FILL of ${count.shares}`}`);
    }
    return count.shares;
  }

  /**
   * A malformed EXECUTION_DATA changes nothing (no fill id, no execId marked seen): it is logged
   * and its order's executions are asked of TWS again, once per execId, so a real fill it stood
   * for still arrives when TWS reports it well-formed.
   */
  private skipMalformedExecution(e: IbExecutionMessage, problem: string): void {
    this.stats.malformedExecutions++;
    const ours = typeof e.orderRef === 'string' && this.ownOrders.of(e.orderRef) !== null;
    const again = ours && !this.reaskedExecutions.has(String(e.execId)) && this.client.connected;
    this.log(`execution ${String(e.execId)} of order ${String(e.orderRef)} skipped: IB execution ${problem}${again ? '; asking TWS for the order\'s executions again' : ''}`);
    if (!again) return;
    this.reaskedExecutions.add(String(e.execId));
    void this.client.executions({ clientId: this.config.clientId, acctCode: this.account, time: '' })
      .then((execs) => { for (const x of execs) if (x.orderRef === e.orderRef) this.handleExecution(x, true); })
      .catch((error) => this.log(`asking TWS again for the executions of order ${e.orderRef} failed: ${(error as Error).message}`));
  }

  private handleStatus(m: IbOrderStatusMessage): void {
    const t = this.trackOfIb(m.orderId);
    if (!t) return;
    this.seenByVenue.add(t.orderId);
    this.noteVenueId(t.clientOrderId, t.ibOrderId);
    const r = parseOrderStatus(t, m, this.now());
    this.tracks.set(t.orderId, r.track);
    this.pushOrderRecords(t.orderId, r.records, null);
  }

  private handleOpenOrder(m: IbOpenOrderMessage): void {
    const own = this.ownOrders.of(m.orderRef);
    if (own !== null) {
      this.noteVenueId(m.orderRef, m.orderId);
      this.trackVenueOrder(own, m, undefined);
    }
    const t = this.trackOfIb(m.orderId);
    if (!t) return;
    this.seenByVenue.add(t.orderId);
    const r = parseOpenOrder(t, m, this.now());
    this.tracks.set(t.orderId, r.track);
    this.pushOrderRecords(t.orderId, r.records, null);
  }

  private handleOrderError(id: number, code: number, message: string): void {
    const stream = this.streams.get(id);
    if (stream) {
      if (code === IbErrorCode.PACING) {
        this.stats.pacingRetries++;
        const delay = backoffDelayMs(0, this.config.reconnect.initialMs, this.config.reconnect.maxMs, this.random);
        setTimeout(() => this.startStreams(stream.instrument), delay);
      } else {
        this.log(`market stream ${id} of instrument ${stream.instrument}: error ${code}: ${message}`);
        this.feedStatus(code, message, stream.instrument);
      }
      return;
    }
    const t = this.trackOfIb(id);
    if (!t) {
      if (id < REQ_ID_BASE) this.log(`error ${code} about unknown order ${id}: ${message}`);
      return;
    }
    this.seenByVenue.add(t.orderId);
    this.noteVenueId(t.clientOrderId, t.ibOrderId);
    const r = parseOrderError(t, code, this.now());
    // Said once per error, as the ccxt adapter says a refused createOrder: a REJECT record alone left
    // an operator with "N commands sent", an unchanged book and no reason in the log.
    const outcome = r.track.closed && !t.closed ? 'the order is rejected (REJECT)'
      : t.cancelRequested && !r.track.cancelRequested ? 'the cancel is refused'
        : t.replace && !r.track.replace ? 'the modify is refused' : 'order unchanged';
    this.log(`order ${t.clientOrderId} (TWS order ${t.ibOrderId}): error ${code}: ${message}; ${outcome}`);
    if (r.track.closed && !t.closed) {
      this.rejectMessages.set(t.clientOrderId, `TWS error ${code}: ${message}`);
      if (this.rejectMessages.size > 256) this.rejectMessages.delete(this.rejectMessages.keys().next().value!);
    }
    this.tracks.set(t.orderId, r.track);
    this.pushOrderRecords(t.orderId, r.records, null);
  }

  private startStreams(instrument: number): void {
    const sub = this.subscriptions.get(instrument);
    if (!sub || !this.client.connected) return;
    const spec = this.contracts.contract(instrument);
    const nowMs = Number(this.now() / 1_000_000n);
    if (sub.quotes) {
      if (sub.quoteReqId) this.client.cancelMktData(sub.quoteReqId), this.streams.delete(sub.quoteReqId);
      sub.quoteReqId = this.client.nextStreamId();
      this.streams.set(sub.quoteReqId, { instrument, kind: 'quotes', state: EMPTY_QUOTE, lastMessageMs: nowMs });
      this.client.reqMktData(sub.quoteReqId, spec);
    }
    if (sub.bars) {
      if (sub.barReqId) this.client.cancelRealTimeBars(sub.barReqId), this.streams.delete(sub.barReqId);
      sub.barReqId = this.client.nextStreamId();
      this.streams.set(sub.barReqId, { instrument, kind: 'bars', state: EMPTY_QUOTE, lastMessageMs: nowMs });
      this.client.reqRealTimeBars(sub.barReqId, spec);
    }
  }

  private emitMarket(record: Uint8Array): void {
    this.marketSeq++;
    this.listener(record, this.marketSeq);
  }

  /** Executions since the last one seen (or journaled), then open orders; one ORDER_STATUS per live order the venue knows. */
  private async recover(): Promise<void> {
    const time = this.lastExecNs > 0n ? executionFilterTime(this.lastExecNs) : this.lastJournaledTime;
    const execs = await this.client.executions({ clientId: this.config.clientId, acctCode: this.account, time });
    for (const e of execs) this.handleExecution(e, true);
    const { orders, statuses } = await this.client.openOrders();
    for (const o of orders) this.handleOpenOrder(o);
    for (const s of statuses) this.handleStatus(s);
    const ts = this.now();
    for (const t of this.tracks.values()) {
      if (t.closed || !this.seenByVenue.has(t.orderId)) continue;
      const open = orders.some((o) => o.orderId === t.ibOrderId);
      this.pushOrderRecords(t.orderId, [statusRecord(open ? t : { ...t, status: t.status }, ts)], null);
    }
  }

  private handlers(): IbSocketHandlers {
    return {
      orderStatus: (m) => this.handleStatus(m),
      execution: (m) => this.handleExecution(m, false),
      commission: (m) => this.applyCommission(m),
      openOrder: (m) => this.handleOpenOrder(m),
      orderError: (id, code, message) => this.handleOrderError(id, code, message),
      system: (code, message) => {
        this.log(`TWS system message ${code}: ${message}`);
        this.feedStatus(code, message);
        if (code === IbErrorCode.CONNECTIVITY_RESTORED_DATA_LOST) for (const i of this.subscriptions.keys()) this.startStreams(i);
        if (code === IbErrorCode.CONNECTIVITY_RESTORED_DATA_LOST || code === IbErrorCode.CONNECTIVITY_RESTORED_DATA_KEPT) void this.recover().catch((e) => this.log(`recovery after ${code} failed: ${(e as Error).message}`));
      },
      tickPrice: (reqId, tickType, price) => {
        const s = this.streams.get(reqId);
        if (!s) return;
        s.lastMessageMs = Number(this.now() / 1_000_000n);
        s.state = applyTickPrice(s.state, tickType, price);
      },
      tickSize: (reqId, tickType, size) => {
        const s = this.streams.get(reqId);
        if (!s) return;
        s.lastMessageMs = Number(this.now() / 1_000_000n);
        const r = applyTickSize(s.state, tickType, size, s.instrument, this.now());
        s.state = r.state;
        if (r.record) this.emitMarket(r.record);
      },
      realtimeBar: (reqId, bar) => {
        const s = this.streams.get(reqId);
        if (!s) return;
        s.lastMessageMs = Number(this.now() / 1_000_000n);
        // The subscription's fold outlives a resubscribe, so a bar spanning a reconnect completes once.
        const fold = this.subscriptions.get(s.instrument)?.fold;
        if (!fold) return;
        for (const folded of fold.add(bar)) {
          const r = barRecord(folded, fold.barSeconds, s.instrument, this.now());
          if (r) this.emitMarket(r);
        }
      },
      disconnected: (reason) => {
        this.log(`disconnected: ${reason}`);
        for (const l of this.disconnectListeners) l(reason);
      },
      reconnecting: (attempt, delayMs, lastFailure) => this.log(`reconnecting to TWS: attempt ${attempt} in ${delayMs} ms${lastFailure ? ` (attempt ${attempt - 1}: ${lastFailure})` : ''}`),
      failed: (event, error) => {
        this.stats.handlerFailures++;
        this.log(`handling TWS ${event} failed: ${error.message}; dropping the TWS link: the reconnect asks for the executions again and the session reconciles`);
      },
      reconnected: async () => {
        this.stats.reconnects++;
        this.log(`reconnected to TWS ${this.config.host}:${this.config.port} (attempt ${this.client.reconnectAttempts}): resubscribing, asking for the executions missed`);
        for (const i of this.subscriptions.keys()) this.startStreams(i);
        await this.recover();
        const held = this.held.splice(0);
        for (const action of held) action();
        for (const l of this.reconnectListeners) l();
      },
    };
  }
}

/**
 * TWS codes that say the market data stopped (FARM_DOWN) or flows again (FARM_UP), as feed
 * connection state (engine/live SessionFeedHealth: no SILENT while down; STALE still counts):
 * 2103 market-data farm broken / 2104 OK, 2108 farm inactive but available on demand (up),
 * 1100 connectivity lost / 1101, 1102 restored, and per request 10167 (delayed data displayed:
 * the STALE bound judges its lag) and 354 (not subscribed). 2105 / 2106 (the historical HMDS farm)
 * are only logged: backfill, not the live stream, depends on it.
 */
const FARM_DOWN: ReadonlySet<number> = new Set([2103, 1100, 10_167, 354]);
const FARM_UP: ReadonlySet<number> = new Set([2104, 2108, 1101, 1102]);
