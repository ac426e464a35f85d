// `stoch:K:D` and `stoch:K:S:D`: stochastic oscillator. fast %K = 100 * (close - LL_K) /
// (HH_K - LL_K) over the last K bars (0 when HH == LL, as TA-Lib); output k = SMA_S(fast %K) (S = 1 without smoothing), output
// d = SMA_D(k). `stoch:K:D` is TA-Lib STOCHF(K, D, SMA); `stoch:K:S:D` is TA-Lib
// STOCH(K, S, SMA, D, SMA). Warm-up K + S + D - 2.

import { MonotonicDeque } from './monotonic-deque.js';
import { ReferenceIndicatorBase } from './reference-indicator.js';
import { RollingSum } from './rolling-sum.js';

export class ReferenceStochastic extends ReferenceIndicatorBase {
  private readonly highs: MonotonicDeque;
  private readonly lows: MonotonicDeque;
  private readonly fastK: RollingSum;
  private readonly slowK: RollingSum;

  constructor(readonly kPeriod: number, readonly smoothing: number, readonly dPeriod: number) {
    super(['k', 'd'], kPeriod + smoothing + dPeriod - 2);
    this.highs = new MonotonicDeque(kPeriod, true);
    this.lows = new MonotonicDeque(kPeriod, false);
    this.fastK = new RollingSum(smoothing);
    this.slowK = new RollingSum(dPeriod);
  }

  protected step(_o: number, high: number, low: number, close: number): void {
    this.highs.push(high);
    this.lows.push(low);
    if (this.bars < this.kPeriod) return;
    const highest = this.highs.extreme;
    const lowest = this.lows.extreme;
    this.fastK.push(highest === lowest ? 0 : (100 * (close - lowest)) / (highest - lowest));
    if (!this.fastK.full) return;
    const k = this.smoothing === 1 ? this.fastK.get(0) : this.fastK.sum / this.smoothing;
    this.slowK.push(k);
    if (!this.slowK.full) return;
    this.values[0] = k;
    this.values[1] = this.dPeriod === 1 ? k : this.slowK.sum / this.dPeriod;
  }
}
