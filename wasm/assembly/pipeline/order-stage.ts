// The engine loop's risk half: turns an instrument's decided target into an order through
// the pre-trade checks, feeds the risk account from what the venue reports, and marks
// instruments that only trade data. Everything it writes goes to the outbound ring:
//
//   BAR (PIPE_RISK) --mark--> decision --> (halted: target 0) --> checkMarkedTarget:
//                                 order = target - (position + pending), risk checks
//                                   |-- denied / deferred --> risk record (REJECT kind, reason)
//                                   '-- accepted ----------> ORDER record (below)
//   BAR / TRADE of a risk instrument --> mark (staleness, drawdown), before any stage
//   FILL (inbound)   --> position, cash, pending, drawdown (kill switch: FlattenRequired)
//   REJECT (inbound) --> the venue refused or cancelled an order: its pending quantity ends
//
// The kill switch: a trip writes one FlattenRequired record per open position (the notice:
// what must close, at which mark). The closing itself goes through this stage like any order:
// while halted every target is 0 (flat), so each instrument's next bar sends the exit as an
// ORDER record, which counts as pending and is never sent twice; exits pass the checks while
// halted, new exposure does not.
//
// ORDER record (kind = KIND_ORDER | DIRECTION_OUTBOUND): what the I/O thread sends to the venue.
//
//   0      4      8              16             24             32             40             48             56            64
//   | kind | inst | ts_exchange  | ts_local     | price (f64)  | size (f64)   | a (f64)      | b (f64)      | id (u64)    |
//                   decision time  risk clock     bar close      signed qty     target qty     cut by         order id
//
// `cut by` is the risk reason code of the exposure limit the order was cut to fit (the target
// lay beyond it; risk/implied-order.ts), 0 when the order moves all the way to the target.
//
// A FILL or inbound REJECT must carry the ORDER's instrument; `size` is signed the same way
// (+ bought, - sold; REJECT: the signed quantity left unfilled). Room: orderStage checks, before
// anything changes, that the ring holds a record for the order's outcome plus a trip's flatten
// records, so an order is never accepted without its ORDER record; processInbound keeps
// OUTBOUND_RESERVE slots free before each inbound record, so that check fails only when one
// record completes many bars.
import {
  DIRECTION_OUTBOUND, EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL,
  KIND_BAR, KIND_FILL, KIND_MASK, KIND_ORDER, KIND_REJECT, KIND_TRADE, OUTBOUND_RING_OFFSET,
} from '../layout';
import { ERR_OUTBOUND_FULL, ERR_RISK_NOT_READY } from '../errors';
import { ringFreeSlots, ringPublish, ringPublished, ringSlotAddress } from '../ring';
import { checkMarkedTarget } from '../decision/check-targets';
import { DEC_ORDER_ID_OFFSET, DEC_OUTPUT_BYTES, DEC_OUTPUT_OFFSET, OUT_EXPOSURE, OUT_ORDER_LIMIT, OUT_ORDER_QTY, OUT_ORDER_REASON, OUT_PRICE, OUT_QUANTITY } from '../decision/decision-layout';
import { advanceClock, configuredSlot, riskOnOrderClosed, riskOnRecord, riskReady } from '../risk/risk-account';
import { RH_HALTED, RH_SLOTS_IN_USE, RISK_HEADER } from '../risk/risk-layout';

/** Outbound slots processInbound keeps free before each inbound record once risk is configured. */
export const OUTBOUND_RESERVE: u32 = 64;

/** orderStage outcomes (>= 0). */
export const NO_ORDER_IMPLIED: i32 = 0;
export const ORDER_CHECKED: i32 = 1; // denied or deferred: its risk record is written
export const ORDER_ACCEPTED: i32 = 2; // its ORDER record is written

/** venueRecord outcomes (>= 0). */
export const VENUE_IGNORED: i32 = 0;
export const VENUE_FILL: i32 = 1;
export const VENUE_REJECT: i32 = 2;

/**
 * For a PIPE_RISK instrument whose bar close was marked and whose decision at `now` just
 * landed: checks the order its target implies and writes an ORDER record when it is
 * accepted. Returns ORDER_ACCEPTED, ORDER_CHECKED, NO_ORDER_IMPLIED or a negative status
 * (ERR_RISK_NOT_READY, ERR_OUTBOUND_FULL, ERR_RISK_FLATTEN_PENDING ...).
 */
export function orderStage(instrument: i32, now: i64): i32 {
  if (!riskReady()) return ERR_RISK_NOT_READY;
  const out = OUTBOUND_RING_OFFSET;
  // One order or risk record, the trip's flatten records, and the order record itself.
  const needed = <u32>load<i32>(RISK_HEADER, RH_SLOTS_IN_USE) + 2;
  if (ringFreeSlots(out) < needed) return ERR_OUTBOUND_FULL;
  const result = <usize>DEC_OUTPUT_OFFSET + <usize>(instrument * DEC_OUTPUT_BYTES);
  if (load<i32>(RISK_HEADER, RH_HALTED) != 0) {
    store<f64>(result + OUT_EXPOSURE, 0);
    store<f64>(result + OUT_QUANTITY, 0);
  }
  const clock = advanceClock(now);
  const checked = checkMarkedTarget(instrument, now, clock, out); // pipelineOnBar marked the close
  if (checked <= 0) return checked;
  if (load<i32>(result + OUT_ORDER_REASON) != 0) return ORDER_CHECKED;
  const seq = ringPublished(out);
  const record = ringSlotAddress(out, seq);
  store<i32>(record, KIND_ORDER | DIRECTION_OUTBOUND, EV_KIND);
  store<i32>(record, instrument, EV_INSTRUMENT);
  store<i64>(record, now, EV_TS_EXCHANGE);
  store<i64>(record, clock, EV_TS_LOCAL);
  store<f64>(record, load<f64>(result + OUT_PRICE), EV_PRICE);
  store<f64>(record, load<f64>(result + OUT_ORDER_QTY), EV_SIZE);
  store<f64>(record, load<f64>(result + OUT_QUANTITY), EV_A);
  store<f64>(record, <f64>load<i32>(result + OUT_ORDER_LIMIT), EV_B);
  // checkMarkedTarget used the id at DEC_ORDER_ID_OFFSET and advanced the counter past it.
  store<i64>(record, load<i64>(<usize>DEC_ORDER_ID_OFFSET) - 1, EV_ID);
  ringPublish(out, seq + 1);
  return ORDER_ACCEPTED;
}

/**
 * A BAR or TRADE record: when the risk module knows the instrument, its price becomes the
 * mark (staleness, exposure, drawdown), before the record runs any stage.
 * Returns the flatten records written, 0, or a negative status.
 */
export function markFromRecord(record: usize): i32 {
  if (!riskReady()) return 0;
  const kind = load<i32>(record, EV_KIND) & KIND_MASK;
  if ((kind & (KIND_BAR | KIND_TRADE)) == 0) return 0;
  if (!configuredSlot(load<i32>(record, EV_INSTRUMENT))) return 0;
  return riskOnRecord(<i32>record, OUTBOUND_RING_OFFSET);
}

/**
 * A FILL or REJECT from the venue: a fill moves the position, cash and pending quantity
 * (and may trip the kill switch); a reject ends the order's pending quantity (`size`, signed
 * as the order's). Returns VENUE_FILL, VENUE_REJECT, VENUE_IGNORED (ACK and other kinds), or a
 * negative status (ERR_RISK_NOT_READY when no risk is configured,
 * ERR_RISK_UNKNOWN_INSTRUMENT, ERR_BAD_ARGUMENT for a malformed record).
 */
export function venueRecord(record: usize): i32 {
  if (!riskReady()) return ERR_RISK_NOT_READY;
  const kind = load<i32>(record, EV_KIND) & KIND_MASK;
  if ((kind & KIND_FILL) != 0) {
    const status = riskOnRecord(<i32>record, OUTBOUND_RING_OFFSET);
    return status < 0 ? status : VENUE_FILL;
  }
  if ((kind & KIND_REJECT) != 0) {
    const status = riskOnOrderClosed(load<i32>(record, EV_INSTRUMENT), load<f64>(record, EV_SIZE));
    return status < 0 ? status : VENUE_REJECT;
  }
  return VENUE_IGNORED;
}
