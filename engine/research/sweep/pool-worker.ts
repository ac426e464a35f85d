// The piscina worker of a one-machine sweep: executes one run per task. Each worker thread holds
// its own data in memory (DataCache, loaded on its first run) and starts its own engine thread
// per run (runBacktest), so runs on different workers share nothing but the files they read.
import { DataCache, executeRun, type RunResult, type RunTask } from './execute-run.js';

const cache = new DataCache();

export default async function runTask(task: RunTask): Promise<RunResult> {
  return executeRun(task, cache);
}
