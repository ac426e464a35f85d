// Outgoing webhooks (config `monitoring.webhooks`): critical events POSTed as JSON to each hook
// that subscribed to their kind (killSwitch, fill, riskDenial, modelAlert, feedHealth). With a
// `secret`, the body is signed: `X-QuantFlow-Signature: sha256=<hex HMAC-SHA256 of the body>`.
// Each event has an id, in its body (`id`) and in the `Idempotency-Key` and `X-QuantFlow-Delivery`
// headers: the same on every attempt, for every hook, and after a restart, and different for every
// event, so a receiver that answered too late (the POST timed out here but was processed there),
// or whose 2xx a crash kept from being recorded, gets the resend as a duplicate it can drop.
// With an `outbox` (webhook-outbox.ts, a live session's: in its journal directory), each queued
// event is stored durably before any POST of it is attempted: the events queued in one turn of the
// event loop (a burst of risk denials after a trip) in one write transaction, at the end of that
// turn, then sent; each is removed once delivered (2xx), in one write transaction with the
// others delivered since the last: committed once no POST is in flight (a hook working through a
// backlog one event at a time removes the backlog in one commit, not one per event), or when
// REMOVAL_BATCH are waiting (a crash before that commit sends those events again: still at least
// once, deduped by their ids); a notifier
// opened on the outbox after a crash or a stop sends the events left there first, with their ids:
// delivery is at least once. Without one, what is queued when the process ends is lost.
// `notify` only enqueues and returns: delivery runs on the I/O thread's event loop, so the engine
// never waits for a receiver. Each hook has a bounded queue and delivers one event at a time, in
// order; when the queue is full the oldest event is dropped and counted, but never a kill-switch
// event while another kind can go (after a trip every order is denied, and a flood of riskDenial
// events would otherwise push the trip itself out), nor the event in flight; a failure (network error,
// timeout, non-2xx) is retried with exponential backoff (base, doubling, capped) up to
// `maxAttempts`, then dropped and counted as failed. A 429 or 503 with Retry-After (seconds or
// an HTTP date) waits at least that long (at most `maxBackoffMs`) before the next attempt.
// Redirects are not followed: fetch would turn a POST answered by 301/302/303 into a GET
// without the event (which the new location answers 200) and would send the signed body to
// wherever a 307/308 points; a redirect is a failure like a non-2xx.
// Events an outbox session's journal caused (fills) carry a mark, their journal position: stored
// with the event in one transaction, it tells the next start which of the events its recovery
// replays were stored (at or before the mark) and which a kill between the journal and the
// outbox lost (after it); those are posted then, with the id derived from their position (the
// same the killed process gave them), so a receiver that got one anyway dedupes it.
// What is lost or left for the next start is said through `log` (the session's stderr): an event
// given up after its attempts (with the last failure; with an outbox it stays there for the next
// start), a queue that overflowed (once until it empties) and events still queued at close. Hooks are named by origin only: a URL's path and query often hold the
// receiver's secret (Slack and similar hooks).
import { createHmac, randomUUID } from 'node:crypto';
import { derivedEventId, type WebhookOutbox } from './webhook-outbox.js';

export const WEBHOOK_EVENTS = ['killSwitch', 'fill', 'riskDenial', 'modelAlert', 'feedHealth'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookConfig {
  url: string;
  events: readonly WebhookEvent[];
  /** HMAC-SHA256 key of the signature header; absent: unsigned. */
  secret?: string;
}

export interface WebhookOptions {
  /** Events kept per hook while undelivered. Default 1000. */
  queueLimit?: number;
  /** Attempts per event (the first included). Default 5. */
  maxAttempts?: number;
  /** First retry delay, ms (then doubling). Default 500. */
  backoffMs?: number;
  /** Longest retry delay, ms. Default 30,000. */
  maxBackoffMs?: number;
  /** One POST's timeout, ms. Default 10,000. */
  timeoutMs?: number;
  /** Where lost events are reported (one line each; the session's log). Default: nowhere. */
  log?: (line: string) => void;
  /**
   * Where queued events are kept until delivered (at least once across a crash), and which of its
   * entries are this notifier's (`scope`): those left undelivered are loaded and sent first.
   * `marks`: the mark names the scope's events use (recorded as known with its marks).
   */
  outbox?: { store: WebhookOutbox; scope: string; marks?: readonly string[] };
}

/** How `notify` names an event the journal caused: its journal position. */
export interface JournalPosition {
  /** The mark's name: which kind of position (e.g. 'fill:paper', 'fill:inbound'). */
  mark: string;
  /** The position: grows with the journal. */
  at: bigint;
}

export interface WebhookCounters {
  delivered: number;
  retried: number;
  failed: number;
  droppedQueueFull: number;
}

/** Delivered events whose removal waits for the POSTs in flight: at this many they are committed anyway (what a crash would send again). */
export const REMOVAL_BATCH = 64;

export const SIGNATURE_HEADER = 'x-quantflow-signature';
export const DELIVERY_HEADER = 'x-quantflow-delivery';
/** The event's id again, under the name receivers (and HTTP APIs) commonly dedupe by. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The signature header's value for `body` under `secret`. */
export function webhookSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Checks `monitoring.webhooks` entries; the message names the entry, field, value and rule. */
export function checkWebhookConfigs(value: unknown, where = 'monitoring.webhooks'): WebhookConfig[] {
  if (!Array.isArray(value)) throw new RangeError(`\`${where}\` must be a list, was ${JSON.stringify(value)}`);
  return value.map((entry, i) => {
    const at = `${where}[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new RangeError(`\`${at}\` must be an object with url and events, was ${JSON.stringify(entry)}`);
    const { url, events, secret, ...rest } = entry as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new RangeError(`\`${at}.${extra[0]}\` is not a webhook field (url, events, secret)`);
    let parsed: URL;
    try {
      parsed = new URL(String(url));
    } catch {
      throw new RangeError(`\`${at}.url\` must be an http(s) URL, was ${JSON.stringify(url)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RangeError(`\`${at}.url\` must be an http(s) URL, was ${JSON.stringify(url)}`);
    // fetch refuses a URL with credentials, so every POST would fail; the message never repeats the password.
    if (parsed.username !== '' || parsed.password !== '') throw new RangeError(`\`${at}.url\` must not hold credentials (user:password@), was ${JSON.stringify(webhookLogName(parsed.toString()))}: fetch refuses such URLs; authenticate the receiver with \`secret\` (the signature header) or a token in the path`);
    if (!Array.isArray(events) || events.length === 0) throw new RangeError(`\`${at}.events\` must be a non-empty list of ${WEBHOOK_EVENTS.join(', ')}, was ${JSON.stringify(events)}`);
    for (const event of events) if (!WEBHOOK_EVENTS.includes(event as WebhookEvent)) throw new RangeError(`\`${at}.events\` entries must be one of ${WEBHOOK_EVENTS.join(', ')}, was ${JSON.stringify(event)}`);
    if (secret !== undefined && secret !== null && (typeof secret !== 'string' || secret.length < 16)) throw new RangeError(`\`${at}.secret\` must be a string of at least 16 characters, was ${typeof secret === 'string' ? `${secret.length} characters` : JSON.stringify(secret)}`);
    return { url: parsed.toString(), events: events as WebhookEvent[], ...(typeof secret === 'string' ? { secret } : {}) };
  });
}

/** The delay a Retry-After value asks for, ms (delta-seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterMs(value: string | null, nowMs: number = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : null;
}

/** One POST's outcome: delivered (2xx), or not and how long the receiver asked us to wait. */
interface PostOutcome {
  ok: boolean;
  retryAfterMs: number | null;
  /** Why it failed: 'HTTP 503', 'redirect 302', a network error's code. */
  why: string;
}

interface Pending {
  /** The event's id (IDEMPOTENCY_HEADER, DELIVERY_HEADER, the body's `id`): one per event, kept across retries and restarts. */
  id: string;
  event: string;
  body: string;
  attempts: number;
  /** Its key in the outbox; null without one (or when the outbox could not store it). */
  key: number | null;
  /** With an outbox: queued this turn, not yet stored; it is not sent until it is (or the store failed). */
  staged?: boolean;
  /** Dropped from a full queue while staged: not stored. */
  dropped?: boolean;
}

/** A hook's URL as it may be logged: its origin only (the path and query may hold its secret). */
export function webhookLogName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}/…`;
}

class HookQueue {
  readonly queue: Pending[] = [];
  sending = false;
  timer: NodeJS.Timeout | null = null;
  /** The queue overflowed and has not emptied since (the overflow is reported once). */
  overflowing = false;
  readonly logName: string;
  constructor(readonly config: WebhookConfig) {
    this.logName = webhookLogName(config.url);
  }
}

export class WebhookNotifier {
  readonly counters: WebhookCounters = { delivered: 0, retried: 0, failed: 0, droppedQueueFull: 0 };
  private readonly hooks: HookQueue[];
  private readonly limits: Required<Omit<WebhookOptions, 'log' | 'outbox'>>;
  private readonly log: (line: string) => void;
  private readonly outbox: WebhookOptions['outbox'] | undefined;
  private closed = false;
  /** Aborts the POSTs in flight at close(): a hung receiver must not hold the process for the timeout. */
  private readonly closing = new AbortController();
  private idleWaiters: (() => void)[] = [];
  /** Events queued this turn of the event loop, stored in the outbox together (one transaction) before any is sent. */
  private staged: { hook: HookQueue; pending: Pending }[] = [];
  /** Outbox keys of the events delivered (or dropped) and not yet removed: committed together once no POST is in flight (flushRemovalsWhenQuiet). */
  private removals: number[] = [];
  private removalFlush: NodeJS.Immediate | null = null;
  /** The marks the outbox held when this notifier opened it (null: none recorded), and those advanced since, not yet stored. */
  private readonly marksAtOpen: ReadonlyMap<string, bigint> | null;
  /** The mark names the outbox's writer knew (null: none recorded); a name it did not know covers every replayed event (queuedBefore). */
  private readonly namesAtOpen: ReadonlySet<string> | null;
  /** The names recorded with the marks: those known at open, advanced since, and (once recordMarks on a new outbox) all of `outbox.marks`. */
  private readonly names = new Set<string>();
  private readonly marks = new Map<string, bigint>();
  private readonly stagedMarks = new Map<string, bigint>();
  private storeScheduled = false;
  /** recordMarks: the outbox gets the scope's marked flag with the next store (marksRecorded: asked once). */
  private marksToRecord = false;
  private marksRecorded = false;

  constructor(configs: readonly WebhookConfig[], options: WebhookOptions = {}) {
    this.hooks = checkWebhookConfigs(configs).map((config) => new HookQueue(config));
    const { log, outbox, ...limits } = options;
    this.log = log ?? (() => {});
    this.outbox = outbox;
    this.limits = { queueLimit: 1000, maxAttempts: 5, backoffMs: 500, maxBackoffMs: 30_000, timeoutMs: 10_000, ...limits };
    if (!Number.isSafeInteger(this.limits.queueLimit) || this.limits.queueLimit < 1) throw new RangeError(`\`queueLimit\` must be an integer >= 1, was ${this.limits.queueLimit}`);
    const recorded = outbox ? outbox.store.marks(outbox.scope) : null;
    this.marksAtOpen = recorded?.values ?? null;
    this.namesAtOpen = recorded?.names ?? null;
    for (const [name, at] of this.marksAtOpen ?? []) this.marks.set(name, at);
    for (const name of this.namesAtOpen ?? []) this.names.add(name);
    if (outbox) this.resume(outbox);
  }

  /**
   * Whether the event at `position` was queued by a process before this one (its mark recorded in
   * the outbox is at or past it), so its recovery must not post it again; true too when the outbox
   * recorded no marks (one older than them: its process posted what it replayed), or none of this
   * kind and its writer did not know the kind (the same, for that kind), or there is none.
   */
  queuedBefore(position: JournalPosition): boolean {
    if (this.marksAtOpen === null || this.namesAtOpen === null) return true;
    if (!this.namesAtOpen.has(position.mark)) return true;
    return position.at <= (this.marksAtOpen.get(position.mark) ?? 0n);
  }

  /**
   * Recovery is over: the marks are recorded from now on (at the end of this turn, once), so the
   * next start posts a replayed event after them, even when none was queued yet (the first fill of
   * a new journal). Until then an outbox without marks (older than them) posts nothing replayed.
   */
  recordMarks(): void {
    if (!this.outbox || this.closed || this.marksAtOpen !== null || this.marksRecorded) return;
    this.marksRecorded = true;
    this.marksToRecord = true;
    for (const name of this.outbox.marks ?? []) this.names.add(name);
    this.scheduleStore();
  }

  /** Advances the mark `position.mark` to `position.at` (stored with this turn's events): an event there needs no post. */
  advance(position: JournalPosition): void {
    if (!this.outbox || this.closed) return;
    if (position.at <= (this.marks.get(position.mark) ?? -1n)) return;
    this.marks.set(position.mark, position.at);
    this.stagedMarks.set(position.mark, position.at);
    this.names.add(position.mark);
    this.scheduleStore();
  }

  /** Queues the events a previous notifier of this scope left undelivered in the outbox, oldest first, and starts sending them. */
  private resume({ store, scope }: NonNullable<WebhookOptions['outbox']>): void {
    const orphans = new Map<string, number>();
    const orphanKeys: number[] = [];
    for (const { key, entry } of store.pending(scope)) {
      const hook = this.hooks.find((candidate) => candidate.config.url === entry.url && candidate.config.events.includes(entry.event as WebhookEvent));
      if (!hook) {
        const name = webhookLogName(entry.url);
        orphans.set(name, (orphans.get(name) ?? 0) + 1);
        orphanKeys.push(key);
        continue;
      }
      this.enqueue(hook, { id: entry.id, event: entry.event, body: entry.body, attempts: 0, key });
    }
    store.removeAll(orphanKeys);
    for (const [name, count] of orphans) this.log(`webhook ${name}: ${count} undelivered event${count === 1 ? '' : 's'} from a previous session dropped: the hook is no longer configured for ${count === 1 ? 'it' : 'them'}`);
    for (const hook of this.hooks) {
      if (hook.queue.length === 0) continue;
      this.log(`webhook ${hook.logName}: ${hook.queue.length} event${hook.queue.length === 1 ? '' : 's'} (${[...new Set(hook.queue.map((p) => p.event))].join(', ')}) left undelivered by a previous session: sending again, with the same ids`);
      this.pump(hook);
    }
  }

  /** Enqueues `event` for every hook that wants it; returns at once (never waits for a receiver). */
  notify(event: WebhookEvent, data: unknown, timeNs: bigint = BigInt(Date.now()) * 1_000_000n, position?: JournalPosition): void {
    if (this.closed) return;
    let body: string | null = null;
    // With an outbox, an event the journal caused has an id derived from its position: a restart that posts it again gives it the same.
    const id = position && this.outbox ? derivedEventId(this.outbox.store.identity, this.outbox.scope, `${position.mark}:${position.at}`) : randomUUID();
    // Its mark is stored in the transaction that stores it (staged first: the store runs at the end of this turn).
    if (position) this.advance(position);
    for (const hook of this.hooks) {
      if (!hook.config.events.includes(event)) continue;
      body ??= JSON.stringify({ id, event, timeNs: timeNs.toString(), data }, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      const pending: Pending = { id, event, body, attempts: 0, key: null };
      if (this.outbox) {
        // Stored at the end of this turn, with every other event queued in it, before it is sent.
        pending.staged = true;
        this.staged.push({ hook, pending });
        this.scheduleStore();
      }
      this.enqueue(hook, pending);
      this.pump(hook);
    }
  }

  /** The end of this turn stores what it queued (once per turn). */
  private scheduleStore(): void {
    if (this.storeScheduled) return;
    this.storeScheduled = true;
    queueMicrotask(() => this.store());
  }

  /** Stores the events queued this turn in the outbox in one transaction (with the marks they advanced), then starts sending them. */
  private store(): void {
    this.storeScheduled = false;
    const staged = this.staged.splice(0).filter(({ pending }) => !pending.dropped);
    const marks = new Map(this.stagedMarks);
    this.stagedMarks.clear();
    const withMarks = marks.size > 0 || this.marksToRecord;
    this.marksToRecord = false;
    if ((staged.length === 0 && !withMarks) || !this.outbox) return;
    const { store, scope } = this.outbox;
    try {
      const keys = store.addAll(staged.map(({ hook, pending }) => ({ scope, url: hook.config.url, id: pending.id, event: pending.event, body: pending.body })), withMarks ? { scope, values: marks, names: [...this.names] } : undefined);
      staged.forEach(({ pending }, i) => { pending.key = keys[i]; });
    } catch (error) {
      this.log(`webhook outbox: could not store ${staged.length} event${staged.length === 1 ? '' : 's'}${marks.size > 0 ? ' and how far the journal\'s were queued' : ''} (${(error as Error).message}); sending them, but a crash before they are delivered loses them`);
    }
    for (const { pending } of staged) pending.staged = false;
    if (this.closed) return;
    for (const hook of new Set(staged.map(({ hook }) => hook))) this.pump(hook);
  }

  /** Appends to the hook's queue, making room first when it is full (the dropped event leaves the outbox too: it is lost, said once). */
  private enqueue(hook: HookQueue, pending: Pending): void {
    if (hook.queue.length >= this.limits.queueLimit) {
      const [dropped] = hook.queue.splice(this.dropIndex(hook), 1);
      dropped.dropped = true;
      this.forget(dropped);
      this.counters.droppedQueueFull++;
      if (!hook.overflowing) this.log(`webhook ${hook.logName}: ${this.limits.queueLimit} events queued undelivered; dropping the oldest until the receiver catches up`);
      hook.overflowing = true;
    }
    hook.queue.push(pending);
  }

  /**
   * Removes a delivered (or dropped) event from the outbox, with the others delivered since the
   * last removal: committed once the turn's I/O callbacks ran and no POST is in flight, or once
   * REMOVAL_BATCH wait (flushRemovalsWhenQuiet), so the answers one poll of the event loop reads,
   * and a backlog a hook answers one at a time, cost one commit. Until then a crash leaves the
   * events there, and the next start sends them again with their ids: at least once, as before.
   */
  private forget(pending: Pending): void {
    if (!this.outbox || pending.key === null) return;
    this.removals.push(pending.key);
    pending.key = null;
    this.scheduleRemovals();
  }

  /** After this turn's I/O callbacks: flushRemovalsWhenQuiet, when removals wait. */
  private scheduleRemovals(): void {
    if (this.removals.length === 0) return;
    this.removalFlush ??= setImmediate(() => this.flushRemovalsWhenQuiet());
  }

  /**
   * Commits the removals unless a POST is still in flight and fewer than REMOVAL_BATCH wait: its
   * answer (every POST ends in one, or in close(), which commits) schedules this again.
   */
  private flushRemovalsWhenQuiet(): void {
    this.removalFlush = null;
    if (this.removals.length < REMOVAL_BATCH && this.hooks.some((hook) => hook.sending)) return;
    this.flushRemovals();
  }

  /** Commits this turn's removals in one transaction; a failure leaves them there (sent again at the next start) and is said. */
  private flushRemovals(): void {
    if (this.removalFlush) clearImmediate(this.removalFlush);
    this.removalFlush = null;
    const keys = this.removals.splice(0);
    if (keys.length === 0 || !this.outbox) return;
    try {
      this.outbox.store.removeAll(keys);
    } catch (error) {
      this.log(`webhook outbox: could not record ${keys.length} event${keys.length === 1 ? '' : 's'} as done (delivered, or dropped from a full queue: ${(error as Error).message}); the next start sends ${keys.length === 1 ? 'it' : 'them'} again`);
    }
    this.settle();
  }

  /** Resolves once every queue is empty and nothing is in flight (tests, shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Gives queued events up to `graceMs` to go out, then closes. The grace timer is held (not
   * unref'd): it keeps the process alive, so the retries (unref'd timers) can fire at its end.
   */
  async closeAfter(graceMs: number): Promise<void> {
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise((resolve) => (grace = setTimeout(resolve, graceMs)))]);
    clearTimeout(grace);
    this.close();
  }

  /** Stops delivering: pending events are dropped, retries cancelled, POSTs in flight abandoned. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Queued this turn and not yet stored: stored now, so the next start sends them; delivered this turn: removed now.
    this.store();
    this.flushRemovals();
    this.closing.abort();
    for (const hook of this.hooks) {
      if (hook.timer) clearTimeout(hook.timer);
      if (hook.queue.length > 0) this.log(`webhook ${hook.logName}: ${hook.queue.length} event${hook.queue.length === 1 ? '' : 's'} (${[...new Set(hook.queue.map((p) => p.event))].join(', ')}) not delivered before the session stopped${this.outbox ? '; kept in the outbox, sent again at the next start' : ''}`);
      hook.queue.length = 0;
    }
    this.settle();
  }

  /** Which queued event makes room: the oldest not in flight that is not a kill-switch event, else the oldest not in flight. */
  private dropIndex(hook: HookQueue): number {
    const first = hook.sending && hook.queue.length > 1 ? 1 : 0;
    for (let i = first; i < hook.queue.length; i++) if (hook.queue[i].event !== 'killSwitch') return i;
    return first;
  }

  private isIdle(): boolean {
    return this.removals.length === 0 && this.hooks.every((hook) => hook.queue.length === 0 && !hook.sending && hook.timer === null);
  }

  private settle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private pump(hook: HookQueue): void {
    if (hook.sending || hook.timer !== null || this.closed) return;
    const next = hook.queue[0];
    if (!next) {
      hook.overflowing = false;
      return this.settle();
    }
    if (next.staged) return; // store() sends it once it is in the outbox
    hook.sending = true;
    void this.post(hook.config, next.body, next.id).then(({ ok, retryAfterMs: askedMs, why }) => {
      hook.sending = false;
      if (this.closed) return this.settle();
      // Removals held back for this POST (another hook's deliveries) go once nothing is in flight.
      this.scheduleRemovals();
      next.attempts++;
      if (ok) {
        this.counters.delivered++;
        this.forget(next);
        if (hook.queue[0] === next) hook.queue.shift();
      } else if (next.attempts >= this.limits.maxAttempts) {
        this.counters.failed++;
        this.log(`webhook ${hook.logName}: gave up on a ${next.event} event after ${next.attempts} attempt${next.attempts === 1 ? '' : 's'} (last: ${why})${this.outbox && next.key !== null ? '; kept in the outbox, sent again at the next start' : ''}`);
        if (hook.queue[0] === next) hook.queue.shift();
      } else {
        this.counters.retried++;
        const backoff = Math.min(this.limits.maxBackoffMs, this.limits.backoffMs * 2 ** (next.attempts - 1));
        const delay = Math.max(backoff, Math.min(this.limits.maxBackoffMs, askedMs ?? 0));
        hook.timer = setTimeout(() => {
          hook.timer = null;
          this.pump(hook);
        }, delay);
        hook.timer.unref();
        return;
      }
      this.pump(hook);
    });
  }

  private async post(config: WebhookConfig, body: string, deliveryId: string): Promise<PostOutcome> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'quantflow-webhooks', [DELIVERY_HEADER]: deliveryId, [IDEMPOTENCY_HEADER]: deliveryId };
    if (config.secret) headers[SIGNATURE_HEADER] = webhookSignature(body, config.secret);
    try {
      const response = await fetch(config.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.any([AbortSignal.timeout(this.limits.timeoutMs), this.closing.signal]) });
      await response.arrayBuffer().catch(() => undefined);
      const throttled = response.status === 429 || response.status === 503;
      const why = response.ok ? '' : response.status >= 300 && response.status < 400 ? `redirect ${response.status} (not followed)` : `HTTP ${response.status}`;
      return { ok: response.ok, retryAfterMs: throttled ? retryAfterMs(response.headers.get('retry-after')) : null, why };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const name = (error as Error).name;
      // A message may quote the URL (with its path and query): only its origin is said.
      const message = (error as Error).message.split(config.url).join(webhookLogName(config.url));
      return { ok: false, retryAfterMs: null, why: name === 'TimeoutError' ? `no answer in ${this.limits.timeoutMs} ms` : cause ?? message };
    }
  }
}
