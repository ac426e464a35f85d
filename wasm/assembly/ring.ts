// The AssemblyScript half of the SPSC ring (TS half: engine/ring/). Plain
// functions over a ring's byte offset, so the engine loop can consume the
// inbound ring and produce into the outbound ring without allocating. Header and
// slot layout: layout.ts (Ring header box diagram). Sequences are u32 and wrap.
//
// Consumer half: ringAvailable, ringSlotAddress, ringRelease (notifies the
// producer only when producerWaiting is set). Records are read in place.
// Producer half: ringFreeSlots, ringTryClaim, ringPublished, ringPublish
// (notifies the consumer only when consumerWaiting is set). The core claims,
// writes and publishes within one call, so it keeps no claim cursor: a claim
// starts at `published`.
//
// Diagnostic exports: ringConsumeChecksum (consume into the control-block
// checksum) and ringForward (copy records from one ring to another).
import {
  CONTROL_BYTES,
  CONTROL_EVENTS_CHECKSUM,
  CONTROL_EVENTS_PROCESSED,
  CONTROL_OFFSET,
  MEMORY_BYTES,
  RING_CAPACITY,
  RING_CONSUMER_WAITING,
  RING_HEADER_BYTES,
  RING_MAGIC,
  RING_MAGIC_FIELD,
  RING_MASK,
  RING_PRODUCER_WAITING,
  RING_PUBLISHED,
  RING_RELEASED,
  SLOT_BYTES,
  SLOT_SHIFT,
} from './layout';
import { ERR_BAD_ARGUMENT, ERR_RING_CAPACITY, ERR_RING_NOT_INITIALISED, OK } from './errors';
import { eventChecksumFold } from './checksum';

/** Largest capacity a ring may declare (matches MAX_RING_CAPACITY in engine/ring/init-ring.ts). */
export const RING_MAX_CAPACITY: i32 = 1 << 24;

/**
 * Checks a ring offset from outside the core before it is dereferenced: aligned
 * to 64 bytes, past the control block, header and slots inside memory, magic set,
 * capacity a power of two with a matching mask. Returns OK or a negative status.
 */
export function ringCheck(ring: i32): i32 {
  if ((ring & 63) != 0 || ring < CONTROL_OFFSET + CONTROL_BYTES || ring > MEMORY_BYTES - RING_HEADER_BYTES) return ERR_BAD_ARGUMENT;
  if (atomic.load<i32>(<usize>(ring + RING_MAGIC_FIELD)) != RING_MAGIC) return ERR_RING_NOT_INITIALISED;
  const capacity = load<i32>(<usize>(ring + RING_CAPACITY));
  if (capacity < 1 || capacity > RING_MAX_CAPACITY || (capacity & (capacity - 1)) != 0) return ERR_RING_CAPACITY;
  if (load<i32>(<usize>(ring + RING_MASK)) != capacity - 1) return ERR_RING_CAPACITY;
  if (capacity > (MEMORY_BYTES - RING_HEADER_BYTES - ring) >> SLOT_SHIFT) return ERR_RING_CAPACITY;
  return OK;
}

/** Records published and not yet released (consumer side). */
// @ts-ignore: decorator
@inline
export function ringAvailable(ring: i32): u32 {
  return <u32>atomic.load<i32>(<usize>(ring + RING_PUBLISHED)) - <u32>load<i32>(<usize>(ring + RING_RELEASED));
}

/** First sequence not yet released (consumer side: the next record to read). */
// @ts-ignore: decorator
@inline
export function ringReleased(ring: i32): u32 {
  return <u32>load<i32>(<usize>(ring + RING_RELEASED));
}

/** Address of the slot that holds `seq`. */
// @ts-ignore: decorator
@inline
export function ringSlotAddress(ring: i32, seq: u32): usize {
  return <usize>(ring + RING_HEADER_BYTES) + (<usize>(seq & <u32>load<i32>(<usize>(ring + RING_MASK))) << SLOT_SHIFT);
}

/** Releases every record before `endSeq`; notifies the producer if it sleeps on a full ring. */
// @ts-ignore: decorator
@inline
export function ringRelease(ring: i32, endSeq: u32): void {
  atomic.store<i32>(<usize>(ring + RING_RELEASED), <i32>endSeq);
  if (atomic.load<i32>(<usize>(ring + RING_PRODUCER_WAITING)) != 0) atomic.notify(<usize>(ring + RING_RELEASED), 1);
}

/** Free slots (producer side). */
// @ts-ignore: decorator
@inline
export function ringFreeSlots(ring: i32): u32 {
  const used = <u32>load<i32>(<usize>(ring + RING_PUBLISHED)) - <u32>atomic.load<i32>(<usize>(ring + RING_RELEASED));
  return <u32>load<i32>(<usize>(ring + RING_CAPACITY)) - used;
}

/** Sequence after the last published slot (producer side: where the next claim starts). */
// @ts-ignore: decorator
@inline
export function ringPublished(ring: i32): u32 {
  return <u32>load<i32>(<usize>(ring + RING_PUBLISHED));
}

/**
 * Claims `count` slots (producer side). Returns true when they are free; they
 * start at ringPublished(ring). Returns false when fewer than `count` are free.
 * (A bool and a separate cursor, not an i64 "seq or -1": the release build
 * (-O3) of this toolchain compiled `<i64><u32>load<i32>(p)` to `i64.load32_s`
 * where the debug build has `i32.load` + `i64.extend_i32_u`, which turned
 * sequences >= 2^31 negative; test/ring-wasm.test.ts covers that range.)
 */
// @ts-ignore: decorator
@inline
export function ringTryClaim(ring: i32, count: u32): bool {
  return ringFreeSlots(ring) >= count;
}

/** Publishes every claimed slot before `endSeq`; notifies the consumer if it sleeps. */
// @ts-ignore: decorator
@inline
export function ringPublish(ring: i32, endSeq: u32): void {
  atomic.store<i32>(<usize>(ring + RING_PUBLISHED), <i32>endSeq);
  if (atomic.load<i32>(<usize>(ring + RING_CONSUMER_WAITING)) != 0) atomic.notify(<usize>(ring + RING_PUBLISHED), 1);
}

/**
 * Diagnostic consumer: consumes up to `maxBatch` available records of the ring
 * at `ringOffset` in place, folds them into the control block's checksum
 * (CONTROL_EVENTS_CHECKSUM), adds them to CONTROL_EVENTS_PROCESSED, releases
 * them and returns how many it consumed (0 when the ring is empty).
 */
export function ringConsumeChecksum(ringOffset: i32, maxBatch: i32): i32 {
  const status = ringCheck(ringOffset);
  if (status != OK) return status;
  if (maxBatch < 1) return ERR_BAD_ARGUMENT;
  let count = ringAvailable(ringOffset);
  if (count > <u32>maxBatch) count = <u32>maxBatch;
  if (count == 0) return 0;
  const state = <usize>(CONTROL_OFFSET + CONTROL_EVENTS_CHECKSUM);
  const first = ringReleased(ringOffset);
  for (let i: u32 = 0; i < count; i++) {
    eventChecksumFold(state, ringSlotAddress(ringOffset, first + i));
  }
  const processed = <usize>(CONTROL_OFFSET + CONTROL_EVENTS_PROCESSED);
  store<i64>(processed, load<i64>(processed) + <i64>count);
  ringRelease(ringOffset, first + count);
  return <i32>count;
}

/**
 * Diagnostic forwarder (exercises the producer half): moves up to `maxBatch`
 * records from the ring at `fromRing` to the ring at `toRing`, limited by the
 * space free in `toRing`, publishing and releasing once per call. Returns the
 * count moved (0 when the source is empty or the destination full).
 */
export function ringForward(fromRing: i32, toRing: i32, maxBatch: i32): i32 {
  let status = ringCheck(fromRing);
  if (status != OK) return status;
  status = ringCheck(toRing);
  if (status != OK) return status;
  if (maxBatch < 1 || fromRing == toRing) return ERR_BAD_ARGUMENT;
  let count = ringAvailable(fromRing);
  if (count > <u32>maxBatch) count = <u32>maxBatch;
  const free = ringFreeSlots(toRing);
  if (count > free) count = free;
  if (count == 0) return 0;
  if (!ringTryClaim(toRing, count)) return 0;
  const outFirst = ringPublished(toRing);
  const inFirst = ringReleased(fromRing);
  for (let i: u32 = 0; i < count; i++) {
    const src = ringSlotAddress(fromRing, inFirst + i);
    const dst = ringSlotAddress(toRing, outFirst + i);
    for (let b: usize = 0; b < <usize>SLOT_BYTES; b += 16) v128.store(dst + b, v128.load(src + b));
  }
  ringPublish(toRing, outFirst + count);
  ringRelease(fromRing, inFirst + count);
  return <i32>count;
}
