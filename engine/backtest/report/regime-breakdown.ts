// Metrics per regime label. A trade belongs to the regime of its entry bar: the bar of its
// instrument that contains the entry time (the last bar that opened at or before it). An
// account return r_i (from equity point i-1 to point i) belongs to the regime of the bar in
// progress over that interval: the last bar of the reference instrument that opened strictly
// before point i's time. The account has one equity series but each instrument has its own
// labels, so returns are split by one reference instrument's labels (the first instrument
// with labels unless told otherwise; the JSON names it); trades use their own instrument's.
import type { RoundTrip } from '../../portfolio/index.js';
import type { EquityPoint, RecordedBar } from '../backtest-recording.js';
import { returnStats, simpleReturns, type ReturnStats } from './return-metrics.js';
import { tradeStats, type TradeStats } from './trade-metrics.js';

/** Index of the last bar that opened at or before `timeNs` (strictly before when `strict`); -1 if none. */
export function barIndexAt(bars: readonly RecordedBar[], timeNs: bigint, strict = false): number {
  let lo = 0;
  let hi = bars.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = bars[mid].timeNs;
    if (t < timeNs || (!strict && t === timeNs)) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export function hasRegimeLabels(bars: readonly RecordedBar[] | undefined): boolean {
  return !!bars && bars.some((b) => b.regime !== undefined);
}

/** The regime of the trade's entry bar, or undefined when the bar or its label is missing. */
export function entryRegime(trade: RoundTrip, bars: readonly RecordedBar[] | undefined): string | undefined {
  if (!bars) return undefined;
  const at = barIndexAt(bars, trade.entryNs);
  return at < 0 ? undefined : bars[at].regime;
}

export interface RegimeSlice {
  /** Trades whose entry bar had this label. */
  readonly trades: TradeStats;
  /** Account returns over the reference instrument's bars with this label. */
  readonly returns: ReturnStats;
  /** Share of all account returns that fell in this regime. */
  readonly shareOfPeriods: number | null;
}

export interface RegimeBreakdown {
  /** Symbol of the instrument whose labels split the account returns. */
  readonly referenceInstrument: string;
  readonly regimes: Readonly<Record<string, RegimeSlice>>;
  /** Trades whose entry bar had no label (instrument without labels, or entry before its first bar). */
  readonly tradesWithoutLabel: number;
}

/** Regime label of each account return r_i (index i-1), by the reference bars; undefined where unlabelled. */
export function returnRegimes(equity: readonly EquityPoint[], referenceBars: readonly RecordedBar[]): (string | undefined)[] {
  const labels: (string | undefined)[] = [];
  for (let i = 1; i < equity.length; i++) {
    const at = barIndexAt(referenceBars, equity[i].timeNs, true);
    labels.push(at < 0 ? undefined : referenceBars[at].regime);
  }
  return labels;
}

/**
 * Per-label trade stats and account-return stats. `barsOf(instrument)` gives an instrument's
 * bars; `referenceBars` split the returns.
 */
export function regimeBreakdown(
  trades: readonly RoundTrip[],
  barsOf: (instrument: number) => readonly RecordedBar[] | undefined,
  equity: readonly EquityPoint[],
  referenceSymbol: string,
  referenceBars: readonly RecordedBar[],
  perYear: number | null,
): RegimeBreakdown {
  const tradesBy = new Map<string, RoundTrip[]>();
  let tradesWithoutLabel = 0;
  for (const t of trades) {
    const label = entryRegime(t, barsOf(t.instrument));
    if (label === undefined) {
      tradesWithoutLabel++;
      continue;
    }
    const list = tradesBy.get(label) ?? [];
    list.push(t);
    tradesBy.set(label, list);
  }
  const returns = simpleReturns(equity.map((p) => p.equity));
  const labels = returnRegimes(equity, referenceBars);
  const returnsBy = new Map<string, number[]>();
  for (let i = 0; i < returns.length; i++) {
    const label = labels[i];
    if (label === undefined) continue;
    const list = returnsBy.get(label) ?? [];
    list.push(returns[i]);
    returnsBy.set(label, list);
  }
  const names = [...new Set([...referenceBars.map((b) => b.regime), ...tradesBy.keys()])].filter((l): l is string => l !== undefined).sort();
  const regimes: Record<string, RegimeSlice> = {};
  for (const name of names) {
    const slice = returnsBy.get(name) ?? [];
    regimes[name] = {
      trades: tradeStats(tradesBy.get(name) ?? []),
      returns: returnStats(slice, perYear),
      shareOfPeriods: returns.length === 0 ? null : slice.length / returns.length,
    };
  }
  return { referenceInstrument: referenceSymbol, regimes, tradesWithoutLabel };
}
