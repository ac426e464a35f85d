// The ahead pool: `workers` worker threads (ahead-worker.ts), each holding its own onnxruntime
// session of every fold of one model (1 intra-op thread), started once per QuantileModelSet and
// reused by every predictAhead. It lets a backtest's inference ahead use more than one core:
// onnxruntime-node's InferenceSession.run keeps the JS thread busy (measured: issuing 5 folds'
// runs at once with Promise.all takes as long as running them one after the other), so
// concurrency needs threads.
//
//   predictAhead --chunks (fold, m finite rows)--> least-loaded worker (pending rows)
//                                                 worker k: session[fold].run, one at a time
//               <--quantiles (m x 5) per chunk----
//
// Each row's answer does not depend on the batch it is in or the worker that ran it (1 intra-op
// thread adds a row's trees in tree order; test/models-ahead.test.ts checks the bytes against
// predictRow). Workers are unref'd while idle, so a pool never keeps the process alive; release()
// closes them gracefully: each finishes the session create or run it is in (native async work:
// ending a thread under it aborts the whole process with a Napi::Error), releases its sessions
// and exits; terminate() only if one has not exited CLOSE_TIMEOUT_MS later.
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../threads/index.js';
import type { ModelBundle } from './model-bundle.js';
import { ModelContractError } from './model-errors.js';
import type { AheadInit, AheadReply } from './ahead-worker.js';

interface Pending {
  readonly resolve: (out: Float64Array) => void;
  readonly reject: (error: Error) => void;
  readonly rows: number;
}

/** How long release() waits for a worker to close before terminating it, ms. */
const CLOSE_TIMEOUT_MS = 30_000;

interface PoolWorker {
  readonly worker: Worker;
  /** Resolves when the thread has exited (however it ended). */
  readonly exited: Promise<void>;
  readonly pending: Map<number, Pending>;
  pendingRows: number;
  failed?: Error;
}

export class AheadPool {
  private nextId = 1;
  private released = false;

  private constructor(private readonly members: readonly PoolWorker[], private readonly origin: string) {}

  get size(): number {
    return this.members.length;
  }

  /** Starts `workers` threads and loads every fold of `bundle` in each; resolves once all are ready. */
  static async start(bundle: ModelBundle, workers: number): Promise<AheadPool> {
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new RangeError(`\`aheadWorkers\` must be an integer in [1, 64], was ${workers}`);
    const { metadata } = bundle;
    const init: AheadInit = {
      type: 'init',
      origin: bundle.origin,
      files: metadata.folds.map((f) => f.file),
      inputName: metadata.input.name,
      inputType: metadata.input.type,
      columns: metadata.input.columns,
      outputName: metadata.output.name,
      features: metadata.features,
      foldBytes: bundle.foldBytes,
    };
    const members: PoolWorker[] = [];
    const ready: Promise<void>[] = [];
    for (let w = 0; w < workers; w++) {
      const worker = spawnWorker(new URL('./ahead-worker.js', import.meta.url));
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      const member: PoolWorker = { worker, exited, pending: new Map(), pendingRows: 0 };
      members.push(member);
      ready.push(new Promise<void>((resolve, reject) => {
        const onFirst = (reply: AheadReply): void => {
          if (reply.type === 'ready') resolve();
          // A model that breaks its contract fails with the sessions' own message (it names the fold's file).
          else if (reply.type === 'error' && reply.contract === true) reject(new ModelContractError(reply.message));
          else reject(new Error(`ahead worker ${w}: ${reply.type === 'error' ? reply.message : `unexpected ${reply.type}`}`));
        };
        worker.once('message', onFirst);
        worker.once('error', (error) => reject(new Error(`ahead worker ${w} failed to start: ${error.message}`)));
      }));
      worker.postMessage(init);
    }
    const pool = new AheadPool(members, bundle.origin);
    try {
      await Promise.all(ready);
    } catch (error) {
      await pool.release();
      throw error;
    }
    for (const member of members) pool.listen(member);
    return pool;
  }

  private listen(member: PoolWorker): void {
    member.worker.unref();
    member.worker.on('message', (reply: AheadReply) => {
      if (reply.type === 'ready' || reply.id === undefined) return;
      const task = member.pending.get(reply.id);
      if (task === undefined) return;
      member.pending.delete(reply.id);
      member.pendingRows -= task.rows;
      if (member.pending.size === 0) member.worker.unref();
      if (reply.type === 'done') task.resolve(reply.out);
      else task.reject(new Error(reply.message));
    });
    const fail = (error: Error): void => {
      member.failed = error;
      for (const task of member.pending.values()) task.reject(error);
      member.pending.clear();
      member.pendingRows = 0;
    };
    member.worker.on('error', (error) => fail(new Error(`ahead worker of ${this.origin} failed: ${error.message}`)));
    member.worker.on('exit', (code) => { if (!this.released) fail(new Error(`ahead worker of ${this.origin} exited (code ${code})`)); });
  }

  /**
   * Runs `n` finite rows (f64 n x F, row-major; the buffer is transferred to the worker, so the
   * caller gives up `rows`) through fold `fold` on the least-loaded worker; resolves with n x 5.
   */
  run(fold: number, rows: Float64Array, n: number): Promise<Float64Array> {
    if (this.released) return Promise.reject(new Error(`the ahead pool of ${this.origin} was released`));
    let member = this.members[0];
    for (const m of this.members) if (m.pendingRows < member.pendingRows) member = m;
    if (member.failed) return Promise.reject(member.failed);
    const id = this.nextId++;
    return new Promise<Float64Array>((resolve, reject) => {
      member.pending.set(id, { resolve, reject, rows: n });
      member.pendingRows += n;
      member.worker.ref();
      member.worker.postMessage({ type: 'run', id, fold, rows, n }, [rows.buffer as ArrayBuffer]);
    });
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.all(this.members.map((m) => closeWorker(m)));
  }
}

/** Asks a worker to close after what it is doing (its message queue runs in order) and waits for its exit. */
async function closeWorker(member: PoolWorker): Promise<void> {
  member.worker.ref(); // the process waits for the close
  try {
    member.worker.postMessage({ type: 'close' });
  } catch {
    // The thread is gone already: `exited` has resolved or is about to.
  }
  const timer = setTimeout(() => void member.worker.terminate(), CLOSE_TIMEOUT_MS);
  try {
    await member.exited;
  } finally {
    clearTimeout(timer);
  }
}
