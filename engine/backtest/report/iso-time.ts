// ISO 8601 UTC text for integer nanosecond times, at the precision the time has: the
// millisecond form (`2024-04-16T01:00:00.000Z`) when the time is a whole millisecond, 6
// fraction digits when it is a whole microsecond, 9 otherwise. Pure, so the CSV bytes that
// use it are a function of the times alone.

const NS_PER_MS = 1_000_000n;

/** ISO 8601 UTC for `timeNs` ns since the epoch (negative times included). */
export function formatIsoNs(timeNs: bigint): string {
  let ms = timeNs / NS_PER_MS;
  let rest = timeNs % NS_PER_MS;
  if (rest < 0n) {
    ms -= 1n;
    rest += NS_PER_MS;
  }
  const iso = new Date(Number(ms)).toISOString();
  if (rest === 0n) return iso;
  const head = iso.slice(0, -1);
  if (rest % 1000n === 0n) return `${head}${(rest / 1000n).toString().padStart(3, '0')}Z`;
  return `${head}${rest.toString().padStart(6, '0')}Z`;
}

/** Seconds since the epoch as a double (for charts and durations; ns precision is not kept). */
export function nsToSeconds(timeNs: bigint): number {
  return Number(timeNs) / 1e9;
}
