// Writes one 64-byte event record from scalars, in place, without allocating
// (64-bit times and ids arrive as lo/hi u32 pairs: no BigInt on the hot path).
// Field layout: engine/layout/event-record.ts (box diagram there).
import type { RingMemory } from './ring-memory.js';

/**
 * Writes a record at `byteOffset` (8-byte aligned; a ring slot offset).
 * `kind` and `instrument` are i32; `*Lo`/`*Hi` are the low and high u32 halves
 * of the u64 fields (ts_exchange, ts_local, id); price, size, a, b are f64.
 */
export function writeEventRecord(
  memory: RingMemory,
  byteOffset: number,
  kind: number,
  instrument: number,
  tsExchangeLo: number,
  tsExchangeHi: number,
  tsLocalLo: number,
  tsLocalHi: number,
  price: number,
  size: number,
  a: number,
  b: number,
  idLo: number,
  idHi: number,
): void {
  const w = byteOffset >> 2;
  const d = byteOffset >> 3;
  const { i32, u32, f64 } = memory;
  i32[w] = kind;
  i32[w + 1] = instrument;
  u32[w + 2] = tsExchangeLo;
  u32[w + 3] = tsExchangeHi;
  u32[w + 4] = tsLocalLo;
  u32[w + 5] = tsLocalHi;
  f64[d + 3] = price;
  f64[d + 4] = size;
  f64[d + 5] = a;
  f64[d + 6] = b;
  u32[w + 14] = idLo;
  u32[w + 15] = idHi;
}
