// Which venue fills of one order a journal holds already (an order an earlier process of the
// session sent, recovered after a restart). Venues whose trade ids are the FILL records' fill ids
// (Binance): by id (journaledFillsById). Venues whose fill ids the adapter assigns (Coinbase): a
// venue fill is journaled when it equals a journaled
// FILL of the order in venue time, price and absolute quantity, each journaled fill matched once.
// Two fills equal in all three are interchangeable (the same position, cash and average price),
// so which of them is taken as journaled does not matter: the match is exact whatever order the
// earlier process journaled fills of one timestamp in. Floats compare with a relative tolerance
// only to absorb rounding; the journal's FILL record holds the same parsed f64 the venue's fill
// gives again (the same text through the same parse), so in practice they are equal.
import type { JournaledFill } from '../../../engine/live/index.js';

/** The relative tolerance of price and quantity comparisons. */
export const JOURNALED_MATCH_TOLERANCE = 1e-9;

function close(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * The fills of `venueFills` (one order's, any order) the journal holds: each matched to a
 * journaled fill of the order not matched yet, equal in time, price and quantity. Returns them in
 * the order of `venueFills`; `unmatched` counts the journaled fills no venue fill matched (a
 * journal the venue does not confirm: reported, never guessed).
 */
export function journaledFillsOf<F extends { readonly tsExchange: bigint; readonly price: number; readonly amount: number }>(
  venueFills: readonly F[], journaled: readonly JournaledFill[], tolerance = JOURNALED_MATCH_TOLERANCE,
): { matched: F[]; unmatched: number } {
  const taken = new Array<boolean>(journaled.length).fill(false);
  const matched: F[] = [];
  for (const f of venueFills) {
    for (let i = 0; i < journaled.length; i++) {
      const j = journaled[i];
      if (taken[i] || j.tsExchange !== f.tsExchange || !close(j.price, f.price, tolerance) || !close(j.qty, Math.abs(f.amount), tolerance)) continue;
      taken[i] = true;
      matched.push(f);
      break;
    }
  }
  return { matched, unmatched: taken.filter((t) => !t).length };
}

/**
 * The fills of `venueFills` the journal holds, for venues whose FILL records carry the venue's own
 * trade id as fill id (Binance): a venue fill is journaled when a journaled fill of the order has
 * its trade id as fill id. Exact by construction; `unmatched` counts the journaled fills the venue
 * does not list for the order.
 */
export function journaledFillsById<F extends { readonly tradeId: string }>(
  venueFills: readonly F[], journaled: readonly JournaledFill[], fillIdOf: (tradeId: string) => number,
): { matched: F[]; unmatched: number } {
  const ids = new Set(journaled.map((j) => j.fillId));
  const matched = venueFills.filter((f) => ids.has(BigInt(fillIdOf(f.tradeId))));
  const found = new Set(matched.map((f) => BigInt(fillIdOf(f.tradeId))));
  return { matched, unmatched: [...ids].filter((id) => !found.has(id)).length };
}
