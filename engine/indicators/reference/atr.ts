// `atr:N`: Wilder average true range (TA-Lib ATR). True ranges start on bar 1 (they
// need a previous close); the first ATR, on bar index N, is the mean of true ranges
// 1..N, then atr = (atr * (N-1) + tr) / N. Warm-up N+1.

import { ReferenceIndicatorBase } from './reference-indicator.js';
import { trueRange } from './true-range.js';

export class ReferenceAtr extends ReferenceIndicatorBase {
  private previousClose = Number.NaN;
  private atr = 0;

  constructor(readonly period: number) {
    super(['value'], period + 1);
  }

  protected step(_o: number, high: number, low: number, close: number): void {
    const n = this.period;
    const first = this.bars === 1;
    const range = trueRange(high, low, this.previousClose);
    this.previousClose = close;
    if (first) return;
    if (this.bars <= n + 1) {
      this.atr += range;
      if (this.bars < n + 1) return;
      this.atr /= n;
    } else {
      this.atr *= n - 1;
      this.atr += range;
      this.atr /= n;
    }
    this.values[0] = this.atr;
  }
}
