// Gaps in a bar file that regime fit and regime filter read: the features (logret, rvol, volz)
// take consecutive rows as consecutive bars, so a missing stretch (an exchange outage, a cut
// file) makes the return across it one bar's return, and the model sees a jump no bar made.
// The usual spacing is the median time between rows; a gap is a spacing above 1.5 times it.
// barGapsNote says how many there are and the longest, for the command's output.
import type { OhlcvColumns } from '../../adapters/files/index.js';

export interface BarGaps {
  /** The median time between consecutive rows, ns. */
  readonly spacingNs: bigint;
  /** Spacings above 1.5 times the median. */
  readonly count: number;
  /** The longest spacing, ns, and the time of the row after it. */
  readonly longestNs: bigint;
  readonly longestAtNs: bigint;
}

/** The gaps of `bars` (null with fewer than 3 rows: no usual spacing to compare with). */
export function findBarGaps(bars: Pick<OhlcvColumns, 'length' | 'timeNs'>): BarGaps | null {
  if (bars.length < 3) return null;
  const spacings = new BigInt64Array(bars.length - 1);
  for (let i = 1; i < bars.length; i++) spacings[i - 1] = bars.timeNs[i] - bars.timeNs[i - 1];
  const sorted = spacings.slice().sort();
  const spacingNs = sorted[Math.floor(sorted.length / 2)];
  let count = 0;
  let longestNs = 0n;
  let longestAtNs = 0n;
  for (let i = 0; i < spacings.length; i++) {
    if (spacings[i] * 2n <= spacingNs * 3n) continue;
    count++;
    if (spacings[i] > longestNs) {
      longestNs = spacings[i];
      longestAtNs = bars.timeNs[i + 1];
    }
  }
  return { spacingNs, count, longestNs, longestAtNs };
}

const duration = (ns: bigint): string => {
  const s = Number(ns / 1_000_000_000n);
  if (s % 86_400 === 0) return `${s / 86_400}d`;
  if (s % 3_600 === 0) return `${s / 3_600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
};

/** What the gaps of `bars` mean for a regime model (null when there are none). */
export function barGapsNote(bars: Pick<OhlcvColumns, 'length' | 'timeNs'>): string | null {
  const gaps = findBarGaps(bars);
  if (gaps === null || gaps.count === 0) return null;
  const at = new Date(Number(gaps.longestAtNs / 1_000_000n)).toISOString().replace('.000Z', 'Z');
  return `${gaps.count} gap${gaps.count === 1 ? '' : 's'} longer than the usual ${duration(gaps.spacingNs)} between bars (the longest ${duration(gaps.longestNs)}, before the bar at ${at}): the return across each counts as one bar's`;
}
