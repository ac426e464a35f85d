// The kill-switch trip toast in headless Chromium, through the real path: a paper session
// (engine/paper) runs the EMA cross of config/examples/ema-cross.yaml on the first 1,000
// bundled 1h bars of ETH and BTC with `risk.maxDrawdownPct: 0.003` (one BTC is most of the
// 100,000 account, so the data breaches it within days); the core halts, the risk topic says
// so, and the dashboard must show a critical toast for the trip that outlives a passing toast's
// 6 s (fill toasts expire), list it under the bell (unread), mark it read and dismiss it there,
// and close the toast. The page shows the switch as TRIPPED with the core's reason.
// A screenshot goes to test/artifacts/dashboard-killswitch.png.
// Needs /usr/lib/chromium/chromium (apt-get install chromium): a failure under CI=true, a skip otherwise.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { loadConfig } from '../engine/config/index.js';
import { startPaperSession, type PaperSession } from '../engine/paper/index.js';
import { chromiumGuard, haveChromium, launchChromium, openPage } from './launch-chromium.js';
import { writeBundledSlice } from './bundled-slice.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ARTIFACT = join(ROOT, 'test', 'artifacts', 'dashboard-killswitch.png');
const BARS = 1000;
const SPEED = 3600 * 20; // 20 bars a second: the page is up well before the trip
const MAX_DRAWDOWN = 0.003;

interface DashboardStats {
  connected: boolean;
  stateFrames: number;
  toasts: number;
  killSwitchTrips: number;
}

function sliceBundledBars(dir: string): string[] {
  return ['ETH', 'BTC'].map((symbol) => {
    return writeBundledSlice(dir, `binance_spot_${symbol}USDT_1h_2024-04-16_2026-04-16.csv`, BARS);
  });
}

const stats = (page: Page): Promise<DashboardStats> => page.evaluate(() => (window as unknown as { __dashboard: DashboardStats }).__dashboard);

async function until(page: Page, check: (s: DashboardStats) => boolean, what: string, timeoutMs = 60_000): Promise<DashboardStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await stats(page);
    if (check(now)) return now;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; dashboard counters ${JSON.stringify(now)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('kill-switch trip toast in headless Chromium', () => {
  chromiumGuard('dashboard-killswitch');

  describe.runIf(haveChromium)('during a paper session that breaches its max drawdown', () => {
    let dir: string;
    let session: PaperSession | undefined;
    let browser: Browser | undefined;
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'qf-dashboard-killswitch-'));
      const files = sliceBundledBars(dir);
      const configFile = join(dir, 'killswitch.yaml');
      writeFileSync(configFile, [
        ...readFileSync(join(ROOT, 'config', 'examples', 'ema-cross.yaml'), 'utf8').split('\n').filter((line) => !/^risk:|^  max(Position|AssetClass)Pct|^  replayDefaults/.test(line)),
        'risk:',
        '  maxPositionPct: 1.0',
        '  maxAssetClassPct: 1.0',
        `  maxDrawdownPct: ${MAX_DRAWDOWN}`,
        '  replayDefaults: { assetClass: crypto, lotSize: 0.001 }',
        `killSwitch: { statePath: ${JSON.stringify(join(dir, 'state'))} }`,
        '',
      ].join('\n'));
      const config = loadConfig({ configFile, env: {} });
      expect(config.risk.maxDrawdownPct, 'the test configuration').toBe(MAX_DRAWDOWN);
      browser = await launchChromium();
      ({ page } = await openPage(browser, { viewport: { width: 1400, height: 1000 }, console: true, errors: pageErrors }));
      session = await startPaperSession({ streams: await openDataSources(files, {}), config, equity: 100_000, speed: SPEED, port: 0 });
      await page.goto(session.dashboardUrl!);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await session?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('raises a critical toast for the trip that stays until closed, and shows the switch TRIPPED', async () => {
      await until(page, (s) => s.connected, 'the WebSocket to open', 20_000);
      const at = await until(page, (s) => s.killSwitchTrips >= 1, 'the kill-switch trip');
      expect(at.killSwitchTrips, 'one trip (the switch stays tripped)').toBe(1);
      const trip = page.locator('.toast.kill-switch');
      await trip.waitFor({ state: 'visible', timeout: 10_000 });
      expect(await trip.count(), 'one trip toast').toBe(1);
      expect(await trip.getAttribute('class'), 'a critical toast').toMatch(/\bcritical\b/);
      expect(await trip.textContent()).toMatch(/kill switch TRIPPED: drawdown trip at equity [\d.]+/);
      expect(await page.locator('#kill-switch').textContent()).toMatch(/^TRIPPED: drawdown trip at equity/);
      expect(await page.locator('#kill-switch').getAttribute('class')).toBe('tripped');
      expect(await trip.getAttribute('data-sticky'), 'the trip toast has no timeout').toBe('true');
      // A passing toast (a fill's) is removed after 6 s; the trip's must still be there after longer.
      // (A lower bound only: a loaded machine can only make the wait longer, never fail it.)
      const toastsAtTrip = (await stats(page)).toasts;
      await page.waitForTimeout(7_000);
      expect(await page.locator('.toast.kill-switch').count(), 'the trip toast is still there').toBe(1);
      console.log(`dashboard-killswitch: ${(await stats(page)).toasts - toastsAtTrip} toasts after the trip's; ${await page.locator('.toast').count()} on screen`);
      mkdirSync(dirname(ARTIFACT), { recursive: true });
      await page.screenshot({ path: ARTIFACT, fullPage: true });
      await trip.locator('button').click();
      await page.locator('.toast.kill-switch').waitFor({ state: 'detached', timeout: 10_000 });
    });

    it('lists the trip under the bell, unread, then marks it read and dismisses it', async () => {
      await page.click('#bell');
      const item = page.locator('#notification-list li[data-kind="kill-switch"]');
      await item.waitFor({ state: 'visible', timeout: 10_000 });
      expect(await item.count()).toBe(1);
      expect(await item.textContent()).toMatch(/● kill switch TRIPPED: drawdown trip at equity/);
      expect(await item.getAttribute('class'), 'unread').toBe('unread');
      const unread = (): Promise<{ badge: number; unread: number; notifications: number }> => page.evaluate(() => ({
        badge: Number(document.getElementById('bell-count')!.textContent),
        unread: document.querySelectorAll('#notification-list li.unread').length,
        notifications: (window as unknown as { __dashboard: { notifications: number } }).__dashboard.notifications,
      }));
      const before = await unread();
      expect(before.badge, 'the badge counts the unread').toBe(before.unread);
      expect(before.badge).toBeGreaterThanOrEqual(1);
      await item.locator('button', { hasText: /^read$/ }).click();
      await page.waitForFunction(() => document.querySelector('#notification-list li[data-kind="kill-switch"]')?.className === '', undefined, { timeout: 10_000 });
      const after = await unread();
      expect(after.badge, 'one fewer unread, plus any notification that arrived meanwhile').toBe(before.badge - 1 + (after.notifications - before.notifications));
      expect(await page.locator('#notification-list li[data-kind="kill-switch"] button', { hasText: /^unread$/ }).count(), 'the read one can be marked unread again').toBe(1);
      await page.locator('#notification-list li[data-kind="kill-switch"] button', { hasText: /^dismiss$/ }).click();
      await page.locator('#notification-list li[data-kind="kill-switch"]').waitFor({ state: 'detached', timeout: 10_000 });
      expect(pageErrors, 'no errors in the page').toEqual([]);
    });
  });
});
