// Ring benchmark worker: the postMessage baselines, either end of a MessagePort.
// Every record is 8 f64 (64 bytes, the size of a ring slot): [id, trial, 100.5, 2, 0, 0, 0, 0].
//   single  the producer posts one new Float64Array(8) per record (structured
//           clone, nothing transferred)
//   batch   the producer writes `batch` records into a new Float64Array(batch * 8)
//           and posts it with its ArrayBuffer transferred (moved, not copied);
//           one allocation per batch, none per record; the last batch of a trial
//           holds the remainder
// The consumer sums the ids of every record it receives (the result check) and
// posts the hrtime of the last one.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { GO } from './ring-bench-messages.js';
import type { TrialDone } from './ring-bench-messages.js';

export type PostMessageBenchMode = 'single' | 'batch';

export interface PostMessageBenchJob {
  role: 'post-message-producer' | 'post-message-consumer';
  mode: PostMessageBenchMode;
  port: MessagePort;
  control: SharedArrayBuffer;
  trials: number;
  messagesPerTrial: number;
  /** Records per message in batch mode. */
  batch: number;
}

/** f64 fields per record: 64 bytes, one ring slot. */
const RECORD_F64S = 8;

const job = workerData as PostMessageBenchJob;
const n = job.messagesPerTrial;

function postEachRecord(port: MessagePort, trial: number): void {
  for (let i = 0; i < n; i++) {
    const message = new Float64Array(RECORD_F64S);
    message[0] = i;
    message[1] = trial;
    message[2] = 100.5;
    message[3] = 2;
    port.postMessage(message);
  }
}

function postBatches(port: MessagePort, trial: number): void {
  for (let i = 0; i < n; ) {
    const count = Math.min(job.batch, n - i);
    const message = new Float64Array(count * RECORD_F64S);
    for (let at = 0; at < message.length; at += RECORD_F64S, i++) {
      message[at] = i;
      message[at + 1] = trial;
      message[at + 2] = 100.5;
      message[at + 3] = 2;
    }
    port.postMessage(message, [message.buffer]);
  }
}

if (job.role === 'post-message-producer') {
  const control = new Int32Array(job.control);
  const post = job.mode === 'batch' ? postBatches : postEachRecord;
  parentPort!.postMessage({ ready: true });
  for (let trial = 0; trial < job.trials; trial++) {
    while (Atomics.load(control, GO) !== trial + 1) Atomics.wait(control, GO, trial, 1000);
    post(job.port, trial);
  }
  job.port.close();
} else {
  let trial = 0;
  let read = 0;
  let idSum = 0;
  job.port.on('message', (message: Float64Array) => {
    for (let at = 0; at < message.length; at += RECORD_F64S) idSum += message[at];
    read += message.length / RECORD_F64S;
    if (read >= n) {
      const error = read === n ? undefined : `consumer: ${read} records in trial ${trial}, expected ${n}`;
      const done: TrialDone = { trial, endNs: process.hrtime.bigint(), idSum, error };
      parentPort!.postMessage(done);
      trial++;
      read = 0;
      idSum = 0;
      if (trial === job.trials || error) job.port.close();
    }
  });
  parentPort!.postMessage({ ready: true });
}
