// An open-addressing index from u64 ids to i32 values over a fixed area of memory: linear
// probing, deletion by backward shift (no tombstones), so lookups stay O(1) on average at
// any age. The simulated venue finds its orders by client order id with one; the order
// table remembers the fill ids it has applied with another. Never allocates.
//
// Area: `capacity` (a power of two) entries of 16 bytes, at `base`:
//
//   0          8        12       16
//   | key u64  | value  | used   |
//
// Keep the load below 1/2 (callers size the area to twice what they store), so probes stay short.

const ENTRY_BYTES: usize = 16;
const KEY: usize = 0;
const VALUE: usize = 8;
const USED: usize = 12;

// @ts-ignore: decorator
@inline
function home(key: u64, mask: u32): u32 {
  // splitmix64 finaliser: neighbouring ids land far apart.
  let z = key;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  z = z ^ (z >> 31);
  return <u32>z & mask;
}

// @ts-ignore: decorator
@inline
function entry(base: usize, i: u32): usize {
  return base + (<usize>i) * ENTRY_BYTES;
}

/** Empties the index. */
export function idIndexClear(base: usize, capacity: u32): void {
  memory.fill(base, 0, <usize>capacity * ENTRY_BYTES);
}

/** Value stored under `key`, or -1 when absent. */
export function idIndexGet(base: usize, capacity: u32, key: u64): i32 {
  const mask = capacity - 1;
  let i = home(key, mask);
  for (let n: u32 = 0; n < capacity; n++) {
    const e = entry(base, i);
    if (load<i32>(e + USED) == 0) return -1;
    if (load<u64>(e + KEY) == key) return load<i32>(e + VALUE);
    i = (i + 1) & mask;
  }
  return -1;
}

/** Stores `value` under `key` (replacing an existing value). Returns false when the index is full. */
export function idIndexPut(base: usize, capacity: u32, key: u64, value: i32): bool {
  const mask = capacity - 1;
  let i = home(key, mask);
  for (let n: u32 = 0; n < capacity; n++) {
    const e = entry(base, i);
    if (load<i32>(e + USED) == 0) {
      store<u64>(e + KEY, key);
      store<i32>(e + VALUE, value);
      store<i32>(e + USED, 1);
      return true;
    }
    if (load<u64>(e + KEY) == key) {
      store<i32>(e + VALUE, value);
      return true;
    }
    i = (i + 1) & mask;
  }
  return false;
}

/** Removes `key`; returns false when it was absent. Later entries of its probe run shift back. */
export function idIndexDelete(base: usize, capacity: u32, key: u64): bool {
  const mask = capacity - 1;
  let i = home(key, mask);
  let found = false;
  for (let n: u32 = 0; n < capacity; n++) {
    const e = entry(base, i);
    if (load<i32>(e + USED) == 0) return false;
    if (load<u64>(e + KEY) == key) {
      found = true;
      break;
    }
    i = (i + 1) & mask;
  }
  if (!found) return false;
  // Backward shift: move each later entry of the run into the hole when its home allows it.
  let hole = i;
  let j = (i + 1) & mask;
  for (let n: u32 = 0; n < capacity; n++) {
    const e = entry(base, j);
    if (load<i32>(e + USED) == 0) break;
    const h = home(load<u64>(e + KEY), mask);
    // The entry at j may fill the hole when its home is not in (hole, j] (cyclically).
    const between = hole <= j ? h > hole && h <= j : h > hole || h <= j;
    if (!between) {
      const dst = entry(base, hole);
      store<u64>(dst + KEY, load<u64>(e + KEY));
      store<i32>(dst + VALUE, load<i32>(e + VALUE));
      hole = j;
    }
    j = (j + 1) & mask;
  }
  store<i32>(entry(base, hole) + USED, 0);
  return true;
}
