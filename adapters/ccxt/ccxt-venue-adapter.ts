// CcxtVenueAdapter: an engine/live VenueAdapter over a ccxt pro exchange (Binance spot, Coinbase
// Advanced Trade; what differs per exchange sits in exchanges/, behind ExchangeProfile).
//   orders   submit -> precision guard -> request queue (429/418 aware) -> createOrder (REST);
//            the answer, the user stream (watchOrders, watchMyTrades) and REST reconciliation all
//            feed one OrderTracker, which emits ACK / FILL / CANCELED / EXPIRED / REJECT once each.
//            A submission whose outcome is unknown (no answer) is never re-sent: the order is asked
//            for by client order id until the venue answers or it is declared lost (REJECT).
//   fill ids FILL records carry a numeric fill id (common/fill-ids.ts): Binance's decimal trade
//            ids as they are; Coinbase's string trade ids get numbers above the journal's last
//            fill id (CcxtAdapterOptions.journaled), once per trade id. After a restart, missed
//            fills are fetched by id (Binance) or by time from the last journaled fill minus a
//            margin (Coinbase); an order an earlier process sent is recovered into the tracker
//            (on its first update, fill, missed fill or cancel in this process) with the fills the
//            journal holds counted as seen (Binance: by trade id = fill id; Coinbase: a venue fill
//            equal to a journaled fill of the order in time, price and quantity, each journaled
//            fill matched once), so each of its fills is emitted once, as it arrives.
//   market   the push subscription `subscribeMarket` (watchTrades / watchOHLCV / watchTicker ->
//            TRADE / BAR / QUOTE records, sourceSeq = the adapter's market sequence), with trade-id
//            and bar-time gap detection, REST backfill; a silent trade stream is polled over REST
//            (bar and ticker staleness is the session's feed health).
//   streams  every watch loop reconnects with exponential backoff + jitter and restores its
//            subscription; after a user-stream reconnect the open orders and missing fills are
//            reconciled over REST. `market(fromSeq, count)` (the pull contract) does not fit a live
//            feed and rejects; see subscribeMarket.
import type {
  FeedSignal, PushMarketStream, PushVenueAdapter, VenueCancelRequest, VenueOrderRequest, VenueOrderView, VenuePosition, VenueRecordListener, VenueReplaceRequest, VenueStatus,
} from '../../engine/live/index.js';
import { OwnOrderIds, type JournaledFills, type OrderIdRange } from '../../engine/live/index.js';
import { EVENT_BYTES } from '../../engine/layout/event-record.js';
import { ClockSync } from './common/clock-sync.js';
import { RejectReason, RejectedRequest } from './common/consts.js';
import { ccxtOrderType, ccxtTimeInForce } from './common/enums.js';
import { byTimeThenTradeId, FillIds } from './common/fill-ids.js';
import { journaledFillsById, journaledFillsOf } from './common/journaled-match.js';
import {
  fillFactsOf, orderViewOf, sideSign, writeBarRecord, writeFillRecord, writeQuoteRecord, writeTradeRecord,
  type CcxtOhlcv, type CcxtOrder, type CcxtTicker, type CcxtTrade, type FillFacts,
} from './common/parse.js';
import { checkOrderPrecision, marketRulesOf, type MarketRules } from './common/precision.js';
import { Redactor, redactingLog } from '../../engine/live/index.js';
import { closestSymbols, InstrumentSymbols, UnlistedSymbolError } from './common/symbols.js';
import { resolveCcxtConfig, type CcxtAdapterConfig, type ResolvedCcxtAdapterConfig } from './config.js';
import { createCcxtExchange, exchangeProfile, type CcxtExchange, type ExchangeProfile } from './factories.js';
import type { StreamGap } from './exchanges/index.js';
import { RequestQueue } from './http/request-queue.js';
import { OrderTracker, type RecordWriter } from './order-tracker.js';
import { Backoff } from './websocket/backoff.js';
import { BarSequence, TradeSequence } from './websocket/sequence.js';

export type MarketChannel = 'trades' | 'ohlcv' | 'ticker';

export interface MarketSubscription {
  readonly instrument: number;
  readonly channel: MarketChannel;
  /** ohlcv only; '1m' by default. */
  readonly timeframe?: string;
}

/** Feed health per stream: the conditions a risk stage acts on (no record kind exists for them yet). */
export interface FeedHealthEvent {
  readonly stream: string;
  readonly condition: 'stale' | 'fresh' | 'gap' | 'reconnecting' | 'reconnected';
  readonly detail: string;
}

/** Reject messages kept for rejectMessage (the session asks as the REJECT record arrives). */
const REJECT_MESSAGES = 256;

/** An order refused before it was sent (precision guard, unsupported type): the REJECT record's reason in words. */
export interface OrderRefusal { readonly clientOrderId: string; readonly rule: string; readonly reason: string }

/** What the adapter is told beyond its config. */
export interface CcxtAdapterOptions {
  /**
   * What the session's journal holds of the venue's fills (a restart; engine/live
   * readJournaledFills): assigned fill ids continue above its last fill id, missed fills are asked
   * for from its last fill time (minus `fillRecoveryMarginMs`), and the fills it holds are not
   * emitted again.
   */
  readonly journaled?: JournaledFills;
  /**
   * The session journal's order ids (engine/live OrderIdRange): a `qf-` order outside them is
   * another journal's, never taken for ours. Default: every `qf-` order is ours.
   */
  readonly orderIds?: OrderIdRange;
}

const TIMEFRAME_MS: Record<string, number> = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000 };

export class CcxtVenueAdapter implements PushVenueAdapter {
  readonly name: string;
  readonly config: ResolvedCcxtAdapterConfig;
  readonly symbols: InstrumentSymbols;
  readonly clock: ClockSync;
  readonly log: (line: string) => void;
  readonly refusals: OrderRefusal[] = [];
  exchange: CcxtExchange = null;
  private readonly profile: ExchangeProfile;
  private readonly tracker: OrderTracker;
  private readonly fillIds: FillIds;
  private readonly journaled: JournaledFills | undefined;
  /** Venue time of this process's first order submission, ns (0: none yet): missed fills of a symbol with none journaled are asked from it. */
  private firstSubmitNs = 0n;
  private readonly ownOrders: OwnOrderIds;
  /** Orders an earlier process sent, being recovered into the tracker, by decimal venue order id (true: ours). */
  private readonly recoveries = new Map<number, Promise<boolean>>();
  private queue!: RequestQueue;
  private listener: VenueRecordListener | null = null;
  private disconnectListener: ((reason: string) => void) | null = null;
  private reconnectListener: (() => void) | null = null;
  private healthListener: ((event: FeedHealthEvent) => void) | null = null;
  private feedSignalListener: ((signal: FeedSignal) => void) | null = null;
  private readonly rules = new Map<number, MarketRules>();
  private readonly lastPrice = new Map<number, number>();
  private readonly loops: Promise<void>[] = [];
  private readonly background = new Set<Promise<unknown>>();
  private readonly lastMessageAt = new Map<string, number>();
  private readonly stale = new Set<string>();
  /** The venue's words for the orders it refused lately, by client order id (rejectMessage; the newest REJECT_MESSAGES kept). */
  private readonly rejectMessages = new Map<string, string>();
  /** Streams failed since they last delivered (user streams: had their subscription confirmed): the session is told of a reconnect only once none is. */
  private readonly down = new Set<string>();
  private readonly tradeSeq = new Map<number, TradeSequence>();
  private readonly lastTradeMs = new Map<number, number>();
  private healthTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Wakes each reconnect backoff under way (close). */
  private readonly sleepers = new Set<() => void>();
  private marketSeq = 0n;
  private readonly scratch = new DataView(new ArrayBuffer(EVENT_BYTES));
  reconnects = 0;

  constructor(config: CcxtAdapterConfig, options: CcxtAdapterOptions = {}) {
    this.config = resolveCcxtConfig(config);
    this.name = `ccxt:${this.config.exchange}`;
    this.profile = exchangeProfile(this.config.exchange);
    this.symbols = new InstrumentSymbols(this.config.instruments);
    const c = this.config.credentials;
    this.log = redactingLog(new Redactor([c.apiKey, c.secret, c.password]), this.config.log);
    this.clock = new ClockSync(this.config.localNowMs);
    this.journaled = options.journaled;
    this.ownOrders = new OwnOrderIds(options.orderIds, (line) => this.log(line), this.name, 'the venue');
    this.fillIds = new FillIds(this.profile.fillIds, Number(options.journaled?.lastFillId ?? 0n));
    this.tracker = new OrderTracker((write) => this.emitEvent(write), this.fillIds);
  }

  onRecord(listener: VenueRecordListener): void {
    if (this.listener) throw new Error(`${this.name}: the record listener is set once, before connect`);
    this.listener = listener;
  }

  onDisconnect(listener: (reason: string) => void): void { this.disconnectListener = listener; }
  /** engine/live VenueAdapter: why an order of ours was refused (the venue's error, redacted, or the refusal before sending). */
  rejectMessage(clientOrderId: string): string | undefined { return this.rejectMessages.get(clientOrderId); }

  private noteRejectMessage(clientOrderId: string, message: string): void {
    this.rejectMessages.set(clientOrderId, message);
    if (this.rejectMessages.size > REJECT_MESSAGES) this.rejectMessages.delete(this.rejectMessages.keys().next().value!);
  }
  /** engine/live PushVenueAdapter: once every failed stream is back (market streams delivering, the user stream confirmed and reconciled over REST). */
  onReconnect(listener: () => void): void { this.reconnectListener = listener; }

  /** engine/live PushVenueAdapter: trades -> watchTrades, bars -> watchOHLCV, quotes -> watchTicker. */
  subscribe(streams: readonly PushMarketStream[]): void {
    for (const s of streams) {
      const channel: MarketChannel = s.channel === 'bars' ? 'ohlcv' : s.channel === 'quotes' ? 'ticker' : 'trades';
      this.subscribeMarket({ instrument: s.instrument, channel, ...(s.timeframe ? { timeframe: s.timeframe } : {}) });
    }
  }
  onFeedHealth(listener: (event: FeedHealthEvent) => void): void { this.healthListener = listener; }
  /** engine/live PushVenueAdapter: trade-id and bar-time gaps, crossed tickers (which no QUOTE record can hold). */
  onFeedSignal(listener: (signal: FeedSignal) => void): void { this.feedSignalListener = listener; }

  async connect(): Promise<void> {
    const cfg = this.config;
    this.exchange = await createCcxtExchange(cfg, this.profile, { onGap: (gap) => this.onStreamGap(gap), onOrders: (orders) => this.onOrderUpdates(orders) });
    const ex = this.exchange;
    this.queue = new RequestQueue({
      maxRateLimitRetries: cfg.rateLimit.maxRetries, rateLimitPauseMs: cfg.rateLimit.pauseMs, maxPauseMs: cfg.rateLimit.maxPauseMs,
      isRateLimit: (e) => e instanceof Error && (e.name === 'RateLimitExceeded' || e.name === 'DDoSProtection'),
      retryAfterSeconds: () => this.profile.retryAfterSeconds(ex), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), log: this.log,
    });
    const cannotConnect = (error: unknown) => new Error(`${this.name}: cannot connect to ${cfg.baseUrl ?? cfg.exchange}: ${this.redactError(error)}`, { cause: error });
    try {
      await this.queue.run('loadMarkets', () => ex.loadMarkets());
    } catch (error) {
      throw cannotConnect(error);
    }
    // The venue answered: a configured symbol it does not list is the configuration's error, not the connection's.
    const listed = Object.keys(ex.markets ?? {});
    const unlisted = cfg.instruments.flatMap(({ symbol }, index) => (ex.markets?.[symbol] ? [] : [{ index, symbol, closest: closestSymbols(symbol, listed) }]));
    if (unlisted.length > 0) throw new UnlistedSymbolError(`${cfg.exchange}${cfg.baseUrl ? ` at ${cfg.baseUrl}` : ''}`, unlisted, listed.length);
    for (const { instrument, symbol } of cfg.instruments) this.rules.set(instrument, marketRulesOf(ex.markets[symbol]));
    try {
      await this.syncClock();
      if (!this.config.marketOnly) await this.profile.userStreamReady(ex);
    } catch (error) {
      throw cannotConnect(error);
    }
    if (!this.config.marketOnly) this.startLoop('orders', () => ex.watchOrders(), (orders: CcxtOrder[]) => { if (!this.profile.rawOrderUpdates) this.onOrderUpdates(orders); }, true);
    if (!this.config.marketOnly && this.profile.streamsMyTrades) this.startLoop('myTrades', () => ex.watchMyTrades(), (trades: CcxtTrade[]) => this.onFills(trades), true);
    this.healthTimer = setInterval(() => this.checkHealth(), cfg.healthCheckMs);
    this.log(`${this.name}: connected (clock offset ${this.clock.offsetMs} ms, ${cfg.instruments.length} instruments)`);
  }

  /** engine/live VenueAdapter: the market's amount step (precision.amount) from the loaded markets; null before connect or without one. */
  amountStep(instrument: number): { symbol: string; step: number } | null {
    const rules = this.rules.get(instrument);
    return rules && rules.amountStep > 0 ? { symbol: rules.symbol, step: rules.amountStep } : null;
  }

  /**
   * Stops every stream loop (a loop sleeping before its next reconnect wakes at once), closes
   * ccxt's WebSocket clients and waits for the loops and background tasks: no socket or timer of
   * the adapter's outlives it, after an outage too.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.healthTimer) clearInterval(this.healthTimer);
    for (const wake of this.sleepers) wake();
    if (this.exchange) await this.exchange.close().catch(() => undefined);
    await Promise.allSettled(this.loops);
    await Promise.allSettled([...this.background]);
    // A client a loop or task opened while the first close ran (between its awaits).
    if (this.exchange) await this.exchange.close().catch(() => undefined);
  }

  /** Waits `ms` (a reconnect backoff), or less when the adapter closes meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); this.sleepers.delete(done); resolve(); };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  /** Measures the venue clock offset and has ccxt sign with the venue's clock. */
  async syncClock(): Promise<number> {
    const offset = await this.clock.sync(() => this.queue.run('fetchTime', () => this.exchange.fetchTime()));
    this.exchange.options.timeDifference = -offset;
    return offset;
  }

  // ---- orders ---------------------------------------------------------------------------------

  submit(order: VenueOrderRequest): void {
    if (this.firstSubmitNs === 0n) this.firstSubmitNs = this.clock.venueNowNs();
    this.tracker.submitted(order);
    const now = this.clock.venueNowNs();
    const refuse = (rule: string, reason: string) => {
      this.refusals.push({ clientOrderId: order.clientOrderId, rule, reason });
      this.log(`${this.name}: order ${order.clientOrderId} refused before sending (${rule}): ${reason}`);
      this.noteRejectMessage(order.clientOrderId, `refused before sending (${rule}): ${reason}`);
      this.tracker.rejected(order.clientOrderId, RejectReason.INVALID, now, now);
    };
    const type = ccxtOrderType(order.orderType);
    const tif = ccxtTimeInForce(order.timeInForce);
    if (type === null) return refuse('order type', `order type ${order.orderType} is not sent through ccxt (market and limit only)`);
    if (tif === null) return refuse('time in force', `time in force ${order.timeInForce} is not supported`);
    const rules = this.rules.get(order.instrument);
    if (!rules) return refuse('instrument', `instrument ${order.instrument} is not configured`);
    const check = checkOrderPrecision(rules, Math.abs(order.qty), type === 'limit' ? order.limitPrice : null, this.lastPrice.get(order.instrument) ?? null);
    if (!check.ok) return refuse(check.rule, check.reason);
    const symbol = rules.symbol;
    const side = order.qty > 0 ? 'buy' : 'sell';
    const params = this.profile.orderParams(order.clientOrderId, type, side, check.amount, tif);
    const job = this.queue.run<CcxtOrder>(`createOrder ${order.clientOrderId}`, () => this.exchange.createOrder(symbol, type, side, check.amount, check.price, params))
      .then((answer: CcxtOrder) => this.onOrderAnswer(answer))
      .catch((error: unknown) => this.onSubmitError(order, error));
    this.track(job);
  }

  cancel(request: VenueCancelRequest): void {
    const symbol = this.symbols.symbolOf(request.instrument);
    const job = this.queue.run<CcxtOrder>(`cancelOrder ${request.clientOrderId}`, () => this.profile.cancelOrder(this.exchange, symbol, request.clientOrderId, this.venueOrderUuid(request.clientOrderId)))
      .then((answer: CcxtOrder) => {
        this.tracker.order({ ...this.profile.ids.order(answer), clientOrderId: request.clientOrderId }, this.clock.venueNowNs());
        // A cancel answer without a status (Coinbase's batch_cancel) says only that the venue took it, and an
        // order an earlier process sent is not tracked yet (recovered there, with its fills): ask for the order.
        if (answer.status === undefined || !this.tracker.has(request.clientOrderId)) return this.reconcileOrder(request.clientOrderId, request.instrument).then(() => undefined);
        return undefined;
      })
      .catch((error: unknown) => {
        const now = this.clock.venueNowNs();
        this.log(`${this.name}: cancel of ${request.clientOrderId} refused: ${this.redactError(error)}`);
        this.tracker.requestRejected(request.clientOrderId, RejectedRequest.CANCEL, (error as Error).name === 'OrderNotFound' ? RejectReason.UNKNOWN_ORDER : RejectReason.INVALID, now, now);
        // The order may have filled or closed meanwhile: ask the venue.
        return this.reconcileOrder(request.clientOrderId, request.instrument);
      });
    this.track(job);
  }

  /** Binance spot has no in-place replace, and cancel + new under the same client order id would be a second submission of it: refused. */
  replace(request: VenueReplaceRequest): void {
    const now = this.clock.venueNowNs();
    const reason = `${this.config.exchange} spot has no order replace; cancel ${request.clientOrderId} and submit a new order (new client order id) instead`;
    this.refusals.push({ clientOrderId: request.clientOrderId, rule: 'replace', reason });
    this.log(`${this.name}: replace refused: ${reason}`);
    this.tracker.requestRejected(request.clientOrderId, RejectedRequest.REPLACE, RejectReason.INVALID, now, now);
  }

  async sync(): Promise<void> {
    await this.queue.idle();
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  market(): Promise<number> {
    return Promise.reject(new Error(`${this.name}: market(fromSeq, count) is the pull contract of a replayable feed; a live ccxt feed pushes: use subscribeMarket()`));
  }

  async status(): Promise<VenueStatus> {
    return { nowNs: this.clock.venueNowNs(), marketSeq: this.marketSeq, lastFillId: BigInt(this.tracker.lastFillId) };
  }

  async openOrders(): Promise<VenueOrderView[]> {
    const out: VenueOrderView[] = [];
    for (const { instrument, symbol } of this.config.instruments) {
      const orders: CcxtOrder[] = await this.queue.run(`fetchOpenOrders ${symbol}`, () => this.exchange.fetchOpenOrders(symbol));
      for (const o of orders) {
        const orderId = o.clientOrderId ? this.ownOrders.of(o.clientOrderId) : null;
        if (orderId !== null) out.push(orderViewOf(o, orderId, o.clientOrderId!, instrument, 1));
        else if (o.clientOrderId) this.ownOrders.noteOther(o.clientOrderId);
      }
    }
    return out;
  }

  async order(clientOrderId: string): Promise<VenueOrderView | null> {
    const orderId = this.ownOrders.of(clientOrderId);
    if (orderId === null) return null;
    for (const { instrument, symbol } of this.config.instruments) {
      try {
        const o: CcxtOrder = this.profile.ids.order(await this.queue.run(`fetchOrder ${clientOrderId}`, () => this.profile.fetchOrderByClientId(this.exchange, symbol, clientOrderId, this.venueOrderUuid(clientOrderId))));
        return orderViewOf(o, orderId, clientOrderId, instrument, this.tracker.view(clientOrderId)?.submissions ?? 1);
      } catch (error) {
        if ((error as Error).name !== 'OrderNotFound') throw error;
      }
    }
    return null;
  }

  /** Spot: the base asset's total balance per instrument. */
  async positions(): Promise<VenuePosition[]> {
    const balance = await this.queue.run<{ total?: Record<string, number> }>('fetchBalance', () => this.exchange.fetchBalance());
    return this.config.instruments.map(({ instrument, symbol }) => ({ instrument, qty: Number(balance.total?.[symbol.split('/')[0]] ?? 0) }));
  }

  /**
   * FILL records the journal lacks; an order an earlier process sent is recovered into the
   * tracker first (its journaled fills counted as seen), and the fills the tracker has not
   * counted are counted now (so none is emitted again live). 'venue' fill ids (Binance): every
   * fill of ours with a trade id above the last one the journal holds, in id order (those this
   * process emitted already too). The venue numbers trades per symbol, so with
   * `lastFillIdByInstrument` (what the journal holds, per instrument) each symbol is asked from its
   * own last id; a symbol with none journaled is asked by time from the first order known (the
   * journal's, or this process's first submission) minus the margin, or not at all when no order
   * is known (no fill can be ours). Without it, every symbol is asked above `fillId`.
   * 'assigned' (Coinbase): the fills from the last known fill's venue time minus the margin on,
   * less those the tracker counted (this process) or the journal holds, numbered above the last
   * fill id in time order.
   */
  async fillsSince(fillId: bigint, lastFillIdByInstrument?: ReadonlyMap<number, bigint>): Promise<Uint8Array[]> {
    if (this.profile.fillIds === 'assigned') return this.fillsSinceByTime();
    const fills = new Map<string, { instrument: number; id: number; facts: FillFacts }>();
    const journaledOrderNs = this.journaled?.firstOrderNs ?? 0n;
    const firstOrderNs = journaledOrderNs > 0n && (this.firstSubmitNs === 0n || journaledOrderNs < this.firstSubmitNs) ? journaledOrderNs : this.firstSubmitNs;
    for (const { instrument, symbol } of this.config.instruments) {
      const journaledId = lastFillIdByInstrument === undefined ? fillId : lastFillIdByInstrument.get(instrument);
      if (journaledId === undefined && firstOrderNs === 0n) continue;
      const after = journaledId === undefined ? null : Number(journaledId);
      const from = after !== null ? { fillId: after + 1 } : { sinceMs: Math.max(0, Number(firstOrderNs / 1_000_000n) - this.config.fillRecoveryMarginMs) };
      const trades: CcxtTrade[] = await this.queue.run(`fetchMyTrades ${symbol}`, () => this.profile.fetchFills(this.exchange, symbol, from));
      const quote = symbol.split('/')[1];
      for (const venueTrade of trades) {
        const facts = fillFactsOf(this.profile.ids.trade(venueTrade), quote);
        const id = this.fillIds.peek(facts.tradeId)!;
        const key = `${instrument}:${id}`;
        if ((after !== null && id <= after) || fills.has(key)) continue;
        if (!this.tracker.hasVenueOrder(facts.venueOrderId) && !(await this.recoverVenueOrder(instrument, facts.venueOrderId))) continue; // not ours
        fills.set(key, { instrument, id, facts });
      }
    }
    const out: Uint8Array[] = [];
    const now = this.clock.venueNowNs();
    // Venue time, then instrument, then id: one order whatever order the symbols were asked in.
    const ordered = [...fills.values()].sort((a, b) => (a.facts.tsExchange !== b.facts.tsExchange ? (a.facts.tsExchange < b.facts.tsExchange ? -1 : 1) : a.instrument - b.instrument || a.id - b.id));
    for (const { id, facts } of ordered) {
      const owner = this.tracker.owner(facts.venueOrderId)!;
      if (!this.tracker.seen(facts.venueOrderId, facts.tradeId)) { out.push(...this.collectFills([facts])); continue; }
      const bytes = new Uint8Array(EVENT_BYTES);
      writeFillRecord(new DataView(bytes.buffer), 0, facts, id, owner.orderId, owner.instrument, owner.sign, now);
      out.push(bytes);
    }
    return out;
  }

  /** The FILL records the tracker writes for `fills` (in the order given), collected instead of emitted. */
  private collectFills(fills: readonly FillFacts[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    const collect: RecordWriter = (write) => {
      const bytes = new Uint8Array(EVENT_BYTES);
      write(new DataView(bytes.buffer), 0);
      out.push(bytes);
    };
    const now = this.clock.venueNowNs();
    for (const facts of fills) this.tracker.fill(facts, now, collect, true);
    return out;
  }

  /** fillsSince for venues whose trade ids are strings (see there). */
  private async fillsSinceByTime(): Promise<Uint8Array[]> {
    const journaledNs = this.journaled?.lastFillNs ?? 0n;
    const lastNs = this.tracker.lastFillNs > journaledNs ? this.tracker.lastFillNs : journaledNs;
    // From the last fill known minus the margin; with none, from the first journaled order's decision minus the margin (null: a new journal, everything).
    const fromNs = lastNs > 0n ? lastNs : (this.journaled?.firstOrderNs ?? 0n);
    const sinceMs = fromNs > 0n ? Math.max(0, Number(fromNs / 1_000_000n) - this.config.fillRecoveryMarginMs) : null;
    const fresh: FillFacts[] = [];
    for (const { instrument, symbol } of this.config.instruments) {
      const trades: CcxtTrade[] = await this.queue.run(`fetchMyTrades ${symbol}`, () => this.profile.fetchFills(this.exchange, symbol, { sinceMs }));
      const quote = symbol.split('/')[1];
      for (const venueTrade of trades) {
        const facts = fillFactsOf(this.profile.ids.trade(venueTrade), quote);
        if (!this.tracker.hasVenueOrder(facts.venueOrderId) && !(await this.recoverVenueOrder(instrument, facts.venueOrderId))) continue; // not ours
        if (!this.tracker.seen(facts.venueOrderId, facts.tradeId) && !fresh.some((f) => f.tradeId === facts.tradeId)) fresh.push(facts);
      }
    }
    return this.collectFills(fresh.sort(byTimeThenTradeId));
  }

  /** Recovers venue order `venueOrderId` (decimal) into the tracker once (see recoverOrder); false when it is not ours. */
  private recoverVenueOrder(instrument: number, venueOrderId: number, known?: CcxtOrder): Promise<boolean> {
    let recovery = this.recoveries.get(venueOrderId);
    if (recovery === undefined) {
      const symbol = this.symbols.symbolOf(instrument);
      recovery = (async () => {
        const order = known ?? this.profile.ids.order(await this.queue.run<CcxtOrder>(`fetchOrder ${venueOrderId}`, () => this.profile.fetchOrderById(this.exchange, symbol, this.profile.ids.venue(String(venueOrderId)))));
        return this.recoverOrder(instrument, order);
      })();
      // A failed lookup is tried again by the next caller.
      recovery.catch(() => this.recoveries.delete(venueOrderId));
      this.recoveries.set(venueOrderId, recovery);
    }
    return recovery;
  }

  /**
   * An order of ours the tracker does not know (an earlier process of the session sent it) joins
   * the tracker, with the fills the journal holds counted as seen (common/journaled-match.ts):
   * 'venue' fill ids (Binance), those of its venue fills whose trade id a journaled fill of the
   * order carries as fill id; 'assigned' (Coinbase), those that match a journaled fill of the
   * order in time, price and quantity, each journaled fill once.
   */
  private async recoverOrder(instrument: number, order: CcxtOrder): Promise<boolean> {
    const clientOrderId = order.clientOrderId;
    const orderId = clientOrderId ? this.ownOrders.of(clientOrderId) : null;
    if (clientOrderId === undefined || orderId === null || order.id === undefined) return false;
    if (this.tracker.has(clientOrderId)) return true;
    const venueOrderId = Number(order.id);
    const symbol = this.symbols.symbolOf(instrument);
    const journaledFills = this.journaled?.fillsByOrder.get(clientOrderId) ?? [];
    let journaled: FillFacts[] = [];
    if (journaledFills.length > 0) {
      const trades: CcxtTrade[] = await this.queue.run(`fetchMyTrades ${symbol}`, () => this.profile.fetchOrderFills(this.exchange, symbol, this.profile.ids.venue(String(venueOrderId))));
      const quote = symbol.split('/')[1];
      const facts = [...new Map(trades.map((t) => { const f = fillFactsOf(this.profile.ids.trade(t), quote); return [f.tradeId, f] as const; })).values()].sort(byTimeThenTradeId);
      const byId = this.profile.fillIds === 'venue';
      const match = byId ? journaledFillsById(facts, journaledFills, (tradeId) => this.fillIds.peek(tradeId)!) : journaledFillsOf(facts, journaledFills);
      journaled = match.matched;
      if (match.unmatched > 0) this.log(`${this.name}: order ${clientOrderId}: ${match.unmatched} of its ${journaledFills.length} journaled fills match no fill the venue lists for it (${byId ? 'trade id' : 'time, price, quantity'})`);
    }
    if (this.tracker.has(clientOrderId)) return true;
    this.venueOrderIds.set(clientOrderId, venueOrderId);
    const sign = sideSign(order.side, 'order.side');
    const journaledQty = journaled.reduce((sum, f) => sum + f.amount, 0);
    const amount = order.amount !== undefined && order.amount > 0 ? order.amount : Math.max(order.filled ?? 0, journaledQty);
    this.tracker.recovered({ orderId, clientOrderId, instrument, sign, qty: amount, limitPrice: order.price ?? 0, venueOrderId, journaled });
    this.log(`${this.name}: order ${clientOrderId}, sent before this process started, tracked again (${journaled.length} of its fills journaled already)`);
    return true;
  }

  /** The adapter's own view of its orders (what it has told the engine). */
  orderViews(): VenueOrderView[] { return this.tracker.views(); }

  private venueOrderIds = new Map<string, number>();

  /** The venue's own id of an order we hold a venue id for (Coinbase: its UUID), undefined when none yet. */
  private venueOrderUuid(clientOrderId: string): string | undefined {
    const n = this.venueOrderIds.get(clientOrderId);
    return n === undefined ? undefined : this.profile.ids.venue(String(n));
  }

  private onOrderAnswer(venueAnswer: CcxtOrder): void {
    const answer = this.profile.ids.order(venueAnswer);
    const now = this.clock.venueNowNs();
    if (answer.clientOrderId && answer.id) this.venueOrderIds.set(answer.clientOrderId, Number(answer.id));
    this.tracker.order({ ...answer, status: answer.status === 'closed' ? 'open' : answer.status }, now);
    const quote = (answer.symbol ?? '').split('/')[1] ?? '';
    for (const t of answer.trades ?? []) this.tracker.fill(fillFactsOf({ ...t, order: t.order ?? answer.id, timestamp: t.timestamp ?? answer.timestamp, side: answer.side }, quote), now);
    this.checkOverfills();
    this.tracker.order(answer, now);
  }

  private async onSubmitError(order: VenueOrderRequest, error: unknown): Promise<void> {
    const name = (error as Error).name;
    const now = this.clock.venueNowNs();
    this.log(`${this.name}: createOrder ${order.clientOrderId} failed: ${this.redactError(error)}`);
    const unknownOutcome = name === 'NetworkError' || name === 'RequestTimeout' || name === 'ExchangeNotAvailable' || name === 'RateLimitExceeded' || name === 'DDoSProtection' || name === 'InvalidNonce';
    if (!unknownOutcome) {
      this.noteRejectMessage(order.clientOrderId, this.redactError(error));
      this.tracker.rejected(order.clientOrderId, RejectReason.INVALID, now, now);
      return;
    }
    this.tracker.uncertain(order.clientOrderId);
    for (let check = 1; check <= this.config.lostOrderChecks; check++) {
      if (await this.reconcileOrder(order.clientOrderId, order.instrument)) return;
      await new Promise((r) => setTimeout(r, 200 * check));
    }
    this.log(`${this.name}: ${order.clientOrderId} not found at the venue after ${this.config.lostOrderChecks} checks: lost before the venue (REJECT), not re-sent`);
    this.noteRejectMessage(order.clientOrderId, `not found at the venue after ${this.config.lostOrderChecks} checks: lost before the venue`);
    this.tracker.rejected(order.clientOrderId, RejectReason.UNKNOWN_ORDER, now, now);
  }

  /** Asks the venue for an order by client order id and applies what it says; false when it does not know it. */
  private async reconcileOrder(clientOrderId: string, instrument: number): Promise<boolean> {
    const symbol = this.symbols.symbolOf(instrument);
    try {
      const o: CcxtOrder = this.profile.ids.order(await this.queue.run(`fetchOrder ${clientOrderId}`, () => this.profile.fetchOrderByClientId(this.exchange, symbol, clientOrderId, this.venueOrderUuid(clientOrderId))));
      if (o.id) this.venueOrderIds.set(clientOrderId, Number(o.id));
      // An order an earlier process sent (e.g. cancelled by this one) is recovered first, its journaled fills counted.
      if (o.id && !this.tracker.has(clientOrderId)) await this.recoverVenueOrder(instrument, Number(o.id), { ...o, clientOrderId });
      this.tracker.order({ ...o, clientOrderId, status: 'open' }, this.clock.venueNowNs());
      await this.backfillFills(instrument, Number(o.id));
      this.tracker.order({ ...o, clientOrderId }, this.clock.venueNowNs());
      return true;
    } catch (error) {
      if ((error as Error).name === 'OrderNotFound') return false;
      this.log(`${this.name}: reconcile of ${clientOrderId} failed: ${this.redactError(error)}`);
      return false;
    }
  }

  private async backfillFills(instrument: number, venueOrderId: number): Promise<void> {
    const symbol = this.symbols.symbolOf(instrument);
    const trades: CcxtTrade[] = await this.queue.run(`fetchMyTrades ${symbol}`, () => this.profile.fetchOrderFills(this.exchange, symbol, this.profile.ids.venue(String(venueOrderId))));
    this.onFills(trades, true);
  }

  /**
   * Streamed fills the tracker held back (they would have filled their order past its
   * quantity): logged, and the order's fills asked from the venue's REST record, which counts
   * those it lists (a trade it does not list is never counted).
   */
  private checkOverfills(): void {
    for (const o of this.tracker.takeOverfills()) {
      this.log(`${this.name}: order ${o.clientOrderId}: a fill report (trade ${o.tradeId}, ${o.amount}) would fill it past its quantity (${o.filled} of ${o.qty} filled): not counted; asking the venue for the order's fills`);
      this.track(this.backfillFills(o.instrument, o.venueOrderId));
    }
  }

  /** Orders with a fill backfill under way -> whether an update asked for another pass meanwhile. */
  private readonly fillBackfills = new Map<string, boolean>();

  /** One backfill at a time per order (updates arriving meanwhile ask for one more pass), not one per update. */
  private backfillFillsIfNeeded(): void {
    for (const m of this.tracker.missingFills()) {
      this.venueOrderIds.set(m.clientOrderId, m.venueOrderId);
      if (this.fillBackfills.has(m.clientOrderId)) { this.fillBackfills.set(m.clientOrderId, true); continue; }
      this.fillBackfills.set(m.clientOrderId, false);
      const passes = async (): Promise<void> => {
        await new Promise((r) => setTimeout(r, 50));
        do {
          this.fillBackfills.set(m.clientOrderId, false);
          if (!this.tracker.missingFills().some((x) => x.clientOrderId === m.clientOrderId)) break;
          await this.backfillFills(m.instrument, m.venueOrderId);
        } while (this.fillBackfills.get(m.clientOrderId));
      };
      this.track(passes().finally(() => this.fillBackfills.delete(m.clientOrderId)));
    }
  }

  /**
   * Fills from the stream or REST, counted in venue time then trade-id order (assigned fill ids
   * follow it). After a restart (a journal given), a fill of an order the tracker does not know
   * may be of an order an earlier process sent: that order is recovered (once; its journaled
   * fills counted as seen), then the fill counted, so it is emitted now, once.
   */
  private onFills(trades: readonly CcxtTrade[], verified = false): void {
    const now = this.clock.venueNowNs();
    const facts: { f: FillFacts; instrument: number }[] = [];
    for (const t of trades) {
      const instrument = this.symbols.instrumentOf(t.symbol);
      if (instrument === null) continue;
      facts.push({ f: fillFactsOf(this.profile.ids.trade(t), t.symbol!.split('/')[1]), instrument });
    }
    const unknown = new Map<number, { instrument: number; fills: FillFacts[] }>();
    for (const { f, instrument } of facts.sort((a, b) => byTimeThenTradeId(a.f, b.f))) {
      if (this.journaled !== undefined && !this.tracker.hasVenueOrder(f.venueOrderId)) {
        const u = unknown.get(f.venueOrderId);
        if (u) u.fills.push(f); else unknown.set(f.venueOrderId, { instrument, fills: [f] });
        continue;
      }
      this.tracker.fill(f, now, undefined, verified);
    }
    this.checkOverfills();
    for (const [venueOrderId, { instrument, fills }] of unknown) {
      this.track(this.recoverVenueOrder(instrument, venueOrderId).then((ours) => {
        if (!ours) return;
        for (const f of fills) this.tracker.fill(f, this.clock.venueNowNs(), undefined, verified);
        this.checkOverfills();
        this.backfillFillsIfNeeded();
      }));
    }
  }

  /** After the user stream came back: every unsettled order and its fills, from REST. */
  private async reconcileAll(): Promise<void> {
    for (const { clientOrderId, instrument } of this.tracker.unsettled()) await this.reconcileOrder(clientOrderId, instrument);
  }

  // ---- market data (push) -------------------------------------------------------------------

  /** Starts a market stream; its records reach the record listener with sourceSeq = the adapter's market sequence. */
  subscribeMarket(sub: MarketSubscription): void {
    const symbol = this.symbols.symbolOf(sub.instrument);
    const ex = this.exchange;
    const stream = `${sub.channel}:${symbol}`;
    if (sub.channel === 'trades') {
      const seq = new TradeSequence();
      this.tradeSeq.set(sub.instrument, seq);
      this.startLoop(stream, () => ex.watchTrades(symbol), (trades: CcxtTrade[]) => this.onTrades(sub.instrument, symbol, seq, trades), false);
    } else if (sub.channel === 'ticker') {
      // Binance: watchTicker goes through watchTickers, whose default stream (miniTicker) has no bid / ask; `name: 'ticker'` asks for the one that has.
      this.startLoop(stream, () => ex.watchTicker(symbol, this.config.exchange === 'binance' ? { name: 'ticker' } : {}), (ticker: CcxtTicker) => {
        if (ticker.bid === undefined || ticker.ask === undefined) return;
        if (typeof ticker.bid === 'number' && typeof ticker.ask === 'number' && ticker.bid > ticker.ask) {
          this.feedSignalListener?.({ kind: 'book', instrument: sub.instrument, bid: ticker.bid, ask: ticker.ask, exchangeNs: Number.isFinite(ticker.timestamp) ? BigInt(Math.trunc(ticker.timestamp!)) * 1_000_000n : this.clock.venueNowNs() });
          return;
        }
        this.emitMarket((v, at) => writeQuoteRecord(v, at, ticker, sub.instrument, this.clock.venueNowNs()));
      }, false);
    } else {
      const timeframe = sub.timeframe ?? '1m';
      const ms = TIMEFRAME_MS[timeframe];
      if (!ms) throw new Error(`subscribeMarket: \`timeframe\` must be one of ${Object.keys(TIMEFRAME_MS).join(', ')}, was ${timeframe}`);
      const bars = new BarSequence(ms);
      let current: CcxtOhlcv | null = null;
      // Without a candle stream in ccxt pro (Coinbase), bars are polled over REST every healthCheckMs:
      // from the bar being built on (the first poll: the venue's last 300 bars); repeats are dropped below.
      const watchBars = this.profile.streamsOHLCV ? () => ex.watchOHLCV(symbol, timeframe)
        : () => new Promise((r) => setTimeout(r, this.config.healthCheckMs)).then(() => this.queue.run(`fetchOHLCV ${symbol}`, () => ex.fetchOHLCV(symbol, timeframe, bars.current > 0 ? bars.current : undefined, 300)));
      this.startLoop(stream, watchBars, async (rows: CcxtOhlcv[]) => {
        for (const row of rows) {
          if (current && row[0] === current[0]) { current = row; continue; }
          const verdict = bars.advance(row[0]);
          if (verdict.kind === 'repeat') continue;
          if (current) { const closed = current; this.emitMarket((v, at) => writeBarRecord(v, at, closed, sub.instrument, ms)); }
          if (verdict.kind === 'gap') {
            this.health(stream, 'gap', `bars ${new Date(verdict.from).toISOString()}..${new Date(verdict.to).toISOString()} missing; backfilled over REST`);
            this.feedSignalListener?.({ kind: 'gap', instrument: sub.instrument, channel: 'bars', missed: (verdict.to - verdict.from) / ms + 1 });
            const missing: CcxtOhlcv[] = await this.queue.run(`fetchOHLCV ${symbol}`, () => ex.fetchOHLCV(symbol, timeframe, verdict.from, 1000));
            for (const m of missing) if (m[0] >= verdict.from && m[0] <= verdict.to) this.emitMarket((v, at) => writeBarRecord(v, at, m, sub.instrument, ms));
          }
          current = row;
        }
      }, false);
    }
  }

  private async onTrades(instrument: number, symbol: string, seq: TradeSequence, trades: readonly CcxtTrade[]): Promise<void> {
    for (const t of trades) {
      const id = Number(t.id);
      const verdict = seq.accept(id);
      if (verdict.kind === 'repeat') continue;
      if (verdict.kind === 'gap') {
        this.health(`trades:${symbol}`, 'gap', `trade ids ${verdict.from}..${verdict.to} missing; backfilled over REST`);
        this.feedSignalListener?.({ kind: 'gap', instrument, channel: 'trades', missed: verdict.to - verdict.from + 1 });
        await this.backfillTrades(instrument, symbol, verdict.from, verdict.to);
      }
      this.lastPrice.set(instrument, t.price ?? 0);
      if (t.timestamp !== undefined) this.lastTradeMs.set(instrument, t.timestamp);
      this.emitMarket((v, at) => writeTradeRecord(v, at, t, instrument, this.clock.venueNowNs()));
    }
  }

  private async backfillTrades(instrument: number, symbol: string, from: number, to: number): Promise<void> {
    for (let next = from; next <= to;) {
      const page: CcxtTrade[] = await this.queue.run(`fetchTrades ${symbol}`, () => this.profile.fetchTradesFrom(this.exchange, symbol, next, Math.min(1000, to - next + 1), this.lastTradeMs.get(instrument) ?? null));
      if (page.length === 0) break;
      for (const t of page) {
        const id = Number(t.id);
        if (id < next || id > to) continue;
        this.emitMarket((v, at) => writeTradeRecord(v, at, t, instrument, this.clock.venueNowNs()));
        next = id + 1;
      }
    }
  }

  // ---- streams: reconnect, health -----------------------------------------------------------

  private startLoop<T>(stream: string, watch: () => Promise<T>, handle: (value: T) => void | Promise<void>, user: boolean): void {
    const backoff = new Backoff({ initialMs: this.config.reconnect.initialMs, maxMs: this.config.reconnect.maxMs, seed: this.config.reconnect.seed + this.loops.length });
    this.lastMessageAt.set(stream, this.config.localNowMs());
    const loop = (async () => {
      // A failure since the stream last delivered (or, user streams, had their subscription confirmed).
      let failed = false;
      const reconnected = (how: string) => {
        failed = false;
        this.reconnects++;
        this.health(stream, 'reconnected', `after ${backoff.attempts} attempt(s); ${how}`);
        backoff.reset();
        // One stream back while another (a bar stream in its backoff) is not: the session stays disconnected.
        this.down.delete(stream);
        if (this.down.size === 0) this.reconnectListener?.();
      };
      while (!this.closed) {
        try {
          // The user stream is quiet while nothing trades: back once the venue confirmed its subscription (then reconciled).
          if (failed && user) { await this.profile.userStreamReady(this.exchange); await this.reconcileAll(); }
          // Closed while it reconnected: a watch now would open a client after close() closed them.
          if (this.closed) return;
          if (failed && user) reconnected('subscription confirmed');
          const value = await watch();
          this.lastMessageAt.set(stream, this.config.localNowMs());
          // A market stream is back when it delivers again, not when a watch is merely asked for (an outage refusing connections).
          if (failed) reconnected('first message');
          if (this.stale.delete(stream)) this.health(stream, 'fresh', 'messages again');
          await handle(value);
        } catch (error) {
          if (this.closed) return;
          failed = true;
          this.down.add(stream);
          const reason = this.redactError(error);
          if (backoff.attempts >= this.config.reconnect.maxAttempts) { this.log(`${this.name}: ${stream} gave up after ${backoff.attempts} reconnects: ${reason}`); return; }
          const delay = backoff.next();
          this.health(stream, 'reconnecting', `${reason}; retry in ${delay} ms`);
          this.disconnectListener?.(`${stream}: ${reason}`);
          await this.pause(delay);
        }
      }
    })();
    this.loops.push(loop);
  }

  private checkHealth(): void {
    const now = this.config.localNowMs();
    for (const [stream, at] of this.lastMessageAt) {
      // Only a trade stream has a REST fallback here. The user stream is quiet when nothing trades;
      // bar and ticker streams are judged by the session's feed health (live.feedHealth, a bar
      // stream by its timeframe), which a 'stale … polling REST' line of the adapter contradicted.
      if (!stream.startsWith('trades:')) continue;
      if (now - at < this.config.staleAfterMs) continue;
      if (!this.stale.has(stream)) { this.stale.add(stream); this.health(stream, 'stale', `no message for ${now - at} ms (limit ${this.config.staleAfterMs} ms); polling REST`); }
      this.track(this.pollTrades(stream.slice('trades:'.length)));
    }
  }

  /** REST fallback of a stale trade stream: the trades after the last id seen, through the same sequence check. */
  private async pollTrades(symbol: string): Promise<void> {
    const instrument = this.symbols.instrumentOf(symbol)!;
    const seq = this.tradeSeq.get(instrument)!;
    if (seq.last === 0) return;
    const page: CcxtTrade[] = await this.queue.run(`fetchTrades ${symbol}`, () => this.profile.fetchTradesFrom(this.exchange, symbol, seq.last + 1, 1000, this.lastTradeMs.get(instrument) ?? null));
    await this.onTrades(instrument, symbol, seq, page);
  }

  /** Order updates from the user stream (ccxt's watchOrders, or each message through the profile's hook). */
  private onOrderUpdates(orders: readonly CcxtOrder[]): void {
    const t = this.clock.venueNowNs();
    for (const venueOrder of orders) {
      const o = this.profile.ids.order(venueOrder);
      // An order of ours an earlier process sent is recovered first (its journaled fills counted), then updated.
      const instrument = this.symbols.instrumentOf(o.symbol);
      if (o.clientOrderId && o.id && instrument !== null && !this.tracker.has(o.clientOrderId) && this.ownOrders.of(o.clientOrderId) !== null) {
        // Recovered from the venue's REST view of it (Coinbase: ccxt's user-channel order carries the filled quantity as its amount).
        this.track(this.recoverVenueOrder(instrument, Number(o.id)).then((ours) => {
          if (!ours) return;
          this.tracker.order(o, this.clock.venueNowNs());
          this.backfillFillsIfNeeded();
        }));
        continue;
      }
      this.tracker.order(o, t);
    }
    this.backfillFillsIfNeeded();
  }

  /** A jump in a WebSocket connection's message sequence numbers: user messages were lost (reconcile), market messages are caught by the trade-id check. */
  private onStreamGap(gap: StreamGap): void {
    this.health(`ws:${gap.channel}`, 'gap', `sequence_num ${gap.from}..${gap.to} missing${gap.channel === 'user' ? '; orders reconciled over REST' : ''}`);
    if (gap.channel === 'user' && !this.config.marketOnly) this.track(this.reconcileAll());
  }

  private health(stream: string, condition: FeedHealthEvent['condition'], detail: string): void {
    this.log(`${this.name}: feed ${stream} ${condition}: ${detail}`);
    this.healthListener?.({ stream, condition, detail });
  }

  // ---- records ------------------------------------------------------------------------------

  private emitEvent(write: (view: DataView, at: number) => void): void { this.deliver(write, 0n); }

  private emitMarket(write: (view: DataView, at: number) => void): void { this.deliver(write, ++this.marketSeq); }

  private deliver(write: (view: DataView, at: number) => void, seq: bigint): void {
    write(this.scratch, 0);
    // A fresh copy per record: the listener may keep it (the session journals it).
    this.listener?.(new Uint8Array(this.scratch.buffer.slice(0)), seq);
  }

  private track(job: Promise<unknown>): void {
    const p = job.catch((error) => this.log(`${this.name}: background task failed: ${this.redactError(error)}`)).finally(() => this.background.delete(p));
    this.background.add(p);
  }

  private redactError(error: unknown): string {
    const e = error as Error;
    return `${e?.name ?? 'Error'}: ${String(e?.message ?? error).split('\n')[0].slice(0, 400)}`;
  }
}
