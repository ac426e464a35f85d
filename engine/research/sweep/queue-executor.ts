// Runs a sweep's tasks across machines: one BullMQ job per run on the sweep queue (jobId = sweep
// id + run index, so adding a run twice is a no-op), attempts with exponential backoff, then
// collects the results that `quantflow worker` processes return. A job's return value is the
// run's small summary; its per-period returns are read once from their own Redis key
// (queued-returns.ts). A job left completed whose returns expired is removed and queued again.
//
// Collection: a QueueEvents subscription (completed, stalled, delayed = an attempt failed and
// waits to retry, failed = no attempts left) gives results as they finish, and a reconciliation
// pass every `pollMs` asks Redis for the state of each run still pending (this catches runs that
// completed before the subscription, e.g. when a sweep resumes after its collector died).
// Exactly once on the collector side: a run leaves the `pending` map synchronously on its first
// completion, so a second completion notice for it (event and poll both seeing it, or an
// earlier collector's job) is counted as a duplicate and dropped; across collector processes the
// store's putRunOnce (one LMDB write transaction) keeps one result per run index. On resume a
// job left failed is retried.
import { decodeRunResult, type EncodedRunResult, type RunResult, type RunTask } from './execute-run.js';
import { DEFAULT_QUEUE_NAME, redisConnection, runJobId } from './queue-connection.js';
import { getReturns, hasReturns, returnsKey, type QueuedRunResult } from './queued-returns.js';
import type { RunEvent } from './sweep-store.js';

export interface QueueRunOptions {
  readonly url: string;
  readonly queueName?: string;
  /** Executions per run before it fails (default 3). */
  readonly attempts?: number;
  /** First retry delay, ms, doubled per retry (default 1000). */
  readonly backoffMs?: number;
  /** Reconciliation interval, ms (default 1000). */
  readonly pollMs?: number;
  onResult(result: RunResult): void | Promise<void>;
  onFailure(task: RunTask, error: Error): void | Promise<void>;
  onEvent?(index: number, event: RunEvent): void;
  /** A Redis connection error while the sweep waits (the connection retries on its own), one line per change of cause. */
  onConnectionError?(message: string): void;
  shouldStop?(): boolean;
}

export interface QueueRunSummary {
  readonly enqueued: number;
  /** Jobs that already existed (an earlier collector of the same sweep id enqueued them). */
  readonly alreadyQueued: number;
  /** Completion notices dropped because the run had already been collected. */
  readonly duplicates: number;
  readonly stalls: number;
  readonly failedAttempts: number;
  readonly stoppedEarly: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Commands per pipelined chunk (the state checks of a sweep's runs). */
const CHUNK = 500;

/** `each` over `items`, CHUNK at a time concurrently: their Redis commands go out together. */
async function inChunks<T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  for (let at = 0; at < items.length; at += CHUNK) await Promise.all(items.slice(at, at + CHUNK).map(each));
}

export async function runOnQueue(tasks: readonly RunTask[], options: QueueRunOptions): Promise<QueueRunSummary> {
  const name = options.queueName ?? DEFAULT_QUEUE_NAME;
  const { Queue, QueueEvents, Job } = await import('bullmq');
  const connection = await redisConnection(options.url, { onError: options.onConnectionError });
  const eventsConnection = await redisConnection(options.url, { onError: options.onConnectionError });
  const queue = new Queue<RunTask, QueuedRunResult>(name, { connection });
  const events = new QueueEvents(name, { connection: eventsConnection, autorun: true });
  const pending = new Map<string, RunTask>(tasks.map((task) => [runJobId(task.sweepId, task.index), task]));
  let duplicates = 0;
  let stalls = 0;
  let failedAttempts = 0;
  const handlers: Promise<void>[] = [];
  const handlerErrors: unknown[] = [];
  let wake: () => void = () => undefined;
  const note = (jobId: string, event: RunEvent): void => {
    const task = pending.get(jobId);
    if (task) options.onEvent?.(task.index, event);
  };
  const complete = (jobId: string, returnvalue: unknown): void => {
    const task = pending.get(jobId);
    if (!task) {
      if (tasks.some((t) => runJobId(t.sweepId, t.index) === jobId)) duplicates++;
      return;
    }
    pending.delete(jobId);
    // Caught here and rethrown once every handler settled (a rejection nobody awaits yet would end the process).
    handlers.push(collect(jobId, task, returnvalue).catch((error: unknown) => { handlerErrors.push(error); }));
    if (pending.size === 0) wake();
  };
  /** The run's result: its summary from the job, its returns from their Redis key (read once). */
  const collect = async (jobId: string, task: RunTask, returnvalue: unknown): Promise<void> => {
    const value = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as QueuedRunResult | EncodedRunResult;
    // A worker of an earlier version returned the returns inline, as base64.
    if (typeof value.returns === 'string') return options.onResult(decodeRunResult(value as EncodedRunResult));
    const summary = value as QueuedRunResult;
    const returns = await getReturns(connection, summary.returns.key);
    if (returns === undefined || returns.length !== summary.returns.periods) {
      const found = returns === undefined ? 'missing' : `${returns.length} periods`;
      return options.onFailure(task, new Error(`run ${task.index} completed but its returns under Redis key ${summary.returns.key} are ${found}, expected ${summary.returns.periods} periods (expired or Redis lost its data); run the sweep again to re-execute it`));
    }
    return options.onResult({ ...summary, returns });
  };
  const fail = (jobId: string, reason: string): void => {
    const task = pending.get(jobId);
    if (!task) return;
    pending.delete(jobId);
    handlers.push(Promise.resolve(options.onFailure(task, new Error(reason))));
    if (pending.size === 0) wake();
  };
  try {
    events.on('completed', ({ jobId, returnvalue }) => complete(jobId, returnvalue));
    events.on('stalled', ({ jobId }) => {
      if (pending.has(jobId)) stalls++;
      note(jobId, { kind: 'stalled', at: new Date().toISOString(), message: 'its worker stopped renewing the lock; moved back to the queue' });
    });
    events.on('delayed', ({ jobId }) => {
      if (!pending.has(jobId)) return;
      failedAttempts++;
      void Job.fromId(queue, jobId).then((job) => note(jobId, { kind: 'failed', at: new Date().toISOString(), message: `attempt ${job?.attemptsMade ?? '?'} failed: ${job?.failedReason ?? 'unknown'}; retrying after backoff` }));
    });
    events.on('failed', ({ jobId, failedReason }) => {
      if (!pending.has(jobId)) return;
      note(jobId, { kind: 'final-failure', at: new Date().toISOString(), message: failedReason });
      fail(jobId, failedReason);
    });
    await events.waitUntilReady();
    await queue.waitUntilReady();

    const attempts = options.attempts ?? 3;
    const existing = new Set<string>();
    // Every run's state asked at once (ioredis pipelines commands issued together on a
    // connection: one round trip per chunk instead of one per run).
    await inChunks(tasks, async (task) => {
      const jobId = runJobId(task.sweepId, task.index);
      let state = await queue.getJobState(jobId);
      if (state === 'completed' && !(await hasReturns(connection, returnsKey(name, jobId)))) {
        const job = await queue.getJob(jobId);
        if (job && typeof job.returnvalue?.returns !== 'string') {
          await job.remove();
          state = 'unknown';
        }
      }
      if (state !== 'unknown') existing.add(jobId);
      if (state === 'failed') await (await queue.getJob(jobId))?.retry('failed');
    });
    const fresh = tasks.filter((task) => !existing.has(runJobId(task.sweepId, task.index)));
    for (let at = 0; at < fresh.length; at += 500) {
      await queue.addBulk(fresh.slice(at, at + 500).map((task) => ({
        name: 'run',
        data: task,
        opts: {
          jobId: runJobId(task.sweepId, task.index),
          attempts,
          backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
          removeOnComplete: { age: 7 * 86_400 },
          removeOnFail: { age: 7 * 86_400 },
        },
      })));
    }

    let stoppedEarly = false;
    const pollMs = options.pollMs ?? 1000;
    while (pending.size > 0) {
      if (options.shouldStop?.()) {
        stoppedEarly = true;
        break;
      }
      await Promise.race([sleep(pollMs), new Promise<void>((resolve) => { wake = resolve; })]);
      const states = new Map<string, string>();
      await inChunks([...pending.keys()], async (jobId) => void states.set(jobId, await queue.getJobState(jobId)));
      for (const [jobId, state] of states) {
        if (!pending.has(jobId)) continue;
        if (state === 'completed') {
          const job = await queue.getJob(jobId);
          if (job) complete(jobId, job.returnvalue);
        } else if (state === 'failed') {
          const job = await queue.getJob(jobId);
          fail(jobId, job?.failedReason ?? 'failed');
        } else if (state === 'unknown') {
          fail(jobId, 'the job vanished from the queue (removed or Redis restarted without persistence)');
        }
      }
    }
    await Promise.all(handlers);
    if (handlerErrors.length > 0) throw handlerErrors[0];
    return { enqueued: fresh.length, alreadyQueued: existing.size, duplicates, stalls, failedAttempts, stoppedEarly };
  } finally {
    await events.close();
    await queue.close();
    await connection.quit().catch(() => undefined);
    await eventsConnection.quit().catch(() => undefined);
  }
}

export interface QueuedRunStatus {
  readonly index: number;
  readonly state: string;
  readonly attemptsStarted: number;
  readonly attemptsMade: number;
  readonly stalled: number;
  readonly failedReason?: string;
  readonly worker?: string;
}

/** The queue's view of a sweep's runs (state, attempts, stalls), for `quantflow sweep --status`. */
export async function queueStatus(url: string, sweepId: string, indices: readonly number[], queueName: string = DEFAULT_QUEUE_NAME): Promise<QueuedRunStatus[]> {
  const { Queue } = await import('bullmq');
  const connection = await redisConnection(url);
  const queue = new Queue(queueName, { connection });
  try {
    const out: QueuedRunStatus[] = [];
    for (const index of indices) {
      const jobId = runJobId(sweepId, index);
      const job = await queue.getJob(jobId);
      if (!job) {
        out.push({ index, state: 'not queued', attemptsStarted: 0, attemptsMade: 0, stalled: 0 });
        continue;
      }
      out.push({
        index,
        state: await job.getState(),
        attemptsStarted: job.attemptsStarted,
        attemptsMade: job.attemptsMade,
        stalled: job.stalledCounter,
        ...(job.failedReason ? { failedReason: job.failedReason } : {}),
        ...(job.processedBy ? { worker: job.processedBy } : {}),
      });
    }
    return out;
  } finally {
    await queue.close();
    await connection.quit().catch(() => undefined);
  }
}
