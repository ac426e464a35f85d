// JournaledInbound hands every record it journals to its onJournaled watcher, with the record's
// inbound sequence: the venue's and reconciliation's records alike (live-session.ts wires it to
// the session's watcher, the state server's source), none that recovery only republishes.
import { describe, expect, it } from 'vitest';
import { EVENT_BYTES, EventKind, KIND_MASK, storeEventRecord } from '../layout/event-record.js';
import type { Journal } from '../journal/index.js';
import type { EngineHost } from '../threads/index.js';
import { JournaledInbound } from './journaled-inbound.js';
import { REJECT_LOST_BEFORE_VENUE } from './reconcile.js';

/** A host whose inbound ring always has room, and a journal that keeps what it is given. */
function fakes() {
  const ring = new Int32Array(EVENT_BYTES / 4);
  const host = { inbound: { tryClaim: () => 0, memory: { i32: ring }, slotOffset: () => 0, publish: () => {} } } as unknown as EngineHost;
  const journaled: bigint[] = [];
  const journal = { append: (entry: { inboundSeq: bigint }) => journaled.push(entry.inboundSeq) } as unknown as Journal;
  return { host, journal, journaled };
}

function record(kind: number, orderId: bigint, a: number): Uint8Array {
  const bytes = new Uint8Array(EVENT_BYTES);
  storeEventRecord(new DataView(bytes.buffer), 0, { kind: kind | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND, instrument: 0, tsExchange: 1n, tsLocal: 1n, price: 0, size: 0.01, a, b: 0, id: orderId });
  return bytes;
}

describe('JournaledInbound.onJournaled', () => {
  it('hands each journaled record (reconciliation\'s order status and lost-before-venue reject too) to the watcher once, with its inbound sequence', () => {
    const { host, journal, journaled } = fakes();
    const inbound = new JournaledInbound(host, journal, 40n);
    const seen: [number, bigint][] = [];
    inbound.onJournaled = (bytes, inboundSeq) => seen.push([new DataView(bytes.buffer, bytes.byteOffset).getInt32(0, true) & KIND_MASK, inboundSeq]);
    inbound.publish(record(EventKind.ACK, 7n, 0), 0n);
    inbound.journalAndPublish(record(EventKind.ORDER_STATUS, 7n, 8), 0n);
    inbound.journalAndPublish(record(EventKind.REJECT, 8n, REJECT_LOST_BEFORE_VENUE), 0n);
    expect(journaled, 'journaled at sequences 41 and 42 (40 was a replayed record)').toEqual([41n, 42n]);
    expect(seen, 'the journaled records, once each, not the one recovery republished').toEqual([[EventKind.ORDER_STATUS, 41n], [EventKind.REJECT, 42n]]);
  });
});
