// The last walk-forward fold whose test window the data covers whole is run: a window [s, e)
// holds the bars closing in it, so it is covered while e is at most one bar after the last close.
// On open-stamped hourly bars that start and end on the hour (the bundled files), every window is
// anchored at the first close, and the last one ends exactly one bar after the last close: it was
// dropped, so `--final` never tested the most recent month of the bundled data. A fold is marked
// `inReserve` only when it tests a bar of the reserve. The summary says why a run has no stitched
// out-of-sample curve (overlapping test windows) instead of leaving its line out.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWalkforwardCommand, type WalkforwardFlags } from '../engine/cli/commands/walkforward.js';

const dir = mkdtempSync(join(tmpdir(), 'qf-wf-last-fold-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;
const quiet = { print: () => undefined, log: () => undefined };

/** `days` whole days of hourly bars from 2024-01-01T00:00 (open-stamped, in the sidecar): a seeded walk. */
function hourlyBars(days: number): string {
  let seed = 3;
  const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  let close = 100;
  const rows: string[] = [];
  for (let i = 0; i < days * 24; i++) {
    const open = close;
    close = open * Math.exp((random() - 0.5) * 0.02);
    rows.push(`${new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString()},${open},${Math.max(open, close) * 1.001},${Math.min(open, close) * 0.999},${close},${100 + i % 7}`);
  }
  const file = join(dir, 'bars_ETHUSDT.csv');
  writeFileSync(file, `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
  writeFileSync(`${file}.meta.json`, JSON.stringify({ barStamp: 'open', barInterval: '1h' }));
  return file;
}

const flags = (extra: Partial<WalkforwardFlags>): WalkforwardFlags => ({
  config: 'config/examples/ema-cross.yaml', data: [hourlyBars(5)], train: '2d', test: '1d', mode: 'rolling', purge: '0', embargo: '0', reserve: '0.2', equity: '100000', state: join(dir, `state-${runs++}`), ...extra,
});

describe('walkforward\'s last fold', () => {
  it('with --final, tests the last day of five whole days of hourly bars (three 1-day folds after 2 days of training)', async () => {
    const run = await runWalkforwardCommand(flags({ final: true }), quiet);
    const folds = run.report.folds.map((f) => [f.test.start, f.test.end, f.oos.bars, f.inReserve]);
    expect(folds).toEqual([
      ['2024-01-03T01:00:00.000Z', '2024-01-04T01:00:00.000Z', 24, false],
      ['2024-01-04T01:00:00.000Z', '2024-01-05T01:00:00.000Z', 24, false],
      ['2024-01-05T01:00:00.000Z', '2024-01-06T01:00:00.000Z', 24, true],
    ]);
    expect(run.report.data.last, 'the last bar closes one hour before the last window ends').toBe('2024-01-06T00:00:00.000Z');
    expect(run.report.reserve.start, 'the reserve starts 12 minutes after the second fold\'s last bar closes: that fold tests none of it').toBe('2024-01-05T00:12:00.000Z');
    expect(run.report.stitched!.bars, 'every bar after the first training window is tested').toBe(72);
  }, 60_000);

  it('without --final, holds the reserve back: no fold tests a bar of it', async () => {
    const run = await runWalkforwardCommand(flags({}), quiet);
    const reserveStart = BigInt(run.report.reserve.startNs);
    expect(run.report.folds.length, 'the second day ends one bar after the last close before the reserve').toBe(2);
    for (const fold of run.report.folds) {
      expect(fold.inReserve).toBe(false);
      const curve = run.curves.find((c) => c.name === `fold-${fold.index}`)!.curve;
      expect(curve.every((p) => p.timeNs < reserveStart), `fold ${fold.index} tests bars before the reserve only`).toBe(true);
    }
  }, 60_000);
});

describe('walkforward\'s summary', () => {
  it('says why there is no stitched out-of-sample curve when test windows overlap', async () => {
    let printed = '';
    await runWalkforwardCommand(flags({ final: true, test: '2d', step: '1d', train: '1d' }), { ...quiet, print: (text: string) => { printed += text; } });
    expect(printed).toContain('stitched OOS: none, test windows overlap (step < test): no stitched curve');
  }, 60_000);
});
