// The server's side of each topic: its sequence (+1 per frame, server wide), what a new
// subscriber's Snapshot holds, and its subscribers. Whole-payload topics keep the last payload;
// orders keep every order by id (terminal ones trimmed past a bound); fills keep a backlog of
// the last N fills with the sequence of the frame that carried each, so a Snapshot with `since`
// holds exactly the fills after it. A delta is encoded once and fanned out to every subscriber.
//
// Fan-out has two paths. A session in good standing (its Snapshot sent, its buffer at most half
// the soft limit, nothing pending) is subscribed to the topic in uWS's native pub/sub and gets
// every delta from one `publish` call per delta (uWS batches per socket in C++: no JS per
// client). The rest (awaiting a Snapshot, slow, or on a socket without native pub/sub) are
// served one by one on the JS path (ClientSession: coalescing, limits). Native sessions are
// checked once per publish burst (a microtask) and after every `checkEveryBytes` published in a
// burst: one above the soft limit leaves the native topic (every frame published so far is
// already queued for it, so its last sequence is the topic's) and goes on the JS path, where it
// coalesces; once it has drained, its pending frames go out (the latest per whole-payload topic;
// for fills and orders the backfill Snapshot after its last sequence) and it rejoins the native
// topic. So a client sees each sequence at most once, and a gap only on whole-payload topics.
// Sequences count from 0 in each hub: `epoch` (random per hub) names them, and a `since` from
// another epoch (a client back from a server that restarted) gets the whole fills backlog as
// `partial`, never the fills after a number that meant another server's frame.
//
//   publish(delta) --encode once--> native.publish(topic, bytes) --uWS C++--> native sessions
//                               \--> for each JS-path session: sendDelta / sendSnapshot
//   end of burst: native sessions above soft --> JS path;  drained JS sessions --> native
import { randomBytes } from 'node:crypto';
import { TOPIC_NAMES, type FillViewData, type OrderViewData, type TopicName, type TopicPayloads } from '../client/index.js';
import type { ClientSession } from './client-session.js';
import type { ServerMetrics } from './server-metrics.js';
import { FrameEncoder } from './frame-encoder.js';
import type { TopicDelta } from './state-source.js';

const TERMINAL = new Set(['filled', 'canceled', 'rejected', 'expired']);

export interface TopicHubOptions {
  /** Fills kept for backfill. */
  fillBacklog: number;
  /** Orders kept for a Snapshot of orders (terminal orders beyond it are trimmed, oldest first). */
  orderBacklog: number;
  /** Native pub/sub (uWS app.publish); absent: every session is served on the JS path. */
  native?: NativeFanout | null;
  /** Native sessions are also checked after this many bytes published natively within a burst. Default 256 KiB. */
  checkEveryBytes?: number;
  /** Counts frames sent natively (added at each check, not per frame). */
  metrics?: ServerMetrics | null;
  /** Names this hub's sequences (`subscribed.epoch`). Default: 16 random hex digits. */
  epoch?: string;
}

/** One call sends a frame to every session natively subscribed to the topic. */
export interface NativeFanout {
  publish(topic: TopicName, bytes: Uint8Array): void;
}

export interface SnapshotPlan {
  bytes: Uint8Array;
  sequence: bigint;
  backfill: 'none' | 'complete' | 'partial';
}

class TopicChannel {
  sequence = 0n;
  timeNs = 0n;
  /** The last whole payload (not fills, orders). */
  latest: TopicPayloads[TopicName] | null = null;
  readonly subscribers = new Set<ClientSession>();
  /** Subscribers on the native fan-out. */
  readonly native = new Set<ClientSession>();
  /** Subscribers served one by one (awaiting a Snapshot, slow, or without native pub/sub). */
  readonly js = new Set<ClientSession>();
  /** Frames sent natively since the metrics were last updated. */
  nativeSent = 0;
  constructor(readonly topic: TopicName) {}
}

export class TopicHub {
  private readonly channels = new Map<TopicName, TopicChannel>(TOPIC_NAMES.map((topic) => [topic, new TopicChannel(topic)]));
  private readonly encoder = new FrameEncoder();
  private readonly fills: { sequence: bigint; fill: FillViewData }[] = [];
  /** Fills of frames up to this sequence may have left the backlog. */
  private evictedThrough = 0n;
  private everFilled = false;
  private readonly orders = new Map<bigint, OrderViewData>();
  private readonly native: NativeFanout | null;
  /** Sessions with a topic on the native fan-out. */
  private readonly nativeSessions = new Set<ClientSession>();
  /** Native-capable sessions with a subscribed topic off the native fan-out. */
  private readonly offNative = new Set<ClientSession>();
  private readonly checkEveryBytes: number;
  /** Names this hub's sequences: a `since` counted by another server (a restart) is not one of them. */
  readonly epoch: string;
  private nativeBytes = 0;
  private checkScheduled = false;
  private readonly endOfBurst = (): void => {
    this.checkScheduled = false;
    this.check(true);
  };

  constructor(private readonly options: TopicHubOptions) {
    this.native = options.native ?? null;
    this.checkEveryBytes = options.checkEveryBytes ?? 256 * 1024;
    this.epoch = options.epoch ?? randomBytes(8).toString('hex');
  }

  /** Seeds a topic before any delta (from the source's snapshot). */
  seed<T extends TopicName>(topic: T, payload: TopicPayloads[T]): void {
    const channel = this.channels.get(topic)!;
    if (topic === 'fills') this.keepFills(0n, (payload as TopicPayloads['fills']).fills);
    else if (topic === 'orders') this.keepOrders((payload as TopicPayloads['orders']).orders);
    else channel.latest = payload;
  }

  sequenceOf(topic: TopicName): bigint {
    return this.channels.get(topic)!.sequence;
  }

  subscribers(topic: TopicName): ReadonlySet<ClientSession> {
    return this.channels.get(topic)!.subscribers;
  }

  /** Publishes a delta: next sequence, encoded once, to every subscriber (a Snapshot to those still waiting for one). */
  publish(delta: TopicDelta): void {
    const channel = this.channels.get(delta.topic)!;
    channel.sequence += 1n;
    channel.timeNs = delta.timeNs;
    const { topic, payload } = delta;
    if (topic === 'fills') this.keepFills(channel.sequence, (payload as TopicPayloads['fills']).fills);
    else if (topic === 'orders') this.keepOrders((payload as TopicPayloads['orders']).orders);
    else channel.latest = payload;
    if (channel.subscribers.size === 0) return;
    // Header literals of one shape (a spread would take V8's slow path on every publish).
    const bytes = this.encoder.encode({ topic, kind: 'delta', sequence: channel.sequence, timeNs: delta.timeNs }, payload);
    if (channel.native.size > 0) {
      this.native!.publish(topic, bytes);
      channel.nativeSent += channel.native.size;
      this.nativeBytes += bytes.byteLength;
      if (this.nativeBytes >= this.checkEveryBytes) this.check(false);
    }
    let snapshot: Uint8Array | null = null;
    for (const session of channel.js) {
      if (session.awaitingSnapshot.has(topic)) {
        snapshot ??= this.encoder.encode({ topic, kind: 'snapshot', sequence: channel.sequence, timeNs: delta.timeNs }, payload);
        session.sendSnapshot(topic, snapshot, channel.sequence);
      } else {
        session.sendDelta(topic, bytes, channel.sequence);
      }
    }
    if (!this.checkScheduled && (this.nativeSessions.size > 0 || this.offNative.size > 0)) {
      this.checkScheduled = true;
      queueMicrotask(this.endOfBurst);
    }
  }

  /** uWS drained some of a session's buffer: its pending frames go out, and it may rejoin the native fan-out. */
  drained(session: ClientSession): void {
    session.drain();
    if (this.offNative.has(session)) this.rejoin(session);
  }

  /**
   * Native sessions above the soft limit leave the native fan-out (and get the hard and stall
   * limits applied); at the end of a burst, drained JS-path sessions rejoin it.
   */
  private check(endOfBurst: boolean): void {
    this.nativeBytes = 0;
    for (const session of this.nativeSessions) {
      if (session.closed || !session.aboveSoftLimit()) continue;
      for (const topic of [...session.native]) this.leaveNative(session, topic);
      session.enforceLimits();
    }
    if (endOfBurst) {
      for (const session of this.offNative) this.rejoin(session);
      if (this.options.metrics) {
        for (const channel of this.channels.values()) {
          if (channel.nativeSent === 0) continue;
          this.options.metrics.framesSent.inc({ topic: channel.topic }, channel.nativeSent);
          channel.nativeSent = 0;
        }
      }
    }
  }

  private leaveNative(session: ClientSession, topic: TopicName): void {
    const channel = this.channels.get(topic)!;
    session.unsubscribeNative(topic);
    channel.native.delete(session);
    if (session.native.size === 0) this.nativeSessions.delete(session);
    // Every frame published so far was queued for it natively.
    session.lastSequence.set(topic, channel.sequence);
    if (channel.subscribers.has(session)) {
      channel.js.add(session);
      this.offNative.add(session);
    }
  }

  /** Sends what is pending and, if the session is in good standing, moves its snapshotted topics to the native fan-out. */
  private rejoin(session: ClientSession): void {
    if (session.closed) {
      this.offNative.delete(session);
      return;
    }
    session.drain();
    if (!session.readyForNative()) return;
    for (const topic of session.subscriptions) {
      if (session.native.has(topic) || session.awaitingSnapshot.has(topic)) continue;
      const channel = this.channels.get(topic)!;
      session.subscribeNative(topic);
      channel.js.delete(session);
      channel.native.add(session);
      this.nativeSessions.add(session);
    }
    if (session.awaitingSnapshot.size === 0) this.offNative.delete(session);
  }

  /**
   * Subscribes `session` to `topic` and returns the Snapshot to send now, or null when the topic
   * has nothing yet (the next delta goes out as its Snapshot). `since`: fills after that sequence,
   * counted in `sinceEpoch` (absent: this hub's); from another epoch, the whole backlog as partial.
   */
  subscribe(session: ClientSession, topic: TopicName, since: bigint | null, sinceEpoch?: string): SnapshotPlan | null {
    const channel = this.channels.get(topic)!;
    this.unsubscribe(session, topic);
    channel.subscribers.add(session);
    channel.js.add(session);
    session.subscriptions.add(topic);
    if (this.native && session.nativeCapable) {
      this.offNative.add(session);
      session.resync ??= (t, after) => this.resync(session, t, after);
    }
    const { payload, backfill } = this.current(topic, since, since !== null && sinceEpoch !== undefined && sinceEpoch !== this.epoch);
    if (payload === null) {
      session.awaitingSnapshot.add(topic);
      return null;
    }
    return { bytes: this.encoder.encode({ topic, kind: 'snapshot', sequence: channel.sequence, timeNs: channel.timeNs }, payload), sequence: channel.sequence, backfill };
  }

  /** After the Snapshot of a subscribe went out: joins the native fan-out now if in good standing. */
  settle(session: ClientSession): void {
    if (this.offNative.has(session)) this.rejoin(session);
  }

  unsubscribe(session: ClientSession, topic: TopicName): void {
    const channel = this.channels.get(topic)!;
    if (session.native.has(topic)) session.unsubscribeNative(topic);
    channel.subscribers.delete(session);
    channel.native.delete(session);
    channel.js.delete(session);
    if (session.native.size === 0) this.nativeSessions.delete(session);
    session.unsubscribe(topic);
  }

  /** Forgets a closed session. */
  remove(session: ClientSession): void {
    for (const channel of this.channels.values()) {
      channel.subscribers.delete(session);
      channel.native.delete(session);
      channel.js.delete(session);
    }
    session.native.clear();
    this.nativeSessions.delete(session);
    this.offNative.delete(session);
  }

  /** A drained slow session's backfill of an event topic: `subscribed` + the Snapshot after `since`, as its own re-subscribe would get. */
  private resync(session: ClientSession, topic: TopicName, since: bigint): void {
    const channel = this.channels.get(topic)!;
    const { payload, backfill } = this.current(topic, topic === 'fills' ? since : null);
    session.reply({ type: 'subscribed', topic, sequence: channel.sequence.toString(), backfill, epoch: this.epoch, snapshot: true });
    const bytes = this.encoder.encode({ topic, kind: 'snapshot', sequence: channel.sequence, timeNs: channel.timeNs }, payload!);
    session.sendSnapshot(topic, bytes, channel.sequence);
  }

  /** A topic's Snapshot payload; `foreignSince`: `since` was counted by another server, so none of this one's fills are known to be had. */
  private current(topic: TopicName, since: bigint | null, foreignSince = false): { payload: TopicPayloads[TopicName] | null; backfill: SnapshotPlan['backfill'] } {
    const channel = this.channels.get(topic)!;
    if (topic === 'fills') {
      if (foreignSince) return { payload: { fills: this.fills.map((f) => f.fill) }, backfill: 'partial' };
      if (!this.everFilled && channel.sequence === 0n) return { payload: { fills: [] }, backfill: since === null ? 'none' : 'complete' };
      if (since === null) return { payload: { fills: this.fills.map((f) => f.fill) }, backfill: 'none' };
      const complete = since >= this.evictedThrough && since <= channel.sequence;
      const after = complete ? this.fills.filter((f) => f.sequence > since).map((f) => f.fill) : this.fills.map((f) => f.fill);
      return { payload: { fills: after }, backfill: complete ? 'complete' : 'partial' };
    }
    if (topic === 'orders') return { payload: { orders: [...this.orders.values()] }, backfill: 'none' };
    return { payload: channel.latest, backfill: 'none' };
  }

  private keepFills(sequence: bigint, fills: readonly FillViewData[]): void {
    this.everFilled = true;
    for (const fill of fills) this.fills.push({ sequence, fill });
    const excess = this.fills.length - this.options.fillBacklog;
    if (excess > 0) {
      for (const evicted of this.fills.splice(0, excess)) if (evicted.sequence > this.evictedThrough) this.evictedThrough = evicted.sequence;
    }
  }

  private keepOrders(orders: readonly OrderViewData[]): void {
    for (const order of orders) {
      this.orders.delete(order.orderId);
      this.orders.set(order.orderId, order);
    }
    if (this.orders.size <= this.options.orderBacklog) return;
    for (const [id, order] of this.orders) {
      if (this.orders.size <= this.options.orderBacklog) break;
      if (TERMINAL.has(order.status)) this.orders.delete(id);
    }
  }
}
