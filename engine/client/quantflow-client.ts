// The client library's connection: `connect(url, { token, reconnect })` opens a WebSocket to
// the state server (ws under Node 20), decodes frames into typed updates, and hands each to the
// topic's handlers. It checks every topic's sequence: a gap on fills or orders re-subscribes
// with `since` (the Snapshot then holds exactly the missed fills, or the current orders); a gap
// elsewhere is harmless (each delta holds the whole payload). When the connection drops (not by
// close()), it reconnects with backoff, authenticates again and re-subscribes every topic:
// fills with `since` the last sequence it delivered and the server epoch it was counted in (a
// restarted server counts again: it then sends its whole backlog, as partial), so no fill is
// missed while the server's backlog covers the outage; the others get a fresh Snapshot.
import WebSocket from 'ws';
import { decodeFrame } from './frame-decoder.js';
import {
  EVENT_TOPICS, type ClientMessage, type ControlAction, type ControlErrorCode, type ServerErrorCode, type ServerMessage, type TopicName, type TopicUpdate,
} from './protocol.js';

export interface ReconnectPolicy {
  /** First delay, ms (doubles per attempt). Default 100. */
  initialDelayMs?: number;
  /** Longest delay, ms. Default 5000. */
  maxDelayMs?: number;
  /** Attempts in a row before giving up. Default: no limit. */
  maxAttempts?: number;
}

export interface ConnectOptions {
  /** A signed control token: sent as `auth` on every (re)connect; control() uses it by default. */
  token?: string;
  /** Reconnect after a drop (default true). */
  reconnect?: boolean | ReconnectPolicy;
  /** Connection events. */
  onEvent?(event: ClientEvent): void;
}

export type ClientEvent =
  | { type: 'open'; reconnected: boolean }
  | { type: 'close'; code: number; reason: string }
  | { type: 'reconnecting'; attempt: number; delayMs: number }
  | { type: 'gap'; topic: TopicName; expected: bigint; received: bigint }
  | { type: 'subscribed'; topic: TopicName; sequence: bigint; backfill: 'none' | 'complete' | 'partial' }
  | { type: 'auth'; ok: boolean; who?: string; message?: string }
  | { type: 'server-error'; code: ServerErrorCode; message: string }
  | { type: 'decode-error'; message: string };

export type ControlResult =
  | { ok: true; who: string; action: ControlAction }
  | { ok: false; code: ControlErrorCode | 'disconnected'; message: string };

export type TopicHandler<T extends TopicName> = (update: TopicUpdate<T>) => void;

export interface Subscription {
  unsubscribe(): void;
}

export interface QuantFlowClient {
  /** Subscribes (once per topic on the wire); the handler gets the Snapshot, then the deltas. */
  subscribe<T extends TopicName>(topic: T, handler: TopicHandler<T>): Subscription;
  /** Sends a control action with `token` (default: the connect token); resolves with the server's answer. */
  control(action: ControlAction, token?: string): Promise<ControlResult>;
  /** The last sequence delivered on `topic` (null before its Snapshot). */
  lastSequence(topic: TopicName): bigint | null;
  readonly connected: boolean;
  /** Closes for good (no reconnect). */
  close(): Promise<void>;
}

interface TopicState {
  handlers: Set<TopicHandler<TopicName>>;
  last: bigint | null;
  /** Waiting for the Snapshot of a (re)subscribe: deltas in flight before it are stale. */
  resyncing: boolean;
}

class Connection implements QuantFlowClient {
  private socket: WebSocket | null = null;
  private readonly topics = new Map<TopicName, TopicState>();
  private readonly pendingControls = new Map<number, (result: ControlResult) => void>();
  private nextControlId = 1;
  /** The epoch of the server's sequences (its last `subscribed`): sent with every `since`. */
  private serverEpoch: string | null = null;
  private closedByUser = false;
  private everOpened = false;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly policy: Required<ReconnectPolicy> | null;

  constructor(private readonly url: string, private readonly options: ConnectOptions) {
    const reconnect = options.reconnect ?? true;
    this.policy = reconnect === false ? null : {
      initialDelayMs: 100, maxDelayMs: 5000, maxAttempts: Number.POSITIVE_INFINITY, ...(reconnect === true ? {} : reconnect),
    };
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const attempt = (): void => {
        const socket = new WebSocket(this.url);
        socket.binaryType = 'nodebuffer';
        this.socket = socket;
        let opened = false;
        socket.on('open', () => {
          opened = true;
          const reconnected = this.everOpened;
          this.everOpened = true;
          this.attempts = 0;
          if (this.options.token !== undefined) this.send({ op: 'auth', token: this.options.token });
          for (const [topic, state] of this.topics) this.resubscribe(topic, state);
          this.options.onEvent?.({ type: 'open', reconnected });
          resolve();
        });
        socket.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
        socket.on('error', () => {
          // 'close' follows and decides what to do.
        });
        socket.on('close', (code: number, reason: Buffer) => {
          if (this.socket === socket) this.socket = null;
          for (const settle of this.pendingControls.values()) settle({ ok: false, code: 'disconnected', message: `the connection closed (${code}) before the server answered` });
          this.pendingControls.clear();
          if (opened) this.options.onEvent?.({ type: 'close', code, reason: reason.toString('utf8') });
          if (this.closedByUser) return;
          if (!this.policy || this.attempts >= this.policy.maxAttempts) {
            if (!this.everOpened) reject(new Error(`could not connect to ${this.url} (close code ${code})`));
            return;
          }
          this.attempts += 1;
          const delayMs = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** (this.attempts - 1));
          this.options.onEvent?.({ type: 'reconnecting', attempt: this.attempts, delayMs });
          this.reconnectTimer = setTimeout(attempt, delayMs);
        });
      };
      attempt();
    });
  }

  subscribe<T extends TopicName>(topic: T, handler: TopicHandler<T>): Subscription {
    let state = this.topics.get(topic);
    if (!state) {
      state = { handlers: new Set(), last: null, resyncing: true };
      this.topics.set(topic, state);
      state.handlers.add(handler as TopicHandler<TopicName>);
      this.send({ op: 'subscribe', topic });
    } else {
      state.handlers.add(handler as TopicHandler<TopicName>);
    }
    return {
      unsubscribe: () => {
        const current = this.topics.get(topic);
        if (!current) return;
        current.handlers.delete(handler as TopicHandler<TopicName>);
        if (current.handlers.size === 0) {
          this.topics.delete(topic);
          this.send({ op: 'unsubscribe', topic });
        }
      },
    };
  }

  control(action: ControlAction, token?: string): Promise<ControlResult> {
    const id = this.nextControlId++;
    const signed = token ?? this.options.token;
    if (!this.connected) return Promise.resolve({ ok: false, code: 'disconnected', message: 'not connected' });
    return new Promise((resolve) => {
      this.pendingControls.set(id, resolve);
      this.send({ op: 'control', id, action, ...(signed !== undefined ? { token: signed } : {}) });
    });
  }

  lastSequence(topic: TopicName): bigint | null {
    return this.topics.get(topic)?.last ?? null;
  }

  async close(): Promise<void> {
    this.closedByUser = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close(1000, 'client closing');
    });
  }

  private send(message: ClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** Subscribes again after a reconnect or a gap: fills from the last delivered sequence. */
  private resubscribe(topic: TopicName, state: TopicState): void {
    state.resyncing = true;
    const since = topic === 'fills' && state.last !== null ? { since: state.last.toString(), ...(this.serverEpoch !== null ? { epoch: this.serverEpoch } : {}) } : {};
    this.send({ op: 'subscribe', topic, ...since });
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (!isBinary) return this.onReply(JSON.parse(data.toString('utf8')) as ServerMessage);
    let update: TopicUpdate;
    try {
      update = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (error) {
      this.options.onEvent?.({ type: 'decode-error', message: (error as Error).message });
      return;
    }
    const state = this.topics.get(update.topic);
    if (!state) return;
    if (update.kind === 'snapshot') {
      state.resyncing = false;
    } else {
      if (state.resyncing) return;
      if (state.last !== null && update.sequence <= state.last) return;
      if (state.last !== null && update.sequence !== state.last + 1n) {
        this.options.onEvent?.({ type: 'gap', topic: update.topic, expected: state.last + 1n, received: update.sequence });
        if (EVENT_TOPICS.includes(update.topic)) {
          this.resubscribe(update.topic, state);
          return;
        }
      }
    }
    state.last = update.sequence;
    for (const handler of state.handlers) handler(update);
  }

  private onReply(message: ServerMessage): void {
    switch (message.type) {
      case 'subscribed':
        if (typeof message.epoch === 'string') this.serverEpoch = message.epoch;
        this.options.onEvent?.({ type: 'subscribed', topic: message.topic, sequence: BigInt(message.sequence), backfill: message.backfill });
        return;
      case 'auth':
        this.options.onEvent?.(message.ok ? { type: 'auth', ok: true, who: message.who } : { type: 'auth', ok: false, message: message.message });
        return;
      case 'control': {
        const settle = this.pendingControls.get(message.id);
        this.pendingControls.delete(message.id);
        settle?.(message.ok ? { ok: true, who: message.who, action: message.action } : { ok: false, code: message.code, message: message.message });
        return;
      }
      case 'error':
        this.options.onEvent?.({ type: 'server-error', code: message.code, message: message.message });
        return;
      case 'unsubscribed':
        return;
    }
  }
}

/** Connects to a state server (`ws://127.0.0.1:PORT/`); resolves once the first connection is open. */
export async function connect(url: string, options: ConnectOptions = {}): Promise<QuantFlowClient> {
  const connection = new Connection(url, options);
  await connection.open();
  return connection;
}
