// Copies merged market records into the inbound ring's free slots, ahead of the claim: a
// player fills up to the free slot count through `sink` (a StreamMerger RecordSink), then
// claims and publishes exactly `written` slots in one step. Runs are byte copies from the
// sources' blocks, split where the ring wraps; `onRecords` sees each run first (recorders).
import type { EngineHost } from '../threads/index.js';
import { RECORD_BYTES } from '../replay/index.js';
import type { RecordSink } from './stream-merger.js';

export interface RingWriter {
  /** Copies records after those already written since the last `begin`. */
  readonly sink: RecordSink;
  /** Starts a batch at the producer's cursor (the next slot to claim). */
  begin(): void;
  /** Records written since `begin`. */
  readonly written: number;
}

export function ringWriter(host: EngineHost, onRecords?: (view: DataView, fromRecord: number, count: number) => void): RingWriter {
  const producer = host.inbound;
  const ring = new Uint8Array(host.memory.buffer);
  const capacity = producer.capacity;
  let cursor = 0;
  const sink: RecordSink = (bytes, from, count) => {
    if (onRecords) onRecords(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), from, count);
    let done = 0;
    while (done < count) {
      const sequence = (producer.cursor + cursor) >>> 0;
      const slot = sequence & (capacity - 1);
      const run = Math.min(count - done, capacity - slot);
      const start = (from + done) * RECORD_BYTES;
      ring.set(bytes.subarray(start, start + run * RECORD_BYTES), producer.slotOffset(sequence));
      done += run;
      cursor += run;
    }
  };
  return {
    sink,
    begin: () => {
      cursor = 0;
    },
    get written() {
      return cursor;
    },
  };
}
