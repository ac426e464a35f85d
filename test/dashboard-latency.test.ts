// The dashboard's Latency page (engine/server/dashboard/latency.html) in headless Chromium over a
// paper session (the EMA cross on the first 600 bundled 1h ETH bars at 60 bars a second): the
// page gets latency frames and shows every stage; ingress, ring and core have records and
// percentiles, journal and venue say "none in this session" (count 0). Screenshot:
// test/artifacts/latency.png. Needs /usr/lib/chromium/chromium: a failure under CI=true, a skip otherwise.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { loadConfig } from '../engine/config/index.js';
import { startPaperSession } from '../engine/paper/index.js';
import { chromiumGuard, haveChromium, launchChromium, openPage } from './launch-chromium.js';
import { writeBundledSlice } from './bundled-slice.js';

const ROOT = resolve(import.meta.dirname, '..');
const ETH = 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';
const BARS = 600;
interface LatencyPageStats { connected: boolean; frames: number; stages: { stage: string; count: number; p99Ns: number }[] }
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-dashboard-latency-'));
  writeBundledSlice(dir, ETH, BARS);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Latency page in headless Chromium', () => {
  chromiumGuard('dashboard-latency');

  it.runIf(haveChromium)('shows each stage of a running paper session, with "none in this session" for journal and venue', async () => {
    const config = loadConfig({ configFile: join(ROOT, 'config', 'examples', 'ema-cross.yaml'), env: {} });
    const session = await startPaperSession({ streams: await openDataSources([join(dir, ETH)], {}), config, equity: 100_000, speed: 3600 * 60, port: 0, log: () => {} });
    const browser = await launchChromium();
    try {
      const { page, errors } = await openPage(browser);
      await page.goto(`${session.dashboardUrl}latency.html`);
      const deadline = Date.now() + 30_000;
      let stats: LatencyPageStats;
      for (;;) {
        stats = await page.evaluate(() => (window as unknown as { __latency: LatencyPageStats }).__latency);
        const ingress = stats.stages.find((s) => s.stage === 'ingress');
        if (ingress && ingress.count > 50) break;
        if (Date.now() > deadline) throw new Error(`no latency frames with records within 30 s: ${JSON.stringify(stats)}; page errors ${errors.join('; ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(errors, 'no page errors').toEqual([]);
      expect(stats.stages.map((s) => s.stage)).toEqual(['ingress', 'ring', 'core', 'intent', 'journal', 'venue']);
      for (const name of ['ingress', 'core']) expect(stats.stages.find((s) => s.stage === name)!.p99Ns, `${name} has a p99`).toBeGreaterThan(0);
      const rows = await page.$$eval('#stages tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      expect(rows.find((r) => r[0] === 'journal')?.[2]).toBe('none in this session');
      expect(rows.find((r) => r[0] === 'venue')?.[2]).toBe('none in this session');
      expect(rows.find((r) => r[0] === 'core')?.[4], 'p99 with a unit').toMatch(/\d (ns|µs|ms|s)$/);
      mkdirSync(join(ROOT, 'test', 'artifacts'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'test', 'artifacts', 'latency.png'), fullPage: true });
    } finally {
      await browser.close();
      await session.close();
    }
  }, 120_000);
});
