// The server's side of each topic: its sequence (+1 per frame, server wide), what a new
// subscriber's Snapshot holds, and its subscribers. Whole-payload topics keep the last payload;
// orders keep every order by id (terminal ones trimmed past a bound); fills keep a backlog of
// the last N fills with the sequence of the frame that carried each, so a Snapshot with `since`
// holds exactly the fills after it. A delta is encoded once and fanned out to every subscriber.
import { TOPIC_NAMES, type FillViewData, type OrderViewData, type TopicName, type TopicPayloads } from '../client/index.js';
import type { ClientSession } from './client-session.js';
import { FrameEncoder } from './frame-encoder.js';
import type { TopicDelta } from './state-source.js';

const TERMINAL = new Set(['filled', 'canceled', 'rejected', 'expired']);

export interface TopicHubOptions {
  /** Fills kept for backfill. */
  fillBacklog: number;
  /** Orders kept for a Snapshot of orders (terminal orders beyond it are trimmed, oldest first). */
  orderBacklog: number;
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

  constructor(private readonly options: TopicHubOptions) {}

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
    const header = { topic, sequence: channel.sequence, timeNs: delta.timeNs };
    const bytes = this.encoder.encode({ ...header, kind: 'delta' }, payload);
    let snapshot: Uint8Array | null = null;
    for (const session of channel.subscribers) {
      if (session.awaitingSnapshot.has(topic)) {
        snapshot ??= this.encoder.encode({ ...header, kind: 'snapshot' }, payload);
        session.sendSnapshot(topic, snapshot, channel.sequence);
      } else {
        session.sendDelta(topic, bytes, channel.sequence);
      }
    }
  }

  /**
   * Subscribes `session` to `topic` and returns the Snapshot to send now, or null when the topic
   * has nothing yet (the next delta goes out as its Snapshot). `since`: fills after that sequence.
   */
  subscribe(session: ClientSession, topic: TopicName, since: bigint | null): SnapshotPlan | null {
    const channel = this.channels.get(topic)!;
    channel.subscribers.add(session);
    session.subscriptions.add(topic);
    const { payload, backfill } = this.current(topic, since);
    if (payload === null) {
      session.awaitingSnapshot.add(topic);
      return null;
    }
    return { bytes: this.encoder.encode({ topic, kind: 'snapshot', sequence: channel.sequence, timeNs: channel.timeNs }, payload), sequence: channel.sequence, backfill };
  }

  unsubscribe(session: ClientSession, topic: TopicName): void {
    this.channels.get(topic)!.subscribers.delete(session);
    session.unsubscribe(topic);
  }

  /** Forgets a closed session. */
  remove(session: ClientSession): void {
    for (const channel of this.channels.values()) channel.subscribers.delete(session);
  }

  private current(topic: TopicName, since: bigint | null): { payload: TopicPayloads[TopicName] | null; backfill: SnapshotPlan['backfill'] } {
    const channel = this.channels.get(topic)!;
    if (topic === 'fills') {
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
