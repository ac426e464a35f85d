// Shared memories of the core kept by a thread across runs (a sweep's pool worker runs one
// backtest after another): a new 128 MiB shared WebAssembly.Memory costs ~6 ms to map and fault
// in (15-18 ms when two threads allocate at once), more than a short backtest's core work.
//
// A memory given back is handed out again only after it is made byte for byte what a fresh one
// is before the core is instantiated over it: all zeros, over its whole length (data, stack,
// heap, control block, both rings, every state region and the scratch region). The reset does
// not trust any list of what a run writes: the page-reset module (wasm/page-reset, instantiated
// once per kept memory) reads every 64 KiB page with SIMD loads and fills with zeros (memset)
// only the pages that hold a non-zero byte. Pages no run ever touched read as the kernel's zero
// page, so the scan costs little; what a run dirtied is what gets written.
//
//   memory 0                                                           MEMORY_BYTES
//   | page 0 | page 1 | ... | page k (dirty: filled with 0) | ... | last page |   64 KiB each
//
// (Until Dec 2026 the scan was Buffer.compare against a zero buffer and the fill a Float64Array
// fill: ~3.3 ms for a clean 128 MiB and ~3.6 ms with 180 dirty pages here, against ~1.8 and
// ~1.9 ms now; in a sweep's pool worker the compare alone was ~14% of its CPU.)
//
// The instance is not reused: the core keeps state in WASM globals (drop counters, the last fill
// slot ...) that only a new instance starts afresh; instantiating the compiled module is cheap.
import { compilePageReset, createSharedMemory } from './wasm-core.js';
import { MEMORY_BYTES, PAGE_BYTES } from '../layout/memory-map.js';

/** Memories a thread keeps at most (one per run it has open at once; a worker runs one). */
const KEPT_MAX = 1;

const kept: WebAssembly.Memory[] = [];

/** A memory for a core: a kept one, reset to zeros, or a new one. */
export function takeCoreMemory(): WebAssembly.Memory {
  const memory = kept.pop();
  if (!memory) return createSharedMemory();
  zeroDirtyPages(memory);
  return memory;
}

/**
 * Readies this thread's kept memory ahead of its first run (a pool worker waiting for its first
 * task): mapped, and every page read once, so that run neither maps 128 MiB nor takes the page
 * faults of the first scan. Nothing when a memory is kept already.
 */
export function prepareCoreMemory(): void {
  if (kept.length > 0) return;
  const memory = createSharedMemory();
  zeroDirtyPages(memory);
  kept.push(memory);
}

/** Keeps `memory` for the next takeCoreMemory of this thread. Its run must hold no view of it any more. */
export function keepCoreMemory(memory: WebAssembly.Memory): void {
  if (kept.length < KEPT_MAX && memory.buffer.byteLength === MEMORY_BYTES && !kept.includes(memory)) kept.push(memory);
}

type ZeroDirtyPages = (from: number, to: number) => number;

/** The page-reset module's zeroDirtyPages over each memory it was asked to reset (kept memories: one per thread). */
const resetters = new WeakMap<WebAssembly.Memory, ZeroDirtyPages>();

/** Fills with zeros every 64 KiB page of `memory` that holds a non-zero byte; returns how many it filled. */
export function zeroDirtyPages(memory: WebAssembly.Memory): number {
  let reset = resetters.get(memory);
  if (!reset) {
    const instance = new WebAssembly.Instance(compilePageReset(), { env: { memory } });
    reset = instance.exports.zeroDirtyPages as ZeroDirtyPages;
    resetters.set(memory, reset);
  }
  const bytes = memory.buffer.byteLength;
  if (bytes % PAGE_BYTES !== 0) throw new RangeError(`zeroDirtyPages: the memory is ${bytes} bytes, not a whole number of ${PAGE_BYTES}-byte pages`);
  return reset(0, bytes);
}
