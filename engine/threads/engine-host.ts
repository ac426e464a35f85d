// EngineHost: the I/O thread's handle on the engine: ring transport. It creates the shared
// memory, initialises both rings, starts the engine thread (from a checkpoint when given one),
// and offers the inbound producer, the outbound drain (outbound-dispatch.ts reads the records;
// order-flow-tally.ts counts them for reports; a kill-switch trip is persisted after each drain
// when a store is given), checkpoints at a batch boundary (core-checkpoint.ts), and the stop
// protocol below. Latency: the inbound producer stamps what it publishes, the core's stepper logs
// each batch, and the drain turns both into per-stage histograms (latency-stamps.ts, latency-monitor.ts).
//
// With `inline` there is no engine thread: the core runs in the caller's thread
// (engine-core-loop.ts, the same calls as the engine thread makes) each time the I/O side drains
// the outbound ring or would wait for the engine, so one thread plays, decides and records (a
// sweep's pool worker, whose thread does nothing else during a run). The replay source still
// never waits for the engine's orders: it publishes, and the core consumes what was published.
// An inline host takes its memory from the thread's kept memories (core-memory-cache.ts, reset
// to zeros) and gives it back on release(), once the caller has read its results.
//
// The stop protocol of the engine thread:
//
//   I/O thread                                   engine thread
//   stop sources; publish what was claimed
//   CONTROL_STOP_REQUESTED = 1, notify  ------>  consume until inbound is empty
//                                                engineStop(); post 'stopped'
//   drain outbound until 'stopped' and empty <-- last PROGRESS record
import type { Worker } from 'node:worker_threads';
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { compileCore, createSharedMemory, type CoreBuild } from '../core/wasm-core.js';
import { keepCoreMemory, takeCoreMemory } from '../core/core-memory-cache.js';
import {
  CONTROL_BARS_PROCESSED,
  CONTROL_ENGINE_STATE,
  CONTROL_EVENTS_CHECKSUM,
  CONTROL_EVENTS_PROCESSED,
  CONTROL_EVENTS_REJECTED,
  CONTROL_HELD_PHASE,
  CONTROL_LAST_STATUS,
  CONTROL_OFFSET,
  CONTROL_PROGRESS_DROPPED,
  CONTROL_STOP_REQUESTED,
  INBOUND_CAPACITY,
  INBOUND_RING_OFFSET,
  OUTBOUND_CAPACITY,
  OUTBOUND_RING_OFFSET,
  RING_CONSUMER_WAITING,
  RING_PRODUCER_WAITING,
  RING_PUBLISHED,
  RING_RELEASED,
} from '../layout/memory-map.js';
// Loaded when a host is given a kill-switch store (live and paper): a backtest's or a sweep worker's
// thread then never loads engine/killswitch and what it pulls in (its LMDB journal, token signing).
import type { ControlEvent, KillSwitchMonitor, KillSwitchStore } from '../killswitch/index.js';
import { RingConsumer, RingProducer, formatChecksum, initRing } from '../ring/index.js';
import { spawnWorker } from './spawn-worker.js';
import type { OrderIdLease } from '../state/index.js';
import type { EngineThreadData } from './engine-thread.js';
import type { PrestartedEngineThread } from './prestarted-engine-thread.js';
import type { EngineThreadMessage } from './engine-thread-messages.js';
import type { WaitStrategyName } from './wait-strategy-by-name.js';
import { readPipelineCounters, readPipelineSnapshot, writeInstrumentPaused, type InstrumentSnapshot, type PipelineCounters, type PipelineMap, type PipelineSpec } from '../pipeline/index.js';
import { OutboundDispatch, type OutboundListeners } from './outbound-dispatch.js';
import { OrderFlowTallier, type OrderFlowTally } from './order-flow-tally.js';
import { PARK_ONLY, PARK_RESET_KILL_SWITCH, PARK_TRIP_KILL_SWITCH, copyImage, isParked, parkedActionStatus, readCheckpointCounters, releasePark, requestPark, type CoreCheckpoint } from './core-checkpoint.js';
import { CoreStatusError, checkCoreStatus } from '../core/core-status.js';
import { writeRiskLimit, type RiskLimitName } from '../risk/index.js';
import { CoreStepper, STEP_INBOUND_EMPTY, startEngineCore } from './engine-core-loop.js';
import { readConsistentState, type ConsistentState } from '../snapshot/index.js';
import { LatencyStamps, StampingRingProducer } from './latency-stamps.js';
import { LatencyMonitor } from './latency-monitor.js';
import { monotonicNs } from './latency-clock.js';

export type { OrderFlowTally } from './order-flow-tally.js';

export interface EngineHostOptions extends OutboundListeners {
  /** Records the core consumes per call (one WASM call per batch). */
  maxBatch?: number;
  /** How the engine thread waits on an empty inbound ring. */
  wait?: WaitStrategyName;
  build?: CoreBuild;
  /** Per-bar stages (indicators, regime, decision, orders) the engine runs for each instrument. */
  pipeline?: PipelineSpec;
  /** Slots of the outbound ring (a power of two up to OUTBOUND_CAPACITY; default OUTBOUND_CAPACITY). */
  outboundCapacity?: number;
  /** Slots of the inbound ring (a power of two, at least `maxBatch`, up to INBOUND_CAPACITY; default INBOUND_CAPACITY). */
  inboundCapacity?: number;
  /** Where a drawdown trip is persisted (with pipeline.risk; its `halted` should come from this store). */
  killSwitch?: KillSwitchStore;
  /** Called with the journal event once a trip is persisted. */
  onKillSwitchTrip?(event: ControlEvent): void;
  /** Persisted order ids: each ORDER's id is covered by the lease before its listeners see it. */
  orderIds?: OrderIdLease;
  /** Start from this checkpoint (taken with the same pipeline) instead of a fresh core. */
  restore?: CoreCheckpoint;
  /**
   * Run the core in this thread instead of an engine thread (see the header): for a caller whose
   * thread has nothing else to do while the engine runs, such as a sweep's pool worker. The
   * `wait` strategy is then unused. Default false.
   */
  inline?: boolean;
  /**
   * An engine thread started ahead (PrestartedEngineThread.start, with the same `build`): taken
   * instead of spawning one, so its start-up has overlapped the caller's work. Ignored with
   * `inline`, or when it was taken already or ended (a thread is spawned as without it).
   */
  prestarted?: PrestartedEngineThread;
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

/** Atomics.waitAsync (Node 20 has it; the TS lib of this project predates it). */
interface AtomicsWithWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

export class EngineHost {
  readonly inbound: RingProducer;
  readonly outbound: RingConsumer;
  /** Per-stage latency histograms of this run (ingress, ring, core, intent; journal and venue when a host records them). */
  readonly latency = new LatencyMonitor();
  /** The stamps shared with the engine thread. */
  readonly latencyStamps: LatencyStamps;
  /** Inbound records the core had consumed before this host started it (a checkpoint's inboundSeq; 0 for a fresh core). */
  inboundBase = 0;

  private readonly i32: Int32Array;
  private readonly i64: BigInt64Array;
  /** Where the pipeline's results live; null when the engine runs no pipeline. */
  pipelineMap: PipelineMap | null = null;
  private readonly tallier = new OrderFlowTallier();
  private dispatch: OutboundDispatch | null = null;
  private killSwitchMonitor: KillSwitchMonitor | null = null;
  private onKillSwitchTrip: EngineHostOptions['onKillSwitchTrip'];
  private stopped = false;
  /** A drainOutbound is under way (a nested call reads nothing). */
  private draining = false;
  private failure: Error | undefined;
  /** The core run in this thread (`inline`); null with an engine thread. */
  private stepper: CoreStepper | null = null;
  private released = false;

  private constructor(readonly memory: WebAssembly.Memory, private readonly worker: Worker | null, stamps: LatencyStamps) {
    this.i32 = new Int32Array(memory.buffer);
    this.i64 = new BigInt64Array(memory.buffer, CONTROL_OFFSET, 16);
    this.latencyStamps = stamps;
    this.inbound = new StampingRingProducer(memory, INBOUND_RING_OFFSET, stamps, this.latency);
    this.outbound = new RingConsumer(memory, OUTBOUND_RING_OFFSET);
    if (!worker) return;
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

  /** Order-flow records the outbound drain has read so far (for reports). */
  get orderFlow(): OrderFlowTally {
    return this.tallier.tally;
  }

  /** Inbound records published that the core has not yet released: its pending input (0: it has taken everything). */
  inboundBacklog(): number {
    return this.inbound.capacity - this.inbound.freeSlots() - this.inbound.unpublished;
  }

  /** Total records consumed by the core (its whole life), as last reported on the outbound ring. */
  get consumedReported(): number {
    return this.dispatch ? this.dispatch.consumedReported : 0;
  }

  /** Creates the memory and rings, starts the engine thread (or the inline core) and waits until it runs. */
  static async start(options: EngineHostOptions = {}): Promise<EngineHost> {
    const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > INBOUND_CAPACITY) {
      throw new RangeError(`\`maxBatch\` must be an integer in [1, ${INBOUND_CAPACITY}], was ${maxBatch}`);
    }
    const outboundCapacity = options.outboundCapacity ?? OUTBOUND_CAPACITY;
    if (!Number.isInteger(outboundCapacity) || outboundCapacity < 2 || outboundCapacity > OUTBOUND_CAPACITY || (outboundCapacity & (outboundCapacity - 1)) !== 0) {
      throw new RangeError(`\`outboundCapacity\` must be a power of two in [2, ${OUTBOUND_CAPACITY}], was ${outboundCapacity}`);
    }
    const inboundCapacity = options.inboundCapacity ?? INBOUND_CAPACITY;
    if (!Number.isInteger(inboundCapacity) || inboundCapacity < maxBatch || inboundCapacity > INBOUND_CAPACITY || (inboundCapacity & (inboundCapacity - 1)) !== 0) {
      throw new RangeError(`\`inboundCapacity\` must be a power of two in [maxBatch = ${maxBatch}, ${INBOUND_CAPACITY}], was ${inboundCapacity}`);
    }
    const prestarted = !options.inline && options.prestarted?.fits(options.build) ? options.prestarted : undefined;
    const memory = options.inline ? takeCoreMemory() : prestarted ? prestarted.memory : createSharedMemory();
    initRing(memory, INBOUND_RING_OFFSET, inboundCapacity);
    const stamps = LatencyStamps.allocate(inboundCapacity);
    initRing(memory, OUTBOUND_RING_OFFSET, outboundCapacity);
    const setup = {
      maxBatch,
      wait: options.wait ?? 'spin-then-sleep',
      pipeline: options.pipeline ?? null,
      restore: options.restore ? { image: options.restore.image, counters: [...options.restore.counters] } : null,
      latency: stamps.buffer,
    } satisfies Omit<EngineThreadData, 'memory' | 'module'>;
    const data: EngineThreadData = { ...setup, memory, module: compileCore(options.build) };
    // Before the engine thread starts: its 'started' message must find the listener below.
    const killSwitch = options.killSwitch && options.pipeline?.risk ? { store: options.killSwitch, Monitor: (await import('../killswitch/index.js')).KillSwitchMonitor } : null;
    const worker = options.inline ? null : prestarted ? prestarted.take(setup) : spawnWorker(new URL('./engine-thread.js', import.meta.url), { workerData: data });
    const host = new EngineHost(memory, worker, stamps);
    const { onOrder, onOrderChange, onRiskRecord, onVenueReport, onRoundTrip, onOrderNotice, onRecordBytes, onEquity, onEquityAt, onFeatures } = options;
    const listeners: OutboundListeners = { onOrder, onOrderChange, onRiskRecord, onVenueReport, onRoundTrip, onOrderNotice, onRecordBytes, onEquity, onEquityAt, onFeatures };
    host.dispatch = new OutboundDispatch(memory, host.outbound, outboundCapacity * 64, listeners, host.tallier, options.orderIds, host.latency);
    host.inboundBase = options.restore ? Number(options.restore.inboundSeq) : 0;
    // A restored core's PROGRESS totals count the checkpoint's records too: until the first one
    // arrives the host reports that base, not 0 (a player waiting for base + n consumed records
    // would otherwise stop waiting after n - base).
    host.dispatch.consumedReported = host.inboundBase;
    host.onKillSwitchTrip = options.onKillSwitchTrip;
    if (!worker) {
      const started = startEngineCore(data);
      host.stepper = new CoreStepper(memory, started.core, maxBatch, stamps.buffer);
      host.pipelineMap = started.pipeline;
      if (killSwitch) host.killSwitchMonitor = new killSwitch.Monitor(killSwitch.store, memory);
      return host;
    }
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: EngineThreadMessage): void => {
        if (message.type === 'started') {
          worker.off('message', onMessage);
          host.pipelineMap = message.pipeline;
          if (killSwitch) host.killSwitchMonitor = new killSwitch.Monitor(killSwitch.store, memory);
          resolve();
        } else if (message.type === 'failed') {
          worker.off('message', onMessage);
          reject(new Error(`engine thread failed to start: ${message.message}`));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      // A thread that ends without a word (a prestarted one whose import failed before it was taken).
      worker.once('exit', (code) => reject(new Error(`engine thread exited (code ${code}) before it started`)));
    });
    return host;
  }

  /** Throws if the engine thread failed. Call between batches. */
  checkHealthy(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * Reads every outbound record the engine published, then persists a kill-switch trip the
   * core made (with a store); returns how many records were read. A call from a listener of
   * the drain under way (a listener that publishes to clients drains first) reads nothing: the
   * drain under way takes the records in order.
   */
  drainOutbound(): number {
    if (this.draining) return 0;
    this.draining = true;
    try {
      let read = 0;
      if (this.stepper && !this.stopped) {
        // Inline: run the core until the inbound ring is empty, draining whenever it is short of room.
        while (this.stepper.runUntilIdle() !== STEP_INBOUND_EMPTY) read += this.drainOnce();
      }
      return read + this.drainOnce();
    } finally {
      this.draining = false;
    }
  }

  private drainOnce(): number {
    this.latency.collect(this.latencyStamps, this.inbound.cursor);
    const read = this.dispatch!.drain(monotonicNs());
    if (this.killSwitchMonitor) {
      const tripped = this.killSwitchMonitor.poll();
      if (tripped) this.onKillSwitchTrip?.(tripped);
    }
    return read;
  }

  /**
   * Takes a checkpoint of the core at a batch boundary: asks the engine thread to park (draining
   * the outbound ring meanwhile, so an engine waiting for room can reach the boundary), copies
   * its state into `image` (CHECKPOINT_IMAGE_BYTES, reused by the caller) and lets it run on.
   * Everything published before the call that the core consumed is in it; `inboundSeq` says how far.
   */
  async checkpoint(image: Uint8Array): Promise<CoreCheckpoint> {
    return this.whileParked(PARK_ONLY, () => {
      copyImage(this.memory, image);
      const counters = readCheckpointCounters(this.memory);
      return { inboundSeq: counters[0], counters, image };
    });
  }

  /**
   * Clears the core's kill switch at a batch boundary: an authenticated reset the caller has
   * journaled at that point. The caller first waits until the core has consumed every record it
   * published, so the reset lands after exactly those. Throws with the core's status when the
   * core has no risk module.
   */
  async resetKillSwitch(): Promise<void> {
    const status = await this.whileParked(PARK_RESET_KILL_SWITCH, () => parkedActionStatus(this.i32));
    if (status < 0) throw new CoreStatusError(status, 'riskResetKillSwitch');
  }

  /**
   * Trips the core's kill switch at a batch boundary (no new exposure until a reset): an
   * operator's trip the caller has journaled at that point, after every record it published.
   * Throws with the core's status when the core has no risk module.
   */
  async tripKillSwitch(): Promise<void> {
    const status = await this.whileParked(PARK_TRIP_KILL_SWITCH, () => parkedActionStatus(this.i32));
    if (status < 0) throw new CoreStatusError(status, 'riskRestoreHalted');
  }

  /**
   * Sets a pre-trade risk limit of the core at a batch boundary (an operator's change the caller
   * has journaled at that point, after every record it published): the engine parks, the limit's
   * field is written (engine/risk risk-limit-change.ts), it runs on. Returns the previous value.
   * Throws when the value is out of the limit's range or the core has no risk module.
   */
  async changeRiskLimit(limit: RiskLimitName, value: number): Promise<number> {
    return this.whileParked(PARK_ONLY, () => writeRiskLimit(this.memory, limit, value));
  }

  /**
   * Pauses (or resumes) the strategy of each of `instruments` at a batch boundary (an operator's
   * action the caller has journaled or logged at that point, after every record it published):
   * the engine parks, PIPE_PAUSED is written (engine/pipeline strategy-pause.ts), it runs on.
   * While paused an instrument's target may only reduce its position.
   */
  async setInstrumentsPaused(instruments: readonly number[], paused: boolean): Promise<void> {
    await this.whileParked(PARK_ONLY, () => {
      for (const instrument of instruments) writeInstrumentPaused(this.memory, instrument, paused);
    });
  }

  /**
   * Parks the engine thread with `code` (draining the outbound ring meanwhile), drains what it
   * published before parking, runs `read`, lets it run on. The rings are not in a checkpoint: a
   * record left on the outbound ring when the image is read would be lost to a session killed
   * after storing it (its input is not replayed), so every listener has it before `read` runs.
   */
  private async whileParked<T>(code: number, read: () => T): Promise<T> {
    if (this.stepper) return this.inlineParked(this.stepper, code, read);
    requestPark(this.i32, code);
    try {
      while (!isParked(this.i32)) {
        this.checkHealthy();
        this.drainOutbound();
        await this.waitForOutbound(1);
      }
      this.drainOutbound();
      return read();
    } finally {
      releasePark(this.i32);
    }
  }

  /**
   * Inline: the core is between calls. Runs it past a record it holds (as the engine thread parks
   * only when nothing is held), then acts as a parked engine thread would (parkIfRequested).
   */
  private async inlineParked<T>(stepper: CoreStepper, code: number, read: () => T): Promise<T> {
    while (Atomics.load(this.i32, (CONTROL_OFFSET + CONTROL_HELD_PHASE) >> 2) !== 0) {
      this.drainOutbound();
      await yieldToEventLoop();
    }
    const status = code === PARK_ONLY ? 0 : code === PARK_RESET_KILL_SWITCH ? stepper.core.riskResetKillSwitch() : code === PARK_TRIP_KILL_SWITCH ? stepper.core.riskRestoreHalted(1) : -1;
    Atomics.store(this.i32, (CONTROL_OFFSET + CONTROL_LAST_STATUS) >> 2, status < 0 ? status : 0);
    return read();
  }

  /**
   * Sleeps (without blocking the event loop) until the engine publishes an outbound record, or
   * `timeoutMs` passes: how the I/O thread waits for the engine instead of spinning, so a
   * busy machine's cores go to the engine. The core notifies only while the waiting flag is set.
   */
  async waitForOutbound(timeoutMs: number): Promise<void> {
    await this.waitOn(OUTBOUND_RING_OFFSET + RING_PUBLISHED, OUTBOUND_RING_OFFSET + RING_CONSUMER_WAITING, () => this.outbound.available() > 0, timeoutMs);
  }

  /**
   * Sleeps `timeoutMs` (fractions allowed) without leaving the engine's output waiting: each
   * outbound record published meanwhile wakes this thread, which drains it and sleeps on. How a
   * paced player waits for its next record, so an intent leaves when the core emits it, not at the
   * next timer tick (~1 ms). The whole sleep waits on the outbound ring, in whole milliseconds:
   * the event loop's timers (and so Atomics.waitAsync's timeout) have 1 ms resolution, a shorter
   * timeout fires at once, and a plain sleep for the rest would leave records published meanwhile
   * in the ring until it ends (measured: a 0.07 ms remainder slept 1.3 ms, the intent stage's p99
   * was 1.25 ms). Inline, nothing runs the core while this thread sleeps: a plain sleep.
   */
  async sleepDraining(timeoutMs: number): Promise<void> {
    if (this.stepper) {
      if (timeoutMs > 0) await sleep(timeoutMs);
      return;
    }
    const until = performance.now() + timeoutMs;
    for (let left = timeoutMs; left > 0; left = until - performance.now()) {
      await this.waitForOutbound(Math.ceil(left));
      this.checkHealthy();
      this.drainOutbound();
    }
  }

  /**
   * Drains the outbound ring until the core reported `target` inbound records consumed, or
   * `shouldStop()` says to stop waiting: how a player ends, once everything it published has run.
   */
  async waitUntilConsumed(target: number, shouldStop: () => boolean): Promise<void> {
    while (this.consumedReported < target && !shouldStop()) {
      this.checkHealthy();
      if (this.drainOutbound() === 0) await this.waitForOutbound(5);
    }
  }

  /** Sleeps until the engine releases inbound slots (the producer found the ring full), or `timeoutMs` passes. */
  async waitForInboundRoom(timeoutMs: number): Promise<void> {
    const released = Atomics.load(this.i32, (INBOUND_RING_OFFSET + RING_RELEASED) >> 2);
    await this.waitOn(INBOUND_RING_OFFSET + RING_RELEASED, INBOUND_RING_OFFSET + RING_PRODUCER_WAITING, () => Atomics.load(this.i32, (INBOUND_RING_OFFSET + RING_RELEASED) >> 2) !== released, timeoutMs);
  }

  private async waitOn(wordOffset: number, flagOffset: number, ready: () => boolean, timeoutMs: number): Promise<void> {
    if (this.stepper) {
      // Inline: nothing runs the core but this thread; run it now instead of sleeping.
      this.drainOutbound();
      await yieldToEventLoop();
      return;
    }
    const word = wordOffset >> 2;
    const flag = flagOffset >> 2;
    const seen = Atomics.load(this.i32, word);
    if (ready()) return;
    Atomics.store(this.i32, flag, 1);
    try {
      // Checked again after raising the flag: a publish in between would not have notified.
      if (Atomics.load(this.i32, word) !== seen || ready()) return;
      const result = (Atomics as unknown as AtomicsWithWaitAsync).waitAsync(this.i32, word, seen, timeoutMs);
      if (result.async) await result.value;
    } finally {
      Atomics.store(this.i32, flag, 0);
    }
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
    if (this.stepper) {
      // Inline: what the engine thread does once asked to stop, in this thread.
      while (!this.stepper.inboundEmpty()) this.drainOutbound();
      this.drainOutbound();
      checkCoreStatus(this.stepper.core.engineStop(), 'engineStop');
      this.stopped = true;
      this.drainOutbound();
      return this.counters();
    }
    while (!this.stopped) {
      this.checkHealthy();
      this.drainOutbound();
      await yieldToEventLoop();
    }
    this.drainOutbound();
    await this.worker!.terminate();
    return this.counters();
  }

  /** Kills the engine thread at once (forced exit path); an inline core just stops being called. */
  async terminate(): Promise<void> {
    this.stopped = true;
    await this.worker?.terminate();
  }

  /**
   * Inline: the caller has read everything it needs from the memory (counters, reports, state) and
   * holds no view of it; it is kept for this thread's next inline host (core-memory-cache.ts,
   * reset to zeros first). Nothing to do with an engine thread. Call once the host is stopped.
   */
  release(): void {
    if (!this.stepper || this.released) return;
    this.stopped = true;
    this.released = true;
    keepCoreMemory(this.memory);
  }

  /** Records published to the inbound ring that the core has not consumed yet. */
  unconsumed(): number {
    return Math.max(0, this.inbound.cursor - (this.counters().eventsProcessed - this.inboundBase));
  }

  /** Each pipeline instrument's current indicator values and regime (empty without a pipeline). */
  pipelineSnapshot(): InstrumentSnapshot[] {
    return this.pipelineMap ? readPipelineSnapshot(this.memory, this.pipelineMap) : [];
  }

  /**
   * The account and every configured instrument's position as the core last published them (at a
   * batch boundary, under a seqlock: engine/snapshot), taken whole while the engine runs.
   */
  consistentState(): ConsistentState {
    return readConsistentState(this.memory);
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
