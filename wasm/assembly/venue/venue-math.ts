// Small numeric pieces of the simulated venue, all exact in both the core and the TS
// reference: the seeded generator behind random latency (splitmix64, integer arithmetic
// only), market impact (sqrt is correctly rounded everywhere), and the integer power of the
// probabilistic queue model.
import { IMPACT_LINEAR, IMPACT_SQRT, VENUE_HEADER, VH_RNG } from './venue-layout';

export const I64_MAX: i64 = i64.MAX_VALUE;

/** The next splitmix64 output of the venue's generator (its state advances). */
export function nextRandom(): u64 {
  const state = load<u64>(VENUE_HEADER, VH_RNG) + 0x9e3779b97f4a7c15;
  store<u64>(VENUE_HEADER, state, VH_RNG);
  let z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** A uniform integer in [0, bound] (bound >= 0). */
// @ts-ignore: decorator
@inline
export function randomUpTo(bound: i64): i64 {
  if (bound <= 0) return 0;
  return <i64>(nextRandom() % (<u64>bound + 1));
}

/** Impact of taking `qty` against `against` (bar volume or displayed size), in bps. */
// @ts-ignore: decorator
@inline
export function impactBps(model: i32, bps: f64, qty: f64, against: f64): f64 {
  if (bps == 0.0 || !(against > 0.0)) return 0.0;
  const share = qty / against;
  if (model == IMPACT_LINEAR) return bps * share;
  if (model == IMPACT_SQRT) return bps * Math.sqrt(share);
  return 0.0;
}

/** x^n for an integer n >= 1, by multiplication. */
// @ts-ignore: decorator
@inline
export function integerPower(x: f64, n: i32): f64 {
  let result = x;
  for (let i = 1; i < n; i++) result *= x;
  return result;
}
