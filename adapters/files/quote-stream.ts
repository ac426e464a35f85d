// Quote rows -> QUOTE records: price = mid, size = bid size, a = bid, b = ask, id = the bits of
// the ask size (f64). Sizes are 0 when the file has no size columns.
//
// Two-sided files (Binance bookTicker): one row is one L1 quote; bid > 0, ask > 0, sizes >= 0,
// bid <= ask (a crossed row is bad; a locked one, bid = ask, is kept).
//
// One-sided files (LEAN quote ticks: each row updates the bid or the ask, the other side's
// price and size are 0): the stream keeps the latest bid and the latest ask whatever exchange
// sent them, and once both are known emits one quote per time stamp, after the last row at that
// time (LEAN writes a bid row and an ask row at the same millisecond). Such a combined quote
// can be briefly crossed (the latest bid from one exchange above the latest ask from another);
// it is then not emitted and is counted in issues() as `crossed one-sided quote`, `not emitted`.
// A row updating neither side is bad (one-sided-empty). Identical rows at the same time are
// not duplicates here: each re-states a side (after another exchange's update in between it
// changes the combined quote), and only one quote per time stamp is emitted anyway.

import type { CsvRowIssue } from './csv-errors.js';
import { S_A, S_B, S_ID, S_PRICE, S_SIZE } from './record-block-writer.js';
import { rowIssue, type StreamRowContext } from './stream-row-context.js';
import { isoOf } from './tick-stream-guards.js';

/** Reads one two-sided quote row and writes its record, or returns why it is bad. */
export function readQuoteRow(ctx: StreamRowContext): CsvRowIssue | null {
  const cells = ctx.cells;
  const layout = ctx.layout;
  const timeIssue = ctx.readTimes();
  if (timeIssue !== null) return timeIssue;
  const bid = cells.number(layout.bid);
  if (bid !== bid) return ctx.numberIssue(layout.bid);
  if (!(bid > 0)) return ctx.positiveIssue(layout.bid);
  const ask = cells.number(layout.ask);
  if (ask !== ask) return ctx.numberIssue(layout.ask);
  if (!(ask > 0)) return ctx.positiveIssue(layout.ask);
  let bidSize = 0;
  if (layout.bidSize >= 0) {
    bidSize = cells.number(layout.bidSize);
    if (bidSize !== bidSize) return ctx.numberIssue(layout.bidSize);
    if (bidSize < 0) return ctx.nonNegativeIssue(layout.bidSize, 'size-non-negative');
  }
  let askSize = 0;
  if (layout.askSize >= 0) {
    askSize = cells.number(layout.askSize);
    if (askSize !== askSize) return ctx.numberIssue(layout.askSize);
    if (askSize < 0) return ctx.nonNegativeIssue(layout.askSize, 'size-non-negative');
  }
  if (bid > ask) return crossedIssue(ctx);
  const orderIssue = ctx.orderIssue();
  if (orderIssue !== null) return orderIssue;
  const duplicate = ctx.duplicate(-1);
  if (duplicate === 'drop') return null;
  if (duplicate !== 'keep') return duplicate;
  ctx.kept();
  writeQuote(ctx, bid, ask, bidSize, askSize);
  return null;
}

function writeQuote(ctx: StreamRowContext, bid: number, ask: number, bidSize: number, askSize: number): void {
  const s = ctx.beginRecord();
  const f64 = ctx.writer.f64;
  f64[s + S_PRICE] = (bid + ask) / 2;
  f64[s + S_SIZE] = bidSize;
  f64[s + S_A] = bid;
  f64[s + S_B] = ask;
  f64[s + S_ID] = askSize;
}

function crossedIssue(ctx: StreamRowContext): CsvRowIssue {
  const layout = ctx.layout;
  const bidText = ctx.cells.text(layout.bid);
  const askText = ctx.cells.text(layout.ask);
  const bidName = ctx.name(layout.bid);
  return rowIssue(ctx.line, bidName, bidText, 'bid-above-ask', `\`${bidName}\` must be <= \`${ctx.name(layout.ask)}\`, was ${bidText} > ${askText}`);
}

/** The latest bid and ask of a one-sided file, and the quote waiting for the end of its time stamp. */
export class OneSidedBook {
  bid = 0;
  bidSize = 0;
  ask = 0;
  askSize = 0;
  pending = false;
  private exSec = 0;
  private exFrac = 0;
  private loSec = 0;
  private loFrac = 0;
  private line = 0;

  reset(): void {
    this.bid = this.ask = this.bidSize = this.askSize = 0;
    this.pending = false;
  }

  /**
   * Reads one one-sided row: first emits the pending quote when this row starts a new time
   * stamp, then applies the row. Returns why the row is bad, or null.
   */
  readRow(ctx: StreamRowContext): CsvRowIssue | null {
    const cells = ctx.cells;
    const layout = ctx.layout;
    const timeIssue = ctx.readTimes();
    if (timeIssue !== null) return timeIssue;
    const bid = cells.number(layout.bid);
    if (bid !== bid) return ctx.numberIssue(layout.bid);
    const ask = cells.number(layout.ask);
    if (ask !== ask) return ctx.numberIssue(layout.ask);
    const bidSize = cells.number(layout.bidSize);
    if (bidSize !== bidSize) return ctx.numberIssue(layout.bidSize);
    if (bidSize < 0) return ctx.nonNegativeIssue(layout.bidSize, 'size-non-negative');
    const askSize = cells.number(layout.askSize);
    if (askSize !== askSize) return ctx.numberIssue(layout.askSize);
    if (askSize < 0) return ctx.nonNegativeIssue(layout.askSize, 'size-non-negative');
    if (bid < 0 || (bid === 0 && bidSize > 0)) return ctx.positiveIssue(layout.bid);
    if (ask < 0 || (ask === 0 && askSize > 0)) return ctx.positiveIssue(layout.ask);
    if (bid === 0 && ask === 0) {
      return rowIssue(ctx.line, 'row', ctx.lineText(), 'one-sided-empty', `a one-sided quote row must update \`${ctx.name(layout.bid)}\` or \`${ctx.name(layout.ask)}\` (> 0), both were 0`);
    }
    const orderIssue = ctx.orderIssue();
    if (orderIssue !== null) return orderIssue;
    if (this.pending && (ctx.loSec !== this.loSec || ctx.loFrac !== this.loFrac || ctx.exSec !== this.exSec || ctx.exFrac !== this.exFrac)) {
      this.emit(ctx);
    }
    ctx.kept();
    if (bid > 0) {
      this.bid = bid;
      this.bidSize = bidSize;
    }
    if (ask > 0) {
      this.ask = ask;
      this.askSize = askSize;
    }
    if (this.bid > 0 && this.ask > 0) {
      this.pending = true;
      this.exSec = ctx.exSec;
      this.exFrac = ctx.exFrac;
      this.loSec = ctx.loSec;
      this.loFrac = ctx.loFrac;
      this.line = ctx.line;
    }
    return null;
  }

  /** Writes the pending quote (at its own times), unless it is crossed. */
  emit(ctx: StreamRowContext): void {
    if (!this.pending) return;
    this.pending = false;
    if (this.bid > this.ask) {
      const bid = this.bid;
      const ask = this.ask;
      const line = this.line;
      const at = isoOf(this.loSec, this.loFrac);
      ctx.tally.add('crossed one-sided quote', 'not emitted', () => `${ctx.file}:${line} bid ${bid} > ask ${ask} at ${at}`);
      return;
    }
    const exSec = ctx.exSec;
    const exFrac = ctx.exFrac;
    const loSec = ctx.loSec;
    const loFrac = ctx.loFrac;
    ctx.exSec = this.exSec;
    ctx.exFrac = this.exFrac;
    ctx.loSec = this.loSec;
    ctx.loFrac = this.loFrac;
    writeQuote(ctx, this.bid, this.ask, this.bidSize, this.askSize);
    ctx.exSec = exSec;
    ctx.exFrac = exFrac;
    ctx.loSec = loSec;
    ctx.loFrac = loFrac;
  }
}
