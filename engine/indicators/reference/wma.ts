// `wma:N`: linearly weighted mean of the last N closes, weights 1..N with the newest
// weighted N (TA-Lib WMA). Running sum and weighted sum, re-summed exactly every N
// bars so drift stays within one window. Warm-up N.

import { ReferenceIndicatorBase } from './reference-indicator.js';
import { RollingWindow } from './rolling-window.js';

export class ReferenceWma extends ReferenceIndicatorBase {
  private readonly closes: RollingWindow;
  private readonly weightTotal: number;
  private sum = 0;
  private weightedSum = 0;
  private sinceResum = 0;

  constructor(readonly period: number) {
    super(['value'], period);
    this.closes = new RollingWindow(period);
    this.weightTotal = (period * (period + 1)) / 2;
  }

  protected step(_o: number, _h: number, _l: number, close: number): void {
    const n = this.period;
    if (this.closes.full) {
      // Every weight drops by one (the oldest falls to 0 and leaves), the new close gets N.
      const evicted = this.closes.push(close);
      this.weightedSum += n * close - this.sum;
      this.sum += close - evicted;
    } else {
      this.closes.push(close);
      this.sum += close;
      this.weightedSum += this.closes.length * close;
    }
    this.sinceResum += 1;
    if (this.sinceResum >= n) this.resum();
    if (this.closes.full) this.values[0] = this.weightedSum / this.weightTotal;
  }

  private resum(): void {
    this.sum = 0;
    this.weightedSum = 0;
    let weight = 1;
    for (const x of this.closes.oldestFirst()) {
      this.sum += x;
      this.weightedSum += weight * x;
      weight += 1;
    }
    this.sinceResum = 0;
  }
}
