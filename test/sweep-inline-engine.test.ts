// A sweep's runs execute with the engine's core inline (in the worker's own thread, no engine
// thread per run) over one memory the thread keeps and resets to zeros between runs. Neither
// may change a result. Oracle: the same backtest on an engine thread over a fresh memory. On the
// bundled bars, an inline run records the same fills, trades, equity, bars and totals, consumes
// the same records (the core's running checksum) and ends with the same account and execution
// report, for several batch sizes, with a warm-up whose kill-switch reset lands at the same record
// (a walk-forward fold's shape), and with the ML expert's model; runs of different shapes on one
// kept memory, in two orders, give what each gives alone. The reset itself: a kept memory comes
// back all zeros (checked word by word here, not by the reset's own scan), the same object.
// Latency stages are still stamped inline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openCsvStream } from '../adapters/files/index.js';
import { loadConfig, type QuantFlowConfig } from '../engine/config/index.js';
import { MemoryStream, backtestModelOf, runBacktest, type BacktestModel, type BacktestOptions, type BacktestRun } from '../engine/backtest/index.js';
import { openConfiguredModel } from '../engine/models/index.js';
import { readRegimeModelFile, type RegimeModelRecord } from '../engine/regime/index.js';
import { packageRoot } from '../engine/core/package-root.js';
import { keepCoreMemory, prepareCoreMemory, takeCoreMemory, zeroDirtyPages } from '../engine/core/core-memory-cache.js';
import { EngineHost } from '../engine/threads/index.js';
import { EventKind } from '../engine/layout/event-record.js';
import { MEMORY_BYTES, PAGE_BYTES } from '../engine/layout/memory-map.js';

const ETH = join(packageRoot(), 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
const BTC = join(packageRoot(), 'data', 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');
const EMA_CROSS = join(packageRoot(), 'config', 'examples', 'ema-cross.yaml');
const FUSION_ML = join(packageRoot(), 'config', 'examples', 'fusion-ml.yaml');
const REGIME = join(packageRoot(), 'data', 'models', 'btc-1h-regime.json');

let config: QuantFlowConfig;
let fusion: QuantFlowConfig;
let regimeModel: RegimeModelRecord;
let model: BacktestModel;
let eth: MemoryStream;
let btc: MemoryStream;

beforeAll(async () => {
  config = loadConfig({ configFile: EMA_CROSS, env: {} });
  fusion = loadConfig({ configFile: FUSION_ML, env: {} });
  regimeModel = readRegimeModelFile(REGIME);
  const configured = await openConfiguredModel(fusion.model!, fusion.fusion.ml.horizonBars);
  expect(configured.state, configured.state === 'absent' ? configured.reason : '').toBe('serving');
  model = backtestModelOf(configured);
  eth = await MemoryStream.load(await openCsvStream(ETH));
  btc = await MemoryStream.load(await openCsvStream(BTC));
});

afterAll(async () => {
  if (model?.state === 'serving') await model.set.release();
});

/** Everything a run decided and recorded (not its timing, nor how often the core waited for outbound room). */
function outcome(run: BacktestRun): unknown {
  const { outboundWaits: _waits, ...pipeline } = run.pipeline;
  const { checksum, eventsProcessed, barsProcessed, eventsRejected } = run.counters;
  return { recording: run.recording, published: run.published, counters: { checksum, eventsProcessed, barsProcessed, eventsRejected }, pipeline, execution: run.execution, account: run.account, model: run.model && withoutTimings(run.model) };
}

/** `value` without its wall-clock fields (`...Seconds`, `...Ms`): how long the model took is not a result. */
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !/(Seconds|Ms)$/.test(key)).map(([key, v]) => [key, withoutTimings(v)]));
}

/** `stream`'s records from `from` to `to` (record indices) as a stream of its own. */
function slice(stream: MemoryStream, from: number, to: number): MemoryStream {
  return MemoryStream.fromRecords(stream, stream.bytes.subarray(from * 64, to * 64));
}

/** Three run shapes: two instruments, a fold with its warm-up, the fusion strategy with the model. */
const shapes: Record<string, () => BacktestOptions> = {
  pair: () => ({ streams: [eth, btc], config, equity: 100_000 }),
  fold: () => {
    const half = eth.expectedRows >> 1;
    return { streams: [slice(eth, half, eth.expectedRows)], warmupStreams: [slice(eth, 0, half)], config, equity: 50_000 };
  },
  model: () => ({ streams: [btc], config: fusion, regimeModel, equity: 100_000, model }),
};

describe('backtest with the engine core inline', () => {
  it('records what the engine thread records, whatever the batch size', async () => {
    const threaded = await runBacktest(shapes.pair());
    expect(threaded.recording.fills.length, 'the run trades').toBeGreaterThan(100);
    for (const batch of [undefined, 1, 977, 65_536]) {
      const inline = await runBacktest({ ...shapes.pair(), batch, inlineEngine: true });
      expect(outcome(inline), `inline, batch ${batch ?? 'default'}`).toEqual(outcome(threaded));
    }
  });

  it('lands a warm-up\'s kill-switch reset at the same record as the engine thread', async () => {
    const threaded = await runBacktest(shapes.fold());
    const inline = await runBacktest({ ...shapes.fold(), inlineEngine: true });
    expect(threaded.recording.fills.length, 'the fold trades after its warm-up').toBeGreaterThan(10);
    expect(threaded.recording.equity.length, 'nothing of the warm-up is recorded').toBe(eth.expectedRows - (eth.expectedRows >> 1));
    expect(outcome(inline), 'inline vs engine thread, with a warm-up').toEqual(outcome(threaded));
  });

  it('serves the ML expert\'s model inline as on the engine thread', async () => {
    const threaded = await runBacktest(shapes.model());
    const inline = await runBacktest({ ...shapes.model(), inlineEngine: true });
    expect(threaded.model?.state, 'the model served').toBe('serving');
    expect(threaded.pipeline.modelWait?.onTime, 'bars decided with their MODEL records').toBeGreaterThan(0);
    expect(outcome(inline)).toEqual(outcome(threaded));
  }, 60_000);

  it('gives each run on a kept memory what it gives alone, in any order', async () => {
    const alone = new Map<string, unknown>();
    for (const [name, shape] of Object.entries(shapes)) alone.set(name, outcome(await runBacktest(shape())));
    for (const order of [['model', 'fold', 'pair', 'model'], ['pair', 'model', 'pair', 'fold', 'fold']]) {
      for (const name of order) {
        expect(outcome(await runBacktest({ ...shapes[name](), inlineEngine: true })), `${name} after ${order.join(', ')}`).toEqual(alone.get(name));
      }
    }
  }, 120_000);
});

describe('the kept core memory', () => {
  it('comes back as the same memory, every byte zero, after an inline run dirtied it', async () => {
    await runBacktest({ ...shapes.pair(), inlineEngine: true });
    const first = takeCoreMemory();
    const words = new Int32Array(first.buffer);
    words[7] = 1;
    words[(MEMORY_BYTES >> 2) - 1] = -1;
    keepCoreMemory(first);
    const again = takeCoreMemory();
    expect(again, 'the kept memory is handed out again').toBe(first);
    let nonZero = 0;
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) nonZero++;
    expect(nonZero, 'words left non-zero').toBe(0);
    keepCoreMemory(again);
  });

  it('fills exactly the 64 KiB pages that hold a non-zero byte', () => {
    const memory = takeCoreMemory();
    const bytes = new Uint8Array(memory.buffer);
    bytes[0] = 1;
    bytes[PAGE_BYTES - 1] = 2;
    bytes[5 * PAGE_BYTES + 123] = 3;
    bytes[MEMORY_BYTES - 1] = 4;
    expect(zeroDirtyPages(memory)).toBe(3);
    expect([bytes[0], bytes[PAGE_BYTES - 1], bytes[5 * PAGE_BYTES + 123], bytes[MEMORY_BYTES - 1]]).toEqual([0, 0, 0, 0]);
    expect(zeroDirtyPages(memory), 'nothing left to fill').toBe(0);
    keepCoreMemory(memory);
  });

  it('finds a lone non-zero byte at any offset of a 64-byte row, in any row of a page', () => {
    const memory = takeCoreMemory();
    const bytes = new Uint8Array(memory.buffer);
    // Page 10 + k holds one byte at row (k * 13) % 1024, byte k of the row: every offset 0..63, rows all over the page.
    const at = (k: number): number => (10 + k) * PAGE_BYTES + ((k * 13) % (PAGE_BYTES / 64)) * 64 + k;
    for (let k = 0; k < 64; k++) bytes[at(k)] = 0x80;
    bytes[80 * PAGE_BYTES - 1] = 1; // the last byte of page 79
    expect(zeroDirtyPages(memory)).toBe(65);
    let left = 0;
    for (let k = 0; k < 64; k++) left += bytes[at(k)];
    expect(left + bytes[80 * PAGE_BYTES - 1], 'bytes left non-zero').toBe(0);
    expect(zeroDirtyPages(memory), 'nothing left to fill').toBe(0);
    keepCoreMemory(memory);
  });

  it('is readied ahead of a first run once (a pool worker waiting for its first task), and a run then takes it', async () => {
    const held = takeCoreMemory();
    prepareCoreMemory();
    const readied = takeCoreMemory();
    expect(readied, 'a new memory, not the one held').not.toBe(held);
    expect(readied.buffer.byteLength).toBe(MEMORY_BYTES);
    keepCoreMemory(readied);
    prepareCoreMemory();
    expect(takeCoreMemory(), 'a kept memory is not replaced').toBe(readied);
    keepCoreMemory(readied);
    const run = await runBacktest({ ...shapes.pair(), inlineEngine: true });
    expect(run.recording.fills.length, 'the run traded over the readied memory').toBeGreaterThan(0);
    expect(takeCoreMemory(), 'the run used the readied memory and gave it back').toBe(readied);
    keepCoreMemory(held);
  });
});

describe('latency stages with the core inline', () => {
  it('times every published record in ingress, ring and core', async () => {
    const host = await EngineHost.start({ inline: true });
    const producer = host.inbound;
    const TRADE = EventKind.TRADE | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
    const total = 5_000;
    let timeNs = 1_700_000_000_000_000_000n;
    for (let i = 0; i < total; ) {
      const count = Math.min(250, total - i);
      let first = producer.tryClaim(count);
      while (first === -1) {
        await host.waitForInboundRoom(5);
        first = producer.tryClaim(count);
      }
      for (let k = 0; k < count; k++, i++) {
        timeNs += 1_000_000n;
        const lo = Number(timeNs & 0xffff_ffffn);
        const hi = Number(timeNs >> 32n);
        producer.writeEvent((first + k) >>> 0, TRADE, 0, lo, hi, lo, hi, 100 + (i % 7), 1, 0, 0, 0, 0);
      }
      producer.publish((first + count) >>> 0);
      if (i % 1_000 === 0) host.drainOutbound();
    }
    const counters = await host.drainAndStop();
    host.release();
    expect(counters.eventsProcessed).toBe(total);
    const row = (stage: string) => host.latency.rows().find((r) => r.stage === stage)!;
    expect(row('ingress').count, 'each published record').toBe(total);
    expect(row('ring').count + host.latency.unstamped[1], 'each consumed record').toBe(total);
    expect(row('ring').count).toBeGreaterThan(0);
    expect(row('core').count, 'each consumed record, in its batch').toBe(total);
    expect(host.latencyStamps.dropped(), 'no batch-log entry dropped').toBe(0);
  });
});
