// `vwap:N`: rolling VWAP over the last N bars, sum(tp * v) / sum(v) with typical price
// tp = (high + low + close) / 3. When the window holds no volume, the current bar's tp.
// Warm-up N.

import { ReferenceIndicatorBase } from './reference-indicator.js';
import { RollingSum } from './rolling-sum.js';

export class ReferenceRollingVwap extends ReferenceIndicatorBase {
  private readonly priceVolume: RollingSum;
  private readonly volumes: RollingSum;

  constructor(readonly period: number) {
    super(['value'], period);
    this.priceVolume = new RollingSum(period);
    this.volumes = new RollingSum(period);
  }

  protected step(_o: number, high: number, low: number, close: number, volume: number): void {
    const typical = (high + low + close) / 3;
    this.priceVolume.push(typical * volume);
    this.volumes.push(volume);
    if (!this.volumes.full) return;
    this.values[0] = this.volumes.sum === 0 ? typical : this.priceVolume.sum / this.volumes.sum;
  }
}
