// The engine's core, started and stepped: shared by the engine thread (engine-thread.ts, which
// loops and sleeps on the rings) and the inline engine (EngineHost with `inline`, where the core
// runs in the caller's thread whenever the I/O side drains or would wait: one thread does both
// ends, as a sweep's pool worker does). Both make the same calls in the same order per record
// (processInbound until the inbound ring is empty or the outbound ring is short of room), so a
// run's decisions are the same either way: the core never depends on how records were batched.
// Around each processInbound that consumes records the stepper logs the batch for the latency
// stages (latency-stamps.ts): two clock reads and six stores, nothing allocated.
import { instantiateCore, type CoreExports } from '../core/wasm-core.js';
import { CoreStatusError, checkCoreStatus } from '../core/core-status.js';
import {
  CONTROL_LAST_STATUS,
  CONTROL_OFFSET,
  INBOUND_RING_OFFSET,
  OUTBOUND_RING_OFFSET,
  RING_CAPACITY,
  RING_PUBLISHED,
  RING_RELEASED,
} from '../layout/memory-map.js';
import { configurePipeline, type PipelineMap, type PipelineSpec } from '../pipeline/index.js';
import { restoreCheckpointCounters, restoreImage } from './core-checkpoint.js';
import { LatencyStamps } from './latency-stamps.js';
import { monotonicNs } from './latency-clock.js';

export interface CoreEngineExports {
  engineStart(): number;
  engineStop(): number;
  processInbound(maxBatch: number): number;
  /** Outbound slots the core needs free before its next unit of work (0 without risk). */
  engineOutboundReserve(): number;
  /** Clears the kill switch (an authenticated, journaled reset): trading resumes, hwm = equity. */
  riskResetKillSwitch(): number;
  /** Sets the kill switch (1: halted, no new exposure; an operator's journaled trip) or clears it without touching the high-water mark (0). */
  riskRestoreHalted(halted: number): number;
}

export interface EngineCoreSetup {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  /** Per-bar stages (indicators, regime) to set up before the first event; none when null. */
  pipeline: PipelineSpec | null;
  /** A checkpoint to resume from (core-checkpoint.ts): written over the configured pipeline, its counters set after engineStart. */
  restore: { image: Uint8Array; counters: bigint[] } | null;
}

export interface StartedCore {
  readonly core: CoreEngineExports;
  readonly pipeline: PipelineMap | null;
}

/** Instantiates the core over the shared memory, configures its pipeline (or restores a checkpoint) and starts it. */
export function startEngineCore(setup: EngineCoreSetup): StartedCore {
  const instance = instantiateCore(setup.memory, setup.module);
  const pipeline = setup.pipeline ? configurePipeline(instance, setup.memory, setup.pipeline) : resetPipeline(instance);
  const core = instance as unknown as CoreEngineExports;
  if (setup.restore) restoreImage(setup.memory, setup.restore.image);
  checkCoreStatus(core.engineStart(), 'engineStart');
  if (setup.restore) restoreCheckpointCounters(setup.memory, setup.restore.counters);
  return { core, pipeline };
}

/** Why runUntilIdle returned. */
export const STEP_INBOUND_EMPTY = 0;
export const STEP_OUTBOUND_SHORT = 1;

/** The core's calls and its view of the rings' control words, read between calls. */
export class CoreStepper {
  private readonly i32: Int32Array;
  private readonly statusIndex = (CONTROL_OFFSET + CONTROL_LAST_STATUS) >> 2;
  private readonly publishedIndex = (INBOUND_RING_OFFSET + RING_PUBLISHED) >> 2;
  private readonly releasedIndex = (INBOUND_RING_OFFSET + RING_RELEASED) >> 2;
  private readonly outPublishedIndex = (OUTBOUND_RING_OFFSET + RING_PUBLISHED) >> 2;
  private readonly outReleasedIndex = (OUTBOUND_RING_OFFSET + RING_RELEASED) >> 2;
  private readonly outboundCapacity: number;
  private readonly stamps: LatencyStamps;

  constructor(memory: WebAssembly.Memory, readonly core: CoreEngineExports, private readonly maxBatch: number, latency: SharedArrayBuffer) {
    this.i32 = new Int32Array(memory.buffer);
    this.outboundCapacity = this.i32[(OUTBOUND_RING_OFFSET + RING_CAPACITY) >> 2];
    this.stamps = new LatencyStamps(latency, this.i32[(INBOUND_RING_OFFSET + RING_CAPACITY) >> 2]);
  }

  inboundEmpty(): boolean {
    return Atomics.load(this.i32, this.publishedIndex) === Atomics.load(this.i32, this.releasedIndex);
  }

  /** The outbound ring has less room than the core's next unit of work may write (it grows with the instruments and live orders). */
  outboundShort(): boolean {
    const used = (Atomics.load(this.i32, this.outPublishedIndex) - Atomics.load(this.i32, this.outReleasedIndex)) >>> 0;
    return this.outboundCapacity - used < this.core.engineOutboundReserve();
  }

  /** One processInbound call, logged for the latency stages: units of work done (0: nothing it could do). Throws the core's status. */
  processOnce(): number {
    const i32 = this.i32;
    const inFrom = Atomics.load(i32, this.releasedIndex);
    const outFrom = Atomics.load(i32, this.outPublishedIndex);
    const startNs = monotonicNs();
    const consumed = this.core.processInbound(this.maxBatch);
    if (consumed < 0) {
      Atomics.store(i32, this.statusIndex, consumed);
      throw new CoreStatusError(consumed, 'processInbound');
    }
    if (consumed > 0) {
      // processInbound returns work units; the records it consumed are what it released.
      const outEnd = Atomics.load(i32, this.outPublishedIndex);
      const records = (Atomics.load(i32, this.releasedIndex) - inFrom) >>> 0;
      if (records > 0 || outEnd !== outFrom) this.stamps.logBatch(inFrom, records, outFrom, outEnd, startNs, monotonicNs());
    }
    return consumed;
  }

  /** Calls the core until it can do nothing more: the inbound ring is empty, or the outbound ring is short of room. */
  runUntilIdle(): typeof STEP_INBOUND_EMPTY | typeof STEP_OUTBOUND_SHORT {
    for (;;) {
      if (this.processOnce() > 0) continue;
      return !this.inboundEmpty() && this.outboundShort() ? STEP_OUTBOUND_SHORT : STEP_INBOUND_EMPTY;
    }
  }
}

/** No stages for any instrument; the bar ring set up so ticks are still accepted (and build nothing). */
function resetPipeline(core: CoreExports): null {
  checkCoreStatus((core as unknown as { pipelineReset(): number }).pipelineReset(), 'pipelineReset');
  return null;
}
