// Public API of engine/research/sweep: parameter sweeps of a backtest configuration, across the
// cores of one machine (a piscina pool) or across machines (a BullMQ queue on Redis served by
// `quantflow worker` processes), with results in an LMDB store (resumable by sweep id) and a
// report that ranks runs by Deflated Sharpe Ratio, gives the sweep's PBO (CSCV) and the best
// run's parameter stability.
export { loadSweepSpec, parseSweepSpec, MAX_RUNS, type SweepSpec, type SweepParameter, type SweepSetting, type SweepSearch, type ParameterDomain } from './sweep-spec.js';
export { planSweep, seededRandom, type SweepPlan, type PlannedRun, type SkippedCombination } from './sweep-plan.js';
export { compileConstraint, type Parameters, type ParameterValue } from './constraint-expression.js';
export { parseKeyPath, renderKeyPath, setAtPath } from './key-path.js';
export { readBaseDocument, baseDirectory, runDocument, fillTemplate, loadRunConfig, type ConfigDocument } from './run-config.js';
export { executeRun, DataCache, encodeRunResult, decodeRunResult, type RunTask, type RunResult, type RunAttempts, type EncodedRunResult } from './execute-run.js';
export { runOnPool, startPool, defaultWorkerCount, poolWorkerFile, type PoolOptions, type SweepPool } from './pool-executor.js';
export { runOnQueue, queueStatus, type QueueRunOptions, type QueueRunSummary, type QueuedRunStatus } from './queue-executor.js';
export { startQueueWorker, type QueueWorkerOptions, type QueueWorkerHandle } from './queue-worker.js';
export { runWorkerCli, type WorkerCliFlags } from './worker-main.js';
export { DEFAULT_QUEUE_NAME, redisConnection, runJobId } from './queue-connection.js';
export { returnsKey, RETURNS_TTL_SECONDS, type QueuedRunResult } from './queued-returns.js';
export { SweepStore, DEFAULT_STATE_DIR, type StoredSweep, type RunEvent } from './sweep-store.js';
export { buildSweepReport, writeSweepReport, summariseSweepReport, runsCsv, type SweepReport, type RankedRun, type Neighbour } from './sweep-report.js';
export { runSweep, sweepTasks, sweepIdentity, type SweepOptions, type SweepOutcome, type SweepQueueOptions } from './run-sweep.js';
export { SweepSpecError, SweepError, oneLineError } from './sweep-errors.js';
