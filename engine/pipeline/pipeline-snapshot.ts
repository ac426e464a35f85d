// Reads the pipeline's results from the shared memory on the I/O thread: each
// instrument's current indicator values and regime (probabilities, label), and
// the pipeline counters. A snapshot copies numbers out; call it between batches
// or after the engine stopped, never per event.
import { FILTER_LABEL, FILTER_LOG_LIKELIHOOD, FILTER_PROBS, FILTER_STEPS } from '../regime/hmm-memory-layout.js';
import { labelName } from '../regime/index.js';
import type { PipelineMap } from './configure-pipeline.js';
import { readDecisionOutput, type DecisionOutput } from '../decision/index.js';
import {
  HDR_BARS_PIPED, HDR_INDICATOR_STEPS, HDR_LAST_ERROR, HDR_LAST_ERROR_INSTRUMENT, HDR_REGIME_STEPS, HDR_STAGE_ERRORS, HDR_UNROUTED, HDR_DECISION_STEPS, HDR_SIGNAL_RECORDS, HDR_BARS_BUILT, PIPE_HEADER,
  HDR_ORDERS_CHECKED, HDR_ORDERS_ACCEPTED, HDR_FILLS, HDR_ORDERS_CLOSED, HDR_OUTBOUND_WAITS, HDR_VENUE_EVENTS, HDR_BAND_SKIPS,
  HDR_STRATEGY_CANCELS, HDR_STRATEGY_REPLACES, HDR_EXIT_FILLS, HDR_CONFIRM_SKIPS, HDR_MODEL_SCAN_END, HDR_MODEL_PENDING, HDR_MODEL_ON_TIME,
  HDR_MODEL_TIMEOUTS, HDR_MODEL_LATE, HDR_MODEL_UNMATCHED, HDR_FEATURES_WRITTEN, HDR_FEATURES_DROPPED, HDR_LIMIT_SKIPS,
} from './pipeline-layout.js';

export interface PipelineCounters {
  barsPiped: number;
  indicatorSteps: number;
  regimeSteps: number;
  stageErrors: number;
  /** Last negative status a stage returned (0 if none) and its instrument. */
  lastError: number;
  lastErrorInstrument: number;
  /** BARs whose instrument has no pipeline configured. */
  unrouted: number;
  decisionSteps: number;
  /** MODEL and SENTIMENT records the decision experts took. */
  signalRecords: number;
  /** Bars the core built from TRADE/QUOTE records (each also counted in barsPiped). */
  barsBuilt: number;
  /** Bars whose target led to an order action (a new order, an amendment, or a refusal), and new orders sent. */
  ordersChecked: number;
  ordersAccepted: number;
  /** Fills applied (order table and portfolio), those of exit orders, and other venue events that changed an order. */
  fills: number;
  exitFills: number;
  ordersClosed: number;
  /** Units of work the core ended a call before, to keep room in the outbound ring. */
  outboundWaits: number;
  /** Simulated-venue events handled (commands reaching it, replies reaching the core). */
  venueEvents: number;
  /** Target changes inside the no-trade band (not traded). */
  bandSkips: number;
  /** Bars a target change waited for confirmation (execution.confirmBars). */
  confirmSkips: number;
  /** Target changes the risk limits (exposure, minimum notional) left no whole lot for (not traded). */
  limitSkips: number;
  /** Working strategy orders the order stage canceled, or replaced with a new quantity or price. */
  strategyCancels: number;
  strategyReplaces: number;
  /** Present once an instrument's decision waits for its model (PipelineInstrument.model). */
  modelWait?: ModelWaitCounters;
}

/** The model wait's counters (wasm/assembly/pipeline/model-wait.ts). */
export interface ModelWaitCounters {
  /** Decisions waiting for their bar's MODEL record now. */
  pending: number;
  /** Bars decided when their MODEL record arrived. */
  onTime: number;
  /** Bars decided without the ML expert: the wait bound passed, or the instrument's next bar came first. */
  timeouts: number;
  /** MODEL records for a bar already decided (taken by the ML expert, no decision). */
  late: number;
  /** MODEL records for no bar that waited (taken by the ML expert, no decision). */
  unmatched: number;
  /** FEATURES records written, and those the outbound ring had no room for. */
  featureRecords: number;
  featureRecordsDropped: number;
}

export interface InstrumentSnapshot {
  instrument: number;
  /** Column name -> value; null while the indicator warms up. */
  indicators: Record<string, number | null>;
  regime?: { label: string; probabilities: number[]; steps: number; logLikelihood: number };
  /** The last fusion + sizing result: target exposure (fraction of equity) and quantity. */
  decision?: DecisionOutput;
}

export function readPipelineCounters(memory: WebAssembly.Memory): PipelineCounters {
  const view = new DataView(memory.buffer);
  const i64 = (field: number) => Number(view.getBigInt64(PIPE_HEADER + field, true));
  return {
    barsPiped: i64(HDR_BARS_PIPED),
    indicatorSteps: i64(HDR_INDICATOR_STEPS),
    regimeSteps: i64(HDR_REGIME_STEPS),
    stageErrors: i64(HDR_STAGE_ERRORS),
    lastError: view.getInt32(PIPE_HEADER + HDR_LAST_ERROR, true),
    lastErrorInstrument: view.getInt32(PIPE_HEADER + HDR_LAST_ERROR_INSTRUMENT, true),
    unrouted: i64(HDR_UNROUTED),
    decisionSteps: i64(HDR_DECISION_STEPS),
    signalRecords: i64(HDR_SIGNAL_RECORDS),
    barsBuilt: i64(HDR_BARS_BUILT),
    ordersChecked: i64(HDR_ORDERS_CHECKED),
    ordersAccepted: i64(HDR_ORDERS_ACCEPTED),
    fills: i64(HDR_FILLS),
    ordersClosed: i64(HDR_ORDERS_CLOSED),
    outboundWaits: i64(HDR_OUTBOUND_WAITS),
    venueEvents: i64(HDR_VENUE_EVENTS),
    bandSkips: i64(HDR_BAND_SKIPS),
    confirmSkips: i64(HDR_CONFIRM_SKIPS),
    limitSkips: i64(HDR_LIMIT_SKIPS),
    strategyCancels: i64(HDR_STRATEGY_CANCELS),
    strategyReplaces: i64(HDR_STRATEGY_REPLACES),
    exitFills: i64(HDR_EXIT_FILLS),
    ...(view.getInt32(PIPE_HEADER + HDR_MODEL_SCAN_END, true) > 0
      ? {
        modelWait: {
          pending: view.getInt32(PIPE_HEADER + HDR_MODEL_PENDING, true),
          onTime: i64(HDR_MODEL_ON_TIME),
          timeouts: i64(HDR_MODEL_TIMEOUTS),
          late: i64(HDR_MODEL_LATE),
          unmatched: i64(HDR_MODEL_UNMATCHED),
          featureRecords: i64(HDR_FEATURES_WRITTEN),
          featureRecordsDropped: i64(HDR_FEATURES_DROPPED),
        },
      }
      : {}),
  };
}

export function readPipelineSnapshot(memory: WebAssembly.Memory, map: PipelineMap): InstrumentSnapshot[] {
  const view = new DataView(memory.buffer);
  return map.instruments.map((entry) => {
    const indicators: Record<string, number | null> = {};
    for (const column of map.columns) {
      const v = view.getFloat64(entry.valuesOffset + column.valueIndex * 8, true);
      indicators[column.name] = Number.isNaN(v) ? null : v;
    }
    const snapshot: InstrumentSnapshot = { instrument: entry.instrument, indicators };
    if (entry.regimeStateOffset >= 0) {
      const base = entry.regimeStateOffset;
      snapshot.regime = {
        label: labelName(view.getInt32(base + FILTER_LABEL, true)),
        probabilities: Array.from({ length: entry.regimeStates }, (_, k) => view.getFloat64(base + FILTER_PROBS + k * 8, true)),
        steps: Number(view.getBigInt64(base + FILTER_STEPS, true)),
        logLikelihood: view.getFloat64(base + FILTER_LOG_LIKELIHOOD, true),
      };
    }
    if (entry.decides) snapshot.decision = readDecisionOutput(memory, entry.instrument);
    return snapshot;
  });
}
