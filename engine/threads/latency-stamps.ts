// Latency stamps shared by the I/O thread and the engine thread: where the stages of a record's
// trip are stamped as it passes (monotonic ns, latency-clock.ts), in one SharedArrayBuffer
// allocated when the host starts, so stamping allocates nothing.
//
//   I/O thread (producer)          engine thread                         I/O thread (drain)
//   claim .. publish  -> publishNs[seq]   startNs processInbound() endNs -> batch log -> LatencyMonitor
//
//  LatencyStamps buffer (byte offsets)
//  0        4          8          12                 64
//  | written | read    | dropped  | (reserved)  ...  |   i32 words: batch log sequences (u32, wrapping)
//  64                                                64 + 16 * inboundCapacity
//  | publishNs: f64 per inbound sequence, index seq & (2 * inboundCapacity - 1)            |
//  then BATCH_LOG_ENTRIES entries of 8 f64 (64 bytes):
//  0        8        16       24       32        40       48
//  | inFrom | count  | outFrom| outEnd | startNs | endNs  | (unused) |
//
// publishNs is written by the producer (StampingRingProducer) right after it publishes, and read
// by the same thread; it has two slots per ring slot, so the stamp of a sequence the core
// consumed survives until the producer has claimed 2 * capacity past it (checked when read).
// The batch log is single-producer (the engine thread writes an entry after each
// processInbound that consumed records) single-consumer (the I/O thread, in its drain); when it
// is full the engine counts the entry as dropped and goes on: it never waits for the I/O thread.
import { RingProducer, type RingMemorySource } from '../ring/index.js';
import { monotonicNs } from './latency-clock.js';

export const BATCH_LOG_ENTRIES = 4096;
const HEADER_BYTES = 64;
const ENTRY_WORDS = 8;
export const LOG_WRITTEN = 0;
export const LOG_READ = 1;
export const LOG_DROPPED = 2;
export const ENTRY_IN_FROM = 0;
export const ENTRY_COUNT = 1;
export const ENTRY_OUT_FROM = 2;
export const ENTRY_OUT_END = 3;
export const ENTRY_START_NS = 4;
export const ENTRY_END_NS = 5;

/** Typed views of a latency-stamps buffer (built once per thread). */
export class LatencyStamps {
  readonly header: Int32Array;
  readonly publishNs: Float64Array;
  readonly publishMask: number;
  readonly log: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer, readonly inboundCapacity: number) {
    this.header = new Int32Array(buffer, 0, HEADER_BYTES >> 2);
    this.publishNs = new Float64Array(buffer, HEADER_BYTES, 2 * inboundCapacity);
    this.publishMask = 2 * inboundCapacity - 1;
    this.log = new Float64Array(buffer, HEADER_BYTES + 16 * inboundCapacity, BATCH_LOG_ENTRIES * ENTRY_WORDS);
  }

  /** A zeroed buffer for an inbound ring of `inboundCapacity` slots (a power of two). */
  static allocate(inboundCapacity: number): LatencyStamps {
    return new LatencyStamps(new SharedArrayBuffer(HEADER_BYTES + 16 * inboundCapacity + BATCH_LOG_ENTRIES * ENTRY_WORDS * 8), inboundCapacity);
  }

  /**
   * Engine thread: logs one processInbound call (inbound [inFrom, inFrom + count), outbound
   * [outFrom, outEnd) published by it, monotonic start and end). Drops it, counted, when the log is full.
   */
  logBatch(inFrom: number, count: number, outFrom: number, outEnd: number, startNs: number, endNs: number): void {
    const header = this.header;
    const written = Atomics.load(header, LOG_WRITTEN);
    if (((written - Atomics.load(header, LOG_READ)) >>> 0) >= BATCH_LOG_ENTRIES) {
      Atomics.add(header, LOG_DROPPED, 1);
      return;
    }
    const at = (written & (BATCH_LOG_ENTRIES - 1)) * ENTRY_WORDS;
    const log = this.log;
    log[at + ENTRY_IN_FROM] = inFrom >>> 0;
    log[at + ENTRY_COUNT] = count;
    log[at + ENTRY_OUT_FROM] = outFrom >>> 0;
    log[at + ENTRY_OUT_END] = outEnd >>> 0;
    log[at + ENTRY_START_NS] = startNs;
    log[at + ENTRY_END_NS] = endNs;
    Atomics.store(header, LOG_WRITTEN, (written + 1) | 0);
  }

  /** Batch-log entries dropped because the I/O thread had not read the log (it was full). */
  dropped(): number {
    return Atomics.load(this.header, LOG_DROPPED) >>> 0;
  }
}

/** Receives what the producer stamps: the ingress stage of each published run of records. */
export interface IngressRecorder {
  recordIngress(ns: number, count: number): void;
}

/**
 * The inbound producer with stamps: the earliest claim time of the unpublished slots, and the
 * publish time of every slot (for the ring stage), plus the ingress stage (claim to publish: the
 * producer writing its records) per published run. Same protocol as RingProducer; no allocation.
 */
export class StampingRingProducer extends RingProducer {
  private claimNs = 0;
  private readonly stampMask: number;

  constructor(source: RingMemorySource, offset: number, private readonly stamps: LatencyStamps, private readonly ingress: IngressRecorder) {
    super(source, offset);
    if (stamps.inboundCapacity !== this.capacity) throw new RangeError(`latency stamps sized for ${stamps.inboundCapacity} slots, the ring has ${this.capacity}`);
    this.stampMask = stamps.publishMask;
  }

  override tryClaim(count: number): number {
    if (this.unpublished === 0) this.claimNs = monotonicNs();
    return super.tryClaim(count);
  }

  override publish(endSequence: number): void {
    const from = (this.cursor - this.unpublished) >>> 0;
    const now = monotonicNs();
    super.publish(endSequence);
    const count = (endSequence - from) >>> 0;
    const publishNs = this.stamps.publishNs;
    const mask = this.stampMask;
    for (let i = 0; i < count; i++) publishNs[(from + i) & mask] = now;
    this.ingress.recordIngress(now - this.claimNs, count);
    if (this.unpublished > 0) this.claimNs = now;
  }
}
