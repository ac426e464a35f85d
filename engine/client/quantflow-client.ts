// The client library's connection: `connect(url, { token, reconnect })` opens a WebSocket to
// the state server (ws under Node 20), decodes frames into typed updates, and hands each to the
// topic's handlers. It checks every topic's sequence: a gap on fills or orders re-subscribes
// with `since` (the Snapshot then holds exactly the missed fills, or the current orders); a gap
// elsewhere is harmless (each delta holds the whole payload). When the connection drops (not by
// close()), it reconnects with backoff, takes its control back (the resume ticket the server
// gave the connection that held it; else it authenticates with the token) and re-subscribes every topic:
// fills with `since` the last sequence it delivered and the server epoch it was counted in (a
// restarted server counts again: it then sends its whole backlog, as partial), so no fill is
// missed while the server's backlog covers the outage; the others get a fresh Snapshot.
// Reconnecting is for transient failures (refused or dropped connections, a server restarting),
// with capped backoff and an optional bound (`maxAttempts`, `giveUpAfterMs`). A permanent failure
// ends the client at once instead: the address answers the upgrade with an HTTP status (not a
// QuantFlow state server, or one that refuses this client), the server refuses the token, or
// what comes back is not this protocol, or the server refuses the resume ticket of a client
// that was given a token (another party used it first: the client says so instead of carrying on
// read-only; with an expired or forgotten ticket the token is tried again, a function signing a
// new one), or closes the connection because another one resumed its control. A resume whose
// answer was lost with its connection is not mistaken for that: each ticket is presented with an
// `attempt` nonce the client made for it, and the server resumes the same ticket and attempt
// again (`repeated`) instead of refusing it as used. connect() rejects with it (a ConnectionError) when it
// happens before the first connection is ready; later it is the `failed` event and what
// `ended` resolves with.
// Versions: a server reply of a kind this library does not know (a newer server's) is ignored,
// counted (`unknownMessages`) and told (`unknown-message`), never a failure; and the client
// declares what it understands (`capabilities`, CLIENT_CAPABILITIES) on the messages that can
// earn a resume ticket, since a server sends tickets only to clients that declared them.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { decodeFrame } from './frame-decoder.js';
import {
  CLIENT_CAPABILITIES, CLOSE_CONTROL_RESUMED_ELSEWHERE, EVENT_TOPICS, type ClientMessage, type ResumeRefusalName, type ControlAction, type ControlErrorCode, type ServerErrorCode, type ServerMessage, type TopicName, type TopicUpdate,
} from './protocol.js';

export interface ReconnectPolicy {
  /** First delay, ms (doubles per attempt). Default 100. */
  initialDelayMs?: number;
  /** Longest delay, ms. Default 5000. */
  maxDelayMs?: number;
  /** Attempts in a row before giving up. Default: no limit. */
  maxAttempts?: number;
  /** Give up when no connection has been ready for this long (since connect() or the drop), ms. Default: no limit. */
  giveUpAfterMs?: number;
}

/**
 * Why the client stopped for good: `refused` (the upgrade was answered with an HTTP status: not a
 * QuantFlow state server at this address and path, or one refusing this client), `unauthorized`
 * (the server refused the token), `protocol` (a message that is not this protocol, or a close
 * code saying the server could not speak it), `gave-up` (the reconnect bound was reached).
 */
export type ConnectionFailure = 'refused' | 'unauthorized' | 'protocol' | 'gave-up';

export class ConnectionError extends Error {
  constructor(readonly failure: ConnectionFailure, message: string) {
    super(message);
    this.name = 'ConnectionError';
  }

  /** True unless the reconnect bound ended the client (a permanent failure: retrying cannot help). */
  get permanent(): boolean {
    return this.failure !== 'gave-up';
  }
}

/** Close codes that say the peer cannot speak this protocol with us: reconnecting cannot help. */
const PERMANENT_CLOSE_CODES = new Set([1002, 1003, 1007, 1008, 1010]);

export interface ConnectOptions {
  /**
   * A signed control token, sent as `auth` on connecting; control() uses it by default. A server
   * takes a token from one connection only (its jti is then used); after a reconnect the client
   * takes the control back with the resume ticket the server gave it, with no new token. A
   * function is called for a token on connecting and whenever the ticket cannot serve (it
   * expired, or the server forgot it).
   */
  token?: string | (() => string | Promise<string>);
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
  /** `snapshot` false: nothing was published on the topic yet; its first frame will come as the Snapshot. */
  | { type: 'subscribed'; topic: TopicName; sequence: bigint; backfill: 'none' | 'complete' | 'partial'; snapshot: boolean }
  | { type: 'auth'; ok: boolean; who?: string; message?: string }
  /**
   * The answer to presenting the resume ticket after a reconnect (`reason`: why it was refused;
   * `repeated`: presented again because the answer to the first presentation was lost).
   */
  | { type: 'resume'; ok: boolean; who?: string; message?: string; reason?: ResumeRefusalName; repeated?: boolean }
  | { type: 'server-error'; code: ServerErrorCode; message: string }
  | { type: 'decode-error'; message: string }
  /** A server reply of a kind this library does not know (from a newer server): ignored, and counted (`unknownMessages`). */
  | { type: 'unknown-message'; messageType: string }
  /** The client stopped for good (no more reconnects): `ended` resolves with the same error. */
  | { type: 'failed'; error: ConnectionError };

export type ControlResult =
  | { ok: true; who: string; action: ControlAction }
  | { ok: false; code: ControlErrorCode | 'disconnected'; message: string };

export type TopicHandler<T extends TopicName> = (update: TopicUpdate<T>) => void;

export interface Subscription {
  unsubscribe(): void;
}

export interface QuantFlowClient {
  /**
   * Subscribes; the handler gets the Snapshot, then the deltas. One subscription per topic on the
   * wire: a handler added after the topic's Snapshot has it asked for again, and that Snapshot goes
   * to it alone (the earlier handlers do not get the fills backlog or the orders twice).
   */
  subscribe<T extends TopicName>(topic: T, handler: TopicHandler<T>): Subscription;
  /** Sends a control action with `token` (default: the connect token); resolves with the server's answer. */
  control(action: ControlAction, token?: string): Promise<ControlResult>;
  /** The last sequence delivered on `topic` (null before its Snapshot). */
  lastSequence(topic: TopicName): bigint | null;
  readonly connected: boolean;
  /** Server replies of a kind this library does not know (a newer server's), ignored since connect(). */
  readonly unknownMessages: number;
  /**
   * Resolves when the client has stopped for good: with null after close(), with the
   * ConnectionError after a permanent failure or when the reconnect bound is reached.
   */
  readonly ended: Promise<ConnectionError | null>;
  /** Closes for good (no reconnect). */
  close(): Promise<void>;
}

interface TopicState {
  handlers: Set<TopicHandler<TopicName>>;
  last: bigint | null;
  /** Waiting for the Snapshot of a (re)subscribe: deltas in flight before it are stale. */
  resyncing: boolean;
  /**
   * Handlers added after the topic's Snapshot: the topic is subscribed again on the wire and
   * that Snapshot goes to them only (the others have it all already, and keep getting deltas).
   */
  late: Set<TopicHandler<TopicName>>;
}

class Connection implements QuantFlowClient {
  private socket: WebSocket | null = null;
  private readonly topics = new Map<TopicName, TopicState>();
  private readonly pendingControls = new Map<number, (result: ControlResult) => void>();
  private nextControlId = 1;
  unknownMessages = 0;
  /** The epoch of the server's sequences (its last `subscribed`): sent with every `since`. */
  private serverEpoch: string | null = null;
  private closedByUser = false;
  private everOpened = false;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly policy: Required<ReconnectPolicy> | null;
  /** When the client last had no ready connection since (connect() or the last drop), ms. */
  private downSinceMs = Date.now();
  /** Set when the client stops for good; the socket's close then settles it. */
  private failure: ConnectionError | null = null;
  private endedWith: ((error: ConnectionError | null) => void) | null = null;
  readonly ended: Promise<ConnectionError | null>;

  constructor(private readonly url: string, private readonly options: ConnectOptions) {
    const reconnect = options.reconnect ?? true;
    this.policy = reconnect === false ? null : {
      initialDelayMs: 100, maxDelayMs: 5000, maxAttempts: Number.POSITIVE_INFINITY, giveUpAfterMs: Number.POSITIVE_INFINITY, ...(reconnect === true ? {} : reconnect),
    };
    this.ended = new Promise((resolve) => { this.endedWith = resolve; });
  }

  /** Stops for good with `error`: no reconnect; the caller learns it from connect(), `failed` and `ended`. */
  private fail(error: ConnectionError, socket: WebSocket | null): void {
    if (this.failure || this.closedByUser) return;
    this.failure = error;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.terminate();
    else this.finish();
  }

  /** Settles `ended`, and tells the caller of a failure (once). */
  private finish(): void {
    const settle = this.endedWith;
    if (!settle) return;
    this.endedWith = null;
    if (this.failure) this.options.onEvent?.({ type: 'failed', error: this.failure });
    this.rejectOpen?.(this.failure ?? new ConnectionError('gave-up', `closed before a connection to ${this.url} was ready`));
    settle(this.failure);
  }

  private rejectOpen: ((error: Error) => void) | null = null;

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      this.rejectOpen = (error) => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      const ready = (): void => {
        if (settled) return;
        settled = true;
        this.rejectOpen = null;
        resolve();
      };
      const attempt = (): void => {
        this.reconnectTimer = null;
        const socket = new WebSocket(this.url);
        socket.binaryType = 'nodebuffer';
        this.socket = socket;
        let opened = false;
        socket.on('unexpected-response', (_request: unknown, response: IncomingMessage) => {
          // The address answered the upgrade as plain HTTP: not a state server (a wrong path or
          // port), or one refusing this client (403: a browser origin it does not serve).
          const status = response.statusCode ?? 0;
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => { if (body.length < 200) body += chunk; });
          response.on('end', () => {
            const detail = body.trim() ? ` (${JSON.stringify(body.trim().slice(0, 120))})` : '';
            // 5xx, 408 and 429 may pass (a proxy before a restarting server): retried like a refused connection.
            if (status >= 500 || status === 408 || status === 429) return socket.terminate();
            this.fail(new ConnectionError('refused', `${this.url} answered the WebSocket upgrade with HTTP ${status}${detail}, not 101: it is not a QuantFlow state server (wrong port or path), or it refuses this client`), socket);
          });
          response.on('error', () => socket.terminate());
        });
        socket.on('open', () => {
          opened = true;
          const reconnected = this.everOpened;
          this.everOpened = true;
          this.attempts = 0;
          for (const [topic, state] of this.topics) this.resubscribe(topic, state);
          // With a token, connect() resolves once the server has accepted it (onReply); a control()
          // from here on (the open event's handler too) waits for that answer. A connection that
          // held control is taken back with its resume ticket instead.
          const token = this.options.token;
          const ticket = this.resumeTicket;
          if (token !== undefined || ticket !== null) {
            this.authAccepted = ready;
            this.authInFlight = true;
          }
          this.options.onEvent?.({ type: 'open', reconnected });
          if (ticket !== null) {
            this.resuming = true;
            return this.send({ op: 'resume', ticket, attempt: this.resumeAttempt, capabilities: [...CLIENT_CAPABILITIES] });
          }
          if (token === undefined) return ready();
          this.authenticateWith(socket);
        });
        socket.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(socket, data, isBinary));
        socket.on('error', () => {
          // 'close' follows and decides what to do.
        });
        socket.on('close', (code: number, reason: Buffer) => {
          if (this.socket === socket) this.socket = null;
          this.authAccepted = null;
          // The token was this connection's (a server binds it to the connection): the next one authenticates anew.
          this.connectionToken = undefined;
          // A resume cut off before its answer: the ticket is presented again next time.
          this.resuming = false;
          this.authSettled();
          for (const settle of this.pendingControls.values()) settle({ ok: false, code: 'disconnected', message: `the connection closed (${code}) before the server answered` });
          this.pendingControls.clear();
          const reasonText = reason.toString('utf8');
          if (opened) {
            this.downSinceMs = Date.now();
            this.options.onEvent?.({ type: 'close', code, reason: reasonText });
          }
          if (this.closedByUser || this.failure) return this.finish();
          if (code === CLOSE_CONTROL_RESUMED_ELSEWHERE) {
            this.failure = new ConnectionError('unauthorized', `${this.url} closed the connection (${code}): ${reasonText || 'another connection resumed its control'}`);
            return this.finish();
          }
          if (PERMANENT_CLOSE_CODES.has(code)) {
            this.failure = new ConnectionError('protocol', `${this.url} closed the connection with code ${code}${reasonText ? ` (${reasonText})` : ''}: it cannot speak the QuantFlow protocol with this client`);
            return this.finish();
          }
          if (!this.policy) {
            this.failure = new ConnectionError('gave-up', `the connection to ${this.url} closed (code ${code}) and reconnect is off`);
            return this.finish();
          }
          const downMs = Date.now() - this.downSinceMs;
          if (this.attempts >= this.policy.maxAttempts || downMs >= this.policy.giveUpAfterMs) {
            const bound = this.attempts >= this.policy.maxAttempts ? `${this.attempts} reconnect attempt(s) (maxAttempts)` : `${downMs} ms without a connection (giveUpAfterMs ${this.policy.giveUpAfterMs})`;
            this.failure = new ConnectionError('gave-up', `gave up on ${this.url} after ${bound}; last close code ${code}`);
            return this.finish();
          }
          this.attempts += 1;
          const delayMs = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** (this.attempts - 1), Math.max(0, this.policy.giveUpAfterMs - downMs));
          this.options.onEvent?.({ type: 'reconnecting', attempt: this.attempts, delayMs });
          this.reconnectTimer = setTimeout(attempt, delayMs);
        });
      };
      attempt();
    });
  }

  /** Resolves connect() once the server accepted the connect token. */
  private authAccepted: (() => void) | null = null;
  /** The token this connection authenticated with (control()'s default). */
  private connectionToken: string | undefined = undefined;
  /** An `auth` of this connection awaits the server's answer: control() with the default token waits for it. */
  private authInFlight = false;
  private authWaiters: (() => void)[] = [];

  private authSettled(): void {
    this.authInFlight = false;
    for (const wake of this.authWaiters.splice(0)) wake();
  }

  /** The ticket that takes this client's control back after a reconnect (the server's latest `ticket`). */
  private resumeTicket: string | null = null;
  /** This client's nonce for resumeTicket, sent with each presentation of it (a lost answer is then told from a stolen ticket). */
  private resumeAttempt = '';
  /** A `resume` of this connection awaits the server's answer. */
  private resuming = false;

  private authenticate(token: string): void {
    this.connectionToken = token;
    this.send({ op: 'auth', token, capabilities: [...CLIENT_CAPABILITIES] });
  }

  /** Sends `auth` with the connect token (a function signs one). */
  private authenticateWith(socket: WebSocket): void {
    const token = this.options.token!;
    if (typeof token === 'string') return this.authenticate(token);
    Promise.resolve().then(token).then(
      (signed) => { if (this.socket === socket) this.authenticate(signed); },
      (error: unknown) => this.fail(new ConnectionError('unauthorized', `the token function failed: ${(error as Error)?.message ?? String(error)}`), socket),
    );
  }

  subscribe<T extends TopicName>(topic: T, handler: TopicHandler<T>): Subscription {
    let state = this.topics.get(topic);
    if (!state) {
      state = { handlers: new Set(), last: null, resyncing: true, late: new Set() };
      this.topics.set(topic, state);
      state.handlers.add(handler as TopicHandler<TopicName>);
      this.send({ op: 'subscribe', topic });
    } else if (state.resyncing) {
      // The Snapshot on its way is for this handler too.
      state.handlers.add(handler as TopicHandler<TopicName>);
    } else {
      // A Snapshot of its own (the current orders, the fills backlog, the whole state), asked for once for all late handlers.
      if (state.late.size === 0) this.send({ op: 'subscribe', topic });
      state.late.add(handler as TopicHandler<TopicName>);
    }
    return {
      unsubscribe: () => {
        const current = this.topics.get(topic);
        if (!current) return;
        current.handlers.delete(handler as TopicHandler<TopicName>);
        current.late.delete(handler as TopicHandler<TopicName>);
        if (current.handlers.size === 0 && current.late.size === 0) {
          this.topics.delete(topic);
          this.send({ op: 'unsubscribe', topic });
        }
      },
    };
  }

  async control(action: ControlAction, token?: string): Promise<ControlResult> {
    // Right after a (re)connect, the default token is the one this connection is authenticating with.
    if (token === undefined && this.authInFlight) await new Promise<void>((wake) => this.authWaiters.push(wake));
    const id = this.nextControlId++;
    const signed = token ?? this.connectionToken;
    if (!this.connected) return Promise.resolve({ ok: false, code: 'disconnected', message: 'not connected' });
    return new Promise((resolve) => {
      this.pendingControls.set(id, resolve);
      // A token in the message binds it to this connection, which then earns a resume ticket.
      this.send({ op: 'control', id, action, ...(signed !== undefined ? { token: signed, capabilities: [...CLIENT_CAPABILITIES] } : {}) });
    });
  }

  lastSequence(topic: TopicName): bigint | null {
    return this.topics.get(topic)?.last ?? null;
  }

  async close(): Promise<void> {
    this.closedByUser = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return this.finish();
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

  private onMessage(socket: WebSocket, data: Buffer, isBinary: boolean): void {
    if (!isBinary) {
      const text = data.toString('utf8');
      let reply: unknown;
      try {
        reply = JSON.parse(text);
      } catch {
        reply = undefined;
      }
      if (!isServerMessage(reply)) {
        return this.fail(new ConnectionError('protocol', `${this.url} sent a text message that is not a QuantFlow server reply: ${JSON.stringify(text.slice(0, 80))}`), socket);
      }
      return this.onReply(socket, reply);
    }
    if (!hasFrameIdentifier(data)) {
      return this.fail(new ConnectionError('protocol', `${this.url} sent a binary message that is not a QuantFlow frame (no QFFR identifier, ${data.byteLength} bytes)`), socket);
    }
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
      if (!state.resyncing && state.late.size > 0) {
        // The Snapshot asked for late handlers: theirs alone; from here on they get the deltas too.
        state.last = update.sequence;
        const late = [...state.late];
        state.late.clear();
        for (const handler of late) state.handlers.add(handler);
        for (const handler of late) handler(update);
        return;
      }
      state.resyncing = false;
      for (const handler of state.late) state.handlers.add(handler);
      state.late.clear();
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

  private onReply(socket: WebSocket, message: ServerMessage): void {
    switch (message.type) {
      case 'subscribed':
        if (typeof message.epoch === 'string') this.serverEpoch = message.epoch;
        this.options.onEvent?.({ type: 'subscribed', topic: message.topic, sequence: BigInt(message.sequence), backfill: message.backfill, snapshot: message.snapshot !== false });
        return;
      case 'ticket':
        this.resumeTicket = message.ticket;
        this.resumeAttempt = randomBytes(16).toString('base64url');
        return;
      case 'auth':
        if (this.resuming) {
          // Spent either way (or refused): the server's next `ticket` is the one to keep.
          this.resuming = false;
          this.resumeTicket = null;
          return this.onResumed(socket, message);
        }
        this.options.onEvent?.(message.ok ? { type: 'auth', ok: true, who: message.who } : { type: 'auth', ok: false, message: message.message });
        // The connect token refused (a wrong key, expired, replayed): reconnecting with it cannot help.
        // ('disabled': a server without control; the connection stays, read-only.)
        this.authSettled();
        if (!message.ok && message.code === 'unauthorized') return this.fail(new ConnectionError('unauthorized', `${this.url} refused the token: ${message.message}`), socket);
        this.authAccepted?.();
        this.authAccepted = null;
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
      default: {
        // A kind from a newer server: ignored, so a new message never breaks this client.
        const messageType = (message as { type: string }).type;
        this.unknownMessages += 1;
        this.options.onEvent?.({ type: 'unknown-message', messageType });
      }
    }
  }

  /**
   * The answer to a `resume`: control is back; or the ticket was refused. Then a client given a
   * token authenticates with it (a function signs a new one) when the ticket merely expired or
   * was forgotten, and otherwise stops (`unauthorized`: a ticket used first by another party means
   * it leaked); a client without one stays connected, read-only, and is told by the `resume` event.
   */
  private onResumed(socket: WebSocket, message: Extract<ServerMessage, { type: 'auth' }>): void {
    if (message.ok) {
      this.options.onEvent?.({ type: 'resume', ok: true, who: message.who, ...(message.repeated ? { repeated: true } : {}) });
      this.authSettled();
      this.authAccepted?.();
      this.authAccepted = null;
      return;
    }
    const reason = message.resume;
    this.options.onEvent?.({ type: 'resume', ok: false, message: message.message, ...(reason ? { reason } : {}) });
    const token = this.options.token;
    // Not a sign of theft: the token is tried (a function signs a new one; a fixed one is judged by
    // the server, which refuses it as used unless it forgot it, as an in-memory server restarted does).
    if (token !== undefined && (reason === 'expired' || reason === 'unknown')) return this.authenticateWith(socket);
    this.authSettled();
    if (token !== undefined && message.code === 'unauthorized') {
      return this.fail(new ConnectionError('unauthorized', `${this.url} refused this client's resume ticket after a reconnect: ${message.message}`), socket);
    }
    this.authAccepted?.();
    this.authAccepted = null;
  }
}

/**
 * A server reply: a JSON object with a string `type`. Kinds this library does not know pass
 * (onReply ignores and counts them); anything else is not this protocol.
 */
function isServerMessage(value: unknown): value is ServerMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && type !== '';
}

/** A FlatBuffers frame names its schema at bytes 4..8: QFFR (schemas/frames.fbs). */
function hasFrameIdentifier(data: Buffer): boolean {
  return data.byteLength >= 8 && data.toString('latin1', 4, 8) === 'QFFR';
}

/**
 * Connects to a state server (`ws://127.0.0.1:PORT/`); resolves once the first connection is
 * open (and, with a token, the server accepted it). Rejects with a ConnectionError on a permanent
 * failure, or when the reconnect bound is reached before any connection was ready.
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<QuantFlowClient> {
  const connection = new Connection(url, options);
  await connection.open();
  return connection;
}
