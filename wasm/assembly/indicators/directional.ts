// True range and Wilder's directional movement (ADX, +DI, -DI), in TA-Lib's operation order.

import { taIsZero } from './oscillators';

/** TA-Lib TRUE_RANGE: max(high - low, |previous close - high|, |previous close - low|). */
@inline
export function trueRange(high: f64, low: f64, previousClose: f64): f64 {
  let greatest = high - low;
  const toHigh = Math.abs(previousClose - high);
  if (toHigh > greatest) greatest = toHigh;
  const toLow = Math.abs(previousClose - low);
  if (toLow > greatest) greatest = toLow;
  return greatest;
}

// TR state: +0 count i32 | +8 previous close f64. First bar: high - low.
// Column kernel: `bytes / 8` bars at h, l, c, outputs at o (per call: bytes = 8).
@inline
export function trRun(st: usize, h: usize, l: usize, c: usize, o: usize, bytes: usize): void {
  let count = load<i32>(st);
  let previousClose = load<f64>(st, 8);
  let i: usize = 0;
  if (count == 0) {
    for (; i < bytes; i += 8) {
      const close = load<f64>(c + i);
      if (isNaN(close)) {
        store<f64>(o + i, NaN);
        continue;
      }
      store<f64>(o + i, load<f64>(h + i) - load<f64>(l + i));
      previousClose = close;
      count = 1;
      i += 8;
      break;
    }
  }
  for (; i < bytes; i += 8) {
    const close = load<f64>(c + i);
    store<f64>(o + i, trueRange(load<f64>(h + i), load<f64>(l + i), previousClose));
    previousClose = close;
  }
  store<i32>(st, count);
  store<f64>(st, previousClose, 8);
}

// ADX state:
//   +0 t i32 (bars seen, capped at 2n) | +8 previous high | +16 previous low | +24 previous close
//   +32 smoothed +DM | +40 smoothed -DM | +48 smoothed TR | +56 sum of DX (first n) | +64 adx
// Bars 1..n-1 sum raw DM and TR; from bar n the sums are Wilder-smoothed
// (s = s - s/n + x) and +DI/-DI = 100 DM/TR (0 when TR is zero) are computed; DX of bars
// n..2n-1 are averaged into the first ADX (bar 2n-1), then adx = (adx (n-1) + dx) / n.
// All three outputs appear together from bar 2n-1 (the node's single warm-up, 2n).
/**
 * Directional movement of one bar as a vector [-DM, +DM]: lane 0 is diffM when
 * diffM > 0 and diffP < diffM, lane 1 is diffP when diffP > 0 and diffP > diffM, else +0
 * (the two cases exclude each other). Branch-free: the data decides, not the predictor.
 */
@inline
function directionalMove(diffM: f64, diffP: f64): v128 {
  const d = f64x2.replace_lane(f64x2.splat(diffM), 1, diffP);
  const swapped = f64x2.replace_lane(f64x2.splat(diffP), 1, diffM);
  const mask = v128.and(f64x2.gt(d, f64x2.splat(0)), f64x2.lt(swapped, d));
  return v128.and(d, mask);
}

// Column kernel over `bytes / 8` bars at h, l, c (per call: bytes = 8), state in locals;
// writes adx at oAdx, +DI at oPlus and -DI at oMinus. -DM and +DM run as one f64x2 vector
// [-DM, +DM]: every lane operation is the scalar one, so the values are the same bits.
@inline
export function adxRun(st: usize, h: usize, l: usize, c: usize, oAdx: usize, oPlus: usize, oMinus: usize, bytes: usize, n: i32): void {
  let t = load<i32>(st);
  let previousHigh = load<f64>(st, 8);
  let previousLow = load<f64>(st, 16);
  let previousClose = load<f64>(st, 24);
  let dm = f64x2.replace_lane(f64x2.splat(load<f64>(st, 40)), 1, load<f64>(st, 32));
  let tr = load<f64>(st, 48);
  let sumDX = load<f64>(st, 56);
  let adx = load<f64>(st, 64);
  const period = <f64>n;
  const periods = f64x2.splat(period);
  const last = 2 * n - 1;
  for (let i: usize = 0; i < bytes; i += 8) {
    const high = load<f64>(h + i);
    const low = load<f64>(l + i);
    const close = load<f64>(c + i);
    let outAdx: f64 = NaN;
    let outPlus: f64 = NaN;
    let outMinus: f64 = NaN;
    if (t == 0) {
      if (!isNaN(close)) {
        previousHigh = high;
        previousLow = low;
        previousClose = close;
        t = 1;
      }
    } else {
      const diffP = high - previousHigh;
      const diffM = previousLow - low;
      const range = trueRange(high, low, previousClose);
      previousHigh = high;
      previousLow = low;
      previousClose = close;
      if (t < n) {
        dm = f64x2.add(dm, directionalMove(diffM, diffP));
        tr += range;
        t++;
      } else {
        dm = f64x2.add(f64x2.sub(dm, f64x2.div(dm, periods)), directionalMove(diffM, diffP));
        tr = tr - tr / period + range;
        let plusDI: f64 = 0;
        let minusDI: f64 = 0;
        let dx: f64 = NaN;
        if (!taIsZero(tr)) {
          const di = f64x2.div(dm, f64x2.splat(tr));
          minusDI = 100.0 * f64x2.extract_lane(di, 0);
          plusDI = 100.0 * f64x2.extract_lane(di, 1);
          const sum = minusDI + plusDI;
          if (!taIsZero(sum)) dx = 100.0 * (Math.abs(minusDI - plusDI) / sum);
        }
        if (t < last) {
          if (!isNaN(dx)) sumDX += dx;
          t++;
        } else {
          if (t == last) {
            let total = sumDX;
            if (!isNaN(dx)) total += dx;
            adx = total / period;
            t++;
          } else if (!isNaN(dx)) {
            adx = (adx * (period - 1) + dx) / period;
          }
          outAdx = adx;
          outPlus = plusDI;
          outMinus = minusDI;
        }
      }
    }
    store<f64>(oAdx + i, outAdx);
    store<f64>(oPlus + i, outPlus);
    store<f64>(oMinus + i, outMinus);
  }
  store<i32>(st, t);
  store<f64>(st, previousHigh, 8);
  store<f64>(st, previousLow, 16);
  store<f64>(st, previousClose, 24);
  store<f64>(st, f64x2.extract_lane(dm, 1), 32);
  store<f64>(st, f64x2.extract_lane(dm, 0), 40);
  store<f64>(st, tr, 48);
  store<f64>(st, sumDX, 56);
  store<f64>(st, adx, 64);
}
