// A sweep from spec to report: plan the runs, open the store under the state directory, skip the
// runs a previous execution of the same sweep id finished (resume), execute the rest on a local
// piscina pool or through the Redis queue, store each result once, then build the report from
// every stored run of the sweep and store it with the spec.
//
// The sweep id defaults to `sw-` + the first 12 hex digits of the SHA-256 of the spec (minus its
// file name), the base configuration merged over the defaults, the planned runs, the bytes of
// each data file and of each regime model the runs name: running the same spec over the same data
// and models again resumes it. An explicit id whose stored spec differs is refused.
//
// The final reserve (the spec's `reserve`, default 0.2: the most recent fraction of the data's
// time range) is held back as walkforward holds it back (engine/research/walkforward): the data
// is loaded here once, the reserve's start is checked against the look log (and recorded once the
// sweep is known to run: its first configuration loads and the store accepts its id)
// under the state directory (ReserveLog: a sweep whose smaller reserve would read past the start
// earlier research held back is refused), and every run reads the records before it only
// (RunTask.dataEndNs). With `final` the runs read everything and the look is logged.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SweepStore, DEFAULT_STATE_DIR } from './sweep-store.js';
import { planSweep, type SweepPlan } from './sweep-plan.js';
import { baseDirectory, loadRunConfig, readBaseDocument, runDocument, type ConfigDocument } from './run-config.js';
import { runOnPool, startPool, defaultWorkerCount } from './pool-executor.js';
import { runOnQueue, type QueueRunSummary } from './queue-executor.js';
import { redactedUrl } from './queue-connection.js';
import { buildSweepReport, type SweepReport } from './sweep-report.js';
import { oneLineError, SweepError, SweepSpecError } from './sweep-errors.js';
import { DataCache, type RunResult, type RunTask } from './execute-run.js';
import { cutReserve } from '../walkforward/research-data.js';
import { ReserveLog } from '../walkforward/reserve-log.js';
import type { SweepReserve } from './sweep-report.js';
import { templateParameters, type SweepSpec } from './sweep-spec.js';

export interface SweepQueueOptions {
  readonly url: string;
  readonly queueName?: string;
  readonly attempts?: number;
  readonly backoffMs?: number;
  readonly pollMs?: number;
}

export interface SweepOptions {
  readonly spec: SweepSpec;
  readonly id?: string;
  /** LMDB state directory (default .quantflow/research). */
  readonly stateDir?: string;
  /** Local pool size (default: the number of cores); ignored with `queue`. */
  readonly workers?: number;
  /** Run through the Redis queue instead of the local pool. */
  readonly queue?: SweepQueueOptions;
  /** Read the final reserve too (each use logged in the state directory's reserve log). */
  readonly final?: boolean;
  /** CSCV blocks for PBO (default 16). */
  readonly partitions?: number;
  log?(line: string): void;
  onRunFinished?(result: RunResult, done: number, total: number): void;
  shouldStop?(): boolean;
}

export interface SweepOutcome {
  readonly id: string;
  readonly plan: SweepPlan;
  readonly report: SweepReport;
  /** Runs found finished in the store before this execution. */
  readonly resumed: number;
  /** Runs this execution finished. */
  readonly executed: number;
  /** Completions dropped because the run was already stored. */
  readonly duplicates: number;
  readonly elapsedMs: number;
  /** A stop request (SIGINT/SIGTERM) ended the execution before every run finished. */
  readonly stoppedEarly: boolean;
  readonly queue?: QueueRunSummary;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  return value;
}

/** The task of every planned run (configuration documents built here, once); `dataEndNs`: the reserve cut (none: every record). */
export function sweepTasks(id: string, spec: SweepSpec, plan: SweepPlan, dataEndNs?: bigint): RunTask[] {
  const base = readBaseDocument(spec.base);
  const configDir = baseDirectory(spec.base);
  return plan.runs.map((run) => ({
    sweepId: id,
    index: run.index,
    parameters: run.parameters,
    config: runDocument(base, spec.set, run.parameters),
    configDir,
    data: spec.data,
    ...(dataEndNs !== undefined ? { dataEndNs: dataEndNs.toString() } : {}),
    equity: spec.equity,
    ...(spec.barTimeframe !== undefined ? { barTimeframe: spec.barTimeframe } : {}),
  }));
}

/**
 * The sweep's id: a hash of the spec, the base configuration, the runs, the bytes of each data
 * file and the bytes of each file the runs' configurations name (a fusion strategy's
 * `regimeModel`, from the base or set by the sweep), so a data file or a regime model changed
 * since (other bars, a model fitted again under the same name) is another sweep, never a resume
 * of stale results. Store and QuestDB sources count by their query.
 */
export function sweepIdentity(spec: SweepSpec, plan: SweepPlan, final = false): { hash: string; id: string } {
  const { file: _file, ...rest } = spec;
  const data = spec.data.map((source) => ({ source, sha256: dataFileSha256(source) }));
  const base = readBaseDocument(spec.base);
  const referenced = referencedFiles(base, spec, plan).map((file) => ({ file, sha256: dataFileSha256(file) }));
  const hash = createHash('sha256').update(JSON.stringify(canonical({ spec: rest, base, runs: plan.runs, data, referenced, ...(final ? { final } : {}) }))).digest('hex');
  return { hash, id: `sw-${hash.slice(0, 12)}` };
}

/** The files the runs' configuration documents name (strategies[].regimeModel), resolved as the worker resolves them, sorted, once each. */
function referencedFiles(base: ConfigDocument, spec: SweepSpec, plan: SweepPlan): string[] {
  const dir = baseDirectory(spec.base);
  const files = new Set<string>();
  const collect = (doc: ConfigDocument): void => {
    const strategies = (doc as { strategies?: unknown }).strategies;
    if (!Array.isArray(strategies)) return;
    for (const strategy of strategies) {
      const file = (strategy as { regimeModel?: unknown } | null)?.regimeModel;
      if (typeof file === 'string' && file !== '') files.add(path.resolve(dir, file));
    }
  };
  collect(base);
  // Only a setting can name another file; without settings every run's document is the base.
  if (spec.set.length > 0) for (const run of plan.runs) collect(runDocument(base, spec.set, run.parameters));
  return [...files].sort();
}

/** The SHA-256 of a file's bytes; null for a store or QuestDB source, or a file that cannot be read (the runs then say why). */
function dataFileSha256(source: string): string | null {
  if (source.startsWith('store:') || source.startsWith('questdb://')) return null;
  try {
    return createHash('sha256').update(readFileSync(source)).digest('hex');
  } catch {
    return null;
  }
}

export async function runSweep(options: SweepOptions): Promise<SweepOutcome> {
  const { spec } = options;
  const started = performance.now();
  if (options.queue && !/^rediss?:\/\//.test(options.queue.url)) throw new SweepError(`\`--queue\` must be a redis:// or rediss:// URL, was ${JSON.stringify(redactedUrl(options.queue.url))}`);
  const plan = planSweep(spec);
  if (plan.runs.length === 0) throw new SweepSpecError(`invalid sweep spec: no run left after the constraints (${plan.skipped.length} combinations skipped)`, 'constraints');
  // A parameter no template sets gives runs whose configurations are the same.
  const templated = new Set(spec.set.flatMap((entry) => templateParameters(entry.template)));
  const unset = spec.parameters.map((p) => p.name).filter((name) => !templated.has(name));
  if (unset.length > 0) options.log?.(`sweep: warning: no \`set\` template names ${unset.map((name) => `{${name}}`).join(', ')}: runs that differ only in ${unset.length === 1 ? 'it' : 'them'} have the same configuration`);
  // Runs on this machine read the data here: a missing file fails them all, so say it now.
  if (!options.queue) {
    for (const source of spec.data) {
      if (!source.startsWith('store:') && !source.startsWith('questdb://') && !existsSync(source)) throw new SweepSpecError(`invalid sweep spec: \`data\` ${source} does not exist`, 'data');
    }
  }
  if (spec.search.method === 'random' && plan.runs.length < spec.search.runs) {
    options.log?.(`sweep: a random search of ${spec.search.runs} runs was asked, the parameter space holds ${plan.runs.length} (after the constraints): every one of them runs`);
  }
  const final = options.final === true;
  const identity = sweepIdentity(spec, plan, final);
  const id = options.id ?? identity.id;
  if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new SweepError(`\`--id\` must use letters, digits, _ . - only, was ${JSON.stringify(id)}`);
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const workers = options.workers ?? defaultWorkerCount();
  // A local sweep's workers start now, so they boot and import their modules while this thread
  // loads the data (the execute phase, reported as executeSeconds, starts here); destroyed
  // unused when the sweep stops before its runs (refused, or every run resumed).
  let executeStarted = performance.now();
  const pool = options.queue ? null : startPool(workers);
  let opened: SweepStore | undefined;
  try {
    const data = new DataCache(Number.MAX_SAFE_INTEGER);
    const { reserve, record } = await checkReserve(spec, data, stateDir, final);
    const tasksAll = sweepTasks(id, spec, plan, final ? undefined : BigInt(reserve.startNs));
    // Fail fast on a configuration the templates break (every run would fail the same way).
    loadRunConfig(tasksAll[0].config, tasksAll[0].configDir, `sweep ${id} run ${tasksAll[0].index} (${spec.base} with the spec's \`set\`)`);
    const store = SweepStore.open(stateDir);
    opened = store;
    const stored = store.getSweep(id);
    if (stored && stored.specHash !== identity.hash) {
      throw new SweepError(`sweep ${id} exists in the store with another spec (hash ${stored.specHash.slice(0, 12)}, this one ${identity.hash.slice(0, 12)}); give another --id`);
    }
    // Only a sweep that runs is logged: a refused one holds no reserve back and is no look.
    await record();
    if (final) options.log?.(`sweep: --final: the reserve from ${reserve.start} is included; looks at this data's reserve: ${reserve.looks} (logged in ${stateDir})`);
    if (!stored) store.putSweep({ id, specHash: identity.hash, spec: { ...spec }, plan, createdAt: new Date().toISOString() });
    const tasks = tasksAll.filter((task) => !store.hasRun(id, task.index));
    const resumed = tasksAll.length - tasks.length;
    if (resumed > 0) options.log?.(`sweep ${id}: resuming, ${resumed} of ${tasksAll.length} runs already finished`);
    const failures: { index: number; message: string }[] = [];
    let executed = 0;
    let duplicates = 0;
    const onResult = async (result: RunResult): Promise<void> => {
      if (await store.putRunOnce(id, result)) {
        executed++;
        options.onRunFinished?.(result, resumed + executed, tasksAll.length);
      } else {
        duplicates++;
        store.addEvent(id, result.index, { kind: 'duplicate', at: new Date().toISOString(), message: `a second result for run ${result.index} was dropped (worker ${result.attempts?.worker ?? 'local'})` });
      }
    };
    const onFailure = (task: RunTask, error: Error): void => {
      failures.push({ index: task.index, message: oneLineError(error.message) });
      store.addEvent(id, task.index, { kind: 'final-failure', at: new Date().toISOString(), message: oneLineError(error.message) });
      options.log?.(`sweep ${id}: run ${task.index} ${JSON.stringify(task.parameters)} failed: ${oneLineError(error.message)}`);
    };
    let queueSummary: QueueRunSummary | undefined;
    let stoppedEarly = false;
    if (tasks.length > 0) {
      if (options.queue) {
        executeStarted = performance.now();
        options.log?.(`sweep ${id}: ${tasks.length} runs to the queue ${options.queue.queueName ?? 'quantflow-sweep'} at ${redactedUrl(options.queue.url)}; start workers with \`quantflow worker --queue ${redactedUrl(options.queue.url)}\``);
        queueSummary = await runOnQueue(tasks, {
          ...options.queue,
          onResult,
          onFailure,
          onEvent: (index, event) => store.addEvent(id, index, event),
          onConnectionError: options.log,
          shouldStop: options.shouldStop,
        });
        duplicates += queueSummary.duplicates;
        stoppedEarly = queueSummary.stoppedEarly;
      } else {
        options.log?.(`sweep ${id}: ${tasks.length} runs on ${workers} local workers`);
        stoppedEarly = (await runOnPool(tasks, { workers, onResult, onFailure, shouldStop: options.shouldStop, cache: data, pool: pool! })).stoppedEarly;
      }
    }
    const executeMs = performance.now() - executeStarted;
    const results = store.getRuns(id);
    const finishedIndices = new Set(results.map((r) => r.index));
    const events = store.getEvents(id);
    // Failures of this execution, plus final failures stored by earlier ones that never finished since.
    const failed = new Map<number, string>();
    for (const [index, event] of events) if (event.kind === 'final-failure' && !finishedIndices.has(index)) failed.set(index, event.message);
    for (const f of failures) if (!finishedIndices.has(f.index)) failed.set(f.index, f.message);
    const report = buildSweepReport({
      id,
      spec,
      plan,
      results,
      failures: [...failed].map(([index, message]) => ({ index, message })),
      events,
      reserve,
      partitions: options.partitions,
      execution: {
        executor: options.queue ? 'queue' : 'pool',
        ...(options.queue ? { queue: redactedUrl(options.queue.url) } : { workers }),
        runsExecuted: executed,
        stoppedEarly,
        resumed,
        duplicatesDropped: duplicates,
        executeSeconds: executeMs / 1000,
        backtestsPerMinute: executed > 0 ? (executed / executeMs) * 60_000 : 0,
        ...(queueSummary ? { stalls: queueSummary.stalls, failedAttempts: queueSummary.failedAttempts } : {}),
      },
    });
    const current = store.getSweep(id)!;
    store.putSweep({ ...current, report, reportAt: report.generatedAt });
    return { id, plan, report, resumed, executed, duplicates, elapsedMs: performance.now() - started, stoppedEarly, ...(queueSummary ? { queue: queueSummary } : {}) };
  } finally {
    await opened?.close();
    await pool?.destroy();
  }
}

/**
 * Loads the sweep's data into `cache`, finds where its final reserve starts and checks that start
 * against the look log (see the header), creating nothing; `record` then holds the reserve back
 * (or, with `final`, logs the look) once the sweep is known to run.
 */
async function checkReserve(spec: SweepSpec, cache: DataCache, stateDir: string, final: boolean): Promise<{ reserve: SweepReserve; record: () => Promise<void> }> {
  let research;
  try {
    research = cutReserve(await cache.streams(spec.data), { reserve: spec.reserve, final });
  } catch (error) {
    throw new SweepSpecError(`invalid sweep spec: \`data\` (${spec.file}) cannot be read: ${(error as Error).message.split('\n')[0]}`, 'data');
  }
  const command = `quantflow sweep ${spec.file}${final ? ' --final' : ''}`;
  const existing = ReserveLog.openExisting(stateDir, 'sweep state');
  let count = 0;
  if (existing !== null) {
    try {
      if (!final) existing.checkHeld(research.identity, research.reserveStartNs);
      count = existing.count(research.identity);
    } finally {
      await existing.close();
    }
  }
  const start = new Date(Number(research.reserveStartNs / 1_000_000n)).toISOString();
  const record = async (): Promise<void> => {
    const reserveLog = ReserveLog.open(stateDir, 'sweep state');
    try {
      if (final) reserveLog.record(research.identity, { time: new Date().toISOString(), command });
      else reserveLog.checkRead(research.identity, research.reserveStartNs, command);
    } finally {
      await reserveLog.close();
    }
  };
  return { reserve: { fraction: spec.reserve, startNs: research.reserveStartNs.toString(), start, final, looks: final ? count + 1 : count }, record };
}
