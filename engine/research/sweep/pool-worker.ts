// The piscina worker of a one-machine sweep: executes one run per task. Each worker thread holds
// its own data in memory (DataCache, loaded on its first run) and is itself the engine thread of
// its runs (executeRun runs the core inline, over one memory kept across its runs), so runs on
// different workers share nothing but the files they read.
// Whatever a run throws goes back as a plain Error with its message and stack.
import { inspect } from 'node:util';
import { DataCache, executeRun, type RunResult, type RunTask } from './execute-run.js';

const cache = new DataCache();

export default async function runTask(task: RunTask): Promise<RunResult> {
  try {
    return await executeRun(task, cache);
  } catch (error) {
    // A fresh Error with only a message and a stack always crosses back to the pool intact (an
    // error carrying uncloneable properties would arrive as an empty object).
    const out = new Error(error instanceof Error ? `${error.name}: ${error.message}` : `run ${task.index} threw a non-Error value: ${inspect(error, { depth: 4 })}`);
    if (error instanceof Error && error.stack) out.stack = error.stack;
    throw out;
  }
}
