// The Signals page (engine/server/dashboard/signals.js) in headless Chromium, fed by hand
// (PushStateSource): whether a card says the kill switch zeroed its target follows the decision's
// own STATUS_HALTED bit (set by the core's order stage, wasm/assembly/pipeline/order-stage.ts),
// not the risk topic. The page used to infer it from risk.killSwitchTripped and a target of 0, so a
// decision made BEFORE the trip whose target happened to be 0 read "the kill switch is tripped"
// as soon as the risk topic said tripped.
// Needs /usr/lib/chromium/chromium (apt-get install chromium): a failure under CI=true, a skip otherwise.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { RiskView, SignalView } from '../engine/client/index.js';
import { STATUS_HALTED, STATUS_PRICE, STATUS_REGIME } from '../engine/decision/index.js';
import { PushStateSource, dashboardMounts, startStateServer } from '../engine/server/index.js';
import { chromiumGuard, haveChromium, launchChromium, openPage } from './launch-chromium.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REASON = 'max drawdown 0.1500 reached';
const HALTED_WORDING = `none: the kill switch is tripped (${REASON}), the core holds every target at 0 until it is reset`;
const NONE_NEEDED = 'none needed (target within the no-trade band, or already held)';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const risk = (tripped: boolean): RiskView => ({
  killSwitchTripped: tripped, killSwitchReason: tripped ? REASON : '', drawdown: 0.16, maxDrawdown: 0.16, grossExposure: 0, netExposure: 0,
  maxGrossExposure: 1_000_000, uncertainOrders: 0, deniedOrders: 0n, pausedStrategies: [],
});

function signal(timeNs: bigint, halted: boolean): SignalView {
  return {
    instrumentId: 0, strategy: 'fusion', timeframeSeconds: 3600, score: 0.01, targetQuantity: 0, quantiles: [], timeNs, symbol: 'BTCUSDT', fusion: true,
    regimeProbabilities: [0.7, 0.2, 0.1],
    experts: [0.01, 0.01, 0.01, 0.01, 0].map((score, k) => ({ score, confidence: 0.8, weight: 0.2, present: k < 4 })),
    confidence: 0.8, choppyScale: 1, direction: 0.01, targetExposure: 0, price: 57_000,
    status: STATUS_REGIME | STATUS_PRICE | (0b1111 << 8) | (halted ? STATUS_HALTED : 0),
    orderReason: -1, orderReasonName: '', orderQuantity: 0, orderLimit: 0,
  };
}

async function start(): Promise<{ source: PushStateSource; page: Page; errors: string[] }> {
  const source = new PushStateSource();
  const server = await startStateServer({ source, staticFiles: dashboardMounts(ROOT) });
  cleanups.push(() => server.close());
  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  const { page, errors } = await openPage(browser);
  await page.goto(`${server.url.replace('ws:', 'http:')}signals.html`);
  return { source, page, errors };
}

/** The card's order and target fields once the card shows the decision at `timeNs` and `seen` holds. */
async function cardWhen(page: Page, timeNs: bigint, seen: () => Promise<boolean>): Promise<Record<string, string>> {
  await page.waitForFunction((ts) => (window as unknown as { __signals: { instruments: Record<string, { timeNs: string }> } }).__signals.instruments.BTCUSDT?.timeNs === ts,
    timeNs.toString(), { timeout: 15_000 });
  await expect.poll(seen, { timeout: 15_000 }).toBe(true);
  return page.$eval('section.signal-card', (section) => {
    const fields: Record<string, string> = {};
    for (const dd of Array.from(section.querySelectorAll<HTMLElement>('dl.decision dd'))) fields[dd.dataset.field!] = dd.textContent ?? '';
    return fields;
  });
}

const riskShown = (page: Page, tripped: boolean) => () => page.evaluate((t) => (window as unknown as { __signals: { killSwitchTripped: boolean } }).__signals.killSwitchTripped === t, tripped);

describe('Signals page: the kill switch wording follows the decision\'s STATUS_HALTED bit', () => {
  chromiumGuard('dashboard-signals-halted-bit');

  it.runIf(haveChromium)('a decision before the trip with a target of 0 reads "none needed" even once the risk topic says tripped; a halted one says the kill switch', async () => {
    const { source, page, errors } = await start();
    const early = 1_725_600_000_000_000_000n;
    source.publish('risk', risk(false));
    source.publish('signals', { signals: [signal(early, false)] });
    const before = await cardWhen(page, early, riskShown(page, false));
    expect([before.order, before['target-exposure'], before['target-quantity']], 'before the trip, a target of 0').toEqual([NONE_NEEDED, '0.0%', '0']);

    // The kill switch trips; no new decision yet: the card still shows the one made before it.
    source.publish('risk', risk(true));
    const stale = await cardWhen(page, early, riskShown(page, true));
    expect([stale.order, stale['target-exposure'], stale['target-quantity']], 'a decision made before the trip, bit clear').toEqual([NONE_NEEDED, '0.0%', '0']);

    // The next decision: the core zeroed its target and set the bit.
    const later = early + 3_600_000_000_000n;
    source.publish('signals', { signals: [signal(later, true)] });
    const halted = await cardWhen(page, later, async () => true);
    expect([halted.order, halted['target-exposure'], halted['target-quantity']], 'STATUS_HALTED set').toEqual([HALTED_WORDING, '0.0% (kill switch)', '0 (kill switch)']);

    // Reset: that decision was still made halted; it says the switch has been reset since.
    source.publish('risk', risk(false));
    const reset = await cardWhen(page, later, riskShown(page, false));
    expect([reset.order, reset['target-exposure']], 'a halted decision after the reset').toEqual(['none: the kill switch was tripped when this was decided (the core held the target at 0); it has been reset since', '0.0% (kill switch)']);
    expect(errors).toEqual([]);
  });
});
