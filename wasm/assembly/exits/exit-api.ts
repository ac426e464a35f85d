// The exit engine's exports for callers outside the engine loop (tests, tools, the TS glue):
// the exits' part of a price (after the caller marked it: risk-account.ts riskOnMark) and of a
// TIMER (after the order table's timeouts: order-api.ts ordersTimer), each exactly as the engine
// loop runs it (pipeline/pipeline.ts), and the offsets of a profile and of an instrument's exit
// state. Fills reach the exits through ordersApplyVenueRecord, as in the engine loop.
import { ERR_BAD_ARGUMENT, ERR_RISK_NOT_READY } from '../errors';
import { INSTRUMENT_CAPACITY } from '../layout';
import { ringCheck } from '../ring';
import { advanceClock, riskReady } from '../risk/risk-account';
import { RH_CLOCK_NS, RISK_HEADER } from '../risk/risk-layout';
import { ordersReady } from '../orders/order-table';
import { exitsOnMark, exitsOnTimer } from './exit-engine';
import { EXIT_PROFILES, exitProfileAddress, exitStateAddress } from './exit-layout';

// @ts-ignore: decorator
@inline
function ready(ring: i32): i32 {
  if (!riskReady() || !ordersReady()) return ERR_RISK_NOT_READY;
  return ringCheck(ring);
}

/**
 * The exits of `instrument` see a price at `nowNs` (a BAR's `high` and `low`, or a TRADE's price
 * twice) at the risk clock as it stands: call riskOnMark with the price first, as the engine
 * loop marks before its exits. Returns 0 or a negative status.
 */
export function exitsMark(instrument: i32, nowNs: i64, high: f64, low: f64, ring: i32): i32 {
  const status = ready(ring);
  if (status < 0) return status;
  if (instrument < 0 || instrument >= INSTRUMENT_CAPACITY) return ERR_BAD_ARGUMENT;
  exitsOnMark(instrument, nowNs, load<i64>(RISK_HEADER, RH_CLOCK_NS), high, low, ring);
  return 0;
}

/** The exits' part of a TIMER at `nowNs` (the maximum holding time): moves the risk clock, then checks. Returns 0 or a status. */
export function exitsTimer(nowNs: i64, ring: i32): i32 {
  const status = ready(ring);
  if (status < 0) return status;
  exitsOnTimer(nowNs, advanceClock(nowNs), ring);
  return 0;
}

/** Byte offset of exit profile `profile`'s block, or ERR_BAD_ARGUMENT. */
export function exitsProfileOffset(profile: i32): i32 {
  if (profile < 0 || profile >= EXIT_PROFILES) return ERR_BAD_ARGUMENT;
  return <i32>exitProfileAddress(profile);
}

/** Byte offset of `instrument`'s exit state, or ERR_BAD_ARGUMENT. */
export function exitsStateOffset(instrument: i32): i32 {
  if (instrument < 0 || instrument >= INSTRUMENT_CAPACITY) return ERR_BAD_ARGUMENT;
  return <i32>exitStateAddress(instrument);
}
