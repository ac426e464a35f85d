// Where a test window's warm-up starts: the close (ts_local) of the bar `bars` bars before the
// test start, counted in each stream's own records, so a warm-up of N bars feeds N bars whatever
// the data's calendar. A span of N bar intervals would not: daily equity bars skip weekends and
// holidays (21 intervals hold ~15 bars), hourly equity bars skip the nights, and indicators that
// need N bars would start the test window still warming up, unlike the same bars in a backtest.
// With several streams the earliest start is taken, so each gets at least its N bars.
import { RECORD_BYTES } from '../../replay/index.js';
import type { MemoryStream } from '../../backtest/index.js';

/** ts_local of `stream`'s record `bars` records before the first at or after `testStartNs` (its first record when it has fewer); undefined when none is before. */
export function streamWarmupStartNs(stream: MemoryStream, testStartNs: bigint, bars: number): bigint | undefined {
  const view = new DataView(stream.bytes.buffer, stream.bytes.byteOffset, stream.bytes.byteLength);
  const timeAt = (row: number): bigint => view.getBigInt64(row * RECORD_BYTES + 16, true);
  let lo = 0;
  let hi = stream.expectedRows;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timeAt(mid) < testStartNs) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0 || bars <= 0) return undefined;
  return timeAt(Math.max(0, lo - bars));
}

/** The warm-up start of a test window over `streams`: the earliest of their streamWarmupStartNs, or `testStartNs` (no warm-up). */
export function warmupStartNs(streams: readonly MemoryStream[], testStartNs: bigint, bars: number): bigint {
  let start = testStartNs;
  for (const stream of streams) {
    const at = streamWarmupStartNs(stream, testStartNs, bars);
    if (at !== undefined && at < start) start = at;
  }
  return start;
}
