// An engine thread started before its run is known: the thread's bootstrap and the loading of
// its modules (~35-40 ms here, most of an engine start) overlap the caller's own work (a
// backtest parsing its data and computing the ML expert's features). It gets its memory and the
// compiled core at spawn and waits; EngineHost.start({ prestarted }) sends it the rest (the
// pipeline, the wait strategy, a checkpoint) and it starts as a thread spawned with them would.
//
//   prestart():  spawn(workerData: { prestart, memory, module })   thread: bootstrap, imports, waits
//   EngineHost.start({ prestarted }):  take() -> postMessage(setup)  thread: runEngine(memory, module, setup)
//
// A thread that is never taken is ended by dispose() (it has opened nothing: terminate is safe).
import type { Worker } from 'node:worker_threads';
import { compileCore, createSharedMemory, type CoreBuild } from '../core/wasm-core.js';
import { spawnWorker } from './spawn-worker.js';
import type { EngineThreadData, EngineThreadPrestart } from './engine-thread.js';

export class PrestartedEngineThread {
  private taken = false;
  /** The thread ended before it was taken (a failed import): a host spawns its own instead. */
  private ended = false;

  private constructor(readonly worker: Worker, readonly memory: WebAssembly.Memory, readonly build: CoreBuild | undefined) {}

  /** Spawns an engine thread with a fresh shared memory and the compiled core (`build`, default the release core); it waits for its setup. */
  static start(build?: CoreBuild): PrestartedEngineThread {
    const memory = createSharedMemory();
    const data: EngineThreadPrestart = { prestart: true, memory, module: compileCore(build) };
    const worker = spawnWorker(new URL('./engine-thread.js', import.meta.url), { workerData: data });
    const thread = new PrestartedEngineThread(worker, memory, build);
    // Until it is taken nobody waits on it: an error (a failed import) only makes it unfit.
    worker.on('error', () => { thread.ended = true; });
    worker.once('exit', () => { thread.ended = true; });
    worker.unref();
    return thread;
  }

  /** Whether EngineHost.start may take it for a host of `build` (once; the same core build). */
  fits(build: CoreBuild | undefined): boolean {
    return !this.taken && !this.ended && (build ?? 'release') === (this.build ?? 'release');
  }

  /** Hands the thread its setup (the memory's rings already initialised by the caller); it starts at once. */
  take(setup: Omit<EngineThreadData, 'memory' | 'module'>): Worker {
    if (this.taken) throw new Error('this prestarted engine thread was taken already');
    this.taken = true;
    this.worker.ref();
    this.worker.postMessage({ type: 'setup', data: setup });
    return this.worker;
  }

  /** Ends the thread unless a host took it (then the host ends it). */
  async dispose(): Promise<void> {
    if (this.taken) return;
    this.taken = true;
    await this.worker.terminate();
  }
}
