// `quantflow run --mode live` as a child process against the local Coinbase Advanced Trade
// simulator (test/venues/coinbase-sim) on 127.0.0.1: the fast-cross rule strategy trades the
// simulator's 1m candles (polled over REST), orders reach the simulator through the journal with
// a CDP key (JWT ES256) checked on every private request, fills come back from the user channel
// and the fills endpoint, Ctrl-C stops by the on-exit policy; the journal and the simulator's truth
// agree (fills trade for trade; FILL records carry the adapter's fill ids, Coinbase's trade ids being
// strings), no client order id reached the venue twice, and the secret never reaches the journal or output.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { Journal, type JournalEntry } from '../engine/journal/index.js';
import { EV_B, EV_PRICE, EV_SIZE, EventKind, KIND_MASK } from '../engine/layout/event-record.js';
import { PATH, RunHarness, until } from './run-harness.js';

const harness = new RunHarness();
afterEach(() => harness.cleanup());

function journalEntries(dir: string): JournalEntry[] {
  const journal = Journal.open(dir, { durability: { mode: 'async' } });
  try { return [...journal.read(1n)].map((v) => v.entry); } finally { journal.close(); }
}

type InboundEntry = Extract<JournalEntry, { type: 'inbound' }>;
const kindOf = (e: InboundEntry) => new DataView(e.record.buffer, e.record.byteOffset).getInt32(0, true) & KIND_MASK;

describe('quantflow run --mode live against the Coinbase simulator', () => {
  test('trades the polled candles through the journal; journal and venue truth agree; no duplicate client order id; Ctrl-C exits 0', async () => {
    const { sim, config, journal, startTime, env } = await harness.setupCoinbase('live-coinbase');
    const child = harness.start(['--mode', 'live', '--config', config, '--i-understand-live', '--port', '0'], env); // port 0: suites run in parallel
    await until('the start reconciliation', () => /reconciliation \(start\)/.test(child.stderr), child, 60_000);
    await until('the user channel subscribed', () => sim.streamCount('user') === 1, child);
    // 300 ms a bar: the session sees each 1 s poll's bars after the fills of the orders it sent on the previous ones
    // (Coinbase fills come over REST after the user channel's update, one round trip later than Binance's streamed fills).
    await sim.playPath('BTC-USD', PATH, { startTime, intervalMs: 300 });
    const truth = () => `\nvenue orders: ${JSON.stringify(sim.book.orders.map((o) => [o.clientOrderId, o.type, o.side, o.status, o.executedQty, o.time]))}\njournal: ${journalEntries(journal).map((e) => e.type === 'inbound' ? `in:${kindOf(e)}` : e.type).join(' ')}`;
    await until('two orders filled at the simulator', () => sim.book.orders.filter((o) => o.status === 'FILLED').length >= 2, child, 60_000)
      .catch((e: Error) => { throw new Error(`${e.message}${truth()}`); });
    // Let the last fills travel back (user channel -> fills endpoint -> journal) before stopping.
    const venueFills = () => sim.book.orders.reduce((n, o) => n + o.fills.length, 0);
    await until('every venue fill journaled', () => journalEntries(journal).filter((e) => e.type === 'inbound' && kindOf(e) === EventKind.FILL).length >= venueFills(), child, 60_000);
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    const entries = journalEntries(journal);
    const submitted = entries.filter((e) => e.type === 'submit').map((e) => (e as { clientOrderId: string }).clientOrderId);
    expect(new Set(submitted).size, 'each client order id journaled as submitted once').toBe(submitted.length);
    for (const order of sim.book.orders) expect(submitted, `the journal holds ${order.clientOrderId}, which reached the simulator`).toContain(order.clientOrderId);
    expect(sim.duplicateSubmissions(), 'client order ids that reached the venue twice').toEqual([]);
    expect(sim.authFailures, 'private requests refused by the venue').toEqual([]);
    const fills = entries.filter((e): e is InboundEntry => e.type === 'inbound' && kindOf(e) === EventKind.FILL);
    expect(fills.length, 'every fill at the simulator journaled once').toBe(venueFills());
    const field = (e: InboundEntry, at: number) => new DataView(e.record.buffer, e.record.byteOffset).getFloat64(at, true);
    // Coinbase's trade ids are strings (UUID-like): the adapter numbers the FILL records 1, 2, ... above the journal's last fill id (none here).
    expect(fills.map((e) => field(e, EV_B)), 'journaled fill ids: assigned, one per venue fill, in journal order').toEqual(fills.map((_, i) => i + 1));
    const shape = (price: number, qty: number) => `${price.toFixed(2)} x ${qty.toFixed(8)}`;
    expect(fills.map((e) => shape(field(e, EV_PRICE), Math.abs(field(e, EV_SIZE)))).sort(), 'journaled fills = the venue\'s, trade for trade')
      .toEqual(sim.book.orders.flatMap((o) => o.fills.map((f) => shape(f.price, f.qty))).sort());
    const result = JSON.parse(child.stdout.trim().split('\n').pop()!);
    expect(result.commandsSent).toBe(sim.book.orders.length);
    const bytes = Buffer.concat(readdirSync(journal).map((f) => readFileSync(path.join(journal, f))));
    const secretLine = env.TEST_CB_SECRET.split('\n')[1];
    expect(bytes.includes(Buffer.from(secretLine)), 'the private key in the journal').toBe(false);
    expect(child.stdout.includes(secretLine) || child.stderr.includes(secretLine), 'the private key in the output').toBe(false);
  }, 180_000);
});
