// RingProducer: the single producer of one SPSC ring. Claim (one slot or a
// batch), write the slots in place, publish with Atomics.store, and notify the
// consumer only when it sleeps. A claimed slot must always be published.
import { WAIT_TIMED_OUT, type WaitStrategy } from './wait-strategy.js';
import { attachRing, type RingGeometry } from './init-ring.js';
import type { RingMemory, RingMemorySource } from './ring-memory.js';
import { writeEventRecord } from './write-event-record.js';

export class RingProducer {
  readonly memory: RingMemory;
  readonly capacity: number;
  /** Atomics.notify calls made for a sleeping consumer (diagnostics and tests). */
  notifies = 0;

  private readonly i32: Int32Array;
  private readonly mask: number;
  private readonly slotsOffset: number;
  private readonly publishedIndex: number;
  private readonly consumerWaitingIndex: number;
  private readonly releasedIndex: number;
  private readonly producerWaitingIndex: number;
  /** u32: sequence after the last claimed slot. */
  private claimed: number;
  /** u32: sequence after the last published slot (this side owns `published`). */
  private published: number;
  /** u32: last `released` read from the consumer, refreshed only when the cache says full. */
  private releasedCache: number;

  constructor(source: RingMemorySource, offset: number) {
    const ring: RingGeometry = attachRing(source, offset);
    this.memory = ring.memory;
    this.i32 = ring.memory.i32;
    this.capacity = ring.capacity;
    this.mask = ring.mask;
    this.slotsOffset = ring.slotsOffset;
    this.publishedIndex = ring.publishedIndex;
    this.consumerWaitingIndex = ring.consumerWaitingIndex;
    this.releasedIndex = ring.releasedIndex;
    this.producerWaitingIndex = ring.producerWaitingIndex;
    this.published = Atomics.load(this.i32, this.publishedIndex) >>> 0;
    this.claimed = this.published;
    this.releasedCache = Atomics.load(this.i32, this.releasedIndex) >>> 0;
  }

  /** Next sequence a claim returns (u32). */
  get cursor(): number {
    return this.claimed;
  }

  /** Claimed slots not yet published. */
  get unpublished(): number {
    return (this.claimed - this.published) >>> 0;
  }

  /** Slots a claim could take now (reads the consumer's `released`). */
  freeSlots(): number {
    this.releasedCache = Atomics.load(this.i32, this.releasedIndex) >>> 0;
    return this.capacity - ((this.claimed - this.releasedCache) >>> 0);
  }

  /**
   * Claims `count` consecutive slots without waiting. Returns the first claimed
   * sequence (u32), or -1 when fewer than `count` slots are free. Throws when
   * `count` is not an integer in [1, capacity]: such a claim could never succeed.
   */
  tryClaim(count: number): number {
    if (!(count >= 1 && count <= this.capacity && (count | 0) === count)) this.rejectCount(count);
    const wrapPoint = (this.claimed + count - this.capacity) | 0;
    if (((this.releasedCache - wrapPoint) | 0) < 0) {
      this.releasedCache = Atomics.load(this.i32, this.releasedIndex) >>> 0;
      if (((this.releasedCache - wrapPoint) | 0) < 0) return -1;
    }
    const first = this.claimed;
    this.claimed = (first + count) >>> 0;
    return first;
  }

  /**
   * Claims `count` slots, waiting with `wait` while the ring is full. Returns the
   * first claimed sequence, or -1 when the strategy timed out.
   */
  claim(count: number, wait: WaitStrategy): number {
    const first = this.tryClaim(count);
    if (first !== -1) return first;
    const wrapPoint = (this.claimed + count - this.capacity) | 0;
    const released = wait.waitFor(this.i32, this.releasedIndex, this.producerWaitingIndex, wrapPoint);
    if (released === WAIT_TIMED_OUT) return -1;
    this.releasedCache = released;
    const start = this.claimed;
    this.claimed = (start + count) >>> 0;
    return start;
  }

  /** Byte offset of the slot that holds sequence `sequence`. */
  slotOffset(sequence: number): number {
    return this.slotsOffset + ((sequence & this.mask) << 6);
  }

  /** Writes a whole event record into the slot of `sequence` (see writeEventRecord). */
  writeEvent(
    sequence: number,
    kind: number,
    instrument: number,
    tsExchangeLo: number,
    tsExchangeHi: number,
    tsLocalLo: number,
    tsLocalHi: number,
    price: number,
    size: number,
    a: number,
    b: number,
    idLo: number,
    idHi: number,
  ): void {
    writeEventRecord(
      this.memory,
      this.slotsOffset + ((sequence & this.mask) << 6),
      kind,
      instrument,
      tsExchangeLo,
      tsExchangeHi,
      tsLocalLo,
      tsLocalHi,
      price,
      size,
      a,
      b,
      idLo,
      idHi,
    );
  }

  /**
   * Publishes every claimed slot before `endSequence` (exclusive). Throws when
   * `endSequence` does not advance `published` or passes the claimed sequences.
   */
  publish(endSequence: number): void {
    const advance = (endSequence - this.published) >>> 0;
    if (advance === 0 || advance > ((this.claimed - this.published) >>> 0)) this.rejectPublish(endSequence);
    Atomics.store(this.i32, this.publishedIndex, endSequence | 0);
    this.published = endSequence >>> 0;
    if (Atomics.load(this.i32, this.consumerWaitingIndex) !== 0) {
      Atomics.notify(this.i32, this.publishedIndex, 1);
      this.notifies++;
    }
  }

  private rejectCount(count: number): never {
    throw new RangeError(`claim \`count\` must be an integer in [1, capacity = ${this.capacity}], was ${count}`);
  }

  private rejectPublish(endSequence: number): never {
    throw new RangeError(
      `publish \`endSequence\` must be in (published = ${this.published}, claimed = ${this.claimed}] (u32, wrapping), was ${endSequence}`,
    );
  }
}
