// An independent peer: backtesting.py (PyPI `backtesting`, tools/peers/backtesting_ema_cross.py)
// runs the EMA(10/20) long/flat cross on the bundled ETH bars with next-open fills and a 0.1%
// commission; QuantFlow's backtest of config/examples/ema-cross.yaml must give the same trade
// list, entry for entry and exit for exit, and the same final equity within 1e-6 relative.
//
// Differences by design, each checked here:
// - time stamps: QuantFlow stamps a fill with the venue's time, the fill bar's open plus the
//   order's entry latency (venue.latency.entryMs, 50 ms); backtesting.py with the bar's open;
// - the trade open at the end: backtesting.py leaves it open (no exit commission) and marks
//   it at the last close; QuantFlow keeps the position too, so it is in neither trade list and
//   both final equities mark it at the last close.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStream, runBacktest } from '../engine/backtest/index.js';
import { openCsvStream } from '../adapters/files/index.js';
import { loadConfig } from '../engine/config/index.js';
import { packageRoot } from '../engine/core/package-root.js';
import { runBacktestingPyEmaCross } from '../tools/peers/peers.js';
import { pythonPeer, skipWithout } from './peers.js';

const ETH = join(packageRoot(), 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
const CONFIG = join(packageRoot(), 'config', 'examples', 'ema-cross.yaml');
const ENTRY_LATENCY_MS = 50;

describe.skipIf(skipWithout(pythonPeer(['backtesting', 'pandas'])))('backtest vs backtesting.py (EMA 10/20 long/flat cross)', () => {
  it('gives the same trades, entry for entry and exit for exit, and the same final equity', async () => {
    const config = loadConfig({ configFile: CONFIG, env: {} });
    expect(config.venue.latency.entryMs).toBe(ENTRY_LATENCY_MS);
    const [run, peer] = await Promise.all([
      runBacktest({ streams: [await MemoryStream.load(await openCsvStream(ETH))], config, equity: 100_000 }),
      runBacktestingPyEmaCross({ bars: ETH, cash: 100_000, commission: 0.001, quantity: 1, fast: 10, slow: 20 }),
    ]);
    const ours = run.recording.trades;
    expect(peer.trades.length).toBeGreaterThan(300);
    expect(ours.length).toBe(peer.trades.length);
    ours.forEach((trade, i) => {
      const theirs = peer.trades[i];
      const at = `trade ${i + 1}`;
      expect(Number(trade.entryNs / 1_000_000n) - ENTRY_LATENCY_MS, at).toBe(Date.parse(theirs.entryTime));
      expect(Number(trade.exitNs / 1_000_000n) - ENTRY_LATENCY_MS, at).toBe(Date.parse(theirs.exitTime));
      expect(trade.qty, at).toBe(theirs.size);
      expect(trade.entryPrice, at).toBe(theirs.entryPrice);
      expect(trade.exitPrice, at).toBe(theirs.exitPrice);
      expect(trade.entryFees + trade.exitFees, at).toBeCloseTo(theirs.commission, 9);
      expect(trade.netPnl, at).toBeCloseTo(theirs.pnl, 9);
    });
    // The trade left open: the same entry, and the same position at the end.
    expect(peer.openTrade).not.toBeNull();
    const lastBuy = run.recording.fills.filter((f) => f.side === 'buy').at(-1)!;
    expect(Number(lastBuy.timeNs / 1_000_000n) - ENTRY_LATENCY_MS).toBe(Date.parse(peer.openTrade!.entryTime));
    expect(lastBuy.price).toBe(peer.openTrade!.entryPrice);
    const finalEquity = run.recording.totals.finalEquity;
    expect(Math.abs(finalEquity - peer.finalEquity) / peer.finalEquity).toBeLessThan(1e-6);
  }, 120_000);
});
