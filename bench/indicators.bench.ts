// Indicator benchmark: median ns per bar update for every indicator, six ways side by side
// in one run, plus the full plan per bar, heap growth over 10M updates, and the goals
// (>= 10x trading-signals as a geomean and never slower on one; full plan <= 150 ns/bar; zero
// heap growth), each judged per WASM leg.
//
// Hot paths timed (per indicator token):
//   wasm-batch  IndicatorExecutor.runBatchInto(slot, staged.bars, staged.outputs) over all
//               17,520 bars, where `staged` = executor.stagedBatch(n): the caller's columns ARE
//               views on the scratch region, so nothing is copied in or out (one core call)
//   wasm-copy   IndicatorExecutor.runBatchInto from ordinary JS Float64Array/BigInt64Array
//               columns into caller-owned result arrays: the bar columns are copied into the
//               scratch region and the output columns out of it, in chunks of the default
//               chunkRows (1,024 bars; both copies timed)
//   wasm-call   IndicatorExecutor.updateMs(slot, o, h, l, c, v, timeMs) per bar from JS plus
//               one read of the output through a Float64Array view (no BigInt per call)
//   reference   the TS reference (engine/indicators/reference): update + value(0)
//   trading-signals  `update(x, false)` of trading-signals 8.3 (where it has the indicator).
//               8.3 has no `Faster*` classes (every class computes on plain numbers), so the
//               classes used are its fastest variant.
//   technicalindicators  `nextValue(x)` of technicalindicators 3 (where it has the indicator)
// Workload: the 17,520 Binance BTCUSDT 1h bars of /work/shared/data/crypto_ohlcv, replayed.
// Every leg's pass loop is compiled as its own function (`new Function`), so each call site in
// it sees one receiver and one target, as in an application that runs one indicator at one call
// site; a shared loop would make the peers' `update` call megamorphic and penalise small
// indicators. A sample times as many whole passes over the bars as fill SAMPLE_MS (a fresh
// indicator per sample; within a sample it runs on across passes). The legs of one indicator
// are sampled round-robin, so load from other processes on a shared machine hits them alike;
// the median of REPETITIONS samples per leg is reported, after one untimed warm-up round.
// Left out of the timed region: CSV parsing, building the peers' candle objects and the
// millisecond time column, staging the bars into the scratch views, and every construction.
// Ratios: peer ns / wasm ns (higher = the core is faster), and their geometric mean over the
// indicators a peer shares, from wall-clock medians. The same medians in process CPU time
// (process.cpuUsage, which leaves out time the OS gave to other processes on a shared machine
// but counts this process's GC and compiler threads) are in the JSON and the full-plan lines;
// the 1-minute load average at start and end is printed so a reader can judge the noise.
// Heap: process.memoryUsage().heapUsed after a full GC (gc exposed at run time through
// v8.setFlagsFromString('--expose-gc'), so `npm run bench` needs no flag) before and after 10M
// per-call bar updates of the full plan, and 10M staged batch bars, plus the garbage
// collections observed during those loops (perf_hooks 'gc' entries): zero means not even
// short-lived allocations.
//
// Run: `npm run bench -- indicators [--json]` (after `npm run build`), or
// `node dist/bench/indicators.bench.js [--json]`.

import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as ti from 'technicalindicators';
import * as ts from 'trading-signals';
import { loadBarsCsv, type OhlcvColumns } from '../adapters/files/index.js';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import { buildPlan, IndicatorExecutor, type IndicatorCoreExports, type StagedBatch } from '../engine/indicators/index.js';
import { createReferenceIndicator } from '../engine/indicators/reference/index.js';
import type { BenchSuite, BenchSuiteOptions } from './main.js';
import { packageRoot } from '../engine/core/package-root.js';

const REPETITIONS = 9;
const SAMPLE_MS = 8;
const HEAP_UPDATES = 10_000_000;
const DATA_FILE = 'crypto_ohlcv/binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv';
/** The goals. */
const GOAL_GEOMEAN_SPEEDUP = 10;
const GOAL_FULL_PLAN_NS = 150;
/**
 * heapUsed after a full GC moves by up to a few hundred KiB between equivalent states (JIT code
 * and type feedback); one surviving allocation per update would be >= 16 B x 10M = 160 MB.
 */
const HEAP_NOISE_BYTES = 1024 * 1024;

interface Candle {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** A peer indicator: how to construct it, which method it is driven by and with what input. */
interface Peer {
  create(): object;
  input: 'close' | 'volume' | 'candle';
}

interface IndicatorCase {
  token: string;
  /** trading-signals, driven by `update(input, false)`. */
  tradingSignals?: Peer;
  /** technicalindicators, driven by `nextValue(input)`. */
  technicalIndicators?: Peer;
  note?: string;
}

const onClose = (create: () => object): Peer => ({ create, input: 'close' });
const onCandle = (create: () => object): Peer => ({ create, input: 'candle' });

/** Indicators benchmarked, with the peers that have them (constructed fresh per sample). */
const CASES: IndicatorCase[] = [
  { token: 'sma:20', tradingSignals: onClose(() => new ts.SMA(20)), technicalIndicators: onClose(() => new ti.SMA({ period: 20, values: [] })) },
  { token: 'ema:20', tradingSignals: onClose(() => new ts.EMA(20)), technicalIndicators: onClose(() => new ti.EMA({ period: 20, values: [] })) },
  { token: 'wma:20', tradingSignals: onClose(() => new ts.WMA(20)), technicalIndicators: onClose(() => new ti.WMA({ period: 20, values: [] })) },
  { token: 'rsi:14', tradingSignals: onClose(() => new ts.RSI(14)), technicalIndicators: onClose(() => new ti.RSI({ period: 14, values: [] })) },
  { token: 'tr', tradingSignals: onCandle(() => new ts.TR()), technicalIndicators: onCandle(() => new ti.TrueRange({ high: [], low: [], close: [] })) },
  { token: 'atr:14', tradingSignals: onCandle(() => new ts.ATR(14)), technicalIndicators: onCandle(() => new ti.ATR({ period: 14, high: [], low: [], close: [] })) },
  {
    token: 'bb:20:2',
    tradingSignals: onClose(() => new ts.BollingerBands(20, 2)),
    technicalIndicators: onClose(() => new ti.BollingerBands({ period: 20, stdDev: 2, values: [] })),
  },
  {
    token: 'macd:12:26:9',
    tradingSignals: onClose(() => new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9))),
    technicalIndicators: onClose(() => new ti.MACD({ fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false, values: [] })),
  },
  { token: 'roc:10', tradingSignals: onClose(() => new ts.ROC(10)), technicalIndicators: onClose(() => new ti.ROC({ period: 10, values: [] })) },
  { token: 'donchian:20', tradingSignals: onCandle(() => new ts.DonchianChannels(20)) },
  {
    token: 'stoch:14:3',
    tradingSignals: onCandle(() => new ts.StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 1, dPeriod: 3 })),
    technicalIndicators: onCandle(() => new ti.Stochastic({ period: 14, signalPeriod: 3, high: [], low: [], close: [] })),
  },
  { token: 'stoch:14:3:3', tradingSignals: onCandle(() => new ts.StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 })) },
  { token: 'adx:14', tradingSignals: onCandle(() => new ts.ADX(14)), technicalIndicators: onCandle(() => new ti.ADX({ period: 14, high: [], low: [], close: [] })) },
  { token: 'obv', tradingSignals: onCandle(() => new ts.OBV(2)), technicalIndicators: onCandle(() => new ti.OBV({ close: [], volume: [] })) },
  {
    token: 'relvol:20',
    tradingSignals: { create: () => new ts.RVOL(20), input: 'volume' },
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

/** The bars as the legs read them: columns, candle objects, and the open time in ms. */
interface Workload {
  bars: OhlcvColumns;
  candles: Candle[];
  timeMs: Float64Array;
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

/** A pass over bars 0 .. n-1; returns how many results were warm-up (null, undefined or NaN). */
type Pass = (n: number) => number;

/**
 * Compiles one leg's loop as its own function: `setup` runs before the loop, `body` once per
 * bar `i` and counts warm-up results in `nulls`. A function made by `new Function` has its own
 * type feedback, so the calls in `body` stay monomorphic (see the header).
 */
function compilePass(context: Record<string, unknown>, setup: string, body: string): Pass {
  const names = Object.keys(context);
  const factory = new Function(...names, `return function pass(n) { ${setup} let nulls = 0; for (let i = 0; i < n; i += 1) { ${body} } return nulls; };`);
  return factory(...names.map((name) => context[name])) as Pass;
}

/** ns per bar of one sample, wall clock and process CPU time (user + system). */
interface Sample {
  wallNs: number;
  cpuNs: number;
}

/** One sample: prepare, then whole passes until SAMPLE_MS of wall time have elapsed. */
function sample(n: number, leg: Leg): Sample {
  leg.prepare();
  let passes = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    leg.pass();
    passes += 1;
    elapsed = Number(process.hrtime.bigint() - start);
  } while (elapsed < SAMPLE_MS * 1e6);
  const cpu = process.cpuUsage(cpuStart);
  return { wallNs: elapsed / (passes * n), cpuNs: ((cpu.user + cpu.system) * 1000) / (passes * n) };
}

/**
 * Median ns per bar of each leg (wall clock, and CPU time as a second view). Legs are sampled
 * round-robin (one untimed warm-up round, then REPETITIONS rounds) so that load from other
 * processes hits every leg alike and the ratios between legs stay meaningful on a shared machine.
 */
function measureLegs(n: number, legs: (Leg | null)[]): (Sample | null)[] {
  const samples = legs.map(() => [] as Sample[]);
  for (let r = 0; r <= REPETITIONS; r += 1) {
    legs.forEach((leg, k) => {
      if (!leg) return;
      const s = sample(n, leg);
      if (r > 0) samples[k].push(s);
    });
  }
  return legs.map((leg, k) => (leg ? { wallNs: median(samples[k].map((s) => s.wallNs)), cpuNs: median(samples[k].map((s) => s.cpuNs)) } : null));
}

function peerLeg(work: Workload, peer: Peer, method: 'update' | 'nextValue'): Leg {
  const holder = { indicator: peer.create() };
  const input = peer.input === 'candle' ? 'candles[i]' : `${peer.input}[i]`;
  const call = method === 'update' ? `indicator.update(${input}, false)` : `indicator.nextValue(${input})`;
  const pass = compilePass(
    { holder, close: work.bars.close, volume: work.bars.volume, candles: work.candles },
    'const indicator = holder.indicator;',
    `if (${call} == null) nulls += 1;`,
  );
  return {
    prepare: () => {
      holder.indicator = peer.create();
    },
    pass: () => {
      sink += pass(work.bars.length);
    },
  };
}

function referenceLeg(work: Workload, tokens: string[]): Leg {
  const holder = { indicators: tokens.map((t) => createReferenceIndicator(t)) };
  const { open, high, low, close, volume, timeNs } = work.bars;
  const pass = compilePass(
    { holder, open, high, low, close, volume, timeNs },
    'const indicators = holder.indicators; const first = indicators[0];',
    'for (let k = 0; k < indicators.length; k += 1) indicators[k].update(open[i], high[i], low[i], close[i], volume[i], timeNs[i]); if (first.value(0) !== first.value(0)) nulls += 1;',
  );
  return {
    prepare: () => {
      holder.indicators = tokens.map((t) => createReferenceIndicator(t));
    },
    pass: () => {
      sink += pass(work.bars.length);
    },
  };
}

/** Per call from JS: executor.updateMs per bar, then the first output read through a view. */
function wasmCallLeg(executor: IndicatorExecutor, work: Workload): Leg {
  const holder = { valueIndex: 0 };
  const { open, high, low, close, volume } = work.bars;
  const pass = compilePass(
    { executor, f64: new Float64Array(executor.memory.buffer), holder, open, high, low, close, volume, timeMs: work.timeMs },
    'const valueIndex = holder.valueIndex;',
    'executor.updateMs(0, open[i], high[i], low[i], close[i], volume[i], timeMs[i]); if (f64[valueIndex] !== f64[valueIndex]) nulls += 1;',
  );
  return {
    prepare: () => {
      executor.resetSlot(0);
      holder.valueIndex = executor.valuesBase(0) + executor.plan.columns[0].valueIndex;
    },
    pass: () => {
      sink += pass(work.bars.length);
    },
  };
}

/** Copies the bars into stagedBatch views (the caller's own columns in a real use). */
function stage(executor: IndicatorExecutor, bars: OhlcvColumns): StagedBatch {
  const staged = executor.stagedBatch(bars.length);
  staged.bars.timeNs.set(bars.timeNs);
  for (const field of ['open', 'high', 'low', 'close', 'volume'] as const) staged.bars[field].set(bars[field]);
  return staged;
}

/** Zero-copy batch: runBatchInto over stagedBatch views (staged untimed in prepare). */
function wasmBatchLeg(executor: IndicatorExecutor, bars: OhlcvColumns): Leg {
  let staged = stage(executor, bars);
  const last = bars.length - 1;
  return {
    prepare: () => {
      staged = stage(executor, bars);
      executor.resetSlot(0);
    },
    pass: () => {
      executor.runBatchInto(0, staged.bars, staged.outputs);
      sink += staged.outputs[0][last];
    },
  };
}

/** Copying batch: runBatchInto from JS-owned columns into caller-owned result arrays. */
function wasmCopyLeg(executor: IndicatorExecutor, bars: OhlcvColumns): Leg {
  const results = executor.plan.columns.map(() => new Float64Array(bars.length));
  const last = bars.length - 1;
  return {
    prepare: () => executor.resetSlot(0),
    pass: () => {
      executor.runBatchInto(0, bars, results);
      sink += results[0][last];
    },
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
  wasmBatchNs: number;
  wasmCopyNs: number;
  wasmCallNs: number;
  referenceNs: number;
  tradingSignalsNs: number | null;
  technicalIndicatorsNs: number | null;
  /** The same medians in process CPU time (time the OS gave to other processes left out). */
  cpuNs: Record<WasmLeg | 'reference', number> & { tradingSignals: number | null; technicalIndicators: number | null };
  note?: string;
}

type WasmLeg = 'wasmBatch' | 'wasmCopy' | 'wasmCall';
const WASM_LEGS: WasmLeg[] = ['wasmBatch', 'wasmCopy', 'wasmCall'];

export interface IndicatorsBenchResult {
  data: string;
  bars: number;
  repetitions: number;
  rows: IndicatorRow[];
  geomeanSpeedupVsTradingSignals: Record<WasmLeg | 'reference', number>;
  geomeanSpeedupVsTechnicalIndicators: Record<WasmLeg, number>;
  /** Shared indicators where a WASM leg is slower than trading-signals. */
  slowerThanTradingSignals: Record<WasmLeg, string[]>;
  fullPlan: {
    tokens: string[];
    outputColumns: number;
    wasmBatchNsPerBar: number;
    wasmCopyNsPerBar: number;
    wasmCallNsPerBar: number;
    referenceNsPerBar: number;
    cpuNsPerBar: Record<WasmLeg | 'reference', number>;
  };
  /** Peer versions, and the trading-signals `Faster*` classes that exist (none in 8.x: every class uses numbers). */
  peers: { tradingSignals: string; tradingSignalsFasterClasses: string[]; technicalIndicators: string };
  /** os.loadavg() (1 minute) when the run started and ended: how shared the machine was. */
  loadAverage: { start: number; end: number };
  heap: {
    updates: number;
    beforeBytes: number;
    afterBytes: number;
    growthBytes: number;
    batchGrowthBytes: number;
    /** Garbage collections (any kind) during the per-call and the batch loops. */
    callCollections: number;
    batchCollections: number;
  };
  /** Goals judged on the wall-clock medians; the full plan also on CPU time. */
  goals: {
    geomeanAtLeast10x: Record<WasmLeg, boolean>;
    neverSlower: Record<WasmLeg, boolean>;
    fullPlanAtMost150Ns: Record<WasmLeg, boolean>;
    fullPlanAtMost150NsCpuTime: Record<WasmLeg, boolean>;
    zeroHeapGrowth: boolean;
  };
  /** Fold of sampled outputs (and warm-up counts) of every leg: reported so no leg's work is dead code. */
  checksum: number;
}

const geomean = (xs: number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const legNs = (row: IndicatorRow, leg: WasmLeg): number => row[`${leg}Ns`];


/** A dependency's installed version, from its package.json (not importable through its exports map). */
function packageVersion(root: string, name: string): string {
  return (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function runIndicatorsBench(): Promise<IndicatorsBenchResult | null> {
  const root = packageRoot();
  const file = path.resolve(root, '../shared/data', DATA_FILE);
  if (!existsSync(file)) {
    console.warn(`indicators bench: skipped, the market data file ${file} is absent (see /work/shared/data/README.md)`);
    return null;
  }
  const loadAtStart = os.loadavg()[0];
  const bars = (await loadBarsCsv(file)).series;
  const candles: Candle[] = Array.from({ length: bars.length }, (_, i) => ({
    open: bars.open[i], high: bars.high[i], low: bars.low[i], close: bars.close[i], volume: bars.volume[i],
  }));
  const timeMs = Float64Array.from(bars.timeNs, (t) => Number(t / 1_000_000n));
  const work: Workload = { bars, candles, timeMs };
  const memory = createSharedMemory();
  const core = instantiateCore(memory, compileCore('release')) as IndicatorCoreExports;
  const executorFor = (tokens: string[]) => IndicatorExecutor.create(buildPlan(tokens), { core, memory });
  const n = bars.length;

  const rows: IndicatorRow[] = [];
  for (const c of CASES) {
    const executor = executorFor([c.token]);
    const [batch, copy, call, reference, tradingSignals, technicalIndicators] = measureLegs(n, [
      wasmBatchLeg(executor, bars),
      wasmCopyLeg(executor, bars),
      wasmCallLeg(executor, work),
      referenceLeg(work, [c.token]),
      c.tradingSignals ? peerLeg(work, c.tradingSignals, 'update') : null,
      c.technicalIndicators ? peerLeg(work, c.technicalIndicators, 'nextValue') : null,
    ]);
    rows.push({
      token: c.token,
      wasmBatchNs: batch!.wallNs,
      wasmCopyNs: copy!.wallNs,
      wasmCallNs: call!.wallNs,
      referenceNs: reference!.wallNs,
      tradingSignalsNs: tradingSignals?.wallNs ?? null,
      technicalIndicatorsNs: technicalIndicators?.wallNs ?? null,
      cpuNs: {
        wasmBatch: batch!.cpuNs, wasmCopy: copy!.cpuNs, wasmCall: call!.cpuNs, reference: reference!.cpuNs,
        tradingSignals: tradingSignals?.cpuNs ?? null, technicalIndicators: technicalIndicators?.cpuNs ?? null,
      },
      ...(c.note ? { note: c.note } : {}),
    });
  }

  const vsTs = rows.filter((r) => r.tradingSignalsNs !== null);
  const vsTi = rows.filter((r) => r.technicalIndicatorsNs !== null);
  const perLeg = <T>(f: (leg: WasmLeg) => T) => Object.fromEntries(WASM_LEGS.map((leg) => [leg, f(leg)])) as Record<WasmLeg, T>;
  const geomeanSpeedupVsTradingSignals = {
    ...perLeg((leg) => geomean(vsTs.map((r) => r.tradingSignalsNs! / legNs(r, leg)))),
    reference: geomean(vsTs.map((r) => r.tradingSignalsNs! / r.referenceNs)),
  };
  const geomeanSpeedupVsTechnicalIndicators = perLeg((leg) => geomean(vsTi.map((r) => r.technicalIndicatorsNs! / legNs(r, leg))));
  const slowerThanTradingSignals = perLeg((leg) => vsTs.filter((r) => r.tradingSignalsNs! < legNs(r, leg)).map((r) => r.token));

  // Full plan per bar.
  const full = executorFor(FULL_PLAN_TOKENS);
  const [fullBatch, fullCopy, fullCall, fullReference] = measureLegs(n, [
    wasmBatchLeg(full, bars),
    wasmCopyLeg(full, bars),
    wasmCallLeg(full, work),
    referenceLeg(work, FULL_PLAN_TOKENS),
  ]);
  const fullPlan = {
    tokens: FULL_PLAN_TOKENS,
    outputColumns: full.plan.columns.length,
    wasmBatchNsPerBar: fullBatch!.wallNs,
    wasmCopyNsPerBar: fullCopy!.wallNs,
    wasmCallNsPerBar: fullCall!.wallNs,
    referenceNsPerBar: fullReference!.wallNs,
    cpuNsPerBar: { wasmBatch: fullBatch!.cpuNs, wasmCopy: fullCopy!.cpuNs, wasmCall: fullCall!.cpuNs, reference: fullReference!.cpuNs },
  };

  // Heap: 10M per-call updates of the full plan (and as many staged batch bars), after full GCs:
  // the retained growth, and the garbage collections during the loop (an allocation per update,
  // even a short-lived one like a BigInt, would fill the young generation and trigger many).
  const gc = collectGarbage();
  const gcEvents = new PerformanceObserver(() => undefined);
  gcEvents.observe({ entryTypes: ['gc'] });
  const collectionsDuring = (run: () => void): number => {
    gcEvents.takeRecords();
    run();
    return gcEvents.takeRecords().length;
  };
  const callLeg = wasmCallLeg(full, work);
  callLeg.prepare();
  callLeg.pass(); // JIT warm-up before the baseline
  callLeg.pass();
  const passes = Math.ceil(HEAP_UPDATES / n);
  gc();
  const beforeBytes = process.memoryUsage().heapUsed;
  const callCollections = collectionsDuring(() => {
    for (let k = 0; k < passes; k += 1) callLeg.pass();
  });
  gc();
  const afterBytes = process.memoryUsage().heapUsed;
  const batchLeg = wasmBatchLeg(full, bars);
  batchLeg.prepare();
  batchLeg.pass();
  batchLeg.pass();
  gc();
  const batchBefore = process.memoryUsage().heapUsed;
  const batchCollections = collectionsDuring(() => {
    for (let k = 0; k < passes; k += 1) batchLeg.pass();
  });
  gc();
  const batchGrowthBytes = process.memoryUsage().heapUsed - batchBefore;
  gcEvents.disconnect();
  const heap = { updates: passes * n, beforeBytes, afterBytes, growthBytes: afterBytes - beforeBytes, batchGrowthBytes, callCollections, batchCollections };

  const goals = {
    geomeanAtLeast10x: perLeg((leg) => geomeanSpeedupVsTradingSignals[leg] >= GOAL_GEOMEAN_SPEEDUP),
    neverSlower: perLeg((leg) => slowerThanTradingSignals[leg].length === 0),
    fullPlanAtMost150Ns: perLeg((leg) => fullPlan[`${leg}NsPerBar`] <= GOAL_FULL_PLAN_NS),
    fullPlanAtMost150NsCpuTime: perLeg((leg) => fullPlan.cpuNsPerBar[leg] <= GOAL_FULL_PLAN_NS),
    zeroHeapGrowth: heap.growthBytes <= HEAP_NOISE_BYTES && heap.batchGrowthBytes <= HEAP_NOISE_BYTES && heap.callCollections === 0 && heap.batchCollections === 0,
  };

  return {
    data: file,
    bars: n,
    repetitions: REPETITIONS,
    rows,
    geomeanSpeedupVsTradingSignals,
    geomeanSpeedupVsTechnicalIndicators,
    slowerThanTradingSignals,
    fullPlan,
    peers: {
      tradingSignals: packageVersion(root, 'trading-signals'),
      tradingSignalsFasterClasses: Object.keys(ts).filter((name) => name.startsWith('Faster')),
      technicalIndicators: packageVersion(root, 'technicalindicators'),
    },
    loadAverage: { start: loadAtStart, end: os.loadavg()[0] },
    heap,
    goals,
    checksum: sink,
  };
}

const fmt = (ns: number | null) => (ns === null ? '-' : ns < 100 ? ns.toFixed(1) : ns.toFixed(0));
const ratio = (peer: number | null, ours: number) => (peer === null ? '-' : `${(peer / ours).toFixed(1)}x`);
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');

export function printIndicatorsBench(result: IndicatorsBenchResult, log: (line: string) => void = console.log): void {
  log(`indicators: median ns per bar update, ${result.repetitions} samples of >= ${SAMPLE_MS} ms over ${result.bars} bars (${path.basename(result.data)})`);
  const p = result.peers;
  const faster = p.tradingSignalsFasterClasses.length ? p.tradingSignalsFasterClasses.join(', ') : 'none (all its classes use plain numbers)';
  log(`peers: trading-signals ${p.tradingSignals} via update(x, false), Faster* classes exported: ${faster}; technicalindicators ${p.technicalIndicators} via nextValue(x)`);
  log(['token', 'wasm-batch', 'wasm-copy', 'wasm-call', 'reference', 'trading-sig', 'technicalind', 'ts/batch', 'ts/copy', 'ts/call', 'ti/batch', 'ti/call'].map((h) => h.padStart(13)).join(''));
  for (const r of result.rows) {
    log(
      [r.token, fmt(r.wasmBatchNs), fmt(r.wasmCopyNs), fmt(r.wasmCallNs), fmt(r.referenceNs), fmt(r.tradingSignalsNs), fmt(r.technicalIndicatorsNs),
        ratio(r.tradingSignalsNs, r.wasmBatchNs), ratio(r.tradingSignalsNs, r.wasmCopyNs), ratio(r.tradingSignalsNs, r.wasmCallNs),
        ratio(r.technicalIndicatorsNs, r.wasmBatchNs), ratio(r.technicalIndicatorsNs, r.wasmCallNs)]
        .map((c) => c.padStart(13)).join('') + (r.note ? `   (${r.note})` : ''),
    );
  }
  const g = result.geomeanSpeedupVsTradingSignals;
  const t = result.geomeanSpeedupVsTechnicalIndicators;
  log(`geomean speedup vs trading-signals: wasm-batch ${g.wasmBatch.toFixed(1)}x, wasm-copy ${g.wasmCopy.toFixed(1)}x, wasm-call ${g.wasmCall.toFixed(1)}x, reference ${g.reference.toFixed(1)}x`);
  log(`geomean speedup vs technicalindicators: wasm-batch ${t.wasmBatch.toFixed(1)}x, wasm-copy ${t.wasmCopy.toFixed(1)}x, wasm-call ${t.wasmCall.toFixed(1)}x`);
  for (const leg of WASM_LEGS) {
    const slower = result.slowerThanTradingSignals[leg];
    log(`indicators where ${leg} is slower than trading-signals: ${slower.length ? slower.join(', ') : 'none'}`);
  }
  const f = result.fullPlan;
  const c = f.cpuNsPerBar;
  log(`full plan (${f.tokens.length} tokens, ${f.outputColumns} outputs), wall clock: wasm-batch ${fmt(f.wasmBatchNsPerBar)} ns/bar, wasm-copy ${fmt(f.wasmCopyNsPerBar)} ns/bar, wasm-call ${fmt(f.wasmCallNsPerBar)} ns/bar, reference ${fmt(f.referenceNsPerBar)} ns/bar`);
  log(`full plan, process CPU time: wasm-batch ${fmt(c.wasmBatch)} ns/bar, wasm-copy ${fmt(c.wasmCopy)} ns/bar, wasm-call ${fmt(c.wasmCall)} ns/bar, reference ${fmt(c.reference)} ns/bar`);
  const h = result.heap;
  log(`heap after GC, ${h.updates.toLocaleString('en')} per-call full-plan updates: ${h.beforeBytes} -> ${h.afterBytes} bytes (growth ${h.growthBytes}), ${h.callCollections} garbage collections during them; staged batch over as many bars: growth ${h.batchGrowthBytes} bytes, ${h.batchCollections} collections`);
  const goals = result.goals;
  for (const leg of WASM_LEGS) {
    log(`goals for ${leg}: geomean >= ${GOAL_GEOMEAN_SPEEDUP}x vs trading-signals ${met(goals.geomeanAtLeast10x[leg])}; never slower than trading-signals ${met(goals.neverSlower[leg])}; full plan <= ${GOAL_FULL_PLAN_NS} ns/bar ${met(goals.fullPlanAtMost150Ns[leg])} (CPU time: ${met(goals.fullPlanAtMost150NsCpuTime[leg])})`);
  }
  log(`goal zero heap growth (retained growth within ${HEAP_NOISE_BYTES} bytes of GC noise, no collection during the loops): ${met(goals.zeroHeapGrowth)}`);
  log(`load average (1 min) at start ${result.loadAverage.start.toFixed(2)}, at end ${result.loadAverage.end.toFixed(2)} on ${os.cpus().length} CPUs; checksum of sampled outputs: ${result.checksum}`);
}

/** Suite entry for bench/main.ts. */
export const indicatorsSuite: BenchSuite = {
  name: 'indicators',
  description: 'indicator kernels: WASM batch (zero-copy and copying) and per call vs TS reference, trading-signals and technicalindicators; full plan; heap growth; goals',
  async run(options: BenchSuiteOptions = {}): Promise<IndicatorsBenchResult | null> {
    const result = await runIndicatorsBench();
    if (result && options.json) console.log(JSON.stringify(result, null, 2));
    else if (result) printIndicatorsBench(result);
    return result;
  },
};

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  void indicatorsSuite.run({ json: process.argv.includes('--json') });
}
