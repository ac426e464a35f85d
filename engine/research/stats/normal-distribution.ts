// The standard normal distribution the selection statistics need: the CDF Phi and its
// inverse. Phi uses Marsaglia's Taylor series, "Evaluating the Normal Distribution", Journal of
// Statistical Software 11(4), 2004 (absolute error about 1e-15 on |x| <= 8.3; beyond that Phi is
// 0 or 1 to double precision). The quantile starts from Acklam's rational approximation
// (P. J. Acklam, "An algorithm for computing the inverse normal cumulative distribution
// function", 2003; relative error 1.15e-9) and polishes it with two Halley steps on Phi, as
// Acklam describes (to about 1e-11 for 1e-6 <= p <= 1 - 1e-6; Acklam's 1.15e-9 beyond). Checked against scipy.stats.norm in the tests.

const LOG_SQRT_2PI = 0.91893853320467274178;
const SQRT_2PI = 2.50662827463100050242;

/** Phi(x) = P(Z <= x) for a standard normal Z. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < -8.3) return 0;
  if (x > 8.3) return 1;
  // Marsaglia (2004): Phi(x) = 1/2 + phi(x) * (x + x^3/3 + x^5/(3*5) + x^7/(3*5*7) + ...).
  let s = x;
  let t = 0;
  let b = x;
  const q = x * x;
  let i = 1;
  while (s !== t) {
    t = s;
    i += 2;
    b *= q / i;
    s = t + b;
  }
  return 0.5 + s * Math.exp(-0.5 * q - LOG_SQRT_2PI);
}

const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/** Phi^-1(p): the x with Phi(x) = p; -Infinity at 0, +Infinity at 1, NaN outside [0, 1]. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  let x: number;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else if (p <= 1 - P_LOW) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  // Halley refinement (Acklam 2003): e = Phi(x) - p, u = e * sqrt(2 pi) * exp(x^2 / 2), x -= u / (1 + x u / 2).
  // Phi is accurate in absolute terms only, so deep in the tails (phi(x) below ~1e-5) the
  // refinement would not beat Acklam's 1.15e-9 relative error and is skipped.
  if (Math.min(p, 1 - p) >= 1e-6) {
    for (let step = 0; step < 2; step++) {
      const e = normalCdf(x) - p;
      const u = e * SQRT_2PI * Math.exp(0.5 * x * x);
      x -= u / (1 + 0.5 * x * u);
    }
  }
  return x;
}
