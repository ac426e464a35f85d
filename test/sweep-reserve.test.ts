// `quantflow sweep` holds back the final reserve as walkforward does: its runs read only the bars
// before the reserve (the spec's `reserve`, default 0.2), a later sweep whose smaller reserve
// would read past where earlier research held it back is refused, and `final` reads it and is
// logged and counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSweepSpec, runSweep, SweepStore } from '../engine/research/sweep/index.js';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const ETH = path.join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
let dir: string;

const spec = (reserve: string) => parseSweepSpec([
  `base: ${path.join(root, 'config', 'examples', 'ema-cross.yaml')}`,
  'data: [eth.csv]',
  reserve,
  'parameters:',
  '  fast: [3, 5]',
  'set:',
  '  strategies[0].long.entry: "ema:{fast} >= ema:20"',
  '  strategies[0].long.exit: "ema:{fast} < ema:20"',
  '',
].join('\n'), path.join(dir, 'sweep.yaml'));

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist', 'engine', 'research', 'sweep', 'pool-worker.js'))) throw new Error('build first: npx tsc -p tsconfig.json (the pool runs dist/engine/research/sweep/pool-worker.js)');
  dir = mkdtempSync(path.join(tmpdir(), 'quantflow-sweep-reserve-'));
  const lines = readFileSync(ETH, 'utf8').split('\n');
  // 401 hourly bars: the time range is 400 hours.
  writeFileSync(path.join(dir, 'eth.csv'), `${lines.slice(0, 402).join('\n')}\n`);
  copyFileSync(`${ETH}.meta.json`, path.join(dir, 'eth.csv.meta.json'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('sweep and the final reserve', () => {
  it('runs on the bars before the reserve, refuses a smaller reserve later, and logs --final', async () => {
    const stateDir = path.join(dir, 'state');
    // No `reserve` in the spec: the default 0.2 is held back.
    const held = await runSweep({ spec: spec(''), stateDir, workers: 1 });
    expect(held.report.runs.finished).toBe(2);
    const store = SweepStore.open(stateDir);
    const runs = store.getRuns(held.id);
    await store.close();
    // The reserve is the last 80 of 400 hours: 320 bars before it, 319 returns (not 400).
    for (const run of runs) expect(run.returns.length, `run ${run.index}`).toBe(319);
    expect(held.report.reserve).toMatchObject({ fraction: 0.2, final: false, looks: 0 });

    await expect(runSweep({ spec: spec('reserve: 0.1'), stateDir, workers: 1 }))
      .rejects.toThrow(/this --reserve would read the data from .* which earlier research on it held back as the final reserve .*; give --final/);
    const larger = await runSweep({ spec: spec('reserve: 0.25'), stateDir, workers: 1 });
    expect(larger.report.ranking[0].periods, 'a larger reserve reads less: 300 bars').toBe(299);

    const looked = await runSweep({ spec: spec(''), stateDir, workers: 1, final: true });
    expect(looked.id, '--final is another sweep').not.toBe(held.id);
    expect(looked.report.reserve).toMatchObject({ final: true, looks: 1 });
    expect(looked.report.ranking[0].periods, 'every bar').toBe(400);
    const again = await runSweep({ spec: spec(''), stateDir, workers: 1 });
    expect(again.resumed).toBe(2);
    expect(again.report.reserve?.looks, 'the look is reported later').toBe(1);
  }, 60_000);
});
