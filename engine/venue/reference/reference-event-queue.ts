// The reference venue's event queue: records with a due time, taken out in (time, sequence)
// order over a fixed number of entries, like wasm/assembly/venue/venue-queue.ts. A taken
// record keeps its entry until `release` (the venue acts on a command while it holds one).
import { VENUE_EVENT_CAPACITY } from '../venue-layout.js';
import type { VenueRecord } from '../venue-record.js';

export interface QueuedRecord {
  readonly record: VenueRecord;
  readonly dueNs: bigint;
  readonly seq: bigint;
}

function before(a: QueuedRecord, b: QueuedRecord): boolean {
  return a.dueNs < b.dueNs || (a.dueNs === b.dueNs && a.seq < b.seq);
}

export class ReferenceEventQueue {
  private readonly heap: QueuedRecord[] = [];
  private seq = 0n;
  private entries = 0;

  /** Records waiting. */
  get size(): number {
    return this.heap.length;
  }

  /** True when an entry is free for a new record. */
  hasRoom(): boolean {
    return this.entries < VENUE_EVENT_CAPACITY;
  }

  schedule(record: VenueRecord, dueNs: bigint): void {
    if (!this.hasRoom()) throw new Error('reference venue queue: schedule without a free entry (check hasRoom first)');
    this.entries++;
    const item = { record, dueNs, seq: this.seq++ };
    const heap = this.heap;
    let i = heap.length;
    heap.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = item;
  }

  nextDueNs(): bigint | null {
    return this.heap.length === 0 ? null : this.heap[0].dueNs;
  }

  /** Takes the earliest record out (its entry stays taken until release), or null. */
  take(): QueuedRecord | null {
    const heap = this.heap;
    if (heap.length === 0) return null;
    const top = heap[0];
    const last = heap.pop() as QueuedRecord;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && before(heap[right], heap[left]) ? right : left;
        if (!before(heap[child], last)) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }

  /** Frees the entry of a record taken out. */
  release(): void {
    this.entries--;
  }
}
