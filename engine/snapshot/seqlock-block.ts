// One block of the shared memory that the core publishes under a seqlock (the published state,
// the published signals: wasm/assembly/state/), copied whole on any thread holding the memory:
//
//   s1 = Atomics.load(seq); odd: the core is writing, try again
//   copy the block (header, then `count` entries) into a private buffer
//   s2 = Atomics.load(seq); s2 != s1: the core wrote meanwhile, try again
//   the private copy is one publication: the caller decodes it
//
// The copy is bracketed by two seq-cst loads, which V8 never moves plain memory accesses across;
// on x86-64 loads are not reordered with loads either, so a copy seen between two equal even
// sequence values is one the core finished before s1 and did not touch until after s2.
// After `maxAttempts` attempts that saw the core writing, it throws StateNotPublishedError.
// The private buffer is one per memory and block, reused by every read (no allocation per read).

/** Where a seqlocked block lies and how it is shaped (a mirror of its wasm layout). */
export interface SeqlockBlockLayout {
  /** Names the block in errors (e.g. `readConsistentState`). */
  readonly reader: string;
  /** Byte offset of the block in the memory; its first 8 bytes are the i64 sequence. */
  readonly offset: number;
  /** Bytes of the block with every entry. */
  readonly maxBytes: number;
  /** Bytes before the first entry (sequence and header). */
  readonly headerBytes: number;
  readonly entryBytes: number;
  /** Offset of the i32 entry count in the header. */
  readonly countField: number;
}

/** A consistent copy: `view` over the private buffer (valid until the next read of the same block). */
export interface SeqlockCopy {
  readonly view: DataView;
  readonly seq: number;
  readonly count: number;
}

export interface ReadConsistentStateOptions {
  /** Attempts before giving up while the core keeps writing (default 1,000,000). */
  readonly maxAttempts?: number;
}

/** The core held the block's sequence odd (writing) for every attempt of a read. */
export class StateNotPublishedError extends Error {
  constructor(readonly attempts: number, readonly seq: bigint, reader = 'readConsistentState') {
    super(`${reader}: the published state stayed mid-write (sequence ${seq} odd or changing) for ${attempts} attempts; `
      + 'the engine thread is stuck inside a publication or something other than the core writes the block');
    this.name = 'StateNotPublishedError';
  }
}

const DEFAULT_MAX_ATTEMPTS = 1_000_000;

interface Reader {
  readonly seq: BigInt64Array;
  readonly bytes: Uint8Array;
  readonly copy: Uint8Array;
  readonly view: DataView;
}

const readers = new WeakMap<ArrayBufferLike, Map<SeqlockBlockLayout, Reader>>();

function readerFor(memory: WebAssembly.Memory, layout: SeqlockBlockLayout): Reader {
  const buffer = memory.buffer;
  let byLayout = readers.get(buffer);
  if (!byLayout) readers.set(buffer, (byLayout = new Map()));
  let reader = byLayout.get(layout);
  if (!reader) {
    const copy = new Uint8Array(layout.maxBytes);
    reader = {
      seq: new BigInt64Array(buffer, layout.offset, 1),
      bytes: new Uint8Array(buffer, layout.offset, layout.maxBytes),
      copy,
      view: new DataView(copy.buffer),
    };
    byLayout.set(layout, reader);
  }
  return reader;
}

/** Copies the block whole (one publication of the core) into its private buffer. */
export function readSeqlockBlock(memory: WebAssembly.Memory, layout: SeqlockBlockLayout, options: ReadConsistentStateOptions = {}): SeqlockCopy {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`\`maxAttempts\` must be an integer >= 1, was ${maxAttempts}`);
  const maxCount = (layout.maxBytes - layout.headerBytes) / layout.entryBytes;
  const { seq, bytes, copy, view } = readerFor(memory, layout);
  let last = 0n;
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const before = Atomics.load(seq, 0);
    last = before;
    if ((before & 1n) !== 0n) continue;
    copy.set(bytes.subarray(0, layout.headerBytes));
    const count = view.getInt32(layout.countField, true);
    if (count >= 0 && count <= maxCount) copy.set(bytes.subarray(layout.headerBytes, layout.headerBytes + count * layout.entryBytes), layout.headerBytes);
    const after = Atomics.load(seq, 0);
    if (after !== before) continue;
    if (count < 0 || count > maxCount) {
      throw new Error(`${layout.reader}: the published block lists ${count} instruments at sequence ${before}, expected 0 .. ${maxCount}`);
    }
    return { view, seq: Number(before), count };
  }
  throw new StateNotPublishedError(maxAttempts, last, layout.reader);
}
