// `tr`: true range, max(high - low, |high - previous close|, |low - previous close|);
// on the first bar high - low (TA-Lib TRANGE has no first value; see TALIB_DIFFERENCES.md).
// Warm-up 1. Also exports the pure `trueRange` used by atr and adx.

import { ReferenceIndicatorBase } from './reference-indicator.js';

/** True range of a bar given the previous close (NaN previous close: high - low). */
export function trueRange(high: number, low: number, previousClose: number): number {
  let range = high - low;
  if (Number.isNaN(previousClose)) return range;
  const up = Math.abs(high - previousClose);
  if (up > range) range = up;
  const down = Math.abs(low - previousClose);
  if (down > range) range = down;
  return range;
}

export class ReferenceTrueRange extends ReferenceIndicatorBase {
  private previousClose = Number.NaN;

  constructor() {
    super(['value'], 1);
  }

  protected step(_o: number, high: number, low: number, close: number): void {
    this.values[0] = trueRange(high, low, this.previousClose);
    this.previousClose = close;
  }
}
