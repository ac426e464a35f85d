// Three legs that must agree: the WASM core fed per call (indUpdate) equals the WASM core in
// batch mode (indRunBatch) bit for bit; the WASM core equals the TS reference
// (engine/indicators/reference, createReferenceIndicator) on every crypto 1h file; and the
// rolling standard deviation stays exact on a 5M-bar BTC-sized random walk with tiny variance.
// Also: the `quantflow indicators` command writes exactly the batch values.
//
// WASM vs reference error measure: |wasm - ref| / max(|ref|, scale), scale = the mean |ref|
// of the column over the file (so values crossing 0, like macd, hist or diffs, are judged
// against their own magnitude). Tolerance 1e-12 (identical formulas). Looser, 1e-10, for
// outputs that divide a difference of two price-sized numbers by a small one: zscore, volz,
// bb pctb and their transforms, and @slope of a price-level series. Both sides round
// close - mean (or y - mean y) to one ulp of the price (7e-12 at 60,000) before dividing by
// sigma (or by the slope's scale); the two implementations keep their sums differently
// (shift, re-sum period), so these outputs legitimately differ at ~1e-11 (measured max
// 1.1e-11, zscore:20 on the 1h files).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBarsCsv } from '../adapters/files/index.js';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import {
  DEFAULT_DECLARATIONS, IndicatorExecutor, IndicatorRegistry, buildPlan, type BarColumns, type IndicatorCoreExports, type IndicatorPlan,
} from '../engine/indicators/index.js';
import { createReferenceIndicator } from '../engine/indicators/reference/index.js';
import { UserFacingError } from '../engine/cli/cli-error.js';
import { planFromSpec, registerIndicatorsCommand } from '../engine/cli/commands/indicators.js';
import { sharedData, sharedDataPath, skipWithout } from './peers.js';

const dataDir = sharedDataPath('crypto_ohlcv');
const SYMBOLS = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP', 'ADA'];
const hourlyFiles = SYMBOLS.map((s) => path.join(dataDir, `binance_spot_${s}USDT_1h_2024-04-16_2026-04-16.csv`));
const skipRealData = skipWithout(sharedData(hourlyFiles));

/** The full default plan: every indicator, several periods, multi-output selectors and transforms. */
const PARITY_TOKENS = [
  'sma:20', 'sma:50', 'sma:5', 'ema:20', 'ema:5', 'wma:20', 'rsi:14', 'rsi:2', 'tr', 'atr:14', 'bb:20:2', 'bb:20:2.5.pctb',
  'vwap:20', 'vwap', 'svwap:8', 'rvol:20', 'zscore:20', 'macd:12:26:9', 'macd:5:35:5', 'roc:10', 'donchian:20',
  'stoch:14:3', 'stoch:14:3:3', 'adx:14', 'obv', 'relvol:20', 'volz:20', 'ema:20@diff:1', 'ema:20@slope:5',
  'ema:20@lag:3', 'bb:20:2.pctb@diff:1', 'macd:12:26:9@slope:4', 'wma:10@slope:3', 'rsi:14@diff:2@lag:1',
];

const TOLERANCE = 1e-12;
const LOOSE_TOLERANCE = 1e-10;
const isCancellationOutput = (column: string): boolean => /^(zscore|volz):|\.pctb|@slope/.test(column);

const memory = createSharedMemory();
const core = instantiateCore(memory, compileCore('release')) as IndicatorCoreExports;
const executorFor = (plan: IndicatorPlan): IndicatorExecutor => IndicatorExecutor.create(plan, { core, memory });

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
function uniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticBars(n: number, seed: number): BarColumns {
  const random = uniform(seed);
  const bars = { length: n, timeNs: new BigInt64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let price = 60_000;
  for (let i = 0; i < n; i++) {
    const close = price * Math.exp((random() - 0.5) * 0.02);
    bars.timeNs[i] = 1_713_225_600_000_000_000n + BigInt(i) * 3_600_000_000_000n;
    bars.open[i] = price;
    bars.close[i] = close;
    bars.high[i] = Math.max(price, close) * (1 + random() * 0.005);
    bars.low[i] = Math.min(price, close) * (1 - random() * 0.005);
    bars.volume[i] = random() < 0.05 ? 0 : random() * 1000;
    price = close;
  }
  return bars;
}

function streamingEqualsBatch(bars: BarColumns, where: string): void {
  const plan = buildPlan(PARITY_TOKENS);
  const executor = executorFor(plan);
  executor.resetSlot(0);
  const batch = executor.runBatch(0, bars);
  executor.resetSlot(1);
  const base = executor.valuesBase(1);
  const view = new Float64Array(memory.buffer);
  for (let i = 0; i < bars.length; i++) {
    executor.update(1, bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i], bars.timeNs[i]);
    for (let j = 0; j < plan.columns.length; j++) {
      const streamed = view[base + plan.columns[j].valueIndex];
      if (!Object.is(streamed, batch[j][i])) expect.fail(`${plan.columns[j].name} on ${where}, bar ${i}: per call ${streamed}, batch ${batch[j][i]}`);
    }
  }
}

describe('indicator parity: per-call streaming equals batch', () => {
  it('gives bit-identical outputs for the full default plan on synthetic bars', () => {
    streamingEqualsBatch(syntheticBars(5000, 11), 'synthetic bars');
  });

  it('gives the same outputs whatever the batch chunk size', () => {
    const bars = syntheticBars(3000, 12);
    const plan = buildPlan(PARITY_TOKENS);
    const whole = executorFor(plan);
    whole.resetSlot(0);
    const expected = whole.runBatch(0, bars);
    const chunked = IndicatorExecutor.create(plan, { core, memory, chunkRows: 97 });
    chunked.resetSlot(0);
    const actual = plan.columns.map(() => new Float64Array(bars.length));
    const progress: number[] = [];
    chunked.runBatchInto(0, bars, actual, (done) => progress.push(done));
    expect(actual, '97-bar chunks equal one 3000-bar batch').toEqual(expected);
    expect(progress.length, 'one core call per 97-bar chunk').toBe(Math.ceil(3000 / 97));
    expect(progress[progress.length - 1]).toBe(3000);
  });

  it.skipIf(skipRealData)('gives bit-identical outputs for the full default plan on the BTC 1h file', async () => {
    const { series } = await loadBarsCsv(hourlyFiles[0]);
    streamingEqualsBatch(series, path.basename(hourlyFiles[0]));
  });
});

describe.skipIf(skipRealData)('indicator parity: WASM equals the TS reference on the crypto 1h files', () => {
  const files = new Map<string, BarColumns>();
  beforeAll(async () => {
    for (const file of hourlyFiles) files.set(path.basename(file), (await loadBarsCsv(file)).series);
  });

  it.each(SYMBOLS)('%sUSDT 1h: every output of the full plan within tolerance after the same warm-up', (symbol) => {
    const name = path.basename(hourlyFiles[SYMBOLS.indexOf(symbol)]);
    const bars = files.get(name)!;
    const plan = buildPlan(PARITY_TOKENS);
    const executor = executorFor(plan);
    executor.resetSlot(0);
    const wasm = executor.runBatch(0, bars);
    for (const token of PARITY_TOKENS) {
      const reference = createReferenceIndicator(token);
      const columns = plan.tokens.get(token)!;
      expect(reference.outputs.length, `${token}: reference outputs`).toBe(columns.length);
      expect(reference.warmup, `${token}: reference warm-up equals the declared one`).toBe(plan.columns[columns[0]].warmup);
      const expected = columns.map(() => new Float64Array(bars.length));
      for (let i = 0; i < bars.length; i++) {
        reference.update(bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i], bars.timeNs[i]);
        for (let k = 0; k < columns.length; k++) expected[k][i] = reference.value(k);
      }
      columns.forEach((column, k) => {
        const label = plan.columns[column].name;
        const ref = expected[k];
        const got = wasm[column];
        let magnitude = 0;
        let count = 0;
        for (const v of ref) if (!Number.isNaN(v)) (magnitude += Math.abs(v)), (count += 1);
        const scale = count > 0 ? magnitude / count : 1;
        const tolerance = isCancellationOutput(label) ? LOOSE_TOLERANCE : TOLERANCE;
        for (let i = 0; i < bars.length; i++) {
          if (Number.isNaN(ref[i]) !== Number.isNaN(got[i])) expect.fail(`${label} on ${name}, bar ${i}: wasm ${got[i]}, reference ${ref[i]} (warm-up differs)`);
          if (Number.isNaN(ref[i])) continue;
          const error = Math.abs(got[i] - ref[i]) / Math.max(Math.abs(ref[i]), scale);
          if (!(error <= tolerance)) expect.fail(`${label} on ${name}, bar ${i}: wasm ${got[i]}, reference ${ref[i]}, relative error ${error} > ${tolerance}`);
        }
      });
    }
  });
});

describe('indicator parity: rolling variance stays exact on BTC-sized prices over millions of bars', () => {
  const BARS = 5_000_000;
  const WINDOW = 20;
  const CHECKED = 2000;

  /** Two-pass standard deviation of `values` with denominator n - ddof. */
  const twoPass = (values: ArrayLike<number>, ddof: number): number => {
    let mean = 0;
    for (let i = 0; i < values.length; i++) mean += values[i];
    mean /= values.length;
    let squares = 0;
    for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
    return Math.sqrt(squares / (values.length - ddof));
  };

  it('matches a two-pass computation on the last windows of a 5M-bar random walk around 60,000 with steps of 1e-3', () => {
    // The hidden stdev building block, exposed for this test only.
    const registry = new IndicatorRegistry(DEFAULT_DECLARATIONS.map((d) => (d.name === 'stdev' ? { ...d, hidden: false } : d)));
    const plan = buildPlan([`stdev:${WINDOW}:0`, `rvol:${WINDOW}`], registry);
    const executor = executorFor(plan);
    executor.resetSlot(0);
    const random = uniform(2024);
    const chunk = 65_536;
    const bars = { length: chunk, timeNs: new BigInt64Array(chunk), open: new Float64Array(chunk), high: new Float64Array(chunk), low: new Float64Array(chunk), close: new Float64Array(chunk), volume: new Float64Array(chunk) };
    const closes = new Float64Array(BARS);
    let price = 60_000;
    let outputs: Float64Array[] = [];
    for (let start = 0; start < BARS; start += chunk) {
      const rows = Math.min(chunk, BARS - start);
      for (let i = 0; i < rows; i++) {
        price += (random() - 0.5) * 2e-3;
        closes[start + i] = price;
        bars.open[i] = bars.high[i] = bars.low[i] = bars.close[i] = price;
        bars.volume[i] = 1;
      }
      outputs = executor.runBatch(0, { ...bars, length: rows, close: bars.close.subarray(0, rows) } as BarColumns);
    }
    const lastRows = BARS % chunk || chunk;
    let worstStd = 0;
    let worstRvol = 0;
    let worstNaive = 0;
    for (let back = 0; back < CHECKED; back++) {
      const end = BARS - back;
      const window = closes.subarray(end - WINDOW, end);
      const exact = twoPass(window, 0);
      worstStd = Math.max(worstStd, Math.abs(outputs[0][lastRows - 1 - back] - exact) / exact);
      const returns = Float64Array.from({ length: WINDOW }, (_, i) => Math.log(closes[end - WINDOW + i] / closes[end - WINDOW + i - 1]));
      const exactRvol = twoPass(returns, 1);
      worstRvol = Math.max(worstRvol, Math.abs(outputs[1][lastRows - 1 - back] - exactRvol) / exactRvol);
      let sum = 0;
      let squares = 0;
      for (const x of window) (sum += x), (squares += x * x);
      const naive = Math.sqrt(Math.max(0, squares / WINDOW - (sum / WINDOW) ** 2));
      worstNaive = Math.max(worstNaive, Math.abs(naive - exact) / exact);
    }
    console.info(`rolling variance, 5M bars: worst relative error stdev ${worstStd.toExponential(2)}, rvol ${worstRvol.toExponential(2)}, naive formula ${worstNaive.toExponential(2)}`);
    expect(worstStd, `worst relative error of stdev:${WINDOW}:0 over the last ${CHECKED} windows`).toBeLessThan(1e-9);
    expect(worstRvol, `worst relative error of rvol:${WINDOW} over the last ${CHECKED} windows`).toBeLessThan(1e-9);
    expect(worstNaive, 'the naive E[x^2] - E[x]^2 formula fails on this data, so the test can tell stable from unstable').toBeGreaterThan(1e-3);
  });
});

describe('indicator parity: the indicators command writes the batch values', () => {
  it('writes time, then one column per token (multi-output expanded), empty warm-up cells, numbers equal to the batch run', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-indicators-'));
    try {
      const bars = syntheticBars(300, 21);
      const input = path.join(dir, 'bars.csv');
      const output = path.join(dir, 'out.csv');
      const rows = Array.from({ length: bars.length }, (_, i) =>
        [new Date(Number(bars.timeNs[i] / 1_000_000n)).toISOString(), bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i]].join(','));
      writeFileSync(input, `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
      const spec = 'ema:20,bb:20:2,rsi:14@diff:1,macd:12:26:9.signal';
      const program = new Command().exitOverride();
      registerIndicatorsCommand(program);
      await program.parseAsync(['indicators', '--in', input, '--ind', spec, '--out', output], { from: 'user' });

      const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
      expect(lines[0]).toBe('time,ema:20,bb:20:2.upper,bb:20:2.middle,bb:20:2.lower,bb:20:2.pctb,bb:20:2.bandwidth,rsi:14@diff:1,macd:12:26:9.signal');
      expect(lines.length, 'header plus one line per bar').toBe(bars.length + 1);
      const loaded = (await loadBarsCsv(input)).series;
      const plan = buildPlan(spec);
      const executor = executorFor(plan);
      executor.resetSlot(0);
      const expected = executor.runBatch(0, loaded);
      for (let i = 0; i < bars.length; i++) {
        const cells = lines[i + 1].split(',');
        expect(cells[0]).toBe(new Date(Number(bars.timeNs[i] / 1_000_000n)).toISOString());
        plan.columns.forEach((column, j) => {
          const cell = cells[j + 1];
          const want = expected[j][i];
          if (Number.isNaN(want) ? cell !== '' : !Object.is(Number(cell), want)) expect.fail(`${column.name} bar ${i}: csv ${JSON.stringify(cell)}, batch ${want}`);
        });
      }
      expect(lines[19].split(',')[1], 'ema:20 is empty on bar 18').toBe('');
      expect(lines[20].split(',')[1], 'ema:20 has its first value on bar 19').not.toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['ema:0', 'nope:3', 'bb:20:2.nope', 'ema:20,ema:20', 'ema:20,,rsi:14'])('reports the bad spec %s as one line naming the token', (spec) => {
    let thrown: unknown;
    try {
      planFromSpec(spec);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UserFacingError);
    const message = (thrown as Error).message;
    expect(message.includes('\n'), `one line: ${message}`).toBe(false);
    expect(message.startsWith('--ind: '), message).toBe(true);
  });
});
