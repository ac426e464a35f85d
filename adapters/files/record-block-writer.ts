// One reused buffer of event records (schemas/event-record.json) and typed views over it,
// for sources that write records field by field. Times arrive as (seconds, ns) pairs of
// exact doubles and are written as int64 words without making a BigInt (before 1970 they
// take the BigInt path). The views use the platform's byte order, which the record's
// little-endian layout requires: a big-endian platform is refused at load.

import type { RecordBlock } from '../../engine/replay/market-stream.js';
import { EVENT_BYTES } from '../../engine/layout/event-record.js';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('RecordBlockWriter needs a little-endian platform: event records are little-endian and written through typed views');
}

/** Int32 words per record. */
export const WORDS = EVENT_BYTES / 4;
/** Float64 slots per record. */
export const SLOTS = EVENT_BYTES / 8;
// Word / slot offsets inside a record.
export const W_KIND = 0;
export const W_INSTRUMENT = 1;
export const W_TS_EXCHANGE = 2;
export const W_TS_LOCAL = 4;
export const W_ID = 14;
export const S_PRICE = 3;
export const S_SIZE = 4;
export const S_A = 5;
export const S_B = 6;
/** The id slot viewed as f64 (a BAR's open, a QUOTE's ask size travel as their bits). */
export const S_ID = 7;

const TWO_21 = 2_097_152;
const TWO_32 = 4_294_967_296;

export class RecordBlockWriter {
  readonly bytes: Uint8Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  private readonly i64: BigInt64Array;
  count = 0;

  constructor(readonly capacity: number) {
    const buffer = new ArrayBuffer(capacity * EVENT_BYTES);
    this.bytes = new Uint8Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.i64 = new BigInt64Array(buffer);
  }

  /** The filled part of the buffer as a block (a view: valid until the next write). */
  block(): RecordBlock {
    return { count: this.count, bytes: this.bytes.subarray(0, this.count * EVENT_BYTES) };
  }

  /** Writes sec * 1e9 + frac as an int64 at int32 word `word`. */
  writeTime(word: number, sec: number, frac: number): void {
    if (sec < 0) {
      this.i64[word >> 1] = BigInt(sec) * 1_000_000_000n + BigInt(frac);
      return;
    }
    const a = Math.floor(sec / TWO_21);
    const h = a * 1e9;
    const l = (sec - a * TWO_21) * 1e9 + frac;
    const lHigh = Math.floor(l / TWO_32);
    const hLow = h % 2048;
    const sum = hLow * TWO_21 + (l - lHigh * TWO_32);
    const carry = sum >= TWO_32 ? 1 : 0;
    this.u32[word] = sum - carry * TWO_32;
    this.u32[word + 1] = (h - hLow) / 2048 + lHigh + carry;
  }

  /** Writes an unsigned id below 2^53 as a u64 at int32 word `word`. */
  writeId(word: number, id: number): void {
    const high = Math.floor(id / TWO_32);
    this.u32[word] = id - high * TWO_32;
    this.u32[word + 1] = high;
  }

  /** Writes a u64 id given as a BigInt (ids of 2^53 and above). */
  writeBigId(word: number, id: bigint): void {
    this.i64[word >> 1] = BigInt.asIntN(64, id);
  }
}
