// Moving-average kernels: SMA, EMA, WMA and Wilder's average, one O(1) step per bar.
// Every kernel ignores NaN inputs until its first valid one (an upstream node still
// warming up), and returns NaN until its own window is full.

// Every kernel here runs over a column: `bytes / 8` inputs at x, outputs at o (per call:
// one input, bytes = 8), with its state held in locals for the whole loop.

// SMA state:  +0 count i32 (valid inputs, capped at n) | +4 head i32 | +8 sum f64 | +16 ring f64[n]
// Running sum as TA-Lib SMA: sum = (sum - oldest) + x.
@inline
export function smaRun(st: usize, x: usize, o: usize, bytes: usize, n: i32): void {
  let count = load<i32>(st);
  let head = load<i32>(st, 4);
  let sum = load<f64>(st, 8);
  const ring = st + 16;
  const period = <f64>n;
  let i: usize = 0;
  for (; i < bytes && count < n; i += 8) {
    const v = load<f64>(x + i);
    let out: f64 = NaN;
    if (count != 0 || !isNaN(v)) {
      count++;
      sum += v;
      store<f64>(ring + (<usize>head << 3), v);
      head = head + 1 == n ? 0 : head + 1;
      if (count == n) out = sum / period;
    }
    store<f64>(o + i, out);
  }
  // Window full: the same steps without the warm-up checks.
  for (; i < bytes; i += 8) {
    const v = load<f64>(x + i);
    const cell = ring + (<usize>head << 3);
    sum -= load<f64>(cell);
    sum += v;
    store<f64>(cell, v);
    head = head + 1 == n ? 0 : head + 1;
    store<f64>(o + i, sum / period);
  }
  store<i32>(st, count);
  store<i32>(st, head, 4);
  store<f64>(st, sum, 8);
}

// EMA state: +0 count i32 (valid inputs seen, capped at skip + n) | +8 seed sum f64 | +16 ema f64
// TA-Lib seeding: skip `skip` valid inputs, seed with the SMA of the next n, then
// ema = (x - ema) * alpha + ema.
@inline
export function emaRun(st: usize, x: usize, o: usize, bytes: usize, n: i32, skip: i32, alpha: f64): void {
  let count = load<i32>(st);
  let sum = load<f64>(st, 8);
  let ema = load<f64>(st, 16);
  const ready = skip + n;
  let i: usize = 0;
  for (; i < bytes && count < ready; i += 8) {
    const v = load<f64>(x + i);
    let out: f64 = NaN;
    if (count != 0 || !isNaN(v)) {
      count++;
      if (count > skip) {
        sum += v;
        if (count == ready) {
          ema = sum / <f64>n;
          out = ema;
        }
      }
    }
    store<f64>(o + i, out);
  }
  for (; i < bytes; i += 8) {
    ema = (load<f64>(x + i) - ema) * alpha + ema;
    store<f64>(o + i, ema);
  }
  store<i32>(st, count);
  store<f64>(st, sum, 8);
  store<f64>(st, ema, 16);
}

/** True once the EMA at `st` is past its warm-up (every further step is the plain recurrence). */
@inline
export function emaWarm(st: usize, n: i32, skip: i32): bool {
  return load<i32>(st) >= skip + n;
}

/**
 * Two warm EMAs (emaWarm) over the same rows, in one loop: the same recurrence as emaRun's
 * for each, so the same bits, with the two dependency chains interleaved.
 */
@inline
export function emaPairRun(st1: usize, x1: usize, o1: usize, alpha1: f64, st2: usize, x2: usize, o2: usize, alpha2: f64, bytes: usize): void {
  let ema1 = load<f64>(st1, 16);
  let ema2 = load<f64>(st2, 16);
  for (let i: usize = 0; i < bytes; i += 8) {
    ema1 = (load<f64>(x1 + i) - ema1) * alpha1 + ema1;
    ema2 = (load<f64>(x2 + i) - ema2) * alpha2 + ema2;
    store<f64>(o1 + i, ema1);
    store<f64>(o2 + i, ema2);
  }
  store<f64>(st1, ema1, 16);
  store<f64>(st2, ema2, 16);
}

// Wilder state: same layout as EMA. Seed = SMA of n inputs after `skip`; then
// avg = (avg * (n - 1) + x) / n, in TA-Lib ATR's operation order.
@inline
export function wilderRun(st: usize, x: usize, o: usize, bytes: usize, n: i32, skip: i32): void {
  let count = load<i32>(st);
  let sum = load<f64>(st, 8);
  let avg = load<f64>(st, 16);
  const ready = skip + n;
  const period = <f64>n;
  const keep = <f64>(n - 1);
  let i: usize = 0;
  for (; i < bytes && count < ready; i += 8) {
    const v = load<f64>(x + i);
    let out: f64 = NaN;
    if (count != 0 || !isNaN(v)) {
      count++;
      if (count > skip) {
        sum += v;
        if (count == ready) {
          avg = sum / period;
          out = avg;
        }
      }
    }
    store<f64>(o + i, out);
  }
  for (; i < bytes; i += 8) {
    avg *= keep;
    avg += load<f64>(x + i);
    avg /= period;
    store<f64>(o + i, avg);
  }
  store<i32>(st, count);
  store<f64>(st, sum, 8);
  store<f64>(st, avg, 16);
}

// WMA state: +0 count i32 (capped at n) | +4 head i32 | +8 since i32 (bars since re-sum)
//            | +16 sub f64 (plain sum of the window) | +24 weighted f64 | +32 ring f64[n]
// TA-Lib WMA's recurrence: sub += x - x[n ago]; weighted += n * x; out = weighted / (n(n+1)/2);
// weighted -= sub (every weight drops by one for the next bar). Both sums are re-summed
// exactly from the ring every n bars so rounding never accumulates past one window.
@inline
export function wmaRun(st: usize, x: usize, o: usize, bytes: usize, n: i32): void {
  let count = load<i32>(st);
  let head = load<i32>(st, 4);
  let since = load<i32>(st, 8);
  let sub = load<f64>(st, 16);
  let weighted = load<f64>(st, 24);
  const ring = st + 32;
  const period = <f64>n;
  const divisor = <f64>n * <f64>(n + 1) / 2.0;
  let i: usize = 0;
  for (; i < bytes && count < n; i += 8) {
    const v = load<f64>(x + i);
    if (count == 0 && isNaN(v)) {
      store<f64>(o + i, NaN);
      continue;
    }
    sub += v;
    store<f64>(ring + (<usize>head << 3), v);
    head = head + 1 == n ? 0 : head + 1;
    count++;
    let out: f64 = NaN;
    if (count < n) {
      weighted += v * <f64>count;
    } else {
      weighted += v * period;
      out = weighted / divisor;
      weighted -= sub;
      since++;
      if (since >= n) {
        wmaResum(ring, head, n, st);
        sub = load<f64>(st, 16);
        weighted = load<f64>(st, 24);
        since = 0;
      }
    }
    store<f64>(o + i, out);
  }
  // Window full: the same steps without the warm-up checks.
  for (; i < bytes; i += 8) {
    const v = load<f64>(x + i);
    const cell = ring + (<usize>head << 3);
    sub += v;
    sub -= load<f64>(cell);
    store<f64>(cell, v);
    head = head + 1 == n ? 0 : head + 1;
    weighted += v * period;
    store<f64>(o + i, weighted / divisor);
    weighted -= sub;
    since++;
    if (since >= n) {
      wmaResum(ring, head, n, st);
      sub = load<f64>(st, 16);
      weighted = load<f64>(st, 24);
      since = 0;
    }
  }
  store<i32>(st, count);
  store<i32>(st, head, 4);
  store<i32>(st, since, 8);
  store<f64>(st, sub, 16);
  store<f64>(st, weighted, 24);
}

/**
 * Re-sums the window for the next bar (weights 0 for the oldest, which leaves next, .. n-1 for
 * the newest) into the state's sums (+16 sub, +24 weighted). Kept out of line: inlined into
 * the loop it made every bar several times slower.
 */
function wmaResum(ring: usize, head: i32, n: i32, st: usize): void {
  let sub: f64 = 0;
  let weighted: f64 = 0;
  for (let k = 0; k < n; k++) {
    let position = head + k;
    if (position >= n) position -= n;
    const w = load<f64>(ring + (<usize>position << 3));
    sub += w;
    weighted += <f64>k * w;
  }
  store<f64>(st, sub, 16);
  store<f64>(st, weighted, 24);
}
