// Rolling maximum of one input and minimum of another over the last n bars, by van Herk /
// Gil-Werman blocks: the bars are cut into blocks of n; the window ending at a bar is the tail
// of the previous block (a suffix extreme, precomputed when that block completed) plus the
// head of the current block (a running extreme). Per bar: two compares per side and no
// data-dependent branch; every n bars one backward pass of n compares (amortised O(1)).
// No allocation; the state is two arrays of n values.

// Both sides run as one f64x2 vector [a, -b]: the min of b is minus the max of -b, and
// f64x2.pmax(p, q) = p < q ? q : p keeps p on ties and NaN, as `q > p ? q : p` does, so one
// branch-free vector max per step serves both extremes (negation is exact).
//
// MAXMIN state:
//   +0  t i64 (bars since the first valid input, capped at n)
//   +8  j i32 (position of the bar in its block, 0 .. n-1)
//   +16 head v128 [max a, max -b] over the current block so far
//   +32 cells v128[n]: [a, -b] per position
// Cell k holds, for k > j, the suffix extremes of the previous block from position k to its
// end; for k <= j, the current block's input at k. When a block completes (j = n - 1) the
// cells hold that block's inputs and one backward pass turns them into suffix extremes.

@inline
export function maxMinStateBytes(n: i32): i32 {
  return 32 + 16 * n;
}

/** Suffix extremes in place: cell k = lane-wise max of cells k .. n-1. */
@inline
function suffixExtremes(cells: usize, n: i32): void {
  let run = v128.load(cells + (<usize>(n - 1) << 4));
  for (let k = n - 2; k >= 0; k--) {
    const at = cells + (<usize>k << 4);
    run = f64x2.pmax(run, v128.load(at));
    v128.store(at, run);
  }
}

/**
 * Column kernel over `bytes / 8` bars: a at xa, b at xb; writes the max of a at oMax and the
 * min of b at oMin (NaN until n valid bars). Per call: bytes = 8. State in locals for the loop.
 */
@inline
export function maxMinRun(st: usize, xa: usize, xb: usize, oMax: usize, oMin: usize, bytes: usize, n: i32): void {
  let t = load<i64>(st);
  let j = load<i32>(st, 8);
  let head = v128.load(st, 16);
  const cells = st + 32;
  const window = <i64>n;
  for (let i: usize = 0; i < bytes; i += 8) {
    const a = load<f64>(xa + i);
    const b = load<f64>(xb + i);
    if (t == 0 && (isNaN(a) || isNaN(b))) {
      store<f64>(oMax + i, NaN);
      store<f64>(oMin + i, NaN);
      continue;
    }
    const input = f64x2.replace_lane(f64x2.splat(a), 1, -b);
    head = j == 0 ? input : f64x2.pmax(head, input);
    const at = cells + (<usize>j << 4);
    v128.store(at, input);
    let extremes = head;
    if (j + 1 < n) {
      extremes = f64x2.pmax(head, v128.load(at, 16));
      j++;
    } else {
      suffixExtremes(cells, n);
      j = 0;
    }
    if (t + 1 < window) {
      t++;
      store<f64>(oMax + i, NaN);
      store<f64>(oMin + i, NaN);
    } else {
      t = window;
      store<f64>(oMax + i, f64x2.extract_lane(extremes, 0));
      store<f64>(oMin + i, -f64x2.extract_lane(extremes, 1));
    }
  }
  store<i64>(st, t);
  store<i32>(st, j, 8);
  v128.store(st, head, 16);
}
