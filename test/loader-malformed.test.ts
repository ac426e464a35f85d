// Loader on small hand-written fixtures (test/fixtures/csv): every bad-row rule is rejected with
// its line, field, value and rule; `skip` counts bad rows per rule and keeps every good row;
// file-level refusals (empty, header only, missing column, bad options); real-world dressing.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CsvFileError, CsvRowError, loadBarsCsv, type BarRule } from '../adapters/files/index.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'csv');
const fixture = (name: string): string => path.join(fixtures, name);

/** Loads `name` and returns the CsvRowError it must throw. */
async function rowErrorOf(name: string): Promise<CsvRowError> {
  try {
    await loadBarsCsv(fixture(name));
  } catch (error) {
    if (error instanceof CsvRowError) return error;
    throw error;
  }
  throw new Error(`${name} loaded without a CsvRowError under the reject policy`);
}

async function fileErrorOf(file: string, options?: Parameters<typeof loadBarsCsv>[1]): Promise<CsvFileError> {
  try {
    await loadBarsCsv(file, options);
  } catch (error) {
    if (error instanceof CsvFileError) return error;
    throw error;
  }
  throw new Error(`${file} loaded without a CsvFileError`);
}

interface BadCase {
  readonly name: string;
  readonly line: number;
  readonly field: string;
  readonly value: string;
  readonly rule: BarRule;
  readonly message: string;
  /** Rows in the fixture (6 unless stated). */
  readonly rows?: number;
}

const BAD_CASES: readonly BadCase[] = [
  { name: 'bad-nan.csv', line: 4, field: 'close', value: 'NaN', rule: 'nan', message: '`close` must be a number, was NaN' },
  { name: 'bad-empty.csv', line: 3, field: 'volume', value: '', rule: 'empty', message: "`volume` must not be empty, was ''" },
  { name: 'bad-empty-time.csv', line: 5, field: 'timestamp', value: '', rule: 'empty', message: "`timestamp` must not be empty, was ''" },
  { name: 'bad-non-numeric.csv', line: 5, field: 'open', value: 'abc', rule: 'non-numeric', message: "`open` must be a finite decimal number, was 'abc'" },
  { name: 'bad-negative-volume.csv', line: 4, field: 'volume', value: '-1', rule: 'volume-non-negative', message: '`volume` must be >= 0, was -1' },
  { name: 'bad-zero-price.csv', line: 3, field: 'low', value: '0', rule: 'price-positive', message: '`low` must be > 0, was 0' },
  { name: 'bad-negative-price.csv', line: 6, field: 'open', value: '-100.0', rule: 'price-positive', message: '`open` must be > 0, was -100.0' },
  { name: 'bad-high-below-low.csv', line: 4, field: 'high', value: '99.5', rule: 'high-below-low', message: '`high` must be >= `low`, was 99.5 < 100.1' },
  { name: 'bad-high-below-close.csv', line: 7, field: 'high', value: '101.5', rule: 'high-below-open-close', message: '`high` must be >= `close`, was 101.5 < 102.0' },
  { name: 'bad-low-above-open.csv', line: 2, field: 'low', value: '99.5', rule: 'low-above-open-close', message: '`low` must be <= `open`, was 99.5 > 99.0' },
  {
    name: 'bad-time-order.csv', line: 5, field: 'timestamp', value: '2024-04-16 01:30:00+00:00', rule: 'time-order',
    message: "`timestamp` must be later than the previous row's time (line 4, 2024-04-16 02:00:00+00:00), was 2024-04-16 01:30:00+00:00",
  },
  {
    name: 'bad-time-duplicate.csv', line: 5, field: 'timestamp', value: '2024-04-16 02:00:00+00:00', rule: 'time-duplicate',
    message: "`timestamp` must differ from the previous row's time (line 4, 2024-04-16 02:00:00+00:00), was 2024-04-16 02:00:00+00:00: duplicate time",
  },
  {
    name: 'bad-time-invalid.csv', line: 3, field: 'timestamp', value: '2024-02-30 01:00:00+00:00', rule: 'time-invalid',
    message: "`timestamp` must be a valid calendar time (day must be 01-29 in 2024-02, was 30), was '2024-02-30 01:00:00+00:00'",
  },
  { name: 'bad-after-blank-lines-crlf.csv', rows: 2, line: 6, field: 'high', value: '2', rule: 'high-below-open-close', message: '`high` must be >= `close`, was 2 < 2.5' },
  { name: 'bad-column-count.csv', line: 3, field: 'row', value: '5', rule: 'column-count', message: 'row must have 6 fields like the header, was 5' },
  { name: 'bad-quote.csv', line: 6, field: 'row', value: '2024-04-16 04:00:00+00:00,"100.0,101.5,99.5,100.5,14.25', rule: 'quote', message: 'row must use valid CSV quoting, quoted field starting at column 27 is not closed on this line' },
];

describe('reject policy (default)', () => {
  it.each(BAD_CASES)('rejects $name at line $line, field $field, rule $rule', async (c) => {
    const error = await rowErrorOf(c.name);
    expect(error.file, 'the file is the path given to the loader').toBe(fixture(c.name));
    expect(error.line, 'line is the 1-based physical line, header = 1').toBe(c.line);
    expect(error.field).toBe(c.field);
    expect(error.value).toBe(c.value);
    expect(error.rule).toBe(c.rule);
    expect(error.message).toBe(`${fixture(c.name)}:${c.line}: ${c.message}`);
  });

  it('loads a clean file with an empty report', async () => {
    const { series, report } = await loadBarsCsv(fixture('good.csv'));
    expect(series.length).toBe(6);
    expect(report).toMatchObject({ policy: 'reject', rowsRead: 6, rowsKept: 6, rowsSkipped: 0, examples: [] });
    expect(series.timeNs[5]).toBe(BigInt(Date.parse('2024-04-16T05:00:00Z')) * 1_000_000n);
    expect(Array.from(series.volume)).toEqual([10.25, 11.25, 12.25, 13.25, 14.25, 15.25]);
  });
});

describe('skip policy', () => {
  it.each(BAD_CASES)('skips only line $line of $name and keeps the other rows', async (c) => {
    const { series, report } = await loadBarsCsv(fixture(c.name), { onBadRow: 'skip' });
    expect(report.rowsSkipped, 'exactly one bad row per fixture').toBe(1);
    expect(report.rowsKept).toBe((c.rows ?? 6) - 1);
    expect(series.length).toBe((c.rows ?? 6) - 1);
    expect(report.skippedByRule[c.rule]).toBe(1);
    expect(report.examples).toEqual([
      { line: c.line, field: c.field, value: c.value, rule: c.rule, detail: c.message },
    ]);
  });

  it('counts each rule and keeps every good row of a file with many bad rows', async () => {
    const { series, report } = await loadBarsCsv(fixture('mixed-bad.csv'), { onBadRow: 'skip' });
    expect(report.rowsRead).toBe(15);
    expect(report.rowsKept, 'lines 2, 4, 9, 14 and 16 are the good rows').toBe(5);
    expect(report.rowsSkipped).toBe(10);
    expect(report.skippedByRule).toMatchObject({
      nan: 2,
      'high-below-low': 1,
      'volume-non-negative': 1,
      'time-duplicate': 1,
      'time-order': 1,
      'column-count': 1,
      'non-numeric': 1,
      empty: 1,
      'price-positive': 1,
      quote: 0,
      'time-invalid': 0,
    });
    expect(report.examples.map((e) => e.line)).toEqual([3, 5, 6, 7, 8, 10, 11, 12, 13, 15]);
    const hours = Array.from(series.timeNs, (ns) => Number((ns - series.timeNs[0]!) / 3_600_000_000_000n));
    expect(hours, 'kept rows are the good ones, in file order').toEqual([0, 1, 2, 3, 4]);
  });
});

describe('file-level refusals', () => {
  it('refuses an empty file, naming it', async () => {
    const error = await fileErrorOf(fixture('empty.csv'));
    expect(error.problem).toBe('empty-file');
    expect(error.message).toContain(fixture('empty.csv'));
  });

  it('refuses a header without rows', async () => {
    const error = await fileErrorOf(fixture('header-only.csv'));
    expect(error.problem).toBe('no-rows');
    expect(error.message).toContain('header-only.csv');
  });

  it('refuses a missing column, listing the headers found and what was expected', async () => {
    const error = await fileErrorOf(fixture('missing-volume.csv'));
    expect(error.problem).toBe('missing-column');
    expect(error.message).toBe(
      `${fixture('missing-volume.csv')}: missing required column [volume]: a bar file needs a time column and open, high, low, close, volume; found headers 'timestamp', 'open', 'high', 'low', 'close'`,
    );
  });

  it('refuses an unknown timezone and an unknown policy before reading', async () => {
    const zone = await fileErrorOf(fixture('good.csv'), { timezone: 'Europe/Atlantis' });
    expect(zone.problem).toBe('bad-option');
    expect(zone.message).toContain("was 'Europe/Atlantis'");
    const policy = await fileErrorOf(fixture('good.csv'), { onBadRow: 'ignore' as 'skip' });
    expect(policy.message).toContain("`onBadRow` must be 'reject' or 'skip', was 'ignore'");
  });

  it('refuses a file that does not exist with the system error', async () => {
    await expect(loadBarsCsv(fixture('no-such-file.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('real-world dressing', () => {
  it('strips a BOM, handles CRLF, quotes, mixed-case headers, extra columns and blank lines', async () => {
    const { series, report } = await loadBarsCsv(fixture('dressed.csv'));
    expect(report.rowsRead, 'the blank line is not a row').toBe(3);
    expect(series.length).toBe(3);
    expect(series.timeNs[0]).toBe(BigInt(Date.parse('2013-01-02T00:00:00Z')) * 1_000_000n);
    expect(Array.from(series.open)).toEqual([19.78, 19.57, 19.18]);
    expect(Array.from(series.volume)).toEqual([560518000, 352965200, 594333600]);
  });

  it('keeps ns epoch times exact under an open_time header, without a final newline', async () => {
    const { series } = await loadBarsCsv(fixture('epoch-ns.csv'));
    expect(Array.from(series.timeNs)).toEqual([1723161254087896568n, 1723161254087896569n, 1723161254347673567n]);
  });

  it('reads naive times in the given zone across the spring DST change', async () => {
    const { series } = await loadBarsCsv(fixture('naive-new-york.csv'), { timezone: 'America/New_York' });
    const utc = ['2024-03-10T05:00:00Z', '2024-03-10T06:00:00Z', '2024-03-10T07:00:00Z', '2024-03-10T08:00:00Z'];
    expect(Array.from(series.timeNs), '01:00 EST and 03:00 EDT are one hour apart').toEqual(
      utc.map((t) => BigInt(Date.parse(t)) * 1_000_000n),
    );
  });

  it('returns arrays of exactly `length` elements with their own buffers', async () => {
    const { series } = await loadBarsCsv(fixture('good.csv'));
    for (const column of [series.timeNs, series.open, series.high, series.low, series.close, series.volume]) {
      expect(column.length).toBe(series.length);
      expect(column.byteOffset).toBe(0);
      expect(column.buffer.byteLength, 'the buffer holds no spare capacity').toBe(series.length * 8);
    }
  });
});
