// One exponential moving average, TA-Lib style: alpha = 2/(N+1), seeded with the
// simple mean of the first N inputs, then value = (x - value) * alpha + value
// (the exact operation order of TA-Lib's TA_INT_EMA, so results agree to the bit).

export class EmaState {
  readonly alpha: number;
  private seen = 0;
  private seedSum = 0;
  current = Number.NaN;

  constructor(readonly period: number) {
    this.alpha = 2 / (period + 1);
  }

  /** True once N inputs were seen. */
  get ready(): boolean {
    return this.seen >= this.period;
  }

  push(x: number): void {
    this.seen += 1;
    if (this.seen < this.period) {
      this.seedSum += x;
    } else if (this.seen === this.period) {
      this.seedSum += x;
      this.current = this.seedSum / this.period;
    } else {
      this.current = (x - this.current) * this.alpha + this.current;
    }
  }
}
