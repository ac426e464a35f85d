// Rolling standard deviation over the last n inputs, numerically stable for large prices
// over millions of bars: sums are kept of (x - shift) with the shift set to the window mean,
// and recomputed exactly from the ring every n bars (amortised O(1)), so rounding never
// accumulates for more than n steps and never cancels against the price level.

// STDDEV state:
//   +0  count i32 (capped at n) | +4 head i32 | +8 since i32 (bars since the last recompute)
//   +12 equalRun i32 (consecutive inputs equal to their predecessor, counting the first; capped at n)
//   +16 shift f64 | +24 s1 f64 = sum(x - shift) | +32 s2 f64 = sum((x - shift)^2) | +40 ring f64[n]
@inline
export function stddevStep(st: usize, x: f64, n: i32, ddof: i32): f64 {
  let count = load<i32>(st);
  if (count == 0) {
    if (isNaN(x)) return NaN;
    store<f64>(st, x, 16);
  }
  const head = load<i32>(st, 4);
  const ring = st + 40;
  const cell = ring + (<usize>head << 3);
  const shift = load<f64>(st, 16);
  let equalRun = 1;
  if (count > 0) {
    const previous = load<f64>(head == 0 ? ring + (<usize>(n - 1) << 3) : cell - 8);
    const run = load<i32>(st, 12);
    if (x == previous) equalRun = run < n ? run + 1 : n;
  }
  store<i32>(st, equalRun, 12);
  let s1 = load<f64>(st, 24);
  let s2 = load<f64>(st, 32);
  if (count == n) {
    const d = load<f64>(cell) - shift;
    s1 -= d;
    s2 -= d * d;
  } else {
    count++;
  }
  store<f64>(cell, x);
  const d = x - shift;
  s1 += d;
  s2 += d * d;
  store<i32>(st, count);
  store<i32>(st, head + 1 == n ? 0 : head + 1, 4);
  if (count < n) {
    store<f64>(st, s1, 24);
    store<f64>(st, s2, 32);
    return NaN;
  }
  const since = load<i32>(st, 8) + 1;
  if (since >= n) {
    let total: f64 = 0;
    for (let i = 0; i < n; i++) total += load<f64>(ring + (<usize>i << 3));
    const mean = total / <f64>n;
    s1 = 0;
    s2 = 0;
    for (let i = 0; i < n; i++) {
      const e = load<f64>(ring + (<usize>i << 3)) - mean;
      s1 += e;
      s2 += e * e;
    }
    store<f64>(st, mean, 16);
    store<i32>(st, 0, 8);
  } else {
    store<i32>(st, since, 8);
  }
  store<f64>(st, s1, 24);
  store<f64>(st, s2, 32);
  // A window of n equal values has variance exactly 0 (rounding in the sums would not give it).
  if (equalRun >= n) return 0;
  let variance = (s2 - s1 * s1 / <f64>n) / <f64>(n - ddof);
  if (!(variance > 0)) variance = 0;
  return Math.sqrt(variance);
}
