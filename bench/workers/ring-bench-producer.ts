// Ring benchmark worker: the producer. Per trial it waits for the start barrier,
// then writes `messagesPerTrial` event records (id = index in the trial):
//   batch  claim `batch` slots, write them, publish once
//   single claim 1, write, publish, per message
//   paced  single claims at `rate` msgs/s (spinning on the clock between
//          messages), ts_local = shared-clock ns at publish time
import { parentPort, workerData } from 'node:worker_threads';
import { RingProducer } from '../../engine/ring/index.js';
import { createWaitStrategy, checkWaitStrategyName } from '../../engine/threads/index.js';
import { calibrateSharedClock } from './ring-bench-clock.js';
import { GO, type RingBenchProducerJob } from './ring-bench-messages.js';

const job = workerData as RingBenchProducerJob;
const producer = new RingProducer(job.ringBuffer, job.ringOffset);
const wait = createWaitStrategy(checkWaitStrategyName(job.wait));
const control = new Int32Array(job.control);
const clock = calibrateSharedClock();
const KIND = 0x0102_0001;
const n = job.messagesPerTrial;

function fail(message: string): never {
  parentPort!.postMessage({ error: message });
  process.exit(1);
}

function claim(count: number): number {
  const first = producer.claim(count, wait);
  if (first === -1) fail(`producer: claim of ${count} timed out after ${wait.timeoutMs} ms (consumer stopped)`);
  return first;
}

parentPort!.postMessage({ ready: true });
for (let trial = 0; trial < job.trials; trial++) {
  while (Atomics.load(control, GO) !== trial + 1) Atomics.wait(control, GO, trial, 1000);
  if (job.mode === 'batch') {
    for (let i = 0; i < n; ) {
      const count = Math.min(job.batch, n - i);
      const first = claim(count);
      for (let k = 0; k < count; k++, i++) producer.writeEvent((first + k) >>> 0, KIND, 1, i, 0, 0, 0, 100.5, 2, 0, 0, i, trial);
      producer.publish((first + count) >>> 0);
    }
  } else if (job.mode === 'single') {
    for (let i = 0; i < n; i++) {
      const seq = claim(1);
      producer.writeEvent(seq, KIND, 1, i, 0, 0, 0, 100.5, 2, 0, 0, i, trial);
      producer.publish((seq + 1) >>> 0);
    }
  } else {
    const intervalNs = 1e9 / job.rate;
    const startNs = clock.nowNs();
    for (let i = 0; i < n; i++) {
      const dueNs = startNs + i * intervalNs;
      while (clock.nowNs() < dueNs);
      const seq = claim(1);
      const stampNs = Math.round(clock.nowNs());
      const hi = Math.floor(stampNs / 4294967296);
      producer.writeEvent(seq, KIND, 1, i, 0, stampNs - hi * 4294967296, hi, 100.5, 2, 0, 0, i, trial);
      producer.publish((seq + 1) >>> 0);
    }
  }
}
