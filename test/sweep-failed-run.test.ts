// A sweep run that fails is reported with its whole reason on one line: the report's failures,
// the stored event and the log kept only the first line of the error, and a ConfigError's first
// line is "invalid configuration:" (what was invalid came on the next line).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLineError, parseSweepSpec, runSweep } from '../engine/research/sweep/index.js';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const ETH = path.join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
let dir: string;

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist', 'engine', 'research', 'sweep', 'pool-worker.js'))) throw new Error('build first: npx tsc -p tsconfig.json (the pool runs dist/engine/research/sweep/pool-worker.js)');
  dir = mkdtempSync(path.join(tmpdir(), 'quantflow-sweep-failed-'));
  writeFileSync(path.join(dir, 'eth.csv'), `${readFileSync(ETH, 'utf8').split('\n').slice(0, 301).join('\n')}\n`);
  copyFileSync(`${ETH}.meta.json`, path.join(dir, 'eth.csv.meta.json'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a failed sweep run', () => {
  it('keeps the whole reason of the failure, on one line, in the report and the log', async () => {
    const spec = parseSweepSpec([
      `base: ${path.join(root, 'config', 'examples', 'ema-cross.yaml')}`,
      'data: [eth.csv]',
      'parameters:',
      '  fast: [5, 0]',
      'set:',
      '  strategies[0].long.entry: "ema:{fast} >= ema:20"',
      '',
    ].join('\n'), path.join(dir, 'sweep.yaml'));
    const lines: string[] = [];
    const outcome = await runSweep({ spec, stateDir: path.join(dir, 'state'), workers: 1, log: (line) => void lines.push(line) });
    expect(outcome.report.runs).toMatchObject({ finished: 1, failed: 1 });
    const [failure] = outcome.report.failures;
    expect(failure.index).toBe(1);
    expect(failure.message).toMatch(/invalid configuration: `strategies\[0\]\.long\.entry` "ema:0 >= ema:20": .*parameter `period` of `ema` must be an integer/);
    expect(failure.message).not.toContain('\n');
    expect(lines.find((line) => line.includes('run 1 {"fast":0} failed'))).toMatch(/parameter `period` of `ema`/);
  }, 60_000);

  it('stops a stack at its first frame', () => {
    expect(oneLineError('ConfigError: invalid configuration:\n  `a` must be 1\n    at load (x.js:1:2)\n    at run (y.js:3:4)')).toBe('ConfigError: invalid configuration: `a` must be 1');
  });
});
