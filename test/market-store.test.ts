// The market-data store end to end: a multi-million-row series imported and read back in
// constant memory (with the import and read rates), the `import` and `data ls` commands' run
// functions, and the real crypto trade prints of ../shared/data imported through openCsvStream.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventKind } from '../engine/layout/event-record.js';
import { BadTradeRecordError, RECORD_BYTES, type MarketStream, type RecordBlock } from '../engine/replay/index.js';
import { importStream, listSeries, measureStoreRead, openStoreStreams } from '../adapters/store/index.js';
import * as files from '../adapters/files/index.js';
import { runImport } from '../engine/cli/commands/import.js';
import { LS_TIMES_NOTE, runDataLs } from '../engine/cli/commands/data.js';
import { openDataSources } from '../adapters/sources/index.js';
import { UserFacingError } from '../engine/cli/cli-error.js';

const root = mkdtempSync(path.join(tmpdir(), 'qf-store-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const TRADES = path.resolve('../shared/data/crypto_trades');
const hasTrades = existsSync(TRADES);
const hasCsvStreams = typeof (files as Record<string, unknown>).openCsvStream === 'function';
if (!hasTrades) console.warn(`skipping the real-data import: ${TRADES} is absent`);
if (!hasCsvStreams) console.warn('skipping the CSV imports: adapters/files does not export openCsvStream yet');

const T0 = 1_723_161_255_000_000_000n;
const BLOCK = 8192;

/** `rows` trades 1 us apart, generated block by block into one reused buffer (the stream never holds more). */
function generatedTrades(rows: number): MarketStream {
  return {
    label: 'generated',
    symbol: 'BTCUSDT',
    kind: 'trades',
    expectedRows: rows,
    async *blocks(instrument: number): AsyncIterable<RecordBlock> {
      const bytes = new Uint8Array(BLOCK * RECORD_BYTES);
      const i32 = new Int32Array(bytes.buffer);
      const i64 = new BigInt64Array(bytes.buffer);
      const f64 = new Float64Array(bytes.buffer);
      for (let at = 0; at < rows; at += BLOCK) {
        const n = Math.min(BLOCK, rows - at);
        for (let i = 0; i < n; i++) {
          const row = at + i;
          const ts = T0 + BigInt(row) * 1000n;
          i32[i * 16] = EventKind.TRADE | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
          i32[i * 16 + 1] = instrument;
          i64[i * 8 + 1] = ts;
          i64[i * 8 + 2] = ts;
          f64[i * 8 + 3] = 60_000 + (row % 1000) * 0.01;
          f64[i * 8 + 4] = 0.001 * (1 + (row % 17));
          f64[i * 8 + 5] = row % 2 ? 1 : -1;
          f64[i * 8 + 6] = 0;
          i64[i * 8 + 7] = BigInt(row + 1);
        }
        yield { count: n, bytes: bytes.subarray(0, n * RECORD_BYTES) };
      }
    },
    issues: () => [],
  };
}

/** Trades 1 s apart of `sizes`, as a stream a store import takes (no row rules: a store imported before them). */
function tradesOfSizes(sizes: readonly number[]): MarketStream {
  return {
    label: 'sized', symbol: 'ETHUSDT', kind: 'trades', expectedRows: sizes.length,
    async *blocks(instrument: number): AsyncIterable<RecordBlock> {
      const bytes = new Uint8Array(sizes.length * RECORD_BYTES);
      const view = new DataView(bytes.buffer);
      sizes.forEach((size, i) => {
        const at = i * RECORD_BYTES;
        view.setInt32(at, EventKind.TRADE | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND, true);
        view.setInt32(at + 4, instrument, true);
        view.setBigInt64(at + 8, T0 + BigInt(i) * 1_000_000_000n, true);
        view.setBigInt64(at + 16, T0 + BigInt(i) * 1_000_000_000n, true);
        view.setFloat64(at + 24, size === 0 ? 1e9 : 2500, true);
        view.setFloat64(at + 32, size, true);
        view.setBigInt64(at + 56, BigInt(i + 1), true);
      });
      yield { count: sizes.length, bytes };
    },
    issues: () => [],
  };
}

describe('market-data store, end to end', () => {
  it('refuses a stored size-0 trade on read as the CSV loader does (rule size-positive), naming the series, row, time and value', async () => {
    const dir = path.join(root, 'size-zero');
    // Twenty trades, the 13th of size 0 at 1e9: stored by an import from before the rule.
    await importStream(dir, tradesOfSizes(Array.from({ length: 20 }, (_, i) => (i === 12 ? 0 : 0.5))), { sha256: null, blockRecords: 8 });
    const [stream] = openStoreStreams(dir, { symbol: 'ETHUSDT' });
    const read = async (): Promise<number> => {
      let rows = 0;
      for await (const block of stream.blocks(0)) rows += block.count;
      return rows;
    };
    const error = await read().catch((e: unknown) => e);
    expect(error, 'the size-0 trade stops the read').toBeInstanceOf(BadTradeRecordError);
    expect(error).toMatchObject({ source: `store:${dir}/ETHUSDT/trades`, row: 13, field: 'size', value: '0', rule: 'size-positive' });
    expect((error as Error).message).toBe(`store:${dir}/ETHUSDT/trades: row 13 (ts 2024-08-08T23:54:27.000000000Z): \`size\` must be > 0 (a size-0 trade is no trade), was 0 (rule size-positive)`);
    const [from13] = openStoreStreams(dir, { symbol: 'ETHUSDT', from: T0 + 12n * 1_000_000_000n });
    const fromError = await (async () => { for await (const _ of from13.blocks(0)) { /* read */ } })().catch((e: unknown) => e);
    expect(fromError, 'a read from the bad trade counts rows from its start').toMatchObject({ row: 1, rule: 'size-positive' });
  });

  it('imports and reads back a 4M-row series in constant memory', async () => {
    const dir = path.join(root, 'big');
    const rows = 4_000_000;
    const before = process.memoryUsage();
    let importPeak = 0;
    const imported = await importStream(dir, generatedTrades(rows), {
      sha256: null,
      onProgress: () => {
        const now = process.memoryUsage();
        importPeak = Math.max(importPeak, now.heapUsed + now.arrayBuffers - before.heapUsed - before.arrayBuffers);
      },
    });
    expect(imported.rows).toBe(rows);
    expect(importPeak, `importing ${rows} rows holds one transaction of blocks, not the series (grew ${importPeak} bytes)`).toBeLessThan(64 * 2 ** 20);
    const [stream] = openStoreStreams(dir);
    const baseline = process.memoryUsage();
    let peak = 0;
    let read = 0;
    let expectedId = 1n;
    const started = process.hrtime.bigint();
    for await (const block of stream.blocks(9)) {
      const view = new DataView(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
      expect(view.getBigUint64(56, true), 'blocks come in order, none missing').toBe(expectedId);
      expectedId += BigInt(block.count);
      read += block.count;
      const now = process.memoryUsage();
      peak = Math.max(peak, now.heapUsed + now.arrayBuffers - baseline.heapUsed - baseline.arrayBuffers);
    }
    const readSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    expect(read).toBe(rows);
    const measured = await measureStoreRead(dir, { symbol: 'BTCUSDT' });
    console.info(`store: import ${Math.round(imported.rowsPerSecond).toLocaleString('en-US')} rows/s (${imported.seconds.toFixed(2)} s), `
      + `read ${Math.round(rows / readSeconds).toLocaleString('en-US')} rows/s (checked), measureStoreRead ${Math.round(measured.rowsPerSecond).toLocaleString('en-US')} rows/s; `
      + `peak heap + array buffers while importing +${(importPeak / 2 ** 20).toFixed(1)} MiB, while reading +${(peak / 2 ** 20).toFixed(1)} MiB for ${(rows * RECORD_BYTES / 2 ** 20).toFixed(0)} MiB of records`);
    expect(measured.rows).toBe(rows);
    expect(peak, `reading ${rows} rows must not materialise them (grew ${peak} bytes)`).toBeLessThan(48 * 2 ** 20);
  });

  it('lists the series with `data ls`, as a table and as JSON', async () => {
    const dir = path.join(root, 'ls');
    await importStream(dir, generatedTrades(20_000), { sha256: null });
    let text = '';
    runDataLs({ store: dir }, (t) => void (text += t));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^symbol\s+kind\s+interval\s+rows\s+first\s+last\s+sources$/);
    expect(lines[1]).toMatch(/^BTCUSDT\s+trades\s+-\s+20,000\s+2024-08-08T23:54:15\.000Z\s+2024-08-08T23:54:15\.019999Z\s+1: generated$/);
    let json = '';
    runDataLs({ store: dir, json: true }, (t) => void (json += t));
    const parsed = JSON.parse(json) as { series: { symbol: string; rows: number; firstNs: string; sources: { label: string }[] }[] };
    expect(parsed.series).toHaveLength(1);
    expect(parsed.series[0]).toMatchObject({ symbol: 'BTCUSDT', rows: 20_000, firstNs: T0.toString(), times: 'row time' });
    expect(() => runDataLs({ store: path.join(root, 'missing') }, () => {})).toThrow(UserFacingError);
    expect(() => runDataLs({ store: path.join(root, 'missing') }, () => {})).toThrow(`no market-data store at ${path.join(root, 'missing')}: the directory does not exist`);
  });

  it('prints a bar series\' first and last bar by open time, the time store:DIR?from= selects on, and says so', async () => {
    const dir = path.join(root, 'ls-bars');
    const csv = path.join(root, 'X_1h.csv');
    // 48 hourly bars opening 2024-01-01T00:00Z .. 2024-01-02T23:00Z (stored under their closes, 01:00 .. 2024-01-03T00:00).
    const rows = Array.from({ length: 48 }, (_, h) => `${new Date(Date.UTC(2024, 0, 1, h)).toISOString()},100,101,99,100,1`);
    writeFileSync(csv, `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
    await importStream(dir, await files.openCsvStream(csv, { symbol: 'X', barStamp: 'open' }), { sha256: null });
    let text = '';
    runDataLs({ store: dir }, (t) => void (text += t));
    const lines = text.trimEnd().split('\n');
    const first = lines[1].split(/\s+/)[4];
    const [copied] = await openDataSources([`store:${dir}?symbol=X&from=${first}`], {});
    let played = 0;
    for await (const block of copied.blocks(0)) played += block.count;
    expect(played, `from=${first} copied from data ls selects every bar`).toBe(48);
    expect(lines[1]).toMatch(/^X\s+bars\s+1h\s+48\s+2024-01-01T00:00:00\.000Z\s+2024-01-02T23:00:00\.000Z\s+1: X_1h\.csv$/);
    expect(lines.at(-1), 'the table says what its times are').toBe(LS_TIMES_NOTE);
    let json = '';
    runDataLs({ store: dir, json: true }, (t) => void (json += t));
    expect(JSON.parse(json).series[0]).toMatchObject({ times: 'bar open', first: '2024-01-01T00:00:00.000Z', last: '2024-01-02T23:00:00.000Z' });
  });

  it.skipIf(!hasTrades || !hasCsvStreams)('imports the real crypto trade prints with `import`, refuses them twice and an overlapping file', async () => {
    const dir = path.join(root, 'crypto');
    const spot = readdirSync(TRADES).filter((f) => f.startsWith('binance_spot_')).sort().map((f) => path.join(TRADES, f));
    let out = '';
    const report = await runImport({ store: dir, in: spot }, { out: (t) => void (out += t), err: () => {}, progressBar: false });
    expect(report.files.map((f) => f.seriesName)).toStrictEqual(['BTCUSDT/trades', 'ETHUSDT/trades']);
    expect(out).toMatch(/BTCUSDT\/trades <- .*binance_spot_BTCUSDT_trades.*\.csv\n {2}[\d,]+ rows, 2024-08-08T23:54:15\.342Z \.\. 2024-08-09T00:0\d:[\d.]+Z, [\d,]+ rows\/s\n/);
    expect(out).toMatch(/ {2}issues: /);
    expect(out).toMatch(/store .*: 2 file\(s\), [\d,]+ rows in [\d.]+ s \([\d,]+ rows\/s\)\n$/);
    // Byte for byte what the CSV stream yields, apart from the instrument id.
    for (const file of spot) {
      const csv = await files.openCsvStream(file);
      const fromCsv: Uint8Array[] = [];
      for await (const block of csv.blocks(5)) fromCsv.push(block.bytes.slice());
      const [stored] = openStoreStreams(dir, { symbol: csv.symbol, kind: csv.kind });
      const fromStore: Uint8Array[] = [];
      for await (const block of stored.blocks(5)) fromStore.push(block.bytes.slice());
      expect(Buffer.compare(Buffer.concat(fromStore), Buffer.concat(fromCsv)), `${file} round trip`).toBe(0);
    }
    const series = listSeries(dir);
    expect(series.map((s) => [s.symbol, s.rows])).toStrictEqual(report.files.map((f) => [f.series!.symbol, f.rows]));
    expect(series[0].sources[0].sha256).toMatch(/^[0-9a-f]{64}$/);

    await expect(runImport({ store: dir, in: [spot[0]] }, { out: () => {}, err: () => {}, progressBar: false })).rejects.toThrow(/was already imported .*rule: a file is imported once/);
    const perp = path.join(TRADES, readdirSync(TRADES).find((f) => f.startsWith('binance_usdm_perp_BTCUSDT'))!);
    await expect(runImport({ store: dir, in: [perp] }, { out: () => {}, err: () => {}, progressBar: false }))
      .rejects.toThrow(/series BTCUSDT\/trades: the import of .*binance_usdm_perp_BTCUSDT.* overlaps the series' stored rows \(2024-08-08T23:54:15\.342Z \.\. /);
    const perpReport = await runImport({ store: dir, in: [perp], symbol: 'BTCUSDT-PERP', json: true }, { out: (t) => void (out = t), err: () => {}, progressBar: false });
    expect(perpReport.files[0].seriesName).toBe('BTCUSDT-PERP/trades');
    expect(JSON.parse(out)).toMatchObject({ store: dir, files: [{ series: 'BTCUSDT-PERP/trades', replacedRows: 0 }] });
    let table = '';
    runDataLs({ store: dir }, (t) => void (table += t));
    expect(table.trimEnd().split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' ')).slice(1, -1)).toStrictEqual(['BTCUSDT trades', 'BTCUSDT-PERP trades', 'ETHUSDT trades']);
  });
});
