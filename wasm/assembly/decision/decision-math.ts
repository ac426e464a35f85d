// Small scalar helpers shared by the decision modules (clamps, selects, finiteness). Mirrored by
// engine/decision/reference/decision-math.ts with the same operation order. The clamps and
// selects use single f64x2 lanes (pmin, pmax, compare masks) so that they compile to minpd /
// maxpd / andpd, not to branches the data decides; each returns exactly what its scalar
// ternary does, including for NaN and -0.

@inline
export function isFinite64(v: f64): bool {
  return v - v == 0;
}

/**
 * isFinite64(a) && isFinite64(b) with one compare: x - x is +0 for a finite x and NaN
 * otherwise, and a sum of +0s is +0 while a NaN term makes it NaN.
 */
@inline
export function isFinite2(a: f64, b: f64): bool {
  return (a - a) + (b - b) == 0;
}

/** isFinite2 of three values. */
@inline
export function isFinite3(a: f64, b: f64, c: f64): bool {
  return ((a - a) + (b - b)) + (c - c) == 0;
}

/** isFinite2 of four values. */
@inline
export function isFinite4(a: f64, b: f64, c: f64, d: f64): bool {
  return ((a - a) + (b - b)) + ((c - c) + (d - d)) == 0;
}

/**
 * `hi < v ? hi : v` without a branch: f64x2.pmin is exactly that per lane and compiles to
 * one minpd, where a scalar ternary compiles to a branch that the data decides (a clamp of an
 * indicator that binds on some bars and not on others is mispredicted again and again).
 * NaN stays NaN.
 */
@inline
export function upTo(v: f64, hi: f64): f64 {
  return f64x2.extract_lane(f64x2.pmin(f64x2.splat(v), f64x2.splat(hi)), 0);
}

/** `v < lo ? lo : v` without a branch (f64x2.pmax: one maxpd). NaN stays NaN. */
@inline
export function atLeast(v: f64, lo: f64): f64 {
  return f64x2.extract_lane(f64x2.pmax(f64x2.splat(v), f64x2.splat(lo)), 0);
}

/** `x > 0 ? v : 0` without a branch: v masked by the lane compare x > 0 (+0 otherwise). */
@inline
export function ifPositive(x: f64, v: f64): f64 {
  return f64x2.extract_lane(v128.and(f64x2.splat(v), f64x2.gt(f64x2.splat(x), f64x2.splat(0))), 0);
}

/** v clamped to [-1, 1]: `v > 1 ? 1 : v < -1 ? -1 : v`, without a branch. NaN stays NaN (callers check inputs first). */
@inline
export function clampUnit(v: f64): f64 {
  return atLeast(upTo(v, 1), -1);
}

/** v clamped to [0, 1]: `v > 1 ? 1 : v < 0 ? 0 : v`, without a branch. */
@inline
export function clamp01(v: f64): f64 {
  return atLeast(upTo(v, 1), 0);
}
