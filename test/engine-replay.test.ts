// The engine end to end: bundled demo data -> replay tape -> inbound ring ->
// WASM core on the engine thread -> PROGRESS on the outbound ring -> drain and stop.
import { describe, expect, it } from 'vitest';
import { loadBarsCsv, type BarSeries } from '../adapters/files/index.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { EngineHost } from '../engine/threads/index.js';
import { REPLAY_BAR_KIND, barIntervalNs, buildBarReplayTape } from '../engine/replay/bar-replay-tape.js';
import { playTape } from '../engine/replay/tape-player.js';
import { tapeChecksum } from '../engine/replay/tape-checksum.js';
import { ENGINE_STOPPED } from '../engine/layout/memory-map.js';

const HOUR_NS = 3_600_000_000_000n;

async function demoSeries(): Promise<BarSeries[]> {
  const series: BarSeries[] = [];
  for (const file of defaultBarFiles()) series.push((await loadBarsCsv(file)).series);
  return series;
}

function syntheticSeries(file: string, startNs: bigint, stepNs: bigint, count: number, price: number): BarSeries {
  const timeNs = new BigInt64Array(count);
  const col = () => new Float64Array(count);
  const s = { file, length: count, timeNs, open: col(), high: col(), low: col(), close: col(), volume: col() };
  for (let i = 0; i < count; i++) {
    timeNs[i] = startNs + BigInt(i) * stepNs;
    s.open[i] = price + i;
    s.high[i] = price + i + 2;
    s.low[i] = price + i - 1;
    s.close[i] = price + i + 1;
    s.volume[i] = 10 + i;
  }
  return s;
}

describe('replay tape', () => {
  it('orders bars of several files by close time and stamps open and close times', () => {
    const hourly = syntheticSeries('h.csv', 0n, HOUR_NS, 3, 100);
    const fourHourly = syntheticSeries('4h.csv', 0n, 4n * HOUR_NS, 2, 200);
    const tape = buildBarReplayTape([hourly, fourHourly], ['h', '4h']);
    expect(barIntervalNs(fourHourly)).toBe(4n * HOUR_NS);
    expect(Array.from(tape.instrument)).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(tape.tsLocal)).toEqual([1n, 2n, 3n, 4n, 8n].map((h) => h * HOUR_NS));
    expect(Array.from(tape.tsExchange)).toEqual([0n, 1n, 2n, 0n, 4n].map((h) => h * HOUR_NS));
    expect(Array.from(tape.close)).toEqual([101, 102, 103, 201, 202]);
    expect(tape.kind).toBe(REPLAY_BAR_KIND);
  });

  it('breaks close-time ties by instrument id, so tapes are deterministic', () => {
    const a = syntheticSeries('a.csv', 0n, HOUR_NS, 2, 1);
    const b = syntheticSeries('b.csv', 0n, HOUR_NS, 2, 5);
    const tape = buildBarReplayTape([b, a], ['b', 'a']);
    expect(Array.from(tape.instrument)).toEqual([0, 1, 0, 1]);
  });
});

describe('engine host', () => {
  it('pushes the bundled demo data through the core with no loss and a matching checksum', async () => {
    const series = await demoSeries();
    const tape = buildBarReplayTape(series, series.map((s) => s.file));
    const host = await EngineHost.start({ maxBatch: 512 });
    const played = await playTape(tape, host, { batch: 1000, rate: 0, shouldStop: () => false });
    const counters = await host.drainAndStop();
    expect(played.published, 'every bar of the tape is published').toBe(tape.length);
    expect(counters.eventsProcessed, 'the core consumed every published record').toBe(tape.length);
    expect(counters.barsProcessed).toBe(tape.length);
    expect(counters.eventsRejected).toBe(0);
    expect(counters.checksum, 'the core read exactly the records the producer wrote').toBe(tapeChecksum(tape));
    expect(counters.engineState).toBe(ENGINE_STOPPED);
    expect(host.consumedReported, 'the last PROGRESS record reports the full count').toBe(tape.length);
  });

  it('wraps the inbound ring many times and drains on stop under every wait strategy', async () => {
    const series = [syntheticSeries('x.csv', 0n, 60_000_000_000n, 200_000, 10)];
    const tape = buildBarReplayTape(series, ['x']);
    for (const wait of ['spin-then-sleep', 'spin-then-yield', 'busy-spin'] as const) {
      const host = await EngineHost.start({ wait, maxBatch: 4096 });
      await playTape(tape, host, { batch: 4096, rate: 0, shouldStop: () => false });
      const counters = await host.drainAndStop();
      expect(counters.eventsProcessed, `${wait}: every record consumed`).toBe(tape.length);
      expect(counters.checksum, `${wait}: checksum`).toBe(tapeChecksum(tape));
    }
  });

  it('stops a replay at a batch boundary and still drains what was published', async () => {
    const series = [syntheticSeries('y.csv', 0n, 60_000_000_000n, 50_000, 10)];
    const tape = buildBarReplayTape(series, ['y']);
    const host = await EngineHost.start();
    let calls = 0;
    const played = await playTape(tape, host, { batch: 100, rate: 0, shouldStop: () => ++calls > 5 });
    const counters = await host.drainAndStop();
    expect(played.stoppedEarly).toBe(true);
    expect(played.published, 'stopped after five batches').toBe(500);
    expect(counters.eventsProcessed).toBe(500);
    expect(counters.checksum).toBe(tapeChecksum(tape, 500));
  });
});
