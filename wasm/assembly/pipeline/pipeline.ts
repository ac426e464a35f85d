// The per-bar pipeline of the engine loop: for each BAR record, runs the stages its
// instrument is configured for (pipeline-layout.ts), in order:
//   indicators (the loaded plan, on the instrument's slot)
//   -> regime (the feature row from indicator outputs and the log return, then one
//      HMM forward-filter step; skipped while any feature is still warming up)
//   -> decision (experts, regime-gated fusion and sizing at the bar's close time,
//      against the pipeline's equity, or the risk account's with PIPE_RISK; the target
//      goes to the decision output block)
//   -> order (PIPE_RISK: the order the target implies, through the pre-trade checks, out
//      as an ORDER or risk record; order-stage.ts)
// Every BAR and TRADE of an instrument the risk module knows is its mark first (staleness,
// exposure, the drawdown kill switch), whatever stages it runs.
// MODEL and SENTIMENT records go to the decision experts (pipelineOnSignal); FILL, ACK and
// REJECT from the venue go to the risk account (pipelineOnVenue).
// TRADE, QUOTE and TIMER records go to the bar builder (pipelineOnTick); the bars it
// completes land in a private bar ring and run the same stages at once, in order.
// A stage that returns a negative status is counted (with the last status and its
// instrument) and the bar goes on to the next record: one bad instrument never stops
// the loop. No allocation; records are read in place.
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL } from '../layout';
import { ERR_BAD_ARGUMENT, OK } from '../errors';
import { indUpdate, indValuesOffset } from '../indicators/executor';
import { hmmFilterStep } from '../hmm/hmm-filter';
import { decOnRecord, decStep } from '../decision/decision-step';
import { barsOnRecord } from '../bars/bar-builder';
import { ringAvailable, ringRelease, ringReleased, ringSlotAddress } from '../ring';
import { ERR_OUTBOUND_FULL } from '../errors';
import { configuredSlot, currentEquity } from '../risk/risk-account';
import { markFromRecord, ORDER_ACCEPTED, orderStage, VENUE_FILL, VENUE_REJECT, venueRecord } from './order-stage';
import { RING_CAPACITY, RING_MAGIC, RING_MAGIC_FIELD, RING_MASK, RING_PUBLISHED, RING_RELEASED } from '../layout';
import {
  FEATURE_LOGRET, HDR_BARS_PIPED, HDR_INDICATOR_STEPS, HDR_LAST_ERROR, HDR_LAST_ERROR_INSTRUMENT, HDR_REGIME_STEPS,
  HDR_STAGE_ERRORS, HDR_UNROUTED, HDR_DECISION_STEPS, HDR_EQUITY, HDR_SIGNAL_RECORDS, PIPE_DECISION,
  HDR_BARS_BUILT, HDR_FILLS, HDR_ORDERS_ACCEPTED, HDR_ORDERS_CHECKED, HDR_ORDERS_CLOSED, PIPE_RISK, BAR_RING_OFFSET, BAR_RING_CAPACITY, PIPE_ENTRY_BYTES, PIPE_FEATURE_COUNT, PIPE_FEATURE_ROW_BYTES, PIPE_FEATURE_ROWS,
  PIPE_FEATURES, PIPE_FLAGS, PIPE_HEADER, PIPE_INDICATOR_SLOT, PIPE_INDICATORS, PIPE_MAX_FEATURES,
  PIPE_MAX_INSTRUMENTS, PIPE_PREV_CLOSE, PIPE_REGIME, PIPE_TABLE,
} from './pipeline-layout';

const HEADER: usize = <usize>PIPE_HEADER;

// @ts-ignore: decorator
@inline
function bump(field: i32): void {
  store<i64>(HEADER + <usize>field, load<i64>(HEADER + <usize>field) + 1);
}

function stageFailed(status: i32, instrument: i32): void {
  bump(HDR_STAGE_ERRORS);
  store<i32>(HEADER + <usize>HDR_LAST_ERROR, status);
  store<i32>(HEADER + <usize>HDR_LAST_ERROR_INSTRUMENT, instrument);
}

/** Clears every instrument's entry and the counters (no stage runs until configured), and sets up the bar ring. */
export function pipelineReset(): i32 {
  memory.fill(HEADER, 0, <usize>(PIPE_FEATURE_ROWS - PIPE_HEADER));
  const ring = <usize>BAR_RING_OFFSET;
  store<i32>(ring + RING_PUBLISHED, 0);
  store<i32>(ring + RING_RELEASED, 0);
  store<i32>(ring + RING_CAPACITY, BAR_RING_CAPACITY);
  store<i32>(ring + RING_MASK, BAR_RING_CAPACITY - 1);
  store<i32>(ring + RING_MAGIC_FIELD, RING_MAGIC);
  return OK;
}

/** Largest number of times one tick may find the bar ring full (a gap of flat bars longer than the ring). */
const MAX_BAR_RING_REFILLS: i32 = 1 << 20;

/**
 * Feeds a TRADE, QUOTE or TIMER record to the bar builder and runs every bar it
 * completes through the stages. When a long gap fills the bar ring, the ring is
 * drained and the builder resumes exactly where it stopped.
 */
export function pipelineOnTick(record: usize): void {
  const marked = markFromRecord(record);
  if (marked < 0) stageFailed(marked, load<i32>(record, EV_INSTRUMENT));
  let refills = 0;
  for (;;) {
    const status = barsOnRecord(<i32>record, BAR_RING_OFFSET);
    drainBarRing();
    if (status != ERR_OUTBOUND_FULL) {
      if (status < 0) stageFailed(status, load<i32>(record, EV_INSTRUMENT));
      return;
    }
    if (++refills > MAX_BAR_RING_REFILLS) {
      stageFailed(status, load<i32>(record, EV_INSTRUMENT));
      return;
    }
  }
}

function drainBarRing(): void {
  const ring = BAR_RING_OFFSET;
  const count = ringAvailable(ring);
  if (count == 0) return;
  const first = ringReleased(ring);
  for (let i: u32 = 0; i < count; i++) pipelineOnBar(ringSlotAddress(ring, first + i));
  ringRelease(ring, first + count);
  store<i64>(HEADER + <usize>HDR_BARS_BUILT, load<i64>(HEADER + <usize>HDR_BARS_BUILT) + <i64>count);
}

/**
 * Configures `instrument`'s stages. `flags` = PIPE_INDICATORS, plus PIPE_REGIME, plus
 * PIPE_DECISION (which needs PIPE_REGIME: fusion blends by the filtered probabilities), plus
 * PIPE_RISK (which needs PIPE_DECISION; the risk module must know the instrument). The
 * feature sources (FEATURE_LOGRET or indicator output indices) must already be written
 * at PIPE_FEATURES of its entry when PIPE_REGIME is set, `featureCount` of them.
 */
export function pipelineConfigure(instrument: i32, flags: i32, indicatorSlot: i32, featureCount: i32): i32 {
  if (instrument < 0 || instrument >= PIPE_MAX_INSTRUMENTS) return ERR_BAD_ARGUMENT;
  if ((flags & ~(PIPE_INDICATORS | PIPE_REGIME | PIPE_DECISION | PIPE_RISK)) != 0 || (flags & PIPE_INDICATORS) == 0) return ERR_BAD_ARGUMENT;
  if ((flags & PIPE_RISK) != 0 && ((flags & PIPE_DECISION) == 0 || !configuredSlot(instrument))) return ERR_BAD_ARGUMENT;
  if ((flags & PIPE_REGIME) != 0 && (featureCount < 1 || featureCount > PIPE_MAX_FEATURES)) return ERR_BAD_ARGUMENT;
  if ((flags & PIPE_DECISION) != 0 && (flags & PIPE_REGIME) == 0) return ERR_BAD_ARGUMENT;
  const entry = <usize>(PIPE_TABLE + instrument * PIPE_ENTRY_BYTES);
  store<i32>(entry + PIPE_INDICATOR_SLOT, indicatorSlot);
  store<i32>(entry + PIPE_FEATURE_COUNT, featureCount);
  store<f64>(entry + PIPE_PREV_CLOSE, NaN);
  store<i32>(entry + PIPE_FLAGS, flags);
  return OK;
}

/** Sets the equity decisions size against (the account's, until fills update it). */
export function pipelineSetEquity(equity: f64): i32 {
  if (!(equity >= 0) || equity == Infinity) return ERR_BAD_ARGUMENT;
  store<f64>(HEADER + <usize>HDR_EQUITY, equity);
  return OK;
}

/** Passes a FILL, ACK or REJECT record from the venue to the risk account. */
export function pipelineOnVenue(record: usize): void {
  const status = venueRecord(record);
  if (status < 0) stageFailed(status, load<i32>(record, EV_INSTRUMENT));
  else if (status == VENUE_FILL) bump(HDR_FILLS);
  else if (status == VENUE_REJECT) bump(HDR_ORDERS_CLOSED);
}

/** Passes a MODEL or SENTIMENT record to the decision experts. */
export function pipelineOnSignal(record: usize): void {
  const status = decOnRecord(<i32>record);
  if (status < 0) {
    stageFailed(status, load<i32>(record, EV_INSTRUMENT));
    return;
  }
  bump(HDR_SIGNAL_RECORDS);
}

/** Byte offset of `instrument`'s entry (TS writes feature sources there), or ERR_BAD_ARGUMENT. */
export function pipelineEntryOffset(instrument: i32): i32 {
  if (instrument < 0 || instrument >= PIPE_MAX_INSTRUMENTS) return ERR_BAD_ARGUMENT;
  return PIPE_TABLE + instrument * PIPE_ENTRY_BYTES;
}

/** Runs the configured stages for the BAR record at `record`. */
export function pipelineOnBar(record: usize): void {
  const instrument = load<i32>(record, EV_INSTRUMENT);
  const marked = markFromRecord(record);
  if (marked < 0) stageFailed(marked, instrument);
  if (instrument < 0 || instrument >= PIPE_MAX_INSTRUMENTS) {
    bump(HDR_UNROUTED);
    return;
  }
  const entry = <usize>(PIPE_TABLE + instrument * PIPE_ENTRY_BYTES);
  const flags = load<i32>(entry + PIPE_FLAGS);
  if (flags == 0) {
    bump(HDR_UNROUTED);
    return;
  }
  bump(HDR_BARS_PIPED);
  const close = load<f64>(record, EV_PRICE);
  const slot = load<i32>(entry + PIPE_INDICATOR_SLOT);
  const status = indUpdate(
    slot,
    reinterpret<f64>(load<i64>(record, EV_ID)),
    load<f64>(record, EV_A),
    load<f64>(record, EV_B),
    close,
    load<f64>(record, EV_SIZE),
    load<i64>(record, EV_TS_EXCHANGE),
  );
  if (status < 0) {
    stageFailed(status, instrument);
    return;
  }
  bump(HDR_INDICATOR_STEPS);
  if ((flags & PIPE_REGIME) != 0) regimeStage(instrument, entry, slot, close);
  store<f64>(entry + PIPE_PREV_CLOSE, close);
  if ((flags & PIPE_DECISION) != 0) decisionStage(instrument, flags, load<i64>(record, EV_TS_LOCAL));
}

function decisionStage(instrument: i32, flags: i32, now: i64): void {
  const withRisk = (flags & PIPE_RISK) != 0;
  const equity = withRisk ? currentEquity() : load<f64>(HEADER + <usize>HDR_EQUITY);
  const decided = decStep(instrument, now, equity);
  if (decided < 0) {
    stageFailed(decided, instrument);
    return;
  }
  bump(HDR_DECISION_STEPS);
  if (!withRisk) return;
  const ordered = orderStage(instrument, now);
  if (ordered < 0) {
    stageFailed(ordered, instrument);
    return;
  }
  if (ordered == 0) return;
  bump(HDR_ORDERS_CHECKED);
  if (ordered == ORDER_ACCEPTED) bump(HDR_ORDERS_ACCEPTED);
}

function regimeStage(instrument: i32, entry: usize, slot: i32, close: f64): void {
  const values = <usize>indValuesOffset(slot);
  const row = <usize>(PIPE_FEATURE_ROWS + instrument * PIPE_FEATURE_ROW_BYTES);
  const d = load<i32>(entry + PIPE_FEATURE_COUNT);
  for (let j = 0; j < d; j++) {
    const source = load<i32>(entry + PIPE_FEATURES + (<usize>j << 2));
    const v = source == FEATURE_LOGRET ? Math.log(close / load<f64>(entry + PIPE_PREV_CLOSE)) : load<f64>(values + (<usize>source << 3));
    if (v - v != 0) return; // warm-up (NaN) or no previous close yet: no step this bar
    store<f64>(row + (<usize>j << 3), v);
  }
  const state = hmmFilterStep(instrument, <i32>row);
  if (state < 0) {
    stageFailed(state, instrument);
    return;
  }
  bump(HDR_REGIME_STEPS);
}
