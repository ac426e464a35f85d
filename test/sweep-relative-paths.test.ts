// A sweep's base configuration names its files relative to itself, as `quantflow backtest
// --config FILE` reads them: here a fusion strategy's `regimeModel: regime/btc.json` in a base
// file kept in a temp dir (configs/), a spec in another dir (specs/) naming it `../configs/base.yaml`,
// and the sweep started from a third directory that holds neither. The runs (on the local pool,
// and on a `quantflow worker` process started in yet another directory, through a real
// redis-server on a free loopback port) must find the model: every run finishes, trades, and the
// run whose parameters equal the base gives the same fills, byte for byte, as
// `quantflow backtest --config ../configs/base.yaml` run from that third directory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis, type RedisServer } from '../tools/redis/redis-server.mjs';
import { loadSweepSpec, planSweep, runSweep, sweepIdentity, SweepStore, type RunResult } from '../engine/research/sweep/index.js';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const BTC = path.join(root, 'data', 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');
const REGIME = path.join(root, 'data', 'models', 'btc-1h-regime.json');
const CLI = path.join(root, 'dist', 'engine', 'cli', 'main.js');
const WORKER = path.join(root, 'dist', 'engine', 'research', 'sweep', 'worker-main.js');
const haveRedis = existsSync('/usr/bin/redis-server');
const underCi = process.env.CI === 'true';

let dir: string;
let specFile: string;
/** The cwd the sweep and the backtest start from: neither the base file's directory nor the spec's. */
let elsewhere: string;
let redis: RedisServer | undefined;
let worker: { child: ChildProcess; stderr: string[]; exited: Promise<void> } | undefined;
let poolRuns: RunResult[] = [];

function comparable(result: RunResult): Omit<RunResult, 'runMs' | 'attempts'> {
  const { runMs: _runMs, attempts: _attempts, ...rest } = result;
  return rest;
}

function storedRuns(stateDir: string, id: string): RunResult[] {
  const store = SweepStore.open(stateDir);
  try {
    return store.getRuns(id);
  } finally {
    void store.close();
  }
}

beforeAll(() => {
  for (const built of [CLI, WORKER]) if (!existsSync(built)) throw new Error(`build first: npx tsc -p tsconfig.json (${built} is missing)`);
  dir = mkdtempSync(path.join(tmpdir(), 'quantflow-sweep-paths-'));
  mkdirSync(path.join(dir, 'configs', 'regime'), { recursive: true });
  mkdirSync(path.join(dir, 'specs'));
  elsewhere = path.join(dir, 'elsewhere');
  mkdirSync(elsewhere);
  copyFileSync(REGIME, path.join(dir, 'configs', 'regime', 'btc.json'));
  writeFileSync(path.join(dir, 'configs', 'base.yaml'), [
    'strategies:',
    '  - name: btc-fusion',
    '    type: fusion',
    '    regimeModel: regime/btc.json   # relative to this file',
    '    instruments: [BTCUSDT]',
    'risk:',
    '  maxPositionPct: 1.0',
    '  maxAssetClassPct: 1.0',
    '  replayDefaults: { assetClass: crypto, lotSize: 0.00001 }',
    '',
  ].join('\n'));
  const lines = readFileSync(BTC, 'utf8').split('\n');
  writeFileSync(path.join(dir, 'specs', 'btc-slice.csv'), `${lines.slice(0, 1501).join('\n')}\n`);
  copyFileSync(`${BTC}.meta.json`, path.join(dir, 'specs', 'btc-slice.csv.meta.json'));
  specFile = path.join(dir, 'specs', 'sweep.yaml');
  writeFileSync(specFile, [
    'base: ../configs/base.yaml',
    'data: [btc-slice.csv]',
    // Every bar, as `backtest --config base.yaml` reads them (no final reserve held back).
    'reserve: 0',
    'parameters:',
    '  position: [0.5, 1.0]',
    'set:',
    '  risk.maxPositionPct: "{position}"',
    'search: { method: grid }',
    '',
  ].join('\n'));
  expect(existsSync(path.join(elsewhere, 'regime', 'btc.json')) || existsSync(path.join(root, 'regime', 'btc.json')), 'the model is not found relative to either cwd').toBe(false);
});

afterAll(async () => {
  if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
    process.kill(worker.child.pid!, 'SIGTERM');
    await Promise.race([worker.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (worker.child.exitCode === null && worker.child.signalCode === null) process.kill(worker.child.pid!, 'SIGKILL');
  }
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a sweep's base configuration with a relative regime model", () => {
  it('runs on the local pool from another directory and reads the model next to the base file, as `backtest --config` does', async () => {
    const previous = process.cwd();
    process.chdir(elsewhere);
    let outcome: Awaited<ReturnType<typeof runSweep>>;
    try {
      outcome = await runSweep({ spec: loadSweepSpec(path.relative(elsewhere, specFile)), stateDir: path.join(dir, 'state-pool'), workers: 1 });
    } finally {
      process.chdir(previous);
    }
    expect(outcome.report.runs.failed, `no run failed: ${JSON.stringify(outcome.report.failures)}`).toBe(0);
    expect(outcome.report.runs.finished).toBe(2);
    poolRuns = storedRuns(path.join(dir, 'state-pool'), outcome.id);
    expect(poolRuns.map((r) => r.parameters.position)).toEqual([0.5, 1.0]);
    for (const run of poolRuns) expect(run.fills, `run ${run.index} traded (fusion with the regime model)`).toBeGreaterThan(0);

    const out = path.join(dir, 'out-backtest');
    const backtest = spawnSync(process.execPath, [CLI, 'backtest', '--config', '../configs/base.yaml', '--data', '../specs/btc-slice.csv', '--out', out], { cwd: elsewhere, encoding: 'utf8', timeout: 120_000 });
    expect(backtest.status, `backtest --config from another cwd; stderr:\n${backtest.stderr}`).toBe(0);
    const fillsHash = createHash('sha256').update(readFileSync(path.join(out, 'fills.csv'))).digest('hex');
    expect(poolRuns[1].fillsHash, 'the run equal to the base gives the fills of `backtest --config base.yaml`').toBe(fillsHash);
  });

  it('runs on a worker started in another directory, through Redis, with the same results', async () => {
    if (!haveRedis) {
      if (underCi) throw new Error('CI=true: /usr/bin/redis-server is missing, the queue half of this test cannot run');
      return;
    }
    redis = await startRedis();
    const workerDir = path.join(dir, 'worker-cwd');
    mkdirSync(workerDir);
    const child = spawn(process.execPath, [WORKER, '--queue', redis.url], { cwd: workerDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const entry = { child, stderr: [] as string[], exited: new Promise<void>((resolve) => child.once('exit', () => resolve())) };
    worker = entry;
    child.stderr!.on('data', (chunk: Buffer) => entry.stderr.push(...chunk.toString().split('\n').filter(Boolean)));
    const workerId = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${child.pid} not ready after 60 s; stderr:\n${entry.stderr.join('\n')}`)), 60_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        const line = chunk.toString().split('\n').find((l) => l.startsWith('{'));
        if (!line) return;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { id: string }).id);
      });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`worker exited with ${code} before it was ready; stderr:\n${entry.stderr.join('\n')}`)); });
    });

    // Planned here (cwd: the repository, which has no regime/btc.json either), executed by the worker.
    const outcome = await runSweep({ spec: loadSweepSpec(specFile), stateDir: path.join(dir, 'state-queue'), queue: { url: redis.url, pollMs: 200, backoffMs: 200 } });
    expect(outcome.report.runs.failed, `no run failed: ${JSON.stringify(outcome.report.failures)}; worker stderr:\n${entry.stderr.join('\n')}`).toBe(0);
    expect(outcome.report.runs.finished).toBe(2);
    const queued = storedRuns(path.join(dir, 'state-queue'), outcome.id);
    for (const run of queued) {
      expect(run.attempts?.worker, `run ${run.index} executed by the worker`).toBe(workerId);
      expect(run.fills, `run ${run.index} traded (fusion with the regime model)`).toBeGreaterThan(0);
    }
    expect(poolRuns.length, 'the pool test (above) ran, to compare with').toBe(2);
    expect(queued.map(comparable), 'through the worker equals the local pool, run by run').toEqual(poolRuns.map(comparable));
  });

  it('a regime model fitted again under the same name (base-named or set by the sweep) is another sweep, not a resume of results computed with the old one', () => {
    const copy = path.join(dir, 'identity');
    mkdirSync(path.join(copy, 'regime'), { recursive: true });
    copyFileSync(REGIME, path.join(copy, 'regime', 'btc.json'));
    copyFileSync(REGIME, path.join(copy, 'regime', 'other.json'));
    copyFileSync(path.join(dir, 'configs', 'base.yaml'), path.join(copy, 'base.yaml'));
    const write = (name: string, lines: string[]): string => {
      writeFileSync(path.join(copy, name), [`base: base.yaml`, `data: [${path.join(dir, 'specs', 'btc-slice.csv')}]`, ...lines, ''].join('\n'));
      return path.join(copy, name);
    };
    const baseNamed = write('base-named.yaml', ['parameters:', '  position: [0.5, 1.0]', 'set:', '  risk.maxPositionPct: "{position}"']);
    const setNamed = write('set-named.yaml', ['parameters:', '  model: [btc, other]', 'set:', '  strategies[0].regimeModel: "regime/{model}.json"']);
    const idOf = (file: string): string => {
      const spec = loadSweepSpec(file);
      return sweepIdentity(spec, planSweep(spec)).id;
    };
    const before = [idOf(baseNamed), idOf(setNamed)];
    expect([idOf(baseNamed), idOf(setNamed)], 'nothing changed: the same ids (a re-run resumes)').toEqual(before);
    // Fitted again: the same file name, other parameters.
    const refit = (name: string): void => {
      const model = JSON.parse(readFileSync(path.join(copy, 'regime', name), 'utf8')) as Record<string, unknown>;
      writeFileSync(path.join(copy, 'regime', name), JSON.stringify({ ...model, fittedAgain: true }));
    };
    refit('btc.json');
    const afterBtc = [idOf(baseNamed), idOf(setNamed)];
    expect(afterBtc[0], 'the base names btc.json').not.toBe(before[0]);
    expect(afterBtc[1], 'a run sets btc.json').not.toBe(before[1]);
    refit('other.json');
    expect(idOf(baseNamed), 'no run names other.json').toBe(afterBtc[0]);
    expect(idOf(setNamed), 'a run sets other.json').not.toBe(afterBtc[1]);
  });
});

