// report.html in headless Chromium: a realistic recording (two years of bundled ETH and BTC
// 1h bars with a synthetic EMA-crossover book: fills at the next bar's open, round trips,
// equity marked at each close, regime labels from a rolling efficiency ratio) is written
// with writeBacktestOutputs, opened from file:// with every non-file request aborted, and
// every chart is checked to have drawn (coloured pixels of its own series on its canvases).
// A screenshot goes to os.tmpdir() and a copy to test/artifacts/report.png.
// Needs /usr/lib/chromium/chromium (apt-get install chromium): a failure under CI=true, a skip otherwise.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBarsCsv } from '../adapters/files/index.js';
import type { BacktestRecording, EquityPoint, RecordedBar, RecordedFill } from '../engine/backtest/backtest-recording.js';
import { fillsHash, writeBacktestOutputs } from '../engine/backtest/report/index.js';
import type { RoundTrip } from '../engine/portfolio/index.js';
import { chromiumGuard, haveChromium, launchChromium, openPage } from './launch-chromium.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ARTIFACT = join(ROOT, 'test', 'artifacts', 'report.png');
const HOUR = 3_600_000_000_000n;
const FEE_RATE = 0.001;
const NOTIONAL = 40_000;

interface Position {
  qty: number;
  entryNs: bigint;
  entryPrice: number;
  entryFee: number;
  entryOrder: bigint;
}

function ema(values: Float64Array, period: number): Float64Array {
  const out = new Float64Array(values.length);
  const k = 2 / (period + 1);
  let e = values[0];
  for (let i = 0; i < values.length; i++) out[i] = e = i === 0 ? values[0] : values[i] * k + e * (1 - k);
  return out;
}

/** Kaufman efficiency ratio over 48 bars: > 0.3 trending, < 0.12 choppy, else mean_reverting; the first 48 bars unlabelled. */
function regimeLabels(close: Float64Array): (string | undefined)[] {
  const labels: (string | undefined)[] = [];
  for (let i = 0; i < close.length; i++) {
    if (i < 48) {
      labels.push(undefined);
      continue;
    }
    let path = 0;
    for (let j = i - 47; j <= i; j++) path += Math.abs(close[j] - close[j - 1]);
    const er = Math.abs(close[i] - close[i - 48]) / path;
    labels.push(er > 0.3 ? 'trending' : er < 0.12 ? 'choppy' : 'mean_reverting');
  }
  return labels;
}

/** A two-instrument EMA(24/96) long/short book over the bundled 1h bars. */
async function buildRecording(): Promise<BacktestRecording> {
  const files = readdirSync(join(ROOT, 'data')).filter((f) => /^binance_spot_(ETH|BTC)USDT_1h_.*\.csv$/.test(f)).sort().reverse();
  expect(files.length, 'bundled ETH and BTC 1h files in data/').toBe(2);
  const symbols = files.map((f) => /binance_spot_(\w+?)_1h/.exec(f)![1]);
  const series = await Promise.all(files.map(async (f) => (await loadBarsCsv(join(ROOT, 'data', f))).series));
  const fills: RecordedFill[] = [];
  const trades: RoundTrip[] = [];
  const bars: RecordedBar[][] = [];
  let cash = 100_000;
  let order = 0n;
  let traded = 0;
  let fees = 0;
  const positions: (Position | undefined)[] = series.map(() => undefined);
  const marks = series.map((s) => s.close[0]);
  const targets = series.map((s) => {
    const fast = ema(s.close, 24);
    const slow = ema(s.close, 96);
    return Array.from(fast, (f, i) => (i < 96 ? 0 : f > slow[i] ? 1 : -1));
  });
  series.forEach((s, id) => {
    const labels = regimeLabels(s.close);
    bars.push(Array.from({ length: s.length }, (_, i) => ({ timeNs: s.timeNs[i], open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], ...(labels[i] ? { regime: labels[i] } : {}) })));
    void id;
  });
  const fill = (id: number, timeNs: bigint, side: 'buy' | 'sell', quantity: number, price: number): RecordedFill => {
    const fee = quantity * price * FEE_RATE;
    const f = { timeNs, instrument: id, side, quantity, price, fee, orderId: ++order, maker: false };
    fills.push(f);
    cash += (side === 'buy' ? -1 : 1) * quantity * price - fee;
    traded += quantity * price;
    fees += fee;
    return f;
  };
  // Walk the bars in time order (both files share the hourly grid); equity after each close.
  const equity: EquityPoint[] = [];
  const length = Math.min(...series.map((s) => s.length));
  for (let i = 1; i < length; i++) {
    for (let id = 0; id < series.length; id++) {
      const s = series[id];
      const want = targets[id][i - 1];
      const held = positions[id];
      const side = held ? Math.sign(held.qty) : 0;
      const timeNs = s.timeNs[i];
      const price = s.open[i];
      if (held && side !== want) {
        const exit = fill(id, timeNs, held.qty > 0 ? 'sell' : 'buy', Math.abs(held.qty), price);
        const gross = (price - held.entryPrice) * held.qty;
        trades.push({
          instrument: id, entryNs: held.entryNs, exitNs: timeNs, entryPrice: held.entryPrice, qty: held.qty, exitPrice: price,
          netPnl: gross - held.entryFee - exit.fee, entryOrderId: held.entryOrder, exitOrderId: exit.orderId, grossPnl: gross,
          entryFees: held.entryFee, exitFees: exit.fee, rate: 1, entryRule: 0, exitRule: 0,
        });
        positions[id] = undefined;
      }
      if (!positions[id] && want !== 0) {
        const quantity = Math.round((NOTIONAL / price) * 1e4) / 1e4;
        const entry = fill(id, timeNs, want > 0 ? 'buy' : 'sell', quantity, price);
        positions[id] = { qty: want * quantity, entryNs: timeNs, entryPrice: price, entryFee: entry.fee, entryOrder: entry.orderId };
      }
      marks[id] = s.close[i];
    }
    const value = positions.reduce((sum, p, id) => sum + (p ? p.qty * marks[id] : 0), 0);
    equity.push({ timeNs: series[0].timeNs[i] + HOUR, equity: cash + value, cash });
  }
  const recording = {
    instruments: symbols.map((symbol, id) => ({ id, symbol, strategy: 'ema_cross', assetClass: 'crypto', timeframe: '1h' })),
    fills,
    trades,
    equity,
    bars,
    totals: { startingCash: 100_000, finalEquity: equity[equity.length - 1].equity, finalCash: cash, fees, slippage: 0, funding: 0, turnover: traded / 100_000 },
    events: series.reduce((n, s) => n + s.length, 0),
    startNs: series[0].timeNs[0],
    endNs: series[0].timeNs[length - 1] + HOUR,
    fillsHash: '',
  };
  return { ...recording, fillsHash: fillsHash(recording) };
}

/** Pixel counts over the canvases of `selector`, by colour family (see the page's colours). */
function countPixels(selector: string): { saturated: number; blue: number; red: number; green: number; purple: number; orange: number; band: number; total: number } {
  const counts = { saturated: 0, blue: 0, red: 0, green: 0, purple: 0, orange: 0, band: 0, total: 0 };
  const root = document.querySelector(selector)!;
  // In a chart, only the panes (canvases at least half the chart wide): the price axis labels are coloured too.
  const canvases = root instanceof HTMLCanvasElement ? [root] : Array.from(root.querySelectorAll('canvas')).filter((c) => c.clientWidth >= root.clientWidth / 2);
  for (const canvas of canvases) {
    if (canvas.width === 0 || canvas.height === 0) continue;
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < pixels.length; i += 4) {
      const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
      counts.total++;
      if (a < 200) continue;
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) counts.saturated++;
      if (b - Math.max(r, g) > 80) counts.blue++;
      if (r - Math.max(g, b) > 80) counts.red++;
      if (g - r > 80 && g > b) counts.green++;
      if (Math.abs(r - 126) < 12 && Math.abs(g - 87) < 12 && Math.abs(b - 194) < 12) counts.purple++;
      if (r > 230 && Math.abs(g - 152) < 20 && b < 40) counts.orange++;
      // Regime bands are pale translucent colours over white: light, tinted, unlike the grey grid and text.
      const tint = Math.max(r, g, b) - Math.min(r, g, b);
      if (Math.min(r, g, b) > 170 && tint >= 15 && tint <= 70) counts.band++;
    }
  }
  return counts;
}

describe('report.html in headless Chromium', () => {
  chromiumGuard('backtest-report-browser');

  describe.runIf(haveChromium)('the written report', () => {
    let browser: Browser;
    let html: string;
    let recording: BacktestRecording;
    const out = mkdtempSync(join(tmpdir(), 'quantflow-report-'));

    beforeAll(async () => {
      recording = await buildRecording();
      const { files } = await writeBacktestOutputs(join(out, 'run'), recording, { title: 'EMA 24/96 on ETHUSDT and BTCUSDT 1h (synthetic book)' });
      html = files.find((f) => f.endsWith('report.html'))!;
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      // The written outputs go; the screenshot (out/report.png) stays beside test/artifacts/report.png.
      for (const run of ['run', 'plain']) rmSync(join(out, run), { recursive: true, force: true });
    });

    it('draws every chart offline, with no console error', async () => {
      expect(recording.bars[0].length, 'a long run, so the page downsamples').toBeGreaterThan(5000);
      expect(recording.trades.length, 'the synthetic book trades').toBeGreaterThan(50);
      expect(statSync(html).size, 'page size stays sane (bytes)').toBeLessThan(3_000_000);

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
      const attempted: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        attempted.push(url);
        return route.abort('blockedbyclient');
      });
      const { page, errors: consoleErrors } = await openPage(context, { console: true });
      const requests: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) requests.push(request.url());
      });

      await page.goto(pathToFileURL(html).href);
      await page.waitForFunction(
        () => {
          const w = window as unknown as { __chartsReady?: Record<string, boolean>; __chartErrors?: string[] };
          return (w.__chartErrors?.length ?? 0) > 0 || (!!w.__chartsReady && Object.values(w.__chartsReady).every(Boolean));
        },
        undefined,
        { timeout: 30_000 },
      );
      const state = await page.evaluate(() => {
        const w = window as unknown as { __chartsReady: Record<string, boolean>; __chartErrors: string[] };
        return { ready: w.__chartsReady, errors: w.__chartErrors };
      });
      expect(state.errors, 'window.__chartErrors').toEqual([]);
      expect(state.ready).toEqual({ equity: true, drawdown: true, price: true, heatmap: true, worstTrades: true });

      // The screenshot first, so a failing check below still leaves one to look at.
      const shot = join(out, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      mkdirSync(dirname(ARTIFACT), { recursive: true });
      copyFileSync(shot, ARTIFACT);
      expect(statSync(ARTIFACT).size).toBeGreaterThan(10_000);

      const equity = await page.evaluate(countPixels, '#equity-chart');
      expect(equity.blue, 'equity line pixels').toBeGreaterThan(2000);
      expect(equity.red, 'drawdown pane pixels').toBeGreaterThan(1000);
      const price = await page.evaluate(countPixels, '#price-chart');
      expect(price.green, 'up candles').toBeGreaterThan(1000);
      expect(price.red, 'down candles').toBeGreaterThan(1000);
      expect(price.band, 'regime bands behind the candles (total counts the empty overlay canvases too)').toBeGreaterThan(0.03 * price.total);
      expect(price.purple, 'exit markers').toBeGreaterThan(200);
      const heatmap = await page.evaluate(countPixels, '#heatmap');
      expect(heatmap.saturated, 'heat-map cells').toBeGreaterThan(2000);
      const giveback = await page.evaluate(countPixels, '#giveback-histogram');
      expect(giveback.orange, 'giveback histogram bars').toBeGreaterThan(5000);
      expect(await page.locator('#worst-trades tr').count(), 'bottom decile rows plus the header').toBe(Math.ceil(recording.trades.length / 10) + 1);
      expect(await page.locator('#notes').innerText(), 'the page says it downsampled').toMatch(/ETHUSDT: 17\d{3} price bars drawn as \d{4} /);
      expect(await page.locator('#regime-legend').innerText()).toContain('trending');

      // fitContent shows the whole run, not the last screenful (lightweight-charts' minBarSpacing).
      const visible = await page.evaluate(() => {
        type TimeScale = { timeScale(): { getVisibleRange(): { from: number; to: number } | null } };
        const w = window as unknown as { __reportCharts: { equity: TimeScale; price: TimeScale } };
        const data = JSON.parse(document.getElementById('report-data')!.textContent!) as { equity: { time: number[] }; instruments: { time: number[] }[] };
        const ends = (time: number[]) => ({ from: time[0], to: time[time.length - 1] });
        return {
          equity: w.__reportCharts.equity.timeScale().getVisibleRange(),
          price: w.__reportCharts.price.timeScale().getVisibleRange(),
          equityData: ends(data.equity.time),
          priceData: ends(data.instruments[0].time),
        };
      });
      expect(visible.equity, 'equity chart shows every point').toEqual(visible.equityData);
      expect(visible.price, 'price chart shows every bar').toEqual(visible.priceData);

      // The second instrument through the selector.
      await page.selectOption('#instrument-select', { label: 'BTCUSDT' });
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      expect(await page.locator('#price-note').innerText()).toMatch(/^BTCUSDT: /);
      expect((await page.evaluate(countPixels, '#price-chart')).green, 'BTC candles').toBeGreaterThan(300);

      expect(consoleErrors, 'console errors').toEqual([]);
      expect(attempted, 'network requests the page attempted').toEqual([]);
      expect(requests, 'non-file requests seen').toEqual([]);

      // The block works: a request the page makes is seen and aborted.
      const fetched = await page.evaluate(() => fetch('https://quantflow.invalid/probe').then(() => 'loaded', () => 'failed'));
      expect(fetched).toBe('failed');
      expect(attempted).toEqual(['https://quantflow.invalid/probe']);
      await context.close();
    });

    it('says "no regime model" and draws no bands without labels', async () => {
      const instruments = recording.instruments.slice(0, 1);
      const fills = recording.fills.filter((f) => f.instrument === 0);
      const plain: BacktestRecording = {
        ...recording,
        instruments,
        bars: [recording.bars[0].map(({ regime: _regime, ...bar }) => bar)],
        fills,
        trades: recording.trades.filter((t) => t.instrument === 0),
        fillsHash: fillsHash(fills, instruments),
      };
      const { files } = await writeBacktestOutputs(join(out, 'plain'), plain);
      const { page, errors } = await openPage(browser, { viewport: { width: 1280, height: 900 } });
      await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
      await page.goto(pathToFileURL(files.find((f) => f.endsWith('report.html'))!).href);
      await page.waitForFunction(() => Object.values((window as unknown as { __chartsReady: Record<string, boolean> }).__chartsReady).every(Boolean), undefined, { timeout: 30_000 });
      expect(await page.evaluate(() => (window as unknown as { __chartErrors: string[] }).__chartErrors)).toEqual([]);
      expect(await page.locator('#regime-legend').innerText()).toBe('no regime model');
      expect(await page.locator('#by-regime').innerText()).toBe('no regime model');
      expect(await page.locator('#instrument-select').isVisible(), 'no selector for one instrument').toBe(false);
      const price = await page.evaluate(countPixels, '#price-chart');
      expect(price.green, 'candles').toBeGreaterThan(300);
      expect(price.band, 'no band pixels').toBeLessThan(0.01 * price.total);
      expect(errors).toEqual([]);
      await page.close();
    });
  });
});
