// The bar backtest's funding total (report.json / the summary's `funding`, the core's ledger:
// wasm/assembly/portfolio/accruals.ts portfolioAccrue) recounted independently from the
// recording's fills and bars. The grid is the ledger's (ledger.ts portfolioReset,
// nextMultiple): every multiple of the funding interval since the epoch strictly after the
// run's start. At each such time the position held pays position * mark * rate, where the mark
// is the last price the core saw before it: a bar's close (at its close time) or a fill's price
// (at its time), whichever came later. A recount on bar closes alone misses that a fill moved
// the mark: it was 189.1347 against the ledger's 189.1496 on this run (and positions counted
// only from the bar before differ more, 188.29), which read as a ledger error; it is not.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCsvStream } from '../adapters/files/index.js';
import { MemoryStream, runBacktest, type BacktestRun } from '../engine/backtest/index.js';
import { loadConfig } from '../engine/config/index.js';
import { packageRoot } from '../engine/core/package-root.js';

const ETH = join(packageRoot(), 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
const HOUR = 3_600_000_000_000n;
const RATE = 0.0001;
const INTERVAL_HOURS = 8;

/** test/backtest-close-and-exit.test.ts's run: a long/flat strategy with partial fills, margin, funding every 8 h. */
const DOCUMENT = {
  strategies: [{ name: 'ema-cross', type: 'rules', long: { entry: 'ema:10 >= ema:20', exit: 'ema:10 < ema:20' }, size: { quantity: 1 } }],
  execution: {
    noTradeBand: { equityPct: 0, positionPct: 0 },
    confirmBars: 1,
    entryOrder: { type: 'limit', timeInForce: 'gtc', limitOffsetBps: 5, repriceBps: 5 },
  },
  exits: { stopPct: 0.02, trailPct: 0.03, targets: [{ pct: 0.03, fraction: 0.5 }], maxHoldHours: 48 },
  risk: {
    maxPositionPct: 1.0, maxAssetClassPct: 1.0,
    replayDefaults: { assetClass: 'crypto', lotSize: 0.001, settlement: 'margin', fundingRate: RATE, fundingIntervalHours: INTERVAL_HOURS },
  },
  venue: {
    mode: 'bars',
    costs: { makerFee: 0.0002, takerFee: 0.0005, halfSpreadBps: 2, slippageBps: 1, impactBps: 5, impactModel: 'sqrt', participation: 0.0001 },
  },
};

let run: BacktestRun;

beforeAll(async () => {
  const config = loadConfig({ document: { value: DOCUMENT, label: 'funding recount test' }, env: {} });
  run = await runBacktest({ streams: [await MemoryStream.load(await openCsvStream(ETH))], config, equity: 100_000 });
}, 120_000);

/** Funding over the run, counted from the recording alone (see the header). */
function recount(r: BacktestRun['recording']): { total: number; times: number } {
  const interval = BigInt(INTERVAL_HOURS) * HOUR;
  // Prices in time order: bar closes at their close time, fills at theirs (a fill after a close at the same time comes last).
  const prices = [
    ...r.bars[0]!.map((b) => ({ t: b.timeNs + HOUR, order: 0, qty: 0, price: b.close })),
    ...r.fills.map((f) => ({ t: f.timeNs, order: 1, qty: f.side === 'buy' ? f.quantity : -f.quantity, price: f.price })),
  ].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.order - b.order));
  let total = 0;
  let times = 0;
  let position = 0;
  let mark: number | undefined;
  let i = 0;
  for (let t = (r.startNs / interval + 1n) * interval; t <= r.endNs; t += interval) {
    for (; i < prices.length && prices[i]!.t < t; i++) {
      position += prices[i]!.qty;
      mark = prices[i]!.price;
    }
    if (position !== 0 && mark !== undefined) {
      total += position * mark * RATE;
      times++;
    }
  }
  return { total, times };
}

describe('bar backtest funding', () => {
  it('is the independent recount on the ledger\'s grid: position times the last price seen, at every interval multiple after the start', () => {
    const r = run.recording;
    expect(r.fills.length, 'the run trades').toBeGreaterThan(100);
    const { total, times } = recount(r);
    expect(times, 'funding was paid at many grid times').toBeGreaterThan(100);
    expect(r.totals.funding).toBeGreaterThan(0);
    expect(r.totals.funding).toBeCloseTo(total, 9);
  });
});
