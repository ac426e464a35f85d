// `quantflow sweep` on one machine: a seeded random sweep of the EMA cross over a slice of the
// bundled ETH 1h bars gives identical per-run results on 1 worker, on 2 workers and in-process,
// and a re-run of the same sweep id resumes (executes nothing, reports the same ranking).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataCache, executeRun, loadSweepSpec, planSweep, runSweep, sweepTasks, type RunResult } from '../engine/research/sweep/index.js';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const ETH = path.join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
let dir: string;
let specFile: string;

/** Everything a run produced except its wall time and attempts (the only fields that may differ). */
function comparable(result: RunResult): Omit<RunResult, 'runMs' | 'attempts'> {
  const { runMs: _runMs, attempts: _attempts, ...rest } = result;
  return rest;
}

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist', 'engine', 'research', 'sweep', 'pool-worker.js'))) throw new Error('build first: npx tsc -p tsconfig.json (the pool runs dist/engine/research/sweep/pool-worker.js)');
  dir = mkdtempSync(path.join(tmpdir(), 'quantflow-sweep-det-'));
  const lines = readFileSync(ETH, 'utf8').split('\n');
  writeFileSync(path.join(dir, 'eth-slice.csv'), `${lines.slice(0, 1201).join('\n')}\n`);
  copyFileSync(`${ETH}.meta.json`, path.join(dir, 'eth-slice.csv.meta.json'));
  specFile = path.join(dir, 'sweep.yaml');
  writeFileSync(specFile, [
    `base: ${path.join(root, 'config', 'examples', 'ema-cross.yaml')}`,
    'data: [eth-slice.csv]',
    'parameters:',
    '  fast: { min: 3, max: 15, step: 1 }',
    '  slow: { min: 10, max: 60, step: 5 }',
    'set:',
    '  strategies[0].long.entry: "ema:{fast} >= ema:{slow}"',
    '  strategies[0].long.exit: "ema:{fast} < ema:{slow}"',
    'constraints: ["fast < slow"]',
    'search: { method: random, runs: 6, seed: 11 }',
    '',
  ].join('\n'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('sweep determinism on one machine', () => {
  it('gives identical per-run results on 1 worker, on 2 workers and in-process, and resumes by sweep id', async () => {
    const spec = loadSweepSpec(specFile);
    const one = await runSweep({ spec, stateDir: path.join(dir, 'state-1'), workers: 1 });
    const two = await runSweep({ spec, stateDir: path.join(dir, 'state-2'), workers: 2 });
    expect(one.id, 'the id derives from the spec').toBe(two.id);
    expect(one.report.runs.finished, `all runs finished on 1 worker; failures: ${JSON.stringify(one.report.failures)}`).toBe(6);
    expect(two.report.runs.finished, `all runs finished on 2 workers; failures: ${JSON.stringify(two.report.failures)}`).toBe(6);
    const byIndex = (runs: readonly { index: number }[]): number[] => runs.map((r) => r.index).sort((a, b) => a - b);
    expect(byIndex(one.report.ranking)).toEqual([0, 1, 2, 3, 4, 5]);

    const { SweepStore } = await import('../engine/research/sweep/index.js');
    const storeOne = SweepStore.open(path.join(dir, 'state-1'));
    const storeTwo = SweepStore.open(path.join(dir, 'state-2'));
    const runsOne = storeOne.getRuns(one.id);
    const runsTwo = storeTwo.getRuns(two.id);
    await storeOne.close();
    await storeTwo.close();
    expect(runsOne.map(comparable), '1 worker vs 2 workers, run by run').toEqual(runsTwo.map(comparable));
    expect(new Set(runsOne.map((r) => r.fillsHash)).size, 'the parameters change the fills').toBeGreaterThan(1);
    // The spec's default reserve, 0.2 of the 1,199 hours, is held back: 960 bars before it.
    expect(runsOne[0].returns.length, 'one return per bar before the reserve after the first').toBe(959);

    const tasks = sweepTasks(one.id, spec, planSweep(spec), BigInt(one.report.reserve!.startNs));
    const local = await executeRun(tasks[3], new DataCache());
    expect(comparable(local), 'in-process equals the pool').toEqual(comparable(runsOne[3]));

    expect(one.report.ranking.map((r) => [r.index, r.dsr]), 'same ranking').toEqual(two.report.ranking.map((r) => [r.index, r.dsr]));
    const pbo = one.report.pbo;
    expect('pbo' in pbo && pbo.combinations, 'PBO over C(16, 8) combinations').toBe(12870);

    const again = await runSweep({ spec, stateDir: path.join(dir, 'state-2'), workers: 2 });
    expect(again.resumed, 'every run found in the store').toBe(6);
    expect(again.executed, 'nothing re-executed').toBe(0);
    expect(again.report.ranking.map((r) => [r.index, r.dsr]), 'resumed report ranks the same').toEqual(two.report.ranking.map((r) => [r.index, r.dsr]));
  });
});
