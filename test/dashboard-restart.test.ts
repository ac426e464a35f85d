// The dashboard in headless Chromium when its state server restarts (a new paper session on the
// same port: new epoch, sequences and order ids counted from the start again, engine time back
// at the start of the data). The open page reconnects by itself; it must show the new session's
// fills (whose order and trade ids repeat the old session's) and chart its equity from its own
// start, not keep the old session's fills and hide the new ones as already seen.
// Needs /usr/lib/chromium/chromium (apt-get install chromium): a failure under CI=true, a skip otherwise.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { FillViewData, SignalView, StateView } from '../engine/client/index.js';
import { PushStateSource, dashboardMounts, startStateServer, type StateServer } from '../engine/server/index.js';
import { freePort } from './free-port.js';
import { chromiumGuard, haveChromium, launchChromium, openPage } from './launch-chromium.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const START_NS = 1_713_229_200_000_000_000n; // 2024-04-16 01:00 UTC, the bundled data's first bar

interface DashboardStats {
  connected: boolean;
  fills: number;
  stopLossHits: number;
  toasts: number;
  reconnects: number;
  equityPoints: number;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function state(equity: number): StateView {
  return { mode: 'paper', equity, cash: equity, equityHighWaterMark: equity, realizedPnl: 0, unrealizedPnl: 0, positions: [{ instrumentId: 0, symbol: 'BTCUSDT', quantity: 0, averagePrice: 0, markPrice: 64000, unrealizedPnl: 0, realizedPnl: 0 }] };
}

function fill(orderId: number, price: number, timeNs: bigint, rule = 'STRATEGY'): FillViewData {
  return {
    orderId: BigInt(orderId), clientOrderId: String(orderId), venueOrderId: `v${orderId}`, tradeId: String(orderId), instrumentId: 0, side: rule === 'STRATEGY' ? 'buy' : 'sell', price,
    quantity: 0.5, fee: 1, feeCurrency: 'USDT', liquidity: 'taker', timeNs, rule,
  };
}

/** A paper session's state server as the dashboard sees it: the state topic and its fills, on `port`. */
async function session(port: number, firstFillPrice: number, moreFills: FillViewData[] = []): Promise<{ server: StateServer; source: PushStateSource }> {
  const source = new PushStateSource();
  const server = await startStateServer({ source, port, staticFiles: dashboardMounts(ROOT) });
  source.publish('state', state(100_000), START_NS);
  source.publish('fills', { fills: [fill(1, firstFillPrice, START_NS)] }, START_NS); // kept in the server's backlog
  for (const more of moreFills) source.publish('fills', { fills: [more] }, more.timeNs);
  return { server, source };
}

function signal(score: number, timeNs: bigint): SignalView {
  return {
    instrumentId: 0, strategy: 'fusion', timeframeSeconds: 3600, score, targetQuantity: 0.1, quantiles: [], timeNs, symbol: 'BTCUSDT', fusion: true,
    regimeProbabilities: [0.2, 0.5, 0.3], experts: Array.from({ length: 5 }, () => ({ score, confidence: 0.5, weight: 0.2, present: true })),
    confidence: 0.5, choppyScale: 1, direction: Math.sign(score), targetExposure: 0.1, price: 64_000, status: 0, orderReason: -1, orderReasonName: '', orderQuantity: 0, orderLimit: 0,
  };
}

/** Headless Chromium on `path` of the server at `port`, closed after the test; the page's errors are collected. */
async function openDashboard(port: number, path = '/'): Promise<{ page: Page; pageErrors: string[] }> {
  const browser: Browser = await launchChromium();
  cleanups.push(() => browser.close());
  const { page, errors: pageErrors } = await openPage(browser);
  await page.goto(`http://127.0.0.1:${port}${path}`);
  return { page, pageErrors };
}

const stats = (page: Page): Promise<DashboardStats> => page.evaluate(() => (window as unknown as { __dashboard: DashboardStats }).__dashboard);

async function until(page: Page, check: (s: DashboardStats) => boolean, what: string, timeoutMs = 15_000): Promise<DashboardStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await stats(page);
    if (check(now)) return now;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; dashboard counters ${JSON.stringify(now)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const fillPrices = (page: Page): Promise<string[]> => page.$$eval('#fills tbody tr', (rows) => rows.map((row) => (row as HTMLTableRowElement).cells[4]?.textContent ?? ''));

describe('the dashboard across a state server restart', () => {
  chromiumGuard('dashboard-restart');

  it.runIf(haveChromium)('shows the new session\'s fills (order and trade ids repeat the old one\'s) and charts its equity from its own start', async () => {
    const port = await freePort();
    let first: { server: StateServer; source: PushStateSource } | null = await session(port, 64_000);
    cleanups.push(() => first?.server.close());
    const { page, pageErrors } = await openDashboard(port);
    await until(page, (s) => s.connected && s.fills === 1, 'the first session\'s fill');
    // The first session plays on: a day later, its equity is charted.
    first.source.publish('state', state(100_500), START_NS + 86_400_000_000_000n);
    await until(page, (s) => s.equityPoints === 2, 'two equity points of the first session');
    expect(await fillPrices(page)).toEqual(['64,000.00']);

    await first.server.close();
    first = null;
    const second = await session(port, 3_100);
    cleanups.push(() => second.server.close());
    await until(page, (s) => s.reconnects === 1 && s.connected, 'the reconnect to the restarted server');
    const after = await until(page, (s) => s.fills >= 2, 'the new session\'s fill (order 1, trade 1 again)');
    expect(after.fills).toBe(2);
    expect(await fillPrices(page), 'only the new session\'s fill is listed').toEqual(['3,100.00']);
    // The new session's engine time starts again at the data's first bar: its equity is charted.
    second.source.publish('state', state(99_900), START_NS + 3_600_000_000_000n);
    second.source.publish('state', state(99_800), START_NS + 7_200_000_000_000n);
    const charted = await until(page, (s) => s.equityPoints >= 3, 'the new session\'s equity on the chart');
    expect(charted.equityPoints, 'the new session\'s three points (its start, an hour and two hours later)').toBe(3);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it.runIf(haveChromium)('toasts a stop-loss hit that happened while the page was disconnected (it arrives in the backfill)', async () => {
    const port = await freePort();
    let first: { server: StateServer; source: PushStateSource } | null = await session(port, 64_000);
    cleanups.push(() => first?.server.close());
    const { page } = await openDashboard(port);
    await until(page, (s) => s.connected && s.fills === 1, 'the first fill');
    await first.server.close();
    first = null;
    // While the page was away: the position opened and its stop was hit.
    const second = await session(port, 3_100, [fill(2, 2_950, START_NS + 3_600_000_000_000n, 'STOP')]);
    cleanups.push(() => second.server.close());
    const after = await until(page, (s) => s.reconnects === 1 && s.fills >= 2, 'the backfilled fills');
    expect(after.stopLossHits, 'the stop-loss hit is toasted, not only counted among the backfilled fills').toBe(1);
    const toasts = await page.$$eval('#toasts .toast[data-kind="stop-loss"]', (els) => els.map((el) => el.textContent ?? ''));
    expect(toasts).toHaveLength(1);
    expect(toasts[0]).toMatch(/stop-loss hit.*SELL 0\.5 BTCUSDT @ 2,950\.00/);
  }, 60_000);

  it.runIf(haveChromium)('charts the new session\'s signals on the Signals page (its decisions are earlier than the old session\'s last)', async () => {
    const port = await freePort();
    const signalsSession = async (): Promise<{ server: StateServer; source: PushStateSource }> => {
      const source = new PushStateSource();
      const server = await startStateServer({ source, port, staticFiles: dashboardMounts(ROOT) });
      return { server, source };
    };
    let first: { server: StateServer; source: PushStateSource } | null = await signalsSession();
    cleanups.push(() => first?.server.close());
    const { page } = await openDashboard(port, '/signals.html');
    type SignalsStats = { connected: boolean; frames: number; instruments: Record<string, { points: number; timeNs: string }> };
    const signalsStats = (): Promise<SignalsStats> => page.evaluate(() => (window as unknown as { __signals: SignalsStats }).__signals);
    const waitFor = async (check: (s: SignalsStats) => boolean, what: string): Promise<SignalsStats> => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const now = await signalsStats();
        if (check(now)) return now;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ${JSON.stringify(now)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    await waitFor((s) => s.connected, 'the page\'s connection');
    for (let h = 0n; h < 3n; h++) first.source.publish('signals', { signals: [signal(0.1, START_NS + (10n + h) * 3_600_000_000_000n)] });
    await waitFor((s) => s.instruments.BTCUSDT?.points === 3, 'the first session\'s three decisions');
    await first.server.close();
    first = null;
    const second = await signalsSession();
    cleanups.push(() => second.server.close());
    await waitFor((s) => !s.connected, 'the page seeing the server go').catch(() => undefined);
    await waitFor((s) => s.connected, 'the reconnect');
    for (let h = 0n; h < 2n; h++) second.source.publish('signals', { signals: [signal(-0.2, START_NS + h * 3_600_000_000_000n)] });
    const after = await waitFor((s) => s.instruments.BTCUSDT?.timeNs === String(START_NS + 3_600_000_000_000n), 'the new session\'s second decision');
    expect(after.instruments.BTCUSDT.points, 'the new session\'s two decisions, charted from its own start').toBe(2);
  }, 60_000);
});
