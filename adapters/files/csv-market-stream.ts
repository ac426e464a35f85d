// CSV files as market streams (engine/replay/market-stream.ts): bars, trade prints or L1
// quotes, written as 64-byte event records into one reused block buffer while the file
// streams (plain or gzip) in 1 MiB chunks, so memory does not grow with the file.
//
// openCsvStream reads the sidecar FILE.meta.json (file-metadata.ts), the header and the first
// data row, and settles the mapping up front (stream-header.ts): a missing column, a kind it
// cannot tell, a bar file that does not state what its time stamps, a bad option are
// CsvFileErrors before any record is made. blocks() then parses the rows from bytes
// (csv-cells.ts, time-cell-reader.ts) by kind (bar-stream.ts, trade-stream.ts, quote-stream.ts).
//
// Per row, whatever the kind: blank lines are ignored; the field count must match the header;
// a LEAN `suspicious` cell other than 0 skips the row (reported as `suspicious (LEAN flag)`,
// `skipped`, under either policy: LEAN marks prints it considers bad); then the kind's checks.
// A bad row under `reject` throws CsvRowError (file:line, field, value, rule); under `skip` it
// is counted in issues() by rule with examples (action `skipped`). Ticks also report
// duplicates and gaps (tick-stream-guards.ts); bars need strictly increasing stamps.
//
// Bars take a first pass in openCsvStream, with the same checks and policy, for the interval
// (the smallest gap between kept bars, unless barInterval is stated) and expectedRows (bars
// kept); a bad bar row under `reject` is therefore thrown by openCsvStream. Ticks take no first
// pass: expectedRows is undefined.

import { basename } from 'node:path';
import type { MarketRecordKind, MarketStream, RecordBlock, StreamIssue } from '../../engine/replay/market-stream.js';
import { EventKind } from '../../engine/layout/event-record.js';
import { BarGaps, barIntervalProblem, inferredBarIntervalProblem } from './bar-interval-check.js';
import { BarRowReader } from './bar-stream.js';
import { RowCells } from './csv-cells.js';
import { CR_ONLY_LINES, CsvFileError, CsvRowError, type CsvRowIssue } from './csv-errors.js';
import {
  checkCsvStreamOptions,
  DEFAULT_BLOCK_RECORDS,
  DEFAULT_GAP_SECONDS,
  mergeCsvStreamOptions,
  parseBarInterval,
  type CsvStreamOptions,
} from './csv-stream-options.js';
import { readFileMetadata } from './file-metadata.js';
import { ByteLines, isBlank, readFileChunks } from './line-reader.js';
import { REPORT_EXAMPLE_LIMIT } from './bad-row-report.js';
import { OneSidedBook, readQuoteRow } from './quote-stream.js';
import { RecordBlockWriter } from './record-block-writer.js';
import { splitCsvLine } from './split-csv-line.js';
import { resolveStreamLayout, type StreamLayout } from './stream-header.js';
import { rowIssue, StreamRowContext } from './stream-row-context.js';
import { TimeCellReader } from './time-cell-reader.js';
import { readTradeRow } from './trade-stream.js';
import { UnknownTimeZoneError } from './zone-clock.js';

const INBOUND_REPLAY = EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
const KIND_WORDS: Record<MarketRecordKind, number> = {
  bars: EventKind.BAR | INBOUND_REPLAY,
  trades: EventKind.TRADE | INBOUND_REPLAY,
  quotes: EventKind.QUOTE | INBOUND_REPLAY,
};
const SUSPICIOUS_RULE = 'suspicious (LEAN flag)';
/** A blank line between data rows (no data in it; counted so that nothing is dropped unsaid). */
const BLANK_LINE_RULE = 'blank';

/** The bar-stamp rule's message (also the reason a bar file without barStamp is refused). */
export const BAR_STAMP_REQUIRED =
  "state whether the time stamps the bar's open or close: --bar-stamp open|close, or barStamp in FILE.meta.json";

/** A CSV file as a MarketStream, with what it read so far. */
export class CsvMarketStream implements MarketStream {
  readonly label: string;
  readonly symbol: string;
  readonly kind: MarketRecordKind;
  readonly barIntervalNs?: bigint;
  readonly expectedRows?: number;
  /** Where the mapping came from: the sidecar (or null) and how the time column was chosen. */
  readonly sidecar: string | null;
  readonly timeChoice: string;
  private ctx: StreamRowContext | null = null;

  constructor(
    readonly file: string,
    readonly layout: StreamLayout,
    private readonly options: CsvStreamOptions,
    sidecar: string | null,
    barIntervalNs: bigint | undefined,
    expectedRows: number | undefined,
  ) {
    this.label = file;
    this.symbol = layout.symbol;
    this.kind = layout.kind;
    this.sidecar = sidecar;
    this.timeChoice = layout.timeChoice;
    if (barIntervalNs !== undefined) this.barIntervalNs = barIntervalNs;
    if (expectedRows !== undefined) this.expectedRows = expectedRows;
  }

  /** Data rows read by the last (or current) blocks() pass, bad, duplicate and suspicious rows included. */
  get rowsRead(): number {
    return this.ctx?.rowsRead ?? 0;
  }

  issues(): readonly StreamIssue[] {
    return this.ctx?.tally.list() ?? [];
  }

  async *blocks(instrument: number): AsyncGenerator<RecordBlock> {
    const { file, layout, options } = this;
    const policy = options.onBadRow ?? 'reject';
    const cells = new RowCells(layout.columnCount);
    const times = new TimeCellReader(options.timeFormat ?? 'auto', layout.timezone);
    const writer = new RecordBlockWriter(options.blockRecords ?? DEFAULT_BLOCK_RECORDS);
    // A repeated trade id is a duplicate: dropped by default. Without ids, identical rows at one
    // time are often separate prints (ms-stamped equity ticks): kept by default, and reported.
    const duplicates = options.onDuplicate ?? (layout.tradeId >= 0 ? 'drop' : 'keep');
    const ctx = new StreamRowContext(file, layout, cells, times, writer, KIND_WORDS[layout.kind], duplicates, options.gapSeconds ?? DEFAULT_GAP_SECONDS);
    this.ctx = ctx;
    ctx.reset(instrument);
    let readRow: (c: StreamRowContext) => CsvRowIssue | null;
    let book: OneSidedBook | null = null;
    if (layout.kind === 'bars') {
      const interval = this.barIntervalNs!;
      const bars = new BarRowReader(ctx, Number(interval / 1_000_000_000n), Number(interval % 1_000_000_000n), options.barStamp === 'close');
      readRow = (c) => bars.readRow(c);
    } else if (layout.kind === 'trades') {
      readRow = readTradeRow;
    } else if (layout.oneSidedQuotes) {
      const oneSided = new OneSidedBook();
      book = oneSided;
      readRow = (c) => oneSided.readRow(c);
    } else {
      readRow = readQuoteRow;
    }
    const suspicious = layout.suspicious;
    const columnCount = layout.columnCount;
    const lines = new ByteLines(file);
    let headerSeen = false;
    // Blank lines between data rows are skipped and reported (BLANK_LINE_RULE) once a row follows
    // them; blank lines before the header or after the last row are not.
    let blankLines = 0;
    const blankLineNumbers: number[] = [];

    const handleLine = (): void => {
      const buf = lines.buf;
      const start = lines.start;
      const end = lines.end;
      if (start === end || ((buf[start] === 32 || buf[start] === 9) && isBlank(buf, start, end))) {
        if (headerSeen && blankLines++ < REPORT_EXAMPLE_LIMIT) blankLineNumbers.push(lines.lineNumber);
        return;
      }
      if (!headerSeen) {
        headerSeen = true;
        return;
      }
      if (blankLines > 0) {
        if (ctx.rowsRead > 0) for (let i = 0; i < blankLines; i++) ctx.tally.add(BLANK_LINE_RULE, 'skipped', () => `${file}:${blankLineNumbers[i] ?? blankLineNumbers[0]}`);
        blankLines = 0;
        blankLineNumbers.length = 0;
      }
      ctx.rowsRead += 1;
      ctx.line = lines.lineNumber;
      ctx.lineBuf = buf;
      ctx.lineStart = start;
      ctx.lineEnd = end;
      let issue: CsvRowIssue | null;
      if (!cells.split(buf, start, end, !lines.lineQuoteFree())) {
        issue = rowIssue(ctx.line, 'row', ctx.lineText(), 'quote', `row must use valid CSV quoting, ${cells.splitProblem}`);
      } else if (cells.count !== columnCount) {
        issue = rowIssue(ctx.line, 'row', String(cells.count), 'column-count', `row must have ${columnCount} fields like the header, was ${cells.count}`);
      } else if (suspicious >= 0 && !isZeroCell(cells, suspicious)) {
        ctx.tally.add(SUSPICIOUS_RULE, 'skipped', () => `${file}:${ctx.line} ${ctx.lineText()}`);
        return;
      } else {
        issue = readRow(ctx);
      }
      if (issue !== null) {
        if (policy === 'reject' || issue.rule === ('duplicate' as string)) throw new CsvRowError(file, issue);
        ctx.tally.add(issue.rule, 'skipped', () => `${file}:${issue.line} ${issue.detail}`);
      }
    };

    const capacity = writer.capacity;
    for await (const chunk of readFileChunks(file)) {
      lines.feed(chunk);
      while (lines.next()) {
        handleLine();
        if (writer.count === capacity) {
          yield writer.block();
          writer.count = 0;
        }
      }
    }
    if (lines.finish()) handleLine();
    if (writer.count === capacity) {
      yield writer.block();
      writer.count = 0;
    }
    if (book !== null) book.emit(ctx);
    if (writer.count > 0) {
      yield writer.block();
      writer.count = 0;
    }
  }
}

function isZeroCell(cells: RowCells, col: number): boolean {
  const s = cells.starts[col]!;
  const e = cells.ends[col]!;
  return e === s || (e - s === 1 && cells.buf[s] === 48);
}

/**
 * Opens `file` (CSV, plain or gzip) as a market stream. Explicit `options` override the
 * sidecar FILE.meta.json; the header and the first row settle the rest. Throws CsvFileError
 * for a file or mapping it refuses as a whole.
 */
export async function openCsvStream(file: string, options: CsvStreamOptions = {}): Promise<CsvMarketStream> {
  const problem = checkCsvStreamOptions(options as Record<string, unknown>, 'options');
  if (problem !== null) throw new CsvFileError(file, 'bad-option', problem);
  const sidecar = readFileMetadata(file);
  const merged = mergeCsvStreamOptions(sidecar.options, options);
  const head = await readHead(file);
  const layout = resolveStreamLayout(file, head.header, head.firstRow, merged);
  if (layout.kind === 'quotes' && layout.oneSidedQuotes && (layout.bidSize < 0 || layout.askSize < 0)) {
    throw new CsvFileError(file, 'missing-column', 'one-sided quote files need bid and ask size columns');
  }
  try {
    new TimeCellReader(merged.timeFormat ?? 'auto', layout.timezone);
  } catch (error) {
    if (error instanceof UnknownTimeZoneError) throw new CsvFileError(file, 'bad-option', error.message);
    throw error;
  }
  let intervalNs: bigint | undefined;
  let expectedRows: number | undefined;
  if (layout.kind === 'bars') {
    if (merged.barStamp === undefined) {
      throw new CsvFileError(file, 'bad-option', `${BAR_STAMP_REQUIRED} (here ${basename(file)}.meta.json); a bar's time is never guessed`);
    }
    const scan = await scanBars(file, layout, merged);
    expectedRows = scan.rows;
    intervalNs = merged.barInterval !== undefined ? parseBarInterval(merged.barInterval)! : scan.smallestGapNs;
    const problem = merged.barInterval !== undefined ? barIntervalProblem(intervalNs!, scan.smallestGapNs) : inferredBarIntervalProblem(scan.gaps);
    if (problem !== null) throw new CsvFileError(file, 'bad-option', problem);
    if (intervalNs === undefined) {
      throw new CsvFileError(file, 'bad-option', 'cannot tell the bar interval from fewer than two bars: state --bar-interval (1m, 1h, 1d ...), or barInterval in FILE.meta.json');
    }
  }
  return new CsvMarketStream(file, layout, merged, sidecar.path, intervalNs, expectedRows);
}

/** The header cells and the first data row's cells (both trimmed). */
async function readHead(file: string): Promise<{ header: string[]; firstRow: string[] }> {
  const lines = new ByteLines(file);
  const found: string[] = [];
  const take = (): boolean => {
    if (isBlank(lines.buf, lines.start, lines.end)) return false;
    found.push(lines.buf.subarray(lines.start, lines.end).toString('utf8'));
    return found.length === 2;
  };
  let done = false;
  for await (const chunk of readFileChunks(file)) {
    lines.feed(chunk);
    while (!done && lines.next()) done = take();
    if (done) break;
  }
  if (!done && lines.finish()) take();
  if (found.length === 0) throw new CsvFileError(file, 'empty-file', 'file is empty: expected a header line and at least one row');
  if (found[0]!.includes('\r')) throw new CsvFileError(file, 'bad-header', CR_ONLY_LINES);
  if (found.length === 1) throw new CsvFileError(file, 'no-rows', 'file has a header but no rows: expected at least one row');
  const header = splitCsvLine(found[0]!);
  if (!header.ok) throw new CsvFileError(file, 'bad-header', `header must use valid CSV quoting, ${header.reason}`);
  const first = splitCsvLine(found[1]!);
  return { header: header.fields.map((f) => f.trim()), firstRow: first.ok ? first.fields.map((f) => f.trim()) : [] };
}

/**
 * Bars: the rows kept, the gaps between consecutive kept bars and the smallest (undefined
 * with fewer than two), from a first pass with the same checks and policy as blocks() (so a
 * bad row skipped under `skip` cannot shorten the interval; under `reject` it throws here).
 * The pass runs with interval 0, where every record's ts_exchange is its stamp.
 */
async function scanBars(file: string, layout: StreamLayout, options: CsvStreamOptions): Promise<{ rows: number; smallestGapNs: bigint | undefined; gaps: BarGaps }> {
  const probe = new CsvMarketStream(file, layout, options, null, 0n, undefined);
  let rows = 0;
  let previous: bigint | null = null;
  const gaps = new BarGaps();
  for await (const block of probe.blocks(0)) {
    const stamps = new BigInt64Array(block.bytes.buffer, block.bytes.byteOffset, block.count * 8);
    for (let i = 0; i < block.count; i++) {
      const stamp = stamps[i * 8 + 1]!;
      if (previous !== null) gaps.add(previous, stamp);
      previous = stamp;
    }
    rows += block.count;
  }
  return { rows, smallestGapNs: gaps.smallestNs, gaps };
}

/**
 * Opens and streams `file` once: data rows read (bad, duplicate and suspicious rows included),
 * wall seconds from open to the last block (sidecar, header and, for bars, the first pass
 * included), and their ratio. For the bench suite and load checks.
 */
export async function measureCsvLoad(file: string, options: CsvStreamOptions = {}): Promise<{ rows: number; seconds: number; rowsPerSecond: number }> {
  const started = process.hrtime.bigint();
  const stream = await openCsvStream(file, options);
  for await (const block of stream.blocks(0)) void block;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rows = stream.rowsRead;
  return { rows, seconds, rowsPerSecond: rows / seconds };
}
