// Rolling sum of the last N values; re-summed exactly from the window every N pushes
// so rounding drift never accumulates past one window (amortised O(1)).

import { RollingWindow } from './rolling-window.js';

export class RollingSum {
  private readonly window: RollingWindow;
  private total = 0;
  private pushesSinceResum = 0;

  constructor(readonly period: number) {
    this.window = new RollingWindow(period);
  }

  get full(): boolean {
    return this.window.full;
  }

  get sum(): number {
    return this.total;
  }

  /** The value pushed `ago` pushes before the newest one (0 = newest). */
  get(ago: number): number {
    return this.window.get(ago);
  }

  push(x: number): void {
    const evicted = this.window.push(x);
    this.total += x;
    if (!Number.isNaN(evicted)) this.total -= evicted;
    this.pushesSinceResum += 1;
    if (this.pushesSinceResum >= this.period) {
      this.total = 0;
      for (const v of this.window.oldestFirst()) this.total += v;
      this.pushesSinceResum = 0;
    }
  }
}
