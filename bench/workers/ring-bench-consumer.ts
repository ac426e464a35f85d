// Ring benchmark worker: the consumer. Per trial it reads `messagesPerTrial`
// records in place (summing their ids as the result check), then posts the
// hrtime of the last read. batch/paced: releases every available record at
// once; single: waits, reads and releases one record at a time. paced also
// records publish-to-read latency (shared-clock ns) in an HDR histogram.
import { parentPort, workerData } from 'node:worker_threads';
import hdr from 'hdr-histogram-js';
import { RingConsumer } from '../../engine/ring/index.js';
import { createWaitStrategy, checkWaitStrategyName } from '../../engine/threads/index.js';
import { calibrateSharedClock } from './ring-bench-clock.js';
import type { RingBenchConsumerJob, TrialDone } from './ring-bench-messages.js';

const job = workerData as RingBenchConsumerJob;
const consumer = new RingConsumer(job.ringBuffer, job.ringOffset);
const wait = createWaitStrategy(checkWaitStrategyName(job.wait));
const { u32 } = consumer.memory;
const clock = calibrateSharedClock();
const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3 });
const n = job.messagesPerTrial;
const recordLatency = job.mode === 'paced';
const perMessage = job.mode === 'single';
/** Give up when no record arrives for this long inside a trial. */
const STALL_MS = 30_000;

parentPort!.postMessage({ ready: true });
for (let trial = 0; trial < job.trials; trial++) {
  let read = 0;
  let idSum = 0;
  let lastProgress = performance.now();
  let error: string | undefined;
  while (read < n) {
    let ready = consumer.waitForData(wait);
    if (ready === 0) {
      // Between trials the producer waits for the start barrier, so a timed-out wait is normal here.
      if (read > 0 && performance.now() - lastProgress > STALL_MS) {
        error = `consumer: no record for ${STALL_MS} ms after ${read} of ${n} in trial ${trial}`;
        break;
      }
      continue;
    }
    lastProgress = performance.now();
    if (perMessage) ready = 1;
    if (ready > n - read) ready = n - read;
    const first = consumer.cursor;
    for (let k = 0; k < ready; k++) {
      const word = consumer.slotOffset((first + k) >>> 0) >> 2;
      idSum += u32[word + 14];
      if (recordLatency) {
        const latency = clock.nowNs() - (u32[word + 5] * 4294967296 + u32[word + 4]);
        histogram.recordValue(latency < 1 ? 1 : Math.round(latency));
      }
    }
    consumer.release((first + ready) >>> 0);
    read += ready;
  }
  const done: TrialDone = { trial, endNs: process.hrtime.bigint(), idSum, error };
  if (recordLatency) {
    done.latency = {
      p50Ns: histogram.getValueAtPercentile(50),
      p99Ns: histogram.getValueAtPercentile(99),
      p999Ns: histogram.getValueAtPercentile(99.9),
      maxNs: histogram.maxValue,
      count: histogram.totalCount,
    };
    histogram.reset();
  }
  parentPort!.postMessage(done);
  if (error) break;
}
