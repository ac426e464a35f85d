// `bb:N:K`: Bollinger bands over the last N closes. middle = SMA(N), sigma = population
// standard deviation, upper/lower = middle +/- K * sigma (TA-Lib BBANDS, SMA). Extra
// outputs: pctb = (close - lower) / (upper - lower), 0.5 when upper == lower;
// bandwidth = (upper - lower) / middle, 0 when middle == 0. Warm-up N.

import { ReferenceIndicatorBase } from './reference-indicator.js';
import { RollingMoments } from './rolling-moments.js';

export class ReferenceBollingerBands extends ReferenceIndicatorBase {
  private readonly closes: RollingMoments;

  constructor(readonly period: number, readonly deviations: number) {
    super(['upper', 'middle', 'lower', 'pctb', 'bandwidth'], period);
    this.closes = new RollingMoments(period);
  }

  protected step(_o: number, _h: number, _l: number, close: number): void {
    this.closes.push(close);
    if (!this.closes.full) return;
    const middle = this.closes.mean();
    const spread = Math.sqrt(this.closes.populationVariance()) * this.deviations;
    const upper = middle + spread;
    const lower = middle - spread;
    this.values[0] = upper;
    this.values[1] = middle;
    this.values[2] = lower;
    this.values[3] = upper === lower ? 0.5 : (close - lower) / (upper - lower);
    this.values[4] = middle === 0 ? 0 : (upper - lower) / middle;
  }
}
