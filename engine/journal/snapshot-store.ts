// Snapshots of the core's state span in LMDB, stored sparsely: only the 64 KiB pages of the
// span that are not all zero. A snapshot (its pages, then its header) is written in one
// synchronous write transaction that also prunes all but the newest `keep`, so a crash or a
// failed write leaves the previous snapshots as they were: latest() trusts headers only, and a
// header exists only in the transaction that wrote all its pages.
//
//   LMDB environment: the journal's (`journal.snapshots`, same durability policy; put() commits
//   the journal's pending records first) or its own (`SnapshotStore.open(path)` on a path that is
//   not a journal's: synchronous durable commits)
//     db "snapshot-headers"  key id (1, 2, ...) -> JSON { inboundSeq, journalSequence, takenAtNs,
//                            spanOffset, spanLength, pageBytes, pages: [page index...], meta,
//                            digests: [sha256 hex of each stored page] (absent before digests were kept) }
//
// latest() restores the newest snapshot whose pages match their digests: a page damaged on disk
// (LMDB keeps no checksums) would restore a wrong core state, so such a snapshot is passed over,
// said through `onDamaged`, for the one before it (or none: the journal replays from its start).
//     db "snapshot-pages"    key [id, page index] -> the page's bytes (the last page may be short)
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment } from '../lmdb/index.js';
import { JournalFormatError, JournalWriteError, errorText } from './journal-errors.js';
import { nowNs } from './now-ns.js';
import { openRecordsDb } from './raw-records-db.js';

export const SNAPSHOT_PAGE_BYTES = 64 * 1024;
export const DEFAULT_SNAPSHOTS_KEPT = 2;

export interface CoreSnapshot {
  inboundSeq: bigint;
  journalSequence: bigint;
  takenAtNs: bigint;
  /** Stored pages; `offset` is the page's offset in core memory (spanOffset + its offset in the span). */
  regions: { offset: number; bytes: Uint8Array }[];
  meta: Record<string, string | number>;
  /** Where the span starts in core memory and how many bytes it covers (restoreInto checks both). */
  spanOffset: number;
  spanLength: number;
}

interface StoredHeader {
  inboundSeq: string;
  journalSequence: string;
  takenAtNs: string;
  spanOffset: number;
  spanLength: number;
  pageBytes: number;
  pages: number[];
  meta: Record<string, string | number>;
  /** sha256 (hex) of each stored page, in `pages` order; absent in snapshots stored before digests were kept. */
  digests?: string[];
}

export interface SnapshotStoreOptions {
  /** Snapshots kept (the newest); default 2. */
  keep?: number;
  /** Test hook: called inside put's write transaction after the pages are written, before the header. */
  faultInjector?: (phase: 'snapshot') => void;
  /** Called at the start of put, before anything is written (the journal commits its pending records here). */
  beforePut?: (journalSequence: bigint) => void;
}

export class SnapshotStore {
  private readonly keep: number;
  private readonly faultInjector: ((phase: 'snapshot') => void) | undefined;
  private readonly beforePut: ((journalSequence: bigint) => void) | undefined;
  private readonly headers: Database<StoredHeader, number>;
  private readonly pages: Database<Uint8Array, number[]>;
  private readonly staging = new Uint8Array(SNAPSHOT_PAGE_BYTES);

  private constructor(
    private readonly root: RootDatabase,
    readonly path: string,
    private readonly ownsEnvironment: boolean,
    options: SnapshotStoreOptions,
  ) {
    const keep = options.keep ?? DEFAULT_SNAPSHOTS_KEPT;
    if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`snapshot \`keep\` must be an integer >= 1, was ${keep}`);
    this.keep = keep;
    this.faultInjector = options.faultInjector;
    this.beforePut = options.beforePut;
    this.headers = root.openDB<StoredHeader, number>({ name: 'snapshot-headers', encoding: 'json' });
    this.pages = openRecordsDb<number[]>(root, 'snapshot-pages');
  }

  /** Opens (creating if needed) a snapshot store in its own LMDB environment at `path`. */
  static open(path: string, options: SnapshotStoreOptions = {}): SnapshotStore {
    checkLmdbEnvironment(path, 'snapshot store');
    mkdirSync(path, { recursive: true });
    return new SnapshotStore(open({ path, overlappingSync: false }), path, true, options);
  }

  /** A snapshot store inside an open LMDB environment (the journal's). */
  static inEnvironment(root: RootDatabase, path: string, options: SnapshotStoreOptions = {}): SnapshotStore {
    return new SnapshotStore(root, path, false, options);
  }

  /**
   * Stores the span [spanOffset, spanOffset + span.length) of core memory: only its 64 KiB pages
   * that are not all zero, in one synchronous transaction that keeps the newest `keep` snapshots.
   */
  put(inboundSeq: bigint, journalSequence: bigint, spanOffset: number, span: Uint8Array, meta: Record<string, string | number> = {}): void {
    if (inboundSeq < 0n || journalSequence < 0n) throw new RangeError(`snapshot \`inboundSeq\` and \`journalSequence\` must be >= 0, were ${inboundSeq} and ${journalSequence}`);
    if (!Number.isSafeInteger(spanOffset) || spanOffset < 0) throw new RangeError(`snapshot \`spanOffset\` must be an integer >= 0, was ${spanOffset}`);
    this.beforePut?.(journalSequence);
    const pageIndexes: number[] = [];
    for (let start = 0, index = 0; start < span.length; start += SNAPSHOT_PAGE_BYTES, index++) {
      if (!isAllZero(span.subarray(start, Math.min(start + SNAPSHOT_PAGE_BYTES, span.length)))) pageIndexes.push(index);
    }
    const header: StoredHeader = {
      inboundSeq: String(inboundSeq),
      journalSequence: String(journalSequence),
      takenAtNs: String(nowNs()),
      spanOffset,
      spanLength: span.length,
      pageBytes: SNAPSHOT_PAGE_BYTES,
      pages: pageIndexes,
      meta: { ...meta },
      digests: pageIndexes.map((index) => sha256(span.subarray(index * SNAPSHOT_PAGE_BYTES, Math.min((index + 1) * SNAPSHOT_PAGE_BYTES, span.length)))),
    };
    let id = 0;
    try {
      this.root.transactionSync(() => {
        id = this.latestId() + 1;
        for (const index of pageIndexes) {
          // Staged through an ordinary buffer: lmdb-js tags a value's ArrayBuffer with its address,
          // which a shared WebAssembly.Memory buffer (the core's) does not allow. The put copies it.
          const start = index * SNAPSHOT_PAGE_BYTES;
          const page = span.subarray(start, Math.min(start + SNAPSHOT_PAGE_BYTES, span.length));
          this.staging.set(page);
          this.pages.put([id, index], this.staging.subarray(0, page.length));
        }
        this.faultInjector?.('snapshot');
        this.headers.put(id, header);
        this.prune(id - this.keep);
      });
    } catch (error) {
      throw new JournalWriteError(
        `snapshot store ${this.path}: writing snapshot ${id} (inbound ${inboundSeq}, journal ${journalSequence}, ${pageIndexes.length} pages) failed: ${errorText(error)}; the previous snapshots are unchanged`,
        this.path,
        0n,
        0n,
        { cause: error },
      );
    }
  }

  /**
   * The newest snapshot whose pages match their digests, with its pages (copies), or null when
   * none was stored or none is intact. A damaged one passed over is said through `onDamaged`.
   */
  latest(onDamaged?: (message: string) => void): CoreSnapshot | null {
    for (const id of this.headers.getKeys({ reverse: true })) {
      const snapshot = this.load(id);
      if (typeof snapshot !== 'string') return snapshot;
      onDamaged?.(snapshot);
    }
    return null;
  }

  /** Snapshot `id` with its pages (copies), or why it cannot be restored (a page that does not match its digest). */
  private load(id: number): CoreSnapshot | string {
    const header = this.headers.get(id)!;
    const regions: CoreSnapshot['regions'] = [];
    for (const { key, value } of this.pages.getRange({ start: [id, 0], end: [id + 1, 0] })) {
      regions.push({ offset: header.spanOffset + key[1] * header.pageBytes, bytes: value.slice() });
    }
    const stored = regions.map((r) => (r.offset - header.spanOffset) / header.pageBytes);
    if (stored.length !== header.pages.length || stored.some((index, k) => index !== header.pages[k])) {
      throw new JournalFormatError(`snapshot store ${this.path}: snapshot ${id} lists pages [${header.pages.join(', ')}] but holds [${stored.join(', ')}]; the store is corrupt`);
    }
    const damaged = header.digests === undefined ? -1 : regions.findIndex((region, k) => sha256(region.bytes) !== header.digests![k]);
    if (damaged >= 0) {
      return `snapshot store ${this.path}: snapshot ${id} (inbound ${header.inboundSeq}) is damaged: its page ${header.pages[damaged]} does not match the sha256 it was stored with; not restored`;
    }
    return {
      inboundSeq: BigInt(header.inboundSeq),
      journalSequence: BigInt(header.journalSequence),
      takenAtNs: BigInt(header.takenAtNs),
      regions,
      meta: header.meta,
      spanOffset: header.spanOffset,
      spanLength: header.spanLength,
    };
  }

  /** Number of snapshots stored. */
  count(): number {
    return this.headers.getKeysCount();
  }

  /** Writes `snapshot` into `target` (the span at `spanOffset` of core memory): zeroes it, then copies the stored pages. */
  restoreInto(snapshot: CoreSnapshot, target: Uint8Array, spanOffset: number): void {
    if (spanOffset !== snapshot.spanOffset || target.length !== snapshot.spanLength) {
      throw new RangeError(
        `snapshot covers ${snapshot.spanLength} bytes at core offset ${snapshot.spanOffset}; the target covers ${target.length} bytes at ${spanOffset} (the memory layout changed?)`,
      );
    }
    target.fill(0);
    for (const region of snapshot.regions) {
      const at = region.offset - spanOffset;
      if (at < 0 || at + region.bytes.length > target.length) {
        throw new RangeError(`snapshot region of ${region.bytes.length} bytes at core offset ${region.offset} lies outside the span [${spanOffset}, ${spanOffset + target.length})`);
      }
      target.set(region.bytes, at);
    }
  }

  /** Closes the environment if this store opened it (a journal's store closes with the journal). */
  close(): void {
    if (this.ownsEnvironment) void this.root.close();
  }

  private latestId(): number {
    for (const key of this.headers.getKeys({ reverse: true, limit: 1 })) return key;
    return 0;
  }

  /** Removes snapshots with id <= `upTo` (inside the caller's write transaction). */
  private prune(upTo: number): void {
    if (upTo < 1) return;
    const ids = [...this.headers.getKeys({ end: upTo + 1 })];
    for (const id of ids) {
      const keys = [...this.pages.getKeys({ start: [id, 0], end: [id + 1, 0] })];
      for (const key of keys) this.pages.remove(key);
      this.headers.remove(id);
    }
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** True when every byte is 0 (words when aligned). */
function isAllZero(bytes: Uint8Array): boolean {
  let i = 0;
  const n = bytes.length;
  if (bytes.byteOffset % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, n >>> 2);
    for (let w = 0; w < words.length; w++) if (words[w] !== 0) return false;
    i = words.length << 2;
  }
  for (; i < n; i++) if (bytes[i] !== 0) return false;
  return true;
}
