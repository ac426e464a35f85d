// Cholesky factorisation of small symmetric positive-definite matrices (row-major),
// and the inverse of the lower factor used to whiten observations.

/**
 * Writes the lower factor L (A = L L^T) of the n x n matrix at a[aOff..] into l[lOff..].
 * Returns false when A is not positive definite (a pivot <= 0 or not finite).
 */
export function choleskyLower(a: Float64Array, aOff: number, n: number, l: Float64Array, lOff: number): boolean {
  for (let i = 0; i < n * n; i++) l[lOff + i] = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[aOff + i * n + j];
      for (let p = 0; p < j; p++) sum -= l[lOff + i * n + p] * l[lOff + j * n + p];
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) return false;
        l[lOff + i * n + i] = Math.sqrt(sum);
      } else {
        l[lOff + i * n + j] = sum / l[lOff + j * n + j];
      }
    }
  }
  return true;
}

/** Writes W = L^{-1} (lower triangular) for the lower factor at l[lOff..] into w[wOff..]. */
export function invertLower(l: Float64Array, lOff: number, n: number, w: Float64Array, wOff: number): void {
  for (let i = 0; i < n * n; i++) w[wOff + i] = 0;
  for (let c = 0; c < n; c++) {
    w[wOff + c * n + c] = 1 / l[lOff + c * n + c];
    for (let i = c + 1; i < n; i++) {
      let sum = 0;
      for (let p = c; p < i; p++) sum -= l[lOff + i * n + p] * w[wOff + p * n + c];
      w[wOff + i * n + c] = sum / l[lOff + i * n + i];
    }
  }
}
