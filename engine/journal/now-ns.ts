// Wall-clock time in integer nanoseconds since the Unix epoch, cheap enough for the journal's
// hot path: the epoch offset of the monotonic clock is taken once, then one bigint add per call.

const EPOCH_OFFSET_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export function nowNs(): bigint {
  return process.hrtime.bigint() + EPOCH_OFFSET_NS;
}
