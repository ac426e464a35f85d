// engine/paper playPaced at its end of data: a stop asked for once every record was published
// (a Ctrl-C in the run's last moments) is no stop, as in the backtest's player (record-player.ts);
// a stop before the end still is one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openCsvStream } from '../adapters/files/index.js';
import { MemoryStream, StreamMerger } from '../engine/backtest/index.js';
import { playPaced, type PacedPlayResult } from '../engine/paper/index.js';
import { EngineHost } from '../engine/threads/index.js';
import { packageRoot } from '../engine/core/package-root.js';

const ETH = join(packageRoot(), 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
let eth: MemoryStream;
const hosts: EngineHost[] = [];

beforeAll(async () => {
  eth = await MemoryStream.load(await openCsvStream(ETH));
});

afterAll(async () => {
  for (const host of hosts) await host.drainAndStop().catch(() => undefined);
});

/** Plays the ETH bars (as fast as the ring takes them) with a stop asked once `stopAfter` records are published. */
async function play(stopAfter: number): Promise<PacedPlayResult> {
  const host = await EngineHost.start();
  hosts.push(host);
  const merger = await StreamMerger.open([{ stream: eth, instrument: 0 }]);
  let published = 0;
  try {
    return await playPaced(merger, host, {
      speed: 1e12, batch: 4096, shouldStop: () => published >= stopAfter, onProgress: (count) => { published = count; },
    });
  } finally {
    await merger.close();
  }
}

describe('paper: paced player', () => {
  it('is not stopped early by a stop asked for once every record was published', async () => {
    const total = eth.expectedRows!;
    const played = await play(total);
    expect(played.published, 'every record was published').toBe(total);
    expect(played.stoppedEarly, 'a run that played all its data is not interrupted').toBe(false);
    const stopped = await play(1);
    expect([stopped.stoppedEarly, stopped.published < total], 'a stop before the end is one').toEqual([true, true]);
  }, 60_000);
});
