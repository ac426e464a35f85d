// The contract every declared indicator meets in the WASM core, run for each token in
// CONTRACT_TOKENS: warm-up exactly as declared (NaN/null before it, finite after it on real
// data), checkpoint/restore mid-stream gives a bit-identical continuation (in another slot
// and in another core), bad parameters are rejected with a message, and flat prices give
// NaN-free output. Real data: ../shared/data/crypto_ohlcv (when absent: skipped, or failed under CI=true);
// synthetic random-walk bars run always.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBarsCsv } from '../adapters/files/index.js';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import {
  IndicatorExecutor, IndicatorSpecError, buildPlan, type BarColumns, type IndicatorCoreExports, type IndicatorPlan,
} from '../engine/indicators/index.js';
import { sharedData, sharedDataPath, skipWithout } from './peers.js';

const dataDir = sharedDataPath('crypto_ohlcv');
const realFiles = ['binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv', 'binance_spot_XRPUSDT_4h_2024-04-16_2026-04-16.csv'].map((f) => path.join(dataDir, f));
const skipRealData = skipWithout(sharedData(realFiles));

/** Every public indicator, the optional forms, and each transform. */
const CONTRACT_TOKENS = [
  'sma:20', 'ema:20', 'wma:20', 'rsi:14', 'tr', 'atr:14', 'bb:20:2', 'vwap:20', 'vwap', 'svwap:8', 'rvol:20',
  'zscore:20', 'macd:12:26:9', 'roc:10', 'donchian:20', 'stoch:14:3', 'stoch:14:3:3', 'adx:14', 'obv',
  'relvol:20', 'volz:20', 'ema:20@diff:1', 'ema:20@slope:5', 'ema:20@lag:3', 'bb:20:2.pctb@diff:2',
  'macd:12:26:9.hist@slope:4',
];

/** Declared warm-ups (TA-Lib lookback + 1 where TA-Lib has the indicator). */
const EXPECTED_WARMUP: Record<string, number> = {
  'sma:20': 20, 'ema:20': 20, 'wma:20': 20, 'rsi:14': 15, tr: 1, 'atr:14': 15, 'bb:20:2': 20, 'vwap:20': 20,
  vwap: 1, 'svwap:8': 1, 'rvol:20': 21, 'zscore:20': 20, 'macd:12:26:9': 34, 'roc:10': 11, 'donchian:20': 20,
  'stoch:14:3': 16, 'stoch:14:3:3': 18, 'adx:14': 28, obv: 1, 'relvol:20': 20, 'volz:20': 20,
  'ema:20@diff:1': 21, 'ema:20@slope:5': 24, 'ema:20@lag:3': 23, 'bb:20:2.pctb@diff:2': 22, 'macd:12:26:9.hist@slope:4': 37,
};

/** A bad form of each indicator and the part of the message that names what is wrong. */
const BAD_TOKENS: Record<string, [string, RegExp]> = {
  sma: ['sma:0', /token `sma:0`: parameter `period` of `sma` must be an integer in \[1, \d+\], was "0"/],
  ema: ['ema:-3', /parameter `period` of `ema` must be an integer in \[1, \d+\], was "-3"/],
  wma: ['wma:x', /parameter `period` of `wma` must be an integer .* was "x"/],
  rsi: ['rsi:1.5', /parameter `period` of `rsi` must be an integer .* was "1.5"/],
  tr: ['tr:3', /`tr` takes 0 parameter\(s\) \(tr\), got 1/],
  atr: ['atr:0', /parameter `period` of `atr` must be an integer/],
  bb: ['bb:20:-2', /parameter `deviations` of `bb` must be a number >= 0, was "-2"/],
  vwap: ['vwap:0', /parameter `period` of `vwap` must be an integer in \[1, \d+\], was "0"/],
  svwap: ['svwap:25', /parameter `hour` of `svwap` must be an integer in \[0, 23\], was "25"/],
  rvol: ['rvol:1', /parameter `period` of `rvol` must be an integer in \[2, \d+\], was "1"/],
  zscore: ['zscore:1', /parameter `period` of `zscore` must be an integer in \[2, \d+\], was "1"/],
  macd: ['macd:12:12:9', /`fast` must be < `slow` \(12\), was 12/],
  roc: ['roc:', /parameter `period` of `roc` must be an integer .* was ""/],
  donchian: ['donchian:1:2', /`donchian` takes 1 parameter\(s\) \(donchian:period\), got 2/],
  stoch: ['stoch:14:0', /parameter `d` of `stoch` must be an integer in \[1, \d+\], was "0"/],
  adx: ['adx:1', /parameter `period` of `adx` must be an integer in \[2, \d+\], was "1"/],
  obv: ['obv:1', /`obv` takes 0 parameter\(s\) \(obv\), got 1/],
  relvol: ['relvol:0', /parameter `period` of `relvol` must be an integer/],
  volz: ['volz:1', /parameter `period` of `volz` must be an integer in \[2, \d+\], was "1"/],
  '@diff': ['ema:20@diff:0', /parameter `bars` of `@diff` must be an integer in \[1, \d+\], was "0"/],
  '@lag': ['ema:20@lag:-1', /parameter `bars` of `@lag` must be an integer in \[1, \d+\], was "-1"/],
  '@slope': ['ema:20@slope:1', /parameter `bars` of `@slope` must be an integer in \[2, \d+\], was "1"/],
};

/** Deterministic bars: a multiplicative random walk (mulberry32), volumes with occasional zeros. */
function syntheticBars(n: number, seed: number, start = 60_000): BarColumns {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const bars = { length: n, timeNs: new BigInt64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let price = start;
  for (let i = 0; i < n; i++) {
    const open = price;
    const close = open * Math.exp((random() - 0.5) * 0.02);
    bars.timeNs[i] = 1_713_225_600_000_000_000n + BigInt(i) * 3_600_000_000_000n;
    bars.open[i] = open;
    bars.close[i] = close;
    bars.high[i] = Math.max(open, close) * (1 + random() * 0.005);
    bars.low[i] = Math.min(open, close) * (1 - random() * 0.005);
    bars.volume[i] = random() < 0.05 ? 0 : random() * 1000;
    price = close;
  }
  return bars;
}

function flatBars(n: number): BarColumns {
  const bars = syntheticBars(n, 1);
  bars.open.fill(0.1);
  bars.high.fill(0.1);
  bars.low.fill(0.1);
  bars.close.fill(0.1);
  bars.volume.fill(7.3);
  return bars;
}

function slice(bars: BarColumns, from: number, to: number): BarColumns {
  return {
    length: to - from,
    timeNs: bars.timeNs.subarray(from, to),
    open: bars.open.subarray(from, to),
    high: bars.high.subarray(from, to),
    low: bars.low.subarray(from, to),
    close: bars.close.subarray(from, to),
    volume: bars.volume.subarray(from, to),
  };
}

/** One core per test file; each executor reloads its plan into it. */
const memory = createSharedMemory();
const core = instantiateCore(memory, compileCore('release')) as IndicatorCoreExports;
const executorFor = (plan: IndicatorPlan): IndicatorExecutor => IndicatorExecutor.create(plan, { core, memory });

function checkWarmupAndFinite(token: string, bars: BarColumns, where: string): void {
  const plan = buildPlan([token]);
  const executor = executorFor(plan);
  executor.resetSlot(0);
  const columns = executor.runBatch(0, bars);
  const warmup = EXPECTED_WARMUP[token];
  plan.columns.forEach((column, j) => {
    expect(column.warmup, `${column.name}: declared warm-up`).toBe(warmup);
    const values = columns[j];
    const firstValue = values.findIndex((v) => !Number.isNaN(v));
    expect(firstValue, `${column.name} on ${where}: first value on bar index warm-up - 1`).toBe(warmup - 1);
    const notFinite = values.slice(warmup - 1).findIndex((v) => !Number.isFinite(v));
    expect(notFinite, `${column.name} on ${where}: every value after warm-up is finite (first bad at offset ${notFinite})`).toBe(-1);
  });
}

describe('indicator contract: warm-up and null before it (synthetic bars)', () => {
  const bars = syntheticBars(3000, 42);

  it.each(CONTRACT_TOKENS)('%s emits its first value on bar warm-up - 1 and finite values after', (token) => {
    checkWarmupAndFinite(token, bars, 'synthetic bars');
  });

  it.each(CONTRACT_TOKENS)('%s reads null through every bar of its warm-up when fed per call', (token) => {
    const plan = buildPlan([token]);
    const executor = executorFor(plan);
    executor.resetSlot(3);
    const warmup = EXPECTED_WARMUP[token];
    for (let i = 0; i < warmup; i++) {
      executor.update(3, bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i], bars.timeNs[i]);
      const row = executor.read(3);
      if (i < warmup - 1) expect(row.every((v) => v === null), `bar ${i} of ${token} is still warming up`).toBe(true);
      else expect(row.every((v) => typeof v === 'number'), `bar ${i} of ${token} is the first value`).toBe(true);
    }
  });
});

describe.skipIf(skipRealData)('indicator contract: finite after warm-up on real data', () => {
  const loaded: BarColumns[] = [];
  beforeAll(async () => {
    for (const file of realFiles) loaded.push((await loadBarsCsv(file)).series);
  });

  it.each(CONTRACT_TOKENS)('%s on the BTC 1h and XRP 4h files', (token) => {
    loaded.forEach((bars, i) => checkWarmupAndFinite(token, bars, path.basename(realFiles[i])));
  });
});

describe('indicator contract: checkpoint and restore', () => {
  const bars = syntheticBars(2000, 7);
  const cut = 777;

  it.each(CONTRACT_TOKENS)('%s continues bit-identically after restoring a mid-stream checkpoint in another slot and another core', (token) => {
    const plan = buildPlan([token]);
    const executor = executorFor(plan);
    executor.resetSlot(0);
    executor.runBatch(0, slice(bars, 0, cut));
    const checkpoint = executor.checkpoint(0);
    expect(checkpoint.length).toBe(executor.stateBytes);
    const straight = executor.runBatch(0, slice(bars, cut, bars.length));

    executor.restore(5, checkpoint);
    const restored = executor.runBatch(5, slice(bars, cut, bars.length));

    const otherMemory = createSharedMemory();
    const other = IndicatorExecutor.create(plan, { memory: otherMemory, core: instantiateCore(otherMemory, compileCore('release')) as IndicatorCoreExports });
    other.restore(2, checkpoint);
    const elsewhere = other.runBatch(2, slice(bars, cut, bars.length));

    plan.columns.forEach((column, j) => {
      for (let i = 0; i < straight[j].length; i++) {
        if (!Object.is(straight[j][i], restored[j][i]) || !Object.is(straight[j][i], elsewhere[j][i])) {
          expect.fail(`${column.name} bar ${cut + i}: straight ${straight[j][i]}, restored in slot 5 ${restored[j][i]}, restored in another core ${elsewhere[j][i]}`);
        }
      }
    });
  });

  it('refuses a checkpoint of the wrong size, and a slot restored from another plan', () => {
    const executor = executorFor(buildPlan(['ema:5']));
    executor.resetSlot(0);
    expect(() => executor.restore(0, new Uint8Array(executor.stateBytes + 8))).toThrow(`checkpoint must be ${executor.stateBytes} bytes for this plan, was ${executor.stateBytes + 8}`);
    const foreign = executor.checkpoint(0);
    const other = executorFor(buildPlan(['sma:5']));
    other.restore(1, foreign.slice(0, other.stateBytes));
    expect(() => other.update(1, 1, 1, 1, 1, 1, 0n), 'a slot restored from another plan carries its checksum').toThrow(/status -43/);
  });
});

describe('indicator contract: bad parameters', () => {
  it.each(Object.entries(BAD_TOKENS))('%s rejects a bad parameter with a message naming it', (_name, [token, message]) => {
    let thrown: unknown;
    try {
      buildPlan([token]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown, `${token} must be rejected`).toBeInstanceOf(IndicatorSpecError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message, 'the message names the token').toContain(`\`${token}\``);
  });
});

describe('indicator contract: flat prices', () => {
  const bars = flatBars(400);

  it.each(CONTRACT_TOKENS)('%s has no NaN after warm-up when every price and volume is constant', (token) => {
    checkWarmupAndFinite(token, bars, 'flat bars');
  });

  it('gives zscore 0, volz 0, pctb 0.5, bandwidth 0 and rvol 0 for a flat window', () => {
    const plan = buildPlan(['zscore:20', 'volz:20', 'bb:20:2.pctb', 'bb:20:2.bandwidth', 'rvol:20', 'stoch:14:3.k', 'rsi:14']);
    const executor = executorFor(plan);
    executor.resetSlot(0);
    const columns = executor.runBatch(0, bars);
    const last = (j: number): number => columns[j][bars.length - 1];
    expect([0, 1, 2, 3, 4].map(last)).toEqual([0, 0, 0.5, 0, 0]);
    expect(last(5), 'stoch %K is 0 when the high equals the low (TA-Lib)').toBe(0);
    expect(last(6), 'rsi is 0 with no gain and no loss (TA-Lib)').toBe(0);
  });
});

describe('indicator contract: price scale', () => {
  // Scale-free outputs must not depend on the price's magnitude: a coin priced at 1e-8 (hourly
  // moves ~1e-10) has the same RSI and ADX as the same walk priced at 1e8. TA-Lib 0.4's zero test
  // (|x| < 1e-8) zeroed them there; TA-Lib 0.6 tests |x| < 1e-14 (TA_EPSILON).
  const SCALE_FREE = ['rsi:14', 'adx:14.adx', 'adx:14.plusdi', 'adx:14.minusdi', 'stoch:14:3.k', 'roc:10', 'bb:20:2.pctb', 'zscore:20'];
  const cheap = syntheticBars(600, 11, 1e-8);
  const dear = syntheticBars(600, 11, 1e8);

  it.each(SCALE_FREE)('%s is the same on a walk priced at 1e-8 as on the same walk priced at 1e8', (token) => {
    const plan = buildPlan([token]);
    const executor = executorFor(plan);
    const run = (bars: BarColumns): Float64Array => {
      executor.resetSlot(0);
      return executor.runBatch(0, bars)[0].slice();
    };
    const low = run(cheap);
    const high = run(dear);
    const from = plan.columns[0].warmup - 1;
    let worst = { error: 0, index: -1, low: 0, high: 0 };
    for (let i = from; i < low.length; i++) {
      const error = Math.abs(low[i] - high[i]) / Math.max(1, Math.abs(high[i]));
      if (!(error <= worst.error)) worst = { error, index: i, low: low[i], high: high[i] };
    }
    expect(worst.error, `${token}: bar ${worst.index} is ${worst.low} priced at 1e-8 and ${worst.high} priced at 1e8`).toBeLessThanOrEqual(1e-9);
  });
});
