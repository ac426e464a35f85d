// Pre-trade check of the targets a decision batch produced: for each instrument in the batch
// list (DEC_BATCH_OFFSET), after decRunBatch, in list order:
//   1. the bar close the decision used becomes the risk mark at `now` (as riskOnMark: what a
//      BAR record does through riskOnRecord; a kill-switch trip writes its flatten records);
//   2. the order the target implies (risk/implied-order.ts): the change to the target in
//      whole lots, net of position and working orders, an entry fitted to the room the
//      exposure limits leave, none below the minimum notional or when the bar had no price;
//   3. that order goes through the checks of riskCheckOrder (records for denials).
// An instrument without a risk configuration (riskConfigureInstrument) gets NO_ORDER.
// Readiness, the ring and the clock are checked once per batch, not per instrument; the
// batch's risk records (denials, flatten) are published together at its end.
// The result lands in the instrument's output block: orderReason (the risk reason >= 0, or
// NO_ORDER), orderQty, and orderLimit (the limit that shaped the order or stopped it, 0 when
// none did). Orders take ids from the counter at DEC_ORDER_ID_OFFSET (TS sets it; each
// checked order uses one). decDecideAndCheck is decRunBatch and this in one core
// call per bar for every instrument (only scalars cross: one i64 conversion per bar), deciding
// and checking each instrument in turn while its output block and risk slot are in cache, with
// the result of the two passes (see decDecideAndCheck); no allocation.
import { ERR_DEC_BATCH_RANGE, ERR_DEC_INSTRUMENT, ERR_DEC_NOT_CONFIGURED } from '../errors';
import { batchDecidable, decideListed, decRunBatch } from './decision-step';
import { ERR_RISK_NOT_READY, OK } from '../errors';
import { ringCheck } from '../ring';
import { advanceClock, configuredSlot, markAt, riskReady } from '../risk/risk-account';
import { checkOrderAt } from '../risk/risk-checks';
import { riskRecordsClose, riskRecordsOpen } from '../risk/risk-records';
import { impliedOrderQty, lastShapingLimit } from '../risk/implied-order';
import { riskSlotAddress } from '../risk/risk-layout';
import {
  CFG_CHECKED, DEC_BATCH_OFFSET, DEC_CONFIG_OFFSET, DEC_MAX_INSTRUMENTS, DEC_OUTPUT_BYTES, DEC_OUTPUT_OFFSET,
  DEC_ORDER_ID_OFFSET, NO_ORDER, OUT_ORDER_LIMIT, OUT_ORDER_QTY, OUT_ORDER_REASON, OUT_PRICE, OUT_QUANTITY, OUT_STATUS, STATUS_PRICE,
} from './decision-layout';

/**
 * Marks, sizes the implied order and risk-checks it for the `count` instruments listed at
 * DEC_BATCH_OFFSET (see the header). Returns the number of orders checked (accepted or not),
 * or the first negative status (ERR_DEC_NOT_CONFIGURED, ERR_DEC_BATCH_RANGE,
 * ERR_DEC_INSTRUMENT, or a risk status such as ERR_RISK_NOT_READY or ERR_OUTBOUND_FULL;
 * instruments before it were done).
 */
export function decCheckTargets(count: i32, now: i64, outRing: i32): i32 {
  if (load<i32>(<usize>DEC_CONFIG_OFFSET + CFG_CHECKED) != 1) return ERR_DEC_NOT_CONFIGURED;
  if (count < 0 || count > DEC_MAX_INSTRUMENTS) return ERR_DEC_BATCH_RANGE;
  if (count == 0) return 0;
  // Once per batch: readiness, the outbound ring, the clock (every order of the bar is at `now`).
  if (!riskReady()) return ERR_RISK_NOT_READY;
  const ring = ringCheck(outRing);
  if (ring != OK) return ring;
  const clock = advanceClock(now);
  riskRecordsOpen(outRing);
  const result = checkBatch(count, now, clock, outRing);
  riskRecordsClose();
  return result;
}

/** The per-instrument loop of decCheckTargets, inside a record batch on `outRing`. */
function checkBatch(count: i32, now: i64, clock: i64, outRing: i32): i32 {
  let orders = 0;
  for (let i = 0; i < count; i++) {
    const instrument = load<i32>(<usize>DEC_BATCH_OFFSET + (<usize>i << 2));
    if (instrument < 0 || instrument >= DEC_MAX_INSTRUMENTS) return ERR_DEC_INSTRUMENT;
    const checked = checkTarget(instrument, now, clock, outRing);
    if (checked < 0) return checked;
    orders += checked;
  }
  return orders;
}

/**
 * Steps 1-3 of the header for one `instrument` (in range) whose decision output is current,
 * once the risk module is known ready, `outRing` checked and the clock advanced to `clock`.
 * Writes orderReason / orderQty to its output block. Returns 1 when an order was checked
 * (accepted or denied), 0 when none was implied, or a negative status (nothing recorded
 * for this instrument's order: ERR_OUTBOUND_FULL leaves orderReason at NO_ORDER).
 */
export function checkTarget(instrument: i32, now: i64, clock: i64, outRing: i32): i32 {
  return checkTargetAt(instrument, now, clock, outRing, true);
}

/**
 * checkTarget for a caller that already made the bar close the instrument's mark at `now`
 * (the engine's pipeline marks every bar as it arrives): step 1 is skipped.
 */
export function checkMarkedTarget(instrument: i32, now: i64, clock: i64, outRing: i32): i32 {
  return checkTargetAt(instrument, now, clock, outRing, false);
}

// @ts-ignore: decorator
@inline
function checkTargetAt(instrument: i32, now: i64, clock: i64, outRing: i32, mark: bool): i32 {
  const out = <usize>DEC_OUTPUT_OFFSET + <usize>(instrument * DEC_OUTPUT_BYTES);
  store<i32>(out + OUT_ORDER_REASON, NO_ORDER);
  store<f64>(out + OUT_ORDER_QTY, 0);
  store<i32>(out + OUT_ORDER_LIMIT, 0);
  if ((load<i32>(out + OUT_STATUS) & STATUS_PRICE) == 0) return 0;
  const price = load<f64>(out + OUT_PRICE);
  if (!configuredSlot(instrument)) return 0;
  if (mark) {
    const marked = markAt(instrument, now, price, outRing);
    if (marked < 0) return marked;
  }
  const qty = impliedOrderQty(riskSlotAddress(instrument), load<f64>(out + OUT_QUANTITY), price);
  store<i32>(out + OUT_ORDER_LIMIT, lastShapingLimit());
  if (qty == 0) return 0;
  const orderId = load<i64>(<usize>DEC_ORDER_ID_OFFSET);
  const reason = checkOrderAt(instrument, now, clock, qty, price, orderId, outRing, true);
  if (reason < 0) return reason;
  store<i64>(<usize>DEC_ORDER_ID_OFFSET, orderId + 1);
  store<i32>(out + OUT_ORDER_REASON, reason);
  store<f64>(out + OUT_ORDER_QTY, qty);
  return 1;
}

/**
 * decRunBatch then decCheckTargets over the same staged list, in one call. Returns the number
 * of orders checked, or the first negative status of either. When both would run through
 * (batchDecidable, risk ready, ring checked), each instrument is decided and then checked
 * before the next one, so its output block and risk slot are still in cache: the checks
 * read nothing a later decision writes and the decisions read nothing a check writes, so
 * the outputs, risk state and records are those of the two passes. Otherwise (and after a
 * failed check, for the instruments left) it runs the passes as they are, so every status
 * and partial effect stays theirs.
 */
export function decDecideAndCheck(count: i32, now: i64, equity: f64, outRing: i32): i32 {
  if (count == 0 || !batchDecidable(count, equity) || !riskReady() || ringCheck(outRing) != OK) {
    const decided = decRunBatch(count, now, equity);
    if (decided < 0) return decided;
    return decCheckTargets(count, now, outRing);
  }
  const clock = advanceClock(now);
  riskRecordsOpen(outRing);
  let result = 0;
  let i = 0;
  while (i < count) {
    const instrument = load<i32>(<usize>DEC_BATCH_OFFSET + (<usize>i << 2));
    i++;
    decideListed(instrument, now, equity);
    const checked = checkTarget(instrument, now, clock, outRing);
    if (checked < 0) {
      result = checked;
      break;
    }
    result += checked;
  }
  for (; i < count; i++) decideListed(load<i32>(<usize>DEC_BATCH_OFFSET + (<usize>i << 2)), now, equity);
  riskRecordsClose();
  return result;
}
