// TA-Lib as the oracle for the TS reference indicators: every file of
// /work/shared/data/crypto_ohlcv goes through tools/talib/talib_reference.py (TA-Lib 0.6.x
// in .cache/pyenv) and through createReferenceIndicator, and every output must agree after
// warm-up. Also tests each documented difference (engine/indicators/TALIB_DIFFERENCES.md).
//
// Relative error: |ours - talib| / max(|talib|, floor), where floor is the scale of the
// output's unit, so values crossing 0 (macd, hist, obv) are judged against that scale
// rather than against 0: price-unit outputs use the file's mean |close|, 0..100 oscillators
// and percentages use 1, volume-unit outputs the file's mean volume, unitless ratios 1.
// Bound: 1e-9. The WASM core (one plan holding every checked token, run in batch mode
// through IndicatorExecutor) is held to the same bound against the same TA-Lib outputs.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBarsCsv, type OhlcvColumns } from '../adapters/files/index.js';
import { buildPlan, IndicatorExecutor } from '../engine/indicators/index.js';
import { createReferenceIndicator } from '../engine/indicators/reference/index.js';
import { pythonBin as python, pythonPeer, sharedData, sharedDataPath, skipWithout } from './peers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = sharedDataPath('crypto_ohlcv');
const script = path.join(repoRoot, 'tools/talib/talib_reference.py');
const data = sharedData(['crypto_ohlcv']);
const talibPeer = pythonPeer(['talib']);

const BOUND = 1e-9;

type Unit = 'price' | 'points' | 'volume' | 'ratio';

/** Tokens checked against TA-Lib, each output with its unit (which sets the error floor). */
const CHECKED: Record<string, Record<string, Unit>> = {
  'sma:20': { value: 'price' },
  'sma:2': { value: 'price' },
  'ema:20': { value: 'price' },
  'ema:200': { value: 'price' },
  'wma:10': { value: 'price' },
  'wma:50': { value: 'price' },
  'rsi:14': { value: 'points' },
  'rsi:2': { value: 'points' },
  tr: { value: 'price' },
  'atr:14': { value: 'price' },
  'atr:1': { value: 'price' },
  'bb:20:2': { upper: 'price', middle: 'price', lower: 'price' },
  'bb:50:2.5': { upper: 'price', middle: 'price', lower: 'price' },
  'macd:12:26:9': { macd: 'price', signal: 'price', hist: 'price' },
  'macd:5:35:5': { macd: 'price', signal: 'price', hist: 'price' },
  'roc:10': { value: 'points' },
  'donchian:20': { upper: 'price', lower: 'price' },
  'stoch:14:3': { k: 'points', d: 'points' },
  'stoch:14:3:3': { k: 'points', d: 'points' },
  'stoch:5:1:1': { k: 'points', d: 'points' },
  'adx:14': { adx: 'points', plusdi: 'points', minusdi: 'points' },
  'adx:2': { adx: 'points', plusdi: 'points', minusdi: 'points' },
  obv: { value: 'volume' },
};

/** Outputs whose TA-Lib series starts at another bar than ours (documented in TALIB_DIFFERENCES.md). */
function talibFirstIndex(token: string, output: string, ourFirst: number): number {
  if (token === 'tr') return 1; // TRANGE has no first-bar value; ours is high - low
  const adx = /^adx:(\d+)$/.exec(token);
  if (adx && output !== 'adx') return Number(adx[1]); // PLUS_DI/MINUS_DI start at N; our adx node emits all three at 2N-1
  return ourFirst;
}

interface TalibDocument {
  rows: number;
  talib: string;
  outputs: Record<string, Record<string, (number | null)[]>>;
}

function runTalib(files: string[], tokens: string[], outDir: string): void {
  execFileSync(python, [script, '--tokens', tokens.join(','), '--out-dir', outDir, ...files], { stdio: ['ignore', 'inherit', 'pipe'] });
}

function readTalib(outDir: string, file: string): TalibDocument {
  return JSON.parse(readFileSync(path.join(outDir, `${path.basename(file, '.csv')}.json`), 'utf8')) as TalibDocument;
}

/** Runs `token` over all bars; returns one series per output (NaN during warm-up). */
function runReference(token: string, bars: OhlcvColumns): { outputs: string[]; warmup: number; series: Float64Array[] } {
  const indicator = createReferenceIndicator(token);
  const series = indicator.outputs.map(() => new Float64Array(bars.length));
  for (let i = 0; i < bars.length; i += 1) {
    indicator.update(bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i], bars.timeNs[i]);
    for (let o = 0; o < series.length; o += 1) series[o][i] = indicator.value(o);
  }
  return { outputs: indicator.outputs, warmup: indicator.warmup, series };
}

function mean(values: Float64Array, abs = true): number {
  let sum = 0;
  for (const v of values) sum += abs ? Math.abs(v) : v;
  return sum / values.length;
}

function relativeError(ours: number, talib: number, floor: number): number {
  return Math.abs(ours - talib) / Math.max(Math.abs(talib), floor);
}

interface Worst {
  error: number;
  index: number;
  ours: number;
  talib: number;
}

function worstError(ours: Float64Array, talib: (number | null)[], from: number, floor: number): Worst {
  const worst: Worst = { error: 0, index: -1, ours: Number.NaN, talib: Number.NaN };
  for (let i = from; i < ours.length; i += 1) {
    const expected = talib[i];
    if (expected === null || !Number.isFinite(ours[i])) return { error: Number.POSITIVE_INFINITY, index: i, ours: ours[i], talib: expected ?? Number.NaN };
    const error = relativeError(ours[i], expected, floor);
    if (error > worst.error) Object.assign(worst, { error, index: i, ours: ours[i], talib: expected });
  }
  return worst;
}

const worstSeen = new Map<string, number>();
const wasmWorstSeen = new Map<string, number>();
const files = !data.missing ? readdirSync(dataDir).filter((f) => f.endsWith('.csv')).sort().map((f) => path.join(dataDir, f)) : [];

describe.skipIf(skipWithout(data, talibPeer))('TS reference indicators agree with TA-Lib on every crypto_ohlcv file', () => {
  let outDir = '';
  let executor: IndicatorExecutor;

  beforeAll(() => {
    outDir = mkdtempSync(path.join(tmpdir(), 'qf-talib-'));
    runTalib(files, Object.keys(CHECKED), outDir);
    executor = IndicatorExecutor.create(buildPlan(Object.keys(CHECKED)));
  });
  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    const summary = [...worstSeen].map(([output, error]) => `${output} ${error.toExponential(1)}`).join(', ');
    console.log(`indicators-talib: worst relative error per output over ${files.length} files: ${summary}`);
    const wasmSummary = [...wasmWorstSeen].map(([output, error]) => `${output} ${error.toExponential(1)}`).join(', ');
    console.log(`indicators-talib: WASM core worst relative error per output: ${wasmSummary}`);
  });

  it('finds the data files', () => {
    expect(files.length, `expected the crypto_ohlcv CSVs in ${dataDir}`).toBeGreaterThan(0);
  });

  describe.each(files.map((f) => [path.basename(f), f]))('%s', (_name, file) => {
    let bars: OhlcvColumns;
    let talib: TalibDocument;
    let scales: Record<Unit, number>;

    beforeAll(async () => {
      bars = (await loadBarsCsv(file)).series;
      talib = readTalib(outDir, file);
      scales = { price: mean(bars.close), points: 1, volume: mean(bars.volume), ratio: 1 };
    });

    it.each(Object.keys(CHECKED))('%s matches TA-Lib after warm-up within 1e-9 relative error', (token) => {
      expect(talib.rows, 'TA-Lib read as many rows as the TS CSV reader').toBe(bars.length);
      const ours = runReference(token, bars);
      for (const [output, unit] of Object.entries(CHECKED[token])) {
        const o = ours.outputs.indexOf(output);
        expect(o, `${token} has an output named ${output} (has ${ours.outputs.join(', ')})`).toBeGreaterThanOrEqual(0);
        const series = ours.series[o];
        const expected = talib.outputs[token][output];
        const ourFirst = ours.warmup - 1;
        expect(Number.isNaN(series[ourFirst - 1] ?? Number.NaN), `${token}.${output} is NaN before bar ${ourFirst} (warm-up ${ours.warmup})`).toBe(true);
        const taFirst = expected.findIndex((v) => v !== null);
        expect(taFirst, `${token}.${output}: TA-Lib's first value is at bar ${talibFirstIndex(token, output, ourFirst)} (ours at ${ourFirst})`).toBe(
          talibFirstIndex(token, output, ourFirst),
        );
        const worst = worstError(series, expected, Math.max(ourFirst, taFirst), scales[unit]);
        worstSeen.set(`${token}.${output}`, Math.max(worstSeen.get(`${token}.${output}`) ?? 0, worst.error));
        expect(
          worst.error,
          `${token}.${output}: worst relative error at bar ${worst.index}: ours ${worst.ours}, TA-Lib ${worst.talib} (floor ${scales[unit]})`,
        ).toBeLessThanOrEqual(BOUND);
      }
    });

    it('the WASM core (batch plan of every checked token) matches TA-Lib after warm-up within 1e-9 relative error', () => {
      executor.resetSlot(0);
      const columns = executor.runBatch(0, bars);
      const failures: string[] = [];
      for (const [token, outputs] of Object.entries(CHECKED)) {
        for (const [output, unit] of Object.entries(outputs)) {
          const name = Object.keys(outputs).length === 1 && output === 'value' ? token : `${token}.${output}`;
          const column = executor.plan.columns.findIndex((c) => c.name === name);
          if (column < 0) {
            failures.push(`${name}: no such plan column`);
            continue;
          }
          const expected = talib.outputs[token][output];
          const ourFirst = executor.plan.columns[column].warmup - 1;
          const from = Math.max(ourFirst, expected.findIndex((v) => v !== null));
          const worst = worstError(columns[column], expected, from, scales[unit]);
          wasmWorstSeen.set(name, Math.max(wasmWorstSeen.get(name) ?? 0, worst.error));
          if (!(worst.error <= BOUND)) failures.push(`${name}: bar ${worst.index}: core ${worst.ours}, TA-Lib ${worst.talib} (relative error ${worst.error})`);
        }
      }
      expect(failures, 'WASM outputs outside 1e-9 of TA-Lib').toEqual([]);
    });

    it('bb:20:2 pctb and bandwidth equal the formulas applied to the TA-Lib bands', () => {
      const ours = runReference('bb:20:2', bars);
      const upper = talib.outputs['bb:20:2'].upper;
      const middle = talib.outputs['bb:20:2'].middle;
      const lower = talib.outputs['bb:20:2'].lower;
      let worstPctb = 0;
      let worstBandwidth = 0;
      for (let i = ours.warmup - 1; i < bars.length; i += 1) {
        const u = upper[i]!;
        const l = lower[i]!;
        const pctb = u === l ? 0.5 : (bars.close[i] - l) / (u - l);
        worstPctb = Math.max(worstPctb, relativeError(ours.series[3][i], pctb, 1));
        worstBandwidth = Math.max(worstBandwidth, relativeError(ours.series[4][i], (u - l) / middle[i]!, 1e-3));
      }
      // TA-Lib's sigma comes from sum(x^2)/N - mean^2, whose rounding (~1e-9 of sigma on narrow
      // BTC bands) is divided by the band width here: 1e-6 bounds that, not our formula.
      expect(worstPctb, 'pctb = (close - lower) / (upper - lower), unit scale').toBeLessThanOrEqual(1e-6);
      expect(worstBandwidth, 'bandwidth = (upper - lower) / middle, floor 1e-3').toBeLessThanOrEqual(1e-6);
    });
  });
});

/** Writes synthetic bars as a CSV the Python script and loadBarsCsv both read. */
function writeBarsCsv(dir: string, name: string, bars: { high: number; low: number; close: number; volume?: number }[]): string {
  const file = path.join(dir, `${name}.csv`);
  const start = Date.parse('2024-01-01T00:00:00Z');
  const lines = bars.map((b, i) => `${new Date(start + i * 3_600_000).toISOString()},${b.close},${b.high},${b.low},${b.close},${b.volume ?? 1}`);
  writeFileSync(file, ['timestamp,open,high,low,close,volume', ...lines].join('\n'));
  return file;
}

describe.skipIf(skipWithout(talibPeer))('documented differences from TA-Lib (engine/indicators/TALIB_DIFFERENCES.md)', () => {
  let dir = '';
  const talibFor = async (name: string, bars: Parameters<typeof writeBarsCsv>[2], tokens: string[]) => {
    const file = writeBarsCsv(dir, name, bars);
    runTalib([file], tokens, dir);
    return { bars: (await loadBarsCsv(file)).series, talib: readTalib(dir, file) };
  };
  const wave = Array.from({ length: 60 }, (_, i) => {
    const close = 100 + 10 * Math.sin(i / 3) + i * 0.1;
    return { high: close + 1 + (i % 3), low: close - 1 - (i % 2), close };
  });

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'qf-talib-diff-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('1. tr emits high - low on the first bar where TA-Lib TRANGE has no value, and agrees afterwards', async () => {
    const { bars, talib } = await talibFor('tr', wave, ['tr']);
    const ours = runReference('tr', bars);
    expect(talib.outputs.tr.value[0], 'TA-Lib TRANGE lookback is 1').toBeNull();
    expect(ours.series[0][0], 'our first-bar true range is high - low').toBe(bars.high[0] - bars.low[0]);
    expect(Array.from(ours.series[0].slice(1)), 'identical from bar 1').toEqual(talib.outputs.tr.value.slice(1));
  });

  it('2. adx:N emits +DI/-DI from bar 2N-1 where TA-Lib PLUS_DI/MINUS_DI start at bar N, equal where both exist', async () => {
    const n = 7;
    const { bars, talib } = await talibFor('adx', wave, [`adx:${n}`]);
    const ours = runReference(`adx:${n}`, bars);
    const plusTalib = talib.outputs[`adx:${n}`].plusdi;
    expect(plusTalib.findIndex((v) => v !== null), 'TA-Lib PLUS_DI starts at bar N').toBe(n);
    expect(ours.series[1].findIndex((v) => !Number.isNaN(v)), 'our plusdi starts with the adx, at bar 2N-1').toBe(2 * n - 1);
    for (const [o, name] of [[1, 'plusdi'], [2, 'minusdi']] as const) {
      expect(Array.from(ours.series[o].slice(2 * n - 1)), `${name} identical from bar 2N-1`).toEqual(talib.outputs[`adx:${n}`][name].slice(2 * n - 1));
    }
  });

  it('3. bb sigma stays exact when it is tiny next to the price, where TA-Lib BBANDS cancels catastrophically', async () => {
    const quiet = Array.from({ length: 40 }, (_, i) => ({ high: 1e6 + 1e-3, low: 1e6, close: 1e6 + (i % 2) * 1e-3 }));
    const { bars, talib } = await talibFor('bb-quiet', quiet, ['bb:20:2']);
    const ours = runReference('bb:20:2', bars);
    const last = bars.length - 1;
    const bands = talib.outputs['bb:20:2'];
    const talibSpread = bands.upper[last]! - bands.middle[last]!;
    expect(ours.series[0][last] - ours.series[1][last], 'ours: upper - middle = 2 sigma = 2 * 5e-4').toBeCloseTo(1e-3, 9);
    expect(Math.abs(talibSpread - 1e-3), `TA-Lib: sum(x^2)/N - mean^2 at 1e6 loses sigma = 5e-4 to rounding (2 sigma came out ${talibSpread})`).toBeGreaterThan(1e-4);
    expect(ours.series[1][last], 'middle bands agree').toBeCloseTo(bands.middle[last]!, 6);
  });

  it('5. bb keeps its bands on a series priced at 1e-8, where TA-Lib BBANDS zeroes sigma (variance below TA_EPSILON, 1e-14)', async () => {
    const cheap = wave.map((b) => ({ high: b.high * 1e-10, low: b.low * 1e-10, close: b.close * 1e-10 }));
    const { bars, talib } = await talibFor('bb-cheap', cheap, ['bb:20:2']);
    const ours = runReference('bb:20:2', bars);
    const bands = talib.outputs['bb:20:2'];
    const last = bars.length - 1;
    const window = Array.from(bars.close.slice(last - 19, last + 1));
    const mean = window.reduce((a, b) => a + b, 0) / 20;
    const sigma = Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / 20);
    expect([bands.upper[last], bands.lower[last]], 'TA-Lib: upper = lower = middle (sigma taken as 0)').toEqual([bands.middle[last], bands.middle[last]]);
    expect(relativeError(ours.series[0][last] - ours.series[1][last], 2 * sigma, 0), `ours: upper - middle = 2 sigma (${2 * sigma})`).toBeLessThanOrEqual(1e-9);
    expect(relativeError(ours.series[1][last], bands.middle[last]!, 0), 'middle bands agree').toBeLessThanOrEqual(1e-12);
  });

  it('4. sma:1 is accepted (TA-Lib SMA needs N >= 2) and macd with fast >= slow is rejected (TA-Lib swaps them)', () => {
    const sma1 = createReferenceIndicator('sma:1');
    sma1.update(1, 2, 0.5, 1.5, 10, 0n);
    expect(sma1.value(0), 'sma:1 is the close').toBe(1.5);
    expect(() => createReferenceIndicator('macd:26:12:9'), 'fast must be below slow').toThrow(/`fast` must be < `slow` \(12\), was 26/);
  });

  it('shares TA-Lib 0.6 zero test (|x| < 1e-14): RSI and ADX of a series priced at 1e-8 agree with TA-Lib, reference and core', async () => {
    const cheap = wave.map((b) => ({ high: b.high * 1e-10, low: b.low * 1e-10, close: b.close * 1e-10 }));
    const tokens = ['rsi:14', 'adx:7'];
    const { bars, talib } = await talibFor('cheap', cheap, tokens);
    const executor = IndicatorExecutor.create(buildPlan(tokens));
    executor.resetSlot(0);
    const core = executor.runBatch(0, bars);
    const checks: [string, string, number][] = [['rsi:14', 'value', 0], ['adx:7', 'adx', 1], ['adx:7', 'plusdi', 2], ['adx:7', 'minusdi', 3]];
    for (const [token, output, column] of checks) {
      const reference = runReference(token, bars);
      const series = reference.series[reference.outputs.indexOf(output)];
      const expected = talib.outputs[token][output];
      const from = Math.max(reference.warmup - 1, expected.findIndex((v) => v !== null));
      const worstReference = worstError(series, expected, from, 1);
      const worstCore = worstError(core[column], expected, from, 1);
      expect(worstReference.error, `reference ${token}.${output} at bar ${worstReference.index}: ours ${worstReference.ours}, TA-Lib ${worstReference.talib}`).toBeLessThanOrEqual(BOUND);
      expect(worstCore.error, `core ${token}.${output} at bar ${worstCore.index}: ours ${worstCore.ours}, TA-Lib ${worstCore.talib}`).toBeLessThanOrEqual(BOUND);
    }
  });

  it('shares TA-Lib conventions on degenerate input: flat RSI is 0, stochastic %K is 0 when high == low', async () => {
    const flat = Array.from({ length: 30 }, () => ({ high: 5, low: 5, close: 5 }));
    const { bars, talib } = await talibFor('flat', flat, ['rsi:14', 'stoch:5:3']);
    const rsi = runReference('rsi:14', bars);
    const stoch = runReference('stoch:5:3', bars);
    const last = bars.length - 1;
    expect([rsi.series[0][last], talib.outputs['rsi:14'].value[last]], 'RSI on a flat series: ours, TA-Lib').toEqual([0, 0]);
    expect([stoch.series[0][last], talib.outputs['stoch:5:3'].k[last]], 'fast %K with HH == LL: ours, TA-Lib').toEqual([0, 0]);
  });

  it('agrees with TA-Lib, core and reference, through windows that turn flat (HH == LL) mid-series: %K 0 there, %D smoothing across the edges', async () => {
    const flatAt = (level: number, length: number) => Array.from({ length }, () => ({ high: level, low: level, close: level }));
    const series = [...wave.slice(0, 25), ...flatAt(107, 20), ...wave.slice(25), ...flatAt(99, 8)];
    const tokens = ['stoch:5:3', 'stoch:14:3:3', 'stoch:3:1'];
    const { bars, talib } = await talibFor('flat-windows', series, tokens);
    const executor = IndicatorExecutor.create(buildPlan(tokens));
    executor.resetSlot(0);
    const core = executor.runBatch(0, bars);
    let column = 0;
    for (const token of tokens) {
      const reference = runReference(token, bars);
      for (const output of ['k', 'd']) {
        const expected = talib.outputs[token][output];
        const from = expected.findIndex((v) => v !== null);
        const worstReference = worstError(reference.series[reference.outputs.indexOf(output)], expected, from, 1);
        const worstCore = worstError(core[column++], expected, from, 1);
        expect(worstReference.error, `reference ${token}.${output} at bar ${worstReference.index}: ours ${worstReference.ours}, TA-Lib ${worstReference.talib}`).toBeLessThanOrEqual(BOUND);
        expect(worstCore.error, `core ${token}.${output} at bar ${worstCore.index}: ours ${worstCore.ours}, TA-Lib ${worstCore.talib}`).toBeLessThanOrEqual(BOUND);
      }
    }
    expect([core[0][43], talib.outputs['stoch:5:3'].k[43]], 'stoch:5:3 %K five bars into the flat window at 107: core, TA-Lib').toEqual([0, 0]);
  });
});
