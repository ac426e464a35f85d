// Sweep benchmark: `quantflow sweep` throughput on one machine and the overhead of the Redis queue.
//
// Workload: a 64-run grid of config/examples/ema-cross.yaml's strategy (fast in {5, 8, 10, 12,
// 15, 20, 25, 30} x slow in {35, 45, ..., 105}, entry `ema:{fast} >= ema:{slow}`) on the bundled
// ETH 1h bars (data/binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv, 17,520 bars; the pool
// legs, like `quantflow sweep`, read the 14,016 before the final reserve, the most recent 20% held
// back by default), each run a full runBacktest (WASM core, simulated venue, recording) plus the
// per-period returns, Sharpe and drawdown a sweep keeps.
//
// Variants:
//   pool 1 worker / pool N workers   runSweep (what `quantflow sweep` runs) on 1 and on
//        availableParallelism() piscina workers, each round into a fresh LMDB state directory.
//        The goal's figure is the sweep's own `backtestsPerMinute` (report.execution, printed by
//        `quantflow sweep`): from creating the pool to the last result stored, so it includes
//        compiling the WASM core once for all workers (before the pool: run-sweep.ts), starting
//        the worker threads (each imports the engine's modules) while the main thread loads the
//        CSV once, checks the reserve and builds the 64 configuration documents, the workers'
//        first runs (JIT warm-up), the structured clone of each result and its LMDB write. Left
//        out of that figure but reported beside it (`whole command`): planning, the sweep id
//        (hashing the data file) and the report (PBO, DSR), which take the same time on 1
//        worker and on N. Goal: N workers >= 1.7x the backtests
//        per minute of 1 worker on 2 cores. (Until this session the pool rounds timed runOnPool
//        alone, leaving out the result store's writes, which users pay on the main thread.)
//   queue overhead   a local redis-server (tools/redis) and ONE worker process
//        (dist/engine/research/sweep/worker-main.js), warmed with one run so its data is loaded;
//        --queue-runs tasks through runOnQueue (enqueue, worker, a small job return value plus
//        the returns as raw float64 under their own Redis key, collected through QueueEvents and
//        one GET), against the same tasks run one after another in-process (executeRun with a
//        warmed DataCache). Overhead per run = (queue wall time - in-process wall time) / runs,
//        and also (queue wall time - the sum of the worker's own run times) / runs, which
//        cancels the run-time noise of a shared machine (the figure the goal is read on).
//        Goal: < 5 ms per run. Worker start is NOT in these rounds (a user starts `quantflow
//        worker` once and sends it many sweeps); it is reported beside them: spawn to the
//        worker's ready line, and the first run through the queue (data load, WASM compile).
//        The store is left out here: it is the same for the pool and the queue.
//   Pool worker start IS in the pool figures (a user's `quantflow sweep` starts its pool each
//        time); `after start-up` reports the rate without it.
// Repetitions: --repeats R (default 3) of each variant, medians. Options: --runs N (default 64,
// the whole grid; fewer: a seeded random N of it), --queue-runs N (default 32, a prefix of the
// grid), --repeats R, --skip-queue, --skip-pool. The queue leg's redis-server is $REDIS_SERVER, else
// /usr/bin/redis-server; without one that leg is reported as not measured and the pool legs run.
// Each pool round also reports the process's CPU time (all its threads) per run and the load
// average when it started: on a shared machine the wall-time ratio moves with other processes'
// load, while CPU per run shows whether N workers do more work per run than 1. Before the pool
// rounds, `machine now` times fixed arithmetic on 1 thread and on N threads at once: the speedup
// any pool could reach on this machine at that moment. `after start-up` is the rate once every
// worker has run once (a secondary figure: the goal is read on the whole timed region).
// `busy ceiling` divides the cores by the cores the 1-worker sweep keeps busy on average (its CPU
// time over the whole command's wall time): V8's GC and compiler threads, the main thread (data,
// core compile, the store) and the start-up already run beside its one worker, so N workers cannot
// gain more than N / that over it, whatever the pool does (Dec 2026: 1.31-1.36 cores busy on 1
// worker, a ceiling of 1.47-1.53x on 2 cores).
//
// Where the time goes (profiled with node --cpu-prof and timers around the phases; 2 vCPU, see
// engine/research/sweep/README.md for the figures): with an engine thread per run,
// EngineHost.start is ~240 of a ~280-330 ms run (the new thread loads ~180 modules, lmdb
// included, before the core starts); the core's own work is ~30 ms and the I/O side ~60-100 ms
// (config load ~10 ms, replay, recording, fills hash). One pool worker therefore already keeps
// ~1.3 cores busy (its thread plus its engine thread), which caps 2 workers at ~1.5x on 2 cores.
// On the queue path, the old base64 returns (187 KB per run, written to the job hash and again to
// the events stream, then JSON-parsed and decoded by the collector) were most of the overhead.
// Since then runs execute with the core inline (no engine thread; ~30 ms CPU per ETH run) over one
// memory kept per worker and reset by a zero-page scan (~5 ms clean, ~12 ms with a run's ~180
// dirty 64 KiB pages: about what a fresh memory costs). Worker start-up was ~0.8-1 s
// CPU per worker (importing ~320 modules; ajv compiling the config schema at import ~270 ms); the
// config validator is now ajv's standalone code generated at build time (engine/config/
// config-validator.ts): importing pool-worker.js fell from ~630 to ~390 ms CPU per worker thread.
// Then (engine/research/sweep/README.md, "Per-run cost ..."): runs load their configuration as a
// parsed document (~13 -> ~1 ms), the main thread loads the CSV and compiles the core once and
// shares them with the workers, the latency histograms take runs of equal values at once, sweep
// runs keep no chart bars, and the store commits asynchronously (the main thread was blocked
// ~19 ms per run in a synchronous LMDB commit, which the pool rounds did not time until they
// timed runSweep): a warm run ~57-68 -> ~27-34 ms CPU.
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../engine/core/package-root.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  DataCache, executeRun, parseSweepSpec, planSweep, runOnQueue, runSweep, sweepTasks, type RunTask, type SweepSpec,
} from '../engine/research/sweep/index.js';
import type { BenchSuite, BenchSuiteOptions } from './main.js';

interface Options { runs: number; queueRuns: number; repeats: number; skipQueue: boolean; skipPool: boolean }

function parseOptions(args: readonly string[]): Options {
  const options: Options = { runs: 64, queueRuns: 32, repeats: 3, skipQueue: false, skipPool: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--runs') options.runs = Number(args[++i]);
    else if (arg === '--queue-runs') options.queueRuns = Number(args[++i]);
    else if (arg === '--repeats') options.repeats = Number(args[++i]);
    else if (arg === '--skip-queue') options.skipQueue = true;
    else if (arg === '--skip-pool') options.skipPool = true;
    else throw new Error(`unknown option ${JSON.stringify(arg)} (sweep takes --runs N, --queue-runs N, --repeats R, --skip-queue, --skip-pool)`);
  }
  for (const [name, value] of Object.entries({ runs: options.runs, queueRuns: options.queueRuns, repeats: options.repeats })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`\`--${name}\` must be an integer >= 1, was ${value}`);
  }
  return options;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** The bench's sweep spec: the 8 x 8 EMA-cross grid, or a seeded random `runs` of it. */
function benchSpec(runs = 64): SweepSpec {
  return parseSweepSpec([
    'base: config/examples/ema-cross.yaml',
    'data: [data/binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv]',
    'parameters:',
    '  fast: [5, 8, 10, 12, 15, 20, 25, 30]',
    '  slow: { min: 35, max: 105, step: 10 }',
    'set:',
    '  strategies[0].long.entry: "ema:{fast} >= ema:{slow}"',
    '  strategies[0].long.exit: "ema:{fast} < ema:{slow}"',
    ...(runs < 64 ? [`search: { method: random, runs: ${runs}, seed: 1 }`] : []),
    '',
  ].join('\n'), path.join(packageRoot(), 'sweep.bench.yaml'));
}

function benchTasks(limit: number, sweepId: string): RunTask[] {
  const spec = benchSpec();
  const plan = planSweep(spec);
  return sweepTasks(sweepId, spec, { ...plan, runs: plan.runs.slice(0, limit) });
}

interface PoolRound { ms: number; commandMs: number; cpuMs: number; load: number; steadyMs: number; runs: number }

/**
 * One `quantflow sweep` on `workers` pool workers into a fresh state directory: the execute
 * phase's wall time as the sweep reports it, the whole command's, and the CPU time of the whole
 * process (every thread: main, pool workers) over the command.
 */
async function timePool(spec: SweepSpec, workers: number): Promise<PoolRound> {
  const load = loadavg()[0];
  const stateDir = mkdtempSync(path.join(tmpdir(), 'quantflow-sweep-bench-'));
  try {
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const finished: number[] = [];
    const outcome = await runSweep({ spec, stateDir, workers, onRunFinished: () => void finished.push(performance.now()) });
    const commandMs = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    const runs = outcome.plan.runs.length;
    if (outcome.executed !== runs || finished.length !== runs) throw new Error(`the sweep finished ${outcome.executed} of ${runs} runs (${outcome.report.failures?.length ?? 0} failed)`);
    const ms = (outcome.report.execution as { executeSeconds: number }).executeSeconds * 1000;
    // From the `workers`-th result (about when every worker has started and run once) to the last.
    const steadyMs = (finished[finished.length - 1] - finished[Math.min(workers, finished.length) - 1]) / Math.max(1, finished.length - workers);
    return { ms, commandMs, cpuMs: (cpu.user + cpu.system) / 1000, load, steadyMs, runs };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

interface QueueRound { queueMs: number; inProcessMs: number; workerRunMs: number }
interface QueueStart { workerReadyMs: number; firstRunMs: number }

type RedisTools = typeof import('../tools/redis/redis-server.mjs');
const redisTools = async (): Promise<RedisTools> => (await import(new URL('../../tools/redis/redis-server.mjs', import.meta.url).href)) as RedisTools;

/** The redis-server the queue leg starts: $REDIS_SERVER, else tools/redis's default (/usr/bin/redis-server). */
async function redisBinary(): Promise<string> {
  return process.env.REDIS_SERVER || (await redisTools()).REDIS_SERVER_BINARY;
}

async function queueRounds(options: Options, binary: string): Promise<{ rounds: QueueRound[]; start: QueueStart }> {
  const worker = path.join(packageRoot(), 'dist', 'engine', 'research', 'sweep', 'worker-main.js');
  if (!existsSync(worker)) throw new Error(`${worker} is missing: npx tsc -p tsconfig.json`);
  const redis = await (await redisTools()).startRedis({ binary });
  const spawned = performance.now();
  const child = spawn(process.execPath, [worker, '--queue', redis.url, '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => { if (chunk.toString().includes('"ready"')) resolve(); });
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    });
    const workerReadyMs = performance.now() - spawned;
    const fail = (task: RunTask, error: Error): never => { throw new Error(`run ${task.index} failed: ${error.message}`); };
    // Warm-up: the worker loads the data once; the in-process cache too.
    const w0 = performance.now();
    await runOnQueue(benchTasks(1, `bench-warm-${process.pid}`), { url: redis.url, pollMs: 1000, onResult: () => undefined, onFailure: fail });
    const firstRunMs = performance.now() - w0;
    const cache = new DataCache();
    await executeRun(benchTasks(1, 'warm')[0], cache);
    const rounds: QueueRound[] = [];
    for (let r = 0; r < options.repeats; r++) {
      const tasks = benchTasks(options.queueRuns, `bench-${process.pid}-${Date.now()}-${r}`);
      let workerRunMs = 0;
      const q0 = performance.now();
      await runOnQueue(tasks, { url: redis.url, pollMs: 1000, onResult: (result) => void (workerRunMs += result.runMs), onFailure: fail });
      const queueMs = performance.now() - q0;
      const p0 = performance.now();
      for (const task of tasks) await executeRun(task, cache);
      const inProcessMs = performance.now() - p0;
      rounds.push({ queueMs, inProcessMs, workerRunMs });
    }
    return { rounds, start: { workerReadyMs, firstRunMs } };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    }
    await redis.stop();
  }
}

/**
 * What the machine gives right now: the same fixed arithmetic on 1 thread, then on `threads`
 * threads at once (no shared data), 3 times, median; the ratio of throughputs bounds any pool's speedup.
 */
async function parallelCeiling(threads: number): Promise<{ threads: number; speedup: number }> {
  const code = "const { parentPort } = require('node:worker_threads'); let x = 0; for (let i = 0; i < 3e8; i++) x = (x * 31 + i) | 0; parentPort.postMessage(x);";
  const time = (n: number): Promise<number> => new Promise((resolve, reject) => {
    const started = performance.now();
    let left = n;
    for (let i = 0; i < n; i++) {
      const worker = new Worker(code, { eval: true });
      worker.once('error', reject);
      worker.once('message', () => { void worker.terminate(); if (--left === 0) resolve(performance.now() - started); });
    }
  });
  const ratios: number[] = [];
  for (let r = 0; r < 3; r++) {
    const one = await time(1);
    ratios.push((threads * one) / (await time(threads)));
  }
  return { threads, speedup: median(ratios) };
}

async function run(suiteOptions: BenchSuiteOptions): Promise<unknown> {
  const options = parseOptions(suiteOptions.args ?? []);
  // Without a redis-server the queue leg cannot run: said up front and in the output, and the
  // pool legs still run (the bench used to fail after them, their figures lost).
  const binary = options.skipQueue ? undefined : await redisBinary();
  const queueSkipped = binary !== undefined && !existsSync(binary)
    ? `not measured: no redis-server at ${binary} (install Debian's redis-server, or set REDIS_SERVER; --skip-queue leaves this leg out)`
    : undefined;
  if (queueSkipped) process.stderr.write(`sweep bench: the queue overhead is ${queueSkipped}\n`);
  const cores = availableParallelism();
  const spec = benchSpec(options.runs);
  const runs = planSweep(spec).runs.length;
  const ceiling = options.skipPool ? undefined : await parallelCeiling(cores);
  const one: PoolRound[] = [];
  const all: PoolRound[] = [];
  for (let r = 0; r < options.repeats && !options.skipPool; r++) {
    one.push(await timePool(spec, 1));
    all.push(await timePool(spec, cores));
  }
  const perMinute = (ms: number): number => (runs / ms) * 60_000;
  const result: Record<string, unknown> = {
    workload: { runs, bars: 17_520, barsBeforeReserve: 14_016, strategy: 'ema-cross grid', repeats: options.repeats, cores, loadAverage1m: loadavg()[0] },
  };
  if (!options.skipPool) {
    const summary = (rounds: readonly PoolRound[]): Record<string, unknown> => ({
      // The execute phase, as `quantflow sweep` reports it (core compile and pool start to the last result stored).
      medianSeconds: median(rounds.map((r) => r.ms)) / 1000,
      backtestsPerMinute: perMinute(median(rounds.map((r) => r.ms))),
      // The whole runSweep: planning, store, execute phase and report.
      commandSeconds: median(rounds.map((r) => r.commandMs)) / 1000,
      // CPU time of every thread of the process per run (over the whole command): what a run costs, whatever the machine's other load.
      cpuMsPerRun: median(rounds.map((r) => r.cpuMs)) / runs,
      // Cores the process kept busy on average over the command (CPU time of every thread / wall).
      busyCores: median(rounds.map((r) => r.cpuMs / r.commandMs)),
      // Not the goal's figure (that includes start-up): backtests/min once every worker has run once.
      steadyBacktestsPerMinute: 60_000 / median(rounds.map((r) => r.steadyMs)),
      rounds: rounds.map((r) => ({ seconds: r.ms / 1000, commandSeconds: r.commandMs / 1000, cpuSeconds: r.cpuMs / 1000, loadAverage1m: r.load })),
    });
    result.pool = {
      machineCeiling: ceiling,
      oneWorker: summary(one),
      allCores: { workers: cores, ...summary(all) },
      speedup: median(one.map((r) => r.ms)) / median(all.map((r) => r.ms)),
      // What the pool can gain at most here: one worker's sweep already keeps busyCores cores
      // busy (the worker, and beside it V8's GC and compiler threads and the main thread). The
      // same runs on more workers need at least the same CPU time, which `cores` cores give in
      // no less than busyCores / cores of the 1-worker time: a speedup of at most cores / busyCores.
      busyCeiling: cores / median(one.map((r) => r.cpuMs / r.commandMs)),
      goal: '>= 1.7x on 2 cores',
    };
  }
  if (queueSkipped) result.queue = { skipped: queueSkipped };
  else if (!options.skipQueue) {
    const { rounds, start } = await queueRounds(options, binary!);
    const n = options.queueRuns;
    result.queue = {
      runs: n,
      // Worker start, outside the timed rounds (a user starts `quantflow worker` once for many sweeps):
      // spawn to the worker's ready line, and the first run through the queue (data load, WASM compile).
      workerStart: { readyMs: start.workerReadyMs, firstRunMs: start.firstRunMs },
      queueSeconds: median(rounds.map((r) => r.queueMs)) / 1000,
      inProcessSeconds: median(rounds.map((r) => r.inProcessMs)) / 1000,
      overheadMsPerRun: median(rounds.map((r) => (r.queueMs - r.inProcessMs) / n)),
      overheadMsPerRunOverWorkerTime: median(rounds.map((r) => (r.queueMs - r.workerRunMs) / n)),
      rounds: rounds.map((r) => ({ queueMs: r.queueMs, inProcessMs: r.inProcessMs, workerRunMs: r.workerRunMs })),
      goal: '< 5 ms per run',
    };
  }
  if (suiteOptions.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result;
  }
  const lines = [`sweep: ${runs} runs of the EMA cross on ETH 1h bars (14,016 of 17,520: the default 20% reserve held back), ${options.repeats} repeats (medians), ${cores} cores, load ${loadavg()[0].toFixed(2)}`];
  if (result.pool) {
    interface Variant { medianSeconds: number; commandSeconds: number; backtestsPerMinute: number; cpuMsPerRun: number; busyCores: number; steadyBacktestsPerMinute: number }
    const pool = result.pool as { machineCeiling: { threads: number; speedup: number }; oneWorker: Variant; allCores: Variant & { workers: number }; speedup: number; busyCeiling: number };
    lines.push(
      `  machine now         ${pool.machineCeiling.speedup.toFixed(2)}x for ${pool.machineCeiling.threads} threads of pure arithmetic (the ceiling of any pool here)`,
      `  pool 1 worker       ${pool.oneWorker.medianSeconds.toFixed(2)} s  ${pool.oneWorker.backtestsPerMinute.toFixed(1)} backtests/min  (${pool.oneWorker.cpuMsPerRun.toFixed(1)} ms CPU/run, ${pool.oneWorker.busyCores.toFixed(2)} cores busy; whole command ${pool.oneWorker.commandSeconds.toFixed(2)} s)`,
      `  pool ${String(pool.allCores.workers).padEnd(2)} workers     ${pool.allCores.medianSeconds.toFixed(2)} s  ${pool.allCores.backtestsPerMinute.toFixed(1)} backtests/min  (${pool.allCores.cpuMsPerRun.toFixed(1)} ms CPU/run, ${pool.allCores.busyCores.toFixed(2)} cores busy; whole command ${pool.allCores.commandSeconds.toFixed(2)} s; ${pool.speedup.toFixed(2)}x; goal >= 1.7x on 2 cores)`,
      `  busy ceiling        ${pool.busyCeiling.toFixed(2)}x = ${pool.allCores.workers} cores / ${pool.oneWorker.busyCores.toFixed(2)} cores the 1-worker sweep keeps busy (its worker, V8's GC and compiler threads, the main thread): about the most ${pool.allCores.workers} workers can gain here (the same runs need at least the same CPU)`,
      `  after start-up      ${pool.oneWorker.steadyBacktestsPerMinute.toFixed(0)} vs ${pool.allCores.steadyBacktestsPerMinute.toFixed(0)} backtests/min (1 vs ${pool.allCores.workers} workers, once each worker ran once; not the goal's figure)`,
    );
  }
  if (queueSkipped) lines.push(`  queue overhead      ${queueSkipped}`);
  else if (result.queue) {
    const q = result.queue as { runs: number; queueSeconds: number; inProcessSeconds: number; overheadMsPerRun: number; overheadMsPerRunOverWorkerTime: number; workerStart: { readyMs: number; firstRunMs: number } };
    lines.push(
      `  queue worker start  ${q.workerStart.readyMs.toFixed(0)} ms spawn to ready, first run ${q.workerStart.firstRunMs.toFixed(0)} ms (not in the rounds below)`,
      `  queue, 1 worker     ${q.queueSeconds.toFixed(2)} s for ${q.runs} runs vs ${q.inProcessSeconds.toFixed(2)} s in-process`,
      `  queue overhead      ${q.overheadMsPerRun.toFixed(2)} ms/run vs in-process, ${q.overheadMsPerRunOverWorkerTime.toFixed(2)} ms/run over the worker's own run time (goal < 5 ms)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return result;
}

export const sweepSuite: BenchSuite = {
  name: 'sweep',
  description: 'sweep backtests/min on 1 worker vs all cores (64 EMA-cross runs on ETH 1h), and the Redis queue overhead per run',
  run,
};
