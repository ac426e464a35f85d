// A market stream held in memory: another stream's records loaded once into one buffer, so
// repeated runs over the same data (parameter sweeps, benchmarks) skip parsing. The buffer may
// be a SharedArrayBuffer read by several threads (a sweep's pool workers, `shared()`): such a
// stream never writes it, and copies it first when a run numbers its instrument differently
// from what the records hold. It can also
// repeat its records shifted in time, copy after copy, to make a longer tape of real data
// (each copy starts `gapNs` after the previous one ends; trade ids stay unique).
//
//   bytes: | rec 0 | rec 1 | ... | rec n-1 |   (64-byte event records, ts_local non-decreasing)
import type { MarketRecordKind, MarketStream, RecordBlock, StreamIssue } from '../replay/index.js';
import { RECORD_BYTES } from '../replay/index.js';
import { EventKind, KIND_MASK } from '../layout/event-record.js';

const BLOCK_RECORDS = 16_384;

export class MemoryStream implements MarketStream {
  readonly label: string;
  readonly symbol: string;
  readonly kind: MarketRecordKind;
  readonly barIntervalNs?: bigint;
  private records: Uint8Array;
  private readonly sourceIssues: readonly StreamIssue[];
  /** The instrument id the records hold now (rewritten only when a run asks for another). */
  private instrument = -1;

  private constructor(like: Pick<MarketStream, 'label' | 'symbol' | 'kind' | 'barIntervalNs'>, bytes: Uint8Array, issues: readonly StreamIssue[]) {
    this.label = like.label;
    this.symbol = like.symbol;
    this.kind = like.kind;
    this.barIntervalNs = like.barIntervalNs;
    this.records = bytes;
    this.sourceIssues = issues;
  }

  /** The records (64-byte event records in ts_local order). */
  get bytes(): Uint8Array {
    return this.records;
  }

  /** The instrument id the records hold (-1: not known). */
  get recordsInstrument(): number {
    return this.instrument;
  }

  /**
   * A stream over records another thread loaded (`load`) and shares: `bytes` (not copied, usually
   * on a SharedArrayBuffer) hold instrument id `instrument`; `issues` are the source's.
   */
  static shared(like: Pick<MarketStream, 'label' | 'symbol' | 'kind' | 'barIntervalNs'>, bytes: Uint8Array, issues: readonly StreamIssue[], instrument: number): MemoryStream {
    if (bytes.byteLength % RECORD_BYTES !== 0) throw new RangeError(`\`bytes\` must hold whole 64-byte records, had ${bytes.byteLength} bytes`);
    if (!Number.isInteger(instrument) || instrument < -1) throw new RangeError(`\`instrument\` must be an integer >= -1, was ${instrument}`);
    const stream = new MemoryStream(like, bytes, issues);
    stream.instrument = instrument;
    return stream;
  }

  get expectedRows(): number {
    return this.bytes.byteLength / RECORD_BYTES;
  }

  /** A stream over records already in memory (64-byte event records in ts_local order; `bytes` is not copied). */
  static fromRecords(like: Pick<MarketStream, 'label' | 'symbol' | 'kind' | 'barIntervalNs'>, bytes: Uint8Array): MemoryStream {
    if (bytes.byteLength % RECORD_BYTES !== 0) throw new RangeError(`\`bytes\` must hold whole 64-byte records, had ${bytes.byteLength} bytes`);
    return new MemoryStream(like, bytes, []);
  }

  /** Reads every record of `stream` into memory. */
  static async load(stream: MarketStream): Promise<MemoryStream> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const block of stream.blocks(0)) {
      const bytes = block.bytes.slice(0, block.count * RECORD_BYTES);
      parts.push(bytes);
      total += bytes.byteLength;
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.byteLength;
    }
    const loaded = new MemoryStream(stream, bytes, stream.issues());
    loaded.instrument = 0;
    return loaded;
  }

  /**
   * `copies` copies of the records back to back, copy k shifted by k * (span + gapNs) in both
   * times, with trade ids offset by k * (largest id + 1).
   */
  repeated(copies: number, gapNs: bigint): MemoryStream {
    if (!Number.isInteger(copies) || copies < 1) throw new RangeError(`\`copies\` must be an integer >= 1, was ${copies}`);
    const n = this.expectedRows;
    const out = new Uint8Array(this.bytes.byteLength * copies);
    const src = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    const dst = new DataView(out.buffer);
    if (n === 0) return new MemoryStream(this, out, this.sourceIssues);
    const first = src.getBigInt64(16, true);
    const last = src.getBigInt64((n - 1) * RECORD_BYTES + 16, true);
    let maxId = 0n;
    const trades = this.kind === 'trades';
    if (trades) for (let r = 0; r < n; r++) { const id = src.getBigUint64(r * RECORD_BYTES + 56, true); if (id > maxId) maxId = id; }
    const shift = last - first + gapNs;
    for (let k = 0; k < copies; k++) {
      out.set(this.bytes, k * this.bytes.byteLength);
      if (k === 0) continue;
      const dt = BigInt(k) * shift;
      const base = k * this.bytes.byteLength;
      for (let r = 0; r < n; r++) {
        const at = base + r * RECORD_BYTES;
        dst.setBigInt64(at + 8, dst.getBigInt64(at + 8, true) + dt, true);
        dst.setBigInt64(at + 16, dst.getBigInt64(at + 16, true) + dt, true);
        if (trades && (dst.getInt32(at, true) & KIND_MASK) === EventKind.TRADE) {
          const id = dst.getBigUint64(at + 56, true);
          if (id !== 0n) dst.setBigUint64(at + 56, id + BigInt(k) * (maxId + 1n), true);
        }
      }
    }
    const copy = new MemoryStream({ ...this, label: `${this.label} x${copies}` }, out, this.sourceIssues);
    copy.instrument = this.instrument;
    return copy;
  }

  /** A copy of the records with ts_local in [fromNs, toNs) (records are in ts_local order, so a binary search finds both ends). */
  slice(fromNs: bigint, toNs: bigint): MemoryStream {
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    const firstAtOrAfter = (ns: bigint): number => {
      let lo = 0;
      let hi = this.expectedRows;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (view.getBigInt64(mid * RECORD_BYTES + 16, true) < ns) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const from = firstAtOrAfter(fromNs);
    const to = Math.max(from, firstAtOrAfter(toNs));
    const part = new MemoryStream(this, this.bytes.slice(from * RECORD_BYTES, to * RECORD_BYTES), this.sourceIssues);
    part.instrument = this.instrument;
    return part;
  }

  async *blocks(instrument: number): AsyncIterable<RecordBlock> {
    if (instrument !== this.instrument) {
      // Records other threads read are never written: this stream takes its own copy first.
      if (this.records.buffer instanceof SharedArrayBuffer) this.records = this.records.slice();
      const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
      for (let at = 4; at < this.bytes.byteLength; at += RECORD_BYTES) view.setInt32(at, instrument, true);
      this.instrument = instrument;
    }
    const n = this.expectedRows;
    for (let start = 0; start < n; start += BLOCK_RECORDS) {
      const count = Math.min(BLOCK_RECORDS, n - start);
      yield { count, bytes: this.bytes.subarray(start * RECORD_BYTES, (start + count) * RECORD_BYTES) };
    }
  }

  issues(): readonly StreamIssue[] {
    return this.sourceIssues;
  }
}
