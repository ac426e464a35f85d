// Shared memories of the core kept by a thread across runs (a sweep's pool worker runs one
// backtest after another): a new 128 MiB shared WebAssembly.Memory costs ~6 ms to map and fault
// in (15-18 ms when two threads allocate at once), more than a short backtest's core work.
//
// A memory given back is handed out again only after it is made byte for byte what a fresh one
// is before the core is instantiated over it: all zeros, over its whole length (data, stack,
// heap, control block, both rings, every state region and the scratch region). The reset does
// not trust any list of what a run writes: it compares every 64 KiB page with zeros (memcmp,
// native; 16 pages at once first) and fills only the pages that differ (as 8-byte words). Pages
// no run ever touched read as the kernel's zero page, so the scan costs little; what a run
// dirtied is what gets written.
//
//   memory 0                                                           MEMORY_BYTES
//   | page 0 | page 1 | ... | page k (dirty: filled with 0) | ... | last page |   64 KiB each
//
// The instance is not reused: the core keeps state in WASM globals (drop counters, the last fill
// slot ...) that only a new instance starts afresh; instantiating the compiled module is cheap.
import { createSharedMemory } from './wasm-core.js';
import { MEMORY_BYTES, PAGE_BYTES } from '../layout/memory-map.js';

/** Memories a thread keeps at most (one per run it has open at once; a worker runs one). */
const KEPT_MAX = 1;

const kept: WebAssembly.Memory[] = [];
let zeroSpan: Buffer | undefined;

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

/** Pages compared with zeros in one call first: a clean span costs one comparison, not 16. */
const SPAN_PAGES = 16;

/** Fills with zeros every 64 KiB page of `memory` that holds a non-zero byte; returns how many it filled. */
export function zeroDirtyPages(memory: WebAssembly.Memory): number {
  const zero = (zeroSpan ??= Buffer.alloc(PAGE_BYTES * SPAN_PAGES));
  const bytes = Buffer.from(memory.buffer as unknown as ArrayBuffer, 0, memory.buffer.byteLength);
  // Filled as 8-byte words: V8 fills a typed array over shared memory element by element, so a
  // byte fill (Buffer.fill) of a run's ~180 dirty pages took ~6.8 ms here against ~1 ms.
  const words = new Float64Array(memory.buffer, 0, memory.buffer.byteLength >> 3);
  const isZero = (from: number, to: number): boolean => bytes.compare(zero, 0, to - from, from, to) === 0;
  let filled = 0;
  for (let span = 0; span < bytes.length; span += PAGE_BYTES * SPAN_PAGES) {
    const spanEnd = Math.min(span + PAGE_BYTES * SPAN_PAGES, bytes.length);
    if (isZero(span, spanEnd)) continue;
    for (let at = span; at < spanEnd; at += PAGE_BYTES) {
      const end = Math.min(at + PAGE_BYTES, spanEnd);
      if (!isZero(at, end)) {
        words.fill(0, at >> 3, end >> 3);
        filled++;
      }
    }
  }
  return filled;
}
