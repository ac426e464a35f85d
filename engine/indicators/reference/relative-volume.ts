// `relvol:N`: volume / SMA_N(volume), the mean including the current bar; 0 when that
// mean is 0 (no volume in the window). Warm-up N.

import { ReferenceIndicatorBase } from './reference-indicator.js';
import { RollingSum } from './rolling-sum.js';

export class ReferenceRelativeVolume extends ReferenceIndicatorBase {
  private readonly volumes: RollingSum;

  constructor(readonly period: number) {
    super(['value'], period);
    this.volumes = new RollingSum(period);
  }

  protected step(_o: number, _h: number, _l: number, _c: number, volume: number): void {
    this.volumes.push(volume);
    if (!this.volumes.full) return;
    const mean = this.volumes.sum / this.period;
    this.values[0] = mean === 0 ? 0 : volume / mean;
  }
}
