// Records the I/O thread adds to a session's inbound stream (MODEL records from engine/models
// ModelFeed), waiting for the session's single inbound producer (paced-player.ts) to publish
// them between market records: the inbound ring is single-producer, so nothing else writes it.
// A FIFO of 64-byte records in one growable buffer (it grows only when answers pile up faster
// than the player publishes them; never drops one).
import { RECORD_BYTES } from '../replay/index.js';

export class InboundQueue {
  private bytes = new Uint8Array(RECORD_BYTES * 64);
  private head = 0;
  private tail = 0;
  /** Records taken so far. */
  taken = 0;

  get length(): number {
    return (this.tail - this.head) / RECORD_BYTES;
  }

  /** Copies one 64-byte record (e.g. the DataView ModelFeed hands over) to the back. */
  readonly push = (record: DataView): void => {
    if (this.tail + RECORD_BYTES > this.bytes.length) {
      const live = this.tail - this.head;
      if (live + RECORD_BYTES > this.bytes.length / 2) {
        const grown = new Uint8Array(this.bytes.length * 2);
        grown.set(this.bytes.subarray(this.head, this.tail), 0);
        this.bytes = grown;
      } else {
        this.bytes.copyWithin(0, this.head, this.tail);
      }
      this.tail = live;
      this.head = 0;
    }
    this.bytes.set(new Uint8Array(record.buffer, record.byteOffset, RECORD_BYTES), this.tail);
    this.tail += RECORD_BYTES;
  };

  /** Copies the front record to `target` at `offset` and removes it; false when empty. */
  takeInto(target: Uint8Array, offset: number): boolean {
    if (this.head === this.tail) return false;
    target.set(this.bytes.subarray(this.head, this.head + RECORD_BYTES), offset);
    this.head += RECORD_BYTES;
    this.taken++;
    if (this.head === this.tail) this.head = this.tail = 0;
    return true;
  }
}
