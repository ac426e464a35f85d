// `rvol:N`: sample standard deviation (N - 1 denominator) of the last N log returns
// ln(close_t / close_t-1), via shifted, re-anchored rolling moments (stable for
// BTC-sized prices over millions of bars). Warm-up N + 1.

import { ReferenceIndicatorBase } from './reference-indicator.js';
import { RollingMoments } from './rolling-moments.js';

export class ReferenceRealizedVolatility extends ReferenceIndicatorBase {
  private readonly returns: RollingMoments;
  private previousClose = Number.NaN;

  constructor(readonly period: number) {
    super(['value'], period + 1);
    this.returns = new RollingMoments(period);
  }

  protected step(_o: number, _h: number, _l: number, close: number): void {
    const previous = this.previousClose;
    this.previousClose = close;
    if (this.bars === 1) return;
    this.returns.push(Math.log(close / previous));
    if (this.returns.full) this.values[0] = Math.sqrt(this.returns.sampleVariance());
  }
}
