// A regime model is checked against the timeframe of the bars the core builds from ticks
// (`--bar-timeframe` in a tick backtest or paper session) as it is against file bars: the bundled
// 1h model filtering 1m bars built from trades is refused, naming the model file, both timeframes
// and the fixes (a model fitted on 1m bars, or --bar-timeframe 1h); a model fitted on 1m bars
// (`regime fit` on a 1m bar file, in the test) runs, and so does the 1h model on 1h built bars.
// Runs the built CLI (dist/) as a child process on synthetic trades.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPipelineSpec } from '../engine/pipeline/index.js';
import { readRegimeModelFile } from '../engine/regime/index.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'engine', 'cli', 'main.js');
const HOURLY_MODEL = join(root, 'data', 'models', 'btc-1h-regime.json');
const dir = mkdtempSync(join(tmpdir(), 'qf-regime-ticks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function quantflow(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A seeded random walk: `n` prices. */
function walk(n: number, seed: number): number[] {
  let state = seed;
  const random = (): number => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const prices: number[] = [];
  let price = 60_000;
  for (let i = 0; i < n; i++) {
    price *= Math.exp((random() - 0.5) * (i % 600 < 300 ? 0.002 : 0.006));
    prices.push(Math.round(price * 100) / 100);
  }
  return prices;
}

/** Binance trades of BTCUSDT, one every 15 s for `hours` hours. */
function tradesFile(hours: number): string {
  const start = Date.UTC(2024, 0, 1);
  const rows = walk(hours * 240, 11).map((price, i) => `${start + i * 15_000},${i + 1},${price},0.01,${i % 3 === 0 ? 'sell' : 'buy'}`);
  const file = join(dir, 'ticks_BTCUSDT.csv');
  writeFileSync(file, `trade_time_ms,trade_id,price,qty,aggressor_side\n${rows.join('\n')}\n`);
  return file;
}

/** `n` 1m bars of a random walk, open-stamped (its sidecar says so). */
function minuteBars(n: number): string {
  const start = Date.UTC(2023, 11, 1);
  const closes = walk(n, 5);
  let open = closes[0];
  const rows = closes.map((close, i) => {
    const row = `${new Date(start + i * 60_000).toISOString()},${open},${Math.max(open, close) * 1.0005},${Math.min(open, close) * 0.9995},${close},${1 + (i % 9)}`;
    open = close;
    return row;
  });
  const file = join(dir, 'bars_BTCUSDT_1m.csv');
  writeFileSync(file, `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
  writeFileSync(`${file}.meta.json`, JSON.stringify({ barStamp: 'open' }));
  return file;
}

describe('a regime model on bars built from ticks', () => {
  it('is checked against the bar builder\'s timeframe in the pipeline spec', () => {
    const record = readRegimeModelFile(HOURLY_MODEL);
    const built = (timeframe: string, seconds: bigint) => ({ instrument: 0, regimeModel: record, timeframe, barBuilder: { timeframeNs: seconds * 1_000_000_000n, source: 'trades' as const, emptyIntervals: 'skip' as const } });
    expect(() => checkPipelineSpec({ indicators: [], instruments: [built('1m', 60n)] })).toThrow(`regime model ${HOURLY_MODEL} was fitted on 1h bars and instrument 0's bars are 1m bars`);
    expect(() => checkPipelineSpec({ indicators: [], instruments: [built('1h', 3_600n)] })).not.toThrow();
  });

  it('refuses the 1h model on 1m bars built from trades in backtest and paper, naming the model, both timeframes and the fixes', () => {
    const trades = tradesFile(8);
    const message = new RegExp(`^quantflow: regime model ${HOURLY_MODEL.replace(/[.]/g, '\\.')} was fitted on 1h bars and BTCUSDT's bars, built in the core from its trades \\(--bar-timeframe 1m\\), are 1m bars: .*; fit one on 1m bars \\(quantflow regime fit .*\\), or build 1h bars from the ticks \\(--bar-timeframe 1h\\)$`, 'm');
    const backtest = quantflow('backtest', '--data', trades, '--regime-model', HOURLY_MODEL, '--out', join(dir, 'bt-1m'), '--no-run-store');
    expect(backtest.status, backtest.stderr).toBe(2);
    expect(backtest.stderr).toMatch(message);
    const paper = quantflow('paper', '--data', trades, '--regime-model', HOURLY_MODEL, '--no-serve', '--speed', '1000000000', '--run-store', join(dir, 'runs'));
    expect(paper.status, paper.stderr).toBe(2);
    expect(paper.stderr).toMatch(message);

    const hourlyBuilt = quantflow('backtest', '--data', trades, '--regime-model', HOURLY_MODEL, '--bar-timeframe', '1h', '--out', join(dir, 'bt-1h'), '--no-run-store', '--json');
    expect(hourlyBuilt.status, `the 1h model on 1h bars built from the trades runs\n${hourlyBuilt.stderr}`).toBe(0);
  }, 180_000);

  it('runs with a model fitted on 1m bars', () => {
    const model = join(dir, 'btc-1m-regime.json');
    const fit = quantflow('regime', 'fit', '--in', minuteBars(600), '--final', '--state', join(dir, 'research'), '--out', model, '--states', '2', '--restarts', '1');
    expect(fit.status, fit.stderr).toBe(0);
    expect(readRegimeModelFile(model).timeframe).toBe('1m');
    const backtest = quantflow('backtest', '--data', tradesFile(8), '--regime-model', model, '--out', join(dir, 'bt-1m-model'), '--no-run-store', '--json');
    expect(backtest.status, backtest.stderr).toBe(0);
    expect(JSON.parse(backtest.stdout).fillsSha256, 'the run completed with its outputs').toMatch(/^[0-9a-f]{64}$/);
  }, 180_000);
});
