// Time spans of a walk-forward (train, test, step, purge, embargo): a fixed number of
// nanoseconds, or calendar months in UTC (`6mo` is six calendar months, whatever their days).
// Parsed from the CLI's words: `6mo`, `1y` (12 months), `2w`, `30d`, `12h`, `15m`, `30s`, and
// bar counts (`500bars` or a bare `500`), turned into ns with the data's bar interval.

/** A span: ns, or calendar months (UTC). */
export type Span = bigint | { readonly months: number };

const NS_PER: Record<string, bigint> = {
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};

/** `t + span`: ns added, or months added on the UTC calendar (the day clamped to the month's last day, the time of day kept). */
export function addSpan(timeNs: bigint, span: Span): bigint {
  if (typeof span === 'bigint') return timeNs + span;
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
  return typeof span === 'bigint' ? span === 0n : span.months === 0;
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

/** The span as a word for reports: `6mo` or ns. */
export function describeSpan(span: Span): string {
  if (typeof span !== 'bigint') return `${span.months}mo`;
  // The largest unit that divides the span (1h, 90m, 1s), else ns.
  for (const [unit, ns] of [['d', 86_400_000_000_000n], ['h', 3_600_000_000_000n], ['m', 60_000_000_000n], ['s', 1_000_000_000n], ['ms', 1_000_000n]] as const) {
    if (span !== 0n && span % ns === 0n) return `${span / ns}${unit}`;
  }
  return `${span}ns`;
}
