// FillIds: the numeric fill id a FILL record carries (EV_B, f64) for each venue trade id. The
// engine's model is numeric fill ids that grow: JournaledInbound keeps the largest journaled,
// checkpoints store it, and the core drops a fill id it has applied to an order.
//   venue     the venue's trade ids are decimal and grow (Binance): passed through unchanged.
//   assigned  the venue's trade ids are strings (Coinbase Advanced Trade: UUID-like): each new
//             trade id gets the next number above the last fill id the journal holds (given at
//             construction), in the order the adapter emits the fills; the same trade id always
//             gets the same number within the process. A restart starts above the journal's
//             last fill id, so numbers never repeat; which venue fills the journal already holds
//             is settled by matching time, price and quantity (journaled-match.ts), not by number.
import { venueIdOf } from './parse.js';

export type FillIdMode = 'venue' | 'assigned';

export class FillIds {
  private readonly assigned = new Map<string, number>();
  private lastId: number;

  constructor(readonly mode: FillIdMode, lastFillId = 0) {
    if (!Number.isSafeInteger(lastFillId) || lastFillId < 0) throw new RangeError(`FillIds: \`lastFillId\` must be a whole number >= 0 below 2^53, was ${lastFillId}`);
    this.lastId = lastFillId;
  }

  /** The largest fill id handed out (or given at construction). */
  get last(): number { return this.lastId; }

  /** The fill id of venue trade `tradeId` (assigned: the next number the first time, the same one after). */
  of(tradeId: string): number {
    if (this.mode === 'venue') {
      const id = venueIdOf(tradeId, 'trade.id');
      if (id > this.lastId) this.lastId = id;
      return id;
    }
    let id = this.assigned.get(tradeId);
    if (id === undefined) {
      id = ++this.lastId;
      this.assigned.set(tradeId, id);
    }
    return id;
  }

  /** The fill id `tradeId` has, without assigning one (undefined: none yet). */
  peek(tradeId: string): number | undefined {
    return this.mode === 'venue' ? venueIdOf(tradeId, 'trade.id') : this.assigned.get(tradeId);
  }
}

const DECIMAL = /^[0-9]+$/;

/** Fills ordered by venue time, then trade id (decimal ids by value, others as text): the order fills are emitted (and numbered) in. */
export function byTimeThenTradeId(a: { tsExchange: bigint; tradeId: string }, b: { tsExchange: bigint; tradeId: string }): number {
  if (a.tsExchange !== b.tsExchange) return a.tsExchange < b.tsExchange ? -1 : 1;
  if (a.tradeId.length !== b.tradeId.length && DECIMAL.test(a.tradeId) && DECIMAL.test(b.tradeId)) return a.tradeId.length - b.tradeId.length;
  return a.tradeId < b.tradeId ? -1 : a.tradeId > b.tradeId ? 1 : 0;
}
