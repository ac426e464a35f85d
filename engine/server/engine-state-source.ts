// EngineStateSource: a StateSource fed by an EngineHost run (backtest, paper or live).
//   - fills and orders come from the outbound drain's listeners (onOrder, onOrderChange,
//     onVenueReport, onRoundTrip, onRiskRecord): pass `listeners()` to EngineHost.start (merged
//     with the host's own by mergeOutboundListeners). A listener only appends to a queue. Each
//     order carries the rule of its ORDER record (STRATEGY, STOP, TRAILING_STOP, ...) and each
//     fill its order's: the simulated venue's reports (paper) and the live session's inbound
//     venue replies (engine/live inboundVenueReply) both land in onVenueReport.
//   - state (account, positions: realised and unrealised P&L as the core computes them, so
//     equity - starting cash = realizedPnl + unrealizedPnl) and risk are read from the block the
//     core publishes under a seqlock at batch boundaries (EngineHost.consistentState(), so a frame never mixes two
//     batches), and regime from the pipeline snapshot, at most every `throttleMs` (default 50 ms)
//     and only after the drain handed over something new.
//   - when: right after a drain that handed records over (setImmediate, so the engine's batch is
//     done and its output taken), not at a timer's arbitrary moment. The fan-out's socket writes
//     (uWS sends to every client at the end of that event-loop turn) then fall in the gap before
//     the engine's next input instead of on top of it, where an intent published meanwhile would
//     wait behind them. The timer (every `throttleMs`) publishes only when no drain handed
//     anything over for a whole period: the engine is quiet, and what is pending still goes out.
//     Neither publishes while the engine has inbound records it has not finished (up to 5 ms
//     since the last publish; looked at again every millisecond): the scheduler wakes the
//     engine thread on the CPU of the I/O thread that published them, so socket writes then
//     would delay it.
//   - signals (each instrument's last decision: the five experts' scores, confidences and blended
//     weights, the fused signal, the target, why no order) and the feeds part of health (each
//     instrument's feed condition mask and policy action) come from the second block the core
//     publishes under a seqlock at batch boundaries (engine/snapshot readConsistentSignals): a
//     signals delta when an instrument's decision ts (or order outcome) moved, a health delta
//     when a feed changed (and at most every `latencyEveryMs` for the ring and counter figures).
//   - latency: the host's per-stage histograms (EngineHost.latency), published on the same timer
//     at most every `latencyEveryMs` (default 1000) and only when a stage recorded something:
//     coalesced snapshots, never one frame per record.
// Deltas go to the server synchronously from the timer; sending never waits on a client, so the
// engine thread and the drain never wait for watchers.
import type { EngineHost, OutboundListeners } from '../threads/index.js';
import { EV_TS_LOCAL } from '../layout/event-record.js';
import { readRiskAccount } from '../pipeline/index.js';
import { readConsistentSignals, type ConsistentInstrumentSignals } from '../snapshot/index.js';
import { readRiskLimit, riskConfigured, riskReasonName } from '../risk/index.js';
import { OrderRule, OrderState, RECONCILED_REASON, orderRuleName, type CancelCommandRecord, type OrderCommandRecord, type ReplaceCommandRecord } from '../orders/index.js';
import type { VenueOrderStatus, VenueReply } from '../venue/index.js';
import type { RoundTrip } from '../portfolio/index.js';
import type { RiskRecord } from '../risk/index.js';
import {
  FEED_ACTION_BY_CODE, FEED_CONDITION_BY_CODE, ORDER_TYPE_BY_CODE, TIME_IN_FORCE_BY_CODE,
  type EngineModeName, type FeedHealthView, type HealthView, type SignalView, type SignalsView, type FillViewData, type LatencyView, type ModelsView, type OrderStatusName, type OrderViewData, type PositionView, type RegimeView, type RiskView, type StateView,
  type TopicName, type TopicPayloads,
} from '../client/index.js';
import type { DeltaListener, SourceHealth, StateSource, TopicDelta } from './state-source.js';

/** The health reason once the source is detached: the engine no longer runs. */
const RUN_OVER = 'the run is over: the engine stopped and trades no more (the topics hold its final state)';

export interface EngineStateSourceOptions {
  /**
   * The run's instruments (id and symbol), as the pipeline numbers them; with the bar timeframe
   * its strategy runs on (seconds) when known, for the signals and regime topics (0 otherwise).
   */
  instruments: readonly { instrument: number; symbol: string; timeframeSeconds?: number }[];
  mode: EngineModeName;
  /** Least time between two state reads, ms. Default 50. */
  throttleMs?: number;
  /** Fills the source keeps for its own snapshot (the server keeps its backlog too). Default 1000. */
  recentFills?: number;
  /** Starting cash, for the state before the first read. */
  startingCash?: number;
  /** Least time between two latency frames, ms. Default 1000. */
  latencyEveryMs?: number;
  /**
   * Whether health() says a tripped kill switch (the core's flag, as the risk topic has it):
   * degraded, with its reason. Default true; false for a watcher that says it itself (a live
   * session's monitor: the journaled who and why).
   */
  killSwitchHealth?: boolean;
}

const RULE_CODES = new Set<number>(Object.values(OrderRule));
/** A publish waits at most this long (since the last one) for the engine to finish its pending input, ms (publishUnlessEngineBusy). */
const MAX_HOLD_MS = 5;

/** The name of an ORDER record's rule (engine/orders OrderRuleName); '' for a code the table does not know (a watcher never throws). */
function ruleName(code: number): string {
  return RULE_CODES.has(code) ? orderRuleName(code) : '';
}

/** Calls every listener set's handler for each outbound record (for EngineHost.start). */
export function mergeOutboundListeners(...sets: readonly OutboundListeners[]): OutboundListeners {
  const merged: Record<string, (...args: never[]) => void> = {};
  const keys = new Set(sets.flatMap((set) => Object.keys(set))) as Set<keyof OutboundListeners>;
  for (const key of keys) {
    const handlers = sets.map((set) => set[key]).filter((handler): handler is NonNullable<typeof handler> => typeof handler === 'function') as ((...args: never[]) => void)[];
    merged[key] = handlers.length === 1 ? handlers[0] : (...args: never[]) => {
      for (const handler of handlers) handler(...args);
    };
  }
  return merged as OutboundListeners;
}

/** A risk reason code's name ('' for NO_ORDER, `#code` for a code the table does not know: never a throw on the I/O thread). */
function reasonName(code: number): string {
  if (code < 0) return '';
  try {
    return riskReasonName(code);
  } catch {
    return `#${code}`;
  }
}

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

export class EngineStateSource implements StateSource {
  private readonly deltaListeners = new Set<DeltaListener>();
  private readonly throttleMs: number;
  private readonly recentFillsLimit: number;
  private readonly symbols = new Map<number, string>();
  /** Each instrument's configured strategy name (nameStrategies), for the signals topic. */
  private strategyNames: readonly (string | undefined)[] = [];
  private readonly timeframes = new Map<number, number>();
  private host: EngineHost | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The tick queued right after a drain that handed something over (at most one). */
  private afterDrain: NodeJS.Immediate | null = null;
  /** A drain handed something over that no publish has sent yet (a held publish's retry may have sent it before the drain's own tick runs). */
  private unpublished = false;
  /** A held publish's next look (publishUnlessEngineBusy). */
  private held: NodeJS.Timeout | null = null;
  /** Date.now() at the last drain that handed something over, and at the last publish. */
  private lastDrainMs = 0;
  private lastPublishMs = 0;
  private dirty = false;
  private lastRead = 0;
  private engineTimeNs = 0n;
  private readonly pendingFills: FillViewData[] = [];
  private readonly recentFills: FillViewData[] = [];
  private readonly orders = new Map<bigint, OrderViewData>();
  private readonly changedOrders = new Set<bigint>();
  private deniedOrders = 0n;
  private pausedStrategies: readonly string[] = [];
  private maxDrawdown = 0;
  private state: StateView;
  private risk: RiskView | null = null;
  private regime: RegimeView | null = null;
  private stateKey = '';
  private regimeKey = '';
  private riskKey = '';
  private models: ModelsView | null = null;
  private degradedReasons: readonly string[] = [];
  private latencyView: LatencyView | null = null;
  private signals: SignalsView | null = null;
  private signalsKey = '';
  private healthPayload: HealthView | null = null;
  private feedsKey = '';
  private lastHealth = 0;
  private readonly startedMs = Date.now();
  private latencyVersion = -1;
  private lastLatency = 0;

  constructor(private readonly options: EngineStateSourceOptions) {
    this.throttleMs = options.throttleMs ?? 50;
    if (!Number.isFinite(this.throttleMs) || this.throttleMs < 1) throw new RangeError(`\`throttleMs\` must be >= 1, was ${options.throttleMs}`);
    this.recentFillsLimit = options.recentFills ?? 1000;
    for (const { instrument, symbol, timeframeSeconds } of options.instruments) {
      this.symbols.set(instrument, symbol);
      if (timeframeSeconds !== undefined) this.timeframes.set(instrument, timeframeSeconds);
    }
    const cash = options.startingCash ?? 0;
    this.state = { mode: options.mode, equity: cash, cash, equityHighWaterMark: cash, realizedPnl: 0, unrealizedPnl: 0, positions: [] };
  }

  /** The outbound listeners that feed this source (pass to EngineHost.start, merged with the host's own). */
  listeners(): OutboundListeners {
    return {
      onOrder: (order) => { this.onOrder(order); this.handedOver(); },
      onOrderChange: (change) => { this.onOrderChange(change); this.handedOver(); },
      onVenueReport: (report) => { this.onVenueReport(report); this.handedOver(); },
      onRoundTrip: (trip) => { this.onRoundTrip(trip); this.handedOver(); },
      onRiskRecord: (record) => { this.onRiskRecord(record); this.handedOver(); },
      // Only the bar's close time is read, in place (no EquityRecord decoded per bar).
      onEquityAt: (view, offset) => {
        this.dirty = true;
        const closeNs = view.getBigInt64(offset + EV_TS_LOCAL, true);
        if (closeNs > this.engineTimeNs) this.engineTimeNs = closeNs;
        this.handedOver();
      },
    };
  }

  /** A drain handed a record over: publish right after it (see the header), once per event-loop turn. */
  private handedOver(): void {
    this.unpublished = true;
    if (this.afterDrain === null && this.timer !== null) this.afterDrain = setImmediate(this.tickAfterDrain);
  }

  private readonly tickAfterDrain = (): void => {
    this.afterDrain = null;
    // Once per drain's turn, not per record handed over.
    this.lastDrainMs = Date.now();
    if (this.timer !== null && this.unpublished) this.publishUnlessEngineBusy();
  };

  /** The timer's tick: only when no drain handed anything over for a period (otherwise the next drain publishes). */
  private readonly tickWhenQuiet = (): void => {
    if (Date.now() - this.lastDrainMs >= this.throttleMs) this.publishUnlessEngineBusy();
  };

  /**
   * Publishes, unless the engine has input it has not finished (the I/O thread has just published
   * its next records): the publish would write every client's socket on the CPU the scheduler has
   * just woken the engine thread on (it wakes a thread where the waker runs), and the engine would
   * wait behind it. It is looked at again every millisecond (and after the next drain) and goes
   * out once the engine has taken its input, or MAX_HOLD_MS after the last publish anyway.
   */
  private publishUnlessEngineBusy(): void {
    const now = Date.now();
    if (this.host !== null && this.host.inboundBacklog() > 0 && now - this.lastPublishMs < MAX_HOLD_MS) {
      // Looked at again shortly: the engine may finish without handing anything over.
      this.held ??= setTimeout(this.retryHeld, 1).unref();
      return;
    }
    if (this.held) clearTimeout(this.held);
    this.held = null;
    this.lastPublishMs = now;
    this.unpublished = false;
    this.tick(false);
  }

  private readonly retryHeld = (): void => {
    this.held = null;
    if (this.timer !== null) this.publishUnlessEngineBusy();
  };

  /** Set by detach(): the run is over and the engine stopped; the topics hold its final state. */
  private stopped = false;

  /** Starts reading the host's state after its drains (and on the I/O thread's timer while it is quiet). */
  attach(host: EngineHost): void {
    this.host = host;
    this.stopped = false;
    this.dirty = true;
    this.timer = setInterval(this.tickWhenQuiet, this.throttleMs);
    this.timer.unref();
  }

  /** Publishes everything still queued and reads the state once more (after the run drained), then stops the timer. */
  detach(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.afterDrain) clearImmediate(this.afterDrain);
    this.afterDrain = null;
    if (this.held) clearTimeout(this.held);
    this.held = null;
    this.tick(true);
  }

  /** Publishes what is queued now (reads the state if the throttle allows, or `force`). */
  tick(force: boolean): void {
    const now = Date.now();
    const timeNs = this.engineTimeNs > 0n ? this.engineTimeNs : nowNs();
    if (this.pendingFills.length > 0) {
      const fills = this.pendingFills.splice(0);
      this.emit({ topic: 'fills', payload: { fills }, timeNs });
    }
    if (this.changedOrders.size > 0) {
      const orders = [...this.changedOrders].map((id) => this.orders.get(id)!).filter((order) => order !== undefined);
      this.changedOrders.clear();
      this.emit({ topic: 'orders', payload: { orders }, timeNs });
    }
    if (this.host && (force || (this.dirty && now - this.lastRead >= this.throttleMs))) {
      this.dirty = false;
      this.lastRead = now;
      this.readEngine(timeNs, force);
    }
    if (this.host && this.host.latency.version !== this.latencyVersion && (force || now - this.lastLatency >= (this.options.latencyEveryMs ?? 1000))) {
      this.latencyVersion = this.host.latency.version;
      this.lastLatency = now;
      this.latencyView = this.host.latency.view();
      this.emit({ topic: 'latency', payload: this.latencyView, timeNs });
    }
  }

  /** The host's per-stage latency now (for /metrics); null before an engine is attached. */
  latency(): LatencyView | null {
    return this.host ? this.host.latency.view() : null;
  }

  /** Publishes the ML expert's model status (topic `models`) now: on each prediction and each alert. */
  publishModels(view: ModelsView): void {
    this.models = view;
    this.emit({ topic: 'models', payload: view, timeNs: this.engineTimeNs > 0n ? this.engineTimeNs : nowNs() });
  }

  /** The strategies an operator has paused (the session's control path, once the core applied it): the next read publishes them on `risk`. */
  setPausedStrategies(names: readonly string[]): void {
    this.pausedStrategies = [...names].sort();
    this.dirty = true;
  }

  /** What runs degraded (e.g. the model is absent): /health lists it and stays ready. */
  setDegraded(reasons: readonly string[]): void {
    this.degradedReasons = [...reasons];
  }

  snapshot<T extends TopicName>(topic: T): TopicPayloads[T] | null {
    const payload: Partial<TopicPayloads> = {
      ...(this.models ? { models: this.models } : {}),
      state: this.state,
      fills: { fills: [...this.recentFills] },
      orders: { orders: [...this.orders.values()] },
      ...(this.risk ? { risk: this.risk } : {}),
      ...(this.regime ? { regime: this.regime } : {}),
      ...(this.latencyView ? { latency: this.latencyView } : {}),
      ...(this.signals ? { signals: this.signals } : {}),
      ...(this.healthPayload ? { health: this.healthPayload } : {}),
    };
    return (payload[topic] as TopicPayloads[T] | undefined) ?? null;
  }

  onDelta(listener: DeltaListener): () => void {
    this.deltaListeners.add(listener);
    return () => this.deltaListeners.delete(listener);
  }

  counters(): Readonly<Record<string, number>> {
    if (!this.host) return {};
    const counters = this.host.counters();
    const pipeline = this.host.pipelineMap ? this.host.pipelineCounters() : null;
    return {
      events_processed: counters.eventsProcessed,
      bars_processed: counters.barsProcessed,
      events_rejected: counters.eventsRejected,
      progress_dropped: counters.progressDropped,
      ...(pipeline ? { orders_accepted: pipeline.ordersAccepted, fills: pipeline.fills, stage_errors: pipeline.stageErrors, outbound_waits: pipeline.outboundWaits } : {}),
    };
  }

  health(): SourceHealth {
    if (!this.host) return { ready: false, reasons: ['no engine attached yet', ...this.degradedReasons] };
    try {
      this.host.checkHealthy();
    } catch (error) {
      return { ready: false, reasons: [`engine thread failed: ${(error as Error).message}`, ...this.degradedReasons] };
    }
    // The server still serves the final state (the dashboard after a paper run): ready, but not trading, and it says so.
    // A tripped kill switch halts new exposure: the session runs degraded until an operator resets it.
    const halted = this.options.killSwitchHealth !== false && this.risk?.killSwitchTripped === true
      ? [`degraded: the kill switch is tripped (${this.risk.killSwitchReason || 'no reason recorded'}); no new exposure`] : [];
    if (this.stopped) return { ready: true, reasons: [RUN_OVER, ...this.degradedReasons, ...halted] };
    return { ready: true, reasons: [...this.degradedReasons, ...halted] };
  }

  /**
   * Hands a delta to the server. The engine's records published meanwhile are drained first:
   * the fan-out of a burst of topics to many clients takes the I/O thread for a while, and the
   * records (intents, fills) must not wait behind all of it (nothing when called from the drain).
   */
  private emit(delta: TopicDelta): void {
    this.host?.drainOutbound();
    for (const listener of this.deltaListeners) listener(delta);
  }

  private symbol(instrument: number): string {
    return this.symbols.get(instrument) ?? `#${instrument}`;
  }

  private onOrder(order: OrderCommandRecord): void {
    if (order.tsNs > this.engineTimeNs) this.engineTimeNs = order.tsNs;
    this.orders.set(order.orderId, {
      orderId: order.orderId, clientOrderId: order.orderId.toString(), venueOrderId: '', instrumentId: order.instrument, symbol: this.symbol(order.instrument),
      side: order.qty >= 0 ? 'buy' : 'sell', orderType: ORDER_TYPE_BY_CODE[order.orderType] ?? 'market', timeInForce: TIME_IN_FORCE_BY_CODE[order.timeInForce] ?? 'gtc',
      status: 'pending-submit', quantity: Math.abs(order.qty), filledQuantity: 0, limitPrice: order.limitPrice || null, stopPrice: order.stopPrice || null,
      averageFillPrice: null, updatedTimeNs: order.tsNs, rule: ruleName(order.rule), statusReason: '',
    });
    this.changedOrders.add(order.orderId);
    this.trimOrders();
  }

  private onOrderChange(change: CancelCommandRecord | ReplaceCommandRecord): void {
    const order = this.orders.get(change.orderId);
    if (!order) return;
    const status: OrderStatusName = change.record === 'cancel' ? 'pending-cancel' : 'pending-replace';
    this.orders.set(change.orderId, { ...order, status, updatedTimeNs: change.tsNs });
    this.changedOrders.add(change.orderId);
  }

  private onVenueReport(report: VenueReply): void {
    if (report.venueNs > this.engineTimeNs) this.engineTimeNs = report.venueNs;
    this.dirty = true;
    const order = this.orders.get(report.clientId);
    if (report.type === 'fill') {
      const fill: FillViewData = {
        orderId: report.clientId, clientOrderId: report.clientId.toString(), venueOrderId: '', tradeId: String(report.fillId), instrumentId: report.instrument,
        side: report.qty >= 0 ? 'buy' : 'sell', price: report.price, quantity: Math.abs(report.qty), fee: report.fee, feeCurrency: '',
        liquidity: report.maker ? 'maker' : 'taker', timeNs: report.venueNs, rule: order?.rule ?? '',
      };
      this.pendingFills.push(fill);
      this.recentFills.push(fill);
      if (this.recentFills.length > this.recentFillsLimit) this.recentFills.splice(0, this.recentFills.length - this.recentFillsLimit);
    }
    if (!order) return;
    let next: OrderViewData;
    switch (report.type) {
      case 'ack':
        next = { ...order, status: order.filledQuantity > 0 ? 'partially-filled' : 'accepted' };
        break;
      case 'fill': {
        const filled = order.filledQuantity + Math.abs(report.qty);
        const average = ((order.averageFillPrice ?? 0) * order.filledQuantity + report.price * Math.abs(report.qty)) / filled;
        next = { ...order, filledQuantity: filled, averageFillPrice: average, status: filled + 1e-12 >= order.quantity ? 'filled' : 'partially-filled' };
        break;
      }
      case 'canceled': next = { ...order, status: 'canceled', statusReason: report.reason }; break;
      case 'reject': next = report.of === 'order' ? { ...order, status: 'rejected', statusReason: report.reason } : order; break;
      case 'expired': next = { ...order, status: 'expired', statusReason: report.reason }; break;
      case 'status': next = withVenueStatus(order, report); break;
    }
    this.orders.set(report.clientId, { ...next, updatedTimeNs: report.venueNs });
    this.changedOrders.add(report.clientId);
  }

  private onRoundTrip(_trip: RoundTrip): void {
    // Realised P&L comes from the core's published state (readEngine); a closed trip changed it.
    this.dirty = true;
  }

  private onRiskRecord(record: RiskRecord): void {
    if (record.orderId === 0n) this.deniedOrders += 1n;
    this.dirty = true;
  }

  private trimOrders(): void {
    const limit = 10_000;
    if (this.orders.size <= limit) return;
    for (const [id, order] of this.orders) {
      if (this.orders.size <= limit) break;
      if (order.status === 'filled' || order.status === 'canceled' || order.status === 'rejected' || order.status === 'expired') this.orders.delete(id);
    }
  }

  private readEngine(timeNs: bigint, force: boolean): void {
    const host = this.host!;
    // One seqlock-consistent copy of the account and positions the core published at a batch
    // boundary (engine/snapshot): cash, positions and equity always come from the same moment.
    const consistent = host.consistentState();
    const account = consistent.account;
    const byId = new Map(consistent.instruments.map((entry) => [entry.instrument, entry]));
    const positions: PositionView[] = [];
    let unrealized = 0;
    for (const { instrument, symbol } of this.options.instruments) {
      const entry = byId.get(instrument);
      const quantity = entry?.position ?? 0;
      const open = quantity === 0 ? 0 : entry!.unrealisedPnl;
      const realized = entry?.realisedPnl ?? 0;
      unrealized += open;
      positions.push({
        instrumentId: instrument, symbol, quantity, averagePrice: entry?.avgPrice ?? 0, markPrice: entry?.mark ?? 0,
        unrealizedPnl: open, realizedPnl: realized,
      });
    }
    const gross = account.grossExposure;
    const net = account.netExposure;
    const tripEquity = readRiskAccount(host.memory).tripEquity;
    // The core's figures: equity - starting cash = realised + unrealised (open lots' entry fees in unrealised).
    const realizedPnl = account.realisedPnl;
    const state: StateView = {
      mode: this.options.mode, equity: account.equity, cash: account.cash, equityHighWaterMark: account.highWaterMark, realizedPnl, unrealizedPnl: unrealized, positions,
    };
    const stateKey = JSON.stringify(state);
    if (stateKey !== this.stateKey) {
      this.stateKey = stateKey;
      this.state = state;
      this.emit({ topic: 'state', payload: state, timeNs });
    }
    this.maxDrawdown = Math.max(this.maxDrawdown, account.drawdown);
    const risk: RiskView = {
      killSwitchTripped: account.halted, killSwitchReason: account.halted ? `drawdown trip at equity ${tripEquity.toFixed(2)}` : '', drawdown: account.drawdown,
      maxDrawdown: this.maxDrawdown, grossExposure: gross, netExposure: net, maxGrossExposure: riskConfigured(host.memory) ? readRiskLimit(host.memory, 'maxGrossExposure') : 0, uncertainOrders: [...this.orders.values()].filter((o) => o.status === 'uncertain').length,
      deniedOrders: this.deniedOrders, pausedStrategies: [...this.pausedStrategies],
    };
    const riskKey = JSON.stringify(risk, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    if (riskKey !== this.riskKey) {
      this.riskKey = riskKey;
      this.risk = risk;
      this.emit({ topic: 'risk', payload: risk, timeNs });
    }
    const regimes = host.pipelineSnapshot().flatMap((snapshot) => (snapshot.regime
      ? [{ instrumentId: snapshot.instrument, timeframeSeconds: this.timeframes.get(snapshot.instrument) ?? 0, labels: [], probabilities: snapshot.regime.probabilities, mostLikelyLabel: snapshot.regime.label, timeNs }]
      : []));
    if (regimes.length > 0) {
      const regimeKey = JSON.stringify(regimes.map((r) => [r.instrumentId, r.mostLikelyLabel, r.probabilities]));
      if (regimeKey !== this.regimeKey) {
        this.regimeKey = regimeKey;
        this.regime = { regimes };
        this.emit({ topic: 'regime', payload: this.regime, timeNs });
      }
    }
    this.readSignals(host, timeNs, force);
  }

  /** Signals and feed health from the core's published-signals block (one seqlock-consistent copy). */
  private readSignals(host: EngineHost, timeNs: bigint, force: boolean): void {
    const published = readConsistentSignals(host.memory);
    const signals: SignalView[] = [];
    const feeds: FeedHealthView[] = [];
    for (const entry of published.instruments) {
      if (entry.decision) signals.push(this.signalView(entry));
      const { mask, action, sinceNs } = entry.feed;
      feeds.push({
        instrumentId: entry.instrument, symbol: this.symbol(entry.instrument), conditionMask: mask,
        conditions: FEED_CONDITION_BY_CODE.filter((_, code) => code > 0 && (mask & (1 << code)) !== 0),
        action: FEED_ACTION_BY_CODE[action] ?? 'ok', sinceNs,
      });
    }
    // A delta when a decision ts or its order outcome moved (not on every read).
    const signalsKey = signals.map((s) => `${s.instrumentId}:${s.timeNs}:${s.orderReason}:${s.orderQuantity}`).join(',');
    if (signals.length > 0 && signalsKey !== this.signalsKey) {
      this.signalsKey = signalsKey;
      this.signals = { signals };
      this.emit({ topic: 'signals', payload: this.signals, timeNs });
    }
    const feedsKey = feeds.map((f) => `${f.instrumentId}:${f.conditionMask}:${f.action}:${f.sinceNs}`).join(',');
    const now = Date.now();
    if (feedsKey !== this.feedsKey || force || now - this.lastHealth >= (this.options.latencyEveryMs ?? 1000)) {
      this.feedsKey = feedsKey;
      this.lastHealth = now;
      this.healthPayload = this.healthView(host, feeds);
      this.emit({ topic: 'health', payload: this.healthPayload, timeNs });
    }
  }

  /**
   * Names each instrument's strategy (`strategies[].name`, by instrument id; the pipeline's
   * strategyOf): the signals topic says which configured strategy decided, the name a
   * pause-strategy control takes. Without it a signal names only its kind (rules or fusion).
   */
  nameStrategies(strategyOf: readonly (string | undefined)[]): void {
    this.strategyNames = [...strategyOf];
  }

  private signalView(entry: ConsistentInstrumentSignals): SignalView {
    const d = entry.decision!;
    return {
      instrumentId: entry.instrument, strategy: this.strategyNames[entry.instrument] ?? (d.fusion ? 'fusion' : 'rules'), timeframeSeconds: this.timeframes.get(entry.instrument) ?? 0, score: d.signal, targetQuantity: d.quantity, quantiles: [],
      timeNs: d.tsNs, symbol: this.symbol(entry.instrument), fusion: d.fusion, regimeProbabilities: [...d.regimeProbabilities],
      experts: d.scores.map((score, c) => ({ score, confidence: d.confidences[c], weight: d.weights[c], present: d.present[c] })),
      confidence: d.confidence, choppyScale: d.choppyScale, direction: d.direction, targetExposure: d.exposure, price: d.price, status: d.status,
      orderReason: d.orderReason, orderReasonName: reasonName(d.orderReason), orderQuantity: d.orderQuantity, orderLimit: d.orderLimit,
    };
  }

  private healthView(host: EngineHost, feeds: FeedHealthView[]): HealthView {
    const ready = this.health();
    const degradedFeeds = feeds.filter((f) => f.conditionMask !== 0);
    // The feeds travel in `feeds` (a session monitor may add its own per-feed components).
    const components: HealthView['components'] = [{ name: 'engine', status: ready.ready && !this.stopped ? 'ok' : 'down', detail: ready.reasons.join('; ') || 'running' }];
    // down: the engine thread failed; degraded: a feed is degraded (or halted) or something runs degraded.
    const status = !ready.ready ? 'down' : degradedFeeds.length > 0 || ready.reasons.length > 0 ? 'degraded' : 'ok';
    return {
      status, uptimeSeconds: (Date.now() - this.startedMs) / 1000, eventsProcessed: BigInt(host.counters().eventsProcessed),
      inboundRingFill: host.unconsumed() / host.inbound.capacity, outboundRingFill: host.outbound.available() / host.outbound.capacity, components, feeds,
    };
  }
}

/** Ended by the venue's order status (reconciliation), which gives no reason of its own. */
const STATUS_ENDED: ReadonlyMap<number, OrderStatusName> = new Map([
  [OrderState.CANCELED, 'canceled'], [OrderState.REJECTED, 'rejected'], [OrderState.EXPIRED, 'expired'],
]);

/** An order as the venue's order status (a live session's reconciliation) says it is: its fills, and its final state with the reason 'reconciled'. */
function withVenueStatus(order: OrderViewData, report: VenueOrderStatus): OrderViewData {
  const filledQuantity = Math.abs(report.filled);
  const fills = { filledQuantity, averageFillPrice: report.avgPrice > 0 ? report.avgPrice : order.averageFillPrice };
  const ended = STATUS_ENDED.get(report.state);
  if (ended) return { ...order, ...fills, status: ended, statusReason: RECONCILED_REASON };
  if (report.state === OrderState.FILLED) return { ...order, ...fills, status: 'filled', statusReason: '' };
  if (report.state === OrderState.OPEN || report.state === OrderState.PARTIALLY_FILLED) {
    return { ...order, ...fills, status: filledQuantity > 0 ? 'partially-filled' : 'accepted' };
  }
  return order;
}
