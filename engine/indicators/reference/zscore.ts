// `zscore:N`: (close - SMA(N)) / population sigma(N) of closes; 0 when sigma is 0
// (a flat window). Warm-up N.

import { ReferenceIndicatorBase } from './reference-indicator.js';
import { RollingMoments } from './rolling-moments.js';

export class ReferenceZscore extends ReferenceIndicatorBase {
  private readonly closes: RollingMoments;

  constructor(readonly period: number) {
    super(['value'], period);
    this.closes = new RollingMoments(period);
  }

  protected step(_o: number, _h: number, _l: number, close: number): void {
    this.closes.push(close);
    if (!this.closes.full) return;
    const sigma = Math.sqrt(this.closes.populationVariance());
    this.values[0] = sigma === 0 ? 0 : (close - this.closes.mean()) / sigma;
  }
}
