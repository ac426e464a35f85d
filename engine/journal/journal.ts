// The write-ahead journal on LMDB: JournalRecord FlatBuffers under gapless sequences starting
// at 1. append() encodes into a pending batch (no I/O); commit() writes the batch in one
// synchronous LMDB write transaction, fsynced unless the policy is 'async'; the caller drives
// group commit with commitIfDue / msUntilDue (the journal starts no timers). Reads see
// committed records only, lazily, straight from LMDB.
//
//   <path>/  LMDB environment (fsync, group: synchronous commits; async: noSync)
//     db "journal"    key sequence (number, ordered) -> JournalRecord FlatBuffer (QFJR)
//                     followed by its CRC-32 (u32 LE, crc32.ts) from meta "checksumsFrom" on
//     db "meta"       key "format" -> JOURNAL_FORMAT; key "checksumsFrom" -> first checksummed sequence;
//                     key "writers" -> the core builds that wrote it, in order (journal-writers.ts)
//     dbs "snapshot-headers", "snapshot-pages": the SnapshotStore of `journal.snapshots`
//
// Checksums (format 2): LMDB keeps none, so a bit flipped on disk, or a torn page, in a record
// would replay as valid (or as another valid record). Every record this code writes carries the
// CRC-32 of its bytes after them (FlatBuffers ignore trailing bytes); every read checks it from
// `checksumsFrom` on and refuses a record that does not match with a JournalFormatError naming
// the journal and the record's sequence, so recovery stops there instead of trading on it.
// Format 1 journals (written before checksums) are read as they are, unchecked; the first commit
// of this code into one makes it format 2 with `checksumsFrom` its first new sequence (the older
// records stay unchecked, the new ones are checked; code that reads format 1 only then refuses it).
//
// Writers (format 3): the same records, and a reader must compare the journal's recorded writers
// (meta "writers") with its own core before recovering it (engine/live/journal-core.ts). Builds
// from before writers were recorded read format 2 and ignore "writers", so they would recover a
// journal a newer core decided; a journal a session starts on is therefore made format 3
// (upgradeFormat, and addWriter), which those builds refuse by its number ("this code reads
// formats 1 and 2"). Formats 1 and 2 are still read here as before. A format above this code's is
// refused naming both numbers.
//
// One Journal per path per process (lmdb-js shares the environment; two writers would collide).
//
// Failures are sticky: once a commit failed, every later append and commit throws the same
// JournalWriteError (what the disk holds is what was committed before it).
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment } from '../lmdb/index.js';
import { DEFAULT_DURABILITY, type DurabilityPolicy } from './durability.js';
import { InboundReader, INBOUND_JOURNAL_RECORD_BYTES, checkInboundFields, writeInboundRecord } from './inbound-codec.js';
import { JournalEncoder, decodeJournalRecord } from './journal-codec.js';
import type { JournalEntry, JournalRecordView } from './journal-entry.js';
import { JournalFormatError, JournalWriteError, errorText } from './journal-errors.js';
import { SnapshotStore } from './snapshot-store.js';
import { openRecordsDb, openSharedReadDb } from './raw-records-db.js';
import { InboundIterator, type InboundRecordView } from './inbound-iterator.js';
import { crc32 } from './crc32.js';
import { nowNs } from './now-ns.js';
import { parseJournalWriters, type JournalWriter } from './journal-writers.js';

/** The format this code writes: 3, records with a CRC-32 trailer and readers that check the journal's writers (formats 1 and 2 are read too). */
export const JOURNAL_FORMAT = 3;
/** The first format with checksums (`checksumsFrom`). */
const CHECKSUMS_FORMAT = 2;
/** Bytes of the CRC-32 after each checksummed record. */
const CHECKSUM_BYTES = 4;
/** The LMDB databases of a journal's environment (its records, meta, and the snapshot store's). */
const JOURNAL_DATABASES: readonly string[] = ['meta', 'journal', 'snapshot-headers', 'snapshot-pages'];
const INITIAL_ARENA_BYTES = 1 << 20;
const APPEND = { append: true } as const;
/** Resolved paths of the journals open in this process. */
const openPaths = new Set<string>();

export type FaultPhase = 'commit';

export interface JournalOptions {
  durability?: DurabilityPolicy;
  /** Initial LMDB map size (lmdb-js grows it when full). */
  mapSizeBytes?: number;
  /** Clock of the group policy in ms (default performance.now()); commitIfDue/msUntilDue's `nowMs` is on this clock. */
  clock?: () => number;
  /** Test hook: called inside the commit's write transaction; a throw there fails the commit like an I/O error. */
  faultInjector?: (phase: FaultPhase) => void;
  /**
   * Only an existing journal (`replay --journal`, `killswitch --journal`): a directory without
   * one (left untouched), or an LMDB environment that is not a journal, is a JournalFormatError.
   */
  mustExist?: boolean;
}

export class Journal {
  readonly durability: DurabilityPolicy;
  private readonly encoder = new JournalEncoder();
  private readonly clock: () => number;
  private readonly faultInjector: ((phase: FaultPhase) => void) | undefined;
  private arena = new Uint8Array(INITIAL_ARENA_BYTES);
  private arenaView = new DataView(this.arena.buffer);
  private arenaUsed = 0;
  /** Start and length in the arena of pending record k at 2k, 2k + 1. */
  private spans: number[] = [];
  private pending = 0;
  private pendingSinceMs = 0;
  private last: number;
  private committed: number;
  /** inboundSeq of the last inbound record appended; -1n when none. */
  private lastInboundSeq: bigint;
  private failure: JournalWriteError | null = null;
  private closed = false;
  private snapshotStore: SnapshotStore | null = null;
  /** Records from this sequence on carry a checksum (Infinity: a format 1 journal this code has not written to yet). */
  private checksumsFrom: number;

  private constructor(
    readonly path: string,
    private readonly root: RootDatabase,
    private readonly db: Database<Uint8Array, number>,
    /** The same database, read through lmdb-js's shared buffer (readInbound's fast path). */
    private readonly sharedReadDb: Database<Uint8Array, number>,
    private readonly meta: Database<unknown, string>,
    checksumsFrom: number,
    options: JournalOptions,
  ) {
    this.checksumsFrom = checksumsFrom;
    this.durability = options.durability ?? DEFAULT_DURABILITY;
    this.clock = options.clock ?? (() => performance.now());
    this.faultInjector = options.faultInjector;
    this.committed = this.last = lastKey(db);
    this.lastInboundSeq = this.findLastInboundSeq();
  }

  /** Opens (creating if needed) the journal at `path`, a directory. */
  static open(path: string, options: JournalOptions = {}): Journal {
    const durability = options.durability ?? DEFAULT_DURABILITY;
    if (openPaths.has(resolve(path))) throw new Error(`journal ${path} is already open in this process; close it first`);
    checkLmdbEnvironment(path, 'journal');
    if (options.mustExist && !existsSync(join(path, 'data.mdb'))) throw new JournalFormatError(`${path} holds no journal (no data.mdb): give the --journal directory of a live session`);
    mkdirSync(path, { recursive: true });
    const root = open({
      path,
      ...(options.mapSizeBytes !== undefined ? { mapSize: options.mapSizeBytes } : {}),
      // Synchronous commits fdatasync the data, then write the meta page with O_DSYNC; noSync skips both.
      noSync: durability.mode === 'async',
      overlappingSync: false,
    });
    try {
      const meta = root.openDB<unknown, string>({ name: 'meta', encoding: 'json' });
      // An environment holding databases a journal never has is another store's (the kill-switch
      // store; a model registry, whose meta format is 1 as well): never written into as a journal.
      const others = Array.from(root.getKeys(), String).filter((name) => !JOURNAL_DATABASES.includes(name));
      if (others.length > 0) {
        throw new JournalFormatError(`${path} is an LMDB environment but not a journal: it holds another store's databases (${others.map((name) => JSON.stringify(name)).join(', ')}); ${options.mustExist ? 'give the --journal directory of a live session' : 'give the journal a directory of its own'}`);
      }
      const format = meta.get('format');
      if (format === undefined && options.mustExist) throw new JournalFormatError(`${path} is an LMDB environment but not a journal (it has no journal format record): give the --journal directory of a live session`);
      let checksumsFrom = Infinity;
      if (format === undefined) {
        root.transactionSync(() => {
          meta.putSync('format', JOURNAL_FORMAT);
          meta.putSync('checksumsFrom', 1);
        });
        checksumsFrom = 1;
      } else if (format === CHECKSUMS_FORMAT || format === JOURNAL_FORMAT) {
        const from = meta.get('checksumsFrom');
        if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 1) {
          throw new JournalFormatError(`journal at ${path} has format ${format} but its meta \`checksumsFrom\` must be a sequence >= 1, was ${JSON.stringify(from)}; the journal's meta is damaged`);
        }
        checksumsFrom = from;
      } else if (format !== 1) {
        throw new JournalFormatError(
          typeof format === 'number' && Number.isSafeInteger(format) && format > JOURNAL_FORMAT
            ? `journal at ${path} has format ${format}, newer than this QuantFlow's journal format ${JOURNAL_FORMAT} (it reads formats 1 to ${JOURNAL_FORMAT}): a newer QuantFlow wrote it, and its core may decide otherwise than this one on the same records, so this build does not recover it; use the QuantFlow build that wrote it (or a newer one)`
            : `journal at ${path} has format ${JSON.stringify(format)}, this code reads formats 1 to ${JOURNAL_FORMAT}; the journal's meta is damaged or it is not a QuantFlow journal`,
        );
      }
      const journal = new Journal(path, root, openRecordsDb(root, 'journal'), openSharedReadDb(root, 'journal'), meta, checksumsFrom, { ...options, durability });
      openPaths.add(resolve(path));
      return journal;
    } catch (error) {
      void root.close();
      throw error;
    }
  }

  /**
   * The snapshot store in this journal's LMDB environment (same durability). Its put() first
   * commits what is pending here, and refuses a `journalSequence` past the committed sequence:
   * a snapshot never claims journal records a crash could still lose.
   */
  get snapshots(): SnapshotStore {
    this.checkOpen();
    return (this.snapshotStore ??= SnapshotStore.inEnvironment(this.root, this.path, {
      beforePut: (journalSequence) => {
        this.commit();
        if (journalSequence > BigInt(this.committed)) {
          throw new RangeError(`snapshot \`journalSequence\` must be <= the journal's committed sequence ${this.committed}, was ${journalSequence}`);
        }
      },
    }));
  }

  /**
   * The first sequence whose record carries a checksum (1n: the journal was made by a version that
   * writes checksums, format 2, from its start); null: a format 1 journal not written to since.
   */
  checksumsFromSequence(): bigint | null {
    return this.checksumsFrom === Infinity ? null : BigInt(this.checksumsFrom);
  }

  /**
   * The core builds that wrote this journal (meta "writers"), oldest first; empty for a journal no
   * session has started on, or one written before journals recorded their core. A malformed entry
   * is a JournalFormatError naming the journal, the entry and the field.
   */
  writers(): JournalWriter[] {
    this.checkOpen();
    const value = this.meta.get('writers');
    if (value === undefined) return [];
    const parsed = parseJournalWriters(value);
    if ('problem' in parsed) throw new JournalFormatError(`journal ${this.path}: its meta \`writers\` ${parsed.problem}; the journal's meta is damaged`);
    return parsed.writers;
  }

  /**
   * Records `core` (with the identity of its `setup`, when given) as the journal's writer from the next sequence on (after committing what is
   * pending), durably, before anything it decides is appended; returns the entry.
   */
  addWriter(core: string, acceptedChange: boolean, setup?: Readonly<Record<string, string>>): JournalWriter {
    this.commit();
    const writers = this.writers();
    const writer: JournalWriter = { core, journalFormat: JOURNAL_FORMAT, fromSequence: this.committed + 1, acceptedChange, ...(setup !== undefined ? { setup } : {}) };
    const next = [...writers, writer];
    const parsed = parseJournalWriters(next);
    if ('problem' in parsed) throw new RangeError(`journal ${this.path}: writer ${parsed.problem}`);
    this.root.transactionSync(() => {
      this.putFormat();
      this.meta.putSync('writers', next);
    });
    this.checksumsFrom = Math.min(this.checksumsFrom, this.committed + 1);
    return writer;
  }

  /**
   * Makes the journal this code's format (3) if it is older, durably, after committing what is
   * pending: builds that do not check the journal's writers then refuse it by its format number.
   * A format 1 journal gets checksums from its next record on. For a session about to write.
   */
  upgradeFormat(): void {
    this.commit();
    if (this.meta.get('format') === JOURNAL_FORMAT) return;
    this.root.transactionSync(() => this.putFormat());
    this.checksumsFrom = Math.min(this.checksumsFrom, this.committed + 1);
  }

  /** In a write transaction: meta "format" becomes JOURNAL_FORMAT (a format 1 journal's checksums start at the next record). Nothing may be pending. */
  private putFormat(): void {
    if (this.checksumsFrom === Infinity) this.meta.putSync('checksumsFrom', this.committed + 1);
    this.meta.putSync('format', JOURNAL_FORMAT);
  }

  /** Sequence of the last record appended (committed or pending); 0n when empty. */
  lastSequence(): bigint {
    return BigInt(this.last);
  }

  /** Last sequence committed (durable unless the policy is 'async'); 0n when none. */
  committedSequence(): bigint {
    return BigInt(this.committed);
  }

  /** Records appended and not yet committed. */
  pendingCount(): number {
    return this.pending;
  }

  /**
   * Appends an entry to the pending batch and returns its sequence; no I/O. `timeNs` defaults
   * to now (ns since the epoch). Inbound entries must come in increasing `inboundSeq`.
   */
  append(entry: JournalEntry, timeNs: bigint = nowNs()): bigint {
    if (this.failure) throw this.failure;
    this.checkOpen();
    const sequence = this.last + 1;
    const seq = BigInt(sequence);
    let length: number;
    if (entry.type === 'inbound') {
      checkInboundFields(entry.inboundSeq, entry.record, entry.sourceSeq);
      if (entry.inboundSeq <= this.lastInboundSeq) {
        throw new RangeError(`inbound \`inboundSeq\` must increase: journal ${this.path} last journaled inbound ${this.lastInboundSeq}, was ${entry.inboundSeq}`);
      }
      if (entry.message === undefined) {
        this.reserve(INBOUND_JOURNAL_RECORD_BYTES + CHECKSUM_BYTES);
        length = writeInboundRecord(this.arena, this.arenaView, this.arenaUsed, seq, timeNs, entry.inboundSeq, entry.record, entry.sourceSeq);
      } else {
        // A REJECT with the venue's message (rare): the encoder's Builder path.
        const bytes = this.encoder.encode(seq, timeNs, entry);
        this.reserve(bytes.length + CHECKSUM_BYTES);
        this.arena.set(bytes, this.arenaUsed);
        length = bytes.length;
      }
      this.lastInboundSeq = entry.inboundSeq;
    } else {
      const bytes = this.encoder.encode(seq, timeNs, entry);
      this.reserve(bytes.length + CHECKSUM_BYTES);
      this.arena.set(bytes, this.arenaUsed);
      length = bytes.length;
    }
    // The record's CRC-32 after it: every record this code writes carries one (see the header).
    this.arenaView.setUint32(this.arena.byteOffset + this.arenaUsed + length, crc32(this.arena, this.arenaUsed, this.arenaUsed + length), true);
    length += CHECKSUM_BYTES;
    const k = this.pending << 1;
    this.spans[k] = this.arenaUsed;
    this.spans[k + 1] = length;
    this.arenaUsed = (this.arenaUsed + length + 7) & ~7;
    if (this.pending++ === 0) this.pendingSinceMs = this.clock();
    this.last = sequence;
    return seq;
  }

  /** Commits everything pending in one write transaction (fsynced unless 'async'). Throws JournalWriteError on failure. */
  commit(): void {
    if (this.failure) throw this.failure;
    this.checkOpen();
    if (this.pending === 0) return;
    const first = this.committed + 1;
    const count = this.pending;
    const { arena, spans, db } = this;
    // A format 1 journal's first commit by this code: checksums from its first new record on.
    const upgrade = this.checksumsFrom === Infinity;
    try {
      this.root.transactionSync(() => {
        this.faultInjector?.('commit');
        if (upgrade) {
          this.meta.putSync('format', JOURNAL_FORMAT);
          this.meta.putSync('checksumsFrom', first);
        }
        for (let k = 0; k < count; k++) {
          const start = spans[k << 1];
          db.putSync(first + k, arena.subarray(start, start + spans[(k << 1) + 1]), APPEND);
        }
      });
    } catch (error) {
      this.failure = new JournalWriteError(
        `journal ${this.path}: commit of sequences ${first}..${this.last} failed: ${errorText(error)}; the journal holds sequences up to ${this.committed} and accepts no more writes`,
        this.path,
        BigInt(first),
        BigInt(this.last),
        { cause: error },
      );
      throw this.failure;
    }
    if (upgrade) this.checksumsFrom = first;
    this.committed = this.last;
    this.pending = 0;
    this.arenaUsed = 0;
  }

  /** Commits what is pending if the policy says it is due; returns true if it committed. */
  commitIfDue(nowMs: number = this.clock()): boolean {
    if (this.pending === 0 || this.msUntilDue(nowMs) > 0) {
      if (this.failure) throw this.failure;
      return false;
    }
    this.commit();
    return true;
  }

  /** Milliseconds until the pending batch is due (0: due now; Infinity: nothing pending). */
  msUntilDue(nowMs: number = this.clock()): number {
    if (this.pending === 0) return Infinity;
    const policy = this.durability;
    if (policy.mode !== 'group' || this.pending >= policy.maxRecords) return 0;
    return Math.max(0, this.pendingSinceMs + policy.maxDelayMs - nowMs);
  }

  /** Committed records with sequence >= `from`, in order, decoded lazily (one LMDB read transaction). */
  *read(from = 1n): IterableIterator<JournalRecordView> {
    for (const { key, value } of this.range(from)) yield this.decodeAt(key, value);
  }

  /**
   * The record stored under `key` (bytes read from this journal: scan, scanRange), decoded. Bytes
   * that are not a record this code reads, or a record under another key, throw a
   * JournalFormatError naming the journal, the key and what is wrong, so the damage can be found.
   */
  decodeAt(key: number, bytes: Uint8Array): JournalRecordView {
    this.verify(key, bytes);
    let view: JournalRecordView;
    try {
      view = decodeJournalRecord(bytes);
    } catch (error) {
      throw this.damaged(key, error);
    }
    if (view.sequence !== BigInt(key)) throw this.corrupt(key, view.sequence);
    return view;
  }

  /**
   * What reading the record under `key` threw, as the error to report: a record this code cannot
   * read (a JournalFormatError, or a RangeError of an offset outside the record's bytes) becomes a
   * JournalFormatError naming the journal and the key; anything else is returned as it was.
   */
  /**
   * Checks the CRC-32 of the record stored under `key` (its bytes as read, checksum included) when
   * it carries one; throws a JournalFormatError naming the journal and the sequence otherwise.
   */
  verify(key: number, bytes: Uint8Array): void {
    if (key < this.checksumsFrom) return;
    const end = bytes.length - CHECKSUM_BYTES;
    const problem = end < 8
      ? `it is ${bytes.length} bytes, too short to hold a record and its checksum`
      : (() => {
        const stored = new DataView(bytes.buffer, bytes.byteOffset + end, CHECKSUM_BYTES).getUint32(0, true);
        const computed = crc32(bytes, 0, end);
        return stored === computed ? null : `its CRC-32 does not match its bytes (stored ${hex(stored)}, computed ${hex(computed)})`;
      })();
    if (problem === null) return;
    throw new JournalFormatError(
      `journal ${this.path}: the record under key ${key} (of ${this.committed}) is damaged: ${problem}: record ${key}'s bytes changed on disk after it was committed (a flipped bit, a torn write), so nothing from it on is replayed; `
      + 'restore the journal directory from a backup, or give the session a new journal (--journal DIR) and let it reconcile with the venue',
    );
  }

  damaged(key: number, error: unknown): unknown {
    if (!(error instanceof JournalFormatError) && !(error instanceof RangeError)) return error;
    return new JournalFormatError(`journal ${this.path}: the record under key ${key} (of ${this.committed}) is damaged: ${error.message}`, { cause: error });
  }

  /**
   * Committed records with sequence >= `from`, in order, as lmdb-js's shared read buffer with its
   * `length` set to the record's size: no copy, valid until the next iteration. For scans that
   * read most records in place (InboundReader) and decode few (copy those first).
   */
  *scan(from = 1n): IterableIterator<{ sequence: number; bytes: Uint8Array }> {
    this.checkOpen();
    const start = from < 1n ? 1 : Number(from);
    for (const { key, value } of this.sharedReadDb.getRange({ start, end: this.committed + 1 })) {
      this.verify(key, value);
      yield { sequence: key, bytes: value };
    }
  }

  /**
   * `scan` without the generator: lmdb-js's range itself ({ key, value }, value the shared read
   * buffer with `length` set, valid until the next step). For the recovery loop (journal-replay).
   */
  scanRange(from = 1n): Iterable<{ key: number; value: Uint8Array }> {
    this.checkOpen();
    const start = from < 1n ? 1 : Number(from);
    const range = this.sharedReadDb.getRange({ start, end: this.committed + 1 });
    return this.checksumsFrom === Infinity ? range : this.verified(range);
  }

  /** `range` with each record's checksum checked before it is handed on. */
  private *verified(range: Iterable<{ key: number; value: Uint8Array }>): IterableIterator<{ key: number; value: Uint8Array }> {
    for (const step of range) {
      this.verify(step.key, step.value);
      yield step;
    }
  }

  /** The last journaled inbound sequence (committed or pending), -1n when there is none. */
  lastInboundSequence(): bigint {
    return this.lastInboundSeq;
  }

  /** Committed records' bytes (copies) with sequence >= `from`, in order. */
  *readRaw(from = 1n): IterableIterator<{ sequence: bigint; bytes: Uint8Array }> {
    for (const { key, value } of this.range(from)) {
      this.verify(key, value);
      yield { sequence: BigInt(key), bytes: value.slice() };
    }
  }

  /**
   * Committed inbound records with inboundSeq >= `fromInboundSeq`, in order. The start is found
   * by binary search over sequences (inboundSeq increases with the sequence). `record` is a view
   * into LMDB's read buffer, valid until the next iteration (or the next LMDB read on this thread).
   */
  readInbound(fromInboundSeq: bigint): IterableIterator<InboundRecordView> {
    this.checkOpen();
    const start = this.firstSequenceAtOrAfterInbound(fromInboundSeq, new InboundReader());
    const range = this.sharedReadDb.getRange({ start, end: this.committed + 1 });
    return new InboundIterator(range[Symbol.iterator](), fromInboundSeq, this.path, (key, value) => this.verify(key, value));
  }

  /** Commits what is pending (unless the journal failed before), then closes the environment. */
  close(): void {
    if (this.closed) return;
    try {
      if (!this.failure) this.commit();
    } finally {
      this.closed = true;
      openPaths.delete(resolve(this.path));
      void this.root.close();
    }
  }

  private range(from: bigint): Iterable<{ key: number; value: Uint8Array }> {
    this.checkOpen();
    const start = from < 1n ? 1 : Number(from);
    return this.db.getRange({ start, end: this.committed + 1 });
  }

  private reserve(bytes: number): void {
    const needed = this.arenaUsed + bytes + 8;
    if (needed <= this.arena.length) return;
    let size = this.arena.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.arena.subarray(0, this.arenaUsed));
    this.arena = next;
    this.arenaView = new DataView(next.buffer);
  }

  /** The smallest sequence from which a forward scan meets every inbound record with inboundSeq >= `from`. */
  private firstSequenceAtOrAfterInbound(from: bigint, reader: InboundReader): number {
    let lo = 1;
    let hi = this.committed + 1; // answer in [lo, hi]; hi: past the end
    if (from <= 0n) return lo;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const inbound = this.inboundAtOrAfter(mid, hi, reader);
      if (inbound === null || inbound >= from) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** inboundSeq of the first inbound record in [sequence, end), or null when there is none. */
  private inboundAtOrAfter(sequence: number, end: number, reader: InboundReader): bigint | null {
    for (const { key, value } of this.sharedReadDb.getRange({ start: sequence, end })) {
      if (this.readAt(reader, key, value)) return reader.inboundSeq;
    }
    return null;
  }

  private findLastInboundSeq(): bigint {
    const reader = new InboundReader();
    for (const { key, value } of this.sharedReadDb.getRange({ reverse: true })) {
      if (this.readAt(reader, key, value)) return reader.inboundSeq;
    }
    return -1n;
  }

  /** `reader.read` of the record under `key`, a damaged record reported by its key. */
  private readAt(reader: InboundReader, key: number, value: Uint8Array): boolean {
    this.verify(key, value);
    try {
      return reader.read(value);
    } catch (error) {
      throw this.damaged(key, error);
    }
  }

  private corrupt(key: number, sequence: bigint): JournalFormatError {
    return new JournalFormatError(`journal ${this.path}: key ${key} holds record sequence ${sequence}; the journal is corrupt`);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`journal ${this.path} is closed`);
  }
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function lastKey(db: Database<Uint8Array, number>): number {
  for (const key of db.getKeys({ reverse: true, limit: 1 })) {
    if (typeof key !== 'number' || !Number.isSafeInteger(key) || key < 1) throw new JournalFormatError(`journal key ${String(key)} is not a sequence`);
    return key;
  }
  return 0;
}
