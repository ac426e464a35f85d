// The ring across threads: a producer worker streams 10 million records to a
// consumer on the test thread (TS consumer, then the WASM core's consumer), with
// no loss, duplicate or reorder (checked by id and by checksum), and the sleep
// and notify protocol wakes both sides without timeouts.
import { describe, expect, it } from 'vitest';
import { createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import { CONTROL_EVENTS_CHECKSUM, CONTROL_EVENTS_PROCESSED, CONTROL_OFFSET, INBOUND_RING_OFFSET, ringBytes } from '../engine/layout/memory-map.js';
import {
  BusySpinWait,
  EventChecksum,
  RingConsumer,
  RingMemory,
  SpinThenSleepWait,
  SpinThenYieldWait,
  WAIT_TIMED_OUT,
  type WaitStrategy,
  attachRing,
  createDefaultWait,
  formatChecksum,
  initRing,
} from '../engine/ring/index.js';
import type { RingProducerJob, RingProducerResult } from './workers/ring-producer.js';
import { spawnWorker } from '../engine/threads/index.js';

const MESSAGES = 10_000_000;
/** The consumer fails the test after this long without a single new record. */
const NO_PROGRESS_LIMIT_MS = 15_000;

function startProducer(job: RingProducerJob): Promise<RingProducerResult> {
  const worker = spawnWorker(new URL('./workers/ring-producer.ts', import.meta.url), { workerData: job });
  return new Promise((resolve, reject) => {
    worker.once('message', (result: RingProducerResult) => {
      void worker.terminate();
      resolve(result);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`producer worker exited with code ${code} before reporting`)));
  });
}

function stalledMessage(received: number, total: number): string {
  return `consumer saw no new record for ${NO_PROGRESS_LIMIT_MS} ms after ${received} of ${total} records (producer stalled or crashed)`;
}

describe('SPSC ring across threads', () => {
  /** Reads `total` records (ids 0..total-1 expected in order) in batches of varying size, folding each into a checksum. */
  function consumeAll(consumer: RingConsumer, wait: WaitStrategy, total: number): { firstBadId: number; checksum: EventChecksum } {
    const { u32 } = consumer.memory;
    const checksum = new EventChecksum();
    let expectedId = 0;
    let firstBadId = -1;
    let lastProgress = performance.now();
    while (expectedId < total) {
      const ready = consumer.waitForData(wait);
      if (ready === 0) {
        if (performance.now() - lastProgress > NO_PROGRESS_LIMIT_MS) throw new Error(stalledMessage(expectedId, total));
        continue;
      }
      lastProgress = performance.now();
      const batch = Math.min(ready, 1 + (expectedId % 509));
      const first = consumer.cursor;
      for (let k = 0; k < batch; k++) {
        const word = consumer.slotOffset((first + k) >>> 0) >> 2;
        if (u32[word + 14] !== expectedId && firstBadId === -1) firstBadId = expectedId;
        checksum.foldRecord(u32, word);
        expectedId++;
      }
      consumer.release((first + batch) >>> 0);
    }
    return { firstBadId, checksum };
  }

  it('delivers 10 million records from a producer worker to a TS consumer in order, without loss or duplicates, across the u32 wrap', async () => {
    const buffer = new SharedArrayBuffer(ringBytes(4096));
    initRing(buffer, 0, 4096, 0xffff_ffff - 3_000_000);
    const done = startProducer({ buffer, offset: 0, count: MESSAGES, maxBatch: 64, wait: 'spin-then-sleep' });
    const consumer = new RingConsumer(buffer, 0);
    const { firstBadId, checksum } = consumeAll(consumer, createDefaultWait(), MESSAGES);
    const producer = await done;
    expect(producer.error, 'producer reported no error').toBeUndefined();
    expect(firstBadId, 'every record carries the next id: no loss, duplicate or reorder').toBe(-1);
    expect(producer.produced).toBe(MESSAGES);
    expect(consumer.available(), 'nothing left over after the last id').toBe(0);
    expect(checksum.toHex(), 'consumer checksum equals producer checksum').toBe(formatChecksum(producer.checksumLo, producer.checksumHi));
  });

  it.each([
    ['spin-then-yield', 'busy-spin'],
    ['busy-spin', 'spin-then-yield'],
  ] as const)('delivers 1 million records intact with a %s producer and a %s consumer on a 256-slot ring', async (producerWait, consumerWait) => {
    const total = 1_000_000;
    const buffer = new SharedArrayBuffer(ringBytes(256));
    initRing(buffer, 0, 256, 0xffff_ffff - 100_000);
    const done = startProducer({ buffer, offset: 0, count: total, maxBatch: 32, wait: producerWait });
    const consumer = new RingConsumer(buffer, 0);
    const wait = consumerWait === 'busy-spin' ? new BusySpinWait() : new SpinThenYieldWait();
    const { firstBadId, checksum } = consumeAll(consumer, wait, total);
    const producer = await done;
    expect(producer.error, 'producer reported no error').toBeUndefined();
    expect(firstBadId, 'every record carries the next id').toBe(-1);
    expect(checksum.toHex(), 'consumer checksum equals producer checksum').toBe(formatChecksum(producer.checksumLo, producer.checksumHi));
  });

  it('gives the WASM consumer (ringConsumeChecksum) the producer worker\'s checksum over 10 million records', async () => {
    const memory = createSharedMemory();
    const core = instantiateCore(memory) as unknown as { ringConsumeChecksum(ring: number, maxBatch: number): number };
    const ring = initRing(memory, INBOUND_RING_OFFSET, 8192, 0xffff_ffff - 1_000_000);
    const { u32, i32 } = RingMemory.of(memory);
    const checksumWord = (CONTROL_OFFSET + CONTROL_EVENTS_CHECKSUM) >> 2;
    const processedWord = (CONTROL_OFFSET + CONTROL_EVENTS_PROCESSED) >> 2;
    u32.fill(0, checksumWord, checksumWord + 2);
    u32.fill(0, processedWord, processedWord + 2);
    const done = startProducer({ buffer: memory.buffer as unknown as SharedArrayBuffer, offset: INBOUND_RING_OFFSET, count: MESSAGES, maxBatch: 256, wait: 'spin-then-sleep' });
    const wait = createDefaultWait();
    let consumed = 0;
    let lastProgress = performance.now();
    while (consumed < MESSAGES) {
      const count = core.ringConsumeChecksum(INBOUND_RING_OFFSET, 1024);
      expect(count >= 0, `ringConsumeChecksum returned status ${count}`).toBe(true);
      if (count > 0) {
        consumed += count;
        lastProgress = performance.now();
        continue;
      }
      const released = Atomics.load(i32, ring.releasedIndex);
      if (wait.waitFor(i32, ring.publishedIndex, ring.consumerWaitingIndex, (released + 1) | 0) === WAIT_TIMED_OUT && performance.now() - lastProgress > NO_PROGRESS_LIMIT_MS) {
        throw new Error(stalledMessage(consumed, MESSAGES));
      }
    }
    const producer = await done;
    expect(producer.error, 'producer reported no error').toBeUndefined();
    expect(consumed, 'the core consumed exactly what was produced').toBe(MESSAGES);
    expect(u32[processedWord] + u32[processedWord + 1] * 2 ** 32, 'CONTROL_EVENTS_PROCESSED').toBe(MESSAGES);
    expect(formatChecksum(u32[checksumWord], u32[checksumWord + 1]), 'WASM checksum equals the TS producer checksum').toBe(
      formatChecksum(producer.checksumLo, producer.checksumHi),
    );
  });

  it('wakes a sleeping consumer with a notify on every publish it sleeps through, and never times out', async () => {
    const buffer = new SharedArrayBuffer(ringBytes(64));
    initRing(buffer, 0, 64);
    const messages = 40;
    const done = startProducer({ buffer, offset: 0, count: messages, maxBatch: 1, wait: 'spin-then-sleep', pauseMs: 5 });
    const consumer = new RingConsumer(buffer, 0);
    const wait = new SpinThenSleepWait({ spins: 0, timeoutMs: 2_000 });
    let received = 0;
    let timeouts = 0;
    while (received < messages) {
      const ready = consumer.waitForData(wait);
      if (ready === 0) {
        if (++timeouts > 1) throw new Error(`consumer timed out twice waiting for record ${received}: a notify was lost`);
        continue;
      }
      received += ready;
      consumer.release((consumer.cursor + ready) >>> 0);
    }
    const producer = await done;
    expect(producer.error).toBeUndefined();
    expect(wait.sleeps, 'a consumer with no spin phase sleeps between 5 ms-apart publishes').toBeGreaterThan(messages / 2);
    expect(wait.timedOutSleeps, 'every sleep ended with the producer\'s notify, none by timeout').toBe(0);
    expect(producer.notifies, 'the producer notified only while the consumer slept, at most once per publish').toBeLessThanOrEqual(messages);
    expect(producer.notifies, 'and at least once per sleep that a publish ended').toBeGreaterThanOrEqual(wait.sleeps - timeouts);
  });

  it('wakes a producer sleeping on a full ring when the consumer releases, and never times out', async () => {
    const buffer = new SharedArrayBuffer(ringBytes(4));
    initRing(buffer, 0, 4);
    const messages = 200;
    const done = startProducer({ buffer, offset: 0, count: messages, maxBatch: 2, wait: 'spin-then-sleep', spins: 0, timeoutMs: 2_000, maxTimeouts: 1 });
    const consumer = new RingConsumer(buffer, 0);
    const { u32 } = consumer.memory;
    const wait = createDefaultWait();
    const pause = new Int32Array(new SharedArrayBuffer(4));
    let received = 0;
    let lastProgress = performance.now();
    while (received < messages) {
      if (consumer.waitForData(wait) === 0) {
        if (performance.now() - lastProgress > NO_PROGRESS_LIMIT_MS) throw new Error(stalledMessage(received, messages));
        continue;
      }
      lastProgress = performance.now();
      expect(u32[(consumer.slotOffset(consumer.cursor) >> 2) + 14], 'records arrive in order').toBe(received);
      Atomics.wait(pause, 0, 0, 1);
      consumer.release((consumer.cursor + 1) >>> 0);
      received++;
    }
    const producer = await done;
    expect(producer.error, 'the producer never timed out on a claim').toBeUndefined();
    expect(producer.timeouts).toBe(0);
    expect(producer.sleeps, 'a producer with no spin phase sleeps on the full ring').toBeGreaterThan(0);
    expect(producer.timedOutSleeps, 'every producer sleep ended with the consumer\'s notify, none by timeout').toBe(0);
    expect(consumer.notifies, 'the consumer notified the sleeping producer').toBeGreaterThan(0);
    expect(attachRing(buffer, 0).capacity).toBe(4);
  });
});
