// Checks one bar row's values: each of open, high, low, close, volume is a finite decimal,
// prices are > 0, volume is >= 0, and the bar is consistent:
//   high >= low,  high >= open and high >= close,  low <= open and low <= close.
// Checks run in that order and the first broken rule is reported. Time order is checked
// by `checkTimeOrder` against the previous kept row.

import type { BarColumns } from './bar-columns.js';
import type { CsvRowIssue } from './csv-errors.js';

/** Slots of the scratch array `checkBarValues` fills. */
export const OPEN = 0;
export const HIGH = 1;
export const LOW = 2;
export const CLOSE = 3;
export const VOLUME = 4;

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NAN = /^[+-]?nan$/i;

/** Parses one numeric cell (already trimmed) into `out[slot]`; returns an issue when it is not a finite decimal. */
function readNumber(text: string, field: string, line: number, out: Float64Array, slot: number): CsvRowIssue | null {
  if (text === '') {
    return { line, field, value: text, rule: 'empty', detail: `\`${field}\` must not be empty, was ''` };
  }
  if (NAN.test(text)) {
    return { line, field, value: text, rule: 'nan', detail: `\`${field}\` must be a number, was ${text}` };
  }
  const value = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) {
    return {
      line,
      field,
      value: text,
      rule: 'non-numeric',
      detail: `\`${field}\` must be a finite decimal number, was '${text}'`,
    };
  }
  out[slot] = value;
  return null;
}

/**
 * Reads open, high, low, close, volume of `fields` into `out` (slots OPEN..VOLUME) and checks
 * them. Returns the first broken rule, or null when the row is a valid bar.
 */
export function checkBarValues(
  fields: readonly string[],
  columns: BarColumns,
  line: number,
  out: Float64Array,
): CsvRowIssue | null {
  const names = columns.names;
  const cells = columns.values;
  for (let slot = OPEN; slot <= VOLUME; slot++) {
    const column = cells[slot]!;
    const issue = readNumber(fields[column]!.trim(), names[column]!, line, out, slot);
    if (issue !== null) return issue;
  }
  for (let slot = OPEN; slot <= CLOSE; slot++) {
    if (!(out[slot]! > 0)) {
      const column = cells[slot]!;
      const field = names[column]!;
      const value = fields[column]!.trim();
      return { line, field, value, rule: 'price-positive', detail: `\`${field}\` must be > 0, was ${value}` };
    }
  }
  if (out[VOLUME]! < 0) {
    const field = names[columns.volume]!;
    const value = fields[columns.volume]!.trim();
    return { line, field, value, rule: 'volume-non-negative', detail: `\`${field}\` must be >= 0, was ${value}` };
  }
  const text = (slot: number): string => fields[cells[slot]!]!.trim();
  const name = (slot: number): string => names[cells[slot]!]!;
  if (out[HIGH]! < out[LOW]!) {
    return {
      line,
      field: name(HIGH),
      value: text(HIGH),
      rule: 'high-below-low',
      detail: `\`${name(HIGH)}\` must be >= \`${name(LOW)}\`, was ${text(HIGH)} < ${text(LOW)}`,
    };
  }
  for (const slot of [OPEN, CLOSE]) {
    if (out[HIGH]! < out[slot]!) {
      return {
        line,
        field: name(HIGH),
        value: text(HIGH),
        rule: 'high-below-open-close',
        detail: `\`${name(HIGH)}\` must be >= \`${name(slot)}\`, was ${text(HIGH)} < ${text(slot)}`,
      };
    }
  }
  for (const slot of [OPEN, CLOSE]) {
    if (out[LOW]! > out[slot]!) {
      return {
        line,
        field: name(LOW),
        value: text(LOW),
        rule: 'low-above-open-close',
        detail: `\`${name(LOW)}\` must be <= \`${name(slot)}\`, was ${text(LOW)} > ${text(slot)}`,
      };
    }
  }
  return null;
}

/** The previous kept row's time and where it came from (one object, updated in place per row). */
export interface PreviousTime {
  ns: bigint;
  text: string;
  line: number;
}

/** Times must strictly increase: returns an issue when `ns` equals or precedes the previous kept row's time. */
export function checkTimeOrder(
  ns: bigint,
  text: string,
  field: string,
  line: number,
  previous: PreviousTime | null,
  timezone?: string,
): CsvRowIssue | null {
  if (previous === null || ns > previous.ns) return null;
  if (ns === previous.ns) {
    return {
      line,
      field,
      value: text,
      rule: 'time-duplicate',
      detail: `\`${field}\` must differ from the previous row's time (line ${previous.line}, ${previous.text}), was ${text}: duplicate time${naiveTimeHint(text, timezone)}`,
    };
  }
  return {
    line,
    field,
    value: text,
    rule: 'time-order',
    detail: `\`${field}\` must be later than the previous row's time (line ${previous.line}, ${previous.text}), was ${text}`,
  };
}

/** For a duplicate naive time read in a zone: the hour that repeats when daylight saving ends. */
export function naiveTimeHint(text: string, timezone: string | undefined): string {
  if (timezone === undefined || /([zZ]|[+-][0-9]{2}:?[0-9]{2})$/.test(text.trim())) return '';
  return ` (read in ${timezone}: a naive time repeats in the hour daylight saving ends; give times with an offset or in UTC)`;
}
