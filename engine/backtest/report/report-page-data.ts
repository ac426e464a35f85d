// The data report.html inlines: the equity and drawdown lines (min-max decimated beyond
// MAX_LINE_POINTS, on the same points), each instrument's price bars (OHLC envelope beyond MAX_PRICE_POINTS per
// instrument) with their regime labels and trade markers, the monthly returns, the
// bottom-decile trades with their giveback, a histogram of every trade's giveback, and the
// report's breakdowns. Chart times are whole UTC seconds (lightweight-charts' time unit);
// points that fall in the same second keep the last one.
import type { BacktestRecording } from '../backtest-recording.js';
import type { BacktestReport } from './compute-report.js';
import { envelopeBars, groupSize, MAX_LINE_POINTS, MAX_PRICE_POINTS, minMaxIndices } from './downsample.js';
import { formatIsoNs } from './iso-time.js';
import { barIndexAt } from './regime-breakdown.js';
import { drawdownSeries } from './return-metrics.js';
import { tradeExcursion, worstDecile, type TradeExcursion } from './trade-excursions.js';

/** Trades per instrument whose entry and exit markers are drawn; beyond it trades are thinned evenly. */
export const MAX_MARKED_TRADES = 2000;
const GIVEBACK_BINS = 20;

export interface LinePoints {
  readonly time: number[];
  readonly value: number[];
}

export interface PageMarker {
  readonly time: number;
  readonly position: 'aboveBar' | 'belowBar';
  readonly shape: 'arrowUp' | 'arrowDown';
  readonly color: string;
  readonly text: string;
}

export interface PageInstrument {
  readonly symbol: string;
  readonly barCount: number;
  /** Bars per drawn bar (1: not downsampled). */
  readonly group: number;
  readonly time: number[];
  readonly open: number[];
  readonly high: number[];
  readonly low: number[];
  readonly close: number[];
  /** Index into `regimeLabels` per drawn bar, -1 unlabelled. */
  readonly regime: number[];
  readonly markers: PageMarker[];
  readonly markedTrades: number;
  readonly trades: number;
}

export interface PageTrade {
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly entry: string;
  readonly exit: string;
  readonly quantity: number;
  readonly entryPrice: number;
  readonly exitPrice: number;
  readonly netPnl: number;
  readonly peakUnrealised: number;
  readonly giveback: number;
  readonly givebackFraction: number | null;
  readonly bars: number;
}

export interface ReportPageData {
  readonly title: string;
  readonly notes: string[];
  readonly equity: LinePoints;
  readonly drawdown: LinePoints;
  readonly equityCount: number;
  readonly instruments: PageInstrument[];
  readonly regimeLabels: string[];
  readonly monthly: BacktestReport['monthlyReturns'];
  readonly worstTrades: PageTrade[];
  readonly tradeCount: number;
  readonly givebackHistogram: { readonly edges: number[]; readonly counts: number[] };
  readonly report: Pick<BacktestReport, 'period' | 'annualisation' | 'account' | 'byStrategy' | 'byRegime'> & { byInstrument: Record<string, unknown> };
}

function toSeconds(ns: bigint): number {
  return Number(ns / 1_000_000_000n);
}

/** The points at `indices` as chart seconds, one per second (the last wins). */
function linePoints(timesNs: readonly bigint[], values: readonly number[], indices: readonly number[]): LinePoints {
  const time: number[] = [];
  const value: number[] = [];
  for (const i of indices) {
    const t = toSeconds(timesNs[i]);
    if (time.length > 0 && time[time.length - 1] === t) value[value.length - 1] = values[i];
    else if (time.length === 0 || t > time[time.length - 1]) {
      time.push(t);
      value.push(values[i]);
    }
  }
  return { time, value };
}

function pageTrade(x: TradeExcursion, symbol: string): PageTrade {
  const t = x.trade;
  return {
    symbol,
    side: t.qty < 0 ? 'short' : 'long',
    entry: formatIsoNs(t.entryNs),
    exit: formatIsoNs(t.exitNs),
    quantity: Math.abs(t.qty),
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice,
    netPnl: t.netPnl,
    peakUnrealised: x.peakUnrealised,
    giveback: x.giveback,
    givebackFraction: x.givebackFraction,
    bars: x.bars,
  };
}

function histogram(values: readonly number[], bins: number): { edges: number[]; counts: number[] } {
  if (values.length === 0) return { edges: [], counts: [] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (hi === lo) hi = lo + 1;
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  return { edges, counts };
}

export function reportPageData(recording: BacktestRecording, report: BacktestReport): ReportPageData {
  const notes: string[] = [];
  const times = recording.equity.map((p) => p.timeNs);
  const values = recording.equity.map((p) => p.equity);
  const drawdown = drawdownSeries(values);
  // One set of points for both lines (they share the chart's time scale): each one's extremes.
  const kept = [...new Set([...minMaxIndices(values, MAX_LINE_POINTS), ...minMaxIndices(drawdown, MAX_LINE_POINTS)])].sort((a, b) => a - b);
  const equityLine = linePoints(times, values, kept);
  const drawdownLine = linePoints(times, drawdown, kept);
  if (kept.length < values.length) notes.push(`Equity and drawdown lines are min-max decimated from ${values.length} points to ${equityLine.time.length} (each group's lowest and highest point of either line kept).`);

  const labels = new Set<string>();
  for (const bars of recording.bars) for (const b of bars ?? []) if (b.regime !== undefined) labels.add(b.regime);
  const regimeLabels = [...labels].sort();
  const labelIndex = new Map(regimeLabels.map((l, i) => [l, i]));

  const instruments: PageInstrument[] = [];
  for (const instrument of recording.instruments) {
    const bars = recording.bars[instrument.id] ?? [];
    const group = groupSize(bars.length, MAX_PRICE_POINTS);
    const drawn = envelopeBars(bars, group);
    const time: number[] = [];
    const open: number[] = [];
    const high: number[] = [];
    const low: number[] = [];
    const close: number[] = [];
    const regime: number[] = [];
    for (const b of drawn) {
      const t = toSeconds(b.timeNs);
      if (time.length > 0 && t <= time[time.length - 1]) continue;
      time.push(t);
      open.push(b.open);
      high.push(b.high);
      low.push(b.low);
      close.push(b.close);
      regime.push(b.regime === undefined ? -1 : (labelIndex.get(b.regime) ?? -1));
    }
    if (group > 1) notes.push(`${instrument.symbol}: ${bars.length} price bars drawn as ${time.length} (groups of ${group} bars keeping open, high, low, close; regime shading by each group's most frequent label).`);
    const trades = recording.trades.filter((t) => t.instrument === instrument.id);
    const step = Math.max(1, Math.ceil(trades.length / MAX_MARKED_TRADES));
    const markers: PageMarker[] = [];
    const drawnTimeAt = (ns: bigint): number | undefined => {
      const at = barIndexAt(bars, ns);
      return at < 0 ? undefined : time[Math.min(time.length - 1, Math.floor(at / group))];
    };
    let marked = 0;
    for (let i = 0; i < trades.length; i += step) {
      const t = trades[i];
      const long = t.qty > 0;
      const entryTime = drawnTimeAt(t.entryNs);
      const exitTime = drawnTimeAt(t.exitNs);
      if (entryTime === undefined || exitTime === undefined) continue;
      marked++;
      markers.push({ time: entryTime, position: long ? 'belowBar' : 'aboveBar', shape: long ? 'arrowUp' : 'arrowDown', color: long ? '#089981' : '#f23645', text: '' });
      markers.push({ time: exitTime, position: long ? 'aboveBar' : 'belowBar', shape: long ? 'arrowDown' : 'arrowUp', color: '#7e57c2', text: '' });
    }
    markers.sort((a, b) => a.time - b.time);
    if (step > 1) notes.push(`${instrument.symbol}: markers drawn for ${marked} of ${trades.length} trades (every ${step}th).`);
    instruments.push({ symbol: instrument.symbol, barCount: bars.length, group, time, open, high, low, close, regime, markers, markedTrades: marked, trades: trades.length });
  }

  const symbolOf = new Map(recording.instruments.map((i) => [i.id, i.symbol]));
  const excursions = new Map(recording.trades.map((t) => [t, tradeExcursion(t, recording.bars[t.instrument])]));
  const worstTrades = worstDecile(recording.trades).map((t) => pageTrade(excursions.get(t)!, symbolOf.get(t.instrument) ?? `#${t.instrument}`));
  const givebackHistogram = histogram([...excursions.values()].map((x) => x.giveback), GIVEBACK_BINS);

  const byInstrument: Record<string, unknown> = {};
  for (const [symbol, entry] of Object.entries(report.byInstrument)) {
    const { byRegime: _byRegime, ...rest } = entry;
    byInstrument[symbol] = rest;
  }
  return {
    title: report.title,
    notes,
    equity: equityLine,
    drawdown: drawdownLine,
    equityCount: values.length,
    instruments,
    regimeLabels,
    monthly: report.monthlyReturns,
    worstTrades,
    tradeCount: recording.trades.length,
    givebackHistogram,
    report: { period: report.period, annualisation: report.annualisation, account: report.account, byStrategy: report.byStrategy, byRegime: report.byRegime, byInstrument },
  };
}
