// Journal records carry a CRC-32 (format 2, engine/journal/journal.ts): LMDB keeps no checksums,
// so a bit flipped in a record on disk replayed as a valid record (an inbound TRADE at another
// price, silently). Here one byte of a record is changed in the data.mdb file of a real LMDB
// journal, and every read (read, readInbound, replay --journal) refuses the record naming its
// sequence. A format 1 journal (no checksums) is still read, and the first commit into it makes
// it format 2 from its next record on. The CRC-32 itself is checked against gzip's trailer.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32, encodeJournalRecord, Journal, JOURNAL_FORMAT, JournalFormatError } from '../engine/journal/index.js';
import { replayJournal } from '../engine/live/index.js';
import { EventKind, storeEventRecord } from '../engine/layout/event-record.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-journal-checksum-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 64-byte inbound TRADE record at `price`. */
function trade(seq: number, price: number): Uint8Array {
  const bytes = new Uint8Array(64);
  storeEventRecord(new DataView(bytes.buffer), 0, {
    kind: EventKind.TRADE | EventKind.DIRECTION_INBOUND, instrument: 0, tsExchange: 1_700_000_000_000_000_000n + BigInt(seq), tsLocal: 1_700_000_000_000_000_000n + BigInt(seq),
    price, size: 1, a: 1, b: 0, id: BigInt(seq + 1),
  });
  return bytes;
}

const PRICES = [101.25, 12_345.678, 102.5, 103.75];

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the read to throw');
}

/** Flips the low bit of the one copy of `needle` in the journal's data.mdb. */
function flipInFile(journalDir: string, needle: Uint8Array): void {
  const file = path.join(journalDir, 'data.mdb');
  const bytes = readFileSync(file);
  const at = bytes.indexOf(needle);
  expect(at, 'the record\'s bytes are in data.mdb').toBeGreaterThan(-1);
  expect(bytes.indexOf(needle, at + 1), 'once').toBe(-1);
  bytes[at] ^= 0x01;
  writeFileSync(file, bytes);
}

const f64 = (value: number): Uint8Array => new Uint8Array(new Float64Array([value]).buffer);

describe('journal record checksums', () => {
  it('computes the CRC-32 of zlib and gzip', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919 + 13) & 0xff);
    for (const [start, end] of [[0, 1000], [3, 161], [0, 0]]) {
      const slice = bytes.subarray(start, end);
      expect(crc32(bytes, start, end), `bytes ${start}..${end} against gzip's trailer`).toBe(gzipSync(slice).readUInt32LE(gzipSync(slice).length - 8));
    }
  });

  it('refuses an inbound record with one byte changed in data.mdb, naming its sequence, on every read and on replay --journal', async () => {
    const at = path.join(dir, 'flipped');
    const journal = Journal.open(at, { durability: { mode: 'fsync' } });
    PRICES.forEach((price, i) => journal.append({ type: 'inbound', inboundSeq: BigInt(i), record: trade(i, price), sourceSeq: BigInt(i + 1) }));
    journal.append({ type: 'killSwitchTripped', who: 'operator:test', why: 'after the trades' });
    journal.commit();
    journal.close();
    // The second trade's price (sequence 2) loses a bit on disk: 12345.678 becomes a neighbouring double.
    flipInFile(at, f64(12_345.678));

    const reopened = Journal.open(at, { mustExist: true });
    try {
      const expected = `journal ${at}: the record under key 2 (of 5) is damaged: its CRC-32 does not match its bytes`;
      const onRead = errorOf(() => Array.from(reopened.read(1n)));
      expect(onRead, onRead.message).toBeInstanceOf(JournalFormatError);
      expect(onRead.message).toContain(expected);
      expect(onRead.message, 'says what to do').toContain('restore the journal directory from a backup');
      const onInbound = errorOf(() => Array.from(reopened.readInbound(0n), (view) => new DataView(view.record.buffer, view.record.byteOffset, 64).getFloat64(24, true)));
      expect(onInbound.message, 'readInbound (recovery\'s path) refuses it instead of replaying another price').toContain(expected);
      const onRaw = errorOf(() => Array.from(reopened.readRaw(1n)));
      expect(onRaw.message).toContain(expected);
      expect(reopened.read(3n).next().value?.sequence, 'the records after it are read when asked for').toBe(3n);
    } finally {
      reopened.close();
    }
    await expect(replayJournal(at), 'replay --journal stops at the damaged record').rejects.toThrow(`journal ${at}: the record under key 2 (of 5) is damaged`);
  });

  it('refuses a control record with one byte of its text changed in data.mdb', () => {
    const at = path.join(dir, 'flipped-control');
    const journal = Journal.open(at, { durability: { mode: 'fsync' } });
    journal.append({ type: 'inbound', inboundSeq: 0n, record: trade(0, 100), sourceSeq: 1n });
    journal.append({ type: 'killSwitchTripped', who: 'operator:alice', why: 'halt: MARKER-one-of-a-kind' });
    journal.append({ type: 'inbound', inboundSeq: 1n, record: trade(1, 101), sourceSeq: 2n });
    journal.commit();
    journal.close();
    flipInFile(at, new TextEncoder().encode('MARKER-one-of-a-kind'));
    const reopened = Journal.open(at, { mustExist: true });
    try {
      expect(errorOf(() => Array.from(reopened.read(1n))).message).toContain(`journal ${at}: the record under key 2 (of 3) is damaged: its CRC-32 does not match`);
    } finally {
      reopened.close();
    }
  });

  it('reads a format 1 journal (no checksums) as it is, and checks the records written into it from then on', async () => {
    const at = path.join(dir, 'format-1');
    // A journal as the previous format wrote it: meta format 1, records without a checksum.
    const root = open({ path: at });
    await root.openDB({ name: 'meta', encoding: 'json' }).put('format', 1);
    const records = root.openDB<Uint8Array, number>({ name: 'journal', encoding: 'binary' });
    for (let i = 0; i < 3; i++) await records.put(i + 1, encodeJournalRecord(BigInt(i + 1), 1n, { type: 'inbound', inboundSeq: BigInt(i), record: trade(i, PRICES[i]), sourceSeq: BigInt(i + 1) }));
    await root.close();

    const journal = Journal.open(at, { durability: { mode: 'fsync' } });
    expect(Array.from(journal.readInbound(0n), (view) => view.inboundSeq), 'the format 1 records read as before').toEqual([0n, 1n, 2n]);
    journal.append({ type: 'inbound', inboundSeq: 3n, record: trade(3, PRICES[3]), sourceSeq: 4n });
    journal.commit();
    journal.close();
    const upgraded = open({ path: at });
    const meta = upgraded.openDB<number, string>({ name: 'meta', encoding: 'json' });
    expect([meta.get('format'), meta.get('checksumsFrom')], 'format 2, checksums from the first record written by this code').toEqual([JOURNAL_FORMAT, 4]);
    await upgraded.close();

    flipInFile(at, f64(PRICES[3]));
    // The damaged record is the journal's last inbound one, which opening the journal reads.
    expect(errorOf(() => Journal.open(at, { mustExist: true })).message, 'the record written after the upgrade is checked').toContain(`journal ${at}: the record under key 4 (of 4) is damaged: its CRC-32 does not match`);
  });
});
