// Packs the records a MarketStream yields (blocks of any size, in buffers the stream may reuse)
// into store blocks of a fixed record count, copying them into buffers of its own. On the way it
// checks each record's kind and that ts_local never decreases, and zeroes the instrument field
// (the reader writes the run's instrument id). Buffers come back through release() once written.
import { EventKind, KIND_MASK } from '../../engine/layout/event-record.js';
import { RECORD_BYTES, type MarketRecordKind } from '../../engine/replay/index.js';
import { isoNs } from './series-key.js';

/** A full (or final) block: `count` records in `bytes`, first and last ts_local. */
export interface PackedBlock {
  readonly bytes: Uint8Array;
  readonly count: number;
  readonly firstTs: bigint;
  readonly lastTs: bigint;
}

const KIND_FLAG: Record<MarketRecordKind, number> = { trades: EventKind.TRADE, quotes: EventKind.QUOTE, bars: EventKind.BAR };
const WORDS = RECORD_BYTES / 4;

/** The ts_local of record `index` of a block (little-endian i64 at byte 16). */
export function tsLocalAt(bytes: Uint8Array, index: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigInt64(index * RECORD_BYTES + 16, true);
}

export class BlockPacker {
  private buf: Uint8Array;
  private i32: Int32Array;
  private u32: Uint32Array;
  private count = 0;
  private readonly expected: number;
  private prevHi = -0x8000_0000;
  private prevLo = 0;
  private seen = 0;
  private readonly free: Uint8Array[] = [];

  constructor(
    private readonly blockRecords: number,
    kind: MarketRecordKind,
    /** Names the stream in errors. */
    private readonly label: string,
    /** Thrown errors are built by the caller (StoreImportError with the store and series). */
    private readonly fail: (message: string, rule: 'time order' | 'record kind') => Error,
  ) {
    this.expected = KIND_FLAG[kind];
    this.buf = this.take();
    this.i32 = new Int32Array(this.buf.buffer);
    this.u32 = new Uint32Array(this.buf.buffer);
  }

  /** Records taken so far. */
  get rows(): number {
    return this.seen;
  }

  /** Copies `count` records from `bytes`; calls `emit` for each block that fills up. */
  add(bytes: Uint8Array, count: number, emit: (block: PackedBlock) => void): void {
    let offset = 0;
    while (offset < count) {
      const n = Math.min(count - offset, this.blockRecords - this.count);
      this.buf.set(bytes.subarray(offset * RECORD_BYTES, (offset + n) * RECORD_BYTES), this.count * RECORD_BYTES);
      this.check(this.count, this.count + n);
      this.count += n;
      offset += n;
      if (this.count === this.blockRecords) emit(this.seal());
    }
  }

  /** The last, partial block (undefined when empty). */
  finish(): PackedBlock | undefined {
    return this.count > 0 ? this.seal() : undefined;
  }

  /** Gives a block's buffer back once it is written. */
  release(block: PackedBlock): void {
    if (block.bytes.byteOffset === 0 && block.bytes.buffer.byteLength === this.blockRecords * RECORD_BYTES) this.free.push(new Uint8Array(block.bytes.buffer));
  }

  private take(): Uint8Array {
    return this.free.pop() ?? new Uint8Array(this.blockRecords * RECORD_BYTES);
  }

  private seal(): PackedBlock {
    const bytes = this.buf.subarray(0, this.count * RECORD_BYTES);
    const block = { bytes, count: this.count, firstTs: tsLocalAt(bytes, 0), lastTs: tsLocalAt(bytes, this.count - 1) };
    this.buf = this.take();
    this.i32 = new Int32Array(this.buf.buffer);
    this.u32 = new Uint32Array(this.buf.buffer);
    this.count = 0;
    return block;
  }

  private check(from: number, to: number): void {
    const { i32, u32 } = this;
    let prevHi = this.prevHi;
    let prevLo = this.prevLo;
    for (let r = from; r < to; r++) {
      const w = r * WORDS;
      if ((i32[w] & KIND_MASK) !== this.expected) {
        throw this.fail(`${this.label}: record ${this.seen + r - from + 1} has kind ${i32[w] & KIND_MASK}, expected ${this.expected} (rule: a stream yields records of its own kind)`, 'record kind');
      }
      const hi = i32[w + 5];
      const lo = u32[w + 4];
      if (hi < prevHi || (hi === prevHi && lo < prevLo)) {
        const ts = (BigInt(hi) << 32n) | BigInt(lo);
        const prev = (BigInt(prevHi) << 32n) | BigInt(prevLo);
        throw this.fail(`${this.label}: record ${this.seen + r - from + 1} has ts_local ${isoNs(ts)}, before the previous record's ${isoNs(prev)} (rule: a stream yields records in non-decreasing ts_local)`, 'time order');
      }
      prevHi = hi;
      prevLo = lo;
      i32[w + 1] = 0;
    }
    this.prevHi = prevHi;
    this.prevLo = prevLo;
    this.seen += to - from;
  }
}
