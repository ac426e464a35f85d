// Maps a bar file's header to the columns the loader needs: one time column and the
// OHLCV columns (case-insensitive, spaces around names ignored). Other columns are ignored.

import { findTimeColumn, TIME_COLUMN_NAMES } from './time-column.js';

/** The value columns every bar file must have, in the order they are checked. */
export const VALUE_COLUMN_NAMES = ['open', 'high', 'low', 'close', 'volume'] as const;
export type ValueColumnName = (typeof VALUE_COLUMN_NAMES)[number];

/** Where each needed column sits in a row, plus the names as written in the header. */
export interface BarColumns {
  readonly count: number;
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  /** open, high, low, close, volume indices in that order. */
  readonly values: readonly number[];
  /** Header names as written, for messages. */
  readonly names: readonly string[];
}

/** The columns found, or a sentence naming what is missing or repeated. */
export function resolveBarColumns(header: readonly string[]): BarColumns | string {
  const names = header.map((h) => h.trim());
  const lower = names.map((h) => h.toLowerCase());
  const found = `found headers ${names.map((n) => `'${n}'`).join(', ')}`;
  const missing: string[] = [];
  const time = findTimeColumn(names);
  if (time < 0) missing.push(`a time column (one of ${TIME_COLUMN_NAMES.join(', ')})`);
  const index: Partial<Record<ValueColumnName, number>> = {};
  for (const name of VALUE_COLUMN_NAMES) {
    const first = lower.indexOf(name);
    if (first < 0) {
      missing.push(name);
    } else if (lower.indexOf(name, first + 1) >= 0) {
      return `column '${name}' appears more than once in the header (${found})`;
    }
    index[name] = first;
  }
  if (time >= 0 && lower.indexOf(lower[time]!, time + 1) >= 0) {
    return `column '${names[time]}' appears more than once in the header (${found})`;
  }
  if (missing.length > 0) {
    return `missing required column${missing.length > 1 ? 's' : ''} [${missing.join(', ')}]: a bar file needs a time column and open, high, low, close, volume; ${found}`;
  }
  return {
    count: names.length,
    time,
    open: index.open!,
    high: index.high!,
    low: index.low!,
    close: index.close!,
    volume: index.volume!,
    values: VALUE_COLUMN_NAMES.map((name) => index[name]!),
    names,
  };
}
