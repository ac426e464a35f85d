// Ring benchmark worker: the postMessage baseline, either end of a MessagePort.
// The producer posts `messagesPerTrial` 64-byte Float64Array(8) messages per
// trial (structured clone, nothing transferred; [id, trial, 100.5, 2, 0, 0, 0, 0]);
// the consumer sums the ids and posts the hrtime of the last message.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { GO } from './ring-bench-messages.js';
import type { TrialDone } from './ring-bench-messages.js';

interface PostMessageJob {
  role: 'post-message-producer' | 'post-message-consumer';
  port: MessagePort;
  control: SharedArrayBuffer;
  trials: number;
  messagesPerTrial: number;
}

const job = workerData as PostMessageJob;
const n = job.messagesPerTrial;

if (job.role === 'post-message-producer') {
  const control = new Int32Array(job.control);
  parentPort!.postMessage({ ready: true });
  for (let trial = 0; trial < job.trials; trial++) {
    while (Atomics.load(control, GO) !== trial + 1) Atomics.wait(control, GO, trial, 1000);
    for (let i = 0; i < n; i++) {
      const message = new Float64Array(8);
      message[0] = i;
      message[1] = trial;
      message[2] = 100.5;
      message[3] = 2;
      job.port.postMessage(message);
    }
  }
  job.port.close();
} else {
  let trial = 0;
  let read = 0;
  let idSum = 0;
  job.port.on('message', (message: Float64Array) => {
    idSum += message[0];
    if (++read === n) {
      const done: TrialDone = { trial, endNs: process.hrtime.bigint(), idSum };
      parentPort!.postMessage(done);
      trial++;
      read = 0;
      idSum = 0;
      if (trial === job.trials) job.port.close();
    }
  });
  parentPort!.postMessage({ ready: true });
}
