// Rolling mean and variance of the last N values, numerically stable for BTC-sized
// prices over millions of updates: sums are kept of (x - anchor), and every N pushes the
// anchor moves to the newest value and both sums are recomputed exactly from the window
// (amortised O(1)). A window whose N values are all equal has variance exactly 0.

import { RollingWindow } from './rolling-window.js';

export class RollingMoments {
  private readonly window: RollingWindow;
  private anchor = 0;
  private sum1 = 0; // sum of (x - anchor)
  private sum2 = 0; // sum of (x - anchor)^2
  private pushesSinceAnchor = 0;
  private equalRun = 0; // consecutive pushes equal to the previous one, counting the first
  private previous = Number.NaN;

  constructor(readonly period: number) {
    this.window = new RollingWindow(period);
  }

  get full(): boolean {
    return this.window.full;
  }

  get count(): number {
    return this.window.length;
  }

  push(x: number): void {
    this.equalRun = x === this.previous ? this.equalRun + 1 : 1;
    this.previous = x;
    if (this.window.length === 0) this.anchor = x;
    const evicted = this.window.push(x);
    const d = x - this.anchor;
    this.sum1 += d;
    this.sum2 += d * d;
    if (!Number.isNaN(evicted)) {
      const e = evicted - this.anchor;
      this.sum1 -= e;
      this.sum2 -= e * e;
    }
    this.pushesSinceAnchor += 1;
    if (this.pushesSinceAnchor >= this.period) this.reanchor(x);
  }

  /** All values in the (full or partial) window are equal. */
  get flat(): boolean {
    return this.equalRun >= this.window.length;
  }

  mean(): number {
    return this.anchor + this.sum1 / this.window.length;
  }

  /** Population variance (denominator n); exactly 0 for a flat window. */
  populationVariance(): number {
    if (this.flat) return 0;
    const n = this.window.length;
    return Math.max(0, (this.sum2 - (this.sum1 * this.sum1) / n) / n);
  }

  /** Sample variance (denominator n - 1); exactly 0 for a flat window. */
  sampleVariance(): number {
    if (this.flat) return 0;
    const n = this.window.length;
    return Math.max(0, (this.sum2 - (this.sum1 * this.sum1) / n) / (n - 1));
  }

  private reanchor(anchor: number): void {
    this.anchor = anchor;
    this.sum1 = 0;
    this.sum2 = 0;
    for (const x of this.window.oldestFirst()) {
      const d = x - anchor;
      this.sum1 += d;
      this.sum2 += d * d;
    }
    this.pushesSinceAnchor = 0;
  }
}
