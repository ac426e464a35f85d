// Single-thread properties of the SPSC ring protocol: claim/publish/consume/release
// against a queue model, wrap-around of u32 sequences, full and empty rings,
// refused claims, header validation, and bounded waits.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BusySpinWait,
  RingConsumer,
  RingProducer,
  SpinThenSleepWait,
  SpinThenYieldWait,
  WAIT_TIMED_OUT,
  attachRing,
  initRing,
  writeEventRecord,
  RingMemory,
} from '../engine/ring/index.js';
import { RING_CONSUMER_WAITING, RING_PRODUCER_WAITING, ringBytes } from '../engine/layout/memory-map.js';

const RING_OFFSET = 256;

function newRing(capacity: number, startSequence = 0) {
  const buffer = new SharedArrayBuffer(RING_OFFSET + ringBytes(capacity));
  initRing(buffer, RING_OFFSET, capacity, startSequence);
  return { buffer, producer: new RingProducer(buffer, RING_OFFSET), consumer: new RingConsumer(buffer, RING_OFFSET) };
}

type Operation = { op: 'produce'; count: number } | { op: 'consume'; count: number };

const operation = fc.oneof(
  fc.record({ op: fc.constant('produce' as const), count: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ op: fc.constant('consume' as const), count: fc.integer({ min: 1, max: 300 }) }),
);

const startSequence = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0xffff_ffff - 600, max: 0xffff_ffff }),
  fc.integer({ min: 0, max: 0xffff_ffff }),
);

describe('SPSC ring protocol (single thread, model-based)', () => {
  it('delivers every published record once, in order, across u32 wrap-around, and refuses claims past the free space', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }).map((k) => 1 << k),
        startSequence,
        fc.array(operation, { minLength: 1, maxLength: 60 }),
        (capacity, start, operations: Operation[]) => {
          const { producer, consumer } = newRing(capacity, start);
          const { u32 } = producer.memory;
          let nextId = 0;
          let nextExpected = 0;
          for (const step of operations) {
            const queued = nextId - nextExpected;
            if (step.op === 'produce') {
              const count = Math.min(step.count, capacity);
              const first = producer.tryClaim(count);
              if (queued + count > capacity) {
                expect(first, `claim of ${count} with ${queued}/${capacity} queued must be refused`).toBe(-1);
                continue;
              }
              expect(first, 'a claim starts where the previous one ended').toBe((start + nextId) >>> 0);
              expect(consumer.available(), 'claimed but unpublished slots are invisible to the consumer').toBe(queued);
              for (let i = 0; i < count; i++) {
                const seq = (first + i) >>> 0;
                producer.writeEvent(seq, 1, i, seq, 0, 0, 0, 100 + i, 1, 0, 0, nextId + i, 0xabcd);
              }
              producer.publish((first + count) >>> 0);
              nextId += count;
              expect(producer.freeSlots(), 'free slots are capacity minus queued').toBe(capacity - (nextId - nextExpected));
            } else {
              const ready = consumer.available();
              expect(ready, 'available() equals the number of published, unreleased records').toBe(queued);
              const count = Math.min(step.count, ready);
              if (count === 0) continue;
              const first = consumer.cursor;
              for (let i = 0; i < count; i++) {
                const word = consumer.slotOffset((first + i) >>> 0) >> 2;
                expect(u32[word + 14], `record ${first + i} carries id ${nextExpected + i}`).toBe(nextExpected + i);
                expect(u32[word + 15], 'id high word survives the slot round-trip').toBe(0xabcd);
              }
              consumer.release((first + count) >>> 0);
              nextExpected += count;
            }
          }
          expect(consumer.available(), 'nothing is lost or duplicated at the end').toBe(nextId - nextExpected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fills to exactly capacity, then refuses one more claim until a release frees a slot', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }).map((k) => 1 << k), startSequence, (capacity, start) => {
        const { producer, consumer } = newRing(capacity, start);
        const first = producer.tryClaim(capacity);
        expect(first, 'an empty ring accepts a claim of its whole capacity').toBe(start >>> 0);
        producer.publish((first + capacity) >>> 0);
        expect(producer.tryClaim(1), 'a full ring refuses a claim').toBe(-1);
        expect(consumer.available()).toBe(capacity);
        consumer.release((consumer.cursor + 1) >>> 0);
        expect(producer.tryClaim(1), 'one released slot allows one claim').toBe((start + capacity) >>> 0);
        expect(producer.tryClaim(1), 'and only one').toBe(-1);
      }),
    );
  });

  it('throws on a claim larger than the capacity or not a positive integer, whatever the free space', () => {
    const { producer } = newRing(8);
    for (const bad of [9, 0, -1, 1.5, Number.NaN]) {
      expect(() => producer.tryClaim(bad), `count ${bad}`).toThrow(/claim `count` must be an integer in \[1, capacity = 8\]/);
    }
  });

  it('refuses to publish beyond the claimed sequences or to release beyond the published ones', () => {
    const { producer, consumer } = newRing(8, 0xffff_fffe);
    const first = producer.tryClaim(3);
    expect(() => producer.publish((first + 4) >>> 0)).toThrow(/publish `endSequence` must be in \(published = 4294967294, claimed = 1\]/);
    expect(() => producer.publish(first)).toThrow(/publish `endSequence`/);
    producer.publish((first + 2) >>> 0);
    expect(consumer.available()).toBe(2);
    expect(() => consumer.release((first + 3) >>> 0)).toThrow(/release `endSequence` must be in \(released = 4294967294, published = 0\]/);
    consumer.release((first + 2) >>> 0);
    expect(producer.unpublished, 'the third claimed slot is still owed a publish').toBe(1);
  });

  it('returns a timeout, not a hang, when waiting on an empty or full ring, and leaves the waiting flags clear', () => {
    const { buffer, producer, consumer } = newRing(4);
    const i32 = RingMemory.of(buffer).i32;
    const strategies = [
      new BusySpinWait({ timeoutMs: 5 }),
      new SpinThenYieldWait({ spins: 10, timeoutMs: 5 }),
      new SpinThenSleepWait({ spins: 10, timeoutMs: 5 }),
    ];
    for (const wait of strategies) {
      expect(consumer.waitForData(wait), `${wait.name}: empty ring times out with 0 readable`).toBe(0);
    }
    producer.publish((producer.tryClaim(4) + 4) >>> 0);
    for (const wait of strategies) {
      expect(producer.claim(1, wait), `${wait.name}: full ring claim times out with -1`).toBe(-1);
    }
    expect(i32[(RING_OFFSET + RING_CONSUMER_WAITING) >> 2], 'consumerWaiting cleared after a timed-out sleep').toBe(0);
    expect(i32[(RING_OFFSET + RING_PRODUCER_WAITING) >> 2], 'producerWaiting cleared after a timed-out sleep').toBe(0);
    expect((strategies[2] as SpinThenSleepWait).sleeps, 'the sleeping strategy really slept').toBeGreaterThan(0);
    expect(producer.notifies + consumer.notifies, 'no notify without a sleeper on the other side').toBe(0);
  });

  it('waitFor reports the observed sequence as a u32 when the target is already reached across the wrap', () => {
    const { buffer } = newRing(4, 0xffff_ffff);
    const ring = attachRing(buffer, RING_OFFSET);
    Atomics.store(ring.memory.i32, ring.publishedIndex, 2);
    const wait = new BusySpinWait({ timeoutMs: 5 });
    expect(wait.waitFor(ring.memory.i32, ring.publishedIndex, ring.consumerWaitingIndex, 0)).toBe(2);
    expect(wait.waitFor(ring.memory.i32, ring.publishedIndex, ring.consumerWaitingIndex, 3)).toBe(WAIT_TIMED_OUT);
  });
});

describe('ring header validation', () => {
  it('rejects a capacity that is not a power of two, naming the value', () => {
    const buffer = new SharedArrayBuffer(1 << 16);
    for (const bad of [0, 3, 6, 100, -4, 2.5, 1 << 25]) {
      expect(() => initRing(buffer, 0, bad), `capacity ${bad}`).toThrow(`\`capacity\` must be a power of two in [1, 16777216], was ${bad}`);
    }
  });

  it('rejects a misaligned or out-of-bounds offset and a non-shared buffer', () => {
    const buffer = new SharedArrayBuffer(4096);
    expect(() => initRing(buffer, 8, 4)).toThrow('`offset` must be a non-negative multiple of 64, was 8');
    expect(() => initRing(buffer, 0, 64)).toThrow(/needs 4352 bytes but the memory ends at 4096/);
    expect(() => initRing(new ArrayBuffer(4096) as unknown as SharedArrayBuffer, 0, 4)).toThrow(/must be a SharedArrayBuffer/);
  });

  it('refuses to attach to a ring that was never initialised', () => {
    const buffer = new SharedArrayBuffer(4096);
    expect(() => new RingConsumer(buffer, 0)).toThrow(/ring at offset 0 is not initialised: magic was 0x00000000, expected 0x52494e47/);
  });

  it('writes every field of an event record where event-record.ts says it lives', () => {
    const buffer = new SharedArrayBuffer(128);
    const memory = RingMemory.of(buffer);
    writeEventRecord(memory, 64, 0x0100_0001, -7, 1, 2, 3, 4, 1.5, 2.5, 3.5, 4.5, 0xffff_ffff, 5);
    const view = new DataView(buffer, 64);
    expect(view.getInt32(0, true)).toBe(0x0100_0001);
    expect(view.getInt32(4, true)).toBe(-7);
    expect(view.getBigUint64(8, true)).toBe((2n << 32n) | 1n);
    expect(view.getBigUint64(16, true)).toBe((4n << 32n) | 3n);
    expect([view.getFloat64(24, true), view.getFloat64(32, true), view.getFloat64(40, true), view.getFloat64(48, true)]).toEqual([1.5, 2.5, 3.5, 4.5]);
    expect(view.getBigUint64(56, true)).toBe((5n << 32n) | 0xffff_ffffn);
  });
});
