// The event checksum, defined identically to engine/ring/event-checksum.ts: an
// order-sensitive fold over the 16 u32 words of each 64-byte record, in two
// 32-bit lanes (integer arithmetic only, no allocation).
//
// Per word w (all arithmetic mod 2^32):
//   k  = rotl(w * 0xcc9e2d51, 15) * 0x1b873593
//   lo = rotl(lo ^ k, 13) * 5 + 0xe6546b64          (MurmurHash3 x86_32 block step)
//   hi = rotl((hi ^ k) * 0x85ebca6b + lo, 17)
//
// State (8 bytes, e.g. CONTROL_EVENTS_CHECKSUM in the control block):
//   +0 lo u32 | +4 hi u32      starts at (0, 0); no finalisation, so it continues across batches

export const CHECKSUM_LO: i32 = 0;
export const CHECKSUM_HI: i32 = 4;
export const CHECKSUM_WORDS: i32 = 16;

/** Folds the 64-byte record at `record` into the checksum state at `state`. */
// @ts-ignore: decorator
@inline
export function eventChecksumFold(state: usize, record: usize): void {
  let lo = load<u32>(state, CHECKSUM_LO);
  let hi = load<u32>(state, CHECKSUM_HI);
  for (let i = 0; i < CHECKSUM_WORDS; i++) {
    let k = load<u32>(record + (<usize>i << 2)) * 0xcc9e2d51;
    k = rotl<u32>(k, 15) * 0x1b873593;
    lo = rotl<u32>(lo ^ k, 13) * 5 + 0xe6546b64;
    hi = rotl<u32>((hi ^ k) * 0x85ebca6b + lo, 17);
  }
  store<u32>(state, lo, CHECKSUM_LO);
  store<u32>(state, hi, CHECKSUM_HI);
}
