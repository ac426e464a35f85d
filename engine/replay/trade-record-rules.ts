// The row rules every trade source applies to a TRADE record (price, size), with the rule ids and
// wording of the CSV loader (adapters/files stream-row-context.ts), so a bad trade reads the same
// from a file, a QuestDB table or the market-data store:
//
//   price-positive      price is finite and > 0
//   size-non-negative   size is >= 0 (finite)
//   size-positive       size is not 0: a size-0 trade is no trade, yet it would move a built bar's
//                       high, low and close to its price
//
// Sources that are not CSV files (QuestDB, the store) hold numbers, not text: the value is the
// number as JavaScript prints it. Each source names where the record is (its URL or series, the
// row and the time) around `detail`.

export type TradeRecordRule = 'price-positive' | 'size-non-negative' | 'size-positive';

export interface TradeRecordProblem {
  /** The field at fault (`price` or `size`, as the source names them). */
  readonly field: string;
  readonly value: string;
  readonly rule: TradeRecordRule;
  /** "`size` must be > 0 (a size-0 trade is no trade), was 0" */
  readonly detail: string;
}

/** Why a trade's `price` / `size` break a rule (the first broken), or null. */
export function tradeRecordProblem(price: number, size: number, names: { readonly price: string; readonly size: string } = { price: 'price', size: 'size' }): TradeRecordProblem | null {
  if (!(price > 0) || price === Infinity) {
    const value = String(price);
    return { field: names.price, value, rule: 'price-positive', detail: `\`${names.price}\` must be > 0, was ${value}` };
  }
  if (!(size >= 0) || size === Infinity) {
    const value = String(size);
    return { field: names.size, value, rule: 'size-non-negative', detail: `\`${names.size}\` must be >= 0, was ${value}` };
  }
  if (size === 0) return { field: names.size, value: '0', rule: 'size-positive', detail: `\`${names.size}\` must be > 0 (a size-0 trade is no trade), was 0` };
  return null;
}

/** The error a non-file trade source throws on a bad trade: where (source, row, time) and the problem. */
export class BadTradeRecordError extends Error {
  override readonly name = 'BadTradeRecordError';
  readonly field: string;
  readonly value: string;
  readonly rule: TradeRecordRule;
  constructor(
    /** The source: a questdb:// URL or a store:DIR/SYMBOL/trades label. */
    readonly source: string,
    /** 1-based row of the source's read (in its replay order). */
    readonly row: number,
    /** The trade's exchange time (ns since the epoch). */
    readonly tsNs: bigint,
    problem: TradeRecordProblem,
  ) {
    super(`${source}: row ${row} (ts ${isoOfNs(tsNs)}): ${problem.detail} (rule ${problem.rule})`);
    this.field = problem.field;
    this.value = problem.value;
    this.rule = problem.rule;
  }
}

function isoOfNs(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const sub = (ns % 1_000_000_000n + 1_000_000_000n) % 1_000_000_000n;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return `${ns} ns`;
  return `${date.toISOString().slice(0, 19)}.${sub.toString().padStart(9, '0')}Z`;
}
