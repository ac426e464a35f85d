// Fast path for the journal's hottest record: a JournalRecord holding an InboundRecord (a
// 64-byte ring record with its inbound sequence). Writes a valid FlatBuffer of fixed layout
// straight into a caller's buffer (no Builder, no allocation), and reads the fields of any
// conforming FlatBuffer (this layout or one a flatbuffers.Builder made) without the generated
// accessors. decodeJournalRecord (generated code) reads the same bytes identically.
//
// Layout written (byte offsets; little endian; every u64 8-aligned when `at` is):
//
//   0   u32  root offset (32)              4  "QFJR"
//   8   JournalRecord vtable: size 12, table 32, sequence @8, time_ns @16, entry_type @24, entry @4
//   20  InboundRecord vtable: size 10, table 24, inbound_seq @8, record @4, source_seq @16
//   30  (pad)
//   32  JournalRecord table: i32 soffset 24 | u32 entry -> 64 | u64 sequence | i64 time_ns | u8 type 11 | pad
//   64  InboundRecord table: i32 soffset 44 | u32 record -> 88 | u64 inbound_seq | u64 source_seq
//   88  u32 64 (vector length)            92  the 64-byte record            156 pad to 160
import { INBOUND_RECORD_BYTES } from './journal-entry.js';
import { JournalFormatError } from './journal-errors.js';

/** Bytes of one journal record written by writeInboundRecord. */
export const INBOUND_JOURNAL_RECORD_BYTES = 160;
/** JournalEntry.InboundRecord in schemas/journal.fbs. */
const INBOUND_ENTRY_TYPE = 11;
const MAX_U64 = (1n << 64n) - 1n;
const IDENTIFIER = [0x51, 0x46, 0x4a, 0x52]; // "QFJR"

/** Header bytes 0..92 of the layout above, fields zeroed; copied then patched per record. */
const TEMPLATE = (() => {
  const bytes = new Uint8Array(92);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 32, true);
  bytes.set(IDENTIFIER, 4);
  [12, 32, 8, 16, 24, 4].forEach((v, i) => view.setUint16(8 + 2 * i, v, true));
  [10, 24, 8, 4, 16].forEach((v, i) => view.setUint16(20 + 2 * i, v, true));
  view.setInt32(32, 32 - 8, true);
  view.setUint32(36, 64 - 36, true);
  bytes[56] = INBOUND_ENTRY_TYPE;
  view.setInt32(64, 64 - 20, true);
  view.setUint32(68, 88 - 68, true);
  view.setUint32(88, INBOUND_RECORD_BYTES, true);
  return bytes;
})();

export function checkInboundFields(inboundSeq: bigint, record: Uint8Array, sourceSeq: bigint): void {
  if (record.length !== INBOUND_RECORD_BYTES) throw new RangeError(`inbound \`record\` must be ${INBOUND_RECORD_BYTES} bytes, was ${record.length}`);
  if (inboundSeq < 0n || inboundSeq > MAX_U64) throw new RangeError(`inbound \`inboundSeq\` must be in [0, 2^64), was ${inboundSeq}`);
  if (sourceSeq < 0n || sourceSeq > MAX_U64) throw new RangeError(`inbound \`sourceSeq\` must be in [0, 2^64), was ${sourceSeq}`);
}

/**
 * Writes one JournalRecord(InboundRecord) of INBOUND_JOURNAL_RECORD_BYTES at `at` (a multiple
 * of 8 keeps the u64 fields aligned). The caller has checked the fields (checkInboundFields).
 */
export function writeInboundRecord(
  target: Uint8Array,
  view: DataView,
  at: number,
  sequence: bigint,
  timeNs: bigint,
  inboundSeq: bigint,
  record: Uint8Array,
  sourceSeq: bigint,
): number {
  target.set(TEMPLATE, at);
  const base = target.byteOffset + at;
  view.setBigUint64(base + 40, sequence, true);
  view.setBigInt64(base + 48, timeNs, true);
  view.setBigUint64(base + 72, inboundSeq, true);
  view.setBigUint64(base + 80, sourceSeq, true);
  target.set(record, at + 92);
  target.fill(0, at + 156, at + INBOUND_JOURNAL_RECORD_BYTES);
  return INBOUND_JOURNAL_RECORD_BYTES;
}

/**
 * Reads JournalRecord fields straight from the bytes of any conforming FlatBuffer. `read`
 * returns false for a record that is not an InboundRecord; after true, the fields hold that
 * record and `recordOffset` indexes its 64 bytes in `bytes`. One reader is reused per scan.
 */
export class InboundReader {
  sequence = 0n;
  inboundSeq = 0n;
  sourceSeq = 0n;
  /** Offset of the 64-byte record within the last `bytes` read. */
  recordOffset = 0;
  private buffer: ArrayBufferLike | null = null;
  private view: DataView = new DataView(new ArrayBuffer(0));

  /** `bytes.length` must be the record's size (lmdb-js's shared read buffer sets it so). */
  read(bytes: Uint8Array): boolean {
    const root = this.inboundRoot(bytes);
    if (root < 0) return false;
    const view = this.view;
    const base = bytes.byteOffset;
    const seqAt = field(view, base, root - view.getInt32(base + root, true), 0);
    this.sequence = seqAt === 0 ? 0n : u64(view, base + root + seqAt);
    const table = this.locateRecord(bytes, root, this.sequence);
    const vtable = table - view.getInt32(base + table, true);
    const inboundAt = field(view, base, vtable, 0);
    this.inboundSeq = inboundAt === 0 ? 0n : u64(view, base + table + inboundAt);
    const sourceAt = field(view, base, vtable, 2);
    this.sourceSeq = sourceAt === 0 ? 0n : u64(view, base + table + sourceAt);
    return true;
  }

  /**
   * The recovery scan's form of `read`: the inbound sequence as a number (-1 when the record is
   * not an InboundRecord) and `recordOffset`; `sequence` and `sourceSeq` are left as they were.
   * No BigInt is made. Throws past Number.MAX_SAFE_INTEGER (2^53 records: never reached).
   */
  readInboundSeq(bytes: Uint8Array): number {
    const root = this.inboundRoot(bytes);
    if (root < 0) return -1;
    const view = this.view;
    const base = bytes.byteOffset;
    const table = this.locateRecord(bytes, root, -1n);
    const vtable = table - view.getInt32(base + table, true);
    const inboundAt = field(view, base, vtable, 0);
    if (inboundAt === 0) return 0;
    const lo = view.getUint32(base + table + inboundAt, true);
    const hi = view.getUint32(base + table + inboundAt + 4, true);
    if (hi >= 0x200000) throw new JournalFormatError(`journal record: inbound sequence ${u64(view, base + table + inboundAt)} is past 2^53`);
    return hi * 0x1_0000_0000 + lo;
  }

  /** Offset of the root table when `bytes` holds an InboundRecord, else -1; checks the identifier. */
  private inboundRoot(bytes: Uint8Array): number {
    if (bytes.buffer !== this.buffer) {
      this.buffer = bytes.buffer;
      this.view = new DataView(bytes.buffer);
    }
    const view = this.view;
    const base = bytes.byteOffset;
    const size = bytes.length;
    if (size < 12 || bytes[4] !== 0x51 || bytes[5] !== 0x46 || bytes[6] !== 0x4a || bytes[7] !== 0x52) {
      throw new JournalFormatError(`journal record of ${size} bytes does not carry the file identifier QFJR`);
    }
    const root = view.getUint32(base, true);
    const typeAt = field(view, base, root - view.getInt32(base + root, true), 2);
    return typeAt === 0 || bytes[root + typeAt] !== INBOUND_ENTRY_TYPE ? -1 : root;
  }

  /** Sets `recordOffset` (checked inside the buffer); returns the InboundRecord table's offset. `sequence` names the record in errors (-1: unknown). */
  private locateRecord(bytes: Uint8Array, root: number, sequence: bigint): number {
    const view = this.view;
    const base = bytes.byteOffset;
    const entryAt = field(view, base, root - view.getInt32(base + root, true), 3);
    const name = sequence < 0n ? 'journal record' : `journal record ${sequence}`;
    if (entryAt === 0) throw new JournalFormatError(`${name} has entry type InboundRecord but no entry`);
    const table = root + entryAt + view.getUint32(base + root + entryAt, true);
    const vtable = table - view.getInt32(base + table, true);
    const recordAt = field(view, base, vtable, 1);
    if (recordAt === 0) throw new JournalFormatError(`${name}: InboundRecord without its required record`);
    const vector = table + recordAt + view.getUint32(base + table + recordAt, true);
    const length = view.getUint32(base + vector, true);
    if (length !== INBOUND_RECORD_BYTES || vector + 4 + length > bytes.length) {
      throw new JournalFormatError(`${name}: inbound record must be ${INBOUND_RECORD_BYTES} bytes inside the buffer, was ${length} at ${vector + 4} of ${bytes.length}`);
    }
    this.recordOffset = vector + 4;
    return table;
  }
}

/** A little-endian u64 as two u32 reads (several times faster than DataView.getBigUint64 on Node 20). */
function u64(view: DataView, at: number): bigint {
  const lo = view.getUint32(at, true);
  const hi = view.getUint32(at + 4, true);
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

/** Offset of field `index` within its table (0 when absent), from the table's vtable at `vtable`. */
function field(view: DataView, base: number, vtable: number, index: number): number {
  const at = 4 + 2 * index;
  return at < view.getUint16(base + vtable, true) ? view.getUint16(base + vtable + at, true) : 0;
}
