// A backtest's (and a walkforward's) report.json records the sources it read (a file's absolute path and SHA-256), and
// `montecarlo --perturb` without --data reruns on them: it defaulted to the bundled 1h bars (BTC,
// ETH, SOL), which never reproduce a run made on other data. A recorded file that changed since
// the run is refused, naming it and both hashes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMontecarloCommand, type MontecarloFlags } from '../engine/cli/commands/montecarlo.js';
import { runWalkforwardCommand } from '../engine/cli/commands/walkforward.js';

const root = resolve(import.meta.dirname, '..');
const ETH = join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
const EMA_CROSS = join(root, 'config', 'examples', 'ema-cross.yaml');
const dir = mkdtempSync(join(tmpdir(), 'qf-mc-recorded-'));
const data = join(dir, 'eth.csv');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flags = (over: Partial<MontecarloFlags> = {}): MontecarloFlags => ({
  run: join(dir, 'run'), runs: '20', block: '20', seed: '1', level: '0.95', perturb: true, config: EMA_CROSS, perturbRuns: '2', perturbBy: '0.2', barTimeframe: '1m', ...over,
});

beforeAll(() => {
  copyFileSync(ETH, data);
  copyFileSync(`${ETH}.meta.json`, `${data}.meta.json`);
  const result = spawnSync(process.execPath, [join(root, 'dist', 'engine', 'cli', 'main.js'), 'backtest', '--no-run-store', '--data', data, '--config', EMA_CROSS, '--out', join(dir, 'run'), '--no-progress'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  expect(result.status, result.stderr).toBe(0);
});

describe('montecarlo --perturb on the data a backtest recorded', () => {
  it('report.json records each file source with its SHA-256', () => {
    const report = JSON.parse(readFileSync(join(dir, 'run', 'report.json'), 'utf8')) as { data?: unknown };
    expect(report.data).toEqual([{ source: data, sha256: createHash('sha256').update(readFileSync(data)).digest('hex') }]);
  });

  it('reruns on the recorded sources when --data is not given', async () => {
    const report = await runMontecarloCommand(flags(), () => {});
    expect(report.perturbation?.perRun.length).toBe(2);
  }, 120_000);

  it('refuses a recorded file that changed since the run, naming it and both hashes', async () => {
    appendFileSync(data, '\n');
    await expect(runMontecarloCommand(flags(), () => {})).rejects.toThrow(new RegExp(`^--perturb: the run read ${data.replace(/[.]/g, '\\.')} with SHA-256 [0-9a-f]{64} \\(.*report\\.json data\\[0\\]\\), the file now hashes to [0-9a-f]{64}: it changed since the run; give the run's data with --data$`));
  });
});

describe('walkforward report.json', () => {
  it('records each file source with its SHA-256 under data.files', async () => {
    const out = join(dir, 'wf');
    await runWalkforwardCommand({ data: [ETH], config: EMA_CROSS, train: '6mo', test: '1mo', mode: 'rolling', purge: '0', embargo: '0', reserve: '0.6', state: join(dir, 'state'), equity: '100000', out }, { print: () => undefined, log: () => undefined });
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { data: { files?: unknown } };
    expect(report.data.files).toEqual([{ source: ETH, sha256: createHash('sha256').update(readFileSync(ETH)).digest('hex') }]);
  }, 120_000);
});
