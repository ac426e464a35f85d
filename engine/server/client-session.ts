// One WebSocket connection's state: its subscriptions, the topics still waiting for their first
// Snapshot, the topics it gets through uWS's native pub/sub (`native`, managed by TopicHub), who
// it authenticated as (read-only until then), the control grant it can resume, the capabilities
// it declared (engine/client protocol.ts), and the JS
// path's coalescing. Sending never
// blocks: uWS buffers what the socket cannot take. On the JS path (a client off the native
// fan-out: slow, or not yet snapshotted), while the buffered amount is above the soft limit a
// delta is not sent but kept as the topic's pending frame, replacing the one before (counted as
// coalesced); the pending frames go out when uWS reports the socket drained. On an event topic
// (fills, orders) with a backfill hook (`resync`, set by TopicHub) nothing is kept: the pending
// entry remembers the last sequence sent and, once drained, the hook sends the backfill Snapshot
// (`subscribed` + Snapshot with `since`, as a client's own re-subscribe gets), so no event is
// missed and none is sent twice. Snapshots and replies are never coalesced. Past the hard limit
// (bytes buffered), or above the soft limit for longer than the stall limit, the connection is
// closed with CLOSE_SLOW_CONSUMER and a reason.
import { CLOSE_SLOW_CONSUMER, EVENT_TOPICS, type ClientCapability, type ServerMessage, type TopicName } from '../client/index.js';
import type { ResumeGrant } from '../killswitch/index.js';
import type { ServerMetrics } from './server-metrics.js';

/** The socket as the session needs it (uWS's WebSocket, or a fake in tests). */
export interface SessionSocket {
  /** uWS semantics: 1 sent, 0 buffered (backpressure), 2 dropped. */
  send(message: Uint8Array | string, isBinary: boolean): number;
  getBufferedAmount(): number;
  end(code: number, reason: string): void;
  /** Native pub/sub (uWS topics); absent: the session is served on the JS path only. */
  subscribeNative?(topic: TopicName): void;
  unsubscribeNative?(topic: TopicName): void;
  /** Writes what send() queued now (before a native subscribe, so order is kept). */
  flush?(): void;
}

export interface SessionLimits {
  /** Above this many bytes buffered, deltas are coalesced (latest per topic). */
  softLimitBytes: number;
  /** Above this many bytes buffered, the client is disconnected. */
  hardLimitBytes: number;
  /** Above the soft limit for longer than this (ms), the client is disconnected. */
  stallLimitMs: number;
}

/** A coalesced delta (`bytes`), or an event topic's backfill from `since` (`bytes` null). */
interface PendingFrame {
  bytes: Uint8Array | null;
  sequence: bigint;
}

/** An inbox with nothing pending: a message is handled at once. */
export const SETTLED_INBOX: Promise<void> = Promise.resolve();

export class ClientSession {
  readonly subscriptions = new Set<TopicName>();
  /** Subscribed topics with nothing to snapshot yet: their next frame goes out as a Snapshot. */
  readonly awaitingSnapshot = new Set<TopicName>();
  /** Last sequence sent (or pending) per topic. */
  readonly lastSequence = new Map<TopicName, bigint>();
  /** Who the connection authenticated as (`auth` with a valid token); null: read-only. */
  who: string | null = null;
  token: string | null = null;
  /** The control grant this connection holds and can resume after a drop (its token bound to it, or resumed); null: none. */
  grant: ResumeGrant | null = null;
  /**
   * What the client declared it understands (`capabilities` on its messages, kept for the
   * connection): a message kind newer than the first protocol (`ticket`) goes only to a
   * connection that declared it, so a client of the previous version never gets one.
   */
  readonly capabilities = new Set<ClientCapability>();
  /**
   * The connection's messages in order: an `auth` (its token is checked asynchronously) is settled
   * before the next message is handled, so a `control` sent right after it is judged by it.
   */
  inbox: Promise<void> = SETTLED_INBOX;
  closed = false;
  /** Topics delivered by uWS's native pub/sub (TopicHub moves topics in and out). */
  readonly native = new Set<TopicName>();
  /** Sends the backfill Snapshot of an event topic after `since` (TopicHub); null: coalesce as any topic. */
  resync: ((topic: TopicName, since: bigint) => void) | null = null;
  private readonly pending = new Map<TopicName, PendingFrame>();
  private aboveSoftSince: number | null = null;

  constructor(
    readonly id: number,
    private readonly socket: SessionSocket,
    private readonly limits: SessionLimits,
    private readonly metrics: ServerMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  get pendingTopics(): TopicName[] {
    return [...this.pending.keys()];
  }

  /** Sends a Snapshot (never coalesced); a pending delta of the topic is superseded by it. */
  sendSnapshot(topic: TopicName, bytes: Uint8Array, sequence: bigint): void {
    if (this.closed) return;
    this.pending.delete(topic);
    this.awaitingSnapshot.delete(topic);
    this.lastSequence.set(topic, sequence);
    this.write(bytes, true);
    this.metrics.framesSent.inc({ topic });
    this.checkLimits();
  }

  /** Sends a delta, or keeps it as the topic's pending frame while the client is slow. */
  sendDelta(topic: TopicName, bytes: Uint8Array, sequence: bigint): void {
    if (this.closed) return;
    if (this.pending.size > 0) this.flushPending();
    const last = this.lastSequence.get(topic);
    // A backfill Snapshot sent just now already holds this delta.
    if (last !== undefined && last >= sequence) return;
    if (this.socket.getBufferedAmount() > this.limits.softLimitBytes) {
      const kept = this.pending.get(topic);
      if (this.resync && EVENT_TOPICS.includes(topic)) {
        // Not kept: the backfill from the last sequence sent will carry it.
        if (!kept) this.pending.set(topic, { bytes: null, sequence: last ?? 0n });
        this.metrics.framesCoalesced.inc({ topic });
      } else {
        if (kept) this.metrics.framesCoalesced.inc({ topic });
        this.lastSequence.set(topic, sequence);
        this.pending.set(topic, { bytes, sequence });
      }
      this.checkLimits();
      return;
    }
    this.lastSequence.set(topic, sequence);
    this.write(bytes, true);
    this.metrics.framesSent.inc({ topic });
    this.checkLimits();
  }

  /** A JSON reply (never coalesced). */
  reply(message: ServerMessage): void {
    if (this.closed) return;
    this.write(JSON.stringify(message), false);
    this.checkLimits();
  }

  /** uWS drained some of the buffer: sends pending frames while under the soft limit. */
  drain(): void {
    if (this.closed) return;
    this.flushPending();
    this.checkLimits();
  }

  /** Above the soft limit now. */
  aboveSoftLimit(): boolean {
    return this.socket.getBufferedAmount() > this.limits.softLimitBytes;
  }

  /** Nothing pending and at most half the soft limit buffered: may rejoin the native fan-out. */
  readyForNative(): boolean {
    return !this.closed && this.pending.size === 0 && this.socket.getBufferedAmount() <= this.limits.softLimitBytes / 2;
  }

  /** Whether this session's socket has native pub/sub. */
  get nativeCapable(): boolean {
    return this.socket.subscribeNative !== undefined;
  }

  /** The socket side of TopicHub's native moves (queued JS frames are written first). */
  subscribeNative(topic: TopicName): void {
    this.socket.flush?.();
    this.socket.subscribeNative!(topic);
    this.native.add(topic);
  }

  unsubscribeNative(topic: TopicName): void {
    this.native.delete(topic);
    if (!this.closed) this.socket.unsubscribeNative!(topic);
  }

  /** Applies the hard and stall limits now (TopicHub calls it for native sessions once per burst). */
  enforceLimits(): void {
    this.checkLimits();
  }

  private flushPending(): void {
    for (const [topic, frame] of this.pending) {
      if (this.closed || this.socket.getBufferedAmount() > this.limits.softLimitBytes) break;
      this.pending.delete(topic);
      if (frame.bytes === null) {
        this.resync!(topic, frame.sequence);
        continue;
      }
      this.write(frame.bytes, true);
      this.metrics.framesSent.inc({ topic });
    }
  }

  /** Stops sending a topic (pending frame included). */
  unsubscribe(topic: TopicName): void {
    if (this.native.has(topic)) this.unsubscribeNative(topic);
    this.subscriptions.delete(topic);
    this.awaitingSnapshot.delete(topic);
    this.pending.delete(topic);
    this.lastSequence.delete(topic);
  }

  /** Closes the connection (the close handler marks it closed). */
  close(code: number, reason: string): void {
    if (this.closed) return;
    try {
      this.socket.end(code, reason);
    } finally {
      this.markClosed();
    }
  }

  /** The socket is gone: frames still pending count as dropped. */
  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const topic of this.pending.keys()) this.metrics.framesDropped.inc({ topic });
    this.pending.clear();
  }

  private write(message: Uint8Array | string, isBinary: boolean): void {
    this.socket.send(message, isBinary);
  }

  private checkLimits(): void {
    if (this.closed) return;
    const buffered = this.socket.getBufferedAmount();
    const { softLimitBytes, hardLimitBytes, stallLimitMs } = this.limits;
    if (buffered > hardLimitBytes) {
      this.metrics.slowClientDisconnects.inc();
      this.close(CLOSE_SLOW_CONSUMER, `slow consumer: ${buffered} bytes buffered, above the hard limit of ${hardLimitBytes}`);
      return;
    }
    if (buffered <= softLimitBytes && this.pending.size === 0) {
      this.aboveSoftSince = null;
      return;
    }
    const now = this.now();
    this.aboveSoftSince ??= now;
    if (now - this.aboveSoftSince > stallLimitMs) {
      this.metrics.slowClientDisconnects.inc();
      this.close(CLOSE_SLOW_CONSUMER, `slow consumer: above the soft limit of ${softLimitBytes} bytes for ${now - this.aboveSoftSince} ms (limit ${stallLimitMs} ms)`);
    }
  }
}
