// TA-Lib's zero test (TA_IS_ZERO): |x| < 1e-8 counts as zero. RSI and ADX use it exactly
// where TA-Lib does, so the reference (and the WASM kernels) agree with TA-Lib on quiet,
// low-priced series too.

export function taIsZero(x: number): boolean {
  return -1e-8 < x && x < 1e-8;
}
