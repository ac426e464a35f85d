// A `quantflow worker`: takes runs from the sweep queue (BullMQ on Redis), executes them with its
// data held in memory (DataCache, one load per data set per process) and returns each result as
// the job's return value, its per-period returns written beside the job under their own Redis
// key (queued-returns.ts) so the return value stays small. One run at a time per worker; start
// one worker process per core. The worker holds a second job while it runs one (concurrency 2,
// the runs themselves one after another: OneAtATime), so the next run starts as the last ends,
// while the last one's returns and completion go to Redis, instead of after those round trips
// and the fetch of the next job.
//
// Failure handling is BullMQ's: the worker holds a lock on its job, renewed every lockMs / 2;
// a worker that dies mid-run stops renewing, the lock expires, and the next stalled-job check
// (every stalledIntervalMs, run by every live worker) moves the job back to wait, where another
// worker takes it. A run that throws is retried with backoff up to the job's attempts. The
// result carries how many times the run started, failed and stalled (RunAttempts).
import { hostname } from 'node:os';
import type { Job } from 'bullmq';
import { DataCache, executeRun, type RunTask } from './execute-run.js';
import { DEFAULT_QUEUE_NAME, redisConnection } from './queue-connection.js';
import { putReturns, returnsKey, type QueuedRunResult } from './queued-returns.js';
import { OneAtATime } from './one-at-a-time.js';
import { oneLineError } from './sweep-errors.js';

export interface QueueWorkerOptions {
  readonly url: string;
  readonly queueName?: string;
  /** Job lock duration, ms (default 30,000); a dead worker's run comes back after about this long. */
  readonly lockMs?: number;
  /** How often stalled jobs are looked for, ms (default: lockMs). */
  readonly stalledIntervalMs?: number;
  /** Stalls after which a run fails instead of coming back (default 3). */
  readonly maxStalledCount?: number;
  log?(line: string): void;
  /** A Redis connection error (the connection retries on its own), one line per change of cause; default: `log`. */
  onConnectionError?(line: string): void;
  /** Called as a run starts (tests use it to kill a worker mid-run). */
  onRunStarted?(task: RunTask): void;
}

export interface QueueWorkerHandle {
  readonly id: string;
  readonly processed: () => number;
  close(): Promise<void>;
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const id = `${hostname()}:${process.pid}`;
  const cache = new DataCache();
  const { Worker } = await import('bullmq');
  const onError = (message: string): void => (options.onConnectionError ?? options.log)?.(`worker ${id}: ${message}`);
  const connection = await redisConnection(options.url, { onError });
  // Commands of our own (the returns) on a connection BullMQ does not block on.
  const commands = await redisConnection(options.url, { onError });
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  const lockMs = options.lockMs ?? 30_000;
  let processed = 0;
  const turns = new OneAtATime();
  const worker = new Worker<RunTask, QueuedRunResult>(
    queueName,
    async (job: Job<RunTask, QueuedRunResult>) => {
      const result = await turns.run(() => {
        options.onRunStarted?.(job.data);
        options.log?.(`worker ${id}: run ${job.data.sweepId} #${job.data.index} (attempt ${job.attemptsStarted}, stalled ${job.stalledCounter})`);
        return executeRun(job.data, cache);
      });
      processed++;
      const errors = (job.stacktrace ?? []).map(oneLineError);
      const key = returnsKey(queueName, job.id!);
      await putReturns(commands, key, result.returns);
      return {
        ...result,
        returns: { key, periods: result.returns.length },
        attempts: { started: job.attemptsStarted, failed: errors.length, stalled: job.stalledCounter, errors, worker: id },
      };
    },
    {
      connection,
      concurrency: 2,
      lockDuration: lockMs,
      stalledInterval: options.stalledIntervalMs ?? lockMs,
      maxStalledCount: options.maxStalledCount ?? 3,
      autorun: true,
    },
  );
  worker.on('error', (error) => options.log?.(`worker ${id}: ${error.message}`));
  worker.on('failed', (job, error) => options.log?.(`worker ${id}: run ${job?.data.sweepId} #${job?.data.index} failed: ${error.message}`));
  await worker.waitUntilReady();
  return {
    id,
    processed: () => processed,
    async close() {
      await worker.close();
      await connection.quit().catch(() => undefined);
      await commands.quit().catch(() => undefined);
    },
  };
}
