// TA-Lib's zero test (TA_IS_ZERO with TA_EPSILON, TA-Lib 0.6): |x| < 1e-14 counts as zero.
// RSI and ADX use it exactly where TA-Lib does, so the reference (and the WASM kernels) agree
// with TA-Lib on quiet, low-priced series too. (TA-Lib 0.4's 1e-8 zeroed the RSI and ADX of
// any instrument priced below about 1e-6: its average moves are below 1e-8.)

export function taIsZero(x: number): boolean {
  return -1e-14 < x && x < 1e-14;
}
