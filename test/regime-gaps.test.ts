// `quantflow regime fit` and `regime filter` on a bar file with a missing stretch (58 hourly bars
// cut out of the bundled BTC file, as an exchange outage leaves it): the features take the rows
// as consecutive bars, so both commands must say the file has a gap, how long, and where; a
// file without gaps gets no such line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findBarGaps } from '../engine/regime/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'engine', 'cli', 'main.js');
const BTC = join(ROOT, 'data', 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');
const dir = mkdtempSync(join(tmpdir(), 'qf-regime-gaps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = readFileSync(BTC, 'utf8').split('\n');
const whole = join(dir, 'whole.csv');
const cut = join(dir, 'cut.csv');
writeFileSync(whole, `${lines.slice(0, 301).join('\n')}\n`);
// Rows 1..100, then 159..300: the 58 bars of 2024-04-20 05:00 .. 2024-04-22 14:00 are missing.
writeFileSync(cut, `${[...lines.slice(0, 101), ...lines.slice(159, 301)].join('\n')}\n`);

const quantflow = (...args: string[]) => spawnSync(process.execPath, [CLI, 'regime', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('regime fit and filter on a file with a gap', () => {
  it('finds the gap: the usual spacing, how many, the longest and where', () => {
    const times = BigInt64Array.from([0n, 10n, 20n, 30n, 100n, 110n, 120n]);
    expect(findBarGaps({ length: times.length, timeNs: times })).toEqual({ spacingNs: 10n, count: 1, longestNs: 70n, longestAtNs: 100n });
  });

  it('say that the file has a gap, how long and where; nothing for a file without one', () => {
    const note = /cut\.csv: 1 gap longer than the usual 1h between bars \(the longest 59h, before the bar at 2024-04-22T15:00:00Z\): the return across each counts as one bar's/;
    const model = join(dir, 'm.json');
    const fit = quantflow('fit', '--in', cut, '--bar-stamp', 'open', '--final', '--state', join(dir, 'research'), '--out', model, '--restarts', '1');
    expect(fit.status, fit.stderr).toBe(0);
    expect(fit.stderr).toMatch(note);
    const filter = quantflow('filter', '--model', model, '--in', cut, '--out', join(dir, 'f.csv'));
    expect(filter.status, filter.stderr).toBe(0);
    expect(filter.stderr).toMatch(note);
    const clean = quantflow('filter', '--model', model, '--in', whole, '--out', join(dir, 'g.csv'));
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stderr).not.toMatch(/gaps? longer than/);
  });
});
