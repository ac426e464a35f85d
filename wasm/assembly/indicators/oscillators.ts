// Oscillator kernels: Wilder RSI, rate of change and fast stochastic %K (TA-Lib's formulas).

/** TA-Lib's TA_IS_ZERO (TA_EPSILON, TA-Lib 0.6): |v| < 1e-14 counts as zero. */
@inline
export function taIsZero(v: f64): bool {
  return -1e-14 < v && v < 1e-14;
}

// The column kernels here (rsiRun, rocRun) run over `bytes / 8` inputs at x, outputs at o,
// with their state in locals for the whole loop (per call: bytes = 8).

// RSI state: +0 count i32 (inputs seen, capped at n + 1) | +8 previous x f64 | +16 avg gain | +24 avg loss
// Seeded with simple averages of the first n gains/losses (first value at the n-th change),
// then Wilder smoothing; 0 when avg gain + avg loss is zero (TA-Lib).
@inline
export function rsiRun(st: usize, x: usize, o: usize, bytes: usize, n: i32): void {
  let count = load<i32>(st);
  let previous = load<f64>(st, 8);
  let gain = load<f64>(st, 16);
  let loss = load<f64>(st, 24);
  const period = <f64>n;
  const keep = period - 1;
  let i: usize = 0;
  for (; i < bytes && count <= n; i += 8) {
    const v = load<f64>(x + i);
    let out: f64 = NaN;
    if (count == 0) {
      if (!isNaN(v)) {
        previous = v;
        count = 1;
      }
    } else {
      const change = v - previous;
      previous = v;
      if (change < 0) loss -= change;
      else gain += change;
      count++;
      if (count > n) {
        loss /= period;
        gain /= period;
        const total = gain + loss;
        out = taIsZero(total) ? 0.0 : 100.0 * (gain / total);
      }
    }
    store<f64>(o + i, out);
  }
  for (; i < bytes; i += 8) {
    const v = load<f64>(x + i);
    const change = v - previous;
    previous = v;
    loss *= keep;
    gain *= keep;
    if (change < 0) loss -= change;
    else gain += change;
    loss /= period;
    gain /= period;
    const total = gain + loss;
    store<f64>(o + i, taIsZero(total) ? 0.0 : 100.0 * (gain / total));
  }
  store<i32>(st, count);
  store<f64>(st, previous, 8);
  store<f64>(st, gain, 16);
  store<f64>(st, loss, 24);
}

// ROC state: +0 count i32 (capped at n) | +4 head i32 | +8 ring f64[n] (the last n inputs)
// 100 (x / x[n ago] - 1), 0 when x[n ago] is 0 (TA-Lib ROC).
@inline
export function rocRun(st: usize, x: usize, o: usize, bytes: usize, n: i32): void {
  let count = load<i32>(st);
  let head = load<i32>(st, 4);
  const ring = st + 8;
  for (let i: usize = 0; i < bytes; i += 8) {
    const v = load<f64>(x + i);
    let out: f64 = NaN;
    if (count != 0 || !isNaN(v)) {
      const cell = ring + (<usize>head << 3);
      if (count == n) {
        const past = load<f64>(cell);
        out = past != 0 ? (v / past - 1.0) * 100.0 : 0.0;
      } else {
        count++;
      }
      store<f64>(cell, v);
      head = head + 1 == n ? 0 : head + 1;
    }
    store<f64>(o + i, out);
  }
  store<i32>(st, count);
  store<i32>(st, head, 4);
}

/** Fast %K = 100 (close - lowest) / (highest - lowest), 0 when highest == lowest (TA-Lib STOCH). */
@inline
export function stochKValue(close: f64, highest: f64, lowest: f64): f64 {
  if (isNaN(highest) || isNaN(lowest)) return NaN;
  const range = (highest - lowest) / 100.0;
  return range != 0 ? (close - lowest) / range : 0.0;
}
