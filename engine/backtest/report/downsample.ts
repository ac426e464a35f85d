// Downsampling for the HTML page, so a long run stays a sane size. Price bars: consecutive
// groups of k bars become one bar that keeps their OHLC envelope (first open, highest high,
// lowest low, last close, the group's first time) and the group's most frequent regime
// label (a tie goes to the label seen first). Lines (equity, drawdown): min-max decimation,
// which keeps each group's lowest and highest point at their own times, so peaks and
// troughs survive.
import type { RecordedBar } from '../backtest-recording.js';

export const MAX_PRICE_POINTS = 5000;
/** Points of each decimation of a line (equity and drawdown are decimated separately, then drawn on the union of their points). */
export const MAX_LINE_POINTS = 4000;

/** Bars per group so that `count` bars become at most `max`. */
export function groupSize(count: number, max: number): number {
  return Math.max(1, Math.ceil(count / max));
}

export interface EnvelopeBar {
  readonly timeNs: bigint;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly regime?: string;
}

/** The bars grouped by `k` (see the header); k = 1 returns them as they are. */
export function envelopeBars(bars: readonly RecordedBar[], k: number): EnvelopeBar[] {
  if (k <= 1) return bars.slice();
  const out: EnvelopeBar[] = [];
  for (let start = 0; start < bars.length; start += k) {
    const end = Math.min(bars.length, start + k);
    let high = -Infinity;
    let low = Infinity;
    const votes = new Map<string, number>();
    for (let i = start; i < end; i++) {
      high = Math.max(high, bars[i].high);
      low = Math.min(low, bars[i].low);
      const label = bars[i].regime;
      if (label !== undefined) votes.set(label, (votes.get(label) ?? 0) + 1);
    }
    let regime: string | undefined;
    let best = 0;
    for (const [label, n] of votes) if (n > best) [regime, best] = [label, n];
    out.push({ timeNs: bars[start].timeNs, open: bars[start].open, high, low, close: bars[end - 1].close, ...(regime === undefined ? {} : { regime }) });
  }
  return out;
}

/** Indices of the points kept by min-max decimation into at most `max` points (all when fewer). */
export function minMaxIndices(values: readonly number[], max: number): number[] {
  const n = values.length;
  if (n <= max) return values.map((_, i) => i);
  const k = groupSize(n, Math.max(1, Math.floor(max / 2)));
  const kept: number[] = [];
  for (let start = 0; start < n; start += k) {
    const end = Math.min(n, start + k);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    if (lo === hi) kept.push(lo);
    else kept.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  if (kept[kept.length - 1] !== n - 1) kept.push(n - 1);
  return kept;
}
