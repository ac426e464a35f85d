// Ticks through the engine loop: TRADE records on the inbound ring are turned into time
// bars by the core's bar builder, and each bar runs the pipeline at once. Oracles: the
// TS reference bar builder and the TS reference indicators over its bars.
import { describe, expect, it } from 'vitest';
import { ReferenceBarBuilder, type Bar } from '../engine/bars/index.js';
import { createReferenceIndicator } from '../engine/indicators/reference/index.js';
import { EventKind } from '../engine/layout/event-record.js';
import { EngineHost } from '../engine/threads/index.js';
import type { PipelineSpec } from '../engine/pipeline/index.js';
import { sharedData, sharedDataPath, skipWithout } from './peers.js';
import { readTicks, type Tick } from './tick-files.js';

const tradesFile = sharedDataPath('crypto_trades/binance_spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.csv');

const SECOND = 1_000_000_000n;
const TRADE = EventKind.TRADE | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
const TIMER = EventKind.TIMER | EventKind.DIRECTION_INBOUND;
const TOKENS = ['sma:3', 'ema:5', 'rsi:4'];

/** Publishes one record per tick (and optionally a final TIMER flush), in batches. */
async function playTicks(host: EngineHost, ticks: readonly Tick[], flushAtNs?: bigint): Promise<void> {
  const producer = host.inbound;
  const write = (seq: number, kind: number, timeNs: bigint, price: number, size: number) => {
    const lo = Number(timeNs & 0xffff_ffffn);
    const hi = Number(timeNs >> 32n);
    producer.writeEvent(seq, kind, 0, lo, hi, lo, hi, price, size, 0, 0, 0, 0);
  };
  for (let i = 0; i < ticks.length; ) {
    const count = Math.min(500, ticks.length - i);
    let first = producer.tryClaim(count);
    while (first === -1) {
      host.drainOutbound();
      await new Promise((resolve) => setImmediate(resolve));
      first = producer.tryClaim(count);
    }
    for (let k = 0; k < count; k++, i++) write((first + k) >>> 0, TRADE, ticks[i].timeNs, ticks[i].x, ticks[i].y);
    producer.publish((first + count) >>> 0);
  }
  if (flushAtNs !== undefined) {
    const seq = producer.tryClaim(1);
    write(seq, TIMER, flushAtNs, 0, 0);
    producer.publish((seq + 1) >>> 0);
  }
}

function referenceBars(ticks: readonly Tick[], timeframeNs: bigint, emptyIntervals: 'skip' | 'fill', flushAtNs: bigint): { bars: Bar[]; rejected: number } {
  const builder = new ReferenceBarBuilder({ instrument: 0, timeframeNs, emptyIntervals });
  const bars: Bar[] = [];
  let rejected = 0;
  for (const tick of ticks) {
    const result = builder.onTrade(tick.timeNs, tick.x, tick.y);
    if (result.accepted) bars.push(...result.bars);
    else rejected++;
  }
  bars.push(...builder.flush(flushAtNs));
  return { bars, rejected };
}

function spec(timeframeNs: bigint, emptyIntervals: 'skip' | 'fill'): PipelineSpec {
  return { indicators: TOKENS, instruments: [{ instrument: 0, barBuilder: { timeframeNs, source: 'trades', emptyIntervals } }] };
}

describe.skipIf(skipWithout(sharedData([tradesFile])))('ticks through the engine loop', () => {
  for (const [timeframe, emptyIntervals] of [[5n * SECOND, 'fill'], [30n * SECOND, 'skip']] as const) {
    it(`builds ${timeframe / SECOND} s bars (${emptyIntervals}) from Binance trades and runs the indicators on each, as the TS references do`, async () => {
      const ticks = readTicks(tradesFile, 'trades');
      const flushAtNs = ticks[ticks.length - 1].timeNs + timeframe;
      const host = await EngineHost.start({ pipeline: spec(timeframe, emptyIntervals) });
      await playTicks(host, ticks, flushAtNs);
      const counters = await host.drainAndStop();
      const pipeline = host.pipelineCounters();
      const reference = referenceBars(ticks, timeframe, emptyIntervals, flushAtNs);
      expect(counters.eventsProcessed).toBe(ticks.length + 1);
      expect(reference.bars.length, 'the capture spans many bars').toBeGreaterThan(20);
      expect(pipeline.barsBuilt, 'one bar per reference bar').toBe(reference.bars.length);
      expect(pipeline.barsPiped).toBe(reference.bars.length);
      expect(pipeline.stageErrors, 'late trades are rejected by both builders alike').toBe(reference.rejected);
      const values = host.pipelineSnapshot()[0].indicators;
      for (const token of TOKENS) {
        const indicator = createReferenceIndicator(token);
        for (const bar of reference.bars) indicator.update(bar.open, bar.high, bar.low, bar.close, bar.volume, bar.openTimeNs);
        expect(values[token], `${token} after ${reference.bars.length} bars`).toBeCloseTo(indicator.value(0), 9);
      }
    });
  }

  it('rejects a trade older than the builder clock, counts it, and keeps going', async () => {
    const t0 = 1_723_161_600n * SECOND;
    const ticks: Tick[] = [
      { timeNs: t0, x: 100, y: 1 },
      { timeNs: t0 + 6n * SECOND, x: 101, y: 1 },
      { timeNs: t0 + 2n * SECOND, x: 50, y: 1 },
      { timeNs: t0 + 11n * SECOND, x: 102, y: 1 },
    ];
    const host = await EngineHost.start({ pipeline: spec(5n * SECOND, 'skip') });
    await playTicks(host, ticks, t0 + 20n * SECOND);
    await host.drainAndStop();
    const pipeline = host.pipelineCounters();
    expect(pipeline.stageErrors, 'the late trade').toBe(1);
    expect(pipeline.lastError, 'ERR_BARS_OUT_OF_ORDER').toBe(-50);
    expect(pipeline.barsBuilt, 'bars at t0, t0+5 s and t0+10 s; the late trade changed none').toBe(3);
    expect(host.pipelineSnapshot()[0].indicators['sma:3'], 'closes 100, 101, 102').toBeCloseTo(101, 12);
  });
});
