// Plays merged market records into the engine's inbound ring: the free slots are filled
// straight from the sources' blocks (byte copies, split at the ring's wrap), then claimed and
// published in one step. The backtest never waits on the engine's orders: the simulated
// venue runs inside the core. Between batches the I/O thread drains the outbound ring
// (fills, round trips, equity) and yields to the event loop, so signals are served.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EngineHost } from '../threads/index.js';
import type { StreamMerger } from './stream-merger.js';
import { ringWriter } from './ring-writer.js';

export interface RecordPlayOptions {
  /** Records published at once (at most the ring's capacity). */
  readonly batch: number;
  /** Checked between batches: true stops at a batch boundary. */
  shouldStop(): boolean;
  /** Called between batches with the records published so far. */
  onProgress?(published: number): void;
  /** Sees each run of records as it is copied (a view of its block, first record, count). */
  onRecords?(view: DataView, fromRecord: number, count: number): void;
}

export interface RecordPlayResult {
  /** Records published to the inbound ring. */
  readonly published: number;
  /** ns from the first publish until the core reported every published record consumed. */
  readonly elapsedNs: bigint;
  readonly stoppedEarly: boolean;
}

const BATCHES_BETWEEN_YIELDS = 16;
const WAIT_MS = 5;

export async function playRecords(merger: StreamMerger, host: EngineHost, options: RecordPlayOptions): Promise<RecordPlayResult> {
  const producer = host.inbound;
  const consumedBefore = host.consumedReported;
  const started = process.hrtime.bigint();
  let published = 0;
  let batches = 0;
  let stoppedEarly = false;
  const writer = ringWriter(host, options.onRecords);
  const sink = writer.sink;
  for (;;) {
    // The end of the data first: a stop asked for once every record is published is no stop
    // (the run was reported as INTERRUPTED, exit 130, with all of it played).
    if (merger.needsRefill) await merger.refill();
    if (merger.finished) break;
    if (options.shouldStop()) {
      stoppedEarly = true;
      break;
    }
    const free = producer.freeSlots();
    if (free === 0) {
      host.checkHealthy();
      if (host.drainOutbound() === 0) await host.waitForInboundRoom(WAIT_MS);
      continue;
    }
    writer.begin();
    const n = merger.fill(Math.min(options.batch, free), sink);
    if (n === 0) continue;
    const first = producer.tryClaim(n);
    if (first === -1) throw new Error(`inbound ring: ${n} slots were free but could not be claimed`);
    producer.publish((first + n) >>> 0);
    published += n;
    if (++batches % BATCHES_BETWEEN_YIELDS === 0) {
      host.checkHealthy();
      host.drainOutbound();
      options.onProgress?.(published);
      await yieldToEventLoop();
    }
  }
  await host.waitUntilConsumed(consumedBefore + published, options.shouldStop);
  const elapsedNs = process.hrtime.bigint() - started;
  options.onProgress?.(published);
  return { published, elapsedNs, stoppedEarly };
}
