// Names a bar interval as a timeframe (`1h`, `4h`, `1d`, `15m`, `30s`), in the largest
// unit that divides it; undefined for an interval that is not a whole number of seconds.
const UNITS: readonly (readonly [string, bigint])[] = [
  ['w', 604_800_000_000_000n],
  ['d', 86_400_000_000_000n],
  ['h', 3_600_000_000_000n],
  ['m', 60_000_000_000n],
  ['s', 1_000_000_000n],
];

export function timeframeOfInterval(intervalNs: bigint): string | undefined {
  if (intervalNs <= 0n) return undefined;
  for (const [unit, ns] of UNITS) if (intervalNs % ns === 0n) return `${intervalNs / ns}${unit}`;
  return undefined;
}
