// The state one CSV market stream carries from row to row, and the checks every kind shares:
// time cells, numbers, arrival order, duplicates, gaps, and writing a record's common words.
// Row rules beyond the bar loader's (csv-errors.ts TickRule) travel in the same
// CsvRowIssue / CsvRowError shape, so callers handle both alike.

import type { CsvRowIssue, CsvRule } from './csv-errors.js';
import { decimalProblem, type RowCells } from './csv-cells.js';
import type { StreamLayout } from './stream-header.js';
import type { TimeCellReader } from './time-cell-reader.js';
import { RecordBlockWriter, SLOTS, W_INSTRUMENT, W_KIND, W_TS_EXCHANGE, W_TS_LOCAL, WORDS } from './record-block-writer.js';
import { isoOf, SameTimeRows, StreamIssueTally, TradeIdWindow } from './tick-stream-guards.js';

/**
 * Row rules of market streams, beyond the bar loader's:
 * | size-non-negative | a trade or quote size is >= 0                                  |
 * | size-positive     | a trade's size is not 0 (a size-0 trade is no trade)           |
 * | bid-above-ask     | a quote's bid is <= its ask                                    |
 * | side-invalid      | an aggressor side is buy/b/1/+1, sell/s/-1, or empty (unknown) |
 * | id-invalid        | a trade id is unsigned integer digits below 2^64, or empty     |
 * | duplicate         | (onDuplicate reject) a trade id or identical row repeats        |
 * | one-sided-empty   | a one-sided quote row updates its bid or its ask               |
 */
export type StreamRowRule = CsvRule;

/** A row issue with a stream rule (CsvRowIssue's rule field holds the id as a string). */
export function rowIssue(line: number, field: string, value: string, rule: StreamRowRule, detail: string): CsvRowIssue {
  return { line, field, value, rule, detail };
}

export class StreamRowContext {
  readonly cells: RowCells;
  /** Current line: number and bytes (for identical-row hashes). */
  line = 0;
  lineBuf: Uint8Array = new Uint8Array(0);
  lineStart = 0;
  lineEnd = 0;
  /** The current row's exchange and arrival times. */
  exSec = 0;
  exFrac = 0;
  loSec = 0;
  loFrac = 0;
  /** The last kept row's arrival time. */
  hasPrevious = false;
  prevSec = 0;
  prevFrac = 0;
  prevLine = 0;
  instrument = 0;
  rowsRead = 0;
  readonly tally = new StreamIssueTally();
  private readonly ids = new TradeIdWindow();
  private readonly sameTime = new SameTimeRows();
  private readonly gapSeconds: number;
  private readonly gapRule: string;

  constructor(
    readonly file: string,
    readonly layout: StreamLayout,
    cells: RowCells,
    readonly times: TimeCellReader,
    readonly writer: RecordBlockWriter,
    readonly kindWord: number,
    readonly onDuplicate: 'drop' | 'keep' | 'reject',
    gapSeconds: number,
  ) {
    this.cells = cells;
    this.gapSeconds = gapSeconds;
    this.gapRule = `gap > ${gapSeconds} s`;
  }

  reset(instrument: number): void {
    this.instrument = instrument;
    this.hasPrevious = false;
    this.rowsRead = 0;
    this.writer.count = 0;
    this.tally.clear();
    this.ids.reset();
    this.sameTime.reset();
  }

  name(col: number): string {
    return this.layout.names[col]!;
  }

  /** Reads the time column into ex*, and the receive column (or the same time) into lo*. */
  readTimes(): CsvRowIssue | null {
    const cells = this.cells;
    const times = this.times;
    const layout = this.layout;
    if (!times.read(cells, layout.time)) return times.issue(cells.text(layout.time), this.name(layout.time), this.line);
    this.exSec = times.sec;
    this.exFrac = times.frac;
    if (layout.receiveTime < 0) {
      this.loSec = times.sec;
      this.loFrac = times.frac;
      return null;
    }
    if (!times.read(cells, layout.receiveTime)) return times.issue(cells.text(layout.receiveTime), this.name(layout.receiveTime), this.line);
    this.loSec = times.sec;
    this.loFrac = times.frac;
    return null;
  }

  /** Why cell `col` is not a finite decimal. */
  numberIssue(col: number): CsvRowIssue {
    const text = this.cells.text(col);
    const problem = decimalProblem(text, this.name(col));
    return rowIssue(this.line, this.name(col), text, problem.rule, problem.detail);
  }

  positiveIssue(col: number): CsvRowIssue {
    const text = this.cells.text(col);
    return rowIssue(this.line, this.name(col), text, 'price-positive', `\`${this.name(col)}\` must be > 0, was ${text}`);
  }

  nonNegativeIssue(col: number, rule: StreamRowRule): CsvRowIssue {
    const text = this.cells.text(col);
    return rowIssue(this.line, this.name(col), text, rule, `\`${this.name(col)}\` must be >= 0, was ${text}`);
  }

  positiveSizeIssue(col: number): CsvRowIssue {
    const text = this.cells.text(col);
    return rowIssue(this.line, this.name(col), text, 'size-positive', `\`${this.name(col)}\` must be > 0 (a size-0 trade is no trade), was ${text}`);
  }

  /** Ticks: arrival time must not go back. */
  orderIssue(): CsvRowIssue | null {
    if (!this.hasPrevious || this.loSec > this.prevSec || (this.loSec === this.prevSec && this.loFrac >= this.prevFrac)) return null;
    const col = this.layout.receiveTime >= 0 ? this.layout.receiveTime : this.layout.time;
    const text = this.cells.text(col);
    return rowIssue(
      this.line,
      this.name(col),
      text,
      'time-order',
      `\`${this.name(col)}\` must not be earlier than the previous row's time (line ${this.prevLine}, ${isoOf(this.prevSec, this.prevFrac)}), was ${text} (${isoOf(this.loSec, this.loFrac)}): time went backwards`,
    );
  }

  /**
   * Ticks: whether the row repeats a trade id (`id` >= 0) or an identical row at the same time
   * (`id` < 0). Returns 'keep', 'drop', or an issue under onDuplicate reject.
   */
  /** `idHi` < 0: the row has no trade id; else its id is idHi * 2^32 + idLo. */
  duplicate(idHi: number, idLo = 0): 'keep' | 'drop' | CsvRowIssue {
    const id = idHi;
    let repeated: boolean;
    let rule: string;
    if (id >= 0) {
      repeated = this.ids.seen(idHi, idLo);
      rule = 'duplicate trade id';
    } else {
      repeated = this.sameTime.seen(this.loSec, this.loFrac, this.cells.lineHash(this.lineStart, this.lineEnd, this.lineBuf));
      rule = 'duplicate row (identical row at the same time)';
    }
    if (!repeated) return 'keep';
    const idText = (): string => this.cells.text(this.layout.tradeId);
    const what = id >= 0 ? `trade id ${idText()}` : `row ${this.lineText()}`;
    if (this.onDuplicate === 'reject') {
      const field = id >= 0 ? this.name(this.layout.tradeId) : 'row';
      return rowIssue(this.line, field, id >= 0 ? idText() : this.lineText(), 'duplicate', `${what} repeats an earlier row (onDuplicate reject; drop or keep to go on)`);
    }
    const action = this.onDuplicate === 'drop' ? 'dropped' : 'kept';
    this.tally.add(rule, action, () => `${this.file}:${this.line} ${what}`);
    return this.onDuplicate === 'drop' ? 'drop' : 'keep';
  }

  /** A kept row: report a gap since the previous one and remember its time. */
  kept(): void {
    if (this.hasPrevious) {
      const gap = this.loSec - this.prevSec + (this.loFrac - this.prevFrac) / 1e9;
      if (gap > this.gapSeconds) {
        const from = isoOf(this.prevSec, this.prevFrac);
        const to = isoOf(this.loSec, this.loFrac);
        this.tally.add(this.gapRule, 'reported', () => `${this.file}:${this.line} ${from} -> ${to} (${gap.toFixed(3)} s)`);
      }
    }
    this.hasPrevious = true;
    this.prevSec = this.loSec;
    this.prevFrac = this.loFrac;
    this.prevLine = this.line;
  }

  /** Starts a record with the kind, instrument and the current times; returns its index in the block. */
  beginRecord(): number {
    const writer = this.writer;
    const r = writer.count++;
    const w = r * WORDS;
    writer.i32[w + W_KIND] = this.kindWord;
    writer.i32[w + W_INSTRUMENT] = this.instrument;
    writer.writeTime(w + W_TS_EXCHANGE, this.exSec, this.exFrac);
    if (this.loSec === this.exSec && this.loFrac === this.exFrac) {
      const u32 = writer.u32;
      u32[w + W_TS_LOCAL] = u32[w + W_TS_EXCHANGE]!;
      u32[w + W_TS_LOCAL + 1] = u32[w + W_TS_EXCHANGE + 1]!;
    } else {
      writer.writeTime(w + W_TS_LOCAL, this.loSec, this.loFrac);
    }
    return r * SLOTS;
  }

  lineText(): string {
    const text = Buffer.from(this.lineBuf.buffer, this.lineBuf.byteOffset + this.lineStart, this.lineEnd - this.lineStart).toString('utf8');
    return text.length <= 120 ? text : `${text.slice(0, 120)}...`;
  }
}
