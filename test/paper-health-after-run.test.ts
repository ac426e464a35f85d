// A paper session whose run is over keeps serving its dashboard (the final state), but the
// engine no longer runs: /health and the health topic must say so instead of "running".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { connect, type HealthView } from '../engine/client/index.js';
import { loadConfig } from '../engine/config/index.js';
import { startPaperSession } from '../engine/paper/index.js';
import { writeBundledSlice } from './bundled-slice.js';

const ROOT = resolve(import.meta.dirname, '..');
const ETH = 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-paper-health-'));
  writeBundledSlice(dir, ETH, 300);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('paper session health after the run', () => {
  it('says the engine stopped once the run is over (health topic: engine down; /health: the reason), while the server keeps serving', async () => {
    const config = loadConfig({ configFile: join(ROOT, 'config', 'examples', 'ema-cross.yaml'), env: {} });
    const session = await startPaperSession({
      streams: await openDataSources([join(dir, ETH)], {}), config, equity: 100_000, speed: 1e9, port: 0, controlLogPath: join(dir, 'state', 'control.jsonl'),
    });
    try {
      await session.finished;
      const response = await fetch(`http://127.0.0.1:${session.server!.port}/health`);
      const report = await response.json() as { ready: boolean; reasons: string[] };
      expect(report.reasons.join('\n'), '/health after the run').toMatch(/the run is over: the engine stopped/);
      const client = await connect(`ws://127.0.0.1:${session.server!.port}/`, { reconnect: false });
      const health = await new Promise<HealthView>((resolveHealth) => client.subscribe('health', (update) => resolveHealth(update.payload)));
      await client.close();
      expect(health.components.find((c) => c.name === 'engine'), 'the health topic\'s engine component').toMatchObject({ status: 'down', detail: expect.stringMatching(/the run is over/) });
      expect(health.status).not.toBe('ok');
    } finally {
      await session.close();
    }
  });
});
