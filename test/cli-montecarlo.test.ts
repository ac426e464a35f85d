// `quantflow montecarlo` on a real backtest (the EMA cross on the bundled ETH 1h bars, written by
// the compiled `quantflow backtest`): the report's method, its original Sharpe / drawdown / CAGR
// equal report.json's, intervals that repeat for a seed, perturbed reruns, and bad flags and files
// refused with one line naming the flag or file, the value and the rule. The command runs through
// a scratch commander program, as engine/cli/main.ts registers it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerMontecarloCommand, runMontecarloCommand, summaryLines, type MontecarloFlags } from '../engine/cli/commands/montecarlo.js';
import { UserFacingError } from '../engine/cli/cli-error.js';

const root = resolve(import.meta.dirname, '..');
const ETH = join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
const EMA_CROSS = join(root, 'config', 'examples', 'ema-cross.yaml');
let dir: string;

const flags = (over: Partial<MontecarloFlags> = {}): MontecarloFlags => ({
  run: join(dir, 'run'), runs: '1000', block: '20', seed: '1', level: '0.95', perturbRuns: '50', perturbBy: '0.2', barTimeframe: '1m', ...over,
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-cli-mc-'));
  const result = spawnSync(process.execPath, [join(root, 'dist', 'engine', 'cli', 'main.js'), 'backtest', '--no-run-store', '--data', ETH, '--config', EMA_CROSS, '--out', join(dir, 'run'), '--no-progress'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  expect(result.status, result.stderr).toBe(0);
});

describe('quantflow montecarlo', () => {
  it('reports the method, the original metrics of report.json and intervals that repeat for a seed', async () => {
    const started = performance.now();
    const report = await runMontecarloCommand(flags({ out: join(dir, 'mc.json') }), () => {});
    console.log(`1000 bootstrap runs + 1000 trade shuffles on the ETH 1h backtest: ${((performance.now() - started) / 1000).toFixed(2)} s`);
    const reportJson = JSON.parse(readFileSync(join(dir, 'run', 'report.json'), 'utf8'));
    expect(report.method).toEqual({ runs: 1000, block: 20, seed: 1, level: 0.95, perturb: null });
    expect(report.original.sharpe).toBeCloseTo(reportJson.account.sharpe, 10);
    expect(report.original.maxDrawdown).toBeCloseTo(reportJson.account.drawdown.maxDrawdown, 12);
    expect(report.original.cagr).toBeCloseTo(reportJson.account.cagr, 12);
    expect(report.original.trades).toBe(readFileSync(join(dir, 'run', 'trades.csv'), 'utf8').trim().split('\n').length - 1);
    const { sharpe, maxDrawdown } = report.bootstrap;
    expect(sharpe!.low).toBeLessThan(report.original.sharpe);
    expect(sharpe!.high).toBeGreaterThan(report.original.sharpe);
    expect(maxDrawdown!.low).toBeLessThanOrEqual(maxDrawdown!.median);
    expect(JSON.parse(readFileSync(join(dir, 'mc.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify({ ...report, elapsedSeconds: undefined })));
    const again = await runMontecarloCommand(flags({ out: join(dir, 'mc-again.json') }), () => {});
    expect(JSON.stringify({ ...again, elapsedSeconds: null })).toBe(JSON.stringify({ ...report, elapsedSeconds: null }));
    expect(readFileSync(join(dir, 'mc-again.json'), 'utf8'), 'the same seed writes the same bytes').toBe(readFileSync(join(dir, 'mc.json'), 'utf8'));
  });

  it('reads the trade shuffle against the trades in their recorded order, measured per trade as each shuffle is', async () => {
    const report = await runMontecarloCommand(flags({ runs: '300' }), () => {});
    const shuffle = report.tradeShuffle!;
    const pnl = readFileSync(join(dir, 'run', 'trades.csv'), 'utf8').trim().split('\n').slice(1).map((row) => Number(row.split(',')[7]));
    let equity = 100_000;
    let peak = equity;
    let deepest = 0;
    for (const p of pnl) {
      equity += p;
      peak = Math.max(peak, equity);
      deepest = Math.max(deepest, 1 - equity / peak);
    }
    expect(shuffle.original.maxDrawdown, 'the recorded order\'s deepest fall, trade by trade').toBeCloseTo(deepest, 12);
    expect(shuffle.original.cagr, 'the final equity of every order, so the CAGR, is the recorded order\'s').toBeCloseTo(shuffle.cagr!.median, 12);
    expect(shuffle.original.sharpe, 'the per-trade Sharpe of the recorded order lies among the shuffles\'').toBeGreaterThanOrEqual(shuffle.sharpe!.low - 0.01);
    expect(shuffle.original.sharpe).toBeLessThanOrEqual(shuffle.sharpe!.high + 0.01);
    const printed = summaryLines(report);
    const block = printed.slice(printed.findIndex((l) => l.startsWith('trade-order shuffle')));
    expect(block[1], 'the shuffle block prints the recorded order\'s Sharpe, not the per-bar one').toMatch(new RegExp(`^  Sharpe +${shuffle.original.sharpe.toFixed(2)}   \\[`));
    expect(block[2]).toMatch(new RegExp(`^  max drawdown +${(shuffle.original.maxDrawdown * 100).toFixed(2)}%   \\[`));
  });

  it('reruns perturbed strategies and reports their spread and the share with Sharpe > 0', async () => {
    const report = await runMontecarloCommand(flags({ runs: '100', perturb: true, config: EMA_CROSS, data: [ETH], perturbRuns: '4' }), () => {});
    const p = report.perturbation!;
    expect(p.runs).toBe(4);
    expect(p.perRun).toHaveLength(4);
    expect(p.sharpe!.low).toBeLessThanOrEqual(p.sharpe!.high);
    expect(p.shareSharpePositive).toBe(p.perRun.filter((r) => r.sharpe !== null && r.sharpe > 0).length / 4);
    for (const run of p.perRun) expect(run.parameters.map((x) => x.parameter)).toEqual(['token ema:10', 'token ema:20', 'size.quantity']);
  });

  it('refuses to perturb a configuration and data that do not reproduce the run, before any perturbed run', async () => {
    const progress: string[] = [];
    // The bundled BTC, ETH and SOL bars, where the run traded ETH only.
    const bundled = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'].map((symbol) => ETH.replace('ETHUSDT', symbol));
    const otherData = runMontecarloCommand(flags({ runs: '20', perturb: true, config: EMA_CROSS, data: bundled, perturbRuns: '4' }), (line) => progress.push(line));
    await expect(otherData).rejects.toBeInstanceOf(UserFacingError);
    await expect(otherData).rejects.toThrow(new RegExp(`^--perturb: the configuration and data do not reproduce the run ${join(dir, 'run').replace(/[.]/g, '\\.')}: unperturbed they trade BTCUSDT, ETHUSDT, SOLUSDT \\(\\d+ trades, fills sha256 [0-9a-f]{12}\\), the run traded ETHUSDT \\(fills sha256 [0-9a-f]{12} in its report\\.json\\), so the perturbed runs would measure another backtest: give the --config and --data`));
    // Another configuration over the same data.
    const other = join(dir, 'ema-12-26.yaml');
    writeFileSync(other, readFileSync(EMA_CROSS, 'utf8').replace('"ema:10 >= ema:20"', '"ema:12 >= ema:26"').replace('"ema:10 < ema:20"', '"ema:12 < ema:26"'));
    await expect(runMontecarloCommand(flags({ runs: '20', perturb: true, config: other, data: [ETH], perturbRuns: '4' }), (line) => progress.push(line))).rejects.toThrow(/do not reproduce the run .*: unperturbed they trade ETHUSDT \(\d+ trades, fills sha256 [0-9a-f]{12}\), the run traded ETHUSDT/);
    expect(progress.filter((line) => line.includes('perturbed run')), 'no perturbed run was made').toEqual([]);
  });

  it('refuses bad flags and files with one line naming them', async () => {
    const refuse = async (over: Partial<MontecarloFlags>, message: RegExp) => {
      const error = await runMontecarloCommand(flags(over), () => {}).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(UserFacingError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    };
    await refuse({ runs: '0' }, /`--runs` must be an integer in \[1, 1000000\], was "0"/);
    await refuse({ block: '0.5' }, /`--block` must be a number >= 1, was "0.5"/);
    // A mean block as long as the run gave a zero-width interval ([-1.29 .. -1.29]) with no word.
    await refuse({ block: '1e9' }, /`--block` must be shorter than the run's 17519 equity intervals .*, was 1000000000/);
    await refuse({ level: '95' }, /`--level` must be a number in \(0, 1\), was "95"/);
    await refuse({ seed: '-1' }, /`--seed` must be an integer in \[0, 2\^64\), was "-1"/);
    await refuse({ perturb: true }, /`--perturb` needs `--config FILE`/);
    await refuse({ run: join(dir, 'nowhere') }, /--run: cannot read .*nowhere.*report\.json \(ENOENT\)/);
    const bad = join(dir, 'bad');
    spawnSync('cp', ['-r', join(dir, 'run'), bad]);
    const equity = readFileSync(join(bad, 'equity.csv'), 'utf8').split('\n');
    equity[5] = '2024-04-16T06:00:00.000Z,NaN,100000';
    writeFileSync(join(bad, 'equity.csv'), equity.join('\n'));
    await refuse({ run: bad }, /equity\.csv:6: `equity` must be a finite number, was "NaN"/);
  });

  it('registers as a commander sub-command with its flags', () => {
    const program = new Command();
    registerMontecarloCommand(program);
    const command = program.commands.find((c) => c.name() === 'montecarlo')!;
    const names = command.options.map((o) => o.long);
    for (const flag of ['--run', '--runs', '--block', '--seed', '--level', '--perturb', '--config', '--data', '--perturb-runs', '--perturb-by', '--out', '--json']) expect(names).toContain(flag);
  });
});
