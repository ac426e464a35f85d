// The iterator behind Journal.readInbound: walks LMDB's range iterator, skips records that are
// not inbound or come before the requested inbound sequence, and yields the inbound ones
// through InboundReader (no generator, no decode of the FlatBuffer through generated classes).
import { InboundReader } from './inbound-codec.js';
import { INBOUND_RECORD_BYTES } from './journal-entry.js';
import { JournalFormatError } from './journal-errors.js';

export interface InboundRecordView {
  sequence: bigint;
  inboundSeq: bigint;
  /** The 64-byte record: a view into LMDB's read buffer, valid until the next iteration (or LMDB read). */
  record: Uint8Array;
  sourceSeq: bigint;
}

export class InboundIterator implements IterableIterator<InboundRecordView> {
  private readonly reader = new InboundReader();

  constructor(
    private readonly source: Iterator<{ key: number; value: Uint8Array }>,
    private readonly fromInboundSeq: bigint,
    private readonly path: string,
    /** Throws when the record under `key` fails its checksum (Journal.verify). */
    private readonly verify: (key: number, value: Uint8Array) => void = () => {},
  ) {}

  next(): IteratorResult<InboundRecordView> {
    const reader = this.reader;
    for (;;) {
      const step = this.source.next();
      if (step.done) return { done: true, value: undefined };
      const { key, value } = step.value;
      try {
        this.verify(key, value);
      } catch (error) {
        this.return();
        throw error;
      }
      let inbound: boolean;
      try {
        inbound = reader.read(value);
      } catch (error) {
        this.return();
        if (!(error instanceof JournalFormatError) && !(error instanceof RangeError)) throw error;
        throw new JournalFormatError(`journal ${this.path}: the record under key ${key} is damaged: ${error.message}`, { cause: error });
      }
      if (!inbound || reader.inboundSeq < this.fromInboundSeq) continue;
      const sequence = BigInt(key);
      if (reader.sequence !== sequence) {
        this.return();
        throw new JournalFormatError(`journal ${this.path}: key ${key} holds record sequence ${reader.sequence}; the journal is corrupt`);
      }
      return {
        done: false,
        value: {
          sequence,
          inboundSeq: reader.inboundSeq,
          record: new Uint8Array(value.buffer, value.byteOffset + reader.recordOffset, INBOUND_RECORD_BYTES),
          sourceSeq: reader.sourceSeq,
        },
      };
    }
  }

  /** Ends the iteration early (for-of calls it on break): closes the LMDB cursor. */
  return(): IteratorResult<InboundRecordView> {
    this.source.return?.();
    return { done: true, value: undefined };
  }

  [Symbol.iterator](): IterableIterator<InboundRecordView> {
    return this;
  }
}
