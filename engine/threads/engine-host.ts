// EngineHost: the I/O thread's handle on the engine. It creates the shared memory,
// initialises both rings, starts the engine thread, and offers the inbound
// producer, an outbound drain (PROGRESS records; commands, risk records, the simulated
// venue's replies, round trips and order notices to the order-flow listeners and tallies;
// a kill-switch trip persisted after each drain when a store is given), and the stop protocol:
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
  RING_CONSUMER_WAITING,
  RING_PRODUCER_WAITING,
  RING_PUBLISHED,
  RING_RELEASED,
} from '../layout/memory-map.js';
import { EV_A, EV_B, EV_ID, EV_KIND } from '../layout/event-record.js';
import { decodeOrderFlowRecord, type CancelCommandRecord, type OrderCommandRecord, type OrderNoticeRecord, type ReplaceCommandRecord } from '../orders/index.js';
import { readRoundTrip, type RoundTrip } from '../portfolio/index.js';
import { decodeVenueEvent, readVenueRecord, type VenueReply } from '../venue/index.js';
import type { RiskRecord } from '../risk/index.js';
import { KillSwitchMonitor, type ControlEvent, type KillSwitchStore } from '../killswitch/index.js';
import { EventKind, KIND_MASK } from '../layout/event-record.js';
import { RingConsumer, RingProducer, formatChecksum, initRing } from '../ring/index.js';
import { spawnWorker } from './spawn-worker.js';
import type { OrderIdLease } from '../state/index.js';
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
  /** Slots of the outbound ring (a power of two up to OUTBOUND_CAPACITY; default OUTBOUND_CAPACITY). */
  outboundCapacity?: number;
  /** Each new order, in order, as the outbound drain reads it (a live venue adapter's input). */
  onOrder?(order: OrderCommandRecord): void;
  /** Each cancel or replace request. */
  onOrderChange?(change: CancelCommandRecord | ReplaceCommandRecord): void;
  /** Each OrderDenied / OrderDeferred / FlattenRequired record. */
  onRiskRecord?(record: RiskRecord): void;
  /** Each reply of the simulated venue, as the core applied it. */
  onVenueReport?(report: VenueReply): void;
  /** Each round trip of the trade list. */
  onRoundTrip?(roundTrip: RoundTrip): void;
  /** Each order notice (an event the order table could not apply as is; an order turned UNCERTAIN). */
  onOrderNotice?(notice: OrderNoticeRecord): void;
  /**
   * Each outbound record but PROGRESS, as the 64 bytes the core wrote (plus, for a ROUND_TRIP,
   * the 64 of its extension): what a journal stores, and what determinism tests compare.
   */
  onRecordBytes?(bytes: Uint8Array): void;
  /** Where a drawdown trip is persisted (with pipeline.risk; its `halted` should come from this store). */
  killSwitch?: KillSwitchStore;
  /** Called with the journal event once a trip is persisted. */
  onKillSwitchTrip?(event: ControlEvent): void;
  /** Persisted order ids: each ORDER's id is covered by the lease before its listeners see it. */
  orderIds?: OrderIdLease;
}

/** Order-flow records the outbound drain has read so far. */
export interface OrderFlowTally {
  /** ORDER records: orders sent (or released by the core's emulation); the first and last ids (0: none). */
  orders: number;
  firstOrderId: bigint;
  lastOrderId: bigint;
  /** Accepted orders cut to fit an exposure limit, by the limit's reason code. */
  cutOrders: Map<number, number>;
  cancels: number;
  replaces: number;
  /** Risk records by reason code (RiskReason; 16 = FlattenRequired). */
  riskRecords: Map<number, number>;
  /** The simulated venue's replies by kind name (ACK, FILL, CANCELED, REJECT, EXPIRED). */
  venueReplies: Map<string, number>;
  /** Fills reported by the simulated venue: maker ones among them, and their fees (quote currency). */
  fills: { count: number; maker: number; fees: number };
  roundTrips: { count: number; winners: number; netPnl: number };
  /** Order notices by code. */
  notices: Map<number, number>;
}

const VENUE_REPLY_NAMES = new Map<number, string>([
  [EventKind.ACK, 'ACK'], [EventKind.FILL, 'FILL'], [EventKind.CANCELED, 'CANCELED'], [EventKind.REJECT, 'REJECT'], [EventKind.EXPIRED, 'EXPIRED'],
]);

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
  /** Total records consumed by the core, as last reported on the outbound ring. */
  consumedReported = 0;

  private readonly i32: Int32Array;
  private readonly i64: BigInt64Array;
  /** Where the pipeline's results live; null when the engine runs no pipeline. */
  pipelineMap: PipelineMap | null = null;
  readonly orderFlow: OrderFlowTally = {
    orders: 0, firstOrderId: 0n, lastOrderId: 0n, cutOrders: new Map(), cancels: 0, replaces: 0, riskRecords: new Map(), venueReplies: new Map(),
    fills: { count: 0, maker: 0, fees: 0 }, roundTrips: { count: 0, winners: 0, netPnl: 0 }, notices: new Map(),
  };
  private readonly view: DataView;
  private listeners: Pick<EngineHostOptions, 'onOrder' | 'onOrderChange' | 'onRiskRecord' | 'onVenueReport' | 'onRoundTrip' | 'onOrderNotice' | 'onRecordBytes'> = {};
  /** Bytes from an outbound slot to its extension slot (ring capacity * 64). */
  private extensionStride = 0;
  private orderIds: OrderIdLease | undefined;
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
    const outboundCapacity = options.outboundCapacity ?? OUTBOUND_CAPACITY;
    if (!Number.isInteger(outboundCapacity) || outboundCapacity < 2 || outboundCapacity > OUTBOUND_CAPACITY || (outboundCapacity & (outboundCapacity - 1)) !== 0) {
      throw new RangeError(`\`outboundCapacity\` must be a power of two in [2, ${OUTBOUND_CAPACITY}], was ${outboundCapacity}`);
    }
    const memory = createSharedMemory();
    initRing(memory, INBOUND_RING_OFFSET, INBOUND_CAPACITY);
    initRing(memory, OUTBOUND_RING_OFFSET, outboundCapacity);
    const data: EngineThreadData = {
      memory,
      module: compileCore(options.build),
      maxBatch,
      wait: options.wait ?? 'spin-then-sleep',
      pipeline: options.pipeline ?? null,
    };
    const worker = spawnWorker(new URL('./engine-thread.js', import.meta.url), { workerData: data });
    const host = new EngineHost(memory, worker);
    const { onOrder, onOrderChange, onRiskRecord, onVenueReport, onRoundTrip, onOrderNotice, onRecordBytes } = options;
    host.listeners = { onOrder, onOrderChange, onRiskRecord, onVenueReport, onRoundTrip, onOrderNotice, onRecordBytes };
    host.extensionStride = outboundCapacity * 64;
    host.orderIds = options.orderIds;
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
        const word = i32[(offset + EV_KIND) >> 2];
        const kind = word & KIND_MASK;
        if (kind === EventKind.PROGRESS) {
          const w = (offset + EV_ID) >> 2;
          this.consumedReported = u32[w] + u32[w + 1] * 4294967296;
          continue;
        }
        if (this.listeners.onRecordBytes) this.copyRecord(offset, kind);
        if ((word & EventKind.SOURCE_PAPER) !== 0) {
          this.tallyVenueReply(offset, kind, word);
        } else {
          this.tallyCoreRecord(offset, kind);
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

  private copyRecord(offset: number, kind: number): void {
    const bytes = new Uint8Array(kind === EventKind.ROUND_TRIP ? 128 : 64);
    const memory = new Uint8Array(this.memory.buffer);
    bytes.set(memory.subarray(offset, offset + 64));
    if (kind === EventKind.ROUND_TRIP) bytes.set(memory.subarray(offset + this.extensionStride, offset + this.extensionStride + 64), 64);
    this.listeners.onRecordBytes!(bytes);
  }

  /** A reply of the simulated venue the core applied. */
  private tallyVenueReply(offset: number, kind: number, word: number): void {
    const tally = this.orderFlow;
    const name = VENUE_REPLY_NAMES.get(kind) ?? String(kind);
    tally.venueReplies.set(name, (tally.venueReplies.get(name) ?? 0) + 1);
    if (kind === EventKind.FILL) {
      tally.fills.count++;
      if ((word & EventKind.FLAG_MAKER) !== 0) tally.fills.maker++;
      tally.fills.fees += this.view.getFloat64(offset + EV_A, true);
    }
    if (this.listeners.onVenueReport) {
      // The core passes the reply on outbound; decoded as the venue sent it (inbound).
      const record = readVenueRecord(this.view, offset);
      const sent = { ...record, kind: (record.kind & ~EventKind.DIRECTION_OUTBOUND) | EventKind.DIRECTION_INBOUND };
      this.listeners.onVenueReport(decodeVenueEvent(sent, record.tsLocal) as VenueReply);
    }
  }

  /** A record the core wrote itself: a command, a risk record, a round trip or an order notice. */
  private tallyCoreRecord(offset: number, kind: number): void {
    const tally = this.orderFlow;
    const { listeners, view } = this;
    if (kind === EventKind.ROUND_TRIP) {
      const net = view.getFloat64(offset + EV_B, true);
      tally.roundTrips.count++;
      tally.roundTrips.netPnl += net;
      if (net > 0) tally.roundTrips.winners++;
      listeners.onRoundTrip?.(readRoundTrip(view, offset, offset + this.extensionStride));
      return;
    }
    const record = decodeOrderFlowRecord(view, offset);
    switch (record.record) {
      case 'order':
        tally.orders++;
        this.orderIds?.ensure(record.orderId);
        if (tally.firstOrderId === 0n) tally.firstOrderId = record.orderId;
        tally.lastOrderId = record.orderId;
        if (record.cutBy !== 0) tally.cutOrders.set(record.cutBy, (tally.cutOrders.get(record.cutBy) ?? 0) + 1);
        listeners.onOrder?.(record);
        break;
      case 'cancel':
      case 'replace':
        if (record.record === 'cancel') tally.cancels++;
        else tally.replaces++;
        listeners.onOrderChange?.(record);
        break;
      case 'risk':
        tally.riskRecords.set(record.reason, (tally.riskRecords.get(record.reason) ?? 0) + 1);
        listeners.onRiskRecord?.(record);
        break;
      case 'notice':
        tally.notices.set(record.code, (tally.notices.get(record.code) ?? 0) + 1);
        listeners.onOrderNotice?.(record);
        break;
      case 'other':
        break;
    }
  }

  /**
   * Sleeps (without blocking the event loop) until the engine publishes an outbound record, or
   * `timeoutMs` passes: how the I/O thread waits for the engine instead of spinning, so a
   * busy machine's cores go to the engine. The core notifies only while the waiting flag is set.
   */
  async waitForOutbound(timeoutMs: number): Promise<void> {
    await this.waitOn(OUTBOUND_RING_OFFSET + RING_PUBLISHED, OUTBOUND_RING_OFFSET + RING_CONSUMER_WAITING, () => this.outbound.available() > 0, timeoutMs);
  }

  /** Sleeps until the engine releases inbound slots (the producer found the ring full), or `timeoutMs` passes. */
  async waitForInboundRoom(timeoutMs: number): Promise<void> {
    const released = Atomics.load(this.i32, (INBOUND_RING_OFFSET + RING_RELEASED) >> 2);
    await this.waitOn(INBOUND_RING_OFFSET + RING_RELEASED, INBOUND_RING_OFFSET + RING_PRODUCER_WAITING, () => Atomics.load(this.i32, (INBOUND_RING_OFFSET + RING_RELEASED) >> 2) !== released, timeoutMs);
  }

  private async waitOn(wordOffset: number, flagOffset: number, ready: () => boolean, timeoutMs: number): Promise<void> {
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
