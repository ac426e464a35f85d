// The simulated venue's event queue: commands travelling to the venue and its replies
// travelling back, each a 64-byte event record with a due time, taken out in (time, sequence)
// order: a binary min-heap of entries over a fixed pool (venue-layout.ts). The sequence
// breaks ties first in, first out, so the order of events never depends on anything but the
// events themselves. Never allocates.
import { I64_MAX } from './venue-math';
import { VENUE_EVENT_CAPACITY, VENUE_FREE_OFFSET, VENUE_HEADER, VENUE_HEAP_OFFSET, VH_EVENTS_UNTOUCHED, VH_FREE_TOP, VH_HEAP_SIZE, VH_SEQ, venueKeyAddress } from './venue-layout';

const KEY_TIME: usize = 0;
const KEY_SEQ: usize = 8;

// @ts-ignore: decorator
@inline
function heapAt(i: i32): usize {
  return <usize>(VENUE_HEAP_OFFSET + (i << 2));
}

// @ts-ignore: decorator
@inline
function before(a: i32, b: i32): bool {
  const ka = venueKeyAddress(a);
  const kb = venueKeyAddress(b);
  const ta = load<i64>(ka + KEY_TIME);
  const tb = load<i64>(kb + KEY_TIME);
  return ta < tb || (ta == tb && load<u64>(ka + KEY_SEQ) < load<u64>(kb + KEY_SEQ));
}

/** Empties the queue: every entry free (untouched: no stack entry written; venue-layout.ts header). */
export function venueQueueReset(): void {
  store<i32>(VENUE_HEADER, 0, VH_FREE_TOP);
  store<i32>(VENUE_HEADER, VENUE_EVENT_CAPACITY, VH_EVENTS_UNTOUCHED);
  store<i32>(VENUE_HEADER, 0, VH_HEAP_SIZE);
  store<u64>(VENUE_HEADER, 0, VH_SEQ);
}

/** Entries free for new events. */
// @ts-ignore: decorator
@inline
export function venueQueueRoom(): i32 {
  return load<i32>(VENUE_HEADER, VH_FREE_TOP) + load<i32>(VENUE_HEADER, VH_EVENTS_UNTOUCHED);
}

/** Events waiting in the queue. */
// @ts-ignore: decorator
@inline
export function venueQueued(): i32 {
  return load<i32>(VENUE_HEADER, VH_HEAP_SIZE);
}

/** Takes a free entry (its record is at venueEventAddress(entry)), or -1 when none is free. */
export function allocEvent(): i32 {
  const top = load<i32>(VENUE_HEADER, VH_FREE_TOP);
  if (top == 0) {
    const untouched = load<i32>(VENUE_HEADER, VH_EVENTS_UNTOUCHED);
    if (untouched <= 0) return -1;
    store<i32>(VENUE_HEADER, untouched - 1, VH_EVENTS_UNTOUCHED);
    return VENUE_EVENT_CAPACITY - untouched;
  }
  store<i32>(VENUE_HEADER, top - 1, VH_FREE_TOP);
  return load<i32>(<usize>(VENUE_FREE_OFFSET + ((top - 1) << 2)));
}

/** Returns `entry` to the free pool (after its record was handled). */
export function venueFreeEvent(entry: i32): void {
  const top = load<i32>(VENUE_HEADER, VH_FREE_TOP);
  store<i32>(<usize>(VENUE_FREE_OFFSET + (top << 2)), entry);
  store<i32>(VENUE_HEADER, top + 1, VH_FREE_TOP);
}

/** Queues `entry` (record written) to be due at `timeNs`. */
export function scheduleEvent(entry: i32, timeNs: i64): void {
  const key = venueKeyAddress(entry);
  const seq = load<u64>(VENUE_HEADER, VH_SEQ);
  store<i64>(key + KEY_TIME, timeNs);
  store<u64>(key + KEY_SEQ, seq);
  store<u64>(VENUE_HEADER, seq + 1, VH_SEQ);
  let i = load<i32>(VENUE_HEADER, VH_HEAP_SIZE);
  store<i32>(VENUE_HEADER, i + 1, VH_HEAP_SIZE);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = load<i32>(heapAt(parent));
    if (!before(entry, p)) break;
    store<i32>(heapAt(i), p);
    i = parent;
  }
  store<i32>(heapAt(i), entry);
}

/** Due time of the earliest queued event, or i64 max when the queue is empty. */
// @ts-ignore: decorator
@inline
export function venueNextEventTime(): i64 {
  if (load<i32>(VENUE_HEADER, VH_HEAP_SIZE) == 0) return I64_MAX;
  return load<i64>(venueKeyAddress(load<i32>(heapAt(0))) + KEY_TIME);
}

/** Takes the earliest event out of the queue (its entry stays allocated until venueFreeEvent), or -1. */
export function venuePopEvent(): i32 {
  const size = load<i32>(VENUE_HEADER, VH_HEAP_SIZE);
  if (size == 0) return -1;
  const top = load<i32>(heapAt(0));
  const last = load<i32>(heapAt(size - 1));
  const n = size - 1;
  store<i32>(VENUE_HEADER, n, VH_HEAP_SIZE);
  if (n > 0) {
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      let child = left;
      const right = left + 1;
      if (right < n && before(load<i32>(heapAt(right)), load<i32>(heapAt(left)))) child = right;
      const c = load<i32>(heapAt(child));
      if (!before(c, last)) break;
      store<i32>(heapAt(i), c);
      i = child;
    }
    store<i32>(heapAt(i), last);
  }
  return top;
}

/** Due time of an entry taken out by venuePopEvent. */
// @ts-ignore: decorator
@inline
export function eventDueNs(entry: i32): i64 {
  return load<i64>(venueKeyAddress(entry) + KEY_TIME);
}
