// The paper session's dashboard in headless Chromium: a paper session (engine/paper, the EMA
// cross of config/examples/ema-cross.yaml) over the first 1,000 bundled 1h bars of ETH and BTC
// at 3600 x 60 (60 bars a second), served on a free port; the page is loaded while it runs and
// must show state frames, equity points on the chart, both positions, fills in the table and a
// toast for a fill. The server then drops every client: the page reconnects and re-subscribes
// fills with `since`, and at the end it holds exactly the run's fills (backfill, no duplicates).
// A kill-switch reset from the form is refused with a bad token and answered with a signed one
// (applied, or refused with why: the switch is not tripped, or the run has ended). After its
// connection drops, the page keeps control (its resume ticket) and pauses again with no new token.
// The paced run makes the same fills as `quantflow backtest` on the same data (runBacktest).
// A screenshot goes to test/artifacts/dashboard.png. Without a browser: the static routes map
// only the dashboard's files (no path out of its directories), and the compiled client modules
// the page imports import nothing node-only.
// Needs /usr/lib/chromium/chromium (apt-get install chromium): a failure under CI=true, a skip otherwise.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { runBacktest, type BacktestRun } from '../engine/backtest/index.js';
import { loadConfig, type QuantFlowConfig } from '../engine/config/index.js';
import { signControlToken } from '../engine/killswitch/index.js';
import { startPaperSession, type PaperSession } from '../engine/paper/index.js';
import { dashboardMounts, resolveStaticFile } from '../engine/server/index.js';
import { chromiumGuard, haveChromium, launchChromium, openPage } from './launch-chromium.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ARTIFACT = join(ROOT, 'test', 'artifacts', 'dashboard.png');
const BARS = 1000;
const SPEED = 3600 * 60;

interface DashboardStats {
  connected: boolean;
  stateFrames: number;
  fills: number;
  toasts: number;
  equityPoints: number;
  reconnects: number;
  controlResumes: number;
  controlLost: number;
}

/** The first BARS rows of the bundled ETH and BTC 1h files, with their sidecars, in `dir`. */
function sliceBundledBars(dir: string): string[] {
  return ['ETH', 'BTC'].map((symbol) => {
    const name = `binance_spot_${symbol}USDT_1h_2024-04-16_2026-04-16.csv`;
    const lines = readFileSync(join(ROOT, 'data', name), 'utf8').split('\n');
    const path = join(dir, name);
    writeFileSync(path, `${lines.slice(0, BARS + 1).join('\n')}\n`);
    copyFileSync(join(ROOT, 'data', `${name}.meta.json`), `${path}.meta.json`);
    return path;
  });
}

const stats = (page: Page): Promise<DashboardStats> => page.evaluate(() => (window as unknown as { __dashboard: DashboardStats }).__dashboard);

async function until(page: Page, check: (s: DashboardStats) => boolean, what: string, timeoutMs = 20_000): Promise<DashboardStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await stats(page);
    if (check(now)) return now;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; dashboard counters ${JSON.stringify(now)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('dashboard static files', () => {
  const mounts = dashboardMounts(ROOT);
  it('maps the page, its vendor scripts and the compiled client modules to files', () => {
    expect(resolveStaticFile(mounts, '/'), 'the page').toBe(join(ROOT, 'engine', 'server', 'dashboard', 'index.html'));
    expect(resolveStaticFile(mounts, '/app.js?v=1')).toBe(join(ROOT, 'engine', 'server', 'dashboard', 'app.js'));
    expect(resolveStaticFile(mounts, '/vendor/lightweight-charts.js')).toMatch(/lightweight-charts\.standalone\.production\.js$/);
    expect(resolveStaticFile(mounts, '/vendor/flatbuffers/flatbuffers.js')).toMatch(/flatbuffers\/mjs\/flatbuffers\.js$/);
    expect(resolveStaticFile(mounts, '/dist/engine/client/frame-decoder.js'), 'the compiled decoder (npx tsc)').toMatch(/dist\/engine\/client\/frame-decoder\.js$/);
  });

  it('serves nothing outside its directories, nothing of an unknown type and nothing missing', () => {
    for (const url of ['/../package.json', '/dist/engine/client/../../../package.json', '/%2e%2e/package.json', '/dist/engine/client/..%2f..%2f..%2fpackage.json', '/nope.js', '/README.md', '/dist/engine/client/index.js.bak']) {
      expect(resolveStaticFile(mounts, url), url).toBeNull();
    }
  });

  it('serves compiled client modules that import nothing node-only (the browser loads them)', () => {
    for (const file of ['frame-decoder.js', 'frame-enums.js', 'protocol.js']) {
      const source = readFileSync(join(ROOT, 'dist', 'engine', 'client', file), 'utf8');
      const imports = [...source.matchAll(/^import .* from '([^']+)'/gm)].map((m) => m[1]);
      expect(imports.filter((name) => !name.startsWith('.') && name !== 'flatbuffers'), `${file} imports only flatbuffers and relative modules`).toEqual([]);
    }
  });
});

describe('paper session dashboard in headless Chromium', () => {
  chromiumGuard('paper-dashboard');

  describe.runIf(haveChromium)('during a paced run', () => {
    let dir: string;
    let files: string[];
    let config: QuantFlowConfig;
    let session: PaperSession | undefined;
    let browser: Browser | undefined;
    let page: Page;
    const logged: string[] = [];
    const pageErrors: string[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'qf-paper-dashboard-'));
      files = sliceBundledBars(dir);
      config = loadConfig({ configFile: join(ROOT, 'config', 'examples', 'ema-cross.yaml'), env: { QF_CONTROL_SECRET: 's'.repeat(40) } });
      browser = await launchChromium();
      ({ page } = await openPage(browser, { viewport: { width: 1400, height: 1000 }, console: true, errors: pageErrors }));
      session = await startPaperSession({
        // Its control log, used tokens and resume tickets in the test's directory, not the configuration's killSwitch.statePath (the repository's .cache/state).
        streams: await openDataSources(files, {}), config, equity: 100_000, speed: SPEED, port: 0, log: (line) => logged.push(line), controlLogPath: join(dir, 'state', 'paper-control.jsonl'),
      });
      await page.goto(session.dashboardUrl!);
    });

    afterAll(async () => {
      await browser?.close();
      await session?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('serves the dashboard, which shows state, equity, positions and fills as the run goes, with a toast for a fill', async () => {
      expect(session!.dashboardUrl, 'the dashboard address').toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      await until(page, (s) => s.connected, 'the WebSocket to open', 10_000);
      const early = await until(page, (s) => s.stateFrames >= 5 && s.equityPoints >= 5, 'state frames and equity points');
      await until(page, (s) => s.stateFrames > early.stateFrames + 5, 'state frames to keep coming');
      await until(page, (s) => s.fills > 0 && s.toasts > 0, 'a fill and its toast');
      expect(await page.locator('.toast').count(), 'a toast on screen').toBeGreaterThan(0);
      expect(await page.locator('.toast').first().textContent(), 'the toast names the fill').toMatch(/fill.*(ETHUSDT|BTCUSDT) @ [\d,]+\.\d\d/);
      expect(await page.locator('#positions tbody tr').count(), 'a row per instrument').toBe(2);
      expect(await page.locator('#positions tbody').textContent()).toMatch(/ETHUSDT[\s\S]*BTCUSDT/);
      expect(await page.locator('#fills tbody tr').count(), 'fills in the table').toBeGreaterThan(0);
      expect(await page.locator('#orders tbody tr').count(), 'orders in the table').toBeGreaterThan(0);
      expect(await page.locator('#connection').textContent()).toBe('live');
      expect(await page.locator('#equity').textContent(), 'the equity figure').toMatch(/^[\d,]+\.\d\d$/);
      expect(await page.locator('#bell-count').textContent(), 'fills are listed under the bell too').not.toBe('0');
      // The chart drew: its canvases hold pixels of the equity line's colour (#26a69a).
      const linePixels = await page.evaluate(() => {
        let count = 0;
        for (const canvas of Array.from(document.querySelectorAll<HTMLCanvasElement>('#equity-chart canvas'))) {
          const context = canvas.getContext('2d');
          if (!context || canvas.width === 0 || canvas.height === 0) continue;
          const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - 0x26) < 24 && Math.abs(data[i + 1] - 0xa6) < 24 && Math.abs(data[i + 2] - 0x9a) < 24) count++;
        }
        return count;
      });
      expect(linePixels, 'pixels of the equity line on the chart').toBeGreaterThan(50);
      mkdirSync(dirname(ARTIFACT), { recursive: true });
      await page.screenshot({ path: ARTIFACT, fullPage: true });
    });

    it('pauses and resumes the strategy from the Risk card; the card lists what is paused', async () => {
      // A session of its own (slower, and closed after): a pause changes what the strategy
      // trades, and the shared session's fills are compared with a backtest below.
      const pauseLog: string[] = [];
      const other = await startPaperSession({
        streams: await openDataSources(files, {}), config, equity: 100_000, speed: 3600 * 5, port: 0, log: (line) => pauseLog.push(line), controlLogPath: join(dir, 'other-state', 'paper-control.jsonl'),
      });
      const pausePage = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
      try {
        await pausePage.goto(other.dashboardUrl!);
        await until(pausePage, (s) => s.connected, 'the WebSocket to open', 10_000);
        const token = await signControlToken('dashboard-pauser', config.control);
        await pausePage.fill('#token', token);
        await pausePage.fill('#pause-strategy', 'no-such-strategy');
        await pausePage.click('#pause-button');
        await pausePage.waitForFunction(() => /refused/.test(document.getElementById('pause-result')!.textContent ?? ''), undefined, { timeout: 10_000 });
        expect(await pausePage.locator('#pause-result').textContent()).toMatch(/no strategy named "no-such-strategy".*ema-cross/);
        await pausePage.fill('#pause-strategy', 'ema-cross');
        await pausePage.click('#pause-button');
        await pausePage.waitForFunction(() => /applied|refused/.test(document.getElementById('pause-result')!.textContent ?? ''), undefined, { timeout: 10_000 });
        expect(await pausePage.locator('#pause-result').textContent()).toBe('ema-cross: pause applied (by dashboard-pauser)');
        await pausePage.waitForFunction(() => document.getElementById('paused')!.textContent === 'ema-cross', undefined, { timeout: 10_000 });
        await pausePage.click('#resume-button');
        await pausePage.waitForFunction(() => /resume applied|refused/.test(document.getElementById('pause-result')!.textContent ?? ''), undefined, { timeout: 10_000 });
        expect(await pausePage.locator('#pause-result').textContent()).toBe('ema-cross: resume applied (by dashboard-pauser)');
        await pausePage.waitForFunction(() => document.getElementById('paused')!.textContent === 'none', undefined, { timeout: 10_000 });
        // The page's connection drops: it takes its control back with its resume ticket, and the
        // same token in the form works again (it would be refused as used from a new connection).
        expect(await pausePage.locator('#control-holder').textContent()).toBe('dashboard-pauser (kept across reconnects)');
        other.server!.disconnectAll('test: drop the page');
        await until(pausePage, (s) => s.reconnects >= 1 && s.connected && s.controlResumes === 1, 'the reconnect and the resume of control');
        expect(await pausePage.locator('#control-holder').textContent()).toBe('dashboard-pauser (kept across reconnects)');
        await pausePage.click('#pause-button');
        await pausePage.waitForFunction(() => /pause applied|refused/.test(document.getElementById('pause-result')!.textContent ?? ''), undefined, { timeout: 10_000 });
        expect(await pausePage.locator('#pause-result').textContent(), 'control after the reconnect, with no new token').toBe('ema-cross: pause applied (by dashboard-pauser)');
        // Without a token in the form, the resumed connection acts under its control.
        await pausePage.fill('#token', '');
        await pausePage.click('#resume-button');
        await pausePage.waitForFunction(() => /resume applied|refused/.test(document.getElementById('pause-result')!.textContent ?? ''), undefined, { timeout: 10_000 });
        expect(await pausePage.locator('#pause-result').textContent()).toBe('ema-cross: resume applied (by dashboard-pauser)');
        expect((await stats(pausePage)).controlLost, 'no control lost').toBe(0);
        expect(pauseLog.some((line) => /paused ema-cross: its targets may only reduce positions by dashboard-pauser/.test(line)), 'the pause is logged with its subject').toBe(true);
      } finally {
        await pausePage.close();
        await other.close();
      }
    });

    it('refuses a kill-switch reset without a valid token and answers one with a signed token (applied, or refused with why)', async () => {
      await page.fill('#token', 'not-a-token');
      await page.click('#reset-form button[type=submit]');
      await page.waitForFunction(() => /refused/.test(document.getElementById('reset-result')!.textContent ?? ''), undefined, { timeout: 10_000 });
      const token = await signControlToken('dashboard-tester', config.control);
      await page.fill('#token', token);
      await page.click('#reset-form button[type=submit]');
      await page.waitForFunction(() => /reset by|refused/.test(document.getElementById('reset-result')!.textContent ?? ''), undefined, { timeout: 10_000 });
      const result = await page.locator('#reset-result').textContent();
      console.log(`paper-dashboard: kill-switch reset from the form: ${result}`);
      // The run may end before the reset reaches a batch boundary: then the host refuses it, and says why.
      expect(result, 'the reset was applied, or refused with why (the switch is not tripped, or the run had just ended)').toMatch(/kill switch reset by dashboard-tester|the kill switch is not tripped|the paper run (has )?ended/);
      expect(logged.some((line) => /control kill-switch-reset by dashboard-tester/.test(line)), 'the action is logged with its subject').toBe(true);
    });

    it('reconnects after the server drops it and ends with exactly the run\'s fills (backfill with `since`)', async () => {
      session!.server!.disconnectAll('test: drop every client');
      await until(page, (s) => s.reconnects >= 1 && s.connected, 'the reconnect');
      const run: BacktestRun = await session!.finished;
      expect(run.stoppedEarly).toBe(false);
      expect(run.published, 'every bar of both slices').toBe(2 * BARS);
      const fills = run.recording.fills.length;
      expect(fills, 'the EMA cross traded').toBeGreaterThan(10);
      const final = await until(page, (s) => s.fills >= fills, `the dashboard's ${fills} fills`);
      expect(final.fills, 'no fill missed or counted twice across the reconnect').toBe(fills);
      expect(pageErrors, 'no errors in the page').toEqual([]);
      const backtest = await runBacktest({ streams: await openDataSources(files, {}), config, equity: 100_000 });
      expect(run.recording.fillsHash, 'the paced paper run fills exactly as the backtest of the same data').toBe(backtest.recording.fillsHash);
    });
  });
});
