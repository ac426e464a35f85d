// Plays merged market records into the engine's inbound ring at a pace: a record whose arrival
// time (ts_local) is t is published once the wall clock has run (t - t0) / speed since the
// start, t0 being the first record's time. `speed` 3600 plays 1h bars at one bar a second. It is
// engine/backtest's playRecords with a clock: the same ring protocol (the free slots filled from
// the sources' blocks, claimed and published in one step), the same simulated venue inside the
// core, so a paper session makes the same decisions as a backtest of the same data. Between
// batches the I/O thread drains the outbound ring (the listeners feed the state server), runs
// the boundary tasks (a kill-switch reset, once every published record is consumed) and sleeps
// until the next record is due, woken by each record the engine publishes meanwhile to drain it
// (EngineHost.sleepDraining: an intent leaves when the core emits it, not at the next timer tick).
//
// Injected records (MODEL answers to the core's FEATURES, engine/models ModelFeed) go through an
// InboundQueue: this player is the ring's only producer, so it publishes them, in the order they
// were answered, at the top of each pass. With an injection the player also synchronises so that
// a bar's answer reaches the core before any record that could time its wait out:
//
//   L = time of the last market record published before the last sync
//   a bar closed by a record published since then closes at c >= L, so its deadline c + wait
//   is >= L + wait: records with time <= L + horizonNs (or at the first time after the sync) are
//   safe to publish; the next one first syncs:
//     every published record consumed (the outbound drain hands FEATURES to the feed),
//     the feed's answers awaited for at most budgetMs of wall time, the answers published.
//
// Market time is compressed by `speed`, compute time is not: as in live trading, the model has
// budgetMs of wall time (the configured wait) to answer. An answer later than that is published
// when it comes (the core counts it late); the core has already decided without it.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { EngineHost } from '../threads/index.js';
import { ringWriter, type StreamMerger } from '../backtest/index.js';
import type { InboundQueue } from './inbound-queue.js';

export interface PacedInjection {
  /** Records to publish between market records (MODEL answers), in order. */
  readonly queue: InboundQueue;
  /** Data time past the last synchronised record that may be published before the next sync, ns (the core's wait bound). */
  readonly horizonNs: bigint;
  /** Wall time a sync waits for the answers under way, ms. */
  readonly budgetMs: number;
  /** Resolves once no answer is under way (true), or after `timeoutMs` (false). */
  whenIdle(timeoutMs: number): Promise<boolean>;
}

export interface PacedPlayOptions {
  /** Data time per wall time (3600: an hour of data a second). */
  readonly speed: number;
  /** Records published at once, at most. */
  readonly batch: number;
  /** Checked between batches: true stops at a batch boundary. */
  shouldStop(): boolean;
  /** Sees each run of records as it is copied (a view of its block, first record, count). */
  onRecords?(view: DataView, fromRecord: number, count: number): void;
  /** Called between batches with the records published so far. */
  onProgress?(published: number): void;
  /** Work to do at a batch boundary once the core consumed every published record (control actions). */
  takeBoundaryTask?(): (() => Promise<void>) | undefined;
  /** Records the I/O thread answers with (MODEL records), and the sync that keeps them ahead of the wait bound. */
  readonly injection?: PacedInjection;
}

export interface PacedPlayResult {
  /** Records published: market records plus injected ones. */
  readonly published: number;
  /** Of `published`, the injected records. */
  readonly injected: number;
  /** Syncs made for the injection. */
  readonly syncs: number;
  /** ns from the first publish until the core reported every published record consumed. */
  readonly elapsedNs: bigint;
  readonly stoppedEarly: boolean;
}

/** Longest sleep between two checks of the stop flag and the boundary tasks, ms. */
const MAX_SLEEP_MS = 20;

export function checkSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`\`speed\` must be a finite number > 0 (times real time), was ${speed}`);
  return speed;
}

export async function playPaced(merger: StreamMerger, host: EngineHost, options: PacedPlayOptions): Promise<PacedPlayResult> {
  const speed = checkSpeed(options.speed);
  const producer = host.inbound;
  const consumedBefore = host.consumedReported;
  const started = process.hrtime.bigint();
  const startWallMs = performance.now();
  let firstNs: bigint | null = null;
  let published = 0;
  let stoppedEarly = false;
  let injected = 0;
  let syncs = 0;
  const writer = ringWriter(host, options.onRecords);
  const sink = writer.sink;
  const ringBytes = new Uint8Array(host.memory.buffer);
  const injection = options.injection;
  /** Time of the last market record published before the last sync (null: no sync yet). */
  let syncedNs: bigint | null = null;
  let sinceSync = 0;
  let firstAfterSyncNs = 0n;
  let lastPublishedNs = 0n;
  const safe = (t: bigint): boolean =>
    injection === undefined || sinceSync === 0 || t === firstAfterSyncNs || (syncedNs !== null && t <= syncedNs + injection.horizonNs);
  /** Publishes every queued injected record (waiting for ring room when needed). */
  const publishInjected = async (): Promise<void> => {
    const queue = injection?.queue;
    while (queue && queue.length > 0) {
      const free = producer.freeSlots();
      if (free === 0) {
        host.checkHealthy();
        if (host.drainOutbound() === 0) await host.waitForInboundRoom(5);
        continue;
      }
      const n = Math.min(free, queue.length);
      const first = producer.tryClaim(n);
      if (first === -1) throw new Error(`inbound ring: ${n} slots were free but could not be claimed`);
      for (let i = 0; i < n; i++) queue.takeInto(ringBytes, producer.slotOffset((first + i) >>> 0));
      producer.publish((first + n) >>> 0);
      published += n;
      injected += n;
    }
  };
  /** Everything published consumed, the answers under way awaited (at most `budgetMs`), and published. */
  const sync = async (budgetMs: number): Promise<void> => {
    syncs++;
    await host.waitUntilConsumed(consumedBefore + published, options.shouldStop);
    await injection!.whenIdle(budgetMs);
    await publishInjected();
    syncedNs = lastPublishedNs;
    sinceSync = 0;
  };
  /** The data time the clock has reached. */
  const clockNs = (): bigint => firstNs! + BigInt(Math.floor((performance.now() - startWallMs) * speed * 1e6));
  for (;;) {
    // The end of the data first: a stop asked for once every record is published is no stop
    // (the session was reported as stopped early with all of it played), as in playRecords.
    if (merger.needsRefill) await merger.refill();
    if (merger.finished) break;
    if (options.shouldStop()) {
      stoppedEarly = true;
      break;
    }
    const task = options.takeBoundaryTask?.();
    if (task) {
      await host.waitUntilConsumed(consumedBefore + published, options.shouldStop);
      await task();
      continue;
    }
    if (injection) await publishInjected();
    if (merger.needsRefill) await merger.refill();
    if (merger.finished) break;
    const head = merger.firstTimeNs();
    firstNs ??= head;
    const dueMs = startWallMs + Number(head - firstNs) / 1e6 / speed;
    const waitMs = dueMs - performance.now();
    if (waitMs > 0) {
      host.checkHealthy();
      host.drainOutbound();
      await host.sleepDraining(Math.min(waitMs, MAX_SLEEP_MS));
      continue;
    }
    if (!safe(head)) {
      await sync(injection!.budgetMs);
      continue;
    }
    const free = producer.freeSlots();
    if (free === 0) {
      host.checkHealthy();
      if (host.drainOutbound() === 0) await host.waitForInboundRoom(5);
      continue;
    }
    writer.begin();
    const room = Math.min(options.batch, free);
    const now = clockNs();
    let n = 0;
    // One record at a time while the next is due: the merger's head is the next in arrival order.
    while (n < room && !merger.needsRefill && !merger.finished) {
      const t = merger.firstTimeNs();
      if (t > now || !safe(t)) break;
      const copied = merger.fill(1, sink);
      if (copied === 0) break;
      n += copied;
      if (sinceSync === 0) firstAfterSyncNs = t;
      sinceSync += copied;
      lastPublishedNs = t;
    }
    if (n > 0) {
      const first = producer.tryClaim(n);
      if (first === -1) throw new Error(`inbound ring: ${n} slots were free but could not be claimed`);
      producer.publish((first + n) >>> 0);
      published += n;
    }
    host.checkHealthy();
    host.drainOutbound();
    options.onProgress?.(published);
    await yieldToEventLoop();
  }
  await host.waitUntilConsumed(consumedBefore + published, options.shouldStop);
  if (injection) {
    // The answers to the last bars: every one under way is published, however long it takes.
    do {
      await sync(Infinity);
      await host.waitUntilConsumed(consumedBefore + published, () => false);
    } while (injection.queue.length > 0);
  }
  options.onProgress?.(published);
  return { published, injected, syncs, elapsedNs: process.hrtime.bigint() - started, stoppedEarly };
}
