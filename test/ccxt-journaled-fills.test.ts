// What a restart knows of the venue's fills (engine/live readJournaledFills over a journal the real
// Journal wrote, FILL records written by the ccxt adapter's writer) and which venue fills of an
// order an earlier process journaled (adapters/ccxt journaledFillsOf: exact match on venue time,
// price and quantity, each journaled fill once, whatever order same-time fills were journaled in;
// journaledFillsById where the fill id is the venue's trade id: Binance).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { byTimeThenTradeId, journaledFillsById, journaledFillsOf, writeFillRecord, type FillFacts } from '../adapters/ccxt/index.js';
import { Journal } from '../engine/journal/index.js';
import { EVENT_BYTES, EV_TS_EXCHANGE } from '../engine/layout/event-record.js';
import { clientOrderIdOf, readJournaledFills, type JournaledFill } from '../engine/live/index.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function tempJournal(): Journal {
  const dir = mkdtempSync(path.join(tmpdir(), 'qf-journaled-fills-'));
  dirs.push(dir);
  return Journal.open(dir, { durability: { mode: 'async' } });
}

const MS = 1_000_000n;
const fill = (tradeId: string, ms: number, price: number, amount: number, venueOrderId = 1): FillFacts => ({ tradeId, venueOrderId, price, amount, fee: 0, maker: false, tsExchange: BigInt(ms) * MS });

let seq = 1n;
function journalFill(journal: Journal, f: FillFacts, fillId: number, orderId: bigint, sign: 1 | -1): void {
  const record = new Uint8Array(EVENT_BYTES);
  writeFillRecord(new DataView(record.buffer), 0, f, fillId, orderId, 0, sign, f.tsExchange + 5n);
  journal.append({ type: 'inbound', inboundSeq: seq++, record, sourceSeq: 0n });
}
function journalOrder(journal: Journal, orderId: bigint, decisionMs: number): void {
  const record = new Uint8Array(EVENT_BYTES);
  new DataView(record.buffer).setBigInt64(EV_TS_EXCHANGE, BigInt(decisionMs) * MS, true);
  journal.append({ type: 'submit', orderId, clientOrderId: clientOrderIdOf(orderId), instrument: 0, side: 'buy', quantity: 1, limitPrice: null, stopPrice: null, reduceOnly: false, postOnly: false, record });
}

describe('journaled fills: the summary a restart reads, and the exact match against the venue', () => {
  test('readJournaledFills: last fill id and time, the first order\'s time, and each order\'s fills as (fill id, time, price, |qty|) in journal order', () => {
    const journal = tempJournal();
    try {
      expect(readJournaledFills(journal), 'an empty journal: nothing to recover').toBeUndefined();
      journalOrder(journal, 7n, 1_000);
      journalOrder(journal, 8n, 900);
      // Order 7 (a buy): two fills at the same millisecond, journaled in the order the earlier process emitted them.
      journalFill(journal, fill('u-b', 2_000, 50_010.5, 0.25), 1, 7n, 1);
      journalFill(journal, fill('u-a', 2_000, 50_000, 0.125), 2, 7n, 1);
      // Order 8 (a sell): its size is negative in the record, the summary keeps |qty|.
      journalFill(journal, fill('u-c', 3_000, 49_990.25, 0.5), 3, 8n, -1);
      journal.commit();
      const s = readJournaledFills(journal)!;
      expect([s.lastFillId, s.lastFillNs, s.firstOrderNs]).toEqual([3n, 3_000n * MS, 900n * MS]);
      expect(s.fillsByOrder.get(clientOrderIdOf(7n))).toEqual<JournaledFill[]>([
        { fillId: 1n, tsExchange: 2_000n * MS, price: 50_010.5, qty: 0.25 }, { fillId: 2n, tsExchange: 2_000n * MS, price: 50_000, qty: 0.125 },
      ]);
      expect(s.fillsByOrder.get(clientOrderIdOf(8n))).toEqual<JournaledFill[]>([{ fillId: 3n, tsExchange: 3_000n * MS, price: 49_990.25, qty: 0.5 }]);
      expect([...s.filledByOrder], 'the quantity per order (IB\'s recovery uses it)').toEqual([[clientOrderIdOf(7n), 0.375], [clientOrderIdOf(8n), 0.5]]);
    } finally { journal.close(); }
  });

  test('same-time fills journaled in swapped order: the journaled one is found by its fields; the cumulative-quantity rule would take the wrong one', () => {
    const journal = tempJournal();
    try {
      // The venue's fills of one order, all at t = 2 s: sorted by trade id, 'u-a' (0.125 @ 50 000) comes before 'u-b' (0.25 @ 50 010.5).
      const venue = [fill('u-b', 2_000, 50_010.5, 0.25), fill('u-a', 2_000, 50_000, 0.125), fill('u-c', 2_000, 50_020, 0.125)].sort(byTimeThenTradeId);
      expect(venue.map((f) => f.tradeId)).toEqual(['u-a', 'u-b', 'u-c']);
      // The earlier process journaled only u-c (0.125 @ 50 020) before it died.
      journalFill(journal, venue[2], 1, 7n, 1);
      journal.commit();
      const journaled = readJournaledFills(journal)!.fillsByOrder.get(clientOrderIdOf(7n))!;
      expect(venue[0].amount, 'by cumulative quantity in (time, trade id) order, u-a (the first 0.125) would pass as journaled').toBe(journaled[0].qty);
      const { matched, unmatched } = journaledFillsOf(venue, journaled);
      expect(matched.map((f) => f.tradeId), 'u-c is the journaled fill, not u-a (same time, same quantity, another price)').toEqual(['u-c']);
      expect(unmatched).toBe(0);
      const missed = venue.filter((f) => !matched.includes(f)).map((f) => f.tradeId);
      expect(missed, 'the fills to emit').toEqual(['u-a', 'u-b']);
    } finally { journal.close(); }
  });

  test('journaledFillsOf: each journaled fill matched once; equal fills are interchangeable; time, price and quantity must all agree', () => {
    const t = 5_000;
    const j = (ms: number, price: number, qty: number): JournaledFill => ({ fillId: 0n, tsExchange: BigInt(ms) * MS, price, qty });
    const venue = [fill('a', t, 100, 1), fill('b', t, 100, 1), fill('c', t, 100, 2), fill('d', t + 1, 100, 1)];
    // Two journaled fills equal to a and b (interchangeable): two matched, never three.
    expect(journaledFillsOf(venue, [j(t, 100, 1), j(t, 100, 1)]).matched.map((f) => f.tradeId)).toEqual(['a', 'b']);
    expect(journaledFillsOf(venue, [j(t, 100, 1)]).matched.map((f) => f.tradeId), 'one journaled: one matched').toEqual(['a']);
    expect(journaledFillsOf(venue, [j(t, 100, 2)]).matched.map((f) => f.tradeId), 'the quantity decides').toEqual(['c']);
    expect(journaledFillsOf(venue, [j(t + 1, 100, 1)]).matched.map((f) => f.tradeId), 'the time decides').toEqual(['d']);
    expect(journaledFillsOf(venue, [j(t, 100.01, 1)]), 'another price: no match, reported').toEqual({ matched: [], unmatched: 1 });
    expect(journaledFillsOf(venue, [j(t + 2, 100, 1), j(t, 100, 1)]), 'a journaled fill the venue does not list is counted').toEqual({ matched: [venue[0]], unmatched: 1 });
    // Rounding within the relative tolerance (1e-9) matches; a difference beyond it does not.
    expect(journaledFillsOf([fill('x', t, 0.1 + 0.2, 0.3)], [j(t, 0.3, 0.1 + 0.2)]).matched.length, '0.1 + 0.2 vs 0.3').toBe(1);
    expect(journaledFillsOf([fill('x', t, 50_000, 0.3)], [j(t, 50_000.001, 0.3)]).matched.length, '2e-8 relative apart').toBe(0);
    expect(journaledFillsOf([fill('x', t, 50_000, -0.3)], [j(t, 50_000, 0.3)]).matched.length, 'a negative amount compares by its size').toBe(1);
    expect(journaledFillsOf(venue, []), 'nothing journaled').toEqual({ matched: [], unmatched: 0 });
  });

  test('journaledFillsById (Binance: fill id = venue trade id): exactly the venue fills whose trade id a journaled fill carries, whatever their fields; unlisted journaled fills counted', () => {
    const journal = tempJournal();
    try {
      // Two fills of one order identical in time, price and quantity: only the trade id tells them apart.
      const venue = [fill('1001', 2_000, 50_000, 0.1), fill('1002', 2_000, 50_000, 0.1), fill('1005', 2_500, 49_990, 0.2)];
      journalFill(journal, venue[1], 1002, 7n, 1);
      journalFill(journal, fill('999', 1_000, 50_000, 0.1), 999, 7n, 1);
      journal.commit();
      const journaled = readJournaledFills(journal)!.fillsByOrder.get(clientOrderIdOf(7n))!;
      expect(journaled.map((f) => f.fillId)).toEqual([1002n, 999n]);
      const { matched, unmatched } = journaledFillsById(venue, journaled, Number);
      expect(matched.map((f) => f.tradeId), '1002 is journaled, not its twin 1001').toEqual(['1002']);
      expect(unmatched, 'trade 999 is not among the venue\'s fills of the order').toBe(1);
      expect(journaledFillsById(venue, [], Number)).toEqual({ matched: [], unmatched: 0 });
    } finally { journal.close(); }
  });
});
