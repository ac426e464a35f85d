// Time spans of a walk-forward (train, test, step, purge, embargo): a fixed number of
// nanoseconds, calendar months in UTC (`6mo` is six calendar months, whatever their days), or a
// number of bars. Parsed from the CLI's words: `6mo`, `1y` (12 months), `2w`, `30d`, `12h`, `15m`,
// `30s`, and bar counts (`500bars` or a bare `500`). A window (train, test, step: parseWindowSpan)
// counts bars in the data's own bar times (a BarCalendar), so `100bars` of daily equity bars is
// 100 trading days, not 100 calendar days; a gap (purge, embargo: parseSpan) is fixed time, its
// bar count turned into ns with the data's bar interval.

/** A span: ns, calendar months (UTC), or a count of the data's bars. */
export type Span = bigint | { readonly months: number } | { readonly bars: number };

/** The data's bar times (ts_local, ascending) that bar-count spans are counted in, and its bar interval (for counts past the last bar). */
export interface BarCalendar {
  readonly timesNs: BigInt64Array;
  readonly intervalNs: bigint;
}

const NS_PER: Record<string, bigint> = {
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};

/**
 * `t + span`: ns added, months added on the UTC calendar (the day clamped to the month's last
 * day, the time of day kept), or bars counted in `calendar` (addBars).
 */
export function addSpan(timeNs: bigint, span: Span, calendar?: BarCalendar): bigint {
  if (typeof span === 'bigint') return timeNs + span;
  if ('bars' in span) return addBars(timeNs, span.bars, calendar);
  const ms = timeNs / 1_000_000n;
  const restNs = timeNs - ms * 1_000_000n;
  const date = new Date(Number(ms));
  const day = date.getUTCDate();
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + span.months, 1, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return BigInt(target.getTime()) * 1_000_000n + restNs;
}

/** Whether a span is empty (0 ns or 0 months). */
export function isZeroSpan(span: Span): boolean {
  return typeof span === 'bigint' ? span === 0n : 'bars' in span ? span.bars === 0 : span.months === 0;
}

/**
 * The time `bars` bars after `timeNs` in `calendar`: with i the first bar at or after `timeNs`,
 * bar i + bars's time, so [timeNs, result) holds `bars` bars. Past the last bar: just after it
 * for the count that ends there, else the bar interval on from it.
 */
export function addBars(timeNs: bigint, bars: number, calendar: BarCalendar | undefined): bigint {
  if (calendar === undefined || calendar.timesNs.length === 0) throw new Error(`a span of ${bars} bars needs the data's bar times`);
  const times = calendar.timesNs;
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < timeNs) lo = mid + 1;
    else hi = mid;
  }
  const target = lo + bars;
  if (target < times.length) return times[target];
  const last = times[times.length - 1];
  return target === times.length ? last + 1n : last + BigInt(target - times.length + 1) * calendar.intervalNs;
}

/** A window span (train, test, step): as parseSpan, but a bar count stays a count of bars (`{ bars }`, see the header). */
export function parseWindowSpan(text: string): Span | undefined {
  const match = /^\s*(\d+)\s*(bars?)?\s*$/.exec(text);
  if (match) {
    const count = Number(match[1]);
    return Number.isSafeInteger(count) && count > 0 ? { bars: count } : undefined;
  }
  return parseSpan(text, undefined, false);
}

/**
 * Parses `6mo`, `1y`, `2w`, `30d`, `12h`, `15m`, `30s`, `500bars` or `500` (bars). Returns
 * undefined when the text is none of those; bar counts need `barIntervalNs` (else an Error
 * saying so). `allowZero`: whether `0` is accepted.
 */
export function parseSpan(text: string, barIntervalNs: bigint | undefined, allowZero = false): Span | undefined {
  const match = /^\s*(\d+)\s*(mo|y|w|d|h|m|s|bars?)?\s*$/.exec(text);
  if (!match) return undefined;
  const count = Number(match[1]);
  if (!Number.isSafeInteger(count) || (count === 0 && !allowZero)) return undefined;
  const unit = match[2] ?? 'bars';
  if (unit === 'mo') return { months: count };
  if (unit === 'y') return { months: 12 * count };
  if (unit === 'bar' || unit === 'bars') {
    if (barIntervalNs === undefined || barIntervalNs <= 0n) throw new Error(`a span in bars (${JSON.stringify(text)}) needs bar data with one known interval`);
    return BigInt(count) * barIntervalNs;
  }
  return BigInt(count) * NS_PER[unit];
}

/** The span as a word for reports: `6mo`, `500bars`, or ns in the largest unit that divides it. */
export function describeSpan(span: Span): string {
  if (typeof span !== 'bigint') return 'bars' in span ? `${span.bars}bars` : `${span.months}mo`;
  // The largest unit that divides the span (1h, 90m, 1s), else ns.
  for (const [unit, ns] of [['d', 86_400_000_000_000n], ['h', 3_600_000_000_000n], ['m', 60_000_000_000n], ['s', 1_000_000_000n], ['ms', 1_000_000n]] as const) {
    if (span !== 0n && span % ns === 0n) return `${span / ns}${unit}`;
  }
  return `${span}ns`;
}
