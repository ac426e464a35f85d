// `rsi:N`: Wilder RSI (TA-Lib RSI): the first N close-to-close gains and losses are
// averaged simply, then avg = (avg * (N-1) + x) / N. First value on bar index N
// (warm-up N+1). When average gain + average loss is zero by TA-Lib's test (|x| < 1e-14,
// no movement) RSI is 0, as TA-Lib.

import { ReferenceIndicatorBase } from './reference-indicator.js';
import { taIsZero } from './ta-is-zero.js';

export class ReferenceRsi extends ReferenceIndicatorBase {
  private previousClose = Number.NaN;
  private averageGain = 0;
  private averageLoss = 0;

  constructor(readonly period: number) {
    super(['value'], period + 1);
  }

  protected step(_o: number, _h: number, _l: number, close: number): void {
    const n = this.period;
    const first = this.bars === 1;
    const change = close - this.previousClose;
    this.previousClose = close;
    if (first) return;
    if (this.bars <= n + 1) {
      // Seeding: sums of the first N gains and losses (losses as positive numbers).
      if (change < 0) this.averageLoss -= change;
      else this.averageGain += change;
      if (this.bars < n + 1) return;
      this.averageLoss /= n;
      this.averageGain /= n;
    } else {
      this.averageLoss *= n - 1;
      this.averageGain *= n - 1;
      if (change < 0) this.averageLoss -= change;
      else this.averageGain += change;
      this.averageLoss /= n;
      this.averageGain /= n;
    }
    const total = this.averageGain + this.averageLoss;
    this.values[0] = taIsZero(total) ? 0 : 100 * (this.averageGain / total);
  }
}
