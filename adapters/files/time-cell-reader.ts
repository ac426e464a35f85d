// Reads time cells from bytes into (seconds, nanoseconds) since the epoch, by the file's
// time format:
//   auto      ISO (time-column.ts grammar) or epoch digits, unit told by magnitude (epoch-time.ts);
//   iso       ISO only;
//   epoch-s, epoch-ms, epoch-us, epoch-ns
//             digits in that unit only (a fraction down to 1 ns allowed).
// Fast paths read `YYYY-MM-DD[T ]HH:MM:SS[.f{1,9}][Z|+HH:MM]` and plain epoch digits from the
// bytes; every other shape, and every refusal, goes through TimeCellParser, so a cell reads
// the same here as in loadBarsCsv. Naive times in a zone are placed once per wall minute
// (a DST change falls on a minute boundary), so Intl is not called per row.

import { daysFromCivil, daysInMonth } from './civil-days.js';
import type { CsvRowIssue } from './csv-errors.js';
import type { CsvTimeFormat } from './csv-stream-options.js';
import type { RowCells } from './csv-cells.js';
import { TimeCellParser } from './time-column.js';
import { ZoneClock } from './zone-clock.js';

const NS_PER_SECOND = 1_000_000_000n;
/** int64 ns limit as (seconds, ns). */
const MAX_SECONDS = 9_223_372_036;
const MAX_FRACTION_AT_MAX_SECONDS = 854_775_807;
const UNIT_SUB_DIGITS: Record<string, number> = { 'epoch-s': 0, 'epoch-ms': 3, 'epoch-us': 6, 'epoch-ns': 9 };
const UNIT_NAMES: Record<string, string> = { 'epoch-s': 'seconds', 'epoch-ms': 'milliseconds', 'epoch-us': 'microseconds', 'epoch-ns': 'nanoseconds' };
const FRACTION_SCALE = [1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2, 1e1, 1];

export class TimeCellReader {
  /** The last time read: whole seconds since the epoch and 0..999,999,999 ns. */
  sec = 0;
  frac = 0;
  private readonly parser: TimeCellParser;
  private readonly zone: ZoneClock | null;
  private readonly fixedSubDigits: number;
  private cachedMinute = Number.NaN;
  private cachedUtcMinute: number | null = null;

  /** Throws UnknownTimeZoneError for an unknown zone. */
  constructor(readonly format: CsvTimeFormat, timeZone: string | undefined) {
    this.parser = new TimeCellParser(timeZone);
    this.zone = timeZone === undefined ? null : new ZoneClock(timeZone);
    this.fixedSubDigits = UNIT_SUB_DIGITS[format] ?? -1;
  }

  /** Reads cell i of `cells` into sec/frac; false when it is refused (then `issue` says why). */
  read(cells: RowCells, i: number): boolean {
    const buf = cells.buf;
    const s = cells.starts[i]!;
    const e = cells.ends[i]!;
    if (e - s >= 19 && buf[s + 4] === 45 && this.fixedSubDigits < 0) {
      if (this.readIso(buf, s, e)) return true;
    } else if (e > s && buf[s]! >= 48 && buf[s]! <= 57 && this.format !== 'iso' && (e - s !== 8 || this.fixedSubDigits >= 0)) {
      // (auto: exactly 8 digits is a compact date, YYYYMMDD, for the shared parser)
      if (this.readEpoch(buf, s, e)) return true;
    }
    return this.readSlow(cells.text(i));
  }

  private readIso(buf: Uint8Array, s: number, e: number): boolean {
    const year = digits(buf, s, 4);
    const month = digits(buf, s + 5, 2);
    const day = digits(buf, s + 8, 2);
    const sep = buf[s + 10];
    const hour = digits(buf, s + 11, 2);
    const minute = digits(buf, s + 14, 2);
    const second = digits(buf, s + 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
    if (buf[s + 7] !== 45 || buf[s + 13] !== 58 || buf[s + 16] !== 58 || (sep !== 84 && sep !== 32 && sep !== 116)) return false;
    if (day > daysInMonth(year, month)) return false;
    let p = s + 19;
    let frac = 0;
    if (p < e && (buf[p] === 46 || buf[p] === 44)) {
      p++;
      const from = p;
      while (p < e && buf[p]! >= 48 && buf[p]! <= 57) {
        frac = frac * 10 + (buf[p]! - 48);
        p++;
      }
      const n = p - from;
      if (n === 0 || n > 9) return false;
      frac *= FRACTION_SCALE[n]!;
    }
    const wall = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    let utc: number;
    if (p === e) {
      if (this.zone === null) {
        utc = wall;
      } else {
        const minuteWall = wall - second;
        if (minuteWall !== this.cachedMinute) {
          this.cachedMinute = minuteWall;
          this.cachedUtcMinute = this.zone.toUtcSeconds(minuteWall);
        }
        if (this.cachedUtcMinute === null) return false;
        utc = this.cachedUtcMinute + second;
      }
    } else if (e - p === 1 && (buf[p] === 90 || buf[p] === 122)) {
      utc = wall;
    } else if (e - p === 6 && (buf[p] === 43 || buf[p] === 45) && buf[p + 3] === 58) {
      const oh = digits(buf, p + 1, 2);
      const om = digits(buf, p + 4, 2);
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
      const offset = (oh * 3600 + om * 60) * (buf[p] === 45 ? -1 : 1);
      utc = wall - offset;
    } else {
      return false;
    }
    if (utc < 0 || utc >= MAX_SECONDS) return false;
    this.sec = utc;
    this.frac = frac;
    return true;
  }

  private readEpoch(buf: Uint8Array, s: number, e: number): boolean {
    let p = s;
    while (p < e - 1 && buf[p] === 48 && buf[p + 1] !== 46) p++;
    const intStart = p;
    while (p < e && buf[p]! >= 48 && buf[p]! <= 57) p++;
    const intEnd = p;
    let fracStart = e;
    if (p < e) {
      if (buf[p] !== 46) return false;
      fracStart = p + 1;
      for (let q = fracStart; q < e; q++) if (buf[q]! < 48 || buf[q]! > 57) return false;
      if (fracStart === e) return false;
    }
    const significant = intEnd - intStart;
    let sub = this.fixedSubDigits;
    if (sub < 0) sub = significant <= 11 ? 0 : significant <= 14 ? 3 : significant <= 17 ? 6 : significant <= 20 ? 9 : -1;
    if (sub < 0 || significant - sub > 10) return false;
    const fracDigits = fracStart === e ? 0 : e - fracStart;
    if (fracDigits > 9 - sub) return false;
    const secEnd = Math.max(intStart, intEnd - sub);
    let sec = 0;
    for (let q = intStart; q < secEnd; q++) sec = sec * 10 + (buf[q]! - 48);
    let subValue = 0;
    for (let q = secEnd; q < intEnd; q++) subValue = subValue * 10 + (buf[q]! - 48);
    let frac = subValue * FRACTION_SCALE[sub]!;
    if (fracDigits > 0) {
      let f = 0;
      for (let q = fracStart; q < e; q++) f = f * 10 + (buf[q]! - 48);
      frac += f * FRACTION_SCALE[sub + fracDigits]!;
    }
    if (sec > MAX_SECONDS || (sec === MAX_SECONDS && frac > MAX_FRACTION_AT_MAX_SECONDS)) return false;
    this.sec = sec;
    this.frac = frac;
    return true;
  }

  private readSlow(text: string): boolean {
    const ns = this.slowNs(text);
    if (typeof ns !== 'bigint') return false;
    let sec = ns / NS_PER_SECOND;
    let frac = ns - sec * NS_PER_SECOND;
    if (frac < 0n) {
      frac += NS_PER_SECOND;
      sec -= 1n;
    }
    this.sec = Number(sec);
    this.frac = Number(frac);
    return true;
  }

  private slowNs(text: string): bigint | { rule: 'time-invalid' | 'time-nonexistent'; reason: string } {
    const isEpochShape = /^\d+(?:\.\d+)?$/.test(text);
    if (this.format === 'iso' && isEpochShape) {
      return { rule: 'time-invalid', reason: 'must be an ISO date or date-time (time format iso), not epoch digits' };
    }
    if (this.fixedSubDigits >= 0) {
      const unit = UNIT_NAMES[this.format]!;
      if (!isEpochShape) return { rule: 'time-invalid', reason: `must be epoch ${unit} digits (time format ${this.format})` };
      return { rule: 'time-invalid', reason: `must be epoch ${unit} within 1970 and 2262-04-11 with at most ${9 - this.fixedSubDigits} fraction digits` };
    }
    return this.parser.parse(text);
  }

  /** Why `text` (the cell, trimmed) is refused, as a row issue on `field`. */
  issue(text: string, field: string, line: number): CsvRowIssue {
    if (text === '') return { line, field, value: '', rule: 'empty', detail: `\`${field}\` must not be empty, was ''` };
    const result = this.slowNs(text);
    if (typeof result === 'bigint') {
      // Readable by the shared parser but out of the stream's range (before 1970 on the fast path is fine there).
      return { line, field, value: text, rule: 'time-invalid', detail: `\`${field}\` must lie within 1970 and 2262-04-11, was '${text}'` };
    }
    return { line, field, value: text, rule: result.rule, detail: `\`${field}\` ${result.reason}, was '${clip(text)}'` };
  }
}

function digits(buf: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function clip(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 80)}...`;
}
