// tools/peers/peers.ts: the backtesting.py peer on the bundled ETH bars, checked against an
// independent TS reading of the same CSV (its own TA-Lib-style EMA, its own list of crosses),
// its accounting identities, and the error path; plus a small NautilusTrader run when
// .cache/nautilus-venv exists (that venv is not part of `npm test`).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pythonPeer, sharedData, sharedDataPath, skipWithout } from '../../test/peers.js';
import { PeerScriptError, repoRoot, runBacktestingPyEmaCross, runNautilusBench, type BacktestingPyResult } from './peers.js';

const ETH = path.join(repoRoot, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
const CASH = 100_000;
const COMMISSION = 0.001;
const QUANTITY = 1;
const FAST = 10;
const SLOW = 20;

interface Bars {
  times: string[];
  open: number[];
  close: number[];
}

function readBars(file: string): Bars {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  expect(lines[0], 'the bundled file has the documented header').toBe('timestamp,open,high,low,close,volume');
  const bars: Bars = { times: [], open: [], close: [] };
  for (const line of lines.slice(1)) {
    const [time, open, , , close] = line.split(',');
    bars.times.push(`${new Date(Date.parse(time.replace(' ', 'T'))).toISOString().slice(0, 19)}Z`);
    bars.open.push(Number(open));
    bars.close.push(Number(close));
  }
  return bars;
}

/** TA-Lib EMA: the mean of the first N values at index N-1, then (x - e) * 2/(N+1) + e; NaN before. */
function emaTalibStyle(values: readonly number[], period: number): number[] {
  const out = new Array<number>(values.length).fill(Number.NaN);
  if (values.length < period) return out;
  const k = 2 / (period + 1);
  let sum = 0;
  for (let i = 0; i < period; i++) sum += values[i];
  let e = sum / period;
  out[period - 1] = e;
  for (let i = period; i < values.length; i++) {
    e = (values[i] - e) * k + e;
    out[i] = e;
  }
  return out;
}

interface ExpectedTrade {
  entryBar: number;
  exitBar: number | undefined;
}

/**
 * The round trips the strategy must make, from the crosses alone: decide on bar i (fast >= slow
 * while flat: enter; fast < slow while long: exit), fill at the open of bar i + 1. backtesting.py
 * first calls next() on bar 1; a decision on the last bar never fills.
 */
function expectedTrades(fast: number[], slow: number[], bars: number): ExpectedTrade[] {
  const trades: ExpectedTrade[] = [];
  let long = false;
  for (let i = 1; i + 1 < bars; i++) {
    if (Number.isNaN(fast[i]) || Number.isNaN(slow[i])) continue;
    if (!long && fast[i] >= slow[i]) {
      trades.push({ entryBar: i + 1, exitBar: undefined });
      long = true;
    } else if (long && fast[i] < slow[i]) {
      trades[trades.length - 1].exitBar = i + 1;
      long = false;
    }
  }
  return trades;
}

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe.skipIf(skipWithout(pythonPeer(['backtesting', 'talib'])))('backtesting.py EMA(10/20) long/flat cross on the bundled ETH bars', () => {
  let peer: BacktestingPyResult;
  let bars: Bars;
  let fast: number[];
  let slow: number[];
  let barIndex: Map<string, number>;

  beforeAll(async () => {
    peer = await runBacktestingPyEmaCross({ bars: ETH, cash: CASH, commission: COMMISSION, quantity: QUANTITY, fast: FAST, slow: SLOW });
    bars = readBars(ETH);
    fast = emaTalibStyle(bars.close, FAST);
    slow = emaTalibStyle(bars.close, SLOW);
    barIndex = new Map(bars.times.map((t, i) => [t, i]));
  });

  it('runs backtesting 0.6.6 over every bar with EMAs equal to talib.EMA', () => {
    expect(peer.version).toBe('0.6.6');
    expect(peer.bars, 'every bar of the file').toBe(bars.times.length);
    expect(peer.emaCheck, 'talib is in the same venv, so the EMAs are compared').not.toBeNull();
    expect(peer.emaCheck!.maxRelativeDifference, 'same operation order as TA-Lib').toBeLessThanOrEqual(1e-12);
    expect(peer.trades.length, 'the ETH file crosses hundreds of times').toBeGreaterThan(100);
  });

  it('makes exactly the round trips the TS crosses predict, each fill at the open of the bar after the decision', () => {
    const expected = expectedTrades(fast, slow, bars.times.length);
    const closed = expected.filter((t) => t.exitBar !== undefined);
    expect(peer.trades.map((t) => [t.entryTime, t.exitTime]), 'entry and exit times').toEqual(closed.map((t) => [bars.times[t.entryBar], bars.times[t.exitBar!]]));
    peer.trades.forEach((t, n) => {
      expect(t.entryPrice, `trade ${n}: entry at the open of ${t.entryTime}`).toBe(bars.open[closed[n].entryBar]);
      expect(t.exitPrice, `trade ${n}: exit at the open of ${t.exitTime}`).toBe(bars.open[closed[n].exitBar!]);
      expect(t.size, `trade ${n}: the fixed quantity`).toBe(QUANTITY);
    });
    const last = expected[expected.length - 1];
    if (last && last.exitBar === undefined) {
      expect(peer.openTrade, 'the last entry has no exit, so it is still open').not.toBeNull();
      expect([peer.openTrade!.entryTime, peer.openTrade!.entryPrice]).toEqual([bars.times[last.entryBar], bars.open[last.entryBar]]);
    } else {
      expect(peer.openTrade, 'flat at the end').toBeNull();
    }
  });

  it('alternates entries and exits with no overlap, entering after a cross up and leaving after a cross down', () => {
    let previousExit = -1;
    peer.trades.forEach((t, n) => {
      const entry = barIndex.get(t.entryTime)!;
      const exit = barIndex.get(t.exitTime)!;
      expect(entry, `trade ${n}: entry time ${t.entryTime} is a bar of the file`).toBeGreaterThan(0);
      expect(entry, `trade ${n}: enters after the previous trade's exit bar`).toBeGreaterThan(previousExit);
      expect(exit, `trade ${n}: exits after it enters`).toBeGreaterThan(entry);
      const up = entry - 1;
      expect(fast[up] >= slow[up], `trade ${n}: fast >= slow on the decision bar ${bars.times[up]}`).toBe(true);
      const firstReady = up === SLOW - 1;
      expect(firstReady || fast[up - 1] < slow[up - 1], `trade ${n}: ${bars.times[up]} is a cross up (or the first bar both EMAs exist)`).toBe(true);
      const down = exit - 1;
      expect(fast[down] < slow[down] && fast[down - 1] >= slow[down - 1], `trade ${n}: ${bars.times[down]} is a cross down`).toBe(true);
      for (let i = up; i < down; i++) expect(fast[i] >= slow[i], `trade ${n}: held while fast >= slow (${bars.times[i]})`).toBe(true);
      previousExit = exit;
    });
  });

  it('charges commission on the traded value at both fills and nets it out of each trade’s P&L', () => {
    peer.trades.forEach((t, n) => {
      const commission = t.size * t.entryPrice * COMMISSION + t.size * t.exitPrice * COMMISSION;
      expect(relative(t.commission, commission), `trade ${n}: commission ${t.commission} vs ${commission}`).toBeLessThan(1e-12);
      const pnl = t.size * (t.exitPrice - t.entryPrice) - commission;
      expect(Math.abs(t.pnl - pnl), `trade ${n}: pnl ${t.pnl} vs ${pnl}`).toBeLessThan(1e-9 * t.entryPrice);
    });
  });

  it('ends at cash + the trades’ P&L + the open trade marked at the last close, less only its entry commission', () => {
    const closedPnl = peer.trades.reduce((sum, t) => sum + t.pnl, 0);
    const open = peer.openTrade;
    const openValue = open ? open.size * (bars.close[bars.close.length - 1] - open.entryPrice) - open.size * open.entryPrice * COMMISSION : 0;
    const expected = CASH + closedPnl + openValue;
    expect(relative(peer.finalEquity, expected), `final equity ${peer.finalEquity} vs ${expected}`).toBeLessThan(1e-9);
    expect(peer.equityCurveLast, 'the equity curve ends at the final equity').toBe(peer.finalEquity);
    const commissions = peer.trades.reduce((sum, t) => sum + t.commission, 0) + (open ? open.entryCommission : 0);
    expect(relative(peer.commissionTotal, commissions), 'commission total').toBeLessThan(1e-12);
  });
});

describe('peer script errors', () => {
  it.skipIf(skipWithout(pythonPeer(['backtesting'])))('rejects with the script’s stderr', async () => {
    const missing = path.join(repoRoot, 'data', 'no-such-bars.csv');
    const error = await runBacktestingPyEmaCross({ bars: missing, cash: CASH, commission: COMMISSION, quantity: QUANTITY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeerScriptError);
    expect((error as PeerScriptError).stderr, 'Python’s own message').toContain('no-such-bars.csv');
    expect((error as PeerScriptError).message).toContain('backtesting_ema_cross.py exited with 1');
  });
});

// The benchmark's peer (`npm run bench -- backtest`) must run wherever the bench does: this smoke
// run creates the NautilusTrader venv (.cache/nautilus-venv, about 680 MB, from PyPI, once) through
// runNautilusBench's own ensureNautilusVenv, so it never skips for want of it.
const btcTrades = 'crypto_trades/binance_spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.csv';

describe.skipIf(skipWithout(sharedData([btcTrades])))('NautilusTrader bench (small run)', () => {
  it('replays two shifted copies of the BTC trades through EMACross and counts every tick', { timeout: 600_000 }, async () => {
    const rows = readFileSync(sharedDataPath(btcTrades), 'utf8').trim().split('\n').length - 1;
    const r = await runNautilusBench({ ticks: [sharedDataPath(btcTrades)], repeat: 2, mode: 'ema-cross' });
    expect([r.version, r.ticks, r.instrument]).toEqual(['1.221.0', 2 * rows, 'BTCUSDT.BINANCE']);
    expect(r.barsInCache, 'two copies of about 11 minutes give about 22 one-minute bars').toBeGreaterThanOrEqual(20);
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.orders, 'EMACross trades once its EMAs are ready (bar 20)').toBeGreaterThanOrEqual(1);
    expect(r.fills, 'a market order fills against the next trade ticks, maybe in parts').toBeGreaterThanOrEqual(1);
  });
});
