// openCsvStream on the real tick files in ../shared/data with no options: every crypto trade,
// crypto quote and equity tick file loads, with record counts, first and last records and
// reported issues checked against an independent reading of the raw text (String.split, a
// Set per time stamp, Date.parse). Also the CLI mapping flags (engine/cli/csv-mapping-options.ts)
// and measureCsvLoad.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { bitsF64, EventKind, loadEventRecord, type EventRecord } from '../engine/layout/event-record.js';
import { measureCsvLoad, openCsvStream, type CsvMarketStream } from '../adapters/files/index.js';
import { csvOptionsFromFlags, withCsvMappingOptions } from '../engine/cli/csv-mapping-options.js';
import { UserFacingError } from '../engine/cli/cli-error.js';
import { sharedData, sharedDataDir, skipWithout } from './peers.js';

const skipSharedData = skipWithout(sharedData(['crypto_trades', 'crypto_quotes', 'equity_ticks']));
const list = (dir: string): string[] =>
  skipSharedData ? [] : readdirSync(path.join(sharedDataDir, dir)).filter((f) => f.endsWith('.csv')).sort().map((f) => path.join(sharedDataDir, dir, f));
const MS = 1_000_000n;
const REPLAY = EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;

interface Streamed {
  stream: CsvMarketStream;
  count: number;
  first: EventRecord;
  last: EventRecord;
  nonDecreasing: boolean;
}

async function stream(file: string): Promise<Streamed> {
  const stream = await openCsvStream(file);
  let count = 0;
  let first: EventRecord | null = null;
  let last: EventRecord | null = null;
  let previous = -1n;
  let nonDecreasing = true;
  for await (const block of stream.blocks(2)) {
    const view = new DataView(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
    for (let i = 0; i < block.count; i++) {
      const tsLocal = view.getBigInt64(i * 64 + 16, true);
      if (tsLocal < previous) nonDecreasing = false;
      previous = tsLocal;
    }
    first ??= loadEventRecord(view, 0);
    last = loadEventRecord(view, (block.count - 1) * 64);
    count += block.count;
  }
  return { stream, count, first: first!, last: last!, nonDecreasing };
}

/** Data rows as arrays of cells, and the header. */
function rawRows(file: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

/** New York wall time 'YYYY-MM-DD HH:MM:SS.fff' in October 2013 (EDT, UTC-4) as ns. */
const nyNs = (cell: string): bigint => BigInt(Date.parse(`${cell.replace(' ', 'T')}-04:00`)) * MS;

describe.skipIf(skipSharedData)('shared crypto trade files', () => {
  const files = list('crypto_trades');
  it('finds the 4 trade files', () => expect(files).toHaveLength(4));

  it.each(files.map((f) => [path.basename(f), f]))('loads %s with no options: one TRADE per row, ends equal the raw text', async (_name, file) => {
    const { header, rows } = rawRows(file);
    const col = (name: string): number => header.indexOf(name);
    const got = await stream(file);
    expect(got.stream.kind).toBe('trades');
    expect(got.stream.symbol).toBe(/(BTCUSDT|ETHUSDT)/.exec(file)![1]);
    expect(got.count, 'rows per wc -l minus the header; trade ids are unique').toBe(rows.length);
    expect(got.stream.issues(), 'no gap over 60 s, no repeated id').toEqual([]);
    expect(got.nonDecreasing).toBe(true);
    for (const [record, row] of [[got.first, rows[0]!], [got.last, rows[rows.length - 1]!]] as const) {
      const side = row[col('aggressor_side')] === 'buy' ? 1 : -1;
      expect(record.kind).toBe(EventKind.TRADE | REPLAY);
      expect(record.instrument).toBe(2);
      expect(record.tsExchange).toBe(BigInt(row[col('trade_time_ms')]!) * MS);
      expect(record.tsLocal).toBe(record.tsExchange);
      expect([record.price, record.size, record.a, record.id]).toEqual([Number(row[col('price')]), Number(row[col('qty')]), side, BigInt(row[col('trade_id')]!)]);
    }
  });
});

describe.skipIf(skipSharedData)('shared crypto quote files', () => {
  const files = list('crypto_quotes');
  it('finds the 4 quote files', () => expect(files).toHaveLength(4));

  it.each(files.map((f) => [path.basename(f), f]))('loads %s with no options: one QUOTE per row', async (_name, file) => {
    const { header, rows } = rawRows(file);
    const col = (name: string): number => header.indexOf(name);
    const got = await stream(file);
    expect(got.stream.kind).toBe('quotes');
    expect(got.count).toBe(rows.length);
    expect(got.nonDecreasing).toBe(true);
    const spot = file.includes('_spot_');
    expect(got.stream.timeChoice).toContain(spot ? 'local_recv_ns' : 'transaction_time_ms');
    const last = rows[rows.length - 1]!;
    const time = spot ? BigInt(last[col('local_recv_ns')]!) : BigInt(last[col('transaction_time_ms')]!) * MS;
    const [bid, ask] = [Number(last[col('bid_price')]), Number(last[col('ask_price')])];
    expect(got.last.kind).toBe(EventKind.QUOTE | REPLAY);
    expect([got.last.tsExchange, got.last.price, got.last.size, got.last.a, got.last.b, bitsF64(got.last.id)]).toEqual([
      time,
      (bid + ask) / 2,
      Number(last[col('bid_qty')]),
      bid,
      ask,
      Number(last[col('ask_qty')]),
    ]);
  });
});

describe.skipIf(skipSharedData)('shared equity tick files', () => {
  const trades = list('equity_ticks').filter((f) => f.includes('_trade_ticks_'));
  const quotes = list('equity_ticks').filter((f) => f.includes('_quote_ticks_'));
  it('finds the 2 trade tick files and the IBM quote tick file', () => {
    expect(trades).toHaveLength(2);
    expect(quotes).toHaveLength(1);
  });

  it.each(trades.map((f) => [path.basename(f), f]))('loads %s with no options, keeping and reporting identical rows at the same time', async (_name, file) => {
    const { rows } = rawRows(file);
    expect(rows.length, 'rows per the data README').toBe(file.includes('BAC') ? 573_620 : 126_395);
    // Oracle: every row is kept (no trade id: identical rows at one time are separate prints by
    // default), identical rows at the same time are counted; gaps over 60 s between rows.
    let seen = new Set<string>();
    let time = '';
    let kept = 0;
    let gaps = 0;
    let previousNs = 0n;
    let lastKept: string[] = [];
    let repeats = 0;
    for (const row of rows) {
      if (row[0] !== time) {
        time = row[0]!;
        seen = new Set();
      }
      const key = row.join(',');
      if (seen.has(key)) repeats += 1;
      seen.add(key);
      const ns = nyNs(row[0]!);
      if (kept > 0 && ns - previousNs > 60_000_000_000n) gaps += 1;
      previousNs = ns;
      kept += 1;
      lastKept = row;
    }
    const got = await stream(file);
    expect(got.stream.symbol).toBe(file.includes('BAC') ? 'BAC' : 'IBM');
    expect(got.count).toBe(kept);
    const issues = Object.fromEntries(got.stream.issues().map((i) => [i.rule, [i.count, i.action]]));
    expect(kept).toBe(rows.length);
    expect(repeats).toBeGreaterThan(0);
    expect(issues).toEqual({ 'duplicate row (identical row at the same time)': [repeats, 'kept'], 'gap > 60 s': [gaps, 'reported'] });
    expect([got.first.tsExchange, got.first.price, got.first.size, got.first.a]).toEqual([nyNs(rows[0]![0]!), Number(rows[0]![1]), Number(rows[0]![2]), 0]);
    expect([got.last.tsExchange, got.last.price, got.last.size]).toEqual([nyNs(lastKept[0]!), Number(lastKept[1]), Number(lastKept[2])]);
  });

  it('loads the IBM quote ticks as one quote per time stamp from the latest bid and ask', async () => {
    const file = quotes[0]!;
    const { rows } = rawRows(file);
    expect(rows.length).toBe(125_750);
    // Oracle: skip suspicious rows; latest bid and ask; one quote at the end of each time stamp once both are known, unless crossed.
    const usable = rows.filter((r) => r[7] === '0');
    let bid = 0;
    let ask = 0;
    let emitted = 0;
    let crossed = 0;
    let last: [string, number, number] = ['', 0, 0];
    usable.forEach((r, i) => {
      if (Number(r[1]) > 0) bid = Number(r[1]);
      if (Number(r[3]) > 0) ask = Number(r[3]);
      const endOfStamp = i === usable.length - 1 || usable[i + 1]![0] !== r[0];
      if (endOfStamp && bid > 0 && ask > 0) {
        if (bid > ask) crossed += 1;
        else {
          emitted += 1;
          last = [r[0]!, bid, ask];
        }
      }
    });
    const got = await stream(file);
    expect(got.stream.kind).toBe('quotes');
    expect(got.count).toBe(emitted);
    expect(got.nonDecreasing).toBe(true);
    const issues = Object.fromEntries(got.stream.issues().map((i) => [i.rule, [i.count, i.action]]));
    expect(issues['crossed one-sided quote']).toEqual([crossed, 'not emitted']);
    expect(issues['suspicious (LEAN flag)']).toEqual([rows.length - usable.length, 'skipped']);
    expect([got.last.tsExchange, got.last.a, got.last.b]).toEqual([nyNs(last[0]), last[1], last[2]]);
  });
});

describe.skipIf(skipSharedData)('measureCsvLoad', () => {
  it('reports the rows and a positive rate', async () => {
    const file = list('crypto_trades')[0]!;
    const result = await measureCsvLoad(file);
    expect(result.rows).toBe(rawRows(file).rows.length);
    expect(result.seconds).toBeGreaterThan(0);
    expect(result.rowsPerSecond).toBeCloseTo(result.rows / result.seconds, 3);
  });
});

describe('CSV mapping flags', () => {
  const parse = (args: string[]): Record<string, unknown> => {
    const command = withCsvMappingOptions(new Command('x').exitOverride());
    command.parse(args, { from: 'user' });
    return command.opts();
  };

  it('turns the flags into CsvStreamOptions, leaving unstated ones out', () => {
    expect(csvOptionsFromFlags(parse([]))).toEqual({});
    const options = csvOptionsFromFlags(
      parse(['--kind', 'trades', '--symbol', 'IBM', '--time-column', 'datetime_ny', '--time-format', 'iso', '--timezone', 'America/New_York',
        '--receive-time-column', 'local_recv_ns', '--column', 'price=px', '--column', 'size=qty', '--on-bad-row', 'skip', '--on-duplicate', 'keep', '--gap-seconds', '5']),
    );
    expect(options).toEqual({
      kind: 'trades',
      symbol: 'IBM',
      timeColumn: 'datetime_ny',
      timeFormat: 'iso',
      timezone: 'America/New_York',
      receiveTimeColumn: 'local_recv_ns',
      columns: { price: 'px', size: 'qty' },
      onBadRow: 'skip',
      onDuplicate: 'keep',
      gapSeconds: 5,
    });
    expect(csvOptionsFromFlags(parse(['--bar-stamp', 'close', '--bar-interval', '4h']))).toEqual({ barStamp: 'close', barInterval: '4h' });
  });

  it.each([
    [['--kind', 'books'], '`--kind` must be one of bars, trades, quotes'],
    [['--bar-stamp', 'middle'], '`--bar-stamp` must be one of open, close'],
    [['--time-format', 'epoch-days'], '`--time-format` must be one of'],
    [['--timezone', 'Mars/Olympus'], '`--timezone` must be an IANA time zone name'],
    [['--column', 'price'], '`--column` must be ROLE=HEADER'],
    [['--column', 'strike=k'], '`--column` role must be one of'],
    [['--gap-seconds', '-1'], '`--gap-seconds` must be a number > 0'],
    [['--bar-interval', 'hourly'], '`--bar-interval` must be a positive count and a unit'],
    [['--on-duplicate', 'merge'], '`--on-duplicate` must be one of drop, keep, reject'],
  ])('refuses %j as a UserFacingError', (args, message) => {
    const attempt = (): unknown => csvOptionsFromFlags(parse(args as string[]));
    expect(attempt).toThrow(UserFacingError);
    expect(attempt).toThrow(message as string);
  });
});
