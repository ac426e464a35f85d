// IndicatorExecutor's fast paths against its plain ones: zero-copy batches over stagedBatch
// views against copied batches, updateMs (time in ms) against update (time in ns), and the
// checks that keep a caller from mixing views on the core's memory with ordinary arrays.
import { describe, expect, it } from 'vitest';
import { compileCore, createSharedMemory, instantiateCore } from '../core/wasm-core.js';
import { IndicatorExecutor, type BarColumns, type IndicatorCoreExports } from './indicator-executor.js';
import { buildPlan } from './plan.js';

/** Every kernel, session VWAP included (the only one that reads the bar time), and the smallest windows. */
const TOKENS = [
  'sma:20', 'ema:20', 'wma:10', 'rsi:14', 'tr', 'atr:14', 'bb:20:2', 'vwap:20', 'vwap', 'svwap:8', 'rvol:20', 'zscore:20',
  'macd:12:26:9', 'roc:10', 'donchian:20', 'stoch:14:3:3', 'adx:14', 'obv', 'relvol:20', 'volz:20', 'ema:20@diff:1',
  'ema:20@lag:3', 'ema:20@slope:5', 'sma:1', 'wma:1', 'rsi:1', 'donchian:1', 'stoch:1:1:1', 'adx:2', 'vwap:1', 'zscore:2',
];

const memory = createSharedMemory();
const core = instantiateCore(memory, compileCore('release')) as IndicatorCoreExports;

/** Deterministic hourly bars with sub-millisecond noise in the times and some zero volumes. */
function syntheticBars(n: number): BarColumns {
  let state = 7;
  const random = () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 4_294_967_296;
  };
  const bars = { length: n, timeNs: new BigInt64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let price = 100;
  for (let i = 0; i < n; i++) {
    const close = price * Math.exp((random() - 0.5) * 0.02);
    bars.timeNs[i] = 1_713_225_600_000_000_000n + BigInt(i) * 3_600_000_000_000n + BigInt(Math.floor(random() * 999_999));
    bars.open[i] = price;
    bars.close[i] = close;
    bars.high[i] = Math.max(price, close) * (1 + random() * 0.01);
    bars.low[i] = Math.min(price, close) * (1 - random() * 0.01);
    bars.volume[i] = random() < 0.05 ? 0 : random() * 1000;
    price = close;
  }
  return bars;
}

function stage(executor: IndicatorExecutor, bars: BarColumns) {
  const staged = executor.stagedBatch(bars.length);
  staged.bars.timeNs.set(bars.timeNs);
  for (const field of ['open', 'high', 'low', 'close', 'volume'] as const) staged.bars[field].set(bars[field]);
  return staged;
}

describe('IndicatorExecutor fast paths', () => {
  const bars = syntheticBars(3000);

  it('runs stagedBatch views in place and gives the copying batch values bit for bit', () => {
    const executor = IndicatorExecutor.create(buildPlan(TOKENS), { core, memory });
    executor.resetSlot(0);
    const copied = executor.runBatch(0, bars);
    const copiedState = executor.checkpoint(0);
    executor.resetSlot(0);
    const staged = stage(executor, bars);
    const chunks: number[] = [];
    executor.runBatchInto(0, staged.bars, staged.outputs, (done) => chunks.push(done));
    expect(chunks, 'one core call for the whole staged batch').toEqual([bars.length]);
    executor.plan.columns.forEach((column, j) => {
      expect(Array.from(staged.outputs[j]), `${column.name}: staged outputs equal the copied batch`).toEqual(Array.from(copied[j]));
    });
    expect(executor.checkpoint(0), 'the slot state after both batches is the same bytes').toEqual(copiedState);
  });

  it('leaves a slot in the same state after a batch as after the same bars per call', () => {
    const executor = IndicatorExecutor.create(buildPlan(TOKENS), { core, memory });
    executor.resetSlot(0);
    executor.resetSlot(1);
    executor.runBatch(0, bars);
    for (let i = 0; i < bars.length; i++) executor.update(1, bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i], bars.timeNs[i]);
    expect(executor.checkpoint(0), 'values, bar count, last bar time and every kernel state agree byte for byte').toEqual(executor.checkpoint(1));
  });

  it('gives the same values per call with the time in ms (updateMs) as with the time in ns (update)', () => {
    const executor = IndicatorExecutor.create(buildPlan(TOKENS), { core, memory });
    executor.resetSlot(0);
    executor.resetSlot(1);
    const f64 = new Float64Array(memory.buffer);
    const base0 = executor.valuesBase(0);
    const base1 = executor.valuesBase(1);
    for (let i = 0; i < bars.length; i++) {
      const timeMs = Number(bars.timeNs[i] / 1_000_000n);
      executor.update(0, bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i], bars.timeNs[i]);
      executor.updateMs(1, bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i], timeMs);
      for (const column of executor.plan.columns) {
        const ns = f64[base0 + column.valueIndex];
        const ms = f64[base1 + column.valueIndex];
        if (!Object.is(ns, ms)) expect.fail(`${column.name}, bar ${i}: update (ns) ${ns}, updateMs ${ms}`);
      }
    }
  });

  it('rejects a batch that mixes stagedBatch views with ordinary arrays, naming the rule', () => {
    const executor = IndicatorExecutor.create(buildPlan(['sma:5', 'ema:5']), { core, memory });
    executor.resetSlot(0);
    const staged = stage(executor, bars);
    const ordinary = executor.plan.columns.map(() => new Float64Array(bars.length));
    expect(() => executor.runBatchInto(0, staged.bars, ordinary)).toThrow(/6 of the 8 bar and output columns are views on the core's memory: either all must be the stagedBatch\(3000\) views/);
    const shifted = executor.stagedBatch(bars.length - 1);
    expect(() => executor.runBatchInto(0, { ...shifted.bars, length: bars.length - 1 }, staged.outputs)).toThrow(/either all must be the stagedBatch\(2999\) views/);
  });

  it('refuses a stagedBatch larger than the scratch region holds for the plan', () => {
    const executor = IndicatorExecutor.create(buildPlan(['sma:5']), { core, memory });
    const capacity = executor.stagedCapacity;
    expect(() => executor.stagedBatch(capacity + 1)).toThrow(`\`rows\` must be an integer in [0, ${capacity}] (the bars whose columns fit in the scratch region for this plan), was ${capacity + 1}`);
    expect(executor.stagedBatch(capacity).outputs[0].length).toBe(capacity);
  });
});
