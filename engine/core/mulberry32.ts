// mulberry32: a tiny seeded generator of doubles in [0, 1) (one 32-bit draw each), for what
// needs repeatable jitter rather than statistical quality: the venue adapters' reconnect
// backoff and the crash harness's kill plans. The same seed gives the same stream everywhere.
// (Research statistics use engine/research/stats SeededRandom; the HMM fit engine/regime's.)

/** A generator seeded with `seed` (taken as u32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
