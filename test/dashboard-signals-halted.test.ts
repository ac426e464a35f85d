// The Signals page (engine/server/dashboard/signals.js) in headless Chromium, fed by hand
// (PushStateSource): what a card says about a decision the core zeroed or could not weigh.
// With the kill switch tripped the core zeroes every target (wasm/assembly/pipeline/order-stage.ts,
// RH_HALTED), so a flat book's decision implies no order: the card must say the kill switch
// halted new exposure, not "none needed (target within the no-trade band ...)", seen on
// `npm start` after 2024-09-06. A fusion strategy without regime probabilities (no regime model,
// or its filter has no bar yet: STATUS_REGIME clear) showed P(trending/mean-reverting/choppy)
// 0.0% each, summing to 0: the card must show "—" and say there are none, and which of the two
// it is (STATUS_REGIME_MODEL: a model whose filter has seen no bar yet), not one note for both.
// Needs /usr/lib/chromium/chromium (apt-get install chromium): a failure under CI=true, a skip otherwise.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { RiskView, SignalView } from '../engine/client/index.js';
import { PushStateSource, dashboardMounts, startStateServer } from '../engine/server/index.js';
import { chromiumGuard, haveChromium, launchChromium, openPage } from './launch-chromium.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STATUS_REGIME = 1; // engine/decision/decision-layout.ts
const STATUS_PRICE = 4;
const STATUS_HALTED = 1 << 18; // the kill switch zeroed the target (wasm/assembly/pipeline/order-stage.ts)
const STATUS_REGIME_MODEL = 1 << 19; // the instrument's regime filter has a model

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const risk = (tripped: boolean): RiskView => ({
  killSwitchTripped: tripped, killSwitchReason: tripped ? 'max drawdown 0.1500 reached' : '', drawdown: 0.16, maxDrawdown: 0.16, grossExposure: 0, netExposure: 0,
  maxGrossExposure: 1_000_000, uncertainOrders: 0, deniedOrders: 0n, pausedStrategies: [],
});

function signal(timeNs: bigint, overrides: Partial<SignalView> = {}): SignalView {
  return {
    instrumentId: 0, strategy: 'fusion', timeframeSeconds: 3600, score: 0.42, targetQuantity: 0, quantiles: [], timeNs, symbol: 'BTCUSDT', fusion: true,
    regimeProbabilities: [0.7, 0.2, 0.1],
    experts: [0.5, 0.3, 0.4, 0.6, 0].map((score, k) => ({ score, confidence: 0.8, weight: 0.2, present: k < 4 })),
    confidence: 0.8, choppyScale: 1, direction: 0.42, targetExposure: 0, price: 57_000, status: STATUS_REGIME | STATUS_PRICE | (0b1111 << 8),
    orderReason: -1, orderReasonName: '', orderQuantity: 0, orderLimit: 0, ...overrides,
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

/** The card's decision fields, by data-field, once `ready` holds for them. */
async function fieldsWhen(page: Page, ready: string): Promise<Record<string, string>> {
  await page.waitForFunction((text) => [...document.querySelectorAll('section.signal-card dl.decision dd, section.signal-card p.signal-note')]
    .some((el) => (el.textContent ?? '').includes(text)), ready, { timeout: 15_000 });
  return page.$eval('section.signal-card', (section) => {
    const fields: Record<string, string> = {};
    for (const dd of section.querySelectorAll<HTMLElement>('dl.decision dd')) fields[dd.dataset.field!] = dd.textContent ?? '';
    fields.note = section.querySelector('p.signal-note')?.textContent ?? '';
    return fields;
  });
}

describe('Signals page: decisions the core zeroed or could not weigh', () => {
  chromiumGuard('dashboard-signals-halted');

  it.runIf(haveChromium)('says the kill switch halted new exposure, not that no order was needed, while it is tripped', async () => {
    const { source, page, errors } = await start();
    source.publish('risk', risk(false));
    source.publish('signals', { signals: [signal(1_725_600_000_000_000_000n, { targetExposure: 0.001, targetQuantity: 0.00175 })] });
    const before = await fieldsWhen(page, 'none needed');
    expect(before.order, 'a decision inside the no-trade band, kill switch not tripped').toBe('none needed (target within the no-trade band, or already held)');

    source.publish('risk', risk(true));
    source.publish('signals', { signals: [signal(1_725_603_600_000_000_000n, { status: STATUS_REGIME | STATUS_PRICE | (0b1111 << 8) | STATUS_HALTED })] });
    const halted = await fieldsWhen(page, 'kill switch');
    expect(halted.order, 'a zeroed target while halted').toBe('none: the kill switch is tripped (max drawdown 0.1500 reached), the core holds every target at 0 until it is reset');
    expect(halted['target-exposure'], 'the target shows why it is 0').toBe('0.0% (kill switch)');
    expect(halted['target-quantity']).toBe('0 (kill switch)');

    source.publish('risk', risk(false));
    const reset = await fieldsWhen(page, 'reset since');
    expect([reset.order, reset['target-exposure']], 'a reset kill switch: the decision was still made halted').toEqual(['none: the kill switch was tripped when this was decided (the core held the target at 0); it has been reset since', '0.0% (kill switch)']);
    expect(errors).toEqual([]);
  });

  it.runIf(haveChromium)('shows no regime probabilities, not 0.0% each, for a decision the core weighed without a regime model', async () => {
    const { source, page, errors } = await start();
    source.publish('risk', risk(false));
    source.publish('signals', { signals: [signal(1_725_600_000_000_000_000n, { regimeProbabilities: [0, 0, 0], status: STATUS_PRICE | (0b1111 << 8) })] });
    const none = await fieldsWhen(page, 'regime');
    expect([none['regime-0'], none['regime-1'], none['regime-2']], 'P(trending), P(mean-reverting), P(choppy)').toEqual(['—', '—', '—']);
    expect(none.note, 'no regime model').toBe('no regime probabilities: this strategy has no regime model');

    source.publish('signals', { signals: [signal(1_725_601_800_000_000_000n, { regimeProbabilities: [0, 0, 0], status: STATUS_PRICE | (0b1111 << 8) | STATUS_REGIME_MODEL })] });
    const warming = await fieldsWhen(page, 'seen no bar');
    expect([warming['regime-0'], warming['regime-1'], warming['regime-2']], 'a model whose filter has seen no bar: no probabilities either').toEqual(['—', '—', '—']);
    expect(warming.note, 'a regime model, no bar yet').toBe('no regime probabilities yet: the regime filter has seen no bar (its features are warming up)');

    source.publish('signals', { signals: [signal(1_725_603_600_000_000_000n, { status: STATUS_REGIME | STATUS_REGIME_MODEL | STATUS_PRICE | (0b1111 << 8) })] });
    await page.waitForFunction(() => document.querySelector('section.signal-card dd[data-field="regime-0"]')?.textContent === '70.0%', undefined, { timeout: 15_000 });
    const some = await fieldsWhen(page, '%');
    expect([some['regime-0'], some['regime-1'], some['regime-2'], some.note], 'STATUS_REGIME set: the probabilities').toEqual(['70.0%', '20.0%', '10.0%', '']);
    expect(errors).toEqual([]);
  });
});
