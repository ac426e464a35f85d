// `volz:N`: (volume - mean_N(volume)) / population sigma_N(volume), the window including
// the current bar; 0 when sigma is 0 (a flat window). Warm-up N.

import { ReferenceIndicatorBase } from './reference-indicator.js';
import { RollingMoments } from './rolling-moments.js';

export class ReferenceVolumeZscore extends ReferenceIndicatorBase {
  private readonly volumes: RollingMoments;

  constructor(readonly period: number) {
    super(['value'], period);
    this.volumes = new RollingMoments(period);
  }

  protected step(_o: number, _h: number, _l: number, _c: number, volume: number): void {
    this.volumes.push(volume);
    if (!this.volumes.full) return;
    const sigma = Math.sqrt(this.volumes.populationVariance());
    this.values[0] = sigma === 0 ? 0 : (volume - this.volumes.mean()) / sigma;
  }
}
