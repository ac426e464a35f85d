// Volume kernels: rolling VWAP, session VWAP and on-balance volume.

// VWAP state:
//   +0 count i32 (capped at n) | +4 head i32 | +8 since i32 (bars since recompute)
//   +12 nonzero i32 (bars in the window with volume != 0) | +16 sum(tp v) f64 | +24 sum(v) f64
//   +32 (unused) | +40 ring tp*v f64[n] | +40 + 8n ring v f64[n]
// tp = (high + low + close) / 3. Sums are recomputed from the rings every n bars, and reset
// to exact zero when no bar of the window has volume. With no volume, VWAP = tp.
// Column kernel over `bytes / 8` bars at h, l, c, v (per call: bytes = 8), state in locals.
@inline
export function vwapRun(st: usize, h: usize, l: usize, c: usize, v: usize, o: usize, bytes: usize, n: i32): void {
  let count = load<i32>(st);
  let head = load<i32>(st, 4);
  let since = load<i32>(st, 8);
  let nonzero = load<i32>(st, 12);
  let sumPV = load<f64>(st, 16);
  let sumV = load<f64>(st, 24);
  const ringPV = st + 40;
  const ringV = ringPV + (<usize>n << 3);
  for (let i: usize = 0; i < bytes; i += 8) {
    const high = load<f64>(h + i);
    const low = load<f64>(l + i);
    const close = load<f64>(c + i);
    const volume = load<f64>(v + i);
    if (count == 0 && isNaN(close)) {
      store<f64>(o + i, NaN);
      continue;
    }
    const offset = <usize>head << 3;
    const tp = (high + low + close) / 3.0;
    const pv = tp * volume;
    if (count == n) {
      const oldV = load<f64>(ringV + offset);
      sumPV -= load<f64>(ringPV + offset);
      sumV -= oldV;
      if (oldV != 0) nonzero--;
    } else {
      count++;
    }
    store<f64>(ringPV + offset, pv);
    store<f64>(ringV + offset, volume);
    sumPV += pv;
    sumV += volume;
    if (volume != 0) nonzero++;
    head = head + 1 == n ? 0 : head + 1;
    let out: f64 = NaN;
    if (count == n) {
      since++;
      if (nonzero == 0) {
        sumPV = 0;
        sumV = 0;
      } else if (since >= n) {
        sumPV = 0;
        sumV = 0;
        for (let k = 0; k < n; k++) {
          sumPV += load<f64>(ringPV + (<usize>k << 3));
          sumV += load<f64>(ringV + (<usize>k << 3));
        }
      }
      if (since >= n) since = 0;
      out = nonzero == 0 ? tp : sumPV / sumV;
    }
    store<f64>(o + i, out);
  }
  store<i32>(st, count);
  store<i32>(st, head, 4);
  store<i32>(st, since, 8);
  store<i32>(st, nonzero, 12);
  store<f64>(st, sumPV, 16);
  store<f64>(st, sumV, 24);
}

const NS_PER_HOUR: i64 = 3_600_000_000_000;
const NS_PER_DAY: i64 = 86_400_000_000_000;

// SVWAP state: +0 session i64 (day index of the current session) | +8 started i32
//              | +16 sum(tp v) f64 | +24 sum(v) f64
// Sessions start every day at `hour`:00 UTC; a bar belongs to the session containing its open
// time. Column kernel over `bytes / 8` bars at h, l, c, v with open times (i64 ns) at times;
// the session's bounds are kept, so only a bar outside them pays the day division.
@inline
export function sessionVwapRun(st: usize, h: usize, l: usize, c: usize, v: usize, times: usize, o: usize, bytes: usize, hour: i32): void {
  let session = load<i64>(st);
  let started = load<i32>(st, 8);
  let sumPV = load<f64>(st, 16);
  let sumV = load<f64>(st, 24);
  const offset = <i64>hour * NS_PER_HOUR;
  // Shifted times in [from, to) belong to `session` (empty until a session started).
  let from = session * NS_PER_DAY;
  let to = started != 0 ? from + NS_PER_DAY : from;
  for (let i: usize = 0; i < bytes; i += 8) {
    const close = load<f64>(c + i);
    if (isNaN(close)) {
      store<f64>(o + i, NaN);
      continue;
    }
    const shifted = load<i64>(times + i) - offset;
    if (shifted < from || shifted >= to) {
      let day = shifted / NS_PER_DAY;
      if (shifted < 0 && day * NS_PER_DAY != shifted) day--;
      if (started == 0 || day != session) {
        sumPV = 0;
        sumV = 0;
        session = day;
        started = 1;
      }
      from = session * NS_PER_DAY;
      to = from + NS_PER_DAY;
    }
    const tp = (load<f64>(h + i) + load<f64>(l + i) + close) / 3.0;
    sumPV += tp * load<f64>(v + i);
    sumV += load<f64>(v + i);
    store<f64>(o + i, sumV != 0 ? sumPV / sumV : tp);
  }
  store<i64>(st, session);
  store<i32>(st, started, 8);
  store<f64>(st, sumPV, 16);
  store<f64>(st, sumV, 24);
}

// OBV state: +0 count i32 | +8 previous close f64 | +16 obv f64. Starts at the first bar's volume (TA-Lib).
// Column kernel: `bytes / 8` bars at c, v, outputs at o (per call: bytes = 8). The signed volume
// is picked with SIMD masks instead of branches (up/down closes are unpredictable): lane 0 of
// [v, -v] when close > previous, lane 1 when close < previous, +0 when equal, so
// obv + delta is obv + v, obv - v or obv, bit for bit.
@inline
export function obvRun(st: usize, c: usize, v: usize, o: usize, bytes: usize): void {
  let count = load<i32>(st);
  let previous = load<f64>(st, 8);
  let obv = load<f64>(st, 16);
  for (let i: usize = 0; i < bytes; i += 8) {
    const close = load<f64>(c + i);
    const volume = load<f64>(v + i);
    if (count == 0) {
      if (isNaN(close)) {
        store<f64>(o + i, NaN);
        continue;
      }
      obv = volume;
      count = 1;
    } else {
      // Lane 0: close > previous; lane 1: previous > close.
      const mask = f64x2.gt(f64x2.replace_lane(f64x2.splat(close), 1, previous), f64x2.replace_lane(f64x2.splat(previous), 1, close));
      const picked = v128.and(f64x2.replace_lane(f64x2.splat(volume), 1, -volume), mask);
      obv = obv + (f64x2.extract_lane(picked, 0) + f64x2.extract_lane(picked, 1));
    }
    previous = close;
    store<f64>(o + i, obv);
  }
  store<i32>(st, count);
  store<f64>(st, previous, 8);
  store<f64>(st, obv, 16);
}
