// The simulated venue's seeded generator in plain TS: splitmix64 over BigInt with u64
// wrap-around, drawing exactly what wasm/assembly/venue/venue-math.ts draws.
const U64 = (1n << 64n) - 1n;

export class SplitMix64 {
  constructor(private state: bigint) {
    this.state = BigInt.asUintN(64, state);
  }

  /** The next output (the state advances). */
  next(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & U64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & U64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & U64;
    return z ^ (z >> 31n);
  }

  /** A uniform integer in [0, bound]; no draw when bound <= 0. */
  upTo(bound: bigint): bigint {
    if (bound <= 0n) return 0n;
    return this.next() % (bound + 1n);
  }
}
