// The engine loop's WASM half: consumes the inbound ring in place and runs everything the core
// owns, in event-time order, one unit of work at a time. One call per batch; only scalars
// cross. Counters live in the control block (layout.ts).
//
// Units, in this order of priority:
//   0. a decision deferred until its close time is complete (pipeline/same-close.ts): once every
//      PIPE_RISK instrument's bar of that time ran, or when the next unit is not part of that
//      time's group (anything but taking a BAR record of that time, a venue event due at or
//      before it, or the rest of the record in hand); one deferred decision per unit
//   1. a simulated-venue event due at or before the record in hand (or the next record): a
//      command reaching the venue (venue/venue-intake.ts), or a venue reply reaching the
//      core, which is reported on the outbound ring (kind | SOURCE_PAPER | DIRECTION_OUTBOUND,
//      so the I/O thread can journal and record every fill) and then applied (pipeline.ts
//      pipelineOnVenue)
//   2. a bar the bar builder completed (private bar ring), through the venue then the stages
//   3. the record in hand: its core work (mark, stages, decision, orders, exits, feed health, ...), then,
//      for TRADE / QUOTE / TIMER, feeding the bar builder (resumed after its bars ran when a
//      long gap filled the bar ring); it is released once the bars it completed have run
//   4. taking the next inbound record: checksum, then, for a TRADE or BAR, its price noted in
//      hand (risk-account.ts riskPriceInHand: the checks count it as fresh for the venue replies
//      that run before its mark, so a fill due at a close shared with an instrument taken
//      earlier is not judged stale on the clock that instrument's record moved), then the
//      venue's view of the market (its resting orders fill against this trade, quote or bar
//      before the strategy sees it); a BAR
//      of an instrument whose decision still waits for its MODEL record decides that one first
//      (pipeline.ts pipelineBeforeBar), before the venue sees the new bar
// Before any of 2..4, when the next record's time (ts_local when > 0, else ts_exchange; TIMER
// records count) is past the earliest deadline of a decision waiting for its MODEL record
// (pipeline/model-wait.ts), and no venue event is due at or before that deadline, that decision
// runs without the ML expert: one unit per timed-out instrument, earliest deadline first.
// The record in hand stays unreleased in the inbound ring until its work is done; how far it
// got is CONTROL_HELD_PHASE, so a call that stops early resumes exactly there.
//
// Event time of a record: max(tsExchange, tsLocal) (a replayed bar becomes known at its close).
// The venue's events carry their own due times (latency), so fills, acknowledgements and
// market data interleave as they would have: deterministic, whatever the thread timing.
//
// Back-pressure never changes a decision: before each unit the core checks that the outbound
// ring has room for everything that unit may write (unitReserve); if not, the call ends there
// (counted in outboundWaits) and resumes the same unit once the I/O thread has drained the
// ring. It never skips or delays a stage. The venue queue likewise keeps room for every reply
// a unit may queue; when it is nearly full, its earliest event is handled early (counted).
//
// Batch boundary: where processInbound returns (every return), the core publishes the account and
// the configured positions to the published-state block under a seqlock when anything it shows
// may have changed (state/state-publish.ts), so readers on other threads never see a state the
// core is half-way through writing. engineStart publishes once, so a reader finds a whole block
// from the start.
//
// PROGRESS record (kind = PROGRESS | DIRECTION_OUTBOUND), one per call that consumed records:
//   tsExchange = event time of the last record consumed, size = records consumed in the call,
//   id = total records consumed so far, price = total BAR records consumed.
import {
  CONTROL_BARS_PROCESSED, CONTROL_ENGINE_STATE, CONTROL_EVENTS_CHECKSUM, CONTROL_EVENTS_PROCESSED, CONTROL_EVENTS_REJECTED, CONTROL_HELD_PHASE,
  CONTROL_OFFSET, CONTROL_PROGRESS_DROPPED, CONTROL_UNITS, DIRECTION_INBOUND, DIRECTION_OUTBOUND, ENGINE_RUNNING, ENGINE_STOPPED, EV_A, EV_B,
  EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, INBOUND_RING_OFFSET, KIND_ACK, KIND_BAR, KIND_CANCELED,
  KIND_EXPIRED, KIND_FEED_HEALTH, KIND_FILL, KIND_FUNDING, KIND_MASK, KIND_MODEL, KIND_ORDER_STATUS, KIND_PROGRESS, KIND_QUOTE, KIND_RATE, KIND_REJECT,
  KIND_SENTIMENT, KIND_TIMER, KIND_TRADE, OUTBOUND_RING_OFFSET, RING_CAPACITY,
} from './layout';
import { ERR_BAD_ARGUMENT, ERR_OUTBOUND_TOO_SMALL, OK } from './errors';
import { pipelineBeforeBar, pipelineFeedBuilder, pipelineModelTimeout, pipelineOnBar, pipelineOnCarry, pipelineOnSignal, pipelineOnTick, pipelineOnVenue, pipelineSameCloseNext } from './pipeline/pipeline';
import { sameCloseComplete, sameCloseDeferred, sameCloseTime } from './pipeline/same-close';
import { MODEL_MAX_FEATURE_RECORDS, modelConfigured, modelMaybeDue, modelScan } from './pipeline/model-wait';
import { markTimeOf, riskPriceInHand, riskReady } from './risk/risk-account';
import { riskOnFeedHealth } from './risk/feed-health';
import { RH_SLOTS_IN_USE, RISK_HEADER } from './risk/risk-layout';
import { liveOrders } from './orders/order-table';
import { LOTS_PER_INSTRUMENT_MAX } from './portfolio/portfolio-layout';
import { BAR_RING_OFFSET, HDR_BARS_BUILT, HDR_OUTBOUND_WAITS, HDR_VENUE_EVENTS, PIPE_HEADER } from './pipeline/pipeline-layout';
import { venueOnMarket } from './venue/venue-config';
import { venueMode, venueProcessCommand } from './venue/venue-intake';
import { venueOrdersHeld } from './venue/venue-book';
import { eventDueNs, venueFreeEvent, venueNextEventTime, venuePopEvent, venueQueueRoom } from './venue/venue-queue';
import { VENUE_HEADER, VENUE_MAGIC, VENUE_OFF, VH_EARLY_EVENTS, VH_MAGIC, venueEventAddress } from './venue/venue-layout';
import { eventChecksumFold } from './checksum';
import { outboundClaim, outboundPublish } from './outbound';
import { statePublish, statePublishIfChanged } from './state/state-publish';
import {
  ringAvailable, ringCheck, ringFreeSlots, ringPublish, ringPublished, ringRelease, ringReleased, ringSlotAddress, ringTryClaim,
} from './ring';

const CONTROL: usize = <usize>CONTROL_OFFSET;

/** CONTROL_HELD_PHASE values: where the record in hand stands. */
const HELD_NONE: i32 = 0; // no record in hand
const HELD_CORE: i32 = 1; // taken (checksum, venue market update done); its core work is next
const HELD_BUILD: i32 = 2; // core work done; the bar builder still has to absorb it
const HELD_BARS: i32 = 3; // absorbed; the bars it completed still have to run

/** Outbound records a unit may write beyond the per-instrument ones (orders, cancels, notices, a venue report ...). */
const UNIT_RECORDS: u32 = 64;
/**
 * With a model wait configured, what one unit may add: a bar's FEATURES records, and the EQUITY
 * record of the waiting bar a new BAR decides first (its orders fit in UNIT_RECORDS).
 */
const MODEL_UNIT_RECORDS: u32 = <u32>MODEL_MAX_FEATURE_RECORDS + 1;
/** Free venue-queue entries kept for the replies one unit may queue, beyond two per held venue order. */
const QUEUE_SLACK: i32 = 256;

// @ts-ignore: decorator
@inline
function addCounter(field: i32, amount: i64): void {
  const at = CONTROL + <usize>field;
  store<i64>(at, load<i64>(at) + amount);
}

/**
 * Checks both engine rings were initialised by the I/O thread, clears the counters
 * and marks the engine running. Returns OK or a negative status.
 */
export function engineStart(): i32 {
  let status = ringCheck(INBOUND_RING_OFFSET);
  if (status != OK) return status;
  status = ringCheck(OUTBOUND_RING_OFFSET);
  if (status != OK) return status;
  store<i64>(CONTROL + CONTROL_EVENTS_PROCESSED, 0);
  store<i64>(CONTROL + CONTROL_EVENTS_CHECKSUM, 0);
  store<i64>(CONTROL + CONTROL_BARS_PROCESSED, 0);
  store<i64>(CONTROL + CONTROL_EVENTS_REJECTED, 0);
  store<i64>(CONTROL + CONTROL_PROGRESS_DROPPED, 0);
  store<i64>(CONTROL + CONTROL_UNITS, 0);
  store<i32>(CONTROL + CONTROL_HELD_PHASE, HELD_NONE);
  status = statePublish();
  if (status != OK) return status;
  atomic.store<i32>(CONTROL + CONTROL_ENGINE_STATE, ENGINE_RUNNING);
  return OK;
}

/**
 * Outbound slots one unit of work may need now: a FlattenRequired record per instrument in use
 * (a kill-switch trip), a notice per live order (timeouts), the round trips of a fill
 * (at most LOTS_PER_INSTRUMENT_MAX) and UNIT_RECORDS more; plus MODEL_UNIT_RECORDS once a model
 * wait is configured (FEATURES records). 0 while neither risk nor a model wait is configured.
 */
export function engineOutboundReserve(): i32 {
  const model: u32 = modelConfigured() ? MODEL_UNIT_RECORDS : 0;
  if (!riskReady()) return <i32>model;
  return <i32>(<u32>load<i32>(RISK_HEADER, RH_SLOTS_IN_USE) + <u32>liveOrders() + <u32>LOTS_PER_INSTRUMENT_MAX + UNIT_RECORDS + model);
}

/** Marks the engine stopped (after the last batch). */
export function engineStop(): i32 {
  atomic.store<i32>(CONTROL + CONTROL_ENGINE_STATE, ENGINE_STOPPED);
  return OK;
}

// @ts-ignore: decorator
@inline
function eventTime(record: usize): i64 {
  const exchange = load<i64>(record, EV_TS_EXCHANGE);
  const local = load<i64>(record, EV_TS_LOCAL);
  return local > exchange ? local : exchange;
}

// @ts-ignore: decorator
@inline
function venueOn(): bool {
  return load<i32>(VENUE_HEADER, VH_MAGIC) == VENUE_MAGIC;
}

/** Handles the venue's earliest event: a command reaching the venue, or a reply reaching the core. */
function venueUnit(ring: i32): void {
  const entry = venuePopEvent();
  if (entry < 0) return;
  const record = venueEventAddress(entry);
  const due = eventDueNs(entry);
  if ((load<i32>(record, EV_KIND) & DIRECTION_OUTBOUND) != 0) {
    venueProcessCommand(record, due);
  } else {
    // Report the reply on the outbound ring as a live adapter's would be journaled, then apply it.
    const report = outboundClaim(ring);
    if (report != 0) {
      memory.copy(report, record, 64);
      store<i32>(report, (load<i32>(record, EV_KIND) & ~DIRECTION_INBOUND) | DIRECTION_OUTBOUND, EV_KIND);
      outboundPublish(ring);
    }
    pipelineOnVenue(record, ring);
  }
  venueFreeEvent(entry);
  const venueEvents = <usize>PIPE_HEADER + <usize>HDR_VENUE_EVENTS;
  store<i64>(venueEvents, load<i64>(venueEvents) + 1);
}

/** The core work of the record in hand, by kind (bar building is separate: HELD_BUILD). */
function coreWork(record: usize, kind: i32, ring: i32): void {
  if ((kind & KIND_BAR) != 0) {
    pipelineOnBar(record, ring);
  } else if ((kind & (KIND_MODEL | KIND_SENTIMENT)) != 0) {
    pipelineOnSignal(record, ring);
  } else if ((kind & (KIND_TRADE | KIND_QUOTE | KIND_TIMER)) != 0) {
    pipelineOnTick(record, ring);
  } else if ((kind & (KIND_FILL | KIND_ACK | KIND_REJECT | KIND_CANCELED | KIND_EXPIRED | KIND_ORDER_STATUS)) != 0) {
    pipelineOnVenue(record, ring);
  } else if ((kind & (KIND_FUNDING | KIND_RATE)) != 0) {
    pipelineOnCarry(record, ring);
  } else if ((kind & KIND_FEED_HEALTH) != 0) {
    riskOnFeedHealth(record, ring); // the instrument's feed state; CANCEL records under cancelAll (risk/feed-health.ts)
  }
}

/** Runs one bar the bar builder completed: the venue sees it first, then the stages. */
function builtBarUnit(ring: i32): void {
  const bars = BAR_RING_OFFSET;
  const seq = ringReleased(bars);
  const record = ringSlotAddress(bars, seq);
  const instrument = load<i32>(record, EV_INSTRUMENT);
  pipelineBeforeBar(record, ring);
  if (venueMode(instrument) != VENUE_OFF) venueOnMarket(record, instrument, eventTime(record));
  pipelineOnBar(record, ring);
  ringRelease(bars, seq + 1);
  const built = <usize>PIPE_HEADER + <usize>HDR_BARS_BUILT;
  store<i64>(built, load<i64>(built) + 1);
}

/**
 * Consumes up to `maxBatch` inbound records in place, with the venue events and built bars
 * that fall between them (see the header). Returns the units of work done (0 when there is
 * nothing to do, or when the outbound ring lacks room for the next unit), or a negative
 * status (ERR_BAD_ARGUMENT, ERR_OUTBOUND_TOO_SMALL: the outbound ring can never hold one unit's records).
 */
export function processInbound(maxBatch: i32): i32 {
  const units = processBatch(maxBatch);
  statePublishIfChanged(); // the batch boundary
  return units;
}

/**
 * True when the unit the loop would run next is not part of the deferred decisions' close-time
 * group (see the header, unit 0): the same tests as the loop below, in its order, so the answer
 * depends on the records and the venue's due times only, never on the batching. With no record
 * to take and no venue event to run early, nothing runs: the decisions keep waiting.
 */
function closeGroupEnds(inbound: i32, next: u32, consumed: u32, phase: i32, simulated: bool): bool {
  const group = sameCloseTime();
  const due = simulated ? venueNextEventTime() : i64.MAX_VALUE;
  if (simulated && venueQueueRoom() < 2 * venueOrdersHeld() + QUEUE_SLACK && due != i64.MAX_VALUE) return due > group;
  if (phase != HELD_NONE) return false; // the record in hand finishes its work (a BAR of the group, or bars built inside it)
  if (ringAvailable(inbound) <= consumed) return false;
  const record = ringSlotAddress(inbound, next);
  const time = eventTime(record);
  if (due <= time) return due > group;
  return !((load<i32>(record, EV_KIND) & KIND_BAR) != 0 && time == group);
}

function processBatch(maxBatch: i32): i32 {
  if (maxBatch < 1) return ERR_BAD_ARGUMENT;
  const inbound = INBOUND_RING_OFFSET;
  const ring = OUTBOUND_RING_OFFSET;
  const checksum = CONTROL + <usize>CONTROL_EVENTS_CHECKSUM;
  const guarded = riskReady() || modelConfigured();
  const simulated = venueOn();
  let consumed: u32 = 0;
  let units: i32 = 0;
  let bars: i64 = 0;
  let rejected: i64 = 0;
  let lastTs: i64 = 0;
  let phase = load<i32>(CONTROL + CONTROL_HELD_PHASE);
  let first = ringReleased(inbound);
  while (consumed < <u32>maxBatch) {
    if (guarded) {
      const reserve = <u32>engineOutboundReserve();
      if (reserve > <u32>load<i32>(<usize>(ring + RING_CAPACITY))) return ERR_OUTBOUND_TOO_SMALL;
      if (ringFreeSlots(ring) < reserve) {
        const waits = <usize>PIPE_HEADER + <usize>HDR_OUTBOUND_WAITS;
        store<i64>(waits, load<i64>(waits) + 1);
        break;
      }
    }
    if (sameCloseDeferred() > 0 && (sameCloseComplete() || closeGroupEnds(inbound, first + consumed, consumed, phase, simulated))) {
      pipelineSameCloseNext(ring);
      units++;
      continue;
    }
    if (simulated && venueQueueRoom() < 2 * venueOrdersHeld() + QUEUE_SLACK && venueNextEventTime() != i64.MAX_VALUE) {
      store<i64>(VENUE_HEADER, load<i64>(VENUE_HEADER, VH_EARLY_EVENTS) + 1, VH_EARLY_EVENTS);
      venueUnit(ring);
      units++;
      continue;
    }
    const held = phase != HELD_NONE;
    if (!held && ringAvailable(inbound) <= consumed) break;
    const record = ringSlotAddress(inbound, first + consumed);
    const time = eventTime(record);
    if (!held) {
      // A decision waiting for its MODEL record whose deadline this record passes runs first.
      const local = load<i64>(record, EV_TS_LOCAL);
      const clock = local > 0 ? local : load<i64>(record, EV_TS_EXCHANGE);
      if (modelMaybeDue(clock)) {
        const deadline = modelScan();
        if (clock > deadline && !(simulated && venueNextEventTime() <= deadline)) {
          pipelineModelTimeout(ring);
          units++;
          continue;
        }
      }
    }
    if (simulated && venueNextEventTime() <= time) {
      venueUnit(ring);
      units++;
      continue;
    }
    if (held && ringAvailable(BAR_RING_OFFSET) > 0) {
      builtBarUnit(ring);
      units++;
      continue;
    }
    const kind = load<i32>(record, EV_KIND) & KIND_MASK;
    units++;
    if (!held) {
      // Take the next record: its checksum once, then the venue's view of the market.
      eventChecksumFold(checksum, record);
      if (kind == 0) {
        rejected++;
        consumed++;
        lastTs = load<i64>(record, EV_TS_EXCHANGE);
        continue;
      }
      if ((kind & KIND_BAR) != 0) {
        bars++;
        pipelineBeforeBar(record, ring);
      }
      // A TRADE's or BAR's price is known from here; the venue replies due at or before it
      // run before its mark (below), and the checks count that price as fresh for them.
      if ((kind & (KIND_TRADE | KIND_BAR)) != 0 && riskReady()) riskPriceInHand(load<i32>(record, EV_INSTRUMENT), markTimeOf(record, kind), load<f64>(record, EV_PRICE));
      if (simulated && (kind & (KIND_TRADE | KIND_QUOTE | KIND_BAR)) != 0) {
        const instrument = load<i32>(record, EV_INSTRUMENT);
        if (venueMode(instrument) != VENUE_OFF) venueOnMarket(record, instrument, time);
      }
      phase = HELD_CORE;
      store<i32>(CONTROL + CONTROL_HELD_PHASE, phase);
      // The next turn would find the same outbound room (taking writes nothing outbound) and an
      // empty bar ring; only a venue event now due, or a venue queue now nearly full, comes
      // before the record's core work. Otherwise do that work in this turn (the same unit count).
      if (simulated && (venueNextEventTime() <= time || venueQueueRoom() < 2 * venueOrdersHeld() + QUEUE_SLACK)) continue;
      units++;
    }
    if (phase == HELD_CORE) {
      coreWork(record, kind, ring);
      phase = (kind & (KIND_TRADE | KIND_QUOTE | KIND_TIMER)) != 0 ? HELD_BUILD : HELD_NONE;
    }
    // The bar builder absorbs the record (resuming after a full bar ring), then its bars run.
    if (phase == HELD_BUILD && pipelineFeedBuilder(record) == OK) phase = HELD_BARS;
    if (phase == HELD_BARS && ringAvailable(BAR_RING_OFFSET) == 0) phase = HELD_NONE;
    store<i32>(CONTROL + CONTROL_HELD_PHASE, phase);
    if (phase == HELD_NONE) {
      consumed++;
      lastTs = load<i64>(record, EV_TS_EXCHANGE);
    }
  }
  if (consumed > 0) {
    ringRelease(inbound, first + consumed);
    addCounter(CONTROL_EVENTS_PROCESSED, <i64>consumed);
    addCounter(CONTROL_BARS_PROCESSED, bars);
    if (rejected != 0) addCounter(CONTROL_EVENTS_REJECTED, rejected);
    writeProgress(<i64>consumed, lastTs);
  }
  if (units > 0) addCounter(CONTROL_UNITS, <i64>units);
  return units;
}

function writeProgress(batch: i64, lastTs: i64): void {
  const out = OUTBOUND_RING_OFFSET;
  if (!ringTryClaim(out, 1)) {
    addCounter(CONTROL_PROGRESS_DROPPED, 1);
    return;
  }
  const seq = ringPublished(out);
  const record = ringSlotAddress(out, seq);
  store<i32>(record, KIND_PROGRESS | DIRECTION_OUTBOUND, EV_KIND);
  store<i32>(record, -1, EV_INSTRUMENT);
  store<i64>(record, lastTs, EV_TS_EXCHANGE);
  store<i64>(record, 0, EV_TS_LOCAL);
  store<f64>(record, <f64>load<i64>(CONTROL + CONTROL_BARS_PROCESSED), EV_PRICE);
  store<f64>(record, <f64>batch, EV_SIZE);
  store<f64>(record, 0, EV_A);
  store<f64>(record, 0, EV_B);
  store<i64>(record, load<i64>(CONTROL + CONTROL_EVENTS_PROCESSED), EV_ID);
  ringPublish(out, seq + 1);
}
