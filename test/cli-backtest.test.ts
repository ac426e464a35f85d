// `quantflow backtest`, `import` and `data ls` as a user runs them (compiled dist/, a real
// process): outputs and their columns, the fills hash printed and equal between runs and
// between sources (CSV file vs the LMDB store), ticks from the shared data, and bad input
// rejected with messages that name the file, key or source.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData, sharedDataPath, skipWithout } from './peers.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'engine', 'cli', 'main.js');
const ETH = join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
const EMA_CROSS = join(root, 'config', 'examples', 'ema-cross.yaml');
const BTC_TRADES = 'crypto_trades/binance_spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.csv';
const BTC_QUOTES = 'crypto_quotes/binance_spot_BTCUSDT_bookticker_L1_2024-08-08T2354_2024-08-09T0005.csv';
const IBM_TRADES = 'equity_ticks/lean_IBM_trade_ticks_2013-10-07_2013-10-11.csv';

function run(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function tickConfig(dir: string): string {
  const file = join(dir, 'ticks.yaml');
  writeFileSync(file, [
    'strategies:',
    '  - { name: fast-cross, type: rules, long: { entry: "ema:5 >= ema:12", exit: "ema:5 < ema:12" }, size: { quantity: 0.01 } }',
    'execution: { noTradeBand: { equityPct: 0, positionPct: 0 }, confirmBars: 1 }',
    'risk: { maxPositionPct: 1.0, maxAssetClassPct: 1.0, replayDefaults: { assetClass: crypto, lotSize: 0.00001 } }',
    'venue: { mode: ticks }',
  ].join('\n'));
  return file;
}

describe('quantflow backtest on bars', () => {
  it('writes the five outputs, prints the fills hash, and gives the same fills twice', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-bt-'));
    const first = run(['backtest', '--no-run-store', '--data', ETH, '--config', EMA_CROSS, '--out', join(dir, 'a'), '--json']);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    for (const name of ['report.json', 'fills.csv', 'trades.csv', 'equity.csv', 'report.html']) expect(existsSync(join(dir, 'a', name)), name).toBe(true);
    expect(summary.fillsSha256).toBe(sha256(join(dir, 'a', 'fills.csv')));
    expect(summary.fills).toBeGreaterThan(100);
    expect(readFileSync(join(dir, 'a', 'fills.csv'), 'utf8').split('\n')[0]).toBe('time,instrument,side,quantity,price,fee,order_id');
    expect(readFileSync(join(dir, 'a', 'trades.csv'), 'utf8').split('\n')[0]).toBe('entry_time,exit_time,instrument,side,quantity,entry_price,exit_price,pnl,fees');
    expect(readFileSync(join(dir, 'a', 'equity.csv'), 'utf8').split('\n')[0]).toBe('time,equity,cash');
    const report = JSON.parse(readFileSync(join(dir, 'a', 'report.json'), 'utf8'));
    expect(Object.keys(report.byStrategy)).toEqual(['ema-cross']);
    expect(Object.keys(report.byInstrument)).toEqual(['ETHUSDT']);
    const second = run(['backtest', '--no-run-store', '--data', ETH, '--config', EMA_CROSS, '--out', join(dir, 'b')]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`fills sha256 ${summary.fillsSha256}`);
    expect(second.stdout).toMatch(/events through the engine thread in .* events\/s/);
  });

  it('warns when the data is shorter than the strategy\'s warm-up (no bar had every input), and not when it is long enough', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-bt-warmup-'));
    const lines = readFileSync(ETH, 'utf8').split('\n');
    for (const [name, bars] of [['short', 19], ['enough', 20]] as const) {
      const file = join(dir, `${name}_ETHUSDT.csv`);
      writeFileSync(file, `${lines.slice(0, bars + 1).join('\n')}\n`);
      copyFileSync(`${ETH}.meta.json`, `${file}.meta.json`);
      const out = run(['backtest', '--no-run-store', '--data', file, '--config', EMA_CROSS, '--out', join(dir, name), '--json']);
      expect(out.code, out.stderr).toBe(0);
      const expected = name === 'short' ? [{ symbol: 'ETHUSDT', bars: 19, warmupBars: 20, token: 'ema:20' }] : [];
      expect(JSON.parse(out.stdout).warmupShortfalls, name).toEqual(expected);
    }
    const text = run(['backtest', '--no-run-store', '--data', join(dir, 'short_ETHUSDT.csv'), '--config', EMA_CROSS, '--out', join(dir, 'text')]);
    expect(text.stdout).toContain('warning: ETHUSDT had 19 bars, fewer than the 20 its strategy\'s indicators need before all have a value (ema:20)');
  });

  it('runs a rule strategy over the bar\'s own fields only (no indicator token)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-bt-fields-'));
    const config = join(dir, 'candle.yaml');
    writeFileSync(config, [
      'strategies:',
      '  - { name: candle, type: rules, long: { entry: "close > open", exit: "close < open" }, size: { quantity: 1 } }',
      'execution: { noTradeBand: { equityPct: 0, positionPct: 0 }, confirmBars: 1 }',
      'risk: { maxPositionPct: 1.0, maxAssetClassPct: 1.0, replayDefaults: { assetClass: crypto, lotSize: 0.001 } }',
      'venue: { mode: bars }',
    ].join('\n'));
    const out = run(['backtest', '--no-run-store', '--data', ETH, '--config', config, '--out', join(dir, 'out'), '--json']);
    expect(out.code, out.stderr).toBe(0);
    const summary = JSON.parse(out.stdout);
    expect(summary.fills).toBeGreaterThan(1000);
    expect(summary.warmupShortfalls).toEqual([]);
  });

  it('rejects a bar file that does not state what its time stamps, a bad rule and an unknown store', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-bt-bad-'));
    const bare = join(dir, 'ETHUSDT_1h.csv');
    copyFileSync(ETH, bare);
    const noStamp = run(['backtest', '--no-run-store', '--data', bare, '--config', EMA_CROSS, '--out', join(dir, 'o')]);
    expect(noStamp.code).toBe(2);
    expect(noStamp.stderr).toContain(bare);
    expect(noStamp.stderr).toMatch(/bar-stamp/);
    const stamped = run(['backtest', '--no-run-store', '--data', bare, '--bar-stamp', 'open', '--config', EMA_CROSS, '--out', join(dir, 'o')]);
    expect(stamped.code, stamped.stderr).toBe(0);
    const badRule = join(dir, 'bad.yaml');
    writeFileSync(badRule, 'strategies:\n  - { name: x, type: rules, long: { entry: "ema:10 >> ema:20", exit: "ema:10 < ema:20" }, size: { quantity: 1 } }\n');
    const rule = run(['backtest', '--no-run-store', '--data', ETH, '--config', badRule, '--out', join(dir, 'o')]);
    expect(rule.code).toBe(2);
    expect(rule.stderr).toContain('strategies[0].long.entry');
    const store = run(['backtest', '--no-run-store', '--data', `store:${join(dir, 'nowhere')}`, '--config', EMA_CROSS, '--out', join(dir, 'o')]);
    expect(store.code).toBe(2);
    expect(store.stderr).toContain('nowhere');
    expect(store.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it('reads the configuration\'s data sources, with their column mapping, when --data is not given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-bt-config-data-'));
    const renamed = join(dir, 'eth_hourly.csv');
    writeFileSync(renamed, readFileSync(ETH, 'utf8').replace(/^timestamp,/, 'opened_at,'));
    const config = join(dir, 'with-data.yaml');
    writeFileSync(config, `${readFileSync(EMA_CROSS, 'utf8')}\ndata:\n  - { path: eth_hourly.csv, symbol: ETHUSDT, timeColumn: opened_at, barStamp: open }\n`);
    const fromConfig = run(['backtest', '--no-run-store', '--config', config, '--out', join(dir, 'a'), '--json']);
    expect(fromConfig.code, fromConfig.stderr).toBe(0);
    const fromFile = run(['backtest', '--no-run-store', '--data', ETH, '--config', EMA_CROSS, '--out', join(dir, 'b'), '--json']);
    expect(JSON.parse(fromConfig.stdout).fillsSha256).toBe(JSON.parse(fromFile.stdout).fillsSha256);
    writeFileSync(config, `${readFileSync(EMA_CROSS, 'utf8')}\ndata:\n  - { path: eth_hourly.csv, barStamp: middle }\n`);
    const bad = run(['backtest', '--no-run-store', '--config', config, '--out', join(dir, 'c')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('data[0].barStamp');
  });

  it('imports a file into the store, lists it, and backtests from the store with the same fills as from the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-bt-store-'));
    const store = join(dir, 'store');
    const imported = run(['import', '--store', store, '--in', ETH]);
    expect(imported.code, imported.stderr).toBe(0);
    const listed = run(['data', 'ls', '--store', store, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const series = JSON.parse(listed.stdout);
    expect(JSON.stringify(series)).toContain('ETHUSDT');
    const fromFile = run(['backtest', '--no-run-store', '--data', ETH, '--config', EMA_CROSS, '--out', join(dir, 'file'), '--json']);
    const fromStore = run(['backtest', '--no-run-store', '--data', `store:${store}?symbol=ETHUSDT`, '--config', EMA_CROSS, '--out', join(dir, 'store-out'), '--json']);
    expect(fromStore.code, fromStore.stderr).toBe(0);
    expect(JSON.parse(fromStore.stdout).fillsSha256).toBe(JSON.parse(fromFile.stdout).fillsSha256);
  });
});

describe('quantflow backtest seeds', () => {
  it('gives the same fills for the same seed and other fills for another (random latency model)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-bt-seed-'));
    const config = join(dir, 'random.yaml');
    writeFileSync(config, readFileSync(EMA_CROSS, 'utf8').replace(/^venue:\n/m, 'venue:\n  latency: { model: random, entryMs: 50, responseMs: 50, jitterMs: 60000, seed: 1 }\n'));
    const hash = (seed: string, out: string): string => {
      const result = run(['backtest', '--no-run-store', '--data', ETH, '--config', config, '--seed', seed, '--out', join(dir, out), '--json']);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout).fillsSha256 as string;
    };
    const first = hash('7', 'a');
    expect(hash('7', 'b')).toBe(first);
    expect(hash('8', 'c')).not.toBe(first);
    const bad = run(['backtest', '--no-run-store', '--data', ETH, '--config', EMA_CROSS, '--seed', 'x', '--out', join(dir, 'd')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--seed');
  });
});

describe.skipIf(skipWithout(sharedData([BTC_TRADES, BTC_QUOTES, IBM_TRADES])))('quantflow backtest on ticks (shared data)', () => {
  it('trades two asset classes from trade ticks, one strategy each, with per-strategy and per-instrument reports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-bt-classes-'));
    const config = join(dir, 'classes.yaml');
    writeFileSync(config, [
      'strategies:',
      '  - { name: equity-cross, type: rules, instruments: [IBM], long: { entry: "ema:5 >= ema:12", exit: "ema:5 < ema:12" }, size: { quantity: 10 } }',
      '  - { name: crypto-cross, type: rules, instruments: [BTCUSDT], long: { entry: "ema:5 >= ema:12", exit: "ema:5 < ema:12" }, size: { quantity: 0.01 } }',
      'execution: { noTradeBand: { equityPct: 0, positionPct: 0 }, confirmBars: 1 }',
      'risk:',
      '  maxPositionPct: 1.0',
      '  maxAssetClassPct: 1.0',
      '  defaultStaleAfterMs: 86400000',
      '  instruments:',
      '    - { id: 0, symbol: IBM, assetClass: equity, lotSize: 1 }',
      '    - { id: 1, symbol: BTCUSDT, assetClass: crypto, lotSize: 0.00001 }',
      'venue: { mode: ticks }',
    ].join('\n'));
    const result = run(['backtest', '--no-run-store', '--data', sharedDataPath(IBM_TRADES), sharedDataPath(BTC_TRADES), '--bar-timeframe', '10s', '--config', config, '--out', join(dir, 'out'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8'));
    expect(Object.keys(report.byStrategy).sort()).toEqual(['crypto-cross', 'equity-cross']);
    expect(report.byInstrument.IBM.assetClass).toBe('equity');
    expect(report.byInstrument.BTCUSDT.assetClass).toBe('crypto');
    expect(report.byInstrument.IBM.fills).toBeGreaterThan(2);
    expect(report.byInstrument.BTCUSDT.fills).toBeGreaterThan(2);
    const fills = readFileSync(join(dir, 'out', 'fills.csv'), 'utf8').trim().split('\n').slice(1);
    expect(fills.some((row) => row.includes(',IBM,')) && fills.some((row) => row.includes(',BTCUSDT,'))).toBe(true);
  });


  it('builds bars from trades in the core, fills against ticks, and is deterministic', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-bt-ticks-'));
    const config = tickConfig(dir);
    const args = ['backtest', '--no-run-store', '--data', sharedDataPath(BTC_TRADES), sharedDataPath(BTC_QUOTES), '--bar-timeframe', '5s', '--config', config, '--json'];
    const a = run([...args, '--out', join(dir, 'a')]);
    expect(a.code, a.stderr).toBe(0);
    const summary = JSON.parse(a.stdout);
    expect(summary.instruments.map((i: { symbol: string; timeframe: string }) => [i.symbol, i.timeframe])).toEqual([['BTCUSDT', '5s']]);
    expect(summary.events).toBeGreaterThan(50_000);
    expect(summary.fills).toBeGreaterThan(2);
    expect(a.stderr).toContain('matches their orders against trades and quotes');
    const b = run([...args, '--out', join(dir, 'b')]);
    expect(JSON.parse(b.stdout).fillsSha256).toBe(summary.fillsSha256);
  });
});
