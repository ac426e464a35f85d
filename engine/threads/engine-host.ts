// EngineHost: the I/O thread's handle on the engine. It creates the shared memory,
// initialises both rings, starts the engine thread, and offers the inbound
// producer, an outbound drain, and the stop protocol:
//
//   I/O thread                                   engine thread
//   stop sources; publish what was claimed
//   CONTROL_STOP_REQUESTED = 1, notify  ------>  consume until inbound is empty
//                                                engineStop(); post 'stopped'
//   drain outbound until 'stopped' and empty <-- last PROGRESS record
import type { Worker } from 'node:worker_threads';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { compileCore, createSharedMemory, type CoreBuild } from '../core/wasm-core.js';
import {
  CONTROL_BARS_PROCESSED,
  CONTROL_ENGINE_STATE,
  CONTROL_EVENTS_CHECKSUM,
  CONTROL_EVENTS_PROCESSED,
  CONTROL_EVENTS_REJECTED,
  CONTROL_OFFSET,
  CONTROL_PROGRESS_DROPPED,
  CONTROL_STOP_REQUESTED,
  INBOUND_CAPACITY,
  INBOUND_RING_OFFSET,
  OUTBOUND_CAPACITY,
  OUTBOUND_RING_OFFSET,
  RING_PUBLISHED,
} from '../layout/memory-map.js';
import { EV_ID, EV_KIND } from '../layout/event-record.js';
import { EventKind, KIND_MASK } from '../layout/event-record.js';
import { RingConsumer, RingProducer, formatChecksum, initRing } from '../ring/index.js';
import { spawnWorker } from './spawn-worker.js';
import type { EngineThreadData } from './engine-thread.js';
import type { EngineThreadMessage } from './engine-thread-messages.js';
import type { WaitStrategyName } from './wait-strategy-by-name.js';
import { readPipelineCounters, readPipelineSnapshot, type InstrumentSnapshot, type PipelineCounters, type PipelineMap, type PipelineSpec } from '../pipeline/index.js';

export interface EngineHostOptions {
  /** Records the core consumes per call (one WASM call per batch). */
  maxBatch?: number;
  /** How the engine thread waits on an empty inbound ring. */
  wait?: WaitStrategyName;
  build?: CoreBuild;
  /** Per-bar stages (indicators, regime) the engine runs for each instrument. */
  pipeline?: PipelineSpec;
}

export interface EngineCounters {
  eventsProcessed: number;
  barsProcessed: number;
  eventsRejected: number;
  progressDropped: number;
  /** Running checksum of every consumed record, as 16 hex digits (hi then lo lane). */
  checksum: string;
  engineState: number;
}

export const DEFAULT_MAX_BATCH = 4096;

export class EngineHost {
  readonly inbound: RingProducer;
  readonly outbound: RingConsumer;
  /** Total records consumed by the core, as last reported on the outbound ring. */
  consumedReported = 0;

  private readonly i32: Int32Array;
  private readonly i64: BigInt64Array;
  /** Where the pipeline's results live; null when the engine runs no pipeline. */
  pipelineMap: PipelineMap | null = null;
  private stopped = false;
  private failure: Error | undefined;

  private constructor(readonly memory: WebAssembly.Memory, private readonly worker: Worker) {
    this.i32 = new Int32Array(memory.buffer);
    this.i64 = new BigInt64Array(memory.buffer, CONTROL_OFFSET, 16);
    this.inbound = new RingProducer(memory, INBOUND_RING_OFFSET);
    this.outbound = new RingConsumer(memory, OUTBOUND_RING_OFFSET);
    worker.on('message', (message: EngineThreadMessage) => {
      if (message.type === 'stopped') this.stopped = true;
      if (message.type === 'failed') this.failure = new Error(`engine thread failed: ${message.message}`);
    });
    worker.on('error', (error) => {
      this.failure = error;
    });
    worker.on('exit', (code) => {
      if (!this.stopped && !this.failure) this.failure = new Error(`engine thread exited with code ${code} before stopping`);
    });
  }

  /** Creates the memory and rings, starts the engine thread and waits until it runs. */
  static async start(options: EngineHostOptions = {}): Promise<EngineHost> {
    const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > INBOUND_CAPACITY) {
      throw new RangeError(`\`maxBatch\` must be an integer in [1, ${INBOUND_CAPACITY}], was ${maxBatch}`);
    }
    const memory = createSharedMemory();
    initRing(memory, INBOUND_RING_OFFSET, INBOUND_CAPACITY);
    initRing(memory, OUTBOUND_RING_OFFSET, OUTBOUND_CAPACITY);
    const data: EngineThreadData = {
      memory,
      module: compileCore(options.build),
      maxBatch,
      wait: options.wait ?? 'spin-then-sleep',
      pipeline: options.pipeline ?? null,
    };
    const worker = spawnWorker(new URL('./engine-thread.js', import.meta.url), { workerData: data });
    const host = new EngineHost(memory, worker);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: EngineThreadMessage): void => {
        if (message.type === 'started') {
          worker.off('message', onMessage);
          host.pipelineMap = message.pipeline;
          resolve();
        } else if (message.type === 'failed') {
          worker.off('message', onMessage);
          reject(new Error(`engine thread failed to start: ${message.message}`));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return host;
  }

  /** Throws if the engine thread failed. Call between batches. */
  checkHealthy(): void {
    if (this.failure) throw this.failure;
  }

  /** Reads every outbound record the engine published; returns how many were read. */
  drainOutbound(): number {
    const available = this.outbound.available();
    if (available === 0) return 0;
    const first = this.outbound.cursor;
    const { i32, u32 } = this.outbound.memory;
    for (let i = 0; i < available; i++) {
      const offset = this.outbound.slotOffset((first + i) >>> 0);
      if ((i32[(offset + EV_KIND) >> 2] & KIND_MASK) === EventKind.PROGRESS) {
        const w = (offset + EV_ID) >> 2;
        this.consumedReported = u32[w] + u32[w + 1] * 4294967296;
      }
    }
    this.outbound.release((first + available) >>> 0);
    return available;
  }

  /** Asks the engine to drain the inbound ring and stop; wakes it if it sleeps. */
  requestStop(): void {
    Atomics.store(this.i32, (CONTROL_OFFSET + CONTROL_STOP_REQUESTED) >> 2, 1);
    Atomics.notify(this.i32, (INBOUND_RING_OFFSET + RING_PUBLISHED) >> 2);
  }

  /**
   * Requests the stop, drains the outbound ring until the engine has stopped, then
   * ends the worker. Resolves with the final counters.
   */
  async drainAndStop(): Promise<EngineCounters> {
    this.requestStop();
    while (!this.stopped) {
      this.checkHealthy();
      this.drainOutbound();
      await yieldToEventLoop();
    }
    this.drainOutbound();
    await this.worker.terminate();
    return this.counters();
  }

  /** Kills the engine thread at once (forced exit path). */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  /** Records published to the inbound ring that the core has not consumed yet. */
  unconsumed(): number {
    return Math.max(0, this.inbound.cursor - this.counters().eventsProcessed);
  }

  /** Each pipeline instrument's current indicator values and regime (empty without a pipeline). */
  pipelineSnapshot(): InstrumentSnapshot[] {
    return this.pipelineMap ? readPipelineSnapshot(this.memory, this.pipelineMap) : [];
  }

  pipelineCounters(): PipelineCounters {
    return readPipelineCounters(this.memory);
  }

  counters(): EngineCounters {
    const control = this.i64;
    const at = (byteOffset: number): bigint => Atomics.load(control, byteOffset >> 3);
    const checksum = BigInt.asUintN(64, at(CONTROL_EVENTS_CHECKSUM));
    return {
      eventsProcessed: Number(at(CONTROL_EVENTS_PROCESSED)),
      barsProcessed: Number(at(CONTROL_BARS_PROCESSED)),
      eventsRejected: Number(at(CONTROL_EVENTS_REJECTED)),
      progressDropped: Number(at(CONTROL_PROGRESS_DROPPED)),
      checksum: formatChecksum(Number(checksum & 0xffffffffn), Number(checksum >> 32n)),
      engineState: Atomics.load(this.i32, (CONTROL_OFFSET + CONTROL_ENGINE_STATE) >> 2),
    };
  }
}
