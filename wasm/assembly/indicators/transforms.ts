// Derivative transforms any output can take: difference, lag and least-squares slope over
// the last k values. Each ignores NaN inputs until its first valid one.

// Column kernels: `bytes / 8` inputs at x, outputs at o (per call: bytes = 8), state in locals.

// DIFF / LAG state: +0 count i32 (capped at k) | +4 head i32 | +8 ring f64[k] (the last k inputs)
/** lag = false: x - x[k ago]; lag = true: x[k ago]. */
@inline
export function pastRun(st: usize, x: usize, o: usize, bytes: usize, k: i32, lag: bool): void {
  let count = load<i32>(st);
  let head = load<i32>(st, 4);
  const ring = st + 8;
  for (let i: usize = 0; i < bytes; i += 8) {
    const v = load<f64>(x + i);
    if (count == 0 && isNaN(v)) {
      store<f64>(o + i, NaN);
      continue;
    }
    const cell = ring + (<usize>head << 3);
    let past: f64 = NaN;
    if (count == k) past = load<f64>(cell);
    else count++;
    store<f64>(cell, v);
    head = head + 1 == k ? 0 : head + 1;
    store<f64>(o + i, lag ? past : v - past);
  }
  store<i32>(st, count);
  store<i32>(st, head, 4);
}

// SLOPE state:
//   +0 count i32 (capped at k) | +4 head i32 | +8 since i32 (bars since recompute)
//   +16 shift f64 | +24 S = sum(y) | +32 T = sum(w y), weights 1..k oldest to newest | +40 ring f64[k]
// y = x - shift (the slope does not depend on the shift; it keeps the sums small).
// Window full: T' = T - S + k y_new, S' = S - y_old + y_new; recomputed exactly every k bars.
// slope (per bar) = (12 T - 6 (k + 1) S) / (k (k^2 - 1)).
@inline
export function slopeRun(st: usize, x: usize, o: usize, bytes: usize, k: i32): void {
  let count = load<i32>(st);
  let head = load<i32>(st, 4);
  let since = load<i32>(st, 8);
  let shift = load<f64>(st, 16);
  let s = load<f64>(st, 24);
  let t = load<f64>(st, 32);
  const ring = st + 40;
  const kf = <f64>k;
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
    const y = v - shift;
    if (count == k) {
      const old = load<f64>(cell) - shift;
      t = t - s + kf * y;
      s = s - old + y;
    } else {
      count++;
      s += y;
      t += <f64>count * y;
    }
    store<f64>(cell, v);
    head = head + 1 == k ? 0 : head + 1;
    let out: f64 = NaN;
    if (count == k) {
      since++;
      if (since >= k) {
        shift = v;
        s = 0;
        t = 0;
        for (let m = 0; m < k; m++) {
          let position = head + m;
          if (position >= k) position -= k;
          const ym = load<f64>(ring + (<usize>position << 3)) - shift;
          s += ym;
          t += <f64>(m + 1) * ym;
        }
        since = 0;
      }
      out = (12.0 * t - 6.0 * (kf + 1.0) * s) / (kf * (kf * kf - 1.0));
    }
    store<f64>(o + i, out);
  }
  store<i32>(st, count);
  store<i32>(st, head, 4);
  store<i32>(st, since, 8);
  store<f64>(st, shift, 16);
  store<f64>(st, s, 24);
  store<f64>(st, t, 32);
}
