// `donchian:N`: outputs upper = max high and lower = min low over the last N bars
// (TA-Lib MAX(high, N) and MIN(low, N)), with monotonic deques. Warm-up N.

import { MonotonicDeque } from './monotonic-deque.js';
import { ReferenceIndicatorBase } from './reference-indicator.js';

export class ReferenceDonchian extends ReferenceIndicatorBase {
  private readonly highs: MonotonicDeque;
  private readonly lows: MonotonicDeque;

  constructor(readonly period: number) {
    super(['upper', 'lower'], period);
    this.highs = new MonotonicDeque(period, true);
    this.lows = new MonotonicDeque(period, false);
  }

  protected step(_o: number, high: number, low: number): void {
    this.highs.push(high);
    this.lows.push(low);
    this.values[0] = this.highs.extreme;
    this.values[1] = this.lows.extreme;
  }
}
