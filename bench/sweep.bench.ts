// Sweep benchmark: `quantflow sweep` throughput on one machine and the overhead of the Redis queue.
//
// Workload: a 64-run grid of config/examples/ema-cross.yaml's strategy (fast in {5, 8, 10, 12,
// 15, 20, 25, 30} x slow in {35, 45, ..., 105}, entry `ema:{fast} >= ema:{slow}`) on the bundled
// ETH 1h bars (data/binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv, 17,520 bars), each run a
// full runBacktest (its own engine thread, WASM core, simulated venue, recording) plus the
// per-period returns, Sharpe and drawdown a sweep keeps.
//
// Variants:
//   pool 1 worker / pool N workers   runOnPool over the 64 tasks with 1 and availableParallelism()
//        piscina workers. Timed region: from creating the pool to the last result, so it includes
//        starting the worker threads, each worker reading the CSV into memory once (first run),
//        one engine thread per run, and the structured clone of each result; left out: planning,
//        building the 64 configuration documents, the LMDB store and the report. Goal: N workers
//        >= 1.7x the backtests per minute of 1 worker on 2 cores.
//   queue overhead   a local redis-server (tools/redis) and ONE worker process
//        (dist/engine/research/sweep/worker-main.js), warmed with one run so its data is loaded;
//        --queue-runs tasks through runOnQueue (enqueue, worker, result with the returns as
//        base64, collected through QueueEvents), against the same tasks run one after another
//        in-process (executeRun with a warmed DataCache). Overhead per run =
//        (queue wall time - in-process wall time) / runs, and also
//        (queue wall time - the sum of the worker's own run times) / runs, which cancels the
//        run-time noise of a shared machine. Goal: < 5 ms per run.
// Repetitions: --repeats R (default 3) of each variant, medians. Options: --runs N (default 64,
// a prefix of the grid), --queue-runs N (default 32), --repeats R, --skip-queue.
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { packageRoot } from '../engine/core/package-root.js';
import {
  DataCache, executeRun, parseSweepSpec, planSweep, runOnPool, runOnQueue, sweepTasks, type RunTask,
} from '../engine/research/sweep/index.js';
import type { BenchSuite, BenchSuiteOptions } from './main.js';

interface Options { runs: number; queueRuns: number; repeats: number; skipQueue: boolean }

function parseOptions(args: readonly string[]): Options {
  const options: Options = { runs: 64, queueRuns: 32, repeats: 3, skipQueue: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--runs') options.runs = Number(args[++i]);
    else if (arg === '--queue-runs') options.queueRuns = Number(args[++i]);
    else if (arg === '--repeats') options.repeats = Number(args[++i]);
    else if (arg === '--skip-queue') options.skipQueue = true;
    else throw new Error(`unknown option ${JSON.stringify(arg)} (sweep takes --runs N, --queue-runs N, --repeats R, --skip-queue)`);
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

function benchTasks(limit: number, sweepId: string): RunTask[] {
  const root = packageRoot();
  const spec = parseSweepSpec([
    'base: config/examples/ema-cross.yaml',
    'data: [data/binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv]',
    'parameters:',
    '  fast: [5, 8, 10, 12, 15, 20, 25, 30]',
    '  slow: { min: 35, max: 105, step: 10 }',
    'set:',
    '  strategies[0].long.entry: "ema:{fast} >= ema:{slow}"',
    '  strategies[0].long.exit: "ema:{fast} < ema:{slow}"',
    '',
  ].join('\n'), path.join(root, 'sweep.bench.yaml'));
  const plan = planSweep(spec);
  return sweepTasks(sweepId, spec, { ...plan, runs: plan.runs.slice(0, limit) });
}

async function timePool(tasks: readonly RunTask[], workers: number): Promise<number> {
  const started = performance.now();
  let done = 0;
  await runOnPool(tasks, { workers, onResult: () => void done++, onFailure: (task, error) => { throw new Error(`run ${task.index} failed: ${error.message}`); } });
  if (done !== tasks.length) throw new Error(`pool finished ${done} of ${tasks.length} runs`);
  return performance.now() - started;
}

interface QueueRound { queueMs: number; inProcessMs: number; workerRunMs: number }

async function queueRounds(options: Options): Promise<QueueRound[]> {
  const worker = path.join(packageRoot(), 'dist', 'engine', 'research', 'sweep', 'worker-main.js');
  if (!existsSync(worker)) throw new Error(`${worker} is missing: npx tsc -p tsconfig.json`);
  const { startRedis } = (await import(new URL('../../tools/redis/redis-server.mjs', import.meta.url).href)) as typeof import('../tools/redis/redis-server.mjs');
  const redis = await startRedis();
  const child = spawn(process.execPath, [worker, '--queue', redis.url, '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => { if (chunk.toString().includes('"ready"')) resolve(); });
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    });
    const fail = (task: RunTask, error: Error): never => { throw new Error(`run ${task.index} failed: ${error.message}`); };
    // Warm-up: the worker loads the data once; the in-process cache too.
    await runOnQueue(benchTasks(1, `bench-warm-${process.pid}`), { url: redis.url, pollMs: 1000, onResult: () => undefined, onFailure: fail });
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
    return rounds;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    }
    await redis.stop();
  }
}

async function run(suiteOptions: BenchSuiteOptions): Promise<unknown> {
  const options = parseOptions(suiteOptions.args ?? []);
  const cores = availableParallelism();
  const tasks = benchTasks(options.runs, 'bench-pool');
  const one: number[] = [];
  const all: number[] = [];
  for (let r = 0; r < options.repeats; r++) {
    one.push(await timePool(tasks, 1));
    all.push(await timePool(tasks, cores));
  }
  const perMinute = (ms: number): number => (tasks.length / ms) * 60_000;
  const result: Record<string, unknown> = {
    workload: { runs: tasks.length, bars: 17_520, strategy: 'ema-cross grid', repeats: options.repeats, cores, loadAverage1m: loadavg()[0] },
    pool: {
      oneWorker: { medianSeconds: median(one) / 1000, backtestsPerMinute: perMinute(median(one)), rounds: one.map((ms) => ms / 1000) },
      allCores: { workers: cores, medianSeconds: median(all) / 1000, backtestsPerMinute: perMinute(median(all)), rounds: all.map((ms) => ms / 1000) },
      speedup: median(one) / median(all),
      goal: '>= 1.7x on 2 cores',
    },
  };
  if (!options.skipQueue) {
    const rounds = await queueRounds(options);
    const n = options.queueRuns;
    result.queue = {
      runs: n,
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
  const pool = result.pool as { oneWorker: { medianSeconds: number; backtestsPerMinute: number }; allCores: { workers: number; medianSeconds: number; backtestsPerMinute: number }; speedup: number };
  const lines = [
    `sweep: ${tasks.length} runs of the EMA cross on 17,520 ETH 1h bars, ${options.repeats} repeats (medians), ${cores} cores, load ${loadavg()[0].toFixed(2)}`,
    `  pool 1 worker       ${pool.oneWorker.medianSeconds.toFixed(2)} s  ${pool.oneWorker.backtestsPerMinute.toFixed(1)} backtests/min`,
    `  pool ${String(pool.allCores.workers).padEnd(2)} workers     ${pool.allCores.medianSeconds.toFixed(2)} s  ${pool.allCores.backtestsPerMinute.toFixed(1)} backtests/min  (${pool.speedup.toFixed(2)}x; goal >= 1.7x on 2 cores)`,
  ];
  if (result.queue) {
    const q = result.queue as { runs: number; queueSeconds: number; inProcessSeconds: number; overheadMsPerRun: number; overheadMsPerRunOverWorkerTime: number };
    lines.push(
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
