// EngineHost: the I/O thread's handle on the engine. It creates the shared memory,
// initialises both rings, starts the engine thread, and offers the inbound
// producer, an outbound drain (PROGRESS records; ORDER and risk records to the
// order-flow listeners and tallies; a kill-switch trip persisted after each drain when a
// store is given), and the stop protocol:
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
import { EV_A, EV_B, EV_ID, EV_KIND } from '../layout/event-record.js';
import { readOrderRecord, readRiskRecord, type OrderRecord } from './outbound-records.js';
import type { RiskRecord } from '../risk/index.js';
import { KillSwitchMonitor, type ControlEvent, type KillSwitchStore } from '../killswitch/index.js';
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
  /** Per-bar stages (indicators, regime, decision, orders) the engine runs for each instrument. */
  pipeline?: PipelineSpec;
  /** Each accepted order, in order, as the outbound drain reads it (the venue's input). */
  onOrder?(order: OrderRecord): void;
  /** Each OrderDenied / OrderDeferred / FlattenRequired record. */
  onRiskRecord?(record: RiskRecord): void;
  /** Where a drawdown trip is persisted (with pipeline.risk; its `halted` should come from this store). */
  killSwitch?: KillSwitchStore;
  /** Called with the journal event once a trip is persisted. */
  onKillSwitchTrip?(event: ControlEvent): void;
}

/** Order-flow records the outbound drain has read so far. */
export interface OrderFlowTally {
  orders: number;
  /** Accepted orders cut to fit an exposure limit, by the limit's reason code. */
  cutOrders: Map<number, number>;
  /** Risk records by reason code (RiskReason; 16 = FlattenRequired). */
  riskRecords: Map<number, number>;
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
  readonly orderFlow: OrderFlowTally = { orders: 0, cutOrders: new Map(), riskRecords: new Map() };
  private readonly view: DataView;
  private onOrder: EngineHostOptions['onOrder'];
  private onRiskRecord: EngineHostOptions['onRiskRecord'];
  private killSwitchMonitor: KillSwitchMonitor | null = null;
  private onKillSwitchTrip: EngineHostOptions['onKillSwitchTrip'];
  private stopped = false;
  private failure: Error | undefined;

  private constructor(readonly memory: WebAssembly.Memory, private readonly worker: Worker) {
    this.i32 = new Int32Array(memory.buffer);
    this.i64 = new BigInt64Array(memory.buffer, CONTROL_OFFSET, 16);
    this.view = new DataView(memory.buffer);
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
    host.onOrder = options.onOrder;
    host.onRiskRecord = options.onRiskRecord;
    host.onKillSwitchTrip = options.onKillSwitchTrip;
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: EngineThreadMessage): void => {
        if (message.type === 'started') {
          worker.off('message', onMessage);
          host.pipelineMap = message.pipeline;
          if (options.killSwitch && options.pipeline?.risk) host.killSwitchMonitor = new KillSwitchMonitor(options.killSwitch, memory);
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

  /**
   * Reads every outbound record the engine published, then persists a kill-switch trip the
   * core made (with a store); returns how many records were read.
   */
  drainOutbound(): number {
    const available = this.outbound.available();
    if (available > 0) {
      const first = this.outbound.cursor;
      const { i32, u32 } = this.outbound.memory;
      for (let i = 0; i < available; i++) {
        const offset = this.outbound.slotOffset((first + i) >>> 0);
        const kind = i32[(offset + EV_KIND) >> 2] & KIND_MASK;
        if (kind === EventKind.PROGRESS) {
          const w = (offset + EV_ID) >> 2;
          this.consumedReported = u32[w] + u32[w + 1] * 4294967296;
        } else if (kind === EventKind.ORDER) {
          this.orderFlow.orders++;
          const cutBy = this.view.getFloat64(offset + EV_B, true);
          if (cutBy !== 0) this.orderFlow.cutOrders.set(cutBy, (this.orderFlow.cutOrders.get(cutBy) ?? 0) + 1);
          this.onOrder?.(readOrderRecord(this.view, offset));
        } else if (kind === EventKind.REJECT) {
          const reason = this.view.getFloat64(offset + EV_A, true);
          this.orderFlow.riskRecords.set(reason, (this.orderFlow.riskRecords.get(reason) ?? 0) + 1);
          this.onRiskRecord?.(readRiskRecord(this.view, offset));
        }
      }
      this.outbound.release((first + available) >>> 0);
    }
    if (this.killSwitchMonitor) {
      const tripped = this.killSwitchMonitor.poll();
      if (tripped) this.onKillSwitchTrip?.(tripped);
    }
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
