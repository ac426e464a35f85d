// The state server: a uWebSockets.js app on the I/O thread, bound to 127.0.0.1 by default
// (port 0 picks a free port; the chosen one is returned). WebSocket clients subscribe to topics
// and get a Snapshot then Deltas as FlatBuffers frames (topics.ts, frame-encoder.ts); slow
// clients are coalesced, then dropped (client-session.ts); control actions need a signed token
// (control.ts), and a connection that held control takes it back after a reconnect with the
// resume ticket it was given (rotated before it expires; engine/killswitch ResumeTicketStore;
// sent only to a client that declared the `ticket` capability, so older clients keep working);
// `/health` and `/metrics` are plain HTTP (http.ts), and so are static files when
// given (static-files.ts: the dashboard). The data comes from a
// StateSource (state-source.ts): its deltas are encoded once and sent without waiting for any
// client, so a client never slows whoever feeds the source. What one synchronous run sends to a
// client (a burst of deltas) is written at its end in one uWS cork (CorkedSocket below).
// Clients in good standing get deltas through uWS's native pub/sub: one `app.publish` per delta
// reaches all of them from C++ (topics.ts TopicHub says who is on it and moves slow clients off it).
// uWS options: `maxBackpressure` is set far above the hard limit, so uWS never skips a frame for
// a client the session still serves (a native client leaves the topic at the soft limit, checked
// at least every `checkEveryBytes` published); `closeOnBackpressureLimit` stays off (the session
// closes with 4008 and a reason instead), and a send uWS still reports DROPPED closes the client
// the same way; `sendPingsAutomatically` keeps idle connections alive (idleTimeout 120 s).
import { createServer as createNetServer } from 'node:net';
import { createRequire } from 'node:module';
import type { TemplatedApp, WebSocket, us_listen_socket } from 'uWebSockets.js';
import {
  CLOSE_CONTROL_RESUMED_ELSEWHERE, CLOSE_DROPPED_BY_HOST, CLOSE_MESSAGE_TOO_BIG, CLOSE_SERVER_CLOSING, CLOSE_SLOW_CONSUMER, TOPIC_NAMES, isClientCapability, type TopicName,
} from '../client/index.js';
import { ResumeTicketStore, type ControlTokenConfig, type IssuedTicket, type ResumeGrant, type UsedTokenLedger } from '../killswitch/index.js';
import { ClientSession, SETTLED_INBOX, type SessionLimits } from './client-session.js';
import { parseClientMessage } from './client-message.js';
import { ControlGate, MalformedMessageError, type ControlHandler, type ControlOutcomeReply, type ControlRefusalListener, type ControlResumeEvent, type ControlResumeListener } from './control.js';
import { healthReport, hostCheckedRouter, registerHttpRoutes, type HealthReport, type RunCatalog } from './http.js';
import { ServerMetrics } from './server-metrics.js';
import type { StateSource } from './state-source.js';
import { registerStaticRoutes, type StaticMount } from './static-files.js';
import { TopicHub } from './topics.js';

type UWS = typeof import('uWebSockets.js');

export interface StateServerOptions {
  source: StateSource;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** How control tokens are verified (config.control); null or absent: control is disabled. */
  tokens?: ControlTokenConfig | null;
  /**
   * The control tokens already used (by jti): a token is bound to the first connection that
   * presents it. Default: in memory (forgotten on restart); sessions pass the persistent one
   * beside their kill-switch state (engine/killswitch DirectoryTokenLedger).
   */
  usedTokens?: UsedTokenLedger;
  /**
   * The resume tickets of connections that held control (control.ts). Default: in memory, 10
   * minutes each (a restart forgets them); sessions pass the persistent one beside the used tokens
   * (engine/killswitch DirectoryTicketStore).
   */
  resumeTickets?: ResumeTicketStore;
  /** Journals and applies a control action; absent: control is disabled. */
  onControl?: ControlHandler;
  /** Told of the actions refused before onControl saw them (ControlGate). */
  onControlRefused?: ControlRefusalListener;
  /** Told of each resume ticket presented: resumed (and from which open connection), refused, failed (the host's log). */
  onControlResumed?: ControlResumeListener;
  /** Coalescing starts above this many bytes buffered for a client. Default 1 MiB. */
  softLimitBytes?: number;
  /** A client is disconnected above this many bytes buffered. Default 16 MiB. */
  hardLimitBytes?: number;
  /** A client above the soft limit for longer than this is disconnected. Default 30 s. */
  stallLimitMs?: number;
  /** Fills kept for backfill. Default 10,000. */
  fillBacklog?: number;
  /** Orders kept for the orders Snapshot. Default 10,000. */
  orderBacklog?: number;
  /** Static files served over HTTP (the dashboard: static-files.ts dashboardMounts). Default none. */
  staticFiles?: readonly StaticMount[];
  /** Backtest runs served at /api/runs and /runs/<id>/<file> (engine/backtest RunStore). Default none. */
  runs?: RunCatalog | null;
}

export interface StateServer {
  readonly host: string;
  readonly port: number;
  /** ws://host:port/ */
  readonly url: string;
  /** Names this server's sequences (`subscribed.epoch`; topics.ts). */
  readonly epoch: string;
  readonly metrics: ServerMetrics;
  /** Connected clients. */
  clientCount(): number;
  /** Clients on `topic`'s native fan-out (uWS pub/sub) now; the others are on the JS path. */
  nativeClientCount(topic: TopicName): number;
  /** Closes every client connection (they may reconnect): a host's "drop clients". */
  disconnectAll(reason: string): void;
  health(): HealthReport;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

interface SessionData {
  session: ClientSession | null;
  socket: CorkedSocket | null;
}

/** The largest client message read: a larger one closes its connection with CLOSE_MESSAGE_TOO_BIG and the reason. */
export const MAX_CLIENT_MESSAGE_BYTES = 1 << 20;

/**
 * What uWS takes in one message before it drops the connection itself, with no close frame (the
 * client sees 1006): above MAX_CLIENT_MESSAGE_BYTES, so a message between the two gets the close
 * code and the reason instead. uWS reserves a frame's declared size before reading it, so this
 * also bounds what one connection can make the server hold.
 */
const TRANSPORT_MAX_MESSAGE_BYTES = 16 << 20;

/** A native topic every socket joins and nothing is published to (CorkedSocket). */
const ANCHOR_TOPIC = '\u0000anchor';

/** Sockets with messages queued in this turn of the event loop, flushed once (a microtask). */
class Outbox {
  private readonly dirty: CorkedSocket[] = [];
  private scheduled = false;
  private readonly flush = (): void => {
    this.scheduled = false;
    for (let i = 0; i < this.dirty.length; i++) this.dirty[i].flush();
    this.dirty.length = 0;
  };

  add(socket: CorkedSocket): void {
    this.dirty.push(socket);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }
}

/**
 * A session's socket: what the session sends in one synchronous run (a publish burst: the
 * topics of one source tick, or many deltas) is queued and written once the run ends, inside one
 * uWS cork, so one write(2) carries many frames instead of one each. The queued bytes count as
 * buffered, so the session's soft and hard limits see them.
 */
class CorkedSocket {
  private readonly queue: { message: Uint8Array | string; isBinary: boolean }[] = [];
  private queuedBytes = 0;
  private gone = false;
  private dropped = 0;
  private readonly writeAll = (): void => {
    const queue = this.queue;
    for (let i = 0; i < queue.length; i++) if (this.ws.send(queue[i].message, queue[i].isBinary) === 2) this.dropped++;
  };

  constructor(private readonly ws: WebSocket<SessionData>, private readonly outbox: Outbox, private readonly onDropped: (frames: number) => void) {
    // uWS 20.30 frees a socket's subscriber when it leaves its last topic, losing the frames
    // published to it but not yet written (fixed upstream in Nov 2023, 7da88ce): a topic nobody
    // publishes to keeps it.
    ws.subscribe(ANCHOR_TOPIC);
  }

  send(message: Uint8Array | string, isBinary: boolean): number {
    if (this.gone) return 2;
    if (this.queue.length === 0) this.outbox.add(this);
    this.queue.push({ message, isBinary });
    this.queuedBytes += typeof message === 'string' ? message.length : message.byteLength;
    return 1;
  }

  getBufferedAmount(): number {
    return this.gone ? 0 : this.ws.getBufferedAmount() + this.queuedBytes;
  }

  end(code: number, reason: string): void {
    this.flush();
    this.gone = true;
    this.ws.end(code, reason);
  }

  /** Writes the queue in one cork. */
  flush(): void {
    if (this.queue.length === 0) return;
    if (!this.gone) this.ws.cork(this.writeAll);
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (this.dropped > 0) {
      const dropped = this.dropped;
      this.dropped = 0;
      this.onDropped(dropped);
    }
  }

  subscribeNative(topic: string): void {
    if (!this.gone) this.ws.subscribe(topic);
  }

  unsubscribeNative(topic: string): void {
    if (!this.gone) this.ws.unsubscribe(topic);
  }

  /** uWS closed the connection: nothing more is written. */
  closed(): void {
    this.gone = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }
}

function checkLimit(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`\`${name}\` must be an integer >= ${min}, was ${value}`);
  return value;
}

export async function startStateServer(options: StateServerOptions): Promise<StateServer> {
  const uws = createRequire(import.meta.url)('uWebSockets.js') as UWS;
  const host = options.host ?? '127.0.0.1';
  const limits: SessionLimits = {
    softLimitBytes: checkLimit('softLimitBytes', options.softLimitBytes ?? 1 << 20, 1),
    hardLimitBytes: checkLimit('hardLimitBytes', options.hardLimitBytes ?? 16 << 20, 1),
    stallLimitMs: checkLimit('stallLimitMs', options.stallLimitMs ?? 30_000, 1),
  };
  if (limits.hardLimitBytes <= limits.softLimitBytes) throw new RangeError(`\`hardLimitBytes\` must be above \`softLimitBytes\` (${limits.softLimitBytes}), was ${limits.hardLimitBytes}`);
  const { source } = options;
  const metrics = new ServerMetrics(source.counters ? () => source.counters!() : undefined, source.latency ? () => source.latency!() : undefined);
  metrics.initTopics(TOPIC_NAMES);
  const hub = new TopicHub({
    fillBacklog: checkLimit('fillBacklog', options.fillBacklog ?? 10_000, 1),
    orderBacklog: checkLimit('orderBacklog', options.orderBacklog ?? 10_000, 1),
    // One app.publish per delta for every client on the native fan-out (app: below, before any delta).
    native: { publish: (topic, bytes) => void app.publish(topic, bytes, true) },
    // A native client overshoots the soft limit by at most about this much before it is moved off.
    checkEveryBytes: Math.max(4096, Math.min(limits.softLimitBytes, (limits.hardLimitBytes - limits.softLimitBytes) >> 2)),
    metrics,
  });
  for (const topic of TOPIC_NAMES) {
    const payload = source.snapshot(topic);
    if (payload !== null) hub.seed(topic, payload);
  }
  const control = new ControlGate(options.tokens ?? null, options.onControl ?? null, options.onControlRefused ?? null, options.usedTokens, options.resumeTickets ?? new ResumeTicketStore());
  const sessions = new Set<ClientSession>();
  const sessionsById = new Map<number, ClientSession>();
  const outbox = new Outbox();
  const startedMs = Date.now();
  let nextSessionId = 1;
  let closing = false;

  const subscribe = (session: ClientSession, topic: TopicName, since: bigint | null, sinceEpoch: string | undefined): void => {
    session.unsubscribe(topic);
    const plan = hub.subscribe(session, topic, since, sinceEpoch);
    session.reply({ type: 'subscribed', topic, sequence: (plan?.sequence ?? hub.sequenceOf(topic)).toString(), backfill: plan?.backfill ?? 'none', epoch: hub.epoch, snapshot: plan !== null });
    if (plan) session.sendSnapshot(topic, plan.bytes, plan.sequence);
    hub.settle(session);
  };

  /** Runs `work` after the session's pending messages; the inbox is settled again once nothing waits. */
  const enqueue = (session: ClientSession, work: () => void | Promise<void>): void => {
    const next = session.inbox.then(work).catch((error: unknown) => {
      session.reply({ type: 'error', code: 'internal', message: `the message could not be handled: ${(error as Error).message ?? String(error)}` });
    });
    session.inbox = next;
    void next.then(() => {
      if (session.inbox === next) session.inbox = SETTLED_INBOX;
    });
  };

  const sendTicket = (session: ClientSession, who: string, issued: IssuedTicket): void => {
    session.reply({ type: 'ticket', ticket: issued.ticket, who, expiresAt: new Date(issued.expiresAtSeconds * 1000).toISOString() });
  };

  /** The connection now holds `grant` (a token just bound to it): its resume ticket; a grant it held before can no longer be resumed. */
  /**
   * A ticket the store could not keep (its directory unwritable, the disk full) costs the
   * connection its resumption, not its control nor the process: the client is told.
   */
  const ticketFailed = (session: ClientSession, error: unknown): void => {
    session.reply({ type: 'error', code: 'internal', message: `no resume ticket could be kept for this connection's control (${(error as Error)?.message ?? String(error)}): it still holds control, but after a reconnect it needs a new control token` });
  };

  /**
   * A client that did not declare the `ticket` capability (one of the previous protocol version,
   * which stops on a message kind it does not know) holds control as before but is sent no ticket,
   * and none is kept for it: after a drop it presents a new token, as it always did.
   */
  const takesTickets = (session: ClientSession): boolean => session.capabilities.has('ticket');

  const holdGrant = (session: ClientSession, grant: ResumeGrant): void => {
    if (session.closed) return;
    try {
      if (session.grant !== null && session.grant.jti !== grant.jti) control.tickets.revoke(session.grant.jti);
      session.grant = grant;
      if (!takesTickets(session)) return;
      sendTicket(session, grant.who, control.tickets.issue(grant));
    } catch (error) {
      ticketFailed(session, error);
    }
  };

  /** Rotates the tickets of connections holding control before they expire (the previous one stays good until either is used). */
  /** Grants whose rotation failed: told once, not tried again (the connection keeps its current ticket until it expires). */
  const rotationFailed = new WeakSet<ResumeGrant>();
  const rotateTickets = (): void => {
    for (const session of sessions) {
      const grant = session.grant;
      if (session.closed || grant === null || rotationFailed.has(grant) || !takesTickets(session)) continue;
      try {
        if (!control.tickets.dueForRotation(grant.jti)) continue;
        const issued = control.tickets.rotate(grant.jti);
        if (issued) sendTicket(session, grant.who, issued);
      } catch (error) {
        rotationFailed.add(grant);
        ticketFailed(session, error);
      }
    }
  };
  // Once a second (a walk over the connections, most of which hold nothing): well inside a ticket's half life.
  const rotationTimer = setInterval(rotateTickets, 1000);
  rotationTimer.unref();

  const malformed = (session: ClientSession, message: string, code: 'malformed' | 'unknown-topic' = 'malformed'): void => {
    metrics.malformedMessages.inc();
    session.reply({ type: 'error', code, message });
  };

  const onText = (session: ClientSession, text: string): void => {
    let message;
    try {
      message = parseClientMessage(text);
    } catch (error) {
      if (error instanceof MalformedMessageError) {
        malformed(session, error.message, error.code);
        // A control message with an id gets its control reply too, so the client waiting on that
        // id learns the action was refused instead of waiting forever.
        const id = controlIdOf(text);
        if (id !== null) session.reply({ type: 'control', id, ok: false, code: 'refused', message: `malformed control message: ${error.message}` });
        return;
      }
      throw error;
    }
    // Only the names this server knows are kept (a bounded set whatever a client sends).
    for (const capability of message.capabilities ?? []) if (isClientCapability(capability)) session.capabilities.add(capability);
    // A client presenting a ticket understands tickets (its answer carries the next one).
    if (message.op === 'resume') session.capabilities.add('ticket');
    switch (message.op) {
      case 'subscribe':
        subscribe(session, message.topic, message.since === undefined ? null : BigInt(message.since), message.epoch);
        return;
      case 'unsubscribe':
        hub.unsubscribe(session, message.topic);
        session.reply({ type: 'unsubscribed', topic: message.topic });
        return;
      case 'auth':
        // Settled before this connection's next message (ClientSession.inbox). A failed auth
        // leaves the connection read-only, whoever it was before.
        enqueue(session, async () => {
          const result = await control.authorize(message.token, session.id);
          if (result.ok) {
            session.who = result.who;
            session.token = message.token;
            session.reply({ type: 'auth', ok: true, who: result.who });
            holdGrant(session, result.grant);
          } else {
            session.who = null;
            session.token = null;
            session.grant = null;
            session.reply({ type: 'auth', ok: false, code: result.code, message: result.message });
          }
        });
        return;
      case 'resume':
        // Like an auth: settled before this connection's next message.
        enqueue(session, () => {
          // The host's log; a listener that throws does not change the answer.
          const tell = (event: ControlResumeEvent): void => {
            try {
              options.onControlResumed?.(event);
            } catch {
              // (its own failure to log is the host's to report)
            }
          };
          let result: ReturnType<typeof control.resume>;
          try {
            result = control.resume(message.ticket, session.id, message.attempt);
          } catch (error) {
            // The store could not record the resume (a full disk): answered, so the client does not wait for ever.
            metrics.controlResumes.inc({ outcome: 'failed' });
            session.who = null;
            session.token = null;
            session.grant = null;
            const message = `the resume could not be recorded (${(error as Error)?.message ?? String(error)}): this connection is read-only; present a new control token`;
            session.reply({ type: 'auth', ok: false, code: 'failed', message });
            tell({ sessionId: session.id, outcome: 'failed', who: null, tookOver: null, why: message });
            return;
          }
          if (!result.ok) {
            metrics.controlResumes.inc({ outcome: result.resume ?? result.code });
            session.who = null;
            session.token = null;
            session.grant = null;
            session.reply({ type: 'auth', ok: false, code: result.code, message: result.message, ...(result.resume ? { resume: result.resume } : {}) });
            tell({ sessionId: session.id, outcome: 'refused', who: null, tookOver: null, why: result.message });
            return;
          }
          metrics.controlResumes.inc({ outcome: 'resumed' });
          session.who = result.grant.who;
          session.token = null;
          session.grant = result.grant;
          session.reply({ type: 'auth', ok: true, who: result.grant.who, resumed: true, ...(result.repeated ? { repeated: true } : {}) });
          sendTicket(session, result.grant.who, result.next);
          // The connection it came from, if still open here (a half-open socket, or the ticket was
          // stolen): closed, saying so, so its client learns it lost control.
          const previous = result.previousSessionId === null ? undefined : sessionsById.get(result.previousSessionId);
          const tookOver = previous && !previous.closed ? previous.id : null;
          const how = result.repeated ? 'its resume ticket again (the answer to its first presentation was lost with that connection)' : 'its resume ticket';
          tell({ sessionId: session.id, outcome: 'resumed', who: result.grant.who, tookOver, why: tookOver === null ? how : `${how}, from connection ${tookOver}, still open here and now closed` });
          if (previous && !previous.closed) {
            previous.grant = null;
            previous.who = null;
            previous.token = null;
            previous.close(CLOSE_CONTROL_RESUMED_ELSEWHERE, `control resumed by another connection with this connection's resume ticket (subject ${JSON.stringify(result.grant.who).slice(0, 60)}); if that was not this client, its ticket leaked`);
          }
        });
        return;
      case 'control': {
        const credential = message.token ?? session.token ?? session.grant;
        // Admitted in order (behind this connection's earlier messages); the host's handler then
        // runs at once and the reply follows when it is done, without holding later messages.
        // Whatever fails on the way (the host's refusal listener too) still answers the action's
        // id, as failed, so the client waiting on it is not left waiting.
        const failed = (error: unknown): ControlOutcomeReply => ({
          reply: { type: 'control', id: message.id, ok: false, code: 'failed', message: `${message.action.kind} could not be judged: ${(error as Error)?.message ?? String(error)}` },
          outcome: 'failed',
        });
        enqueue(session, async () => {
          // A token in the message bound to this connection just now: its resume ticket.
          const admitted = await control.admit(message.id, message.action, credential, session.id, (authorized) => { if (authorized.fresh) holdGrant(session, authorized.grant); }).catch(failed);
          const done = 'proceed' in admitted ? admitted.proceed().catch(failed) : Promise.resolve(admitted);
          void done.then(({ reply, outcome }) => {
            metrics.controlActions.inc({ action: message.action.kind, outcome });
            session.reply(reply);
          });
        });
        return;
      }
    }
  };

  const loopbackOnly = isLoopbackName(host);
  const app: TemplatedApp = uws.App();
  const behavior = {
    // Messages up to 1 MiB reach the parser, which answers one over its 16 KiB limit as malformed
    // and keeps the connection; a larger one closes it with 1009 and the reason (message below),
    // up to the transport's limit, past which uWS closes it without a close frame (1006).
    maxPayloadLength: TRANSPORT_MAX_MESSAGE_BYTES,
    // The session applies the limits; uWS itself never drops a send (see the header).
    maxBackpressure: limits.hardLimitBytes * 4,
    closeOnBackpressureLimit: 0,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    open: (ws: WebSocket<SessionData>) => {
      const socket = new CorkedSocket(ws, outbox, (frames) => {
        metrics.slowClientDisconnects.inc();
        session.close(CLOSE_SLOW_CONSUMER, `slow consumer: ${frames} frame(s) dropped at the transport's backpressure limit of ${limits.hardLimitBytes * 4} bytes`);
      });
      const session = new ClientSession(nextSessionId++, socket, limits, metrics);
      ws.getUserData().session = session;
      ws.getUserData().socket = socket;
      sessions.add(session);
      sessionsById.set(session.id, session);
      metrics.clients.set(sessions.size);
    },
    message: (ws: WebSocket<SessionData>, message: ArrayBuffer, isBinary: boolean) => {
      const session = ws.getUserData().session;
      if (!session || session.closed) return;
      if (message.byteLength > MAX_CLIENT_MESSAGE_BYTES) {
        metrics.malformedMessages.inc();
        session.close(CLOSE_MESSAGE_TOO_BIG, `a message must be at most ${MAX_CLIENT_MESSAGE_BYTES} bytes, was ${message.byteLength}`);
        return;
      }
      if (isBinary) return malformed(session, `client messages must be JSON text, was a binary message of ${message.byteLength} bytes`);
      const text = Buffer.from(message).toString('utf8');
      // In order behind an auth still being checked; at once otherwise (the usual case).
      if (session.inbox === SETTLED_INBOX) onText(session, text);
      else enqueue(session, () => { if (!session.closed) onText(session, text); });
    },
    drain: (ws: WebSocket<SessionData>) => {
      const session = ws.getUserData().session;
      if (session) hub.drained(session);
    },
    close: (ws: WebSocket<SessionData>) => {
      ws.getUserData().socket?.closed();
      const session = ws.getUserData().session;
      if (!session) return;
      session.markClosed();
      hub.remove(session);
      sessions.delete(session);
      sessionsById.delete(session.id);
      metrics.clients.set(sessions.size);
    },
  };
  app.ws<SessionData>('/', {
    ...behavior,
    upgrade: (res, req, context) => {
      // A browser names the page's origin: only the dashboard's own (the origin's host is the
      // Host the request came to) may read the streams, not any page the operator has open; on a
      // loopback server that Host must be a loopback name too, or a page whose name was rebound
      // to 127.0.0.1 (DNS rebinding) would be its own origin. Clients that are not browsers send
      // no Origin. No subprotocol is spoken, so none is echoed.
      const origin = req.getHeader('origin');
      const refusal = origin === '' ? null : originRefusal(origin, req.getHeader('host'), loopbackOnly);
      if (refusal !== null) {
        metrics.refusedUpgrades.inc();
        res.cork(() => {
          res.writeStatus('403 Forbidden').writeHeader('Content-Type', 'application/json').writeHeader('Cache-Control', 'no-store').end(JSON.stringify({ error: refusal }));
        });
        return;
      }
      res.upgrade<SessionData>({ session: null, socket: null }, req.getHeader('sec-websocket-key'), '', req.getHeader('sec-websocket-extensions'), context);
    },
  });
  const health = (): HealthReport => healthReport(source.health?.(), sessions.size, startedMs, closing);
  // Same-origin GETs carry no Origin: on a loopback server the Host alone tells a page whose name
  // was rebound to 127.0.0.1 (it could read /metrics, /api/runs and the runs' reports) from the dashboard.
  const routes = hostCheckedRouter(app, (requestHost) => (loopbackOnly ? hostRefusal(requestHost) : null));
  if (options.staticFiles?.length) registerStaticRoutes(routes, options.staticFiles);
  registerHttpRoutes(routes, { metrics, health, runs: options.runs });

  // This uWS build shares a port another process listens on (SO_REUSEPORT, and its listen
  // options are ignored), so an explicit port is first probed with an exclusive bind.
  if ((options.port ?? 0) !== 0) await probePortFree(host, options.port!);
  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(host, options.port ?? 0, (token) => {
      if (token) resolve(token);
      else reject(new Error(`the state server could not listen on ${host}:${options.port ?? 0} (in use, or not a local address)`));
    });
  });
  const port = uws.us_socket_local_port(listenSocket as unknown as Parameters<UWS['us_socket_local_port']>[0]);
  const unsubscribeSource = source.onDelta((delta) => hub.publish(delta));

  const closeSessions = (code: number, reason: string): void => {
    for (const session of [...sessions]) session.close(code, reason);
  };
  return {
    host,
    port,
    url: `ws://${host}:${port}/`,
    epoch: hub.epoch,
    metrics,
    clientCount: () => sessions.size,
    nativeClientCount: (topic) => app.numSubscribers(topic),
    disconnectAll: (reason) => closeSessions(CLOSE_DROPPED_BY_HOST, reason),
    health,
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(rotationTimer);
      unsubscribeSource();
      uws.us_listen_socket_close(listenSocket);
      closeSessions(CLOSE_SERVER_CLOSING, 'the server is closing');
    },
  };
}

/** Rejects when another process listens on host:port (the probe closes before uWS binds). */
function probePortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`the state server could not listen on ${host}:${port} (${error.code === 'EADDRINUSE' ? 'in use' : error.code ?? error.message})`)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Whether `name` (a host as in a URL: 127.0.0.1, [::1], localhost) is a loopback address. */
export function isLoopbackName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'localhost' || lower.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(lower) || lower === '::1' || lower === '[::1]';
}

/**
 * Why a request to a server on a loopback address is refused for its Host header (`host`), or
 * null: a Host naming a loopback address (or none, as an HTTP/1.0 client sends) is taken.
 */
export function hostRefusal(host: string): string | null {
  if (host === '') return null;
  let hostName: string | null;
  try {
    hostName = new URL(`http://${host}`).hostname;
  } catch {
    hostName = null;
  }
  if (hostName !== null && isLoopbackName(hostName)) return null;
  return `the request's Host ${JSON.stringify(host.slice(0, 100))} is not a loopback name, and this server listens on a loopback address: a name rebound to 127.0.0.1 (DNS rebinding) is refused; use http://127.0.0.1:PORT/ or http://localhost:PORT/`;
}

/**
 * Why a WebSocket upgrade from `origin` (a browser page) is refused, or null when the page is this
 * server's own (`host`, the request's Host header). `loopbackOnly` (a server bound to a loopback
 * address): the Host must name a loopback address, so a page of another name that resolves to
 * 127.0.0.1 (DNS rebinding) is not taken for the dashboard.
 */
export function originRefusal(origin: string, host: string, loopbackOnly = false): string | null {
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return `the upgrade's Origin ${JSON.stringify(origin)} is not a URL`;
  }
  if (loopbackOnly && hostRefusal(host) !== null) {
    return `a page from ${origin} may not read this server's streams: it listens on a loopback address, and the upgrade's Host ${JSON.stringify(host)} is not one (a name rebound to 127.0.0.1); open the dashboard as http://127.0.0.1:PORT/ or http://localhost:PORT/`;
  }
  if (host !== '' && originHost.toLowerCase() === host.toLowerCase()) return null;
  return `a page from ${origin} may not read this server's streams: only its own dashboard (Origin matching Host ${JSON.stringify(host)}) or clients that send no Origin`;
}

/** The `id` of a control message that did not parse as one, when it has a usable id. */
function controlIdOf(text: string): number | null {
  try {
    const raw = JSON.parse(text) as { op?: unknown; id?: unknown } | null;
    return raw !== null && typeof raw === 'object' && raw.op === 'control' && Number.isSafeInteger(raw.id) ? (raw.id as number) : null;
  } catch {
    return null;
  }
}
