// Volume kernels: rolling VWAP, session VWAP and on-balance volume.

// VWAP state:
//   +0 count i32 (capped at n) | +4 head i32 | +8 since i32 (bars since recompute)
//   +12 nonzero i32 (bars in the window with volume != 0) | +16 sum(tp v) f64 | +24 sum(v) f64
//   +32 (unused) | +40 ring tp*v f64[n] | +40 + 8n ring v f64[n]
// tp = (high + low + close) / 3. Sums are recomputed from the rings every n bars, and reset
// to exact zero when no bar of the window has volume. With no volume, VWAP = tp.
@inline
export function vwapStep(st: usize, high: f64, low: f64, close: f64, volume: f64, n: i32): f64 {
  let count = load<i32>(st);
  if (count == 0 && isNaN(close)) return NaN;
  const head = load<i32>(st, 4);
  const ringPV = st + 40;
  const ringV = ringPV + (<usize>n << 3);
  const offset = <usize>head << 3;
  const tp = (high + low + close) / 3.0;
  const pv = tp * volume;
  let sumPV = load<f64>(st, 16);
  let sumV = load<f64>(st, 24);
  let nonzero = load<i32>(st, 12);
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
  store<i32>(st, count);
  store<i32>(st, head + 1 == n ? 0 : head + 1, 4);
  store<i32>(st, nonzero, 12);
  let out: f64 = NaN;
  if (count == n) {
    const since = load<i32>(st, 8) + 1;
    if (nonzero == 0) {
      sumPV = 0;
      sumV = 0;
    } else if (since >= n) {
      sumPV = 0;
      sumV = 0;
      for (let i = 0; i < n; i++) {
        sumPV += load<f64>(ringPV + (<usize>i << 3));
        sumV += load<f64>(ringV + (<usize>i << 3));
      }
    }
    store<i32>(st, since >= n ? 0 : since, 8);
    out = nonzero == 0 ? tp : sumPV / sumV;
  }
  store<f64>(st, sumPV, 16);
  store<f64>(st, sumV, 24);
  return out;
}

const NS_PER_HOUR: i64 = 3_600_000_000_000;
const NS_PER_DAY: i64 = 86_400_000_000_000;

// SVWAP state: +0 session i64 (day index of the current session) | +8 started i32
//              | +16 sum(tp v) f64 | +24 sum(v) f64
// Sessions start every day at `hour`:00 UTC; a bar belongs to the session containing its open time.
@inline
export function sessionVwapStep(st: usize, high: f64, low: f64, close: f64, volume: f64, timeNs: i64, hour: i32): f64 {
  if (isNaN(close)) return NaN;
  const shifted = timeNs - <i64>hour * NS_PER_HOUR;
  let session = shifted / NS_PER_DAY;
  if (shifted < 0 && session * NS_PER_DAY != shifted) session--;
  let sumPV = load<f64>(st, 16);
  let sumV = load<f64>(st, 24);
  if (load<i32>(st, 8) == 0 || load<i64>(st) != session) {
    sumPV = 0;
    sumV = 0;
    store<i64>(st, session);
    store<i32>(st, 1, 8);
  }
  const tp = (high + low + close) / 3.0;
  sumPV += tp * volume;
  sumV += volume;
  store<f64>(st, sumPV, 16);
  store<f64>(st, sumV, 24);
  return sumV != 0 ? sumPV / sumV : tp;
}

// OBV state: +0 count i32 | +8 previous close f64 | +16 obv f64. Starts at the first bar's volume (TA-Lib).
@inline
export function obvStep(st: usize, close: f64, volume: f64): f64 {
  let obv: f64;
  if (load<i32>(st) == 0) {
    if (isNaN(close)) return NaN;
    obv = volume;
    store<i32>(st, 1);
  } else {
    obv = load<f64>(st, 16);
    const previous = load<f64>(st, 8);
    if (close > previous) obv += volume;
    else if (close < previous) obv -= volume;
  }
  store<f64>(st, close, 8);
  store<f64>(st, obv, 16);
  return obv;
}
