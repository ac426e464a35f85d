// A paper session (`quantflow paper`, `npm start`) whose kill switch tripped (drawdown limit):
// every new order is denied, but /health answered `{"ready":true,"reasons":[]}` and the health
// topic `status: "ok"`, so an operator's health check never saw the halt (`quantflow run` says
// `degraded: the kill switch is tripped`). The state source now says it for a paper session too.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { loadConfig } from '../engine/config/index.js';
import { startPaperSession } from '../engine/paper/index.js';
import { writeBundledSlice } from './bundled-slice.js';

const ROOT = resolve(import.meta.dirname, '..');
const ETH = 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-paper-health-'));
  writeBundledSlice(dir, ETH, 800);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function session(riskKeys: string) {
  const configFile = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(configFile, readFileSync(join(ROOT, 'config', 'examples', 'ema-cross.yaml'), 'utf8').replace(/^risk:\n/m, `risk:\n${riskKeys}`));
  const config = loadConfig({ configFile, env: {} });
  return startPaperSession({
    streams: await openDataSources([join(dir, ETH)], {}), config, equity: 100_000, speed: 1e9, host: '127.0.0.1', port: 0, controlLogPath: join(dir, 'control.jsonl'),
  });
}

describe('paper session /health with the kill switch tripped', () => {
  it('says degraded on /health, naming the trip', async () => {
    const paper = await session('  maxDrawdownPct: 0.002\n');
    try {
      const run = await paper.finished;
      expect(run.recording.totals.killSwitch?.halted, 'the 0.2% drawdown limit trips the kill switch').toBe(true);
      const health = await (await fetch(new URL('/health', paper.dashboardUrl!))).json() as { ready: boolean; reasons: string[] };
      expect(health.reasons.filter((reason) => /^degraded: the kill switch is tripped \(drawdown trip at equity [0-9.]+\); no new exposure$/.test(reason))).toHaveLength(1);
    } finally {
      await paper.close();
    }
  }, 120_000);

  it('says nothing of it while the kill switch is armed', async () => {
    const paper = await session('');
    try {
      const run = await paper.finished;
      expect(run.recording.totals.killSwitch?.halted).toBe(false);
      const health = await (await fetch(new URL('/health', paper.dashboardUrl!))).json() as { reasons: string[] };
      expect(health.reasons.some((reason) => reason.includes('kill switch'))).toBe(false);
    } finally {
      await paper.close();
    }
  }, 120_000);
});
