// Decision benchmark (issue 5): per instrument-bar cost of fusion + sizing + one full
// pre-trade risk check in the WASM core, against the plain TS implementation of the same
// work, for 1 and for 100 instruments, in the same run.
//
//   per bar, for N instruments:
//     indicator values of each instrument -> its indicator slot                        [copy]
//     decRunBatch(N): technical rules, ML, sentiment, regime-gated fusion, sizing        [decide]
//     decCheckTargets(N): bar close -> risk mark, the order the target implies (whole
//       lots, net of position and working orders, an entry fitted to the exposure limits,
//       none below the minimum notional: risk/implied-order.ts) -> riskCheckOrder         [check]
//   WASM legs:  wasm-decide = copy + decRunBatch;
//               wasm-decide-unchanged = decRunBatch over the values the last copy left (no copy:
//                 a lower bound, since unchanged values keep every branch predicted);
//               wasm-decide+check = copy + decDecideAndCheck (decide and check in one call)
//   TS legs:    reference-decide = ReferenceDecisionEngine.step;
//               reference-decide+check = the same + ReferenceRiskEngine onMark + impliedOrder + checkOrder
// Indicator values: in the engine the indicator executor writes them into the slots, so the
// decision reads them in place. The bench replays stored values instead and must copy them
// into the slots (a copyWithin inside the same memory); the copy leg times that alone and the
// reported WASM figures subtract it ("net"). The TS legs read the same values in place.
// Venue: every FILL_EVERY bars the working orders fill at the mark (riskOnFill), the risk
// records are released and a tripped kill switch is reset (the strategy loses money over
// millions of bars, and a halted book would only test the first checks). That is timed apart
// and subtracted from the +check legs (it is not decision work; the two clock reads per
// FILL_EVERY bars leave ~3 ns per instrument-bar of noise at 1 instrument), so positions,
// pending quantities and equity move as in a backtest.
// Workload: the 1h Binance bars of ../shared/data/crypto_ohlcv (BTC ETH SOL BNB XRP ADA; a
// seeded random walk when absent, and the output says so), run once through the real
// indicator executor with the default rule tokens; the values after each of the first
// SNAPSHOT_BARS bars are kept in the scratch region. Instrument i replays series i % 6 from
// bar offset 37 i, forth and back (no price jump at a wrap), one decision minute per bar.
// Each instrument holds a regime (3-state label model, fixed filtered probabilities, so the
// blended weights are reused), one model output and 6 sentiment items from 3 sources (ages
// kept valid: no expiry rebuild in the timed region), and sizes by method i % 4 (vol target,
// fixed-fractional, capped Kelly, ATR stop), shorts allowed on odd instruments; risk: three
// asset classes (i % 3), lot 1e-6; the output lists the share of checked orders by risk
// reason (an accepted entry ran every check), and how often a limit cut an implied order to
// fit or stopped it (the targets of 100 instruments sized against the whole equity run into
// the position and class limits, and fitting them runs those limits on every such bar).
// Left out: CSV parsing, the indicator runs, setup. Each figure is the median over
// REPETITIONS samples of SAMPLE_INSTRUMENT_BARS instrument-bars, legs sampled round-robin
// after one warm-up round. Result check: the risk decisions per reason (to 1 in 10^4) and
// the equity (to 1e-9) of the WASM and TS +check legs must agree, and one more bar through
// both decision implementations must agree to 1e-9.
// Goal: decide + check <= 100 ns per instrument-bar (WASM, net of the copy).
//
// Run: `npm run bench -- decision [--json]` (after `npm run build`), or
// `node dist/bench/decision.bench.js [--json]`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBarsCsv, type OhlcvColumns } from '../adapters/files/index.js';
import { packageRoot } from '../engine/core/package-root.js';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import {
  compileDecisionProgram, compileInstrument, decisionTokens, resolveFusionConfig, resolveSizingConfig, WasmDecisionEngine,
  STATUS_PRICE, type DecisionCoreExports, type DecisionOutput,
} from '../engine/decision/index.js';
import { ReferenceDecisionEngine } from '../engine/decision/reference/index.js';
import { buildPlan, IndicatorExecutor, type IndicatorCoreExports } from '../engine/indicators/index.js';
import { SCRATCH_REGION_OFFSET } from '../engine/layout/memory-map.js';
import type { GaussianHmm } from '../engine/regime/gaussian-hmm.js';
import { FILTER_PROBS, FILTER_STEPS, hmmFilterStateOffset } from '../engine/regime/hmm-memory-layout.js';
import { WasmForwardFilter, type HmmCoreExports } from '../engine/regime/wasm-forward-filter.js';
import type { BenchSuite, BenchSuiteOptions } from './main.js';
import { OUTBOUND_RING_OFFSET } from '../engine/layout/memory-map.js';
import { initRing, RingConsumer } from '../engine/ring/index.js';
import { ReferenceRiskEngine, RiskReason, riskReasonName, WasmRiskEngine, type RiskCoreExports, type RiskLimits } from '../engine/risk/index.js';

const REPETITIONS = 9;
const SAMPLE_INSTRUMENT_BARS = 200_000;
const SNAPSHOT_BARS = 4096;
const INSTRUMENT_COUNTS = [1, 100] as const;
const GOAL_NS = 100;
const FILL_EVERY = 16;
const LOT = 1e-6;
const HOUR = 3_600_000_000_000n;
/** Decision-time step per replayed bar: time only drives ages, decay and the risk clock, and must never go back. */
const STEP_NS = 60_000_000_000n;
const SYMBOLS = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP', 'ADA'];
const dataDir = path.resolve(packageRoot(), '../shared/data/crypto_ohlcv');

type Core = DecisionCoreExports & IndicatorCoreExports & HmmCoreExports;

interface Leg {
  readonly name: string;
  /** Runs bars [from, from + count) of the replay for every instrument; returns ns to leave out (venue work), or 0. */
  run(from: number, count: number): number;
}

export interface DecisionBenchCase {
  readonly instruments: number;
  /** Median ns per instrument-bar by leg name (venue work already left out). */
  readonly nsPerInstrumentBar: Record<string, number>;
  /** WASM decRunBatch net of the copy. */
  readonly decideNs: number;
  /** WASM decCheckTargets: (decide + check) - decide. */
  readonly checkNs: number;
  /** WASM decide + check net of the copy: the issue's quantity. */
  readonly decideCheckNs: number;
  readonly referenceOverWasm: number;
  readonly goalMet: boolean;
  readonly maxDifference: number;
  /** Orders checked per instrument-bar, and the share of them by risk reason name. */
  readonly ordersPerInstrumentBar: number;
  readonly reasons: Record<string, number>;
  /** Share of instrument-bars whose implied order a limit cut to fit or stopped, by limit name (TS reference leg). */
  readonly shaped: Record<string, number>;
}

export interface DecisionBenchResult {
  readonly data: string;
  readonly repetitions: number;
  readonly cases: DecisionBenchCase[];
}

async function loadSeries(): Promise<{ name: string; series: OhlcvColumns[] }> {
  const files = SYMBOLS.map((s) => path.join(dataDir, `binance_spot_${s}USDT_1h_2024-04-16_2026-04-16.csv`));
  if (files.every(existsSync)) return { name: `Binance 1h ${SYMBOLS.join(' ')} (${dataDir})`, series: await Promise.all(files.map(async (f) => (await loadBarsCsv(f)).series)) };
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const series = SYMBOLS.map(() => {
    const n = SNAPSHOT_BARS + 64;
    const close = new Float64Array(n);
    let price = 100;
    for (let i = 0; i < n; i++) close[i] = price *= 1 + 0.01 * (random() - 0.5);
    const high = close.map((c) => c * (1 + 0.004 * random()));
    const low = close.map((c) => c * (1 - 0.004 * random()));
    return { length: n, timeNs: BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * HOUR), open: close, high, low, close, volume: close.map(() => 1000 * (0.5 + random())) } as unknown as OhlcvColumns;
  });
  return { name: `seeded random walk (shared data absent at ${dataDir})`, series };
}

const LABEL_MODEL: GaussianHmm = {
  states: 3, features: 1, covarianceType: 'diag',
  startProb: new Float64Array([1 / 3, 1 / 3, 1 / 3]), transMat: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]),
  means: new Float64Array([0, 1, 2]), covars: new Float64Array([1, 1, 1]),
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
  const memory = createSharedMemory();
  const core = instantiateCore(memory, compileCore('release')) as Core;
  const fusion = resolveFusionConfig({ ml: { maxAgeSeconds: 1e9 }, sentiment: { maxAgeSeconds: 1e9, sources: [{ id: 0, weight: 1, cap: 1 }, { id: 1, weight: 0.5 }] } });
  const sizing = resolveSizingConfig({
    strategies: { fixed: { method: 'fixedFractional' }, kelly: { method: 'cappedKelly' }, atr: { method: 'atrStop' } },
  });
  const plan = buildPlan([...decisionTokens(fusion, sizing), 'atr:14']);
  const executor = IndicatorExecutor.create(plan, { core, memory });
  const V = plan.valueCount;
  const f64 = new Float64Array(memory.buffer);
  const view = new DataView(memory.buffer);

  // Snapshots of every series' values after each bar, in the scratch region.
  const snapshotBase = SCRATCH_REGION_OFFSET / 8;
  const snapshotViews: Float64Array[][] = [];
  series.forEach((s, k) => {
    executor.resetSlot(0);
    const views: Float64Array[] = [];
    for (let t = 0; t < SNAPSHOT_BARS; t++) {
      executor.update(0, s.open[t], s.high[t], s.low[t], s.close[t], s.volume[t], s.timeNs[t]);
      const at = snapshotBase + (k * SNAPSHOT_BARS + t) * V;
      f64.copyWithin(at, executor.valuesBase(0), executor.valuesBase(0) + V);
      views.push(f64.subarray(at, at + V));
    }
    snapshotViews.push(views);
  });

  const program = compileDecisionProgram(fusion, sizing, plan);
  const wasm = new WasmDecisionEngine(core, memory);
  wasm.load(program);
  const reference = new ReferenceDecisionEngine(program);
  const filter = new WasmForwardFilter(core, memory);
  filter.loadModel(0, LABEL_MODEL, [0, 1, 2]);
  const strategies = [undefined, 'fixed', 'kelly', 'atr'];
  const slotBase: number[] = [];
  const seriesOf: number[] = [];
  const offsetOf: number[] = [];
  const regimes: { probabilities: number[]; labelOf: number[] }[] = [];
  const t0 = 1_700_000_000_000_000_000n;
  for (let i = 0; i < instruments; i++) {
    executor.resetSlot(1 + i);
    const spec = { instrument: i, indicatorSlot: 1 + i, timeframe: '1h', allowShort: i % 2 === 1, strategy: strategies[i % 4] };
    const compiled = compileInstrument(sizing, plan, spec);
    wasm.addInstrument(compiled);
    reference.addInstrument(compiled);
    filter.reset(i, 0);
    const probabilities = [0.5 + 0.004 * i, 0.3, 0.2 - 0.004 * i].map((p) => Math.max(0, p));
    const sum = probabilities.reduce((a, b) => a + b, 0);
    regimes.push({ probabilities: probabilities.map((p) => p / sum), labelOf: [0, 1, 2] });
    regimes[i].probabilities.forEach((p, k) => view.setFloat64(hmmFilterStateOffset(i) + FILTER_PROBS + 8 * k, p, true));
    view.setBigInt64(hmmFilterStateOffset(i) + FILTER_STEPS, 1n, true);
    const model = { instrument: i, tsNs: t0, quantiles: [-0.012, -0.005, 0.0008 * ((i % 5) - 2), 0.006, 0.013] as [number, number, number, number, number] };
    wasm.onModel(model);
    reference.onModel(i, model.tsNs, model.quantiles);
    for (let k = 0; k < 6; k++) {
      const item = { instrument: i, tsNs: t0 + BigInt(k) * 600_000_000_000n, score: ((k * 7 + i) % 11) / 5 - 1, confidence: 0.5 + 0.05 * k, source: k % 3, contentHash: BigInt(1000 * i + k) };
      wasm.onSentiment(item);
      reference.onSentiment(i, item.tsNs, item.score, item.confidence, item.source, item.contentHash);
    }
    slotBase.push(executor.valuesBase(1 + i));
    seriesOf.push(i % series.length);
    offsetOf.push((37 * i) % SNAPSHOT_BARS);
  }
  // Replay runs forth and back through the snapshots, so prices never jump at a wrap.
  const replayIndex = (i: number, bar: number) => {
    const p = (bar + offsetOf[i]) % (2 * SNAPSHOT_BARS - 2);
    return p < SNAPSHOT_BARS ? p : 2 * SNAPSHOT_BARS - 2 - p;
  };
  const snapshotAt = (i: number, bar: number) => snapshotBase + (seriesOf[i] * SNAPSHOT_BARS + replayIndex(i, bar)) * V;
  const bars = Math.max(FILL_EVERY, Math.ceil(SAMPLE_INSTRUMENT_BARS / instruments / FILL_EVERY) * FILL_EVERY);
  // Decision times, precomputed so no BigInt is built in the timed region (STEP_NS apart, never back).
  const nows = Array.from({ length: (REPETITIONS + 1) * bars + 1 }, (_, b) => t0 + HOUR + BigInt(b) * STEP_NS);
  const nowOf = (bar: number) => nows[bar];
  const equity = 1_000_000;
  const copyBar = (bar: number) => {
    for (let i = 0; i < instruments; i++) {
      const from = snapshotAt(i, bar);
      f64.copyWithin(slotBase[i], from, from + V);
    }
  };
  wasm.stageBatch(Array.from({ length: instruments }, (_, i) => i));
  const risk = riskSetup(core as unknown as Core & RiskCoreExports, memory, instruments, nowOf(0) - 1n);
  const decideWasm = (bar: number) => {
    copyBar(bar);
    const status = core.decRunBatch(instruments, nowOf(bar), equity);
    if (status !== instruments) throw new Error(`decRunBatch returned ${status}`);
  };
  const decideReference = (bar: number, i: number) =>
    reference.step(i, { nowNs: nowOf(bar), equity, values: snapshotViews[seriesOf[i]][replayIndex(i, bar)], regime: regimes[i] });

  const legs: Leg[] = [
    { name: 'copy', run: (from, count) => { for (let b = from; b < from + count; b++) copyBar(b); return 0; } },
    { name: 'wasm-decide', run: (from, count) => { for (let b = from; b < from + count; b++) decideWasm(b); return 0; } },
    {
      name: 'wasm-decide-unchanged',
      run: (from, count) => {
        for (let b = from; b < from + count; b++) {
          const status = core.decRunBatch(instruments, nowOf(b), equity);
          if (status !== instruments) throw new Error(`decRunBatch returned ${status}`);
        }
        return 0;
      },
    },
    {
      name: 'wasm-decide+check',
      run: (from, count) => {
        let venueNs = 0;
        for (let b = from; b < from + count; b++) {
          copyBar(b);
          const orders = core.decDecideAndCheck(instruments, nowOf(b), equity, risk.ring);
          if (orders < 0) throw new Error(`decDecideAndCheck returned ${orders}`);
          risk.ordersWasm += orders;
          if ((b + 1) % FILL_EVERY === 0) venueNs += risk.venueWasm(nowOf(b));
        }
        return venueNs;
      },
    },
    { name: 'reference-decide', run: (from, count) => { for (let b = from; b < from + count; b++) for (let i = 0; i < instruments; i++) decideReference(b, i); return 0; } },
    {
      name: 'reference-decide+check',
      run: (from, count) => {
        let venueNs = 0;
        for (let b = from; b < from + count; b++) {
          for (let i = 0; i < instruments; i++) risk.checkReference(i, nowOf(b), decideReference(b, i));
          if ((b + 1) % FILL_EVERY === 0) venueNs += risk.venueReference(nowOf(b));
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
      if (round >= 0) samples.get(leg.name)!.push(ns / (bars * instruments));
    }
    cursor += bars;
  }
  const ns = Object.fromEntries([...samples].map(([name, values]) => [name, median(values)]));

  // Result check: the +check legs made the same risk decisions on the same bars; one more bar
  // through both decision implementations.
  risk.check();
  const last = cursor;
  copyBar(last);
  core.decRunBatch(instruments, nowOf(last), equity);
  let worst = 0;
  for (let i = 0; i < instruments; i++) worst = Math.max(worst, maxDifference(wasm.output(i), decideReference(last, i)));
  if (!(worst <= 1e-9)) throw new Error(`result check failed: WASM and reference differ by ${worst} on the last bar`);
  const decideNs = ns['wasm-decide'] - ns.copy;
  const decideCheckNs = ns['wasm-decide+check'] - ns.copy;
  const checked = risk.ordersWasm;
  return {
    instruments,
    nsPerInstrumentBar: ns,
    decideNs,
    checkNs: decideCheckNs - decideNs,
    decideCheckNs,
    referenceOverWasm: ns['reference-decide+check'] / decideCheckNs,
    goalMet: decideCheckNs <= GOAL_NS,
    maxDifference: worst,
    ordersPerInstrumentBar: checked / ((REPETITIONS + 1) * bars * instruments),
    reasons: Object.fromEntries(risk.counts.wasm.map((n, r) => [riskReasonName(r), n / checked] as const).filter(([, share]) => share > 0)),
    shaped: Object.fromEntries(risk.counts.referenceShaped.map((n, r) => [riskReasonName(r), n / risk.counts.referenceBars] as const).filter(([, share]) => share > 0)),
  };
}

export async function runDecisionBench(options: { json?: boolean } = {}): Promise<DecisionBenchResult> {
  const { name, series } = await loadSeries();
  const cases = INSTRUMENT_COUNTS.map((n) => runCase(series, n));
  const result: DecisionBenchResult = { data: name, repetitions: REPETITIONS, cases };
  if (options.json) {
    console.log(JSON.stringify(result, null, 2));
    return result;
  }
  const f = (v: number, d = 1) => v.toFixed(d);
  console.log(`decision bench: fusion + sizing + pre-trade check per instrument-bar (medians of ${REPETITIONS} samples of ${SAMPLE_INSTRUMENT_BARS} instrument-bars); data: ${name}`);
  for (const c of cases) {
    const n = c.nsPerInstrumentBar;
    console.log(`${c.instruments} instrument(s):`);
    console.log(`  WASM decide + check (net)   ${f(c.decideCheckNs)} ns   goal <= ${GOAL_NS}: ${c.goalMet ? 'met' : 'NOT met'}   TS reference / WASM = ${f(c.referenceOverWasm, 2)}x`);
    console.log(`    decide: decRunBatch       ${f(c.decideNs)} ns   (technical, ML, sentiment, regime fusion, sizing)`);
    console.log(`    check: decCheckTargets    ${f(c.checkNs)} ns   (mark, implied order, all pre-trade checks; ${f(c.ordersPerInstrumentBar, 2)} orders per instrument-bar)`);
    console.log(`  copy values into slots      ${f(n.copy)} ns   (bench only: the executor writes them in place; subtracted above)`);
    console.log(`  decide, values unchanged    ${f(n['wasm-decide-unchanged'])} ns   (no copy, same values every bar: lower bound of decide)`);
    console.log(`  TS reference decide         ${f(n['reference-decide'])} ns   decide + check ${f(n['reference-decide+check'])} ns`);
    console.log(`  risk reasons of the checked orders: ${Object.entries(c.reasons).map(([r, share]) => `${r} ${f(100 * share)}%`).join(', ')}`);
    console.log(`  implied orders cut to fit or stopped, share of instrument-bars: ${Object.entries(c.shaped).map(([r, share]) => `${r} ${f(100 * share)}%`).join(', ') || 'none'}`);
    console.log(`  result check: risk decisions and equity agree; max relative difference WASM vs reference ${c.maxDifference.toExponential(2)}`);
  }
  return result;
}

export const decisionSuite: BenchSuite = {
  name: 'decision',
  description: 'fusion + sizing + pre-trade check per instrument-bar, 1 and 100 instruments: WASM core vs TS reference',
  run: (options: BenchSuiteOptions = {}) => runDecisionBench({ json: options.json }),
};

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  runDecisionBench({ json: process.argv.includes('--json') }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

// Risk side of the +check legs: the same limits, instruments and order stream for the WASM
// core and the TS reference, the venue (fills of working orders at the mark, ring release),
// and the result check (same count of decisions per reason, bit-identical equity).
function riskSetup(core: Core & RiskCoreExports, memory: WebAssembly.Memory, instruments: number, startNs: bigint) {
  const limits: RiskLimits = {
    maxPositionPct: 0.25, maxAssetClassPct: 0.5, maxGrossExposure: 1e12, maxLeverage: 3, dailyLossPct: 0.5,
    maxDrawdownPct: 0.5, priceBandPct: 0.05, minNotional: 10, maxOrders: 1024, windowNs: 1n,
  };
  const ring = OUTBOUND_RING_OFFSET;
  initRing(memory, ring, 16384);
  const consumer = new RingConsumer(memory, ring);
  const wasm = new WasmRiskEngine(core, memory, ring);
  const reference = new ReferenceRiskEngine();
  for (const engine of [wasm, reference]) {
    engine.configure(limits);
    for (let i = 0; i < instruments; i++) engine.configureInstrument({ instrument: i, assetClass: i % 3, lotSize: LOT, staleNs: 1n << 62n });
    engine.init(1_000_000, startNs);
  }
  const counts = { wasm: new Array<number>(17).fill(0), reference: new Array<number>(17).fill(0), referenceShaped: new Array<number>(17).fill(0), referenceBars: 0 };
  const f64 = new Float64Array(memory.buffer);
  const slot = (i: number) => core.riskSlotOffset(i) / 8;
  const PENDING_BUY = 5;
  const PENDING_SELL = 6;
  const MARK = 7;
  /** Byte offset of the reason code (field `a`) in a risk record. */
  const RECORD_REASON = 40;
  const timed = (work: () => void) => {
    const start = process.hrtime.bigint();
    work();
    return Number(process.hrtime.bigint() - start);
  };
  return {
    ring,
    counts,
    /** Orders decCheckTargets checked; the denied ones are counted from their risk records, the rest were accepted. */
    ordersWasm: 0,
    /** The implied order of the reference decision, checked by the TS reference (as decCheckTargets does). */
    checkReference(i: number, now: bigint, decision: DecisionOutput): void {
      if ((decision.status & STATUS_PRICE) === 0) return;
      reference.onMark(i, now, decision.price);
      counts.referenceBars++;
      const { qty, limit } = reference.impliedOrder(i, decision.quantity, decision.price);
      if (limit !== RiskReason.ACCEPTED) counts.referenceShaped[limit]++;
      if (qty === 0) return;
      counts.reference[reference.checkOrder({ orderId: 0n, instrument: i, tsNs: now, qty, price: decision.price }).reason]++;
    },
    venueWasm: (now: bigint) => timed(() => {
      for (let i = 0; i < instruments; i++) {
        const s = slot(i);
        const buy = f64[s + PENDING_BUY];
        const sell = f64[s + PENDING_SELL];
        if (buy > 0 && core.riskOnFill(i, now, buy, f64[s + MARK], 0, ring) < 0) throw new Error(`riskOnFill(${i}) failed`);
        if (sell > 0 && core.riskOnFill(i, now, -sell, f64[s + MARK], 0, ring) < 0) throw new Error(`riskOnFill(${i}) failed`);
      }
      const available = consumer.available();
      for (let k = 0; k < available; k++) {
        const reason = f64[(consumer.slotOffset((consumer.cursor + k) >>> 0) + RECORD_REASON) / 8];
        if (reason !== RiskReason.KILL_SWITCH_FLATTEN) counts.wasm[reason]++;
      }
      if (available > 0) consumer.release((consumer.cursor + available) >>> 0);
      if (core.riskHalted() === 1) wasm.resetKillSwitch();
    }),
    venueReference: (now: bigint) => timed(() => {
      for (let i = 0; i < instruments; i++) {
        const { pendingBuy, pendingSell, mark } = reference.instrumentState(i);
        if (pendingBuy > 0) reference.onFill(i, now, pendingBuy, mark, 0);
        if (pendingSell > 0) reference.onFill(i, now, -pendingSell, mark, 0);
      }
      if (reference.account().halted) reference.resetKillSwitch();
    }),
    check(): void {
      counts.wasm[RiskReason.ACCEPTED] = this.ordersWasm - counts.wasm.reduce((a, b) => a + b, 0);
      // The two decisions agree to ~1e-15, not bit for bit, so an order whose lot count sits on a
      // rounding boundary can differ by one lot now and then: allow 1 in 10^4 decisions per reason
      // and 1e-9 of equity; anything systematic is far above that.
      const orders = counts.wasm.reduce((a, b) => a + b, 0);
      const worst = Math.max(...counts.wasm.map((n, r) => Math.abs(n - counts.reference[r])));
      if (worst > 1e-4 * orders) throw new Error(`risk result check failed: decisions per reason differ, WASM ${counts.wasm.join()} vs reference ${counts.reference.join()}`);
      if (counts.wasm[RiskReason.ACCEPTED] === 0) throw new Error('risk result check failed: no order was accepted, so the checks never ran to the end');
      const a = wasm.account().equity;
      const b = reference.account().equity;
      if (!(Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)))) throw new Error(`risk result check failed: equity differs, WASM ${a} vs reference ${b}`);
    },
  };
}
