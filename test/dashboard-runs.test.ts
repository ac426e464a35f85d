// The dashboard's Runs page in headless Chromium, end to end through the compiled CLI (real
// processes): two `quantflow backtest` runs (the EMA cross on 500 and 800 bundled ETH 1h bars)
// record into one run store (--run-store DIR) and print their run ids; `quantflow paper
// --run-store DIR --port 0` serves the dashboard; the Runs page (reached from the dashboard's
// nav) must list both runs newest first with the strategy, return, Sharpe, max drawdown and trade
// count the backtests printed, and its report link must open the stored report.html (the
// bytes the backtest wrote to --out). The paper process is ended by its PID.
// Needs /usr/lib/chromium/chromium (apt-get install chromium): a failure under CI=true, a skip otherwise.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumGuard, haveChromium, launchChromium, openPage } from './launch-chromium.js';
import { writeBundledSlice } from './bundled-slice.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'engine', 'cli', 'main.js');
const ETH = 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';

interface BacktestJson {
  runId: string;
  runStore: string;
  account: { totalReturn: number; sharpe: number | null; drawdown: { maxDrawdown: number }; trades: number };
}

function sliceEth(dir: string, bars: number): string {
  return writeBundledSlice(dir, ETH, bars, `eth${bars}_${ETH}`);
}

function backtest(dir: string, data: string, out: string): BacktestJson {
  const result = spawnSync(process.execPath, [CLI, 'backtest', '--data', data, '--config', join(ROOT, 'config', 'examples', 'ema-cross.yaml'), '--out', out, '--run-store', join(dir, 'runs'), '--no-ahead-cache', '--json'], {
    cwd: dir, encoding: 'utf8', timeout: 180_000,
  });
  expect(result.status, `backtest exits 0; stderr: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as BacktestJson;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

describe('the Runs page in headless Chromium', () => {
  chromiumGuard('dashboard-runs');

  describe.runIf(haveChromium)('over two backtests run through the CLI', () => {
    let dir: string;
    let runs: BacktestJson[];
    let paper: ChildProcess | undefined;
    let url: string;
    let browser: Browser | undefined;
    let page: Page;
    let paperErr = '';
    const pageErrors: string[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'qf-dashboard-runs-'));
      runs = [backtest(dir, sliceEth(dir, 500), join(dir, 'out-a')), backtest(dir, sliceEth(dir, 800), join(dir, 'out-b'))];
      paper = spawn(process.execPath, [CLI, 'paper', '--data', sliceEth(dir, 100), '--config', join(ROOT, 'config', 'examples', 'ema-cross.yaml'), '--port', '0', '--run-store', join(dir, 'runs'), '--speed', String(3600 * 1000)], {
        cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, QF_KILL_SWITCH__STATE_PATH: join(dir, 'state') },
      });
      paper.stderr!.on('data', (chunk: Buffer) => { paperErr += chunk.toString(); });
      url = await new Promise<string>((resolveUrl, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`paper printed no dashboard address in 120 s; stdout ${out}; stderr ${paperErr}`)), 120_000);
        paper!.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolveUrl(match[1]);
          }
        });
        paper!.once('exit', (code) => reject(new Error(`paper exited ${code} before serving; stderr ${paperErr}`)));
      });
      browser = await launchChromium();
      ({ page } = await openPage(browser, { viewport: { width: 1400, height: 900 }, errors: pageErrors }));
      // Console errors with where they came from, and failed responses, besides the uncaught exceptions.
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(`${message.text()} (${message.location().url})`);
      });
      page.on('response', (response) => {
        if (response.status() >= 400) pageErrors.push(`${response.status()} ${response.url()}`);
      });
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      if (paper?.pid !== undefined && paper.exitCode === null) {
        const exited = new Promise((r) => paper!.once('exit', r));
        process.kill(paper.pid, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
        if (paper.exitCode === null) process.kill(paper.pid, 'SIGKILL');
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('the backtests printed distinct run ids in the store they were given', () => {
      expect(runs[0].runId).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{8}$/);
      expect(runs[1].runId).not.toBe(runs[0].runId);
      expect(runs[1].runId > runs[0].runId, 'the later run has the later id').toBe(true);
      expect(runs[0].runStore).toBe(join(dir, 'runs'));
    });

    it('lists both runs newest first with their figures, reached from the dashboard nav', async () => {
      await page.goto(url);
      await page.click('a.nav[href="/runs.html"]');
      await page.waitForFunction(() => ((window as unknown as { __runs?: { pages: number } }).__runs?.pages ?? 0) >= 1, undefined, { timeout: 30_000 });
      const rows = page.locator('#runs tbody tr');
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(0).getAttribute('data-run-id'), 'newest first').toBe(runs[1].runId);
      expect(await rows.nth(1).getAttribute('data-run-id')).toBe(runs[0].runId);
      for (const [i, run] of [runs[1], runs[0]].entries()) {
        const cells = await rows.nth(i).locator('td').allTextContents();
        expect(cells[1], 'strategy').toBe('ema-cross');
        expect(cells[2], 'instruments').toBe('ETHUSDT');
        expect(cells[4], 'return').toBe(pct(run.account.totalReturn));
        expect(cells[5], 'Sharpe').toBe(run.account.sharpe === null ? '—' : run.account.sharpe.toFixed(2));
        expect(cells[6], 'max drawdown').toBe(pct(run.account.drawdown.maxDrawdown));
        expect(cells[7], 'trades').toBe(String(run.account.trades));
      }
      expect(await page.locator('#store-status').textContent()).toBe('2 runs');
      expect(await page.locator('#older').isHidden(), 'one page holds both').toBe(true);
    });

    it("opens a run's stored report", async () => {
      const row = page.locator(`#runs tbody tr[data-run-id="${runs[0].runId}"]`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith(`/runs/${runs[0].runId}/report.html`), { timeout: 30_000 }),
        row.locator('a', { hasText: /^report$/ }).click(),
      ]);
      expect(response.status()).toBe(200);
      expect(response.headers()['content-type']).toBe('text/html; charset=utf-8');
      const served = await response.body();
      expect(Buffer.compare(served, readFileSync(join(dir, 'out-a', 'report.html'))), 'the bytes the backtest wrote to --out').toBe(0);
      await page.waitForLoadState('load');
      expect(await page.locator('#title').textContent()).toBe('QuantFlow backtest: ETHUSDT');
      expect(new URL(page.url()).pathname).toBe(`/runs/${runs[0].runId}/report.html`);
      expect(pageErrors, 'no errors in the pages').toEqual([]);
    });
  });
});
