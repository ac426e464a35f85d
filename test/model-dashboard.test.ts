// The dashboard's Model page (engine/server/dashboard/model.html + model.js) in headless Chromium,
// over a paper session with the bundled model (bars 2,001..3,000 of the bundled BTC 1h file; fold
// 0 serves from about bar 2,300): the page must show the serving model, one PSI bar per feature
// with the threshold marker, the coverage of BTCUSDT against 80%, the counters as the session has
// them at the end, and no page error. A second session with a corrupt fold shows "absent: reason".
// Screenshot: test/artifacts/model.png. Needs /usr/lib/chromium/chromium: a failure under CI=true,
// a skip otherwise. The page imports the compiled client (dist/: npx tsc -p tsconfig.json).
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { loadConfig } from '../engine/config/index.js';
import { startPaperSession } from '../engine/paper/index.js';
import { readRegimeModelFile } from '../engine/regime/index.js';
import { chromiumGuard, haveChromium, launchChromium, openPage } from './launch-chromium.js';

const ROOT = resolve(import.meta.dirname, '..');
const ARTIFACT = join(ROOT, 'test', 'artifacts', 'model.png');
const BTC = 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv';

interface ModelPageStats { connected: boolean; frames: number; state: string | null; predictions: number; features: number; calibration: number; alerts: number }

const stats = (page: Page): Promise<ModelPageStats> => page.evaluate(() => (window as unknown as { __model: ModelPageStats }).__model);

async function until(page: Page, check: (s: ModelPageStats) => boolean, what: string, timeoutMs = 30_000): Promise<ModelPageStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await stats(page);
    if (now && check(now)) return now;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; page counters ${JSON.stringify(now)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Model page in headless Chromium', () => {
  chromiumGuard('model-dashboard');

  describe.runIf(haveChromium)('over a paper session with the model', () => {
    let dir: string;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    const configFor = (modelDir: string, name: string): ReturnType<typeof loadConfig> => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, [
        'strategies:', '  - { name: btc-fusion, type: fusion, instruments: [BTCUSDT] }', 'fusion:', '  ml: { horizonBars: 12 }',
        'model:', `  path: ${JSON.stringify(modelDir)}`, '  waitMs: 2000',
        '  monitor: { driftWindow: 100, driftAlertPsi: 0.25, calibrationWindow: 100, coverageTolerance: 0.15, minObservations: 30 }',
        'risk:', '  replayDefaults: { assetClass: crypto, lotSize: 0.00001 }', '',
      ].join('\n'));
      return loadConfig({ configFile: file, env: {} });
    };
    const start = async (modelDir: string, name: string, speed: number) => startPaperSession({
      streams: await openDataSources([join(dir, BTC)], {}), config: configFor(modelDir, name),
      regimeModel: readRegimeModelFile(join(ROOT, 'data', 'models', 'btc-1h-regime.json')), equity: 100_000, speed, port: 0,
    });

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'qf-model-dashboard-'));
      const lines = readFileSync(join(ROOT, 'data', BTC), 'utf8').split('\n');
      writeFileSync(join(dir, BTC), `${[lines[0], ...lines.slice(2001, 3001)].join('\n')}\n`);
      copyFileSync(join(ROOT, 'data', `${BTC}.meta.json`), join(dir, `${BTC}.meta.json`));
      browser = await launchChromium();
      ({ page } = await openPage(browser, { viewport: { width: 1400, height: 1000 }, console: true, errors: pageErrors }));
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('shows PSI bars, coverage against 80%, counters and alerts while the model serves', async () => {
      const session = await start(join(ROOT, 'data', 'models', 'btc-1h-q5'), 'serving', 3600 * 300);
      try {
        await page.goto(`${session.dashboardUrl}model.html`);
        await until(page, (s) => s.connected && s.state === 'serving', 'the serving model');
        await session.finished;
        const final = session.modelStatus()!;
        const shown = await until(page, (s) => s.predictions === final.counters.predictions && s.calibration === 1, 'the last prediction on the page');
        expect(shown.features).toBe(final.features.length);
        expect(await page.locator('#psi-bars .bar-row').count(), 'one PSI bar per feature').toBe(final.features.length);
        expect(await page.locator('#psi-bars .bar-mark').count(), 'each with the threshold marker').toBe(final.features.length);
        expect(await page.locator('#psi-bars .bar-row.alerting').count(), 'alerting features in red').toBe(final.features.filter((f) => f.alerting).length);
        const coverage = final.calibration[0].coverage;
        expect(await page.locator('#calibration tbody tr td').nth(1).textContent()).toBe(`${(coverage * 100).toFixed(1)}%`);
        expect(await page.locator('#coverage-bars .bar-value').first().textContent()).toContain('vs 80.0%');
        const counters = await page.locator('#counters').textContent();
        expect(counters).toContain(`predictions${final.counters.predictions.toLocaleString('en-US')}`);
        expect(await page.locator('#model-state').textContent()).toContain(final.hash!.slice(0, 12));
        expect(await page.locator('#alerts tbody tr').count()).toBe(final.recentAlerts.length);
        mkdirSync(dirname(ARTIFACT), { recursive: true });
        await page.screenshot({ path: ARTIFACT, fullPage: true });
        expect(pageErrors, 'no page errors').toEqual([]);
      } finally {
        await session.close();
      }
    }, 120_000);

    it('shows "absent: reason" when the model cannot serve', async () => {
      const broken = join(dir, 'broken-model');
      cpSync(join(ROOT, 'data', 'models', 'btc-1h-q5'), broken, { recursive: true });
      writeFileSync(join(broken, 'fold-0.onnx'), 'corrupt');
      const session = await start(broken, 'absent', 3600 * 300);
      try {
        await page.goto(`${session.dashboardUrl}model.html`);
        pageErrors.length = 0; // the previous page's reconnect attempts to the closed server
        await until(page, (s) => s.state === 'absent', 'the absent model');
        const text = await page.locator('#model-state .absent').textContent();
        expect(text).toMatch(/^absent: .*fold-0/);
        expect(await page.locator('#psi-bars .bar-row').count()).toBe(0);
        expect(pageErrors, 'no page errors').toEqual([]);
      } finally {
        await session.close();
      }
    }, 120_000);
  });
});
