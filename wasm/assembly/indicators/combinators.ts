// Stateless kernels that combine other nodes' values, plus the log-return kernel.

/** (x - mean) / std; 0 when std is 0 (flat window). */
@inline
export function zscoreValue(x: f64, mean: f64, std: f64): f64 {
  if (isNaN(std) || isNaN(mean)) return NaN;
  return std == 0 ? 0.0 : (x - mean) / std;
}

/**
 * Bollinger bands around `mean` at k standard deviations. Writes upper, middle, lower, pctb,
 * bandwidth at out .. out + 32. pctb = 0.5 when upper == lower; bandwidth = 0 when middle == 0.
 */
@inline
export function bollingerStep(close: f64, mean: f64, std: f64, k: f64, out: usize): void {
  if (isNaN(std) || isNaN(mean)) {
    for (let i = 0; i < 5; i++) store<f64>(out + (<usize>i << 3), NaN);
    return;
  }
  const deviation = std * k;
  const upper = mean + deviation;
  const lower = mean - deviation;
  const width = upper - lower;
  store<f64>(out, upper);
  store<f64>(out, mean, 8);
  store<f64>(out, lower, 16);
  store<f64>(out, width != 0 ? (close - lower) / width : 0.5, 24);
  store<f64>(out, mean != 0 ? width / mean : 0.0, 32);
}

/** a / b; 0 when b is 0. */
@inline
export function ratioValue(a: f64, b: f64): f64 {
  if (isNaN(a) || isNaN(b)) return NaN;
  return b != 0 ? a / b : 0.0;
}

// LOGRET state: +0 count i32 | +8 previous x f64.
@inline
export function logReturnStep(st: usize, x: f64): f64 {
  if (load<i32>(st) == 0) {
    if (isNaN(x)) return NaN;
    store<i32>(st, 1);
    store<f64>(st, x, 8);
    return NaN;
  }
  const previous = load<f64>(st, 8);
  store<f64>(st, x, 8);
  return Math.log(x / previous);
}
