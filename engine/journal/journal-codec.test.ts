import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { QuantFlow } from '../../schemas/generated/index.js';
import { INBOUND_JOURNAL_RECORD_BYTES, InboundReader, JournalFormatError, boundedRejectMessage, decodeJournalRecord, encodeJournalRecord, type JournalEntry } from './index.js';

const J = QuantFlow.Journal;

function record64(seed: number): Uint8Array {
  return Uint8Array.from({ length: 64 }, (_, i) => (seed + i * 7) & 0xff);
}

const ENTRIES: JournalEntry[] = [
  { type: 'inbound', inboundSeq: 123_456_789_012n, record: record64(1), sourceSeq: (1n << 63n) + 5n },
  {
    type: 'submit',
    orderId: 42n,
    clientOrderId: 'qf-42',
    instrument: 3,
    side: 'sell',
    quantity: -0.25,
    limitPrice: 101.5,
    stopPrice: null,
    reduceOnly: true,
    postOnly: false,
    record: record64(2),
  },
  { type: 'submit', orderId: 43n, clientOrderId: 'qf-43', instrument: 0, side: 'buy', quantity: 1, limitPrice: null, stopPrice: 99, reduceOnly: false, postOnly: true, record: record64(3) },
  { type: 'cancel', orderId: 42n, clientOrderId: 'qf-42', instrument: 3, reason: 'exit signal', record: record64(4) },
  { type: 'replace', orderId: 42n, clientOrderId: 'qf-42', instrument: 3, quantity: -0.5, limitPrice: 0, stopPrice: 98.25, record: record64(5) },
  { type: 'killSwitchTripped', who: 'risk.drawdown', why: 'equity fell 16%' },
  { type: 'killSwitchReset', who: 'operator:alice', why: 'reviewed' },
  { type: 'modeChanged', who: 'operator:bob', why: 'go live', previousMode: 'paper', mode: 'live' },
  { type: 'limitChanged', who: 'operator:bob', why: 'tighter', limit: 'maxDrawdown', previousValue: 0.15, value: 0.1 },
  { type: 'sessionStarted', sessionId: 's-1', mode: 'backtest', pipelineJson: '{"instruments":[0]}', recoveredFromInboundSeq: 1_000n, replayedRecords: 77n },
  {
    type: 'reconciliation',
    trigger: 'restart',
    missedFills: 1,
    resolvedOrders: 2,
    rejectedOrders: 3,
    resubmittedOrders: 4,
    uncertainOrders: 5,
    foreignOrders: 6,
    positionMismatches: 0xffff_ffff,
    report: 'all good',
  },
  { type: 'orderAdopted', orderId: 17n, clientOrderId: 'manual-7 é', venueOrderId: (1n << 64n) - 1n, instrument: 5 },
  { type: 'strategyPaused', who: 'operator:bob', why: 'news at 14:00', strategy: 'ema-cross', instruments: [0, 2, 1023], paused: true },
  { type: 'inbound', inboundSeq: 7n, record: record64(9), sourceSeq: 0n, message: 'InsufficientFunds: solde insuffisant é' },
];

describe('journal codec', () => {
  it.each(ENTRIES.map((entry) => [`${entry.type}`, entry] as const))('round-trips a %s entry through encode and decode', (_, entry) => {
    const bytes = encodeJournalRecord(9n, -17n, entry);
    expect(decodeJournalRecord(bytes), `decode(encode(${entry.type})) must give back the same record`).toStrictEqual({ sequence: 9n, timeNs: -17n, entry });
  });

  it('round-trips non-ASCII and long strings', () => {
    const entry: JournalEntry = { type: 'limitChanged', who: 'opérateur ✓ 🚀', why: 'x'.repeat(5_000) + 'é', limit: '', previousValue: -1.5, value: Number.MAX_VALUE };
    expect(decodeJournalRecord(encodeJournalRecord(1n, 0n, entry)).entry).toStrictEqual(entry);
  });

  it('covers every entry type of the JournalEntry type', () => {
    const types = new Set(ENTRIES.map((e) => e.type));
    expect([...types].sort(), 'the round-trip table must hold one entry per type').toStrictEqual(
      ['cancel', 'inbound', 'killSwitchReset', 'killSwitchTripped', 'limitChanged', 'modeChanged', 'orderAdopted', 'reconciliation', 'replace', 'sessionStarted', 'strategyPaused', 'submit'].sort(),
    );
  });

  it('writes inbound entries in the fixed layout that the generated accessors read', () => {
    const entry = ENTRIES[0] as Extract<JournalEntry, { type: 'inbound' }>;
    const bytes = encodeJournalRecord(1n << 52n, 1_700_000_000_000_000_000n, entry);
    expect(bytes.length, 'fast-path inbound record size').toBe(INBOUND_JOURNAL_RECORD_BYTES);
    const bb = new flatbuffers.ByteBuffer(bytes);
    expect(J.JournalRecord.bufferHasIdentifier(bb), 'identifier QFJR').toBe(true);
    const root = J.JournalRecord.getRootAsJournalRecord(bb);
    expect(root.sequence()).toBe(1n << 52n);
    expect(root.timeNs()).toBe(1_700_000_000_000_000_000n);
    expect(root.entryType()).toBe(J.JournalEntry.InboundRecord);
    const inbound = root.entry(new J.InboundRecord()) as QuantFlow.Journal.InboundRecord;
    expect(inbound.inboundSeq()).toBe(entry.inboundSeq);
    expect(inbound.sourceSeq()).toBe(entry.sourceSeq);
    expect(Array.from(inbound.recordArray()), 'the 64-byte record').toStrictEqual(Array.from(entry.record));
  });

  it('reads an inbound record built by flatbuffers.Builder through the fast reader', () => {
    const b = new flatbuffers.Builder(64);
    const vector = b.createByteVector(record64(9));
    const inbound = J.InboundRecord.createInboundRecord(b, 77n, vector, 0n, 0);
    const root = J.JournalRecord.createJournalRecord(b, 5n, 6n, J.JournalEntry.InboundRecord, inbound);
    J.JournalRecord.finishJournalRecordBuffer(b, root);
    const bytes = b.asUint8Array();
    const reader = new InboundReader();
    expect(reader.read(bytes), 'an InboundRecord entry').toBe(true);
    expect([reader.sequence, reader.inboundSeq, reader.sourceSeq]).toStrictEqual([5n, 77n, 0n]);
    expect(Array.from(bytes.subarray(reader.recordOffset, reader.recordOffset + 64))).toStrictEqual(Array.from(record64(9)));
    expect(reader.read(encodeJournalRecord(1n, 0n, ENTRIES[5])), 'a kill-switch record is not inbound').toBe(false);
  });

  it('an inbound entry with a REJECT\'s message is built by the Builder, read by the fast reader, and a message over 256 characters is refused naming the field', () => {
    const entry = ENTRIES.at(-1) as Extract<JournalEntry, { type: 'inbound' }>;
    const bytes = encodeJournalRecord(4n, 0n, entry);
    const reader = new InboundReader();
    expect(reader.read(bytes), 'an InboundRecord entry').toBe(true);
    expect([reader.sequence, reader.inboundSeq, reader.sourceSeq]).toStrictEqual([4n, 7n, 0n]);
    expect(Array.from(bytes.subarray(reader.recordOffset, reader.recordOffset + 64))).toStrictEqual(Array.from(entry.record));
    expect(boundedRejectMessage('x'.repeat(300)), 'cut to 256 characters').toBe(`${'x'.repeat(255)}…`);
    expect(decodeJournalRecord(encodeJournalRecord(4n, 0n, { ...entry, message: boundedRejectMessage('x'.repeat(300)) })).entry).toMatchObject({ message: `${'x'.repeat(255)}…` });
    expect(() => encodeJournalRecord(4n, 0n, { ...entry, message: 'x'.repeat(257) })).toThrow('inbound `message` must be a string of at most 256 characters, was 257 characters');
  });

  it('reads the inbound sequence as a number, without BigInt, for the recovery scan', () => {
    const entry = ENTRIES[0] as Extract<JournalEntry, { type: 'inbound' }>;
    const reader = new InboundReader();
    for (const inboundSeq of [0n, 77n, (1n << 32n) + 5n, (1n << 53n) - 1n]) {
      const bytes = encodeJournalRecord(3n, 0n, { ...entry, inboundSeq });
      expect(reader.readInboundSeq(bytes), `inbound ${inboundSeq}`).toBe(Number(inboundSeq));
      expect(Array.from(bytes.subarray(reader.recordOffset, reader.recordOffset + 64))).toStrictEqual(Array.from(entry.record));
    }
    expect(reader.readInboundSeq(encodeJournalRecord(1n, 0n, ENTRIES[5])), 'a kill-switch record is not inbound').toBe(-1);
    expect(() => reader.readInboundSeq(encodeJournalRecord(3n, 0n, { ...entry, inboundSeq: 1n << 53n })), 'past 2^53').toThrow(/past 2\^53/);
  });

  it('rejects a buffer without the QFJR identifier', () => {
    const bytes = encodeJournalRecord(1n, 0n, ENTRIES[5]);
    bytes[4] = 0x58;
    expect(() => decodeJournalRecord(bytes)).toThrow(JournalFormatError);
    expect(() => decodeJournalRecord(bytes)).toThrow(/file identifier QFJR/);
    expect(() => decodeJournalRecord(new Uint8Array(3))).toThrow(/file identifier QFJR/);
  });

  it('rejects an entry type the journal does not read, naming it', () => {
    const b = new flatbuffers.Builder(64);
    const id = b.createString('c');
    const venueId = b.createString('v');
    const accepted = J.OrderAccepted.createOrderAccepted(b, 1n, id, venueId, 0, 0n);
    J.JournalRecord.finishJournalRecordBuffer(b, J.JournalRecord.createJournalRecord(b, 3n, 0n, J.JournalEntry.OrderAccepted, accepted));
    expect(() => decodeJournalRecord(b.asUint8Array())).toThrow(/journal record 3 holds entry type OrderAccepted, which this journal does not read/);
  });

  it('rejects a truncated buffer with JournalFormatError', () => {
    const bytes = encodeJournalRecord(1n, 0n, ENTRIES[1]);
    expect(() => decodeJournalRecord(bytes.subarray(0, 24))).toThrow(JournalFormatError);
  });

  it('validates fields at encode time, naming the field', () => {
    expect(() => encodeJournalRecord(1n, 0n, { type: 'inbound', inboundSeq: 1n, record: new Uint8Array(63), sourceSeq: 0n })).toThrow('inbound `record` must be 64 bytes, was 63');
    expect(() => encodeJournalRecord(1n, 0n, { ...(ENTRIES[10] as Extract<JournalEntry, { type: 'reconciliation' }>), missedFills: -1 })).toThrow(
      '`reconciliation.missedFills` must be an integer in [0, 2^32), was -1',
    );
    expect(() => encodeJournalRecord(1n, 0n, { ...(ENTRIES[7] as Extract<JournalEntry, { type: 'modeChanged' }>), mode: 'demo' as 'live' })).toThrow(
      '`modeChanged.mode` must be one of backtest, paper, live, was "demo"',
    );
    expect(() => encodeJournalRecord(-1n, 0n, ENTRIES[5])).toThrow('`sequence` must be a bigint in [0, 2^64), was -1');
  });
});
