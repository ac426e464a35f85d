// A stated bar interval against the data: bars stamped `interval` apart at the least. A stated
// interval longer than the smallest gap between two bars makes bars overlap (a bar opens before
// the previous one closed), so a decision at a bar's close could use a bar that has not closed:
// refused. A shorter one (gaps between bars) is the data's business.
import { timeframeOfInterval } from '../../engine/replay/timeframe-of-interval.js';

const name = (ns: bigint): string => timeframeOfInterval(ns) ?? `${ns} ns`;

/** The problem with `statedNs` for bars whose smallest gap is `smallestGapNs` (undefined: fewer than two bars), or null. */
export function barIntervalProblem(statedNs: bigint, smallestGapNs: bigint | undefined): string | null {
  if (smallestGapNs === undefined || statedNs <= smallestGapNs) return null;
  return `the bar interval ${name(statedNs)} is longer than the smallest gap between two bars (${name(smallestGapNs)}): the bars would overlap and a decision could see a bar before it closed; state the data's interval (--bar-interval, or barInterval in FILE.meta.json)`;
}

/**
 * Positive gaps between consecutive bars, for a file that states no bar interval: the smallest
 * and the most common. The interval is the most common gap; a shorter gap means a bar opened
 * before the one before it closed at that interval, so the file is refused (inferredBarIntervalProblem)
 * rather than played at its smallest gap, which would decide every other bar before it closed.
 */
export class BarGaps {
  private readonly counts = new Map<bigint, number>();
  /** The smallest gap and the stamp of the bar that ends it (undefined before a gap). */
  smallestNs: bigint | undefined;
  smallestAtNs: bigint | undefined;

  /** Adds the gap between consecutive bar stamps; gaps <= 0 are not bar spacings. */
  add(previousNs: bigint, stampNs: bigint): void {
    const gap = stampNs - previousNs;
    if (gap <= 0n) return;
    this.counts.set(gap, (this.counts.get(gap) ?? 0) + 1);
    if (this.smallestNs === undefined || gap < this.smallestNs) {
      this.smallestNs = gap;
      this.smallestAtNs = stampNs;
    }
  }

  /** The most common gap (the smallest of equally common ones); undefined before a gap. */
  get mostCommonNs(): bigint | undefined {
    let best: bigint | undefined;
    let bestCount = 0;
    for (const [gap, count] of this.counts) {
      if (count > bestCount || (count === bestCount && gap < best!)) {
        best = gap;
        bestCount = count;
      }
    }
    return best;
  }
}

/** The problem with inferring the interval of bars with these gaps (none stated), or null. */
export function inferredBarIntervalProblem(gaps: BarGaps): string | null {
  const common = gaps.mostCommonNs;
  const smallest = gaps.smallestNs;
  if (common === undefined || smallest === undefined || smallest >= common) return null;
  const at = new Date(Number(gaps.smallestAtNs! / 1_000_000n)).toISOString();
  return `no bar interval is stated, and the most common gap between bars (${name(common)}) is longer than the smallest (${name(smallest)}, before the bar at ${at}): at ${name(smallest)} the ${name(common)} bars would be decided before they close, at ${name(common)} the bars around ${at} would overlap; remove the odd bar or state the data's interval (--bar-interval, or barInterval in FILE.meta.json)`;
}
