// openCsvStream on generated files and the bundled bars: records as market-stream.ts lays
// them out, bar stamps (open vs close, refused when unstated), gzip, bad rows under reject and
// skip, duplicates, backwards time, gaps, one-sided quotes, and one reused block buffer.
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { EventKind, loadEventRecord, bitsF64, type EventRecord } from '../../engine/layout/event-record.js';
import { CsvFileError, CsvRowError, loadBarsCsv, openCsvStream, type CsvStreamOptions } from './index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'qf-csv-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let serial = 0;
function csvFile(text: string, name = `T${++serial}_TESTUSD.csv`): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function records(file: string, options: CsvStreamOptions = {}, instrument = 7): Promise<EventRecord[]> {
  const stream = await openCsvStream(file, options);
  const out: EventRecord[] = [];
  for await (const block of stream.blocks(instrument)) {
    const view = new DataView(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
    for (let i = 0; i < block.count; i++) out.push(loadEventRecord(view, i * 64));
  }
  return out;
}

const REPLAY = EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
const MS = 1_000_000n;
const bundled = path.join(repoRoot, 'data', 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');

describe('bars', () => {
  it('refuses a file with no stated interval whose one odd gap is shorter than the most common (hourly bars would play at 30m)', async () => {
    const rows = ['timestamp,open,high,low,close,volume'];
    for (let h = 0; h < 12; h++) rows.push(`2024-04-16T${String(h).padStart(2, '0')}:00:00Z,1,1,1,1,1`);
    rows.splice(7, 0, '2024-04-16T05:30:00Z,1,1,1,1,1');
    const file = csvFile(`${rows.join('\n')}\n`);
    const error = (await openCsvStream(file, { kind: 'bars', barStamp: 'open' }).catch((e: unknown) => e)) as CsvFileError;
    expect(error, 'an unstated interval inferred as the 30m gap').toBeInstanceOf(CsvFileError);
    expect(error.message).toContain('no bar interval is stated, and the most common gap between bars (1h) is longer than the smallest (30m, before the bar at 2024-04-16T05:30:00.000Z)');
    const regular = csvFile(`${rows.filter((r) => !r.includes('05:30')).join('\n')}\n`);
    expect((await openCsvStream(regular, { kind: 'bars', barStamp: 'open' })).barIntervalNs, 'without the odd bar: 1h').toBe(3_600_000_000_000n);
  });

  it('streams the bundled BTC file through its sidecar as the bar loader reads it (open-stamped, 1h)', async () => {
    const stream = await openCsvStream(bundled);
    expect(stream.kind).toBe('bars');
    expect(stream.symbol).toBe('BTCUSDT');
    expect(stream.barIntervalNs).toBe(3_600_000_000_000n);
    expect(stream.expectedRows).toBe(17_520);
    const got = await records(bundled);
    const { series } = await loadBarsCsv(bundled);
    expect(got.length).toBe(series.length);
    for (const i of [0, 1, 8000, series.length - 1]) {
      const r = got[i]!;
      expect(r.kind, 'BAR | SOURCE_REPLAY | DIRECTION_INBOUND').toBe(EventKind.BAR | REPLAY);
      expect(r.instrument).toBe(7);
      expect(r.tsExchange, 'ts_exchange = bar open = the stamp').toBe(series.timeNs[i]);
      expect(r.tsLocal, 'ts_local = open + 1h').toBe(series.timeNs[i]! + 3_600_000_000_000n);
      expect([r.price, r.size, r.a, r.b, bitsF64(r.id)]).toEqual([series.close[i], series.volume[i], series.high[i], series.low[i], series.open[i]]);
    }
  });

  it('gives the same records for a close-stamped copy with barStamp close', async () => {
    const lines = readFileSync(bundled, 'utf8').trimEnd().split('\n');
    const shifted = lines.map((line, i) => {
      if (i === 0) return line;
      const [stamp, ...rest] = line.split(',');
      const close = new Date(Date.parse(stamp!.replace(' ', 'T')) + 3_600_000).toISOString().replace('.000Z', '+00:00');
      return [close, ...rest].join(',');
    });
    const copy = csvFile(`${shifted.join('\n')}\n`, 'close_stamped_BTCUSDT_1h.csv');
    const fromClose = await records(copy, { barStamp: 'close' });
    const fromOpen = await records(bundled);
    expect(fromClose.length).toBe(fromOpen.length);
    expect(fromClose).toEqual(fromOpen);
  });

  it('refuses a bar file that does not state its bar stamp, naming the rule', async () => {
    const file = csvFile('timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n2024-01-01T01:00:00Z,1,2,0.5,1.5,10\n');
    const error = await openCsvStream(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvFileError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain("state whether the time stamps the bar's open or close: --bar-stamp open|close, or barStamp in FILE.meta.json");
  });

  it('takes volume as optional (unknown: NaN, not 0, which is a bar that traded nothing) and a stated interval', async () => {
    const file = csvFile('time,open,high,low,close\n1704067200,1,2,0.5,1.5\n');
    const got = await records(file, { barStamp: 'open', barInterval: '1m' });
    expect(got).toHaveLength(1);
    expect(got[0]!.size, 'no volume column: the volume is unknown').toBeNaN();
    const zero = await records(csvFile('time,open,high,low,close,volume\n1704067200,1,2,0.5,1.5,0\n'), { barStamp: 'open', barInterval: '1m' });
    expect(zero[0]!.size, 'a volume of 0 read from the file stays 0').toBe(0);
    expect(got[0]!.tsLocal - got[0]!.tsExchange).toBe(60_000_000_000n);
  });

  it('rejects a bar whose high is below its low, naming file:line, field, value and rule', async () => {
    const file = csvFile('timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n2024-01-01T01:00:00Z,1,0.4,0.5,1.5,10\n');
    const error = (await records(file, { barStamp: 'open' }).catch((e: unknown) => e)) as CsvRowError;
    expect(error).toBeInstanceOf(CsvRowError);
    expect([error.line, error.field, error.value, error.rule]).toEqual([3, 'high', '0.4', 'high-below-low']);
    expect(error.message).toContain(`${file}:3`);
  });
});

describe('gzip', () => {
  it('the bar loader reads a .gz as the plain file, and names a truncated one', async () => {
    const plain = csvFile('time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,1,2,5\n2024-01-01T01:00:00Z,2,3,1,2,5\n');
    const packed = csvFile('', 'packed_TESTUSD.csv.gz');
    writeFileSync(packed, gzipSync(readFileSync(plain)));
    const [a, b] = [await loadBarsCsv(plain), await loadBarsCsv(packed)];
    expect(b.report.rowsKept).toBe(2);
    expect(Array.from(b.series.close)).toEqual(Array.from(a.series.close));
    const cut = csvFile('', 'cut_TESTUSD.csv.gz');
    writeFileSync(cut, gzipSync(readFileSync(plain)).subarray(0, 30));
    await expect(loadBarsCsv(cut)).rejects.toThrow(/cut_TESTUSD\.csv\.gz: gzip data must inflate/);
  });

  it('gives records identical to the plain file, byte for byte', async () => {
    const plain = csvFile(readFileSync(bundled, 'utf8'), 'plain_BTCUSDT.csv');
    const gz = path.join(dir, 'packed_BTCUSDT.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(bundled)));
    const a = await records(plain, { barStamp: 'open' });
    const b = await records(gz, { barStamp: 'open' });
    expect(b.length).toBe(17_520);
    expect(b).toEqual(a);
  });
});

const TRADE_HEADER = 'trade_time_ms,trade_id,price,qty,aggressor_side,local_recv_ns\n';

describe('trades', () => {
  it('writes TRADE records: side +1/-1/0, trade id, exchange or receive time as ts_local', async () => {
    const file = csvFile(`${TRADE_HEADER}1723161255342,11,100.5,0.25,buy,1723161254087896568\n1723161255343,12,100.25,1,sell,1723161254087896569\n1723161255343,13,100.25,2,,1723161254087896570\n`);
    const got = await records(file);
    expect(got.map((r) => [r.kind, r.tsExchange, r.tsLocal, r.price, r.size, r.a, r.b, r.id])).toEqual([
      [EventKind.TRADE | REPLAY, 1723161255342n * MS, 1723161255342n * MS, 100.5, 0.25, 1, 0, 11n],
      [EventKind.TRADE | REPLAY, 1723161255343n * MS, 1723161255343n * MS, 100.25, 1, -1, 0, 12n],
      [EventKind.TRADE | REPLAY, 1723161255343n * MS, 1723161255343n * MS, 100.25, 2, 0, 0, 13n],
    ]);
    const received = await records(file, { receiveTimeColumn: 'local_recv_ns' });
    expect(received.map((r) => r.tsLocal)).toEqual([1723161254087896568n, 1723161254087896569n, 1723161254087896570n]);
  });

  it.each([
    ['0', 'price', 'price-positive'],
    ['nan', 'price', 'nan'],
    ['abc', 'price', 'non-numeric'],
  ])('rejects price %s as %s / %s', async (value, field, rule) => {
    const file = csvFile(`${TRADE_HEADER}1723161255342,11,${value},0.25,buy,1\n`);
    const error = (await records(file).catch((e: unknown) => e)) as CsvRowError;
    expect(error).toBeInstanceOf(CsvRowError);
    expect([error.line, error.field, error.value, error.rule]).toEqual([2, field, value, rule]);
  });

  it('rejects a negative size, a wrong side and an unparsable time', async () => {
    const cases: [string, string, string][] = [
      ['1723161255342,11,100,-1,buy,1', 'qty', 'size-non-negative'],
      ['1723161255342,11,100,1,long,1', 'aggressor_side', 'side-invalid'],
      ['17231612x5342,11,100,1,buy,1', 'trade_time_ms', 'time-invalid'],
    ];
    for (const [row, field, rule] of cases) {
      const error = (await records(csvFile(`${TRADE_HEADER}${row}\n`)).catch((e: unknown) => e)) as CsvRowError;
      expect(error, row).toBeInstanceOf(CsvRowError);
      expect([error.field, error.rule], row).toEqual([field, rule]);
    }
  });

  it('refuses a size-0 trade (it would move a built bar to its price) and skips it under skip, naming file, line and value', async () => {
    const rows = `${TRADE_HEADER}1723161255342,11,100,0.5,buy,1\n1723161255343,12,1000000000,0,buy,2\n1723161255344,13,100.5,0.5,sell,3\n`;
    const error = (await records(csvFile(rows)).catch((e: unknown) => e)) as CsvRowError;
    expect(error, 'a size-0 trade under reject').toBeInstanceOf(CsvRowError);
    expect([error.line, error.field, error.value, error.rule]).toEqual([3, 'qty', '0', 'size-positive']);
    const file = csvFile(rows);
    const stream = await openCsvStream(file, { onBadRow: 'skip' });
    let n = 0;
    for await (const block of stream.blocks(0)) n += block.count;
    expect(n, 'trades kept under skip').toBe(2);
    const issues = stream.issues();
    expect(issues.map((i) => [i.rule, i.count, i.action])).toEqual([['size-positive', 1, 'skipped']]);
    expect(issues[0]!.examples[0]).toContain(`${file}:3`);
  });

  it('skips bad rows under skip and counts them by rule with examples', async () => {
    const file = csvFile(`${TRADE_HEADER}1723161255342,11,100,1,buy,1\n1723161255343,12,-5,1,buy,1\n1723161255344,13,100,1,sideways,1\n1723161255345,14,101,1,sell,1\n`);
    const stream = await openCsvStream(file, { onBadRow: 'skip' });
    let n = 0;
    for await (const block of stream.blocks(0)) n += block.count;
    expect(n).toBe(2);
    const issues = stream.issues();
    expect(issues.map((i) => [i.rule, i.count, i.action])).toEqual([
      ['price-positive', 1, 'skipped'],
      ['side-invalid', 1, 'skipped'],
    ]);
    expect(issues[0]!.examples[0]).toContain(`${file}:3`);
  });

  it('counts blank lines between rows as skipped, naming their lines; blank lines at the end are not rows', async () => {
    const file = csvFile(`${TRADE_HEADER}1723161255342,11,100,1,buy,1\n\n  \n1723161255343,12,101,1,buy,1\n\n1723161255344,13,102,1,sell,1\n\n\n`);
    const stream = await openCsvStream(file);
    let n = 0;
    for await (const block of stream.blocks(0)) n += block.count;
    expect(n).toBe(3);
    const issues = stream.issues();
    expect(issues.map((i) => [i.rule, i.count, i.action])).toEqual([['blank', 3, 'skipped']]);
    expect(issues[0]!.examples).toEqual([`${file}:3`, `${file}:4`, `${file}:6`]);
    const { report } = await loadBarsCsv(csvFile('time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,1,2,5\n\n2024-01-01T01:00:00Z,2,3,1,2,5\n\n'));
    expect([report.rowsRead, report.blankLines, report.firstBlankLine]).toEqual([2, 1, 3]);
  });

  it('rejects time going backwards, or skips it under skip', async () => {
    const text = `${TRADE_HEADER}1723161255342,11,100,1,buy,1\n1723161255341,12,100,1,buy,1\n1723161255343,13,100,1,buy,1\n`;
    const error = (await records(csvFile(text)).catch((e: unknown) => e)) as CsvRowError;
    expect([error.line, error.rule]).toEqual([3, 'time-order']);
    expect(error.message).toContain('time went backwards');
    const file = csvFile(text);
    const stream = await openCsvStream(file, { onBadRow: 'skip' });
    let n = 0;
    for await (const block of stream.blocks(0)) n += block.count;
    expect(n).toBe(2);
    expect(stream.issues().map((i) => [i.rule, i.count, i.action])).toEqual([['time-order', 1, 'skipped']]);
  });

  it('tells trade ids above 2^53 apart (each kept, exact in the record) and still drops a repeat of one; an empty id is no id', async () => {
    const base = 1723161255342000000n; // above 2^53: neighbours are equal as f64
    const rows = [0n, 1n, 2n, 3n, 1n].map((k, i) => `${1723161255342 + i},${base + k},100,1,buy,1`);
    const file = csvFile(`${TRADE_HEADER}${rows.join('\n')}\n1723161255350,,100,1,buy,1\n1723161255351,,101,1,buy,1\n`);
    const stream = await openCsvStream(file);
    const out: EventRecord[] = [];
    for await (const block of stream.blocks(0)) {
      const view = new DataView(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
      for (let i = 0; i < block.count; i++) out.push(loadEventRecord(view, i * 64));
    }
    expect(out.slice(0, 4).map((r) => r.id)).toEqual([base, base + 1n, base + 2n, base + 3n]);
    expect(out).toHaveLength(6);
    expect(stream.issues().map((i) => [i.rule, i.count])).toEqual([['duplicate trade id', 1]]);
    expect(stream.issues()[0]!.examples[0]).toContain(`${file}:6 trade id ${base + 1n}`);
  });

  it('drops a repeated trade id by default and reports it; keeps it or rejects it on request', async () => {
    const text = `${TRADE_HEADER}1723161255342,11,100,1,buy,1\n1723161255342,12,100,1,buy,1\n1723161255342,11,100,1,buy,1\n1723161255343,13,100,1,buy,1\n`;
    const file = csvFile(text);
    const stream = await openCsvStream(file);
    let n = 0;
    for await (const block of stream.blocks(0)) n += block.count;
    expect(n).toBe(3);
    expect(stream.issues().map((i) => [i.rule, i.count, i.action])).toEqual([['duplicate trade id', 1, 'dropped']]);
    expect(stream.issues()[0]!.examples[0]).toBe(`${file}:4 trade id 11`);
    expect(await records(file, { onDuplicate: 'keep' })).toHaveLength(4);
    const error = (await records(file, { onDuplicate: 'reject' }).catch((e: unknown) => e)) as CsvRowError;
    expect([error.line, error.rule]).toEqual([4, 'duplicate']);
  });

  it('keeps (and reports) an identical row at the same time when the file has no trade id, and drops it under drop', async () => {
    const file = csvFile('datetime_ny,price,size\n2013-10-07 09:30:00.001,10,100\n2013-10-07 09:30:00.001,10,200\n2013-10-07 09:30:00.001,10,100\n2013-10-07 09:30:00.002,10,100\n');
    const kept = await openCsvStream(file);
    expect((await records(file)).map((r) => r.size)).toEqual([100, 200, 100, 100]);
    for await (const _ of kept.blocks(0)) void _;
    expect(kept.issues().map((i) => [i.rule, i.count, i.action])).toEqual([['duplicate row (identical row at the same time)', 1, 'kept']]);
    const stream = await openCsvStream(file, { onDuplicate: 'drop' });
    const got = await records(file, { onDuplicate: 'drop' });
    expect(got.map((r) => r.size)).toEqual([100, 200, 100]);
    expect(got[0]!.tsExchange, 'datetime_ny is New York time: 09:30 EDT = 13:30Z').toBe(BigInt(Date.parse('2013-10-07T13:30:00.001Z')) * MS);
    for await (const _ of stream.blocks(0)) void _;
    expect(stream.issues().map((i) => [i.rule, i.count, i.action])).toEqual([['duplicate row (identical row at the same time)', 1, 'dropped']]);
  });

  it('reports gaps longer than gapSeconds', async () => {
    const file = csvFile(`${TRADE_HEADER}1723161255342,11,100,1,buy,1\n1723161265342,12,100,1,buy,1\n1723161265343,13,100,1,buy,1\n`);
    const stream = await openCsvStream(file, { gapSeconds: 5 });
    for await (const _ of stream.blocks(0)) void _;
    const issues = stream.issues();
    expect(issues.map((i) => [i.rule, i.count, i.action])).toEqual([['gap > 5 s', 1, 'reported']]);
    expect(issues[0]!.examples[0]).toContain('(10.000 s)');
  });

  it('reads fixed epoch units and refuses other shapes under them', async () => {
    const file = csvFile('ts,price,size\n1723161255.5,100,1\n');
    const got = await records(file, { timeFormat: 'epoch-s' });
    expect(got[0]!.tsExchange).toBe(1723161255_500_000_000n);
    const us = await records(csvFile('ts,price,size\n1723161255000001,100,1\n'), { timeFormat: 'epoch-us' });
    expect(us[0]!.tsExchange).toBe(1723161255_000_001_000n);
    const error = (await records(csvFile('ts,price,size\n2024-01-01T00:00:00Z,100,1\n'), { timeFormat: 'epoch-ms' }).catch((e: unknown) => e)) as CsvRowError;
    expect(error.rule).toBe('time-invalid');
    expect(error.message).toContain('epoch milliseconds');
  });

  it('names a missing mapped column up front', async () => {
    const file = csvFile(TRADE_HEADER + '1723161255342,11,100,1,buy,1\n');
    const error = await openCsvStream(file, { columns: { price: 'px' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvFileError);
    expect((error as Error).message).toContain("missing column 'px' named by columns.price");
  });
});

describe('quotes', () => {
  it('writes QUOTE records (price = mid, a = bid, b = ask, id = bits of the ask size) and rejects bid > ask', async () => {
    const header = 'local_recv_ns,event_time_ms,transaction_time_ms,bid_price,bid_qty,ask_price,ask_qty\n';
    const file = csvFile(`${header}1723161255088169167,1723161256313,1723161256312,100,2,101,3\n`);
    const [r] = await records(file);
    expect([r!.kind, r!.tsExchange, r!.price, r!.size, r!.a, r!.b, bitsF64(r!.id)]).toEqual([EventKind.QUOTE | REPLAY, 1723161256312n * MS, 100.5, 2, 100, 101, 3]);
    const spot = csvFile(`${header}1723161255088169167,,,100,2,101,3\n`);
    const [s] = await records(spot);
    expect(s!.tsExchange, 'no exchange time written: the receive clock').toBe(1723161255088169167n);
    const crossed = csvFile(`${header}1723161255088169167,1723161256313,1723161256312,102,2,101,3\n`);
    const error = (await records(crossed).catch((e: unknown) => e)) as CsvRowError;
    expect([error.field, error.value, error.rule]).toEqual(['bid_price', '102', 'bid-above-ask']);
  });

  it('combines one-sided LEAN updates into one quote per time stamp, not emitting crossed ones, skipping suspicious rows', async () => {
    const header = 'datetime_ny,bid_price,bid_size,ask_price,ask_size,exchange,quote_condition,suspicious\n';
    const rows = [
      '2013-10-08 09:30:00.000,10,100,0,0,P,1,0', // bid only: no quote yet
      '2013-10-08 09:30:00.001,0,0,10.2,300,P,1,0', // ask: quote 10 / 10.2
      '2013-10-08 09:30:00.002,10.1,200,0,0,N,1,0', // same ms: one quote 10.1 / 10.3
      '2013-10-08 09:30:00.002,0,0,10.3,400,N,1,0',
      '2013-10-08 09:30:00.003,10.5,100,0,0,Q,1,0', // crossed 10.5 / 10.3: not emitted
      '2013-10-08 09:30:00.004,0,0,10.6,100,Q,1,1', // suspicious: skipped
      '2013-10-08 09:30:00.005,0,0,10.6,100,Q,1,0', // 10.5 / 10.6
    ];
    const file = csvFile(header + rows.join('\n') + '\n');
    const stream = await openCsvStream(file);
    const got = await records(file);
    expect(got.map((r) => [r.a, r.b, r.size, bitsF64(r.id)])).toEqual([
      [10, 10.2, 100, 300],
      [10.1, 10.3, 200, 400],
      [10.5, 10.6, 100, 100],
    ]);
    expect(got[1]!.tsExchange).toBe(BigInt(Date.parse('2013-10-08T13:30:00.002Z')) * MS);
    for await (const _ of stream.blocks(0)) void _;
    expect(stream.issues().map((i) => [i.rule, i.count, i.action])).toEqual([
      ['suspicious (LEAN flag)', 1, 'skipped'],
      ['crossed one-sided quote', 1, 'not emitted'],
    ]);
  });
});

describe('gzip ticks', () => {
  it('gives the same trade records from a .gz copy, told by magic bytes not by name', async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => `${1723161255342 + i},${i + 1},${100 + (i % 13) / 4},1.5,${i % 3 === 0 ? 'sell' : 'buy'},${1723161254087896568n + BigInt(i)}`);
    const text = `${TRADE_HEADER}${rows.join('\n')}\n`;
    const plain = csvFile(text, 'zz_ZZZUSDT_plain.csv');
    const packed = path.join(dir, 'zz_ZZZUSDT_packed.csv');
    writeFileSync(packed, gzipSync(Buffer.from(text)));
    const a = await records(plain, { receiveTimeColumn: 'local_recv_ns' });
    expect(a).toHaveLength(50_000);
    expect(await records(packed, { receiveTimeColumn: 'local_recv_ns' })).toEqual(a);
  });
});

describe('mapping and options', () => {
  it('refuses a sidecar with an unknown key, naming the sidecar and the key', async () => {
    const file = csvFile('trade_time_ms,price,qty\n1723161255342,100,1\n', 'meta_bad_BADUSDT.csv');
    writeFileSync(`${file}.meta.json`, JSON.stringify({ kind: 'trades', stamp: 'open' }));
    const error = await openCsvStream(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvFileError);
    expect((error as Error).message).toContain(`sidecar ${file}.meta.json: unknown key \`stamp\``);
  });

  it('says a duplicate naive time read in a zone may be the hour daylight saving ends', async () => {
    const rows = ['2024-11-03 00:00:00', '2024-11-03 01:00:00', '2024-11-03 01:00:00'].map((t, i) => `${t},${10 + i},${12 + i},${9 + i},${11 + i},5`);
    const file = csvFile(`timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
    const hint = /duplicate time \(read in America\/New_York: a naive time repeats in the hour daylight saving ends; give times with an offset or in UTC\)/;
    await expect(records(file, { barStamp: 'open', barInterval: '1h', timezone: 'America/New_York' })).rejects.toThrow(hint);
    await expect(loadBarsCsv(file, { timezone: 'America/New_York' })).rejects.toThrow(hint);
    await expect(loadBarsCsv(file)).rejects.toThrow(/duplicate time$/);
  });

  it('guesses the symbol past a venue token, reads a sidecar with a BOM, and names CR-only line endings', async () => {
    const { symbolFromFileName } = await import('./index.js');
    expect(['BINANCE_ETHUSDT_1h.csv', 'binance_spot_BTCUSDT_1h_2024.csv', 'LEAN_IBM_trades.csv', 'BINANCE.csv', 'lower.csv'].map((f) => symbolFromFileName(f))).toEqual(['ETHUSDT', 'BTCUSDT', 'IBM', 'BINANCE', undefined]);
    const bars = 'time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,1,2,5\n2024-01-01T01:00:00Z,2,3,1,2,5\n';
    const withBom = csvFile(bars, 'bom_sidecar_TESTUSD.csv');
    writeFileSync(`${withBom}.meta.json`, `\uFEFF${JSON.stringify({ kind: 'bars', barStamp: 'open', symbol: 'FROMSIDECAR' })}`);
    expect((await openCsvStream(withBom)).symbol).toBe('FROMSIDECAR');
    const crOnly = csvFile(bars.replace(/\n/g, '\r'));
    await expect(openCsvStream(crOnly, { barStamp: 'open' })).rejects.toThrow(/lines must end with LF or CRLF, and this header holds a CR/);
    await expect(loadBarsCsv(crOnly)).rejects.toThrow(/lines must end with LF or CRLF/);
  });

  it('refuses a header that fits two kinds (a bar file with a price column) and a header name given twice', async () => {
    const bars = csvFile('timestamp,open,high,low,close,volume,price\n2024-01-01T00:00:00Z,1,2,1,2,5,2\n');
    await expect(openCsvStream(bars)).rejects.toThrow(/the header fits trades and bars .*: state --kind trades\|bars/);
    expect((await openCsvStream(bars, { kind: 'bars', barStamp: 'open', barInterval: '1h' })).kind).toBe('bars');
    const twice = csvFile('timestamp,open,high,low,close,close,volume\n2024-01-01T00:00:00Z,1,2,1,2,3,5\n');
    await expect(openCsvStream(twice, { barStamp: 'open' })).rejects.toThrow(/column 'close' appears more than once in the header \(columns 5 and 6\)/);
  });

  it('refuses an unknown kind, and a header it cannot place', async () => {
    const file = csvFile('a,b\n1,2\n');
    const unknownKind = await openCsvStream(file, { kind: 'books' as 'bars' }).catch((e: unknown) => e);
    expect(unknownKind).toBeInstanceOf(CsvFileError);
    expect((unknownKind as Error).message).toContain("`kind` must be one of 'bars', 'trades', 'quotes'");
    const unplaced = await openCsvStream(file).catch((e: unknown) => e);
    expect((unplaced as Error).message).toContain('state --kind bars|trades|quotes');
  });

  it('lets explicit options override the sidecar', async () => {
    const file = csvFile('px_time,px,amount\n1723161255342,100,1\n', 'mapped.csv');
    writeFileSync(`${file}.meta.json`, JSON.stringify({ kind: 'trades', symbol: 'FROMMETA', timeColumn: 'px_time', columns: { price: 'px', size: 'amount' } }));
    const fromMeta = await openCsvStream(file);
    expect([fromMeta.kind, fromMeta.symbol]).toEqual(['trades', 'FROMMETA']);
    const overridden = await openCsvStream(file, { symbol: 'EXPLICIT' });
    expect(overridden.symbol).toBe('EXPLICIT');
    expect((await records(file))[0]!.price).toBe(100);
  });

  it('parses quoted fields, CRLF and a BOM like the bar loader', async () => {
    const file = csvFile('\ufefftrade_time_ms,price,qty\r\n1723161255342,"100.5",1\r\n');
    const got = await records(file);
    expect(got.map((r) => r.price)).toEqual([100.5]);
  });
});

describe('constant memory', () => {
  it('reuses one block buffer and keeps the heap flat over a 2M-row file', async () => {
    const file = path.join(dir, 'big_BIGUSDT_trades.csv');
    const out = createWriteStream(file);
    out.write(TRADE_HEADER);
    const rows = 2_000_000;
    let chunk = '';
    for (let i = 0; i < rows; i++) {
      chunk += `${1723161255342 + (i >> 3)},${i + 1},${(100 + (i % 97) / 100).toFixed(2)},0.${(i % 9) + 1},${i % 2 === 0 ? 'buy' : 'sell'},${1723161254087896568n + BigInt(i)}\n`;
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        chunk = '';
      }
    }
    out.end(chunk);
    await new Promise<void>((resolve) => out.on('finish', () => resolve()));

    const stream = await openCsvStream(file);
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let count = 0;
    let buffer: ArrayBufferLike | null = null;
    let lastId = 0n;
    for await (const block of stream.blocks(0)) {
      buffer ??= block.bytes.buffer;
      expect(block.bytes.buffer, 'every block is a view of the same buffer').toBe(buffer);
      count += block.count;
      lastId = new DataView(block.bytes.buffer, block.bytes.byteOffset).getBigUint64((block.count - 1) * 64 + 56, true);
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(count).toBe(rows);
    expect(lastId).toBe(BigInt(rows));
    const growthMiB = (peak - baseline) / (1 << 20);
    expect(growthMiB, `heap grew ${growthMiB.toFixed(1)} MiB streaming a ${(rows / 1e6).toFixed(0)}M-row file (the records alone would be 122 MiB)`).toBeLessThan(16);
  });
});

describe('files that are not regular files', () => {
  it('refuses a named pipe at once, naming it, instead of blocking on it or failing with ESPIPE', async () => {
    const fifo = path.join(mkdtempSync(path.join(os.tmpdir(), 'qf-fifo-')), 'BTCUSDT-trades.csv');
    execFileSync('mkfifo', [fifo]);
    const error = (await openCsvStream(fifo).catch((e: unknown) => e)) as CsvFileError;
    expect(error).toBeInstanceOf(CsvFileError);
    expect([error.file, error.problem]).toEqual([fifo, 'not-a-file']);
    expect(error.message).toContain('is not a regular file (a named pipe)');
  }, 10_000);
});
