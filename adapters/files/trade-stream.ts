// One trade row -> one TRADE record: ts_exchange = the time column, ts_local = the receive
// column when one is stated (else the trade time), price > 0, size > 0, a = aggressor side
// (+1 buyer, -1 seller, 0 unknown or no side column), id = trade id (0: none).
// A size-0 row is no trade (nothing changed hands): it would still move a built bar's high, low
// and close to its price, so it is a bad row (size-positive) like a negative size.
// Sides: buy, b, 1, +1 -> +1; sell, s, -1 -> -1; empty -> 0 (any case); anything else is a bad row.
// Checks in order: time cells, price, size, side, trade id, arrival order, duplicate.

import type { CsvRowIssue } from './csv-errors.js';
import { S_A, S_B, S_PRICE, S_SIZE, W_ID } from './record-block-writer.js';
import { rowIssue, type StreamRowContext } from './stream-row-context.js';

const U64_MAX = 18_446_744_073_709_551_615n;

/** Reads the current row of `ctx` and writes its record, or returns why it is bad. Dropped duplicates write nothing. */
export function readTradeRow(ctx: StreamRowContext): CsvRowIssue | null {
  const cells = ctx.cells;
  const layout = ctx.layout;
  const timeIssue = ctx.readTimes();
  if (timeIssue !== null) return timeIssue;
  const price = cells.number(layout.price);
  if (price !== price) return ctx.numberIssue(layout.price);
  if (!(price > 0)) return ctx.positiveIssue(layout.price);
  const size = cells.number(layout.size);
  if (size !== size) return ctx.numberIssue(layout.size);
  if (size < 0) return ctx.nonNegativeIssue(layout.size, 'size-non-negative');
  if (size === 0) return ctx.positiveSizeIssue(layout.size);
  let side = 0;
  if (layout.side >= 0) {
    side = readSide(cells.buf, cells.starts[layout.side]!, cells.ends[layout.side]!);
    if (side === 2) {
      const text = cells.text(layout.side);
      const field = ctx.name(layout.side);
      return rowIssue(ctx.line, field, text, 'side-invalid', `\`${field}\` must be buy, sell (b, s, 1, -1) or empty, was '${text}'`);
    }
  }
  let id = 0;
  let bigId: bigint | null = null;
  // A row whose id cell is empty has no id: repeats of it are found as identical rows.
  const hasId = layout.tradeId >= 0 && !cells.isEmpty(layout.tradeId);
  if (hasId) {
    id = cells.safeInteger(layout.tradeId);
    if (id < 0) {
      const text = cells.text(layout.tradeId);
      bigId = /^\d{1,20}$/.test(text) ? BigInt(text) : null;
      if (bigId === null || bigId > U64_MAX) {
        const field = ctx.name(layout.tradeId);
        return rowIssue(ctx.line, field, text, 'id-invalid', `\`${field}\` must be unsigned integer digits below 2^64, was '${text}'`);
      }
      id = Number(bigId);
    }
  }
  const orderIssue = ctx.orderIssue();
  if (orderIssue !== null) return orderIssue;
  // The id's halves: exact for every id below 2^64 (bigId), and for safe integers by division.
  let idHi = -1;
  let idLo = 0;
  if (hasId) {
    if (bigId !== null) {
      idHi = Number(bigId >> 32n);
      idLo = Number(bigId & 0xffffffffn);
    } else {
      idHi = Math.floor(id / 4294967296);
      idLo = id - idHi * 4294967296;
    }
  }
  const duplicate = ctx.duplicate(idHi, idLo);
  if (duplicate === 'drop') return null;
  if (duplicate !== 'keep') return duplicate;
  ctx.kept();
  const s = ctx.beginRecord();
  const f64 = ctx.writer.f64;
  f64[s + S_PRICE] = price;
  f64[s + S_SIZE] = size;
  f64[s + S_A] = side;
  f64[s + S_B] = 0;
  if (bigId !== null) ctx.writer.writeBigId(s * 2 + W_ID, bigId);
  else ctx.writer.writeId(s * 2 + W_ID, id);
  return null;
}

/** +1, -1, 0 (empty), or 2 when the text is not a side. */
function readSide(buf: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n === 0) return 0;
  const c0 = buf[s]! | 0x20;
  if (n === 4 && c0 === 115 && (buf[s + 1]! | 0x20) === 101 && (buf[s + 2]! | 0x20) === 108 && (buf[s + 3]! | 0x20) === 108) return -1; // sell
  if (n === 3 && c0 === 98 && (buf[s + 1]! | 0x20) === 117 && (buf[s + 2]! | 0x20) === 121) return 1; // buy
  if (n === 1) {
    if (c0 === 98 || buf[s] === 49) return 1; // b, 1
    if (c0 === 115) return -1; // s
    return 2;
  }
  if (n === 2 && buf[s + 1] === 49) {
    if (buf[s] === 43) return 1; // +1
    if (buf[s] === 45) return -1; // -1
  }
  return 2;
}
