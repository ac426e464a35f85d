// Oscillator kernels: Wilder RSI, rate of change and fast stochastic %K (TA-Lib's formulas).

/** TA-Lib's TA_IS_ZERO: |v| < 1e-8 counts as zero. */
@inline
export function taIsZero(v: f64): bool {
  return -0.00000001 < v && v < 0.00000001;
}

// RSI state: +0 count i32 (inputs seen, capped at n + 1) | +8 previous x f64 | +16 avg gain | +24 avg loss
// Seeded with simple averages of the first n gains/losses (first value at the n-th change),
// then Wilder smoothing; 0 when avg gain + avg loss is zero (TA-Lib).
@inline
export function rsiStep(st: usize, x: f64, n: i32): f64 {
  const count = load<i32>(st);
  if (count == 0) {
    if (isNaN(x)) return NaN;
    store<f64>(st, x, 8);
    store<i32>(st, 1);
    return NaN;
  }
  const change = x - load<f64>(st, 8);
  store<f64>(st, x, 8);
  let gain = load<f64>(st, 16);
  let loss = load<f64>(st, 24);
  const period = <f64>n;
  if (count <= n) {
    if (change < 0) loss -= change;
    else gain += change;
    store<i32>(st, count + 1);
    if (count < n) {
      store<f64>(st, gain, 16);
      store<f64>(st, loss, 24);
      return NaN;
    }
    loss /= period;
    gain /= period;
  } else {
    loss *= period - 1;
    gain *= period - 1;
    if (change < 0) loss -= change;
    else gain += change;
    loss /= period;
    gain /= period;
  }
  store<f64>(st, gain, 16);
  store<f64>(st, loss, 24);
  const total = gain + loss;
  return taIsZero(total) ? 0.0 : 100.0 * (gain / total);
}

// ROC state: +0 count i32 (capped at n) | +4 head i32 | +8 ring f64[n] (the last n inputs)
// 100 (x / x[n ago] - 1), 0 when x[n ago] is 0 (TA-Lib ROC).
@inline
export function rocStep(st: usize, x: f64, n: i32): f64 {
  let count = load<i32>(st);
  if (count == 0 && isNaN(x)) return NaN;
  const head = load<i32>(st, 4);
  const cell = st + 8 + (<usize>head << 3);
  let out: f64 = NaN;
  if (count == n) {
    const past = load<f64>(cell);
    out = past != 0 ? (x / past - 1.0) * 100.0 : 0.0;
  } else {
    store<i32>(st, count + 1);
  }
  store<f64>(cell, x);
  store<i32>(st, head + 1 == n ? 0 : head + 1, 4);
  return out;
}

/** Fast %K = 100 (close - lowest) / (highest - lowest), 0 when highest == lowest (TA-Lib STOCH). */
@inline
export function stochKValue(close: f64, highest: f64, lowest: f64): f64 {
  if (isNaN(highest) || isNaN(lowest)) return NaN;
  const range = (highest - lowest) / 100.0;
  return range != 0 ? (close - lowest) / range : 0.0;
}
