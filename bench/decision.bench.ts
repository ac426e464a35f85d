// Decision benchmark: per instrument-bar cost of what the engine loop runs for a decided bar
// after its indicators: the bar close as the risk mark, then the decision and order stages
// (pipelineRunDecision: decStep, then the order stage through the no-trade band, the
// confirmation streak, the order table and the pre-trade checks, writing ORDER / CANCEL /
// REPLACE or risk records to the outbound ring), in the WASM core, against the plain TS
// reference of the same decision (and of the checks where it still applies), for 1 and for
// 100 instruments, in the same run.
//
//   per bar, for N instruments (each leg on its own indicator slots, so every leg sees the
//   same bars in order):
//     indUpdate(slot, bar)               the real indicator plan on the real bar: the engine's
//                                        path to the values the decision reads        [indicators]
//     riskOnMark(i, close time, close)   what riskOnRecord does with a BAR record     [mark]
//     pipelineRunDecision(i, close time) decStep + order stage, records -> outbound   [decide+orders]
//   WASM legs:  indicators          = indUpdate alone;
//               wasm-decide          = indUpdate + decStep (decision alone, on decision
//                                      instruments N..2N-1 bound to their own slots);
//               wasm-decide+orders   = indUpdate + riskOnMark + pipelineRunDecision: the path.
//   TS legs:    reference-decide      = indUpdate + ReferenceDecisionEngine.step reading the slot
//                                      values in place;
//               reference-decide+check = indUpdate + ReferenceRiskEngine onMark + step +
//                                      impliedOrder + checkOrder. The TS reference has no order
//                                      stage: no no-trade band, no confirmation, no order table,
//                                      so it checks every implied order (the WASM path checks
//                                      only the changes the band and confirmation let through,
//                                      but books each through the order table).
//   Reported: each leg's median, and "net" figures = leg - indicators (the indicator update is
//   the stage before; it is timed alone and subtracted, as the copy into slots was before),
//   taken within each round (legs timed back to back share the machine's speed of the moment:
//   on the shared development VM it changes by up to 2x between seconds) and then the median.
//   The net WASM figures still hold the JS -> WASM calls the engine makes inside the core: one
//   (decide) or two (mark + decide + orders) per instrument-bar, about 7 ns each with an i64
//   argument on the development VM.
// Venue: the ExecutionSpec has no simulated venue (`venue: undefined`, as with a live venue),
// so the core's ORDER records leave on the outbound ring; every FILL_EVERY bars the bench
// drains the ring and answers each ORDER with one FILL at the instrument's mark (taker fee of
// config/default.yaml) through ordersApplyVenueRecord (order table, portfolio), a CANCEL
// with CANCELED, a REPLACE with a REJECT, and resets a tripped kill switch (millions of bars
// of a losing book would otherwise test only the first check). That is timed apart and
// subtracted from the +orders / +check legs (it is venue work; the two clock reads per
// FILL_EVERY bars, ~100 ns each here, leave about 6 ns per instrument-bar in those legs at 1
// instrument, and nothing measurable at 100). The TS reference
// account gets the same fills (its working quantities, at the mark, same fee).
// Setup as in a real run: configurePipeline (engine/pipeline) with a PipelineSpec holding
// `risk` and `execution`, the latter from executionFromConfig(config/default.yaml), so the
// order table, order stage (band 10% of equity, 3 confirmation bars, market entries) and
// risk limits are the configured defaults; exits are off by default (so the exits-on-mark step
// the engine runs after the mark, not exported, does nothing and is left out). Instruments:
// asset class i % 3, lot size of risk.replayDefaults; the decision instruments are re-added
// with sizing method i % 4 (vol target, fixed-fractional, capped Kelly, ATR stop) and shorts
// on odd instruments (WasmDecisionEngine.addInstrument, the call configurePipeline makes).
// Workload: the bundled demo bars (data/*.csv: BTC, ETH, SOL 1h, 17,520 bars each); instrument
// i replays series i % 3 from row 37 i, forth and back (no price jump at a wrap), one bar per
// decision minute (STEP_NS: times drive ages, decay and the risk clock, and never go back).
// Each instrument holds a regime (3-state label model, fixed filtered probabilities, so the
// blended weights are reused: the regime filter step is left out), one model output and 6
// sentiment items from 3 sources (ages kept valid: no expiry rebuild in the timed region).
// Left out of the timed region: CSV parsing, setup, the venue (above), the regime step, and
// draining the outbound ring. Sizes: each leg's figure is the median over REPETITIONS (9)
// samples of SAMPLE_INSTRUMENT_BARS (200,000) instrument-bars (1 instrument: 200,000 bars a
// sample; 100 instruments: 2,000 bars), legs sampled round-robin after one warm-up round.
// Result check: no stage failed; orders went out and were filled; each instrument's position
// in the core equals the fills the bench applied; one more bar through both decision
// implementations (same values, regime and equity) agrees to 1e-9.
// Goal: mark + decide + orders <= 100 ns per instrument-bar (WASM, net of the indicator update).
//
// Run: `npm run bench -- decision [--json]` (after `npm run build`), or
// `node dist/bench/decision.bench.js [--json]`.
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBarsCsv, type OhlcvColumns } from '../adapters/files/index.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import {
  compileInstrument, resolveFusionConfig, resolveSizingConfig, WasmDecisionEngine, type DecisionCoreExports, type DecisionOutput,
} from '../engine/decision/index.js';
import { ReferenceDecisionEngine } from '../engine/decision/reference/index.js';
import type { IndicatorCoreExports } from '../engine/indicators/index.js';
import { OUTBOUND_CAPACITY, OUTBOUND_RING_OFFSET, SCRATCH_REGION_OFFSET } from '../engine/layout/memory-map.js';
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../engine/layout/event-record.js';
import { loadConfig } from '../engine/config/index.js';
import { executionFromConfig } from '../engine/execution/index.js';
import { configurePipeline, planPipeline, readInstrumentRisk, readPipelineCounters, type PipelineSpec } from '../engine/pipeline/index.js';
import { FILTER_PROBS, FILTER_STEPS, hmmFilterStateOffset } from '../engine/regime/hmm-memory-layout.js';
import { WasmForwardFilter, type GaussianHmm, type HmmCoreExports, type RegimeModelRecord } from '../engine/regime/index.js';
import { initRing, RingConsumer } from '../engine/ring/index.js';
import { ReferenceRiskEngine, riskReasonName, riskLimitsFromConfig, type RiskCoreExports } from '../engine/risk/index.js';
import type { BenchSuite, BenchSuiteOptions } from './main.js';

const REPETITIONS = 9;
const SAMPLE_INSTRUMENT_BARS = 200_000;
const INSTRUMENT_COUNTS = [1, 100] as const;
const GOAL_NS = 100;
const FILL_EVERY = 16;
const CASH = 1_000_000;
/** Decision-time step per replayed bar: time only drives ages, decay and the risk clock, and must never go back. */
const STEP_NS = 60_000_000_000n;
const T0 = 1_700_000_000_000_000_000n;
/** Offset of the FILL / CANCELED / REJECT records the bench venue hands to ordersApplyVenueRecord. */
const VENUE_RECORD = SCRATCH_REGION_OFFSET;
const LIVE_INBOUND = EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;

interface BenchCore extends DecisionCoreExports, IndicatorCoreExports, HmmCoreExports, RiskCoreExports {
  indUpdate(slot: number, open: number, high: number, low: number, close: number, volume: number, timeNs: bigint): number;
  pipelineRunDecision(instrument: number, nowNs: bigint): number;
  ordersApplyVenueRecord(record: number, ring: number): number;
}

interface Leg {
  readonly name: string;
  /** Runs bars [from, from + count) for every instrument; returns ns to leave out (venue work), or 0. */
  run(from: number, count: number): number;
}

export interface DecisionBenchCase {
  readonly instruments: number;
  /** Median ns per instrument-bar by leg name (venue work already left out). */
  readonly nsPerInstrumentBar: Record<string, number>;
  /** wasm-decide - indicators: decStep alone. */
  readonly decideNs: number;
  /** (wasm-decide+orders) - (wasm-decide): the mark and the order stage. */
  readonly markOrdersNs: number;
  /** reference-decide - indicators and (reference-decide+check) - indicators. */
  readonly referenceDecideNs: number;
  readonly referenceDecideCheckNs: number;
  /** (wasm-decide+orders) - indicators: the goal's quantity. */
  readonly decideOrdersNs: number;
  /** (reference-decide+check) - indicators, over decideOrdersNs. */
  readonly referenceOverWasm: number;
  readonly goalMet: boolean;
  readonly maxDifference: number;
  /** Per instrument-bar of the wasm-decide+orders leg (warm-up included): ORDER records, order actions, risk records. */
  readonly ordersPerInstrumentBar: number;
  readonly orderActionsPerInstrumentBar: number;
  /** Share of the instrument-bars whose target change the no-trade band or the confirmation streak kept from trading. */
  readonly bandSkipShare: number;
  readonly confirmSkipShare: number;
  /** Risk records (refusals, deferrals, FlattenRequired) by reason name. */
  readonly riskRecords: Record<string, number>;
  readonly fills: number;
  readonly killSwitchResets: number;
  /** The TS reference's checked orders by reason name (share). */
  readonly referenceReasons: Record<string, number>;
}

export interface DecisionBenchResult {
  readonly data: string;
  readonly repetitions: number;
  readonly goalNs: number;
  /** 1, 5 and 15 min load averages before and after the cases (other processes slow every leg). */
  readonly loadAverage: { readonly before: number[]; readonly after: number[] };
  readonly cases: DecisionBenchCase[];
}

const LABEL_MODEL: GaussianHmm = {
  states: 3, features: 1, covarianceType: 'diag',
  startProb: new Float64Array([1 / 3, 1 / 3, 1 / 3]), transMat: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]),
  means: new Float64Array([0, 1, 2]), covars: new Float64Array([1, 1, 1]),
};

/** A regime model record around LABEL_MODEL: one state per label; its probabilities are written, never filtered. */
const LABEL_RECORD: RegimeModelRecord = {
  format: 'quantflow.regime-hmm', version: 2, featureSpec: ['logret'],
  trainingRange: { fromNs: '0', toNs: '0', rows: 0, source: 'bench/decision (label model)' }, dataHash: 'sha256:', logLikelihood: 0,
  model: LABEL_MODEL, labels: ['trending', 'mean_reverting', 'choppy'],
  labelRules: {} as RegimeModelRecord['labelRules'], minDwellBars: 1, stateStatistics: [],
  fit: { seed: 0, restarts: 0, iterations: 0, converged: true, tolerance: 0, maxIterations: 0 },
};

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function maxDifference(a: DecisionOutput, b: DecisionOutput): number {
  const fields = ['signal', 'confidence', 'choppyScale', 'direction', 'exposure', 'quantity', 'volatilityPerBar'] as const;
  return Math.max(...fields.map((f) => Math.abs(a[f] - b[f]) / Math.max(1, Math.abs(a[f]), Math.abs(b[f]))), a.status === b.status ? 0 : Number.POSITIVE_INFINITY);
}

function runCase(series: OhlcvColumns[], instruments: number): DecisionBenchCase {
  const N = instruments;
  const memory = createSharedMemory();
  const core = instantiateCore(memory, compileCore('release')) as unknown as BenchCore;
  const ring = OUTBOUND_RING_OFFSET;
  initRing(memory, ring, OUTBOUND_CAPACITY);
  const consumer = new RingConsumer(memory, ring);
  const config = loadConfig();
  const fusion = resolveFusionConfig({ ml: { maxAgeSeconds: 1e9 }, sentiment: { maxAgeSeconds: 1e9, sources: [{ id: 0, weight: 1, cap: 1 }, { id: 1, weight: 0.5 }] } });
  const sizing = resolveSizingConfig({ strategies: { fixed: { method: 'fixedFractional' }, kelly: { method: 'cappedKelly' }, atr: { method: 'atrStop' } } });
  const limits = riskLimitsFromConfig(config.risk);
  const lotSize = config.risk.replayDefaults.lotSize;
  const staleNs = BigInt(config.risk.defaultStaleAfterMs) * 1_000_000n;
  const riskInstruments = Array.from({ length: N }, (_, i) => ({ instrument: i, assetClass: i % 3, lotSize, staleNs }));
  const spec: PipelineSpec = {
    indicators: ['atr:14'],
    instruments: Array.from({ length: N }, (_, i) => ({ instrument: i, regimeModel: LABEL_RECORD, timeframe: '1h' })),
    decision: { fusion, sizing, equity: CASH },
    risk: { limits, instruments: riskInstruments, cash: CASH, startNs: T0, halted: false },
    execution: executionFromConfig(config, Array.from({ length: N }, (_, i) => ({ instrument: i, symbol: `BENCH${i}` })), { simulate: false }),
  };
  configurePipeline(core, memory, spec);
  const { plan, decisionProgram } = planPipeline(spec);
  const program = decisionProgram!;
  const V = plan.valueCount;
  const slotCapacity = core.indSlotCapacity();
  // Indicator slots: 0..N-1 the pipeline's (configurePipeline binds slot = instrument), then one set per other leg.
  const SLOTS = { indicators: N, decide: 2 * N, referenceDecide: 3 * N, referenceCheck: 4 * N };
  if (5 * N > slotCapacity) throw new Error(`the plan fits ${slotCapacity} indicator slots; this case needs ${5 * N}`);
  for (let s = N; s < 5 * N; s++) if (core.indSlotReset(s) < 0) throw new Error(`indSlotReset(${s}) failed`);

  const wasm = new WasmDecisionEngine(core, memory);
  const reference = new ReferenceDecisionEngine(program);
  const filter = new WasmForwardFilter(core, memory);
  const view = new DataView(memory.buffer);
  const f64 = new Float64Array(memory.buffer);
  const strategies = [undefined, 'fixed', 'kelly', 'atr'];
  const regimes: { probabilities: number[]; labelOf: number[] }[] = [];
  const values: Float64Array[] = [];
  for (let i = 0; i < N; i++) {
    const probabilities = [0.5 + 0.004 * i, 0.3, 0.2 - 0.004 * i].map((p) => Math.max(0, p));
    const sum = probabilities.reduce((a, b) => a + b, 0);
    regimes.push({ probabilities: probabilities.map((p) => p / sum), labelOf: [0, 1, 2] });
    // Decision instrument i (the pipeline's, slot i) and N + i (decide alone, its own slot).
    for (const [instrument, indicatorSlot] of [[i, i], [N + i, SLOTS.decide + i]] as const) {
      const compiled = compileInstrument(sizing, plan, { instrument, indicatorSlot, timeframe: '1h', allowShort: i % 2 === 1, strategy: strategies[i % 4] });
      wasm.addInstrument(compiled);
      if (instrument === i) reference.addInstrument(compiled);
      if (instrument !== i) filter.reset(instrument, 0);
      regimes[i].probabilities.forEach((p, k) => view.setFloat64(hmmFilterStateOffset(instrument) + FILTER_PROBS + 8 * k, p, true));
      view.setBigInt64(hmmFilterStateOffset(instrument) + FILTER_STEPS, 1n, true);
      const model = { instrument, tsNs: T0, quantiles: [-0.012, -0.005, 0.0008 * ((i % 5) - 2), 0.006, 0.013] as [number, number, number, number, number] };
      wasm.onModel(model);
      if (instrument === i) reference.onModel(i, model.tsNs, model.quantiles);
      for (let k = 0; k < 6; k++) {
        const item = { instrument, tsNs: T0 + BigInt(k) * 600_000_000_000n, score: ((k * 7 + i) % 11) / 5 - 1, confidence: 0.5 + 0.05 * k, source: k % 3, contentHash: BigInt(1000 * i + k) };
        wasm.onSentiment(item);
        if (instrument === i) reference.onSentiment(i, item.tsNs, item.score, item.confidence, item.source, item.contentHash);
      }
    }
  }
  const slotValues = (slot: number) => {
    const at = core.indValuesOffset(slot) / 8;
    return f64.subarray(at, at + V);
  };
  for (let s = 0; s < 5 * N; s++) values.push(slotValues(s));

  // The bars: instrument i replays series i % 3 from row 37 i, forth and back.
  const seriesOf = Array.from({ length: N }, (_, i) => series[i % series.length]);
  const offsetOf = Array.from({ length: N }, (_, i) => 37 * i);
  const rowOf = (i: number, bar: number) => {
    const length = seriesOf[i].length;
    const p = (bar + offsetOf[i]) % (2 * length - 2);
    return p < length ? p : 2 * length - 2 - p;
  };
  const bars = Math.max(FILL_EVERY, Math.ceil(SAMPLE_INSTRUMENT_BARS / N / FILL_EVERY) * FILL_EVERY);
  // Decision times, precomputed so no BigInt is built in the timed region.
  const nows = Array.from({ length: (REPETITIONS + 1) * bars + 2 }, (_, b) => T0 + 3_600_000_000_000n + BigInt(b) * STEP_NS);
  const update = (slot: number, i: number, bar: number): number => {
    const s = seriesOf[i];
    const row = rowOf(i, bar);
    const close = s.close[row];
    const status = core.indUpdate(slot, s.open[row], s.high[row], s.low[row], close, s.volume[row], nows[bar]);
    if (status < 0) throw new Error(`indUpdate(${slot}) returned ${status}`);
    return close;
  };

  const venue = benchVenue(core, memory, consumer, N, config.venue.costs.takerFee);
  const referenceRisk = new ReferenceRiskEngine();
  referenceRisk.configure(limits);
  for (const entry of riskInstruments) referenceRisk.configureInstrument(entry);
  referenceRisk.init(CASH, T0);
  const referenceCounts = new Array<number>(17).fill(0);
  const timed = (work: () => void) => {
    const start = process.hrtime.bigint();
    work();
    return Number(process.hrtime.bigint() - start);
  };
  const referenceVenue = (now: bigint) => timed(() => {
    for (let i = 0; i < N; i++) {
      const { pendingBuy, pendingSell, mark } = referenceRisk.instrumentState(i);
      for (const qty of [pendingBuy, -pendingSell]) {
        if (qty === 0) continue;
        referenceRisk.onFill(i, now, qty, mark, Math.abs(qty) * mark * config.venue.costs.takerFee);
        referenceRisk.releaseWorking(i, qty);
      }
    }
    if (referenceRisk.account().halted) referenceRisk.resetKillSwitch();
  });

  const legs: Leg[] = [
    {
      name: 'indicators',
      run: (from, count) => {
        for (let b = from; b < from + count; b++) for (let i = 0; i < N; i++) update(SLOTS.indicators + i, i, b);
        return 0;
      },
    },
    {
      name: 'wasm-decide',
      run: (from, count) => {
        for (let b = from; b < from + count; b++) {
          const now = nows[b];
          for (let i = 0; i < N; i++) {
            update(SLOTS.decide + i, i, b);
            const status = core.decStep(N + i, now, CASH);
            if (status < 0) throw new Error(`decStep(${N + i}) returned ${status}`);
          }
        }
        return 0;
      },
    },
    {
      name: 'wasm-decide+orders',
      run: (from, count) => {
        let venueNs = 0;
        for (let b = from; b < from + count; b++) {
          const now = nows[b];
          for (let i = 0; i < N; i++) {
            const close = update(i, i, b);
            if (core.riskOnMark(i, now, close, ring) < 0) throw new Error(`riskOnMark(${i}) failed`);
            const status = core.pipelineRunDecision(i, now);
            if (status < 0) throw new Error(`pipelineRunDecision(${i}) returned ${status}`);
          }
          if ((b + 1) % FILL_EVERY === 0) venueNs += timed(() => venue.answer(now));
        }
        return venueNs;
      },
    },
    {
      name: 'reference-decide',
      run: (from, count) => {
        for (let b = from; b < from + count; b++) {
          const now = nows[b];
          for (let i = 0; i < N; i++) {
            update(SLOTS.referenceDecide + i, i, b);
            reference.step(i, { nowNs: now, equity: CASH, values: values[SLOTS.referenceDecide + i], regime: regimes[i] });
          }
        }
        return 0;
      },
    },
    {
      name: 'reference-decide+check',
      run: (from, count) => {
        let venueNs = 0;
        for (let b = from; b < from + count; b++) {
          const now = nows[b];
          const equity = referenceRisk.account().equity;
          for (let i = 0; i < N; i++) {
            const close = update(SLOTS.referenceCheck + i, i, b);
            referenceRisk.onMark(i, now, close);
            const decision = reference.step(i, { nowNs: now, equity, values: values[SLOTS.referenceCheck + i], regime: regimes[i] });
            if (!(decision.price > 0)) continue;
            const { qty } = referenceRisk.impliedOrder(i, decision.quantity, decision.price);
            if (qty !== 0) referenceCounts[referenceRisk.checkOrder({ orderId: 0n, instrument: i, tsNs: now, qty, price: decision.price }).reason]++;
          }
          if ((b + 1) % FILL_EVERY === 0) venueNs += referenceVenue(now);
        }
        return venueNs;
      },
    },
  ];

  const samples = new Map<string, number[]>(legs.map((l) => [l.name, []]));
  let cursor = 0;
  for (let round = -1; round < REPETITIONS; round++) {
    for (const leg of legs) {
      const start = process.hrtime.bigint();
      const leftOut = leg.run(cursor, bars);
      const ns = Number(process.hrtime.bigint() - start) - leftOut;
      if (round >= 0) samples.get(leg.name)!.push(ns / (bars * N));
    }
    cursor += bars;
  }
  const ns = Object.fromEntries([...samples].map(([name, v]) => [name, median(v)]));
  // Net figures: the difference of two legs within each round (timed back to back, so they share
  // the machine's speed at that moment), then the median over the rounds.
  const net = (leg: string, base: string) => median(samples.get(leg)!.map((v, r) => v - samples.get(base)![r]));
  const counters = readPipelineCounters(memory);
  const instrumentBars = (REPETITIONS + 1) * bars * N;

  // Result check: no stage failed; orders went out and were filled; positions equal the fills;
  // one more bar through both decision implementations agrees.
  venue.answer(nows[cursor - 1]);
  if (counters.stageErrors !== 0) throw new Error(`result check failed: ${counters.stageErrors} stage errors (last status ${counters.lastError} on instrument ${counters.lastErrorInstrument})`);
  if (venue.stats.orders === 0 || venue.stats.fills === 0) throw new Error(`result check failed: ${venue.stats.orders} orders, ${venue.stats.fills} fills`);
  for (let i = 0; i < N; i++) {
    const position = readInstrumentRisk(memory, i).position;
    const filled = venue.filledQty[i];
    if (!(Math.abs(position - filled) <= 1e-9 * Math.max(1, Math.abs(filled)))) throw new Error(`result check failed: instrument ${i} holds ${position}, the bench filled ${filled}`);
  }
  const last = cursor;
  for (let i = 0; i < N; i++) core.riskOnMark(i, nows[last], update(i, i, last), ring);
  let worst = 0;
  for (let i = 0; i < N; i++) {
    const equity = core.riskEquity();
    if (core.pipelineRunDecision(i, nows[last]) < 0) throw new Error(`pipelineRunDecision(${i}) failed`);
    worst = Math.max(worst, maxDifference(wasm.output(i), reference.step(i, { nowNs: nows[last], equity, values: values[i], regime: regimes[i] })));
  }
  venue.answer(nows[last]);
  if (!(worst <= 1e-9)) throw new Error(`result check failed: WASM and reference decisions differ by ${worst} on the last bar`);

  const decideOrdersNs = net('wasm-decide+orders', 'indicators');
  const referenceDecideCheckNs = net('reference-decide+check', 'indicators');
  const checked = referenceCounts.reduce((a, b) => a + b, 0);
  return {
    instruments: N,
    nsPerInstrumentBar: ns,
    decideNs: net('wasm-decide', 'indicators'),
    markOrdersNs: net('wasm-decide+orders', 'wasm-decide'),
    referenceDecideNs: net('reference-decide', 'indicators'),
    referenceDecideCheckNs,
    decideOrdersNs,
    referenceOverWasm: referenceDecideCheckNs / decideOrdersNs,
    goalMet: decideOrdersNs <= GOAL_NS,
    maxDifference: worst,
    ordersPerInstrumentBar: venue.stats.orders / instrumentBars,
    orderActionsPerInstrumentBar: counters.ordersChecked / instrumentBars,
    bandSkipShare: counters.bandSkips / instrumentBars,
    confirmSkipShare: counters.confirmSkips / instrumentBars,
    riskRecords: Object.fromEntries([...venue.riskRecords].sort((a, b) => a[0] - b[0]).map(([r, n]) => [riskReasonName(r), n])),
    fills: venue.stats.fills,
    killSwitchResets: venue.stats.resets,
    referenceReasons: Object.fromEntries(referenceCounts.map((n, r) => [riskReasonName(r), checked ? n / checked : 0] as const).filter(([, share]) => share > 0)),
  };
}

/**
 * The bench's venue for the +orders leg (untimed): drains the outbound ring and answers each
 * ORDER with a FILL of its whole quantity at the instrument's mark, each CANCEL with CANCELED and
 * each REPLACE with a REJECT, through ordersApplyVenueRecord; tallies risk records by reason and
 * resets a tripped kill switch.
 */
function benchVenue(core: BenchCore, memory: WebAssembly.Memory, consumer: RingConsumer, instruments: number, feeRate: number) {
  const view = new DataView(memory.buffer);
  const ring = OUTBOUND_RING_OFFSET;
  const stats = { orders: 0, fills: 0, cancels: 0, replaces: 0, notices: 0, resets: 0 };
  const riskRecords = new Map<number, number>();
  const filledQty = new Array<number>(instruments).fill(0);
  let fillId = 0;
  const reply = (kind: number, instrument: number, now: bigint, price: number, size: number, a: number, b: number, id: bigint) => {
    const r = VENUE_RECORD;
    view.setInt32(r + EV_KIND, kind | LIVE_INBOUND, true);
    view.setInt32(r + EV_INSTRUMENT, instrument, true);
    view.setBigInt64(r + EV_TS_EXCHANGE, now, true);
    view.setBigInt64(r + EV_TS_LOCAL, now, true);
    view.setFloat64(r + EV_PRICE, price, true);
    view.setFloat64(r + EV_SIZE, size, true);
    view.setFloat64(r + EV_A, a, true);
    view.setFloat64(r + EV_B, b, true);
    view.setBigUint64(r + EV_ID, id, true);
    const status = core.ordersApplyVenueRecord(r, ring);
    if (status < 0) throw new Error(`ordersApplyVenueRecord returned ${status}`);
  };
  /** Reads every published record; returns the commands to answer. */
  const drain = () => {
    const commands: { kind: number; instrument: number; qty: number; id: bigint }[] = [];
    const available = consumer.available();
    for (let k = 0; k < available; k++) {
      const offset = consumer.slotOffset((consumer.cursor + k) >>> 0);
      const kind = view.getInt32(offset + EV_KIND, true) & KIND_MASK;
      const instrument = view.getInt32(offset + EV_INSTRUMENT, true);
      if (kind === EventKind.ORDER || kind === EventKind.CANCEL || kind === EventKind.REPLACE) {
        commands.push({ kind, instrument, qty: view.getFloat64(offset + EV_SIZE, true), id: view.getBigUint64(offset + EV_ID, true) });
      } else if (kind === EventKind.REJECT) {
        const reason = view.getFloat64(offset + EV_A, true);
        riskRecords.set(reason, (riskRecords.get(reason) ?? 0) + 1);
      } else if (kind === EventKind.ORDER_NOTICE) {
        stats.notices++;
      }
    }
    if (available > 0) consumer.release((consumer.cursor + available) >>> 0);
    return commands;
  };
  return {
    stats,
    riskRecords,
    filledQty,
    answer(now: bigint): void {
      for (const c of drain()) {
        if (c.kind === EventKind.ORDER) {
          stats.orders++;
          const mark = readInstrumentRisk(memory, c.instrument).mark;
          reply(EventKind.FILL, c.instrument, now, mark, c.qty, Math.abs(c.qty) * mark * feeRate, ++fillId, c.id);
          filledQty[c.instrument] += c.qty;
          stats.fills++;
        } else if (c.kind === EventKind.CANCEL) {
          stats.cancels++;
          reply(EventKind.CANCELED, c.instrument, now, 0, c.qty, 0, 0, c.id);
        } else {
          stats.replaces++;
          reply(EventKind.REJECT, c.instrument, now, 0, c.qty, 3, 2, c.id);
        }
      }
      drain(); // the round trips and notices the fills wrote
      if (core.riskHalted() === 1) {
        core.riskResetKillSwitch();
        stats.resets++;
      }
    },
  };
}

export async function runDecisionBench(options: { json?: boolean } = {}): Promise<DecisionBenchResult> {
  const files = defaultBarFiles();
  const series = await Promise.all(files.map(async (f) => (await loadBarsCsv(f)).series));
  const data = `bundled demo bars: ${files.map((f) => path.basename(f)).join(', ')}`;
  const load = () => loadavg().map((v) => Math.round(v * 100) / 100);
  const before = load();
  const cases = INSTRUMENT_COUNTS.map((n) => runCase(series, n));
  const result: DecisionBenchResult = { data, repetitions: REPETITIONS, goalNs: GOAL_NS, loadAverage: { before, after: load() }, cases };
  if (options.json) {
    console.log(JSON.stringify(result, null, 2));
    return result;
  }
  const f = (v: number, d = 1) => v.toFixed(d);
  const pct = (v: number) => `${f(100 * v, 2)}%`;
  console.log(`decision bench: mark + decision + order stage per instrument-bar, as pipelineOnBar runs them (medians of ${REPETITIONS} samples of ${SAMPLE_INSTRUMENT_BARS.toLocaleString('en-US')} instrument-bars); data: ${data}`);
  console.log(`load average (1, 5, 15 min) before ${before.join(' ')}, after ${result.loadAverage.after.join(' ')} on ${cpus().length} CPUs`);
  for (const c of cases) {
    const n = c.nsPerInstrumentBar;
    console.log(`${c.instruments} instrument(s):`);
    console.log(`  WASM mark + decide + orders (net)  ${f(c.decideOrdersNs)} ns   goal <= ${GOAL_NS}: ${c.goalMet ? 'met' : 'NOT met'}   TS reference decide + check / WASM = ${f(c.referenceOverWasm, 2)}x`);
    console.log(`    decide: decStep                  ${f(c.decideNs)} ns   (technical, ML, sentiment, regime fusion, sizing)`);
    console.log(`    mark + order stage               ${f(c.markOrdersNs)} ns   (riskOnMark; band, confirmation, order table, pre-trade checks, records)`);
    console.log(`  indicator update (subtracted)      ${f(n.indicators)} ns   (indUpdate of the real plan: the stage before, in the engine)`);
    console.log(`  legs as timed: wasm-decide ${f(n['wasm-decide'])} ns, wasm-decide+orders ${f(n['wasm-decide+orders'])} ns, reference-decide ${f(n['reference-decide'])} ns, reference-decide+check ${f(n['reference-decide+check'])} ns`);
    console.log(`  TS reference net: decide ${f(c.referenceDecideNs)} ns, decide + implied order + checks ${f(c.referenceDecideCheckNs)} ns (no band, confirmation or order table)`);
    console.log(`  order stage per instrument-bar: ${f(c.ordersPerInstrumentBar, 4)} ORDER records, ${f(c.orderActionsPerInstrumentBar, 4)} order actions (sent, amended or refused); target changes kept by the no-trade band ${pct(c.bandSkipShare)}, waiting for confirmation ${pct(c.confirmSkipShare)}`);
    console.log(`  risk records: ${Object.entries(c.riskRecords).map(([r, k]) => `${r} ${k}`).join(', ') || 'none'}; fills applied ${c.fills.toLocaleString('en-US')}; kill-switch resets ${c.killSwitchResets}`);
    console.log(`  TS reference checked orders by reason: ${Object.entries(c.referenceReasons).map(([r, share]) => `${r} ${f(100 * share)}%`).join(', ') || 'none'}`);
    console.log(`  result check: no stage errors, positions = fills, last bar WASM vs reference max relative difference ${c.maxDifference.toExponential(2)}`);
  }
  return result;
}

export const decisionSuite: BenchSuite = {
  name: 'decision',
  description: 'mark + decision + order stage per instrument-bar (pipelineRunDecision), 1 and 100 instruments: WASM core vs TS reference',
  run: (options: BenchSuiteOptions = {}) => runDecisionBench({ json: options.json }),
};

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  runDecisionBench({ json: process.argv.includes('--json') }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

