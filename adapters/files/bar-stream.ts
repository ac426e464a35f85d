// One bar row -> one BAR record: ts_exchange = the bar's open, ts_local = open + interval (when
// the bar became known); price = close, size = volume (NaN without a volume column: unknown,
// not 0, which is a bar that traded nothing; the simulated venue reads them apart), a = high,
// b = low, id = the bits of the open (f64). An open-stamped file's time is the open; a
// close-stamped file's time is the close, so open = stamp - interval.
// Checks, as loadBarsCsv (bar-row-checks.ts): numbers finite, prices > 0, volume >= 0,
// high >= low, high >= open and close, low <= open and close, stamps strictly increasing.

import type { CsvRowIssue, CsvRule } from './csv-errors.js';
import { S_A, S_B, S_ID, S_PRICE, S_SIZE } from './record-block-writer.js';
import { rowIssue, type StreamRowContext } from './stream-row-context.js';
import { isoOf } from './tick-stream-guards.js';
import { naiveTimeHint } from './bar-row-checks.js';

const values = new Float64Array(5);

export class BarRowReader {
  private readonly cols: number[];

  /** `intervalNs` the bar interval; `closeStamped` when the time stamps the bar's close. */
  constructor(
    ctx: StreamRowContext,
    private readonly intervalSec: number,
    private readonly intervalFrac: number,
    private readonly closeStamped: boolean,
  ) {
    const l = ctx.layout;
    this.cols = [l.open, l.high, l.low, l.close, l.volume];
  }

  readRow(ctx: StreamRowContext): CsvRowIssue | null {
    const cells = ctx.cells;
    const times = ctx.times;
    const layout = ctx.layout;
    if (!times.read(cells, layout.time)) return times.issue(cells.text(layout.time), ctx.name(layout.time), ctx.line);
    const stampSec = times.sec;
    const stampFrac = times.frac;
    const cols = this.cols;
    for (let k = 0; k < 5; k++) {
      const col = cols[k]!;
      if (col < 0) {
        values[k] = Number.NaN; // only volume is optional (stream-header.ts)
        continue;
      }
      const v = cells.number(col);
      if (v !== v) return ctx.numberIssue(col);
      values[k] = v;
    }
    for (let k = 0; k < 4; k++) if (!(values[k]! > 0)) return ctx.positiveIssue(cols[k]!);
    if (values[4]! < 0) return ctx.nonNegativeIssue(cols[4]!, 'volume-non-negative');
    // No array or closure per row: the checks read the values in place (17,520 rows cold).
    const open = values[0]!;
    const high = values[1]!;
    const low = values[2]!;
    const close = values[3]!;
    if (high < low) return ohlcIssue(ctx, cols, 1, 2, 'high-below-low', '>=', '<');
    if (high < open || high < close) return ohlcIssue(ctx, cols, 1, high < open ? 0 : 3, 'high-below-open-close', '>=', '<');
    if (low > open || low > close) return ohlcIssue(ctx, cols, 2, low > open ? 0 : 3, 'low-above-open-close', '<=', '>');
    if (ctx.hasPrevious && (stampSec < ctx.prevSec || (stampSec === ctx.prevSec && stampFrac <= ctx.prevFrac))) {
      const field = ctx.name(layout.time);
      const value = cells.text(layout.time);
      const previous = `line ${ctx.prevLine}, ${isoOf(ctx.prevSec, ctx.prevFrac)}`;
      return stampSec === ctx.prevSec && stampFrac === ctx.prevFrac
        ? rowIssue(ctx.line, field, value, 'time-duplicate', `\`${field}\` must differ from the previous row's time (${previous}), was ${value}: duplicate time${naiveTimeHint(value, layout.timezone)}`)
        : rowIssue(ctx.line, field, value, 'time-order', `\`${field}\` must be later than the previous row's time (${previous}), was ${value}`);
    }
    ctx.hasPrevious = true;
    ctx.prevSec = stampSec;
    ctx.prevFrac = stampFrac;
    ctx.prevLine = ctx.line;
    // open and close of the bar
    let oSec = stampSec;
    let oFrac = stampFrac;
    let cSec = stampSec + this.intervalSec;
    let cFrac = stampFrac + this.intervalFrac;
    if (this.closeStamped) {
      cSec = stampSec;
      cFrac = stampFrac;
      oSec = stampSec - this.intervalSec;
      oFrac = stampFrac - this.intervalFrac;
      if (oFrac < 0) {
        oFrac += 1e9;
        oSec -= 1;
      }
    } else if (cFrac >= 1e9) {
      cFrac -= 1e9;
      cSec += 1;
    }
    ctx.exSec = oSec;
    ctx.exFrac = oFrac;
    ctx.loSec = cSec;
    ctx.loFrac = cFrac;
    const s = ctx.beginRecord();
    const f64 = ctx.writer.f64;
    f64[s + S_PRICE] = close;
    f64[s + S_SIZE] = values[4]!;
    f64[s + S_A] = high;
    f64[s + S_B] = low;
    f64[s + S_ID] = open;
    return null;
  }
}

/** The row's issue when column `a`'s value breaks `rule` against column `b`'s (`a` must be `must` `b`, was `was` it). */
function ohlcIssue(ctx: StreamRowContext, cols: readonly number[], a: number, b: number, rule: CsvRule, must: string, was: string): CsvRowIssue {
  const nameA = ctx.name(cols[a]!);
  const textA = ctx.cells.text(cols[a]!);
  return rowIssue(ctx.line, nameA, textA, rule, `\`${nameA}\` must be ${must} \`${ctx.name(cols[b]!)}\`, was ${textA} ${was} ${ctx.cells.text(cols[b]!)}`);
}
