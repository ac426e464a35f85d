// Test worker: the producer side of a ring in its own thread. Writes `count`
// deterministic event records (id = message index) in claims of varying size,
// folds each into an EventChecksum, and posts the checksum and wait counters.
import { parentPort, workerData } from 'node:worker_threads';
import {
  BusySpinWait,
  EventChecksum,
  RingProducer,
  SpinThenSleepWait,
  SpinThenYieldWait,
  type WaitStrategy,
} from '../../engine/ring/index.js';

export interface RingProducerJob {
  buffer: SharedArrayBuffer;
  offset: number;
  count: number;
  /** Claims cycle through sizes 1..maxBatch. */
  maxBatch: number;
  wait: 'spin-then-sleep' | 'spin-then-yield' | 'busy-spin';
  spins?: number;
  /** Sleep this long after every publish (0: never), to make the consumer wait. */
  pauseMs?: number;
  /** Timeout of one blocking claim (default 1000 ms). */
  timeoutMs?: number;
  /** Give up after this many claims in a row time out. */
  maxTimeouts?: number;
}

export interface RingProducerResult {
  produced: number;
  checksumLo: number;
  checksumHi: number;
  notifies: number;
  sleeps: number;
  /** Sleeps that ended by timeout instead of a notify. */
  timedOutSleeps: number;
  timeouts: number;
  error?: string;
}

const job = workerData as RingProducerJob;
const waitOptions = { spins: job.spins, timeoutMs: job.timeoutMs ?? 1000 };
const wait: WaitStrategy =
  job.wait === 'busy-spin' ? new BusySpinWait(waitOptions) : job.wait === 'spin-then-yield' ? new SpinThenYieldWait(waitOptions) : new SpinThenSleepWait(waitOptions);
const producer = new RingProducer(job.buffer, job.offset);
const { u32 } = producer.memory;
const checksum = new EventChecksum();
const pause = new Int32Array(new SharedArrayBuffer(4));
const maxTimeouts = job.maxTimeouts ?? 30;
let timeouts = 0;
let consecutiveTimeouts = 0;
let error: string | undefined;
let i = 0;
while (i < job.count) {
  const batch = Math.min(1 + (i % job.maxBatch), job.count - i, producer.capacity);
  const first = producer.claim(batch, wait);
  if (first === -1) {
    timeouts++;
    if (++consecutiveTimeouts >= maxTimeouts) {
      error = `producer gave up: ${consecutiveTimeouts} claims in a row timed out at message ${i} (consumer stopped releasing)`;
      break;
    }
    continue;
  }
  consecutiveTimeouts = 0;
  for (let k = 0; k < batch; k++, i++) {
    const seq = (first + k) >>> 0;
    producer.writeEvent(seq, 0x0102_0001, i & 15, i, 0x0017_9a00, seq, 0x0017_9a01, 60_000 + (i % 1000) * 0.01, 1 + (i & 7), i * 0.5, -i, i, 0);
    checksum.foldRecord(u32, producer.slotOffset(seq) >> 2);
  }
  producer.publish((first + batch) >>> 0);
  if (job.pauseMs) Atomics.wait(pause, 0, 0, job.pauseMs);
}
const result: RingProducerResult = {
  produced: i,
  checksumLo: checksum.lo,
  checksumHi: checksum.hi,
  notifies: producer.notifies,
  sleeps: wait instanceof SpinThenSleepWait ? wait.sleeps : 0,
  timedOutSleeps: wait instanceof SpinThenSleepWait ? wait.timedOutSleeps : 0,
  timeouts,
  error,
};
parentPort!.postMessage(result);
