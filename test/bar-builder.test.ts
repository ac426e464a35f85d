// The core's time-bar builder (wasm/assembly/bars) against the TS reference builder
// (engine/bars/reference-bar-builder.ts): every trade file of /work/shared/data/crypto_trades
// and quote file of crypto_quotes, at several timeframes, skipping and filling empty
// intervals, must give the same bars (open time, close time, OHLCV) and the same
// rejections. Plus edge cases: late events, gaps, the exact boundary, flush, a full ring.

import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBarRecord, ReferenceBarBuilder, type Bar, type BarBuilderConfig } from '../engine/bars/index.js';
import { compileCore, createSharedMemory, instantiateCore, type CoreExports } from '../engine/core/wasm-core.js';
import { EventKind } from '../engine/layout/event-record.js';
import { OUTBOUND_RING_OFFSET, SCRATCH_REGION_OFFSET } from '../engine/layout/memory-map.js';
import { initRing, RingConsumer } from '../engine/ring/index.js';
import { sharedData, sharedDataPath, skipWithout } from './peers.js';
import { readTicks, type Tick } from './tick-files.js';

const tradesDir = sharedDataPath('crypto_trades');
const quotesDir = sharedDataPath('crypto_quotes');

const SECOND = 1_000_000_000n;
const ERR_OUTBOUND_FULL = -4;
const ERR_BAD_ARGUMENT = -6;
const ERR_BARS_OUT_OF_ORDER = -50;
const ERR_BARS_SLOT_RANGE = -51;

interface BarsCore extends CoreExports {
  barsConfigure(slot: number, instrument: number, timeframeNs: bigint, source: number, fill: number, quoteVolume: number): number;
  barsDisable(slot: number): number;
  barsOnTrade(instrument: number, tsNs: bigint, price: number, size: number, outRing: number): number;
  barsOnQuote(instrument: number, tsNs: bigint, bid: number, ask: number, outRing: number): number;
  barsFlush(upToNs: bigint, outRing: number): number;
  barsOnRecord(record: number, outRing: number): number;
  barsSlotCapacity(): number;
}

/** One core instance with an output ring; `drain` returns the bars published since the last drain. */
class CoreBars {
  readonly core: BarsCore;
  readonly memory: WebAssembly.Memory;
  readonly view: DataView;
  readonly consumer: RingConsumer;

  constructor(readonly ring = OUTBOUND_RING_OFFSET, capacity = 16384) {
    this.memory = createSharedMemory();
    this.core = instantiateCore(this.memory, compileCore('release')) as BarsCore;
    initRing(this.memory, ring, capacity);
    this.consumer = new RingConsumer(this.memory, ring);
    this.view = new DataView(this.memory.buffer);
  }

  drain(): Bar[] {
    const count = this.consumer.available();
    const bars: Bar[] = [];
    for (let i = 0; i < count; i += 1) bars.push(readBarRecord(this.view, this.consumer.slotOffset(this.consumer.cursor + i)));
    if (count > 0) this.consumer.release((this.consumer.cursor + count) >>> 0);
    return bars;
  }
}

interface RunResult {
  bars: Bar[];
  rejected: number[];
}

function runCore(core: CoreBars, config: BarBuilderConfig, source: 'trades' | 'quotes', ticks: Tick[]): RunResult {
  const kind = source === 'trades' ? EventKind.TRADE : EventKind.QUOTE;
  expect(core.core.barsConfigure(0, config.instrument, config.timeframeNs, kind, config.emptyIntervals === 'fill' ? 1 : 0, config.quoteVolume ?? 0), 'barsConfigure').toBe(0);
  const bars: Bar[] = [];
  const rejected: number[] = [];
  for (let i = 0; i < ticks.length; i += 1) {
    const { timeNs, x, y } = ticks[i];
    const status = source === 'trades' ? core.core.barsOnTrade(config.instrument, timeNs, x, y, core.ring) : core.core.barsOnQuote(config.instrument, timeNs, x, y, core.ring);
    if (status === ERR_BARS_OUT_OF_ORDER) rejected.push(i);
    else expect(status, `status of event ${i}`).toBeGreaterThanOrEqual(0);
    if (status > 0) bars.push(...core.drain());
  }
  const end = ticks[ticks.length - 1].timeNs + config.timeframeNs;
  expect(core.core.barsFlush(end, core.ring), 'final flush').toBeGreaterThanOrEqual(0);
  bars.push(...core.drain());
  return { bars, rejected };
}

function runReference(config: BarBuilderConfig, source: 'trades' | 'quotes', ticks: Tick[]): RunResult {
  const builder = new ReferenceBarBuilder(config);
  const bars: Bar[] = [];
  const rejected: number[] = [];
  ticks.forEach(({ timeNs, x, y }, i) => {
    const result = source === 'trades' ? builder.onTrade(timeNs, x, y) : builder.onQuote(timeNs, x, y);
    if (result.accepted) bars.push(...result.bars);
    else rejected.push(i);
  });
  bars.push(...builder.flush(ticks[ticks.length - 1].timeNs + config.timeframeNs));
  return { bars, rejected };
}

const CONFIGS: BarBuilderConfig[] = [
  { instrument: 7, timeframeNs: SECOND, emptyIntervals: 'skip' },
  { instrument: 7, timeframeNs: SECOND, emptyIntervals: 'fill' },
  { instrument: 7, timeframeNs: 5n * SECOND, emptyIntervals: 'fill', quoteVolume: 1 },
  { instrument: 7, timeframeNs: 60n * SECOND, emptyIntervals: 'skip', quoteVolume: 0.5 },
];

const listCsv = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.csv')).sort() : []);

for (const [source, dir] of [['trades', tradesDir], ['quotes', quotesDir]] as const) {
  describe.skipIf(skipWithout(sharedData([dir])))(`core bar builder equals the TS reference on every ${source} file`, () => {
    let core: CoreBars;
    beforeAll(() => {
      core = new CoreBars();
    });

    it.each(listCsv(dir))('%s', (file) => {
      const ticks = readTicks(path.join(dir, file), source);
      for (const config of CONFIGS) {
        const label = `${source} ${file}, timeframe ${config.timeframeNs} ns, ${config.emptyIntervals}`;
        const ours = runCore(core, config, source, ticks);
        const expected = runReference(config, source, ticks);
        expect(ours.bars.length, `${label}: some bars were built`).toBeGreaterThan(0);
        expect(ours.rejected, `${label}: the same late events are rejected`).toEqual(expected.rejected);
        expect(ours.bars, `${label}: identical bars`).toEqual(expected.bars);
        const volume = ours.bars.reduce((s, b) => s + b.volume, 0);
        const tickVolume = source === 'trades' ? ticks.reduce((s, t, i) => s + (ours.rejected.includes(i) ? 0 : t.y), 0) : (ticks.length - ours.rejected.length) * (config.quoteVolume ?? 0);
        expect(Math.abs(volume - tickVolume), `${label}: bar volumes add up to the accepted volume`).toBeLessThan(1e-6 * Math.max(1, tickVolume));
      }
    });
  });
}

describe('core bar builder edge cases (same answers as the TS reference)', () => {
  const at = (seconds: number) => BigInt(Math.round(seconds * 1e9));
  const trade = (core: CoreBars, seconds: number, price: number, size = 1) => core.core.barsOnTrade(3, at(seconds), price, size, core.ring);

  function both(config: BarBuilderConfig, events: [number, number][]): { core: Bar[]; reference: Bar[] } {
    const core = new CoreBars();
    core.core.barsConfigure(0, config.instrument, config.timeframeNs, EventKind.TRADE, config.emptyIntervals === 'fill' ? 1 : 0, 0);
    const reference = new ReferenceBarBuilder(config);
    const coreBars: Bar[] = [];
    const referenceBars: Bar[] = [];
    for (const [seconds, price] of events) {
      expect(trade(core, seconds, price), `trade at ${seconds}s`).toBeGreaterThanOrEqual(0);
      coreBars.push(...core.drain());
      const result = reference.onTrade(at(seconds), price, 1);
      if (result.accepted) referenceBars.push(...result.bars);
    }
    return { core: coreBars, reference: referenceBars };
  }

  it('skips empty intervals in skip mode and fills them with flat zero-volume bars at the previous close in fill mode', () => {
    const events: [number, number][] = [[0.5, 10], [1.2, 11], [1.7, 9], [4.5, 12], [5.1, 13]];
    const skip = both({ instrument: 3, timeframeNs: SECOND, emptyIntervals: 'skip' }, events);
    const fill = both({ instrument: 3, timeframeNs: SECOND, emptyIntervals: 'fill' }, events);
    expect(skip.core.map((b) => Number(b.openTimeNs / SECOND)), 'skip: bars at 0, 1 and 4 s').toEqual([0, 1, 4]);
    expect(fill.core.map((b) => Number(b.openTimeNs / SECOND)), 'fill: bars at 0, 1, 2, 3 and 4 s').toEqual([0, 1, 2, 3, 4]);
    expect(fill.core[2], 'a filled bar is flat at the previous close with volume 0, closed by the 4.5 s trade').toEqual({
      instrument: 3, openTimeNs: 2n * SECOND, closedAtNs: at(4.5), open: 9, high: 9, low: 9, close: 9, volume: 0,
    });
    expect(fill.core[1], 'the 1 s bar: open 11, high 11, low 9, close 9, volume 2').toEqual({
      instrument: 3, openTimeNs: SECOND, closedAtNs: at(4.5), open: 11, high: 11, low: 9, close: 9, volume: 2,
    });
    expect([skip.core, fill.core], 'the reference agrees').toEqual([skip.reference, fill.reference]);
  });

  it('puts a trade exactly on the boundary t + timeframe into the next bar and closes the previous one', () => {
    const { core, reference } = both({ instrument: 3, timeframeNs: SECOND, emptyIntervals: 'skip' }, [[0.25, 5], [1, 6], [1.5, 7], [2, 8]]);
    expect(core.map((b) => [Number(b.openTimeNs / SECOND), b.open, b.close, b.closedAtNs]), 'bars [0,1) and [1,2), each closed by the boundary trade').toEqual([
      [0, 5, 5, SECOND],
      [1, 6, 7, 2n * SECOND],
    ]);
    expect(core, 'the reference agrees').toEqual(reference);
  });

  it('rejects an out-of-order trade with ERR_BARS_OUT_OF_ORDER and leaves the bar unchanged', () => {
    const core = new CoreBars();
    core.core.barsConfigure(0, 3, SECOND, EventKind.TRADE, 0, 0);
    expect(trade(core, 0.5, 10), 'first trade').toBe(0);
    expect(trade(core, 0.7, 12), 'second trade').toBe(0);
    expect(trade(core, 0.6, 1000, 50), 'a trade earlier than the last one').toBe(ERR_BARS_OUT_OF_ORDER);
    expect(trade(core, 1.0, 11), 'the next bar opens').toBe(1);
    expect(core.drain(), 'the late trade left no trace in high or volume').toEqual([
      { instrument: 3, openTimeNs: 0n, closedAtNs: SECOND, open: 10, high: 12, low: 10, close: 12, volume: 2 },
    ]);
  });

  it('closes bars on the flush timer only when t + timeframe <= upTo, then rejects events before the flush time', () => {
    const core = new CoreBars();
    core.core.barsConfigure(0, 3, SECOND, EventKind.TRADE, 1, 0);
    trade(core, 1.25, 10);
    expect(core.core.barsFlush(at(1.999999999), core.ring), 'flush inside the bar emits nothing').toBe(0);
    expect(core.core.barsFlush(2n * SECOND, core.ring), 'flush at the bar end closes it').toBe(1);
    expect(core.core.barsFlush(5n * SECOND + 1n, core.ring), 'fill mode: flush emits the complete empty intervals 2, 3, 4 s').toBe(3);
    expect(core.drain().map((b) => [Number(b.openTimeNs / SECOND), b.volume]), 'bars and their volumes').toEqual([[1, 1], [2, 0], [3, 0], [4, 0]]);
    expect(trade(core, 4.5, 10), 'a trade earlier than the flush time is late').toBe(ERR_BARS_OUT_OF_ORDER);
    const reference = new ReferenceBarBuilder({ instrument: 3, timeframeNs: SECOND, emptyIntervals: 'fill' });
    reference.onTrade(at(1.25), 10, 1);
    expect([reference.flush(at(1.999999999)).length, reference.flush(2n * SECOND).length, reference.flush(5n * SECOND + 1n).length], 'the reference agrees').toEqual([0, 1, 3]);
    expect(reference.onTrade(at(4.5), 10, 1).accepted, 'the reference rejects it too').toBe(false);
  });

  it('returns ERR_OUTBOUND_FULL when the ring fills mid-gap and resumes exactly on retry after draining', () => {
    const ring = SCRATCH_REGION_OFFSET;
    const core = new CoreBars(ring, 4);
    core.core.barsConfigure(0, 3, SECOND, EventKind.TRADE, 1, 0);
    expect(core.core.barsOnTrade(3, at(0.5), 10, 1, ring), 'first trade').toBe(0);
    expect(core.core.barsOnTrade(3, at(10.5), 11, 1, ring), 'a 10 s gap needs 10 bars, the ring holds 4').toBe(ERR_OUTBOUND_FULL);
    const bars = core.drain();
    let status = 0;
    while ((status = core.core.barsOnTrade(3, at(10.5), 11, 1, ring)) === ERR_OUTBOUND_FULL) bars.push(...core.drain());
    expect(status, 'the last retry succeeds').toBeGreaterThan(0);
    bars.push(...core.drain());
    expect(bars.map((b) => Number(b.openTimeNs / SECOND)), 'bars 0..9 exactly once, in order').toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(core.core.barsFlush(11n * SECOND, ring), 'the 10 s bar holds the retried trade once').toBe(1);
    expect(core.drain()[0], 'volume 1, not one per retry').toMatchObject({ open: 11, volume: 1 });
  });

  it('feeds every builder of an instrument (two timeframes) and reads TRADE, QUOTE and TIMER records in place', () => {
    const core = new CoreBars();
    core.core.barsConfigure(0, 3, SECOND, EventKind.TRADE, 0, 0);
    core.core.barsConfigure(1, 3, 2n * SECOND, EventKind.TRADE, 0, 0);
    core.core.barsConfigure(2, 4, SECOND, EventKind.QUOTE, 0, 2);
    const record = SCRATCH_REGION_OFFSET;
    const write = (kind: number, instrument: number, seconds: number, price: number, size: number, a: number, b: number) => {
      new Uint8Array(core.memory.buffer, record, 64).fill(0);
      core.view.setInt32(record, kind, true);
      core.view.setInt32(record + 4, instrument, true);
      core.view.setBigInt64(record + 8, at(seconds), true);
      core.view.setFloat64(record + 24, price, true);
      core.view.setFloat64(record + 32, size, true);
      core.view.setFloat64(record + 40, a, true);
      core.view.setFloat64(record + 48, b, true);
      return core.core.barsOnRecord(record, core.ring);
    };
    expect(write(EventKind.TRADE, 3, 0.5, 100, 2, 0, 0), 'trade').toBe(0);
    expect(write(EventKind.QUOTE, 4, 0.6, 0, 0, 99, 101), 'quote on the mid (99 + 101) / 2').toBe(0);
    expect(write(EventKind.TRADE, 3, 2.5, 104, 1, 0, 0), 'closes the 1 s and the 2 s bar of instrument 3').toBe(2);
    expect(write(EventKind.TIMER, 0, 3, 0, 0, 0, 0), 'timer at 3 s closes the quote bar and the 1 s bar [2, 3)').toBe(2);
    const bars = core.drain().map((b) => [b.instrument, Number(b.openTimeNs / SECOND), b.close, b.volume]);
    expect(bars, 'slot order within one event; quote bars carry the configured volume per quote').toEqual([
      [3, 0, 100, 2], [3, 0, 100, 2], [3, 2, 104, 1], [4, 0, 100, 2],
    ]);
  });

  it('rejects bad configuration and bad events with a status, never a crash', () => {
    const core = new CoreBars();
    expect(core.core.barsConfigure(0, 3, 0n, EventKind.TRADE, 0, 0), 'timeframe 0').toBe(ERR_BAD_ARGUMENT);
    expect(core.core.barsConfigure(0, 3, SECOND, EventKind.BAR, 0, 0), 'source must be TRADE or QUOTE').toBe(ERR_BAD_ARGUMENT);
    expect(core.core.barsConfigure(core.core.barsSlotCapacity(), 3, SECOND, EventKind.TRADE, 0, 0), 'slot past capacity').toBe(ERR_BARS_SLOT_RANGE);
    expect(core.core.barsConfigure(0, 3, SECOND, EventKind.TRADE, 0, 0), 'a valid configuration').toBe(0);
    expect(core.core.barsOnTrade(3, SECOND, Number.NaN, 1, core.ring), 'NaN price').toBe(ERR_BAD_ARGUMENT);
    expect(core.core.barsOnTrade(3, SECOND, 1, -1, core.ring), 'negative size').toBe(ERR_BAD_ARGUMENT);
    expect(core.core.barsOnTrade(3, SECOND, 1, 1, 12345), 'output ring offset not a ring').toBeLessThan(0);
    expect(core.core.barsOnTrade(9, SECOND, 1, 1, core.ring), 'an instrument with no builder: no bars').toBe(0);
  });
});
