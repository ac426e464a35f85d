// Kernel opcodes of the indicator program, with each kernel's shape: inputs, outputs,
// parameter rules and state size. Mirrored by engine/indicators/kernel-opcodes.ts.
// The plan loader (plan-loader.ts) validates every node against these rules, so a bad
// plan is rejected at load time and the per-bar loop never checks anything.

import { MAX_WINDOW } from './plan-layout';
import { maxMinStateBytes } from './extremes';

export const OP_SMA: i32 = 1; //     (x; ip0 n)                        -> mean of the last n
export const OP_EMA: i32 = 2; //     (x; ip0 n, ip1 skip; fp0 alpha)   -> EMA seeded by SMA, after skipping `skip` inputs
export const OP_WMA: i32 = 3; //     (x; ip0 n)                        -> linear weights 1..n
export const OP_WILDER: i32 = 4; //  (x; ip0 n, ip1 skip)              -> Wilder average seeded by SMA
export const OP_RSI: i32 = 5; //     (x; ip0 n)                        -> Wilder RSI
export const OP_TR: i32 = 6; //      (high, low, close)                -> true range
export const OP_STDDEV: i32 = 7; //  (x; ip0 n, ip1 ddof)              -> std over the last n
export const OP_LOGRET: i32 = 8; //  (x)                               -> ln(x / previous x)
export const OP_ZSCORE: i32 = 9; //  (x, mean, std)                    -> (x - mean) / std, 0 when std == 0
export const OP_BB: i32 = 10; //     (close, mean, std; fp0 k)         -> upper, middle, lower, pctb, bandwidth
export const OP_RATIO: i32 = 11; //  (a, b)                            -> a / b, 0 when b == 0
export const OP_SUB: i32 = 12; //    (a, b)                            -> a - b
export const OP_PACK: i32 = 13; //   (x0..x3)                          -> copies, all NaN until every input is valid
export const OP_VWAP: i32 = 14; //   (high, low, close, volume; ip0 n) -> rolling VWAP
export const OP_SVWAP: i32 = 15; //  (high, low, close, volume; ip0 hour) -> session VWAP (uses bar time)
export const OP_ROC: i32 = 16; //    (x; ip0 n)                        -> 100 (x / x[n ago] - 1)
export const OP_MAXMIN: i32 = 17; // (a, b; ip0 n)                     -> max of a, min of b over the last n
export const OP_STOCHK: i32 = 18; // (close, highest, lowest)          -> fast %K
export const OP_ADX: i32 = 19; //    (high, low, close; ip0 n)         -> adx, plusdi, minusdi
export const OP_OBV: i32 = 20; //    (close, volume)                   -> on-balance volume
export const OP_DIFF: i32 = 21; //   (x; ip0 k)                        -> x - x[k ago]
export const OP_LAG: i32 = 22; //    (x; ip0 k)                        -> x[k ago]
export const OP_SLOPE: i32 = 23; //  (x; ip0 k)                        -> least-squares slope of the last k
export const OP_COUNT: i32 = 24; // one past the last opcode

/** Inputs a kernel reads; -1 for OP_PACK (1..4, equal to its output count). */
export function opInputCount(op: i32): i32 {
  switch (op) {
    case OP_SMA: case OP_EMA: case OP_WMA: case OP_WILDER: case OP_RSI: case OP_STDDEV:
    case OP_LOGRET: case OP_ROC: case OP_DIFF: case OP_LAG: case OP_SLOPE:
      return 1;
    case OP_RATIO: case OP_SUB: case OP_MAXMIN: case OP_OBV:
      return 2;
    case OP_TR: case OP_ZSCORE: case OP_BB: case OP_STOCHK: case OP_ADX:
      return 3;
    case OP_VWAP: case OP_SVWAP:
      return 4;
    case OP_PACK:
      return -1;
  }
  return 0;
}

/** Outputs a kernel writes; -1 for OP_PACK. */
export function opOutputCount(op: i32): i32 {
  switch (op) {
    case OP_BB: return 5;
    case OP_ADX: return 3;
    case OP_MAXMIN: return 2;
    case OP_PACK: return -1;
  }
  return op > 0 && op < OP_COUNT ? 1 : 0;
}

/** Checks a kernel's integer parameters; returns false when they break the kernel's rules. */
export function opParamsValid(op: i32, ip0: i32, ip1: i32): bool {
  switch (op) {
    case OP_SMA: case OP_WMA: case OP_RSI: case OP_VWAP: case OP_ROC: case OP_MAXMIN:
    case OP_DIFF: case OP_LAG:
      return ip0 >= 1 && ip0 <= MAX_WINDOW;
    case OP_EMA: case OP_WILDER:
      return ip0 >= 1 && ip0 <= MAX_WINDOW && ip1 >= 0 && ip1 <= MAX_WINDOW;
    case OP_STDDEV:
      return ip0 >= 1 && ip0 <= MAX_WINDOW && ip1 >= 0 && ip1 < ip0;
    case OP_ADX: case OP_SLOPE:
      return ip0 >= 2 && ip0 <= MAX_WINDOW;
    case OP_SVWAP:
      return ip0 >= 0 && ip0 <= 23;
  }
  return true;
}

/** Bytes of state a node keeps per slot (a multiple of 8). Layouts are in each kernel's module. */
export function opStateBytes(op: i32, ip0: i32): i32 {
  switch (op) {
    case OP_SMA: return 16 + 8 * ip0;
    case OP_EMA: return 24;
    case OP_WMA: return 32 + 8 * ip0;
    case OP_WILDER: return 24;
    case OP_RSI: return 32;
    case OP_TR: return 16;
    case OP_STDDEV: return 40 + 8 * ip0;
    case OP_LOGRET: return 16;
    case OP_VWAP: return 40 + 16 * ip0;
    case OP_SVWAP: return 32;
    case OP_ROC: return 8 + 8 * ip0;
    case OP_MAXMIN: return maxMinStateBytes(ip0);
    case OP_ADX: return 72;
    case OP_OBV: return 24;
    case OP_DIFF: case OP_LAG: return 8 + 8 * ip0;
    case OP_SLOPE: return 40 + 8 * ip0;
  }
  return 0;
}
