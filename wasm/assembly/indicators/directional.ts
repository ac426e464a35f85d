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
@inline
export function trStep(st: usize, high: f64, low: f64, close: f64): f64 {
  const count = load<i32>(st);
  if (count == 0 && isNaN(close)) return NaN;
  const out = count == 0 ? high - low : trueRange(high, low, load<f64>(st, 8));
  store<i32>(st, 1);
  store<f64>(st, close, 8);
  return out;
}

// ADX state:
//   +0 t i32 (bars seen, capped at 2n) | +8 previous high | +16 previous low | +24 previous close
//   +32 smoothed +DM | +40 smoothed -DM | +48 smoothed TR | +56 sum of DX (first n) | +64 adx
// Bars 1..n-1 sum raw DM and TR; from bar n the sums are Wilder-smoothed
// (s = s - s/n + x) and +DI/-DI = 100 DM/TR (0 when TR is zero) are computed; DX of bars
// n..2n-1 are averaged into the first ADX (bar 2n-1), then adx = (adx (n-1) + dx) / n.
// All three outputs appear together from bar 2n-1 (the node's single warm-up, 2n).
// Writes adx to out, +DI to out + 8, -DI to out + 16.
@inline
export function adxStep(st: usize, high: f64, low: f64, close: f64, n: i32, out: usize): void {
  const t = load<i32>(st);
  store<f64>(out, NaN);
  store<f64>(out, NaN, 8);
  store<f64>(out, NaN, 16);
  if (t == 0) {
    if (isNaN(close)) return;
    store<f64>(st, high, 8);
    store<f64>(st, low, 16);
    store<f64>(st, close, 24);
    store<i32>(st, 1);
    return;
  }
  const diffP = high - load<f64>(st, 8);
  const diffM = load<f64>(st, 16) - low;
  const range = trueRange(high, low, load<f64>(st, 24));
  store<f64>(st, high, 8);
  store<f64>(st, low, 16);
  store<f64>(st, close, 24);
  let plusDM = load<f64>(st, 32);
  let minusDM = load<f64>(st, 40);
  let tr = load<f64>(st, 48);
  const period = <f64>n;
  if (t < n) {
    if (diffM > 0 && diffP < diffM) minusDM += diffM;
    else if (diffP > 0 && diffP > diffM) plusDM += diffP;
    tr += range;
    store<f64>(st, plusDM, 32);
    store<f64>(st, minusDM, 40);
    store<f64>(st, tr, 48);
    store<i32>(st, t + 1);
    return;
  }
  minusDM -= minusDM / period;
  plusDM -= plusDM / period;
  if (diffM > 0 && diffP < diffM) minusDM += diffM;
  else if (diffP > 0 && diffP > diffM) plusDM += diffP;
  tr = tr - tr / period + range;
  store<f64>(st, plusDM, 32);
  store<f64>(st, minusDM, 40);
  store<f64>(st, tr, 48);
  let plusDI: f64 = 0;
  let minusDI: f64 = 0;
  let dx: f64 = NaN;
  if (!taIsZero(tr)) {
    minusDI = 100.0 * (minusDM / tr);
    plusDI = 100.0 * (plusDM / tr);
    const sum = minusDI + plusDI;
    if (!taIsZero(sum)) dx = 100.0 * (Math.abs(minusDI - plusDI) / sum);
  }
  const last = 2 * n - 1;
  if (t < last) {
    if (!isNaN(dx)) store<f64>(st, load<f64>(st, 56) + dx, 56);
    store<i32>(st, t + 1);
    return;
  }
  let adx: f64;
  if (t == last) {
    let sumDX = load<f64>(st, 56);
    if (!isNaN(dx)) sumDX += dx;
    adx = sumDX / period;
    store<i32>(st, t + 1);
  } else {
    adx = load<f64>(st, 64);
    if (!isNaN(dx)) adx = (adx * (period - 1) + dx) / period;
  }
  store<f64>(st, adx, 64);
  store<f64>(out, adx);
  store<f64>(out, plusDI, 8);
  store<f64>(out, minusDI, 16);
}
