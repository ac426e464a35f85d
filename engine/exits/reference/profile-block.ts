// An exit profile as the core reads it, for the reference: the profile is written into a block
// laid out like the core's (writeExitProfile) and read back field by field, so integers are
// truncated and counts kept exactly as the core sees them; then the core's checks
// (wasm/assembly/exits/exit-engine.ts exitsConfigureProfile) decide whether it is accepted.
import {
  EP_ATR_MULTIPLE, EP_ATR_VALUE, EP_MAX_HOLD_NS, EP_REENTRY, EP_REGIME_MULTIPLIER, EP_STOP_PCT, EP_TARGET_COUNT, EP_TARGET_FRACTION, EP_TARGET_PCT,
  EP_TRAIL_ATR_MULTIPLE, EP_TRAIL_PCT, EXIT_PROFILE_BYTES, EXIT_TARGETS, REENTRY_AFTER_RESET, REENTRY_IMMEDIATE,
} from '../exit-layout.js';
import { writeExitProfile, type ExitProfile } from '../exit-profile.js';

/** Regime labels a profile has a multiplier for (wasm/assembly/hmm/hmm-layout.ts LABEL_COUNT). */
export const LABEL_COUNT = 3;
/** Tier quantities round down to lots; this much under a whole lot still counts as one (exit-engine.ts). */
export const LOT_SLACK = 1e-9;

/** The fields of a profile block, as the core loads them. */
export interface ProfileBlock {
  readonly stopPct: number;
  readonly atrMultiple: number;
  readonly atrValue: number;
  readonly trailPct: number;
  readonly trailAtrMultiple: number;
  readonly targetCount: number;
  /** EXIT_TARGETS entries each (0 past targetCount). */
  readonly targetPct: readonly number[];
  readonly targetFraction: readonly number[];
  readonly maxHoldNs: bigint;
  readonly regimeMultiplier: readonly number[];
  readonly reentry: number;
}

/** `profile` as the core would read it from its block. */
export function profileBlock(profile: ExitProfile): ProfileBlock {
  const view = new DataView(new ArrayBuffer(EXIT_PROFILE_BYTES));
  writeExitProfile(view, 0, profile);
  const f64 = (field: number) => view.getFloat64(field, true);
  return {
    stopPct: f64(EP_STOP_PCT),
    atrMultiple: f64(EP_ATR_MULTIPLE),
    atrValue: view.getInt32(EP_ATR_VALUE, true),
    trailPct: f64(EP_TRAIL_PCT),
    trailAtrMultiple: f64(EP_TRAIL_ATR_MULTIPLE),
    targetCount: view.getInt32(EP_TARGET_COUNT, true),
    targetPct: Array.from({ length: EXIT_TARGETS }, (_, k) => f64(EP_TARGET_PCT + 8 * k)),
    targetFraction: Array.from({ length: EXIT_TARGETS }, (_, k) => f64(EP_TARGET_FRACTION + 8 * k)),
    maxHoldNs: view.getBigInt64(EP_MAX_HOLD_NS, true),
    regimeMultiplier: Array.from({ length: LABEL_COUNT }, (_, label) => f64(EP_REGIME_MULTIPLIER + 8 * label)),
    reentry: view.getInt32(EP_REENTRY, true),
  };
}

/**
 * The core's checks of a profile block: distances >= 0 and finite (percentages below 1),
 * fractions in (0, 1] summing to at most 1, 0..EXIT_TARGETS targets with pct > 0, maxHoldNs
 * >= 0, regime multipliers > 0 and finite, a known re-entry mode, and an ATR value index when
 * an ATR multiple is set.
 */
export function profileAccepted(p: ProfileBlock): boolean {
  const { stopPct: stop, atrMultiple: atr, trailPct: trail, trailAtrMultiple: trailAtr } = p;
  if (!(stop >= 0 && stop < 1) || !(atr >= 0 && Number.isFinite(atr)) || !(trail >= 0 && trail < 1) || !(trailAtr >= 0 && Number.isFinite(trailAtr))) return false;
  if ((atr > 0 || trailAtr > 0) && p.atrValue < 0) return false;
  if (p.targetCount < 0 || p.targetCount > EXIT_TARGETS) return false;
  let fractions = 0;
  for (let k = 0; k < p.targetCount; k++) {
    const pct = p.targetPct[k];
    const fraction = p.targetFraction[k];
    if (!(pct > 0 && Number.isFinite(pct)) || !(fraction > 0 && fraction <= 1)) return false;
    fractions += fraction;
  }
  if (fractions > 1 + LOT_SLACK || p.maxHoldNs < 0n) return false;
  if (!p.regimeMultiplier.every((m) => m > 0 && Number.isFinite(m))) return false;
  return p.reentry === REENTRY_AFTER_RESET || p.reentry === REENTRY_IMMEDIATE;
}
