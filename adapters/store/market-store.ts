// The market-data store: one LMDB environment in a directory, holding series of 64-byte event
// records (engine/replay/market-stream.ts) in blocks, with per-series metadata. MarketStore
// opens and checks the environment and owns its databases; importing is store-import.ts,
// reading is store-stream.ts.
//
//   <dir>/  LMDB environment
//     db "store-meta"  "format"   -> { store: "quantflow-market-data", version: 1 }
//                      "nextSeriesId" -> u32
//                      "pending"  -> the import in progress: { pid, pidStart, seriesId, newSeries,
//                                    fromKey, lastKey, undoRows, label, replace } (absent when none; a
//                                    stale one, left by a crash, is rolled back by the next import or
//                                    read; its process is the pid that started at pidStart)
//     db "series"      series id (u32) -> SeriesRecord (JSON): symbol, kind, interval, rows,
//                                    first/last ts_local, sources (label, rows, SHA-256, time)
//     db "sources"     SHA-256 hex of an imported file -> { seriesId, label, importedAt }
//     db "blocks"      block key (16 bytes, series-key.ts) -> block value
//     db "undo"        u32 -> rows a --replace import removed (restored if it fails)
//
//   block value: count * 64 bytes, the records back to back, ts_local non-decreasing; the
//   instrument field is stored as 0 and rewritten by the reader
//   0      4      8              16             24             32             40             48             56            64
//   | kind | 0    | ts_exchange  | ts_local     | price (f64)  | size (f64)   | a (f64)      | b (f64)      | id (u64)    |
//   ... count records; a block holds up to BLOCK_RECORDS (a split may leave fewer, a tie run more)
//
// Invariant: within a series, blocks are disjoint in time and key order is time order (a
// block's last ts_local <= the next block's first), so a time range is one cursor range.
//
// One MarketStore per directory per process: open() hands out the same environment with a
// reference count, close() releases it. One import at a time per store (the "pending" record
// names the writing process).
import { existsSync, mkdirSync, openSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Database, type DatabaseOptions, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment, openLmdbDirectory } from '../../engine/lmdb/index.js';
import type { MarketRecordKind } from '../../engine/replay/index.js';
import { seriesName, type SeriesKey } from './series-key.js';
import { StoreOpenError, errorText } from './store-errors.js';

export const STORE_FORMAT = { store: 'quantflow-market-data', version: 1 } as const;
/** Records per block value when importing (512 KiB values). */
export const BLOCK_RECORDS = 8192;
const META_DB = 'store-meta';
const LMDB_MAGIC = 0xbeefc0de;

/** One imported file of a series. */
export interface SourceInfo {
  readonly label: string;
  readonly rows: number;
  /** SHA-256 of the file (hex); null when the stream was not a file. */
  readonly sha256: string | null;
  readonly importedAt: string;
  /** Rows of the series this import replaced (--replace). */
  readonly replacedRows: number;
  readonly firstNs: bigint;
  readonly lastNs: bigint;
}

/** The metadata of one series (listSeries). */
export interface SeriesInfo extends SeriesKey {
  readonly id: number;
  readonly rows: number;
  /** First and last ts_local (ns); undefined when the series holds no rows. */
  readonly firstNs?: bigint;
  readonly lastNs?: bigint;
  readonly sources: readonly SourceInfo[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** SeriesInfo as stored (JSON: bigints as decimal strings). */
export interface SeriesRecord {
  id: number;
  symbol: string;
  kind: MarketRecordKind;
  intervalNs: string | null;
  rows: number;
  firstNs: string | null;
  lastNs: string | null;
  sources: { label: string; rows: number; sha256: string | null; importedAt: string; replacedRows: number; firstNs: string; lastNs: string }[];
  createdAt: string;
  updatedAt: string;
}

/** The import in progress (or left by a crash). Keys as hex. */
export interface PendingImport {
  pid: number;
  /**
   * The importing process's start time (engine/state processStartTime), so a pid reused by
   * another process after a crash is not taken for the import; absent in records of older
   * stores and null where the system does not tell it (then the pid alone decides).
   */
  pidStart?: string | null;
  seriesId: number;
  newSeries: boolean;
  /** Key of the import's first block and of its last block written so far (null: none yet). */
  fromKey: string | null;
  lastKey: string | null;
  undoRows: number;
  label: string;
  /** A --replace import (it moves the stored rows it replaces to "undo" as it goes); absent in records of older stores. */
  replace?: boolean;
}

export interface SourceRecord {
  seriesId: number;
  label: string;
  importedAt: string;
}

const viewEncoder = {
  encode: (value: Uint8Array): Uint8Array => value,
  decode: (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
  needsStableBuffer: false,
};
// `encoder` is typed on root options only; lmdb-js reads it per database too.
type WithEncoder = DatabaseOptions & { name: string };

const openStores = new Map<string, MarketStore>();

export interface OpenStoreOptions {
  /** Create the directory and the store when absent (imports); readers require an existing store. */
  create?: boolean;
}

export class MarketStore {
  private refs = 1;
  readonly meta: Database<unknown, string>;
  readonly series: Database<SeriesRecord, number>;
  readonly sources: Database<SourceRecord, string>;
  /** Values are views into LMDB's read buffer: valid until the next read; copy what you keep. */
  readonly blocks: Database<Uint8Array, Buffer>;
  readonly undo: Database<Uint8Array, number>;

  private constructor(
    /** The directory as given (for messages). */
    readonly path: string,
    private readonly resolved: string,
    readonly root: RootDatabase,
  ) {
    this.meta = root.openDB<unknown, string>({ name: META_DB, encoding: 'json' });
    this.series = root.openDB<SeriesRecord, number>({ name: 'series', encoding: 'json' });
    this.sources = root.openDB<SourceRecord, string>({ name: 'sources', encoding: 'json' });
    this.blocks = root.openDB<Uint8Array, Buffer>({ name: 'blocks', keyEncoding: 'binary', encoder: viewEncoder } as WithEncoder);
    this.undo = root.openDB<Uint8Array, number>({ name: 'undo', encoder: viewEncoder } as WithEncoder);
  }

  /**
   * Opens the store in `dir` (the same environment when already open in this process). Throws
   * StoreOpenError naming the directory when it is missing (unless `create`), not LMDB, another
   * program's LMDB environment, of another format, or unreadable.
   */
  static open(dir: string, options: OpenStoreOptions = {}): MarketStore {
    const resolved = resolve(dir);
    const shared = openStores.get(resolved);
    if (shared) {
      shared.refs++;
      return shared;
    }
    checkDirectory(dir, options.create === true);
    checkLmdbEnvironment(dir, 'market data store');
    let root: RootDatabase;
    try {
      root = openLmdbDirectory(dir, { overlappingSync: false });
    } catch (error) {
      throw new StoreOpenError(`cannot open the market-data store at ${dir}: ${errorText(error)}`, dir, 'unreadable', undefined, { cause: error });
    }
    try {
      checkFormat(dir, root, options.create === true);
      const store = new MarketStore(dir, resolved, root);
      openStores.set(resolved, store);
      return store;
    } catch (error) {
      void root.close();
      if (error instanceof StoreOpenError) throw error;
      throw new StoreOpenError(`cannot read the market-data store at ${dir}: ${errorText(error)}`, dir, 'unreadable', undefined, { cause: error });
    }
  }

  /** Releases this handle; the environment closes with the last one. */
  async close(): Promise<void> {
    if (this.refs <= 0) return;
    if (--this.refs > 0) return;
    openStores.delete(this.resolved);
    await this.root.close();
  }

  /** Every series' stored record, by id. */
  seriesRecords(): SeriesRecord[] {
    return [...this.series.getRange()].map(({ value }) => value);
  }

  /** The series with this key, if any. */
  findSeries(key: SeriesKey): SeriesRecord | undefined {
    const interval = key.kind === 'bars' && key.intervalNs !== undefined ? key.intervalNs.toString() : null;
    return this.seriesRecords().find((s) => s.symbol === key.symbol && s.kind === key.kind && s.intervalNs === interval);
  }

  /** The import in progress or left behind by a crash, if any. */
  pending(): PendingImport | undefined {
    return this.meta.get('pending') as PendingImport | undefined;
  }

  /** Every series' metadata, ordered by symbol, kind and interval (a series whose first import is still running is left out). */
  listSeries(): SeriesInfo[] {
    return this.seriesRecords().filter((s) => s.sources.length > 0).map(seriesInfo).sort(compareSeries);
  }

  describe(record: SeriesRecord): string {
    return seriesName(seriesKeyOf(record));
  }
}

export function seriesKeyOf(record: SeriesRecord): SeriesKey {
  return { symbol: record.symbol, kind: record.kind, ...(record.intervalNs !== null ? { intervalNs: BigInt(record.intervalNs) } : {}) };
}

export function seriesInfo(record: SeriesRecord): SeriesInfo {
  return {
    id: record.id,
    ...seriesKeyOf(record),
    rows: record.rows,
    ...(record.firstNs !== null ? { firstNs: BigInt(record.firstNs) } : {}),
    ...(record.lastNs !== null ? { lastNs: BigInt(record.lastNs) } : {}),
    sources: record.sources.map((s) => ({ ...s, firstNs: BigInt(s.firstNs), lastNs: BigInt(s.lastNs) })),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function compareSeries(a: SeriesInfo, b: SeriesInfo): number {
  if (a.symbol !== b.symbol) return a.symbol < b.symbol ? -1 : 1;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  const ai = a.intervalNs ?? 0n;
  const bi = b.intervalNs ?? 0n;
  return ai < bi ? -1 : ai > bi ? 1 : 0;
}

/** The metadata rows of the store in `dir` (symbol, kind, interval, rows, range, sources). */
export function listSeries(dir: string): SeriesInfo[] {
  const store = MarketStore.open(dir);
  try {
    return store.listSeries();
  } finally {
    void store.close();
  }
}

/** Refuses, before LMDB sees it, a directory that is missing, not a directory, or holds a file that is not LMDB. */
function checkDirectory(dir: string, create: boolean): void {
  if (!existsSync(dir)) {
    if (!create) throw new StoreOpenError(`no market-data store at ${dir}: the directory does not exist`, dir, 'not a store');
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new StoreOpenError(`cannot create the market-data store directory ${dir}: ${errorText(error)}`, dir, 'unreadable', undefined, { cause: error });
    }
    return;
  }
  if (!statSync(dir).isDirectory()) throw new StoreOpenError(`${dir} is not a market-data store: it is a file, the store is a directory`, dir, 'not a store');
  const dataFile = join(dir, 'data.mdb');
  if (!existsSync(dataFile)) {
    if (!create) throw new StoreOpenError(`${dir} is not a market-data store: it holds no LMDB environment (no data.mdb)`, dir, 'not a store');
    const entries = readdirSync(dir);
    if (entries.length > 0) {
      throw new StoreOpenError(`${dir} is not a market-data store and not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}); give a new or empty directory`, dir, 'not a store');
    }
    return;
  }
  const head = Buffer.alloc(64);
  let read = 0;
  try {
    const fd = openSync(dataFile, 'r');
    try {
      read = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new StoreOpenError(`cannot read the market-data store at ${dir}: ${errorText(error)}`, dir, 'unreadable', undefined, { cause: error });
  }
  // The meta page's magic follows the page header (16 bytes in LMDB 0.9, 24 in lmdb-js's 1.0).
  const magic = read >= 32 && (head.readUInt32LE(16) === LMDB_MAGIC || head.readUInt32LE(24) === LMDB_MAGIC);
  if (!magic) throw new StoreOpenError(`${dir} is not a market-data store: ${dataFile} is not an LMDB file`, dir, 'not a store');
}

function checkFormat(dir: string, root: RootDatabase, create: boolean): void {
  const names = [...root.getKeys()].map(String);
  if (!names.includes(META_DB)) {
    if (names.length > 0) {
      throw new StoreOpenError(`${dir} is an LMDB environment of something else (databases: ${names.join(', ')}), not a QuantFlow market-data store`, dir, 'not a store');
    }
    if (!create) throw new StoreOpenError(`${dir} is an empty LMDB environment, not a market-data store (import into it first)`, dir, 'not a store');
    const meta = root.openDB<unknown, string>({ name: META_DB, encoding: 'json' });
    meta.putSync('format', STORE_FORMAT);
    meta.putSync('nextSeriesId', 1);
    return;
  }
  const meta = root.openDB<unknown, string>({ name: META_DB, encoding: 'json' });
  const format = meta.get('format') as { store?: unknown; version?: unknown } | undefined;
  if (!format || format.store !== STORE_FORMAT.store) {
    throw new StoreOpenError(`${dir} is an LMDB environment but not a QuantFlow market-data store (no store format record)`, dir, 'not a store');
  }
  if (format.version !== STORE_FORMAT.version) {
    throw new StoreOpenError(`${dir}: market-data store format ${String(format.version)}, this code reads format ${STORE_FORMAT.version}`, dir, 'format');
  }
}
