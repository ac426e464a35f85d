// Messages between the ring benchmark's main thread and its workers, and the
// start barrier they share: main stores trial + 1 into `control[GO]` and
// notifies; a producer starts trial k when it sees k + 1.

export const GO = 0;

export type RingBenchMode = 'batch' | 'single' | 'paced';

export interface RingBenchProducerJob {
  role: 'ring-producer';
  mode: RingBenchMode;
  ringBuffer: SharedArrayBuffer;
  ringOffset: number;
  control: SharedArrayBuffer;
  trials: number;
  messagesPerTrial: number;
  /** Slots per claim in batch mode. */
  batch: number;
  /** Paced mode: messages per second. */
  rate: number;
  wait: string;
}

export interface RingBenchConsumerJob {
  role: 'ring-consumer';
  mode: RingBenchMode;
  ringBuffer: SharedArrayBuffer;
  ringOffset: number;
  trials: number;
  messagesPerTrial: number;
  wait: string;
}

/** Posted by a consumer at the end of each trial. */
export interface TrialDone {
  trial: number;
  /** process.hrtime.bigint() when the last message was read. */
  endNs: bigint;
  /** Sum of the id fields read (result check: n(n - 1) / 2 per trial). */
  idSum: number;
  latency?: { p50Ns: number; p99Ns: number; p999Ns: number; maxNs: number; count: number };
  error?: string;
}
