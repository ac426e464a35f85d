// Ring header: initialisation (initRing) and validation when a side attaches
// (attachRing). The header layout is fixed in wasm/assembly/layout.ts (box
// diagram there) and mirrored in engine/layout/memory-map.ts.
import {
  RING_CAPACITY,
  RING_CONSUMER_WAITING,
  RING_HEADER_BYTES,
  RING_MAGIC,
  RING_MAGIC_FIELD,
  RING_MASK,
  RING_PRODUCER_WAITING,
  RING_PUBLISHED,
  RING_RELEASED,
  ringBytes,
} from '../layout/memory-map.js';
import { RingMemory, type RingMemorySource } from './ring-memory.js';

/** Largest capacity accepted: 2^24 slots (1 GiB of slots), far below the 2^31 where (published - released) stops being exact. */
export const MAX_RING_CAPACITY = 1 << 24;
/** Ring offsets are cache-line aligned so the header's hot words sit on their own lines. */
export const RING_ALIGNMENT = 64;

/** Where a ring lives and its geometry; int32-view indices of the header words. */
export interface RingGeometry {
  readonly memory: RingMemory;
  readonly offset: number;
  readonly capacity: number;
  readonly mask: number;
  /** Byte offset of slot 0. */
  readonly slotsOffset: number;
  readonly publishedIndex: number;
  readonly consumerWaitingIndex: number;
  readonly releasedIndex: number;
  readonly producerWaitingIndex: number;
}

/** Throws unless `capacity` is an integer power of two in [1, MAX_RING_CAPACITY] (like LMAX SingleProducerSequencer). */
export function checkRingCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_RING_CAPACITY || (capacity & (capacity - 1)) !== 0) {
    throw new RangeError(`\`capacity\` must be a power of two in [1, ${MAX_RING_CAPACITY}], was ${capacity}`);
  }
}

function checkRingOffset(offset: number, bytes: number, memory: RingMemory): void {
  if (!Number.isInteger(offset) || offset < 0 || offset % RING_ALIGNMENT !== 0) {
    throw new RangeError(`\`offset\` must be a non-negative multiple of ${RING_ALIGNMENT}, was ${offset}`);
  }
  if (offset + bytes > memory.buffer.byteLength) {
    throw new RangeError(
      `ring at \`offset\` ${offset} needs ${bytes} bytes but the memory ends at ${memory.buffer.byteLength} (offset + bytes must be <= byteLength)`,
    );
  }
}

/**
 * Writes the header of a ring of `capacity` slots at byte `offset` of `source`
 * and marks it ready. `startSequence` (a u32) lets tests start near the 2^32
 * wrap. Call before any producer or consumer attaches; it does not clear slots.
 */
export function initRing(source: RingMemorySource, offset: number, capacity: number, startSequence = 0): RingGeometry {
  checkRingCapacity(capacity);
  if (!Number.isInteger(startSequence) || startSequence < 0 || startSequence > 0xffff_ffff) {
    throw new RangeError(`\`startSequence\` must be an integer in [0, 2^32 - 1], was ${startSequence}`);
  }
  const memory = RingMemory.of(source);
  checkRingOffset(offset, ringBytes(capacity), memory);
  const base = offset >> 2;
  const { i32 } = memory;
  Atomics.store(i32, base + (RING_MAGIC_FIELD >> 2), 0);
  Atomics.store(i32, base + (RING_PUBLISHED >> 2), startSequence | 0);
  Atomics.store(i32, base + (RING_CONSUMER_WAITING >> 2), 0);
  Atomics.store(i32, base + (RING_RELEASED >> 2), startSequence | 0);
  Atomics.store(i32, base + (RING_PRODUCER_WAITING >> 2), 0);
  Atomics.store(i32, base + (RING_CAPACITY >> 2), capacity);
  Atomics.store(i32, base + (RING_MASK >> 2), capacity - 1);
  // Magic last: a side that sees it also sees the rest of the header.
  Atomics.store(i32, base + (RING_MAGIC_FIELD >> 2), RING_MAGIC);
  return attachRing(source, offset);
}

/** Validates an initialised ring header at `offset` and returns its geometry. */
export function attachRing(source: RingMemorySource, offset: number): RingGeometry {
  const memory = RingMemory.of(source);
  checkRingOffset(offset, RING_HEADER_BYTES, memory);
  const base = offset >> 2;
  const magic = Atomics.load(memory.i32, base + (RING_MAGIC_FIELD >> 2));
  if (magic !== RING_MAGIC) {
    throw new Error(
      `ring at offset ${offset} is not initialised: magic was 0x${(magic >>> 0).toString(16).padStart(8, '0')}, expected 0x${RING_MAGIC.toString(16)} (call initRing first)`,
    );
  }
  const capacity = Atomics.load(memory.i32, base + (RING_CAPACITY >> 2));
  const mask = Atomics.load(memory.i32, base + (RING_MASK >> 2));
  checkRingCapacity(capacity);
  if (mask !== capacity - 1) {
    throw new Error(`ring at offset ${offset} has a corrupt header: mask must be capacity - 1 = ${capacity - 1}, was ${mask}`);
  }
  checkRingOffset(offset, ringBytes(capacity), memory);
  return {
    memory,
    offset,
    capacity,
    mask,
    slotsOffset: offset + RING_HEADER_BYTES,
    publishedIndex: base + (RING_PUBLISHED >> 2),
    consumerWaitingIndex: base + (RING_CONSUMER_WAITING >> 2),
    releasedIndex: base + (RING_RELEASED >> 2),
    producerWaitingIndex: base + (RING_PRODUCER_WAITING >> 2),
  };
}
