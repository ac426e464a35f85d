// The engine loop's WASM half: consumes the inbound ring in place, dispatches each
// record by kind (BAR, MODEL, SENTIMENT, TRADE/QUOTE/TIMER through the bar
// builder, FILL/ACK/REJECT from the venue -> the pipeline, pipeline/pipeline.ts), and
// reports progress on the outbound ring. One call per batch; only scalars cross.
// Counters live in the control block (layout.ts).
//
// Back-pressure: once the risk module is configured, records may produce orders and risk
// records, which must never be dropped. Before each inbound record the batch checks that
// the outbound ring has OUTBOUND_RESERVE free slots; if not, it ends there (the rest stays
// in the inbound ring) until the I/O thread drains the outbound ring.
//
// Per batch:
//   inbound ring --(read in place)--> checksum + per-kind dispatch --> release
//                                                   |
//                          one PROGRESS record ---> outbound ring (skipped, and
//                          counted, when the I/O thread has left it full: the
//                          next PROGRESS supersedes it)
//
// PROGRESS record (kind = PROGRESS | DIRECTION_OUTBOUND):
//   tsExchange = tsExchange of the last record consumed, size = records in the batch,
//   id = total records consumed so far, price = total BAR records consumed.
import {
  CONTROL_BARS_PROCESSED,
  CONTROL_ENGINE_STATE,
  CONTROL_EVENTS_CHECKSUM,
  CONTROL_EVENTS_PROCESSED,
  CONTROL_EVENTS_REJECTED,
  CONTROL_OFFSET,
  CONTROL_PROGRESS_DROPPED,
  DIRECTION_OUTBOUND,
  ENGINE_RUNNING,
  ENGINE_STOPPED,
  EV_A,
  EV_B,
  EV_ID,
  EV_INSTRUMENT,
  EV_KIND,
  EV_PRICE,
  EV_SIZE,
  EV_TS_EXCHANGE,
  EV_TS_LOCAL,
  INBOUND_RING_OFFSET,
  KIND_ACK,
  KIND_BAR,
  KIND_FILL,
  KIND_REJECT,
  KIND_MASK,
  KIND_MODEL,
  KIND_QUOTE,
  KIND_SENTIMENT,
  KIND_TIMER,
  KIND_TRADE,
  KIND_PROGRESS,
  OUTBOUND_RING_OFFSET,
} from './layout';
import { ERR_BAD_ARGUMENT, OK } from './errors';
import { pipelineOnBar, pipelineOnSignal, pipelineOnTick, pipelineOnVenue } from './pipeline/pipeline';
import { OUTBOUND_RESERVE } from './pipeline/order-stage';
import { riskReady } from './risk/risk-account';
import { HDR_OUTBOUND_WAITS, PIPE_HEADER } from './pipeline/pipeline-layout';
import { eventChecksumFold } from './checksum';
import {
  ringAvailable,
  ringCheck,
  ringFreeSlots,
  ringPublish,
  ringPublished,
  ringRelease,
  ringReleased,
  ringSlotAddress,
  ringTryClaim,
} from './ring';

const CONTROL: usize = <usize>CONTROL_OFFSET;

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
  atomic.store<i32>(CONTROL + CONTROL_ENGINE_STATE, ENGINE_RUNNING);
  return OK;
}

/** Outbound slots processInbound keeps free before each inbound record once risk is configured. */
export function engineOutboundReserve(): i32 {
  return <i32>OUTBOUND_RESERVE;
}

/** Marks the engine stopped (after the last batch). */
export function engineStop(): i32 {
  atomic.store<i32>(CONTROL + CONTROL_ENGINE_STATE, ENGINE_STOPPED);
  return OK;
}

/**
 * Consumes up to `maxBatch` inbound records in place. Returns the number consumed
 * (0 when the ring is empty, or when the outbound ring lacks room: see the header)
 * or a negative status.
 */
export function processInbound(maxBatch: i32): i32 {
  if (maxBatch < 1) return ERR_BAD_ARGUMENT;
  const ring = INBOUND_RING_OFFSET;
  let count = ringAvailable(ring);
  if (count == 0) return 0;
  if (count > <u32>maxBatch) count = <u32>maxBatch;
  const first = ringReleased(ring);
  const checksum = CONTROL + <usize>CONTROL_EVENTS_CHECKSUM;
  let bars: i64 = 0;
  let rejected: i64 = 0;
  let lastTs: i64 = 0;
  const guarded = riskReady();
  for (let i: u32 = 0; i < count; i++) {
    if (guarded && ringFreeSlots(OUTBOUND_RING_OFFSET) < OUTBOUND_RESERVE) {
      const waits = <usize>PIPE_HEADER + <usize>HDR_OUTBOUND_WAITS;
      store<i64>(waits, load<i64>(waits) + 1);
      count = i;
      break;
    }
    const record = ringSlotAddress(ring, first + i);
    eventChecksumFold(checksum, record);
    const kind = load<i32>(record, EV_KIND) & KIND_MASK;
    lastTs = load<i64>(record, EV_TS_EXCHANGE);
    if (kind == 0) {
      rejected++;
    } else if ((kind & KIND_BAR) != 0) {
      bars++;
      pipelineOnBar(record);
    } else if ((kind & (KIND_MODEL | KIND_SENTIMENT)) != 0) {
      pipelineOnSignal(record);
    } else if ((kind & (KIND_TRADE | KIND_QUOTE | KIND_TIMER)) != 0) {
      pipelineOnTick(record);
    } else if ((kind & (KIND_FILL | KIND_ACK | KIND_REJECT)) != 0) {
      pipelineOnVenue(record);
    }
  }
  if (count == 0) return 0;
  ringRelease(ring, first + count);
  addCounter(CONTROL_EVENTS_PROCESSED, <i64>count);
  addCounter(CONTROL_BARS_PROCESSED, bars);
  if (rejected != 0) addCounter(CONTROL_EVENTS_REJECTED, rejected);
  writeProgress(<i64>count, lastTs);
  return <i32>count;
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
