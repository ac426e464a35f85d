// An engine thread started ahead of its run (engine/threads PrestartedEngineThread): a host
// that takes it consumes exactly what the producer wrote, as a spawned thread does; a thread
// nobody takes ends on dispose; an ended one is not taken (the host spawns its own). A backtest
// (runBacktest) starts one before it reads its data, runs on it, and leaves no thread behind,
// also when it fails before its engine starts.
import { describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { loadBarsCsv, openCsvStream } from '../adapters/files/index.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { EngineHost, PrestartedEngineThread } from '../engine/threads/index.js';
import { buildBarReplayTape } from '../engine/replay/bar-replay-tape.js';
import { playTape } from '../engine/replay/tape-player.js';
import { tapeChecksum } from '../engine/replay/tape-checksum.js';
import { loadConfig } from '../engine/config/index.js';
import { BacktestSetupError, MemoryStream, runBacktest } from '../engine/backtest/index.js';
import { packageRoot } from '../engine/core/package-root.js';

const exited = (thread: PrestartedEngineThread): Promise<number> => new Promise((resolve) => thread.worker.once('exit', resolve));
/** Resolves once the thread has ended (at once if it has: a worker no longer running has threadId -1). */
const hasEnded = (thread: PrestartedEngineThread): Promise<true> => (thread.worker.threadId === -1 ? Promise.resolve(true) : exited(thread).then(() => true));

async function demoTape() {
  const series = [];
  for (const file of defaultBarFiles()) series.push((await loadBarsCsv(file)).series);
  return buildBarReplayTape(series, series.map((s) => s.file));
}

describe('PrestartedEngineThread', () => {
  it('is taken by the host it is given to, which consumes every record with the checksum of a spawned thread', async () => {
    const tape = await demoTape();
    const thread = PrestartedEngineThread.start();
    await new Promise((resolve) => setTimeout(resolve, 100)); // loaded and waiting for its setup
    expect(thread.fits(undefined)).toBe(true);
    expect(thread.fits('debug'), 'another core build does not fit').toBe(false);
    const host = await EngineHost.start({ maxBatch: 512, prestarted: thread });
    expect(host.memory, 'the host runs on the prestarted thread\'s memory').toBe(thread.memory);
    expect(thread.fits(undefined), 'taken once').toBe(false);
    const ended = exited(thread);
    await playTape(tape, host, { batch: 1000, rate: 0, shouldStop: () => false });
    const counters = await host.drainAndStop();
    expect(counters.eventsProcessed).toBe(tape.length);
    expect(counters.checksum, 'the core read exactly the records the producer wrote').toBe(tapeChecksum(tape));
    await thread.dispose(); // a taken thread is the host's to end
    await host.terminate();
    await ended;

    const spawned = await EngineHost.start({ maxBatch: 512 });
    await playTape(tape, spawned, { batch: 1000, rate: 0, shouldStop: () => false });
    expect((await spawned.drainAndStop()).checksum, 'the same as a thread spawned with its setup').toBe(counters.checksum);
    await spawned.terminate();
  });

  it('ends on dispose when nobody took it', async () => {
    const thread = PrestartedEngineThread.start();
    const ended = exited(thread);
    await thread.dispose();
    await ended;
    expect(thread.fits(undefined)).toBe(false);
  });

  it('is not taken once it has ended: the host spawns its own thread', async () => {
    const thread = PrestartedEngineThread.start();
    await thread.worker.terminate();
    await new Promise((resolve) => setImmediate(resolve));
    expect(thread.fits(undefined)).toBe(false);
    const host = await EngineHost.start({ prestarted: thread });
    expect(host.memory).not.toBe(thread.memory);
    await host.drainAndStop();
    await host.terminate();
  });
});

describe('runBacktest on a prestarted engine thread', () => {
  const config = loadConfig({ configFile: join(packageRoot(), 'config', 'examples', 'ema-cross.yaml'), env: {} });
  const ethFile = join(packageRoot(), 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');

  function watchStarts(): { threads: PrestartedEngineThread[]; restore: () => void } {
    const threads: PrestartedEngineThread[] = [];
    const start = PrestartedEngineThread.start.bind(PrestartedEngineThread);
    const spy = vi.spyOn(PrestartedEngineThread, 'start').mockImplementation((build) => {
      const thread = start(build);
      threads.push(thread);
      return thread;
    });
    return { threads, restore: () => spy.mockRestore() };
  }

  it('starts one thread before reading its data, runs on it, and the thread has ended when the run resolves', async () => {
    const watch = watchStarts();
    try {
      const stream = await openCsvStream(ethFile);
      const run = await runBacktest({ streams: [stream], config, equity: 100_000 });
      expect(run.recording.fills.length).toBeGreaterThan(10);
      expect(watch.threads).toHaveLength(1);
      expect(watch.threads[0].fits(undefined), 'the run took it').toBe(false);
      await expect(hasEnded(watch.threads[0])).resolves.toBe(true);
      const inline = await runBacktest({ streams: [await openCsvStream(ethFile)], config, equity: 100_000, inlineEngine: true });
      expect(watch.threads, 'an inline engine starts no thread').toHaveLength(1);
      expect(inline.recording.fillsHash, 'the same fills as the inline engine').toBe(run.recording.fillsHash);
    } finally {
      watch.restore();
    }
  });

  it('ends the thread it started when the run fails before its engine starts', async () => {
    const watch = watchStarts();
    try {
      const bars = await MemoryStream.load(await openCsvStream(ethFile));
      const ticks = { ...bars, label: 'ticks', kind: 'trades' as const, symbol: bars.symbol, blocks: bars.blocks.bind(bars), issues: bars.issues.bind(bars), expectedRows: bars.expectedRows };
      await expect(runBacktest({ streams: [bars, ticks], config, equity: 100_000 })).rejects.toBeInstanceOf(BacktestSetupError);
      expect(watch.threads).toHaveLength(1);
      const thread = watch.threads[0];
      expect(thread.fits(undefined), 'disposed').toBe(false);
      await hasEnded(thread);
    } finally {
      watch.restore();
    }
  });
});
