// The engine loop's order stage: turns an instrument's decided target into orders, after the
// decision of each bar (pipeline.ts), through the order table (orders/) and the pre-trade
// checks. The strategy keeps at most one working order per instrument:
//
//   target (flat while the kill switch is halted; flat while an exit rule's re-entry block
//   holds the same side, exits/exit-engine.ts, and no larger than the position while an exit
//   rule that reduced it holds the side; while an operator has paused the strategy
//   (PIPE_PAUSED), limited to between flat and the position, so it can only reduce it: the
//   outcome is STRATEGY_PAUSED when that changed it)
//     -> nothing while the strategy order waits for the venue (PENDING_*, UNCERTAIN), nor while
//        an exit closes the position at market (a released trailing stop, a max-hold close):
//        a strategy close decided on the same bar would sell it twice and open the other side
//     -> the change still needed: risk/implied-order.ts (whole lots, net of the position and
//        working entry orders, an entry cut to fit the exposure limits, none below the
//        minimum notional; a change a limit cut to nothing is counted: limitSkips)
//     -> no-trade band: a change worth less than max(bandEquityPct * equity,
//        bandPositionPct * |position value|) is not traded, unless it closes the position
//     -> confirmation: a change is traded once the target has asked for a change on the same
//        side on confirmBars bars in a row (1: at once), so a target that moves for one bar
//        and back trades nothing; a halted account's flat target is not delayed
//     -> a working strategy order on the same side is amended (REPLACE) to the new quantity;
//        one on the other side, or one the change would flip, is canceled first (CANCEL),
//        and what is still needed goes out on a later bar once the cancel is confirmed, so
//        opposing orders never work at the same time
//     -> otherwise a new order (ORDER): market, or limit at the close -/+ limitOffsetBps
//        (a limit order is repriced when the close moved more than repriceBps)
//
// The decision output block records the outcome: orderReason (0 accepted, a risk reason, or
// NO_ORDER), orderQty and orderLimit (the limit the order was cut to fit or stopped by); a
// target zeroed for the kill switch sets STATUS_HALTED in its status.
import { ERR_BAD_ARGUMENT, ERR_RISK_NOT_READY, OK } from '../errors';
import { REASON_STRATEGY_PAUSED } from '../risk/risk-reasons';
import { DEC_OUTPUT_BYTES, DEC_OUTPUT_OFFSET, NO_ORDER, OUT_EXPOSURE, OUT_ORDER_LIMIT, OUT_ORDER_QTY, OUT_ORDER_REASON, OUT_PRICE, OUT_QUANTITY, OUT_STATUS, STATUS_HALTED, STATUS_PRICE } from '../decision/decision-layout';
import { advanceClock, currentEquity, riskReady } from '../risk/risk-account';
import { RH_HALTED, RISK_HEADER, RS_LOT_SIZE, RS_POSITION, RS_VALUE_FACTOR, riskSlotAddress } from '../risk/risk-layout';
import { impliedOrderQty, lastShapingLimit } from '../risk/implied-order';
import { NOT_SENT, cancelOrder, lastRefusal, replaceOrder, submitOrder } from '../orders/order-commands';
import {
  FLAG_REDUCE_ONLY, OI_HEAD, OI_STRATEGY_SLOT, O_FILLED, O_FLAGS, O_LIMIT_PX, O_NEXT, O_QTY, O_RULE, O_STATE, O_TYPE, RULE_STRATEGY, STATE_NEW, STATE_OPEN, STATE_PARTIALLY_FILLED,
  TIF_COUNT, TIF_POST_ONLY, TYPE_LIMIT, TYPE_MARKET, isLive, orderIndexAddress, orderSlotAddress,
} from '../orders/order-layout';
import { exitsBlockSign, exitsClearBlock } from '../exits/exit-engine';
import {
  HDR_BAND_EQUITY_PCT, HDR_BAND_POSITION_PCT, HDR_BAND_SKIPS, HDR_ENTRY_TIF, HDR_ENTRY_TYPE, HDR_LIMIT_OFFSET_BPS, HDR_REPRICE_BPS,
  HDR_STRATEGY_CANCELS, HDR_STRATEGY_REPLACES, PIPE_HEADER, HDR_CONFIRM_BARS, HDR_CONFIRM_SKIPS, HDR_LIMIT_SKIPS, PIPE_CHANGE_BARS, PIPE_CHANGE_SIGN,
  PIPE_ENTRY_BYTES, PIPE_PAUSED, PIPE_TABLE,
} from './pipeline-layout';

/** orderStage outcomes (>= 0). */
export const NO_ORDER_IMPLIED: i32 = 0;
export const ORDER_CHECKED: i32 = 1; // refused by the checks: its risk record is written
export const ORDER_ACCEPTED: i32 = 2; // a new ORDER record is written
export const ORDER_AMENDED: i32 = 3; // the working strategy order was replaced or canceled

const HEADER: usize = <usize>PIPE_HEADER;

// @ts-ignore: decorator
@inline
function bump(field: i32): void {
  store<i64>(HEADER + <usize>field, load<i64>(HEADER + <usize>field) + 1);
}

/**
 * How the order stage trades targets: the no-trade band (fractions of equity and of the
 * position's value, each in [0, 1)), the entry order type (TYPE_MARKET or TYPE_LIMIT) and time
 * in force, the limit offset and the reprice threshold (bps, >= 0). Returns OK or ERR_BAD_ARGUMENT.
 */
export function pipelineSetExecution(bandEquityPct: f64, bandPositionPct: f64, entryType: i32, entryTif: i32, limitOffsetBps: f64, repriceBps: f64, confirmBars: i32): i32 {
  if (confirmBars < 1 || confirmBars > 1000) return ERR_BAD_ARGUMENT;
  if (!(bandEquityPct >= 0.0 && bandEquityPct < 1.0) || !(bandPositionPct >= 0.0 && bandPositionPct < 1.0)) return ERR_BAD_ARGUMENT;
  if ((entryType != TYPE_MARKET && entryType != TYPE_LIMIT) || entryTif < 0 || entryTif >= TIF_COUNT || (entryTif == TIF_POST_ONLY && entryType != TYPE_LIMIT)) return ERR_BAD_ARGUMENT;
  if (!(limitOffsetBps >= 0.0 && limitOffsetBps < 10_000.0) || !(repriceBps >= 0.0 && repriceBps < 10_000.0)) return ERR_BAD_ARGUMENT;
  store<f64>(HEADER + <usize>HDR_BAND_EQUITY_PCT, bandEquityPct);
  store<f64>(HEADER + <usize>HDR_BAND_POSITION_PCT, bandPositionPct);
  store<i32>(HEADER + <usize>HDR_ENTRY_TYPE, entryType);
  store<i32>(HEADER + <usize>HDR_ENTRY_TIF, entryTif);
  store<f64>(HEADER + <usize>HDR_LIMIT_OFFSET_BPS, limitOffsetBps);
  store<f64>(HEADER + <usize>HDR_REPRICE_BPS, repriceBps);
  store<i32>(HEADER + <usize>HDR_CONFIRM_BARS, confirmBars);
  return OK;
}

/** The limit price of a strategy order on side `sign` decided at `price`. */
// @ts-ignore: decorator
@inline
function entryLimit(price: f64, sign: f64): f64 {
  return price * (1.0 - sign * load<f64>(HEADER + <usize>HDR_LIMIT_OFFSET_BPS) * 1e-4);
}

/**
 * For a PIPE_RISK instrument whose bar close was marked and whose decision at `now` just
 * landed: the orders its target implies (see the header), written to `ring`. Returns an
 * outcome (>= 0) or a negative status.
 */
export function orderStage(instrument: i32, now: i64, ring: i32): i32 {
  if (!riskReady()) return ERR_RISK_NOT_READY;
  const out = <usize>DEC_OUTPUT_OFFSET + <usize>(instrument * DEC_OUTPUT_BYTES);
  store<i32>(out + OUT_ORDER_REASON, NO_ORDER);
  store<f64>(out + OUT_ORDER_QTY, 0);
  store<i32>(out + OUT_ORDER_LIMIT, 0);
  if (load<i32>(RISK_HEADER, RH_HALTED) != 0) {
    store<f64>(out + OUT_EXPOSURE, 0);
    store<f64>(out + OUT_QUANTITY, 0);
    store<i32>(out + OUT_STATUS, load<i32>(out + OUT_STATUS) | STATUS_HALTED); // the decision says why its target is 0
  }
  if ((load<i32>(out + OUT_STATUS) & STATUS_PRICE) == 0) return NO_ORDER_IMPLIED;
  const price = load<f64>(out + OUT_PRICE);
  const clock = advanceClock(now);
  let target = load<f64>(out + OUT_QUANTITY);
  const s = riskSlotAddress(instrument);
  const block = exitsBlockSign(instrument);
  if (block != 0) {
    const sign = target > 0.0 ? 1 : target < 0.0 ? -1 : 0;
    const blockSide = block > 0 ? 1 : -1;
    if (sign != blockSide) {
      exitsClearBlock(instrument);
    } else if (block == blockSide) {
      target = 0.0; // an exit rule closed the position: no re-entry on this side
    } else {
      // An exit rule reduced the position: it may not be added back to.
      const held = load<f64>(s, RS_POSITION);
      target = sign > 0 ? Math.min(target, Math.max(held, 0.0)) : Math.max(target, Math.min(held, 0.0));
    }
  }
  const entry = <usize>(PIPE_TABLE + instrument * PIPE_ENTRY_BYTES);
  if (load<i32>(entry + PIPE_PAUSED) != 0) {
    // Paused by an operator: the target may only move the position toward flat.
    const held = load<f64>(s, RS_POSITION);
    const limited = held > 0.0 ? Math.min(Math.max(target, 0.0), held) : held < 0.0 ? Math.max(Math.min(target, 0.0), held) : 0.0;
    if (limited != target) {
      target = limited;
      store<i32>(out + OUT_ORDER_REASON, REASON_STRATEGY_PAUSED);
    }
  }
  const strategySlot = load<i32>(orderIndexAddress(instrument), OI_STRATEGY_SLOT);
  if (strategySlot >= 0) {
    const state = load<i32>(orderSlotAddress(strategySlot), O_STATE);
    if (state != STATE_OPEN && state != STATE_PARTIALLY_FILLED) return NO_ORDER_IMPLIED; // waiting for the venue
  }
  if (exitCloseWorking(instrument)) return NO_ORDER_IMPLIED; // the position is being closed at market
  const qty = impliedOrderQty(s, target, price);
  store<i32>(out + OUT_ORDER_LIMIT, lastShapingLimit());
  if (qty == 0.0) {
    if (lastShapingLimit() != 0) bump(HDR_LIMIT_SKIPS); // a change the limits left no whole lot for
    store<i32>(entry + PIPE_CHANGE_BARS, 0);
    return strategySlot >= 0 ? reprice(strategySlot, price, now, clock, ring) : NO_ORDER_IMPLIED;
  }
  const position = load<f64>(s, RS_POSITION);
  const factor = load<f64>(s, RS_VALUE_FACTOR);
  if (!(target == 0.0 && position != 0.0)) {
    const band = Math.max(load<f64>(HEADER + <usize>HDR_BAND_EQUITY_PCT) * currentEquity(), load<f64>(HEADER + <usize>HDR_BAND_POSITION_PCT) * Math.abs(position) * price * factor);
    if (Math.abs(qty) * price * factor < band) {
      bump(HDR_BAND_SKIPS);
      store<i32>(entry + PIPE_CHANGE_BARS, 0);
      return strategySlot >= 0 ? reprice(strategySlot, price, now, clock, ring) : NO_ORDER_IMPLIED;
    }
  }
  const side = qty > 0.0 ? 1 : -1;
  const streak = load<i32>(entry + PIPE_CHANGE_SIGN) == side ? load<i32>(entry + PIPE_CHANGE_BARS) + 1 : 1;
  store<i32>(entry + PIPE_CHANGE_SIGN, side);
  store<i32>(entry + PIPE_CHANGE_BARS, streak);
  if (streak < load<i32>(HEADER + <usize>HDR_CONFIRM_BARS) && load<i32>(RISK_HEADER, RH_HALTED) == 0) {
    bump(HDR_CONFIRM_SKIPS);
    return NO_ORDER_IMPLIED;
  }
  store<f64>(out + OUT_ORDER_QTY, qty);
  if (strategySlot >= 0) {
    const o = orderSlotAddress(strategySlot);
    const filled = load<f64>(o, O_FILLED);
    const leaves = load<f64>(o, O_QTY) - filled;
    const wanted = leaves + qty;
    // A reduce-only close is amended only while it still closes no more than the position;
    // one the change would take past flat is canceled first, like one on the other side.
    const closeOnly = (load<i32>(o, O_FLAGS) & FLAG_REDUCE_ONLY) != 0;
    const overCloses = closeOnly && Math.abs(wanted) > Math.abs(position) * (1.0 + 1e-9);
    if ((wanted > 0.0) == (leaves > 0.0) && Math.abs(wanted) >= 0.5 * load<f64>(s, RS_LOT_SIZE) && !overCloses) {
      const limitPx = load<i32>(o, O_TYPE) == TYPE_LIMIT ? entryLimit(price, wanted > 0.0 ? 1.0 : -1.0) : 0.0;
      const replaced = replaceOrder(strategySlot, filled + wanted, limitPx, 0.0, now, clock, RULE_STRATEGY, ring);
      if (replaced == NOT_SENT) {
        store<i32>(out + OUT_ORDER_REASON, lastRefusal());
        return ORDER_CHECKED;
      }
      if (replaced < 0) return replaced;
      bump(HDR_STRATEGY_REPLACES);
      store<i32>(out + OUT_ORDER_REASON, 0);
      return ORDER_AMENDED;
    }
    const canceled = cancelOrder(strategySlot, now, clock, RULE_STRATEGY, ring);
    if (canceled < 0) return canceled;
    bump(HDR_STRATEGY_CANCELS);
    return ORDER_AMENDED;
  }
  const type = load<i32>(HEADER + <usize>HDR_ENTRY_TYPE);
  const limitPx = type == TYPE_LIMIT ? entryLimit(price, qty > 0.0 ? 1.0 : -1.0) : 0.0;
  // An order that only reduces the position goes reduce-only: an exit's reduce-only order (a
  // profit tier, a stop) filling in the same bar then leaves it nothing to sell past flat,
  // where a plain order would open the other side.
  const reduces = position > 0.0 ? qty < 0.0 && position + qty >= 0.0 : position < 0.0 && qty > 0.0 && position + qty <= 0.0;
  const slot = submitOrder(instrument, now, clock, qty, type, load<i32>(HEADER + <usize>HDR_ENTRY_TIF), reduces ? FLAG_REDUCE_ONLY : 0, RULE_STRATEGY, limitPx, 0.0, 0.0, price, 0, lastShapingLimit(), ring);
  if (slot == NOT_SENT) {
    store<i32>(out + OUT_ORDER_REASON, lastRefusal());
    return ORDER_CHECKED;
  }
  if (slot < 0) return slot;
  store<i32>(orderIndexAddress(instrument), slot, OI_STRATEGY_SLOT);
  store<i32>(out + OUT_ORDER_REASON, 0);
  return ORDER_ACCEPTED;
}

/**
 * True while an exit closes `instrument`'s position at market (a released trailing stop, a
 * max-hold close: reduce-only market orders sent to the venue and not yet done). A strategy
 * order decided meanwhile would close the same position a second time and open the other side.
 */
function exitCloseWorking(instrument: i32): bool {
  for (let slot = load<i32>(orderIndexAddress(instrument), OI_HEAD); slot >= 0; slot = load<i32>(orderSlotAddress(slot), O_NEXT)) {
    const o = orderSlotAddress(slot);
    const state = load<i32>(o, O_STATE);
    if ((load<i32>(o, O_FLAGS) & FLAG_REDUCE_ONLY) != 0 && load<i32>(o, O_RULE) != RULE_STRATEGY && load<i32>(o, O_TYPE) == TYPE_MARKET && isLive(state) && state != STATE_NEW) return true;
  }
  return false;
}

/** A working strategy limit order whose price drifted more than repriceBps from the new one is repriced. */
function reprice(slot: i32, price: f64, now: i64, clock: i64, ring: i32): i32 {
  const o = orderSlotAddress(slot);
  if (load<i32>(o, O_TYPE) != TYPE_LIMIT) return NO_ORDER_IMPLIED;
  const qty = load<f64>(o, O_QTY);
  const limitPx = entryLimit(price, qty > 0.0 ? 1.0 : -1.0);
  const current = load<f64>(o, O_LIMIT_PX);
  if (Math.abs(limitPx - current) <= load<f64>(HEADER + <usize>HDR_REPRICE_BPS) * 1e-4 * current) return NO_ORDER_IMPLIED;
  const replaced = replaceOrder(slot, qty, limitPx, 0.0, now, clock, RULE_STRATEGY, ring);
  if (replaced < 0 && replaced != NOT_SENT) return replaced;
  if (replaced == 1) bump(HDR_STRATEGY_REPLACES);
  return replaced == 1 ? ORDER_AMENDED : NO_ORDER_IMPLIED;
}
