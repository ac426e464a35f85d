// ShadowPaper: the simulated venue beside a live one on the same feed (issue 15, `--shadow-paper`).
// A second core (an EngineHost over the same pipeline with the core's simulated venue) receives
// every inbound record the live core receives except the live venue's order events (ACK, FILL,
// CANCELED, REJECT, EXPIRED, ORDER_STATUS): market records, TIMERs, FEED_HEALTH, MODEL answers.
// It decides and fills on its own; the live session never waits for it:
//
//   live listener  --offer(record)-->  batch (64-byte copies)        [no I/O, no await]
//   live loop idle --pump()------->    shadow inbound ring (tryClaim: what fits; the rest waits)
//                                      shadow outbound -> its ORDERs and simulated FILLs
//   end            --finish()----->    publish the rest, wait for the shadow core, drift report
//
// Orders both sides decided are matched by (instrument, decision time, side, n-th such order):
// with the same configuration and the same records, the two cores decide alike until their fills
// differ. The decision price of an order is the newest market price of its instrument at or
// before its decision time (BAR close, TRADE price, QUOTE mid), the same for both sides. Live
// latency is wall time from the live core's order to its first FILL's arrival; shadow latency is
// the simulated venue's (first fill due time - decision time).
import { EngineHost } from '../threads/index.js';
import type { PipelineSpec } from '../pipeline/index.js';
import type { OrderCommandRecord } from '../orders/index.js';
import type { VenueReply } from '../venue/index.js';
import { EVENT_BYTES, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_A, EV_B, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../layout/event-record.js';
import { buildDriftReport, type DriftReport, type SideOrder } from './shadow-drift.js';

/** Live venue events: the shadow's own simulated venue answers its orders instead. */
const ORDER_EVENTS = EventKind.ACK | EventKind.FILL | EventKind.CANCELED | EventKind.REJECT | EventKind.EXPIRED | EventKind.ORDER_STATUS;
const MARKET_KINDS = EventKind.BAR | EventKind.TRADE | EventKind.QUOTE;
/** Market prices kept per instrument for decision prices. */
const PRICE_HISTORY = 256;

export class ShadowPaper {
  private batch = new Uint8Array(64 * EVENT_BYTES);
  private batched = 0;
  private published = 0n;
  private readonly prices = new Map<number, { ts: bigint[]; price: number[] }>();
  readonly live = new Map<bigint, SideOrder>();
  readonly shadow = new Map<bigint, SideOrder>();
  /** Records offered to the shadow (all of them reach it, however late). */
  offered = 0;

  private constructor(private host: EngineHost | undefined, private readonly nowMs: () => number) {}

  /** Starts the shadow core over `pipeline` (the live pipeline with the simulated venue: `simulate: true`). */
  static async start(pipeline: PipelineSpec, nowMs: () => number = () => performance.now()): Promise<ShadowPaper> {
    let shadow: ShadowPaper | undefined;
    const host = await EngineHost.start({
      pipeline,
      onOrder: (order) => shadow!.noteShadowOrder(order),
      onVenueReport: (report) => shadow!.noteShadowReport(report),
    });
    shadow = new ShadowPaper(host, nowMs);
    return shadow;
  }

  /** A record the live core received (after it was handled): kept for the shadow unless it is a live order event. */
  offer(record: Uint8Array): void {
    const kind = new DataView(record.buffer, record.byteOffset, EVENT_BYTES).getInt32(EV_KIND, true) & KIND_MASK;
    if ((kind & ORDER_EVENTS) !== 0) {
      if (kind === EventKind.FILL) this.noteLiveFill(record);
      return;
    }
    if ((kind & MARKET_KINDS) !== 0) this.notePrice(record, kind);
    if ((this.batched + 1) * EVENT_BYTES > this.batch.length) {
      const grown = new Uint8Array(this.batch.length * 2);
      grown.set(this.batch.subarray(0, this.batched * EVENT_BYTES));
      this.batch = grown;
    }
    this.batch.set(record.subarray(0, EVENT_BYTES), this.batched * EVENT_BYTES);
    this.batched++;
    this.offered++;
  }

  /** An order of the live core, when it came out (before it was sent). */
  noteLiveOrder(order: OrderCommandRecord): void {
    this.live.set(order.orderId, this.sideOrder(order, this.nowMs()));
  }

  /** Publishes what fits of the batch to the shadow core and reads what it wrote; never waits. */
  pump(): void {
    const host = this.host;
    if (!host) return;
    host.checkHealthy();
    let sent = 0;
    const producer = host.inbound;
    while (sent < this.batched) {
      const first = producer.tryClaim(1);
      if (first === -1) break;
      new Uint8Array(producer.memory.i32.buffer).set(this.batch.subarray(sent * EVENT_BYTES, (sent + 1) * EVENT_BYTES), producer.slotOffset(first >>> 0));
      producer.publish((first + 1) >>> 0);
      sent++;
    }
    if (sent > 0) {
      this.batch.copyWithin(0, sent * EVENT_BYTES, this.batched * EVENT_BYTES);
      this.batched -= sent;
      this.published += BigInt(sent);
    }
    host.drainOutbound();
  }

  /** Publishes the rest, waits until the shadow core has taken every record, stops it, and reports the drift. */
  async finish(): Promise<DriftReport> {
    const host = this.host;
    if (host) {
      for (let spins = 0; ; spins++) {
        this.pump();
        const done = this.batched === 0 && BigInt(host.counters().eventsProcessed) >= this.published && host.outbound.available() === 0;
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
    if (host) await host.drainAndStop().catch(() => undefined);
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

  private noteLiveFill(record: Uint8Array): void {
    const v = new DataView(record.buffer, record.byteOffset, EVENT_BYTES);
    const order = this.live.get(v.getBigUint64(EV_ID, true));
    if (!order) return;
    order.fills.push({ price: v.getFloat64(EV_PRICE, true), qty: v.getFloat64(EV_SIZE, true), atMs: this.nowMs() });
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
