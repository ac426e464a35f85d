// `ema:N`: exponential moving average, alpha 2/(N+1), SMA-seeded (TA-Lib EMA). Warm-up N.

import { EmaState } from './ema-state.js';
import { ReferenceIndicatorBase } from './reference-indicator.js';

export class ReferenceEma extends ReferenceIndicatorBase {
  private readonly ema: EmaState;

  constructor(readonly period: number) {
    super(['value'], period);
    this.ema = new EmaState(period);
  }

  protected step(_o: number, _h: number, _l: number, close: number): void {
    this.ema.push(close);
    this.values[0] = this.ema.current;
  }
}
