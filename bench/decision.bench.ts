// Decision benchmark: per instrument-bar cost of fusion + sizing (technical rules, ML
// quantiles, filtered sentiment, regime-gated fusion, sizing) in the WASM core against the
// plain TS reference, for 1 and for 100 instruments, in the same run.
//
//   per bar:  indicator values of each instrument -> its indicator slot          [copy leg]
//             -> WASM decRunBatch(N): one core call for all N instruments        [wasm-batch]
//             -> WASM decStep: one JS->WASM call per instrument                  [wasm-call]
//             -> ReferenceDecisionEngine.step per instrument (TS baseline)       [reference]
// Workload: the 1h Binance bars of ../shared/data/crypto_ohlcv (BTC ETH SOL BNB XRP ADA; a
// seeded random walk when absent, and the output says so), run once through the real
// indicator executor with the default rule tokens; the values after each of the first
// SNAPSHOT_BARS bars are kept in the scratch region. Instrument i replays series i % 6 from
// bar offset 37 i. Each instrument holds a regime (3-state label model, fixed filtered
// probabilities), one model output and 6 sentiment items from 3 sources (ages kept valid:
// no expiry rebuild in the timed region), and sizes by method i % 4 (vol target,
// fixed-fractional, capped Kelly, ATR stop), shorts allowed on odd instruments.
// Timed: the WASM legs include copying each instrument's values into its slot (a
// copyWithin inside the same memory, what the indicator executor's output costs the
// decision); the copy leg times that alone, and "net" subtracts it. The reference reads
// the same values in place (no copy). Left out: CSV parsing, the indicator runs, setup.
// Each figure is the median over REPETITIONS samples of SAMPLE_INSTRUMENT_BARS instrument-bars,
// legs sampled round-robin after one warm-up round. Result check: after timing, one more bar
// through both implementations must agree to 1e-9. Goal: <= 100 ns per instrument-bar (WASM).
//
// Run: `npm run bench -- decision [--json]` (after `npm run build`), or
// `node dist/bench/decision.bench.js [--json]`.
// Risk checks (engine/risk) run as further legs, from `riskLegs` at the end of this file.
// The goal applies to the net figure (the batch leg minus the copy leg).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readOhlcvCsv, type OhlcvColumns } from '../engine/bars/index.js';
import { packageRoot } from '../engine/cli/package-root.js';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import {
  compileDecisionProgram, compileInstrument, decisionTokens, resolveFusionConfig, resolveSizingConfig, WasmDecisionEngine,
  type DecisionCoreExports, type DecisionOutput,
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
import { ReferenceRiskEngine, WasmRiskEngine, type RiskCoreExports, type RiskLimits } from '../engine/risk/index.js';

const REPETITIONS = 9;
const SAMPLE_INSTRUMENT_BARS = 200_000;
const SNAPSHOT_BARS = 4096;
const INSTRUMENT_COUNTS = [1, 100] as const;
const GOAL_NS = 100;
const HOUR = 3_600_000_000_000n;
const SYMBOLS = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP', 'ADA'];
const dataDir = path.resolve(packageRoot(), '../shared/data/crypto_ohlcv');

type Core = DecisionCoreExports & IndicatorCoreExports & HmmCoreExports;

interface Leg {
  readonly name: string;
  /** Runs bars [from, from + count) of the replay for every instrument. */
  run(from: number, count: number): void;
}

export interface DecisionBenchCase {
  readonly instruments: number;
  /** Median ns per instrument-bar by leg name. */
  readonly nsPerInstrumentBar: Record<string, number>;
  readonly wasmBatchNetNs: number;
  readonly referenceOverWasmBatch: number;
  readonly goalMet: boolean;
  readonly maxDifference: number;
}

export interface DecisionBenchResult {
  readonly data: string;
  readonly repetitions: number;
  readonly cases: DecisionBenchCase[];
}

function loadSeries(): { name: string; series: OhlcvColumns[] } {
  const files = SYMBOLS.map((s) => path.join(dataDir, `binance_spot_${s}USDT_1h_2024-04-16_2026-04-16.csv`));
  if (files.every(existsSync)) return { name: `Binance 1h ${SYMBOLS.join(' ')} (${dataDir})`, series: files.map((f) => readOhlcvCsv(f)) };
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
  const snapshotAt = (i: number, bar: number) => snapshotBase + (seriesOf[i] * SNAPSHOT_BARS + ((bar + offsetOf[i]) % SNAPSHOT_BARS)) * V;
  // Decision times, precomputed so no BigInt is built in the timed region (they cycle with the snapshots).
  const nows = Array.from({ length: SNAPSHOT_BARS }, (_, b) => t0 + HOUR + BigInt(b) * HOUR);
  const nowOf = (bar: number) => nows[bar % SNAPSHOT_BARS];
  const equity = 1_000_000;
  const copyBar = (bar: number) => {
    for (let i = 0; i < instruments; i++) {
      const from = snapshotAt(i, bar);
      f64.copyWithin(slotBase[i], from, from + V);
    }
  };
  wasm.stageBatch(Array.from({ length: instruments }, (_, i) => i));

  const legs: Leg[] = [
    { name: 'copy', run: (from, count) => { for (let b = from; b < from + count; b++) copyBar(b); } },
    {
      name: 'wasm-batch',
      run: (from, count) => {
        for (let b = from; b < from + count; b++) {
          copyBar(b);
          const status = core.decRunBatch(instruments, nowOf(b), equity);
          if (status !== instruments) throw new Error(`decRunBatch returned ${status}`);
        }
      },
    },
    {
      name: 'wasm-call',
      run: (from, count) => {
        for (let b = from; b < from + count; b++) {
          copyBar(b);
          const now = nowOf(b);
          for (let i = 0; i < instruments; i++) if (core.decStep(i, now, equity) < 0) throw new Error(`decStep(${i}) failed`);
        }
      },
    },
    {
      name: 'reference',
      run: (from, count) => {
        for (let b = from; b < from + count; b++) {
          const now = nowOf(b);
          for (let i = 0; i < instruments; i++) {
            reference.step(i, { nowNs: now, equity, values: snapshotViews[seriesOf[i]][(b + offsetOf[i]) % SNAPSHOT_BARS], regime: regimes[i] });
          }
        }
      },
    },
  ];

  const risk = riskLegs(core as unknown as RiskCoreExports, memory, instruments, nowOf);
  legs.push(...risk.legs);
  const bars = Math.max(1, Math.ceil(SAMPLE_INSTRUMENT_BARS / instruments));
  const samples = new Map<string, number[]>(legs.map((l) => [l.name, []]));
  let cursor = 0;
  for (let round = -1; round < REPETITIONS; round++) {
    for (const leg of legs) {
      const start = process.hrtime.bigint();
      leg.run(cursor, bars);
      const ns = Number(process.hrtime.bigint() - start);
      if (round >= 0) samples.get(leg.name)!.push(ns / (bars * instruments));
    }
    cursor += bars;
  }
  const ns = Object.fromEntries([...samples].map(([name, values]) => [name, median(values)]));

  // Result check: one more bar through both implementations.
  const last = cursor;
  copyBar(last);
  core.decRunBatch(instruments, nowOf(last), equity);
  let worst = 0;
  for (let i = 0; i < instruments; i++) {
    const expected = reference.step(i, { nowNs: nowOf(last), equity, values: snapshotViews[seriesOf[i]][(last + offsetOf[i]) % SNAPSHOT_BARS], regime: regimes[i] });
    worst = Math.max(worst, maxDifference(wasm.output(i), expected));
  }
  if (!(worst <= 1e-9)) throw new Error(`result check failed: WASM and reference differ by ${worst} on the last bar`);
  risk.check();
  return {
    instruments,
    nsPerInstrumentBar: ns,
    wasmBatchNetNs: ns['wasm-batch'] - ns.copy,
    referenceOverWasmBatch: ns.reference / ns['wasm-batch'],
    goalMet: ns['wasm-batch'] - ns.copy <= GOAL_NS,
    maxDifference: worst,
  };
}

export async function runDecisionBench(options: { json?: boolean } = {}): Promise<DecisionBenchResult> {
  const { name, series } = loadSeries();
  const cases = INSTRUMENT_COUNTS.map((n) => runCase(series, n));
  const result: DecisionBenchResult = { data: name, repetitions: REPETITIONS, cases };
  if (options.json) {
    console.log(JSON.stringify(result, null, 2));
    return result;
  }
  const f = (v: number, d = 1) => v.toFixed(d);
  console.log(`decision bench: fusion + sizing per instrument-bar (medians of ${REPETITIONS} samples of ${SAMPLE_INSTRUMENT_BARS} instrument-bars); data: ${name}`);
  for (const c of cases) {
    const n = c.nsPerInstrumentBar;
    console.log(`${c.instruments} instrument(s):`);
    console.log(`  WASM decRunBatch (+copy)  ${f(n['wasm-batch'])} ns   net of copy ${f(c.wasmBatchNetNs)} ns   goal (net) <= ${GOAL_NS}: ${c.goalMet ? 'met' : 'NOT met'}`);
    console.log(`  WASM decStep per call     ${f(n['wasm-call'])} ns   (one JS->WASM call per instrument, +copy)`);
    console.log(`  copy values into slots    ${f(n.copy)} ns`);
    console.log(`  TS reference              ${f(n.reference)} ns   reference / WASM batch = ${f(c.referenceOverWasmBatch, 2)}x`);
    for (const [leg, v] of Object.entries(n)) if (!['wasm-batch', 'wasm-call', 'copy', 'reference'].includes(leg)) console.log(`  ${leg.padEnd(25)} ${f(v)} ns`);
    if (n['risk-wasm'] !== undefined) console.log(`  decision net + risk-wasm  ${f(c.wasmBatchNetNs + n['risk-wasm'])} ns   (fusion + sizing + pre-trade checks per instrument-bar)`);
    console.log(`  result check: max relative difference WASM vs reference ${c.maxDifference.toExponential(2)}`);
  }
  return result;
}

export const decisionSuite: BenchSuite = {
  name: 'decision',
  description: 'fusion + sizing per instrument-bar, 1 and 100 instruments: WASM batch, WASM per call, TS reference',
  run: (options: BenchSuiteOptions = {}) => runDecisionBench({ json: options.json }),
};

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  runDecisionBench({ json: process.argv.includes('--json') }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

// Risk legs (risk engineer): per instrument-bar, the bar's last trade updates the mark
// (riskOnMark), the bar's order passes the pre-trade checks (riskCheckOrder) and an accepted
// order fills at once (riskOnFill), in the WASM core [risk-wasm] and in the TS reference
// [risk-reference], on the same order stream (prices within +-1%, 1..3 lots either side).
// Risk records are released once per bar inside the timed region. Result check: both legs
// end with the same count of decisions per reason and bit-identical equity.
function riskLegs(core: RiskCoreExports, memory: WebAssembly.Memory, instruments: number, nowOf: (bar: number) => bigint): { legs: Leg[]; check(): void } {
  const limits: RiskLimits = {
    maxPositionPct: 0.05, maxAssetClassPct: 0.3, maxGrossExposure: 1e9, maxLeverage: 1, dailyLossPct: 0.05,
    maxDrawdownPct: 0.15, priceBandPct: 0.05, minNotional: 10, maxOrders: 1024, windowNs: 1n,
  };
  initRing(memory, OUTBOUND_RING_OFFSET, 16384);
  const consumer = new RingConsumer(memory, OUTBOUND_RING_OFFSET);
  const wasm = new WasmRiskEngine(core, memory, OUTBOUND_RING_OFFSET);
  const reference = new ReferenceRiskEngine();
  for (const engine of [wasm, reference]) {
    engine.configure(limits);
    for (let i = 0; i < instruments; i++) engine.configureInstrument({ instrument: i, assetClass: i % 3, lotSize: 1, staleNs: 1n << 62n });
    engine.init(1_000_000, nowOf(0) - 1n);
  }
  const priceOf = (i: number, b: number) => 100 * (1 + 0.001 * (((b * 7 + i) % 21) - 10));
  const qtyOf = (i: number, b: number) => ((b + i) % 7) - 3 || 1;
  const counts = { wasm: new Array<number>(17).fill(0), reference: new Array<number>(17).fill(0) };
  const orderId = 1n;
  const ring = OUTBOUND_RING_OFFSET;
  const release = () => {
    const available = consumer.available();
    if (available > 0) consumer.release((consumer.cursor + available) >>> 0);
  };
  const legs: Leg[] = [
    {
      name: 'risk-wasm',
      run: (from, count) => {
        for (let b = from; b < from + count; b++) {
          const now = nowOf(b);
          for (let i = 0; i < instruments; i++) {
            const price = priceOf(i, b);
            const qty = qtyOf(i, b);
            if (core.riskOnMark(i, now, price, ring) < 0) throw new Error(`riskOnMark(${i}) failed`);
            const reason = core.riskCheckOrder(i, now, qty, price, orderId, ring);
            if (reason < 0) throw new Error(`riskCheckOrder(${i}) returned status ${reason}`);
            if (reason === 0 && core.riskOnFill(i, now, qty, price, 0, ring) < 0) throw new Error(`riskOnFill(${i}) failed`);
            counts.wasm[reason]++;
          }
          release();
        }
      },
    },
    {
      name: 'risk-reference',
      run: (from, count) => {
        for (let b = from; b < from + count; b++) {
          const now = nowOf(b);
          for (let i = 0; i < instruments; i++) {
            const price = priceOf(i, b);
            const qty = qtyOf(i, b);
            reference.onMark(i, now, price);
            const { reason } = reference.checkOrder({ orderId, instrument: i, tsNs: now, qty, price });
            if (reason === 0) reference.onFill(i, now, qty, price, 0);
            counts.reference[reason]++;
          }
        }
      },
    },
  ];
  const check = () => {
    if (counts.wasm.join() !== counts.reference.join()) throw new Error(`risk result check failed: decisions per reason differ, WASM ${counts.wasm.join()} vs reference ${counts.reference.join()}`);
    if (!Object.is(wasm.account().equity, reference.account().equity)) {
      throw new Error(`risk result check failed: equity differs, WASM ${wasm.account().equity} vs reference ${reference.account().equity}`);
    }
  };
  return { legs, check };
}
