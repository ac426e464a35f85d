// Plays merged market records into the engine's inbound ring at a pace: a record whose arrival
// time (ts_local) is t is published once the wall clock has run (t - t0) / speed since the
// start, t0 being the first record's time. `speed` 3600 plays 1h bars at one bar a second. It is
// engine/backtest's playRecords with a clock: the same ring protocol (the free slots filled from
// the sources' blocks, claimed and published in one step), the same simulated venue inside the
// core, so a paper session makes the same decisions as a backtest of the same data. Between
// batches the I/O thread drains the outbound ring (the listeners feed the state server), runs
// the boundary tasks (a kill-switch reset, once every published record is consumed) and sleeps
// until the next record is due.
import { setTimeout as sleep } from 'node:timers/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { EngineHost } from '../threads/index.js';
import { ringWriter, type StreamMerger } from '../backtest/index.js';

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
}

export interface PacedPlayResult {
  readonly published: number;
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
  const writer = ringWriter(host, options.onRecords);
  const sink = writer.sink;
  /** The data time the clock has reached. */
  const clockNs = (): bigint => firstNs! + BigInt(Math.floor((performance.now() - startWallMs) * speed * 1e6));
  for (;;) {
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
    if (merger.needsRefill) await merger.refill();
    if (merger.finished) break;
    const head = merger.firstTimeNs();
    firstNs ??= head;
    const dueMs = startWallMs + Number(head - firstNs) / 1e6 / speed;
    const waitMs = dueMs - performance.now();
    if (waitMs > 0) {
      host.checkHealthy();
      host.drainOutbound();
      await sleep(Math.min(waitMs, MAX_SLEEP_MS));
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
    while (n < room && !merger.needsRefill && !merger.finished && merger.firstTimeNs() <= now) {
      const copied = merger.fill(1, sink);
      if (copied === 0) break;
      n += copied;
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
  options.onProgress?.(published);
  return { published, elapsedNs: process.hrtime.bigint() - started, stoppedEarly };
}
