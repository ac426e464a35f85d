// importStream: appends a MarketStream to its series of the store, in time order, in write
// transactions of many blocks (constant memory: one transaction's blocks at a time).
//
// Each transaction first looks at the stored rows in the stretch of time it is about to cover
// (from the import's first row, then from the previous transaction's last, to its own last):
//   - a stored row there is an overlap: refused (the import is rolled back and the rest of the
//     stream read to name its whole range), or with `replace` moved to the "undo" database;
//   - a stored block that straddles the stretch without a row in it is split in two, so blocks
//     stay disjoint in time and key order stays time order.
// Then it writes its blocks and records how far it got in the "pending" record. The last
// transaction updates the series' metadata and sources and clears "pending" and "undo". A
// failure (bad row, overlap, I/O) rolls back: the import's blocks are deleted (they are exactly
// the keys from pending.fromKey to pending.lastKey of the series) and the undo rows restored.
// A crash leaves "pending" behind: the next import rolls it back first, as does the next read
// (settlePendingImport: a --replace import has moved rows aside by then).
import type { MarketStream, StreamIssue } from '../../engine/replay/index.js';
import { RECORD_BYTES } from '../../engine/replay/index.js';
import { isHolderAlive, thisProcessHolder } from '../../engine/state/index.js';
import { BlockPacker, tsLocalAt, type PackedBlock } from './block-packer.js';
import { fileSha256, isFile } from './file-sha256.js';
import { BLOCK_RECORDS, MarketStore, seriesInfo, type PendingImport, type SeriesInfo, type SeriesRecord } from './market-store.js';
import { SEQUENCE_BASE, SEQUENCE_MAX, blockKey, compareKeys, decodeBlockKey, isoNs, keyAfter, seriesEndKey, seriesName, seriesStartKey, type SeriesKey } from './series-key.js';
import { StoreDuplicateSourceError, StoreError, StoreImportError, StoreOverlapError } from './store-errors.js';

export interface ImportOptions {
  /** Replace the series' rows in the import's time range instead of refusing the overlap. */
  replace?: boolean;
  /** SHA-256 (hex) of the source file; default: hashed from stream.label when it names a file; null: no hash (no duplicate check). */
  sha256?: string | null;
  /** Called with the rows read so far, once per block the stream yields. */
  onProgress?: (rows: number) => void;
  /** Records per stored block (default BLOCK_RECORDS). */
  blockRecords?: number;
  /** Blocks per write transaction (default 32). */
  blocksPerTransaction?: number;
  /** Checked once per block the stream yields: true stops the import, rolled back (a StoreImportError with rule 'interrupted'). */
  shouldStop?: () => boolean;
}

export interface ImportResult {
  readonly store: string;
  /** `BTCUSDT/trades`. */
  readonly seriesName: string;
  /** The series after the import (undefined when the stream had no rows and the series did not exist). */
  readonly series: SeriesInfo | undefined;
  readonly label: string;
  readonly rows: number;
  /** Stored rows the import replaced (`replace`). */
  readonly replacedRows: number;
  readonly firstNs?: bigint;
  readonly lastNs?: bigint;
  readonly sha256: string | null;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  /** The stream's issues() at the end (skipped rows, duplicates, gaps). */
  readonly issues: readonly StreamIssue[];
}

const DEFAULT_BLOCKS_PER_TRANSACTION = 32;

interface StoredBlock {
  key: Buffer;
  rows: Uint8Array;
}

/** Appends `stream` to its series in `store` (a MarketStore or a directory, created if needed). */
export async function importStream(store: MarketStore | string, stream: MarketStream, options: ImportOptions = {}): Promise<ImportResult> {
  const owned = typeof store === 'string' ? MarketStore.open(store, { create: true }) : undefined;
  try {
    return await new StoreImport(owned ?? (store as MarketStore), stream, options).run();
  } finally {
    await owned?.close();
  }
}

class StoreImport {
  private readonly key: SeriesKey;
  private readonly name: string;
  private readonly replace: boolean;
  private readonly blockRecords: number;
  private readonly blocksPerTransaction: number;
  private seriesId = 0;
  private before: SeriesRecord | undefined;
  private pendingRecord!: PendingImport;
  private fromKey: Buffer | null = null;
  private lastKey: Buffer | null = null;
  private lastFirstTs: bigint | null = null;
  private lastSequence = SEQUENCE_BASE;
  /** Last ts_local written (the stretch already checked ends here, inclusive). */
  private prevLast: bigint | null = null;
  private undoSequence = 0;
  private undoRows = 0;
  private imported = 0;
  private firstTs: bigint | null = null;
  private queue: PackedBlock[] = [];

  constructor(private readonly store: MarketStore, private readonly stream: MarketStream, private readonly options: ImportOptions) {
    if (stream.kind === 'bars' && (stream.barIntervalNs === undefined || stream.barIntervalNs <= 0n)) {
      throw new StoreImportError(`store ${store.path}: ${stream.label}: a bar stream must give its bar interval (rule: bar series are keyed by interval)`, store.path, 'record kind', `${stream.symbol}/bars`);
    }
    this.key = { symbol: stream.symbol, kind: stream.kind, ...(stream.kind === 'bars' ? { intervalNs: stream.barIntervalNs } : {}) };
    this.name = seriesName(this.key);
    this.replace = options.replace === true;
    this.blockRecords = options.blockRecords ?? BLOCK_RECORDS;
    this.blocksPerTransaction = options.blocksPerTransaction ?? DEFAULT_BLOCKS_PER_TRANSACTION;
  }

  async run(): Promise<ImportResult> {
    const started = process.hrtime.bigint();
    const { store, stream } = this;
    const sha256 = this.options.sha256 !== undefined ? this.options.sha256 : isFile(stream.label) ? await fileSha256(stream.label) : null;
    this.begin(sha256);
    const packer = new BlockPacker(this.blockRecords, stream.kind, stream.label, (message, rule) => new StoreImportError(`store ${store.path}: series ${this.name}: ${message}`, store.path, rule, this.name));
    let refused: StoreOverlapError | undefined;
    let lastSeen: bigint | null = null;
    try {
      try {
        const emit = (block: PackedBlock): void => {
          this.queue.push(block);
          if (this.queue.length >= this.blocksPerTransaction) this.flush(packer);
        };
        for await (const block of stream.blocks(0)) {
          if (this.options.shouldStop?.()) {
            throw new StoreImportError(`store ${store.path}: series ${this.name}: the import of ${stream.label} was interrupted after ${packer.rows} rows; nothing of it was kept`, store.path, 'interrupted', this.name);
          }
          if (block.count === 0) continue;
          if (refused) {
            lastSeen = tsLocalAt(block.bytes, block.count - 1);
            continue;
          }
          try {
            packer.add(block.bytes, block.count, emit);
          } catch (error) {
            if (!(error instanceof StoreOverlapError)) throw error;
            refused = error;
            lastSeen = tsLocalAt(block.bytes, block.count - 1);
            this.rollback();
            continue;
          }
          this.options.onProgress?.(packer.rows);
        }
        if (!refused) {
          const last = packer.finish();
          if (last) this.queue.push(last);
          try {
            this.flush(packer);
          } catch (error) {
            if (!(error instanceof StoreOverlapError)) throw error;
            refused = error;
            this.rollback();
          }
        }
      } catch (error) {
        if (!refused) this.rollback();
        if (!refused) throw error;
      }
      if (refused) throw this.overlapError(refused, lastSeen);
      const after = this.finish(sha256);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      return {
        store: store.path,
        seriesName: this.name,
        series: after && seriesInfo(after),
        label: stream.label,
        rows: this.imported,
        replacedRows: this.undoRows,
        ...(this.firstTs !== null ? { firstNs: this.firstTs, lastNs: this.prevLast! } : {}),
        sha256,
        seconds,
        rowsPerSecond: seconds > 0 ? this.imported / seconds : 0,
        issues: stream.issues(),
      };
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreImportError(`store ${store.path}: series ${this.name}: import of ${stream.label} failed, nothing of it was kept: ${error instanceof Error ? error.message : String(error)}`, store.path, 'unreadable', this.name, { cause: error });
    }
  }

  /** First transaction: a stale import rolled back, the duplicate check, the series found or created, "pending" written. */
  private begin(sha256: string | null): void {
    const { store } = this;
    const stale = store.pending();
    if (stale) {
      if (importRunning(stale)) {
        throw new StoreImportError(`store ${store.path}: another import (${stale.label}, process ${stale.pid}) is writing to it (rule: one import at a time)`, store.path, 'busy', this.name);
      }
      rollbackImport(store, stale);
    }
    store.root.transactionSync(() => {
      if (sha256 !== null && !this.replace) {
        const previous = store.sources.get(sha256);
        if (previous) {
          const target = store.series.get(previous.seriesId);
          throw new StoreDuplicateSourceError(
            `store ${store.path}: series ${this.name}: ${this.stream.label} was already imported (SHA-256 ${sha256.slice(0, 16)}..., as ${previous.label} into ${target ? store.describe(target) : `series ${previous.seriesId}`} at ${previous.importedAt}) (rule: a file is imported once; --replace imports it again over its own rows)`,
            store.path, 'duplicate source', this.name,
          );
        }
      }
      const existing = store.findSeries(this.key);
      const now = new Date().toISOString();
      let newSeries = false;
      if (existing) {
        this.seriesId = existing.id;
        this.before = existing;
      } else {
        this.seriesId = store.meta.get('nextSeriesId') as number;
        store.meta.putSync('nextSeriesId', this.seriesId + 1);
        newSeries = true;
        store.series.putSync(this.seriesId, {
          id: this.seriesId, symbol: this.key.symbol, kind: this.key.kind, intervalNs: this.key.intervalNs?.toString() ?? null,
          rows: 0, firstNs: null, lastNs: null, sources: [], createdAt: now, updatedAt: now,
        });
      }
      this.pendingRecord = { pid: process.pid, pidStart: thisProcessHolder().start, seriesId: this.seriesId, newSeries, fromKey: null, lastKey: null, undoRows: 0, label: this.stream.label, replace: this.replace };
      store.meta.putSync('pending', this.pendingRecord);
    });
  }

  /** One write transaction: the stored rows in the stretch handled, the queued blocks written, "pending" advanced. */
  private flush(packer: BlockPacker): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const { store } = this;
    const lo = this.prevLast ?? batch[0].firstTs;
    const hi = batch[batch.length - 1].lastTs;
    const follows = this.prevLast === null && this.followsAtTie(lo);
    // Our fields move only once the transaction committed: an aborted one must not widen the
    // key range a rollback deletes, nor count undo rows it never stored.
    const undoSequence = this.undoSequence;
    const undoRows = this.undoRows;
    let fromKey = this.fromKey;
    let lastKey = this.lastKey;
    let lastFirstTs = this.lastFirstTs;
    let lastSequence = this.lastSequence;
    try {
      store.root.transactionSync(() => {
        this.clearStretch(lo, this.prevLast === null && !follows, hi);
        for (const block of batch) {
          const sequence = lastFirstTs === block.firstTs ? lastSequence + 1 : SEQUENCE_BASE;
          const key = blockKey(this.seriesId, block.firstTs, sequence);
          store.blocks.putSync(key, block.bytes);
          fromKey ??= key;
          lastKey = key;
          lastFirstTs = block.firstTs;
          lastSequence = sequence;
        }
        store.meta.putSync('pending', { ...this.pendingRecord, fromKey: fromKey!.toString('hex'), lastKey: lastKey!.toString('hex'), undoRows: this.undoRows });
      });
    } catch (error) {
      this.undoSequence = undoSequence;
      this.undoRows = undoRows;
      throw error;
    }
    this.fromKey = fromKey;
    this.lastKey = lastKey;
    this.lastFirstTs = lastFirstTs;
    this.lastSequence = lastSequence;
    this.pendingRecord = { ...this.pendingRecord, fromKey: fromKey!.toString('hex'), lastKey: lastKey!.toString('hex'), undoRows: this.undoRows };
    this.firstTs ??= batch[0].firstTs;
    this.prevLast = hi;
    for (const block of batch) {
      this.imported += block.count;
      packer.release(block);
    }
  }

  /**
   * Whether ticks starting at `first` follow the series (its last stored rows are at `first` and
   * none later): a file split inside the rows of one time (trades of one ms over two files), which
   * a backtest of the two files plays as one series. Those stored rows are then not an overlap;
   * the import's blocks at `first` take sequences after the stored ones, so the stored rows play
   * first. Bars are one per time: a bar at the series' last time is the same bar again.
   */
  private followsAtTie(first: bigint): boolean {
    if (this.replace || this.key.kind === 'bars' || this.before?.lastNs !== first.toString()) return false;
    if (this.lastFirstTs === null) {
      // The import's first blocks sort after the stored ones at `first` (flush numbers them on).
      for (const key of this.store.blocks.getKeys({ start: blockKey(this.seriesId, first, 0), end: keyAfter(blockKey(this.seriesId, first, SEQUENCE_MAX)) })) {
        this.lastFirstTs = first;
        this.lastSequence = decodeBlockKey(key).sequence;
      }
    }
    return true;
  }

  /** Stored rows with ts_local in [lo, hi] (or (lo, hi]): refused, or moved to undo; straddling blocks split. */
  private clearStretch(lo: bigint, loInclusive: boolean, hi: bigint): void {
    const { store, seriesId } = this;
    let start = blockKey(seriesId, lo, 0);
    for (const { key } of store.blocks.getRange({ start, reverse: true, limit: 1 })) {
      if (key.readUInt32BE(0) === seriesId) start = Buffer.from(key);
    }
    // Keys first (the cursor must not move under our writes), then one block at a time.
    const keys: Buffer[] = [];
    for (const key of store.blocks.getKeys({ start, end: keyAfter(blockKey(seriesId, hi, SEQUENCE_MAX)) })) {
      if (!this.isOurs(key)) keys.push(Buffer.from(key));
    }
    for (const key of keys) {
      const hit: StoredBlock = { key, rows: store.blocks.get(key)!.slice() };
      const count = hit.rows.length / RECORD_BYTES;
      const view = new DataView(hit.rows.buffer, hit.rows.byteOffset, hit.rows.byteLength);
      const ts = (i: number): bigint => view.getBigInt64(i * RECORD_BYTES + 16, true);
      const lastTs = ts(count - 1);
      if (lastTs < lo || (!loInclusive && lastTs === lo) || ts(0) > hi) continue;
      let inside = 0;
      while (inside < count && (loInclusive ? ts(inside) < lo : ts(inside) <= lo)) inside++;
      let after = inside;
      while (after < count && ts(after) <= hi) after++;
      if (after === inside && (inside === 0 || after === count)) continue;
      if (after > inside) {
        if (!this.replace) {
          const seriesRange = this.before?.firstNs != null ? [BigInt(this.before.firstNs), BigInt(this.before.lastNs!)] as const : [ts(inside), ts(after - 1)] as const;
          throw new StoreOverlapError(`first overlapping stored row at ${isoNs(ts(inside))}`, store.path, this.name, [this.firstTs ?? lo, hi], seriesRange);
        }
        store.undo.putSync(this.undoSequence++, hit.rows.subarray(inside * RECORD_BYTES, after * RECORD_BYTES));
        this.undoRows += after - inside;
      }
      store.blocks.removeSync(hit.key);
      if (inside > 0) store.blocks.putSync(hit.key, hit.rows.subarray(0, inside * RECORD_BYTES));
      if (after < count) store.blocks.putSync(this.keyInFront(ts(after)), hit.rows.subarray(after * RECORD_BYTES));
    }
  }

  /** A key at `ts` that sorts before any stored block starting at the same ts (ties keep their order). */
  private keyInFront(ts: bigint): Buffer {
    for (const { key } of this.store.blocks.getRange({ start: blockKey(this.seriesId, ts, 0), end: keyAfter(blockKey(this.seriesId, ts, SEQUENCE_MAX)), limit: 1 })) {
      return blockKey(this.seriesId, ts, decodeBlockKey(key).sequence - 1);
    }
    return blockKey(this.seriesId, ts, SEQUENCE_BASE);
  }

  private isOurs(key: Uint8Array): boolean {
    return this.fromKey !== null && compareKeys(key, this.fromKey) >= 0 && compareKeys(key, this.lastKey!) <= 0;
  }

  /** Last transaction: metadata and sources updated, "pending" and "undo" cleared. */
  private finish(sha256: string | null): SeriesRecord | undefined {
    const { store, seriesId } = this;
    let result: SeriesRecord | undefined;
    store.root.transactionSync(() => {
      const record = store.series.get(seriesId)!;
      clearUndo(store);
      store.meta.removeSync('pending');
      if (this.imported === 0) {
        if (this.pendingRecord.newSeries) store.series.removeSync(seriesId);
        else result = record;
        return;
      }
      const now = new Date().toISOString();
      const range = storedRange(store, seriesId);
      const sources = record.sources.filter((s) => sha256 === null || s.sha256 !== sha256);
      sources.push({ label: this.stream.label, rows: this.imported, sha256, importedAt: now, replacedRows: this.undoRows, firstNs: this.firstTs!.toString(), lastNs: this.prevLast!.toString() });
      result = {
        ...record,
        rows: record.rows - this.undoRows + this.imported,
        firstNs: range ? range[0].toString() : null,
        lastNs: range ? range[1].toString() : null,
        sources,
        updatedAt: now,
      };
      store.series.putSync(seriesId, result);
      if (sha256 !== null) store.sources.putSync(sha256, { seriesId, label: this.stream.label, importedAt: now });
    });
    return result;
  }

  private rollback(): void {
    this.queue = [];
    rollbackImport(this.store, { ...this.pendingRecord, fromKey: this.fromKey?.toString('hex') ?? null, lastKey: this.lastKey?.toString('hex') ?? null });
  }

  private overlapError(error: StoreOverlapError, lastSeen: bigint | null): StoreOverlapError {
    const from = error.importRange[0];
    const to = lastSeen !== null && lastSeen > error.importRange[1] ? lastSeen : error.importRange[1];
    const [seriesFrom, seriesTo] = error.seriesRange;
    return new StoreOverlapError(
      `store ${this.store.path}: series ${this.name}: the import of ${this.stream.label} (${isoNs(from)} .. ${isoNs(to)}) overlaps the series' stored rows (${isoNs(seriesFrom)} .. ${isoNs(seriesTo)}); ${error.message}; nothing was imported (rule: an import may not overlap stored rows; --replace replaces them)`,
      this.store.path, this.name, [from, to], error.seriesRange,
    );
  }
}

/**
 * Before `series` are read. A --replace import moves the stored rows it replaces to "undo" as it
 * goes, so while it is pending they are in no block: one left by a process that is gone (a
 * crash, a kill, Ctrl-C) is rolled back, as the next import would do, and the series reads as
 * its last finished import left it (read without the rollback, it played without those rows,
 * not a word said, while `data ls` still counted them). A --replace import still running into
 * one of `series` is refused. Any other pending import needs nothing: the reader skips its blocks.
 */
export function settlePendingImport(store: MarketStore, series: readonly SeriesInfo[]): void {
  const pending = store.pending();
  if (!pending) return;
  const running = importRunning(pending);
  if (!running) {
    if (pending.undoRows > 0) rollbackImport(store, pending);
    return;
  }
  const target = series.find((s) => s.id === pending.seriesId);
  if (target && (pending.replace === true || pending.undoRows > 0)) {
    const name = seriesName(target);
    throw new StoreImportError(
      `store ${store.path}: series ${name}: an import of ${pending.label} (process ${pending.pid}) is replacing its rows; read it once that import has finished (rule: a series is not read while an import replaces its rows)`,
      store.path, 'busy', name,
    );
  }
}

/** Undoes an import: deletes its blocks, restores the rows it replaced, drops a series it created, clears "pending". */
export function rollbackImport(store: MarketStore, pending: PendingImport): void {
  store.root.transactionSync(() => {
    // Another process (two readers of a store a crash left) may have rolled it back already: the
    // key range would now hold the rows it restored.
    const current = store.pending();
    if (!current || current.pid !== pending.pid || current.seriesId !== pending.seriesId || current.label !== pending.label) return;
    if (pending.fromKey !== null && pending.lastKey !== null) {
      const keys = [...store.blocks.getKeys({ start: Buffer.from(pending.fromKey, 'hex'), end: keyAfter(Buffer.from(pending.lastKey, 'hex')) })].map((k) => Buffer.from(k));
      for (const key of keys) store.blocks.removeSync(key);
    }
    let lastTs: bigint | null = null;
    let sequence = SEQUENCE_BASE;
    for (const { value } of store.undo.getRange()) {
      const rows = value.slice();
      const first = tsLocalAt(rows, 0);
      sequence = first === lastTs ? sequence + 1 : SEQUENCE_BASE;
      store.blocks.putSync(blockKey(pending.seriesId, first, sequence), rows);
      lastTs = first;
    }
    clearUndo(store);
    if (pending.newSeries) store.series.removeSync(pending.seriesId);
    store.meta.removeSync('pending');
  });
}

function clearUndo(store: MarketStore): void {
  const keys = [...store.undo.getKeys()];
  for (const key of keys) store.undo.removeSync(key);
}

/** First and last ts_local stored for a series (undefined when it has no blocks). */
export function storedRange(store: MarketStore, seriesId: number): [bigint, bigint] | undefined {
  let first: bigint | undefined;
  let last: bigint | undefined;
  for (const { value } of store.blocks.getRange({ start: seriesStartKey(seriesId), end: seriesEndKey(seriesId), limit: 1 })) first = tsLocalAt(value, 0);
  for (const { value } of store.blocks.getRange({ start: seriesEndKey(seriesId), end: seriesStartKey(seriesId), reverse: true, limit: 1 })) {
    last = tsLocalAt(value, value.length / RECORD_BYTES - 1);
  }
  return first !== undefined && last !== undefined ? [first, last] : undefined;
}

/** Whether the process of a pending import still runs: its pid, and its start time where the record has one (a pid reused after a crash is not the import). */
function importRunning(pending: PendingImport): boolean {
  return isHolderAlive({ pid: pending.pid, start: pending.pidStart ?? null });
}
