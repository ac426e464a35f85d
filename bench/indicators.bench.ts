// Indicator benchmark: median ns per bar update for every indicator, five ways side by side
// in one run, plus the full plan per bar and heap growth over 10M updates.
//
// Hot paths timed (per indicator token):
//   wasm-kernel the core's batch call alone: core.indRunBatch over 17,520 bars whose columns
//               were staged in the scratch region before the timed region
//   wasm-batch  IndicatorExecutor.runBatch: one core call (indRunBatch) per 17,520 bars, the
//               bar columns copied into the scratch region and the output columns copied out
//               (both copies are inside the timed region: that is what a batch user pays)
//   wasm-call   one core.indUpdate(slot, o, h, l, c, v, t) per bar from JS plus one read of
//               the output through the Float64Array view
//   reference   the TS reference (engine/indicators/reference): update + value(0)
//   trading-signals  `update(x, false)` of trading-signals 8 (where it has the indicator)
//   technicalindicators  `nextValue(x)` of technicalindicators 3 (where it has the indicator)
// Workload: the 17,520 Binance BTCUSDT 1h bars of /work/shared/data/crypto_ohlcv, replayed.
// A sample times as many whole passes over the bars as fill SAMPLE_MS (a fresh indicator
// per sample; within a sample the indicator runs on across passes). The legs of one
// indicator are sampled round-robin, so load from other processes on a shared machine hits
// them alike; the median of REPETITIONS samples per leg is reported, after one untimed
// warm-up round. Left out of the timed region: CSV parsing, building the peers' candle
// objects ({high, low, close, volume}) and every indicator construction.
// Ratios: peer ns / wasm ns (higher = the core is faster), and their geometric mean over the
// indicators a peer shares. Heap: process.memoryUsage().heapUsed after a full GC (gc exposed
// at run time through v8.setFlagsFromString('--expose-gc'), so `npm run bench` needs no flag)
// before and after 10M per-call bar updates of the full plan.
//
// Run: `npm run bench -- indicators [--json]` (after `npm run build`), or
// `node dist/bench/indicators.bench.js [--json]`.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as ti from 'technicalindicators';
import * as ts from 'trading-signals';
import { readOhlcvCsv, type OhlcvColumns } from '../engine/bars/index.js';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import { buildPlan, IndicatorExecutor, type IndicatorCoreExports } from '../engine/indicators/index.js';
import { BATCH_INPUT_COLUMNS } from '../engine/indicators/plan-layout.js';
import { SCRATCH_REGION_OFFSET } from '../engine/layout/memory-map.js';
import { createReferenceIndicator } from '../engine/indicators/reference/index.js';
import type { BenchSuite, BenchSuiteOptions } from './main.js';

const REPETITIONS = 9;
const SAMPLE_MS = 8;
const HEAP_UPDATES = 10_000_000;
const DATA_FILE = 'crypto_ohlcv/binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv';

interface Candle {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

type Step = (i: number) => unknown;
type PeerFactory = (bars: OhlcvColumns, candles: Candle[]) => Step;

interface IndicatorCase {
  token: string;
  tradingSignals?: PeerFactory;
  technicalIndicators?: PeerFactory;
  note?: string;
}

const closeStep = (ind: { update(x: number, replace: boolean): unknown }) => (bars: OhlcvColumns) => (i: number) => ind.update(bars.close[i], false);

/** Indicators benchmarked, with the peers that have them (constructed fresh per repetition). */
const CASES: IndicatorCase[] = [
  { token: 'sma:20', tradingSignals: (b) => closeStep(new ts.SMA(20))(b), technicalIndicators: (b) => tiClose(new ti.SMA({ period: 20, values: [] }), b) },
  { token: 'ema:20', tradingSignals: (b) => closeStep(new ts.EMA(20))(b), technicalIndicators: (b) => tiClose(new ti.EMA({ period: 20, values: [] }), b) },
  { token: 'wma:20', tradingSignals: (b) => closeStep(new ts.WMA(20))(b), technicalIndicators: (b) => tiClose(new ti.WMA({ period: 20, values: [] }), b) },
  { token: 'rsi:14', tradingSignals: (b) => closeStep(new ts.RSI(14))(b), technicalIndicators: (b) => tiClose(new ti.RSI({ period: 14, values: [] }), b) },
  { token: 'tr', tradingSignals: (_b, c) => candleStep(new ts.TR(), c), technicalIndicators: (_b, c) => tiCandle(new ti.TrueRange({ high: [], low: [], close: [] }), c) },
  { token: 'atr:14', tradingSignals: (_b, c) => candleStep(new ts.ATR(14), c), technicalIndicators: (_b, c) => tiCandle(new ti.ATR({ period: 14, high: [], low: [], close: [] }), c) },
  {
    token: 'bb:20:2',
    tradingSignals: (b) => closeStep(new ts.BollingerBands(20, 2))(b),
    technicalIndicators: (b) => tiClose(new ti.BollingerBands({ period: 20, stdDev: 2, values: [] }), b),
  },
  {
    token: 'macd:12:26:9',
    tradingSignals: (b) => closeStep(new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9)))(b),
    technicalIndicators: (b) =>
      tiClose(new ti.MACD({ fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false, values: [] }), b),
  },
  { token: 'roc:10', tradingSignals: (b) => closeStep(new ts.ROC(10))(b), technicalIndicators: (b) => tiClose(new ti.ROC({ period: 10, values: [] }), b) },
  { token: 'donchian:20', tradingSignals: (_b, c) => candleStep(new ts.DonchianChannels(20), c) },
  {
    token: 'stoch:14:3',
    tradingSignals: (_b, c) => candleStep(new ts.StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 1, dPeriod: 3 }), c),
    technicalIndicators: (_b, c) => tiCandle(new ti.Stochastic({ period: 14, signalPeriod: 3, high: [], low: [], close: [] }), c),
  },
  { token: 'stoch:14:3:3', tradingSignals: (_b, c) => candleStep(new ts.StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 }), c) },
  { token: 'adx:14', tradingSignals: (_b, c) => candleStep(new ts.ADX(14), c), technicalIndicators: (_b, c) => tiCandle(new ti.ADX({ period: 14, high: [], low: [], close: [] }), c) },
  { token: 'obv', tradingSignals: (_b, c) => candleStep(new ts.OBV(2), c), technicalIndicators: (_b, c) => tiCandle(new ti.OBV({ close: [], volume: [] }), c) },
  {
    token: 'relvol:20',
    tradingSignals: (b) => {
      const rvol = new ts.RVOL(20);
      return (i) => rvol.update(b.volume[i], false);
    },
    note: 'trading-signals RVOL averages the 20 bars before the current one (ours includes it)',
  },
  { token: 'vwap:20' },
  { token: 'vwap' },
  { token: 'rvol:20' },
  { token: 'zscore:20' },
  { token: 'volz:20' },
  { token: 'ema:20@slope:5' },
];

/** The full plan: every indicator family, 20+ output columns. */
export const FULL_PLAN_TOKENS = [
  'sma:20', 'ema:20', 'ema:50', 'wma:20', 'rsi:14', 'tr', 'atr:14', 'bb:20:2', 'vwap:20', 'vwap', 'rvol:20', 'zscore:20',
  'macd:12:26:9', 'roc:10', 'donchian:20', 'stoch:14:3:3', 'adx:14', 'obv', 'relvol:20', 'volz:20', 'ema:20@slope:5', 'bb:20:2.pctb@diff:1',
];

function tiClose(ind: { nextValue(x: number): unknown }, bars: OhlcvColumns): Step {
  return (i) => ind.nextValue(bars.close[i]);
}

function tiCandle(ind: { nextValue(x: never): unknown }, candles: Candle[]): Step {
  return (i) => ind.nextValue(candles[i] as never);
}

function candleStep(ind: { update(x: never, replace: boolean): unknown }, candles: Candle[]): Step {
  return (i) => ind.update(candles[i] as never, false);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

let sink = 0; // results feed this so no leg's work can be optimised away

/** One way of running an indicator: `prepare` (untimed) gives a fresh state, `pass` runs all bars once. */
interface Leg {
  prepare(): void;
  pass(): void;
}

/** ns per bar of one sample: prepare, then whole passes until SAMPLE_MS have elapsed. */
function sampleNs(n: number, leg: Leg): number {
  leg.prepare();
  let passes = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    leg.pass();
    passes += 1;
    elapsed = Number(process.hrtime.bigint() - start);
  } while (elapsed < SAMPLE_MS * 1e6);
  return elapsed / (passes * n);
}

/**
 * Median ns per bar of each leg. Legs are sampled round-robin (one untimed warm-up round,
 * then REPETITIONS rounds) so that load from other processes hits every leg alike and the
 * ratios between legs stay meaningful on a shared machine.
 */
function measureLegs(n: number, legs: (Leg | null)[]): (number | null)[] {
  const samples = legs.map(() => [] as number[]);
  for (let r = 0; r <= REPETITIONS; r += 1) {
    legs.forEach((leg, k) => {
      if (!leg) return;
      const ns = sampleNs(n, leg);
      if (r > 0) samples[k].push(ns);
    });
  }
  return legs.map((leg, k) => (leg ? median(samples[k]) : null));
}

function passesLeg(n: number, makeStep: () => Step): Leg {
  let step: Step = () => null;
  return {
    prepare: () => {
      step = makeStep();
    },
    pass: () => {
      for (let i = 0; i < n; i += 1) {
        const v = step(i);
        if (v === null) sink += 1;
      }
    },
  };
}

function batchLeg(executor: IndicatorExecutor, bars: OhlcvColumns): Leg {
  return {
    prepare: () => executor.resetSlot(0),
    pass: () => {
      sink += executor.runBatch(0, bars)[0][bars.length - 1];
    },
  };
}

/**
 * indRunBatch alone: the bar columns are staged in the scratch region once, untimed, in the
 * layout runBatch uses for a single chunk (so the batch leg rewrites the same values).
 */
function kernelLeg(executor: IndicatorExecutor, bars: OhlcvColumns): Leg {
  const n = bars.length;
  const base = SCRATCH_REGION_OFFSET / 8;
  const f64 = new Float64Array(executor.memory.buffer);
  const outputOffset = SCRATCH_REGION_OFFSET + 8 * BATCH_INPUT_COLUMNS * n;
  const stage = () => {
    new BigInt64Array(executor.memory.buffer).set(bars.timeNs, base);
    [bars.open, bars.high, bars.low, bars.close, bars.volume].forEach((column, k) => f64.set(column, base + (k + 1) * n));
  };
  return {
    prepare: () => {
      stage();
      executor.resetSlot(0);
    },
    pass: () => {
      const done = executor.core.indRunBatch(0, SCRATCH_REGION_OFFSET, n, outputOffset);
      if (done !== n) throw new Error(`indRunBatch ran ${done} of ${n} bars`);
      sink += f64[outputOffset / 8 + n - 1];
    },
  };
}

function wasmCallStep(executor: IndicatorExecutor, bars: OhlcvColumns, column = 0): () => Step {
  const core = executor.core;
  const f64 = new Float64Array(executor.memory.buffer);
  return () => {
    executor.resetSlot(0);
    const valueIndex = executor.valuesBase(0) + executor.plan.columns[column].valueIndex;
    return (i) => {
      core.indUpdate(0, bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i], bars.timeNs[i]);
      return f64[valueIndex];
    };
  };
}

function referenceStep(token: string, bars: OhlcvColumns): () => Step {
  return () => {
    const ind = createReferenceIndicator(token);
    return (i) => {
      ind.update(bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i], bars.timeNs[i]);
      return ind.value(0);
    };
  };
}

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

export interface IndicatorRow {
  token: string;
  wasmKernelNs: number;
  wasmBatchNs: number;
  wasmCallNs: number;
  referenceNs: number;
  tradingSignalsNs: number | null;
  technicalIndicatorsNs: number | null;
  note?: string;
}

export interface IndicatorsBenchResult {
  data: string;
  bars: number;
  repetitions: number;
  rows: IndicatorRow[];
  geomeanSpeedupVsTradingSignals: { wasmKernel: number; wasmBatch: number; wasmCall: number; reference: number };
  geomeanSpeedupVsTechnicalIndicators: { wasmKernel: number; wasmBatch: number; wasmCall: number };
  fullPlan: { tokens: string[]; outputColumns: number; wasmKernelNsPerBar: number; wasmBatchNsPerBar: number; wasmCallNsPerBar: number; referenceNsPerBar: number };
  heap: { updates: number; beforeBytes: number; afterBytes: number; growthBytes: number; batchGrowthBytes: number };
  /** Fold of sampled outputs (and warm-up nulls) of every leg: reported so no leg's work is dead code. */
  checksum: number;
}

const geomean = (xs: number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('indicators bench: no package.json above the bench file');
    dir = parent;
  }
  return dir;
}

export function runIndicatorsBench(log: (line: string) => void = console.log): IndicatorsBenchResult | null {
  const file = path.resolve(findRepoRoot(), '../shared/data', DATA_FILE);
  if (!existsSync(file)) {
    console.warn(`indicators bench: skipped, the market data file ${file} is absent (see /work/shared/data/README.md)`);
    return null;
  }
  const bars = readOhlcvCsv(file);
  const candles: Candle[] = Array.from({ length: bars.length }, (_, i) => ({
    open: bars.open[i], high: bars.high[i], low: bars.low[i], close: bars.close[i], volume: bars.volume[i],
  }));
  const memory = createSharedMemory();
  const core = instantiateCore(memory, compileCore('release')) as IndicatorCoreExports;
  const executorFor = (tokens: string[]) => IndicatorExecutor.create(buildPlan(tokens), { core, memory });

  const rows: IndicatorRow[] = [];
  for (const c of CASES) {
    const executor = executorFor([c.token]);
    const n = bars.length;
    const [kernel, batch, call, reference, tradingSignals, technicalIndicators] = measureLegs(n, [
      kernelLeg(executor, bars),
      batchLeg(executor, bars),
      passesLeg(n, wasmCallStep(executor, bars)),
      passesLeg(n, referenceStep(c.token, bars)),
      c.tradingSignals ? passesLeg(n, () => c.tradingSignals!(bars, candles)) : null,
      c.technicalIndicators ? passesLeg(n, () => c.technicalIndicators!(bars, candles)) : null,
    ]);
    rows.push({
      token: c.token,
      wasmKernelNs: kernel!,
      wasmBatchNs: batch!,
      wasmCallNs: call!,
      referenceNs: reference!,
      tradingSignalsNs: tradingSignals,
      technicalIndicatorsNs: technicalIndicators,
      ...(c.note ? { note: c.note } : {}),
    });
  }

  const vsTs = rows.filter((r) => r.tradingSignalsNs !== null);
  const vsTi = rows.filter((r) => r.technicalIndicatorsNs !== null);
  const geomeanSpeedupVsTradingSignals = {
    wasmKernel: geomean(vsTs.map((r) => r.tradingSignalsNs! / r.wasmKernelNs)),
    wasmBatch: geomean(vsTs.map((r) => r.tradingSignalsNs! / r.wasmBatchNs)),
    wasmCall: geomean(vsTs.map((r) => r.tradingSignalsNs! / r.wasmCallNs)),
    reference: geomean(vsTs.map((r) => r.tradingSignalsNs! / r.referenceNs)),
  };
  const geomeanSpeedupVsTechnicalIndicators = {
    wasmKernel: geomean(vsTi.map((r) => r.technicalIndicatorsNs! / r.wasmKernelNs)),
    wasmBatch: geomean(vsTi.map((r) => r.technicalIndicatorsNs! / r.wasmBatchNs)),
    wasmCall: geomean(vsTi.map((r) => r.technicalIndicatorsNs! / r.wasmCallNs)),
  };

  // Full plan per bar.
  const full = executorFor(FULL_PLAN_TOKENS);
  const references = () => FULL_PLAN_TOKENS.map((t) => createReferenceIndicator(t));
  const [fullKernel, fullBatch, fullCall, fullReference] = measureLegs(bars.length, [
    kernelLeg(full, bars),
    batchLeg(full, bars),
    passesLeg(bars.length, wasmCallStep(full, bars)),
    passesLeg(bars.length, () => {
      const inds = references();
      return (i) => {
        for (const ind of inds) ind.update(bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i], bars.timeNs[i]);
        return inds[0].value(0);
      };
    }),
  ]);
  const fullPlan = {
    tokens: FULL_PLAN_TOKENS,
    outputColumns: full.plan.columns.length,
    wasmKernelNsPerBar: fullKernel!,
    wasmBatchNsPerBar: fullBatch!,
    wasmCallNsPerBar: fullCall!,
    referenceNsPerBar: fullReference!,
  };

  // Heap growth: 10M per-call updates of the full plan (and 10M batch bars), after full GCs.
  const gc = collectGarbage();
  const makeStep = wasmCallStep(full, bars);
  const step = makeStep();
  for (let i = 0; i < bars.length; i += 1) step(i); // JIT warm-up before the baseline
  gc();
  const beforeBytes = process.memoryUsage().heapUsed;
  for (let done = 0; done < HEAP_UPDATES; done += 1) {
    const v = step(done % bars.length) as number;
    if (v !== v) sink += 1;
  }
  gc();
  const afterBytes = process.memoryUsage().heapUsed;
  const batchBars = Math.ceil(HEAP_UPDATES / bars.length);
  full.resetSlot(0);
  sink += full.runBatch(0, bars)[0][bars.length - 1];
  gc();
  const batchBefore = process.memoryUsage().heapUsed;
  for (let k = 0; k < batchBars; k += 1) sink += full.runBatch(0, bars)[0][bars.length - 1];
  gc();
  const batchGrowthBytes = process.memoryUsage().heapUsed - batchBefore;
  const heap = { updates: HEAP_UPDATES, beforeBytes, afterBytes, growthBytes: afterBytes - beforeBytes, batchGrowthBytes };

  return {
    data: file,
    bars: bars.length,
    repetitions: REPETITIONS,
    rows,
    geomeanSpeedupVsTradingSignals,
    geomeanSpeedupVsTechnicalIndicators,
    fullPlan,
    heap,
    checksum: sink,
  };
}

const fmt = (ns: number | null) => (ns === null ? '-' : ns < 100 ? ns.toFixed(1) : ns.toFixed(0));
const ratio = (peer: number | null, ours: number) => (peer === null ? '-' : `${(peer / ours).toFixed(1)}x`);

export function printIndicatorsBench(result: IndicatorsBenchResult, log: (line: string) => void = console.log): void {
  log(`indicators: median ns per bar update, ${result.repetitions} samples of >= ${SAMPLE_MS} ms over ${result.bars} bars (${path.basename(result.data)})`);
  log(['token', 'wasm-kernel', 'wasm-batch', 'wasm-call', 'reference', 'trading-sig', 'technicalind', 'ts/kernel', 'ts/batch', 'ts/call', 'ti/kernel', 'ti/call'].map((h) => h.padStart(13)).join(''));
  for (const r of result.rows) {
    log(
      [r.token, fmt(r.wasmKernelNs), fmt(r.wasmBatchNs), fmt(r.wasmCallNs), fmt(r.referenceNs), fmt(r.tradingSignalsNs), fmt(r.technicalIndicatorsNs),
        ratio(r.tradingSignalsNs, r.wasmKernelNs), ratio(r.tradingSignalsNs, r.wasmBatchNs), ratio(r.tradingSignalsNs, r.wasmCallNs),
        ratio(r.technicalIndicatorsNs, r.wasmKernelNs), ratio(r.technicalIndicatorsNs, r.wasmCallNs)]
        .map((c) => c.padStart(13)).join('') + (r.note ? `   (${r.note})` : ''),
    );
  }
  const g = result.geomeanSpeedupVsTradingSignals;
  const t = result.geomeanSpeedupVsTechnicalIndicators;
  log(`geomean speedup vs trading-signals: wasm-kernel ${g.wasmKernel.toFixed(1)}x, wasm-batch ${g.wasmBatch.toFixed(1)}x, wasm-call ${g.wasmCall.toFixed(1)}x, reference ${g.reference.toFixed(1)}x (goal >= 10x)`);
  log(`geomean speedup vs technicalindicators: wasm-kernel ${t.wasmKernel.toFixed(1)}x, wasm-batch ${t.wasmBatch.toFixed(1)}x, wasm-call ${t.wasmCall.toFixed(1)}x`);
  for (const leg of ['wasmKernelNs', 'wasmBatchNs', 'wasmCallNs'] as const) {
    const slower = result.rows.filter((r) => r.tradingSignalsNs !== null && r.tradingSignalsNs < r[leg]).map((r) => r.token);
    log(`indicators where ${leg.replace('Ns', '')} is slower than trading-signals: ${slower.length ? slower.join(', ') : 'none'}`);
  }
  const f = result.fullPlan;
  log(`full plan (${f.tokens.length} tokens, ${f.outputColumns} outputs): wasm-kernel ${fmt(f.wasmKernelNsPerBar)} ns/bar, wasm-batch ${fmt(f.wasmBatchNsPerBar)} ns/bar, wasm-call ${fmt(f.wasmCallNsPerBar)} ns/bar, reference ${fmt(f.referenceNsPerBar)} ns/bar (goal <= 150)`);
  const h = result.heap;
  log(`checksum of sampled outputs: ${result.checksum}`);
  log(`heap after GC, ${h.updates.toLocaleString('en')} per-call full-plan updates: ${h.beforeBytes} -> ${h.afterBytes} bytes (growth ${h.growthBytes}); batch path growth ${h.batchGrowthBytes} bytes`);
}

/** Suite entry for bench/main.ts. */
export const indicatorsSuite: BenchSuite = {
  name: 'indicators',
  description: 'indicator kernels: WASM batch and per call vs TS reference, trading-signals and technicalindicators; full plan; heap growth',
  run(options: BenchSuiteOptions = {}): IndicatorsBenchResult | null {
    const result = runIndicatorsBench(options.json ? () => undefined : console.log);
    if (result && options.json) console.log(JSON.stringify(result, null, 2));
    else if (result) printIndicatorsBench(result);
    return result;
  },
};

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  indicatorsSuite.run({ json: process.argv.includes('--json') });
}
