// `adx:N`: outputs adx, plusdi, minusdi (Wilder, as TA-Lib ADX / PLUS_DI / MINUS_DI).
// Directional movements and true ranges are summed over bars 1..N-1, then smoothed
// with x = x - x/N + today from bar N on; DI = 100 * DM / TR (0 when TR is zero). The first
// ADX, on bar 2N-1, is the sum of the DX of bars N..2N-1 divided by N; then
// adx = (adx * (N-1) + dx) / N. A bar whose TR or DI sum is zero has no DX: it adds nothing
// to the sum and the ADX keeps its value. "Zero" is TA-Lib's |x| < 1e-14, as in TA-Lib.
// Warm-up 2N (the DI outputs too, although TA-Lib's PLUS_DI/MINUS_DI start at bar N).

import { ReferenceIndicatorBase } from './reference-indicator.js';
import { taIsZero } from './ta-is-zero.js';
import { trueRange } from './true-range.js';

export class ReferenceAdx extends ReferenceIndicatorBase {
  private previousHigh = 0;
  private previousLow = 0;
  private previousClose = 0;
  private plusDm = 0;
  private minusDm = 0;
  private range = 0;
  private dxSum = 0;
  private adx = 0;

  constructor(readonly period: number) {
    super(['adx', 'plusdi', 'minusdi'], 2 * period);
  }

  protected step(_o: number, high: number, low: number, close: number): void {
    const n = this.period;
    const index = this.bars - 1;
    if (index > 0) {
      const up = high - this.previousHigh;
      const down = this.previousLow - low;
      const tr = trueRange(high, low, this.previousClose);
      if (index >= n) {
        this.plusDm -= this.plusDm / n;
        this.minusDm -= this.minusDm / n;
      }
      if (down > 0 && up < down) this.minusDm += down;
      else if (up > 0 && up > down) this.plusDm += up;
      this.range = index >= n ? this.range - this.range / n + tr : this.range + tr;
      if (index >= n) this.directional(index);
    }
    this.previousHigh = high;
    this.previousLow = low;
    this.previousClose = close;
  }

  private directional(index: number): void {
    const n = this.period;
    const rangeIsZero = taIsZero(this.range);
    const plusDi = rangeIsZero ? 0 : 100 * (this.plusDm / this.range);
    const minusDi = rangeIsZero ? 0 : 100 * (this.minusDm / this.range);
    const diSum = minusDi + plusDi;
    const hasDx = !rangeIsZero && !taIsZero(diSum);
    const dx = hasDx ? 100 * (Math.abs(minusDi - plusDi) / diSum) : 0;
    if (index < 2 * n - 1) {
      if (hasDx) this.dxSum += dx;
    } else if (index === 2 * n - 1) {
      if (hasDx) this.dxSum += dx;
      this.adx = this.dxSum / n;
    } else if (hasDx) {
      this.adx = (this.adx * (n - 1) + dx) / n;
    }
    this.values[0] = this.adx;
    this.values[1] = plusDi;
    this.values[2] = minusDi;
  }
}
