// The dashboard's figures in headless Chromium, from a state server fed by hand (PushStateSource,
// a free port): an account whose float arithmetic leaves residuals (a flat book's gross exposure
// -1.09e-10, a closed position's quantity -2e-12, unrealized P&L -3e-11, as a paper session's
// core reports them) reads 0.00 (0 for a quantity), uncoloured, not a red -0.00; real amounts keep
// their sign and colour. The orders table says why an order was canceled, rejected or expired,
// in words (not the venue's reason code), and nothing for one that filled or works.
// Needs /usr/lib/chromium/chromium (apt-get install chromium): a failure under CI=true, a skip otherwise.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderViewData, RiskView, StateView } from '../engine/client/index.js';
import { PushStateSource, dashboardMounts, startStateServer } from '../engine/server/index.js';
import { chromiumGuard, haveChromium, launchChromium, openPage } from './launch-chromium.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('dashboard figures', () => {
  chromiumGuard('dashboard-figures');

  it.runIf(haveChromium)('shows float residuals as 0.00 (a quantity as 0), uncoloured, and real amounts with their sign', async () => {
    const source = new PushStateSource();
    const server = await startStateServer({ source, staticFiles: dashboardMounts(ROOT) });
    cleanups.push(() => server.close());
    const state: StateView = {
      mode: 'paper', equity: 98_438.71, cash: 98_438.71, equityHighWaterMark: 100_677.98, realizedPnl: -1_561.29, unrealizedPnl: -3e-11,
      positions: [
        { instrumentId: 0, symbol: 'BTCUSDT', quantity: -2e-12, averagePrice: 64_019.91, markPrice: 61_178.08, unrealizedPnl: -3e-11, realizedPnl: -488.7 },
        { instrumentId: 1, symbol: 'ETHUSDT', quantity: 6.45887, averagePrice: 3_094.22, markPrice: 3_100, unrealizedPnl: 37.33, realizedPnl: 4e-13 },
      ],
    };
    const risk: RiskView = {
      killSwitchTripped: false, killSwitchReason: '', drawdown: 0.0222, maxDrawdown: 0.0222, grossExposure: -1.0913936421275139e-10, netExposure: 0,
      maxGrossExposure: 1_000_000, uncertainOrders: 0, deniedOrders: 0n, pausedStrategies: [],
    };
    source.publish('state', state);
    source.publish('risk', risk);
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const { page, errors: pageErrors } = await openPage(browser);
    await page.goto(server.url.replace('ws:', 'http:'));
    await page.waitForFunction(() => document.getElementById('gross')!.textContent !== '—' && document.querySelectorAll('#positions tbody tr').length === 2, undefined, { timeout: 15_000 });
    const read = (id: string) => page.$eval(`#${id}`, (el) => [el.textContent, el.className]);
    expect(await read('gross'), 'a flat book\'s gross exposure').toEqual(['0.00', '']);
    expect(await read('unrealized'), 'unrealized P&L of a flat book').toEqual(['0.00', '']);
    expect(await read('realized'), 'a real loss keeps its sign and colour').toEqual(['-1,561.29', 'down']);
    const rows = await page.$$eval('#positions tbody tr', (trs) => trs.map((tr) => [...(tr as HTMLTableRowElement).cells].map((c) => [c.textContent, c.className])));
    expect(rows[0].slice(0, 5), 'a closed position: quantity 0, no average, P&L 0.00, uncoloured').toEqual([['BTCUSDT', ''], ['0', ''], ['—', ''], ['61,178.08', ''], ['0.00', '']]);
    expect(rows[1].slice(0, 6), 'an open one').toEqual([['ETHUSDT', ''], ['6.45887', 'up'], ['3,094.22', ''], ['3,100.00', ''], ['37.33', 'up'], ['0.00', '']]);
    expect(pageErrors).toEqual([]);
  });

  it.runIf(haveChromium)('says in words why an order was canceled, rejected or expired, and nothing for one that filled or works', async () => {
    const source = new PushStateSource();
    const server = await startStateServer({ source, staticFiles: dashboardMounts(ROOT) });
    cleanups.push(() => server.close());
    const order = (orderId: bigint, status: OrderViewData['status'], statusReason: string, filledQuantity = 0): OrderViewData => ({
      orderId, clientOrderId: String(orderId), venueOrderId: '', instrumentId: 0, symbol: 'ETHUSDT', side: 'buy', orderType: 'limit', timeInForce: 'ioc', status,
      quantity: 1, filledQuantity, limitPrice: 3_000, stopPrice: null, averageFillPrice: filledQuantity > 0 ? 3_000 : null, updatedTimeNs: 1_000n + orderId, rule: 'STRATEGY', statusReason,
    });
    const orders = [
      order(1n, 'canceled', 'unfilled'),
      order(2n, 'rejected', 'post-only'),
      order(3n, 'expired', 'post-only-would-take'),
      order(4n, 'expired', 'time-in-force'),
      order(5n, 'canceled', 'requested'),
      order(6n, 'canceled', 'reconciled'),
      order(7n, 'rejected', 'duplicate-client-order-id'),
      order(8n, 'filled', '', 1),
      order(9n, 'accepted', ''),
      order(10n, 'rejected', 'lost-before-venue'),
      order(11n, 'rejected', 'withheld-by-kill-switch'),
      order(12n, 'rejected', 'code 902'),
    ];
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const { page, errors: pageErrors } = await openPage(browser);
    await page.goto(server.url.replace('ws:', 'http:'));
    // Orders are an event topic (no snapshot): publish until the page has subscribed and shows them.
    for (let tries = 0; (await page.locator('#orders tbody tr').count()) < orders.length; tries++) {
      if (tries > 150) throw new Error('the orders table never showed the published orders');
      source.publish('orders', { orders });
      await new Promise((r) => setTimeout(r, 100));
    }
    const header = await page.$$eval('#orders thead th', (ths) => ths.map((th) => th.textContent));
    const why = header.indexOf('why');
    expect(why, 'a `why` column after status').toBe(header.indexOf('status') + 1);
    const rows = await page.$$eval('#orders tbody tr', (trs) => trs.map((tr) => [...(tr as HTMLTableRowElement).cells].map((c) => c.textContent)));
    const byId = new Map(rows.map((cells) => [cells[0], cells[why]]));
    expect(Object.fromEntries(byId), 'why each order ended, in words').toEqual({
      1: 'nothing filled at once (IOC / FOK remainder)',
      2: 'post-only, would have taken liquidity',
      3: 'post-only, would have taken liquidity',
      4: 'its time in force ran out',
      5: 'canceled on request',
      6: 'closed by the venue\'s order status (reconciliation)',
      7: 'its client order id was sent before (never reached the venue)',
      8: '—',
      9: '—',
      10: 'never reached the venue (found by reconciliation)',
      11: 'not sent: decided before the kill switch tripped',
      12: 'code 902',
    });
    expect(pageErrors).toEqual([]);
  });
});
