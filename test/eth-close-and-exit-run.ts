// One backtest shared by the tests of a bar-mode run with every kind of close at once: a long/flat
// EMA cross on the bundled ETH 1h bars with limit entries, a stop, a trail, a profit tier, a 48 h
// maximum hold, a participation cap small enough to fill in parts, margin settlement and funding
// every 8 h (test/backtest-close-and-exit.test.ts, test/backtest-funding-recount.test.ts).
import { join } from 'node:path';
import { openCsvStream } from '../adapters/files/index.js';
import { MemoryStream, runBacktest, type BacktestRun } from '../engine/backtest/index.js';
import { loadConfig } from '../engine/config/index.js';
import { packageRoot } from '../engine/core/package-root.js';

const ETH = join(packageRoot(), 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');

/** Funding rate per interval and the interval, hours (risk.replayDefaults). */
export const FUNDING_RATE = 0.0001;
export const FUNDING_INTERVAL_HOURS = 8;

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
    replayDefaults: { assetClass: 'crypto', lotSize: 0.001, settlement: 'margin', fundingRate: FUNDING_RATE, fundingIntervalHours: FUNDING_INTERVAL_HOURS },
  },
  venue: {
    mode: 'bars',
    costs: { makerFee: 0.0002, takerFee: 0.0005, halfSpreadBps: 2, slippageBps: 1, impactBps: 5, impactModel: 'sqrt', participation: 0.0001 },
  },
};

/** Runs the backtest over every bundled ETH bar with 100,000 of equity. */
export async function runEthCloseAndExit(label: string): Promise<BacktestRun> {
  const config = loadConfig({ document: { value: DOCUMENT, label }, env: {} });
  return runBacktest({ streams: [await MemoryStream.load(await openCsvStream(ETH))], config, equity: 100_000 });
}
