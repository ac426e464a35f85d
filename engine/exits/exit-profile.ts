// An exit profile (the exits of one strategy) as TypeScript sees it, and the writer of its
// block in the EXITS region (layout and meanings: wasm/assembly/exits/exit-layout.ts). The
// core checks a written block (exitsConfigureProfile); the plain TS reference applies the same
// checks (reference/check-exit-profile.ts).
import {
  EP_ATR_MULTIPLE, EP_ATR_VALUE, EP_MAX_HOLD_NS, EP_REENTRY, EP_REGIME_MULTIPLIER, EP_STOP_PCT, EP_TARGET_COUNT, EP_TARGET_FRACTION, EP_TARGET_PCT,
  EP_TRAIL_ATR_MULTIPLE, EP_TRAIL_PCT, EXIT_PROFILE_BYTES, EXIT_TARGETS, REENTRY_AFTER_RESET,
} from './exit-layout.js';

/** A profit tier: a reduce-only limit at entry * (1 + pct) (longs) for `fraction` of the position. */
export interface ExitTarget {
  readonly pct: number;
  readonly fraction: number;
}

export interface ExitProfile {
  /** Fixed stop this fraction of the entry price away (0: none). */
  readonly stopPct: number;
  /** ATR stop this many ATRs away (0: none); with stopPct, the nearer of the two. */
  readonly atrMultiple: number;
  /** Plan value index of the ATR the multiples use (-1: none). */
  readonly atrValue: number;
  /** Trailing stop this fraction of the entry price, or this many ATRs, behind the best price (0: none). */
  readonly trailPct: number;
  readonly trailAtrMultiple: number;
  /** Up to EXIT_TARGETS tiers. */
  readonly targets: readonly ExitTarget[];
  /** Close the position this long after its entry (0n: never). */
  readonly maxHoldNs: bigint;
  /** Stop and trail distances times this, by regime label code (trending, mean-reverting, choppy). */
  readonly regimeMultiplier: readonly [number, number, number];
  /** REENTRY_AFTER_RESET or REENTRY_IMMEDIATE. */
  readonly reentry: number;
}

/** A profile with no exits (every rule off, multipliers 1, re-entry after a reset), overridden by `fields`. */
export function exitProfile(fields: Partial<ExitProfile> = {}): ExitProfile {
  return {
    stopPct: 0, atrMultiple: 0, atrValue: -1, trailPct: 0, trailAtrMultiple: 0, targets: [], maxHoldNs: 0n, regimeMultiplier: [1, 1, 1],
    reentry: REENTRY_AFTER_RESET, ...fields,
  };
}

/** Writes `profile` into the block at byte `offset` of `view` (exitProfileOffset), cleared first. */
export function writeExitProfile(view: DataView, offset: number, profile: ExitProfile): void {
  new Uint8Array(view.buffer, view.byteOffset + offset, EXIT_PROFILE_BYTES).fill(0);
  view.setFloat64(offset + EP_STOP_PCT, profile.stopPct, true);
  view.setFloat64(offset + EP_ATR_MULTIPLE, profile.atrMultiple, true);
  view.setInt32(offset + EP_ATR_VALUE, profile.atrValue, true);
  view.setFloat64(offset + EP_TRAIL_PCT, profile.trailPct, true);
  view.setFloat64(offset + EP_TRAIL_ATR_MULTIPLE, profile.trailAtrMultiple, true);
  view.setInt32(offset + EP_TARGET_COUNT, profile.targets.length, true);
  profile.targets.slice(0, EXIT_TARGETS).forEach((target, k) => {
    view.setFloat64(offset + EP_TARGET_PCT + 8 * k, target.pct, true);
    view.setFloat64(offset + EP_TARGET_FRACTION + 8 * k, target.fraction, true);
  });
  view.setBigInt64(offset + EP_MAX_HOLD_NS, profile.maxHoldNs, true);
  profile.regimeMultiplier.forEach((m, label) => view.setFloat64(offset + EP_REGIME_MULTIPLIER + 8 * label, m, true));
  view.setInt32(offset + EP_REENTRY, profile.reentry, true);
}
