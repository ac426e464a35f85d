// The Model page in headless Chromium on a session that publishes no models topic (a state
// server fed by hand, a free port; as a paper session without `model:` in its configuration): the
// page says there is no model instead of "waiting for the models topic…" for ever, and still
// renders the topic once a frame comes. The subscribe reply says whether a Snapshot follows.
// Needs /usr/lib/chromium/chromium (apt-get install chromium): a failure under CI=true, a skip otherwise.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelsView } from '../engine/client/index.js';
import { PushStateSource, dashboardMounts, startStateServer } from '../engine/server/index.js';
import { chromiumGuard, haveChromium, launchChromium, openPage } from './launch-chromium.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const absent: ModelsView = {
  state: 'absent', reason: 'the registry has no model named m', source: 'registry', name: '', hash: '', fold: -1, driftThreshold: 0.25, coverageTolerance: 0.05,
  features: [], calibration: [], recentAlerts: [],
  counters: { vectors: 0n, predictions: 0n, noFold: 0n, nonFinite: 0n, crossed: 0n, failures: 0n, calibrationSkipped: 0n, inFlight: 0, onTime: 0n, timeouts: 0n, late: 0n, latencyP50Us: Number.NaN, latencyP99Us: Number.NaN },
};

describe('Model page without a model', () => {
  chromiumGuard('dashboard-model-empty');

  it('answers a subscribe with whether a Snapshot follows', async () => {
    const source = new PushStateSource();
    source.publish('state', { mode: 'paper', equity: 1, cash: 1, equityHighWaterMark: 1, realizedPnl: 0, unrealizedPnl: 0, positions: [] });
    const server = await startStateServer({ source });
    cleanups.push(() => server.close());
    const replies: string[] = [];
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(server.url);
    cleanups.push(() => ws.close());
    ws.on('message', (data, isBinary) => { if (!isBinary) replies.push(data.toString()); });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ op: 'subscribe', topic: 'models' }));
    ws.send(JSON.stringify({ op: 'subscribe', topic: 'state' }));
    const deadline = Date.now() + 10_000;
    while (replies.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(replies.map((r) => { const { topic, snapshot } = JSON.parse(r) as { topic: string; snapshot: boolean }; return [topic, snapshot]; })).toEqual([['models', false], ['state', true]]);
  });

  it.runIf(haveChromium)('says the session has no model instead of waiting for ever, and renders the topic once it comes', async () => {
    const source = new PushStateSource();
    const server = await startStateServer({ source, staticFiles: dashboardMounts(ROOT) });
    cleanups.push(() => server.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const { page, errors: pageErrors } = await openPage(browser);
    await page.goto(`${server.url.replace('ws:', 'http:')}model.html`);
    await page.waitForFunction(() => (window as unknown as { __model: { empty: boolean } }).__model.empty, undefined, { timeout: 15_000 });
    expect(await page.locator('#model-state').textContent()).toMatch(/^no model in this session.*no `model:`/);
    source.publish('models', absent);
    await page.waitForFunction(() => (window as unknown as { __model: { frames: number } }).__model.frames === 1, undefined, { timeout: 15_000 });
    expect(await page.locator('#model-state').textContent()).toMatch(/^absent: the registry has no model named m/);
    expect(pageErrors).toEqual([]);
  });
});
