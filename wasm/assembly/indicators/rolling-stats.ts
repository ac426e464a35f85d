// Rolling standard deviation over the last n inputs, numerically stable for large prices
// over millions of bars: sums are kept of (x - shift) with the shift set to the window mean,
// and recomputed exactly from the ring every n bars (amortised O(1)), so rounding never
// accumulates for more than n steps and never cancels against the price level.

// STDDEV state:
//   +0  count i32 (capped at n) | +4 head i32 | +8 since i32 (bars since the last recompute)
//   +12 equalRun i32 (consecutive inputs equal to their predecessor, counting the first; capped at n)
//   +16 shift f64 | +24 s1 f64 = sum(x - shift) | +32 s2 f64 = sum((x - shift)^2) | +40 ring f64[n]
// Column kernel: `bytes / 8` inputs at x, outputs at o (per call: bytes = 8), state in locals.
@inline
export function stddevRun(st: usize, x: usize, o: usize, bytes: usize, n: i32, ddof: i32): void {
  let count = load<i32>(st);
  let head = load<i32>(st, 4);
  let since = load<i32>(st, 8);
  let equalRun = load<i32>(st, 12);
  let shift = load<f64>(st, 16);
  let s1 = load<f64>(st, 24);
  let s2 = load<f64>(st, 32);
  const ring = st + 40;
  const last = ring + (<usize>(n - 1) << 3);
  const period = <f64>n;
  const dof = <f64>(n - ddof);
  for (let i: usize = 0; i < bytes; i += 8) {
    const v = load<f64>(x + i);
    if (count == 0) {
      if (isNaN(v)) {
        store<f64>(o + i, NaN);
        continue;
      }
      shift = v;
    }
    const cell = ring + (<usize>head << 3);
    let run = 1;
    if (count > 0) {
      const previous = load<f64>(head == 0 ? last : cell - 8);
      if (v == previous) run = equalRun < n ? equalRun + 1 : n;
    }
    equalRun = run;
    if (count == n) {
      const d = load<f64>(cell) - shift;
      s1 -= d;
      s2 -= d * d;
    } else {
      count++;
    }
    store<f64>(cell, v);
    const d = v - shift;
    s1 += d;
    s2 += d * d;
    head = head + 1 == n ? 0 : head + 1;
    if (count < n) {
      store<f64>(o + i, NaN);
      continue;
    }
    since++;
    if (since >= n) {
      let total: f64 = 0;
      for (let k = 0; k < n; k++) total += load<f64>(ring + (<usize>k << 3));
      const mean = total / period;
      s1 = 0;
      s2 = 0;
      for (let k = 0; k < n; k++) {
        const e = load<f64>(ring + (<usize>k << 3)) - mean;
        s1 += e;
        s2 += e * e;
      }
      shift = mean;
      since = 0;
    }
    // A window of n equal values has variance exactly 0 (rounding in the sums would not give it).
    if (equalRun >= n) {
      store<f64>(o + i, 0);
      continue;
    }
    let variance = (s2 - s1 * s1 / period) / dof;
    if (!(variance > 0)) variance = 0;
    store<f64>(o + i, Math.sqrt(variance));
  }
  store<i32>(st, count);
  store<i32>(st, head, 4);
  store<i32>(st, since, 8);
  store<i32>(st, equalRun, 12);
  store<f64>(st, shift, 16);
  store<f64>(st, s1, 24);
  store<f64>(st, s2, 32);
}
