// Runs a sweep's tasks on one machine: a piscina pool of `workers` threads (default: the number
// of cores), one run per worker at a time. Results arrive in completion order through
// `onResult`; they do not depend on the worker count or the order (each run is a pure function
// of its configuration, data and seed). A run that throws is retried (`attempts`, default 2) and
// its retries are recorded in its result; one that throws on every attempt is reported through
// `onFailure` and the others go on.
//
// A worker thread that dies (it threw outside a task, or failed to load its module) makes
// piscina reject that worker's running task and emit 'error' on the pool; the listener below
// keeps that from ending the process (an 'error' event nobody listens to throws) and the message
// joins the failed attempt's. Piscina loads the worker module with require() first and import()
// when that throws; on Node 20.19+ a require() of an ES module that fails part-way (seen when
// dist/ is rewritten by a build while workers start) leaves the module half-registered, and the
// import() then fails with ERR_INTERNAL_ASSERTION "Unexpected status of a module that is imported
// again after being required" instead of the real error. When that happens as the worker starts,
// the thread dies and piscina starts another; inside a task, the attempt fails and is retried.
import { availableParallelism, hostname } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setMaxListeners } from 'node:events';
import { inspect } from 'node:util';
import { Piscina } from 'piscina';
import { packageRoot } from '../../core/package-root.js';
import { workerEntry } from '../../threads/index.js';
import { compileCore } from '../../core/wasm-core.js';
import { DataCache, type RunResult, type RunTask } from './execute-run.js';
import { prepareSharedRunInputs, type SharedRunInputs } from './shared-run-inputs.js';
import type { PoolTask } from './pool-worker.js';
import { oneLineError } from './sweep-errors.js';

export interface PoolOptions {
  /** Worker threads (default: availableParallelism()). */
  readonly workers?: number;
  /** Executions per run before it counts as failed (default 2: one retry). */
  readonly attempts?: number;
  onResult(result: RunResult): void | Promise<void>;
  onFailure(task: RunTask, error: Error): void | Promise<void>;
  shouldStop?(): boolean;
  /** The data already loaded by the caller (else loaded here). */
  readonly cache?: DataCache;
  /** A pool started earlier (startPool; `workers` is then its own), else one is started here. */
  readonly pool?: SweepPool;
}

/**
 * The compiled worker module (dist/), or its bundle when current (engine/threads workerEntry);
 * tests running the .ts sources use dist/ too (build first).
 */
export function poolWorkerFile(): string {
  const beside = fileURLToPath(new URL('./pool-worker.js', import.meta.url));
  const built = existsSync(beside) ? beside : join(packageRoot(), 'dist', 'engine', 'research', 'sweep', 'pool-worker.js');
  if (!existsSync(built)) throw new Error(`sweep pool worker not found at ${built}: run \`npx tsc -p tsconfig.json\``);
  return fileURLToPath(workerEntry(pathToFileURL(built)));
}

export function defaultWorkerCount(): number {
  return availableParallelism();
}

/**
 * A started pool: its worker threads boot and import their modules while the caller does other
 * work (runSweep loads the sweep's data meanwhile). Errors of a worker thread (not of a task)
 * are kept for the next failed attempt's message. Destroyed by runOnPool, or by `destroy()` when
 * it is not used.
 */
export interface SweepPool {
  readonly workers: number;
  readonly piscina: Piscina;
  readonly workerErrors: string[];
  destroy(): Promise<void>;
}

/**
 * Starts `workers` pool workers. The core is compiled first: its optimizing compile flips V8
 * flags for the whole process while it runs (engine/core wasm-core.ts), and a thread that loads
 * Node's built-in modules meanwhile finds their code cache made under other flags and compiles
 * them from source (a worker's bootstrap took ~100 ms instead of ~45 ms here).
 */
export function startPool(workers: number = defaultWorkerCount()): SweepPool {
  compileCore();
  // Two tasks per worker: it runs one and holds the next (pool-worker.ts runs them in turn), so
  // it never idles while this thread takes a result and posts another (~5 ms a run here).
  const piscina = new Piscina({ filename: poolWorkerFile(), minThreads: workers, maxThreads: workers, concurrentTasksPerWorker: 2, idleTimeout: 60_000 });
  const workerErrors: string[] = [];
  piscina.on('error', (error: unknown) => void workerErrors.push(oneLineError(asError(error).message)));
  let destroyed: Promise<void> | undefined;
  return { workers, piscina, workerErrors, destroy: () => (destroyed ??= piscina.destroy()) };
}

/** Runs `tasks` on `options.pool` (started earlier by startPool) or on a pool started here; the pool is destroyed at the end. */
export async function runOnPool(tasks: readonly RunTask[], options: PoolOptions): Promise<{ stoppedEarly: boolean }> {
  const started = options.pool ?? startPool(options.workers ?? defaultWorkerCount());
  const { piscina: pool, workerErrors } = started;
  // A stop request aborts the queued and running tasks; finished runs are kept (a re-run resumes).
  const abort = new AbortController();
  setMaxListeners(tasks.length + 16, abort.signal);
  const watch = options.shouldStop ? setInterval(() => { if (options.shouldStop!()) abort.abort(); }, 200) : undefined;
  try {
    // While the workers start (each imports the engine's modules), this thread loads the data
    // (unless the caller did) once for all of them (the tasks of one sweep share one data list).
    const inputs = new Map<string, Promise<SharedRunInputs>>();
    const cache = options.cache ?? new DataCache(Number.MAX_SAFE_INTEGER);
    const inputsOf = (task: RunTask): Promise<SharedRunInputs> => {
      const key = JSON.stringify(task.data);
      let entry = inputs.get(key);
      if (entry === undefined) inputs.set(key, (entry = prepareSharedRunInputs(task.data, cache)));
      return entry;
    };
    await Promise.all(tasks.map(async (task) => {
      const errors: string[] = [];
      const attempts = options.attempts ?? 2;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        let result: RunResult;
        try {
          const message: PoolTask = { task, inputs: await inputsOf(task) };
          result = (await pool.run(message, { signal: abort.signal })) as RunResult;
        } catch (error) {
          if (abort.signal.aborted) return;
          const failure = asError(error);
          if (workerErrors.length > 0) failure.message += ` (pool worker error: ${workerErrors.splice(0).join('; ')})`;
          errors.push(oneLineError(failure.message));
          if (attempt < attempts) continue;
          await options.onFailure(task, failure);
          return;
        }
        await options.onResult(errors.length > 0 ? { ...result, attempts: { started: attempt, failed: errors.length, stalled: 0, errors, worker: `${hostname()}:${process.pid} (pool)` } } : result);
        return;
      }
    }));
    return { stoppedEarly: abort.signal.aborted };
  } finally {
    if (watch) clearInterval(watch);
    await started.destroy();
  }
}

/** Errors from a worker thread may arrive as Error-like objects of another realm. */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  const like = error as { message?: unknown; stack?: unknown; name?: unknown; code?: unknown } | null;
  const message = typeof like?.message === 'string' && like.message !== '' ? like.message : `the pool worker failed: ${inspect(error, { depth: 4 })}`;
  const out = new Error(typeof like?.code === 'string' && !message.includes(like.code) ? `${like.code}: ${message}` : message);
  if (typeof like?.stack === 'string') out.stack = like.stack;
  return out;
}
