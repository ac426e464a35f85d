// The research tools' seeded generator: xoshiro128** (Blackman & Vigna, "Scrambled linear
// pseudorandom number generators", ACM TOMS 47(4), 2021; reference code at
// https://prng.di.unimi.it/xoshiro128starstar.c) on four 32-bit words, seeded from the
// engine's SplitMix64 (engine/venue), which is how the authors recommend seeding it. Plain
// 32-bit integer arithmetic (Math.imul), so a Monte Carlo of millions of draws stays fast where
// the BigInt SplitMix64 would not; the same seed gives the same stream on every platform.
import { SplitMix64 } from '../../venue/index.js';

const TWO_POW_32 = 4_294_967_296;
const TWO_POW_53 = 9_007_199_254_740_992;

/** A seed as the research API takes it: a bigint or a safe integer, reduced to u64. */
export function seedBits(seed: bigint | number): bigint {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`\`seed\` must be a safe integer or a bigint, was ${seed}`);
    return BigInt.asUintN(64, BigInt(seed));
  }
  if (typeof seed !== 'bigint') throw new RangeError(`\`seed\` must be a safe integer or a bigint, was ${JSON.stringify(seed)}`);
  return BigInt.asUintN(64, seed);
}

export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: bigint | number) {
    const mix = new SplitMix64(seedBits(seed));
    const a = mix.next();
    const b = mix.next();
    this.s0 = Number(a & 0xffffffffn) | 0;
    this.s1 = Number(a >> 32n) | 0;
    this.s2 = Number(b & 0xffffffffn) | 0;
    this.s3 = Number(b >> 32n) | 0;
    // SplitMix64 never yields an all-zero pair in practice; guard the one forbidden state anyway.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67_108_864 + low) / TWO_POW_53;
  }

  /** A uniform integer in [0, bound) for 1 <= bound <= 2^32 (rejection sampling: no modulo bias). */
  nextInt(bound: number): number {
    if (!(bound >= 1 && bound <= TWO_POW_32) || !Number.isInteger(bound)) throw new RangeError(`\`bound\` must be an integer in [1, 2^32], was ${bound}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % bound);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % bound;
    }
  }

  /** A uniform double in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.nextDouble();
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
