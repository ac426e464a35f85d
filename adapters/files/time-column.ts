// Finds the time column of a bar file and turns its cells into integer ns since the epoch.
//
// Column names (case-insensitive, surrounding spaces ignored), in order of precedence when
// a header holds several: timestamp, datetime, open_time, time, ts, date. The full
// date-time names come first; `date` comes last because it often sits beside a `time`.
//
// Accepted cells (see iso-time.ts and epoch-time.ts for the exact grammar):
// - ISO date-time with an offset (Z, +05:30, -04:00): exact instant; `timezone` is ignored;
// - naive ISO date-time or date-only: wall time in `timezone` (UTC when none is given);
// - compact date YYYYMMDD (8 digits exactly): like a date-only value;
// - epoch digits, unit from magnitude: seconds, ms, µs or ns.

import { INT64_MAX, parseEpochNs } from './epoch-time.js';
import { parseIsoTime } from './iso-time.js';
import { ZoneClock } from './zone-clock.js';

/** Time column names, highest precedence first. */
export const TIME_COLUMN_NAMES: readonly string[] = ['timestamp', 'datetime', 'open_time', 'time', 'ts', 'date'];

/** Index of the time column in `headers` (already trimmed), or -1 when none is named like one. */
export function findTimeColumn(headers: readonly string[]): number {
  const lower = headers.map((h) => h.toLowerCase());
  for (const name of TIME_COLUMN_NAMES) {
    const index = lower.indexOf(name);
    if (index >= 0) return index;
  }
  return -1;
}

/** Why a time cell was refused. */
export interface TimeCellError {
  readonly rule: 'time-invalid' | 'time-nonexistent';
  /** The rule as a predicate: "must be ...", to follow the field name in a message. */
  readonly reason: string;
}

const INT64_MIN = -INT64_MAX - 1n;
const NS_PER_SECOND = 1_000_000_000n;

/** Parses time cells of one file; holds the zone used for naive times. */
export class TimeCellParser {
  private readonly zone: ZoneClock | null;

  /** `timeZone`: IANA name for naive times; undefined means UTC. Throws UnknownTimeZoneError. */
  constructor(timeZone?: string) {
    this.zone = timeZone === undefined ? null : new ZoneClock(timeZone);
  }

  /** ns since the epoch for `text` (already trimmed), or why it is refused. */
  parse(text: string): bigint | TimeCellError {
    const iso = parseIsoTime(text);
    if (typeof iso === 'string') return { rule: 'time-invalid', reason: `must be a valid calendar time (${iso})` };
    if (iso !== null) {
      let utcSeconds: number;
      if (iso.offsetSeconds !== null) {
        utcSeconds = iso.wallSeconds - iso.offsetSeconds;
      } else if (this.zone === null) {
        utcSeconds = iso.wallSeconds;
      } else {
        const zoned = this.zone.toUtcSeconds(iso.wallSeconds);
        if (zoned === null) {
          return {
            rule: 'time-nonexistent',
            reason: `must be a wall time that exists in ${this.zone.timeZone} (the clocks skip it at a DST change)`,
          };
        }
        utcSeconds = zoned;
      }
      const ns = BigInt(utcSeconds) * NS_PER_SECOND + BigInt(iso.fractionNs);
      if (ns > INT64_MAX || ns < INT64_MIN) {
        return { rule: 'time-invalid', reason: 'must lie within 1677-09-21 and 2262-04-11 (int64 nanoseconds)' };
      }
      return ns;
    }
    const epoch = parseEpochNs(text);
    if (typeof epoch === 'string') return { rule: 'time-invalid', reason: `must be a valid epoch time (${epoch})` };
    if (epoch !== null) return epoch;
    return {
      rule: 'time-invalid',
      reason: 'must be an ISO date or date-time (2024-04-16, 2024-04-16 00:00:00+00:00) or epoch digits',
    };
  }
}
