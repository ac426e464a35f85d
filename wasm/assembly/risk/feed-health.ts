// Feed health as a risk input: the risk stage's handling of FEED_HEALTH records (issue 15).
// A tracker outside the core (engine/risk FeedHealthTracker, or an adapter) watches each
// market-data stream and reports every change of its health as one inbound record; here the
// policy turns the conditions active on an instrument into its feed state, which the pre-trade
// checks enforce (risk-checks.ts) and a checkpoint carries (it lives in the instrument's risk
// slot, risk-layout.ts). Never allocates.
//
// FEED_HEALTH record (kind = FEED_HEALTH | DIRECTION_INBOUND | source bits), inbound:
//
//   0      4      8              16             24             32             40             48             56            64
//   | kind | inst | ts_exchange  | ts_local     | price (f64)  | size (f64)   | a (f64)      | b (f64)      | id (u64)    |
//                   last message   detected at    measured       conditions     condition      stream id      last sequence
//                   on the stream                 value          still active   code                          seen (0: none)
//                   (0: none yet)                                (mask)
//
//   condition  FEED_RECOVERED 0 (the stream is all clear), FEED_STALE 1 (last message older than
//              the bound), FEED_GAP 2 (sequence gap), FEED_CROSSED 3 (bid > ask), FEED_LOCKED 4
//              (bid == ask), FEED_SILENT 5 (connected, but no message past the bound)
//   value      STALE, SILENT: age of the last message, ns; GAP: messages missed; CROSSED,
//              LOCKED: bid - ask; RECOVERED: 0
//   mask       every condition active on the instrument after this change, 1 << code (an
//              integer in the f64): the instrument's state is the record's mask, with the
//              record's own condition added (so a record that leaves the mask 0 still counts),
//              and a RECOVERED record with mask 0 clears it
//
// Policy (risk header, RH_FEED_POLICY): one action per condition; the instrument's action is
// the most severe over its active conditions (FEED_REDUCE_ONLY < FEED_HALT < FEED_CANCEL_ALL):
//   FEED_REDUCE_ONLY  orders that would increase |position| are denied (REASON_FEED_REDUCE_ONLY)
//   FEED_HALT         every new order is denied (REASON_FEED_HALT; an exit: REASON_DEFERRED_FEED_HALT,
//                     retried later); working orders are left alone
//   FEED_CANCEL_ALL   as FEED_HALT, and every live order of the instrument is canceled (CANCEL
//                     records, orders/order-commands.ts cancelInstrumentOrders) on each record
//                     that leaves the instrument in this state
// A missing or unknown policy code means the default: stale, gap, locked, silent -> reduce-only,
// crossed -> halt. There is no "off": money safety is not configurable away.
import { EV_A, EV_B, EV_INSTRUMENT, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL } from '../layout';
import { advanceClock, configuredSlot, riskReady } from './risk-account';
import { cancelInstrumentOrders } from '../orders/order-commands';
import {
  RH_FEED_POLICY, RISK_HEADER, RS_FEED_ACTION, RS_FEED_CONDITION, RS_FEED_MASK, RS_FEED_SINCE_NS, RS_FEED_STREAM, RS_FEED_TS_NS, RS_FEED_VALUE,
  riskSlotAddress,
} from './risk-layout';

export const FEED_RECOVERED: i32 = 0;
export const FEED_STALE: i32 = 1;
export const FEED_GAP: i32 = 2;
export const FEED_CROSSED: i32 = 3;
export const FEED_LOCKED: i32 = 4;
export const FEED_SILENT: i32 = 5;
export const FEED_CONDITIONS: i32 = 6;
/** Every condition bit (1 << 1 .. 1 << 5). */
export const FEED_MASK_ALL: i32 = 0x3e;

export const FEED_OK: i32 = 0;
export const FEED_REDUCE_ONLY: i32 = 1;
export const FEED_HALT: i32 = 2;
export const FEED_CANCEL_ALL: i32 = 3;

/** riskOnFeedHealth: the record was not applied (risk not ready, unknown instrument, bad condition code). */
export const FEED_IGNORED: i32 = -1;

/** The default action of `condition` (see the header). */
// @ts-ignore: decorator
@inline
function defaultAction(condition: i32): i32 {
  return condition == FEED_CROSSED ? FEED_HALT : FEED_REDUCE_ONLY;
}

/** The configured action of `condition`, or its default when the policy holds none (or garbage). */
// @ts-ignore: decorator
@inline
function policyAction(condition: i32): i32 {
  const action = load<i32>(RISK_HEADER + <usize>(RH_FEED_POLICY + (condition << 2)));
  return action >= FEED_REDUCE_ONLY && action <= FEED_CANCEL_ALL ? action : defaultAction(condition);
}

/** The most severe action over the conditions in `mask`. */
function actionOf(mask: i32): i32 {
  let action = FEED_OK;
  for (let c = FEED_STALE; c < FEED_CONDITIONS; c++) {
    if ((mask & (1 << c)) != 0) {
      const a = policyAction(c);
      if (a > action) action = a;
    }
  }
  return action;
}

/** The feed action in force on `instrument`'s risk slot `s` (the pre-trade checks read it). */
// @ts-ignore: decorator
@inline
export function feedAction(s: usize): i32 {
  return load<i32>(s, RS_FEED_ACTION);
}

/**
 * Applies the FEED_HEALTH record at `record` (see the header): sets the instrument's feed
 * state from its condition and mask, and under FEED_CANCEL_ALL cancels every live order of the
 * instrument to `ring`. Returns the new action (>= 0), FEED_IGNORED (risk not ready, an
 * instrument without a risk slot, a condition code outside 0..5: nothing changed), or a
 * negative status of the cancels.
 */
export function riskOnFeedHealth(record: usize, ring: i32): i32 {
  if (!riskReady()) return FEED_IGNORED;
  const instrument = load<i32>(record, EV_INSTRUMENT);
  if (!configuredSlot(instrument)) return FEED_IGNORED;
  const code = load<f64>(record, EV_A);
  if (!(code >= 0.0 && code < <f64>FEED_CONDITIONS) || code != Math.floor(code)) return FEED_IGNORED;
  const condition = <i32>code;
  const maskValue = load<f64>(record, EV_SIZE);
  let mask = maskValue >= 0.0 && maskValue <= <f64>FEED_MASK_ALL ? <i32>maskValue & FEED_MASK_ALL : 0;
  if (condition != FEED_RECOVERED) mask |= 1 << condition;
  const local = load<i64>(record, EV_TS_LOCAL);
  const exchange = load<i64>(record, EV_TS_EXCHANGE);
  const now = local > exchange ? local : exchange;
  const clock = advanceClock(now);
  const s = riskSlotAddress(instrument);
  const action = actionOf(mask);
  if (load<i32>(s, RS_FEED_MASK) == 0 && mask != 0) store<i64>(s, clock, RS_FEED_SINCE_NS);
  if (mask == 0) store<i64>(s, 0, RS_FEED_SINCE_NS);
  store<i32>(s, mask, RS_FEED_MASK);
  store<i32>(s, action, RS_FEED_ACTION);
  store<f64>(s, load<f64>(record, EV_PRICE), RS_FEED_VALUE);
  store<i32>(s, <i32>load<f64>(record, EV_B), RS_FEED_STREAM);
  store<i32>(s, condition, RS_FEED_CONDITION);
  store<i64>(s, clock, RS_FEED_TS_NS);
  if (action == FEED_CANCEL_ALL) {
    const canceled = cancelInstrumentOrders(instrument, now, clock, ring);
    if (canceled < 0) return canceled;
  }
  return action;
}

/** The feed state of `instrument`: its action in the low byte, its condition mask << 8; or FEED_IGNORED for an instrument without a slot. */
export function riskFeedState(instrument: i32): i32 {
  if (!configuredSlot(instrument)) return FEED_IGNORED;
  const s = riskSlotAddress(instrument);
  return load<i32>(s, RS_FEED_ACTION) | (load<i32>(s, RS_FEED_MASK) << 8);
}
