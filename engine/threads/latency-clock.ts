// The latency clock: monotonic nanoseconds as a double, the same base on every thread, read
// without allocating. `performance.now()` is monotonic but each worker has its own origin, and
// `process.hrtime.bigint()` shares one base (CLOCK_MONOTONIC) but allocates a BigInt; so each
// thread anchors its performance.now() to hrtime once, when this module loads (the pair read
// closest together of a few tries), and every stamp after that is one performance.now() call.
// Doubles hold ns since boot exactly to well under a nanosecond for the first ~100 days.

function anchor(): number {
  let best = Infinity;
  let origin = 0;
  for (let i = 0; i < 5; i++) {
    const before = performance.now();
    const hr = Number(process.hrtime.bigint());
    const after = performance.now();
    if (after - before < best) {
      best = after - before;
      origin = hr - ((before + after) / 2) * 1e6;
    }
  }
  return origin;
}

const originNs = anchor();

/** Monotonic ns (since boot, CLOCK_MONOTONIC's base) on any thread; allocates nothing. */
export function monotonicNs(): number {
  return originNs + performance.now() * 1e6;
}
