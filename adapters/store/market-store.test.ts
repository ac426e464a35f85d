// The market-data store on a real LMDB environment in a temp directory, fed by MarketStreams
// built from generated records: round trip, exact ranges, overlap refusal and --replace,
// rollback, duplicate files, metadata, and bad directories.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventKind } from '../../engine/layout/event-record.js';
import { RECORD_BYTES, type MarketRecordKind, type MarketStream, type RecordBlock } from '../../engine/replay/index.js';
import { Journal } from '../../engine/journal/index.js';
import { processStartTime } from '../../engine/state/index.js';
import {
  MarketStore, StoreDuplicateSourceError, StoreImportError, StoreOpenError, StoreOverlapError, importStream, listSeries, openStoreStreams,
} from './index.js';

const root = mkdtempSync(path.join(tmpdir(), 'qf-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let stores = 0;
const freshDir = (): string => path.join(root, `s${++stores}`);

const T0 = 1_723_161_255_000_000_000n;
const MS = 1_000_000n;
const KIND: Record<MarketRecordKind, number> = { trades: EventKind.TRADE, quotes: EventKind.QUOTE, bars: EventKind.BAR };

/** Records at the given ts_local values (ns), fields derived from the index and a salt. */
function records(times: readonly bigint[], kind: MarketRecordKind = 'trades', salt = 0, instrument = 7): Uint8Array {
  const bytes = new Uint8Array(times.length * RECORD_BYTES);
  const view = new DataView(bytes.buffer);
  times.forEach((ts, i) => {
    const at = i * RECORD_BYTES;
    view.setInt32(at, KIND[kind] | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND, true);
    view.setInt32(at + 4, instrument, true);
    view.setBigInt64(at + 8, ts - 5n, true);
    view.setBigInt64(at + 16, ts, true);
    view.setFloat64(at + 24, 100 + i * 0.01 + salt, true);
    view.setFloat64(at + 32, 0.5 + (i % 7), true);
    view.setFloat64(at + 40, i % 2 ? 1 : -1, true);
    view.setFloat64(at + 48, salt, true);
    view.setBigUint64(at + 56, BigInt(i + 1 + salt * 1_000_000), true);
  });
  return bytes;
}

/** ts_local of `n` rows from `start`, `stepMs` apart, with every `tieEvery`-th row repeating the previous time. */
function times(n: number, start = T0, stepMs = 1n, tieEvery = 5): bigint[] {
  const out: bigint[] = [];
  let ts = start;
  for (let i = 0; i < n; i++) {
    if (i > 0 && i % tieEvery !== 0) ts += stepMs * MS;
    out.push(ts);
  }
  return out;
}

interface StreamSpec {
  label?: string;
  symbol?: string;
  kind?: MarketRecordKind;
  barIntervalNs?: bigint;
  /** Records per yielded block (the buffer is reused between blocks, as the contract allows). */
  chunk?: number;
  /** Throw after this many records were yielded. */
  failAfter?: number;
}

function streamOf(bytes: Uint8Array, spec: StreamSpec = {}): MarketStream {
  const kind = spec.kind ?? 'trades';
  return {
    label: spec.label ?? 'generated',
    symbol: spec.symbol ?? 'BTCUSDT',
    kind,
    ...(spec.barIntervalNs !== undefined ? { barIntervalNs: spec.barIntervalNs } : {}),
    expectedRows: bytes.length / RECORD_BYTES,
    async *blocks(instrument: number): AsyncIterable<RecordBlock> {
      const chunk = spec.chunk ?? 1000;
      const reused = new Uint8Array(chunk * RECORD_BYTES);
      const total = bytes.length / RECORD_BYTES;
      for (let at = 0; at < total; at += chunk) {
        if (spec.failAfter !== undefined && at >= spec.failAfter) throw new Error('bad row at line 1843');
        const n = Math.min(chunk, total - at);
        reused.set(bytes.subarray(at * RECORD_BYTES, (at + n) * RECORD_BYTES));
        const view = new DataView(reused.buffer);
        for (let i = 0; i < n; i++) view.setInt32(i * RECORD_BYTES + 4, instrument, true);
        yield { count: n, bytes: reused.subarray(0, n * RECORD_BYTES) };
      }
    },
    issues: () => [],
  };
}

const small = { blockRecords: 256, blocksPerTransaction: 3, sha256: null } as const;

async function readAll(dir: string, query: Parameters<typeof openStoreStreams>[1] = {}, instrument = 3): Promise<Uint8Array> {
  const streams = openStoreStreams(dir, query);
  expect(streams.length, `one series for ${JSON.stringify(query, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`).toBe(1);
  const parts: Uint8Array[] = [];
  for await (const block of streams[0].blocks(instrument)) {
    expect(block.bytes.length, 'a block is count * 64 bytes').toBe(block.count * RECORD_BYTES);
    parts.push(block.bytes.slice());
  }
  return Buffer.concat(parts);
}

/** The records with their instrument field set to `instrument`. */
function withInstrument(bytes: Uint8Array, instrument: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  const view = new DataView(copy.buffer);
  for (let at = 0; at < copy.length; at += RECORD_BYTES) view.setInt32(at + 4, instrument, true);
  return copy;
}

function tsOf(bytes: Uint8Array): bigint[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / RECORD_BYTES }, (_, i) => view.getBigInt64(i * RECORD_BYTES + 16, true));
}

/** Rows of `bytes` with ts_local in [from, to). */
function slice(bytes: Uint8Array, from?: bigint, to?: bigint): Uint8Array {
  const ts = tsOf(bytes);
  const keep = ts.flatMap((t, i) => ((from === undefined || t >= from) && (to === undefined || t < to) ? [i] : []));
  return Buffer.concat(keep.map((i) => bytes.subarray(i * RECORD_BYTES, (i + 1) * RECORD_BYTES)));
}

/** A store of 4,000 trades with a --replace import over them stopped part way (as if its process were killed then): its dir and the stored rows. */
async function stalledReplacingImport(): Promise<{ dir: string; old: Uint8Array }> {
  const dir = freshDir();
  const old = records(times(4_000));
  await importStream(dir, streamOf(old), small);
  const fresh = records(times(3_000, T0 + 100n * MS, 1n, 2), 'trades', 4);
  let reached!: () => void;
  const halfway = new Promise<void>((resolveHalfway) => (reached = resolveHalfway));
  const stalled: MarketStream = {
    ...streamOf(fresh),
    async *blocks(instrument: number): AsyncIterable<RecordBlock> {
      let n = 0;
      for await (const block of streamOf(fresh).blocks(instrument)) {
        yield block;
        if ((n += block.count) >= 2_000) {
          reached();
          await new Promise(() => {}); // the process stops here for good
        }
      }
    },
  };
  void importStream(dir, stalled, { ...small, replace: true });
  await halfway;
  return { dir, old };
}

describe('market-data store', () => {
  it('reads back the imported records byte for byte, with the run instrument id written in', async () => {
    const dir = freshDir();
    const data = records(times(10_000));
    const result = await importStream(dir, streamOf(data, { chunk: 333 }), small);
    expect(result.rows).toBe(10_000);
    expect(result.seriesName).toBe('BTCUSDT/trades');
    const back = await readAll(dir, {}, 42);
    expect(Buffer.compare(back, withInstrument(data, 42)), 'identical apart from the instrument id').toBe(0);
    const [stream] = openStoreStreams(dir);
    expect(stream.label).toBe(`store:${dir}/BTCUSDT/trades`);
    expect(stream.expectedRows).toBe(10_000);
  });

  it('cuts time ranges exactly at [from, to), ties included', async () => {
    const dir = freshDir();
    const ts = times(5_000, T0, 1n, 3);
    const data = records(ts);
    await importStream(dir, streamOf(data), small);
    const cases: [bigint | undefined, bigint | undefined][] = [
      [ts[0], undefined], [undefined, ts[4_999]], [ts[256], ts[512]], [ts[255], ts[257]], [ts[1000], ts[1000]], [ts[1000], ts[1000] + 1n],
      [ts[0] - 1n, ts[4_999] + 1n], [ts[4_999] + 1n, undefined], [undefined, ts[0]], [ts[3] + 1n, ts[6] - 1n],
    ];
    for (const [from, to] of cases) {
      const expected = withInstrument(slice(data, from, to), 3);
      const back = await readAll(dir, { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
      expect(Buffer.compare(back, expected), `[${from}, ${to}): ${tsOf(expected).length} rows expected, ${tsOf(back).length} read`).toBe(0);
    }
  });

  it('refuses an import that overlaps stored rows, naming the series and both ranges, and keeps nothing of it', async () => {
    const dir = freshDir();
    const first = records(times(3_000));
    await importStream(dir, streamOf(first, { label: 'day1.csv' }), small);
    const before = listSeries(dir);
    // Overlaps only in its later transactions: the first ones were committed and must be rolled back.
    const overlapping = records(times(3_000, T0 - 2_000n * MS), 'trades', 1);
    const error = await importStream(dir, streamOf(overlapping, { label: 'day0.csv' }), small).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreOverlapError);
    const message = (error as Error).message;
    expect(message, 'names the store').toContain(dir);
    expect(message, 'names the series').toContain('BTCUSDT/trades');
    expect(message, 'names the import range').toContain('day0.csv (2024-08-08T23:54:13.000Z .. ');
    expect(message, 'names the whole import range, to its last row').toContain(`.. ${new Date(Number(tsOf(overlapping).at(-1)! / MS)).toISOString()})`);
    expect(message, 'names the series range').toContain(`(2024-08-08T23:54:15.000Z .. ${new Date(Number(tsOf(first).at(-1)! / MS)).toISOString()})`);
    expect(message, 'names the rule').toContain('--replace');
    expect(listSeries(dir), 'metadata unchanged').toStrictEqual(before);
    expect(Buffer.compare(await readAll(dir, {}, 7), first), 'rows unchanged').toBe(0);
    const store = MarketStore.open(dir);
    expect(store.pending(), 'no import left pending').toBeUndefined();
    await store.close();
  });

  it('accepts an import into a gap of the series, splitting a block that straddles it', async () => {
    const dir = freshDir();
    const early = times(100, T0, 1n, 1000);
    const late = times(100, T0 + 10_000n * MS, 1n, 1000);
    const outer = records([...early, ...late]);
    await importStream(dir, streamOf(outer), { ...small, blockRecords: 1000 });
    const middle = records(times(500, T0 + 1_000n * MS, 2n, 1000), 'trades', 2);
    await importStream(dir, streamOf(middle), small);
    const expected = Buffer.concat([outer.subarray(0, 100 * RECORD_BYTES), middle, outer.subarray(100 * RECORD_BYTES)]);
    expect(Buffer.compare(await readAll(dir, {}, 7), expected), 'the middle sits between the two halves').toBe(0);
    expect(listSeries(dir)[0].rows).toBe(700);
  });

  it('with replace, drops the stored rows in the import range and keeps the rest', async () => {
    const dir = freshDir();
    const ts = times(4_000);
    const old = records(ts);
    await importStream(dir, streamOf(old), small);
    const from = ts[1_000];
    const to = ts[2_500];
    const fresh = records(times(900, from, 1n, 4).filter((t) => t <= to), 'trades', 3);
    const refused = await importStream(dir, streamOf(fresh), small).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreOverlapError);
    const result = await importStream(dir, streamOf(fresh), { ...small, replace: true });
    const last = tsOf(fresh).at(-1)!;
    const expected = Buffer.concat([slice(old, undefined, from), fresh, slice(old, last + 1n)]);
    expect(result.replacedRows, 'rows of the old series in the import range').toBe(tsOf(slice(old, from, last + 1n)).length);
    expect(Buffer.compare(await readAll(dir, {}, 7), expected), 'old rows outside the range, new rows inside').toBe(0);
    const [info] = listSeries(dir);
    expect(info.rows).toBe(expected.length / RECORD_BYTES);
    expect(info.sources.map((s) => s.replacedRows)).toStrictEqual([0, result.replacedRows]);
  });

  it('keeps ties in order when a replace splits a block in front of a tie run', async () => {
    const dir = freshDir();
    const T = T0 + 50n * MS;
    const old = records([...Array(100).fill(T - MS), ...Array(1_000).fill(T)] as bigint[]);
    await importStream(dir, streamOf(old), small);
    const fresh = records(Array(5).fill(T - MS) as bigint[], 'trades', 6);
    const result = await importStream(dir, streamOf(fresh), { ...small, replace: true });
    expect(result.replacedRows).toBe(100);
    const expected = Buffer.concat([fresh, old.subarray(100 * RECORD_BYTES)]);
    expect(Buffer.compare(await readAll(dir, {}, 7), expected), 'the 1,000 tied rows keep their order after the split').toBe(0);
    expect(Buffer.compare(await readAll(dir, { from: T }, 7), old.subarray(100 * RECORD_BYTES)), 'a range starting at the tie').toBe(0);
  });

  it('restores the replaced rows when a replacing import fails part way', async () => {
    const dir = freshDir();
    const old = records(times(4_000));
    await importStream(dir, streamOf(old), small);
    const before = listSeries(dir);
    const fresh = records(times(3_000, T0 + 100n * MS, 1n, 2), 'trades', 4);
    const error = await importStream(dir, streamOf(fresh, { failAfter: 2_000 }), { ...small, replace: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreImportError);
    expect((error as Error).message).toContain('bad row at line 1843');
    expect(listSeries(dir)).toStrictEqual(before);
    expect(Buffer.compare(await readAll(dir, {}, 7), old), 'the old rows are back').toBe(0);
  });

  it('rolls back an import a crash left pending before the next one', async () => {
    const dir = freshDir();
    const data = records(times(2_000));
    await importStream(dir, streamOf(data), small);
    const store = MarketStore.open(dir);
    const stray = records(times(300, T0 + 100_000n * MS), 'trades', 5);
    const { blockKey } = await import('./series-key.js');
    const key = blockKey(1, T0 + 100_000n * MS, 0x8000_0000);
    store.root.transactionSync(() => {
      store.blocks.putSync(key, stray);
      store.meta.putSync('pending', { pid: 0x7fff_fff0, seriesId: 1, newSeries: false, fromKey: key.toString('hex'), lastKey: key.toString('hex'), undoRows: 0, label: 'crashed.csv' });
    });
    expect(Buffer.compare(await readAll(dir, {}, 7), data), 'readers skip the pending import').toBe(0);
    await importStream(store, streamOf(records(times(10, T0 + 200_000n * MS))), small);
    expect(store.pending()).toBeUndefined();
    expect(tsOf(await readAll(dir, {}, 7)).length, 'the crashed import is gone').toBe(2_010);
    await store.close();
  });

  it('appends ticks that start at the time the series ends (a file split inside one ms), after the stored rows of that time, as a backtest of the two files plays them', async () => {
    const dir = freshDir();
    const T = T0 + 10n * MS;
    // The first file ends with 300 rows at T: more than a block (256), so a stored block starts at T.
    const first = records([...times(500, T0, 1n, 1_000).filter((t) => t < T), ...Array(300).fill(T)] as bigint[], 'trades', 1);
    const second = records([...Array(40).fill(T), ...times(700, T + MS)] as bigint[], 'trades', 2);
    await importStream(dir, streamOf(first), small);
    const result = await importStream(dir, streamOf(second), small);
    expect(result.replacedRows, 'nothing replaced').toBe(0);
    expect(Buffer.compare(await readAll(dir, {}, 7), Buffer.concat([first, second])), 'every row, the first file\'s rows at T before the second\'s').toBe(0);
    expect(listSeries(dir)[0].rows).toBe((first.length + second.length) / RECORD_BYTES);
    const bars = freshDir();
    const hour = 3_600_000n * MS;
    await importStream(bars, streamOf(records([T0, T0 + hour], 'bars'), { kind: 'bars', barIntervalNs: hour }), small);
    const again = await importStream(bars, streamOf(records([T0 + hour, T0 + 2n * hour], 'bars', 3), { kind: 'bars', barIntervalNs: hour }), small).catch((e: unknown) => e);
    expect(again, 'a bar at the series\' last time is the same bar again: an overlap').toBeInstanceOf(StoreOverlapError);
  });

  it('reads a series a replacing import was killed in as its last finished import left it, and refuses it while such an import runs', async () => {
    const { dir, old } = await stalledReplacingImport();
    const store = MarketStore.open(dir);
    try {
      const moving = store.pending()!;
      expect(moving.undoRows, 'the import has moved replaced rows aside').toBeGreaterThan(0);
      const busy = (() => { try { return openStoreStreams(dir); } catch (error) { return error; } })();
      expect(busy, 'a series whose rows a running import replaces is refused').toBeInstanceOf(StoreImportError);
      expect((busy as StoreImportError).message).toContain('BTCUSDT/trades');
      expect((busy as StoreImportError).message).toContain('is replacing its rows');
      expect(moving.pidStart, 'the import names its process by pid and start time').toBe(processStartTime(process.pid));
      // Its process is gone and its pid reused: another process runs under it, started at another time.
      const reused = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
      try {
        expect(processStartTime(reused.pid!), 'this system tells a process start time (/proc)').not.toBeNull();
        store.meta.putSync('pending', { ...moving, pid: reused.pid!, pidStart: String(BigInt(processStartTime(reused.pid!)!) - 1n) });
        expect(Buffer.compare(await readAll(dir, {}, 7), old), 'a pid reused by another process is not the import: rolled back, the series reads as before').toBe(0);
      } finally {
        reused.kill('SIGKILL');
      }
      expect(store.pending(), 'the killed import was rolled back').toBeUndefined();
      expect(listSeries(dir)[0].rows).toBe(4_000);
    } finally {
      await store.close();
    }
  });

  it('reads a series a replacing import was killed in when no process has its pid', async () => {
    const { dir, old } = await stalledReplacingImport();
    const store = MarketStore.open(dir);
    try {
      const moving = store.pending()!;
      // Its process is gone: the pending record now names a pid no process has.
      store.meta.putSync('pending', { ...moving, pid: 0x7fff_fff0 });
      expect(Buffer.compare(await readAll(dir, {}, 7), old), 'the series reads as before the killed import, no row missing').toBe(0);
      expect(store.pending(), 'the killed import was rolled back').toBeUndefined();
      expect(listSeries(dir)[0].rows).toBe(4_000);
    } finally {
      await store.close();
    }
  });

  it('refuses a file imported before, by its SHA-256, unless replacing', async () => {
    const dir = freshDir();
    const file = path.join(root, `trades-${stores}.csv`);
    writeFileSync(file, 'some file bytes\n');
    const data = records(times(500));
    const first = await importStream(dir, streamOf(data, { label: file }), { blockRecords: 128 });
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    const error = await importStream(dir, streamOf(records(times(10, T0 + 10_000_000n * MS)), { label: file }), small.blockRecords ? { blockRecords: 128 } : {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreDuplicateSourceError);
    expect((error as Error).message).toContain(`${file} was already imported`);
    expect((error as Error).message).toContain('BTCUSDT/trades');
    const again = await importStream(dir, streamOf(data, { label: file }), { blockRecords: 128, replace: true });
    expect(again.replacedRows).toBe(500);
    const [info] = listSeries(dir);
    expect(info.rows).toBe(500);
    expect(info.sources.length, 'the source is listed once').toBe(1);
  });

  it('keeps metadata per series: symbol, kind, interval, rows, range, sources', async () => {
    const dir = freshDir();
    const hour = 3_600_000_000_000n;
    const bars = records(Array.from({ length: 48 }, (_, i) => T0 + BigInt(i + 1) * hour), 'bars');
    await importStream(dir, streamOf(bars, { symbol: 'ETHUSDT', kind: 'bars', barIntervalNs: hour, label: 'eth-1h' }), small);
    await importStream(dir, streamOf(records(times(700), 'quotes'), { kind: 'quotes', label: 'q1' }), small);
    await importStream(dir, streamOf(records(times(300, T0 + 5_000n * MS), 'quotes'), { kind: 'quotes', label: 'q2' }), small);
    const series = listSeries(dir);
    expect(series.map((s) => [s.symbol, s.kind, s.intervalNs, s.rows])).toStrictEqual([['BTCUSDT', 'quotes', undefined, 1000], ['ETHUSDT', 'bars', hour, 48]]);
    expect(series[0].firstNs).toBe(T0);
    expect(series[0].lastNs).toBe(tsOf(records(times(300, T0 + 5_000n * MS))).at(-1));
    expect(series[0].sources.map((s) => [s.label, s.rows, s.sha256])).toStrictEqual([['q1', 700, null], ['q2', 300, null]]);
    expect(Date.parse(series[0].sources[0].importedAt)).not.toBeNaN();
    const [barStream] = openStoreStreams(dir, { kind: 'bars' });
    expect(barStream.label).toBe(`store:${dir}/ETHUSDT/bars/1h`);
    expect(barStream.barIntervalNs).toBe(hour);
    expect(openStoreStreams(dir, { symbol: 'SOLUSDT' })).toStrictEqual([]);
  });

  it('refuses records out of time order or of another kind, keeping nothing', async () => {
    const dir = freshDir();
    const ts = times(1_000);
    [ts[600], ts[601]] = [ts[601] + 1n, ts[600]];
    const error = await importStream(dir, streamOf(records(ts)), small).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreImportError);
    expect((error as Error).message).toMatch(/record 60\d has ts_local .* before the previous record's .*non-decreasing ts_local/);
    expect(listSeries(dir)).toStrictEqual([]);
    const wrongKind = await importStream(dir, streamOf(records(times(10), 'quotes')), small).catch((e: unknown) => e);
    expect((wrongKind as Error).message).toContain('expected 1 (rule: a stream yields records of its own kind)');
  });

  it('names the directory and the rule for a missing, foreign or broken store', async () => {
    const missing = path.join(root, 'nope');
    expect(() => openStoreStreams(missing)).toThrow(new StoreOpenError(`no market-data store at ${missing}: the directory does not exist`, missing, 'not a store'));
    const file = path.join(root, 'plain.txt');
    writeFileSync(file, 'x');
    expect(() => listSeries(file)).toThrow(/is not a market-data store: it is a file/);
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    expect(() => listSeries(empty)).toThrow(/holds no LMDB environment \(no data.mdb\)/);
    const garbage = path.join(root, 'garbage');
    mkdirSync(garbage);
    writeFileSync(path.join(garbage, 'data.mdb'), 'not lmdb at all'.repeat(1000));
    expect(() => listSeries(garbage)).toThrow(`${garbage}/data.mdb is not an LMDB file`);
    const journalDir = path.join(root, 'journal');
    Journal.open(journalDir).close();
    expect(() => listSeries(journalDir)).toThrow(/is an LMDB environment of something else \(databases: .*journal.*\), not a QuantFlow market-data store/);
    await expect(importStream(journalDir, streamOf(records(times(5))), small)).rejects.toThrow(StoreOpenError);
    const csvDir = path.join(root, 'csvs');
    mkdirSync(csvDir);
    writeFileSync(path.join(csvDir, 'a.csv'), 'x');
    await expect(importStream(csvDir, streamOf(records(times(5))), small)).rejects.toThrow(`${csvDir} is not a market-data store and not empty (a.csv)`);
  });
});
