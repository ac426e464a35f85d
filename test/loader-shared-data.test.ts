// Loader on the real market data in ../shared/data: every crypto OHLCV file and every OHLCV
// file of equity_daily loads with the row counts of the data README, first/last times equal
// to the raw text, strictly increasing times; non-OHLCV files are refused as missing columns;
// a 573,620-row tick file reshaped as bars streams through the skip policy.
import { createReadStream, createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvFileError, loadBarsCsv, type BarSeries } from '../adapters/files/index.js';
import { sharedData, sharedDataDir, skipWithout } from './peers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = sharedDataDir;
const skipSharedData = skipWithout(sharedData(['crypto_ohlcv', 'equity_daily/lean_factor_files', 'equity_ticks/lean_BAC_trade_ticks_2013-10-07_2013-10-11.csv']));

const NS_PER_MS = 1_000_000n;
const HOUR_NS = 3_600_000_000_000n;

/** Expected ns of a raw time cell, computed by Date.parse (an independent oracle, ms precision). */
function rawTimeNs(cell: string): bigint {
  const iso = cell.replace(' ', 'T');
  const withZone = /(Z|[+-]\d\d:\d\d)$/.test(iso) ? iso : iso.length === 10 ? `${iso}T00:00:00Z` : `${iso}Z`;
  const ms = Date.parse(withZone);
  if (Number.isNaN(ms)) throw new Error(`test oracle cannot parse '${cell}'`);
  return BigInt(ms) * NS_PER_MS;
}

/** Non-empty lines of a file, without CR. */
function rawLines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
}

function expectStrictlyIncreasing(series: BarSeries): void {
  let previous = series.timeNs[0]!;
  for (let i = 1; i < series.length; i++) {
    const t = series.timeNs[i]!;
    if (t <= previous) expect.fail(`${series.file}: bar ${i} time ${t} is not after bar ${i - 1} time ${previous}`);
    previous = t;
  }
}

function expectEndsMatchRawText(file: string, series: BarSeries): void {
  const lines = rawLines(file);
  const first = lines[1]!.split(',');
  const last = lines[lines.length - 1]!.split(',');
  expect(series.timeNs[0], `${file}: first time from '${first[0]}'`).toBe(rawTimeNs(first[0]!));
  expect(series.timeNs[series.length - 1], `${file}: last time from '${last[0]}'`).toBe(rawTimeNs(last[0]!));
  expect(series.open[0], `${file}: first open`).toBe(Number(first[1]));
  expect(series.close[series.length - 1], `${file}: last close`).toBe(Number(last[4]));
  expect(series.volume[series.length - 1], `${file}: last volume`).toBe(Number(last[5]));
}

const list = (dir: string): string[] =>
  !skipSharedData ? readdirSync(path.join(dataDir, dir)).filter((f) => f.endsWith('.csv')).sort().map((f) => path.join(dataDir, dir, f)) : [];

describe.skipIf(skipSharedData)('shared crypto OHLCV files', () => {
  const files = list('crypto_ohlcv');

  it('finds the 15 crypto files the data README lists', () => {
    expect(files.length, files.join('\n')).toBe(15);
  });

  it.each(files.map((f) => [path.basename(f), f]))('loads %s with README row count, raw ends and no gaps', async (_name, file) => {
    const { series, report } = await loadBarsCsv(file);
    const expected = file.includes('_1h_') ? 17_520 : file.includes('_4h_') ? 4_380 : 1_000;
    expect(series.length, 'rows per the data README: 17,520 per 1h, 4,380 per 4h, 1,000 per 1m sample').toBe(expected);
    expect(report.rowsSkipped).toBe(0);
    expectEndsMatchRawText(file, series);
    expectStrictlyIncreasing(series);
    if (!file.includes('sample1000')) {
      const step = file.includes('_1h_') ? HOUR_NS : 4n * HOUR_NS;
      for (let i = 1; i < series.length; i++) {
        if (series.timeNs[i]! - series.timeNs[i - 1]! !== step) expect.fail(`${file}: gap before bar ${i} (README says no gaps)`);
      }
    }
  });
});

describe.skipIf(skipSharedData)('shared equity daily files', () => {
  const all = [...list('equity_daily'), ...list('equity_daily/lean_factor_files')];
  const ohlcv = all.filter((f) => /(lean_[A-Z]+_daily_(split_adjusted|unadjusted)|yahoo_[A-Z]+_daily_split_adjusted_2013-2023)\.csv$/.test(f));
  const others = all.filter((f) => !ohlcv.includes(f));

  it('finds 28 LEAN and 7 Yahoo OHLCV files and the calendars and factor files', () => {
    expect(ohlcv.length).toBe(35);
    expect(others.length, others.join('\n')).toBeGreaterThanOrEqual(3 + 20);
  });

  it.each(ohlcv.map((f) => [path.basename(f), f]))('loads %s with every row, raw ends, increasing dates', async (_name, file) => {
    const { series } = await loadBarsCsv(file);
    expect(series.length, 'one bar per data line').toBe(rawLines(file).length - 1);
    if (file.includes('yahoo_')) expect(series.length, 'data README: 2,768 rows per Yahoo file').toBe(2_768);
    else expect(series.length, 'data README: 1.7k to 5.8k rows per LEAN file').toBeGreaterThanOrEqual(1_700);
    expectEndsMatchRawText(file, series);
    expectStrictlyIncreasing(series);
  });

  it.each(others.map((f) => [path.basename(f), f]))('refuses %s (not OHLCV) with the missing-column error', async (_name, file) => {
    const error = await loadBarsCsv(file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, `${file} is not an OHLCV file and must be refused`).toBeInstanceOf(CsvFileError);
    expect((error as CsvFileError).problem).toBe('missing-column');
    expect((error as CsvFileError).message).toContain(`${file}: missing required column`);
    expect((error as CsvFileError).message).toContain('found headers');
  });
});

describe.skipIf(skipSharedData)('tick-file sizes', () => {
  const ticks = path.join(dataDir, 'equity_ticks', 'lean_BAC_trade_ticks_2013-10-07_2013-10-11.csv');
  let dir = '';
  let asBars = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'qf-loader-'));
    asBars = path.join(dir, 'bac_ticks_as_bars.csv');
    const out = createWriteStream(asBars);
    out.write('datetime,open,high,low,close,volume\n');
    let first = true;
    for await (const line of createInterface({ input: createReadStream(ticks), crlfDelay: Infinity })) {
      if (first) {
        first = false;
        continue;
      }
      const [time, price, size] = line.split(',');
      if (!out.write(`${time},${price},${price},${price},${price},${size}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  });

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('refuses the raw 573,620-row tick file from its header (no OHLCV columns)', async () => {
    await expect(loadBarsCsv(ticks)).rejects.toMatchObject({ problem: 'missing-column' });
  });

  it('streams 573,620 tick rows reshaped as bars, keeping every row with a new time', async () => {
    const { series, report } = await loadBarsCsv(asBars, { onBadRow: 'skip' });
    expect(report.rowsRead, 'every tick line is read').toBe(573_620);
    expect(report.rowsKept + report.rowsSkipped).toBe(573_620);
    expect(report.rowsSkipped, 'ticks sharing a millisecond are duplicates under strictly increasing bar times').toBe(
      report.skippedByRule['time-duplicate'],
    );
    expect(series.length).toBe(report.rowsKept);
    expect(series.timeNs.length, 'arrays are trimmed to the rows kept').toBe(report.rowsKept);
    expectStrictlyIncreasing(series);
  });
});

describe('bundled demo data (data/)', () => {
  const symbols = ['BTC', 'ETH', 'SOL'];
  const bundled = (s: string): string => path.join(repoRoot, 'data', `binance_spot_${s}USDT_1h_2024-04-16_2026-04-16.csv`);

  it.each(symbols)('loads the %s 1h demo file: 17,520 hourly bars from 2024-04-16 01:00Z', async (symbol) => {
    const { series } = await loadBarsCsv(bundled(symbol));
    expect(series.length).toBe(17_520);
    expect(series.timeNs[0]).toBe(rawTimeNs('2024-04-16T01:00:00Z'));
    expect(series.timeNs[series.length - 1]).toBe(rawTimeNs('2026-04-16T00:00:00Z'));
  });

  it.skipIf(skipSharedData).each(symbols)('ships the %s file byte-identical to the shared source', (symbol) => {
    const source = path.join(dataDir, 'crypto_ohlcv', path.basename(bundled(symbol)));
    expect(readFileSync(bundled(symbol)).equals(readFileSync(source)), `${bundled(symbol)} must equal ${source}`).toBe(true);
  });
});
