// Reads ISO 8601 calendar times as written in market data files:
//   2024-04-16                       date only (midnight)
//   20020522                         compact date (LEAN factor files), 8 digits exactly
//   2024-04-16 00:00:00              naive date-time, `T` or space, seconds optional
//   2024-04-16T00:00:00.123456789Z   up to 9 fraction digits ('.' or ',')
//   2024-04-16 00:00:00+00:00        offset Z, +HH:MM, +HHMM or +HH
// Fields are range-checked (month 1-12, real day of month, hour 0-23, minute and second
// 0-59; no leap second, no 24:00). The result keeps the wall time and the offset apart;
// the caller decides what a missing offset means.

import { daysFromCivil, daysInMonth } from './civil-days.js';

/** A parsed calendar time: wall clock as seconds since 1970-01-01T00:00 of the same wall clock. */
export interface IsoTime {
  /** Wall-clock seconds counted as if the wall clock were UTC. */
  readonly wallSeconds: number;
  /** Sub-second part in ns, 0..999,999,999. */
  readonly fractionNs: number;
  /** Offset east of UTC in seconds, or null for a naive time (no offset written). */
  readonly offsetSeconds: number | null;
}

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:\s*(Z|z|[+-]\d{2}(?::?\d{2})?))?)?$/;
const COMPACT_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})$/;

/**
 * Parses an ISO date or date-time. Returns the parsed time, a string saying which field
 * is out of range, or `null` when `text` does not have an ISO shape at all.
 */
export function parseIsoTime(text: string): IsoTime | string | null {
  const match = ISO_PATTERN.exec(text) ?? COMPACT_DATE_PATTERN.exec(text);
  if (match === null) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = match[4] === undefined ? 0 : Number(match[4]);
  const minute = match[5] === undefined ? 0 : Number(match[5]);
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (month < 1 || month > 12) return `month must be 01-12, was ${match[2]}`;
  const monthDays = daysInMonth(year, month);
  if (day < 1 || day > monthDays) return `day must be 01-${monthDays} in ${match[1]}-${match[2]}, was ${match[3]}`;
  if (hour > 23) return `hour must be 00-23, was ${match[4]}`;
  if (minute > 59) return `minute must be 00-59, was ${match[5]}`;
  if (second > 59) return `second must be 00-59, was ${match[6]}`;
  const fraction = match[7];
  const fractionNs = fraction === undefined ? 0 : Number(fraction.padEnd(9, '0'));
  let offsetSeconds: number | null = null;
  const offset = match[8];
  if (offset !== undefined) {
    if (offset === 'Z' || offset === 'z') {
      offsetSeconds = 0;
    } else {
      const digits = offset.slice(1).replace(':', '');
      const offsetHours = Number(digits.slice(0, 2));
      const offsetMinutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
      if (offsetHours > 23) return `offset hours must be 00-23, was ${offset}`;
      if (offsetMinutes > 59) return `offset minutes must be 00-59, was ${offset}`;
      offsetSeconds = (offset[0] === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
    }
  }
  const wallSeconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
  return { wallSeconds, fractionNs, offsetSeconds };
}
