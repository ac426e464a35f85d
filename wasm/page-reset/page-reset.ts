// Page reset: the kept core memory made all zeros again between two runs of one thread
// (engine/core/core-memory-cache.ts). A module of its own, instantiated over the same shared
// memory as the core but never at the same time as a run: it reads every 64 KiB page of
// [from, to) and fills with zeros only the pages that hold a non-zero byte.
//
//   memory 0                                                           to
//   | page 0 | page 1 | ... | page k (a non-zero byte: memory.fill 0) | ... |   64 KiB each
//
// It trusts no list of what a run wrote: every byte is read. A page is read as 64-byte rows of
// four v128 loads OR-ed together (one test per page), so a page no run ever touched (the
// kernel's zero page behind it) costs only its reads; a dirty page costs one memory.fill
// (native memset). It writes nothing else: no data segment, no start function, no globals in
// memory (instantiating it leaves the memory as it is).

const PAGE: usize = 65536;
const ROW: usize = 64;

/** Fills with zeros every page of [from, to) (both multiples of 64 KiB) that holds a non-zero byte; returns how many. */
export function zeroDirtyPages(from: usize, to: usize): i32 {
  let filled = 0;
  for (let page = from; page < to; page += PAGE) {
    let any = v128.splat<i64>(0);
    const end = page + PAGE;
    for (let at = page; at < end; at += ROW) {
      const low = v128.or(v128.load(at), v128.load(at, 16));
      const high = v128.or(v128.load(at, 32), v128.load(at, 48));
      any = v128.or(any, v128.or(low, high));
    }
    if (v128.any_true(any)) {
      memory.fill(page, 0, PAGE);
      filled++;
    }
  }
  return filled;
}
