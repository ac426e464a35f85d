// `quantflow label` on the bundled ETHUSDT 1h file: the CSV it writes (columns, times as bar
// closes, counts), meta-labels from --side and from a configured rule strategy, and one-line
// errors naming the flag. Calls the command's exported runLabel and a scratch commander program.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCounts, registerLabelCommand, runLabel } from '../engine/cli/commands/label.js';
import { UserFacingError } from '../engine/cli/cli-error.js';

const ETH = 'data/binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';
const dir = mkdtempSync(path.join(tmpdir(), 'qf-label-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The whole file, as these tests compare counts over it: the reserve included (--final), its look log in the temp dir. */
const whole = { final: true, state: path.join(dir, 'research') };
const rows = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((line) => line.split(','));

describe('quantflow label', () => {
  it('labels the bundled ETHUSDT 1h bars with rvol:20 barriers and bar-close event times', async () => {
    const out = path.join(dir, 'eth.csv');
    const summary = await runLabel({ ...whole, in: ETH, out });
    const [header, first, ...rest] = rows(out);
    expect(header).toEqual(['event_time', 'end_time', 'event_index', 'end_index', 'barrier', 'side', 'ret', 'label', 'vol']);
    expect(first[0], 'bar 20 opens 2024-04-16 21:00 (sidecar barStamp open) and closes an hour later').toBe('2024-04-16T22:00:00.000Z');
    expect(first[2]).toBe('20');
    expect(summary.bars).toBe(17_520);
    expect(summary.counts.events, 'bars 20 .. 17495: rvol:20 warm-up and the 24-bar horizon').toBe(17_520 - 20 - 24);
    expect(rest.length + 1).toBe(summary.counts.events);
    const c = summary.counts;
    expect(c.byBarrier.pt + c.byBarrier.sl + c.byBarrier.time).toBe(c.events);
    expect(c.byLabel['-1'] + c.byLabel['0'] + c.byLabel['1']).toBe(c.events);
    expect(c.byBarrier.pt, 'both horizontal barriers are hit often at 2 sigma over 24 bars').toBeGreaterThan(1000);
    expect(c.byBarrier.sl).toBeGreaterThan(1000);
    for (const row of [first, ...rest]) {
      const end = Number(row[3]);
      const start = Number(row[2]);
      if (!(end > start && end <= start + 24)) throw new Error(`end index ${end} must be in (${start}, ${start + 24}]`);
      if (row[4] === 'time' && end !== start + 24) throw new Error(`time barrier must end at ${start + 24}, was ${end}`);
    }
    expect(describeCounts(summary)).toContain(`${c.events} events`);
  });

  it('says why a file whose price never moves gets no event (zero volatility, not the warm-up or the horizon)', async () => {
    const flat = path.join(dir, 'flat.csv');
    const start = Date.parse('2024-01-01T00:00:00Z');
    writeFileSync(flat, ['time,open,high,low,close,volume', ...Array.from({ length: 300 }, (_, i) => `${new Date(start + i * 3_600_000).toISOString()},100,100,100,100,1`), ''].join('\n'));
    writeFileSync(`${flat}.meta.json`, JSON.stringify({ symbol: 'FLAT', barStamp: 'open' }));
    const lines: string[] = [];
    const summary = await runLabel({ ...whole, in: flat, out: path.join(dir, 'flat-labels.csv'), horizon: '4' }, (line) => lines.push(line));
    expect(summary.counts.events).toBe(0);
    expect(lines.join('\n')).toContain("warning: no event: every bar's price is 100 (open = high = low = close), so the volatility is 0 on every bar and no barrier can be set");
  });

  it('refuses, as replay and backtest do, a file with no stated interval whose one odd gap is shorter than the most common (events would start 30m into hourly bars)', async () => {
    const odd = path.join(dir, 'odd.csv');
    const start = Date.parse('2024-01-01T00:00:00Z');
    const times = Array.from({ length: 60 }, (_, i) => start + i * 3_600_000);
    times.splice(11, 0, start + 10 * 3_600_000 + 1_800_000);
    writeFileSync(odd, ['time,open,high,low,close,volume', ...times.map((t, i) => `${new Date(t).toISOString()},${100 + (i % 5)},${105 + (i % 5)},${95 + (i % 5)},${100 + (i % 5)},1`), ''].join('\n'));
    writeFileSync(`${odd}.meta.json`, JSON.stringify({ symbol: 'ODD', barStamp: 'open' }));
    const error = await runLabel({ ...whole, in: odd, out: path.join(dir, 'odd-labels.csv'), horizon: '4' }, () => {}).catch((e: unknown) => e);
    expect(error, 'an inferred 30m interval').toBeInstanceOf(UserFacingError);
    expect((error as Error).message).toContain('no bar interval is stated, and the most common gap between bars (1h) is longer than the smallest (30m, before the bar at 2024-01-01T10:30:00.000Z)');
  });

  it('meta-labels where --side sets the side, 1 only for a profit-take', async () => {
    const out = path.join(dir, 'meta.csv');
    const summary = await runLabel({ ...whole, in: ETH, out, side: 'ema:10 >= ema:20', horizon: '12', pt: '1.5', sl: '1' });
    const [, ...body] = rows(out);
    expect(new Set(body.map((r) => r[5]))).toEqual(new Set(['1', '-1']));
    expect(body.every((r) => r[7] === (r[4] === 'pt' ? '1' : '0'))).toBe(true);
    expect(summary.counts.byLabel['-1']).toBe(0);
    expect(summary.side).toBe('ema:10 >= ema:20');
  });

  it('takes the side of a configured rule strategy with --side-config and --strategy', async () => {
    const config = path.join(dir, 'strategies.yaml');
    writeFileSync(config, [
      'strategies:',
      '  - name: ema-cross',
      '    type: rules',
      '    long: { entry: "ema:10 crosses_above ema:20", exit: "ema:10 crosses_below ema:20" }',
      '    short: { entry: "ema:10 crosses_below ema:20", exit: "ema:10 crosses_above ema:20" }',
      '    size: { quantity: 1 }',
      '',
    ].join('\n'));
    const summary = await runLabel({ ...whole, in: ETH, out: path.join(dir, 'strategy.csv'), sideConfig: config, strategy: 'ema-cross' });
    expect(summary.counts.events).toBeGreaterThan(10_000);
    await expect(runLabel({ ...whole, in: ETH, out: path.join(dir, 'x.csv'), sideConfig: config, strategy: 'nope' })).rejects.toThrow('`--strategy` must name a rule strategy of');
  });

  it('rejects bad flags, tokens and expressions in one line naming the flag', async () => {
    const out = path.join(dir, 'bad.csv');
    const fails = async (flags: Record<string, string>, message: string | RegExp) => {
      const run = runLabel({ ...whole, in: ETH, out, ...flags });
      await expect(run).rejects.toBeInstanceOf(UserFacingError);
      await expect(run).rejects.toThrow(message);
    };
    await fails({ horizon: '0' }, '`--horizon` must be an integer in [1, 1000000], was "0"');
    await fails({ pt: 'x' }, '`--pt` must be a finite number >= 0 (0 removes the barrier), was "x"');
    await fails({ vol: 'bb:20:2' }, '`--vol` token `bb:20:2` must have one output, it has 5');
    await fails({ vol: 'nope:3' }, /^`--vol`: /);
    await fails({ side: 'ema:10 >' }, /^`--side` "ema:10 >": at position 9 expected an operand/);
    await fails({ barStamp: 'middle' }, '`--bar-stamp` must be one of open, close, was "middle"');
    await fails({ strategy: 'x' }, '`--side-config` and `--strategy` go together');
  });

  it('registers `label` on a commander program with its flags', () => {
    const program = new Command();
    registerLabelCommand(program);
    const label = program.commands.find((c) => c.name() === 'label')!;
    const flags = label.options.map((o) => o.long);
    for (const flag of ['--in', '--out', '--vol', '--pt', '--sl', '--horizon', '--side', '--side-config', '--strategy', '--zero-at-time', '--json', '--on-bad-row', '--timezone']) {
      expect(flags, flag).toContain(flag);
    }
  });
});
