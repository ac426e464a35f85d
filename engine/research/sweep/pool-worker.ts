// The piscina worker of a one-machine sweep: executes one run per task. A task comes with the
// inputs the main thread prepared once (shared-run-inputs.ts): the sweep's data, parsed, on
// SharedArrayBuffers it only reads, and the compiled core. Each worker is itself the engine
// thread of its runs (executeRun runs the core inline, over one memory of its own kept across
// its runs), so runs on different workers share nothing they write.
// Whatever a run throws goes back as a plain Error with its message and stack.
// The pool gives each worker a second task while it runs one (pool-executor.ts); they execute
// one after another (OneAtATime), the next the moment the last ends.
// A run's document was built over this process's defaults file (run-config.ts readBaseDocument),
// so the worker validates it as it is (executeRun `localRun`): a pool worker parses no YAML (the
// defaults file's parse, and V8 optimizing the YAML parser's functions on its helper threads,
// were ~15 ms of each worker's first run and ~130 ms of helper-thread CPU).
// While it waits for its first task (the main thread is still parsing the data and compiling
// the core), a new worker readies its kept core memory (mapped, every page read once), which its
// first run would otherwise pay inside the sweep.
import { inspect } from 'node:util';
import { prepareCoreMemory } from '../../core/core-memory-cache.js';
import { DataCache, executeRun, type RunResult, type RunTask } from './execute-run.js';
import { adoptSharedRunInputs, type SharedRunInputs } from './shared-run-inputs.js';
import { OneAtATime } from './one-at-a-time.js';

/** What the pool posts for one run. */
export interface PoolTask {
  readonly task: RunTask;
  readonly inputs: SharedRunInputs;
}

const cache = new DataCache();
const turns = new OneAtATime();
let tasksSeen = 0;

setImmediate(() => {
  if (tasksSeen > 0) return;
  try {
    prepareCoreMemory();
  } catch {
    // Only a head start: the first run maps its memory itself and reports its own errors.
  }
});

export default function runTask(message: PoolTask): Promise<RunResult> {
  tasksSeen++;
  return turns.run(() => executeTask(message));
}

async function executeTask({ task, inputs }: PoolTask): Promise<RunResult> {
  try {
    adoptSharedRunInputs(inputs, cache);
    return await executeRun(task, cache, true);
  } catch (error) {
    // A fresh Error with only a message and a stack always crosses back to the pool intact (an
    // error carrying uncloneable properties would arrive as an empty object).
    const out = new Error(error instanceof Error ? `${error.name}: ${error.message}` : `run ${task.index} threw a non-Error value: ${inspect(error, { depth: 4 })}`);
    if (error instanceof Error && error.stack) out.stack = error.stack;
    throw out;
  }
}
