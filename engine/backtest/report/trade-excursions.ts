// Worst-trade analytics. Giveback: how much of a trade's best open profit it handed back
// before it closed. Peak unrealised P&L = the best of (price - entryPrice) * qty * m over the
// trade's favourable extremes (high for a long, low for a short) of the recorded bars from
// its entry bar (the bar containing the entry) to the last bar that opened before the exit,
// floored at 0 and at the realised gross P&L; m = grossPnl / ((exitPrice - entryPrice) * qty)
// recovers the contract multiplier (1 when the prices are equal). Giveback = peak - realised
// gross P&L (both before fees, quote currency), so it is >= 0. An exit later inside its bar
// lets that bar's extreme count, which can overstate the peak by up to one bar's range.
import type { RoundTrip } from '../../portfolio/index.js';
import type { RecordedBar } from '../backtest-recording.js';
import { barIndexAt } from './regime-breakdown.js';

export interface TradeExcursion {
  readonly trade: RoundTrip;
  /** Bars the peak was taken over. */
  readonly bars: number;
  readonly peakUnrealised: number;
  readonly giveback: number;
  /** giveback / peakUnrealised; null when the peak is 0. */
  readonly givebackFraction: number | null;
}

export function tradeExcursion(trade: RoundTrip, bars: readonly RecordedBar[] | undefined): TradeExcursion {
  const move = (trade.exitPrice - trade.entryPrice) * trade.qty;
  const multiplier = move !== 0 && Number.isFinite(trade.grossPnl / move) ? trade.grossPnl / move : 1;
  let peak = Math.max(0, trade.grossPnl);
  let count = 0;
  if (bars && bars.length > 0) {
    const long = trade.qty > 0;
    for (let i = Math.max(0, barIndexAt(bars, trade.entryNs)); i < bars.length && bars[i].timeNs < trade.exitNs; i++) {
      const extreme = long ? bars[i].high : bars[i].low;
      peak = Math.max(peak, (extreme - trade.entryPrice) * trade.qty * multiplier);
      count++;
    }
  }
  const giveback = peak - trade.grossPnl;
  return { trade, bars: count, peakUnrealised: peak, giveback, givebackFraction: peak > 0 ? giveback / peak : null };
}

/** The bottom decile of trades by netPnl: the ceil(n / 10) lowest, worst first (none when n = 0). */
export function worstDecile(trades: readonly RoundTrip[]): RoundTrip[] {
  const n = Math.ceil(trades.length / 10);
  return [...trades].sort((a, b) => a.netPnl - b.netPnl).slice(0, n);
}
