// `macd:F:S:G`: outputs macd = EMA_F - EMA_S, signal = EMA_G(macd), hist = macd - signal,
// seeded as TA-Lib MACD: both EMAs start on bar S-1, the slow one seeded with the mean
// of closes 0..S-1 and the fast one with the mean of closes S-F..S-1; the signal is
// seeded with the mean of the first G macd values. Warm-up S + G - 1.

import { EmaState } from './ema-state.js';
import { ReferenceIndicatorBase } from './reference-indicator.js';

export class ReferenceMacd extends ReferenceIndicatorBase {
  private readonly fast: EmaState;
  private readonly slow: EmaState;
  private readonly signal: EmaState;

  constructor(readonly fastPeriod: number, readonly slowPeriod: number, readonly signalPeriod: number) {
    super(['macd', 'signal', 'hist'], slowPeriod + signalPeriod - 1);
    this.fast = new EmaState(fastPeriod);
    this.slow = new EmaState(slowPeriod);
    this.signal = new EmaState(signalPeriod);
  }

  protected step(_o: number, _h: number, _l: number, close: number): void {
    const index = this.bars - 1;
    this.slow.push(close);
    // The fast EMA sees its first close on bar S-F so that it is seeded on bar S-1.
    if (index >= this.slowPeriod - this.fastPeriod) this.fast.push(close);
    if (!this.slow.ready) return;
    const macd = this.fast.current - this.slow.current;
    this.signal.push(macd);
    this.values[0] = macd;
    this.values[1] = this.signal.current;
    this.values[2] = macd - this.signal.current;
  }
}
