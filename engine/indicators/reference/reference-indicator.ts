// The streaming shape every TS reference indicator shares (after trading-signals'
// `Indicator`: update, no value during warm-up, isStable), plus the base class that
// counts bars and hides values until the declared warm-up has passed.

/** A streaming indicator fed one bar at a time. `value(i)` is NaN during warm-up. */
export interface ReferenceIndicator {
  /** Output names, in the order `value(i)` reads them. */
  readonly outputs: string[];
  /** Bars needed before the first value: the first value appears on bar index `warmup - 1`. */
  readonly warmup: number;
  update(open: number, high: number, low: number, close: number, volume: number, timeNs: bigint): void;
  /** Output `outputIndex` after the last update; NaN while fewer than `warmup` bars were seen. */
  value(outputIndex: number): number;
  /** True once `warmup` bars have been seen. */
  readonly isStable: boolean;
}

/**
 * Base for the reference kernels: counts bars and gates `value` on the warm-up.
 * Subclasses implement `step` and write their outputs into `values`.
 */
export abstract class ReferenceIndicatorBase implements ReferenceIndicator {
  readonly values: Float64Array;
  protected bars = 0;

  constructor(readonly outputs: string[], readonly warmup: number) {
    this.values = new Float64Array(outputs.length).fill(Number.NaN);
  }

  update(open: number, high: number, low: number, close: number, volume: number, timeNs: bigint): void {
    this.bars += 1;
    this.step(open, high, low, close, volume, timeNs);
  }

  value(outputIndex: number): number {
    if (outputIndex < 0 || outputIndex >= this.outputs.length || !Number.isInteger(outputIndex)) {
      throw new RangeError(`output index must be an integer in [0, ${this.outputs.length - 1}], was ${outputIndex}`);
    }
    return this.bars >= this.warmup ? this.values[outputIndex] : Number.NaN;
  }

  get isStable(): boolean {
    return this.bars >= this.warmup;
  }

  /** Consumes one bar; `this.bars` already counts it. */
  protected abstract step(open: number, high: number, low: number, close: number, volume: number, timeNs: bigint): void;
}
