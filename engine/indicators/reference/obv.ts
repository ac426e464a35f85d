// `obv`: on-balance volume starting at the first bar's volume (TA-Lib OBV); then
// + volume on an up close, - volume on a down close, unchanged otherwise. Warm-up 1.

import { ReferenceIndicatorBase } from './reference-indicator.js';

export class ReferenceObv extends ReferenceIndicatorBase {
  private previousClose = Number.NaN;
  private obv = 0;

  constructor() {
    super(['value'], 1);
  }

  protected step(_o: number, _h: number, _l: number, close: number, volume: number): void {
    if (this.bars === 1) this.obv = volume;
    else if (close > this.previousClose) this.obv += volume;
    else if (close < this.previousClose) this.obv -= volume;
    this.previousClose = close;
    this.values[0] = this.obv;
  }
}
