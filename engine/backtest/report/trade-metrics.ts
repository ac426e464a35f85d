// Trade-list metrics over round trips (account currency, net of fees: RoundTrip.netPnl).
// A winner has netPnl > 0, a loser netPnl < 0; a trade at exactly 0 is neither.
import type { RoundTrip } from '../../portfolio/index.js';

export interface TradeStats {
  /** Number of round trips. */
  readonly trades: number;
  readonly winners: number;
  readonly losers: number;
  /** winners / trades; null with no trade. */
  readonly winRate: number | null;
  /** Sum of netPnl over all trades. */
  readonly netPnl: number;
  /** Sum of the winners' netPnl (>= 0) and of the losers' (<= 0). */
  readonly grossProfit: number;
  readonly grossLoss: number;
  /** grossProfit / |grossLoss|; null with no losing trade (undefined, not infinite). */
  readonly profitFactor: number | null;
  /** Mean netPnl per trade (= netPnl / trades): what one trade is expected to make; null with no trade. */
  readonly expectancy: number | null;
  /** Mean netPnl of winners and of losers; null when there are none. */
  readonly averageWin: number | null;
  readonly averageLoss: number | null;
  /** Sum of entryFees + exitFees (quote currency of each instrument). */
  readonly tradeFees: number;
}

export function tradeStats(trades: readonly RoundTrip[]): TradeStats {
  let winners = 0;
  let losers = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let netPnl = 0;
  let tradeFees = 0;
  for (const t of trades) {
    netPnl += t.netPnl;
    tradeFees += t.entryFees + t.exitFees;
    if (t.netPnl > 0) {
      winners++;
      grossProfit += t.netPnl;
    } else if (t.netPnl < 0) {
      losers++;
      grossLoss += t.netPnl;
    }
  }
  const n = trades.length;
  return {
    trades: n,
    winners,
    losers,
    winRate: n === 0 ? null : winners / n,
    netPnl,
    grossProfit,
    grossLoss,
    profitFactor: losers === 0 ? null : grossProfit / -grossLoss,
    expectancy: n === 0 ? null : netPnl / n,
    averageWin: winners === 0 ? null : grossProfit / winners,
    averageLoss: losers === 0 ? null : grossLoss / losers,
    tradeFees,
  };
}
