// `quantflow sweep --queue` across processes: a real redis-server (tools/redis, a free loopback
// port, no persistence), two worker processes (dist/engine/research/sweep/worker-main.js, what
// `quantflow worker` runs) with a 2 s job lock, a 16-run sweep of the EMA cross on a slice of the
// bundled ETH bars, and one worker killed with SIGKILL mid-run. Every run must complete exactly
// once (one stored result per run index, no duplicate), equal to the same run on the local pool,
// and the report and the status must show the run that stalled and was retried. A run's
// per-period returns travel beside its job (one Redis key of raw float64 bytes, with an
// expiry), not inside BullMQ's return value, and a completed run whose returns expired is
// executed again when the sweep is collected again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startRedis, type RedisServer } from '../tools/redis/redis-server.mjs';
import { Queue } from 'bullmq';
import {
  DEFAULT_QUEUE_NAME, loadSweepSpec, planSweep, queueStatus, redisConnection, returnsKey, RETURNS_TTL_SECONDS, runJobId, runOnQueue, runSweep, sweepTasks, SweepStore, type RunResult,
} from '../engine/research/sweep/index.js';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const ETH = path.join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
const WORKER = path.join(root, 'dist', 'engine', 'research', 'sweep', 'worker-main.js');
const haveRedis = existsSync('/usr/bin/redis-server');

let dir: string;
let specFile: string;
let redis: RedisServer | undefined;
const workers: { child: ChildProcess; stderr: string[]; id?: string; exited: Promise<void> }[] = [];

function comparable(result: RunResult): Omit<RunResult, 'runMs' | 'attempts'> {
  const { runMs: _runMs, attempts: _attempts, ...rest } = result;
  return rest;
}

function startWorker(url: string): Promise<(typeof workers)[number]> {
  const child = spawn(process.execPath, [WORKER, '--queue', url, '--lock-ms', '2000', '--stalled-interval-ms', '1000'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = { child, stderr: [] as string[], id: undefined as string | undefined, exited: new Promise<void>((resolve) => child.once('exit', () => resolve())) };
  workers.push(entry);
  child.stderr!.on('data', (chunk: Buffer) => entry.stderr.push(...chunk.toString().split('\n').filter(Boolean)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${child.pid} not ready after 30 s; stderr:\n${entry.stderr.join('\n')}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      const line = chunk.toString().split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      entry.id = (JSON.parse(line) as { id: string }).id;
      clearTimeout(timer);
      resolve(entry);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready; stderr:\n${entry.stderr.join('\n')}`)));
  });
}

beforeAll(async () => {
  if (!haveRedis) return;
  if (!existsSync(WORKER)) throw new Error(`build first: npx tsc -p tsconfig.json (${WORKER} is missing)`);
  dir = mkdtempSync(path.join(tmpdir(), 'quantflow-sweep-redis-'));
  const lines = readFileSync(ETH, 'utf8').split('\n');
  writeFileSync(path.join(dir, 'eth-slice.csv'), `${lines.slice(0, 1501).join('\n')}\n`);
  copyFileSync(`${ETH}.meta.json`, path.join(dir, 'eth-slice.csv.meta.json'));
  specFile = path.join(dir, 'sweep.yaml');
  writeFileSync(specFile, [
    `base: ${path.join(root, 'config', 'examples', 'ema-cross.yaml')}`,
    'data: [eth-slice.csv]',
    'parameters:',
    '  fast: [5, 8, 10, 12]',
    '  slow: { min: 20, max: 50, step: 10 }',
    'set:',
    '  strategies[0].long.entry: "ema:{fast} >= ema:{slow}"',
    '  strategies[0].long.exit: "ema:{fast} < ema:{slow}"',
    'search: { method: grid }',
    '',
  ].join('\n'));
  redis = await startRedis();
});

afterAll(async () => {
  for (const w of workers) {
    if (w.child.exitCode === null && w.child.signalCode === null) {
      process.kill(w.child.pid!, 'SIGTERM');
      await Promise.race([w.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (w.child.exitCode === null && w.child.signalCode === null) process.kill(w.child.pid!, 'SIGKILL');
    }
  }
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('sweep through Redis with two workers', () => {
  it.skipIf(!haveRedis)('completes every run exactly once after a worker is killed mid-run, equal to the local runs, and reports the retry', async () => {
    const spec = loadSweepSpec(specFile);
    const local = await runSweep({ spec, stateDir: path.join(dir, 'state-local'), workers: 2 });
    expect(local.report.runs.finished, `local sweep finished; failures: ${JSON.stringify(local.report.failures)}`).toBe(16);

    const [victim, survivor] = await Promise.all([startWorker(redis!.url), startWorker(redis!.url)]);
    const sweep = runSweep({ spec, stateDir: path.join(dir, 'state-queue'), queue: { url: redis!.url, pollMs: 500, backoffMs: 200 } });
    // Kill the victim as soon as it logs the start of a run (a run takes hundreds of ms).
    let killedRun: number | undefined;
    for (let waited = 0; waited < 60_000 && killedRun === undefined; waited += 5) {
      const line = victim.stderr.find((l) => / #\d+ \(attempt/.test(l));
      if (line) {
        process.kill(victim.child.pid!, 'SIGKILL');
        killedRun = Number(/ #(\d+) /.exec(line)![1]);
      } else await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(killedRun, `the victim started a run; its stderr:\n${victim.stderr.join('\n')}`).toBeDefined();
    await victim.exited;
    const outcome = await sweep;

    expect(outcome.report.runs.finished, 'every run finished').toBe(16);
    expect(outcome.report.runs.failed, 'no run failed').toBe(0);
    expect(outcome.duplicates, 'no second result for any run').toBe(0);
    const store = SweepStore.open(path.join(dir, 'state-queue'));
    const stored = store.getRuns(outcome.id);
    const events = store.getEvents(outcome.id);
    await store.close();
    expect(stored.map((r) => r.index), 'one stored result per run index').toEqual(Array.from({ length: 16 }, (_, i) => i));
    const localStore = SweepStore.open(path.join(dir, 'state-local'));
    const localRuns = localStore.getRuns(local.id);
    await localStore.close();
    expect(stored.map(comparable), 'through Redis equals the local pool, run by run').toEqual(localRuns.map(comparable));

    const retried = outcome.report.retries.find((r) => r.index === killedRun);
    expect(retried, `the killed run ${killedRun} is in the report's retries: ${JSON.stringify(outcome.report.retries)}`).toBeDefined();
    expect(retried!.stalled, 'moved back once by stalled-job detection').toBeGreaterThanOrEqual(1);
    expect(retried!.started, 'started twice').toBeGreaterThanOrEqual(2);
    expect(retried!.worker, 'finished by the surviving worker').toBe(survivor.id);
    expect(events.some(([index, e]) => index === killedRun && e.kind === 'stalled'), `a stalled event for run ${killedRun}: ${JSON.stringify(events)}`).toBe(true);

    const status = await queueStatus(redis!.url, outcome.id, [killedRun!]);
    expect(status[0].state).toBe('completed');
    expect(status[0].stalled, 'the queue counts the stall').toBeGreaterThanOrEqual(1);
  });
  it.skipIf(!haveRedis)('keeps each run\'s returns out of its job, under a key with an expiry, and re-executes a run whose returns expired', async () => {
    const spec = loadSweepSpec(specFile);
    const plan = planSweep(spec);
    const tasks = sweepTasks('sw-returns-test', spec, { ...plan, runs: plan.runs.slice(0, 4) });
    await startWorker(redis!.url);
    const first = new Map<number, RunResult>();
    const fail = (task: { index: number }, error: Error): never => { throw new Error(`run ${task.index} failed: ${error.message}`); };
    await runOnQueue(tasks, { url: redis!.url, pollMs: 200, onResult: (r) => void first.set(r.index, r), onFailure: fail });
    expect([...first.keys()].sort(), 'every run collected').toEqual([0, 1, 2, 3]);

    const redisClient = await redisConnection(redis!.url);
    const queue = new Queue(DEFAULT_QUEUE_NAME, { connection: redisClient });
    try {
      for (const task of tasks) {
        const jobId = runJobId(task.sweepId, task.index);
        const job = await queue.getJob(jobId);
        const returnvalue = JSON.stringify(job!.returnvalue);
        expect(returnvalue.length, `run ${task.index}: the job's return value stays small (no returns inside): ${returnvalue.slice(0, 200)}`).toBeLessThan(4096);
        const key = returnsKey(DEFAULT_QUEUE_NAME, jobId);
        const bytes = await redisClient.getBuffer(key);
        const expected = first.get(task.index)!.returns;
        expect(bytes?.byteLength, `run ${task.index}: ${key} holds 8 bytes per period`).toBe(expected.length * 8);
        expect(Buffer.compare(bytes!, Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)), `run ${task.index}: the key's bytes are the collected returns`).toBe(0);
        const ttl = await redisClient.ttl(key);
        expect(ttl > 0 && ttl <= RETURNS_TTL_SECONDS, `run ${task.index}: the key expires (ttl ${ttl} s)`).toBe(true);
      }

      // Run 2's returns expire: collecting the sweep again executes run 2 once more and takes the others as they are.
      await redisClient.del(returnsKey(DEFAULT_QUEUE_NAME, runJobId('sw-returns-test', 2)));
      const second = new Map<number, RunResult>();
      const summary = await runOnQueue(tasks, { url: redis!.url, pollMs: 200, onResult: (r) => void second.set(r.index, r), onFailure: fail });
      expect({ enqueued: summary.enqueued, alreadyQueued: summary.alreadyQueued }, 'only the run without returns is queued again').toEqual({ enqueued: 1, alreadyQueued: 3 });
      expect([...second.values()].map(comparable).sort((a, b) => a.index - b.index), 'the same results the second time').toEqual([...first.values()].map(comparable).sort((a, b) => a.index - b.index));
      expect(await redisClient.exists(returnsKey(DEFAULT_QUEUE_NAME, runJobId('sw-returns-test', 2))), 'run 2\'s returns are back').toBe(1);
    } finally {
      await queue.close();
      await redisClient.quit().catch(() => undefined);
    }
  });
});

describe('a queue that cannot be reached', () => {
  const CLI = path.join(root, 'dist', 'engine', 'cli', 'main.js');
  it('refuses at once, naming the URL and the cause, in sweep, sweep --status and worker (no retries, no stacks)', async () => {
    const port = await freePort();
    const url = `redis://user:secret@127.0.0.1:${port}`;
    const state = mkdtempSync(path.join(tmpdir(), 'quantflow-sweep-unreachable-'));
    try {
      const spec = path.join(state, 'sweep.yaml');
      writeFileSync(spec, [`base: ${path.join(root, 'config', 'examples', 'ema-cross.yaml')}`, `data: [${ETH}]`, 'parameters:', '  fast: [5, 8]', 'set:', '  strategies[0].long.entry: "ema:{fast} >= ema:30"', '  strategies[0].long.exit: "ema:{fast} < ema:30"', ''].join('\n'));
      const expected = new RegExp(`cannot reach Redis at redis://user:\\*\\*\\*@127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`);
      const sweep = spawnSync(process.execPath, [CLI, 'sweep', spec, '--state', state, '--queue', url], { encoding: 'utf8', timeout: 60_000 });
      expect(sweep.status, sweep.stderr).toBe(2);
      expect(sweep.stderr).toMatch(expected);
      expect(sweep.stderr, 'one line, no retry noise or stack').not.toMatch(/Unhandled error event|\n\s+at /);
      expect(sweep.stderr, 'the password never printed').not.toContain('secret');
      const id = /sweep (sw-[0-9a-f]+)/.exec(sweep.stderr)?.[1];
      expect(id, sweep.stderr).toBeDefined();
      const status = spawnSync(process.execPath, [CLI, 'sweep', '--status', '--id', id!, '--state', state, '--queue', url], { encoding: 'utf8', timeout: 60_000 });
      expect(status.status, status.stderr).toBe(2);
      expect(status.stderr).toMatch(expected);
      const worker = spawnSync(process.execPath, [CLI, 'worker', '--queue', url], { encoding: 'utf8', timeout: 60_000 });
      expect(worker.status, worker.stderr).toBe(2);
      expect(worker.stderr).toMatch(expected);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  }, 120_000);

  it.skipIf(!haveRedis)('a worker whose Redis goes away says so in one line per cause, not a stack per retry', async () => {
    const own = await startRedis();
    let stopped = false;
    try {
      const worker = await startWorker(own.url);
      await own.stop();
      stopped = true;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const lines = worker.stderr.filter((line) => line.includes('Redis at'));
      expect(lines.length, `stderr:\n${worker.stderr.join('\n')}`).toBeGreaterThanOrEqual(1);
      expect(lines.length, 'one line per change of cause while it retries').toBeLessThanOrEqual(3);
      expect(worker.stderr.join('\n')).not.toMatch(/Unhandled error event|^\s+at /m);
      process.kill(worker.child.pid!, 'SIGKILL');
      await worker.exited;
    } finally {
      if (!stopped) await own.stop();
    }
  }, 60_000);
});
