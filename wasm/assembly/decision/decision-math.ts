// Small scalar helpers shared by the decision modules (clamps, finiteness). Mirrored by
// engine/decision/reference/decision-math.ts with the same operation order.

@inline
export function isFinite64(v: f64): bool {
  return v - v == 0;
}

/** v clamped to [-1, 1]; NaN stays NaN (callers check inputs first). */
@inline
export function clampUnit(v: f64): f64 {
  return v > 1 ? 1 : v < -1 ? -1 : v;
}

/** v clamped to [0, 1]. */
@inline
export function clamp01(v: f64): f64 {
  return v > 1 ? 1 : v < 0 ? 0 : v;
}
