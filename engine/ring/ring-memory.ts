// Typed views over the shared buffer that holds one or more rings. Views are
// created once per buffer and shared by every producer and consumer on it, so
// nothing is allocated per message.
const viewsByBuffer = new WeakMap<SharedArrayBuffer, RingMemory>();

/** A shared WebAssembly.Memory (shared: true) or the SharedArrayBuffer behind one. */
export type RingMemorySource = WebAssembly.Memory | SharedArrayBuffer;

export class RingMemory {
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;

  private constructor(readonly buffer: SharedArrayBuffer) {
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.f64 = new Float64Array(buffer);
  }

  /** The views for `source`, created on first use and cached by buffer. */
  static of(source: RingMemorySource): RingMemory {
    const buffer = source instanceof WebAssembly.Memory ? source.buffer : source;
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new TypeError(
        `ring memory must be a SharedArrayBuffer or a WebAssembly.Memory created with shared: true, was ${Object.prototype.toString.call(buffer)}`,
      );
    }
    let views = viewsByBuffer.get(buffer);
    if (!views) {
      views = new RingMemory(buffer);
      viewsByBuffer.set(buffer, views);
    }
    return views;
  }
}
