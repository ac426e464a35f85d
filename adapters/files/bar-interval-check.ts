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
