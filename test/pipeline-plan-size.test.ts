// An indicator plan's state must fit the core once per instrument of the run (instrument i
// computes in indicator slot i). A plan the core cannot hold for every instrument is refused
// when the run is planned, naming the sizes, not when the engine thread configures its core
// ("engine thread failed to start", a stack trace, exit as an internal error).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCsvStream } from '../adapters/files/index.js';
import { BacktestSetupError, runBacktest } from '../engine/backtest/index.js';
import { loadConfig } from '../engine/config/index.js';
import { packageRoot } from '../engine/core/package-root.js';
import { planPipeline } from '../engine/pipeline/index.js';

const SIXTEEN_MIB_PLAN = ['sma:1048576', 'wma:1048576'];
const ROOM = /the indicator plan needs 16\.0 MiB of state per instrument and the core holds 31\.4 MiB, room for 1 instrument\(s\); the run has 3: use shorter periods or fewer instruments/;

describe('indicator plan size against the run\'s instruments', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qf-plan-size-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('planPipeline refuses a plan that fits one instrument for a run of three, and takes it for one', () => {
    const spec = (n: number) => ({ indicators: SIXTEEN_MIB_PLAN, instruments: Array.from({ length: n }, (_, instrument) => ({ instrument, timeframe: '1h' })) });
    expect(planPipeline(spec(1)).plan.columns.map((c) => c.name), 'one instrument fits').toEqual(SIXTEEN_MIB_PLAN);
    expect(() => planPipeline(spec(3))).toThrow(ROOM);
  });

  it('a backtest of three instruments whose rule strategy reads such a plan fails as a setup error before its engine starts', async () => {
    const configFile = path.join(dir, 'big.yaml');
    writeFileSync(configFile, 'strategies:\n  - name: big\n    type: rules\n    long: { entry: "sma:1048576 < wma:1048576", exit: "close < 1" }\n    size: { quantity: 1 }\n');
    const config = loadConfig({ configFile, env: {} });
    const files = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'].map((s) => path.join(packageRoot(), 'data', `binance_spot_${s}_1h_2024-04-16_2026-04-16.csv`));
    const streams = await Promise.all(files.map((f) => openCsvStream(f)));
    const run = runBacktest({ streams, config, equity: 100_000 });
    await expect(run).rejects.toBeInstanceOf(BacktestSetupError);
    await expect(run).rejects.toThrow(ROOM);
  });
});
