// What the ccxt adapter tests (Binance: test/ccxt-adapter.test.ts, Coinbase:
// test/ccxt-coinbase.test.ts) share: a bounded wait on a condition, order requests with fresh
// engine order ids, a record's kind, and the journal summary a restarted adapter is given, read
// through the real Journal and readJournaledFills.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Journal } from '../../engine/journal/index.js';
import { clientOrderIdOf, readJournaledFills, type JournaledFills, type VenueOrderRequest } from '../../engine/live/index.js';
import { KIND_MASK, type EventRecord } from '../../engine/layout/event-record.js';
import { OrderType, TimeInForce } from '../../engine/orders/index.js';

/** Polls `ok` every 25 ms, at most `rounds` times; throws naming `what` when it never holds. */
export async function until(what: string, ok: () => boolean, rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) { if (ok()) return; await new Promise((r) => setTimeout(r, 25)); }
  throw new Error(`timed out waiting for ${what}`);
}

let nextId = 1n;
/** A GTC order request with the next engine order id of this test file. */
export function order(qty: number, type: 'market' | 'limit', limitPrice = 0, instrument = 0): VenueOrderRequest {
  const orderId = nextId++;
  return {
    orderId, clientOrderId: clientOrderIdOf(orderId), instrument, qty, orderType: type === 'market' ? OrderType.MARKET : OrderType.LIMIT,
    timeInForce: TimeInForce.GTC, limitPrice, stopPrice: 0, flags: 0, decisionNs: 0n,
  };
}

export const kindOf = (r: EventRecord): number => r.kind & KIND_MASK;

/** What a restart reads of a journal holding `records` (inbound, in order). */
export function journaledOf(records: readonly Uint8Array[]): JournaledFills {
  const dir = mkdtempSync(path.join(tmpdir(), 'qf-ccxt-journal-'));
  const journal = Journal.open(dir, { durability: { mode: 'async' } });
  try {
    let seq = 1n;
    for (const record of records) journal.append({ type: 'inbound', inboundSeq: seq++, record, sourceSeq: 0n });
    journal.commit();
    return readJournaledFills(journal)!;
  } finally { journal.close(); rmSync(dir, { recursive: true, force: true }); }
}
