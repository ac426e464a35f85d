// Rolling maximum (or minimum) of the last N values with a monotonic deque of
// (bar index, value) pairs held in ring buffers: amortised O(1) per push.

export class MonotonicDeque {
  private readonly indices: Float64Array;
  private readonly items: Float64Array;
  private head = 0;
  private size = 0;
  private pushed = 0;

  /** `keepMax` true tracks the maximum, false the minimum. */
  constructor(readonly period: number, private readonly keepMax: boolean) {
    this.indices = new Float64Array(period + 1);
    this.items = new Float64Array(period + 1);
  }

  push(x: number): void {
    const cap = this.items.length;
    // Drop from the back every value the new one dominates (ties: the newer one wins).
    while (this.size > 0) {
      const back = this.items[(this.head + this.size - 1) % cap];
      if (this.keepMax ? back <= x : back >= x) this.size -= 1;
      else break;
    }
    const slot = (this.head + this.size) % cap;
    this.items[slot] = x;
    this.indices[slot] = this.pushed;
    this.size += 1;
    this.pushed += 1;
    // Drop from the front what left the window.
    while (this.indices[this.head] <= this.pushed - 1 - this.period) {
      this.head = (this.head + 1) % cap;
      this.size -= 1;
    }
  }

  /** Max (or min) of the last `period` pushes (or of all pushes while fewer). */
  get extreme(): number {
    return this.items[this.head];
  }
}
