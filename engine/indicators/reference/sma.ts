// `sma:N`: mean of the last N closes (TA-Lib SMA). Warm-up N.

import { ReferenceIndicatorBase } from './reference-indicator.js';
import { RollingSum } from './rolling-sum.js';

export class ReferenceSma extends ReferenceIndicatorBase {
  private readonly closes: RollingSum;

  constructor(readonly period: number) {
    super(['value'], period);
    this.closes = new RollingSum(period);
  }

  protected step(_o: number, _h: number, _l: number, close: number): void {
    this.closes.push(close);
    if (this.closes.full) this.values[0] = this.closes.sum / this.period;
  }
}
