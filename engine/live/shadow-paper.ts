// ShadowPaper: the simulated venue beside a live one on the same feed (issue 15, `--shadow-paper`).
// A second core (an EngineHost over the same pipeline with the core's simulated venue) receives
// every inbound record the live core receives except the live venue's order events (ACK, FILL,
// CANCELED, REJECT, EXPIRED, ORDER_STATUS) and the ML expert's MODEL answers (the shadow trades
// without the expert): market records, TIMERs, FEED_HEALTH. It decides and fills on its own;
// the live session never waits for it:
//
//   live listener  --offer(record)-->  queue (64-byte copies)        [no I/O, no await]
//   operator action --control(a)--->   queued at that point of the records
//   live loop idle --pump()------->    shadow inbound ring (tryClaim: what fits; the rest waits);
//                                      at an action's point: once the shadow core has taken every
//                                      record before it, the action is applied there (parked)
//                                      shadow outbound -> its ORDERs and simulated FILLs
//   end            --finish()----->    publish the rest, wait for the shadow core, drift report
//
// An operator's kill-switch trip or reset, risk-limit change and strategy pause or resume reach
// the shadow at the point of the record stream where the live core took them (a trip when the
// shadow is not tripped, a reset when it is); the live core's own drawdown trip does not (the
// shadow trips on its own equity).
// A restart continues the shadow instead of starting it fresh: `start` with a journal first
// feeds it the journal's records from the session's first start up to where this process
// started, the operator's actions at their journaled points, and the live orders and fills
// from their journaled times (shadow-journal-reader.ts), in bounded steps while the live session
// runs (records offered meanwhile wait behind them). The drift report then covers the journal.
//
// Orders both sides decided are matched by (instrument, decision time, side, n-th such order):
// with the same configuration and the same records, the two cores decide alike until their fills
// differ. The decision price of an order is the newest market price of its instrument at or
// before its decision time (BAR close, TRADE price, QUOTE mid), the same for both sides. Live
// latency is wall time from the live core's order to its first FILL's arrival; shadow latency is
// the simulated venue's (first fill due time - decision time).
import { EngineHost } from '../threads/index.js';
import type { Journal } from '../journal/index.js';
import type { PipelineSpec } from '../pipeline/index.js';
import { readRiskAccount } from '../pipeline/index.js';
import type { OrderCommandRecord } from '../orders/index.js';
import type { VenueReply } from '../venue/index.js';
import { EVENT_BYTES, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_A, EV_B, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../layout/event-record.js';
import { buildDriftReport, type DriftReport, type SideOrder } from './shadow-drift.js';
import { readJournalForShadow, type ShadowControl, type ShadowJournalSink } from './shadow-journal-reader.js';

/** Live venue events: the shadow's own simulated venue answers its orders instead. */
const ORDER_EVENTS = EventKind.ACK | EventKind.FILL | EventKind.CANCELED | EventKind.REJECT | EventKind.EXPIRED | EventKind.ORDER_STATUS;
const MARKET_KINDS = EventKind.BAR | EventKind.TRADE | EventKind.QUOTE;
/** Market prices kept per instrument for decision prices. */
const PRICE_HISTORY = 256;
/** Journal entries read per catch-up step; the next step waits until the shadow holds fewer than this unpublished. */
const CATCH_UP_STEP = 4096;

/** Wall-clock ms (the journal's clock too): live latencies stay comparable across a restart. */
const wallMs = (): number => performance.timeOrigin + performance.now();

/** What a restarted session's shadow took from its journal before the live records. */
export interface ShadowCatchUp {
  readonly records: number;
  readonly controls: number;
  readonly liveOrders: number;
}

export interface ShadowPaperOptions {
  /** Clock of the live side's decision and fill times (ms; default wall clock). */
  readonly nowMs?: () => number;
  /** Catch up with this journal's entries through sequence `through` first (a restart). */
  readonly journal?: { readonly journal: Journal; readonly through: bigint; readonly onCaughtUp?: (catchUp: ShadowCatchUp) => void };
}

/**
 * The shadow's pipeline for a session whose pipeline is `live` (a restart's journaled one): the
 * same instruments, strategies, risk and account start, without the ML expert's MODEL wait, on
 * `simulated`'s venue (the pipeline built with `simulate: true`).
 */
export function shadowPipeline(live: PipelineSpec, simulated: PipelineSpec): PipelineSpec {
  if (!live.execution || !simulated.execution?.venue) throw new Error('shadow paper: the pipelines have no execution stage or no simulated venue');
  return {
    ...live,
    instruments: live.instruments.map(({ model: _model, ...instrument }) => instrument),
    execution: { ...live.execution, venue: simulated.execution.venue },
  };
}

/** The shadow's input in order: 64-byte records and, between them, operator actions. */
class ShadowQueue {
  batch = new Uint8Array(64 * EVENT_BYTES);
  /** Records queued ever, and published ever (the batch holds the ones between). */
  queued = 0;
  published = 0;
  /** Actions at record counts: applied once `published` reaches `at` and the core took them. */
  readonly actions: { at: number; action: ShadowControl }[] = [];

  push(record: Uint8Array): void {
    const held = this.queued - this.published;
    if ((held + 1) * EVENT_BYTES > this.batch.length) {
      const grown = new Uint8Array(this.batch.length * 2);
      grown.set(this.batch.subarray(0, held * EVENT_BYTES));
      this.batch = grown;
    }
    this.batch.set(record.subarray(0, EVENT_BYTES), held * EVENT_BYTES);
    this.queued++;
  }

  /** Drops the first `count` held records (published). */
  shift(count: number): void {
    const held = this.queued - this.published;
    this.batch.copyWithin(0, count * EVENT_BYTES, held * EVENT_BYTES);
    this.published += count;
  }
}

export class ShadowPaper {
  private readonly queue = new ShadowQueue();
  /** While catching up with the journal: the live session's records and actions, in order, queued behind it. */
  private later: ({ record: Uint8Array; atMs: number } | { order: OrderCommandRecord; atMs: number } | { action: ShadowControl })[] | null = null;
  private catchingUp: Promise<void> | null = null;
  /** The operator's action being applied (records wait behind it). */
  private applying: Promise<void> | null = null;
  private failure: Error | null = null;
  private readonly prices = new Map<number, { ts: bigint[]; price: number[] }>();
  readonly live = new Map<bigint, SideOrder>();
  readonly shadow = new Map<bigint, SideOrder>();

  private constructor(private host: EngineHost | undefined, private readonly nowMs: () => number) {}

  /**
   * Starts the shadow core over `pipeline` (the live pipeline with the simulated venue:
   * `simulate: true`); with `options.journal`, it first takes that journal's session (a restart).
   */
  static async start(pipeline: PipelineSpec, options: ShadowPaperOptions = {}): Promise<ShadowPaper> {
    let shadow: ShadowPaper | undefined;
    const host = await EngineHost.start({
      pipeline,
      onOrder: (order) => shadow!.noteShadowOrder(order),
      onVenueReport: (report) => shadow!.noteShadowReport(report),
    });
    shadow = new ShadowPaper(host, options.nowMs ?? wallMs);
    if (options.journal) shadow.startCatchUp(options.journal);
    return shadow;
  }

  /** A record the live core received (after it was handled): kept for the shadow unless it is a live order event or a MODEL answer. */
  offer(record: Uint8Array, atMs: number = this.nowMs()): void {
    if (this.later) this.later.push({ record: record.slice(0, EVENT_BYTES), atMs });
    else this.take(record, atMs);
  }

  /** An operator's action the live core just took (journaled, applied): the shadow applies it after the records offered so far. */
  control(action: ShadowControl): void {
    if (this.later) this.later.push({ action });
    else this.queue.actions.push({ at: this.queue.queued, action });
  }

  /** An order of the live core, when it came out (before it was sent). */
  noteLiveOrder(order: OrderCommandRecord, atMs: number = this.nowMs()): void {
    if (this.later) this.later.push({ order, atMs });
    else this.live.set(order.orderId, this.sideOrder(order, atMs));
  }

  private take(record: Uint8Array, atMs: number): void {
    const kind = new DataView(record.buffer, record.byteOffset, EVENT_BYTES).getInt32(EV_KIND, true) & KIND_MASK;
    if ((kind & ORDER_EVENTS) !== 0) {
      if (kind === EventKind.FILL) this.noteLiveFill(record, atMs);
      return;
    }
    if (kind === EventKind.MODEL) return;
    if ((kind & MARKET_KINDS) !== 0) this.notePrice(record, kind);
    this.queue.push(record);
  }

  /** Publishes what fits of the queue to the shadow core (up to the next action) and reads what it wrote; never waits. */
  pump(): void {
    const host = this.host;
    if (!host) return;
    host.checkHealthy();
    if (this.failure) throw this.failure;
    if (this.applying === null) {
      const queue = this.queue;
      const next = queue.actions[0];
      const upTo = next ? next.at : queue.queued;
      let sent = 0;
      const producer = host.inbound;
      while (queue.published + sent < upTo) {
        const first = producer.tryClaim(1);
        if (first === -1) break;
        new Uint8Array(producer.memory.i32.buffer).set(queue.batch.subarray(sent * EVENT_BYTES, (sent + 1) * EVENT_BYTES), producer.slotOffset(first >>> 0));
        producer.publish((first + 1) >>> 0);
        sent++;
      }
      if (sent > 0) queue.shift(sent);
      if (next && queue.published === next.at) {
        this.applying = this.apply(host, next.action).then(
          () => { queue.actions.shift(); this.applying = null; },
          (error: unknown) => { this.failure = error instanceof Error ? error : new Error(String(error)); this.applying = null; },
        );
      }
    }
    host.drainOutbound();
  }

  /** Publishes the rest, waits until the shadow core has taken every record, stops it, and reports the drift. */
  async finish(): Promise<DriftReport> {
    const host = this.host;
    if (host) {
      await this.catchingUp;
      for (let spins = 0; ; spins++) {
        this.pump();
        const queue = this.queue;
        const done = this.applying === null && queue.actions.length === 0 && queue.published === queue.queued
          && host.counters().eventsProcessed >= queue.published && host.outbound.available() === 0;
        if (done) break;
        if (spins > 200_000) throw new Error('shadow paper: the shadow core stopped consuming');
        await host.waitForOutbound(5);
      }
      await host.drainAndStop();
      host.drainOutbound();
      this.host = undefined;
    }
    return buildDriftReport([...this.live.values()], [...this.shadow.values()]);
  }

  /** Stops the shadow core without a report (the session failed). */
  async stop(): Promise<void> {
    const host = this.host;
    this.host = undefined;
    await this.catchingUp;
    // An action being applied finishes first: it waits on the running core.
    await this.applying;
    if (host) await host.drainAndStop().catch(() => undefined);
  }

  /** Applies an operator's action once the shadow core has taken every record published before it. */
  private async apply(host: EngineHost, action: ShadowControl): Promise<void> {
    while (host.counters().eventsProcessed < this.queue.published) {
      host.checkHealthy();
      host.drainOutbound();
      await host.waitForOutbound(1);
    }
    switch (action.kind) {
      case 'trip':
        if (!readRiskAccount(host.memory).halted) await host.tripKillSwitch();
        return;
      case 'reset':
        if (readRiskAccount(host.memory).halted) await host.resetKillSwitch();
        return;
      case 'limit':
        await host.changeRiskLimit(action.limit, action.value);
        return;
      case 'pause':
        await host.setInstrumentsPaused(action.instruments, action.paused);
        return;
    }
  }

  /** Reads the journal in steps while the live session runs; then what the live session offered meanwhile follows, in order. */
  private startCatchUp(source: NonNullable<ShadowPaperOptions['journal']>): void {
    this.later = [];
    const totals = { records: 0, controls: 0, liveOrders: 0 };
    // The journal's entries bypass `later` (it holds the live session's, for after them).
    const sink: ShadowJournalSink = {
      offer: (record, atMs) => this.take(record, atMs),
      noteLiveOrder: (order, atMs) => this.live.set(order.orderId, this.sideOrder(order, atMs)),
      control: (action) => this.queue.actions.push({ at: this.queue.queued, action }),
    };
    const catchUp = async (): Promise<void> => {
      let next = 1n;
      try {
        while (next <= source.through && this.host) {
          const step = readJournalForShadow(source.journal, next, source.through, sink, CATCH_UP_STEP);
          next = step.next;
          totals.records += step.records;
          totals.controls += step.controls;
          totals.liveOrders += step.liveOrders;
          while (this.host && this.queue.queued - this.queue.published > CATCH_UP_STEP) {
            this.pump();
            await this.host.waitForOutbound(5);
          }
        }
      } finally {
        const later = this.later ?? [];
        this.later = null;
        for (const item of later) {
          if ('action' in item) this.control(item.action);
          else if ('order' in item) this.noteLiveOrder(item.order, item.atMs);
          else this.offer(item.record, item.atMs);
        }
      }
      source.onCaughtUp?.(totals);
    };
    this.catchingUp = catchUp().catch((error: unknown) => {
      this.failure = error instanceof Error ? error : new Error(String(error));
    });
  }

  private noteShadowOrder(order: OrderCommandRecord): void {
    // The simulated venue's latency is in the core's clock: decision time to fill due time.
    this.shadow.set(order.orderId, this.sideOrder(order, Number(order.tsNs) / 1e6));
  }

  private noteShadowReport(report: VenueReply): void {
    if (report.type !== 'fill') return;
    const order = this.shadow.get(report.clientId);
    if (!order) return;
    order.fills.push({ price: report.price, qty: report.qty, atMs: Number(report.dueNs) / 1e6 });
  }

  private noteLiveFill(record: Uint8Array, atMs: number): void {
    const v = new DataView(record.buffer, record.byteOffset, EVENT_BYTES);
    const order = this.live.get(v.getBigUint64(EV_ID, true));
    if (!order) return;
    order.fills.push({ price: v.getFloat64(EV_PRICE, true), qty: v.getFloat64(EV_SIZE, true), atMs });
  }

  private sideOrder(order: OrderCommandRecord, decidedAtMs: number): SideOrder {
    return {
      orderId: order.orderId, instrument: order.instrument, decisionNs: order.tsNs, qty: order.qty, decidedAtMs,
      decisionPrice: this.priceAt(order.instrument, order.tsNs), fills: [],
    };
  }

  private notePrice(record: Uint8Array, kind: number): void {
    const v = new DataView(record.buffer, record.byteOffset, EVENT_BYTES);
    const instrument = v.getInt32(EV_INSTRUMENT, true);
    const price = kind === EventKind.QUOTE ? (v.getFloat64(EV_A, true) + v.getFloat64(EV_B, true)) / 2 : v.getFloat64(EV_PRICE, true);
    const ts = kind === EventKind.BAR ? v.getBigInt64(EV_TS_LOCAL, true) : v.getBigInt64(EV_TS_EXCHANGE, true);
    let h = this.prices.get(instrument);
    if (!h) this.prices.set(instrument, (h = { ts: [], price: [] }));
    h.ts.push(ts);
    h.price.push(price);
    if (h.ts.length > PRICE_HISTORY) h.ts.shift(), h.price.shift();
  }

  /** The newest market price of `instrument` at or before `ns` (NaN: none). */
  private priceAt(instrument: number, ns: bigint): number {
    const h = this.prices.get(instrument);
    if (!h) return Number.NaN;
    for (let i = h.ts.length - 1; i >= 0; i--) if (h.ts[i] <= ns) return h.price[i];
    return h.price.length > 0 ? h.price[0] : Number.NaN;
  }
}
