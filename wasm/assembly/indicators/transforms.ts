// Derivative transforms any output can take: difference, lag and least-squares slope over
// the last k values. Each ignores NaN inputs until its first valid one.

// DIFF / LAG state: +0 count i32 (capped at k) | +4 head i32 | +8 ring f64[k] (the last k inputs)
@inline
function pastValue(st: usize, x: f64, k: i32): f64 {
  const count = load<i32>(st);
  const head = load<i32>(st, 4);
  const cell = st + 8 + (<usize>head << 3);
  let past: f64 = NaN;
  if (count == k) past = load<f64>(cell);
  else store<i32>(st, count + 1);
  store<f64>(cell, x);
  store<i32>(st, head + 1 == k ? 0 : head + 1, 4);
  return past;
}

/** x - x[k ago]. */
@inline
export function diffStep(st: usize, x: f64, k: i32): f64 {
  if (load<i32>(st) == 0 && isNaN(x)) return NaN;
  return x - pastValue(st, x, k);
}

/** x[k ago]. */
@inline
export function lagStep(st: usize, x: f64, k: i32): f64 {
  if (load<i32>(st) == 0 && isNaN(x)) return NaN;
  return pastValue(st, x, k);
}

// SLOPE state:
//   +0 count i32 (capped at k) | +4 head i32 | +8 since i32 (bars since recompute)
//   +16 shift f64 | +24 S = sum(y) | +32 T = sum(w y), weights 1..k oldest to newest | +40 ring f64[k]
// y = x - shift (the slope does not depend on the shift; it keeps the sums small).
// Window full: T' = T - S + k y_new, S' = S - y_old + y_new; recomputed exactly every k bars.
// slope (per bar) = (12 T - 6 (k + 1) S) / (k (k^2 - 1)).
@inline
export function slopeStep(st: usize, x: f64, k: i32): f64 {
  let count = load<i32>(st);
  if (count == 0) {
    if (isNaN(x)) return NaN;
    store<f64>(st, x, 16);
  }
  const head = load<i32>(st, 4);
  const ring = st + 40;
  const cell = ring + (<usize>head << 3);
  let shift = load<f64>(st, 16);
  let s = load<f64>(st, 24);
  let t = load<f64>(st, 32);
  const y = x - shift;
  const kf = <f64>k;
  if (count == k) {
    const old = load<f64>(cell) - shift;
    t = t - s + kf * y;
    s = s - old + y;
  } else {
    count++;
    s += y;
    t += <f64>count * y;
  }
  store<f64>(cell, x);
  const nextHead = head + 1 == k ? 0 : head + 1;
  store<i32>(st, count);
  store<i32>(st, nextHead, 4);
  let out: f64 = NaN;
  if (count == k) {
    const since = load<i32>(st, 8) + 1;
    if (since >= k) {
      shift = x;
      s = 0;
      t = 0;
      for (let i = 0; i < k; i++) {
        let position = nextHead + i;
        if (position >= k) position -= k;
        const yi = load<f64>(ring + (<usize>position << 3)) - shift;
        s += yi;
        t += <f64>(i + 1) * yi;
      }
      store<f64>(st, shift, 16);
      store<i32>(st, 0, 8);
    } else {
      store<i32>(st, since, 8);
    }
    out = (12.0 * t - 6.0 * (kf + 1.0) * s) / (kf * (kf * kf - 1.0));
  }
  store<f64>(st, s, 24);
  store<f64>(st, t, 32);
  return out;
}
