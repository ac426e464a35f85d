// Public API of the SPSC ring: header setup, producer, consumer, wait strategies,
// the event-record writer and the event checksum shared with the WASM core.
export { RingMemory, type RingMemorySource } from './ring-memory.js';
export { initRing, attachRing, checkRingCapacity, MAX_RING_CAPACITY, RING_ALIGNMENT, type RingGeometry } from './init-ring.js';
export { RingProducer } from './ring-producer.js';
export { RingConsumer } from './ring-consumer.js';
export { WAIT_TIMED_OUT, DEFAULT_WAIT_TIMEOUT_MS, type WaitStrategy, type WaitStrategyOptions } from './wait-strategy.js';
export { BusySpinWait } from './busy-spin-wait.js';
export { SpinThenYieldWait, DEFAULT_YIELD_SPINS, DEFAULT_YIELD_MS } from './spin-then-yield-wait.js';
export { SpinThenSleepWait, DEFAULT_SLEEP_SPINS } from './spin-then-sleep-wait.js';
export { createDefaultWait } from './default-wait.js';
export { writeEventRecord } from './write-event-record.js';
export { EventChecksum, EVENT_CHECKSUM_WORDS, formatChecksum } from './event-checksum.js';
