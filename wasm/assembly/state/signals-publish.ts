// Publishes each configured instrument's last decision summary and feed health into the
// published-signals block (signals-layout.ts) under a seqlock of its own, the same protocol as
// the state block (state-publish.ts): seq odd (atomic exchange), plain copies, seq even (atomic
// store). Readers: engine/snapshot/read-consistent-signals.ts.
//
// When: state-publish.ts calls signalsPublishIfChanged at every batch boundary (and
// signalsPublish from statePublish, i.e. at engineStart). The test is cheap and allocates nothing:
//   - no unit of work since the last test (CONTROL_UNITS) and the same slots in use: two loads;
//   - otherwise, per configured slot, the fields that move with a decision or a FEED_HEALTH record
//     (ts, status, order reason and quantity, feed mask and action) against the published entry;
//     the first difference stops the scan and the whole list is copied (256 B per instrument).
// So a batch without a decision or a feed change costs a few loads per instrument, and one with
// either costs the copy.
import { CONTROL_EVENTS_PROCESSED, CONTROL_OFFSET, CONTROL_UNITS } from '../layout';
import { RH_CLOCK_NS, RH_SLOTS_IN_USE, RISK_HEADER, RS_CONFIGURED, RS_FEED_ACTION, RS_FEED_CONDITION, RS_FEED_MASK, RS_FEED_SINCE_NS, riskSlotAddress } from '../risk/risk-layout';
import {
  DEC_OUTPUT_BYTES, DEC_OUTPUT_OFFSET, OUT_CHOPPY_SCALE, OUT_COMP_CONF, OUT_COMP_SCORE, OUT_CONFIDENCE, OUT_DIRECTION, OUT_EXPOSURE,
  OUT_ORDER_LIMIT, OUT_ORDER_QTY, OUT_ORDER_REASON, OUT_PRICE, OUT_QUANTITY, OUT_REGIME_PROB, OUT_SIGNAL, OUT_STATUS, OUT_TS, OUT_WEIGHTS,
} from '../decision/decision-layout';
import { HDR_DECISION_STEPS, PIPE_DECISION, PIPE_ENTRY_BYTES, PIPE_FLAGS, PIPE_HEADER, PIPE_RULES, PIPE_TABLE } from '../pipeline/pipeline-layout';
import {
  SE_CHOPPY_SCALE, SE_COMP_CONF, SE_COMP_SCORE, SE_CONFIDENCE, SE_DIRECTION, SE_EXPOSURE, SE_FEED_ACTION, SE_FEED_CONDITION, SE_FEED_MASK,
  SE_FEED_SINCE_NS, SE_FLAGS, SE_INSTRUMENT, SE_ORDER_LIMIT, SE_ORDER_QTY, SE_ORDER_REASON, SE_PRICE, SE_QUANTITY, SE_REGIME_PROB, SE_SIGNAL,
  SE_STATUS, SE_TS, SE_WEIGHTS, SF_DECIDES, SF_FUSION, SG, SG_CLOCK_NS, SG_COUNT, SG_DECISION_STEPS, SG_INBOUND_SEQ, SG_SEQ, SG_SLOTS_IN_USE,
  SG_UNITS, signalsEntryAddress,
} from './signals-layout';

const CONTROL: usize = <usize>CONTROL_OFFSET;

// @ts-ignore: decorator
@inline
function outputAddress(instrument: i32): usize {
  return <usize>DEC_OUTPUT_OFFSET + <usize>(instrument * DEC_OUTPUT_BYTES);
}

// @ts-ignore: decorator
@inline
function decisionFlags(instrument: i32): i32 {
  const flags = load<i32>(<usize>PIPE_TABLE + <usize>(instrument * PIPE_ENTRY_BYTES), PIPE_FLAGS);
  if ((flags & PIPE_DECISION) != 0) return SF_DECIDES | SF_FUSION;
  return (flags & PIPE_RULES) != 0 ? SF_DECIDES : 0;
}

/** True when an entry the block shows differs from the live decision output or feed state, or the list changed. */
function signalsChanged(): bool {
  const inUse = load<i32>(RISK_HEADER, RH_SLOTS_IN_USE);
  const count = load<i32>(SG, SG_COUNT);
  let index: i32 = 0;
  for (let instrument: i32 = 0; instrument < inUse; instrument++) {
    const s = riskSlotAddress(instrument);
    if (load<i32>(s, RS_CONFIGURED) != 1) continue;
    if (index >= count) return true;
    const e = signalsEntryAddress(index);
    index++;
    if (load<i32>(e, SE_INSTRUMENT) != instrument) return true;
    if (load<i32>(e, SE_FEED_MASK) != load<i32>(s, RS_FEED_MASK) || load<i32>(e, SE_FEED_ACTION) != load<i32>(s, RS_FEED_ACTION)
      || load<i64>(e, SE_FEED_SINCE_NS) != load<i64>(s, RS_FEED_SINCE_NS)) return true;
    const flags = decisionFlags(instrument);
    if (load<i32>(e, SE_FLAGS) != flags) return true;
    if (flags == 0) continue;
    const o = outputAddress(instrument);
    if (load<i64>(e, SE_TS) != load<i64>(o, OUT_TS) || load<i32>(e, SE_STATUS) != load<i32>(o, OUT_STATUS)
      || load<i32>(e, SE_ORDER_REASON) != load<i32>(o, OUT_ORDER_REASON) || load<i64>(e, SE_ORDER_QTY) != load<i64>(o, OUT_ORDER_QTY)
      || load<i32>(e, SE_ORDER_LIMIT) != load<i32>(o, OUT_ORDER_LIMIT) || load<i64>(e, SE_SIGNAL) != load<i64>(o, OUT_SIGNAL)) return true;
  }
  return index != count;
}

/** The batch-boundary hook: publishes when a decision or a feed condition changed since the last publication. Returns true if it published. */
export function signalsPublishIfChanged(): bool {
  const units = load<i64>(CONTROL + <usize>CONTROL_UNITS);
  if (units == load<i64>(SG, SG_UNITS) && load<i32>(RISK_HEADER, RH_SLOTS_IN_USE) == load<i32>(SG, SG_SLOTS_IN_USE)) return false;
  if (!signalsChanged()) {
    store<i64>(SG, units, SG_UNITS); // readers ignore this word: it only spares the next idle test
    return false;
  }
  writeSignals();
  return true;
}

/** Publishes now, changed or not (engineStart through statePublish). Engine thread only. */
export function signalsPublish(): void {
  writeSignals();
}

/** The block's seqlock value (even: whole; odd: being written). */
export function signalsPublishedSeq(): i64 {
  return atomic.load<i64>(SG, SG_SEQ);
}

function copy3(from: usize, to: usize): void {
  store<i64>(to, load<i64>(from));
  store<i64>(to, load<i64>(from, 8), 8);
  store<i64>(to, load<i64>(from, 16), 16);
}

function copy5(from: usize, to: usize): void {
  copy3(from, to);
  store<i64>(to, load<i64>(from, 24), 24);
  store<i64>(to, load<i64>(from, 32), 32);
}

function writeSignals(): void {
  const odd = (load<i64>(SG, SG_SEQ) + 1) | 1;
  atomic.xchg<i64>(SG, odd, SG_SEQ); // a full barrier on x86-64 (see state-publish.ts)

  const inUse = load<i32>(RISK_HEADER, RH_SLOTS_IN_USE);
  let count: i32 = 0;
  for (let instrument: i32 = 0; instrument < inUse; instrument++) {
    const s = riskSlotAddress(instrument);
    if (load<i32>(s, RS_CONFIGURED) != 1) continue;
    const e = signalsEntryAddress(count);
    const flags = decisionFlags(instrument);
    store<i32>(e, instrument, SE_INSTRUMENT);
    store<i32>(e, flags, SE_FLAGS);
    store<i32>(e, load<i32>(s, RS_FEED_MASK), SE_FEED_MASK);
    store<i32>(e, load<i32>(s, RS_FEED_ACTION), SE_FEED_ACTION);
    store<i32>(e, load<i32>(s, RS_FEED_CONDITION), SE_FEED_CONDITION);
    store<i64>(e, load<i64>(s, RS_FEED_SINCE_NS), SE_FEED_SINCE_NS);
    if (flags != 0) {
      const o = outputAddress(instrument);
      store<i64>(e, load<i64>(o, OUT_TS), SE_TS);
      store<i32>(e, load<i32>(o, OUT_STATUS), SE_STATUS);
      store<i32>(e, load<i32>(o, OUT_ORDER_REASON), SE_ORDER_REASON);
      store<i32>(e, load<i32>(o, OUT_ORDER_LIMIT), SE_ORDER_LIMIT);
      store<i64>(e, load<i64>(o, OUT_SIGNAL), SE_SIGNAL);
      store<i64>(e, load<i64>(o, OUT_CONFIDENCE), SE_CONFIDENCE);
      store<i64>(e, load<i64>(o, OUT_CHOPPY_SCALE), SE_CHOPPY_SCALE);
      store<i64>(e, load<i64>(o, OUT_DIRECTION), SE_DIRECTION);
      store<i64>(e, load<i64>(o, OUT_EXPOSURE), SE_EXPOSURE);
      store<i64>(e, load<i64>(o, OUT_QUANTITY), SE_QUANTITY);
      store<i64>(e, load<i64>(o, OUT_ORDER_QTY), SE_ORDER_QTY);
      store<i64>(e, load<i64>(o, OUT_PRICE), SE_PRICE);
      copy3(o + <usize>OUT_REGIME_PROB, e + <usize>SE_REGIME_PROB);
      copy5(o + <usize>OUT_WEIGHTS, e + <usize>SE_WEIGHTS);
      copy5(o + <usize>OUT_COMP_SCORE, e + <usize>SE_COMP_SCORE);
      copy5(o + <usize>OUT_COMP_CONF, e + <usize>SE_COMP_CONF);
    } else {
      memory.fill(e + <usize>SE_TS, 0, 8);
      memory.fill(e + <usize>SE_STATUS, 0, <usize>(SE_FEED_MASK - SE_STATUS));
      memory.fill(e + <usize>SE_SIGNAL, 0, <usize>(256 - SE_SIGNAL));
    }
    count++;
  }
  store<i64>(SG, load<i64>(CONTROL + <usize>CONTROL_EVENTS_PROCESSED), SG_INBOUND_SEQ);
  store<i64>(SG, load<i64>(RISK_HEADER, RH_CLOCK_NS), SG_CLOCK_NS);
  store<i64>(SG, load<i64>(<usize>PIPE_HEADER, HDR_DECISION_STEPS), SG_DECISION_STEPS);
  store<i32>(SG, count, SG_COUNT);
  store<i32>(SG, inUse, SG_SLOTS_IN_USE);
  store<i64>(SG, load<i64>(CONTROL + <usize>CONTROL_UNITS), SG_UNITS);

  atomic.store<i64>(SG, odd + 1, SG_SEQ);
}
