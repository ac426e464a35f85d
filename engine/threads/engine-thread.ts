// The engine thread (a worker): owns the WASM core and makes every decision.
// It sets up the per-bar pipeline (engine/pipeline), then consumes the inbound ring
// through the core, one call per batch, and sleeps on
// the ring's `published` word with the configured wait strategy when there is
// nothing to do. When the core stops because the outbound ring is short of room for its
// next unit of work (orders, risk records, venue replies are never dropped), it waits on the
// outbound ring's `released` word until the I/O thread drains it. It stops when the I/O
// thread sets CONTROL_STOP_REQUESTED and the inbound ring is empty (drained), then
// reports its final counters. Between calls it parks for a checkpoint when the I/O thread asks
// (core-checkpoint.ts); a restarted engine starts from one. Around each processInbound that
// consumes records it logs the batch for the latency stages (latency-stamps.ts): two clock reads
// and six stores, nothing allocated.
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateCore, type CoreExports } from '../core/wasm-core.js';
import { CoreStatusError, checkCoreStatus } from '../core/core-status.js';
import {
  CONTROL_LAST_STATUS,
  CONTROL_OFFSET,
  CONTROL_STOP_REQUESTED,
  INBOUND_RING_OFFSET,
  OUTBOUND_RING_OFFSET,
  RING_CAPACITY,
  RING_CONSUMER_WAITING,
  RING_PRODUCER_WAITING,
  RING_PUBLISHED,
  RING_RELEASED,
} from '../layout/memory-map.js';
import { createWaitStrategy, type WaitStrategyName } from './wait-strategy-by-name.js';
import type { EngineThreadMessage } from './engine-thread-messages.js';
import { configurePipeline, type PipelineSpec } from '../pipeline/index.js';
import { PARK_RESET_KILL_SWITCH, parkIfRequested, restoreCheckpointCounters, restoreImage } from './core-checkpoint.js';
import { LatencyStamps } from './latency-stamps.js';
import { monotonicNs } from './latency-clock.js';

/** Longest sleep of the engine thread before it looks at its control words again (stop, checkpoint). */
const ENGINE_WAIT_TIMEOUT_MS = 20;

export interface EngineThreadData {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  maxBatch: number;
  wait: WaitStrategyName;
  /** Per-bar stages (indicators, regime) to set up before the first event; none when null. */
  pipeline: PipelineSpec | null;
  /** A checkpoint to resume from (core-checkpoint.ts): written over the configured pipeline, its counters set after engineStart. */
  restore: { image: Uint8Array; counters: bigint[] } | null;
  /** The latency stamps buffer (LatencyStamps), shared with the host. */
  latency: SharedArrayBuffer;
}

interface CoreEngineExports {
  engineStart(): number;
  engineStop(): number;
  processInbound(maxBatch: number): number;
  /** Outbound slots the core needs free before its next unit of work (0 without risk). */
  engineOutboundReserve(): number;
  /** Clears the kill switch (an authenticated, journaled reset): trading resumes, hwm = equity. */
  riskResetKillSwitch(): number;
}

function runEngine(data: EngineThreadData, post: (message: EngineThreadMessage) => void): void {
  const instance = instantiateCore(data.memory, data.module);
  const pipeline = data.pipeline ? configurePipeline(instance, data.memory, data.pipeline) : resetPipeline(instance);
  const core = instance as unknown as CoreEngineExports;
  if (data.restore) restoreImage(data.memory, data.restore.image);
  checkCoreStatus(core.engineStart(), 'engineStart');
  if (data.restore) restoreCheckpointCounters(data.memory, data.restore.counters);
  const i32 = new Int32Array(data.memory.buffer);
  const stopIndex = (CONTROL_OFFSET + CONTROL_STOP_REQUESTED) >> 2;
  const statusIndex = (CONTROL_OFFSET + CONTROL_LAST_STATUS) >> 2;
  const publishedIndex = (INBOUND_RING_OFFSET + RING_PUBLISHED) >> 2;
  const waitingIndex = (INBOUND_RING_OFFSET + RING_CONSUMER_WAITING) >> 2;
  const releasedIndex = (INBOUND_RING_OFFSET + RING_RELEASED) >> 2;
  const outReleasedIndex = (OUTBOUND_RING_OFFSET + RING_RELEASED) >> 2;
  const outWaitingIndex = (OUTBOUND_RING_OFFSET + RING_PRODUCER_WAITING) >> 2;
  const outPublishedIndex = (OUTBOUND_RING_OFFSET + RING_PUBLISHED) >> 2;
  const inboundEmpty = (): boolean => Atomics.load(i32, publishedIndex) === Atomics.load(i32, releasedIndex);
  const outboundCapacity = i32[(OUTBOUND_RING_OFFSET + RING_CAPACITY) >> 2];
  // The room the core needs for its next unit of work grows with the instruments and live orders.
  const outboundShort = (): boolean =>
    outboundCapacity - ((Atomics.load(i32, outPublishedIndex) - Atomics.load(i32, outReleasedIndex)) >>> 0) < core.engineOutboundReserve();
  const wait = createWaitStrategy(data.wait, ENGINE_WAIT_TIMEOUT_MS);
  /** Control actions taken at a batch boundary (core-checkpoint.ts). */
  const act = (code: number): number => (code === PARK_RESET_KILL_SWITCH ? core.riskResetKillSwitch() : -1);
  const maxBatch = data.maxBatch;
  const inboundCapacity = i32[(INBOUND_RING_OFFSET + RING_CAPACITY) >> 2];
  const stamps = new LatencyStamps(data.latency, inboundCapacity);
  post({ type: 'started', pipeline });

  for (;;) {
    if (parkIfRequested(i32, act)) continue;
    const inFrom = Atomics.load(i32, releasedIndex);
    const outFrom = Atomics.load(i32, outPublishedIndex);
    const startNs = monotonicNs();
    const consumed = core.processInbound(maxBatch);
    if (consumed < 0) {
      Atomics.store(i32, statusIndex, consumed);
      throw new CoreStatusError(consumed, 'processInbound');
    }
    if (consumed > 0) {
      // processInbound returns work units; the records it consumed are what it released.
      const outEnd = Atomics.load(i32, outPublishedIndex);
      const records = (Atomics.load(i32, releasedIndex) - inFrom) >>> 0;
      if (records > 0 || outEnd !== outFrom) stamps.logBatch(inFrom, records, outFrom, outEnd, startNs, monotonicNs());
      continue;
    }
    if (!inboundEmpty() && outboundShort()) {
      // Records left behind: the outbound ring is short of room. Sleep until the I/O
      // thread releases outbound slots (its consumer notifies a waiting producer).
      wait.waitFor(i32, outReleasedIndex, outWaitingIndex, (Atomics.load(i32, outReleasedIndex) + 1) | 0);
      continue;
    }
    if (Atomics.load(i32, stopIndex) !== 0) {
      // The I/O thread publishes everything before it asks for the stop, so an empty
      // ring seen after the request is a drained ring.
      if (core.processInbound(maxBatch) === 0 && inboundEmpty()) break;
      continue;
    }
    wait.waitFor(i32, publishedIndex, waitingIndex, (Atomics.load(i32, releasedIndex) + 1) | 0);
  }
  checkCoreStatus(core.engineStop(), 'engineStop');
  post({ type: 'stopped' });
}

/** No stages for any instrument; the bar ring set up so ticks are still accepted (and build nothing). */
function resetPipeline(core: CoreExports): null {
  checkCoreStatus((core as unknown as { pipelineReset(): number }).pipelineReset(), 'pipelineReset');
  return null;
}

if (parentPort) {
  const port = parentPort;
  try {
    runEngine(workerData as EngineThreadData, (message) => port.postMessage(message));
  } catch (error) {
    const err = error as Error;
    port.postMessage({ type: 'failed', message: err.message, stack: err.stack ?? '' } satisfies EngineThreadMessage);
  }
}
