// The per-record stages of the engine loop (engine.ts decides when each runs):
//
//   BAR (from the inbound ring, or built by the bar builder)
//     mark (risk: staleness, exposure, drawdown kill switch) -> exits on the bar's prices
//     -> indicators (the loaded plan, on the instrument's slot)
//     -> regime (the feature row from indicator outputs and the log return, then one HMM
//        forward-filter step; skipped while any feature is still warming up)
//     -> decision (experts, regime-gated fusion and sizing at the bar's close time, against
//        the pipeline's equity, or the risk account's with PIPE_RISK; or, with PIPE_RULES
//        instead of PIPE_DECISION, the instrument's rule strategy: strategy/rule-strategy.ts)
//     -> orders (PIPE_RISK: order-stage.ts turns the target into ORDER / CANCEL / REPLACE
//        records through the order table and the pre-trade checks)
//     -> EQUITY (PIPE_RISK, when pipelineSetEquityRecords enabled it): one outbound record
//        with the account after the bar (writeEquityRecord below)
//     With PIPE_MODEL (model-wait.ts), once every model feature is finite: after the regime, the
//     bar's FEATURES records go out and decision, orders and EQUITY wait for the bar's MODEL
//     record (pipelineOnSignal), up to the wait bound (pipelineModelTimeout, which engine.ts runs
//     before a record past the earliest deadline), or until the instrument's next BAR
//     (pipelineBeforeBar), then run as above with now = the bar's close time
//   TRADE: its price is the mark, then exits on it; TRADE, QUOTE, TIMER then feed the bar
//     builder (pipelineFeedBuilder; the bars it completes land in a private bar ring that the
//     engine loop runs one at a time); TIMER also runs the order table's acknowledgement and
//     cancel timeouts and the exits' holding-time check
//   MODEL, SENTIMENT: the decision experts; a MODEL record for the bar a PIPE_MODEL instrument
//     waits on then runs its decision
//   ACK, FILL, CANCELED, REJECT, EXPIRED, ORDER_STATUS from a venue (live through the inbound
//     ring, or the simulated venue's replies): the order table (orders/order-events.ts), whose
//     fills reach the portfolio; then the exits react to the position
//   FUNDING, RATE: the portfolio's carry and currency rates
// A stage that returns a negative status is counted (with the last status and its
// instrument) and the record goes on to the next stage or record: one bad instrument never
// stops the loop. No allocation; records are read in place. Everything written goes to the
// outbound ring `ring`.
import { DIRECTION_OUTBOUND, EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, KIND_BAR, KIND_EQUITY, KIND_FUNDING, KIND_MASK, KIND_MODEL, KIND_TIMER, KIND_TRADE } from '../layout';
import { ruleStep } from '../strategy/rule-strategy';
import { RS_RULE_FLAGS, RULE_FLAG_CONFIGURED, RULE_STATE_BYTES, RULE_STATE_OFFSET } from '../strategy/rule-layout';
import { FILTER_ARGMAX, FILTER_MAGIC, FILTER_MODEL, FILTER_STEPS, HMM_FILTER_BYTES, HMM_FILTER_MAGIC, HMM_FILTER_TABLE_OFFSET, HMM_MODEL_BYTES, HMM_MODEL_TABLE_OFFSET, LABEL_NONE, MODEL_LABEL_OF } from '../hmm/hmm-layout';
import { outboundClaim, outboundPublish, writeRecordHead } from '../outbound';
import { ERR_BAD_ARGUMENT, ERR_OUTBOUND_FULL, OK } from '../errors';
import { indUpdate, indValuesOffset } from '../indicators/executor';
import { hmmFilterStep } from '../hmm/hmm-filter';
import { decOnRecord, decStepWith } from '../decision/decision-step';
import { barsOnRecord } from '../bars/bar-builder';
import { advanceClock, configuredSlot, currentEquity, evaluateDrawdown, riskOnRecord, riskReady } from '../risk/risk-account';
import { RH_CASH, RH_CLOCK_NS, RISK_HEADER, RS_POSITION, riskSlotAddress } from '../risk/risk-layout';
import { ordersOnVenueRecord, EVENT_APPLIED, EVENT_FILL, lastFilledSlot } from '../orders/order-events';
import { ordersOnTimer } from '../orders/order-timeouts';
import { ordersReady } from '../orders/order-table';
import { O_ID, O_RULE, RULE_STRATEGY, orderSlotAddress } from '../orders/order-layout';
import { exitsOnFill, exitsOnMark, exitsOnOrderEnded, exitsOnTimer } from '../exits/exit-engine';
import { portfolioOnFunding, portfolioOnRate } from '../portfolio/accruals';
import { ORDER_ACCEPTED, ORDER_AMENDED, ORDER_CHECKED, orderStage } from './order-stage';
import { sameCloseConfigured, sameCloseDefer, sameCloseDeferred, sameClosePop, sameCloseSee, sameCloseTime } from './same-close';
import { modelClear, modelConfigure, modelEndWait, modelExportFeatures, modelMatches, modelPending, modelPendingClose, modelPendingOpen, modelScannedInstrument } from './model-wait';
import { ML_ABSENT, ML_LATEST, ML_TIMED_OUT } from '../decision/decision-layout';
import { OUTBOUND_RING_OFFSET, RING_CAPACITY, RING_MAGIC, RING_MAGIC_FIELD, RING_MASK, RING_PUBLISHED, RING_RELEASED } from '../layout';
import {
  FEATURE_LOGRET, HDR_BARS_PIPED, HDR_INDICATOR_STEPS, HDR_LAST_ERROR, HDR_LAST_ERROR_INSTRUMENT, HDR_REGIME_STEPS,
  HDR_STAGE_ERRORS, HDR_UNROUTED, HDR_DECISION_STEPS, HDR_EQUITY, HDR_SIGNAL_RECORDS, HDR_EXIT_FILLS, PIPE_DECISION,
  HDR_FILLS, HDR_ORDERS_ACCEPTED, HDR_ORDERS_CHECKED, HDR_ORDERS_CLOSED, PIPE_RISK, PIPE_RULES, HDR_EQUITY_RECORDS, HDR_EQUITY_WRITTEN, HDR_EQUITY_DROPPED, BAR_RING_OFFSET, BAR_RING_CAPACITY, PIPE_ENTRY_BYTES, PIPE_PAUSED, PIPE_FEATURE_COUNT, PIPE_FEATURE_ROW_BYTES, PIPE_FEATURE_ROWS,
  PIPE_FEATURES, PIPE_FLAGS, PIPE_HEADER, PIPE_INDICATOR_SLOT, PIPE_INDICATORS, PIPE_MAX_FEATURES,
  PIPE_MAX_INSTRUMENTS, PIPE_PREV_CLOSE, PIPE_REGIME, PIPE_TABLE, PIPE_CHANGE_BARS, PIPE_CHANGE_SIGN, PIPE_MODEL, PIPE_DEFER_OPEN, PIPE_DEFER_CLOSE,
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

/**
 * Configures `instrument`'s stages. `flags` = PIPE_INDICATORS, plus PIPE_REGIME, plus
 * PIPE_DECISION (which needs PIPE_REGIME: fusion blends by the filtered probabilities) or
 * PIPE_RULES (a rule strategy: the instrument must be configured with a rule program,
 * ruleInstrumentConfigure; no regime needed), plus PIPE_RISK (which needs PIPE_DECISION or
 * PIPE_RULES; the risk module must know the instrument). The
 * feature sources (FEATURE_LOGRET or indicator output indices) must already be written
 * at PIPE_FEATURES of its entry when PIPE_REGIME is set, `featureCount` of them.
 */
export function pipelineConfigure(instrument: i32, flags: i32, indicatorSlot: i32, featureCount: i32): i32 {
  if (instrument < 0 || instrument >= PIPE_MAX_INSTRUMENTS) return ERR_BAD_ARGUMENT;
  if ((flags & ~(PIPE_INDICATORS | PIPE_REGIME | PIPE_DECISION | PIPE_RISK | PIPE_RULES)) != 0 || (flags & PIPE_INDICATORS) == 0) return ERR_BAD_ARGUMENT;
  if ((flags & PIPE_DECISION) != 0 && (flags & PIPE_RULES) != 0) return ERR_BAD_ARGUMENT;
  if ((flags & PIPE_RULES) != 0 && load<i32>(<usize>(RULE_STATE_OFFSET + instrument * RULE_STATE_BYTES) + RS_RULE_FLAGS) != RULE_FLAG_CONFIGURED) return ERR_BAD_ARGUMENT;
  if ((flags & PIPE_RISK) != 0 && ((flags & (PIPE_DECISION | PIPE_RULES)) == 0 || !configuredSlot(instrument) || !ordersReady())) return ERR_BAD_ARGUMENT;
  if ((flags & PIPE_REGIME) != 0 && (featureCount < 1 || featureCount > PIPE_MAX_FEATURES)) return ERR_BAD_ARGUMENT;
  if ((flags & PIPE_DECISION) != 0 && (flags & PIPE_REGIME) == 0) return ERR_BAD_ARGUMENT;
  const entry = <usize>(PIPE_TABLE + instrument * PIPE_ENTRY_BYTES);
  store<i32>(entry + PIPE_INDICATOR_SLOT, indicatorSlot);
  store<i32>(entry + PIPE_FEATURE_COUNT, featureCount);
  store<f64>(entry + PIPE_PREV_CLOSE, NaN);
  store<i32>(entry + PIPE_CHANGE_SIGN, 0);
  store<i32>(entry + PIPE_CHANGE_BARS, 0);
  store<i32>(entry + PIPE_PAUSED, 0);
  modelClear(entry);
  sameCloseConfigured(load<i32>(entry + PIPE_FLAGS), flags);
  store<i32>(entry + PIPE_FLAGS, flags);
  return OK;
}

/**
 * Gives a configured PIPE_DECISION instrument a model wait (PIPE_MODEL, model-wait.ts): each bar
 * exports its `featureCount` features (indicator plan value indices, written at PIPE_MODEL_SOURCES
 * of its entry first) as FEATURES records and its decision waits for the bar's MODEL record, at most
 * `waitNs` past the bar close. `options` MODEL_NO_FEATURES (1): the same wait, no FEATURES record
 * (the answers come ahead); 0 (or omitted from JS): FEATURES records out. Returns OK or
 * ERR_BAD_ARGUMENT (no PIPE_DECISION, featureCount outside 1..16, a source past the plan's values,
 * waitNs < 0, an unknown option bit).
 */
export function pipelineConfigureModel(instrument: i32, featureCount: i32, waitNs: i64, options: i32): i32 {
  return modelConfigure(instrument, featureCount, waitNs, options);
}

/** Sets the equity decisions size against (the account's, until fills update it). */
export function pipelineSetEquity(equity: f64): i32 {
  if (!(equity >= 0) || equity == Infinity) return ERR_BAD_ARGUMENT;
  store<f64>(HEADER + <usize>HDR_EQUITY, equity);
  return OK;
}

/**
 * EQUITY records (enabled != 0): after the order stage of each bar of a PIPE_RISK instrument,
 * one outbound record with the account after the bar (see writeEquityRecord). Off after
 * pipelineReset. Returns OK or ERR_BAD_ARGUMENT (enabled not 0 or 1).
 */
export function pipelineSetEquityRecords(enabled: i32): i32 {
  if (enabled != 0 && enabled != 1) return ERR_BAD_ARGUMENT;
  store<i32>(HEADER + <usize>HDR_EQUITY_RECORDS, enabled);
  return OK;
}

/** Byte offset of `instrument`'s entry (TS writes feature sources there), or ERR_BAD_ARGUMENT. */
export function pipelineEntryOffset(instrument: i32): i32 {
  if (instrument < 0 || instrument >= PIPE_MAX_INSTRUMENTS) return ERR_BAD_ARGUMENT;
  return PIPE_TABLE + instrument * PIPE_ENTRY_BYTES;
}

/**
 * A BAR or TRADE record: when the risk module knows the instrument, its price becomes the
 * mark (staleness, exposure, drawdown), then its exits see the price (a BAR's high and low).
 */
function markAndExits(record: usize, ring: i32): void {
  if (!riskReady()) return;
  const instrument = load<i32>(record, EV_INSTRUMENT);
  if (!configuredSlot(instrument)) return;
  const marked = riskOnRecord(<i32>record, ring);
  if (marked < 0) stageFailed(marked, instrument);
  const kind = load<i32>(record, EV_KIND) & KIND_MASK;
  const bar = (kind & KIND_BAR) != 0;
  const local = load<i64>(record, EV_TS_LOCAL);
  const exchange = load<i64>(record, EV_TS_EXCHANGE);
  const now = bar && local > exchange ? local : exchange;
  const price = load<f64>(record, EV_PRICE);
  exitsOnMark(instrument, now, load<i64>(RISK_HEADER, RH_CLOCK_NS), bar ? load<f64>(record, EV_A) : price, bar ? load<f64>(record, EV_B) : price, ring);
}

/**
 * The non-bar-building part of a TRADE, QUOTE or TIMER record: a TRADE is a mark (then exits);
 * a TIMER settles the equity of a marked time the clock leaves and runs the kill switch's
 * drawdown test on it (a live session's timer, every live.timerMs, so a drawdown on a bar is
 * tripped on within that, not at the next bar), then the order table's timeouts and the exits'
 * holding-time check. The bar builder is fed separately (pipelineFeedBuilder), so the engine
 * can run the bars it completes one at a time.
 */
export function pipelineOnTick(record: usize, ring: i32): void {
  const kind = load<i32>(record, EV_KIND) & KIND_MASK;
  if ((kind & KIND_TRADE) != 0) markAndExits(record, ring);
  if ((kind & KIND_TIMER) != 0 && riskReady()) {
    const now = load<i64>(record, EV_TS_EXCHANGE);
    const clock = advanceClock(now);
    const tripped = evaluateDrawdown(ring);
    if (tripped < 0) stageFailed(tripped, -1);
    if (ordersReady()) ordersOnTimer(now, clock, ring);
    exitsOnTimer(now, clock, ring);
  }
}

/**
 * Feeds a TRADE, QUOTE or TIMER record to the bar builder: completed bars go to the private
 * bar ring. Returns OK when the record is absorbed, or ERR_OUTBOUND_FULL when the bar ring
 * filled first: run its bars, then call again with the same record (the builder resumes
 * exactly where it stopped).
 */
export function pipelineFeedBuilder(record: usize): i32 {
  const status = barsOnRecord(<i32>record, BAR_RING_OFFSET);
  if (status == ERR_OUTBOUND_FULL) return ERR_OUTBOUND_FULL;
  if (status < 0) stageFailed(status, load<i32>(record, EV_INSTRUMENT));
  return OK;
}

/** A venue record (ACK, FILL, CANCELED, REJECT, EXPIRED, ORDER_STATUS): the order table, then the exits. */
export function pipelineOnVenue(record: usize, ring: i32): void {
  const instrument = load<i32>(record, EV_INSTRUMENT);
  if (!riskReady() || !ordersReady()) {
    stageFailed(ERR_BAD_ARGUMENT, instrument);
    return;
  }
  const clock = advanceClock(load<i64>(record, EV_TS_EXCHANGE));
  const status = ordersOnVenueRecord(record, clock, ring);
  if (status < 0) {
    stageFailed(status, instrument);
    return;
  }
  const now = load<i64>(record, EV_TS_LOCAL) > 0 ? load<i64>(record, EV_TS_LOCAL) : load<i64>(record, EV_TS_EXCHANGE);
  if (status == EVENT_FILL) {
    bump(HDR_FILLS);
    const slot = lastFilledSlot();
    const rule = slot >= 0 ? load<i32>(orderSlotAddress(slot), O_RULE) : -1;
    if (rule > RULE_STRATEGY) bump(HDR_EXIT_FILLS);
    const id = slot >= 0 ? load<u64>(orderSlotAddress(slot), O_ID) : load<u64>(record, EV_ID);
    exitsOnFill(instrument, rule, id, now, clock, ring);
  } else {
    if (status == EVENT_APPLIED) bump(HDR_ORDERS_CLOSED);
    // An exit the venue canceled, rejected or expired goes out again (exit-engine.ts).
    exitsOnOrderEnded(instrument, load<u64>(record, EV_ID), now);
  }
}

/** A FUNDING or RATE record: the portfolio's carry or a currency rate. */
export function pipelineOnCarry(record: usize, ring: i32): void {
  const kind = load<i32>(record, EV_KIND) & KIND_MASK;
  const status = (kind & KIND_FUNDING) != 0 ? portfolioOnFunding(record, ring) : portfolioOnRate(record, ring);
  if (status < 0) stageFailed(status, load<i32>(record, EV_INSTRUMENT));
}

/**
 * Passes a MODEL or SENTIMENT record to the decision experts. A MODEL record for the bar a
 * PIPE_MODEL instrument waits on then runs that bar's decision, order stage and EQUITY record;
 * one for another bar is counted (late or unmatched, model-wait.ts) and decides nothing. A MODEL
 * record the experts refuse (a non-finite quantile) is a stage error and leaves the wait as it is.
 */
export function pipelineOnSignal(record: usize, ring: i32): void {
  const instrument = load<i32>(record, EV_INSTRUMENT);
  const status = decOnRecord(<i32>record);
  if (status < 0) {
    stageFailed(status, instrument);
    return;
  }
  bump(HDR_SIGNAL_RECORDS);
  if ((load<i32>(record, EV_KIND) & KIND_MODEL) == 0 || instrument < 0 || instrument >= PIPE_MAX_INSTRUMENTS) return;
  const entry = <usize>(PIPE_TABLE + instrument * PIPE_ENTRY_BYTES);
  const flags = load<i32>(entry + PIPE_FLAGS);
  if ((flags & PIPE_MODEL) != 0 && modelMatches(entry, record)) decideWaiting(instrument, entry, flags, false, ring);
}

/**
 * Decides the bar `instrument` waits on (model-wait.ts): with the ML expert as stored (the bar's own
 * MODEL record just arrived), or without it (timedOut: STATUS_ML_TIMED_OUT); then, as pipelineOnBar
 * would have, the order stage and the EQUITY record, at the bar's close time.
 */
function decideWaiting(instrument: i32, entry: usize, flags: i32, timedOut: bool, ring: i32): void {
  modelEndWait(entry, timedOut);
  const close = modelPendingClose(entry);
  decisionStage(instrument, flags, close, ring, timedOut ? ML_TIMED_OUT : ML_LATEST);
  if ((flags & PIPE_RISK) != 0 && load<i32>(HEADER + <usize>HDR_EQUITY_RECORDS) != 0) writeEquityRecord(instrument, flags, modelPendingOpen(entry), close, ring);
}

/**
 * Before a BAR record runs (and before the simulated venue sees it): when its instrument still
 * waits on its previous bar, that bar is decided first, without the ML expert (a timeout).
 */
export function pipelineBeforeBar(record: usize, ring: i32): void {
  const instrument = load<i32>(record, EV_INSTRUMENT);
  if (instrument < 0 || instrument >= PIPE_MAX_INSTRUMENTS) return;
  const entry = <usize>(PIPE_TABLE + instrument * PIPE_ENTRY_BYTES);
  if (modelPending(entry)) decideWaiting(instrument, entry, load<i32>(entry + PIPE_FLAGS), true, ring);
}

/**
 * Decides the instrument the last modelScan found (its deadline passed) without the ML expert:
 * engine.ts calls it, as one unit of work, before a record whose time is past that deadline.
 */
export function pipelineModelTimeout(ring: i32): void {
  const instrument = modelScannedInstrument();
  if (instrument < 0) return;
  const entry = <usize>(PIPE_TABLE + instrument * PIPE_ENTRY_BYTES);
  if (modelPending(entry)) decideWaiting(instrument, entry, load<i32>(entry + PIPE_FLAGS), true, ring);
}

/** Runs the configured stages for the BAR record at `record` (see the header). */
export function pipelineOnBar(record: usize, ring: i32): void {
  const instrument = load<i32>(record, EV_INSTRUMENT);
  pipelineBeforeBar(record, ring);
  markAndExits(record, ring);
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
  // Bars sharing a close time: the decision waits until every PIPE_RISK instrument's bar of it is
  // marked (same-close.ts). A bar of another close time first runs what still waits (engine.ts
  // normally has, one unit each).
  const closeNs = load<i64>(record, EV_TS_LOCAL);
  let complete = true;
  if ((flags & PIPE_RISK) != 0) {
    while (sameCloseDeferred() > 0 && sameCloseTime() != closeNs) pipelineSameCloseNext(ring);
    complete = sameCloseSee(entry, closeNs);
  }
  const close = load<f64>(record, EV_PRICE);
  const slot = load<i32>(entry + PIPE_INDICATOR_SLOT);
  const status = indUpdate(
    slot,
    reinterpret<f64>(load<i64>(record, EV_ID)),
    load<f64>(record, EV_A),
    load<f64>(record, EV_B),
    close,
    barVolume(record),
    load<i64>(record, EV_TS_EXCHANGE),
  );
  if (status < 0) {
    stageFailed(status, instrument);
    return;
  }
  bump(HDR_INDICATOR_STEPS);
  if ((flags & PIPE_REGIME) != 0) regimeStage(instrument, entry, slot, close);
  store<f64>(entry + PIPE_PREV_CLOSE, close);
  let ml = ML_LATEST;
  if ((flags & PIPE_MODEL) != 0) {
    if (modelExportFeatures(instrument, entry, slot, record, ring)) return; // decided when the bar's MODEL record arrives, or at the deadline
    ml = ML_ABSENT; // warming up: no features, so no MODEL record for this bar
  }
  if ((flags & PIPE_RISK) != 0 && (flags & PIPE_MODEL) == 0 && (!complete || sameCloseDeferred() > 0)) {
    sameCloseDefer(instrument, load<i64>(record, EV_TS_EXCHANGE), closeNs); // decided in arrival order once the close time is complete
    return;
  }
  if ((flags & (PIPE_DECISION | PIPE_RULES)) != 0) decisionStage(instrument, flags, closeNs, ring, ml);
  if ((flags & PIPE_RISK) != 0 && load<i32>(HEADER + <usize>HDR_EQUITY_RECORDS) != 0) writeEquityRecord(instrument, flags, load<i64>(record, EV_TS_EXCHANGE), closeNs, ring);
}

/**
 * Runs the first decision deferred until its close time was complete (same-close.ts): decision,
 * order stage and EQUITY record, at the bar's close time, as pipelineOnBar would have. engine.ts
 * calls it as one unit of work.
 */
export function pipelineSameCloseNext(ring: i32): void {
  const instrument = sameClosePop();
  if (instrument < 0) return;
  const entry = <usize>(PIPE_TABLE + instrument * PIPE_ENTRY_BYTES);
  const flags = load<i32>(entry + PIPE_FLAGS);
  const close = load<i64>(entry + PIPE_DEFER_CLOSE);
  if ((flags & (PIPE_DECISION | PIPE_RULES)) != 0) decisionStage(instrument, flags, close, ring, ML_LATEST);
  if ((flags & PIPE_RISK) != 0 && load<i32>(HEADER + <usize>HDR_EQUITY_RECORDS) != 0) writeEquityRecord(instrument, flags, load<i64>(entry + PIPE_DEFER_OPEN), close, ring);
}

/**
 * The bar's volume as the indicators read it: an unknown volume (NaN: the source had no volume
 * column; the simulated venue tells it from a real 0) is 0 to them.
 */
// @ts-ignore: decorator
@inline
function barVolume(record: usize): f64 {
  const volume = load<f64>(record, EV_SIZE);
  return volume == volume ? volume : 0.0;
}

/**
 * The EQUITY record of `instrument`'s bar (open and close times), after its order stage (outbound, 64 bytes):
 *
 *   0      4      8              16             24             32             40             48             56            64
 *   | kind | inst | ts_exchange  | ts_local     | price        | size         | a            | b            | id          |
 *     EQUITY|DIRECTION_OUTBOUND  | bar open     | bar close    | equity       | cash         | regime label | position     | 0           |
 *
 * equity = cash + market value (risk account, account currency); regime label: the label code
 * (hmm labelOf) of the instrument's most probable filtered state, LABEL_NONE (-1) without
 * PIPE_REGIME or before the filter's first step; position: the risk slot's signed quantity.
 * The engine reserves room for a unit's records (engineOutboundReserve), so the ring has room;
 * should it not, the record is counted in HDR_EQUITY_DROPPED instead. With PIPE_MODEL it follows
 * the bar's decision, whenever that runs (model-wait.ts), with the same two times.
 */
function writeEquityRecord(instrument: i32, flags: i32, barOpen: i64, barClose: i64, ring: i32): void {
  const out = outboundClaim(ring);
  if (out == 0) {
    bump(HDR_EQUITY_DROPPED);
    return;
  }
  writeRecordHead(out, KIND_EQUITY | DIRECTION_OUTBOUND, instrument, barOpen, barClose);
  store<f64>(out, currentEquity(), EV_PRICE);
  store<f64>(out, load<f64>(RISK_HEADER, RH_CASH), EV_SIZE);
  store<f64>(out, <f64>regimeLabel(instrument, flags), EV_A);
  store<f64>(out, load<f64>(riskSlotAddress(instrument), RS_POSITION), EV_B);
  store<u64>(out, 0, EV_ID);
  outboundPublish(ring);
  bump(HDR_EQUITY_WRITTEN);
}

/** The label code of `instrument`'s most probable filtered regime state, or LABEL_NONE. */
function regimeLabel(instrument: i32, flags: i32): i32 {
  if ((flags & PIPE_REGIME) == 0) return LABEL_NONE;
  const f = <usize>(HMM_FILTER_TABLE_OFFSET + instrument * HMM_FILTER_BYTES);
  if (load<i32>(f + FILTER_MAGIC) != HMM_FILTER_MAGIC || load<i64>(f + FILTER_STEPS) <= 0) return LABEL_NONE;
  const model = <usize>(HMM_MODEL_TABLE_OFFSET + load<i32>(f + FILTER_MODEL) * HMM_MODEL_BYTES);
  return load<i32>(model + MODEL_LABEL_OF + (<usize>load<i32>(f + FILTER_ARGMAX) << 2));
}

/**
 * The decision and order stages of one instrument's bar at `now`, exactly as pipelineOnBar runs
 * them after the mark, the exits and the indicators (for callers that time or test them alone,
 * such as bench/decision). Returns OK or ERR_BAD_ARGUMENT (instrument without PIPE_DECISION or PIPE_RULES).
 */
export function pipelineRunDecision(instrument: i32, now: i64): i32 {
  if (instrument < 0 || instrument >= PIPE_MAX_INSTRUMENTS) return ERR_BAD_ARGUMENT;
  const flags = load<i32>(<usize>(PIPE_TABLE + instrument * PIPE_ENTRY_BYTES) + PIPE_FLAGS);
  if ((flags & (PIPE_DECISION | PIPE_RULES)) == 0) return ERR_BAD_ARGUMENT;
  decisionStage(instrument, flags, now, OUTBOUND_RING_OFFSET, ML_LATEST);
  return OK;
}

/** `ml`: what the ML expert may use (decision-layout.ts ML_*; rule strategies ignore it). */
function decisionStage(instrument: i32, flags: i32, now: i64, ring: i32, ml: i32): void {
  const withRisk = (flags & PIPE_RISK) != 0;
  const equity = withRisk ? currentEquity() : load<f64>(HEADER + <usize>HDR_EQUITY);
  const decided = (flags & PIPE_RULES) != 0 ? ruleStep(instrument, now, equity) : decStepWith(instrument, now, equity, ml);
  if (decided < 0) {
    stageFailed(decided, instrument);
    return;
  }
  bump(HDR_DECISION_STEPS);
  if (!withRisk) return;
  const ordered = orderStage(instrument, now, ring);
  if (ordered < 0) {
    stageFailed(ordered, instrument);
    return;
  }
  if (ordered == ORDER_CHECKED || ordered == ORDER_ACCEPTED || ordered == ORDER_AMENDED) bump(HDR_ORDERS_CHECKED);
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
