// Loads one CSV file of OHLCV bars into a columnar BarSeries, streaming it line by line.
// Owns the file-level flow: header, row checks in order, the bad-row policy and the report.
//
// Accepted input: comma-separated, UTF-8 with or without BOM, LF or CRLF line ends, RFC 4180
// quoted fields (closed on their line), blank lines ignored, extra columns ignored.
// Column names and time formats: see bar-columns.ts and time-column.ts.
// Per row, in order: field count, quoting, time cell, open..volume numbers, price > 0,
// volume >= 0, high/low consistency, time strictly after the previous kept row.

import { resolveBarColumns, type BarColumns } from './bar-columns.js';
import { BadRowTally, type BadRowReport } from './bad-row-report.js';
import { checkBarValues, checkTimeOrder, CLOSE, HIGH, LOW, OPEN, VOLUME, type PreviousTime } from './bar-row-checks.js';
import { BarSeriesBuilder, type BarSeries } from './bar-series.js';
import { CR_ONLY_LINES, CsvFileError, CsvRowError, type CsvRowIssue } from './csv-errors.js';
import { forEachLine } from './for-each-line.js';
import { splitCsvLine } from './split-csv-line.js';
import { TimeCellParser } from './time-column.js';
import { UnknownTimeZoneError } from './zone-clock.js';

export interface LoadBarsOptions {
  /** `reject` (default): throw CsvRowError at the first bad row. `skip`: drop bad rows and report them. */
  readonly onBadRow?: 'reject' | 'skip';
  /** IANA zone (e.g. America/New_York) for naive times; default UTC. Times with an offset or epoch times ignore it. */
  readonly timezone?: string;
}

export interface LoadedBars {
  readonly series: BarSeries;
  readonly report: BadRowReport;
}

const MAX_VALUE_IN_MESSAGE = 80;

/**
 * Reads the bars of `file`. Throws CsvFileError for a file it refuses as a whole (empty,
 * header only, missing column, bad option) and, under `reject`, CsvRowError for the first bad row.
 * Under `skip`, a file whose rows are all bad gives a series of length 0 and a report saying why.
 */
export async function loadBarsCsv(file: string, options: LoadBarsOptions = {}): Promise<LoadedBars> {
  const policy = options.onBadRow ?? 'reject';
  if (policy !== 'reject' && policy !== 'skip') {
    throw new CsvFileError(file, 'bad-option', `\`onBadRow\` must be 'reject' or 'skip', was '${String(policy)}'`);
  }
  let times: TimeCellParser;
  try {
    times = new TimeCellParser(options.timezone);
  } catch (error) {
    if (error instanceof UnknownTimeZoneError) throw new CsvFileError(file, 'bad-option', error.message);
    throw error;
  }

  let columns: BarColumns | null = null;
  const builder = new BarSeriesBuilder();
  const tally = new BadRowTally();
  const values = new Float64Array(5);
  const previous: PreviousTime = { ns: 0n, text: '', line: 0 };
  let hasPrevious = false;

  const readRow = (line: string, lineNumber: number, header: BarColumns): CsvRowIssue | bigint => {
    const split = splitCsvLine(line);
    if (!split.ok) {
      return { line: lineNumber, field: 'row', value: clip(line), rule: 'quote', detail: `row must use valid CSV quoting, ${split.reason}` };
    }
    const fields = split.fields;
    if (fields.length !== header.count) {
      return {
        line: lineNumber,
        field: 'row',
        value: String(fields.length),
        rule: 'column-count',
        detail: `row must have ${header.count} fields like the header, was ${fields.length}`,
      };
    }
    const timeField = header.names[header.time]!;
    const timeText = fields[header.time]!.trim();
    if (timeText === '') {
      return { line: lineNumber, field: timeField, value: '', rule: 'empty', detail: `\`${timeField}\` must not be empty, was ''` };
    }
    const ns = times.parse(timeText);
    if (typeof ns !== 'bigint') {
      return { line: lineNumber, field: timeField, value: timeText, rule: ns.rule, detail: `\`${timeField}\` ${ns.reason}, was '${clip(timeText)}'` };
    }
    const valueIssue = checkBarValues(fields, header, lineNumber, values);
    if (valueIssue !== null) return valueIssue;
    const orderIssue = checkTimeOrder(ns, timeText, timeField, lineNumber, hasPrevious ? previous : null, options.timezone);
    if (orderIssue !== null) return orderIssue;
    previous.ns = ns;
    previous.text = timeText;
    previous.line = lineNumber;
    hasPrevious = true;
    return ns;
  };

  // Blank lines after the header count once a data row follows them (not trailing ones).
  let pendingBlanks = 0;
  let pendingFirst = 0;
  await forEachLine(file, (raw, lineNumber) => {
    const line = lineNumber === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (line.trim() === '') {
      if (columns !== null && pendingBlanks++ === 0) pendingFirst = lineNumber;
      return true;
    }
    if (columns === null) {
      columns = readHeader(file, line, lineNumber);
      return true;
    }
    if (pendingBlanks > 0 && tally.rowsRead > 0) {
      if (tally.blankLines === 0) tally.firstBlankLine = pendingFirst;
      tally.blankLines += pendingBlanks;
    }
    pendingBlanks = 0;
    tally.rowsRead += 1;
    const result = readRow(line, lineNumber, columns);
    if (typeof result !== 'bigint') {
      if (policy === 'reject') throw new CsvRowError(file, result);
      tally.skip(result);
      return true;
    }
    builder.push(result, values[OPEN]!, values[HIGH]!, values[LOW]!, values[CLOSE]!, values[VOLUME]!);
    tally.rowsKept += 1;
    return true;
  });

  if (columns === null) {
    throw new CsvFileError(file, 'empty-file', 'file is empty: expected a header line and at least one bar row');
  }
  if (tally.rowsRead === 0) {
    throw new CsvFileError(file, 'no-rows', 'file has a header but no rows: expected at least one bar row');
  }
  return { series: builder.finish(file), report: tally.report(file, policy) };
}

function readHeader(file: string, line: string, lineNumber: number): BarColumns {
  if (line.includes('\r')) throw new CsvFileError(file, 'bad-header', CR_ONLY_LINES);
  const split = splitCsvLine(line);
  if (!split.ok) {
    throw new CsvFileError(file, 'bad-header', `header (line ${lineNumber}) must use valid CSV quoting, ${split.reason}`);
  }
  const columns = resolveBarColumns(split.fields);
  if (typeof columns === 'string') throw new CsvFileError(file, 'missing-column', columns);
  return columns;
}

function clip(text: string): string {
  return text.length <= MAX_VALUE_IN_MESSAGE ? text : `${text.slice(0, MAX_VALUE_IN_MESSAGE)}...`;
}
