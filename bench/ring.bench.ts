// Ring benchmark: OneToOne (1 producer thread : 1 consumer thread) over the SPSC
// ring, against postMessage one record per message and 256 records per message,
// plus publish-to-read latency at a paced rate.
//
//   main thread (orchestrates, not timed)
//     |  start barrier: Atomics.store(control[GO], trial + 1) + notify
//     v
//   +-------------------+   ring (SharedArrayBuffer, 64-byte slots)   +-------------------+
//   | producer worker   | ==========================================> | consumer worker   |
//   | claim/write/publish                                             | read in place,    |
//   +-------------------+   baseline: MessagePort.postMessage         | release           |
//                         ------------------------------------------> +-------------------+
//
// Hot paths timed:
//   ring batch   producer: claim 256 slots, write 256 event records (writeEvent,
//                12 fields each), publish once; consumer: waitForData, read the id
//                of every available record in place, release them all at once
//   ring single  producer: claim 1, write, publish per message; consumer: wait,
//                read and release one record at a time
//   postMessage  producer: new Float64Array(8) (64 bytes, the size of a slot)
//                posted per message (structured clone, nothing transferred);
//                consumer: the 'message' handler reads the id
//   postMessage batched
//                the baseline for ring batch, with its batching: producer: new
//                Float64Array(256 * 8) per batch, 256 records of 64 bytes written
//                into it, posted with its ArrayBuffer transferred; consumer: the
//                'message' handler reads the id of every record in the batch.
//                Why transfer: it moves the records without copying them, as the
//                ring reads them where they were written. Cloning one reused
//                Float64Array(256 * 8) allocates nothing on the producer but
//                copies each batch twice (serialize, deserialize); sending the
//                transferred buffers back for reuse costs a second message per
//                batch. The price is one 16 KiB allocation per batch (none per
//                record), inside the timed region.
//   latency      producer paced at 50,000 msgs/s (spins on the clock between
//                messages), stamps ts_local with a shared monotonic clock in ns
//                (performance.now() calibrated per thread to process.hrtime) just
//                before publish; the consumer records now - ts_local per record in
//                an HDR histogram (hdr-histogram-js, 3 significant digits)
// Workload: 1,000,000 messages per throughput repetition (--messages), 50,000 per
// latency repetition (--latency-messages, 1 s at 50k/s), 5 repetitions each
// (--repetitions) after one untimed warm-up repetition in the same workers; the
// ring has 65,536 slots (the engine's inbound capacity). Throughput waits use the
// default wait strategy (spin-then-sleep) on both sides; latency is measured with
// spin-then-sleep and with busy-spin.
// Timed region: from the main thread's start barrier store to the consumer's read
// of the last message (both process.hrtime), the same for every leg. Excluded:
// worker start-up, JIT warm-up (the warm-up repetition), ring and MessageChannel
// set-up, and the result check (per repetition the consumer must read exactly n
// records, and their id sum must equal n(n - 1) / 2; a mismatch aborts the run).
// The postMessage queue is unbounded, so its producer never waits for the
// consumer; the ring producer waits when the ring is full.
// Reported: medians over repetitions; ratios from the same run: ring batch /
// postMessage batched (the fair ratio for the batch figure), ring single /
// postMessage (one record per message on both sides), and ring batch /
// postMessage (unequal batching, for reference); each goal (>= 10M msgs/s batch,
// ring batch faster than batched postMessage, ring single >= 10x postMessage one per
// message, p50 <= 1 us, p99 <= 10 us) marked met or not met.
//
// Run: `npx tsc -p tsconfig.json && npm run bench -- ring [--json] [--messages N]
// [--latency-messages N] [--repetitions N]`.
import os from 'node:os';
import { MessageChannel, type Worker, type WorkerOptions } from 'node:worker_threads';
import { Command } from 'commander';
import { INBOUND_CAPACITY, ringBytes } from '../engine/layout/memory-map.js';
import { initRing } from '../engine/ring/index.js';
import { spawnWorker } from '../engine/threads/index.js';
import { GO, type RingBenchMode, type TrialDone } from './workers/ring-bench-messages.js';
import type { PostMessageBenchMode } from './workers/ring-bench-post-message.js';

const CAPACITY = INBOUND_CAPACITY;
const BATCH = 256;
const LATENCY_RATE = 50_000;
const DEFAULT_WAIT = 'spin-then-sleep';
/** A repetition that has not finished after this long fails the run. */
const TRIAL_TIMEOUT_MS = 120_000;

export interface RingBenchOptions {
  messages: number;
  latencyMessages: number;
  repetitions: number;
}

export interface ThroughputResult {
  name: string;
  medianMessagesPerSecond: number;
  samples: number[];
}

export interface LatencyResult {
  wait: string;
  rate: number;
  medianP50Ns: number;
  medianP99Ns: number;
  medianP999Ns: number;
  maxNs: number;
  samples: { p50Ns: number; p99Ns: number; p999Ns: number; maxNs: number; count: number }[];
}

export interface Goal {
  goal: string;
  value: number;
  met: boolean;
}

export interface RingBenchResult {
  suite: 'ring';
  node: string;
  cpus: number;
  /** os.loadavg() (1, 5, 15 min) before and after the run: other processes on the machine skew both numbers. */
  loadAverage: { before: number[]; after: number[] };
  options: RingBenchOptions & { capacity: number; batch: number; throughputWait: string };
  throughput: { ringBatch: ThroughputResult; ringSingle: ThroughputResult; postMessage: ThroughputResult; postMessageBatched: ThroughputResult };
  /** Ring batch over postMessage one record per message: unequal batching (for reference). */
  ratioRingBatchToPostMessage: number;
  /** Ring batch over postMessage batched (same batch size): the fair ratio for the batch figure. */
  ratioRingBatchToPostMessageBatched: number;
  /** Ring single over postMessage, one record per message on both sides. */
  ratioRingSingleToPostMessage: number;
  latency: LatencyResult[];
  goals: Goal[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A worker whose messages are awaited one at a time; errors and early exits reject the wait. */
class WorkerInbox {
  private readonly queue: unknown[] = [];
  private waiting: { resolve: (m: unknown) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor(readonly name: string, readonly worker: Worker) {
    worker.on('message', (message: unknown) => {
      const error = (message as { error?: string }).error;
      if (error) return this.fail(new Error(`${name}: ${error}`));
      if (this.waiting) {
        this.waiting.resolve(message);
        this.waiting = null;
      } else this.queue.push(message);
    });
    worker.on('error', (error) => this.fail(new Error(`${name} crashed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`${name} exited with code ${code}`));
    });
  }

  next<T>(): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.queue.length) return Promise.resolve(this.queue.shift() as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no message for ${TRIAL_TIMEOUT_MS} ms`)), TRIAL_TIMEOUT_MS);
      this.waiting = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    if (this.waiting) {
      this.waiting.reject(error);
      this.waiting = null;
    }
  }
}

function benchWorker(name: string, file: string, workerData: unknown, transferList: WorkerOptions['transferList'] = []): WorkerInbox {
  return new WorkerInbox(name, spawnWorker(new URL(`./workers/${file}.js`, import.meta.url), { workerData, transferList }));
}

/**
 * Runs `trials` repetitions between a producer and a consumer worker; returns
 * each repetition's elapsed ns (start barrier to last read) and the consumer's report.
 */
async function runTrials(
  producer: WorkerInbox,
  consumer: WorkerInbox,
  control: SharedArrayBuffer,
  trials: number,
  messagesPerTrial: number,
): Promise<{ elapsedNs: number; done: TrialDone }[]> {
  const go = new Int32Array(control);
  await Promise.all([producer.next(), consumer.next()]);
  const expectedIdSum = (messagesPerTrial * (messagesPerTrial - 1)) / 2;
  const results: { elapsedNs: number; done: TrialDone }[] = [];
  try {
    for (let trial = 0; trial < trials; trial++) {
      const startNs = process.hrtime.bigint();
      Atomics.store(go, GO, trial + 1);
      Atomics.notify(go, GO);
      const done = await consumer.next<TrialDone>();
      if (done.error) throw new Error(`${consumer.name}: ${done.error}`);
      if (done.trial !== trial || done.idSum !== expectedIdSum) {
        throw new Error(`${consumer.name}: result check failed in repetition ${trial}: id sum must be ${expectedIdSum}, was ${done.idSum}`);
      }
      results.push({ elapsedNs: Number(done.endNs - startNs), done });
    }
  } finally {
    await Promise.all([producer.worker.terminate(), consumer.worker.terminate()]);
  }
  return results;
}

async function ringTrials(mode: RingBenchMode, wait: string, trials: number, messagesPerTrial: number) {
  const ringBuffer = new SharedArrayBuffer(ringBytes(CAPACITY));
  initRing(ringBuffer, 0, CAPACITY);
  const control = new SharedArrayBuffer(64);
  const common = { mode, ringBuffer, ringOffset: 0, trials, messagesPerTrial, wait };
  const consumer = benchWorker(`ring ${mode} consumer`, 'ring-bench-consumer', { role: 'ring-consumer', ...common });
  const producer = benchWorker(`ring ${mode} producer`, 'ring-bench-producer', { role: 'ring-producer', ...common, control, batch: BATCH, rate: LATENCY_RATE });
  return runTrials(producer, consumer, control, trials, messagesPerTrial);
}

async function postMessageTrials(mode: PostMessageBenchMode, trials: number, messagesPerTrial: number) {
  const { port1, port2 } = new MessageChannel();
  const control = new SharedArrayBuffer(64);
  const common = { mode, control, trials, messagesPerTrial, batch: BATCH };
  const consumer = benchWorker(`postMessage ${mode} consumer`, 'ring-bench-post-message', { role: 'post-message-consumer', port: port2, ...common }, [port2]);
  const producer = benchWorker(`postMessage ${mode} producer`, 'ring-bench-post-message', { role: 'post-message-producer', port: port1, ...common }, [port1]);
  return runTrials(producer, consumer, control, trials, messagesPerTrial);
}

function throughput(name: string, runs: { elapsedNs: number }[], messages: number): ThroughputResult {
  const samples = runs.slice(1).map((r) => messages / (r.elapsedNs / 1e9));
  return { name, medianMessagesPerSecond: median(samples), samples };
}

async function latency(wait: string, options: RingBenchOptions): Promise<LatencyResult> {
  const runs = await ringTrials('paced', wait, options.repetitions + 1, options.latencyMessages);
  const samples = runs.slice(1).map((r) => r.done.latency!);
  return {
    wait,
    rate: LATENCY_RATE,
    medianP50Ns: median(samples.map((s) => s.p50Ns)),
    medianP99Ns: median(samples.map((s) => s.p99Ns)),
    medianP999Ns: median(samples.map((s) => s.p999Ns)),
    maxNs: Math.max(...samples.map((s) => s.maxNs)),
    samples,
  };
}

export function parseRingBenchArgs(args: string[]): RingBenchOptions {
  const positiveInteger = (field: string) => (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`\`${field}\` must be an integer >= 1, was ${JSON.stringify(value)}`);
    return n;
  };
  const command = new Command('ring')
    .exitOverride()
    .option('--messages <n>', 'messages per throughput repetition', positiveInteger('--messages'), 1_000_000)
    .option('--latency-messages <n>', 'messages per latency repetition', positiveInteger('--latency-messages'), 50_000)
    .option('--repetitions <n>', 'timed repetitions per measurement', positiveInteger('--repetitions'), 5)
    .option('--json', 'handled by bench/main.ts');
  command.parse(args, { from: 'user' });
  const o = command.opts<{ messages: number; latencyMessages: number; repetitions: number }>();
  return { messages: o.messages, latencyMessages: o.latencyMessages, repetitions: o.repetitions };
}

export async function runRingBench(options: RingBenchOptions, log: (line: string) => void = console.log): Promise<RingBenchResult> {
  const trials = options.repetitions + 1;
  const loadBefore = os.loadavg();
  log(`ring: ${options.repetitions} repetitions (+1 warm-up) of ${options.messages.toLocaleString('en')} messages ...`);
  const ringBatch = throughput(`ring batch (${BATCH})`, await ringTrials('batch', DEFAULT_WAIT, trials, options.messages), options.messages);
  const ringSingle = throughput('ring single', await ringTrials('single', DEFAULT_WAIT, trials, options.messages), options.messages);
  const postMessage = throughput('postMessage (Float64Array(8) clone)', await postMessageTrials('single', trials, options.messages), options.messages);
  const postMessageBatched = throughput(`postMessage batched (${BATCH}, transfer)`, await postMessageTrials('batch', trials, options.messages), options.messages);
  log(`ring: latency at ${LATENCY_RATE.toLocaleString('en')} msgs/s, ${options.repetitions} repetitions (+1 warm-up) of ${options.latencyMessages.toLocaleString('en')} ...`);
  const latencies = [await latency(DEFAULT_WAIT, options), await latency('busy-spin', options)];
  const ratio = ringBatch.medianMessagesPerSecond / postMessage.medianMessagesPerSecond;
  const ratioBatched = ringBatch.medianMessagesPerSecond / postMessageBatched.medianMessagesPerSecond;
  const ratioSingle = ringSingle.medianMessagesPerSecond / postMessage.medianMessagesPerSecond;
  const goals: Goal[] = [
    { goal: 'ring batch >= 10M msgs/s', value: ringBatch.medianMessagesPerSecond, met: ringBatch.medianMessagesPerSecond >= 10e6 },
    { goal: 'ring batch > batched postMessage', value: ratioBatched, met: ratioBatched > 1 },
    { goal: 'ring single >= 10x postMessage', value: ratioSingle, met: ratioSingle >= 10 },
  ];
  for (const l of latencies) {
    goals.push({ goal: `p50 <= 1 us (${l.wait})`, value: l.medianP50Ns, met: l.medianP50Ns <= 1_000 });
    goals.push({ goal: `p99 <= 10 us (${l.wait})`, value: l.medianP99Ns, met: l.medianP99Ns <= 10_000 });
  }
  return {
    suite: 'ring',
    node: process.version,
    cpus: os.availableParallelism(),
    loadAverage: { before: loadBefore, after: os.loadavg() },
    options: { ...options, capacity: CAPACITY, batch: BATCH, throughputWait: DEFAULT_WAIT },
    throughput: { ringBatch, ringSingle, postMessage, postMessageBatched },
    ratioRingBatchToPostMessage: ratio,
    ratioRingBatchToPostMessageBatched: ratioBatched,
    ratioRingSingleToPostMessage: ratioSingle,
    latency: latencies,
    goals,
  };
}

const millions = (n: number) => `${(n / 1e6).toFixed(2)} M`;
const micros = (ns: number) => `${(ns / 1e3).toFixed(2)} us`;

export function printRingBench(r: RingBenchResult, log: (line: string) => void = console.log): void {
  const o = r.options;
  log('');
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  log(`ring OneToOne: producer worker -> consumer worker, node ${r.node}, ${r.cpus} CPUs, load average ${load(r.loadAverage.before)} before, ${load(r.loadAverage.after)} after`);
  log(`throughput: ${o.messages.toLocaleString('en')} msgs x ${o.repetitions} repetitions (median), capacity ${o.capacity}, wait ${o.throughputWait}`);
  log(`  ${'path'.padEnd(38)} ${'msgs/s (median)'.padStart(16)} ${'min'.padStart(10)} ${'max'.padStart(10)}`);
  for (const t of [r.throughput.ringBatch, r.throughput.ringSingle, r.throughput.postMessage, r.throughput.postMessageBatched]) {
    log(`  ${t.name.padEnd(38)} ${millions(t.medianMessagesPerSecond).padStart(16)} ${millions(Math.min(...t.samples)).padStart(10)} ${millions(Math.max(...t.samples)).padStart(10)}`);
  }
  const ratio = (label: string, value: number) => log(`  ${label.padEnd(50)} ${value.toFixed(2)}x`);
  ratio('ring batch / postMessage batched (same batching):', r.ratioRingBatchToPostMessageBatched);
  ratio('ring single / postMessage (one per message):', r.ratioRingSingleToPostMessage);
  ratio('ring batch / postMessage (unequal batching):', r.ratioRingBatchToPostMessage);
  log(`latency (publish -> read) at ${r.latency[0].rate.toLocaleString('en')} msgs/s, ${o.latencyMessages.toLocaleString('en')} msgs x ${o.repetitions} repetitions (median of each percentile)`);
  log(`  ${'wait'.padEnd(18)} ${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'p99.9'.padStart(10)} ${'max'.padStart(10)}`);
  for (const l of r.latency) {
    log(`  ${l.wait.padEnd(18)} ${micros(l.medianP50Ns).padStart(10)} ${micros(l.medianP99Ns).padStart(10)} ${micros(l.medianP999Ns).padStart(10)} ${micros(l.maxNs).padStart(10)}`);
  }
  log('goals:');
  for (const g of r.goals) {
    const value = g.goal.includes('msgs/s') ? `${millions(g.value)} msgs/s` : g.goal.includes('postMessage') ? `${g.value.toFixed(2)}x` : micros(g.value);
    log(`  ${g.met ? 'met    ' : 'NOT met'}  ${g.goal.padEnd(34)} measured ${value}`);
  }
}

/** Suite entry for bench/main.ts. */
export const ringSuite = {
  name: 'ring',
  description: 'SPSC ring 1:1 across worker threads: batch and single vs postMessage batched and single throughput, paced latency (default wait and busy-spin)',
  async run(options: { json?: boolean; args?: string[] }): Promise<RingBenchResult> {
    const parsed = parseRingBenchArgs(options.args ?? []);
    const result = await runRingBench(parsed, options.json ? () => undefined : console.log);
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else printRingBench(result);
    return result;
  },
};
