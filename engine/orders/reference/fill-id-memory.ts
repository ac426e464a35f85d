// The fill ids the reference order table has applied, for de-duplication: the last
// FILL_ID_MEMORY of them, the oldest forgotten first, with the same FIFO cursor (head,
// count) the core keeps in the ORDERS header (wasm/assembly/orders/order-events.ts seenFill).
import { FILL_ID_MEMORY } from '../order-layout.js';

/** A fill's de-duplication key: its id within its instrument (the core's fillKey; venues such as Binance number trades per symbol). */
export function fillKeyOf(fillId: bigint, instrument: number): bigint {
  return fillId ^ (BigInt(instrument & 0x7ff) << 53n);
}

export class FillIdMemory {
  private readonly seen = new Set<bigint>();
  private readonly fifo: bigint[] = new Array<bigint>(FILL_ID_MEMORY).fill(0n);
  head = 0;
  count = 0;

  clear(): void {
    this.seen.clear();
    this.head = 0;
    this.count = 0;
  }

  /** True when the fill with key `fillId` (fillKeyOf) was applied before; otherwise remembers it (forgetting the oldest). */
  seenBefore(fillId: bigint): boolean {
    if (this.seen.has(fillId)) return true;
    if (this.count === FILL_ID_MEMORY) {
      this.seen.delete(this.fifo[this.head]);
      this.head = this.head + 1 === FILL_ID_MEMORY ? 0 : this.head + 1;
      this.count -= 1;
    }
    const tail = this.head + this.count < FILL_ID_MEMORY ? this.head + this.count : this.head + this.count - FILL_ID_MEMORY;
    this.fifo[tail] = fillId;
    this.seen.add(fillId);
    this.count += 1;
    return false;
  }
}
