// What a journal holds of a venue's fills, for the venue adapter of the next process of the
// session (ccxt, IB): the last fill id (new fills are numbered above it where the adapter numbers
// them), the latest FILL's exchange time (missed fills are asked for from there, minus a margin;
// from the first journaled order's time when no fill is journaled) and, by client order id, each
// order's journaled fills as (fill id, exchange time, price, |qty|): a venue fill with one's fill id
// (venues whose fill ids are their trade ids: Binance), or equal to one in time, price and quantity
// (each matched once; venues whose fill ids the adapter assigns: Coinbase), is journaled already and
// not emitted again (ccxt), and each order's journaled
// filled quantity (IB: an execution whose cumulative quantity is within it is journaled).
import type { Journal } from '../journal/index.js';
import { EVENT_BYTES, EV_B, EV_ID, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EventKind, KIND_MASK } from '../layout/event-record.js';
import { clientOrderIdOf } from './venue-adapter.js';

/** One journaled FILL of an order, as its record holds it. */
export interface JournaledFill {
  /** The record's fill id (the venue's trade id where the venue numbers fills, else the adapter's number). */
  readonly fillId: bigint;
  /** The fill's venue time (the record's exchange time), ns since the epoch. */
  readonly tsExchange: bigint;
  readonly price: number;
  /** Absolute quantity. */
  readonly qty: number;
}

export interface JournaledFills {
  /** The largest fill id journaled. */
  readonly lastFillId: bigint;
  /** The latest exchange time of a journaled FILL, ns since the epoch. */
  readonly lastFillNs: bigint;
  /** Absolute quantity of each order's journaled fills, by client order id. */
  readonly filledByOrder: ReadonlyMap<string, number>;
  /** Each order's journaled fills, in journal order, by client order id. */
  readonly fillsByOrder: ReadonlyMap<string, readonly JournaledFill[]>;
  /** The earliest decision time of a journaled order (its ORDER record's exchange time), ns; 0 when none. */
  readonly firstOrderNs: bigint;
}

/** Reads every journaled inbound FILL record and order; undefined when the journal holds neither. */
export function readJournaledFills(journal: Journal): JournaledFills | undefined {
  let lastFillId = 0n;
  let lastFillNs = 0n;
  let firstOrderNs = 0n;
  let fills = 0;
  let orders = 0;
  const filledByOrder = new Map<string, number>();
  const fillsByOrder = new Map<string, JournaledFill[]>();
  for (const { entry } of journal.read(1n)) {
    if (entry.type === 'submit') {
      orders++;
      const ts = new DataView(entry.record.buffer, entry.record.byteOffset, EVENT_BYTES).getBigInt64(EV_TS_EXCHANGE, true);
      if (ts > 0n && (firstOrderNs === 0n || ts < firstOrderNs)) firstOrderNs = ts;
      continue;
    }
    if (entry.type !== 'inbound') continue;
    const view = new DataView(entry.record.buffer, entry.record.byteOffset, EVENT_BYTES);
    if ((view.getInt32(EV_KIND, true) & KIND_MASK) !== EventKind.FILL) continue;
    fills++;
    const fillId = BigInt(Math.trunc(view.getFloat64(EV_B, true)));
    if (fillId > lastFillId) lastFillId = fillId;
    const ts = view.getBigInt64(EV_TS_EXCHANGE, true);
    if (ts > lastFillNs) lastFillNs = ts;
    const clientOrderId = clientOrderIdOf(view.getBigUint64(EV_ID, true));
    const qty = Math.abs(view.getFloat64(EV_SIZE, true));
    filledByOrder.set(clientOrderId, (filledByOrder.get(clientOrderId) ?? 0) + qty);
    let list = fillsByOrder.get(clientOrderId);
    if (list === undefined) fillsByOrder.set(clientOrderId, list = []);
    list.push({ fillId, tsExchange: ts, price: view.getFloat64(EV_PRICE, true), qty });
  }
  return fills === 0 && orders === 0 ? undefined : { lastFillId, lastFillNs, filledByOrder, fillsByOrder, firstOrderNs };
}
