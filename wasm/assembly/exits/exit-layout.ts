// Layout of the EXITS region (EXITS_REGION_OFFSET in ../layout.ts): exit profiles (one per
// strategy) and the exit state of each instrument's position. Mirrored by
// engine/exits/exit-layout.ts. A checkpoint is a byte copy of the region.
//
//   EXITS_REGION_OFFSET
//   +0x00000 +--------------------------------------------+
//            | profiles: EXIT_PROFILES x 256 B             |  written by TS, checked by exitsConfigureProfile
//   +0x01000 +--------------------------------------------+
//            | instruments: INSTRUMENT_CAPACITY x 128 B    |  the position's exits
//   +0x21000 +--------------------------------------------+
//            | reserved                                    |
//   +0x100000+--------------------------------------------+
//
// Profile (256 B), distances as fractions of the entry price or multiples of ATR:
//
//   0          8             16         20    24         32                40             44    48
//   | stopPct  | atrMultiple | atrValue | pad | trailPct | trailAtrMultiple | targetCount  | pad | targetPct[4] f64 |
//   80                      112            120                         144       148          152
//   | targetFraction[4] f64 | maxHoldNs    | regimeMultiplier[3] f64   | reentry | configured | reserved |
//
//   stopPct, atrMultiple   a protective stop at entry * (1 - stopPct) or entry - atrMultiple * ATR
//                          (longs; shorts mirror), the nearer of the two; 0 turns one off
//   atrValue               plan value index of the ATR the multiples use (-1: none)
//   trailPct, trailAtrMultiple  a trailing stop that distance behind the best price since entry
//                          (held and triggered by the core: order-layout.ts TYPE_TRAILING_STOP)
//   targetPct[k], targetFraction[k]  profit tier k: a reduce-only limit at entry * (1 + targetPct)
//                          (longs; shorts mirror, and leave out a tier at or beyond +100%) for
//                          targetFraction of the position at entry, in whole lots
//   maxHoldNs              close the position this long after its entry (0: never)
//   regimeMultiplier[label]  stop and trail distances times this for the regime label at entry
//                          (0 trending, 1 mean-reverting, 2 choppy; 1 = unchanged)
//   reentry                REENTRY_AFTER_RESET: after an exit rule closed the position, the
//                          strategy may not re-enter on the same side until its target turns
//                          flat or flips; REENTRY_IMMEDIATE: it may at once
//
// Instrument (128 B):
//
//   0         4      8          16         24          32           40          48               80
//   | profile | side | entryNs  | entryPx  | basePos   | stopId u64 | trailId    | targetId[4] u64  | maxHoldId |
//   88          92          96            104       112       116            118              120            128
//   | tiersDone | blockSign | deferredNs  | stopPx  | closing | stopRule i16 | trailHit i16 | trailOffset  |
//
//   profile     exit profile of the instrument's strategy (-1: no exits)
//   side        side of the position the exits protect (+1, -1; 0: flat, none armed)
//   basePos     |position| when the exits were armed (tiers are fractions of it)
//   *Id         client order ids of the exit orders (0: none); a closed one is found no more
//   blockSign   after an exit rule closed a position of this side (+1 / -1), re-entry on it waits;
//               after one reduced it (+2 / -2), adding back to it waits (0: none)
//   deferredNs  when an exit the checks refused was last deferred (0: none pending): the exits
//               the position should have and lacks (id 0) are placed on its next fresh price
//   stopPx, stopRule  the protective stop decided at arming (0: none) and its rule (RULE_STOP or
//               RULE_ATR_STOP), kept so a deferred stop goes out as decided
//   closing     1 once the max-hold close was sent (0 again if it ended without closing)
//   trailHit    1 when the trailing stop was hit but its release deferred: sent on the next fresh price
//   trailOffset the trailing stop's distance decided at arming (0: none)
import { EXITS_REGION_OFFSET } from '../layout';

export const EXIT_PROFILES: i32 = 16;
export const EXIT_TARGETS: i32 = 4;
export const EXIT_PROFILES_OFFSET: i32 = EXITS_REGION_OFFSET;
export const EXIT_PROFILE_BYTES: i32 = 256;
export const EP_STOP_PCT: i32 = 0;
export const EP_ATR_MULTIPLE: i32 = 8;
export const EP_ATR_VALUE: i32 = 16;
export const EP_TRAIL_PCT: i32 = 24;
export const EP_TRAIL_ATR_MULTIPLE: i32 = 32;
export const EP_TARGET_COUNT: i32 = 40;
export const EP_TARGET_PCT: i32 = 48;
export const EP_TARGET_FRACTION: i32 = 80;
export const EP_MAX_HOLD_NS: i32 = 112;
export const EP_REGIME_MULTIPLIER: i32 = 120;
export const EP_REENTRY: i32 = 144;
export const EP_CONFIGURED: i32 = 148;

export const REENTRY_AFTER_RESET: i32 = 0;
export const REENTRY_IMMEDIATE: i32 = 1;

export const EXIT_STATES_OFFSET: i32 = EXITS_REGION_OFFSET + 0x1000;
export const EXIT_STATE_BYTES: i32 = 128;
export const ES_PROFILE: i32 = 0;
export const ES_SIDE: i32 = 4;
export const ES_ENTRY_NS: i32 = 8;
export const ES_ENTRY_PX: i32 = 16;
export const ES_BASE_POS: i32 = 24;
export const ES_STOP_ID: i32 = 32;
export const ES_TRAIL_ID: i32 = 40;
export const ES_TARGET_IDS: i32 = 48;
export const ES_MAX_HOLD_ID: i32 = 80;
export const ES_TIERS_DONE: i32 = 88;
export const ES_BLOCK_SIGN: i32 = 92;
export const ES_DEFERRED_NS: i32 = 96;
export const ES_STOP_PX: i32 = 104;
export const ES_CLOSING: i32 = 112;
export const ES_STOP_RULE: i32 = 116;
export const ES_TRAIL_HIT: i32 = 118;
export const ES_TRAIL_OFFSET: i32 = 120;
/** Exit order ids an instrument state holds: stop, trail, four targets, max-hold close. */
export const EXIT_ORDER_IDS: i32 = 7;

// @ts-ignore: decorator
@inline
export function exitProfileAddress(profile: i32): usize {
  return <usize>(EXIT_PROFILES_OFFSET + profile * EXIT_PROFILE_BYTES);
}

// @ts-ignore: decorator
@inline
export function exitStateAddress(instrument: i32): usize {
  return <usize>(EXIT_STATES_OFFSET + instrument * EXIT_STATE_BYTES);
}

