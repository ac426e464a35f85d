// `roc:N`: rate of change in percent, 100 * (close_t / close_t-N - 1) (TA-Lib ROC,
// including its 0 when close_t-N is 0). Warm-up N + 1.

import { ReferenceIndicatorBase } from './reference-indicator.js';
import { RollingWindow } from './rolling-window.js';

export class ReferenceRoc extends ReferenceIndicatorBase {
  private readonly closes: RollingWindow;

  constructor(readonly period: number) {
    super(['value'], period + 1);
    this.closes = new RollingWindow(period + 1);
  }

  protected step(_o: number, _h: number, _l: number, close: number): void {
    this.closes.push(close);
    if (!this.closes.full) return;
    const past = this.closes.get(this.period);
    this.values[0] = past === 0 ? 0 : (close / past - 1) * 100;
  }
}
