// engine/research/montecarlo on a small hand-written backtest directory: the files are read and
// bad rows named by file and line; the original metrics equal engine/backtest/report's; the
// intervals bracket sensible values and repeat byte for byte for a seed; strategy parameters
// perturb within their bounds and the rewritten expressions parse back.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cagr, maxDrawdown, returnStats, simpleReturns } from '../../backtest/report/index.js';
import { parseRuleExpression } from '../../strategy/index.js';
import { SeededRandom } from '../stats/index.js';
import { BacktestRunFileError, equityMonteCarlo, formatExpression, keepsTokenOrder, perturbStrategies, perturbToken, readBacktestRun } from './index.js';

function writeRun(options: { equityRows?: string[]; tradeRows?: string[] } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'qf-mc-'));
  const rng = new SeededRandom(3);
  let equity = 100_000;
  const start = Date.UTC(2024, 0, 1);
  const rows = options.equityRows ?? Array.from({ length: 500 }, (_, i) => {
    if (i > 0) equity *= 1 + 0.0004 + 0.01 * (rng.nextDouble() - 0.5);
    return `${new Date(start + i * 3_600_000).toISOString()},${equity},${equity}`;
  });
  writeFileSync(join(dir, 'equity.csv'), `time,equity,cash\n${rows.join('\n')}\n`);
  const trades = options.tradeRows ?? [120, -40, 300, -75.5, 12, -220, 55, 80].map((pnl) => `2024-01-01T01:00:00.000Z,2024-01-01T02:00:00.000Z,ETHUSDT,long,1,100,101,${pnl},0.2`);
  writeFileSync(join(dir, 'trades.csv'), `entry_time,exit_time,instrument,side,quantity,entry_price,exit_price,pnl,fees\n${trades.join('\n')}\n`);
  writeFileSync(join(dir, 'report.json'), JSON.stringify({ annualisation: { periodsPerYear: 8766 }, account: { startingCash: 100_000, sharpe: 1, cagr: 0.1, drawdown: { maxDrawdown: 0.05 } } }));
  return dir;
}

describe('readBacktestRun and equityMonteCarlo', () => {
  it('recomputes the original Sharpe, drawdown and CAGR exactly as engine/backtest/report does', () => {
    const run = readBacktestRun(writeRun());
    const mc = equityMonteCarlo(run, { runs: 200, block: 10, seed: 1, level: 0.9 });
    const stats = returnStats(simpleReturns([...run.equity]), run.periodsPerYear);
    expect(mc.original.sharpe).toBeCloseTo(stats.sharpe!, 12);
    expect(mc.original.maxDrawdown).toBe(maxDrawdown(run.timesNs, run.equity).maxDrawdown);
    expect(mc.original.cagr).toBeCloseTo(cagr(run.timesNs[0], run.timesNs[run.timesNs.length - 1], run.equity[0], run.equity[run.equity.length - 1])!, 12);
    const b = mc.bootstrap;
    expect(b.sharpe!.low).toBeLessThan(mc.original.sharpe);
    expect(b.sharpe!.high).toBeGreaterThan(mc.original.sharpe);
    expect(b.maxDrawdown!.low).toBeGreaterThan(0);
    expect(mc.tradeShuffle!.trades).toBe(8);
    expect(mc.tradeShuffle!.cagr!.low, 'every order ends at the same equity').toBeCloseTo(mc.tradeShuffle!.cagr!.high, 12);
    expect(mc.tradeShuffle!.maxDrawdown!.low).toBeLessThan(mc.tradeShuffle!.maxDrawdown!.high);
  });

  it('repeats byte for byte for a seed and changes with it', () => {
    const run = readBacktestRun(writeRun());
    const text = (seed: number) => JSON.stringify(equityMonteCarlo(run, { runs: 100, block: 5, seed, level: 0.95 }));
    expect(text(7)).toBe(text(7));
    expect(text(7)).not.toBe(text(8));
  });

  it('names the file, line, field and rule of a bad row', () => {
    expect(() => readBacktestRun(writeRun({ equityRows: ['2024-01-01T00:00:00.000Z,100,100', '2024-01-01T01:00:00.000Z,abc,100', '2024-01-01T02:00:00.000Z,101,100'] })))
      .toThrow(/equity\.csv:3: `equity` must be a finite number, was "abc"/);
    expect(() => readBacktestRun(writeRun({ tradeRows: ['a,b,c'] }))).toThrow(/trades\.csv:2: must have 9 fields/);
    expect(() => readBacktestRun(join(tmpdir(), 'qf-mc-missing-dir'))).toThrow(BacktestRunFileError);
  });
});

describe('strategy perturbation', () => {
  it('keeps integer periods integral and >= 1 and real parameters real', () => {
    const rng = new SeededRandom(1);
    for (let i = 0; i < 200; i++) {
      const ema = perturbToken('ema:2', () => rng.uniform(0.5, 1.5));
      expect(ema).toMatch(/^ema:[123]$/);
      const bb = perturbToken('bb:20:2.pctb@lag:3', () => rng.uniform(0.8, 1.2));
      const match = /^bb:(\d+):([\d.]+)\.pctb@lag:(\d+)$/.exec(bb);
      expect(match, bb).not.toBeNull();
      expect(Number(match![1])).toBeGreaterThanOrEqual(16);
      expect(Number(match![1])).toBeLessThanOrEqual(24);
      expect(Number(match![2])).toBeGreaterThanOrEqual(1.6);
      expect(Number(match![2])).toBeLessThanOrEqual(2.4);
    }
  });

  it('keeps the order of one indicator\'s periods: a close EMA cross stays fast < slow in every run', () => {
    const strategies = [{
      name: 'close-cross', type: 'rules' as const, instruments: [],
      long: { entry: 'ema:20 >= ema:24', exit: 'ema:20 < ema:24' },
      size: { quantity: 1 },
    }];
    const rng = new SeededRandom(1);
    let moved = 0;
    for (let run = 0; run < 200; run++) {
      const { parameters } = perturbStrategies(strategies, rng, 0.2, 1);
      const period = (token: string) => Number(String(parameters.find((p) => p.parameter === `token ${token}`)!.perturbed).split(':')[1]);
      expect(period('ema:20'), `run ${run}`).toBeLessThan(period('ema:24'));
      if (period('ema:20') !== 20 || period('ema:24') !== 24) moved += 1;
    }
    expect(moved, 'the periods are still perturbed').toBeGreaterThan(150);
    expect(keepsTokenOrder(new Map([['ema:20', 'ema:22'], ['ema:24', 'ema:22']]))).toBe(false);
    expect(keepsTokenOrder(new Map([['bb:20:2.upper', 'bb:21:2.1.upper'], ['bb:20:3.upper', 'bb:19:3.3.upper']])), 'equal periods may part').toBe(true);
  });

  it('perturbs an indicator once under its transforms too: a hand-written cross stays a cross', () => {
    const strategies = [{
      name: 'lag-cross', type: 'rules' as const, instruments: [],
      long: { entry: 'ema:10 > ema:30 and ema:10@lag:1 <= ema:30@lag:1', exit: 'ema:10 < ema:30' },
      size: { quantity: 1 },
    }];
    const rng = new SeededRandom(1);
    for (let run = 0; run < 50; run++) {
      const { parameters } = perturbStrategies(strategies, rng, 0.2, 1);
      const of = (token: string) => String(parameters.find((p) => p.parameter === `token ${token}`)!.perturbed);
      expect(of('ema:10@lag:1'), `run ${run}`).toBe(`${of('ema:10')}@lag:1`);
      expect(of('ema:30@lag:1'), `run ${run}`).toBe(`${of('ema:30')}@lag:1`);
    }
  });

  it('perturbs a parameter once wherever it appears, and the expressions parse back', () => {
    const strategies = [{
      name: 'cross', type: 'rules' as const, instruments: [],
      long: { entry: 'ema:10 >= ema:20 and (rsi:14 < 30 or close > sma:50)', exit: 'ema:10 < ema:20 or rsi:14 > 70' },
      size: { equityFraction: 0.5 },
    }];
    const { strategies: out, parameters } = perturbStrategies(strategies, new SeededRandom(5), 0.2, 1);
    const rule = out[0] as typeof strategies[0];
    const entry = parseRuleExpression(rule.long.entry, 'entry');
    const exit = parseRuleExpression(rule.long.exit, 'exit');
    const fast = parameters.find((p) => p.parameter === 'token ema:10')!.perturbed;
    expect(rule.long.entry.startsWith(`${fast} >= `)).toBe(true);
    expect(rule.long.exit.startsWith(`${fast} < `)).toBe(true);
    expect(parameters.map((p) => p.parameter)).toEqual(['token ema:10', 'token ema:20', 'token rsi:14', 'constant 30', 'token sma:50', 'constant 70', 'size.equityFraction']);
    const fraction = (rule.size as { equityFraction: number }).equityFraction;
    expect(fraction).toBeGreaterThanOrEqual(0.4);
    expect(fraction).toBeLessThanOrEqual(0.6);
    const text = (e: typeof entry) => formatExpression(e, (o) => (o.kind === 'indicator' ? o.token : o.kind === 'number' ? String(o.value) : o.field));
    expect(text(parseRuleExpression(text(entry), 'again'))).toBe(text(entry));
    expect(text(exit)).toBe(rule.long.exit);
  });
});
