// Moving-average kernels: SMA, EMA, WMA and Wilder's average, one O(1) step per bar.
// Every kernel ignores NaN inputs until its first valid one (an upstream node still
// warming up), and returns NaN until its own window is full.

// SMA state:  +0 count i32 (valid inputs, capped at n) | +4 head i32 | +8 sum f64 | +16 ring f64[n]
// Running sum as TA-Lib SMA: sum = (sum - oldest) + x.
@inline
export function smaStep(st: usize, x: f64, n: i32): f64 {
  let count = load<i32>(st);
  if (count == 0 && isNaN(x)) return NaN;
  const head = load<i32>(st, 4);
  const cell = st + 16 + (<usize>head << 3);
  let sum = load<f64>(st, 8);
  if (count == n) sum -= load<f64>(cell);
  else count++;
  sum += x;
  store<f64>(cell, x);
  store<i32>(st, count);
  store<i32>(st, head + 1 == n ? 0 : head + 1, 4);
  store<f64>(st, sum, 8);
  return count == n ? sum / <f64>n : NaN;
}

// EMA state: +0 count i32 (valid inputs seen, capped at skip + n) | +8 seed sum f64 | +16 ema f64
// TA-Lib seeding: skip `skip` valid inputs, seed with the SMA of the next n, then
// ema = (x - ema) * alpha + ema.
@inline
export function emaStep(st: usize, x: f64, n: i32, skip: i32, alpha: f64): f64 {
  const count = load<i32>(st);
  const ready = skip + n;
  if (count >= ready) {
    const prev = load<f64>(st, 16);
    const ema = (x - prev) * alpha + prev;
    store<f64>(st, ema, 16);
    return ema;
  }
  if (count == 0 && isNaN(x)) return NaN;
  store<i32>(st, count + 1);
  if (count < skip) return NaN;
  const sum = load<f64>(st, 8) + x;
  store<f64>(st, sum, 8);
  if (count + 1 < ready) return NaN;
  const seed = sum / <f64>n;
  store<f64>(st, seed, 16);
  return seed;
}

// Wilder state: same layout as EMA. Seed = SMA of n inputs after `skip`; then
// avg = (avg * (n - 1) + x) / n, in TA-Lib ATR's operation order.
@inline
export function wilderStep(st: usize, x: f64, n: i32, skip: i32): f64 {
  const count = load<i32>(st);
  const ready = skip + n;
  if (count >= ready) {
    let avg = load<f64>(st, 16);
    avg *= <f64>(n - 1);
    avg += x;
    avg /= <f64>n;
    store<f64>(st, avg, 16);
    return avg;
  }
  if (count == 0 && isNaN(x)) return NaN;
  store<i32>(st, count + 1);
  if (count < skip) return NaN;
  const sum = load<f64>(st, 8) + x;
  store<f64>(st, sum, 8);
  if (count + 1 < ready) return NaN;
  const seed = sum / <f64>n;
  store<f64>(st, seed, 16);
  return seed;
}

// WMA state: +0 count i32 (capped at n) | +4 head i32 | +8 since i32 (bars since re-sum)
//            | +16 sub f64 (plain sum of the window) | +24 weighted f64 | +32 ring f64[n]
// TA-Lib WMA's recurrence: sub += x - x[n ago]; weighted += n * x; out = weighted / (n(n+1)/2);
// weighted -= sub (every weight drops by one for the next bar). Both sums are re-summed
// exactly from the ring every n bars so rounding never accumulates past one window.
@inline
export function wmaStep(st: usize, x: f64, n: i32): f64 {
  let count = load<i32>(st);
  if (count == 0 && isNaN(x)) return NaN;
  const head = load<i32>(st, 4);
  const ring = st + 32;
  const cell = ring + (<usize>head << 3);
  let sub = load<f64>(st, 16) + x;
  let weighted = load<f64>(st, 24);
  let out: f64 = NaN;
  if (count == n) {
    sub -= load<f64>(cell);
  }
  store<f64>(cell, x);
  const nextHead = head + 1 == n ? 0 : head + 1;
  if (count < n - 1) {
    count++;
    weighted += x * <f64>count;
  } else {
    if (count < n) count++;
    weighted += x * <f64>n;
    out = weighted / (<f64>n * <f64>(n + 1) / 2.0);
    weighted -= sub;
    const since = load<i32>(st, 8) + 1;
    if (since >= n) {
      // Re-sum for the next bar: weights 0 (oldest, leaves next) .. n-1 (newest).
      sub = 0;
      weighted = 0;
      for (let i = 0; i < n; i++) {
        let position = nextHead + i;
        if (position >= n) position -= n;
        const v = load<f64>(ring + (<usize>position << 3));
        sub += v;
        weighted += <f64>i * v;
      }
      store<i32>(st, 0, 8);
    } else {
      store<i32>(st, since, 8);
    }
  }
  store<i32>(st, count);
  store<i32>(st, nextHead, 4);
  store<f64>(st, sub, 16);
  store<f64>(st, weighted, 24);
  return out;
}
