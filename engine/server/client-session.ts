// One WebSocket connection's state: its subscriptions, the topics still waiting for their first
// Snapshot, who it authenticated as (read-only until then), and coalescing. Sending never
// blocks: uWS buffers what the socket cannot take. While the buffered amount is above the soft
// limit, a delta is not sent but kept as the topic's pending frame, replacing the one before
// (counted as coalesced); the pending frames go out when uWS reports the socket drained.
// Snapshots and replies are never coalesced. Past the hard limit (bytes buffered), or above the
// soft limit for longer than the stall limit, the connection is closed with CLOSE_SLOW_CONSUMER
// and a reason.
import { CLOSE_SLOW_CONSUMER, type ServerMessage, type TopicName } from '../client/index.js';
import type { ServerMetrics } from './server-metrics.js';

/** The socket as the session needs it (uWS's WebSocket, or a fake in tests). */
export interface SessionSocket {
  /** uWS semantics: 1 sent, 0 buffered (backpressure), 2 dropped. */
  send(message: Uint8Array | string, isBinary: boolean): number;
  getBufferedAmount(): number;
  end(code: number, reason: string): void;
}

export interface SessionLimits {
  /** Above this many bytes buffered, deltas are coalesced (latest per topic). */
  softLimitBytes: number;
  /** Above this many bytes buffered, the client is disconnected. */
  hardLimitBytes: number;
  /** Above the soft limit for longer than this (ms), the client is disconnected. */
  stallLimitMs: number;
}

interface PendingFrame {
  bytes: Uint8Array;
  sequence: bigint;
}

export class ClientSession {
  readonly subscriptions = new Set<TopicName>();
  /** Subscribed topics with nothing to snapshot yet: their next frame goes out as a Snapshot. */
  readonly awaitingSnapshot = new Set<TopicName>();
  /** Last sequence sent (or pending) per topic. */
  readonly lastSequence = new Map<TopicName, bigint>();
  /** Who the connection authenticated as (`auth` with a valid token); null: read-only. */
  who: string | null = null;
  token: string | null = null;
  closed = false;
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
    this.lastSequence.set(topic, sequence);
    if (this.pending.size > 0) this.flushPending();
    if (this.socket.getBufferedAmount() > this.limits.softLimitBytes) {
      if (this.pending.has(topic)) this.metrics.framesCoalesced.inc({ topic });
      this.pending.set(topic, { bytes, sequence });
      this.checkLimits();
      return;
    }
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

  private flushPending(): void {
    for (const [topic, frame] of this.pending) {
      if (this.socket.getBufferedAmount() > this.limits.softLimitBytes) break;
      this.pending.delete(topic);
      this.write(frame.bytes, true);
      this.metrics.framesSent.inc({ topic });
    }
  }

  /** Stops sending a topic (pending frame included). */
  unsubscribe(topic: TopicName): void {
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
