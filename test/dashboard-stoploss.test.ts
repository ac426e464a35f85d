// Stop-loss hits on the dashboard in headless Chromium (issue 16): a paper session (the EMA cross
// of config/examples/ema-cross.yaml plus a tight fixed stop, `exits: { stopPct: 0.003 }`) over
// the first 600 bundled 1h ETH bars at 60 bars a second, served on a free port. A quantflow/client
// subscriber records every fill with the rule of its order; the page must raise a critical
// "stop-loss hit" toast whose text is one of the subscriber's STOP fills, and list in the bell
// exactly the STOP fills it saw as deltas (the latest ones, in order), no more, no less.
// A screenshot goes to test/artifacts/dashboard-stoploss.png.
// Needs /usr/lib/chromium/chromium (apt-get install chromium): a failure under CI=true, a skip otherwise.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { connect, type FillViewData, type QuantFlowClient } from '../engine/client/index.js';
import { loadConfig } from '../engine/config/index.js';
import { startPaperSession, type PaperSession } from '../engine/paper/index.js';
import { chromiumGuard, haveChromium, launchChromium, openPage } from './launch-chromium.js';
import { writeBundledSlice } from './bundled-slice.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ARTIFACT = join(ROOT, 'test', 'artifacts', 'dashboard-stoploss.png');
const BARS = 600;
const SPEED = 3600 * 60;
const FILE = 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';

interface DashboardStats {
  connected: boolean;
  fills: number;
  stopLossHits: number;
}

const stats = (page: Page): Promise<DashboardStats> => page.evaluate(() => (window as unknown as { __dashboard: DashboardStats }).__dashboard);

async function until(page: Page, check: (s: DashboardStats) => boolean, what: string, timeoutMs = 30_000): Promise<DashboardStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await stats(page);
    if (check(now)) return now;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; dashboard counters ${JSON.stringify(now)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The toast text the page must show for a stop fill (app.js formats the same way, en-US). */
function stopText(f: FillViewData): string {
  const money = f.price.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const quantity = f.quantity.toLocaleString('en-US', { maximumFractionDigits: 6 });
  return `stop-loss hit: ${f.side.toUpperCase()} ${quantity} ETHUSDT @ ${money} (stop)`;
}

describe('stop-loss hits on the dashboard in headless Chromium', () => {
  chromiumGuard('dashboard-stoploss');

  describe.runIf(haveChromium)('during a paced run with a tight stop', () => {
    let dir: string;
    let session: PaperSession | undefined;
    let browser: Browser | undefined;
    let client: QuantFlowClient | undefined;
    let page: Page;
    const seen = new Map<string, FillViewData>();
    const pageErrors: string[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'qf-dashboard-stoploss-'));
      const file = writeBundledSlice(dir, FILE, BARS);
      const configFile = join(dir, 'ema-stop.yaml');
      writeFileSync(configFile, `${readFileSync(join(ROOT, 'config', 'examples', 'ema-cross.yaml'), 'utf8')}\nexits:\n  stopPct: 0.003\n`);
      const config = loadConfig({ configFile, env: {} });
      browser = await launchChromium();
      ({ page } = await openPage(browser, { viewport: { width: 1400, height: 1000 }, console: true, errors: pageErrors }));
      session = await startPaperSession({ streams: await openDataSources([file], {}), config, equity: 100_000, speed: SPEED, port: 0, log: () => {} });
      client = await connect(session.server!.url);
      client.subscribe('fills', (u) => {
        for (const f of u.payload.fills) seen.set(`${f.orderId}/${f.tradeId}`, f);
      });
      await page.goto(session.dashboardUrl!);
    }, 60_000);

    afterAll(async () => {
      await client?.close();
      await browser?.close();
      await session?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('toasts a stop fill as "stop-loss hit" with the text of a STOP fill the client saw, and lists every one it saw in the bell', async () => {
      await until(page, (s) => s.connected, 'the WebSocket to open', 15_000);
      const toast = await page.waitForSelector('.toast.stop-loss', { timeout: 90_000 });
      const toastText = (await toast.evaluate((el) => el.querySelector('span')!.textContent ?? '')).trim();
      expect(await toast.getAttribute('class'), 'a critical toast').toMatch(/\bcritical\b/);
      mkdirSync(dirname(ARTIFACT), { recursive: true });
      await page.screenshot({ path: ARTIFACT, fullPage: true });

      const run = await session!.finished;
      expect(run.published, 'every bar of the slice').toBe(BARS);
      const fillCount = run.recording.fills.length;
      await until(page, (s) => s.fills >= fillCount, `the dashboard's ${fillCount} fills`);
      const deadline = Date.now() + 30_000;
      while (seen.size < fillCount && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const all = [...seen.values()].sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
      expect(all.length, 'the client saw every fill').toBe(fillCount);
      expect(new Set(all.map((f) => f.rule)), 'every fill names its rule: entries and stops').toEqual(new Set(['STRATEGY', 'STOP']));
      const stops = all.filter((f) => f.rule === 'STOP').map(stopText);
      expect(stops.length, 'the tight stop fired').toBeGreaterThan(0);
      expect(stops, 'the toast is one of the STOP fills the client saw').toContain(toastText);

      // The bell lists stop-loss hits newest first; oldest first they are the latest of the client's STOP fills.
      const bell = await page.$$eval('#notification-list li[data-kind="stop-loss"] > span', (spans) => spans.map((s) => (s.firstChild?.textContent ?? '').replace(/^● /, '').trim()));
      const final = await stats(page);
      expect(bell.length, 'one bell entry per stop-loss toast').toBe(final.stopLossHits);
      expect(bell.length).toBeGreaterThan(0);
      expect(bell.reverse(), 'the bell entries are the STOP fills, in order').toEqual(stops.slice(stops.length - bell.length));
      const plainToasts = await page.$$eval('#notification-list li[data-kind="fill"] > span', (spans) => spans.map((s) => s.firstChild?.textContent ?? ''));
      expect(plainToasts.every((t) => !/stop-loss/.test(t)), 'stops are not counted as plain fills').toBe(true);
      expect(pageErrors, 'no errors in the page').toEqual([]);
    }, 180_000);
  });
});
