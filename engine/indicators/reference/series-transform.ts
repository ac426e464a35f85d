// Derivative transforms of one indicator output, fed the output's values once it is
// stable: `@diff:k` (value - value k bars ago), `@lag:k` (value k bars ago) and
// `@slope:k` (least-squares slope per bar over the last k values, x = 0..k-1 oldest
// first; computed directly over the window for clarity).

import { RollingWindow } from './rolling-window.js';

export interface SeriesTransform {
  /** Extra bars of warm-up the transform adds to its source. */
  readonly extraWarmup: number;
  push(x: number): void;
  /** Current value; meaningful once `extraWarmup + 1` values were pushed. */
  value(): number;
}

export class DiffTransform implements SeriesTransform {
  private readonly window: RollingWindow;

  constructor(readonly bars: number) {
    this.window = new RollingWindow(bars + 1);
  }

  get extraWarmup(): number {
    return this.bars;
  }

  push(x: number): void {
    this.window.push(x);
  }

  value(): number {
    return this.window.full ? this.window.get(0) - this.window.get(this.bars) : Number.NaN;
  }
}

export class LagTransform implements SeriesTransform {
  private readonly window: RollingWindow;

  constructor(readonly bars: number) {
    this.window = new RollingWindow(bars + 1);
  }

  get extraWarmup(): number {
    return this.bars;
  }

  push(x: number): void {
    this.window.push(x);
  }

  value(): number {
    return this.window.full ? this.window.get(this.bars) : Number.NaN;
  }
}

export class SlopeTransform implements SeriesTransform {
  private readonly window: RollingWindow;

  constructor(readonly bars: number) {
    this.window = new RollingWindow(bars);
  }

  get extraWarmup(): number {
    return this.bars - 1;
  }

  push(x: number): void {
    this.window.push(x);
  }

  value(): number {
    if (!this.window.full) return Number.NaN;
    const k = this.bars;
    const meanX = (k - 1) / 2;
    let meanY = 0;
    for (let ago = 0; ago < k; ago += 1) meanY += this.window.get(ago);
    meanY /= k;
    let covariance = 0;
    let varianceX = 0;
    for (let x = 0; x < k; x += 1) {
      const dx = x - meanX;
      covariance += dx * (this.window.get(k - 1 - x) - meanY);
      varianceX += dx * dx;
    }
    return covariance / varianceX;
  }
}
