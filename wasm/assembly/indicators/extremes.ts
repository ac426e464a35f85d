// Rolling maximum of one input and minimum of another over the last n bars, by two monotonic
// deques kept in ring buffers of n entries each: amortised O(1) per bar, no allocation.

// MAXMIN state:
//   +0  t i64 (index of the next valid input)
//   +8  maxHead i32 | +12 maxLen i32 | +16 minHead i32 | +20 minLen i32
//   +24 max deque: n entries of 16 B (value f64 | index i64), front = current maximum
//   +24 + 16n  min deque: n entries of 16 B, front = current minimum
// Each step first drops the front entry when it left the window, then pops dominated
// entries from the back, then pushes the new input; so a deque never holds more than n entries.

@inline
function dequeEntry(deque: usize, position: i32, n: i32): usize {
  return deque + (<usize>(position >= n ? position - n : position) << 4);
}

/** Writes max to out and min to out + 8. */
@inline
export function maxMinStep(st: usize, a: f64, b: f64, n: i32, out: usize): void {
  const t = load<i64>(st);
  if (t == 0 && (isNaN(a) || isNaN(b))) {
    store<f64>(out, NaN);
    store<f64>(out, NaN, 8);
    return;
  }
  const expired = t - <i64>n;
  // Max deque: values strictly decreasing from front to back.
  const maxDeque = st + 24;
  let head = load<i32>(st, 8);
  let len = load<i32>(st, 12);
  if (len > 0 && load<i64>(dequeEntry(maxDeque, head, n), 8) <= expired) {
    head = head + 1 == n ? 0 : head + 1;
    len--;
  }
  while (len > 0 && load<f64>(dequeEntry(maxDeque, head + len - 1, n)) <= a) len--;
  let entry = dequeEntry(maxDeque, head + len, n);
  store<f64>(entry, a);
  store<i64>(entry, t, 8);
  len++;
  store<i32>(st, head, 8);
  store<i32>(st, len, 12);
  const highest = load<f64>(dequeEntry(maxDeque, head, n));
  // Min deque: values strictly increasing from front to back.
  const minDeque = st + 24 + (<usize>n << 4);
  head = load<i32>(st, 16);
  len = load<i32>(st, 20);
  if (len > 0 && load<i64>(dequeEntry(minDeque, head, n), 8) <= expired) {
    head = head + 1 == n ? 0 : head + 1;
    len--;
  }
  while (len > 0 && load<f64>(dequeEntry(minDeque, head + len - 1, n)) >= b) len--;
  entry = dequeEntry(minDeque, head + len, n);
  store<f64>(entry, b);
  store<i64>(entry, t, 8);
  len++;
  store<i32>(st, head, 16);
  store<i32>(st, len, 20);
  const lowest = load<f64>(dequeEntry(minDeque, head, n));
  store<i64>(st, t + 1);
  if (t + 1 < <i64>n) {
    store<f64>(out, NaN);
    store<f64>(out, NaN, 8);
  } else {
    store<f64>(out, highest);
    store<f64>(out, lowest, 8);
  }
}
