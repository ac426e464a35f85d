// RingConsumer: the single consumer of one SPSC ring. Reads published slots in
// place, releases them in batches with Atomics.store, and notifies the producer
// only when it sleeps on a full ring.
import { WAIT_TIMED_OUT, type WaitStrategy } from './wait-strategy.js';
import { attachRing, type RingGeometry } from './init-ring.js';
import type { RingMemory, RingMemorySource } from './ring-memory.js';

export class RingConsumer {
  readonly memory: RingMemory;
  readonly capacity: number;
  /** Atomics.notify calls made for a sleeping producer (diagnostics and tests). */
  notifies = 0;

  private readonly i32: Int32Array;
  private readonly mask: number;
  private readonly slotsOffset: number;
  private readonly publishedIndex: number;
  private readonly consumerWaitingIndex: number;
  private readonly releasedIndex: number;
  private readonly producerWaitingIndex: number;
  /** u32: sequence after the last released slot (this side owns `released`). */
  private released: number;
  /** u32: last `published` observed; release may not pass it. */
  private publishedSeen: number;

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
    this.released = Atomics.load(this.i32, this.releasedIndex) >>> 0;
    this.publishedSeen = Atomics.load(this.i32, this.publishedIndex) >>> 0;
  }

  /** First sequence not yet released (u32): the next record to read. */
  get cursor(): number {
    return this.released;
  }

  /** Published records not yet released: readable from `cursor` on. */
  available(): number {
    this.publishedSeen = Atomics.load(this.i32, this.publishedIndex) >>> 0;
    return (this.publishedSeen - this.released) >>> 0;
  }

  /** Byte offset of the slot that holds sequence `sequence`. */
  slotOffset(sequence: number): number {
    return this.slotsOffset + ((sequence & this.mask) << 6);
  }

  /**
   * Waits with `wait` until at least `minimum` records are readable. Returns
   * the readable count, or 0 when the strategy timed out.
   */
  waitForData(wait: WaitStrategy, minimum = 1): number {
    const ready = this.available();
    if (ready >= minimum) return ready;
    if (!(minimum >= 1 && minimum <= this.capacity && (minimum | 0) === minimum)) {
      throw new RangeError(`\`minimum\` must be an integer in [1, capacity = ${this.capacity}], was ${minimum}`);
    }
    const published = wait.waitFor(this.i32, this.publishedIndex, this.consumerWaitingIndex, (this.released + minimum) | 0);
    if (published === WAIT_TIMED_OUT) return 0;
    this.publishedSeen = published;
    return (published - this.released) >>> 0;
  }

  /**
   * Releases every record before `endSequence` (exclusive) back to the producer.
   * Throws when `endSequence` does not advance `released` or passes what was
   * observed as published.
   */
  release(endSequence: number): void {
    const advance = (endSequence - this.released) >>> 0;
    if (advance === 0 || advance > ((this.publishedSeen - this.released) >>> 0)) this.rejectRelease(endSequence);
    Atomics.store(this.i32, this.releasedIndex, endSequence | 0);
    this.released = endSequence >>> 0;
    if (Atomics.load(this.i32, this.producerWaitingIndex) !== 0) {
      Atomics.notify(this.i32, this.releasedIndex, 1);
      this.notifies++;
    }
  }

  private rejectRelease(endSequence: number): never {
    throw new RangeError(
      `release \`endSequence\` must be in (released = ${this.released}, published = ${this.publishedSeen}] (u32, wrapping), was ${endSequence}`,
    );
  }
}
