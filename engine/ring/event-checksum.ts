// The event checksum: an order-sensitive fold over the 16 u32 words of each
// 64-byte record, in two 32-bit lanes (a 64-bit state, integer arithmetic only).
// Defined identically in wasm/assembly/checksum.ts; test/ring-wasm.test.ts checks
// both give the same value on the same stream, and test/ring-checksum-mmh3.test.ts
// checks the low lane against Python's mmh3 (MurmurHash3 x86_32, seed 0).
//
// Per word w (all arithmetic mod 2^32):
//   k  = rotl(w * 0xcc9e2d51, 15) * 0x1b873593
//   lo = rotl(lo ^ k, 13) * 5 + 0xe6546b64          (MurmurHash3 x86_32 block step)
//   hi = rotl((hi ^ k) * 0x85ebca6b + lo, 17)
// The state starts at (0, 0) and has no finalisation, so a running checksum can
// be continued across batches; the core keeps it at CONTROL_EVENTS_CHECKSUM
// (lo at +0, hi at +4).

export const EVENT_CHECKSUM_WORDS = 16;

export class EventChecksum {
  /** Low lane, as an int32. */
  lo = 0;
  /** High lane, as an int32. */
  hi = 0;
  /** Records folded so far. */
  count = 0;

  reset(): void {
    this.lo = 0;
    this.hi = 0;
    this.count = 0;
  }

  /** Folds the record whose first word is `u32[wordIndex]`. */
  foldRecord(u32: Uint32Array, wordIndex: number): void {
    let lo = this.lo;
    let hi = this.hi;
    for (let i = 0; i < EVENT_CHECKSUM_WORDS; i++) {
      let k = Math.imul(u32[wordIndex + i], 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      lo ^= k;
      lo = (Math.imul((lo << 13) | (lo >>> 19), 5) + 0xe6546b64) | 0;
      hi = (Math.imul(hi ^ k, 0x85ebca6b) + lo) | 0;
      hi = (hi << 17) | (hi >>> 15);
    }
    this.lo = lo;
    this.hi = hi;
    this.count++;
  }

  /** True when both lanes equal the given lanes (compared as u32). */
  equals(lo: number, hi: number): boolean {
    return (this.lo >>> 0) === (lo >>> 0) && (this.hi >>> 0) === (hi >>> 0);
  }

  /** The 64-bit state as 16 hex digits, high lane first (for reports and messages). */
  toHex(): string {
    return formatChecksum(this.lo, this.hi);
  }
}

/** Formats two checksum lanes as 16 hex digits, high lane first. */
export function formatChecksum(lo: number, hi: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}
