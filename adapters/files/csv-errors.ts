// Errors raised by the CSV bar loader: one row-level error (a bad row under the `reject`
// policy) and one file-level error (missing columns, empty file, unreadable header).
// Both carry their facts as properties so callers never have to parse the message.

import { statSync } from 'node:fs';

/**
 * The rule a bad row broke. Every rule has one id; the report counts rows per id.
 *
 * | id                     | rule                                                           |
 * |------------------------|----------------------------------------------------------------|
 * | column-count           | a row has as many fields as the header                         |
 * | quote                  | a quoted field is closed on its line and followed by a comma   |
 * | empty                  | a required field is not empty                                  |
 * | nan                    | a number is not NaN                                            |
 * | non-numeric            | a number is a finite decimal (`12`, `-0.5`, `1e3`)             |
 * | time-invalid           | a time is an ISO date/date-time or epoch digits, in range      |
 * | time-nonexistent       | a naive time exists in the given timezone (not in a DST gap)   |
 * | price-positive         | open, high, low, close are > 0                                 |
 * | volume-non-negative    | volume is >= 0                                                 |
 * | high-below-low         | high >= low                                                    |
 * | high-below-open-close  | high >= open and high >= close                                 |
 * | low-above-open-close   | low <= open and low <= close                                   |
 * | time-duplicate         | a time differs from the previous kept row's time               |
 * | time-order             | a time is later than the previous kept row's time              |
 */
export type BarRule =
  | 'column-count'
  | 'quote'
  | 'empty'
  | 'nan'
  | 'non-numeric'
  | 'time-invalid'
  | 'time-nonexistent'
  | 'price-positive'
  | 'volume-non-negative'
  | 'high-below-low'
  | 'high-below-open-close'
  | 'low-above-open-close'
  | 'time-duplicate'
  | 'time-order';

/** Rules of tick files beyond the bar rules (trades and quotes; adapters/files/stream-row-context.ts). */
export type TickRule = 'size-non-negative' | 'size-positive' | 'bid-above-ask' | 'side-invalid' | 'id-invalid' | 'duplicate' | 'one-sided-empty';

/** Any rule a CSV row can break. */
export type CsvRule = BarRule | TickRule;

export const BAR_RULES: readonly BarRule[] = [
  'column-count',
  'quote',
  'empty',
  'nan',
  'non-numeric',
  'time-invalid',
  'time-nonexistent',
  'price-positive',
  'volume-non-negative',
  'high-below-low',
  'high-below-open-close',
  'low-above-open-close',
  'time-duplicate',
  'time-order',
];

/** One bad row: where it is, which field, the text received and the rule it broke. */
export interface CsvRowIssue {
  /** 1-based physical line of the file (the header is line 1). */
  readonly line: number;
  /** Column name as written in the header, or `columns` for a wrong field count. */
  readonly field: string;
  /** The text received (for a wrong field count: the number of fields received). */
  readonly value: string;
  readonly rule: CsvRule;
  /** Human sentence: "`high` must be >= `low`, was 99.5 < 100.1". */
  readonly detail: string;
}

/** A bad row under the `reject` policy: message like ``data.csv:1843: `high` must be >= `low`, was 99.5 < 100.1``. */
/** Why a file whose header line holds a CR is refused: its lines end with CR alone. */
export const CR_ONLY_LINES = 'lines must end with LF or CRLF, and this header holds a CR: the file ends its lines with CR alone (classic Mac); convert it (e.g. `tr \'\\r\' \'\\n\'`)';

export class CsvRowError extends Error {
  readonly line: number;
  readonly field: string;
  readonly value: string;
  readonly rule: CsvRule;

  constructor(readonly file: string, issue: CsvRowIssue) {
    super(`${file}:${issue.line}: ${issue.detail}`);
    this.name = 'CsvRowError';
    this.line = issue.line;
    this.field = issue.field;
    this.value = issue.value;
    this.rule = issue.rule;
  }
}

/** Why a whole file was refused. */
export type CsvFileProblem = 'empty-file' | 'no-rows' | 'missing-column' | 'bad-header' | 'bad-option' | 'line-too-long' | 'not-a-file';

/**
 * Throws CsvFileError 'not-a-file' when `file` is a directory (reading one fails with EISDIR,
 * naming no path) or not a regular file: a FIFO, socket or device is read more than once and at
 * offsets (the gzip magic, the header, the rows), which failed with 'ESPIPE: invalid seek, read'
 * naming neither the file nor why, or blocked forever opening a FIFO no one writes to.
 */
export function checkRegularFile(file: string): void {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return; // missing or unreadable: the read that follows names the path (ENOENT, EACCES)
  }
  if (stat.isDirectory()) throw new CsvFileError(file, 'not-a-file', 'is a directory; give a data file');
  if (!stat.isFile()) throw new CsvFileError(file, 'not-a-file', `is not a regular file (${stat.isFIFO() ? 'a named pipe' : stat.isSocket() ? 'a socket' : 'a device'}): the reader reads a data file more than once; save the data to a file first`);
}

/** A file the loader refuses as a whole (missing column, empty file, bad header, bad option). */
export class CsvFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: CsvFileProblem,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'CsvFileError';
  }
}
