// A fixed-capacity ring buffer of the last `capacity` numbers: the window every
// rolling reference indicator slides over.

export class RollingWindow {
  private readonly items: Float64Array;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.items = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  get full(): boolean {
    return this.size === this.capacity;
  }

  /** Appends `x`; returns the value it evicted, or NaN when the window was not yet full. */
  push(x: number): number {
    const evicted = this.full ? this.items[this.next] : Number.NaN;
    this.items[this.next] = x;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size += 1;
    return evicted;
  }

  /** The value pushed `ago` pushes before the newest one (0 = newest). */
  get(ago: number): number {
    if (ago < 0 || ago >= this.size) throw new RangeError(`window holds ${this.size} values, asked for ${ago} back`);
    return this.items[(this.next - 1 - ago + 2 * this.capacity) % this.capacity];
  }

  /** Values oldest first (for exact re-summation). */
  *oldestFirst(): IterableIterator<number> {
    for (let ago = this.size - 1; ago >= 0; ago -= 1) yield this.get(ago);
  }
}
