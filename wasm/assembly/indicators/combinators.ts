// Stateless kernels that combine other nodes' values, plus the log-return kernel.

/** (x - mean) / std; 0 when std is 0 (flat window). */
@inline
export function zscoreValue(x: f64, mean: f64, std: f64): f64 {
  if (isNaN(std) || isNaN(mean)) return NaN;
  return std == 0 ? 0.0 : (x - mean) / std;
}

/**
 * Bollinger bands around `mean` at k standard deviations. Writes upper, middle, lower, pctb and
 * bandwidth at the five given addresses. pctb = 0.5 when upper == lower; bandwidth = 0 when middle == 0.
 */
@inline
export function bollingerStep(close: f64, mean: f64, std: f64, k: f64, upperAt: usize, middleAt: usize, lowerAt: usize, pctbAt: usize, widthAt: usize): void {
  if (isNaN(std) || isNaN(mean)) {
    store<f64>(upperAt, NaN);
    store<f64>(middleAt, NaN);
    store<f64>(lowerAt, NaN);
    store<f64>(pctbAt, NaN);
    store<f64>(widthAt, NaN);
    return;
  }
  const deviation = std * k;
  const upper = mean + deviation;
  const lower = mean - deviation;
  const width = upper - lower;
  store<f64>(upperAt, upper);
  store<f64>(middleAt, mean);
  store<f64>(lowerAt, lower);
  store<f64>(pctbAt, width != 0 ? (close - lower) / width : 0.5);
  store<f64>(widthAt, mean != 0 ? width / mean : 0.0);
}

/** a / b; 0 when b is 0. */
@inline
export function ratioValue(a: f64, b: f64): f64 {
  if (isNaN(a) || isNaN(b)) return NaN;
  return b != 0 ? a / b : 0.0;
}

// LOGRET state: +0 count i32 | +8 previous x f64.
// Column kernel: `bytes / 8` inputs at x, outputs at o (per call: bytes = 8), state in locals.
@inline
export function logReturnRun(st: usize, x: usize, o: usize, bytes: usize): void {
  let count = load<i32>(st);
  let previous = load<f64>(st, 8);
  for (let i: usize = 0; i < bytes; i += 8) {
    const v = load<f64>(x + i);
    let out: f64 = NaN;
    if (count == 0) {
      if (!isNaN(v)) {
        count = 1;
        previous = v;
      }
    } else {
      out = Math.log(v / previous);
      previous = v;
    }
    store<f64>(o + i, out);
  }
  store<i32>(st, count);
  store<f64>(st, previous, 8);
}
