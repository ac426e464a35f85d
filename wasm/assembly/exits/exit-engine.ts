// The exit engine: protective and profit-taking exits for each position, configured per
// strategy (an exit profile, exit-layout.ts), leaving as orders through the same order table
// and checks as every other order (orders/order-commands.ts), all reduce-only.
//
//   a position opens, grows or flips (a fill, exitsOnFill) -> its exits are (re)armed from the
//     position's average price: a stop (fixed or ATR-multiple, the nearer; a STOP order at the
//     venue), a trailing stop (held by the core, trailed on every price and sent as a market
//     order when hit), profit tiers (reduce-only limits, each for a fraction of the position),
//     and the entry time for the maximum holding time. Stop and trail distances are scaled by
//     the regime multiplier of the instrument's regime label at that moment.
//   a price (exitsOnMark, every BAR close or TRADE): the trailing stop follows the best price
//     (the bar's high for a long, its low for a short) and triggers on the bar's low (high),
//     checked against the level before this bar moved it; a position held maxHoldNs is closed
//     at market (its other exits canceled first).
//   the position closes -> its remaining exits are canceled; when an exit rule closed it, the
//     strategy may not re-enter on that side until its target turns flat or flips (reentry).
//   an exit rule reduces the position (a profit tier, a stop or close filled in part) -> with
//     the same reentry rule, the strategy may not add back to it until its target turns flat
//     or flips, so a tier taken is not bought back on the next bar.
//   a timer (exitsOnTimer) -> the maximum holding time is checked for every position.
// Freshness guard: no exit decision is taken on a stale price. An exit the checks defer (stale
// mark, order rate) is reported by its OrderDeferred record and retried on the instrument's
// next fresh price: an exit order that did not go out is placed as it was decided at arming
// (the exits already working, the tiers already taken and the entry time stay as they are),
// a trailing stop that was hit is sent, and a max-hold close is sent again (also when the
// venue ended it without closing the position). On a timer, a position whose mark is stale
// waits for a price. A short's profit tier at or beyond +100% cannot be reached: it is left out.
import { ERR_BAD_ARGUMENT, OK } from '../errors';
import { INSTRUMENT_CAPACITY } from '../layout';
import { indValuesOffset } from '../indicators/executor';
import { HMM_FILTER_MAGIC, FILTER_LABEL, FILTER_MAGIC, LABEL_COUNT } from '../hmm/hmm-layout';
import { hmmFilterStateOffset } from '../hmm/hmm-filter';
import { PIPE_ENTRY_BYTES, PIPE_FLAGS, PIPE_INDICATOR_SLOT, PIPE_TABLE, PIPE_REGIME } from '../pipeline/pipeline-layout';
import { RH_SLOTS_IN_USE, RISK_HEADER, RS_AVG_PRICE, RS_LOT_SIZE, RS_MARK, RS_POSITION, RS_STALE_NS, riskSlotAddress } from '../risk/risk-layout';
import { cancelOrder, releaseOrder, submitOrder } from '../orders/order-commands';
import { publishRiskRecord } from '../risk/risk-records';
import { markStale } from '../risk/risk-account';
import { REASON_DEFERRED_STALE_PRICE } from '../risk/risk-reasons';
import { slotOfOrder } from '../orders/order-table';
import {
  FLAG_REDUCE_ONLY, OI_STRATEGY_SLOT, O_FILLED, O_QTY, O_RULE, O_STATE, O_STOP_PX, O_TRAIL_OFFSET, O_WATERMARK, RULE_ATR_STOP, RULE_MAX_HOLD, RULE_STOP,
  RULE_STRATEGY, RULE_TARGET, RULE_TRAILING_STOP, STATE_FILLED, STATE_NEW, TIF_GTC, TYPE_LIMIT, TYPE_MARKET, TYPE_STOP, TYPE_TRAILING_STOP, isLive, isTerminal, orderIndexAddress,
  orderSlotAddress,
} from '../orders/order-layout';
import {
  EP_ATR_MULTIPLE, EP_ATR_VALUE, EP_CONFIGURED, EP_MAX_HOLD_NS, EP_REENTRY, EP_REGIME_MULTIPLIER, EP_STOP_PCT, EP_TARGET_COUNT, EP_TARGET_FRACTION,
  EP_TARGET_PCT, EP_TRAIL_ATR_MULTIPLE, EP_TRAIL_PCT, ES_BASE_POS, ES_BLOCK_SIGN, ES_CLOSING, ES_DEFERRED_NS, ES_ENTRY_NS, ES_ENTRY_PX,
  ES_MAX_HOLD_ID, ES_PROFILE, ES_SIDE, ES_STOP_ID, ES_STOP_PX, ES_STOP_RULE, ES_TARGET_IDS, ES_TIERS_DONE, ES_TRAIL_HIT, ES_TRAIL_ID,
  ES_TRAIL_OFFSET, EXIT_ORDER_IDS, EXIT_PROFILES, EXIT_STATE_BYTES, EXIT_TARGETS, REENTRY_AFTER_RESET, REENTRY_IMMEDIATE, exitProfileAddress,
  exitStateAddress,
} from './exit-layout';

/** Tier quantities round down to lots; this much under a whole lot still counts as one. */
const LOT_SLACK: f64 = 1e-9;

/** Unbinds every instrument and clears its exit state. Profiles stay. Returns OK. */
export function exitsReset(): i32 {
  for (let i = 0; i < INSTRUMENT_CAPACITY; i++) {
    const e = exitStateAddress(i);
    memory.fill(e, 0, <usize>EXIT_STATE_BYTES);
    store<i32>(e, -1, ES_PROFILE);
  }
  return OK;
}

/**
 * Checks the profile block TS wrote at exitProfileAddress(profile) (distances >= 0 and finite,
 * fractions in (0, 1] summing to at most 1, 0..4 targets, maxHoldNs >= 0, regime multipliers
 * > 0, reentry mode known, atrValue set when an ATR multiple is) and marks it configured.
 */
export function exitsConfigureProfile(profile: i32): i32 {
  if (profile < 0 || profile >= EXIT_PROFILES) return ERR_BAD_ARGUMENT;
  const p = exitProfileAddress(profile);
  store<i32>(p, 0, EP_CONFIGURED);
  const stop = load<f64>(p, EP_STOP_PCT);
  const atr = load<f64>(p, EP_ATR_MULTIPLE);
  const trail = load<f64>(p, EP_TRAIL_PCT);
  const trailAtr = load<f64>(p, EP_TRAIL_ATR_MULTIPLE);
  if (!(stop >= 0.0 && stop < 1.0) || !(atr >= 0.0 && isFinite<f64>(atr)) || !(trail >= 0.0 && trail < 1.0) || !(trailAtr >= 0.0 && isFinite<f64>(trailAtr))) return ERR_BAD_ARGUMENT;
  if ((atr > 0.0 || trailAtr > 0.0) && load<i32>(p, EP_ATR_VALUE) < 0) return ERR_BAD_ARGUMENT;
  const targets = load<i32>(p, EP_TARGET_COUNT);
  if (targets < 0 || targets > EXIT_TARGETS) return ERR_BAD_ARGUMENT;
  let fractions: f64 = 0.0;
  for (let k = 0; k < targets; k++) {
    const pct = load<f64>(p + <usize>(EP_TARGET_PCT + (k << 3)));
    const fraction = load<f64>(p + <usize>(EP_TARGET_FRACTION + (k << 3)));
    if (!(pct > 0.0 && isFinite<f64>(pct)) || !(fraction > 0.0 && fraction <= 1.0)) return ERR_BAD_ARGUMENT;
    fractions += fraction;
  }
  if (fractions > 1.0 + LOT_SLACK || load<i64>(p, EP_MAX_HOLD_NS) < 0) return ERR_BAD_ARGUMENT;
  for (let r = 0; r < LABEL_COUNT; r++) {
    const m = load<f64>(p + <usize>(EP_REGIME_MULTIPLIER + (r << 3)));
    if (!(m > 0.0 && isFinite<f64>(m))) return ERR_BAD_ARGUMENT;
  }
  const reentry = load<i32>(p, EP_REENTRY);
  if (reentry != REENTRY_AFTER_RESET && reentry != REENTRY_IMMEDIATE) return ERR_BAD_ARGUMENT;
  store<i32>(p, 1, EP_CONFIGURED);
  return OK;
}

/** Binds `instrument` to exit `profile` (a configured one), or unbinds it (-1). */
export function exitsConfigureInstrument(instrument: i32, profile: i32): i32 {
  if (instrument < 0 || instrument >= INSTRUMENT_CAPACITY || profile < -1 || profile >= EXIT_PROFILES) return ERR_BAD_ARGUMENT;
  if (profile >= 0 && load<i32>(exitProfileAddress(profile), EP_CONFIGURED) != 1) return ERR_BAD_ARGUMENT;
  store<i32>(exitStateAddress(instrument), profile, ES_PROFILE);
  return OK;
}

/**
 * The re-entry block of `instrument` (see the header): +1 / -1 after an exit rule closed a long /
 * short (no re-entry on that side), +2 / -2 after one reduced it (no adding back), 0 when none.
 */
// @ts-ignore: decorator
@inline
export function exitsBlockSign(instrument: i32): i32 {
  return load<i32>(exitStateAddress(instrument), ES_BLOCK_SIGN);
}

/** Lets the strategy re-enter on `instrument` again (its target turned flat or flipped). */
export function exitsClearBlock(instrument: i32): void {
  store<i32>(exitStateAddress(instrument), 0, ES_BLOCK_SIGN);
}

/** The instrument's ATR (plan value `valueIndex` of its indicator slot), or NaN. */
function atrOf(instrument: i32, valueIndex: i32): f64 {
  if (valueIndex < 0) return NaN;
  const entry = <usize>(PIPE_TABLE + instrument * PIPE_ENTRY_BYTES);
  if (load<i32>(entry + PIPE_FLAGS) == 0) return NaN;
  const values = indValuesOffset(load<i32>(entry + PIPE_INDICATOR_SLOT));
  if (values < 0) return NaN;
  return load<f64>(<usize>values + (<usize>valueIndex << 3));
}

/** The regime multiplier of `profile` for `instrument`'s current regime label (1 without one). */
function regimeMultiplier(instrument: i32, p: usize): f64 {
  const entry = <usize>(PIPE_TABLE + instrument * PIPE_ENTRY_BYTES);
  if ((load<i32>(entry + PIPE_FLAGS) & PIPE_REGIME) == 0) return 1.0;
  const state = <usize>hmmFilterStateOffset(instrument);
  if (load<i32>(state + FILTER_MAGIC) != HMM_FILTER_MAGIC) return 1.0;
  const label = load<i32>(state + FILTER_LABEL);
  if (label < 0 || label >= LABEL_COUNT) return 1.0;
  return load<f64>(p + <usize>(EP_REGIME_MULTIPLIER + (label << 3)));
}

/** The nearer of a fraction-of-price distance and an ATR-multiple distance (0: neither). */
// @ts-ignore: decorator
@inline
function distance(pct: f64, atrMultiple: f64, price: f64, atr: f64, scale: f64): f64 {
  let d: f64 = pct > 0.0 ? pct * price * scale : 0.0;
  if (atrMultiple > 0.0 && atr > 0.0 && isFinite<f64>(atr)) {
    const byAtr = atrMultiple * atr * scale;
    d = d > 0.0 ? Math.min(d, byAtr) : byAtr;
  }
  return d;
}

/** Cancels every live exit order of the instrument and forgets their ids. */
function cancelExits(instrument: i32, e: usize, now: i64, clock: i64, ring: i32): void {
  for (let k = 0; k < EXIT_ORDER_IDS; k++) {
    const field = ES_STOP_ID + (k << 3);
    const slot = slotOfOrder(load<u64>(e + <usize>(field)));
    if (slot >= 0) cancelOrder(slot, now, clock, load<i32>(orderSlotAddress(slot), O_RULE), ring);
    store<u64>(e + <usize>(field), 0);
  }
}

/** Submits one exit order and returns its id (0 when the checks deferred or refused it: it is retried on the next fresh price). */
function placeExit(instrument: i32, e: usize, now: i64, clock: i64, qty: f64, type: i32, rule: i32, limitPx: f64, stopPx: f64, trail: f64, refPx: f64, parentId: u64, ring: i32): u64 {
  const slot = submitOrder(instrument, now, clock, qty, type, TIF_GTC, FLAG_REDUCE_ONLY, rule, limitPx, stopPx, trail, refPx, parentId, 0, ring);
  if (slot < 0) {
    store<i64>(e, now, ES_DEFERRED_NS);
    return 0;
  }
  return load<u64>(orderSlotAddress(slot));
}

/**
 * (Re)arms the exits of `instrument`'s position `position` from its average price (see the
 * header): decides the stop and the trail distance at the regime multiplier of this moment,
 * then places every exit.
 */
function arm(instrument: i32, e: usize, p: usize, position: f64, now: i64, clock: i64, parentId: u64, ring: i32): void {
  cancelExits(instrument, e, now, clock, ring);
  const s = riskSlotAddress(instrument);
  const entry = load<f64>(s, RS_AVG_PRICE);
  const side: f64 = position > 0.0 ? 1.0 : -1.0;
  const atr = atrOf(instrument, load<i32>(p, EP_ATR_VALUE));
  const scale = regimeMultiplier(instrument, p);
  store<i32>(e, position > 0.0 ? 1 : -1, ES_SIDE);
  store<i64>(e, now, ES_ENTRY_NS);
  store<f64>(e, entry, ES_ENTRY_PX);
  store<f64>(e, Math.abs(position), ES_BASE_POS);
  store<i32>(e, 0, ES_TIERS_DONE);
  store<i32>(e, 0, ES_CLOSING);
  store<i16>(e, 0, ES_TRAIL_HIT);
  store<f64>(e, 0.0, ES_STOP_PX);
  store<i16>(e, 0, ES_STOP_RULE);
  const stopPct = load<f64>(p, EP_STOP_PCT);
  const stopDistance = distance(stopPct, load<f64>(p, EP_ATR_MULTIPLE), entry, atr, scale);
  if (stopDistance > 0.0 && entry - side * stopDistance > 0.0) {
    const byAtr = stopPct <= 0.0 || stopDistance < stopPct * entry * scale;
    store<f64>(e, entry - side * stopDistance, ES_STOP_PX);
    store<i16>(e, <i16>(byAtr ? RULE_ATR_STOP : RULE_STOP), ES_STOP_RULE);
  }
  store<f64>(e, distance(load<f64>(p, EP_TRAIL_PCT), load<f64>(p, EP_TRAIL_ATR_MULTIPLE), entry, atr, scale), ES_TRAIL_OFFSET);
  placeMissing(instrument, e, p, position, now, clock, parentId, ring);
}

/**
 * Places each exit the armed position `position` should have and lacks (id 0; a tier not yet
 * taken): the stop at its decided price, the trailing stop from the mark, the profit tiers.
 * Each order's reference price (slippage is measured from it, portfolio/apply-fill.ts) is the
 * price it was decided to fill at: the stop's trigger, the tier's limit; the trailing stop's is
 * the mark when it is released (order-commands.ts releaseOrder), not the mark at arming.
 * Tier k is lot * floor(fraction_k * base / lot) of the position at arming (the last tier the
 * rest when the fractions sum to 1), whether or not the tiers before it went out.
 */
function placeMissing(instrument: i32, e: usize, p: usize, position: f64, now: i64, clock: i64, parentId: u64, ring: i32): void {
  store<i64>(e, 0, ES_DEFERRED_NS);
  const s = riskSlotAddress(instrument);
  const mark = load<f64>(s, RS_MARK);
  const stopPx = load<f64>(e, ES_STOP_PX);
  if (stopPx > 0.0 && load<u64>(e, ES_STOP_ID) == 0) {
    store<u64>(e, placeExit(instrument, e, now, clock, -position, TYPE_STOP, <i32>load<i16>(e, ES_STOP_RULE), 0.0, stopPx, 0.0, stopPx, parentId, ring), ES_STOP_ID);
  }
  const trail = load<f64>(e, ES_TRAIL_OFFSET);
  if (trail > 0.0 && mark > 0.0 && load<u64>(e, ES_TRAIL_ID) == 0) {
    store<u64>(e, placeExit(instrument, e, now, clock, -position, TYPE_TRAILING_STOP, RULE_TRAILING_STOP, 0.0, 0.0, trail, mark, parentId, ring), ES_TRAIL_ID);
  }
  const targets = load<i32>(p, EP_TARGET_COUNT);
  const entry = load<f64>(e, ES_ENTRY_PX);
  const base = load<f64>(e, ES_BASE_POS);
  const side = <f64>load<i32>(e, ES_SIDE);
  const done = load<i32>(e, ES_TIERS_DONE);
  const lot = load<f64>(s, RS_LOT_SIZE);
  let left = base;
  let fractions: f64 = 0.0;
  for (let k = 0; k < targets; k++) fractions += load<f64>(p + <usize>(EP_TARGET_FRACTION + (k << 3)));
  for (let k = 0; k < targets; k++) {
    let qty = lot * Math.floor(load<f64>(p + <usize>(EP_TARGET_FRACTION + (k << 3))) * base / lot + LOT_SLACK);
    if (k == targets - 1 && fractions >= 1.0 - LOT_SLACK) qty = left;
    qty = Math.min(qty, left);
    if (qty <= 0.0) continue;
    left -= qty;
    const field = e + <usize>(ES_TARGET_IDS + (k << 3));
    if ((done & (1 << k)) != 0 || load<u64>(field) != 0) continue;
    const px = entry * (1.0 + side * load<f64>(p + <usize>(EP_TARGET_PCT + (k << 3))));
    if (px <= 0.0) continue; // a short's tier at or beyond +100%: out of reach
    store<u64>(field, placeExit(instrument, e, now, clock, -side * qty, TYPE_LIMIT, RULE_TARGET + k, px, 0.0, 0.0, px, parentId, ring));
  }
}

/**
 * After a fill on `instrument` of an order made by `rule` (id `orderId`; -1 / 0 when unknown):
 * arms, re-arms or ends the exits of its position (see the header).
 */
export function exitsOnFill(instrument: i32, rule: i32, orderId: u64, now: i64, clock: i64, ring: i32): void {
  const e = exitStateAddress(instrument);
  const profile = load<i32>(e, ES_PROFILE);
  if (profile < 0) return;
  const p = exitProfileAddress(profile);
  const position = load<f64>(riskSlotAddress(instrument), RS_POSITION);
  const armed = load<i32>(e, ES_SIDE);
  if (position == 0.0) {
    if (armed == 0) return;
    cancelExits(instrument, e, now, clock, ring);
    if (rule > RULE_STRATEGY && rule < RULE_TARGET + EXIT_TARGETS + 1 && load<i32>(p, EP_REENTRY) == REENTRY_AFTER_RESET) {
      store<i32>(e, armed, ES_BLOCK_SIGN);
      // A strategy order still closing the same way would now open the other side: cancel it.
      const strategy = load<i32>(orderIndexAddress(instrument), OI_STRATEGY_SLOT);
      if (strategy >= 0 && (load<f64>(orderSlotAddress(strategy), O_QTY) > 0.0 ? -1 : 1) == armed) cancelOrder(strategy, now, clock, rule, ring);
    }
    store<i32>(e, 0, ES_SIDE);
    store<i64>(e, 0, ES_DEFERRED_NS);
    store<i32>(e, 0, ES_CLOSING);
    store<i16>(e, 0, ES_TRAIL_HIT);
    return;
  }
  const side = position > 0.0 ? 1 : -1;
  if (side != armed || Math.abs(position) > load<f64>(e, ES_BASE_POS) * (1.0 + LOT_SLACK)) {
    arm(instrument, e, p, position, now, clock, rule == RULE_STRATEGY ? orderId : 0, ring);
    return;
  }
  if (rule >= RULE_TARGET && rule < RULE_TARGET + EXIT_TARGETS) store<i32>(e, load<i32>(e, ES_TIERS_DONE) | (1 << (rule - RULE_TARGET)), ES_TIERS_DONE);
  if (rule > RULE_STRATEGY && rule < RULE_TARGET + EXIT_TARGETS + 1 && load<i32>(p, EP_REENTRY) == REENTRY_AFTER_RESET) store<i32>(e, armed * 2, ES_BLOCK_SIGN);
}

/**
 * An order of `instrument` (id `orderId`) ended at the venue at `now` without filling in full
 * (canceled, rejected or expired there). When it was one of the position's exits, that exit is
 * forgotten and placed again on the instrument's next fresh price, as a deferred exit is: the
 * stop at its price, a released trailing stop at market again, a profit tier for its size; a
 * tier that filled in part counts as taken. A position is never left without the exits its
 * profile gives it because the venue dropped one. (Exits the engine canceled itself were
 * forgotten when it canceled them; a max-hold close is resent by closeWorking.)
 */
export function exitsOnOrderEnded(instrument: i32, orderId: u64, now: i64): void {
  if (orderId == 0 || instrument < 0 || instrument >= INSTRUMENT_CAPACITY) return;
  const e = exitStateAddress(instrument);
  if (load<i32>(e, ES_PROFILE) < 0 || load<i32>(e, ES_SIDE) == 0) return;
  const slot = slotOfOrder(orderId);
  if (slot < 0) return;
  const o = orderSlotAddress(slot);
  const state = load<i32>(o, O_STATE);
  if (!isTerminal(state) || state == STATE_FILLED) return;
  if (load<u64>(e, ES_STOP_ID) == orderId) {
    store<u64>(e, 0, ES_STOP_ID);
  } else if (load<u64>(e, ES_TRAIL_ID) == orderId) {
    store<u64>(e, 0, ES_TRAIL_ID);
    store<i16>(e, 1, ES_TRAIL_HIT);
  } else {
    let k = 0;
    while (k < EXIT_TARGETS && load<u64>(e + <usize>(ES_TARGET_IDS + (k << 3))) != orderId) k++;
    if (k == EXIT_TARGETS) return;
    store<u64>(e + <usize>(ES_TARGET_IDS + (k << 3)), 0);
    if (load<f64>(o, O_FILLED) != 0.0) {
      store<i32>(e, load<i32>(e, ES_TIERS_DONE) | (1 << k), ES_TIERS_DONE);
      return;
    }
  }
  if (load<i64>(e, ES_DEFERRED_NS) == 0) store<i64>(e, now, ES_DEFERRED_NS);
}

/**
 * True while the max-hold close sent for the position at `e` still works at the venue; a close
 * that ended without closing the position (rejected, canceled, expired) is forgotten, so the
 * maximum holding time sends it again.
 */
function closeWorking(e: usize): bool {
  if (load<i32>(e, ES_CLOSING) == 0) return false;
  const slot = slotOfOrder(load<u64>(e, ES_MAX_HOLD_ID));
  if (slot >= 0 && isLive(load<i32>(orderSlotAddress(slot), O_STATE))) return true;
  store<i32>(e, 0, ES_CLOSING);
  store<u64>(e, 0, ES_MAX_HOLD_ID);
  return false;
}

/** Closes the position at market after its maximum holding time (other exits canceled first). */
function closeAfterMaxHold(instrument: i32, e: usize, now: i64, clock: i64, ring: i32): void {
  const s = riskSlotAddress(instrument);
  const position = load<f64>(s, RS_POSITION);
  if (position == 0.0) return;
  cancelExits(instrument, e, now, clock, ring);
  store<i64>(e, 0, ES_DEFERRED_NS);
  const id = placeExit(instrument, e, now, clock, -position, TYPE_MARKET, RULE_MAX_HOLD, 0.0, 0.0, 0.0, load<f64>(s, RS_MARK), 0, ring);
  store<u64>(e, id, ES_MAX_HOLD_ID);
  if (id != 0) store<i32>(e, 1, ES_CLOSING);
}

/**
 * A fresh price of `instrument` at `now` (a BAR with its `high` and `low`, or a TRADE with
 * high = low = price): enforces the maximum holding time, retries deferred exits, and trails
 * and triggers the trailing stop (see the header).
 */
export function exitsOnMark(instrument: i32, now: i64, clock: i64, high: f64, low: f64, ring: i32): void {
  const e = exitStateAddress(instrument);
  const profile = load<i32>(e, ES_PROFILE);
  const side = load<i32>(e, ES_SIDE);
  if (profile < 0 || side == 0) return;
  const p = exitProfileAddress(profile);
  const s = riskSlotAddress(instrument);
  const maxHold = load<i64>(p, EP_MAX_HOLD_NS);
  const closing = closeWorking(e);
  if (maxHold > 0 && !closing && now - load<i64>(e, ES_ENTRY_NS) >= maxHold) {
    closeAfterMaxHold(instrument, e, now, clock, ring);
    return;
  }
  if (load<i64>(e, ES_DEFERRED_NS) != 0 && !closing) {
    const position = load<f64>(s, RS_POSITION);
    if (position != 0.0) placeMissing(instrument, e, p, position, now, clock, 0, ring);
  }
  const trail = slotOfOrder(load<u64>(e, ES_TRAIL_ID));
  if (trail >= 0) {
    const o = orderSlotAddress(trail);
    if (load<i32>(o, O_STATE) == STATE_NEW) {
      const trigger = load<f64>(o, O_STOP_PX);
      const offset = load<f64>(o, O_TRAIL_OFFSET);
      const watermark = load<f64>(o, O_WATERMARK);
      if (load<i16>(e, ES_TRAIL_HIT) != 0 || (side > 0 ? low <= trigger : high >= trigger)) {
        const released = releaseOrder(trail, now, clock, ring) >= 0;
        store<i16>(e, released ? 0 : 1, ES_TRAIL_HIT);
        if (!released) store<i64>(e, now, ES_DEFERRED_NS);
      } else if (side > 0 ? high > watermark : low < watermark) {
        const best = side > 0 ? high : low;
        store<f64>(o, best, O_WATERMARK);
        store<f64>(o, side > 0 ? best - offset : best + offset, O_STOP_PX);
      }
    }
  }
}

/** A timer at `now`: the maximum holding time of every position whose mark is fresh (stale ones wait for a price). */
export function exitsOnTimer(now: i64, clock: i64, ring: i32): void {
  const used = load<i32>(RISK_HEADER, RH_SLOTS_IN_USE);
  for (let i = 0; i < used; i++) {
    const e = exitStateAddress(i);
    const profile = load<i32>(e, ES_PROFILE);
    if (profile < 0 || load<i32>(e, ES_SIDE) == 0) continue;
    const maxHold = load<i64>(exitProfileAddress(profile), EP_MAX_HOLD_NS);
    if (maxHold <= 0 || now - load<i64>(e, ES_ENTRY_NS) < maxHold || closeWorking(e)) continue;
    const s = riskSlotAddress(i);
    if (markStale(s, clock)) {
      if (load<i64>(e, ES_DEFERRED_NS) == 0) {
        // Reported once; the exits stay in place and the close goes out on the next fresh price.
        store<i64>(e, now, ES_DEFERRED_NS);
        publishRiskRecord(ring, i, now, clock, load<f64>(s, RS_MARK), -load<f64>(s, RS_POSITION), REASON_DEFERRED_STALE_PRICE, <f64>load<i64>(s, RS_STALE_NS), 0);
      }
      continue;
    }
    closeAfterMaxHold(i, e, now, clock, ring);
  }
}
